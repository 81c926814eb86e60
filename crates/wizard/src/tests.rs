//! The step model, its gating, each field's messages, and saving/resuming through a real [`Store`].

use std::fs;
use std::path::Path;

use super::*;
use crate::state::{SavedState, Store, MAX_ATTRIBUTE_ROWS};
use crate::view::{Action, AttributeRowView, AttributeSide, Block, Severity, StepStatus};

// The Infisical-on-JumpCloud values and the field setter, shared with the step modules' own tests.
pub(super) const ACS: &str = "https://app.infisical.com/api/v1/sso/saml2/org-123";
pub(super) const SP_ID: &str = "https://app.infisical.com";
pub(super) const IDP_URL: &str = "https://sso.jumpcloud.com/saml2/infisical";

fn open(dir: &Path) -> Session {
    Session::open(Store::at(dir))
}

pub(super) fn set(s: &mut Session, field: Field, value: &str) -> WizardView {
    s.apply(Action::SetField {
        field,
        value: value.into(),
    })
}

fn status(v: &WizardView, step: StepId) -> (StepStatus, Option<String>) {
    let s = v.steps.iter().find(|s| s.id == step).unwrap();
    (s.status, s.reason.clone())
}

fn input(v: &WizardView, field: Field) -> &Block {
    v.page
        .blocks
        .iter()
        .find(|b| matches!(b, Block::Input { field: f, .. } | Block::Checkbox { field: f, .. } if *f == field))
        .unwrap_or_else(|| panic!("no field {field} on {:?}", v.page.id))
}

fn input_error(v: &WizardView, field: Field) -> Option<String> {
    match input(v, field) {
        Block::Input { error, .. } | Block::Checkbox { error, .. } => error.clone(),
        _ => None,
    }
}

fn input_warning(v: &WizardView, field: Field) -> Option<String> {
    match input(v, field) {
        Block::Input { warning, .. } => warning.clone(),
        _ => None,
    }
}

fn input_value(v: &WizardView, field: Field) -> String {
    match input(v, field) {
        Block::Input { value, .. } => value.clone(),
        _ => panic!("not a text input"),
    }
}

fn attribute_map(v: &WizardView) -> (Vec<AttributeRowView>, Option<String>, Option<String>) {
    v.page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::AttributeMap {
                rows,
                error,
                warning,
                ..
            } => Some((rows.clone(), error.clone(), warning.clone())),
            _ => None,
        })
        .expect("attribute map")
}

fn providers(s: &mut Session, idp: &str, sp: &str) -> WizardView {
    set(s, Field::IdpProfile, idp);
    set(s, Field::SpProfile, sp)
}

/// Fills steps 1 to 3 for Infisical on JumpCloud and stops on step 4.
fn to_attributes(s: &mut Session) -> WizardView {
    providers(s, "jumpcloud", "infisical");
    s.apply(Action::Next);
    set(s, Field::AcsUrl, ACS);
    set(s, Field::SpEntityId, SP_ID);
    s.apply(Action::Next);
    set(s, Field::SignAssertion, "true");
    set(s, Field::IdpSsoUrl, IDP_URL);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::Attributes, "{:?}", v.page.next);
    v
}

#[test]
fn a_fresh_wizard_starts_at_providers_with_the_rest_locked() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(dir.path()).view();
    assert_eq!(v.current, StepId::Providers);
    assert_eq!(v.steps.len(), 9);
    let numbers: Vec<u8> = v.steps.iter().map(|s| s.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert!(!v.page.next.enabled);
    assert_eq!(
        v.page.next.reason.as_deref(),
        Some("Choose the identity provider (IdP) your users sign in with")
    );
    assert!(!v.page.back_enabled);
    assert_eq!(status(&v, StepId::Providers).0, StepStatus::Incomplete);
    for step in [StepId::SpValues, StepId::IdpApp, StepId::Attributes] {
        let (st, why) = status(&v, step);
        assert_eq!(st, StepStatus::Locked);
        assert!(
            why.unwrap()
                .starts_with("Complete step 1 (Providers) first"),
            "{step:?}"
        );
    }
    // Nothing is written before the admin does anything.
    assert!(!dir.path().join("state.json").exists());
}

