import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync } from "svelte";
import { mockIPC } from "@tauri-apps/api/mocks";
import App from "../src/App.svelte";
import { readFileSync } from "node:fs";
import { Wizard } from "../src/lib/wizard.svelte";
import { takeEarlyViewRequest } from "../src/lib/backend";
import type { Action, Block, WizardView } from "../src/lib/types";
import { acsInput, blockOf, coreView, settle, view, mountApp, unmountApp, type Fixture } from "./fixtures";

interface Call {
  cmd: string;
  args: unknown;
}

let calls: Call[] = [];
/** The page's first script (vitest runs in ui/). */
const VIEW_REQUEST_SCRIPT = "public/view-request.js";
let target: HTMLElement;

function actions(): Action[] {
  return calls.filter((c) => c.cmd === "wizard_apply").map((c) => (c.args as { action: Action }).action);
}

async function start(wizard = new Wizard(20)): Promise<void> {
  target = await mountApp(wizard);
}

function type(input: HTMLInputElement, text: string): void {
  for (const ch of text) {
    input.value += ch;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
}

beforeEach(() => {
  calls = [];
});

afterEach(unmountApp);

describe("rendering", () => {
  it("draws the step list and one component per block kind", async () => {
    const blocks: Block[] = [
      { kind: "heading", text: "SSO tab" },
      { kind: "text", text: "Plain words." },
      { kind: "instruction", text: "Create a Custom SAML App", menu_path: "User Authentication > SSO" },
      { kind: "instruction", text: "Check Sign Assertion", menu_path: null },
      {
        kind: "choice",
        field: "idp_profile",
        label: "Identity provider",
        help: null,
        options: [
          { value: "jumpcloud", label: "JumpCloud", description: "Custom SAML App", badge: null, unavailable: null },
          { value: "generic", label: "Generic SAML 2.0", description: null, badge: null, unavailable: null },
        ],
        value: "jumpcloud",
      },
      acsInput("", "ACS URL is missing"),
      { kind: "checkbox", field: "sign_assertion", label: "I checked Sign Assertion", help: null, value: true, error: null },
      { kind: "value", label: "SP Entity ID", value: "https://sp.example.com/saml", help: null, copy: true },
      {
        kind: "attribute_map",
        sp_label: "Service Provider Attribute Name",
        idp_label: "JumpCloud Attribute Name",
        rows: [{ sp_name: "email", idp_name: "email", error: null }],
        error: null,
        warning: "JumpCloud sends emails in lower case",
      },
      { kind: "callout", severity: "warning", text: "Do not enforce yet." },
    ];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "wizard_view") return view(blocks, { enabled: false, reason: "ACS URL is missing" });
      return undefined;
    });
    await start();

    const stepButtons = target.querySelectorAll("nav[aria-label=Steps] li");
    expect(stepButtons).toHaveLength(9);
    expect(target.querySelector('[data-step="providers"]')?.textContent).toContain("Done");
    expect(target.querySelector('[data-step="sp_values"] [aria-current=step]')).not.toBeNull();
    expect(target.querySelector('[data-step="idp_app"] button')?.hasAttribute("disabled")).toBe(true);
    expect(target.querySelector('[data-step="idp_app"]')?.textContent).toContain("Complete step 2 (Service provider values) first");

    expect(target.querySelector("h1")?.textContent).toBe("Service provider values");
    expect(target.querySelector("h2.block-heading")?.textContent).toBe("SSO tab");
    expect(target.querySelector(".block-text")?.textContent).toBe("Plain words.");
    const numbers = [...target.querySelectorAll(".instruction-number")].map((n) => n.textContent);
    expect(numbers).toEqual(["1", "2"]);
    expect(target.querySelector(".menu-path")?.textContent).toContain("User Authentication > SSO");
    const radio = target.querySelector<HTMLInputElement>('input[type=radio][value="jumpcloud"]');
    expect(radio?.checked).toBe(true);
    const input = target.querySelector<HTMLInputElement>('[data-field="acs_url"] input');
    expect(input?.getAttribute("aria-invalid")).toBe("true");
    const label = target.querySelector<HTMLLabelElement>('[data-field="acs_url"] label');
    expect(label?.htmlFor).toBe(input?.id);
    expect(target.querySelector('[data-field="acs_url"] .error-text')?.textContent).toBe("ACS URL is missing");
    expect(target.querySelector<HTMLInputElement>('[data-field="sign_assertion"] input')?.checked).toBe(true);
    expect(target.querySelector(".value-text")?.textContent).toBe("https://sp.example.com/saml");
    expect(target.querySelector<HTMLInputElement>('[data-attribute="0-sp"]')?.value).toBe("email");
    expect(target.querySelector(".attribute-map .warning-text")?.textContent).toContain("lower case");
    expect(target.querySelector(".callout.warning")?.textContent).toContain("Do not enforce yet.");
  });

  it("shows a recommended badge, and an unavailable option disabled with the core's reason", async () => {
    // Step 1 with a damaged demo IdP key in the keychain, as the core sent it.
    const noKeychain = coreView("providers_demo_unavailable");
    const why = blockOf(noKeychain, "choice", "idp_profile").options.find((o) => o.value === "demo")?.unavailable;
    expect(why).toContain("ssopilot secrets delete demo-idp-key");
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return cmd === "wizard_view" ? noKeychain : undefined;
    });
    await start();
    const demo = target.querySelector('[data-option="demo"]');
    expect(demo?.querySelector(".option-badge")?.textContent).toBe("Recommended to try SSO Pilot");
    expect(demo?.querySelector(".option-unavailable")?.textContent).toBe(why);
    const radio = demo?.querySelector<HTMLInputElement>("input[type=radio]");
    expect(radio?.disabled).toBe(true);
    expect(document.getElementById(radio?.getAttribute("aria-describedby") ?? "")?.textContent).toBe(why);
    const other = target.querySelector('[data-option="jumpcloud"]');
    expect(other?.querySelector(".option-badge")).toBeNull();
    expect(other?.querySelector<HTMLInputElement>("input[type=radio]")?.disabled).toBe(false);
  });

  it("disables Next and shows the core's reason beside it", async () => {
    const bad = coreView("sp_values_bad_acs");
    mockIPC((cmd) => (cmd === "wizard_view" ? bad : undefined));
    await start();
    const next = target.querySelector<HTMLButtonElement>("[data-testid=next]");
    expect(next?.disabled).toBe(true);
    const reason = target.querySelector("[data-testid=next-reason]");
    expect(reason?.textContent).toBe(bad.page.next.reason);
    expect(reason?.textContent).toContain("ACS URL must be an absolute https URL");
    expect(next?.getAttribute("aria-describedby")).toBe(reason?.id);
  });

  it("shows notices at the top and dismisses them through the core", async () => {
    // The core's notice after saved progress that could not be read was moved aside.
    let current: WizardView = coreView("unreadable_progress");
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "wizard_apply") current = { ...current, notices: [] };
      return current;
    });
    await start();
    const notice = target.querySelector(".notice.warning");
    expect(notice?.getAttribute("role")).toBe("status");
    expect(notice?.textContent).toContain("It was moved to /home/admin/.local/share/sso-pilot/state.json.corrupt-");
    target.querySelector<HTMLButtonElement>(".dismiss")?.click();
    await settle();
    flushSync();
    expect(actions()).toEqual([{ type: "dismiss_notice", index: 0 }]);
    expect(target.querySelector(".notice")).toBeNull();
  });

  it("draws each view the core sent: its steps, its page and its Next", async () => {
    const names: Fixture[] = [
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
    for (const name of names) {
      const v = coreView(name);
      mockIPC((cmd) => (cmd === "wizard_view" ? v : undefined));
      await start();
      expect(target.querySelectorAll("nav[aria-label=Steps] li"), name).toHaveLength(v.steps.length);
      expect(target.querySelector(`[data-step="${v.current}"] [aria-current=step]`), name).not.toBeNull();
      expect(target.querySelector("h1")?.textContent, name).toBe(v.page.title);
      expect(target.querySelector<HTMLButtonElement>("[data-testid=next]")?.disabled, name).toBe(!v.page.next.enabled);
      expect(target.querySelector("[data-testid=next-reason]")?.textContent ?? null, name).toBe(v.page.next.reason);
      expect(target.querySelectorAll(".notice"), name).toHaveLength(v.notices.length);
      unmountApp();
    }
  });

  it("shows the shell's error when it cannot answer", async () => {
    mockIPC(() => {
      throw "SSO Pilot cannot keep your progress: no home directory. Set SSOPILOT_DATA_DIR to a writable directory and restart.";
    });
    await start();
    const failure = target.querySelector("[data-testid=failure]");
    expect(failure?.getAttribute("role")).toBe("alert");
    expect(failure?.textContent).toContain("Set SSOPILOT_DATA_DIR");
  });
});

