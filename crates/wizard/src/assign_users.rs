//! Step 6, Assign users: the IdP denies every application to every user until a group is granted it, and the test
//! login needs one user who has it (ideally the admin's own account, so enforcing SSO cannot lock the admin out).

use super::view::{Block, ChoiceOption, GroupGrantView, Notice, Severity};
use super::{Field, Model};
use crate::state::SavedState;

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

/// At most this many demo groups can be granted (the demo directory has a handful).
const MAX_GRANTED_GROUPS: usize = 64;

/// Step 6 as confirmed and typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Draft {
    /// The admin confirmed the application is granted to a user group.
    pub(crate) users_assigned: bool,
    /// The account that does the test login.
    pub(crate) test_user: String,
    /// With the demo IdP: the groups granted the application.
    pub(crate) demo_granted_groups: std::collections::BTreeSet<String>,
}

impl Draft {
    pub(crate) fn load(saved: &SavedState) -> Draft {
        Draft {
            users_assigned: saved.users_assigned,
            test_user: saved.test_user.clone().unwrap_or_default(),
            demo_granted_groups: saved.demo_granted_groups.iter().cloned().collect(),
        }
    }
}

/// Bound on the demo IdP's granted groups in the file.
const MAX_SAVED_GROUPS: usize = 64;

/// Saved grants are a short list of group names, and a saved test user passes the rule for one.
pub(crate) fn check_saved(saved: &SavedState) -> Result<(), String> {
    if saved.demo_granted_groups.len() > MAX_SAVED_GROUPS
        || saved.demo_granted_groups.iter().any(|g| {
            g.trim().is_empty() || g.chars().count() > 256 || g.chars().any(char::is_control)
        })
    {
        return Err("demo_granted_groups is not a list of group names".into());
    }
    if let Some(user) = &saved.test_user {
        check_test_user(user).map_err(|e| format!("the saved test user is not usable ({e})"))?;
    }
    Ok(())
}

/// The test user if it passes now (trimmed), otherwise what was saved before.
pub(crate) fn save(model: &Model, previous: &SavedState, out: &mut SavedState) {
    let draft = &model.steps.assign_users;
    out.users_assigned = draft.users_assigned;
    out.test_user = check_test_user(&draft.test_user)
        .ok()
        .map(|()| draft.test_user.trim().to_string())
        .or_else(|| previous.test_user.clone());
    out.demo_granted_groups = draft.demo_granted_groups.iter().cloned().collect();
}

impl Draft {
    /// Without the demo IdP: `Ok` once the admin confirmed the grant in `idp_name` and named a usable test user.
    fn problem(&self, idp_name: &str) -> Result<(), String> {
        if !self.users_assigned {
            return Err(format!(
                "Grant the application to a user group in {idp_name}, then tick the box"
            ));
        }
        check_test_user(&self.test_user)
    }

    /// The demo groups granted the application, for messages and the report.
    pub(crate) fn granted_groups_text(&self) -> String {
        let groups: Vec<&str> = self
            .demo_granted_groups
            .iter()
            .map(String::as_str)
            .collect();
        groups.join(", ")
    }

    /// Grants the demo application to `group` (a group of the demo directory), or takes it back.
    fn set_grant(&mut self, group: &str, granted: bool) -> Result<(), String> {
        if granted {
            if self.demo_granted_groups.len() >= MAX_GRANTED_GROUPS {
                return Err(format!(
                    "At most {MAX_GRANTED_GROUPS} groups can be granted."
                ));
            }
            self.demo_granted_groups.insert(group.to_string());
        } else {
            self.demo_granted_groups.remove(group);
        }
        Ok(())
    }
}

impl Model {
    pub(super) fn assign_users_problem(&self) -> Result<(), String> {
        if self.demo_chosen() {
            return self.demo_assign_problem();
        }
        self.steps.assign_users.problem(self.idp_name())
    }