#[test]
fn every_step_is_built_and_locked_behind_the_earlier_ones() {
    let dir = tempfile::tempdir().unwrap();
    let v = open(dir.path()).view();
    for step in [
        StepId::Certificate,
        StepId::AssignUsers,
        StepId::TestLogin,
        StepId::Enable,
        StepId::Enforce,
    ] {
        let (st, why) = status(&v, step);
        assert_eq!(st, StepStatus::Locked, "{step:?}");
        assert!(
            why.unwrap()
                .starts_with("Complete step 1 (Providers) first"),
            "{step:?}"
        );
    }
    // Why step 1 blocks is said once, under step 2; the later steps only name it.
    let reasons: Vec<&str> = v.steps.iter().filter_map(|s| s.reason.as_deref()).collect();
    let why = status(&v, StepId::SpValues).1.unwrap();
    assert!(
        why.starts_with("Complete step 1 (Providers) first: "),
        "{why}"
    );
    assert_eq!(
        reasons.iter().filter(|r| **r == why).count(),
        1,
        "{reasons:#?}"
    );
    assert_eq!(
        status(&v, StepId::Enforce).1.as_deref(),
        Some("Complete step 1 (Providers) first.")
    );
}

#[test]
fn step_1_offers_the_profiles_and_unlocks_step_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let v = s.view();
    let Block::Choice { options, .. } = &v.page.blocks[0] else {
        panic!("{:?}", v.page.blocks)
    };
    let labels: Vec<_> = options.iter().map(|o| o.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Demo IdP (built into SSO Pilot)",
            "JumpCloud",
            "Okta",
            "Microsoft Entra ID",
            "Google Workspace",
            "Generic SAML 2.0 identity provider"
        ]
    );
    // Without a running demo IdP (no session attached one) nothing is preselected.
    let Block::Choice { value, .. } = &v.page.blocks[0] else {
        panic!()
    };
    assert_eq!(value, &None);

    let v = set(&mut s, Field::IdpProfile, "jumpcloud");
    assert_eq!(
        v.page.next.reason.as_deref(),
        Some("Choose the service provider (SP) your users sign in to")
    );
    let v = set(&mut s, Field::SpProfile, "nope");
    assert!(v.notices[0]
        .text
        .contains("no service provider profile \"nope\""));
    let v = set(&mut s, Field::SpProfile, "infisical");
    assert!(v.page.next.enabled, "{:?}", v.page.next);
    assert_eq!(status(&v, StepId::Providers).0, StepStatus::Complete);
    assert_eq!(status(&v, StepId::SpValues).0, StepStatus::Incomplete);
    assert_eq!(status(&v, StepId::IdpApp).0, StepStatus::Locked);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::SpValues);
    assert!(v.page.back_enabled);
}

#[test]
fn step_2_checks_as_typed_with_the_sp_labels() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    providers(&mut s, "jumpcloud", "infisical");
    let v = s.apply(Action::Next);
    let Block::Input {
        label, help, copy, ..
    } = input(&v, Field::AcsUrl)
    else {
        panic!()
    };
    assert_eq!(label, "ACS URL");
    assert!(*copy);
    assert!(help.as_deref().unwrap().contains(
        "Organization Settings > Authentication > SAML SSO Configuration > Set up SAML SSO"
    ));
    assert!(input_error(&v, Field::AcsUrl)
        .unwrap()
        .starts_with("ACS URL is empty"));

    let v = set(
        &mut s,
        Field::AcsUrl,
        "http://app.infisical.com/api/v1/sso/saml2/x",
    );
    let err = input_error(&v, Field::AcsUrl).unwrap();
    assert!(
        err.starts_with("ACS URL must be an absolute https URL"),
        "{err}"
    );
    assert_eq!(v.page.next.reason.as_deref(), Some(err.as_str()));
    assert!(!v.page.next.enabled);

    let v = set(&mut s, Field::AcsUrl, ACS);
    assert_eq!(input_error(&v, Field::AcsUrl), None);
    assert!(v
        .page
        .next
        .reason
        .unwrap()
        .starts_with("SP Entity ID is empty"));

    let v = set(&mut s, Field::SpEntityId, "infisical");
    let err = input_error(&v, Field::SpEntityId).unwrap();
    assert!(
        err.starts_with("SP Entity ID must be an absolute URI"),
        "{err}"
    );

    // Different hosts: a warning, not an error.
    let v = set(&mut s, Field::SpEntityId, "https://other.example.com");
    assert_eq!(input_error(&v, Field::SpEntityId), None);
    let warning = input_warning(&v, Field::SpEntityId).unwrap();
    assert!(
        warning.contains("app.infisical.com") && warning.contains("other.example.com"),
        "{warning}"
    );
    assert!(v.page.next.enabled);

    let v = set(&mut s, Field::SpEntityId, "urn:example:sp");
    assert_eq!(input_warning(&v, Field::SpEntityId), None);
    let v = set(&mut s, Field::SpEntityId, SP_ID);
    assert_eq!(input_warning(&v, Field::SpEntityId), None);
    assert_eq!(status(&v, StepId::SpValues).0, StepStatus::Complete);
}

