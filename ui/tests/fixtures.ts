// Views for the UI tests. The views themselves come from the core: ui/tests/fixtures/*.json are real sessions'
// views, written by the wizard crate's ui_fixtures test (`SSOPILOT_WRITE_FIXTURES=1 cargo test -p ssopilot-wizard
// --test it ui_fixtures`; CI fails while they are stale). A test that needs other blocks puts them into a real page.

import { readFileSync } from "node:fs";
import { flushSync, mount, unmount } from "svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import App from "../src/App.svelte";
import { Wizard } from "../src/lib/wizard.svelte";
import type { Block, BlockOf, NextState, WizardView } from "../src/lib/types";

/** The states the core was driven to (one JSON file each). */
export type Fixture =
  | "providers"
  | "providers_demo_unavailable"
  | "sp_values"
  | "sp_values_bad_acs"
  | "sp_values_done"
  | "idp_app_import_error"
  | "attributes_row_error"
  | "certificate_key_removed"
  | "test_login"
  | "enable"
  | "enforce"
  | "unreadable_progress";

/** A fresh copy of the view the core sent in that state. */
export function coreView(name: Fixture): WizardView {
  // vitest runs in ui/.
  return JSON.parse(readFileSync(`tests/fixtures/${name}.json`, "utf8")) as WizardView;
}

/** The first block of `kind` (with `field`, if given) on the page of `v`. */
export function blockOf<K extends Block["kind"]>(v: WizardView, kind: K, field?: string): BlockOf<K> {
  const block = v.page.blocks.find(
    (b): b is BlockOf<K> => b.kind === kind && (field === undefined || ("field" in b && b.field === field)),
  );
  if (!block) throw new Error(`no ${kind} block${field ? ` for ${field}` : ""} on the ${v.current} page`);
  return block;
}

/** Step 2 as the core draws it (Infisical with JumpCloud), with `blocks` on its page and `next` for its Next. */
export function view(blocks: Block[], next: NextState, extra?: Partial<WizardView>): WizardView {
  const v = coreView("sp_values");
  return { ...v, page: { ...v.page, blocks, next }, ...extra };
}

/** Step 2's ACS URL field as the core draws it, holding `value` with `error`. */
export function acsInput(value: string, error: string | null): Block {
  return { ...blockOf(coreView("sp_values"), "input", "acs_url"), value, error };
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
