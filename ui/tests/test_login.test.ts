// Step 7's components: the report (failed checks first with their fix-step button, attributes, clock, the decoded
// response with the signed part marked), the exchange picture, and the ways (paste, login window) sending what the
// core expects.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync } from "svelte";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Action, Block, TestLoginWayBlock, TestReportBlock, WizardView } from "../src/lib/types";
import { coreView, mountApp, unmountApp, idle } from "./fixtures";

interface Call {
  cmd: string;
  args: unknown;
}
let calls: Call[] = [];
let target: HTMLElement;

function actions(): Action[] {
  return calls.filter((c) => c.cmd === "wizard_apply").map((c) => (c.args as { action: Action }).action);
}

/** Step 7 (Infisical on JumpCloud) before any test login, as the core sent it. */
const step7 = coreView("test_login");

/** Step 7 as the core draws it, with `blocks` on its page. */
function page(blocks: Block[]): WizardView {
  return { ...step7, page: { ...step7.page, blocks } };
}

const report: TestReportBlock = {
  kind: "test_report",
  passed: false,
  source: "Pasted response",
  flow: "IdP-initiated: the response is unsolicited (it answers no sign-in request), so nothing ties it to a request.",
  headline: "Failed: 1 of 3 checks failed. Fix them where each one says, then test again.",
  signed_by: "The IdP now signs with the next certificate (SHA-256 AB:CD), which the SP does not hold: add the next certificate to the SP now (or paste it in place of the old one) and sign in again. Until then every login fails.",
  evidence_note: "Not recorded as evidence: the test login did not pass (signature_required).",
  evidence_severity: "error",
  checks: [
    {
      id: "signature_required",
      ok: false,
      message: "a signature in the response does not verify",
      expected: "a valid Assertion signature",
      found: "assertion signature: digest mismatch",
      hint: "fix the failed signature check",
      step: "certificate",
      step_number: 5,
      step_title: "Certificate",
      fix_elsewhere: true,
    },
    {
      id: "assertion_signature_digest",
      ok: false,
      message: "the digest does not match",
      expected: null,
      found: null,
      hint: "capture the response again, unmodified",
      step: "test_login",
      step_number: 7,
      step_title: "Test login",
      fix_elsewhere: false,
    },
    { id: "audience", ok: true, message: "the audience is the SP", expected: null, found: null, hint: null, step: "sp_values", step_number: 2, step_title: "Service provider values", fix_elsewhere: false },
    { id: "response_issuer", ok: true, message: "the issuer is the IdP", expected: null, found: null, hint: null, step: "idp_app", step_number: 3, step_title: "IdP application", fix_elsewhere: false },
  ],
  not_evaluated: ["InResponseTo: which sign-in request a pasted response answers cannot be known"],
  attributes: [
    { sp_name: "email", idp_name: "email", received_as: "email", values: ["ada@example.com"], arrival: "received", note: null },
    { sp_name: "firstName", idp_name: "firstname", received_as: "FirstName", values: ["Ada"], arrival: "wrong_case", note: "Sent as \"FirstName\" but Infisical looks for \"firstName\"" },
  ],
  clock: { checked_at: "2026-11-25T19:00:00Z", issue_instant: "2026-11-25T18:59:58Z", difference_seconds: 2, allowed_seconds: 180, ok: true, text: "The clocks agree within 2 s." },
  xml: [
    { depth: 0, text: "<saml2p:Response ID=\"_r\">", signed: false, decrypted: false },
    { depth: 1, text: "<saml2:Assertion ID=\"_a\">", signed: true, decrypted: false },
    { depth: 1, text: "</saml2:Assertion>", signed: true, decrypted: false },
    { depth: 0, text: "</saml2p:Response>", signed: false, decrypted: false },
  ],
  attribute_suggestions: [],
  diagnosis: null,
  xml_note: "The highlighted part is covered by a signature.",
  decrypted: null,
  export_name: "ssopilot-test-login-1",
};

/** One of step 7's ways as the core draws it before any test login, with `extra` set. */
function way(w: TestLoginWayBlock["way"], extra: Partial<TestLoginWayBlock> = {}): TestLoginWayBlock {
  const real = step7.page.blocks.find((b): b is TestLoginWayBlock => b.kind === "test_login_way" && b.way === w);
  if (!real) throw new Error(`step 7 has no ${w} way`);
  return { ...real, ...extra };
}

async function start(): Promise<void> {
  target = await mountApp();
}

beforeEach(() => {
  calls = [];
});

afterEach(unmountApp);

