import { untrack } from "svelte";

/** One field's text as the admin sees it: what they typed, until the core has answered it. */
export interface TypedField {
  readonly value: string;
  /** The admin typed `value`: it shows at once (the caller sends it to the core). */
  input(value: string): void;
  focus(): void;
  blur(): void;
}

/**
 * The one home of the rule "what the admin sees is what they typed": the core's value (`core()`) is adopted only
 * when nothing typed is on its way (`pending()`) and the field is not being edited, so a slow answer never
 * overwrites newer keystrokes. With `replaceWhenChanged`, a core value that differs from what this field last sent
 * (a file opened, a repair chosen, a pasted private key removed) replaces the text at once, focus or not, so such a
 * change is never hidden behind the old text.
 *
 * Call it while a component is being set up (it registers an effect).
 */
export function typedField(
  core: () => string,
  pending: () => boolean,
  options: { replaceWhenChanged?: boolean } = {},
): TypedField {
  let local = $state(untrack(core));
  let lastSent = untrack(core);
  let focused = false;

  $effect(() => {
    const coreValue = core();
    untrack(() => {
      if (pending()) return;
      if (!focused || (options.replaceWhenChanged === true && coreValue !== lastSent)) {
        local = coreValue;
        lastSent = coreValue;
      }
    });
  });

  return {
    get value() {
      return local;
    },
    input(value: string) {
      local = value;
      lastSent = value;
    },
    focus() {
      focused = true;
    },
    blur() {
      focused = false;
    },
  };
}
