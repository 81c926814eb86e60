//! The desktop notification of the watch at start (the official notification plugin, sent from Rust: the window has
//! none of its commands). What to say and when is the core's ([`ssopilot_wizard::notify`]). A desktop without a
//! notification service (Xvfb, CI, a bare window manager) is no failure: the summary's banner says the same.

use ssopilot_wizard::notify::Notification;
use tauri::{AppHandle, Manager, Runtime};

/// Hands `n` to the desktop's notification service; logs and carries on when it cannot.
pub fn show<R: Runtime>(app: &AppHandle<R>, n: &Notification) {
    let Some(plugin) = app.try_state::<tauri_plugin_notification::Notification<R>>() else {
        log::info!("watch: no notification plugin in this run; the summary's banner shows what needs doing");
        return;
    };
    // The plugin sends on a task of its own; a missing notification service fails there, quietly.
    match plugin.builder().title(&n.title).body(&n.body).show() {
        Ok(()) => log::info!("watch: desktop notification handed to the system: {}", n.body),
        Err(e) => log::warn!(
            "watch: the desktop notification could not be shown ({e}); the summary's banner shows what needs doing"
        ),
    }
}
