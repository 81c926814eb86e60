// Times as a person reads them. The core sends RFC 3339 in UTC (`2026-12-03T09:47:34.759977151Z`), which is exact but
// hard to read; the app shows the local time with its zone to the second, how long ago it was, and keeps the exact
// RFC 3339 for a tooltip. Every time the app shows goes through here.

/** An RFC 3339 date-time, as the core writes them (fractional seconds and an offset or Z). */
const RFC3339 = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;

/** Where and how to show a time. Tests fix the zone and the locale; the app leaves them to the machine. */
export interface TimeOptions {
  /** An IANA zone (`Europe/Paris`); the machine's when absent. */
  timeZone?: string;
  /** A BCP 47 locale (`en-GB`); the machine's when absent. */
  locale?: string;
}

/** A time ready to show. */
export interface ShownTime {
  /** Local date and time with the zone, to the second: `3 Dec 2026, 10:47:34 CET`. */
  local: string;
  /** How long before (or after) `now`: `3 minutes ago`, `just now`, `in 2 hours`. */
  ago: string;
  /** The exact RFC 3339 the core sent, for the tooltip and `<time datetime>`. */
  exact: string;
}

/** The instant of an RFC 3339 string, or `null` when it is not one. JavaScript keeps milliseconds only. */
export function parseRfc3339(text: string): Date | null {
  const whole = new RegExp(`^${RFC3339.source}$`);
  if (!whole.test(text)) return null;
  // Date.parse accepts three fractional digits; the core writes up to nine.
  const trimmed = text.replace(/\.(\d{1,3})\d*/, (_, ms: string) => `.${ms.padEnd(3, "0")}`);
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** `exact` as local time with its zone, and how long before `now` it was; `null` when `exact` is not RFC 3339. */
export function showTime(exact: string, now: Date, options: TimeOptions = {}): ShownTime | null {
  const at = parseRfc3339(exact);
  if (!at) return null;
  const local = new Intl.DateTimeFormat(options.locale, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZoneName: "short",
    timeZone: options.timeZone,
  }).format(at);
  return { local, ago: howLongAgo(at, now, options.locale), exact };
}

/** `at` relative to `now` in words: within 45 seconds is "just now", then minutes, hours, days, months, years. */
export function howLongAgo(at: Date, now: Date, locale?: string): string {
  const seconds = (at.getTime() - now.getTime()) / 1000;
  const size = Math.abs(seconds);
  if (size < 45) return "just now";
  const words = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const units: [Intl.RelativeTimeFormatUnit, number, number][] = [
    // unit, seconds in one, shown below this many seconds
    ["minute", 60, 3600],
    ["hour", 3600, 86400],
    ["day", 86400, 30 * 86400],
    ["month", 30 * 86400, 365 * 86400],
  ];
  for (const [unit, one, below] of units) {
    if (size < below) return words.format(Math.round(seconds / one), unit);
  }
  return words.format(Math.round(seconds / (365 * 86400)), "year");
}

/** A piece of a text from the core: words, or a time to show with [`showTime`]. */
export type TextPart = { kind: "text"; text: string } | { kind: "time"; exact: string };

/** `text` cut around the RFC 3339 times it holds ("enforced since 2026-12-03T09:47:34Z."), so each can be shown. */
export function splitTimes(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(RFC3339)) {
    const start = match.index;
    if (parseRfc3339(match[0]) === null) continue;
    if (start > last) parts.push({ kind: "text", text: text.slice(last, start) });
    parts.push({ kind: "time", exact: match[0] });
    last = start + match[0].length;
  }
  if (last < text.length) parts.push({ kind: "text", text: text.slice(last) });
  return parts;
}
