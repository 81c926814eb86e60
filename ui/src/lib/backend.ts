// The only place that talks to the shell. The wizard commands, the clipboard, the open-file dialog, and the log.

import { invoke } from "@tauri-apps/api/core";
import { writeText } from "@tauri-apps/plugin-clipboard-manager";
import { open } from "@tauri-apps/plugin-dialog";
import { error as logError } from "@tauri-apps/plugin-log";
import type { Action, WizardView } from "./types";

export function fetchView(): Promise<WizardView> {
  return invoke<WizardView>("wizard_view");
}

export function applyAction(action: Action): Promise<WizardView> {
  return invoke<WizardView>("wizard_apply", { action });
}

/** Asks for a certificate file; the core reads and checks it. `null` when the admin cancelled the dialog. */
export async function openCertificateFile(): Promise<WizardView | null> {
  const path = await open({
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
