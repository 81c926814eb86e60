// The only place that talks to the shell: the wizard commands, the metadata fetch and save, the file dialogs, the
// clipboard, and the log.

import { invoke } from "@tauri-apps/api/core";
import { writeText } from "@tauri-apps/plugin-clipboard-manager";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";
import { error as logError } from "@tauri-apps/plugin-log";
import type { Action, MetadataSide, ReportFormat, WizardView } from "./types";

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

/** Asks the core to write the SP metadata to `path`. */
export function saveSpMetadata(path: string): Promise<WizardView> {
  return invoke<WizardView>("sp_metadata_save", { path });
}

/** Asks the core to write the summary report to `path` (HTML for .html, else Markdown). */
export function saveReport(path: string): Promise<WizardView> {
  return invoke<WizardView>("report_save", { path });
}

/** The save dialog for the summary report: the chosen path, or null. */
export function pickSummaryPath(defaultPath: string): Promise<string | null> {
  return saveDialog({
    defaultPath,
    filters: [
      { name: "Markdown", extensions: ["md"] },
      { name: "HTML page", extensions: ["html"] },
    ],
  });
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

/** The save dialog for the test-login report. */
export function pickReportPath(defaultPath: string, format: ReportFormat): Promise<string | null> {
  const filters =
    format === "html"
      ? [{ name: "Web page (HTML)", extensions: ["html"] }]
      : [{ name: "Markdown", extensions: ["md"] }];
  return saveDialog({ defaultPath, filters });
}

const XML_FILTER = [{ name: "SAML metadata (XML)", extensions: ["xml"] }];

/** The open dialog for a metadata file: its path, or null when the admin closed the dialog. */
export async function pickMetadataFile(): Promise<string | null> {
  const picked = await openDialog({ multiple: false, directory: false, filters: XML_FILTER });
  return typeof picked === "string" ? picked : null;
}

/** The save dialog for the SP metadata: the chosen path, or null. */
export function pickSavePath(defaultPath: string): Promise<string | null> {
  return saveDialog({ defaultPath, filters: XML_FILTER });
}

/** Asks for a certificate file; the core reads and checks it. `null` when the admin cancelled the dialog. */
export async function openCertificateFile(): Promise<WizardView | null> {
  const path = await openDialog({
    title: "Open the IdP's certificate",
    multiple: false,
    directory: false,
    filters: [
      { name: "Certificates", extensions: ["pem", "crt", "cer", "der", "txt"] },
      { name: "All files", extensions: ["*"] },
    ],
  });
  if (typeof path !== "string") return null;
  return invoke<WizardView>("wizard_open_certificate", { path });
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
