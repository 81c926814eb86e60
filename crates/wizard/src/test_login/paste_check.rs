//! Step 7's pasted response, checked outside the session: the shell takes a [`PasteJob`] under the session lock,
//! releases the lock, runs [`PasteJob::run`] on a worker thread and hands the [`PasteOutcome`] back with
//! [`Session::finish_paste_check`]. Each check gets a generation number; the outcome is recorded only when it is the
//! check the session still waits for (not cancelled, not replaced by a newer paste) and the configuration it was
//! checked against is still the configuration: otherwise it is dropped and the admin is told why.

use super::super::view::{Severity, StepId, WizardView};
use super::super::{Model, Session};
use super::{Source, MAX_RESPONSE_BYTES};
use ssopilot_peers::test_login::evidence::TestedConfig;
use ssopilot_saml::response::{self, Expect, Flow, Policy, Report, Rule};

/// A pasted response to check, with everything the check needs (no reference to the session).
#[derive(Debug, Clone)]
pub struct PasteJob {
    pub generation: u64,
    text: String,
    policy: Policy,
}

/// What [`PasteJob::run`] found, for [`Session::finish_paste_check`].
#[derive(Debug, Clone)]
pub struct PasteOutcome {
    pub generation: u64,
    report: Report,
    xml: Option<String>,
    not_evaluated: Vec<String>,
    idp_initiated: bool,
}

/// The check the session waits for, and what it was started against.
#[derive(Debug, Clone)]
pub(super) struct PendingPaste {
    generation: u64,
    config: TestedConfig,
    require_signed_assertion: bool,
}

/// Said when an outcome is dropped because the configuration changed while it was checked.
pub const CONFIGURATION_CHANGED: &str =
    "The configuration changed while the pasted response was being checked, so \
     its result was not used: press Check this response again.";

impl PasteJob {
    /// Validates the response: the long part, run away from the UI thread and the session lock.
    pub fn run(&self) -> PasteOutcome {
        let input = self.text.trim().as_bytes();
        // The policy says InResponseTo cannot be known (Expect::Unknown): the validator leaves it out and alone
        // decides the verdict.
        let report = response::validate(input, &self.policy);
        let mut not_evaluated = Vec::new();
        if report.check(Rule::ResponseRoot).is_some() {
            not_evaluated.push(
                "InResponseTo: which sign-in request a pasted response answers cannot be known, so it is not \
                 compared"
                    .to_string(),
            );
        }
        not_evaluated.push(
            "Replay: SSO Pilot has not seen how often this response was used, so replay is not checked".into(),
        );
        let xml = report.decoded_xml().map(str::to_string);
        let idp_initiated = report.flow().is_none_or(|f| f == Flow::IdpInitiated);
        PasteOutcome {
            generation: self.generation,
            report,
            xml,
            not_evaluated,
            idp_initiated,
        }
    }
}

impl Model {
    /// The policy a response captured outside a test login is checked with (a pasted one, a support bundle's):
    /// the configuration's, except that InResponseTo is not compared, since which request it answers cannot be
    /// known (the validator leaves it out and alone decides the verdict).
    pub(crate) fn captured_policy(&self, config: &TestedConfig) -> Policy {
        let mut policy = self.policy_for(config, None);
        policy.expect = Expect::Unknown;
        policy
    }

    /// Checks a response captured outside a test login (a file given to `ssopilot bundle --response`) against the
    /// configuration, as a pasted one is: the report, or why the configuration cannot check one yet.
    pub(crate) fn check_captured(&self, input: &[u8]) -> Result<Report, String> {
        let config = self
            .tested_config()
            .ok_or_else(|| self.not_ready().unwrap_or_default())?;
        Ok(response::validate(input, &self.captured_policy(&config)))
    }

