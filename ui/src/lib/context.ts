import { getContext, setContext } from "svelte";
import type { Wizard } from "./wizard.svelte";

const KEY = Symbol("wizard");

export function provideWizard(wizard: Wizard): void {
  setContext(KEY, wizard);
}

export function useWizard(): Wizard {
  const wizard = getContext<Wizard | undefined>(KEY);
  if (!wizard) throw new Error("useWizard() called outside <App>");
  return wizard;
}
