//! Step 7, Test login: a real sign-in checked rule by rule, whose evidence unlocks step 9 (Enforce).

pub mod export;

use std::path::Path;

use time::OffsetDateTime;

use super::view::{
    Action, AttributeArrival, Block, ClockView, ExchangeLeg, LegState, Party, ReportAttributeView,
    ReportCheckView, ReportFormat, Severity, StepId, TestReportView, TestWay, WizardView, XmlLine,
};
use super::{step_number, step_title, Model, Session};
use ssopilot_peers::test_login::evidence::{Evidence, TestedConfig};
use ssopilot_peers::test_login::{self as engine, IdpConfig, Received, TestLoginError};
use ssopilot_saml::response::{self, Fix, Policy, Report, DEFAULT_CLOCK_SKEW, SAML_NS};
use ssopilot_saml::values::{EntityId, IdpUrl};
use ssopilot_saml::xml::{self, Document, NodeId, NodeKind};

mod paste_check;
pub use paste_check::{PasteJob, PasteOutcome, CONFIGURATION_CHANGED};

/// Step 7 is built.
pub(super) const NOT_BUILT: Option<(&str, &str)> = None;

/// Where the test-login evidence stands for the configuration as it is now. Step 7 records it; step 9 reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceState {
    /// No passing test login is recorded.
    Missing,
    /// A passing test login for exactly the current configuration.
    Valid {
        user: String,
        /// RFC 3339, UTC.
        tested_at: String,
        /// SHA-256 of the certificate that verified the response, as the IdP portal shows it.
        certificate_sha256: String,
    },
    /// A passing test login for an earlier configuration; `changed` names what changed since (plain words).
    Stale {
        user: String,
        tested_at: String,
        changed: Vec<String>,
    },
}

