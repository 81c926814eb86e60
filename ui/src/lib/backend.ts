// The only place that talks to the shell. Two wizard commands, the clipboard, and the log.

import { invoke } from "@tauri-apps/api/core";
import { writeText } from "@tauri-apps/plugin-clipboard-manager";
import { error as logError } from "@tauri-apps/plugin-log";
import type { Action, WizardView } from "./types";

export function fetchView(): Promise<WizardView> {
  return invoke<WizardView>("wizard_view");
}

export function applyAction(action: Action): Promise<WizardView> {
  return invoke<WizardView>("wizard_apply", { action });
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
