//! The wizard as a model: steps, what each needs, which steps unlock which.
//!
//! A step is reachable only when every earlier step is complete, with one exception: the test login (7). Enable (8)
//! opens after step 6, because a live test through the real SP needs SSO switched on there first; Enforce (9) opens
//! after step 8 but stays locked on its own page until [`Model::evidence_state`] is valid, saying why (no test yet,
//! or what changed since) with a button back to step 7, and records enforcement only after an explicit
//! confirmation.
//!
//! Steps: 1 providers, 2 SP values (with SITE_URL for a self-hosted SP: [`self_hosted`]), 3 IdP application,
//! 4 attributes, 5 certificate ([`certificate`]), 6 assign users ([`assign_users`]: the IdP's own clicks from its
//! profile; with the demo IdP, real grants in its directory), 7 test login ([`test_login`]), 8 enable ([`enable`]: the
//! SP's words for each value, AUTH_SECRET in the OS keychain for a self-hosted SP), 9 enforce ([`enforce`]), whose
//! last page is the summary ([`report`], also `ssopilot state report`).
//!
//! The code follows that cut: the journey (step list, gating, which page is shown) is in `journey`, the action
//! dispatch in `apply`, the saved-progress session in `session`, the time in [`clock`]. Each step's module
//! (`providers`, `sp_values`, `idp_app`, `attributes`, then the public ones above) holds its `Draft` (what was typed,
//! valid or not), how that draft loads, saves and checks its slice of [`state::SavedState`], its rules (on the draft,
//! with what they need from other steps as parameters), its page and its actions; `draft` holds the drafts together
//! and runs each step's load, save and check in turn. [`Model`] is the journey: the current step, the profiles, the
//! clock, the attached peers (demo IdP, keychain) and the steps' drafts.
//!
//! [`Session`] keeps what the admin typed (valid or not) in memory, so nothing is lost while the app runs, and saves
//! only values that pass validation (see [`crate::state`]). All labels and help come from the provider profiles.
//!
//! # How a UI drives it
//! - At start: `Session::open(Store::default_location()?)` once, then draw `session.view()`. Opening never fails; a
//!   damaged state file arrives as a notice in `view.notices`.
//! - Draw `view.steps` as the step list (status and reason per step), `view.page` as the page (one component per
//!   [`view::Block`] kind), `view.page.next` as the Next button (disabled with its reason shown beside it), and
//!   `view.notices` as dismissable messages.
//! - Send every keystroke or paste as `Action::SetField { field, value }` with the block's `field` (checkboxes send
//!   `"true"`/`"false"`, choices the option's `value`), and redraw from the returned view: errors and warnings are
//!   recomputed on every change. Next, Back, clicks in the step list (`GoTo`), the attribute table (`AddAttribute`,
//!   `RemoveAttribute`, `SetAttribute`, `ResetAttributes`) and closing a notice (`DismissNotice`) are actions too.
//! - Step 5's "Open a file" passes the chosen path to [`Session::open_certificate_file`]: the core reads the file
//!   (bounded) and puts it into the field as if pasted. "Use the repaired version" sends the block's `repaired_pem`
//!   as `SetField`.
//! - Step 6 with the demo IdP sends `SetGroupGrant`; step 8 `GenerateAuthSecret`; step 9 `Enforce`; a
//!   [`view::Block::Button`] carries the action to send. The summary's "Save report" passes the chosen path to
//!   [`Session::save_report`]. The app attaches the OS keychain with [`Session::attach_secrets`].
//! - Step 7 (see [`test_login`]): "Check this response" sends `Action::CheckPastedResponse`, the report's export
//!   `Action::SaveTestReport` with the path from the save dialog (the core writes the file), "Go to step N"
//!   `Action::GoTo`. The login window and the loopback test SP are run by the shell: it asks the session for a job
//!   ([`Session::start_login_window`], [`Session::start_loopback`]), runs it, and reports back
//!   ([`Session::login_window_captured`], [`Session::login_window_continue`], [`Session::login_window_closed`],
//!   [`Session::loopback_listening`], [`Session::finish_loopback`], [`Session::cancel_loopback`]). Only a passing
//!   test of the configuration itself (its SP entity ID and ACS URL) becomes evidence; a loopback pass never does.
//! - At start the shell runs [`watch::run`] on [`Session::watched`] off the UI thread (it may fetch the IdP's
//!   metadata) and hands the report to [`Session::set_watch_report`]: the summary shows it as a
//!   [`view::Block::WatchBanner`], and [`Session::start_notification`] says whether (and in which words) to notify
//!   the desktop ([`notify`]). The summary's "Save support bundle" passes the chosen path to
//!   [`Session::save_support_bundle`] ([`bundle`]); "Open a support bundle" reads one into a read-only
//!   [`bundle::view::BundleView`] with [`bundle::view::open_file`], without the session.
//! - Practice mode ([`practice`]): step 1 with the demo IdP carries a [`view::Block::Practice`] list; "Plant" sends
//!   `Action::PlantFault`, the banner's "Leave practice mode" `Action::LeavePractice`; `view.practice` is the banner
//!   every screen shows. Step 7's report's "Apply in step 4" sends `Action::ApplyAttributeSuggestion`.
//! - Never decide anything in the UI: a refused action (a locked step, a field of another step) comes back as a
//!   notice, and a save failure as an error notice, with the view otherwise unchanged.

