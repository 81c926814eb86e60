//! Step 6, Assign users: the IdP denies every application to every user until a group is granted it, and the test
//! login needs one user who has it (ideally the admin's own account, so enforcing SSO cannot lock the admin out).

use super::view::Block;
use super::{fields, Model};

/// Longest test user name accepted (an e-mail address or user name; nothing real is longer).
pub const MAX_TEST_USER_CHARS: usize = 254;

/// Checks the test user as typed: a single line, not empty, bounded.
pub fn check_test_user(user: &str) -> Result<(), String> {
    let user = user.trim();
    if user.is_empty() {
        return Err(
            "Type the user who will do the test login (your own account is best: enforcing SSO then cannot lock you out)"
                .into(),
        );
    }
    if user.chars().count() > MAX_TEST_USER_CHARS {
        return Err(format!(
            "The test user is longer than {MAX_TEST_USER_CHARS} characters: type just the e-mail address or user name"
        ));
    }
    if user.chars().any(char::is_control) {
        return Err(
            "The test user must be on one line: type just the e-mail address or user name".into(),
        );
    }
    Ok(())
}

impl Model {
    pub(super) fn assign_users_problem(&self) -> Result<(), String> {
        if !self.draft.users_assigned {
            return Err(format!(
                "Grant the application to a user group in {}, then tick the box",
                self.idp_name()
            ));
        }
        check_test_user(&self.draft.test_user)
    }

    pub(super) fn assign_users_page(&self) -> (String, Vec<Block>) {
        let idp = self.idp_name().to_string();
        let blocks = vec![
            Block::Instruction {
                text: format!(
                    "In {idp}, users are denied every application until a user group they belong to is granted it. \
                     Grant this application to the group that should use it, and make sure the user who will do the \
                     test login is in that group."
                ),
                menu_path: None,
            },
            Block::Checkbox {
                field: fields::USERS_ASSIGNED.into(),
                label: format!("I granted the application to a user group in {idp}"),
                help: None,
                value: self.draft.users_assigned,
                error: (!self.draft.users_assigned).then(|| {
                    format!("Grant the application to a user group in {idp}, then tick this box")
                }),
            },
            Block::Input {
                field: fields::TEST_USER.into(),
                label: "Test user".into(),
                help: Some(format!(
                    "The {idp} account that will sign in at the test login. Use your own: it proves that you can \
                     still sign in once SSO is enforced."
                )),
                placeholder: Some("you@example.com".into()),
                value: self.draft.test_user.clone(),
                error: check_test_user(&self.draft.test_user).err(),
                warning: None,
                multiline: false,
                copy: false,
            },
        ];
        (
            format!("Give users access to the application in {idp}, and choose who does the test login."),
            blocks,
        )
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::path::Path;

    use super::super::certificate::tests::{cert_between, to_certificate};
    use super::super::tests::set;
    use super::super::view::{Action, StepId, StepStatus, WizardView};
    use super::super::{fields, Session};
    use super::*;
    use crate::state::Store;

    /// Steps 1 to 5 complete for Infisical on JumpCloud, standing on step 6.
    pub(in crate::wizard) fn to_assign_users(dir: &Path) -> Session {
        let mut s = to_certificate(dir);
        let (c, _) = cert_between(-1, 365);
        set(&mut s, fields::IDP_CERTIFICATE, &c.pem());
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
        let v = set(&mut s, fields::USERS_ASSIGNED, "true");
        assert!(v.page.next.reason.unwrap().starts_with("Type the user"));
        let v = set(&mut s, fields::TEST_USER, "admin@\nexample.com");
        assert!(v.page.next.reason.unwrap().contains("one line"));
        let v = set(&mut s, fields::TEST_USER, "  admin@example.com ");
        assert!(v.page.next.enabled, "{:?}", v.page.next);
        assert_eq!(status(&v, StepId::AssignUsers).0, StepStatus::Complete);
        let v = s.apply(Action::Next);
        assert_eq!(v.current, StepId::TestLogin);
    }

    #[test]
    fn enable_does_not_wait_for_the_test_login_but_enforce_does() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_assign_users(dir.path());
        set(&mut s, fields::USERS_ASSIGNED, "true");
        let v = set(&mut s, fields::TEST_USER, "admin@example.com");
        // Enable is reachable (its own state aside); Enforce names the test login.
        assert_ne!(status(&v, StepId::Enable).0, StepStatus::Locked);
        let (st, why) = status(&v, StepId::Enforce);
        assert_ne!(st, StepStatus::Complete);
        if st == StepStatus::Locked {
            assert!(why
                .unwrap()
                .starts_with("Complete step 7 (Test login) first"));
        }
        let v = s.apply(Action::GoTo {
            step: StepId::Enforce,
        });
        assert_eq!(v.current, StepId::AssignUsers);
    }

    #[test]
    fn the_test_user_is_saved_trimmed_and_restored_but_a_bad_one_is_not_saved() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_assign_users(dir.path());
        set(&mut s, fields::USERS_ASSIGNED, "true");
        set(&mut s, fields::TEST_USER, " admin@example.com ");
        set(&mut s, fields::TEST_USER, "admin@example.com\u{7}");
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
    fn the_fields_belong_to_step_6_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_certificate(dir.path());
        let v = set(&mut s, fields::TEST_USER, "admin@example.com");
        assert!(v
            .notices
            .iter()
            .any(|n| n.text.contains("belongs to step 6")));
        assert!(check_test_user(&"x".repeat(MAX_TEST_USER_CHARS + 1)).is_err());
    }
}