describe("start-up", () => {
  it("asks the core once when the view was requested before mounting (as main.ts does)", async () => {
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return cmd === "wizard_view" ? view([{ kind: "text", text: "Saved progress." }], { enabled: true, reason: null }) : undefined;
    });
    const wizard = new Wizard(20);
    const early = wizard.load();
    await start(wizard);
    await early;
    expect(calls.filter((c) => c.cmd === "wizard_view")).toHaveLength(1);
    expect(target.textContent).toContain("Saved progress.");
  });

  it("takes the answer to the request sent as the page started, without asking again", async () => {
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return cmd === "wizard_view" ? view([{ kind: "text", text: "Asked early." }], { enabled: true, reason: null }) : undefined;
    });
    // What public/view-request.js does, run as the page would run it.
    const script = readFileSync(VIEW_REQUEST_SCRIPT, "utf8");
    new Function(script)();
    const early = takeEarlyViewRequest();
    expect(early).not.toBeNull();
    expect(takeEarlyViewRequest()).toBeNull();
    const wizard = new Wizard(20);
    void wizard.load(early);
    await start(wizard);
    expect(target.textContent).toContain("Asked early.");
    expect(calls.filter((c) => c.cmd === "wizard_view")).toHaveLength(1);
  });

  it("shows the shell's error when the early request fails", async () => {
    mockIPC(() => {
      throw "SSO Pilot stopped after an internal error. Restart it: everything saved so far is kept.";
    });
    const script = readFileSync(VIEW_REQUEST_SCRIPT, "utf8");
    new Function(script)();
    const wizard = new Wizard(20);
    void wizard.load(takeEarlyViewRequest());
    await start(wizard);
    expect(target.querySelector("[data-testid=failure]")?.textContent).toContain("Restart it");
  });
});

