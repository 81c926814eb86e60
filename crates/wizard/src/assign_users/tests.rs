use std::path::Path;

use super::super::certificate::tests::{
    cert_around, cert_between, to_certificate, to_certificate_at,
};
use super::super::tests::set;
use super::super::view::{Action, StepId, StepStatus, WizardView};
use super::super::{Field, Session};
use super::*;
use crate::state::Store;

/// Steps 1 to 5 complete for Infisical on JumpCloud, standing on step 6.
pub(crate) fn to_assign_users(dir: &Path) -> Session {
    let (c, _) = cert_between(-1, 365);
    on_assign_users(to_certificate(dir), &c.pem())
}

/// [`to_assign_users`] with the wizard's clock fixed at `now` (and a certificate valid then).
pub(crate) fn to_assign_users_at(dir: &Path, now: time::OffsetDateTime) -> Session {
    let (c, _) = cert_around(now, -1, 365);
    on_assign_users(to_certificate_at(dir, now), &c.pem())
}

fn on_assign_users(mut s: Session, pem: &str) -> Session {
    set(&mut s, Field::IdpCertificate, pem);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::AssignUsers, "{:?}", v.page.next);
    s
}

fn status(v: &WizardView, step: StepId) -> (StepStatus, Option<String>) {
    let s = v.steps.iter().find(|s| s.id == step).expect("step");
    (s.status, s.reason.clone())
}

#[test]
fn the_step_needs_the_grant_and_a_test_user() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_assign_users(dir.path());
    let v = s.view();
    assert!(!v.page.next.enabled);
    assert_eq!(
        v.page.next.reason.as_deref(),
        Some("Grant the application to a user group in JumpCloud, then tick the box")
    );
    let v = set(&mut s, Field::UsersAssigned, "true");
    assert!(v.page.next.reason.unwrap().starts_with("Type the user"));
    let v = set(&mut s, Field::TestUser, "admin@\nexample.com");
    assert!(v.page.next.reason.unwrap().contains("one line"));
    let v = set(&mut s, Field::TestUser, "  admin@example.com ");
    assert!(v.page.next.enabled, "{:?}", v.page.next);
    assert_eq!(status(&v, StepId::AssignUsers).0, StepStatus::Complete);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::TestLogin);
}

#[test]
fn enable_does_not_wait_for_the_test_login_and_enforce_waits_for_enable() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_assign_users(dir.path());
    set(&mut s, Field::UsersAssigned, "true");
    let v = set(&mut s, Field::TestUser, "admin@example.com");
    // Enable is reachable; Enforce waits for Enable (and, on its own page, for the test login).
    assert_ne!(status(&v, StepId::Enable).0, StepStatus::Locked);
    let (st, why) = status(&v, StepId::Enforce);
    assert_eq!(st, StepStatus::Locked);
    assert!(why.unwrap().starts_with("Complete step 8 (Enable) first"));
    let v = s.apply(Action::GoTo {
        step: StepId::Enforce,
    });
    assert_eq!(v.current, StepId::AssignUsers);
}

#[test]
fn the_test_user_is_saved_trimmed_and_restored_but_a_bad_one_is_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_assign_users(dir.path());
    set(&mut s, Field::UsersAssigned, "true");
    set(&mut s, Field::TestUser, " admin@example.com ");
    set(&mut s, Field::TestUser, "admin@example.com\u{7}");
    let saved = Store::at(dir.path()).load().unwrap().unwrap();
    assert!(saved.users_assigned);
    assert_eq!(saved.test_user.as_deref(), Some("admin@example.com"));
    drop(s);
    let s = Session::open(Store::at(dir.path()));
    let v = s.view();
    assert_eq!(v.current, StepId::AssignUsers);
    assert!(v.page.next.enabled, "{:?}", v.page.next);
}

#[test]
fn jumpclouds_own_clicks_are_shown_with_the_menu_path_where_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let s = to_assign_users(dir.path());
    let steps: Vec<(String, Option<String>)> = s
        .view()
        .page
        .blocks
        .into_iter()
        .filter_map(|b| match b {
            Block::Instruction { text, menu_path } => Some((text, menu_path)),
            _ => None,
        })
        .collect();
    assert_eq!(steps.len(), 4);
    assert_eq!(steps[0].1, None);
    assert_eq!(
        steps[1],
        (
            "Go to Access > SSO Applications and select the application.".to_string(),
            Some("Access > SSO Applications > (your application) > User Groups".to_string())
        )
    );
    assert_eq!(steps[3].0, "Select the user group(s), then click Save.");
}

#[test]
fn the_fields_belong_to_step_6_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_certificate(dir.path());
    let v = set(&mut s, Field::TestUser, "admin@example.com");
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.contains("belongs to step 6")));
    assert!(check_test_user(&"x".repeat(MAX_TEST_USER_CHARS + 1)).is_err());
}
