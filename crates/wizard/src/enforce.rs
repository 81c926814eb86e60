//! Step 9, Enforce: making SAML SSO the only way to sign in, only with valid test-login evidence.
//!
//! The page opens once steps 1 to 6 and 8 are complete, but stays locked until [`Model::evidence_state`] is
//! `Valid`: it says why (no test yet, or what changed since the test) with a button back to step 7. Unlocked, it
//! explains what enforcing does and the lock-out risk, compares the tested user with step 6's test user (the admin's
//! own account is what keeps the admin from being locked out), and records "enforced" with the time only after an
//! explicit confirmation: a checkbox and the SP's name typed out. Then the page is the summary
//! ([`super::report`]).

use super::view::{Action, Block, FactRow, Severity, StepId};
use super::{EvidenceState, Field, Model};
use crate::state::SavedState;

/// Step 9 as confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Draft {
    /// The admin read what enforcing does (not saved: confirmed again after a restart).
    pub(crate) understood: bool,
    /// The SP's name as typed to confirm (not saved).
    pub(crate) confirm: String,
    /// When enforcing was recorded (RFC 3339, UTC).
    pub(crate) enforced_at: Option<String>,
}

impl Draft {
    pub(crate) fn load(saved: &SavedState) -> Draft {
        Draft {
            understood: false,
            confirm: String::new(),
            enforced_at: saved.enforced_at.clone(),
        }
    }
}

pub(crate) fn save(model: &Model, _previous: &SavedState, out: &mut SavedState) {
    out.enforced_at = model.steps.enforce.enforced_at.clone();
}

impl Model {
    /// Why enforcing is locked, in plain words; `None` with valid evidence.
    fn enforce_lock(&self) -> Option<String> {
        match self.evidence_state() {
            EvidenceState::Valid { .. } => None,
            EvidenceState::Missing => Some(
                "Locked until a test login passes: no test login has passed for this configuration yet. Enforcing \
                 without one could lock everyone out, you included. Do the test login in step 7"
                    .into(),
            ),
            EvidenceState::Stale {
                user,
                tested_at,
                changed,
            } => Some(format!(
                "Locked until a test login passes again: the test login by {user} at {tested_at} passed for an \
                 earlier configuration, and since then {} changed. Test again in step 7",
                changed.join(", ")
            )),
        }
    }

    /// The SP's name the admin types to confirm.
    fn confirm_word(&self) -> String {
        self.sp()
            .map(|p| p.portal.name.clone())
            .unwrap_or_else(|| "enforce".into())
    }

    /// Why the confirmation is not complete yet.
    fn confirmation_problem(&self) -> Option<String> {
        let word = self.confirm_word();
        if !self.steps.enforce.understood {
            return Some("Tick the box to confirm you understand the lock-out risk".into());
        }
        if self.steps.enforce.confirm.trim() != word {
            return Some(format!("Type {word} to confirm"));
        }
        None
    }

    pub(super) fn enforce_problem(&self) -> Result<(), String> {
        if let Some(lock) = self.enforce_lock() {
            return Err(lock);
        }
        if self.steps.enforce.enforced_at.is_none() {
            let action = self
                .sp()
                .map(|p| p.enable.enforce_action.clone())
                .unwrap_or_else(|| "enforcement".into());
            return Err(format!(
                "Switch on {action} in {}, then confirm it here",
                self.sp_name()
            ));
        }
        Ok(())
    }

    /// Records enforcement with the time; refused without valid evidence or without the confirmation.
    pub(super) fn record_enforced(&mut self) -> Result<String, String> {
        if self.current != StepId::Enforce {
            return Err("SSO is enforced on step 9 (Enforce).".into());
        }
        if let Some(lock) = self.enforce_lock() {
            return Err(format!("{lock}."));
        }
        if let Some(why) = self.confirmation_problem() {
            return Err(format!("Not recorded: {why}."));
        }
        self.steps.enforce.enforced_at = Some(
            self.now()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        );
        self.steps.enforce.understood = false;
        self.steps.enforce.confirm.clear();
        Ok(format!(
            "SAML SSO is recorded as enforced in {}. Save the report below for your records.",
            self.sp_name()
        ))
    }