#[test]
fn step_3_speaks_jumpcloud_and_enforces_infisical_rules() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    providers(&mut s, "jumpcloud", "infisical");
    s.apply(Action::Next);
    set(&mut s, Field::AcsUrl, ACS);
    set(&mut s, Field::SpEntityId, SP_ID);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::IdpApp);

    // Instructions and read-only values in JumpCloud's words, each with copy.
    let menu_paths: Vec<_> = v
        .page
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Instruction { menu_path, .. } => menu_path.clone(),
            _ => None,
        })
        .collect();
    assert!(menu_paths.contains(
        &"User Authentication > SSO > + Add New Application > Custom SAML App".to_string()
    ));
    let headings: Vec<_> = v
        .page
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(headings, ["General Info tab", "SSO tab"]);
    let values: Vec<_> = v
        .page
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Value {
                label, value, copy, ..
            } => Some((label.as_str(), value.as_str(), *copy)),
            _ => None,
        })
        .collect();
    assert_eq!(
        values,
        [
            ("Application name", "Infisical", true),
            ("SP Entity ID", SP_ID, true),
            ("ACS URL", ACS, true)
        ]
    );

    // IdP Entity ID is prefilled with the SP entity ID, because Infisical wants them equal.
    assert_eq!(input_value(&v, Field::IdpEntityId), SP_ID);
    assert_eq!(input_error(&v, Field::IdpEntityId), None);
    let v = set(
        &mut s,
        Field::IdpEntityId,
        "https://sso.jumpcloud.com/other",
    );
    let err = input_error(&v, Field::IdpEntityId).unwrap();
    assert!(
        err.starts_with("Infisical needs the IdP Entity ID to be the same as its SP Entity ID (https://app.infisical.com)"),
        "{err}"
    );
    let v = set(&mut s, Field::IdpEntityId, SP_ID);
    assert_eq!(input_error(&v, Field::IdpEntityId), None);

    // Sign Assertion must be confirmed.
    let err = input_error(&v, Field::SignAssertion).unwrap();
    assert!(
        err.starts_with("Check Sign Assertion in JumpCloud"),
        "{err}"
    );
    assert_eq!(v.page.next.reason.as_deref(), Some(err.as_str()));
    let v = set(&mut s, Field::SignAssertion, "true");
    assert_eq!(input_error(&v, Field::SignAssertion), None);

    // IDP URL: https, and JumpCloud's form from the profile.
    let Block::Input { label, help, .. } = input(&v, Field::IdpSsoUrl) else {
        panic!()
    };
    assert_eq!(label, "IDP URL");
    let help = help.as_deref().unwrap();
    assert!(
        help.contains("unique among your JumpCloud applications"),
        "{help}"
    );
    assert!(help.ends_with("Copy it into Infisical too."), "{help}");
    assert!(input_error(&v, Field::IdpSsoUrl)
        .unwrap()
        .starts_with("IDP URL is empty"));
    for (bad, start) in [
        (
            "http://sso.jumpcloud.com/saml2/x",
            "IDP URL must be an absolute https URL",
        ),
        (
            "https://sso.jumpcloud.com/saml2/",
            "IDP URL needs a name after",
        ),
        (
            "https://idp.example.com/saml2/x",
            "IDP URL must look like https://sso.jumpcloud.com/saml2/<name>",
        ),
    ] {
        let v = set(&mut s, Field::IdpSsoUrl, bad);
        let err = input_error(&v, Field::IdpSsoUrl).unwrap();
        assert!(err.starts_with(start), "{bad}: {err}");
        assert!(!v.page.next.enabled);
    }
    let v = set(&mut s, Field::IdpSsoUrl, IDP_URL);
    assert_eq!(input_error(&v, Field::IdpSsoUrl), None);
    assert!(v.page.next.enabled, "{:?}", v.page.next);
    assert_eq!(status(&v, StepId::IdpApp).0, StepStatus::Complete);
}

