//! `ssopilot-app`: the SSO Pilot desktop wizard.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    ssopilot_app::run();
}
