//! Step 7, Test login: a real sign-in checked rule by rule, whose evidence unlocks step 9 (Enforce).

mod evidence;
pub mod export;
mod loopback;
mod paste;
mod paste_check;
mod paste_key;
mod report_view;
pub use report_view::AttributeSuggestionView;
mod window;

pub use evidence::EvidenceState;
pub use loopback::{LoopbackJob, LOOPBACK_PORT};
pub use paste_check::{PasteJob, PasteOutcome, CONFIGURATION_CHANGED};
pub(crate) use window::diagnose_page;
pub use window::{
    CaptureChecked, CaptureJob, CaptureStart, LoginWindowJob, SavedLoginChoice, SeenPage,
};

use crate::state::SavedState;
use std::path::Path;

use time::OffsetDateTime;

use super::view::{
    Action, AttributeArrival, Block, ClockView, ExchangeLeg, Field, LaunchLinkView, LegState,
    LoginStart, LoginStartOption, LoginStartView, Party, ReportAttributeView, ReportCheckView,
    ReportFormat, RequestView, Severity, StepId, TestReportView, TestWay, WizardView, XmlLine,
};
use super::{step_number, step_title, Model, Session};
use ssopilot_peers::test_login::encryption_key::{SpEncryptionKey, TEMPORARY_NOTE};
use ssopilot_peers::test_login::evidence::{Evidence, TestedConfig};
use ssopilot_peers::test_login::{self as engine, IdpConfig, Received, TestLoginError};
use ssopilot_saml::response::{
    self, Check, ClockReading, Expect, Fix, Policy, Report, Rule, SAML_NS,
};
use ssopilot_saml::values::{EntityId, IdpUrl};
use ssopilot_saml::xml::{self, Document, NodeId, NodeKind};

/// RFC 3339 to the second (what a person reads; the evidence keeps the full time).
fn rfc3339(t: time::OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// Step 7: the evidence and the login window's choices, which outlive the run, and the tests of this run.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    /// The last passing test login, kept even when it no longer matches (it then shows as stale).
    pub(crate) evidence: Option<Evidence>,
    /// How the login window starts (the way, the request's binding and signing, the launch link).
    choice: window::StartChoice,
    /// The tests in this run (reports, the login window, the loopback test SP); never saved.
    pub(crate) run: TestLoginState,
}

impl Draft {
    pub(crate) fn load(saved: &SavedState) -> Draft {
        Draft {
            evidence: saved.test_evidence.clone(),
            choice: window::StartChoice::load(saved.test_login_choice.as_ref()),
            run: TestLoginState::default(),
        }
    }
}

/// Evidence only ever records a pass; anything else was not written by SSO Pilot.
pub(crate) fn check_saved(saved: &SavedState) -> Result<(), String> {
    if let Some(evidence) = &saved.test_evidence {
        if evidence.checks.is_empty() || evidence.checks.iter().any(|c| !c.ok) {
            return Err("the saved test-login evidence records failed checks".into());
        }
    }
    if let Some(choice) = &saved.test_login_choice {
        window::check_saved_choice(choice)?;
    }
    Ok(())
}

pub(crate) fn save(model: &Model, previous: &SavedState, out: &mut SavedState) {
    out.test_evidence = model.steps.test_login.evidence.clone();
    out.test_login_choice = model
        .steps
        .test_login
        .choice
        .to_saved(previous.test_login_choice.as_ref());
}

impl Model {
    pub(super) fn test_login_problem(&self) -> Result<(), String> {
        match self.evidence_state() {
            EvidenceState::Valid { .. } => Ok(()),
            _ => Err("Run a test login that passes".into()),
        }
    }

    pub(super) fn test_login_page(&self) -> (String, Vec<Block>) {
        let sp = self.sp_name().to_string();
        let mut blocks = vec![self.evidence_callout()];
        if let Some(run) = &self.steps.test_login.run.last {
            blocks.push(self.exchange_block(run));
            blocks.push(Block::TestReport(Box::new(self.report_view(run))));
        }
        blocks.push(Block::Callout {
            severity: Severity::Info,
            text: format!(
                "A live test that goes on to {sp} needs SSO enabled in {sp} first. You can do step 8 (Enable) \
                 before this step and come back: step 8 does not wait for the test login, step 9 (Enforce) does."
            ),
        });
        blocks.push(self.login_window_way());
        blocks.push(self.paste_way());
        blocks.push(self.loopback_way());
        if self.demo_chosen() {
            blocks.push(self.demo_encrypt_checkbox());
        }
        (
            format!(
                "A real sign-in through the configuration of steps 1 to 6, checked rule by rule. A test of this \
                 configuration that passes is recorded as evidence, and only that evidence unlocks step 9 \
                 (Enforce) in {sp}."
            ),
            blocks,
        )
    }

    /// Whether the IdP signs the assertion itself (the demo IdP does; others when the admin confirmed it in step 3).
    fn require_signed_assertion(&self) -> bool {
        self.demo_chosen()
            || (self
                .idp()
                .is_some_and(|p| p.labels.sign_assertion.is_some())
                && self.steps.idp_app.sign_assertion)
    }

