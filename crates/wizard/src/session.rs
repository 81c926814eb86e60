//! [`Session`]: the model backed by saved progress, with the notices shown to the admin.

use crate::clock::SharedClock;
use crate::profiles::Profiles;
use crate::state::{SavedState, Store};
use crate::view::{self, Action, Notice, Severity, StepId, WizardView};
use crate::Model;

/// At most this many notices are kept; the oldest go first.
const MAX_NOTICES: usize = 20;

/// One admin's run through the wizard, backed by saved progress.
pub struct Session {
    /// `None` when saving is off (the saved file could not be read or moved aside: it must not be overwritten).
    pub(super) store: Option<Store>,
    pub(super) path: std::path::PathBuf,
    pub(super) model: Model,
    pub(super) saved: SavedState,
    pub(super) notices: Vec<Notice>,
}

impl Session {
    /// Never fails: unreadable/corrupt/unknown-version state is moved aside (renamed, not deleted) and reported as a
    /// Notice in the view.
    pub fn open(store: Store) -> Session {
        Session::open_with_clock(store, crate::clock::system())
    }

    /// Like [`Session::open`], reading the time from `clock` (a fixed one in tests).
    pub fn open_with_clock(store: Store, clock: SharedClock) -> Session {
        match Profiles::builtin() {
            Ok(profiles) => Session::with_clock(store, profiles, clock),
            Err(e) => {
                let mut s = Session::with_clock(store, Profiles::default(), clock);
                s.notice(
                    Severity::Error,
                    format!("The provider profiles built into SSO Pilot could not be loaded ({e}). Please report this."),
                );
                s
            }
        }
    }

    /// Like [`Session::open`] with the given profiles (e.g. from [`Profiles::load_dir`]).
    pub fn with_profiles(store: Store, profiles: Profiles) -> Session {
        Session::with_clock(store, profiles, crate::clock::system())
    }

    /// Like [`Session::with_profiles`], reading the time from `clock`.
    pub fn with_clock(store: Store, profiles: Profiles, clock: SharedClock) -> Session {
        store.remove_stale_temp_files();
        let path = store.path();
        let mut notices = Vec::new();
        let mut store = Some(store);
        let mut saved = SavedState::default();
        let load = store.as_ref().map(Store::load).unwrap_or(Ok(None));
        match load {
            Ok(Some(s)) => saved = s,
            Ok(None) => {}
            Err(e) if e.is_unusable_file() => {
                match store.as_ref().map(Store::move_aside) {
                    Some(Ok(aside)) => notices.push(Notice {
                        severity: Severity::Warning,
                        text: format!(
                            "Your saved progress could not be used ({e}). It was moved to {} and the wizard started \
                             fresh. Support can look at that file; you can delete it once you no longer need it.",
                            aside.display()
                        ),
                    }),
                    Some(Err(move_err)) => {
                        store = None;
                        notices.push(Notice {
                            severity: Severity::Error,
                            text: format!(
                                "Your saved progress could not be used ({e}), and it could not be moved aside \
                                 ({move_err}). The wizard started fresh and will NOT save your progress, so as not \
                                 to overwrite that file: move or delete it yourself, then restart SSO Pilot."
                            ),
                        });
                    }
                    None => {}
                }
            }
            Err(e) => {
                store = None;
                notices.push(Notice {
                    severity: Severity::Error,
                    text: format!(
                        "{e}. The wizard started fresh and will NOT save your progress, so as not to overwrite that \
                         file: fix its permissions, then restart SSO Pilot."
                    ),
                });
            }
        }
        let (model, warnings) = Model::from_saved_with_clock(profiles, &saved, clock);
        notices.extend(warnings.into_iter().map(|text| Notice {
            severity: Severity::Warning,
            text,
        }));
        let mut session = Session {
            store,
            path,
            model,
            saved,
            notices,
        };
        // Save what resuming changed (a prefilled value, a step moved back), if anything.
        session.save_if_changed();
        session
    }

    pub fn view(&self) -> WizardView {
        WizardView {
            notices: self.notices.clone(),
            ..self.model.view()
        }
    }

    /// After the demo IdP or the keychain is attached: the step saved at the last run if it is reachable now, else
    /// the nearest step on the way there ([`Model::nearest_reachable`]). Steps 6 and 8 can only be judged
    /// once these are attached (the demo IdP's grants, AUTH_SECRET in the keychain), after opening. Not once the
    /// admin has acted.
    pub(super) fn settle_after_attach(&mut self) {
        let saved = self.model.resume_at;
        let wanted = saved.unwrap_or(self.model.current);
        // Step 8 is judged with the AUTH_SECRET read from the keychain (no keychain yet reads nothing).
        if wanted >= StepId::Enable || self.model.current >= StepId::Enable {
            self.model.load_auth_secret();
        }
        let step = self.model.nearest_reachable(wanted);
        if step == wanted {
            self.model.resume_at = None;
        }
        if step != self.model.current {
            self.model.current = step;
            if step != StepId::Enable {
                self.model.entered_step();
            }
            self.save_if_changed();
        }
    }

    /// Applies an action; saves after every change that passes validation; a save failure becomes a Notice (never a
    /// panic).
    pub fn apply(&mut self, action: view::Action) -> WizardView {
        self.model.resume_at = None;
        if let Action::DismissNotice { index } = action {
            if index < self.notices.len() {
                self.notices.remove(index);
            }
            return self.view();
        }
        for n in self.model.apply(action) {
            self.notice(n.severity, n.text);
        }
        self.save_if_changed();
        self.view()
    }

    /// The model, for reading (tests, the CLI).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Where progress is saved.
    pub fn state_path(&self) -> &std::path::Path {
        &self.path
    }

    /// True when progress is being saved (false after the saved file could not be read or moved aside).
    pub fn saving_enabled(&self) -> bool {
        self.store.is_some()
    }

    pub(super) fn notice(&mut self, severity: Severity, text: String) {
        if self.notices.iter().any(|n| n.text == text) {
            return;
        }
        if self.notices.len() >= MAX_NOTICES {
            self.notices.remove(0);
        }
        self.notices.push(Notice { severity, text });
    }

    pub(super) fn save_if_changed(&mut self) {
        let Some(store) = &self.store else {
            return;
        };
        let next = self.model.to_saved(&self.saved);
        if next.same_progress(&self.saved) && store.path().exists() {
            return;
        }
        if next.same_progress(&SavedState::default()) && !store.path().exists() {
            // Nothing worth a file yet.
            return;
        }
        let stamped = SavedState {
            saved_at: self
                .model
                .now()
                .format(&time::format_description::well_known::Rfc3339)
                .ok(),
            ..next
        };
        match store.save(&stamped) {
            Ok(()) => {
                self.saved = stamped;
                let failed = |n: &Notice| n.text.starts_with(SAVE_FAILED);
                self.notices.retain(|n| !failed(n));
            }
            Err(e) => self.notice(Severity::Error, format!("{SAVE_FAILED}: {e}.")),
        }
    }
}

const SAVE_FAILED: &str = "Your progress is not saved";

/// Describes saved progress as the wizard would show it (for `ssopilot state show`).
pub fn describe_saved(profiles: Profiles, saved: &SavedState) -> (WizardView, Vec<String>) {
    let (model, warnings) = Model::from_saved(profiles, saved);
    (model.view(), warnings)
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("path", &self.path)
            .field("saving", &self.store.is_some())
            .field("current", &self.model.current)
            .finish()
    }
}
