// The same marker as SSO Pilot's UI: after the first frame with content is drawn, tell the app (it prints the time).
requestAnimationFrame(() => setTimeout(() => window.__TAURI_INTERNALS__.invoke("first_screen_ready"), 0));
