// The UI's whole state: the last view the core sent, and the actions on their way to it.
//
// Actions are sent one after another (never two in flight), so views arrive in the order the admin acted.
// Keystrokes are debounced per field; anything pending is sent before Next, Back or any other action, so the
// core always judges what the admin actually typed.

import {
  applyAction,
  cancelLoopbackTest,
  cancelMetadataFetch,
  cancelPasteCheck,
  checkPastedResponse,
  continueLoginWindow,
  openLoginWindow,
  startLoopbackTest,
  stopLoginWindow,
  fetchMetadata,
  fetchView,
  messageOf,
  openCertificateFile,
  openPasteKeyFile,
  openMetadataFile,
  reportProblem,
  saveReport,
  saveSpMetadata,
  saveSupportBundle,
  openSupportBundle,
  saveTestReport,
  type EarlyViewRequest,
} from "./backend";
import { mark } from "./launch";
import type { Action, BundleView, MetadataSide, ReportFormat, WizardView } from "./types";

export const EDIT_DELAY_MS = 120;

interface PendingEdit {
  action: Action;
  timer: ReturnType<typeof setTimeout>;
}

export class Wizard {
  view = $state<WizardView | null>(null);
  /** Set when the shell could not answer (no data directory, internal error). Shown at the top, politely. */
  failure = $state<string | null>(null);

  /** The side whose metadata URL is being fetched, from the click until the core answers (the core's view says
   * so too, but only once the fetch has ended). */
  fetching = $state<MetadataSide | null>(null);

  /** A support bundle opened back (read only), shown instead of the wizard until closed. */
  bundle = $state<BundleView | null>(null);

  /** A pasted response is being checked, from the click until the shell answers (or Cancel). */
  checking = $state(false);
  #pasteRun = 0;

  #chain: Promise<unknown> = Promise.resolve();
  #pending = new Map<string, PendingEdit>();
  #inFlight = new Map<string, number>();
  readonly #delay: number;

  constructor(delay = EDIT_DELAY_MS) {
    this.#delay = delay;
  }

  #loading: Promise<void> | null = null;

  /** Asks the core for the saved progress, or takes the answer to the request the page sent as it started
   * (`early`). Calls after the first share its answer, so main.ts can ask before the page is mounted (the round trip
   * overlaps the page's start-up) and the App asks again when it is used alone. */
  load(early?: EarlyViewRequest | null): Promise<void> {
    this.#loading ??= this.#load(early ?? null);
    return this.#loading;
  }

