//! The shell's commands driven through Tauri's IPC layer with the mock runtime: the real configuration and
//! capabilities (generate_context!), the real core, a temporary data directory.

use serde_json::json;
use ssopilot_wizard::view::{Block, StepId, WizardView};

use crate::common;
use common::{app, app_answering, apply, call, invoke, main_window, request, view};
use tauri::test::get_ipc_response;

/// The first choice on the page and an option different from the current one.
fn a_choice(view: &WizardView) -> (String, String) {
    view.page
        .blocks
        .iter()
        .find_map(|block| match block {
            Block::Choice {
                field,
                options,
                value,
                ..
            } => options
                .iter()
                .find(|o| Some(&o.value) != value.as_ref())
                .map(|o| (field.to_string(), o.value.clone())),
            _ => None,
        })
        .expect("step 1 offers a provider choice")
}

fn choice_value(view: &WizardView, wanted: &str) -> Option<String> {
    view.page.blocks.iter().find_map(|block| match block {
        Block::Choice { field, value, .. } if field.as_str() == wanted => value.clone(),
        _ => None,
    })
}

#[test]
fn wizard_view_returns_the_first_step_of_a_fresh_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = app(dir.path());
    let window = main_window(&app);
    let view = view(&window);
    assert_eq!(view.current, StepId::Providers);
    assert_eq!(view.page.id, StepId::Providers);
    assert_eq!(view.page.number, 1);
    assert!(!view.page.back_enabled, "there is nothing before step 1");
    assert_eq!(view.steps.len(), 9, "the step list shows the whole journey");
}

#[test]
fn wizard_apply_changes_the_session_and_the_change_survives_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (field, option) = {
        let app = app(dir.path());
        let window = main_window(&app);
        let (field, option) = a_choice(&view(&window));
        let after = apply(
            &window,
            json!({ "type": "set_field", "field": field, "value": option }),
        );
        assert_eq!(
            choice_value(&after, &field).as_deref(),
            Some(option.as_str())
        );
        // The next wizard_view sees the same session.
        assert_eq!(
            choice_value(&view(&window), &field).as_deref(),
            Some(option.as_str())
        );
        (field, option)
    };
    // A new app on the same data directory resumes the saved choice.
    let app = app(dir.path());
    let window = main_window(&app);
    assert_eq!(
        choice_value(&view(&window), &field).as_deref(),
        Some(option.as_str())
    );
}

#[test]
fn a_malformed_action_is_refused_with_a_message_not_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = app(dir.path());
    let window = main_window(&app);
    let refused = call(
        &window,
        "wizard_apply",
        json!({ "action": { "type": "launch_missiles" } }),
    )
    .expect_err("an unknown action type is refused");
    let message = refused.as_str().unwrap_or_default();
    assert!(
        message.contains("launch_missiles"),
        "the refusal names the bad action: {refused}"
    );
    // The session still works afterwards.
    assert_eq!(view(&window).current, StepId::Providers);
}

#[test]
fn the_capabilities_refuse_commands_that_are_not_granted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = app(dir.path());
    let window = main_window(&app);
    // A core command that is always registered but not granted (no `core:default` in the capability file): the
    // refusal comes from the access control list, not from a missing plugin.
    let refused = call(&window, "plugin:app|version", json!({}));
    let message = refused.expect_err("app version is not granted").to_string();
    assert!(
        message.contains("not allowed"),
        "refused by the ACL: {message}"
    );
    // Our own commands from a remote origin are refused too: only the bundled UI may drive the wizard.
    let remote = get_ipc_response(
        &window,
        request("wizard_view", "https://example.com", json!({})),
    );
    assert!(remote.is_err(), "a remote page must not reach wizard_view");
}

#[test]
fn wizard_open_certificate_puts_the_file_chosen_in_the_dialog_into_step_5() {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = tempfile::tempdir().expect("temp dir");
    let path = files.path().join("idp.der");
    let gone = files.path().join("gone.pem");
    let (app, asked) = app_answering(
        dir.path(),
        vec![Some(path.clone()), Some(gone.clone()), None],
    );
    let window = main_window(&app);
    let set = |field: &str, value: &str| {
        apply(
            &window,
            json!({"type": "set_field", "field": field, "value": value}),
        )
    };
    set("idp_profile", "jumpcloud");
    set("sp_profile", "infisical");
    apply(&window, json!({"type": "next"}));
    set(
        "acs_url",
        "https://app.infisical.com/api/v1/sso/saml2/org-1",
    );
    set("sp_entity_id", "https://app.infisical.com");
    apply(&window, json!({"type": "next"}));
    set("sign_assertion", "true");
    set("idp_sso_url", "https://sso.jumpcloud.com/saml2/infisical");
    apply(&window, json!({"type": "next"}));
    apply(&window, json!({"type": "next"}));
    assert_eq!(view(&window).current, StepId::Certificate);

    let certified = rcgen::generate_simple_self_signed(vec!["idp.example.com".to_string()])
        .expect("a certificate");
    std::fs::write(&path, certified.cert.der()).expect("write the DER file");
    // A path sent by the page is not taken: the shell opens the dialog and reads what the admin chose there.
    let value = call(
        &window,
        "wizard_open_certificate",
        json!({ "path": "/etc/shadow" }),
    )
    .expect("wizard_open_certificate answers");
    assert_eq!(asked.lock().unwrap()[0].title, "Open the IdP's certificate");
    assert!(!asked.lock().unwrap()[0].save);
    let v: WizardView = serde_json::from_value(value).expect("a WizardView");
    let field = v.page.blocks.iter().find_map(|b| match b {
        Block::CertificateInput { value, .. } => Some(value.clone()),
        _ => None,
    });
    assert_eq!(field, Some(certified.cert.pem().replace("\r\n", "\n")));
    assert!(v.page.next.enabled, "{:?}", v.page.next);

    // A missing file is a notice, not a failed command.
    let value = call(&window, "wizard_open_certificate", json!({})).expect("answers with a notice");
    let v: WizardView = serde_json::from_value(value).expect("a WizardView");
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.starts_with("Could not read gone.pem")));
    // The dialog closed: nothing changes.
    let notices = v.notices.len();
    let v = invoke(&window, "wizard_open_certificate", json!({}));
    assert_eq!(v.notices.len(), notices);
}

