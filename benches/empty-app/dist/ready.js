// The same marker as SSO Pilot's UI: after the first frame with content is drawn, tell the app (it prints the time),
// with the same page marks (navigation start, script start, drawn).
const marks = [["navigation", performance.timeOrigin], ["script", performance.timeOrigin + performance.now()]];
requestAnimationFrame(() =>
  setTimeout(() => {
    marks.push(["drawn", performance.timeOrigin + performance.now()]);
    window.__TAURI_INTERNALS__.invoke("first_screen_ready", { marks });
  }, 0),
);
