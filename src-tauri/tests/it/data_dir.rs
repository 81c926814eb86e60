//! The app's own way of finding its data directory honours SSOPILOT_DATA_DIR (its own process: it sets the
//! variable before anything reads it).

use serde_json::{json, Value};
use ssopilot_app::{with_wizard, WizardState};
use ssopilot_wizard::view::{Block, WizardView};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindowBuilder};

#[test]
fn both_commands_work_with_the_data_directory_from_the_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::env::set_var("SSOPILOT_DATA_DIR", dir.path());
    let app = with_wizard(mock_builder(), WizardState::open_default())
        .build(tauri::generate_context!())
        .expect("the app builds");
    let window = match app.get_webview_window("main") {
        Some(window) => window,
        None => WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .expect("window"),
    };
    let call = |cmd: &str, body: Value| -> WizardView {
        let response = get_ipc_response(
            &window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .unwrap_or_else(|e| panic!("{cmd} failed: {e}"));
        response.deserialize().expect("a WizardView")
    };
    let first = call("wizard_view", json!({}));
    let (field, option) = first
        .page
        .blocks
        .iter()
        .find_map(|block| match block {
            Block::Choice { field, options, .. } => {
                options.first().map(|o| (*field, o.value.clone()))
            }
            _ => None,
        })
        .expect("step 1 offers a provider choice");
    call(
        "wizard_apply",
        json!({ "action": { "type": "set_field", "field": field, "value": option } }),
    );
    let store = ssopilot_wizard::state::Store::default_location().expect("store");
    assert!(
        store.path().starts_with(dir.path()),
        "the state file {} lives under SSOPILOT_DATA_DIR {}",
        store.path().display(),
        dir.path().display()
    );
    assert!(
        store.path().is_file(),
        "the change was saved to {}",
        store.path().display()
    );
}
