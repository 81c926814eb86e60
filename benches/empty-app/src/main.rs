//! An empty Tauri 2 app: one window, one page, and the same readiness marker as SSO Pilot (see benches/app_launch.sh).

/// Prints `READY <unix ns>` when `SSOPILOT_BENCH_READY` is set; the page calls it once it is drawn.
#[tauri::command]
fn first_screen_ready() {
    if std::env::var_os("SSOPILOT_BENCH_READY").is_some() {
        let ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        println!("READY {ns}");
    }
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![first_screen_ready])
        .run(tauri::generate_context!())
        .expect("the window opens");
}
