// The only place that talks to the shell: the wizard commands, the metadata fetch and save, the file commands, the
// pasted-response check, the clipboard, and the log. The file dialogs are opened by the shell itself: the page never
// sees or sends a path.

import { invoke } from "@tauri-apps/api/core";
import { writeText } from "@tauri-apps/plugin-clipboard-manager";
import { error as logError } from "@tauri-apps/plugin-log";
import type { Action, BundleView, MetadataSide, ReportFormat, WizardView } from "./types";

/** The view request that public/view-request.js sent as the page started, before this bundle ran. */
export interface EarlyViewRequest {
  /** When it was sent, in milliseconds since the epoch. */
  at: number;
  answer: Promise<WizardView>;
}

const EARLY_REQUEST = "__SSOPILOT_VIEW_REQUEST__";

/** Takes the early view request, once (null when there was none: then ask with `fetchView`). */
export function takeEarlyViewRequest(): EarlyViewRequest | null {
  const holder = window as unknown as Record<string, unknown>;
  const request = holder[EARLY_REQUEST] as Partial<EarlyViewRequest> | undefined;
  delete holder[EARLY_REQUEST];
  if (!request || typeof request.at !== "number" || !(request.answer instanceof Promise)) return null;
  return { at: request.at, answer: request.answer };
}

export function fetchView(): Promise<WizardView> {
  return invoke<WizardView>("wizard_view");
}

export function applyAction(action: Action): Promise<WizardView> {
  return invoke<WizardView>("wizard_apply", { action });
}

/** Fetches metadata from a URL and imports it; resolves with the view once imported, failed or cancelled. */
export function fetchMetadata(side: MetadataSide, url: string): Promise<WizardView> {
  return invoke<WizardView>("metadata_fetch", { side, url });
}

/** Benchmarks only (benches/app_launch.sh): the shell prints the time, and the page's start-up marks, when
 * SSOPILOT_BENCH_READY is set. */
export function markFirstScreenReady(marks: [string, number][]): Promise<void> {
  return invoke("first_screen_ready", { marks });
}

export function cancelMetadataFetch(): Promise<WizardView> {
  return invoke<WizardView>("metadata_fetch_cancel");
}

/** The shell's save dialog for the SP metadata (`fileName` suggested); the core writes the file the admin chose. */
export function saveSpMetadata(fileName: string): Promise<WizardView> {
  return invoke<WizardView>("sp_metadata_save", { fileName });
}

/** The shell's save dialog for the summary report; the core writes it (HTML for .html, else Markdown). */
export function saveReport(fileName: string): Promise<WizardView> {
  return invoke<WizardView>("report_save", { fileName });
}

/** The shell's save dialog for the support bundle; the core writes it (personal data replaced, never a secret). */
export function saveSupportBundle(fileName: string): Promise<WizardView> {
  return invoke<WizardView>("support_bundle_save", { fileName });
}

/** The shell's open dialog for a support bundle; the core reads it into a read-only view (null: the dialog was
 * closed). The admin's own setup is not touched. */
export function openSupportBundle(): Promise<BundleView | null> {
  return invoke<BundleView | null>("support_bundle_open");
}

/** The shell's save dialog for step 7's test-login report; the core writes it. */
export function saveTestReport(format: ReportFormat, fileName: string): Promise<WizardView> {
  return invoke<WizardView>("test_report_save", { format, fileName });
}

/** Checks a pasted response on the shell's worker thread; resolves once checked, cancelled or replaced. */
export function checkPastedResponse(text: string): Promise<WizardView> {
  return invoke<WizardView>("paste_check", { text });
}

/** Cancel for the pasted-response check: its result is dropped. */
export function cancelPasteCheck(): Promise<WizardView> {
  return invoke<WizardView>("paste_check_cancel");
}

/** Opens the login window of step 7; resolves once it caught a response or was closed. */
export function openLoginWindow(): Promise<WizardView> {
  return invoke<WizardView>("login_window_open");
}

export function continueLoginWindow(): Promise<WizardView> {
  return invoke<WizardView>("login_window_continue");
}

export function stopLoginWindow(): Promise<WizardView> {
  return invoke<WizardView>("login_window_stop");
}

/** Runs the loopback test SP of step 7; resolves with the report, a timeout or a cancel. */
export function startLoopbackTest(): Promise<WizardView> {
  return invoke<WizardView>("loopback_test_start");
}

export function cancelLoopbackTest(): Promise<WizardView> {
  return invoke<WizardView>("loopback_test_cancel");
}

/** The shell's open dialog for a metadata file; the core imports the file the admin chose into `side`'s box. */
export function openMetadataFile(side: MetadataSide): Promise<WizardView> {
  return invoke<WizardView>("metadata_file_open", { side });
}

/** The shell's open dialog for a certificate file; the core reads and checks it (the view is unchanged when the
 * admin closed the dialog). */
export function openCertificateFile(): Promise<WizardView> {
  return invoke<WizardView>("wizard_open_certificate");
}

/** The shell's open dialog for the SP's private key (PEM) for the next pasted-response check; the core keeps it in
 * memory only. */
export function openPasteKeyFile(): Promise<WizardView> {
  return invoke<WizardView>("paste_key_open");
}

export function copyToClipboard(text: string): Promise<void> {
  return writeText(text);
}

/** Sends a line to the app's log. Callers pass what went wrong, never what the admin typed. */
export function reportProblem(message: string): void {
  logError(message).catch(() => {
    // The log is best effort: a failing log must never hide the problem from the admin, who already sees it.
  });
}

/** The text of whatever a command rejected with (the shell sends plain strings). */
export function messageOf(reason: unknown): string {
  if (typeof reason === "string") return reason;
  if (reason instanceof Error) return reason.message;
  return "Unknown error";
}