pub mod assign_users;
pub mod bundle;
pub mod certificate;
pub mod clock;
pub mod demo;
pub mod diagnosis;
pub mod enable;
pub mod enforce;
pub mod local_time;
pub mod metadata_import;
pub mod notify;
pub mod practice;
pub mod profiles;
pub mod report;
pub mod rotation;
pub mod self_hosted;
pub mod state;
pub mod test_login;
pub mod view;
pub mod watch;

mod apply;
mod attributes;
mod draft;
mod idp_app;
mod journey;
mod providers;
mod session;
mod sp_values;

pub use journey::{step_number, step_title, STEPS};
pub use session::{describe_saved, Session};
pub use test_login::EvidenceState;

use crate::draft::Steps;
use crate::profiles::{IdpProfile, Profiles, SpProfile};
use apply::bounded;
use view::{Field, StepId, WizardView};

/// A text field longer than this is cut when it comes in (no valid value is anywhere near it).
pub const MAX_FIELD_CHARS: usize = 8192;

/// The wizard's state and rules, without storage (the CLI uses it to describe saved progress).
#[derive(Debug, Clone)]
pub struct Model {
    profiles: Profiles,
    /// What the admin typed or chosen in each step, valid or not.
    steps: Steps,
    current: StepId,
    /// The built-in demo IdP of this app run; `None` where there is none (the CLI describing saved progress).
    demo: Option<demo::DemoIdp>,
    import: metadata_import::ImportState,
    /// The secret store (AUTH_SECRET); `None` where there is none (the CLI), `Err` when the OS keychain is missing.
    secrets: Option<self_hosted::Keychain>,
    /// The saved step when it could not be resumed at opening, kept until the demo IdP and the keychain are attached
    /// (step 6's grants with the demo IdP, step 8's AUTH_SECRET) or the admin acts.
    resume_at: Option<StepId>,
    /// Where "now" comes from (certificate validity, test checks, time stamps).
    clock: clock::SharedClock,
    /// The last watch report with the IdP's metadata (the app runs it at start), for the summary's banner.
    watch: Option<(watch::Watched, watch::WatchReport)>,
    /// Practice mode's planted fault ([`practice`]); never saved.
    practice: Option<practice::Practice>,
}

impl Model {
    /// A fresh wizard at step 1.
    pub fn new(profiles: Profiles) -> Model {
        Model {
            profiles,
            steps: Steps::default(),
            current: StepId::Providers,
            demo: None,
            import: Default::default(),
            secrets: None,
            resume_at: None,
            clock: clock::system(),
            watch: None,
            practice: None,
        }
    }

    /// The time as the wizard's clock reads it.
    fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    pub fn current(&self) -> StepId {
        self.current
    }

    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    fn idp(&self) -> Option<&IdpProfile> {
        self.steps.providers.idp(&self.profiles)
    }

    fn sp(&self) -> Option<&SpProfile> {
        self.steps.providers.sp(&self.profiles)
    }

    fn sp_name(&self) -> &str {
        providers::sp_name(self.sp())
    }

    fn idp_name(&self) -> &str {
        providers::idp_name(self.idp())
    }

    /// Everything the UI needs, without notices.
    pub fn view(&self) -> WizardView {
        WizardView {
            steps: self.steps(),
            current: self.current,
            page: self.page(),
            notices: Vec::new(),
            practice: self.practice_view(),
        }
    }
}

#[cfg(test)]
mod tests;
