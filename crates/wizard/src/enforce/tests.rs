use super::super::enable::tests::to_enable;
use super::super::test_login::tests::passing_as;
use super::super::tests::set;
use super::super::view::{Action, Block, StepId, StepStatus, WizardView};
use super::super::{Field, Session};
use crate::state::Store;

fn callouts(v: &WizardView) -> Vec<String> {
    v.page
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Callout { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn button(v: &WizardView) -> Option<(Action, Option<String>)> {
    v.page.blocks.iter().find_map(|b| match b {
        Block::Button {
            action,
            disabled_reason,
            ..
        } => Some((action.clone(), disabled_reason.clone())),
        _ => None,
    })
}

/// Steps 1-6 and 8 complete, standing on step 9 without a test login.
pub(crate) fn to_enforce(dir: &std::path::Path) -> Session {
    let mut s = to_enable(dir);
    set(&mut s, Field::SsoEnabled, "true");
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::Enforce, "{:?}", v.notices);
    s
}

/// Makes the evidence valid for the current configuration, as a passing test login records it.
pub(crate) fn with_valid_evidence(s: &mut Session, user: &str) {
    let config = s.model().tested_config().expect("steps 1-5 are complete");
    s.model.steps.test_login.evidence = Some(passing_as(&config, user));
}

#[test]
fn without_a_test_login_enforce_is_locked_says_why_and_leads_back_to_step_7() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_enforce(dir.path());
    let v = s.view();
    let text = &callouts(&v)[0];
    assert!(
        text.starts_with("Locked until a test login passes"),
        "{text}"
    );
    assert_eq!(
        button(&v).unwrap().0,
        Action::GoTo {
            step: StepId::TestLogin
        }
    );
    assert_eq!(v.steps[8].status, StepStatus::Incomplete);
    assert!(v.steps[8].reason.as_ref().unwrap().starts_with("Locked"));
    // The confirmation fields are not even there, and the action is refused.
    assert!(!v
        .page
        .blocks
        .iter()
        .any(|b| matches!(b, Block::Input { .. })));
    let v = s.apply(Action::Enforce);
    assert!(v.notices.last().unwrap().text.starts_with("Locked"));
    assert!(s.model().steps.enforce.enforced_at.is_none());
    let v = s.apply(Action::GoTo {
        step: StepId::TestLogin,
    });
    assert_eq!(v.current, StepId::TestLogin);
}

#[test]
fn stale_evidence_names_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_enforce(dir.path());
    with_valid_evidence(&mut s, "admin@example.com");
    s.apply(Action::GoTo {
        step: StepId::Certificate,
    });
    let (c, _) = super::super::certificate::tests::cert_between(-2, 300);
    set(&mut s, Field::IdpCertificate, &c.pem());
    // The new certificate goes to Infisical too (step 8 asks for it), then Enforce opens.
    s.apply(Action::GoTo {
        step: StepId::Enable,
    });
    set(&mut s, Field::SsoEnabled, "false");
    set(&mut s, Field::SsoEnabled, "true");
    let v = s.apply(Action::GoTo {
        step: StepId::Enforce,
    });
    assert_eq!(v.current, StepId::Enforce, "{:?}", v.notices);
    let text = &callouts(&v)[0];
    assert!(
        text.contains("since then the IdP certificate changed"),
        "{text}"
    );
}

#[test]
fn valid_evidence_unlocks_and_enforcing_needs_both_confirmations_then_shows_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_enforce(dir.path());
    with_valid_evidence(&mut s, "someone.else@example.com");
    let v = s.view();
    let texts = callouts(&v);
    assert!(texts.iter().any(|t| t.starts_with("The lock-out risk")));
    assert!(
        texts.iter().any(|t| t.starts_with(
            "The test login was done by someone.else@example.com, but step 6 names admin@example.com"
        )),
        "{texts:?}"
    );
    assert!(v.page.blocks.iter().any(|b| matches!(b,
        Block::Text { text } if text.contains("can only access Infisical"))));
    assert_eq!(
        button(&v).unwrap(),
        (
            Action::Enforce,
            Some("Tick the box to confirm you understand the lock-out risk".into())
        )
    );
    let v = s.apply(Action::Enforce);
    assert!(v.notices.last().unwrap().text.starts_with("Not recorded"));
    set(&mut s, Field::EnforceUnderstood, "true");
    let v = set(&mut s, Field::EnforceConfirm, "infisical");
    assert_eq!(
        button(&v).unwrap().1.as_deref(),
        Some("Type Infisical to confirm")
    );
    set(&mut s, Field::EnforceConfirm, "Infisical");
    let v = s.apply(Action::Enforce);
    assert!(s.model().steps.enforce.enforced_at.is_some());
    assert_eq!(v.steps[8].status, StepStatus::Complete);
    assert!(v
        .page
        .blocks
        .iter()
        .any(|b| matches!(b, Block::ReportExport { .. })));
    drop(s);
    let saved = Store::at(dir.path()).load().unwrap().unwrap();
    let at = saved.enforced_at.expect("saved");
    assert!(
        time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339).is_ok()
    );
}

#[test]
fn the_new_actions_are_refused_off_their_step_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_enable(dir.path());
    with_valid_evidence(&mut s, "admin@example.com");
    for (action, says) in [
        (Action::Enforce, "SSO is enforced on step 9 (Enforce)."),
        (
            Action::SetGroupGrant {
                group: "Engineering".into(),
                granted: true,
            },
            "User groups are granted on step 6 (Assign users) with the demo IdP.",
        ),
    ] {
        let v = s.apply(action);
        assert_eq!(v.notices.last().unwrap().text, says);
    }
    // Infisical Cloud has no AUTH_SECRET.
    let v = s.apply(Action::GenerateAuthSecret);
    assert!(v
        .notices
        .last()
        .unwrap()
        .text
        .starts_with("Infisical does not need AUTH_SECRET"));
    assert!(s.model().steps.enforce.enforced_at.is_none());
    assert!(s.model().steps.assign_users.demo_granted_groups.is_empty());
}

#[test]
fn matching_users_get_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_enforce(dir.path());
    with_valid_evidence(&mut s, "Admin@Example.com");
    assert!(!callouts(&s.view())
        .iter()
        .any(|t| t.starts_with("The test login was done by")));
}
