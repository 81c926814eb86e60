// Steps 6, 8 and 9 pieces: group grants, action buttons, the secret value and the report export; and Escape.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync } from "svelte";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Action, Block, WizardView } from "../src/lib/types";
import { blockOf, coreView, settle, view, mountApp, unmountApp, buttonByText as fixtureButton } from "./fixtures";

interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

let calls: Call[] = [];
let target: HTMLElement;

function actions(): Action[] {
  return calls.filter((c) => c.cmd === "wizard_apply").map((c) => c.args.action as Action);
}

async function start(blocks: Block[], respond?: (cmd: string) => unknown): Promise<void> {
  const v: WizardView = view(blocks, { enabled: false, reason: "Grant a group" });
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    return respond?.(cmd) ?? v;
  });
  target = await mountApp();
}

function buttonByText(text: string): HTMLButtonElement {
  return fixtureButton(target, text);
}

beforeEach(() => {
  calls = [];
});

afterEach(unmountApp);

describe("group grants", () => {
  it("shows each group with its members and sends the grant when ticked", async () => {
    await start([
      {
        kind: "group_grants",
        label: "User groups granted the application (infisical)",
        help: null,
        groups: [
          { name: "Engineering", members: ["Ada Lovelace (Ada.Lovelace@Example.com)"], granted: false },
          { name: "Sales", members: [], granted: true },
        ],
        error: "Grant the application to at least one group",
      },
    ]);
    expect(target.querySelector("legend")?.textContent).toBe("User groups granted the application (infisical)");
    expect(target.textContent).toContain("Ada Lovelace (Ada.Lovelace@Example.com)");
    expect(target.textContent).toContain("No members");
    const sales = target.querySelector<HTMLInputElement>('[data-group="Sales"] input');
    expect(sales?.checked).toBe(true);
    target.querySelector<HTMLInputElement>('[data-group="Engineering"] input')?.click();
    await settle();
    expect(actions()).toContainEqual({ type: "set_group_grant", group: "Engineering", granted: true });
  });
});

describe("action buttons", () => {
  it("send the core's action, and are disabled with the core's reason", async () => {
    await start([
      // Step 9's button while no test login has passed, as the core sent it.
      blockOf(coreView("enforce"), "button"),
      {
        kind: "button",
        label: "Record SSO as enforced in Infisical",
        action: { type: "enforce" },
        primary: true,
        help: null,
        disabled_reason: "Type Infisical to confirm",
      },
    ]);
    const enforce = buttonByText("Record SSO as enforced in Infisical");
    expect(enforce.disabled).toBe(true);
    expect(target.textContent).toContain("Type Infisical to confirm");
    buttonByText("Go to step 7 (Test login)").click();
    await settle();
    expect(actions()).toContainEqual({ type: "go_to", step: "test_login" });
    expect(actions()).not.toContainEqual({ type: "enforce" });
  });
});

describe("secret value", () => {
  it("is hidden until shown, and copies the real value", async () => {
    const secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=";
    await start([{ kind: "secret_value", label: "AUTH_SECRET", value: secret, help: "Kept in your keychain." }]);
    const output = target.querySelector("output");
    expect(output?.textContent).not.toContain(secret);
    buttonByText("Show").click();
    flushSync();
    expect(output?.textContent?.trim()).toBe(secret);
    buttonByText("Copy").click();
    await settle();
    expect(calls.some((c) => c.cmd.includes("clipboard") && JSON.stringify(c.args).includes(secret))).toBe(true);
  });
});

describe("report export", () => {
  it("saves through the shell's dialog and the core writes the file", async () => {
    await start(
      [
        {
          kind: "report_export",
          title: "Save the report",
          help: "Markdown or HTML.",
          file_name: "sso-pilot-report.md",
          markdown: "# SAML SSO",
          bundle_file_name: "sso-pilot-support-bundle.json",
        },
      ],
      () => undefined,
    );
    buttonByText("Save report…").click();
    await settle();
    const save = calls.find((c) => c.cmd === "report_save");
    expect(save?.args).toEqual({ fileName: "sso-pilot-report.md" });
    buttonByText("Save support bundle…").click();
    await settle();
    const bundle = calls.find((c) => c.cmd === "support_bundle_save");
    expect(bundle?.args).toEqual({ fileName: "sso-pilot-support-bundle.json" });
    expect(calls.some((c) => c.cmd.startsWith("plugin:dialog"))).toBe(false);
  });
});

