//! The shell holds the demo IdP the core started: through Tauri's IPC layer on the mock runtime, a fresh run
//! preselects the demo IdP, step 3 comes back filled from it, and its metadata answers over real HTTP; without a
//! keychain the option says why instead of the app failing.

use std::io::{Read, Write};

use serde_json::json;
use ssopilot_app::WizardState;
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::secrets::SecretsError;
use ssopilot_wizard::demo::DemoIdp;
use ssopilot_wizard::state::Store;
use ssopilot_wizard::view::{Block, StepId, WizardView};

use crate::common;
use common::{app_with as app, apply, invoke, main_window, set};

fn idp_choice(view: &WizardView) -> (Option<String>, Vec<(String, Option<String>)>) {
    match view.page.blocks.first() {
        Some(Block::Choice { value, options, .. }) => (
            value.clone(),
            options
                .iter()
                .map(|o| (o.value.clone(), o.unavailable.clone()))
                .collect(),
        ),
        other => panic!("step 1 starts with the IdP choice, not {other:?}"),
    }
}

#[test]
fn a_fresh_run_preselects_the_running_demo_idp_and_step_3_is_filled_from_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = IdpKey::generate_ephemeral().expect("a key");
    let app = app(WizardState::open_with_demo(
        Store::at(dir.path()),
        DemoIdp::start_with_key(key, 0),
    ));
    let window = main_window(&app);
    let view = invoke(&window, "wizard_view", json!({}));
    let (chosen, options) = idp_choice(&view);
    assert_eq!(chosen.as_deref(), Some("demo"));
    assert_eq!(options[0], ("demo".to_string(), None));

    set(&window, "sp_profile", "infisical");
    apply(&window, json!({ "type": "next" }));
    set(
        &window,
        "acs_url",
        "https://app.infisical.com/api/v1/sso/saml2/org-1",
    );
    set(&window, "sp_entity_id", "https://app.infisical.com");
    let view = apply(&window, json!({ "type": "next" }));
    assert_eq!(view.current, StepId::IdpApp);
    assert!(view.page.next.enabled, "{:?}", view.page.next);
    let values: Vec<(String, String)> = view
        .page
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Value { label, value, .. } => Some((label.clone(), value.clone())),
            _ => None,
        })
        .collect();
    let metadata = values
        .iter()
        .find(|(l, _)| l == "Metadata URL")
        .map(|(_, v)| v.clone())
        .expect("the metadata URL is shown");
    assert!(values
        .iter()
        .any(|(l, v)| l == "IDP Certificate" && v.starts_with("-----BEGIN CERTIFICATE-----\n")));

    // The metadata URL the view shows answers over HTTP with the demo IdP's entity ID.
    let rest = metadata
        .strip_prefix("http://127.0.0.1:")
        .expect("a loopback URL");
    let port: u16 = rest.split('/').next().unwrap().parse().unwrap();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("the demo IdP listens");
    write!(
        s,
        "GET /metadata HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains(&format!("entityID=\"{metadata}\"")), "{out}");
}

#[test]
fn without_a_keychain_the_demo_idp_runs_on_a_temporary_key_and_step_1_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = app(WizardState::open_with_demo(
        Store::at(dir.path()),
        DemoIdp::start(
            Err(SecretsError::NoKeychain {
                detail: "no session bus".into(),
            }),
            0,
        ),
    ));
    let window = main_window(&app);
    let view = invoke(&window, "wizard_view", json!({}));
    let (chosen, options) = idp_choice(&view);
    assert_eq!(chosen.as_deref(), Some("demo"), "the demo IdP still works");
    assert_eq!(options[0].1, None, "and can be chosen");
    let Some(Block::Choice { options, .. }) = view.page.blocks.first() else {
        panic!("step 1 starts with the IdP choice");
    };
    let said = options[0].description.clone().unwrap_or_default();
    assert!(said.contains("temporary key"), "{said}");
    // The other IdPs work as before.
    let view = set(&window, "idp_profile", "jumpcloud");
    assert_eq!(idp_choice(&view).0.as_deref(), Some("jumpcloud"));
}