    /// The validator's policy for a test of the configuration itself.
    fn policy_for(&self, config: &TestedConfig, request_id: Option<String>) -> Policy {
        let mut policy = Policy::new(
            config.idp_entity_id.clone(),
            config.idp_certs.clone(),
            config.sp_entity_id.clone(),
            config.acs_url.clone(),
            self.now(),
        );
        policy.expect = ssopilot_saml::response::Expect::request_or_idp_initiated(request_id);
        policy.require_signed_assertion = self.require_signed_assertion();
        policy
    }

    fn not_ready(&self) -> Option<String> {
        if self.tested_config().is_some() {
            return None;
        }
        let why = super::STEPS
            .iter()
            .take_while(|s| **s != StepId::AssignUsers)
            .find_map(|s| self.step_problem(*s).err().map(|e| (*s, e)));
        Some(match why {
            Some((s, e)) => format!(
                "Complete step {} ({}) first: {e}",
                step_number(s),
                step_title(s)
            ),
            None => "Complete steps 1 to 5 first".into(),
        })
    }

    fn test_user_words(&self) -> String {
        let user = self.steps.assign_users.test_user.trim();
        if user.is_empty() {
            "the test user of step 6".into()
        } else {
            format!("the test user ({user})")
        }
    }

    /// Keeps a report and, for a test of the configuration itself that passed, records the evidence.
    fn record_run(
        &mut self,
        source: Source,
        report: Report,
        xml: Option<String>,
        not_evaluated: Vec<String>,
        idp_initiated: bool,
    ) {
        let received_at = self.now();
        let unusable = self.unusable_required_attributes(&report);
        let evidence = match source {
            _ if self.practicing() => Err(self.practice_evidence_refusal().unwrap_or_default()),
            Source::Loopback => Err(format!(
                "Not recorded as evidence: the test SP used SSO Pilot's own SP entity ID and ACS URL, so this \
                 proves the IdP side only. Step 9 (Enforce) needs a test of your {} and {}: use the login window \
                 or paste a response.{}",
                self.sp_entity_label(),
                self.acs_label(),
                self.evidence_still_stands()
            )),
            Source::LoginWindow | Source::Paste => match self.tested_config() {
                // The validator passed, but the SP could not sign this user in: what it must read did not arrive.
                Some(_) if !unusable.is_empty() => Err(format!(
                    "Not recorded as evidence: {} needs {}, which did not arrive under {} name. Fix the name in the \
                     IdP application (or the map in step 4), then test again.{}",
                    self.sp_name(),
                    unusable.join(", "),
                    if unusable.len() == 1 { "that" } else { "those" },
                    self.evidence_still_stands()
                )),
                Some(config) => match Evidence::from_report(&report, &config, received_at) {
                    Ok(e) => {
                        let text = format!(
                            "Recorded as evidence: {} signed in through this configuration. It is the key to step 9 \
                             (Enforce).",
                            e.user
                        );
                        self.steps.test_login.evidence = Some(e);
                        Ok(text)
                    }
                    Err(e) => Err(format!(
                        "Not recorded as evidence: {e}.{}",
                        self.evidence_still_stands()
                    )),
                },
                None => Err("Not recorded as evidence: the configuration is incomplete.".into()),
            },
        };
        self.steps.test_login.run.last = Some(Run {
            source,
            report,
            xml,
            received_at,
            not_evaluated,
            evidence,
            idp_initiated,
            how: None,
        });
    }

    fn save_report(&self, format: ReportFormat, path: &Path) -> Result<String, String> {
        let run = self
            .steps
            .test_login
            .run
            .last
            .as_ref()
            .ok_or("There is no test-login report to save yet: run a test login first")?;
        let evidence = self.evidence().filter(|_| run.evidence.is_ok());
        let key = run.source.decryption_key_words();
        let text = match format {
            ReportFormat::Markdown => export::markdown(&run.report, evidence, key),
            ReportFormat::Html => export::html(&run.report, evidence, key),
        };
        std::fs::write(path, text).map_err(|e| {
            format!(
                "The report could not be saved to {} ({e}): choose another folder",
                path.display()
            )
        })?;
        Ok(format!(
            "The test-login report was saved to {}.",
            path.display()
        ))
    }

    pub(super) fn apply_test_login(&mut self, action: Action) -> Result<Option<String>, String> {
        match action {
            Action::CheckPastedResponse { text } => self.check_pasted(text).map(|()| None),
            Action::ForgetPasteKey => Ok(self
                .forget_paste_key()
                .then(|| paste_key::FORGOTTEN.to_string())),
            Action::SaveTestReport { format, path } => {
                self.save_report(format, Path::new(&path)).map(Some)
            }
            choice @ (Action::SetLoginStart { .. }
            | Action::SetLoginRequest { .. }
            | Action::SetLaunchLink { .. }) => self.apply_login_choice(&choice).map(|()| None),
            _ => Ok(None),
        }
    }

