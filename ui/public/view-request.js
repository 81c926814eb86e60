// Asks the core for the wizard's view as soon as the page starts, while the main script is still loading; main.ts
// takes the answer (src/lib/backend.ts, takeEarlyViewRequest). The round trip then overlaps the page's own start-up
// instead of following it (benches/README.md). A classic script on purpose: it runs before the module bundle.
(function () {
  var internals = window.__TAURI_INTERNALS__;
  if (!internals || typeof internals.invoke !== "function") return;
  var answer = internals.invoke("wizard_view");
  // Handled by main.ts; this only keeps an early failure from being reported as unhandled before it gets there.
  answer.catch(function () {});
  window.__SSOPILOT_VIEW_REQUEST__ = { at: performance.timeOrigin + performance.now(), answer: answer };
})();