#[test]
fn report_save_writes_markdown_or_html_where_the_admin_chose() {
    let dir = tempfile::tempdir().expect("temp dir");
    let md = dir.path().join("report.md");
    let html = dir.path().join("report.html");
    let (app, asked) = app_answering(dir.path(), vec![Some(md.clone()), Some(html.clone())]);
    let window = main_window(&app);
    apply(
        &window,
        json!({ "type": "set_field", "field": "idp_profile", "value": "jumpcloud" }),
    );
    apply(
        &window,
        json!({ "type": "set_field", "field": "sp_profile", "value": "infisical" }),
    );
    let elsewhere = dir.path().join("elsewhere.md");
    let value = call(
        &window,
        "report_save",
        json!({ "fileName": "../../sso-report.md", "path": elsewhere.display().to_string() }),
    )
    .expect("report_save is granted and answers");
    assert!(!elsewhere.exists(), "a path from the page is never written");
    // The page suggests a name only: no folder part reaches the dialog.
    assert_eq!(
        asked.lock().unwrap()[0].file_name.as_deref(),
        Some("sso-report.md")
    );
    let v: WizardView = serde_json::from_value(value).expect("a WizardView");
    assert!(v.notices.iter().any(|n| n.text.contains("was saved to")));
    let text = std::fs::read_to_string(&md).expect("written");
    assert!(
        text.starts_with("# SAML SSO: Infisical with JumpCloud"),
        "{text}"
    );
    call(
        &window,
        "report_save",
        json!({ "fileName": "sso-report.html" }),
    )
    .expect("answers");
    assert!(std::fs::read_to_string(&html)
        .expect("written")
        .starts_with("<!DOCTYPE html>"));
}

#[test]
fn support_bundle_save_writes_the_bundle_where_the_admin_chose() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("ticket.json");
    let (app, asked) = app_answering(dir.path(), vec![Some(file.clone())]);
    let window = main_window(&app);
    apply(
        &window,
        json!({ "type": "set_field", "field": "idp_profile", "value": "jumpcloud" }),
    );
    let value = call(
        &window,
        "support_bundle_save",
        json!({ "fileName": "../sso-pilot-support-bundle.json" }),
    )
    .expect("support_bundle_save is granted and answers");
    assert_eq!(
        asked.lock().unwrap()[0].file_name.as_deref(),
        Some("sso-pilot-support-bundle.json")
    );
    let v: WizardView = serde_json::from_value(value).expect("a WizardView");
    assert!(
        v.notices
            .iter()
            .any(|n| n.text.contains("support bundle was saved to")),
        "{:?}",
        v.notices
    );
    let bundle = ssopilot_wizard::bundle::Bundle::open(&std::fs::read(&file).expect("written"))
        .expect("a bundle");
    assert_eq!(bundle.profiles.idp.as_deref(), Some("jumpcloud"));
    assert!(!bundle.user_data_included);
}

#[test]
fn support_bundle_open_shows_a_bundle_without_touching_the_setup() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("ticket.json");
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "not a bundle").expect("written");
    let (app, asked) = app_answering(
        dir.path(),
        vec![Some(file.clone()), Some(file.clone()), Some(junk), None],
    );
    let window = main_window(&app);
    apply(
        &window,
        json!({ "type": "set_field", "field": "idp_profile", "value": "jumpcloud" }),
    );
    call(
        &window,
        "support_bundle_save",
        json!({ "fileName": "ticket.json" }),
    )
    .expect("saved");
    let state_file = dir.path().join("state.json");
    let before = std::fs::read(&state_file).expect("the setup is saved");
    let before_view = view(&window);

    let value = call(&window, "support_bundle_open", json!({}))
        .expect("support_bundle_open is granted and answers");
    assert_eq!(asked.lock().unwrap()[1].title, "Open a support bundle");
    assert!(!asked.lock().unwrap()[1].save);
    let v: ssopilot_wizard::bundle::view::BundleView =
        serde_json::from_value(value).expect("a BundleView");
    assert_eq!(v.file_name, "ticket.json");
    assert_eq!(v.steps.len(), 9);
    assert!(v
        .about
        .iter()
        .any(|r| r.label == "IdP profile" && r.value == "jumpcloud"));
    assert_eq!(std::fs::read(&state_file).expect("kept"), before);
    assert_eq!(view(&window), before_view);

    // Not a bundle: a plain error naming the file; a closed dialog: nothing.
    let error = call(&window, "support_bundle_open", json!({})).expect_err("refused");
    let error = error.as_str().expect("a message");
    assert!(
        error.starts_with("notes.txt cannot be opened: this is not an SSO Pilot support bundle"),
        "{error}"
    );
    let closed = call(&window, "support_bundle_open", json!({})).expect("closed");
    assert!(closed.is_null());
    assert_eq!(std::fs::read(&state_file).expect("kept"), before);
}