#[test]
fn generic_idp_asks_for_entity_id_and_sso_url_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    providers(&mut s, "generic-saml", "generic-saml");
    s.apply(Action::Next);
    set(&mut s, Field::AcsUrl, "https://app.example.com/saml/acs");
    set(
        &mut s,
        Field::SpEntityId,
        "https://app.example.com/saml/metadata",
    );
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::IdpApp);
    assert!(!v
        .page
        .blocks
        .iter()
        .any(|b| matches!(b, Block::Checkbox { .. })));
    // No prefill: a generic SP has no rule that the IdP entity ID equals its own.
    assert_eq!(input_value(&v, Field::IdpEntityId), "");
    let Block::Input { label, help, .. } = input(&v, Field::IdpSsoUrl) else {
        panic!()
    };
    assert_eq!(label, "SSO URL");
    let help = help.as_deref().unwrap();
    assert!(help.contains("Some consoles call it Login URL"), "{help}");
    assert!(
        help.ends_with("where it is called IdP SSO URL."),
        "the SP's different label is named: {help}"
    );
    set(
        &mut s,
        Field::IdpEntityId,
        "https://idp.example.org/metadata",
    );
    let v = set(&mut s, Field::IdpSsoUrl, "https://idp.example.org/sso/saml");
    assert!(v.page.next.enabled, "{:?}", v.page.next);
    // The generic SP requires no attribute, and the generic IdP has no lower-case warning.
    let v = s.apply(Action::Next);
    let (rows, error, warning) = attribute_map(&v);
    assert_eq!(rows.len(), 3);
    assert_eq!(error, None);
    assert_eq!(warning, None);
    assert!(v.page.next.enabled);
}

#[test]
fn changing_the_sp_entity_id_carries_a_prefilled_idp_entity_id_along() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    to_attributes(&mut s);
    s.apply(Action::GoTo {
        step: StepId::SpValues,
    });
    set(&mut s, Field::SpEntityId, "https://eu.infisical.com");
    let v = s.apply(Action::Next);
    assert_eq!(
        input_value(&v, Field::IdpEntityId),
        "https://eu.infisical.com"
    );
    assert_eq!(input_error(&v, Field::IdpEntityId), None);
}