    /// The evidence user differs from step 6's test user (case aside: JumpCloud sends lower case).
    fn tested_user_warning(&self, tested: &str) -> Option<String> {
        let chosen = self.steps.assign_users.test_user.trim();
        (!chosen.is_empty() && !chosen.eq_ignore_ascii_case(tested.trim())).then(|| {
            format!(
                "The test login was done by {tested}, but step 6 names {chosen} as the test user (best: your own \
                 account). Make sure your own account can sign in through {} before you enforce, or you may be \
                 locked out.",
                self.idp_name()
            )
        })
    }

    pub(super) fn enforce_page(&self) -> (String, Vec<Block>) {
        let Some(sp) = self.sp() else {
            return (String::new(), Vec::new());
        };
        let e = &sp.enable;
        let name = sp.portal.name.clone();
        if self.steps.enforce.enforced_at.is_some() {
            return self.summary_page();
        }
        if let Some(lock) = self.enforce_lock() {
            return (
                format!("Enforcing SAML SSO in {name} is locked."),
                vec![
                    Block::Callout {
                        severity: Severity::Warning,
                        text: format!("{lock}."),
                    },
                    Block::Button {
                        label: "Go to step 7 (Test login)".into(),
                        action: Action::GoTo {
                            step: StepId::TestLogin,
                        },
                        primary: true,
                        help: None,
                        disabled_reason: None,
                    },
                ],
            );
        }
        let EvidenceState::Valid {
            user,
            tested_at,
            certificate_sha256,
        } = self.evidence_state()
        else {
            return (String::new(), Vec::new());
        };
        let mut blocks = vec![
            Block::Text {
                text: format!("What enforcing does: {}", e.enforce_effect),
            },
            Block::Callout {
                severity: Severity::Warning,
                text: format!(
                    "The lock-out risk: once SSO is enforced, anyone who cannot sign in through {} cannot sign in to \
                     {name} at all, you included. Enforce only when your own account signs in through {} (the test \
                     login below proves it for the tested account).",
                    self.idp_name(),
                    self.idp_name()
                ),
            },
            Block::Heading {
                text: "The test login that unlocks this step".into(),
            },
            Block::Facts {
                rows: vec![
                    FactRow {
                        label: "Signed in as".into(),
                        value: user.clone(),
                    },
                    FactRow {
                        label: "Tested at".into(),
                        value: tested_at,
                    },
                    FactRow {
                        label: "Certificate (SHA-256)".into(),
                        value: certificate_sha256,
                    },
                ],
            },
        ];
        if let Some(w) = self.tested_user_warning(&user) {
            blocks.push(Block::Callout {
                severity: Severity::Warning,
                text: w,
            });
        }
        if let Some(req) = &e.enforce_requirement {
            blocks.push(Block::Text { text: req.clone() });
        }
        blocks.push(Block::Instruction {
            text: format!("In {name}, switch on {}.", e.enforce_action),
            menu_path: Some(e.path.clone()),
        });
        let word = self.confirm_word();
        blocks.push(Block::Checkbox {
            field: Field::EnforceUnderstood,
            label: format!(
                "I understand that members can then sign in to {name} only through {}, and that my own account {user} \
                 signs in that way",
                self.idp_name()
            ),
            help: None,
            value: self.steps.enforce.understood,
            error: None,
        });
        blocks.push(Block::Input {
            field: Field::EnforceConfirm,
            label: format!("Type {word} to confirm"),
            help: None,
            placeholder: Some(word.clone()),
            value: self.steps.enforce.confirm.clone(),
            error: None,
            warning: None,
            multiline: false,
            copy: false,
        });
        blocks.push(Block::Button {
            label: format!("Record SSO as enforced in {name}"),
            action: Action::Enforce,
            primary: true,
            help: Some("Records the time in your saved progress and in the report.".into()),
            disabled_reason: self.confirmation_problem(),
        });
        (
            format!(
                "Make {} the only way to sign in to {name}, now that a test login has passed.",
                self.idp_name()
            ),
            blocks,
        )
    }
}

#[cfg(test)]
pub(crate) mod tests;