    // ---- the report ---------------------------------------------------------------------------------------------
}

fn join_words<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter()
                .map(|s| s.as_ref())
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// A pasted or captured response larger than this is refused before decoding (base64 of the validator's 1 MiB).
pub const MAX_RESPONSE_BYTES: usize = 1536 * 1024;

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    LoginWindow,
    Loopback,
    Paste,
}

impl Source {
    fn label(self) -> &'static str {
        match self {
            Source::LoginWindow => "Login window",
            Source::Loopback => "SSO Pilot's test SP (loopback)",
            Source::Paste => "Pasted response",
        }
    }

    /// The key that decrypts an encrypted assertion from this source, as the report names it.
    pub(super) fn decryption_key_words(self) -> &'static str {
        match self {
            Source::Loopback => export::TEST_SP_KEY,
            Source::LoginWindow | Source::Paste => export::GIVEN_SP_KEY,
        }
    }
}

/// One checked response, as shown.
#[derive(Debug, Clone)]
pub(super) struct Run {
    source: Source,
    report: Report,
    /// The decoded XML, for the pretty-printed view.
    xml: Option<String>,
    received_at: OffsetDateTime,
    not_evaluated: Vec<String>,
    /// What happened to the evidence: recorded (`Ok`) or why not.
    evidence: Result<String, String>,
    idp_initiated: bool,
    /// How the login window's sign-in started, recorded with its report.
    how: Option<String>,
}

impl Model {
    /// The last test of this run, for the support bundle: where it came from, the decoded XML, its report (JSON).
    pub(crate) fn last_response(&self) -> Option<(String, Option<String>, serde_json::Value)> {
        let run = self.steps.test_login.run.last.as_ref()?;
        Some((
            run.source_label(),
            run.xml.clone(),
            export::json(&run.report),
        ))
    }
}

impl Run {
    /// Where the report came from and, for the login window, how the sign-in started.
    pub(super) fn source_label(&self) -> String {
        match &self.how {
            Some(how) => format!("{} ({how})", self.source.label()),
            None => self.source.label().into(),
        }
    }
}

/// The login window in progress.
#[derive(Debug, Clone)]
struct WindowTest {
    id: u64,
    /// What the view shows as opened.
    shown: String,
    /// The AuthnRequest the response must answer (`None`: IdP-initiated, or the SP's own request).
    request_id: Option<String>,
    start: LoginStart,
    /// "SP-initiated, HTTP-Redirect, unsigned": recorded with the report.
    how: String,
    /// The last page shown that was not a SAML response (an IdP's error page, when the sign-in stops there).
    last_page: Option<window::SeenPage>,
    /// The HTTP status of the last page the window loaded, with its URL, as the shell read it natively (some web
    /// views do not give it to the page's script): merged into `last_page` when the URLs match.
    last_status: Option<(String, u16)>,
    /// A response was captured and is held in the window.
    captured: Option<()>,
    continued: bool,
}

/// The loopback test SP in progress.
#[derive(Debug, Clone)]
struct LoopbackTest {
    id: u64,
    acs_url: Option<String>,
}

/// Step 7's state in this run of the app (never saved: only the evidence is).
#[derive(Debug, Clone, Default)]
pub(super) struct TestLoginState {
    last: Option<Run>,
    window: Option<WindowTest>,
    window_error: Option<String>,
    /// The test SP's request-signing key, once loaded from the keychain.
    sp_key: Option<std::sync::Arc<ssopilot_peers::test_login::key::SpKey>>,
    /// The demo IdP's "encrypt assertions" for the loopback test SP's application.
    demo_encrypt: bool,
    /// The loopback test SP's encryption key, once loaded from the keychain (or made for this run without one).
    sp_encryption_key: Option<std::sync::Arc<SpEncryptionKey>>,
    loopback: Option<LoopbackTest>,
    loopback_error: Option<String>,
    paste: String,
    /// The SP private key loaded for the next pasted-response check (in memory only, never saved).
    paste_key: Option<paste_key::PasteKey>,
    /// The pasted response being checked on a worker thread, and the count that tells its outcome from older ones.
    paste_pending: Option<paste_check::PendingPaste>,
    paste_generation: u64,
    next_id: u64,
}

impl TestLoginState {
    /// Forgets the last report (practice mode's runs are never mixed with real ones).
    pub(crate) fn forget_last(&mut self) {
        self.last = None;
    }

    /// Forgets the last report and the running login window, whose response is then refused (practice mode ended
    /// under it: what it catches came from the planted fault).
    pub(crate) fn forget_last_and_window(&mut self) {
        self.last = None;
        self.window = None;
    }

    pub(crate) fn window_open(&self) -> bool {
        self.window.is_some()
    }

    pub(crate) fn last_report(&self) -> Option<&Report> {
        self.last.as_ref().map(|r| &r.report)
    }
}

#[cfg(test)]
pub(crate) mod tests;
