// The metadata import and export blocks: what they draw from the core's block, and what they send back.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flushSync } from "svelte";
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Action, MetadataExportBlock, MetadataImportBlock, WizardView } from "../src/lib/types";
import { blockOf, coreView, settle, view, mountApp, unmountApp, buttonByText as fixtureButton } from "./fixtures";

interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

let calls: Call[] = [];
let target: HTMLElement;

/** Step 3 (Infisical with JumpCloud) after pasting text that is not metadata, as the core sent it. */
const importFailed = coreView("idp_app_import_error");

/** Step 3's IdP metadata import as the core draws it before anything was imported, with `extra` set. */
function importBlock(extra: Partial<MetadataImportBlock> = {}): MetadataImportBlock {
  return { ...blockOf(importFailed, "metadata_import"), error: null, ...extra };
}

/** Step 3's export of Infisical's SP metadata, as the core draws it. */
const exportBlock: MetadataExportBlock = blockOf(importFailed, "metadata_export");

function actions(): Action[] {
  return calls.filter((c) => c.cmd === "wizard_apply").map((c) => c.args.action as Action);
}

async function start(respond: (cmd: string, args: Record<string, unknown>) => unknown): Promise<void> {
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    return respond(cmd, (args ?? {}) as Record<string, unknown>);
  });
  target = await mountApp();
}

function click(selector: string): void {
  const el = target.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`nothing matches ${selector}`);
  el.click();
}

function buttonByText(text: string): HTMLButtonElement {
  return fixtureButton(target, text);
}

beforeEach(() => {
  calls = [];
});

afterEach(unmountApp);

