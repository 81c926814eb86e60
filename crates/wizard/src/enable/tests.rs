use std::path::Path;

use super::super::assign_users::tests::to_assign_users;
use super::super::tests::set;
use super::super::view::{Action, Block, StepId, StepStatus, WizardView};
use super::super::{Field, Session};
use crate::state::Store;

/// Steps 1 to 6 complete for Infisical on JumpCloud (no test login), standing on step 8.
pub(crate) fn to_enable(dir: &Path) -> Session {
    let mut s = to_assign_users(dir);
    set(&mut s, Field::UsersAssigned, "true");
    set(&mut s, Field::TestUser, "admin@example.com");
    let v = s.apply(Action::GoTo {
        step: StepId::Enable,
    });
    assert_eq!(v.current, StepId::Enable, "{:?}", v.notices);
    s
}

fn values(v: &WizardView) -> Vec<(String, String)> {
    v.page
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Value { label, value, .. } => Some((label.clone(), value.clone())),
            Block::CertificatePem { label, pem, .. } => Some((label.clone(), pem.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn enable_waits_for_step_6_not_the_test_login() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_assign_users(dir.path());
    let v = s.apply(Action::GoTo {
        step: StepId::Enable,
    });
    assert_eq!(v.current, StepId::AssignUsers);
    assert!(v.notices.last().unwrap().text.contains("Complete step 6"));
    let dir = tempfile::tempdir().unwrap();
    let s = to_enable(dir.path());
    let step = s.view().steps[7].clone();
    assert_eq!(step.status, StepStatus::Incomplete);
}

#[test]
fn the_page_gives_each_value_in_infisicals_words_with_the_pem_and_needs_the_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_enable(dir.path());
    let v = s.view();
    let vals = values(&v);
    let labels: Vec<&str> = vals.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["IDP URL", "IdP Entity ID", "Certificate"]);
    assert_eq!(vals[0].1, "https://sso.jumpcloud.com/saml2/infisical");
    assert_eq!(vals[1].1, "https://app.infisical.com");
    assert!(vals[2].1.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(vals[2].1.trim_end().ends_with("-----END CERTIFICATE-----"));
    assert!(v.page.blocks.iter().any(|b| matches!(b,
        Block::Instruction { menu_path: Some(p), .. }
            if p == "Organization Settings > Authentication > SAML SSO Configuration")));
    assert!(v.page.blocks.iter().any(|b| matches!(b,
        Block::Instruction { text, .. } if text.starts_with("Press Update, then switch on Enable SAML SSO."))));
    assert_eq!(
        v.page.next.reason.as_deref(),
        Some("Paste the values into Infisical, switch on Enable SAML SSO, then tick the box")
    );
    let v = set(&mut s, Field::SsoEnabled, "true");
    assert!(v.page.next.enabled, "{:?}", v.page.next);
    assert_eq!(v.steps[7].status, StepStatus::Complete);
    drop(s);
    let saved = Store::at(dir.path()).load().unwrap().unwrap();
    assert!(saved.sso_enabled);
    let s = Session::open(Store::at(dir.path()));
    assert_eq!(s.view().steps[7].status, StepStatus::Complete);
}

#[test]
fn a_value_changed_after_enabling_asks_for_it_to_be_pasted_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_enable(dir.path());
    set(&mut s, Field::SsoEnabled, "true");
    s.apply(Action::GoTo {
        step: StepId::IdpApp,
    });
    set(
        &mut s,
        Field::IdpSsoUrl,
        "https://sso.jumpcloud.com/saml2/infisical-2",
    );
    let v = s.apply(Action::GoTo {
        step: StepId::Enable,
    });
    assert_eq!(v.current, StepId::Enable);
    assert_eq!(
        v.page.next.reason.as_deref(),
        Some(
            "IDP URL changed since you switched on Enable SAML SSO: paste the new values into Infisical, then \
             untick and tick the box again"
        )
    );
    assert_eq!(v.steps[7].status, StepStatus::Incomplete);
    // Saved and restored as it is: still stale after a restart.
    drop(s);
    let mut s = Session::open(Store::at(dir.path()));
    assert_eq!(s.view().steps[7].status, StepStatus::Incomplete);
    s.apply(Action::GoTo {
        step: StepId::Enable,
    });
    set(&mut s, Field::SsoEnabled, "false");
    let v = set(&mut s, Field::SsoEnabled, "true");
    assert!(v.page.next.enabled, "{:?}", v.page.next);
}

#[test]
fn the_confirmation_belongs_to_step_8() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_assign_users(dir.path());
    let v = set(&mut s, Field::SsoEnabled, "true");
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.contains("belongs to step 8")));
    assert!(!s.model().steps.enable.sso_enabled);
}
