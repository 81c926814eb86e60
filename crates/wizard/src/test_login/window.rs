//! The login window: the shell opens the IdP's sign-in in a window of the app and hands back the response it
//! captured, which answers the request the wizard made.

use super::*;

/// What the shell needs to open the login window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginWindowJob {
    pub id: u64,
    pub url: String,
    /// The only origin whose pages may send the captured response back (the IdP's).
    pub allowed_origin: String,
}

/// What [`Session::login_window_capture_job`] decided.
#[derive(Debug)]
pub enum CaptureStart {
    /// No test is waiting for a response, or it already has one.
    Refused,
    /// Taken, and answered without a check (too large, configuration incomplete): the view says why.
    Done,
    /// To be checked with [`CaptureJob::run`], outside the session lock.
    Check(Box<CaptureJob>),
}

/// Everything checking a caught response needs, apart from the session.
#[derive(Debug)]
pub struct CaptureJob {
    window_id: u64,
    policy: Policy,
    input: String,
    not_evaluated: Vec<String>,
    idp_initiated: bool,
}

/// A checked capture, for [`Session::login_window_capture_checked`].
#[derive(Debug)]
pub struct CaptureChecked {
    window_id: u64,
    report: Report,
    xml: Option<String>,
    not_evaluated: Vec<String>,
    idp_initiated: bool,
}

impl CaptureJob {
    /// Validates the response: the only costly part, with no session borrowed.
    pub fn run(self) -> CaptureChecked {
        let report = response::validate(self.input.as_bytes(), &self.policy);
        let xml = report.decoded_xml().map(str::to_string);
        CaptureChecked {
            window_id: self.window_id,
            report,
            xml,
            not_evaluated: self.not_evaluated,
            idp_initiated: self.idp_initiated,
        }
    }
}

impl Model {
    /// Where the login window starts: with the demo IdP, an AuthnRequest for the configured SP (so InResponseTo is
    /// checked too); with any other IdP, its SSO URL of step 3 (IdP-initiated, as JumpCloud's IDP URL is).
    pub(super) fn login_window_start(&self) -> Result<(String, Option<String>, String), String> {
        if let Some(why) = self.not_ready() {
            return Err(why);
        }
        let sso = self.steps.idp_app.idp_sso_url(self.idp())?;
        let origin = origin_of(sso.as_str())?;
        if self.demo_chosen() {
            let config = self.tested_config().ok_or("Complete steps 1 to 5 first")?;
            let id = ssopilot_peers::demo_idp::mint::new_id().map_err(|e| e.to_string())?;
            let xml =
                engine::authn_request(&id, &config.sp_entity_id, &config.acs_url, &sso, self.now());
            let url = engine::redirect_url(&sso, &xml).map_err(|e| e.to_string())?;
            return Ok((url, Some(id), origin));
        }
        Ok((sso.as_str().to_string(), None, origin))
    }

