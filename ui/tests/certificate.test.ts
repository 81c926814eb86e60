// Step 5's components: the certificate field (with the private-key removal), the verdict and its one-click repair,
// the PEM, the validity timeline, the facts, and opening a file through the dialog.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Action, Block, CertificateVerdictBlock, WizardView } from "../src/lib/types";
import { blockOf, coreView, mountApp, unmountApp, idle } from "./fixtures";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
/** Step 5 (Infisical on JumpCloud) after a private key was pasted, as the core sent it. */
const keyRemoved = coreView("certificate_key_removed");
const NOTE = blockOf(keyRemoved, "certificate_input").note;

interface Call {
  cmd: string;
  args: unknown;
}
let calls: Call[] = [];
let target: HTMLElement;

function actions(): Action[] {
  return calls.filter((c) => c.cmd === "wizard_apply").map((c) => (c.args as { action: Action }).action);
}

/** Step 5's certificate field as the core draws it, holding `value`, with `note`. */
function field(value: string, note: string | null = null): Block {
  return { ...blockOf(keyRemoved, "certificate_input"), value, note };
}

/** Step 5 as the core draws it, with `blocks` on its page. */
function page(blocks: Block[], enabled = false, reason: string | null = "Paste the certificate"): WizardView {
  return { ...keyRemoved, page: { ...keyRemoved.page, blocks, next: { enabled, reason } } };
}

async function start(): Promise<void> {
  target = await mountApp();
}

beforeEach(() => {
  calls = [];
});

afterEach(unmountApp);