  async #load(early: EarlyViewRequest | null): Promise<void> {
    try {
      mark("view_requested", early?.at);
      this.view = await (early ? early.answer : fetchView());
      mark("view_received");
      this.failure = null;
    } catch (reason) {
      this.#fail("loading the wizard", reason);
    }
  }

  /** Records a keystroke: sent after a short pause, replacing an older unsent value of the same field. */
  edit(key: string, action: Action): void {
    const old = this.#pending.get(key);
    if (old) clearTimeout(old.timer);
    const timer = setTimeout(() => {
      this.#pending.delete(key);
      void this.#enqueue(action, key);
    }, this.#delay);
    this.#pending.set(key, { action, timer });
  }

  /** True while a value typed into `key` has not been answered by the core yet. */
  isPending(key: string): boolean {
    return this.#pending.has(key) || (this.#inFlight.get(key) ?? 0) > 0;
  }

  /** Sends every pending edit now and waits for all answers. */
  async flush(): Promise<void> {
    for (const [key, edit] of this.#pending) {
      clearTimeout(edit.timer);
      this.#pending.delete(key);
      void this.#enqueue(edit.action, key);
    }
    await this.#chain;
  }

  /** Sends an action after all pending edits. */
  async send(action: Action): Promise<void> {
    await this.flush();
    await this.#enqueue(action);
  }

  /** Next, if the core allows it once everything typed has been judged (Enter in a field, or the button). */
  async next(): Promise<void> {
    await this.flush();
    if (this.view?.page.next.enabled) {
      await this.#enqueue({ type: "next" });
    }
  }

  /** Fetches and imports metadata from a URL. Runs beside the action queue, so the wizard (and Cancel) stay usable. */
  async fetchMetadata(side: MetadataSide, url: string): Promise<void> {
    await this.flush();
    this.fetching = side;
    try {
      this.view = await fetchMetadata(side, url);
      this.failure = null;
    } catch (reason) {
      this.#fail("fetching metadata", reason);
    } finally {
      this.fetching = null;
    }
  }

  async cancelFetch(): Promise<void> {
    try {
      this.view = await cancelMetadataFetch();
    } catch (reason) {
      this.#fail("cancelling the metadata fetch", reason);
    }
  }

  /** Runs a file command (the shell opens the dialog, the core reads or writes the file the admin chose) after all
   * pending edits, in the action queue. */
  async #file(what: string, command: () => Promise<WizardView>): Promise<void> {
    await this.flush();
    const run = this.#chain.then(async () => {
      try {
        this.view = await command();
        this.failure = null;
      } catch (reason) {
        this.#fail(what, reason);
      }
    });
    this.#chain = run;
    return run;
  }

  /** Saves the SP metadata where the admin chooses in the shell's dialog (the core reports in a notice). */
  saveSpMetadata(fileName: string): Promise<void> {
    return this.#file("saving the SP metadata", () => saveSpMetadata(fileName));
  }

  /** Saves the summary report where the admin chooses in the shell's dialog. */
  saveReport(fileName: string): Promise<void> {
    return this.#file("saving the report", () => saveReport(fileName));
  }

  /** Saves the support bundle where the admin chooses in the shell's dialog. */
  saveSupportBundle(fileName: string): Promise<void> {
    return this.#file("saving the support bundle", () => saveSupportBundle(fileName));
  }

  /** Opens a support bundle through the shell's dialog and shows it, read only; a closed dialog changes nothing,
   * a file that is not a bundle is shown as a failure. Never touches the admin's own setup. */
  async openSupportBundle(): Promise<void> {
    await this.flush();
    const run = this.#chain.then(async () => {
      try {
        const opened = await openSupportBundle();
        if (opened) this.bundle = opened;
        this.failure = null;
      } catch (reason) {
        this.#fail("opening a support bundle", reason);
      }
    });
    this.#chain = run;
    return run;
  }

  /** Back to the admin's own setup. */
  closeSupportBundle(): void {
    this.bundle = null;
  }

  /** Saves step 7's test-login report where the admin chooses in the shell's dialog. */
  saveTestReport(format: ReportFormat, fileName: string): Promise<void> {
    return this.#file("saving the test-login report", () => saveTestReport(format, fileName));
  }

  /** Opens a certificate file through the shell's dialog; the core puts it into step 5. */
  openCertificate(): Promise<void> {
    return this.#file("opening a certificate file", openCertificateFile);
  }

  /** Loads the SP's private key through the shell's dialog for the next pasted-response check (memory only). */
  openPasteKey(): Promise<void> {
    return this.#file("loading the SP's private key", openPasteKeyFile);
  }

  /** Opens a metadata file through the shell's dialog; the core imports it into `side`'s box. */
  openMetadataFile(side: MetadataSide): Promise<void> {
    return this.#file("opening a metadata file", () => openMetadataFile(side));
  }

  /** Checks a pasted response. Runs beside the action queue (the shell checks it on a worker thread), so the wizard
   * and Cancel stay usable; an answer that arrives after Cancel or a newer check is not drawn. */
  async checkPastedResponse(text: string): Promise<void> {
    await this.flush();
    const run = ++this.#pasteRun;
    this.checking = true;
    try {
      const view = await checkPastedResponse(text);
      if (run === this.#pasteRun) {
        this.view = view;
        this.failure = null;
      }
    } catch (reason) {
      if (run === this.#pasteRun) this.#fail("checking the pasted response", reason);
    } finally {
      if (run === this.#pasteRun) this.checking = false;
    }
  }

  /** Cancel (or Escape) while a pasted response is checked: its result is dropped. */
  async cancelPasteCheck(): Promise<void> {
    this.#pasteRun++;
    this.checking = false;
    try {
      this.view = await cancelPasteCheck();
      this.failure = null;
    } catch (reason) {
      this.#fail("cancelling the check", reason);
    }
  }

  /** Runs a step-7 shell command beside the action queue (the login window and the test SP wait for a person), so
   * the wizard, Stop and Cancel stay usable; the view it returns is drawn. */
  async #testLogin(what: string, command: () => Promise<WizardView>): Promise<void> {
    await this.flush();
    try {
      this.view = await command();
      this.failure = null;
    } catch (reason) {
      this.#fail(what, reason);
    }
  }

  openLoginWindow(): Promise<void> {
    return this.#testLogin("opening the login window", openLoginWindow);
  }

  continueLoginWindow(): Promise<void> {
    return this.#testLogin("continuing the login", continueLoginWindow);
  }

  stopLoginWindow(): Promise<void> {
    return this.#testLogin("stopping the login window", stopLoginWindow);
  }

  startLoopbackTest(): Promise<void> {
    return this.#testLogin("running the test SP", startLoopbackTest);
  }

  cancelLoopbackTest(): Promise<void> {
    return this.#testLogin("cancelling the test SP", cancelLoopbackTest);
  }

  /** Escape during a test login: Cancel for the waiting test SP, Stop for the login window (the core's view says
   * which one runs). Resolves to false when none does. */
  async cancelRunningTest(): Promise<boolean> {
    if (this.checking) {
      await this.cancelPasteCheck();
      return true;
    }
    const running = this.view?.page.blocks.find((b) => b.kind === "test_login_way" && b.running);
    if (running?.kind !== "test_login_way") return false;
    if (running.way === "loopback") await this.cancelLoopbackTest();
    else if (running.way === "login_window") await this.stopLoginWindow();
    else await this.cancelPasteCheck();
    return true;
  }

  #enqueue(action: Action, key?: string): Promise<void> {
    if (key !== undefined) this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
    const run = this.#chain.then(async () => {
      try {
        const view = await applyAction(action);
        if (key !== undefined) this.#settle(key);
        this.view = view;
        this.failure = null;
      } catch (reason) {
        if (key !== undefined) this.#settle(key);
        this.#fail(`applying ${action.type}`, reason);
      }
    });
    this.#chain = run;
    return run;
  }

  #settle(key: string): void {
    const left = (this.#inFlight.get(key) ?? 1) - 1;
    if (left > 0) this.#inFlight.set(key, left);
    else this.#inFlight.delete(key);
  }

  #fail(what: string, reason: unknown): void {
    const message = messageOf(reason);
    this.failure = message;
    // Only the kind of action and the shell's message: never a field value.
    reportProblem(`UI: ${what} failed: ${message}`);
  }
}
