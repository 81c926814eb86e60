// What a screen reader meets: the step list as navigation with the current step, a locked step's reason said once,
// Copy buttons that say what they copy, errors announced, and times read as local time with the exact one at hand.

import { afterEach, describe, expect, it } from "vitest";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Block, WizardView } from "../src/lib/types";
import { blockOf, coreView, mountApp, unmountApp, view, type Fixture } from "./fixtures";

const ALL: Fixture[] = [
  "providers",
  "providers_demo_unavailable",
  "sp_values",
  "sp_values_bad_acs",
  "sp_values_done",
  "idp_app_import_error",
  "attributes_row_error",
  "certificate_key_removed",
  "test_login",
  "enable",
  "enforce",
  "unreadable_progress",
];

async function show(v: WizardView): Promise<HTMLElement> {
  mockIPC((cmd) => (cmd === "wizard_view" ? v : undefined));
  return mountApp();
}

afterEach(unmountApp);

describe("the step list", () => {
  it("is navigation with the current step, and only it, marked as the current step", async () => {
    for (const name of ALL) {
      const v = coreView(name);
      const target = await show(v);
      const nav = target.querySelector("nav[aria-label=Steps]");
      const current = nav?.querySelectorAll("[aria-current]") ?? [];
      expect(current, name).toHaveLength(1);
      expect(current[0]?.getAttribute("aria-current"), name).toBe("step");
      expect(current[0]?.closest("li")?.dataset.step, name).toBe(v.current);
      unmountApp();
    }
  });

  it("says a locked step's reason once, and every locked step it applies to points to it", async () => {
    const v = coreView("providers");
    // The core says why under the first locked step only; the later ones only name the step to complete.
    const why = v.steps[1]?.reason ?? "";
    expect(why).toMatch(/^Complete step 1 \(Providers\) first: ./);
    const short = v.steps[2]?.reason ?? "";
    expect(short).toBe("Complete step 1 (Providers) first.");
    expect(v.steps.filter((s) => s.reason === short)).toHaveLength(7);
    const target = await show(v);
    const nav = target.querySelector<HTMLElement>("nav[aria-label=Steps]");
    expect(nav?.textContent?.split(why)).toHaveLength(2);
    expect(nav?.textContent?.split(short)).toHaveLength(2);
    const said = [...(nav?.querySelectorAll<HTMLElement>("[data-testid=step-reason]") ?? [])];
    // Step 1's own "to do", the why under step 2, and the one line the later locked steps share.
    expect(said.map((r) => r.closest("li")?.dataset.step)).toEqual(["providers", "sp_values", "idp_app"]);
    const whyLine = said[1];
    const sharedLine = said[2];
    for (const step of v.steps.slice(1)) {
      const button = nav?.querySelector(`[data-step="${step.id}"] button`);
      expect(button?.textContent, step.id).toContain("Locked");
      const line = step.id === "sp_values" ? whyLine : sharedLine;
      expect(button?.getAttribute("aria-describedby"), step.id).toBe(line?.id);
    }
  });

  it("keeps different reasons apart (steps locked by different steps)", async () => {
    const v = coreView("enable");
    const steps = v.steps.map((s, i) =>
      i >= 7 ? { ...s, status: "locked" as const, reason: `Complete step ${i} first` } : s,
    );
    const target = await show({ ...v, steps });
    const said = [...target.querySelectorAll("nav [data-testid=step-reason]")].map((r) => r.textContent);
    expect(said).toContain("Complete step 7 first");
    expect(said).toContain("Complete step 8 first");
  });
});

describe("copy buttons", () => {
  it("say what they copy in their accessible name, on every page the core draws", async () => {
    let seen = 0;
    for (const name of ALL) {
      const target = await show(coreView(name));
      for (const button of target.querySelectorAll<HTMLButtonElement>(".copy-button")) {
        seen += 1;
        const label = button.getAttribute("aria-label") ?? "";
        expect(label, name).toMatch(/^Copy \S/);
        // The visible word is part of the name (WCAG 2.5.3 label in name).
        expect(label.startsWith(button.textContent?.trim() ?? "?"), name).toBe(true);
      }
      unmountApp();
    }
    expect(seen).toBeGreaterThan(2);
    const target = await show(coreView("sp_values_done"));
    const names = [...target.querySelectorAll(".copy-button")].map((b) => b.getAttribute("aria-label"));
    expect(names).toContain("Copy ACS URL");
  });
});

describe("scrolling boxes", () => {
  it("a certificate's text that scrolls in its box is reachable with the keyboard and named", async () => {
    const target = await show(coreView("enable"));
    const pem = target.querySelector<HTMLElement>("[data-testid=certificate-pem]");
    expect(pem?.tabIndex).toBe(0);
    expect(pem?.getAttribute("role")).toBe("region");
    const label = target.querySelector(`#${pem?.getAttribute("aria-labelledby")}`);
    expect(label?.textContent).toBe(blockOf(coreView("enable"), "certificate_pem").label);
  });
});

