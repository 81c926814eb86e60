// A support bundle opened back: drawn read only from the core's BundleView, never sending an action to the
// admin's own wizard, with a way back.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mockIPC } from "@tauri-apps/api/mocks";
import { readFileSync } from "node:fs";
import type { BundleView } from "../src/lib/types";
import { buttonByText, coreView, idle, mountApp, unmountApp } from "./fixtures";

const bundle = JSON.parse(readFileSync("tests/fixtures/bundle_open.json", "utf8")) as BundleView;
let calls: string[] = [];
let answer: () => BundleView | null = () => bundle;

beforeEach(() => {
  calls = [];
  answer = () => bundle;
  mockIPC((cmd) => {
    calls.push(cmd);
    if (cmd === "wizard_view") return coreView("enforce");
    if (cmd === "support_bundle_open") {
      const a = answer();
      return a;
    }
    throw new Error(`unexpected ${cmd}`);
  });
});

afterEach(unmountApp);

describe("support bundle", () => {
  it("opens a bundle read only, with its steps, reports, certificates and responses, and goes back", async () => {
    const target = await mountApp();
    const open = target.querySelector<HTMLButtonElement>("[data-testid=bundle-open]")!;
    expect(open.textContent).toContain("Open a support bundle");
    open.click();
    await idle();
    const viewer = target.querySelector<HTMLElement>("[data-testid=bundle-viewer]")!;
    expect(viewer).not.toBeNull();
    expect(viewer.querySelector("h1")?.textContent).toBe("Support bundle: Infisical with JumpCloud");
    expect(document.activeElement).toBe(viewer.querySelector("h1"));
    expect(viewer.querySelector("[data-testid=bundle-banner]")?.textContent).toContain("Read only");
    // Whose, when, which version, platform and profiles.
    const about = viewer.textContent ?? "";
    for (const text of ["support-bundle.json", "1.0.0", "linux x86_64", "jumpcloud", "infisical"]) {
      expect(about).toContain(text);
    }
    // The steps as they stood, the report, the certificate, the decoded response, the configuration.
    const steps = viewer.querySelectorAll("[data-testid=bundle-steps] li");
    expect(steps).toHaveLength(9);
    expect(viewer.querySelector('[data-step="enforce"]')?.getAttribute("aria-current")).toBe("step");
    expect(viewer.querySelector("[data-testid=bundle-report]")?.textContent).toContain("app.infisical.com");
    expect(viewer.querySelector("[data-testid=bundle-certificates]")?.textContent).toContain(
      "The IdP certificate in use: usable",
    );
    expect(viewer.querySelector("[data-testid=bundle-responses] pre")?.textContent).toContain("user-1@redacted");
    // The response was checked when the bundle was made: the verdict, and the failed checks first with their fix.
    const responses = viewer.querySelector<HTMLElement>("[data-testid=bundle-responses]")!;
    expect(responses.textContent).toContain("Checked against the saved configuration when the bundle was made");
    expect(responses.textContent).toContain("not valid");
    const checks = responses.querySelector("ul[aria-label^='Checks of the response from']")!;
    expect(checks.querySelector("li")?.textContent).toMatch(/^\s*Failed/);
    expect(viewer.querySelector("[data-testid=bundle-configuration]")?.textContent).toContain("acs_url");
    expect(viewer.querySelector("[data-testid=bundle-watch]")?.textContent).toContain("step 7 (Test login)");
    // The admin's own step list is not offered while the bundle is shown; nothing was sent to the wizard.
    expect(target.querySelector("nav[aria-label=Steps]")).toBeNull();
    expect(calls.filter((c) => c === "wizard_apply")).toHaveLength(0);

    buttonByText(viewer, "Back to your setup").click();
    await idle();
    expect(target.querySelector("[data-testid=bundle-viewer]")).toBeNull();
    expect(target.querySelector("nav[aria-label=Steps]")).not.toBeNull();
    expect(document.activeElement).toBe(target.querySelector("[data-testid=bundle-open]"));
  });

  it("Escape goes back to the admin's setup", async () => {
    const target = await mountApp();
    target.querySelector<HTMLButtonElement>("[data-testid=bundle-open]")!.click();
    await idle();
    target.querySelector("h1")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await idle();
    expect(target.querySelector("[data-testid=bundle-viewer]")).toBeNull();
  });

  it("a closed dialog changes nothing; a file that is not a bundle is a plain error", async () => {
    const target = await mountApp();
    answer = () => null;
    target.querySelector<HTMLButtonElement>("[data-testid=bundle-open]")!.click();
    await idle();
    expect(target.querySelector("[data-testid=bundle-viewer]")).toBeNull();
    expect(target.querySelector("[data-testid=failure]")).toBeNull();
    answer = () => {
      throw "notes.txt cannot be opened: this is not an SSO Pilot support bundle (not JSON): open the .json file SSO Pilot wrote.";
    };
    target.querySelector<HTMLButtonElement>("[data-testid=bundle-open]")!.click();
    await idle();
    expect(target.querySelector("[data-testid=failure]")?.textContent).toContain("notes.txt cannot be opened");
    expect(target.querySelector("[data-testid=bundle-viewer]")).toBeNull();
  });
});