#[test]
fn step_4_defaults_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let v = to_attributes(&mut s);
    let (rows, error, warning) = attribute_map(&v);
    let pairs: Vec<_> = rows
        .iter()
        .map(|r| (r.sp_name.as_str(), r.idp_name.as_str(), r.error.is_none()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("email", "email", true),
            ("firstName", "firstname", true),
            ("lastName", "lastname", true)
        ]
    );
    assert_eq!(error, None);
    assert!(warning
        .unwrap()
        .starts_with("JumpCloud sends email addresses in lower case"));
    assert!(v.page.next.enabled);
    let Block::AttributeMap {
        sp_label,
        idp_label,
        ..
    } = v
        .page
        .blocks
        .iter()
        .find(|b| matches!(b, Block::AttributeMap { .. }))
        .unwrap()
    else {
        panic!()
    };
    assert!(
        sp_label.starts_with("Infisical attribute name"),
        "{sp_label}"
    );
    assert!(
        idp_label.starts_with("JumpCloud attribute name"),
        "{idp_label}"
    );

    // Empty name.
    let v = s.apply(Action::AddAttribute);
    let (rows, _, _) = attribute_map(&v);
    assert_eq!(rows.len(), 4);
    assert!(rows[3]
        .error
        .as_deref()
        .unwrap()
        .starts_with("Type the Infisical attribute name"));
    assert!(!v.page.next.enabled);
    s.apply(Action::SetAttribute {
        index: 3,
        side: AttributeSide::Sp,
        value: "department".into(),
    });
    let v = s.apply(Action::SetAttribute {
        index: 3,
        side: AttributeSide::Idp,
        value: "".into(),
    });
    let (rows, _, _) = attribute_map(&v);
    assert!(rows[3]
        .error
        .as_deref()
        .unwrap()
        .starts_with("Type the JumpCloud attribute that fills department"));

    // Duplicate SP name.
    let v = s.apply(Action::SetAttribute {
        index: 3,
        side: AttributeSide::Sp,
        value: "email".into(),
    });
    let v2 = s.apply(Action::SetAttribute {
        index: 3,
        side: AttributeSide::Idp,
        value: "email".into(),
    });
    drop(v);
    let (rows, _, _) = attribute_map(&v2);
    assert!(rows[0]
        .error
        .as_deref()
        .unwrap()
        .starts_with("email is mapped more than once"));
    assert!(rows[3].error.is_some());

    // A space inside a name.
    let v = s.apply(Action::SetAttribute {
        index: 3,
        side: AttributeSide::Sp,
        value: "first name".into(),
    });
    let (rows, _, _) = attribute_map(&v);
    assert!(rows[3]
        .error
        .as_deref()
        .unwrap()
        .contains("contains a space"));

    // A required attribute missing.
    s.apply(Action::RemoveAttribute { index: 3 });
    let v = s.apply(Action::RemoveAttribute { index: 1 });
    let (rows, error, _) = attribute_map(&v);
    assert_eq!(rows.len(), 2);
    let error = error.unwrap();
    assert_eq!(
        error,
        "Infisical needs this attribute: add firstName <- firstname (or press Reset to defaults)"
    );
    assert_eq!(v.page.next.reason.as_deref(), Some(error.as_str()));
    // Out-of-range indexes are ignored, not a panic.
    s.apply(Action::RemoveAttribute { index: 99 });
    s.apply(Action::SetAttribute {
        index: 99,
        side: AttributeSide::Idp,
        value: "x".into(),
    });

    let v = s.apply(Action::ResetAttributes);
    let (rows, error, _) = attribute_map(&v);
    assert_eq!(rows.len(), 3);
    assert_eq!(error, None);
    assert!(v.page.next.enabled);
}

#[test]
fn the_email_warning_goes_when_no_email_is_mapped() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    to_attributes(&mut s);
    let v = s.apply(Action::RemoveAttribute { index: 0 });
    let (_, error, warning) = attribute_map(&v);
    assert!(error.unwrap().contains("email <- email"));
    assert_eq!(warning, None);
}

#[test]
fn attribute_rows_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    to_attributes(&mut s);
    for _ in 0..MAX_ATTRIBUTE_ROWS + 5 {
        s.apply(Action::AddAttribute);
    }
    let v = s.view();
    assert_eq!(attribute_map(&v).0.len(), MAX_ATTRIBUTE_ROWS);
    assert!(v.notices.iter().any(|n| n.text.contains("most rows")));
}

#[test]
fn gating_refuses_locked_steps() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let v = s.apply(Action::GoTo {
        step: StepId::Attributes,
    });
    assert_eq!(v.current, StepId::Providers);
    assert!(v.notices[0].text.starts_with(
        "Step 4 (Attributes) is not available yet. Complete step 1 (Providers) first"
    ));
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::Providers);

    to_attributes(&mut s);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::Certificate);
    assert!(v
        .page
        .blocks
        .iter()
        .any(|b| matches!(b, Block::CertificateInput { .. })));
    assert!(!v.page.next.enabled);
    assert_eq!(
        v.page.next.reason.as_deref(),
        Some("Paste JumpCloud's signing certificate, or open its file")
    );
    let v = s.apply(Action::GoTo {
        step: StepId::Enforce,
    });
    assert_eq!(v.current, StepId::Certificate);
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.contains("Complete step 5 (Certificate) first")));
    // Going back is always possible.
    let v = s.apply(Action::GoTo {
        step: StepId::SpValues,
    });
    assert_eq!(v.current, StepId::SpValues);
    let v = s.apply(Action::Back);
    assert_eq!(v.current, StepId::Providers);
    let v = s.apply(Action::Back);
    assert_eq!(v.current, StepId::Providers);
}