describe("test login step", () => {
  it("draws the report failed first, with the fix step, the attributes, the clock and the signed part", async () => {
    const exchange: Block = {
      kind: "exchange",
      idp_initiated: true,
      sp_label: "Infisical",
      idp_label: "JumpCloud",
      acs_label: "Infisical's ACS URL",
      legs: [
        { id: "sign_in", from: "browser", to: "idp", label: "The user signs in", state: "done", problem: null },
        { id: "response", from: "idp", to: "browser", label: "Signed SAMLResponse", state: "failed", problem: "a signature does not verify" },
      ],
      caption: "Where it failed: Signed SAMLResponse.",
    };
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return page([exchange, report]);
    });
    await start();
    const checks = [...target.querySelectorAll<HTMLElement>("[data-check]")];
    expect(checks.map((c) => c.dataset.ok)).toEqual(["false", "false", "true", "true"]);
    expect(checks[0]?.textContent).toContain("Expected: a valid Assertion signature");
    expect(checks[0]?.textContent).toContain("Found: assertion signature: digest mismatch");
    // Only failures fixed in another step get a fix-step button; it goes to the step the core named.
    const fix = target.querySelectorAll<HTMLButtonElement>("[data-testid=fix-step]");
    expect(fix.length).toBe(1);
    expect(fix[0]?.textContent).toContain("Go to step 5 (Certificate)");
    fix[0]?.click();
    await idle();
    expect(actions()).toEqual([{ type: "go_to", step: "certificate" }]);
    expect(target.querySelector('[data-arrival="wrong_case"]')?.textContent).toContain("wrong case");
    expect(target.querySelector("[data-testid=clock]")?.textContent).toContain("within 2 s");
    expect(target.querySelector("[data-testid=report-flow]")?.textContent).toContain("IdP-initiated");
    const signed = [...target.querySelectorAll(".xml-line.signed")].map((l) => l.textContent?.trim());
    expect(signed).toEqual(['<saml2:Assertion ID="_a">', "</saml2:Assertion>"]);
    expect(target.querySelector("[data-testid=evidence-note]")?.textContent).toContain("Not recorded as evidence");
    expect(target.querySelector("[data-testid=signed-by]")?.textContent).toContain("The IdP now signs with the next certificate");
    expect(target.textContent).toContain("InResponseTo: which sign-in request");
    // The picture marks the failed leg.
    expect(target.querySelector('[data-leg="response"]')?.getAttribute("data-state")).toBe("failed");
    expect(target.querySelector('[data-leg="sign_in"]')?.getAttribute("data-state")).toBe("done");
  });

  it("says an encrypted assertion was decrypted, with which key, and marks it in the decoded response", async () => {
    const decrypted: TestReportBlock = {
      ...report,
      passed: true,
      source: "SSO Pilot's test SP (loopback)",
      decrypted: "The assertion arrived encrypted and was decrypted with the test SP's encryption key.",
      xml: [
        { depth: 0, text: "<saml2p:Response ID=\"_r\">", signed: false, decrypted: false },
        { depth: 1, text: "<saml2:Assertion ID=\"_a\">", signed: true, decrypted: true },
        { depth: 2, text: "<saml2:Subject>", signed: true, decrypted: true },
        { depth: 1, text: "</saml2:Assertion>", signed: true, decrypted: true },
        { depth: 0, text: "</saml2p:Response>", signed: false, decrypted: false },
      ],
    };
    mockIPC(() => page([decrypted]));
    await start();
    expect(target.querySelector("[data-testid=decrypted-note]")?.textContent).toContain(
      "decrypted with the test SP's encryption key",
    );
    const lines = [...target.querySelectorAll<HTMLElement>(".xml-line.decrypted")];
    expect(lines.map((l) => l.classList.contains("signed"))).toEqual([true, true, true]);
    // The tag once, on the decrypted element's start tag.
    expect(lines[0]?.textContent?.trim()).toBe('<saml2:Assertion ID="_a"> decrypted');
    expect(target.querySelectorAll(".xml-line .xml-tag").length).toBe(1);
  });

  it("loads the SP's private key for a pasted check through the shell, says how it is kept, and forgets it", async () => {
    const offer = way("paste");
    expect(offer.decryption_key?.note).toContain("memory only");
    const loaded = way("paste", {
      decryption_key: { loaded: "sp-key.pem (public key SHA-256 AB:CD)", note: offer.decryption_key?.note ?? "" },
    });
    let current = page([offer]);
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "paste_key_open") current = page([loaded]);
      if (cmd === "wizard_apply") current = page([offer]);
      return current;
    });
    await start();
    expect(target.querySelector("[data-testid=paste-key]")?.textContent).toContain("never saved");
    target.querySelector<HTMLButtonElement>("[data-testid=paste-key-open]")?.click();
    await idle();
    expect(calls.map((c) => c.cmd)).toContain("paste_key_open");
    expect(target.querySelector("[data-testid=paste-key-loaded]")?.textContent).toContain("sp-key.pem (public key SHA-256");
    target.querySelector<HTMLButtonElement>("[data-testid=paste-key-forget]")?.click();
    await idle();
    expect(actions()).toContainEqual({ type: "forget_paste_key" });
    expect(target.querySelector("[data-testid=paste-key-loaded]")).toBeNull();
  });

  it("shows no decryption note for a report of a response sent in clear", async () => {
    mockIPC(() => page([report]));
    await start();
    expect(target.querySelector("[data-testid=decrypted-note]")).toBeNull();
    expect(target.querySelectorAll(".xml-line.decrypted").length).toBe(0);
  });

  it("sends a pasted response to the core, and opens, continues and stops the login window", async () => {
    let current = page([way("login_window"), way("paste")]);
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "login_window_open") current = page([way("login_window", { captured: true }), way("paste")]);
      if (cmd === "login_window_continue") current = page([way("login_window"), way("paste")]);
      return current;
    });
    await start();
    const check = target.querySelector<HTMLButtonElement>("[data-testid=start-paste]");
    expect(check?.disabled).toBe(true);
    const area = target.querySelector<HTMLTextAreaElement>("[data-testid=paste-response]");
    if (area) area.value = "PHNhbWw+";
    area?.dispatchEvent(new Event("input", { bubbles: true }));
    flushSync();
    expect(check?.disabled).toBe(false);
    check?.click();
    await idle();
    // Checked by the shell's worker, not through the action queue.
    expect(calls.find((c) => c.cmd === "paste_check")?.args).toEqual({ text: "PHNhbWw+" });
    expect(actions()).toEqual([]);
    target.querySelector<HTMLButtonElement>("[data-testid=start-login_window]")?.click();
    await idle();
    expect(calls.some((c) => c.cmd === "login_window_open")).toBe(true);
    const cont = target.querySelector<HTMLButtonElement>("[data-testid=login-continue]");
    expect(cont?.textContent).toContain("Continue to Infisical");
    expect(target.querySelector("[data-testid=login-stop]")).not.toBeNull();
    cont?.click();
    await idle();
    expect(calls.map((c) => c.cmd)).toContain("login_window_continue");
    expect(target.querySelector("[data-testid=login-continue]")).toBeNull();
  });

  it("offers the ways to start the core allows, preselected, and sends the admin's choices", async () => {
    const current = page([way("login_window")]);
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return current;
    });
    await start();
    const options = [...target.querySelectorAll<HTMLInputElement>("[data-testid^=login-start-]")];
    // JumpCloud with Infisical, as the core drew it: our request first and chosen, then the IDP URL, then Infisical's page.
    expect(options.map((o) => o.value)).toEqual(["sp_initiated", "idp_initiated", "sp_login_page"]);
    expect(options.map((o) => o.checked)).toEqual([true, false, false]);
    expect(target.querySelector("[data-testid=login-start]")?.textContent).toContain("InResponseTo is checked");
    const idp = options[1];
    if (idp) idp.checked = true;
    idp?.dispatchEvent(new Event("change", { bubbles: true }));
    await idle();
    const sign = target.querySelector<HTMLInputElement>("[data-testid=login-request-sign]");
    if (sign) sign.checked = true;
    sign?.dispatchEvent(new Event("change", { bubbles: true }));
    await idle();
    // The binding is a choice of two, HTTP-Redirect preselected.
    const redirect = target.querySelector<HTMLInputElement>("[data-testid=login-request-redirect]");
    const post = target.querySelector<HTMLInputElement>("[data-testid=login-request-post]");
    expect([redirect?.checked, post?.checked]).toEqual([true, false]);
    if (post) post.checked = true;
    post?.dispatchEvent(new Event("change", { bubbles: true }));
    await idle();
    expect(actions()).toEqual([
      { type: "set_login_start", start: "idp_initiated" },
      { type: "set_login_request", post: false, sign: true },
      { type: "set_login_request", post: true, sign: false },
    ]);
  });

  it("shows the test SP's signing certificate with a copy button when the request is signed", async () => {
    const choices = way("login_window").start;
    if (!choices?.request) throw new Error("step 7's fixture has no request choice");
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";
    const signed = { ...choices.request, sign: true, note: "give the application the test SP's certificate (below)", certificate: pem };
    const drawn = page([way("login_window", { start: { ...choices, request: signed } })]);
    mockIPC(() => drawn);
    await start();
    expect(target.querySelector("[data-testid=login-request-certificate]")?.textContent).toBe(pem);
    expect(target.querySelector("[aria-label='Copy Test SP signing certificate']")).not.toBeNull();
    expect(target.querySelector("[data-testid=login-request-certificate]")?.getAttribute("aria-labelledby")).toBeTruthy();
  });

  it("shows no certificate for an unsigned request", async () => {
    mockIPC(() => page([way("login_window")]));
    await start();
    expect(target.querySelector("[data-testid=login-request-sign]")).not.toBeNull();
    expect(target.querySelector("[data-testid=login-request-certificate]")).toBeNull();
  });

  it("shows progress and Cancel while the test SP waits, and the timeout message after", async () => {
    let current = page([way("loopback", { running: true, url: "http://127.0.0.1:8741/acs" })]);
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "loopback_test_cancel") current = page([way("loopback", { error: "No response reached the test SP within 300 s." })]);
      return current;
    });
    await start();
    expect(target.querySelector("[role=status]")?.textContent).toContain("Waiting for the browser");
    expect(target.textContent).toContain("http://127.0.0.1:8741/acs");
    target.querySelector<HTMLButtonElement>("[data-testid=loopback-cancel]")?.click();
    await idle();
    expect(calls.map((c) => c.cmd)).toContain("loopback_test_cancel");
    expect(target.querySelector("[data-testid=loopback-cancel]")).toBeNull();
    expect(target.querySelector("[role=alert]")?.textContent).toContain("within 300 s");
    expect(target.querySelector<HTMLButtonElement>("[data-testid=start-loopback]")?.disabled).toBe(false);
  });

  it("Escape cancels the waiting test SP, and stops the login window", async () => {
    let current = page([way("loopback", { running: true, url: "http://127.0.0.1:8741/acs" })]);
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "loopback_test_cancel") current = page([way("login_window", { running: true })]);
      if (cmd === "login_window_stop") current = page([way("login_window")]);
      return current;
    });
    await start();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await idle();
    expect(calls.map((c) => c.cmd)).toContain("loopback_test_cancel");
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await idle();
    expect(calls.map((c) => c.cmd)).toContain("login_window_stop");
    // Nothing runs any more: Escape sends nothing.
    const before = calls.length;
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await idle();
    expect(calls.slice(before).map((c) => c.cmd)).not.toContain("login_window_stop");
  });

  it("shows progress in a live region while a paste is checked; Cancel and Escape drop its result", async () => {
    const passed: TestReportBlock = { ...report, passed: true, source: "Pasted response", headline: "Passed: all 3 checks passed" };
    let answer: (v: WizardView) => void = () => {};
    let current = page([way("paste", { value: "PHNhbWw+" })]);
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      // The check answers only when the test says so; Cancel answers at once.
      if (cmd === "paste_check") return new Promise<WizardView>((resolve) => (answer = resolve));
      if (cmd === "paste_check_cancel") current = page([way("paste", { value: "PHNhbWw+" })]);
      return current;
    });
    await start();
    const paste = async (): Promise<void> => {
      target.querySelector<HTMLButtonElement>("[data-testid=start-paste]")?.click();
      await idle();
    };
    await paste();
    const progress = target.querySelector("[data-testid=paste-progress]");
    expect(progress?.textContent).toContain("Checking the response…");
    expect(progress?.getAttribute("role")).toBe("status");
    expect(progress?.getAttribute("aria-live")).toBe("polite");
    expect(target.querySelector("[data-testid=start-paste]")).toBeNull();
    expect(target.querySelector('[data-way="paste"]')?.getAttribute("aria-busy")).toBe("true");

    // Cancel: the progress goes, and the late answer (a pass) is not drawn.
    target.querySelector<HTMLButtonElement>("[data-testid=paste-cancel]")?.click();
    await idle();
    expect(calls.map((c) => c.cmd)).toContain("paste_check_cancel");
    expect(target.querySelector("[data-testid=paste-progress]")).toBeNull();
    answer(page([passed, way("paste", { value: "PHNhbWw+" })]));
    await idle();
    expect(target.querySelector("[data-testid=test-report]")).toBeNull();

    // Escape cancels too.
    await paste();
    expect(target.querySelector("[data-testid=paste-progress]")).not.toBeNull();
    const cancels = calls.filter((c) => c.cmd === "paste_check_cancel").length;
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await idle();
    expect(calls.filter((c) => c.cmd === "paste_check_cancel").length).toBe(cancels + 1);
    expect(target.querySelector("[data-testid=paste-progress]")).toBeNull();

    // A check that is let finish is drawn.
    await paste();
    answer(page([passed, way("paste", { value: "PHNhbWw+" })]));
    await idle();
    expect(target.querySelector("[data-testid=paste-progress]")).toBeNull();
    expect(target.querySelector("[data-testid=test-report]")?.textContent).toContain("Passed");
  });

  it("shows why a way cannot run", async () => {
    mockIPC(() => page([way("loopback", { unavailable: "Complete step 5 (Certificate) first" })]));
    await start();
    expect(target.querySelector<HTMLButtonElement>("[data-testid=start-loopback]")?.disabled).toBe(true);
    expect(target.textContent).toContain("Complete step 5 (Certificate) first");
  });
});
