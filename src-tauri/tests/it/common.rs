//! What every mock-runtime test of the shell needs: the app built with the real configuration and capabilities
//! (`generate_context!`), its main window, and IPC requests as the UI sends them from `tauri://localhost` (Linux;
//! Windows/Android would use http://tauri.localhost). Each test file uses a part of it.
#![allow(dead_code)]

use serde_json::{json, Value};
use ssopilot_app::files::{FileDialogs, FileRequest};
use ssopilot_app::{with_wizard, with_wizard_and, ShellParts, WizardState};
use ssopilot_wizard::state::Store;
use ssopilot_wizard::view::WizardView;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

/// Where the UI's requests come from.
pub const APP_ORIGIN: &str = "tauri://localhost";

/// The app with the given wizard state.
pub fn app_with(state: WizardState) -> App<MockRuntime> {
    with_wizard(mock_builder(), state)
        .build(tauri::generate_context!())
        .expect("the app builds with the mock runtime")
}

/// The app with the given wizard state and shell parts (answered dialogs, a hook in the paste check).
pub fn app_with_parts(state: WizardState, parts: ShellParts) -> App<MockRuntime> {
    with_wizard_and(mock_builder(), state, parts)
        .build(tauri::generate_context!())
        .expect("the app builds with the mock runtime")
}

/// The dialogs the admin asked for, in order.
pub type Asked = Arc<Mutex<Vec<FileRequest>>>;

/// File dialogs answered with `answers` in order (`None`: the admin closed the dialog; no answer left: closed).
pub fn dialogs_answering(answers: Vec<Option<PathBuf>>) -> (FileDialogs, Asked) {
    let queue = Mutex::new(VecDeque::from(answers));
    let asked: Asked = Arc::default();
    let seen = asked.clone();
    let dialogs = FileDialogs::answered_by(move |request| {
        seen.lock().expect("not poisoned").push(request.clone());
        queue.lock().expect("not poisoned").pop_front().flatten()
    });
    (dialogs, asked)
}

/// The app keeping its progress in `dir`, whose file dialogs answer with `answers` in order.
pub fn app_answering(
    dir: &std::path::Path,
    answers: Vec<Option<PathBuf>>,
) -> (App<MockRuntime>, Asked) {
    let (dialogs, asked) = dialogs_answering(answers);
    let parts = ShellParts {
        dialogs,
        ..ShellParts::default()
    };
    (
        app_with_parts(WizardState::open(Store::at(dir)), parts),
        asked,
    )
}

/// The app keeping its progress in `dir`, without a demo IdP.
pub fn app(dir: &std::path::Path) -> App<MockRuntime> {
    app_with(WizardState::open(Store::at(dir)))
}

pub fn main_window(app: &App<MockRuntime>) -> WebviewWindow<MockRuntime> {
    match app.get_webview_window("main") {
        Some(window) => window,
        None => WebviewWindowBuilder::new(app, "main", Default::default())
            .build()
            .expect("the main window opens"),
    }
}

/// An IPC request for `cmd` as a page of `origin` sends it.
pub fn request(cmd: &str, origin: &str, body: Value) -> InvokeRequest {
    InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: origin.parse().expect("valid origin"),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    }
}

/// Calls `cmd` from the app's own origin: the JSON answer, or the error the UI would get.
pub fn call(window: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(window, request(cmd, APP_ORIGIN, body))
        .map(|body| body.deserialize::<Value>().expect("the response is JSON"))
}

/// Calls a command that answers with the wizard's view; panics with the error otherwise.
pub fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> WizardView {
    let value = call(window, cmd, body).unwrap_or_else(|e| panic!("{cmd} failed: {e}"));
    serde_json::from_value(value).expect("the command returns a WizardView")
}

pub fn apply(window: &WebviewWindow<MockRuntime>, action: Value) -> WizardView {
    invoke(window, "wizard_apply", json!({ "action": action }))
}

pub fn set(window: &WebviewWindow<MockRuntime>, field: &str, value: &str) -> WizardView {
    apply(
        window,
        json!({ "type": "set_field", "field": field, "value": value }),
    )
}

pub fn view(window: &WebviewWindow<MockRuntime>) -> WizardView {
    invoke(window, "wizard_view", json!({}))
}
