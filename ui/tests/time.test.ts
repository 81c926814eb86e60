// Times as a person reads them: fixed instants, a fixed zone and locale (never the machine's).

import { describe, expect, it } from "vitest";
import { howLongAgo, parseRfc3339, showTime, splitTimes } from "../src/lib/time";

const PARIS = { timeZone: "Europe/Paris", locale: "en-GB" };
const NOW = new Date(Date.UTC(2026, 11, 3, 9, 50, 34));

describe("parseRfc3339", () => {
  it("reads the core's nanoseconds to the millisecond, and offsets", () => {
    expect(parseRfc3339("2026-12-03T09:47:34.759977151Z")?.toISOString()).toBe("2026-12-03T09:47:34.759Z");
    expect(parseRfc3339("2026-12-03T10:47:34+01:00")?.toISOString()).toBe("2026-12-03T09:47:34.000Z");
    expect(parseRfc3339("2026-12-03T09:47:34.5Z")?.toISOString()).toBe("2026-12-03T09:47:34.500Z");
  });

  it("refuses what is not a whole RFC 3339 date-time", () => {
    expect(parseRfc3339("2026-12-03")).toBeNull();
    expect(parseRfc3339("yesterday")).toBeNull();
    expect(parseRfc3339("at 2026-12-03T09:47:34Z")).toBeNull();
    expect(parseRfc3339("2026-13-45T09:47:34Z")).toBeNull();
  });
});

describe("showTime", () => {
  it("shows local time with its zone to the second, how long ago, and keeps the exact text", () => {
    const shown = showTime("2026-12-03T09:47:34.759977151Z", NOW, PARIS);
    expect(shown).toEqual({
      local: "3 Dec 2026, 10:47:34 CET",
      ago: "3 minutes ago",
      exact: "2026-12-03T09:47:34.759977151Z",
    });
  });

  it("uses the zone it is given, summer time included", () => {
    const ny = showTime("2026-07-01T12:00:00Z", NOW, { timeZone: "America/New_York", locale: "en-US" });
    expect(ny?.local).toBe("Jul 1, 2026, 08:00:00 AM EDT");
    expect(showTime("2026-07-01T12:00:00Z", NOW, { timeZone: "UTC", locale: "en-GB" })?.local).toBe(
      "1 Jul 2026, 12:00:00 UTC",
    );
  });

  it("returns null for a text that is not a time", () => {
    expect(showTime("not yet", NOW, PARIS)).toBeNull();
  });
});

describe("howLongAgo", () => {
  const before = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);
  it("says just now, then minutes, hours, days, months and years", () => {
    expect(howLongAgo(before(10), NOW, "en")).toBe("just now");
    expect(howLongAgo(before(-10), NOW, "en")).toBe("just now");
    expect(howLongAgo(before(60), NOW, "en")).toBe("1 minute ago");
    expect(howLongAgo(before(3 * 3600), NOW, "en")).toBe("3 hours ago");
    expect(howLongAgo(before(86400), NOW, "en")).toBe("yesterday");
    expect(howLongAgo(before(10 * 86400), NOW, "en")).toBe("10 days ago");
    expect(howLongAgo(before(90 * 86400), NOW, "en")).toBe("3 months ago");
    expect(howLongAgo(before(800 * 86400), NOW, "en")).toBe("2 years ago");
  });

  it("says a time after now as ahead (an IdP clock running fast)", () => {
    expect(howLongAgo(before(-120), NOW, "en")).toBe("in 2 minutes");
  });
});

describe("splitTimes", () => {
  it("cuts a sentence around the times in it", () => {
    expect(splitTimes("SAML SSO is enforced in Infisical since 2026-12-03T09:47:34.759977151Z. Here is all.")).toEqual([
      { kind: "text", text: "SAML SSO is enforced in Infisical since " },
      { kind: "time", exact: "2026-12-03T09:47:34.759977151Z" },
      { kind: "text", text: ". Here is all." },
    ]);
  });

  it("leaves a text without times whole, and a bare time alone", () => {
    expect(splitTimes("Dates as 2026-12-03 stay")).toEqual([{ kind: "text", text: "Dates as 2026-12-03 stay" }]);
    expect(splitTimes("2026-12-03T09:47:34Z")).toEqual([{ kind: "time", exact: "2026-12-03T09:47:34Z" }]);
    expect(splitTimes("")).toEqual([]);
  });
});