describe("metadata import", () => {
  it("sends pasted metadata to the core and shows its result and findings", async () => {
    let current: WizardView = view([importBlock()], { enabled: false, reason: null });
    await start((cmd) => {
      if (cmd === "wizard_apply")
        current = view(
          [
            importBlock({
              result: "The pasted metadata was imported: IdP Entity ID, IDP URL, the signing certificate.",
              findings: [{ severity: "warning", message: "The metadata is signed, but not verified.", hint: "Supply its certificate." }],
            }),
          ],
          { enabled: true, reason: null },
        );
      return current;
    });
    const details = target.querySelector<HTMLDetailsElement>(".metadata-import");
    expect(details?.open).toBe(false);
    expect(details?.querySelector("summary")?.textContent).toBe("Fill in from JumpCloud's metadata");
    details!.open = true;
    const textarea = target.querySelector<HTMLTextAreaElement>(".metadata-import textarea")!;
    expect(buttonByText("Import pasted metadata").disabled).toBe(true);
    textarea.value = "<md:EntityDescriptor/>";
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    flushSync();
    buttonByText("Import pasted metadata").click();
    await settle();
    flushSync();
    expect(actions()).toEqual([{ type: "import_metadata", side: "idp", text: "<md:EntityDescriptor/>" }]);
    expect(target.querySelector(".import-result")?.textContent).toContain("was imported");
    expect(target.querySelector(".finding.warning")?.textContent).toContain("signed, but not verified");
    expect(target.querySelector<HTMLDetailsElement>(".metadata-import")?.open).toBe(true);
  });

  it("asks the shell to open the file dialog for its side: no path passes through the page", async () => {
    await start(() => view([importBlock()], { enabled: false, reason: null }));
    buttonByText("Choose a metadata file…").click();
    await settle();
    expect(calls.find((c) => c.cmd === "metadata_file_open")?.args).toEqual({ side: "idp" });
    expect(calls.some((c) => c.cmd.startsWith("plugin:dialog"))).toBe(false);
    expect(actions()).toEqual([]);
  });

  /** Starts a fetch of https://idp.example.com/md that runs until the shell is asked to cancel it. */
  async function startFetch(): Promise<void> {
    let finish: (v: WizardView) => void = () => {};
    const done = view([importBlock({ result: "The fetch of https://idp.example.com/md was cancelled; nothing was changed." })], {
      enabled: false,
      reason: null,
    });
    await start((cmd) => {
      if (cmd === "metadata_fetch") return new Promise<WizardView>((resolve) => (finish = resolve));
      if (cmd === "metadata_fetch_cancel") {
        finish(done);
        return done;
      }
      return view([importBlock()], { enabled: false, reason: null });
    });
    const url = target.querySelector<HTMLInputElement>(".metadata-import input[type=text]")!;
    url.value = "https://idp.example.com/md";
    url.dispatchEvent(new Event("input", { bubbles: true }));
    flushSync();
    buttonByText("Fetch").click();
    await settle();
    flushSync();
  }

  it("shows progress with Cancel while a URL is fetched, and cancels through the shell", async () => {
    await startFetch();
    expect(calls.find((c) => c.cmd === "metadata_fetch")?.args).toEqual({ side: "idp", url: "https://idp.example.com/md" });
    expect(target.querySelector(".fetching progress")).not.toBeNull();
    expect(target.querySelector(".fetching")?.textContent).toContain("Fetching https://idp.example.com/md");
    buttonByText("Cancel").click();
    await settle();
    flushSync();
    expect(calls.some((c) => c.cmd === "metadata_fetch_cancel")).toBe(true);
    expect(target.querySelector(".fetching")).toBeNull();
    expect(target.querySelector(".import-result")?.textContent).toContain("was cancelled");
  });

  it("cancels a running fetch with Escape", async () => {
    await startFetch();
    expect(calls.some((c) => c.cmd === "metadata_fetch_cancel")).toBe(false);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await settle();
    flushSync();
    expect(calls.some((c) => c.cmd === "metadata_fetch_cancel")).toBe(true);
    expect(target.querySelector(".fetching")).toBeNull();
  });

  it("shows old and new side by side and sends the admin's answer", async () => {
    const asking = importBlock({
      changes: [{ label: "IDP URL", old: "https://sso.jumpcloud.com/saml2/mine", new: "https://sso.jumpcloud.com/saml2/infisical" }],
    });
    await start(() => view([asking], { enabled: true, reason: null }));
    const row = target.querySelector(".changes tbody tr");
    expect(row?.querySelector("th")?.textContent).toBe("IDP URL");
    expect(row?.querySelector(".old")?.textContent).toBe("https://sso.jumpcloud.com/saml2/mine");
    expect(row?.querySelector(".new")?.textContent).toBe("https://sso.jumpcloud.com/saml2/infisical");
    buttonByText("Keep my values").click();
    await settle();
    buttonByText("Use the metadata's values").click();
    await settle();
    expect(actions()).toEqual([
      { type: "cancel_metadata_import", side: "idp" },
      { type: "confirm_metadata_import", side: "idp" },
    ]);
  });

  it("lets the admin choose among several entities", async () => {
    await start(() =>
      view([importBlock({ choose: ["https://one.example.com/idp", "https://two.example.com/idp"] })], {
        enabled: false,
        reason: null,
      }),
    );
    const items = [...target.querySelectorAll(".choose li")];
    expect(items.map((li) => li.querySelector("code")?.textContent)).toEqual([
      "https://one.example.com/idp",
      "https://two.example.com/idp",
    ]);
    items[1]!.querySelector("button")!.click();
    await settle();
    expect(actions()).toEqual([
      { type: "choose_metadata_entity", side: "idp", entity_id: "https://two.example.com/idp" },
    ]);
  });

  it("shows the core's error in an alert", async () => {
    await start(() => importFailed);
    const alert = target.querySelector(".metadata-import [role=alert]");
    expect(alert?.textContent).toContain("this is not XML");
  });
});

describe("metadata export", () => {
  it("saves through the shell's save dialog, and copies the XML", async () => {
    await start(() => view([exportBlock], { enabled: true, reason: null }));
    expect(target.querySelector(".metadata-export pre")?.textContent).toBe(exportBlock.xml);
    buttonByText("Save as file…").click();
    await settle();
    // Only the suggested name goes to the shell, which opens the dialog itself.
    expect(calls.find((c) => c.cmd === "sp_metadata_save")?.args).toEqual({
      fileName: exportBlock.file_name,
    });
    expect(calls.some((c) => c.cmd.startsWith("plugin:dialog"))).toBe(false);
    click(".metadata-export .copy-button");
    await settle();
    const copy = calls.find((c) => c.cmd === "plugin:clipboard-manager|write_text");
    expect(copy?.args).toMatchObject({ text: exportBlock.xml });
  });
});