    /// Keeps the pasted text and makes the job that checks it; this check replaces any check still running.
    pub(super) fn start_paste(&mut self, text: String) -> Result<PasteJob, String> {
        if self.current != StepId::TestLogin {
            return Err(
                "Pasted responses are checked on step 7 (Test login); nothing was changed".into(),
            );
        }
        if text.len() > MAX_RESPONSE_BYTES {
            return Err(format!(
                "The pasted text is larger than {} KiB, more than any sign-in response: copy only the \
                 SAMLResponse value",
                MAX_RESPONSE_BYTES / 1024
            ));
        }
        // Whatever happens next, an older check is no longer wanted.
        self.steps.test_login.run.paste_generation += 1;
        self.steps.test_login.run.paste_pending = None;
        self.steps.test_login.run.paste = text;
        if self.steps.test_login.run.paste.trim().is_empty() {
            return Err("Paste a SAMLResponse first, then press Check this response".into());
        }
        let config = self
            .tested_config()
            .ok_or_else(|| self.not_ready().unwrap_or_default())?;
        let mut policy = self.captured_policy(&config);
        // A loaded SP key serves this one check and goes with it.
        policy.decryption_keys = self.take_paste_key().into_iter().collect();
        let generation = self.steps.test_login.run.paste_generation;
        self.steps.test_login.run.paste_pending = Some(PendingPaste {
            generation,
            config,
            require_signed_assertion: policy.require_signed_assertion,
        });
        Ok(PasteJob {
            generation,
            text: self.steps.test_login.run.paste.clone(),
            policy,
        })
    }

    /// Records the outcome if it is the check the session waits for. `Ok(false)`: dropped silently (cancelled or
    /// replaced); `Err`: dropped, with the reason for the admin.
    pub(super) fn finish_paste(&mut self, outcome: PasteOutcome) -> Result<bool, String> {
        let Some(pending) = self
            .steps
            .test_login
            .run
            .paste_pending
            .take_if(|p| p.generation == outcome.generation)
        else {
            return Ok(false);
        };
        let unchanged = self.tested_config().as_ref() == Some(&pending.config)
            && self.require_signed_assertion() == pending.require_signed_assertion;
        if !unchanged {
            return Err(CONFIGURATION_CHANGED.into());
        }
        self.record_run(
            Source::Paste,
            outcome.report,
            outcome.xml,
            outcome.not_evaluated,
            outcome.idp_initiated,
        );
        Ok(true)
    }

    /// Checks a pasted response in place (the wizard's action, for callers without a worker thread).
    pub(super) fn check_paste_now(&mut self, text: String) -> Result<(), String> {
        let job = self.start_paste(text)?;
        let outcome = job.run();
        self.finish_paste(outcome).map(|_| ())
    }

    /// Whether a pasted response is being checked now.
    pub(super) fn paste_checking(&self) -> bool {
        self.steps.test_login.run.paste_pending.is_some()
    }
}

impl Session {
    /// Starts checking a pasted response: the view (showing the check as running) and the job the shell runs, or
    /// the view with a notice saying why there is nothing to check.
    pub fn start_paste_check(&mut self, text: String) -> (WizardView, Option<PasteJob>) {
        self.model.resume_at = None;
        let job = match self.model.start_paste(text) {
            Ok(job) => Some(job),
            Err(why) => {
                self.notice(Severity::Error, why);
                None
            }
        };
        (self.view(), job)
    }

    /// Records a finished check if the session still waits for it (see the module's doc); the view either way.
    pub fn finish_paste_check(&mut self, outcome: PasteOutcome) -> WizardView {
        match self.model.finish_paste(outcome) {
            Ok(true) => self.save_if_changed(),
            Ok(false) => {}
            Err(why) => self.notice(Severity::Warning, why),
        }
        self.view()
    }

    /// Cancel: the running check's result will be dropped; the pasted text is kept.
    pub fn cancel_paste_check(&mut self) -> WizardView {
        if self
            .model
            .steps
            .test_login
            .run
            .paste_pending
            .take()
            .is_some()
        {
            self.model.steps.test_login.run.paste_generation += 1;
        }
        self.view()
    }

    /// The check `generation` stopped without an outcome (an internal error): it is no longer awaited, and the
    /// admin is told.
    pub fn paste_check_failed(&mut self, generation: u64) -> WizardView {
        let pending = &mut self.model.steps.test_login.run.paste_pending;
        if pending.take_if(|p| p.generation == generation).is_some() {
            self.notice(
                Severity::Error,
                "The pasted response could not be checked (an internal error): press Check this response again."
                    .into(),
            );
        }
        self.view()
    }