#[test]
fn making_an_earlier_step_invalid_locks_the_later_ones() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    to_attributes(&mut s);
    s.apply(Action::GoTo {
        step: StepId::SpValues,
    });
    let v = set(&mut s, Field::AcsUrl, "not a url");
    assert_eq!(status(&v, StepId::SpValues).0, StepStatus::Incomplete);
    let (st, why) = status(&v, StepId::Attributes);
    assert_eq!(st, StepStatus::Locked);
    // Why is said once, under the first locked step (3); step 4 names the step to complete.
    assert_eq!(
        why.as_deref(),
        Some("Complete step 2 (Service provider values) first.")
    );
    assert!(status(&v, StepId::IdpApp)
        .1
        .unwrap()
        .starts_with("Complete step 2 (Service provider values) first: ACS URL"));
    let v = s.apply(Action::GoTo {
        step: StepId::Attributes,
    });
    assert_eq!(v.current, StepId::SpValues);
}

#[test]
fn fields_of_other_steps_and_bad_values_are_refused_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let v = set(&mut s, Field::AcsUrl, ACS);
    assert!(v.notices[0]
        .text
        .contains("belongs to step 2 (Service provider values)"));
    assert_eq!(v.notices[0].severity, Severity::Error);
    // An unknown field is refused where the UI's action is read, naming the fields there are.
    let err =
        serde_json::from_str::<Action>(r#"{"type":"set_field","field":"password","value":"x"}"#)
            .unwrap_err()
            .to_string();
    assert!(err.contains("unknown variant `password`"), "{err}");
    assert!(err.contains("`acs_url`"), "{err}");
    to_attributes(&mut s);
    s.apply(Action::GoTo {
        step: StepId::IdpApp,
    });
    let v = set(&mut s, Field::SignAssertion, "yes");
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.contains("\"true\" or \"false\"")));
    // Dismissing removes exactly that notice; a stale index is ignored.
    let before = v.notices.len();
    let v = s.apply(Action::DismissNotice { index: 0 });
    assert_eq!(v.notices.len(), before - 1);
    let v = s.apply(Action::DismissNotice { index: 99 });
    assert_eq!(v.notices.len(), before - 1);
}

#[test]
fn a_huge_paste_is_cut_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    providers(&mut s, "jumpcloud", "infisical");
    s.apply(Action::Next);
    let v = set(&mut s, Field::AcsUrl, &"é".repeat(MAX_FIELD_CHARS * 3));
    assert_eq!(
        input_value(&v, Field::AcsUrl).chars().count(),
        MAX_FIELD_CHARS
    );
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.contains("only the beginning was kept")));
    assert!(input_error(&v, Field::AcsUrl).unwrap().contains("too long"));
}

// ---- saving and resuming ---------------------------------------------------------------------------------------

#[test]
fn progress_is_saved_after_each_valid_change_and_resumed() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = open(dir.path());
        to_attributes(&mut s);
        s.apply(Action::SetAttribute {
            index: 1,
            side: AttributeSide::Idp,
            value: "givenname".into(),
        });
    }
    let s = open(dir.path());
    let v = s.view();
    assert_eq!(v.current, StepId::Attributes);
    assert!(v.notices.is_empty(), "{:?}", v.notices);
    let (rows, _, _) = attribute_map(&v);
    assert_eq!(rows[1].idp_name, "givenname");
    for step in [
        StepId::Providers,
        StepId::SpValues,
        StepId::IdpApp,
        StepId::Attributes,
    ] {
        assert_eq!(status(&v, step).0, StepStatus::Complete, "{step:?}");
    }
    let saved = Store::at(dir.path()).load().unwrap().unwrap();
    assert_eq!(saved.acs_url.unwrap().as_str(), ACS);
    assert_eq!(saved.idp_entity_id.unwrap().as_str(), SP_ID);
    assert!(saved.sign_assertion_confirmed);
    assert_eq!(saved.idp_sso_url.unwrap().as_str(), IDP_URL);
    assert!(saved.saved_at.is_some());
}

