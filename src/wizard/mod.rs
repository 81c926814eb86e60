//! The wizard as a model: steps, what each needs, which steps unlock which.

pub mod view;

use crate::state::Store;
use view::{Action, NextState, StepId, StepPage, WizardView};

/// One admin's run through the wizard, backed by saved progress.
pub struct Session {
    #[allow(dead_code)]
    store: Store,
    current: StepId,
}

impl Session {
    /// Never fails: unreadable/corrupt/unknown-version state is moved aside (renamed, not deleted) and reported as a
    /// Notice in the view.
    pub fn open(store: Store) -> Session {
        Session {
            store,
            current: StepId::Providers,
        }
    }

    pub fn view(&self) -> WizardView {
        WizardView {
            steps: Vec::new(),
            current: self.current,
            page: StepPage {
                id: self.current,
                number: 1,
                title: "Providers".into(),
                intro: String::new(),
                blocks: Vec::new(),
                next: NextState {
                    enabled: false,
                    reason: Some("Not built yet".into()),
                },
                back_enabled: false,
            },
            notices: Vec::new(),
        }
    }

    /// Applies an action; saves after every change that passes validation; a save failure becomes a Notice (never a
    /// panic).
    pub fn apply(&mut self, _action: Action) -> WizardView {
        self.view()
    }
}