describe("watch banner", () => {
  it("says what needs doing, when, and leads to the step that fixes it", async () => {
    await start([
      {
        kind: "watch_banner",
        title: "2 things need doing",
        actions: [
          {
            code: "certificate_expires_soon",
            severity: "error",
            message: "The IdP certificate the SP holds expires in 5 days.",
            step: "certificate",
            days_left: 5,
            at: "2031-03-19T12:00:00Z",
          },
          {
            code: "rotation_started",
            severity: "warning",
            message: "The IdP's metadata lists a signing certificate the SP does not have yet.",
            step: "certificate",
          },
        ],
      },
    ]);
    const banner = target.querySelector(".watch-banner") as HTMLElement;
    expect(banner.getAttribute("role")).toBe("alert");
    expect(banner.textContent).toContain("2 things need doing");
    expect(banner.textContent).toContain("expires in 5 days");
    // The time as people read it, the exact one in the tooltip.
    expect(banner.textContent).not.toContain("2031-03-19T12:00:00Z");
    expect(banner.querySelector("time")?.getAttribute("datetime")).toBe("2031-03-19T12:00:00Z");
    expect(banner.querySelectorAll("li").length).toBe(2);
    const go = [...banner.querySelectorAll("button")].find((b) => b.textContent?.startsWith("Go to step"));
    go?.click();
    await settle();
    expect(calls.some((c) => c.cmd === "wizard_apply" && JSON.stringify(c.args).includes('"go_to"'))).toBe(true);
  });
});

describe("rotation", () => {
  it("shows both certificates and the order, imports the next one and retires the old one only when allowed", async () => {
    await start([
      {
        kind: "rotation",
        title: "Rehearse a certificate rotation",
        status: {
          current_sha256: "AA:BB",
          next_sha256: "CC:DD",
          last_signed_by: "current",
          can_retire: false,
          order: ["1. Import the next certificate.", "2. Infisical holds one IdP certificate: keep the current one."],
        },
        demo_action: "Demo IdP: switch to the next key",
        demo_phase: "The demo IdP publishes both certificates and still signs with the current one.",
      },
    ]);
    const section = target.querySelector("[data-testid=rotation]") as HTMLElement;
    expect(section.textContent).toContain("SHA-256 AA:BB");
    expect(section.textContent).toContain("SHA-256 CC:DD");
    expect(section.querySelector("[data-testid=rotation-signed-by]")?.textContent).toContain("current certificate");
    expect([...section.querySelectorAll("ol li")].map((l) => l.textContent)).toEqual([
      "Import the next certificate.",
      "Infisical holds one IdP certificate: keep the current one.",
    ]);
    expect(buttonByText("Retire the old certificate").disabled).toBe(true);
    const area = section.querySelector("textarea") as HTMLTextAreaElement;
    area.value = "-----BEGIN CERTIFICATE-----";
    area.dispatchEvent(new Event("input", { bubbles: true }));
    flushSync();
    buttonByText("Import next certificate").click();
    await settle();
    expect(actions()).toContainEqual({ type: "import_next_certificate", text: "-----BEGIN CERTIFICATE-----" });
    buttonByText("Demo IdP: switch to the next key").click();
    await settle();
    expect(actions()).toContainEqual({ type: "rotate_demo_key" });
    expect(actions()).not.toContainEqual({ type: "retire_old_certificate" });
  });
});

describe("escape", () => {
  it("closes the open panel the keyboard is in", async () => {
    await start([
      {
        kind: "metadata_export",
        title: "Infisical's SP metadata",
        help: "Give this file to JumpCloud.",
        file_name: "sp.xml",
        xml: "<x/>",
        error: null,
      },
    ]);
    const details = target.querySelector("details") as HTMLDetailsElement;
    details.open = true;
    const button = details.querySelector("button") as HTMLButtonElement;
    button.focus();
    button.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(details.open).toBe(false);
  });
});
