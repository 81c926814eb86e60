//! What the admin typed, one draft per step ([`Steps`], valid or not), and its mapping to and from saved progress
//! ([`SavedState`]): each step's module loads its draft and saves its slice, and only values that pass validation
//! are saved.

use crate::profiles::Profiles;
use crate::state::{SavedState, STATE_VERSION};
use crate::view::StepId;
use crate::{
    assign_users, attributes, certificate, enable, enforce, idp_app, providers, sp_values,
    test_login, Model,
};

/// What the admin has typed or chosen, valid or not: each step's own draft.
#[derive(Debug, Clone, Default)]
pub(super) struct Steps {
    pub(super) providers: providers::Draft,
    pub(super) sp_values: sp_values::Draft,
    pub(super) idp_app: idp_app::Draft,
    pub(super) attributes: attributes::Draft,
    pub(super) certificate: certificate::Draft,
    pub(super) assign_users: assign_users::Draft,
    pub(super) test_login: test_login::Draft,
    pub(super) enable: enable::Draft,
    pub(super) enforce: enforce::Draft,
}

/// How each step saves its slice: from the model (a step's rules may read another step's values), falling back to
/// what was saved before for a value that does not pass now.
type SaveSlice = fn(&Model, &SavedState, &mut SavedState);

/// Every step's save, in step order.
const SAVES: [SaveSlice; 9] = [
    providers::save,
    sp_values::save,
    idp_app::save,
    attributes::save,
    certificate::save,
    assign_users::save,
    test_login::save,
    enable::save,
    enforce::save,
];

/// How a step checks its saved slice for what serde cannot (see [`SavedState::check`]); the error names the problem.
type CheckSlice = fn(&SavedState) -> Result<(), String>;

/// Every step's check of its saved slice (steps 2 and 3 hold only checked types).
const CHECKS: [CheckSlice; 7] = [
    providers::check_saved,
    attributes::check_saved,
    certificate::check_saved,
    assign_users::check_saved,
    test_login::check_saved,
    enable::check_saved,
    enforce::check_saved,
];

/// The first problem any step finds in its saved slice.
pub(crate) fn check_saved(saved: &SavedState) -> Result<(), String> {
    CHECKS.iter().try_for_each(|check| check(saved))
}

impl Steps {
    /// Each step's draft as saved; warnings about saved choices this build cannot use (an unknown profile).
    fn load(saved: &SavedState, profiles: &Profiles, warnings: &mut Vec<String>) -> Steps {
        Steps {
            providers: providers::Draft::load(saved, profiles, warnings),
            sp_values: sp_values::Draft::load(saved),
            idp_app: idp_app::Draft::load(saved),
            attributes: attributes::Draft::load(saved),
            certificate: certificate::Draft::load(saved),
            assign_users: assign_users::Draft::load(saved),
            test_login: test_login::Draft::load(saved),
            enable: enable::Draft::load(saved),
            enforce: enforce::Draft::load(saved),
        }
    }
}

impl Model {
    /// The wizard as saved; returns warnings about saved choices this build cannot use (an unknown profile).
    pub fn from_saved(profiles: Profiles, saved: &SavedState) -> (Model, Vec<String>) {
        Model::from_saved_with_clock(profiles, saved, crate::clock::system())
    }

    /// [`Model::from_saved`] reading the time from `clock`.
    pub fn from_saved_with_clock(
        profiles: Profiles,
        saved: &SavedState,
        clock: crate::clock::SharedClock,
    ) -> (Model, Vec<String>) {
        let mut warnings = Vec::new();
        let steps = Steps::load(saved, &profiles, &mut warnings);
        let mut model = Model {
            profiles,
            steps,
            current: StepId::Providers,
            demo: None,
            import: Default::default(),
            secrets: None,
            resume_at: None,
            clock,
            watch: None,
            practice: None,
        };
        // Resume where the admin left off, or, if the saved step is not reachable (yet), on the way there.
        model.current = model.nearest_reachable(saved.current_step);
        if model.current != saved.current_step {
            model.resume_at = Some(saved.current_step);
        }
        model.entered_step();
        (model, warnings)
    }

    /// What may be saved: each value only if it passes validation now, otherwise what was saved before.
    pub fn to_saved(&self, previous: &SavedState) -> SavedState {
        let mut out = SavedState {
            version: STATE_VERSION,
            saved_at: previous.saved_at.clone(),
            current_step: self.current,
            ..SavedState::default()
        };
        for save in SAVES {
            save(self, previous, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests;
