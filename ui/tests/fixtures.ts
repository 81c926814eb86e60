// A small fake core for the UI tests: builds views the way the Rust core shapes them (see src/wizard/view.rs).

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