describe("copy buttons", () => {
  it("writes the value to the clipboard and says Copied", async () => {
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "wizard_view")
        return view(
          [{ kind: "value", label: "SP Entity ID", value: "https://sp.example.com/saml", help: null, copy: true }],
          { enabled: true, reason: null },
        );
      return null;
    });
    await start();
    const button = target.querySelector<HTMLButtonElement>(".copy-button");
    expect(button?.getAttribute("aria-label")).toBe("Copy SP Entity ID");
    button?.click();
    await settle();
    flushSync();
    const write = calls.find((c) => c.cmd === "plugin:clipboard-manager|write_text");
    expect(write?.args).toMatchObject({ text: "https://sp.example.com/saml" });
    expect(target.querySelector(".copy-status")?.textContent?.trim()).toBe("Copied");
  });

  it("says so when the clipboard refuses", async () => {
    mockIPC((cmd) => {
      if (cmd === "wizard_view")
        return view([{ kind: "value", label: "ACS URL", value: "https://a", help: null, copy: true }], {
          enabled: true,
          reason: null,
        });
      if (cmd === "plugin:clipboard-manager|write_text") throw "no clipboard";
      return null;
    });
    await start();
    target.querySelector<HTMLButtonElement>(".copy-button")?.click();
    await settle();
    flushSync();
    expect(target.querySelector(".copy-status")?.textContent).toContain("Could not copy");
  });
});

