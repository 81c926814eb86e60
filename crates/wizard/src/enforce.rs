//! Step 9, Enforce: making SAML SSO the only way to sign in, only with valid test-login evidence.
//!
//! The page opens once steps 1 to 6 and 8 are complete, but stays locked until [`Model::evidence_state`] is
//! `Valid`: it says why (no test yet, or what changed since the test) with a button back to step 7. Unlocked, it
//! explains what enforcing does and the lock-out risk, compares the tested user with step 6's test user (the admin's
//! own account is what keeps the admin from being locked out), and records "enforced" with the time only after an
//! explicit confirmation: a checkbox and the SP's name typed out. Then the page is the summary
//! ([`super::report`]).

use super::view::{Action, Block, FactRow, Severity, StepId};
use super::{providers, EvidenceState, Field, Model};
use crate::profiles::SpProfile;
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

pub(crate) fn check_saved(saved: &SavedState) -> Result<(), String> {
    if let Some(at) = &saved.enforced_at {
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
            .map_err(|_| "enforced_at is not a time".to_string())?;
    }
    Ok(())
}

pub(crate) fn save(model: &Model, _previous: &SavedState, out: &mut SavedState) {
    out.enforced_at = model.steps.enforce.enforced_at.clone();
}

/// Why enforcing is locked, in plain words; `None` with valid evidence (step 7's verdict).
fn lock(evidence: EvidenceState) -> Option<String> {
    match evidence {
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
fn confirm_word(sp: Option<&SpProfile>) -> String {
    sp.map(|p| p.portal.name.clone())
        .unwrap_or_else(|| "enforce".into())
}

/// The evidence user differs from step 6's test user (case aside: JumpCloud sends lower case).
fn tested_user_warning(test_user: &str, tested: &str, idp_name: &str) -> Option<String> {
    let chosen = test_user.trim();
    (!chosen.is_empty() && !chosen.eq_ignore_ascii_case(tested.trim())).then(|| {
        format!(
            "The test login was done by {tested}, but step 6 names {chosen} as the test user (best: your own \
             account). Make sure your own account can sign in through {idp_name} before you enforce, or you may be \
             locked out."
        )
    })
}

impl Draft {
    /// Why the confirmation is not complete yet.
    fn confirmation_problem(&self, sp: Option<&SpProfile>) -> Option<String> {
        let word = confirm_word(sp);
        if !self.understood {
            return Some("Tick the box to confirm you understand the lock-out risk".into());
        }
        if self.confirm.trim() != word {
            return Some(format!("Type {word} to confirm"));
        }
        None
    }

    /// `Ok` once enforcing is recorded; `lock` is why it cannot be yet (no valid evidence).
    fn problem(
        &self,
        lock: Option<String>,
        sp: Option<&SpProfile>,
        sp_name: &str,
    ) -> Result<(), String> {
        if let Some(lock) = lock {
            return Err(lock);
        }
        if self.enforced_at.is_none() {
            let action = sp
                .map(|p| p.enable.enforce_action.clone())
                .unwrap_or_else(|| "enforcement".into());
            return Err(format!(
                "Switch on {action} in {sp_name}, then confirm it here"
            ));
        }
        Ok(())
    }

    /// Records enforcement at `now`; refused while locked or without the confirmation.
    fn record(
        &mut self,
        lock: Option<String>,
        sp: Option<&SpProfile>,
        sp_name: &str,
        now: time::OffsetDateTime,
    ) -> Result<String, String> {
        if let Some(lock) = lock {
            return Err(format!("{lock}."));
        }
        if let Some(why) = self.confirmation_problem(sp) {
            return Err(format!("Not recorded: {why}."));
        }
        self.enforced_at = Some(
            now.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        );
        self.understood = false;
        self.confirm.clear();
        Ok(format!(
            "SAML SSO is recorded as enforced in {sp_name}. Save the report below for your records."
        ))
    }
}

impl Model {
    pub(super) fn enforce_problem(&self) -> Result<(), String> {
        self.steps
            .enforce
            .problem(lock(self.evidence_state()), self.sp(), self.sp_name())
    }

    /// Records enforcement with the time, on step 9 only.
    pub(super) fn record_enforced(&mut self) -> Result<String, String> {
        if self.current != StepId::Enforce {
            return Err("SSO is enforced on step 9 (Enforce).".into());
        }
        let lock = lock(self.evidence_state());
        let now = self.now();
        let sp = self.steps.providers.sp(&self.profiles);
        self.steps
            .enforce
            .record(lock, sp, providers::sp_name(sp), now)
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
        if let Some(lock) = lock(self.evidence_state()) {
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
        if let Some(w) =
            tested_user_warning(&self.steps.assign_users.test_user, &user, self.idp_name())
        {
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
        let word = confirm_word(Some(sp));
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
            disabled_reason: self.steps.enforce.confirmation_problem(Some(sp)),
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