    /// With the demo IdP the grant is real: the test user must be in a group granted the application.
    fn demo_assign_problem(&self) -> Result<(), String> {
        let Some(running) = self.demo_running() else {
            return Err(
                "The demo IdP is not running: open the SSO Pilot app, where it runs, to grant access".into(),
            );
        };
        if self.steps.assign_users.demo_granted_groups.is_empty() {
            return Err("Grant the application to at least one user group of the demo IdP".into());
        }
        if self.steps.assign_users.test_user.trim().is_empty() {
            return Err(
                "Choose the demo user who will do the test login (the one who stands for you)"
                    .into(),
            );
        }
        check_test_user(&self.steps.assign_users.test_user)?;
        let user = self.steps.assign_users.test_user.trim();
        let slug = self.demo_slug();
        running.state().with_directory(|d| {
            if d.user(user).is_none() {
                return Err(format!(
                    "The demo IdP has no user {user}: choose one of its users"
                ));
            }
            if !d.is_assigned(user, &slug) {
                return Err(format!(
                    "{user} is in no group granted the application ({}): grant one of {} or choose another user",
                    self.steps.assign_users.granted_groups_text(),
                    d.groups_of(user).join(", ").if_empty("their groups (they are in none)")
                ));
            }
            Ok(())
        })
    }

    /// Grants the demo IdP's application to `group`, or takes it back (applied to the directory by
    /// [`Model::sync_demo_grants`]).
    pub(super) fn set_group_grant(&mut self, group: &str, granted: bool) -> Result<(), String> {
        if self.current != super::view::StepId::AssignUsers || !self.demo_chosen() {
            return Err(
                "User groups are granted on step 6 (Assign users) with the demo IdP.".into(),
            );
        }
        let Some(running) = self.demo_running() else {
            return Err("The demo IdP is not running, so its groups cannot be changed.".into());
        };
        let group = group.trim();
        if !running
            .state()
            .with_directory(|d| d.groups().any(|(name, _)| name == group))
        {
            return Err(format!("The demo IdP has no user group \"{group}\"."));
        }
        self.steps.assign_users.set_grant(group, granted)
    }

    /// Makes the demo IdP's directory grant the application to exactly the chosen groups (after every action and
    /// when the demo IdP is attached, so saved grants survive a restart).
    pub(super) fn sync_demo_grants(&self) -> Option<Notice> {
        if !self.demo_chosen() {
            return None;
        }
        let running = self.demo_running()?;
        let slug = self.demo_slug();
        // Practice's `user-not-assigned`: the directory grants nothing, whatever step 6 chose.
        let none = std::collections::BTreeSet::new();
        let wanted = match self.practice_fault() {
            Some(f) if !f.grants_access() => &none,
            _ => &self.steps.assign_users.demo_granted_groups,
        };
        running.state().with_directory_mut(|d| {
            let current: Vec<String> = d.granted_groups(&slug).into_iter().map(str::to_string).collect();
            for g in current.iter().filter(|g| !wanted.contains(*g)) {
                d.revoke(&slug, g);
            }
            let mut problems = Vec::new();
            for g in wanted.iter().filter(|g| !current.contains(g)) {
                if let Err(e) = d.grant(&slug, g) {
                    problems.push(format!("{g} ({e})"));
                }
            }
            (!problems.is_empty()).then(|| Notice {
                severity: Severity::Warning,
                text: format!(
                    "The demo IdP could not grant the application to {}: untick and choose another group.",
                    problems.join(", ")
                ),
            })
        })
    }

    /// The IdP's own clicks for granting access, from the profile.
    fn grant_instructions(&self) -> Vec<Block> {
        let Some(idp) = self.idp() else {
            return Vec::new();
        };
        // The menu path goes under the step that starts the way there (the first that names its first menu).
        let path = idp.portal.assign_users_path.as_deref();
        let first_menu = path.and_then(|p| p.split(" > ").next()).unwrap_or_default();
        let at = idp
            .portal
            .assign_users_steps
            .iter()
            .position(|step| !first_menu.is_empty() && step.contains(first_menu));
        idp.portal
            .assign_users_steps
            .iter()
            .enumerate()
            .map(|(i, step)| Block::Instruction {
                text: step.clone(),
                menu_path: (Some(i) == at).then(|| path.map(str::to_string)).flatten(),
            })
            .collect()
    }