describe("typing", () => {
  it("sends set_field with what was typed and keeps the local value while the core answers", async () => {
    let coreValue = "";
    // A slow core: each answer waits until the test releases it.
    const gates: (() => void)[] = [];
    mockIPC(async (cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "wizard_apply") {
        const action = (args as { action: Action }).action;
        await new Promise<void>((release) => gates.push(release));
        if (action.type === "set_field") coreValue = action.value;
      }
      const ok = coreValue.startsWith("https://");
      return view([acsInput(coreValue, ok ? null : "ACS URL must be an absolute https URL")], {
        enabled: ok,
        reason: ok ? null : "ACS URL must be an absolute https URL",
      });
    });
    await start();
    const input = target.querySelector<HTMLInputElement>('[data-field="acs_url"] input');
    if (!input) throw new Error("no input");
    input.focus();
    type(input, "http://");
    await settle(60); // the debounce has passed: "http://" is with the core, which has not answered
    expect(actions()).toEqual([{ type: "set_field", field: "acs_url", value: "http://" }]);
    type(input, "x");
    gates.shift()?.(); // the core answers "http://" while "x" is still on its way
    await settle();
    flushSync();
    expect(input.value).toBe("http://x");
    await settle(60);
    gates.shift()?.();
    await settle();
    flushSync();
    expect(input.value).toBe("http://x");
    const sent = actions().filter((a) => a.type === "set_field");
    // Debounced: one call per pause, not one per keystroke; the last one carries everything typed.
    expect(sent).toEqual([
      { type: "set_field", field: "acs_url", value: "http://" },
      { type: "set_field", field: "acs_url", value: "http://x" },
    ]);
    expect(target.querySelector<HTMLButtonElement>("[data-testid=next]")?.disabled).toBe(true);
    expect(target.querySelector("[data-testid=next-reason]")?.textContent).toBe("ACS URL must be an absolute https URL");

    // Blur: with nothing on its way, the field shows the core's value (here the same), and a fix enables Next.
    input.blur();
    input.value = "https://sp.example.com/acs";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await settle(60);
    gates.shift()?.();
    await settle();
    flushSync();
    expect(target.querySelector<HTMLButtonElement>("[data-testid=next]")?.disabled).toBe(false);
    expect(target.querySelector("[data-testid=next-reason]")).toBeNull();
  });

  it("Enter sends what was typed, then Next once the core allows it", async () => {
    let coreValue = "";
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      const action = cmd === "wizard_apply" ? (args as { action: Action }).action : null;
      if (action?.type === "set_field") coreValue = action.value;
      const ok = coreValue.startsWith("https://");
      return view([acsInput(coreValue, ok ? null : "bad")], { enabled: ok, reason: ok ? null : "bad" });
    });
    await start(new Wizard(10_000)); // a long debounce: only Enter's flush can send the value in time
    const input = target.querySelector<HTMLInputElement>('[data-field="acs_url"] input');
    if (!input) throw new Error("no input");
    input.value = "https://sp.example.com/acs";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await settle();
    expect(actions()).toEqual([
      { type: "set_field", field: "acs_url", value: "https://sp.example.com/acs" },
      { type: "next" },
    ]);
  });

  it("Enter does nothing while Next is disabled", async () => {
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return view([acsInput("ftp://x", "bad")], { enabled: false, reason: "bad" });
    });
    await start();
    const input = target.querySelector<HTMLInputElement>('[data-field="acs_url"] input');
    input?.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await settle(50);
    expect(actions().filter((a) => a.type === "next")).toEqual([]);
  });

  it("edits attribute rows with set_attribute", async () => {
    // Step 4 with the first row's JumpCloud attribute emptied, as the core sent it.
    const emptied = coreView("attributes_row_error");
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      return emptied;
    });
    await start();
    const cell = target.querySelector<HTMLInputElement>('[data-attribute="0-idp"]');
    if (!cell) throw new Error("no cell");
    cell.focus();
    type(cell, "mail");
    await settle(60);
    expect(actions()).toEqual([{ type: "set_attribute", index: 0, side: "idp", value: "mail" }]);
    // The core answered with its (still empty) row: what is typed in the focused cell stays.
    flushSync();
    expect(cell.value).toBe("mail");
    expect(target.querySelector(".row-error")?.textContent).toContain("Type the JumpCloud attribute that fills email");
    target.querySelector<HTMLButtonElement>('[aria-label="Remove row 1"]')?.click();
    await settle();
    expect(actions().at(-1)).toEqual({ type: "remove_attribute", index: 0 });
  });
});