describe("certificate step", () => {
  it("shows the verdict with each finding and sends the repaired PEM in one click", async () => {
    const repaired: Block[] = [
      field("MIIBfake"),
      {
        kind: "certificate_verdict",
        field: "idp_certificate",
        usable: true,
        headline: "Usable: Infisical can verify JumpCloud's signatures with this certificate.",
        findings: [
          { code: "missing_armor", severity: "warning", message: "The BEGIN and END lines were missing.", hint: "Keep them." },
        ],
        repaired_pem: PEM,
      },
    ];
    let current = page(repaired, true, null);
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "wizard_apply") {
        current = page([field(PEM), { ...(repaired[1] as CertificateVerdictBlock), findings: [], repaired_pem: null }], true, null);
      }
      return current;
    });
    await start();
    const verdict = target.querySelector("[data-testid=certificate-verdict]");
    expect(verdict?.classList.contains("usable")).toBe(true);
    const finding = target.querySelector('[data-code="missing_armor"]');
    expect(finding?.textContent).toContain("The BEGIN and END lines were missing.");
    expect(finding?.textContent).toContain("Keep them.");
    target.querySelector<HTMLButtonElement>("[data-testid=use-repaired]")?.click();
    await idle();
    expect(actions()).toEqual([{ type: "set_field", field: "idp_certificate", value: PEM }]);
    expect(target.querySelector<HTMLTextAreaElement>('[data-field="idp_certificate"] textarea')?.value).toBe(PEM);
    expect(target.querySelector("[data-testid=use-repaired]")).toBeNull();
  });

  it("clears a pasted private key at once, even while the field has the focus", async () => {
    const key = "-----BEGIN PRIVATE KEY-----\nMIIEsecret\n-----END PRIVATE KEY-----\n";
    // Before the paste: the same page with the field empty and no verdict yet (blocks are drawn by position).
    const before = keyRemoved.page.blocks
      .filter((b) => b.kind !== "certificate_verdict")
      .map((b) => (b.kind === "certificate_input" ? field("") : b));
    let current = page(before);
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "wizard_apply") current = keyRemoved;
      return current;
    });
    await start();
    const area = target.querySelector<HTMLTextAreaElement>('[data-field="idp_certificate"] textarea');
    area?.focus();
    area?.dispatchEvent(new Event("focus"));
    if (area) area.value = key;
    area?.dispatchEvent(new Event("input", { bubbles: true }));
    await idle();
    expect(actions()).toEqual([{ type: "set_field", field: "idp_certificate", value: key }]);
    expect(area?.value).toBe("");
    expect(target.textContent).not.toContain("MIIEsecret");
    expect(NOTE).toContain("private key");
    expect(target.querySelector("[data-testid=certificate-note]")?.textContent).toBe(NOTE);
    expect(target.querySelector("[data-testid=certificate-verdict]")?.classList.contains("unusable")).toBe(true);
  });

  it("keeps what is typed while the field has the focus", async () => {
    let current = page([field("")]);
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      // The core keeps the text verbatim: it answers with what was sent.
      if (cmd === "wizard_apply") current = page([field((args as { action: { value: string } }).action.value)]);
      return current;
    });
    await start();
    const area = target.querySelector<HTMLTextAreaElement>('[data-field="idp_certificate"] textarea');
    area?.dispatchEvent(new Event("focus"));
    if (area) area.value = "MII";
    area?.dispatchEvent(new Event("input", { bubbles: true }));
    if (area) area.value = "MIIB";
    area?.dispatchEvent(new Event("input", { bubbles: true }));
    await idle();
    expect(area?.value).toBe("MIIB");
    expect(actions()).toEqual([{ type: "set_field", field: "idp_certificate", value: "MIIB" }]);
  });

  it("draws the PEM, the timeline and the facts", async () => {
    mockIPC(() =>
      page([
        { kind: "certificate_pem", label: "Certificate (PEM)", pem: PEM, help: "Keep the BEGIN and END lines." },
        {
          kind: "validity_timeline",
          not_before: "2026-01-01",
          not_after: "2027-01-01",
          today: "2026-07-02",
          total_days: 365,
          elapsed_days: 182,
          days_left: 183,
          status: "info",
          caption: "Valid until 2027-01-01: 183 days left.",
        },
        { kind: "facts", rows: [{ label: "Subject", value: "CN=JumpCloud" }, { label: "Key", value: "RSA 2048 bits" }] },
      ]),
    );
    await start();
    expect(target.querySelector("[data-testid=certificate-pem]")?.textContent).toBe(PEM);
    expect(target.querySelector(".certificate-pem .copy-button")?.getAttribute("aria-label")).toBe("Copy Certificate (PEM)");
    const svg = target.querySelector("[data-testid=validity-timeline] svg");
    expect(svg?.getAttribute("aria-label")).toContain("from 2026-01-01 to 2027-01-01");
    const today = svg?.querySelector("line.today");
    // Half-way through the period: the marker is in the middle of the bar (60..540).
    expect(Number(today?.getAttribute("x1"))).toBeCloseTo(60 + (182 / 365) * 480, 1);
    expect(target.querySelector("figcaption")?.textContent).toBe("Valid until 2027-01-01: 183 days left.");
    const facts = [...target.querySelectorAll(".facts dt")].map((d) => d.textContent);
    expect(facts).toEqual(["Subject", "Key"]);
  });

  it("keeps an expired certificate's today marker just past the bar", async () => {
    mockIPC(() =>
      page([
        {
          kind: "validity_timeline",
          not_before: "2020-01-01",
          not_after: "2021-01-01",
          today: "2026-07-02",
          total_days: 366,
          elapsed_days: 2374,
          days_left: -2008,
          status: "error",
          caption: "Expired on 2021-01-01 (2008 days ago).",
        },
      ]),
    );
    await start();
    const today = target.querySelector("[data-testid=validity-timeline] line.today");
    expect(Number(today?.getAttribute("x1"))).toBeCloseTo(60 + 1.1 * 480, 1);
    expect(target.querySelector(".timeline")?.classList.contains("error")).toBe(true);
  });

  it("opens a file through the shell's dialog and lets the core read it: no path passes through the page", async () => {
    let current = page([field("")]);
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "wizard_open_certificate") current = page([field(PEM)], true, null);
      return current;
    });
    await start();
    target.querySelector<HTMLButtonElement>("[data-testid=open-certificate]")?.click();
    await idle();
    const open = calls.find((c) => c.cmd === "wizard_open_certificate");
    expect(open?.args).toEqual({});
    expect(calls.some((c) => c.cmd.startsWith("plugin:dialog"))).toBe(false);
    expect(target.querySelector<HTMLTextAreaElement>('[data-field="idp_certificate"] textarea')?.value).toBe(PEM);
    expect(target.querySelector<HTMLButtonElement>("[data-testid=next]")?.disabled).toBe(false);
  });

  it("shows the shell's refusal plainly", async () => {
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "wizard_open_certificate") throw "The file dialog did not work: no file dialog is available.";
      return page([field("")]);
    });
    await start();
    target.querySelector<HTMLButtonElement>("[data-testid=open-certificate]")?.click();
    await idle();
    expect(target.textContent).toContain("The file dialog did not work");
  });
});
