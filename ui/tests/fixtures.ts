// A small fake core for the UI tests: builds views the way the Rust core shapes them (see src/wizard/view.rs).

import { flushSync, mount, unmount } from "svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import App from "../src/App.svelte";
import { Wizard } from "../src/lib/wizard.svelte";
import type { Block, StepSummary, WizardView } from "../src/lib/types";

export function steps(currentNumber: number): StepSummary[] {
  const titles: [StepSummary["id"], string][] = [
    ["providers", "Providers"],
    ["sp_values", "Service provider values"],
    ["idp_app", "IdP application"],
    ["attributes", "Attributes"],
    ["certificate", "Certificate"],
  ];
  return titles.map(([id, title], i) => ({
    id,
    number: i + 1,
    title,
    status: i + 1 < currentNumber ? "complete" : i + 1 === currentNumber ? "incomplete" : "locked",
    reason: i + 1 < currentNumber ? null : i + 1 === currentNumber ? "ACS URL is missing" : "Complete step 2 first",
  }));
}

export function view(blocks: Block[], next: { enabled: boolean; reason: string | null }, extra?: Partial<WizardView>): WizardView {
  return {
    steps: steps(2),
    current: "sp_values",
    page: {
      id: "sp_values",
      number: 2,
      title: "Service provider values",
      intro: "Copy these from the service provider's SAML settings.",
      blocks,
      next,
      back_enabled: true,
    },
    notices: [],
    ...extra,
  };
}

export function acsInput(value: string, error: string | null): Block {
  return {
    kind: "input",
    field: "acs_url",
    label: "ACS URL",
    help: "Infisical: Organization Settings > Authentication > SAML SSO Configuration",
    placeholder: "https://app.infisical.com/api/v1/sso/saml2/…",
    value,
    error,
    warning: null,
    multiline: false,
    copy: true,
  };
}

/** Lets pending promises and Svelte effects run. */
export async function settle(ms = 0): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

let mounted: ReturnType<typeof mount> | null = null;
let mountedIn: HTMLElement | null = null;

/** Mounts the app for one test in a fresh element of the page (returned); `unmountApp` in `afterEach` removes it. */
export async function mountApp(wizard = new Wizard(10)): Promise<HTMLElement> {
  const target = document.createElement("div");
  document.body.appendChild(target);
  mounted = mount(App, { target, props: { wizard } });
  mountedIn = target;
  await settle();
  flushSync();
  return target;
}

/** Unmounts what `mountApp` mounted and forgets the IPC mock. */
export function unmountApp(): void {
  if (mounted) unmount(mounted);
  mounted = null;
  mountedIn?.remove();
  mountedIn = null;
  clearMocks();
}

/** Lets the wizard's queue and its debounce (`ms`) run, then draws. */
export async function idle(ms = 30): Promise<void> {
  await settle(ms);
  flushSync();
}

/** The button in `root` whose whole text is `text`. */
export function buttonByText(root: HTMLElement, text: string): HTMLButtonElement {
  const button = [...root.querySelectorAll("button")].find((b) => b.textContent?.trim() === text);
  if (!button) throw new Error(`no button "${text}"`);
  return button;
}