#[test]
fn invalid_drafts_stay_in_the_window_but_never_reach_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    to_attributes(&mut s);
    s.apply(Action::GoTo {
        step: StepId::SpValues,
    });
    let before = fs::read_to_string(dir.path().join("state.json")).unwrap();
    let v = set(&mut s, Field::AcsUrl, "http://typo.example.com/acs");
    // The admin's typing is kept in memory...
    assert_eq!(
        input_value(&v, Field::AcsUrl),
        "http://typo.example.com/acs"
    );
    // ...but the file keeps the last valid ACS URL.
    let saved = Store::at(dir.path()).load().unwrap().unwrap();
    assert_eq!(saved.acs_url.unwrap().as_str(), ACS);
    assert!(!fs::read_to_string(dir.path().join("state.json"))
        .unwrap()
        .contains("typo"));
    // Steps after an invalid one are locked, and the file still says so.
    let v = s.apply(Action::GoTo {
        step: StepId::Attributes,
    });
    assert_eq!(v.current, StepId::SpValues);
    drop(before);

    // An invalid attribute map is not saved either.
    set(&mut s, Field::AcsUrl, ACS);
    let v = s.apply(Action::GoTo {
        step: StepId::Attributes,
    });
    assert_eq!(v.current, StepId::Attributes);
    let v = s.apply(Action::AddAttribute);
    assert_eq!(attribute_map(&v).0.len(), 4);
    let saved = Store::at(dir.path()).load().unwrap().unwrap();
    assert_eq!(saved.current_step, StepId::Attributes);
    assert_eq!(
        saved.attributes, None,
        "the defaults are still what is saved"
    );

    // After a restart the wizard resumes on the last valid values.
    drop(s);
    let v = open(dir.path()).view();
    assert_eq!(v.current, StepId::Attributes);
    assert_eq!(attribute_map(&v).0.len(), 3);
}

#[test]
fn the_saved_file_holds_only_known_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    to_attributes(&mut s);
    let text = fs::read_to_string(dir.path().join("state.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    // No certificate and no test user yet: their keys are left out of the file until there is one.
    assert_eq!(
        keys,
        [
            "acs_url",
            "attributes",
            "current_step",
            "idp_entity_id",
            "idp_profile",
            "idp_sso_url",
            "saved_at",
            "sign_assertion_confirmed",
            "sp_entity_id",
            "sp_profile",
            "sso_enabled",
            "users_assigned",
            "version"
        ]
    );
    assert_eq!(value["version"], 1);
    assert_eq!(value["current_step"], "attributes");
}

#[test]
fn a_corrupt_file_is_moved_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("state.json"),
        b"{\"version\": 1, \"current_st",
    )
    .unwrap();
    let v = open(dir.path()).view();
    assert_eq!(v.current, StepId::Providers);
    assert_eq!(v.notices.len(), 1);
    let n = &v.notices[0];
    assert_eq!(n.severity, Severity::Warning);
    assert!(n.text.contains("cut off while being written"), "{}", n.text);
    assert!(n.text.contains("the wizard started fresh"), "{}", n.text);
    let aside: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("state.json.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert!(
        n.text.contains(&aside[0].display().to_string()),
        "{}",
        n.text
    );
    assert_eq!(
        fs::read(&aside[0]).unwrap(),
        b"{\"version\": 1, \"current_st"
    );
    assert!(!dir.path().join("state.json").exists());
}

#[test]
fn a_file_truncated_after_saving_is_never_resumed_from() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = open(dir.path());
        to_attributes(&mut s);
    }
    let path = dir.path().join("state.json");
    let full = fs::read(&path).unwrap();
    fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(full.len() as u64 / 2)
        .unwrap();
    let mut s = open(dir.path());
    let v = s.view();
    assert_eq!(v.current, StepId::Providers);
    assert_eq!(status(&v, StepId::Providers).0, StepStatus::Incomplete);
    assert!(v.notices[0].text.contains("was moved to"));
    // The wizard saves normally again afterwards.
    providers(&mut s, "jumpcloud", "infisical");
    assert_eq!(
        Store::at(dir.path())
            .load()
            .unwrap()
            .unwrap()
            .idp_profile
            .as_deref(),
        Some("jumpcloud")
    );
}