    pub(super) fn login_window_way(&self) -> Block {
        let sp = self.sp_name().to_string();
        let idp = self.idp_name().to_string();
        let acs = self.acs_label().to_string();
        let user = self.test_user_words();
        let window = self.steps.test_login.run.window.as_ref();
        let mut steps = if self.demo_chosen() {
            vec![
                format!(
                    "Press Open the login window. It opens the demo IdP with a sign-in request for {} (your {} of \
                     step 2), as {sp} would send it.",
                    self.steps.sp_values.sp_entity_id.trim(),
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
                    self.steps.idp_app.idp_sso_url.trim()
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
            error: self.steps.test_login.run.window_error.clone(),
        }
    }
}

/// `scheme://host[:port]` of a URL: the only origin whose pages may hand a captured response to SSO Pilot.
pub(super) fn origin_of(url: &str) -> Result<String, String> {
    let u = url::Url::parse(url).map_err(|_| format!("{url} is not a URL"))?;
    let origin = u.origin();
    if !origin.is_tuple() {
        return Err(format!("{url} has no web origin"));
    }
    Ok(origin.ascii_serialization())
}

// ---- what the shell drives -----------------------------------------------------------------------------------------

impl Session {
    /// Starts a login-window test: the view (with the window shown as waiting) and what the shell opens, or the
    /// view with the reason when it cannot start.
    pub fn start_login_window(&mut self) -> (WizardView, Option<LoginWindowJob>) {
        let m = &mut self.model;
        m.steps.test_login.run.window_error = None;
        match m.login_window_start() {
            Ok((url, request_id, allowed_origin)) => {
                m.steps.test_login.run.next_id += 1;
                let id = m.steps.test_login.run.next_id;
                m.steps.test_login.run.window = Some(WindowTest {
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
                m.steps.test_login.run.window_error =
                    Some(format!("The login window cannot open: {why}."));
                (self.view(), None)
            }
        }
    }

    /// The response the login window caught on its way to the ACS: validated against the configuration (and the
    /// window's AuthnRequest, when it made one). Returns whether it was accepted for checking (a second response,
    /// or one with no test running, is refused). Validates while `self` is borrowed: the shell uses
    /// [`Session::login_window_capture_job`] instead, to validate outside the session lock.
    pub fn login_window_captured(&mut self, saml_response: &str) -> bool {
        match self.login_window_capture_job(saml_response) {
            CaptureStart::Refused => false,
            CaptureStart::Done => true,
            CaptureStart::Check(job) => {
                let checked = job.run();
                self.login_window_capture_checked(checked);
                true
            }
        }
    }

    /// Takes what checking a caught response needs, and marks the window's response as caught (a second one is
    /// refused: it would be a replay). Cheap: the check itself is [`CaptureJob::run`], which needs no session.
    pub fn login_window_capture_job(&mut self, saml_response: &str) -> CaptureStart {
        let m = &mut self.model;
        let Some(window) = m.steps.test_login.run.window.as_mut() else {
            return CaptureStart::Refused;
        };
        if window.captured.is_some() || window.continued {
            return CaptureStart::Refused;
        }
        window.captured = Some(());
        let window_id = window.id;
        // The request is answered once: a second response to it would be a replay.
        let request_id = window.request_id.take();
        let idp_initiated = request_id.is_none();
        if saml_response.len() > MAX_RESPONSE_BYTES {
            m.steps.test_login.run.window_error = Some(format!(
                "The login window caught a response larger than {} KiB: it was refused unread.",
                MAX_RESPONSE_BYTES / 1024
            ));
            return CaptureStart::Done;
        }
        let Some(config) = m.tested_config() else {
            m.steps.test_login.run.window_error =
                Some("The configuration became incomplete during the test.".into());
            return CaptureStart::Done;
        };
        let not_evaluated = if idp_initiated {
            vec![format!(
                "InResponseTo: the sign-in started at {} (IdP-initiated), so there is no request to compare",
                m.idp_name()
            )]
        } else {
            Vec::new()
        };
        CaptureStart::Check(Box::new(CaptureJob {
            window_id,
            policy: m.policy_for(&config, request_id),
            input: saml_response.to_string(),
            not_evaluated,
            idp_initiated,
        }))
    }

    /// Records a checked capture, if its login window is still the running one (a new test started meanwhile
    /// drops it).
    pub fn login_window_capture_checked(&mut self, checked: CaptureChecked) {
        let m = &mut self.model;
        if m.steps
            .test_login
            .run
            .window
            .as_ref()
            .is_none_or(|w| w.id != checked.window_id)
        {
            return;
        }
        m.record_run(
            Source::LoginWindow,
            checked.report,
            checked.xml,
            checked.not_evaluated,
            checked.idp_initiated,
        );
        self.save_if_changed();
    }

    /// The admin chose Continue: the held form goes on to the SP. Returns whether a response was held.
    pub fn login_window_continue(&mut self) -> bool {
        match self.model.steps.test_login.run.window.as_mut() {
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
        let t = &mut self.model.steps.test_login.run;
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
        let t = &mut self.model.steps.test_login.run;
        if t.window.as_ref().is_some_and(|w| w.id == id) {
            t.window = None;
            t.window_error = Some(format!("The login window could not open: {why}."));
        }
    }

    /// Stop: the login window is closed by the shell; nothing reaches the SP.
    pub fn login_window_stopped(&mut self) -> WizardView {
        self.model.steps.test_login.run.window = None;
        self.view()
    }
}