    pub(super) fn assign_users_page(&self) -> (String, Vec<Block>) {
        let idp = self.idp_name().to_string();
        let portal = self
            .idp()
            .map(|p| p.portal.name.clone())
            .unwrap_or_else(|| idp.clone());
        let mut blocks = vec![Block::Text {
            text: format!(
                "In {portal}, users are denied every application until a user group they belong to is granted it. \
                 Grant this application to the group that should use it, and make sure the user who will do the \
                 test login is in that group."
            ),
        }];
        blocks.extend(self.grant_instructions());
        let test_user_help = format!(
            "The {idp} account that will sign in at the test login. Use your own: it proves that you can still sign \
             in once SSO is enforced, so enforcing cannot lock you out."
        );
        if self.demo_chosen() {
            blocks.extend(self.demo_assign_blocks(test_user_help));
        } else {
            blocks.push(Block::Checkbox {
                field: Field::UsersAssigned,
                label: format!("I granted the application to a user group in {idp}"),
                help: None,
                value: self.steps.assign_users.users_assigned,
                error: (!self.steps.assign_users.users_assigned).then(|| {
                    format!("Grant the application to a user group in {idp}, then tick this box")
                }),
            });
            blocks.push(Block::Input {
                field: Field::TestUser,
                label: "Test user".into(),
                help: Some(test_user_help),
                placeholder: Some("you@example.com".into()),
                value: self.steps.assign_users.test_user.clone(),
                error: check_test_user(&self.steps.assign_users.test_user).err(),
                warning: None,
                multiline: false,
                copy: false,
            });
        }
        (
            format!(
                "Give users access to the application in {portal}, and choose who does the test login (best: you)."
            ),
            blocks,
        )
    }

    /// The demo directory's groups to grant, and its users to choose the test user from.
    fn demo_assign_blocks(&self, test_user_help: String) -> Vec<Block> {
        let Some(running) = self.demo_running() else {
            return vec![Block::Callout {
                severity: Severity::Warning,
                text: "The demo IdP is not running: open the SSO Pilot app, where it runs, to grant access.".into(),
            }];
        };
        let slug = self.demo_slug();
        let (groups, users) = running.state().with_directory(|d| {
            let groups: Vec<GroupGrantView> = d
                .groups()
                .map(|(name, members)| GroupGrantView {
                    name: name.to_string(),
                    members: members
                        .iter()
                        .map(|u| format!("{} {} ({})", u.first_name, u.last_name, u.email))
                        .collect(),
                    granted: d.granted_groups(&slug).contains(&name),
                })
                .collect();
            let users: Vec<ChoiceOption> = d
                .users()
                .map(|u| {
                    let member_of = d.groups_of(&u.email);
                    let access = if d.is_assigned(&u.email, &slug) {
                        "has access".to_string()
                    } else {
                        "no access yet".to_string()
                    };
                    ChoiceOption {
                        value: u.email.clone(),
                        label: format!("{} {}", u.first_name, u.last_name),
                        description: Some(format!(
                            "{}. Groups: {}; {access}.",
                            u.email,
                            member_of.join(", ").if_empty("none")
                        )),
                        badge: None,
                        unavailable: None,
                    }
                })
                .collect();
            (groups, users)
        });
        let chosen = self.steps.assign_users.test_user.trim();
        vec![
            Block::GroupGrants {
                label: format!("User groups granted the application ({slug})"),
                help: Some(
                    "Each change is made in the demo IdP at once, as a real identity provider's Save would.".into(),
                ),
                groups,
                error: self
                    .steps
                    .assign_users.demo_granted_groups
                    .is_empty()
                    .then(|| "Grant the application to at least one group".to_string()),
            },
            Block::Choice {
                field: Field::TestUser,
                label: "Test user".into(),
                help: Some(test_user_help),
                options: users,
                value: (!chosen.is_empty()).then(|| chosen.to_string()),
            },
        ]
    }
}

/// `if_empty` for joined lists in messages.
trait IfEmpty {
    fn if_empty(self, instead: &str) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, instead: &str) -> String {
        if self.is_empty() {
            instead.to_string()
        } else {
            self
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
