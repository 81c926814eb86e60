//! An empty Tauri 2 app: one window, one page, and the same readiness marker and start-up marks as SSO Pilot (see
//! benches/app_launch.sh), so the two breakdowns can be compared step by step.

fn bench_enabled() -> bool {
    std::env::var_os("SSOPILOT_BENCH_READY").is_some()
}

fn now_ns() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn mark(name: &str) {
    if bench_enabled() {
        println!("MARK shell:{name} {}", now_ns());
    }
}

/// Prints the page's marks and `READY <unix ns>` when `SSOPILOT_BENCH_READY` is set; the page calls it once drawn.
#[tauri::command]
fn first_screen_ready(marks: Option<Vec<(String, f64)>>) {
    if bench_enabled() {
        for (name, epoch_ms) in marks.unwrap_or_default() {
            println!("MARK page:{name} {}", (epoch_ms * 1e6) as u128);
        }
        mark("ready_received");
        println!("READY {}", now_ns());
    }
}

fn main() {
    mark("main");
    tauri::Builder::default()
        .setup(|_| {
            mark("setup");
            Ok(())
        })
        .on_page_load(|_, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                mark("page_loaded");
            }
        })
        .invoke_handler(tauri::generate_handler![first_screen_ready])
        .run(tauri::generate_context!())
        .expect("the window opens");
}
