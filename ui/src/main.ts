import { mount } from "svelte";
import App from "./App.svelte";
import { markFirstScreenReady, takeEarlyViewRequest } from "./lib/backend";
import { launchMarks, mark } from "./lib/launch";
import { Wizard } from "./lib/wizard.svelte";
import "./app.css";

mark("script");

const target = document.getElementById("app");
if (!target) {
  throw new Error("index.html has no #app element");
}
// The saved progress was asked for as the page started (public/view-request.js), or is asked for now, before
// mounting: either way the round trip to the core overlaps the page's start-up instead of following it.
const wizard = new Wizard();
void wizard.load(takeEarlyViewRequest());
const app = mount(App, { target, props: { wizard } });
mark("mounted");
export default app;

// The launch benchmark's marker: once the first step's page is in the document, wait for the frame that draws it,
// then tell the shell (which prints the time only when SSOPILOT_BENCH_READY is set, and ignores it otherwise).
const ready = new MutationObserver(() => {
  if (document.getElementById("page-title")) {
    ready.disconnect();
    mark("first_page_in_document");
    requestAnimationFrame(() =>
      setTimeout(() => {
        mark("drawn");
        void markFirstScreenReady(launchMarks()).catch(() => undefined);
      }, 0),
    );
  }
});
ready.observe(target, { childList: true, subtree: true });