#[test]
fn an_unknown_version_is_moved_aside_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("state.json"),
        r#"{"version": 7, "current_step": "attributes"}"#,
    )
    .unwrap();
    let v = open(dir.path()).view();
    assert_eq!(v.current, StepId::Providers);
    assert!(
        v.notices[0].text.contains("format version 7"),
        "{}",
        v.notices[0].text
    );
    assert!(v.notices[0].text.contains("was moved to"));
}

#[test]
fn an_unreadable_file_is_left_alone_and_saving_stops() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be: it exists but cannot be read as a file.
    fs::create_dir(dir.path().join("state.json")).unwrap();
    let mut s = open(dir.path());
    assert!(!s.saving_enabled());
    let v = s.view();
    assert_eq!(v.notices[0].severity, Severity::Error);
    assert!(
        v.notices[0].text.contains("will NOT save"),
        "{}",
        v.notices[0].text
    );
    providers(&mut s, "jumpcloud", "infisical");
    assert!(dir.path().join("state.json").is_dir());
}

#[test]
fn a_save_failure_is_a_notice_and_the_typing_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    fs::write(&blocker, "").unwrap();
    let mut s = Session::open(Store::at(&blocker));
    let v = providers(&mut s, "jumpcloud", "infisical");
    let errors: Vec<_> = v
        .notices
        .iter()
        .filter(|n| n.text.starts_with("Your progress is not saved"))
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", v.notices);
    assert_eq!(errors[0].severity, Severity::Error);
    assert!(v.page.next.enabled);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::SpValues);
}

#[test]
fn an_unknown_saved_profile_is_dropped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let saved = SavedState {
        idp_profile: Some("onelogin".into()),
        sp_profile: Some("infisical".into()),
        current_step: StepId::SpValues,
        ..SavedState::default()
    };
    Store::at(dir.path()).save(&saved).unwrap();
    let v = open(dir.path()).view();
    assert_eq!(v.current, StepId::Providers);
    assert!(
        v.notices[0].text.contains("\"onelogin\""),
        "{:?}",
        v.notices
    );
    let Block::Choice { value, .. } = &v.page.blocks[1] else {
        panic!()
    };
    assert_eq!(value.as_deref(), Some("infisical"));
}

#[test]
fn the_view_serialises_with_the_contract_tags() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let v = to_attributes(&mut s);
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["current"], "attributes");
    assert_eq!(json["page"]["blocks"][1]["kind"], "attribute_map");
    assert_eq!(json["steps"][4]["status"], "incomplete");
    assert_eq!(json["steps"][5]["status"], "locked");
    assert_eq!(json["steps"][6]["status"], "locked");
    let back: WizardView = serde_json::from_value(json).unwrap();
    assert_eq!(back, v);
    let action: Action =
        serde_json::from_str(r#"{"type":"set_field","field":"acs_url","value":"x"}"#).unwrap();
    assert!(matches!(action, Action::SetField { .. }));
}

#[test]
fn each_field_is_named_in_json_as_the_ui_sends_it() {
    for field in Field::ALL {
        let json = serde_json::to_string(&Action::SetField {
            field,
            value: "v".into(),
        })
        .unwrap();
        assert_eq!(
            json,
            format!(r#"{{"type":"set_field","field":"{field}","value":"v"}}"#)
        );
        let back: Action = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back,
            Action::SetField {
                field,
                value: "v".into()
            }
        );
    }
    assert_eq!(Field::SpEntityId.as_str(), "sp_entity_id");
    assert_eq!(Field::IdpSsoUrl.as_str(), "idp_sso_url");
}

#[test]
fn progress_is_stamped_with_the_wizards_clock() {
    let dir = tempfile::tempdir().unwrap();
    let at = time::macros::datetime!(2031-03-14 12:00 UTC);
    let mut s = Session::open_with_clock(
        Store::at(dir.path()),
        std::sync::Arc::new(crate::clock::FixedClock::new(at)),
    );
    set(&mut s, Field::IdpProfile, "jumpcloud");
    let saved = Store::at(dir.path()).load().unwrap().unwrap();
    assert_eq!(saved.saved_at.as_deref(), Some("2031-03-14T12:00:00Z"));
}