    /// Whether a pasted response is being checked now (the shell's Cancel and the view's progress).
    pub fn paste_checking(&self) -> bool {
        self.model.paste_checking()
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::certificate::tests::cert_between;
    use super::super::super::tests::set;
    use super::super::super::view::Field;
    use super::super::super::view::{Action, Block, TestWay};
    use super::super::tests::{report, response, to_test_login};
    use super::*;

    fn paste_running(v: &WizardView) -> bool {
        v.page
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::TestLoginWay { way, running, .. } if *way == TestWay::Paste => {
                    Some(*running)
                }
                _ => None,
            })
            .expect("the paste way is on the page")
    }

    fn has_report(v: &WizardView) -> bool {
        v.page
            .blocks
            .iter()
            .any(|b| matches!(b, Block::TestReport(_)))
    }

    #[test]
    fn a_check_runs_apart_from_the_session_and_its_outcome_is_recorded_when_still_awaited() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_test_login(dir.path());
        let text = response(None);
        let (v, job) = s.start_paste_check(text.clone());
        let job = job.expect("a job to run");
        assert!(paste_running(&v), "the view shows the check as running");
        assert!(s.paste_checking());
        // The job owns what it needs: the session is not borrowed while it runs.
        let outcome = std::thread::spawn(move || job.run()).join().unwrap();
        let v = s.finish_paste_check(outcome);
        assert!(!paste_running(&v));
        assert!(report(&v).passed);
        assert!(matches!(
            s.model().evidence_state(),
            super::super::EvidenceState::Valid { .. }
        ));
        // The pasted text is kept.
        assert!(v.page.blocks.iter().any(
            |b| matches!(b, Block::TestLoginWay { way: TestWay::Paste, value, .. } if *value == text)
        ));
    }

    #[test]
    fn an_outcome_of_a_replaced_or_cancelled_check_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_test_login(dir.path());
        // Replaced: a second paste while the first is checked; the first outcome arrives late.
        let (_, first) = s.start_paste_check(response(None));
        let (_, second) = s.start_paste_check("not a response".into());
        let (first, second) = (first.unwrap(), second.unwrap());
        assert!(second.generation > first.generation);
        let v = s.finish_paste_check(first.run());
        assert!(!has_report(&v), "the older check's pass must not be shown");
        assert!(paste_running(&v), "the newer check still runs");
        let v = s.finish_paste_check(second.run());
        assert!(!report(&v).passed);
        assert_eq!(
            s.model().evidence_state(),
            super::super::EvidenceState::Missing
        );

        // Cancelled: the outcome is dropped, nothing is recorded, the text stays.
        let (_, job) = s.start_paste_check(response(None));
        let job = job.unwrap();
        let v = s.cancel_paste_check();
        assert!(!paste_running(&v));
        let v = s.finish_paste_check(job.run());
        assert!(!report(&v).passed, "still the earlier failing report");
        assert_eq!(
            s.model().evidence_state(),
            super::super::EvidenceState::Missing
        );
        // A finished outcome delivered twice counts once: the second is not awaited any more.
        let (_, job) = s.start_paste_check(response(None));
        let outcome = job.unwrap().run();
        s.finish_paste_check(outcome.clone());
        assert!(!s.paste_checking());
        let before = s.model().evidence().cloned();
        s.finish_paste_check(outcome);
        assert_eq!(s.model().evidence().cloned(), before);
    }

    #[test]
    fn an_outcome_checked_against_a_configuration_changed_meanwhile_is_dropped_with_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_test_login(dir.path());
        let (_, job) = s.start_paste_check(response(None));
        let job = job.unwrap();
        // Meanwhile the admin replaces the IdP certificate in step 5.
        s.apply(Action::GoTo {
            step: StepId::Certificate,
        });
        let (other, _) = cert_between(-1, 300);
        set(&mut s, Field::IdpCertificate, &other.pem());
        let v = s.finish_paste_check(job.run());
        assert!(
            !has_report(&v),
            "a pass against the old certificate is not shown"
        );
        assert_eq!(
            s.model().evidence_state(),
            super::super::EvidenceState::Missing
        );
        assert!(v.notices.iter().any(|n| n.text == CONFIGURATION_CHANGED));
        assert!(!s.paste_checking());
    }

    #[test]
    fn nothing_to_check_is_said_plainly_and_starts_no_job() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_test_login(dir.path());
        let (v, job) = s.start_paste_check("   ".into());
        assert!(job.is_none());
        assert!(!paste_running(&v));
        assert!(v
            .notices
            .iter()
            .any(|n| n.text.starts_with("Paste a SAMLResponse first")));
        let (v, job) = s.start_paste_check("A".repeat(MAX_RESPONSE_BYTES + 1));
        assert!(job.is_none());
        assert!(v.notices.iter().any(|n| n.text.contains("larger than")));
    }
}
