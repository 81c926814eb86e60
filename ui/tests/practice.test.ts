// Issue 21 in the UI: the step-7 report's diagnosis (cause, expected/found, fix, the button to the fixing step) and
// attribute suggestions (Apply in step 4), step 1's practice list, and the practice banner on every screen.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Action, Block, TestReportBlock, WizardView } from "../src/lib/types";
import { coreView, mountApp, unmountApp, idle } from "./fixtures";

let sent: Action[] = [];
let target: HTMLElement;

function serve(v: WizardView): void {
  mockIPC((cmd, args) => {
    if (cmd === "wizard_apply") sent.push((args as { action: Action }).action);
    return v;
  });
}

function onPage(name: "test_login" | "providers" | "enable", blocks: Block[], extra: Partial<WizardView> = {}): WizardView {
  const v = coreView(name);
  return { ...v, page: { ...v.page, blocks }, ...extra };
}

const report: TestReportBlock = {
  kind: "test_report",
  passed: false,
  source: "Login window (SP-initiated, HTTP-Redirect, unsigned)",
  flow: null,
  signed_by: null,
  decrypted: null,
  headline: "Failed: 1 of 20 checks failed. Fix them where each one says, then test again.",
  evidence_note: "Not recorded as evidence: this was a practice run (planted misconfiguration \"attribute-case\").",
  evidence_severity: "error",
  checks: [],
  not_evaluated: [],
  attributes: [],
  attribute_suggestions: [
    {
      sp_attribute: "firstName",
      idp_attribute: "FirstName",
      reason: "case",
      text: "Infisical reads \"firstName\"; the demo IdP sends \"FirstName\": attribute names are case-sensitive.",
    },
  ],
  diagnosis: {
    cause: "the demo IdP sends \"FirstName\" where Infisical reads \"firstName\": attribute names are case-sensitive",
    step: 4,
    step_id: "attributes",
    step_title: "Attributes",
    fix: "Rename the attribute \"FirstName\" to \"firstName\" in the IdP application's attributes, then test again.",
    expected: "firstName",
    found: "FirstName",
    severity: "error",
    rule: null,
  },
  clock: null,
  xml: [],
  xml_note: "",
  export_name: "ssopilot-test-login-1",
};

beforeEach(() => {
  sent = [];
});
afterEach(unmountApp);

describe("diagnosis and suggestions in the step-7 report", () => {
  it("shows the diagnosis before the checks, with expected/found, the fix and a named button to the step", async () => {
    serve(onPage("test_login", [report]));
    target = await mountApp();
    const d = target.querySelector<HTMLElement>("[data-testid=diagnosis]");
    expect(d).not.toBeNull();
    expect(d?.textContent).toContain("case-sensitive");
    expect(d?.textContent).toContain("Expected");
    expect(d?.querySelector("dd code")?.textContent).toBe("firstName");
    expect(d?.textContent).toContain("Rename the attribute");
    // Before the checks' heading.
    const checks = [...target.querySelectorAll("h3")].find((h) => h.textContent === "Checks");
    expect(d && checks && d.compareDocumentPosition(checks) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    const go = target.querySelector<HTMLButtonElement>("[data-testid=diagnosis-go]");
    expect(go?.textContent?.trim()).toBe("Go to step 4: Attributes");
    go?.click();
    await idle();
    expect(sent).toEqual([{ type: "go_to", step: "attributes" }]);
  });

  it("offers each suggestion with an Apply in step 4 button that sends the core's action", async () => {
    serve(onPage("test_login", [report]));
    target = await mountApp();
    const li = target.querySelector<HTMLElement>("[data-testid=attribute-suggestions] li");
    expect(li?.dataset.reason).toBe("case");
    expect(li?.textContent).toContain("case-sensitive");
    const apply = li?.querySelector("button");
    expect(apply?.textContent?.trim()).toBe("Apply in step 4");
    expect(apply?.getAttribute("aria-label")).toBe("Apply in step 4: fill firstName from FirstName");
    apply?.click();
    await idle();
    expect(sent).toEqual([{ type: "apply_attribute_suggestion", sp_attribute: "firstName", idp_attribute: "FirstName" }]);
  });

  it("shows neither when the core sends none", async () => {
    serve(onPage("test_login", [{ ...report, diagnosis: null, attribute_suggestions: [] }]));
    target = await mountApp();
    expect(target.querySelector("[data-testid=diagnosis]")).toBeNull();
    expect(target.querySelector("[data-testid=attribute-suggestions]")).toBeNull();
  });
});

describe("practice mode", () => {
  const practice = {
    fault: "attribute-case",
    fixed: false,
    text: "Practice: planted misconfiguration \"attribute-case\" (the demo IdP runs with it).",
  };

  it("shows no banner without practice", async () => {
    serve(coreView("enable"));
    target = await mountApp();
    expect(target.querySelector("[data-testid=practice-banner]")).toBeNull();
  });

  it("shows the banner as a status region on any screen, and leaving practice is one named button", async () => {
    for (const name of ["providers", "enable"] as const) {
      serve({ ...coreView(name), practice });
      target = await mountApp();
      const banner = target.querySelector<HTMLElement>("[data-testid=practice-banner]");
      expect(banner?.getAttribute("role")).toBe("status");
      expect(banner?.textContent).toContain("Practice");
      expect(banner?.textContent).toContain("attribute-case");
      const leave = banner?.querySelector("button");
      expect(leave?.textContent?.trim()).toBe("Leave practice mode");
      leave?.click();
      await idle();
      expect(sent).toEqual([{ type: "leave_practice" }]);
      sent = [];
      unmountApp();
    }
  });

  it("lists the core's faults on step 1 and plants the chosen one", async () => {
    const block: Block = {
      kind: "practice",
      faults: [
        { name: "wrong-acs", summary: "the IdP application's ACS URL differs from the SP's" },
        { name: "attribute-case", summary: "the IdP sends FirstName where the SP reads firstName" },
      ],
      planted: null,
      help: "Plant one common misconfiguration in the demo IdP.",
    };
    serve(onPage("providers", [block]));
    target = await mountApp();
    const section = target.querySelector<HTMLElement>("[data-testid=practice]");
    expect(section?.querySelector("h3")?.textContent).toBe("Practice: plant a misconfiguration");
    const row = section?.querySelector<HTMLElement>('[data-fault="attribute-case"]');
    expect(row?.textContent).toContain("FirstName where the SP reads firstName");
    const plant = row?.querySelector("button");
    expect(plant?.getAttribute("aria-label")).toBe("Plant attribute-case");
    plant?.click();
    await idle();
    expect(sent).toEqual([{ type: "plant_fault", fault: "attribute-case" }]);
  });
});
