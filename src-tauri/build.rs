fn main() {
    // Declaring the app's own commands makes them subject to the capability files like the plugins' commands:
    // the window may call exactly what `capabilities/` grants, nothing by default.
    let attributes =
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(&[
            "wizard_view",
            "wizard_apply",
            "metadata_fetch",
            "metadata_fetch_cancel",
            "sp_metadata_save",
            "report_save",
            "support_bundle_save",
            "support_bundle_open",
            "wizard_open_certificate",
            "paste_key_open",
            "metadata_file_open",
            "test_report_save",
            "paste_check",
            "paste_check_cancel",
            "login_window_open",
            "login_capture",
            "login_window_continue",
            "login_window_stop",
            "loopback_test_start",
            "loopback_test_cancel",
            "first_screen_ready",
        ]));
    if let Err(error) = tauri_build::try_build(attributes) {
        // A build script fails by exiting non-zero; the message goes to cargo's output.
        eprintln!("tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}
