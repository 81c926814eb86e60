//! The metadata commands through Tauri's IPC layer with the mock runtime: a URL import from a loopback server, a
//! fetch cancelled while the server holds the connection, the SP metadata saved to a file, and an import action.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint;
use ssopilot_saml::values::EntityId;
use ssopilot_wizard::view::{Block, StepId, WizardView};

use crate::common;
use common::{app, app_answering, apply, call, invoke, main_window, set};
use tauri::test::MockRuntime;
use tauri::WebviewWindow;

const ACS: &str = "https://app.infisical.com/api/v1/sso/saml2/org-123";
const SP_ID: &str = "https://app.infisical.com";
const IDP_URL: &str = "https://sso.jumpcloud.com/saml2/infisical";

fn to_step_3(window: &WebviewWindow<MockRuntime>) {
    set(window, "idp_profile", "jumpcloud");
    set(window, "sp_profile", "infisical");
    apply(window, json!({ "type": "next" }));
    set(window, "acs_url", ACS);
    set(window, "sp_entity_id", SP_ID);
    let v = apply(window, json!({ "type": "next" }));
    assert_eq!(v.current, StepId::IdpApp);
}

fn input_value(v: &WizardView, field: &str) -> String {
    v.page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Input {
                field: f, value, ..
            } if f.as_str() == field => Some(value.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

fn import_result(v: &WizardView) -> (Option<String>, Option<String>) {
    v.page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::MetadataImport { result, error, .. } => Some((result.clone(), error.clone())),
            _ => None,
        })
        .expect("an import box")
}

fn idp_metadata() -> String {
    let key = IdpKey::generate_ephemeral().expect("RSA key");
    mint::metadata(&EntityId::parse(SP_ID, "x").expect("id"), IDP_URL, &key)
}

/// Answers one request with `body`, or (for `None`) accepts and holds the connection until told to stop.
fn serve(body: Option<String>) -> (String, mpsc::Receiver<()>, mpsc::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}/metadata", listener.local_addr().expect("addr"));
    let (accepted_tx, accepted_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let _ = accepted_tx.send(());
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            match body {
                Some(body) => {
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
                None => {
                    let _ = stop_rx.recv_timeout(Duration::from_secs(20));
                }
            }
        }
    });
    (url, accepted_rx, stop_tx)
}

#[test]
fn metadata_fetch_imports_from_a_loopback_url() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = app(dir.path());
    let window = main_window(&app);
    to_step_3(&window);
    let (url, _accepted, _stop) = serve(Some(idp_metadata()));
    let v = invoke(
        &window,
        "metadata_fetch",
        json!({ "side": "idp", "url": url }),
    );
    let (result, error) = import_result(&v);
    assert_eq!(error, None);
    assert!(
        result
            .as_deref()
            .is_some_and(|r| r.starts_with(&format!("The metadata at {url} was imported"))),
        "{result:?}"
    );
    assert_eq!(input_value(&v, "idp_sso_url"), IDP_URL);
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("state.json")).expect("saved"),
    )
    .expect("json");
    assert!(saved["idp_certificate"]
        .as_str()
        .is_some_and(|pem| pem.starts_with("-----BEGIN CERTIFICATE-----")));
}

#[test]
fn metadata_fetch_cancel_aborts_a_hanging_fetch() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = app(dir.path());
    let window = main_window(&app);
    to_step_3(&window);
    let (url, accepted, stop) = serve(None);
    let fetching = {
        let window = window.clone();
        let url = url.clone();
        std::thread::spawn(move || {
            invoke(
                &window,
                "metadata_fetch",
                json!({ "side": "idp", "url": url }),
            )
        })
    };
    accepted
        .recv_timeout(Duration::from_secs(10))
        .expect("the fetch reaches the server");
    // While the fetch runs, the wizard answers.
    let during = invoke(&window, "wizard_view", json!({}));
    assert!(during
        .page
        .blocks
        .iter()
        .any(|b| matches!(b, Block::MetadataImport { fetching: Some(u), .. } if *u == url)));
    let cancelled = invoke(&window, "metadata_fetch_cancel", json!({}));
    let (result, _) = import_result(&cancelled);
    assert!(
        result
            .as_deref()
            .is_some_and(|r| r.contains("was cancelled")),
        "{result:?}"
    );
    let after = fetching.join().expect("the fetch command returns");
    assert_eq!(input_value(&after, "idp_sso_url"), "");
    let _ = stop.send(());
}

#[test]
fn sp_metadata_save_writes_the_file_and_import_actions_pass_through() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("infisical-sp-metadata.xml");
    let (app, asked) = app_answering(dir.path(), vec![Some(out.clone())]);
    let window = main_window(&app);
    to_step_3(&window);
    let v = invoke(
        &window,
        "sp_metadata_save",
        json!({ "fileName": "infisical-sp-metadata.xml" }),
    );
    assert!(asked.lock().unwrap()[0].save);
    let xml = std::fs::read_to_string(&out).expect("the file is written");
    assert!(xml.contains(&format!("entityID=\"{SP_ID}\"")), "{xml}");
    assert!(xml.contains(ACS));
    assert!(v.notices.iter().any(|n| n.text.contains("was saved to")));

    let v = apply(
        &window,
        json!({ "type": "import_metadata", "side": "idp", "text": idp_metadata() }),
    );
    assert_eq!(input_value(&v, "idp_sso_url"), IDP_URL);
}

#[test]
fn a_file_path_no_dialog_returned_is_refused_and_a_chosen_one_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let chosen = dir.path().join("idp-metadata.xml");
    std::fs::write(&chosen, idp_metadata()).expect("write the metadata");
    let unchosen = dir.path().join("other.xml");
    std::fs::write(&unchosen, idp_metadata()).expect("write the metadata");
    let (app, asked) = app_answering(dir.path(), vec![Some(chosen.clone())]);
    let window = main_window(&app);
    to_step_3(&window);

    // The page sends a path of its own: refused with a message that says what to do, and nothing is read.
    for action in [
        json!({ "type": "import_metadata_file", "side": "idp", "path": unchosen.display().to_string() }),
        json!({ "type": "save_test_report", "format": "markdown", "path": dir.path().join("r.md").display().to_string() }),
    ] {
        let refused = call(&window, "wizard_apply", json!({ "action": action }))
            .expect_err("a path no dialog returned is refused");
        let message = refused.as_str().unwrap_or_default().to_string();
        assert!(
            message.contains("only files you chose in its file dialog")
                && message.contains("use the button that opens the dialog"),
            "{message}"
        );
    }
    assert!(!dir.path().join("r.md").exists());
    assert_eq!(
        input_value(&invoke(&window, "wizard_view", json!({})), "idp_sso_url"),
        ""
    );

    // The file chosen in the dialog is imported, without its path passing through the page.
    let v = invoke(&window, "metadata_file_open", json!({ "side": "idp" }));
    assert!(!asked.lock().unwrap()[0].save);
    assert_eq!(input_value(&v, "idp_sso_url"), IDP_URL);
    // And a wizard action naming that same file is accepted from now on (this session only).
    call(
        &window,
        "wizard_apply",
        json!({ "action": { "type": "import_metadata_file", "side": "idp", "path": chosen.display().to_string() } }),
    )
    .expect("a path the dialog returned is accepted");
}