/// RFC 3339 to the second (what a person reads; the evidence keeps the full time).
fn rfc3339(t: time::OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

impl Model {
    /// What a test login is checked against and what its evidence pins: the entity IDs, the ACS URL, step 5's
    /// certificate (the only one trusted) and the attribute map. `None` until all of them are usable.
    pub fn tested_config(&self) -> Option<TestedConfig> {
        if self.draft.idp_certificate_key_refusal.is_some() {
            return None;
        }
        let report = self.certificate_report();
        if !report.usable {
            return None;
        }
        Some(TestedConfig {
            idp_entity_id: self.idp_entity_id().ok()?,
            sp_entity_id: self.sp_entity_id().ok()?,
            acs_url: self.acs_url().ok()?,
            idp_certs: vec![report.der()?.to_vec()],
            attribute_map: self
                .attribute_rows()
                .into_iter()
                .map(|r| (r.sp_name.trim().to_string(), r.idp_name.trim().to_string()))
                .collect(),
        })
    }

    /// The recorded evidence, valid or not.
    pub fn evidence(&self) -> Option<&Evidence> {
        self.draft.evidence.as_ref()
    }

    /// The evidence for the configuration as it is now.
    pub fn evidence_state(&self) -> EvidenceState {
        let Some(evidence) = &self.draft.evidence else {
            return EvidenceState::Missing;
        };
        let user = evidence.user.clone();
        let tested_at = rfc3339(evidence.time);
        match self.tested_config() {
            Some(config) if evidence.is_valid_for(&config) => EvidenceState::Valid {
                user,
                tested_at,
                certificate_sha256: evidence.certificate_sha256.as_str().to_string(),
            },
            Some(config) => {
                let mut changed: Vec<String> = evidence
                    .changes(&config)
                    .into_iter()
                    .map(|c| c.label().to_string())
                    .collect();
                if changed.is_empty() {
                    changed.push("the configuration".into());
                }
                EvidenceState::Stale {
                    user,
                    tested_at,
                    changed,
                }
            }
            None => EvidenceState::Stale {
                user,
                tested_at,
                changed: vec!["the configuration, which is now incomplete".into()],
            },
        }
    }

    pub(super) fn test_login_problem(&self) -> Result<(), String> {
        match self.evidence_state() {
            EvidenceState::Valid { .. } => Ok(()),
            _ => Err("Run a test login that passes".into()),
        }
    }

    pub(super) fn test_login_page(&self) -> (String, Vec<Block>) {
        let sp = self.sp_name().to_string();
        let mut blocks = vec![self.evidence_callout()];
        if let Some(run) = &self.test.last {
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
        (
            format!(
                "A real sign-in through the configuration of steps 1 to 6, checked rule by rule. A test of this \
                 configuration that passes is recorded as evidence, and only that evidence unlocks step 9 \
                 (Enforce) in {sp}."
            ),
            blocks,
        )
    }

    fn evidence_callout(&self) -> Block {
        let (severity, text) = match self.evidence_state() {
            EvidenceState::Valid {
                user,
                tested_at,
                certificate_sha256,
            } => (
                Severity::Info,
                format!(
                    "Evidence recorded: {user} signed in at {tested_at} through this configuration (certificate \
                     SHA-256 {certificate_sha256}). It is the key to step 9 (Enforce)."
                ),
            ),
            EvidenceState::Stale {
                user,
                tested_at,
                changed,
            } => (
                Severity::Warning,
                format!(
                    "The test login of {user} at {tested_at} no longer counts: {} changed since. Test again with \
                     one of the ways below.",
                    join_words(&changed)
                ),
            ),
            EvidenceState::Missing => (
                Severity::Warning,
                "No test login of this configuration has passed yet: run one of the ways below.".to_string(),
            ),
        };
        Block::Callout { severity, text }
    }

    /// Whether the IdP signs the assertion itself (the demo IdP does; others when the admin confirmed it in step 3).
    fn require_signed_assertion(&self) -> bool {
        self.demo_chosen()
            || (self
                .idp()
                .is_some_and(|p| p.labels.sign_assertion.is_some())
                && self.draft.sign_assertion)
    }

    /// The validator's policy for a test of the configuration itself.
    fn policy_for(&self, config: &TestedConfig, request_id: Option<String>) -> Policy {
        let mut policy = Policy::new(
            config.idp_entity_id.clone(),
            config.idp_certs.clone(),
            config.sp_entity_id.clone(),
            config.acs_url.clone(),
            OffsetDateTime::now_utc(),
        );
        policy.allow_idp_initiated = request_id.is_none();
        policy.request_id = request_id;
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
        let user = self.draft.test_user.trim();
        if user.is_empty() {
            "the test user of step 6".into()
        } else {
            format!("the test user ({user})")
        }
    }

    /// Where the login window starts: with the demo IdP, an AuthnRequest for the configured SP (so InResponseTo is
    /// checked too); with any other IdP, its SSO URL of step 3 (IdP-initiated, as JumpCloud's IDP URL is).
    fn login_window_start(&self) -> Result<(String, Option<String>, String), String> {
        if let Some(why) = self.not_ready() {
            return Err(why);
        }
        let sso = self.idp_sso_url()?;
        let origin = origin_of(sso.as_str())?;
        if self.demo_chosen() {
            let config = self.tested_config().ok_or("Complete steps 1 to 5 first")?;
            let id = ssopilot_peers::demo_idp::mint::new_id().map_err(|e| e.to_string())?;
            let xml = engine::authn_request(
                &id,
                &config.sp_entity_id,
                &config.acs_url,
                &sso,
                OffsetDateTime::now_utc(),
            );
            let url = engine::redirect_url(&sso, &xml).map_err(|e| e.to_string())?;
            return Ok((url, Some(id), origin));
        }
        Ok((sso.as_str().to_string(), None, origin))
    }

    fn login_window_way(&self) -> Block {
        let sp = self.sp_name().to_string();
        let idp = self.idp_name().to_string();
        let acs = self.acs_label().to_string();
        let user = self.test_user_words();
        let window = self.test.window.as_ref();
        let mut steps = if self.demo_chosen() {
            vec![
                format!(
                    "Press Open the login window. It opens the demo IdP with a sign-in request for {} (your {} of \
                     step 2), as {sp} would send it.",
                    self.draft.sp_entity_id.trim(),
                    self.sp_entity_label()
                ),
                format!(
                    "Sign in as {user}; every demo user has the password {}.",
                    ssopilot_peers::demo_idp::directory::DEMO_PASSWORD
                ),
            ]
        } else {
            vec![
                format!(
                    "Press Open the login window. It opens {idp}'s {} of step 3 ({}), which signs you in and sends \
                     you on to {sp} (IdP-initiated).",
                    self.sso_url_label(),
                    self.draft.idp_sso_url.trim()
                ),
                format!("Sign in as {user}, with that account's {idp} password."),
            ]
        };
        steps.push(format!(
            "When {idp} sends the response back, SSO Pilot holds it before it reaches {sp}'s {acs} and checks it \
             against your configuration. The report appears on this page."
        ));
        steps.push(format!(
            "Then choose Continue to {sp} (the response goes on exactly as it was, so {sp} records the sign-in; SSO \
             must be enabled there, step 8) or Stop (the window closes and nothing reaches {sp})."
        ));
        Block::TestLoginWay {
            way: TestWay::LoginWindow,
            title: "Sign in through a login window (recommended)".into(),
            text: format!(
                "A real sign-in with {idp}, captured inside SSO Pilot: the same response {sp} would get."
            ),
            steps,
            start_label: if matches!(self.evidence_state(), EvidenceState::Stale { .. }) {
                "Test again: open the login window".into()
            } else {
                "Open the login window".into()
            },
            url: window.map(|w| w.url.clone()),
            running: window.is_some_and(|w| w.captured.is_none() && !w.continued),
            captured: window.is_some_and(|w| w.captured.is_some()),
            continue_label: Some(format!("Continue to {sp}")),
            unavailable: self.login_window_start().err(),
            note: format!(
                "Checked against your {} and {acs}: a pass is recorded as evidence and unlocks step 9 (Enforce).",
                self.sp_entity_label()
            ),
            value: String::new(),
            error: self.test.window_error.clone(),
        }
    }

    fn paste_way(&self) -> Block {
        let idp = self.idp_name();
        Block::TestLoginWay {
            way: TestWay::Paste,
            title: "Check a response you captured".into(),
            text: format!(
                "Paste a SAMLResponse captured with a SAML tracer or the browser's developer tools (Network tab: \
                 the POST to the {}): the base64 value, the URL-encoded form body, or the decoded XML.",
                self.acs_label()
            ),
            steps: vec![
                format!(
                    "Sign in to {} through {idp} with the developer tools open, and copy the SAMLResponse of the \
                     POST to the {}.",
                    self.sp_name(),
                    self.acs_label()
                ),
                "Paste it below and press Check this response.".into(),
            ],
            start_label: "Check this response".into(),
            url: None,
            running: self.paste_checking(),
            captured: false,
            continue_label: None,
            unavailable: self.not_ready(),
            note: "Which sign-in request a pasted response answers cannot be known, so InResponseTo and replay are \
                   not checked; everything else is, and a pass is recorded as evidence."
                .into(),
            value: self.test.paste.clone(),
            error: None,
        }
    }

    fn loopback_way(&self) -> Block {
        let idp = self.idp_name().to_string();
        let loopback = self.test.loopback.as_ref();
        let steps = if self.demo_chosen() {
            vec![
                "Press Start the test SP. SSO Pilot runs a small test SP on this computer, adds an application \
                 for it to the demo IdP and opens your web browser."
                    .into(),
                format!("Sign in as {} in the browser.", self.test_user_words()),
            ]
        } else {
            vec![
                format!(
                    "In {idp}, create a separate test application with the {} {} and the {} \
                     http://127.0.0.1:{LOOPBACK_PORT}{}, signed with the same certificate, and grant it to the test \
                     user's group.",
                    self.idp()
                        .map(|p| p.labels.sp_entity_id.as_str())
                        .unwrap_or("SP Entity ID"),
                    engine::DEFAULT_SP_ENTITY_ID,
                    self.idp()
                        .map(|p| p.labels.acs_url.as_str())
                        .unwrap_or("ACS URL"),
                    engine::ACS_PATH
                ),
                "Press Start the test SP: your web browser opens at the IdP with a sign-in request.".into(),
                format!("Sign in as {} in the browser.", self.test_user_words()),
            ]
        };
        Block::TestLoginWay {
            way: TestWay::Loopback,
            title: "Test the IdP side with SSO Pilot's test SP".into(),
            text: format!(
                "SSO Pilot plays the service provider on 127.0.0.1 and receives the response from {idp} itself, \
                 without {}.",
                self.sp_name()
            ),
            steps,
            start_label: "Start the test SP".into(),
            url: loopback.and_then(|l| l.acs_url.clone()),
            running: loopback.is_some(),
            captured: false,
            continue_label: None,
            unavailable: self.loopback_unavailable(),
            note: format!(
                "This proves the IdP side (certificate, {idp}'s entity ID, the user's attributes) but not your \
                 {} and {}: it uses SSO Pilot's own, so its pass does not unlock step 9 (Enforce).",
                self.sp_entity_label(),
                self.acs_label()
            ),
            value: String::new(),
            error: self.test.loopback_error.clone(),
        }
    }

    /// The ACS URL of the loopback test SP while it waits (the demo IdP's test application uses it).
    pub(super) fn loopback_acs(&self) -> Option<&str> {
        self.test
            .loopback
            .as_ref()
            .and_then(|l| l.acs_url.as_deref())
    }

    fn loopback_unavailable(&self) -> Option<String> {
        if let Some(why) = self.not_ready() {
            return Some(why);
        }
        if self.demo_chosen() && self.demo_running().is_none() {
            return Some("The demo IdP is not running.".into());
        }
        None
    }

    /// The IdP side of the loopback test SP, from steps 3 and 5.
    fn loopback_idp(&self) -> Result<IdpConfig, String> {
        if let Some(why) = self.loopback_unavailable() {
            return Err(why);
        }
        let config = self.tested_config().ok_or("Complete steps 1 to 5 first")?;
        let (entity_id, sso_url) = match self.demo_running() {
            Some(r) if self.demo_chosen() => (
                r.entity_id().clone(),
                IdpUrl::parse(&r.sso_url(), "SSO URL").map_err(|e| e.to_string())?,
            ),
            _ => (config.idp_entity_id.clone(), self.idp_sso_url()?),
        };
        Ok(IdpConfig {
            entity_id,
            sso_url,
            certs: config.idp_certs,
            require_signed_assertion: self.require_signed_assertion(),
            allow_sha1: false,
        })
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
        let received_at = OffsetDateTime::now_utc();
        let evidence = match source {
            Source::Loopback => Err(format!(
                "Not recorded as evidence: the test SP used SSO Pilot's own SP entity ID and ACS URL, so this \
                 proves the IdP side only. Step 9 (Enforce) needs a test of your {} and {}: use the login window \
                 or paste a response.{}",
                self.sp_entity_label(),
                self.acs_label(),
                self.evidence_still_stands()
            )),
            Source::LoginWindow | Source::Paste => match self.tested_config() {
                Some(config) => match Evidence::from_report(&report, &config, received_at) {
                    Ok(e) => {
                        let text = format!(
                            "Recorded as evidence: {} signed in through this configuration. It is the key to step 9 \
                             (Enforce).",
                            e.user
                        );
                        self.draft.evidence = Some(e);
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
        self.test.last = Some(Run {
            source,
            report,
            xml,
            received_at,
            not_evaluated,
            evidence,
            idp_initiated,
        });
    }

    /// Said after a result that is not evidence: an earlier pass of this configuration still counts.
    fn evidence_still_stands(&self) -> String {
        match self.evidence_state() {
            EvidenceState::Valid { user, tested_at, .. } => format!(
                " The earlier test login of {user} at {tested_at} still counts for this configuration."
            ),
            _ => String::new(),
        }
    }

    /// Validates a pasted response against the configuration (see [`paste_check`]).
    fn check_pasted(&mut self, text: String) -> Result<(), String> {
        self.check_paste_now(text)
    }

    fn save_report(&self, format: ReportFormat, path: &Path) -> Result<String, String> {
        let run = self
            .test
            .last
            .as_ref()
            .ok_or("There is no test-login report to save yet: run a test login first")?;
        let evidence = self.evidence().filter(|_| run.evidence.is_ok());
        let text = match format {
            ReportFormat::Markdown => crate::test_login::export::markdown(&run.report, evidence),
            ReportFormat::Html => crate::test_login::export::html(&run.report, evidence),
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
            Action::SaveTestReport { format, path } => {
                self.save_report(format, Path::new(&path)).map(Some)
            }
            _ => Ok(None),
        }
    }

    // ---- the report ---------------------------------------------------------------------------------------------

    fn report_view(&self, run: &Run) -> TestReportView {
        let report = &run.report;
        let failed = report.checks.iter().filter(|c| !c.ok).count();
        let headline = if report.valid {
            format!("Passed: all {} checks passed", report.checks.len())
        } else {
            format!(
                "Failed: {failed} of {} checks failed. Fix them where each one says, then test again.",
                report.checks.len()
            )
        };
        let mut checks: Vec<ReportCheckView> = report
            .checks
            .iter()
            .filter(|c| !c.ok)
            .chain(report.checks.iter().filter(|c| c.ok))
            .map(|c| ReportCheckView {
                id: c.id.clone(),
                ok: c.ok,
                message: c.message.clone(),
                expected: c.expected.clone(),
                found: c.found.clone(),
                hint: c.hint.clone(),
                step: StepId::for_fix(c.fix),
                step_number: step_number(StepId::for_fix(c.fix)),
                step_title: step_title(StepId::for_fix(c.fix)).to_string(),
                fix_elsewhere: !c.ok && c.fix != Fix::Capture,
            })
            .collect();
        checks.truncate(MAX_REPORT_ROWS);
        let (evidence_severity, evidence_note) = match &run.evidence {
            Ok(text) => (Severity::Info, text.clone()),
            Err(text) if run.source == Source::Loopback => (Severity::Warning, text.clone()),
            Err(text) => (Severity::Error, text.clone()),
        };
        let doc = run.xml.as_deref().and_then(|x| xml::parse(x).ok());
        TestReportView {
            passed: report.valid,
            source: run.source.label().into(),
            headline,
            evidence_note,
            evidence_severity,
            checks,
            not_evaluated: run.not_evaluated.clone(),
            attributes: self.attribute_arrivals(report),
            clock: doc.as_ref().map(|d| clock(d, run.received_at)),
            xml: doc.as_ref().map(|d| pretty(d, report)).unwrap_or_default(),
            xml_note: if report.signed.assertion || report.signed.response {
                "The highlighted part is covered by a signature that verified with your certificate; signature \
                 values and certificates are left out."
                    .into()
            } else {
                "No part of this response is covered by a signature that verified with your certificate.".into()
            },
            export_name: format!("ssopilot-test-login-{}", run.received_at.unix_timestamp()),
        }
    }

    /// The attributes as the SP will receive them, on step 4's names. The loopback test SP gets what the IdP's
    /// test application sends, so its names are compared the same way.
    fn attribute_arrivals(&self, report: &Report) -> Vec<ReportAttributeView> {
        let sp = self.sp_name().to_string();
        let mut seen: Vec<&str> = Vec::new();
        let mut rows: Vec<ReportAttributeView> = self
            .attribute_rows()
            .into_iter()
            .map(|row| {
                let name = row.sp_name.trim().to_string();
                let exact = report.attributes.get_key_value(&name);
                let folded = report
                    .attributes
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&name));
                let (received_as, values, arrival, note) = match (exact, folded) {
                    (Some((k, v)), _) => {
                        seen.push(k);
                        (Some(k.clone()), v.clone(), AttributeArrival::Received, None)
                    }
                    (None, Some((k, v))) => {
                        seen.push(k);
                        (
                            Some(k.clone()),
                            v.clone(),
                            AttributeArrival::WrongCase,
                            Some(format!(
                                "Sent as \"{k}\" but {sp} looks for \"{name}\": attribute names are case-sensitive. \
                                 Fix the name in the IdP application (step 4)."
                            )),
                        )
                    }
                    (None, None) => (
                        None,
                        Vec::new(),
                        AttributeArrival::Missing,
                        Some(format!(
                            "Not in the response: add {name} <- {} in the IdP application's attributes (step 4).",
                            row.idp_name.trim()
                        )),
                    ),
                };
                ReportAttributeView {
                    sp_name: name,
                    idp_name: row.idp_name.trim().to_string(),
                    received_as,
                    values,
                    arrival,
                    note,
                }
            })
            .collect();
        for (k, v) in &report.attributes {
            if !seen.contains(&k.as_str()) {
                rows.push(ReportAttributeView {
                    sp_name: String::new(),
                    idp_name: String::new(),
                    received_as: Some(k.clone()),
                    values: v.clone(),
                    arrival: AttributeArrival::NotMapped,
                    note: Some(format!("Not in the attribute map: {sp} ignores it.")),
                });
            }
        }
        rows.truncate(MAX_REPORT_ROWS);
        rows
    }

    fn exchange_block(&self, run: &Run) -> Block {
        let sp = self.sp_name().to_string();
        let idp = self.idp_name().to_string();
        let (sp_label, acs_label) = match run.source {
            Source::Loopback => (
                "SSO Pilot's test SP".to_string(),
                "Test SP's ACS".to_string(),
            ),
            _ => (sp.clone(), format!("{sp}'s {}", self.acs_label())),
        };
        let first_failure = |leg: &str| {
            run.report
                .checks
                .iter()
                .find(|c| !c.ok && leg_of(&c.id, StepId::for_fix(c.fix)) == leg)
                .map(|c| c.message.clone())
        };
        let mut legs = Vec::new();
        let mut leg = |id: &str, from: Party, to: Party, label: String| {
            let problem = first_failure(id);
            legs.push(ExchangeLeg {
                id: id.into(),
                from,
                to,
                label,
                state: if problem.is_some() {
                    LegState::Failed
                } else {
                    LegState::Done
                },
                problem,
            });
        };
        if !run.idp_initiated {
            leg(
                "request",
                Party::Sp,
                Party::Idp,
                "AuthnRequest, through the browser".into(),
            );
        }
        leg(
            "sign_in",
            Party::Browser,
            Party::Idp,
            format!("The user signs in at {idp}"),
        );
        leg(
            "response",
            Party::Idp,
            Party::Browser,
            "Signed SAMLResponse in an auto-posting form".into(),
        );
        leg(
            "post",
            Party::Browser,
            Party::Acs,
            match run.source {
                Source::LoginWindow => "POST to the ACS, held and checked by SSO Pilot".into(),
                Source::Paste => "POST to the ACS, captured by your tracer".into(),
                Source::Loopback => "POST to the test SP's ACS".into(),
            },
        );
        let failed: Vec<&str> = legs
            .iter()
            .filter(|l| l.state == LegState::Failed)
            .map(|l| l.label.as_str())
            .collect();
        Block::Exchange {
            idp_initiated: run.idp_initiated,
            sp_label,
            idp_label: idp,
            acs_label,
            caption: if failed.is_empty() {
                "Every leg of the exchange checked out.".into()
            } else {
                format!("Where it failed: {}.", join_words(&failed))
            },
            legs,
        }
    }
}

/// Which leg of the exchange a failed check belongs to: the request (InResponseTo), the sign-in (the IdP refused),
/// the post to the ACS (audience, recipient, destination: the SP's values), else the response the IdP made.
fn leg_of(id: &str, step: StepId) -> &'static str {
    match (id, step) {
        ("in_response_to" | "subject_in_response_to", _) => "request",
        (_, StepId::AssignUsers) => "sign_in",
        (_, StepId::SpValues) => "post",
        _ => "response",
    }
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

/// `scheme://host[:port]` of a URL: the only origin whose pages may hand a captured response to SSO Pilot.
fn origin_of(url: &str) -> Result<String, String> {
    let u = url::Url::parse(url).map_err(|_| format!("{url} is not a URL"))?;
    let origin = u.origin();
    if !origin.is_tuple() {
        return Err(format!("{url} has no web origin"));
    }
    Ok(origin.ascii_serialization())
}

/// A pasted or captured response larger than this is refused before decoding (base64 of the validator's 1 MiB).
pub const MAX_RESPONSE_BYTES: usize = 1536 * 1024;
/// At most this many checks, attributes or XML lines are shown.
const MAX_REPORT_ROWS: usize = 200;
const MAX_XML_LINES: usize = 400;
const MAX_XML_LINE_CHARS: usize = 240;

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
}

/// The login window in progress.
#[derive(Debug, Clone)]
struct WindowTest {
    id: u64,
    url: String,
    /// The AuthnRequest the response must answer (`None`: IdP-initiated).
    request_id: Option<String>,
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
    loopback: Option<LoopbackTest>,
    loopback_error: Option<String>,
    paste: String,
    /// The pasted response being checked on a worker thread, and the count that tells its outcome from older ones.
    paste_pending: Option<paste_check::PendingPaste>,
    paste_generation: u64,
    next_id: u64,
}

/// What the shell needs to open the login window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginWindowJob {
    pub id: u64,
    pub url: String,
    /// The only origin whose pages may send the captured response back (the IdP's).
    pub allowed_origin: String,
}

/// The loopback test SP's port with a real IdP: fixed, so the IdP's test application is set up once with
/// `http://127.0.0.1:8741/acs`. With the demo IdP (which SSO Pilot sets up itself) any free port is used.
pub const LOOPBACK_PORT: u16 = 8741;

/// What the shell needs to run the loopback test SP.
#[derive(Debug, Clone)]
pub struct LoopbackJob {
    pub id: u64,
    /// The port to listen on (0: any free one).
    pub port: u16,
    pub sp_entity_id: EntityId,
    pub idp: IdpConfig,
}

/// The decoded XML of a response as the validator reads it, when it decodes.
fn decoded_xml(input: &[u8]) -> Option<String> {
    ssopilot_saml::binding::decode(input, xml::DEFAULT_MAX_BYTES)
        .ok()
        .map(|d| d.xml)
}

fn clock(doc: &Document, checked_at: OffsetDateTime) -> ClockView {
    let root = doc.root();
    let instant = doc
        .element(root)
        .and_then(|e| e.attr("IssueInstant"))
        .map(str::trim)
        .map(str::to_string);
    let parsed = instant.as_deref().and_then(|s| {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
    });
    let allowed = DEFAULT_CLOCK_SKEW.whole_seconds();
    let difference = parsed.map(|t| (checked_at - t).whole_seconds());
    let ok = difference.is_some_and(|d| d.abs() <= allowed);
    let text = match difference {
        Some(d) if d.abs() <= allowed => format!(
            "The IdP's clock and this computer's agree within {} s (allowed: {allowed} s).",
            d.abs()
        ),
        Some(d) if d < 0 => format!(
            "The response was issued {} s in this computer's future (allowed: {allowed} s): one of the clocks is \
             wrong. Set both to network time (NTP).",
            -d
        ),
        Some(d) => format!(
            "The response was issued {d} s before it was checked (allowed: {allowed} s): it is old, or one of the \
             clocks is wrong. Set both to network time (NTP), and test with a fresh sign-in."
        ),
        None => "The response has no readable IssueInstant, so the clocks cannot be compared.".into(),
    };
    ClockView {
        checked_at: rfc3339(checked_at),
        issue_instant: instant,
        difference_seconds: difference,
        allowed_seconds: allowed,
        ok,
        text,
    }
}

/// The response pretty-printed, one element or text per line, the verified-signed element marked; signature values
/// and certificates left out (they are long and say nothing to a reader).
fn pretty(doc: &Document, report: &Report) -> Vec<XmlLine> {
    let root = doc.root();
    let signed_root: Option<NodeId> = if report.signed.response {
        Some(root)
    } else if report.signed.assertion {
        doc.elements().find(|n| {
            doc.element(*n).is_some_and(|e| e.is(SAML_NS, "Assertion"))
                && doc.parent(*n) == Some(root)
        })
    } else {
        None
    };
    let mut out = Vec::new();
    walk(doc, root, 0, signed_root, &mut out);
    if out.len() > MAX_XML_LINES {
        out.truncate(MAX_XML_LINES);
        out.push(XmlLine {
            depth: 0,
            text: "(the rest is left out)".into(),
            signed: false,
        });
    }
    out
}

fn cut(s: &str) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX_XML_LINE_CHARS {
        let head: String = one_line.chars().take(MAX_XML_LINE_CHARS).collect();
        format!("{head}…")
    } else {
        one_line
    }
}

fn walk(doc: &Document, id: NodeId, depth: u16, signed: Option<NodeId>, out: &mut Vec<XmlLine>) {
    if out.len() > MAX_XML_LINES {
        return;
    }
    let is_signed = signed.is_some_and(|s| s == id || doc.is_within(id, s));
    let line = |text: String| XmlLine {
        depth,
        text,
        signed: is_signed,
    };
    let Some(node) = doc.node(id) else {
        return;
    };
    match &node.kind {
        NodeKind::Element(e) => {
            let source = doc.source();
            let start = source
                .get(e.span.0..e.start_tag_end)
                .map(cut)
                .unwrap_or_else(|| format!("<{}>", e.qname()));
            let secret = e.ns.as_deref() == Some(ssopilot_saml::xmldsig::DS_NS)
                && matches!(
                    e.local.as_str(),
                    "SignatureValue" | "X509Certificate" | "DigestValue"
                );
            let children: Vec<NodeId> = doc
                .children(id)
                .iter()
                .copied()
                .filter(|c| match doc.node(*c).map(|n| &n.kind) {
                    Some(NodeKind::Text(t)) => !t.trim().is_empty(),
                    Some(NodeKind::Element(_)) => true,
                    _ => false,
                })
                .collect();
            let end = format!("</{}>", e.qname());
            if start.ends_with("/>") {
                out.push(line(start));
            } else if secret {
                out.push(line(format!("{start}(left out){end}")));
            } else if let [only] = children.as_slice() {
                match doc.node(*only).map(|n| &n.kind) {
                    Some(NodeKind::Text(t)) => out.push(line(format!("{start}{}{end}", cut(t)))),
                    _ => {
                        out.push(line(start));
                        walk(doc, *only, depth + 1, signed, out);
                        out.push(line(end));
                    }
                }
            } else if children.is_empty() {
                out.push(line(format!("{start}{end}")));
            } else {
                out.push(line(start));
                for c in children {
                    walk(doc, c, depth + 1, signed, out);
                }
                out.push(line(end));
            }
        }
        NodeKind::Text(t) => out.push(line(cut(t))),
        _ => {}
    }
}

// ---- what the shell drives -----------------------------------------------------------------------------------------

impl Session {
    /// Starts a login-window test: the view (with the window shown as waiting) and what the shell opens, or the
    /// view with the reason when it cannot start.
    pub fn start_login_window(&mut self) -> (WizardView, Option<LoginWindowJob>) {
        let m = &mut self.model;
        m.test.window_error = None;
        match m.login_window_start() {
            Ok((url, request_id, allowed_origin)) => {
                m.test.next_id += 1;
                let id = m.test.next_id;
                m.test.window = Some(WindowTest {
                    id,
                    url: url.clone(),
                    request_id,
                    captured: None,
                    continued: false,
                });
                (
                    self.view(),
                    Some(LoginWindowJob {
                        id,
                        url,
                        allowed_origin,
                    }),
                )
            }
            Err(why) => {
                m.test.window_error = Some(format!("The login window cannot open: {why}."));
                (self.view(), None)
            }
        }
    }

    /// The response the login window caught on its way to the ACS: validated against the configuration (and the
    /// window's AuthnRequest, when it made one). Returns whether it was accepted for checking (a second response,
    /// or one with no test running, is refused).
    pub fn login_window_captured(&mut self, saml_response: &str) -> bool {
        let m = &mut self.model;
        let Some(window) = m.test.window.as_mut() else {
            return false;
        };
        if window.captured.is_some() || window.continued {
            return false;
        }
        window.captured = Some(());
        // The request is answered once: a second response to it would be a replay.
        let request_id = window.request_id.take();
        let idp_initiated = request_id.is_none();
        if saml_response.len() > MAX_RESPONSE_BYTES {
            m.test.window_error = Some(format!(
                "The login window caught a response larger than {} KiB: it was refused unread.",
                MAX_RESPONSE_BYTES / 1024
            ));
            return true;
        }
        let Some(config) = m.tested_config() else {
            m.test.window_error =
                Some("The configuration became incomplete during the test.".into());
            return true;
        };
        let policy = m.policy_for(&config, request_id);
        let report = response::validate(saml_response.as_bytes(), &policy);
        let xml = decoded_xml(saml_response.as_bytes());
        let not_evaluated = if idp_initiated {
            vec![format!(
                "InResponseTo: the sign-in started at {} (IdP-initiated), so there is no request to compare",
                m.idp_name()
            )]
        } else {
            Vec::new()
        };
        m.record_run(
            Source::LoginWindow,
            report,
            xml,
            not_evaluated,
            idp_initiated,
        );
        self.save_if_changed();
        true
    }

    /// The admin chose Continue: the held form goes on to the SP. Returns whether a response was held.
    pub fn login_window_continue(&mut self) -> bool {
        match self.model.test.window.as_mut() {
            Some(w) if w.captured.is_some() => {
                w.captured = None;
                w.continued = true;
                true
            }
            _ => false,
        }
    }

    /// The login window closed (Stop, or the admin closed it). `id` names the window the shell opened, so a late
    /// close of an older window does not end a newer test.
    pub fn login_window_closed(&mut self, id: u64) -> WizardView {
        let t = &mut self.model.test;
        if t.window.as_ref().is_some_and(|w| w.id == id) {
            let caught = t
                .window
                .as_ref()
                .is_some_and(|w| w.captured.is_some() || w.continued);
            t.window = None;
            if !caught && t.window_error.is_none() {
                t.window_error = Some(
                    "The login window was closed before a response came back. Open it again and finish the \
                     sign-in."
                        .into(),
                );
            }
        }
        self.view()
    }

    /// The login window `id` could not open: why, in plain words.
    pub fn login_window_failed(&mut self, id: u64, why: &str) {
        let t = &mut self.model.test;
        if t.window.as_ref().is_some_and(|w| w.id == id) {
            t.window = None;
            t.window_error = Some(format!("The login window could not open: {why}."));
        }
    }

    /// Stop: the login window is closed by the shell; nothing reaches the SP.
    pub fn login_window_stopped(&mut self) -> WizardView {
        self.model.test.window = None;
        self.view()
    }

    /// Starts a loopback test: what the shell runs, or the view with the reason.
    pub fn start_loopback(&mut self) -> (WizardView, Option<LoopbackJob>) {
        let m = &mut self.model;
        m.test.loopback_error = None;
        let job = EntityId::parse(engine::DEFAULT_SP_ENTITY_ID, "SP Entity ID")
            .map_err(|e| e.to_string())
            .and_then(|sp| m.loopback_idp().map(|idp| (sp, idp)));
        match job {
            Ok((sp_entity_id, idp)) => {
                m.test.next_id += 1;
                let id = m.test.next_id;
                m.test.loopback = Some(LoopbackTest { id, acs_url: None });
                let port = if m.demo_chosen() { 0 } else { LOOPBACK_PORT };
                (
                    self.view(),
                    Some(LoopbackJob {
                        id,
                        port,
                        sp_entity_id,
                        idp,
                    }),
                )
            }
            Err(why) => {
                m.test.loopback_error = Some(format!("The test SP cannot start: {why}."));
                (self.view(), None)
            }
        }
    }

    /// The test SP listens at `acs_url`: shown while waiting; with the demo IdP, its application for the test SP
    /// is added.
    pub fn loopback_listening(
        &mut self,
        id: u64,
        acs_url: &ssopilot_saml::values::AcsUrl,
    ) -> WizardView {
        if let Some(l) = self.model.test.loopback.as_mut().filter(|l| l.id == id) {
            l.acs_url = Some(acs_url.to_string());
        }
        if let Some(n) = self.model.sync_demo() {
            self.notice(n.severity, n.text);
        }
        self.view()
    }

    /// The loopback test ended: its report, or why there is none (timeout, cancel, port taken).
    pub fn finish_loopback(
        &mut self,
        id: u64,
        result: Result<Received, TestLoginError>,
    ) -> WizardView {
        let m = &mut self.model;
        if m.test.loopback.as_ref().is_none_or(|l| l.id != id) {
            return self.view();
        }
        m.test.loopback = None;
        match result {
            Ok(received) => {
                let idp_initiated = received.report.check("in_response_to").is_none();
                m.record_run(
                    Source::Loopback,
                    received.report,
                    received.xml,
                    Vec::new(),
                    idp_initiated,
                )
            }
            Err(TestLoginError::Cancelled) => {}
            Err(e) => {
                m.test.loopback_error = Some(super::metadata_import::capitalise(&format!("{e}.")))
            }
        }
        if let Some(n) = self.model.sync_demo() {
            self.notice(n.severity, n.text);
        }
        self.view()
    }

    /// The loopback test `id` could not go on (the browser did not open...): why, in plain words.
    pub fn loopback_failed(&mut self, id: u64, why: &str) -> WizardView {
        if self
            .model
            .test
            .loopback
            .as_ref()
            .is_some_and(|l| l.id == id)
        {
            self.model.test.loopback = None;
            self.model.test.loopback_error =
                Some(super::metadata_import::capitalise(&format!("{why}.")));
        }
        self.view()
    }

    /// Cancel: the test SP stops waiting (the shell aborts it).
    pub fn cancel_loopback(&mut self) -> WizardView {
        self.model.test.loopback = None;
        if let Some(n) = self.model.sync_demo() {
            self.notice(n.severity, n.text);
        }
        self.view()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::assign_users::tests::to_assign_users;
    use super::super::certificate::tests::{cert_between, to_certificate};
    use super::super::tests::set;
    use super::super::view::{Action, StepId};
    use super::super::{fields, Session};
    use super::*;
    use crate::state::Store;
    use ssopilot_peers::test_login::evidence::EvidenceCheck;
    use ssopilot_saml::fingerprint::Fingerprint;

    /// Evidence as a passing test of `config` by `user` records it (the report itself is the test-login module's
    /// business).
    pub(crate) fn passing_as(config: &TestedConfig, user: &str) -> Evidence {
        let cert = Fingerprint::sha256(&config.idp_certs[0]);
        Evidence {
            user: user.into(),
            time: time::OffsetDateTime::now_utc(),
            idp_entity_id: config.idp_entity_id.clone(),
            sp_entity_id: config.sp_entity_id.clone(),
            acs_url: config.acs_url.clone(),
            certificate_sha256: cert.clone(),
            certificates_sha256: vec![cert],
            attribute_map_sha256: config.attribute_map_sha256(),
            config_hash: config.hash(),
            checks: vec![EvidenceCheck {
                id: "signature".into(),
                ok: true,
                message: "verified".into(),
            }],
        }
    }

    fn passing(config: &TestedConfig) -> Evidence {
        passing_as(config, "admin@example.com")
    }

    #[test]
    fn evidence_is_valid_for_the_tested_configuration_and_stale_after_a_certificate_change() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_assign_users(dir.path());
        assert_eq!(s.model().evidence_state(), EvidenceState::Missing);
        let config = s.model().tested_config().expect("steps 1-5 are complete");
        s.model.draft.evidence = Some(passing(&config));
        assert!(matches!(
            s.model().evidence_state(),
            EvidenceState::Valid { ref user, .. } if user == "admin@example.com"
        ));
        // Saved with the next change, and read back.
        set(&mut s, fields::USERS_ASSIGNED, "true");
        drop(s);
        let mut s = Session::open(Store::at(dir.path()));
        assert!(matches!(
            s.model().evidence_state(),
            EvidenceState::Valid { .. }
        ));
        // A new certificate makes it stale, and says why.
        s.apply(Action::GoTo {
            step: StepId::Certificate,
        });
        let (c, _) = cert_between(-2, 300);
        set(&mut s, fields::IDP_CERTIFICATE, &c.pem());
        match s.model().evidence_state() {
            EvidenceState::Stale { changed, .. } => {
                assert_eq!(changed, ["the IdP certificate"])
            }
            other => panic!("{other:?}"),
        }
        // No configuration, no evidence to speak of.
        let dir = tempfile::tempdir().unwrap();
        assert!(to_certificate(dir.path()).model().tested_config().is_none());
    }

    use super::super::tests::{ACS, IDP_URL, SP_ID};
    use base64::Engine as _;
    use ssopilot_peers::demo_idp::directory::Directory;
    use ssopilot_peers::demo_idp::key::IdpKey;
    use ssopilot_peers::demo_idp::mint::{self, App};

    fn key() -> &'static IdpKey {
        static KEY: std::sync::OnceLock<IdpKey> = std::sync::OnceLock::new();
        KEY.get_or_init(|| IdpKey::generate_ephemeral().expect("RSA key"))
    }

    /// Infisical on JumpCloud, steps 1 to 6 done with `key()`'s certificate, on step 7.
    pub(super) fn to_test_login(dir: &std::path::Path) -> Session {
        let mut s = to_certificate(dir);
        set(&mut s, fields::IDP_CERTIFICATE, &key().cert_pem());
        s.apply(Action::Next);
        set(&mut s, fields::USERS_ASSIGNED, "true");
        set(&mut s, fields::TEST_USER, "ada.lovelace@example.com");
        let v = s.apply(Action::Next);
        assert_eq!(v.current, StepId::TestLogin, "{:?}", v.page.next);
        s
    }

    /// A response as JumpCloud would sign it for the configuration of [`to_test_login`] (base64, as posted).
    pub(super) fn response(request_id: Option<&str>) -> String {
        let sp = ssopilot_saml::values::EntityId::parse(SP_ID, "x").unwrap();
        let acs = ssopilot_saml::values::AcsUrl::parse(ACS, "x").unwrap();
        let app = App::new(sp.clone(), acs, sp);
        let dir = Directory::demo().unwrap();
        let user = dir.user("ada.lovelace@example.com").unwrap().clone();
        let xml = mint::mint(&app, &user, request_id, key(), OffsetDateTime::now_utc()).unwrap();
        mint::post_value(&xml)
    }

    pub(super) fn report(v: &WizardView) -> &TestReportView {
        v.page
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::TestReport(r) => Some(r.as_ref()),
                _ => None,
            })
            .expect("a report on the page")
    }

    fn paste(s: &mut Session, text: &str) -> WizardView {
        s.apply(Action::CheckPastedResponse { text: text.into() })
    }

    #[test]
    fn a_passing_paste_records_evidence_and_a_certificate_change_makes_it_stale() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_test_login(dir.path());
        let v = s.view();
        assert!(!v.page.next.enabled);
        assert_eq!(
            v.page.next.reason.as_deref(),
            Some("Run a test login that passes")
        );
        let v = paste(&mut s, &response(None));
        let r = report(&v);
        assert!(
            r.passed,
            "{:?}",
            r.checks.iter().filter(|c| !c.ok).collect::<Vec<_>>()
        );
        assert!(
            r.evidence_note.starts_with("Recorded as evidence"),
            "{}",
            r.evidence_note
        );
        assert!(r
            .not_evaluated
            .iter()
            .any(|n| n.starts_with("InResponseTo")));
        assert!(r.not_evaluated.iter().any(|n| n.starts_with("Replay")));
        assert!(r.checks.iter().all(|c| c.id != "in_response_to"));
        // The assertion is signed and marked; signature values are left out.
        assert!(r
            .xml
            .iter()
            .any(|l| l.signed && l.text.contains("Assertion")));
        assert!(r
            .xml
            .iter()
            .any(|l| !l.signed && l.text.starts_with("<saml2p:Response")));
        assert!(r
            .xml
            .iter()
            .any(|l| l.text.contains("SignatureValue>(left out)<")));
        // The attributes arrive under Infisical's names.
        let email = r.attributes.iter().find(|a| a.sp_name == "email").unwrap();
        assert_eq!(email.arrival, AttributeArrival::Received);
        assert_eq!(email.values, ["ada.lovelace@example.com"]);
        assert!(r.clock.as_ref().unwrap().ok);
        assert!(v.page.next.enabled);
        assert!(
            matches!(s.model().evidence_state(), EvidenceState::Valid { ref user, .. } if user == "ada.lovelace@example.com")
        );
        let step7 = v.steps.iter().find(|x| x.id == StepId::TestLogin).unwrap();
        assert_eq!(step7.status, super::super::view::StepStatus::Complete);
        // A new certificate: the evidence is stale and the page says what changed.
        s.apply(Action::GoTo {
            step: StepId::Certificate,
        });
        let (c, _) = cert_between(-2, 300);
        set(&mut s, fields::IDP_CERTIFICATE, &c.pem());
        let v = s.apply(Action::GoTo {
            step: StepId::TestLogin,
        });
        assert!(!v.page.next.enabled);
        let stale = v.page.blocks.iter().any(|b| matches!(b, Block::Callout { severity: Severity::Warning, text } if text.contains("the IdP certificate changed since") && text.contains("Test again")));
        assert!(stale, "{:?}", v.page.blocks.first());
        assert!(v.page.blocks.iter().any(|b| matches!(b, Block::TestLoginWay { way: TestWay::LoginWindow, start_label, .. } if start_label.starts_with("Test again"))));
    }

    #[test]
    fn a_tampered_paste_fails_with_the_signature_check_and_its_fix_step() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_test_login(dir.path());
        let b64 = base64::engine::general_purpose::STANDARD;
        let xml = String::from_utf8(b64.decode(response(None)).unwrap()).unwrap();
        let tampered = xml.replacen("ada.lovelace@example.com", "grace.hopper@example.com", 1);
        assert_ne!(xml, tampered);
        let v = paste(&mut s, &b64.encode(tampered));
        let r = report(&v);
        assert!(!r.passed);
        assert!(!r.checks[0].ok, "failed checks come first");
        let sig = r
            .checks
            .iter()
            .find(|c| c.id == "signature_required")
            .unwrap();
        assert!(!sig.ok);
        assert_eq!((sig.step, sig.step_number), (StepId::Certificate, 5));
        assert!(sig.fix_elsewhere);
        // A failure fixed here (capture it again) gets no button to this same step.
        assert!(r
            .checks
            .iter()
            .filter(|c| c.step == StepId::TestLogin)
            .all(|c| !c.fix_elsewhere));
        assert!(
            r.evidence_note.starts_with("Not recorded as evidence"),
            "{}",
            r.evidence_note
        );
        assert_eq!(s.model().evidence_state(), EvidenceState::Missing);
        // The exchange picture marks the response leg.
        let failed = v.page.blocks.iter().find_map(|b| match b {
            Block::Exchange { legs, .. } => Some(
                legs.iter()
                    .filter(|l| l.state == LegState::Failed)
                    .map(|l| l.id.clone())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        });
        assert_eq!(failed, Some(vec!["response".to_string()]));
        // What was pasted is kept, and garbage or an oversized paste is said plainly.
        assert!(v.page.blocks.iter().any(|b| matches!(b, Block::TestLoginWay { way: TestWay::Paste, value, .. } if !value.is_empty())));
        let v = paste(&mut s, &"A".repeat(MAX_RESPONSE_BYTES + 1));
        assert!(v
            .notices
            .iter()
            .any(|n| n.text.contains("more than any sign-in response")));
    }

    #[test]
    fn a_response_for_another_sp_does_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_test_login(dir.path());
        let other = ssopilot_saml::values::EntityId::parse("urn:ssopilot:test-sp", "x").unwrap();
        let acs = ssopilot_saml::values::AcsUrl::parse("http://127.0.0.1:9/acs", "x").unwrap();
        let idp = ssopilot_saml::values::EntityId::parse(SP_ID, "x").unwrap();
        let app = App::new(other, acs, idp);
        let user = Directory::demo()
            .unwrap()
            .user("ada.lovelace@example.com")
            .unwrap()
            .clone();
        let xml = mint::mint(&app, &user, None, key(), OffsetDateTime::now_utc()).unwrap();
        let v = paste(&mut s, &mint::post_value(&xml));
        let r = report(&v);
        assert!(!r.passed);
        let audience = r.checks.iter().find(|c| c.id == "audience").unwrap();
        assert!(!audience.ok);
        assert_eq!(s.model().evidence_state(), EvidenceState::Missing);
    }

    #[test]
    fn the_login_window_checks_its_request_and_takes_one_response_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_test_login(dir.path());
        // Nothing is running: a capture is refused.
        assert!(!s.login_window_captured(&response(None)));
        let (_, job) = s.start_login_window();
        let job = job.expect("the window can open");
        // JumpCloud: its IDP URL, IdP-initiated; only its origin may hand the response back.
        assert_eq!(job.url, IDP_URL);
        assert_eq!(job.allowed_origin, "https://sso.jumpcloud.com");
        assert!(s.login_window_captured(&response(None)));
        assert!(
            !s.login_window_captured(&response(None)),
            "one response per window"
        );
        let v = s.view();
        assert!(report(&v).passed);
        assert!(matches!(
            s.model().evidence_state(),
            EvidenceState::Valid { .. }
        ));
        assert!(v.page.blocks.iter().any(|b| matches!(
            b,
            Block::TestLoginWay {
                way: TestWay::LoginWindow,
                captured: true,
                ..
            }
        )));
        assert!(s.login_window_continue());
        let v = s.login_window_closed(job.id);
        assert!(v.page.blocks.iter().any(|b| matches!(
            b,
            Block::TestLoginWay {
                way: TestWay::LoginWindow,
                running: false,
                captured: false,
                error: None,
                ..
            }
        )));
        // Saved with the evidence.
        let saved = Store::at(dir.path()).load().unwrap().unwrap();
        assert!(saved.test_evidence.is_some());
        // A later failing test (another SP's response pasted) leaves the evidence, and says so.
        let other =
            ssopilot_saml::values::EntityId::parse("https://other.example.com", "x").unwrap();
        let acs =
            ssopilot_saml::values::AcsUrl::parse("https://other.example.com/acs", "x").unwrap();
        let sp = ssopilot_saml::values::EntityId::parse(SP_ID, "x").unwrap();
        let user = Directory::demo()
            .unwrap()
            .user("ada.lovelace@example.com")
            .unwrap()
            .clone();
        let xml = mint::mint(
            &App::new(other, acs, sp),
            &user,
            None,
            key(),
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        let v = paste(&mut s, &mint::post_value(&xml));
        let note = &report(&v).evidence_note;
        assert!(
            note.starts_with("Not recorded as evidence") && note.contains("still counts"),
            "{note}"
        );
        assert!(v.page.next.enabled);
        // Stop ends a window test at once.
        let (_, job) = s.start_login_window();
        assert!(job.is_some());
        let v = s.login_window_stopped();
        assert!(v.page.blocks.iter().any(|b| matches!(
            b,
            Block::TestLoginWay {
                way: TestWay::LoginWindow,
                running: false,
                captured: false,
                ..
            }
        )));
    }

    #[test]
    fn a_passing_loopback_test_shows_its_report_but_never_unlocks_enforce() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_test_login(dir.path());
        let (_, job) = s.start_loopback();
        let job = job.expect("the test SP can start");
        assert_eq!(
            job.sp_entity_id.as_str(),
            ssopilot_peers::test_login::DEFAULT_SP_ENTITY_ID
        );
        let acs = ssopilot_saml::values::AcsUrl::parse("http://127.0.0.1:9/acs", "x").unwrap();
        s.loopback_listening(job.id, &acs);
        // What the test SP would validate: the IdP side against SSO Pilot's own SP values.
        let app = App::new(
            job.sp_entity_id.clone(),
            acs.clone(),
            job.idp.entity_id.clone(),
        );
        let user = Directory::demo()
            .unwrap()
            .user("ada.lovelace@example.com")
            .unwrap()
            .clone();
        let xml = mint::mint(&app, &user, None, key(), OffsetDateTime::now_utc()).unwrap();
        let mut policy = Policy::new(
            job.idp.entity_id.clone(),
            job.idp.certs.clone(),
            job.sp_entity_id.clone(),
            acs,
            OffsetDateTime::now_utc(),
        );
        policy.allow_idp_initiated = true;
        let report_in = response::validate(xml.as_bytes(), &policy);
        assert!(report_in.valid, "{:?}", report_in.failed());
        let v = s.finish_loopback(
            job.id,
            Ok(Received {
                xml: None,
                report: report_in,
                relay_state: None,
                received_at: OffsetDateTime::now_utc(),
            }),
        );
        let r = report(&v);
        assert!(r.passed);
        assert!(
            r.evidence_note.contains("does not unlock")
                || r.evidence_note.contains("proves the IdP side only"),
            "{}",
            r.evidence_note
        );
        assert_eq!(s.model().evidence_state(), EvidenceState::Missing);
        assert!(!v.page.next.enabled);
        // A timeout is said plainly and the way can start again.
        let (_, job) = s.start_loopback();
        let job = job.unwrap();
        let v = s.finish_loopback(
            job.id,
            Err(TestLoginError::Timeout {
                secs: 300,
                acs: "http://127.0.0.1:9/acs".into(),
                sp_entity_id: "urn:ssopilot:test-sp".into(),
            }),
        );
        assert!(v.page.blocks.iter().any(|b| matches!(b, Block::TestLoginWay { way: TestWay::Loopback, running: false, error: Some(e), .. } if e.starts_with("No response reached the test SP within 300 s"))));
    }

    #[test]
    fn the_report_is_exported_through_the_core() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = to_test_login(dir.path());
        let out = dir.path().join("report.md");
        let v = s.apply(Action::SaveTestReport {
            format: ReportFormat::Markdown,
            path: out.display().to_string(),
        });
        assert!(v
            .notices
            .iter()
            .any(|n| n.text.starts_with("There is no test-login report")));
        paste(&mut s, &response(None));
        s.apply(Action::SaveTestReport {
            format: ReportFormat::Markdown,
            path: out.display().to_string(),
        });
        let md = std::fs::read_to_string(&out).unwrap();
        assert!(md.contains("PASSED"), "{md}");
        assert!(md.contains("## Evidence"));
        let html_path = dir.path().join("report.html");
        s.apply(Action::SaveTestReport {
            format: ReportFormat::Html,
            path: html_path.display().to_string(),
        });
        assert!(std::fs::read_to_string(&html_path)
            .unwrap()
            .starts_with("<!DOCTYPE html>"));
    }

    /// The demo IdP (as the app runs it) with Infisical, steps 1 to 6 done, on step 7.
    fn demo_to_test_login(dir: &std::path::Path) -> Session {
        let mut s = Session::open(Store::at(dir));
        let pkcs8 = ssopilot_peers::secrets::SecretBytes::new(key().pkcs8().to_vec());
        s.attach_demo(super::super::demo::DemoIdp::start_with_key(
            IdpKey::from_pkcs8(pkcs8).unwrap(),
            0,
        ));
        set(&mut s, fields::SP_PROFILE, "infisical");
        s.apply(Action::Next);
        set(&mut s, fields::ACS_URL, ACS);
        set(&mut s, fields::SP_ENTITY_ID, SP_ID);
        for _ in 0..4 {
            s.apply(Action::Next);
        }
        s.apply(Action::SetGroupGrant {
            group: "Engineering".into(),
            granted: true,
        });
        set(&mut s, fields::TEST_USER, "ada.lovelace@example.com");
        let v = s.apply(Action::Next);
        assert_eq!(v.current, StepId::TestLogin, "{:?}", v.page.next);
        s
    }

    /// What a browser does at the demo IdP: open `url`, sign in, return the auto-posting form's SAMLResponse and
    /// where it posts.
    async fn sign_in_at_demo(url: &str) -> (String, String) {
        use ssopilot_peers::test_login::demo::{form_action, input_value, Browser};
        let browser = Browser::new().unwrap();
        let form = browser.get(url).await.unwrap();
        let token = input_value(&form.body, "token").expect("the login form");
        let base = url::Url::parse(url).unwrap().origin().ascii_serialization();
        let posted = browser
            .post_form(
                &format!("{base}/login"),
                &[
                    ("token", token.as_str()),
                    ("email", "ada.lovelace@example.com"),
                    (
                        "password",
                        ssopilot_peers::demo_idp::directory::DEMO_PASSWORD,
                    ),
                ],
            )
            .await
            .unwrap();
        (
            input_value(&posted.body, "SAMLResponse").expect("the auto-posting form"),
            form_action(&posted.body).unwrap(),
        )
    }

    #[test]
    fn with_the_demo_idp_the_login_window_and_the_loopback_test_sp_both_sign_in_for_real() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = demo_to_test_login(dir.path());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // The login window: an AuthnRequest for the configured SP; the response answers it and is caught.
        let (_, job) = s.start_login_window();
        let job = job.expect("the window can open");
        assert!(job.url.contains("SAMLRequest="), "{}", job.url);
        assert!(job.allowed_origin.starts_with("http://127.0.0.1:"));
        let (saml, acs) = rt.block_on(sign_in_at_demo(&job.url));
        assert_eq!(acs, ACS, "the response goes to the configured ACS");
        assert!(s.login_window_captured(&saml));
        let v = s.view();
        let r = report(&v);
        assert!(
            r.passed,
            "{:?}",
            r.checks.iter().filter(|c| !c.ok).collect::<Vec<_>>()
        );
        assert!(r.checks.iter().any(|c| c.id == "in_response_to" && c.ok));
        assert!(matches!(
            s.model().evidence_state(),
            EvidenceState::Valid { .. }
        ));
        s.login_window_closed(job.id);

        // The loopback test SP: the demo IdP gets an application for it while it waits; the pass is shown, and
        // the evidence is still the login window's.
        let before = s.model().evidence().cloned();
        let (_, job) = s.start_loopback();
        let job = job.expect("the test SP can start");
        let v = rt.block_on(async {
            let mut sp =
                ssopilot_peers::test_login::TestSp::bind_loopback(job.sp_entity_id, job.idp)
                    .await
                    .unwrap();
            let attempt = sp.start().unwrap();
            s.loopback_listening(job.id, sp.acs_url());
            let (saml, acs) = sign_in_at_demo(&attempt.url).await;
            assert_eq!(acs, sp.acs_url().as_str());
            let browser = ssopilot_peers::test_login::demo::Browser::new().unwrap();
            browser
                .post_form(&acs, &[("SAMLResponse", saml.as_str())])
                .await
                .unwrap();
            let got = sp.wait(std::time::Duration::from_secs(20)).await;
            s.finish_loopback(job.id, got)
        });
        let r = report(&v);
        assert!(
            r.passed,
            "{:?}",
            r.checks.iter().filter(|c| !c.ok).collect::<Vec<_>>()
        );
        assert_eq!(r.source, "SSO Pilot's test SP (loopback)");
        assert!(
            r.xml.iter().any(|l| l.signed),
            "the decoded response is shown, signed part marked"
        );
        assert!(r.evidence_note.starts_with("Not recorded as evidence"));
        assert_eq!(s.model().evidence(), before.as_ref());
    }
}
