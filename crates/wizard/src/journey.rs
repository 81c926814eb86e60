//! The journey: the step list, which steps unlock which ([`prerequisites`]), what each step still needs, and the page
//! of the step shown (each step's module draws its own).

use crate::view::{NextState, StepId, StepPage, StepStatus, StepSummary};
use crate::Model;

/// The journey, in order.
pub const STEPS: [StepId; 9] = [
    StepId::Providers,
    StepId::SpValues,
    StepId::IdpApp,
    StepId::Attributes,
    StepId::Certificate,
    StepId::AssignUsers,
    StepId::TestLogin,
    StepId::Enable,
    StepId::Enforce,
];

/// 1-based position of a step.
pub fn step_number(step: StepId) -> u8 {
    STEPS
        .iter()
        .position(|s| *s == step)
        .map(|i| i as u8 + 1)
        .unwrap_or(1)
}

pub fn step_title(step: StepId) -> &'static str {
    match step {
        StepId::Providers => "Providers",
        StepId::SpValues => "Service provider values",
        StepId::IdpApp => "IdP application",
        StepId::Attributes => "Attributes",
        StepId::Certificate => "Certificate",
        StepId::AssignUsers => "Assign users",
        StepId::TestLogin => "Test login",
        StepId::Enable => "Enable",
        StepId::Enforce => "Enforce",
    }
}

/// The steps that must be complete before `step` can be opened: every earlier one, except the test login: Enable does
/// not wait for it (a live test through the real SP needs SSO enabled there first), and Enforce opens without it to
/// say why it is locked and lead back to step 7 (its own rule, `enforce_problem`, refuses to record enforcement
/// without valid evidence).
fn prerequisites(step: StepId) -> impl Iterator<Item = StepId> {
    STEPS
        .iter()
        .copied()
        .take_while(move |s| *s != step)
        .filter(move |s| {
            !(matches!(step, StepId::Enable | StepId::Enforce) && *s == StepId::TestLogin)
        })
}

impl Model {
    /// `Ok` when the step has everything it needs; `Err(reason)` names the first thing missing.
    pub(super) fn step_problem(&self, step: StepId) -> Result<(), String> {
        match step {
            StepId::Providers => self.providers_problem(),
            StepId::SpValues => self.sp_values_problem(),
            StepId::IdpApp => self.idp_app_problem(),
            StepId::Attributes => self.attributes_problem(),
            StepId::Certificate => self.certificate_problem(),
            StepId::AssignUsers => self.assign_users_problem(),
            StepId::TestLogin => self.test_login_problem(),
            StepId::Enable => self.enable_problem(),
            StepId::Enforce => self.enforce_problem(),
        }
    }

    /// A step is reachable when its [`prerequisites`] are complete.
    pub(super) fn reachable(&self, step: StepId) -> bool {
        self.blocking_step(step).is_none()
    }

    /// The first earlier step that is not complete, with its reason.
    pub(super) fn blocking_step(&self, step: StepId) -> Option<(StepId, String)> {
        self.practice_lock(step).or_else(|| {
            prerequisites(step).find_map(|s| self.step_problem(s).err().map(|e| (s, e)))
        })
    }

    /// `step` if it is reachable, else the step that blocks it (where the admin has work left on the way there),
    /// else the first step that still needs work.
    pub(super) fn nearest_reachable(&self, step: StepId) -> StepId {
        match self.blocking_step(step) {
            None => step,
            Some((blocking, _)) if self.reachable(blocking) => blocking,
            Some(_) => self.first_unfinished(),
        }
    }

    pub(super) fn first_unfinished(&self) -> StepId {
        STEPS
            .iter()
            .copied()
            .find(|s| self.step_problem(*s).is_err())
            .unwrap_or(StepId::Enforce)
    }

    pub(super) fn locked_reason(&self, step: StepId) -> Option<String> {
        self.blocking_step(step).map(|(s, why)| {
            format!(
                "Complete step {} ({}) first: {why}",
                step_number(s),
                step_title(s)
            )
        })
    }

    /// The step list. Steps locked behind the same step say why once, on the first of them; the later ones only
    /// name the step to complete (the list would otherwise repeat the same sentence under every step).
    pub fn steps(&self) -> Vec<StepSummary> {
        let mut said_why: Option<StepId> = None;
        STEPS
            .iter()
            .map(|&id| {
                let (status, reason) = if let Some((blocking, why)) = self.blocking_step(id) {
                    let reason = if said_why == Some(blocking) {
                        format!(
                            "Complete step {} ({}) first.",
                            step_number(blocking),
                            step_title(blocking)
                        )
                    } else {
                        said_why = Some(blocking);
                        format!(
                            "Complete step {} ({}) first: {why}",
                            step_number(blocking),
                            step_title(blocking)
                        )
                    };
                    (StepStatus::Locked, Some(reason))
                } else {
                    match self.step_problem(id) {
                        Ok(()) => (StepStatus::Complete, None),
                        Err(why) => (StepStatus::Incomplete, Some(why)),
                    }
                };
                StepSummary {
                    id,
                    number: step_number(id),
                    title: step_title(id).to_string(),
                    status,
                    reason,
                }
            })
            .collect()
    }

    pub(super) fn next_step(step: StepId) -> Option<StepId> {
        let i = STEPS.iter().position(|s| *s == step)?;
        STEPS.get(i + 1).copied()
    }

    pub(super) fn previous_step(step: StepId) -> Option<StepId> {
        let i = STEPS.iter().position(|s| *s == step)?;
        i.checked_sub(1).and_then(|i| STEPS.get(i).copied())
    }

    pub(super) fn next_state(&self) -> NextState {
        if let Err(why) = self.step_problem(self.current) {
            return NextState {
                enabled: false,
                reason: Some(why),
            };
        }
        match Model::next_step(self.current) {
            Some(_) => NextState {
                enabled: true,
                reason: None,
            },
            None => NextState {
                enabled: false,
                reason: Some("This is the last step".into()),
            },
        }
    }

    /// Work done when a step is entered, by the step's own module (step 3 prefills the IdP entity ID, step 8 reads
    /// AUTH_SECRET from the keychain).
    pub(super) fn entered_step(&mut self) {
        match self.current {
            StepId::IdpApp => self.idp_app_entered(),
            StepId::Enable => self.load_auth_secret(),
            _ => {}
        }
    }

    pub(super) fn page(&self) -> StepPage {
        let (intro, blocks) = match self.current {
            StepId::Providers => self.providers_page(),
            StepId::SpValues => self.sp_values_page(),
            StepId::IdpApp if self.demo_chosen() => self.demo_idp_app_page(),
            StepId::IdpApp => self.idp_app_page(),
            StepId::Attributes => self.attributes_page(),
            StepId::Certificate => self.certificate_page(),
            StepId::AssignUsers => self.assign_users_page(),
            StepId::TestLogin => self.test_login_page(),
            StepId::Enable => self.enable_page(),
            StepId::Enforce => self.enforce_page(),
        };
        StepPage {
            id: self.current,
            number: step_number(self.current),
            title: step_title(self.current).to_string(),
            intro,
            blocks,
            next: self.next_state(),
            back_enabled: Model::previous_step(self.current).is_some(),
        }
    }
}