describe("errors", () => {
  it("a field's error is in a live region and describes the field", async () => {
    const target = await show(coreView("sp_values_bad_acs"));
    const input = target.querySelector<HTMLInputElement>("input[aria-invalid=true]");
    const error = target.querySelector<HTMLElement>(`#${input?.getAttribute("aria-describedby")?.split(" ").find((id) => id.endsWith("-error"))}`);
    expect(error?.textContent).toBe(blockOf(coreView("sp_values_bad_acs"), "input", "acs_url").error);
    expect(error?.closest("[aria-live]")?.getAttribute("aria-live")).toBe("polite");
  });

  it("an attribute row's error is announced and describes both fields of the row", async () => {
    const target = await show(coreView("attributes_row_error"));
    const error = target.querySelector<HTMLElement>(".row-error .error-text");
    expect(error?.getAttribute("role")).toBe("status");
    expect(error?.textContent).toBe("Type the JumpCloud attribute that fills email on the right");
    for (const side of ["sp", "idp"]) {
      const input = target.querySelector(`[data-attribute="0-${side}"]`);
      expect(input?.getAttribute("aria-invalid"), side).toBe("true");
      expect(input?.getAttribute("aria-describedby"), side).toBe(error?.id);
    }
    expect(target.querySelector('[data-attribute="1-sp"]')?.hasAttribute("aria-invalid")).toBe(false);
  });

  it("error notices and callouts are alerts", async () => {
    const v = view([{ kind: "callout", severity: "error", text: "The certificate expired" }], {
      enabled: false,
      reason: "Fix the certificate",
    });
    const target = await show({ ...v, notices: [{ severity: "error", text: "Could not save" }] });
    expect(target.querySelector(".notice.error")?.getAttribute("role")).toBe("alert");
    expect(target.querySelector(".callout.error")?.getAttribute("role")).toBe("alert");
    expect(target.querySelector("[data-testid=next-reason]")?.getAttribute("aria-live")).toBe("polite");
  });
});

describe("times", () => {
  const AT = "2026-12-03T09:47:34.759977151Z";

  it("show the local time in a <time> with the exact RFC 3339 as its tooltip, never the raw text", async () => {
    const v = view(
      [
        { kind: "facts", rows: [{ label: "Tested at", value: AT }] },
        { kind: "callout", severity: "warning", text: `The test login by ada at ${AT} passed for an earlier setup.` },
      ],
      { enabled: true, reason: null },
    );
    const target = await show({ ...v, page: { ...v.page, intro: `Enforced since ${AT}.` } });
    const times = [...target.querySelectorAll<HTMLTimeElement>("main time")];
    expect(times).toHaveLength(3);
    for (const time of times) {
      expect(time.getAttribute("datetime")).toBe(AT);
      expect(time.title).toBe(AT);
      expect(time.textContent).toMatch(/2026.*\d{2}:\d{2}:\d{2}.* \((.* ago|in .*)\)$/);
      expect(time.textContent).not.toMatch(/\S\(/);
    }
    expect(target.querySelector("main")?.textContent).not.toContain(AT);
    expect(target.querySelector(".intro")?.textContent).toMatch(/^Enforced since .*\)\.$/);
  });

  it("in the test report's clock: when it was checked (and how long ago), and the IssueInstant", async () => {
    const report: Block = {
      kind: "test_report",
      passed: true,
      source: "Pasted response",
      flow: null,
      headline: "Passed",
      signed_by: null,
      evidence_note: "Recorded as evidence.",
      evidence_severity: "info",
      checks: [],
      not_evaluated: [],
      attributes: [],
      clock: {
        checked_at: "2026-11-25T19:00:00.123456789Z",
        issue_instant: "2026-11-25T18:59:58Z",
        difference_seconds: 2,
        allowed_seconds: 180,
        ok: true,
        text: "The clocks agree within 2 s.",
      },
      xml: [],
      attribute_suggestions: [],
      diagnosis: null,
      xml_note: "",
      decrypted: null,
      export_name: "test-login",
    };
    const target = await show(view([report], { enabled: true, reason: null }));
    const clock = target.querySelector<HTMLElement>("[data-testid=clock]");
    const times = [...(clock?.querySelectorAll("time") ?? [])];
    expect(times.map((t) => t.getAttribute("datetime"))).toEqual(["2026-11-25T19:00:00.123456789Z", "2026-11-25T18:59:58Z"]);
    expect(times[0]?.textContent).toMatch(/\(.* ago\)$/);
    expect(times[1]?.textContent).not.toContain("(");
    expect(clock?.textContent).not.toContain("2026-11-25T");
  });

  it("in the step list too (a stale test login's time)", async () => {
    const v = coreView("enable");
    const steps = v.steps.map((s) =>
      s.id === "enforce" ? { ...s, status: "locked" as const, reason: `The test login at ${AT} is stale` } : s,
    );
    const target = await show({ ...v, steps });
    const time = target.querySelector("nav time");
    expect(time?.getAttribute("title")).toBe(AT);
    expect(target.querySelector("nav")?.textContent).not.toContain(AT);
  });
});
