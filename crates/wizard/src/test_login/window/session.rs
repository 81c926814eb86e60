//! The session's side of the login window: starting it, taking what it caught, and its end.

use super::*;

impl Session {
    /// Starts a login-window test: the view (with the window shown as waiting) and what the shell opens, or the
    /// view with the reason when it cannot start.
    pub fn start_login_window(&mut self) -> (WizardView, Option<LoginWindowJob>) {
        let m = &mut self.model;
        m.steps.test_login.run.window_error = None;
        let started = m.login_window_plan().and_then(|plan| {
            let key = match plan {
                Plan::Request { sign: true, .. } => Some(m.test_sp_key()?),
                _ => None,
            };
            m.login_window_start(key.as_deref())
        });
        match started {
            Ok(start) => {
                m.steps.test_login.run.next_id += 1;
                let id = m.steps.test_login.run.next_id;
                m.steps.test_login.run.window = Some(WindowTest {
                    id,
                    shown: start.shown,
                    request_id: start.request_id,
                    start: start.start,
                    how: start.how,
                    last_page: None,
                    last_status: None,
                    captured: None,
                    continued: false,
                });
                (
                    self.view(),
                    Some(LoginWindowJob {
                        id,
                        url: start.url,
                        post: start.post,
                        allowed_origin: start.allowed_origin,
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
        let start = window.start;
        let how = window.how.clone();
        let idp_initiated = start == LoginStart::IdpInitiated;
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
        let (not_evaluated, expect) = match start {
            LoginStart::IdpInitiated => (
                vec![format!(
                    "InResponseTo: the sign-in started at {} (IdP-initiated), so there is no request to compare",
                    m.idp_name()
                )],
                Expect::IdpInitiated,
            ),
            LoginStart::SpLoginPage => (
                vec![format!(
                    "InResponseTo: {} made the sign-in request itself, so only {} can compare it",
                    m.sp_name(),
                    m.sp_name()
                )],
                Expect::Unknown,
            ),
            LoginStart::SpInitiated => (
                Vec::new(),
                Expect::request_or_idp_initiated(request_id),
            ),
        };
        let mut policy = m.policy_for(&config, None);
        policy.expect = expect;
        CaptureStart::Check(Box::new(CaptureJob {
            window_id,
            policy,
            input: saml_response.to_string(),
            not_evaluated,
            idp_initiated,
            how,
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
        if let Some(run) = m.steps.test_login.run.last.as_mut() {
            run.how = Some(checked.how);
        }
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
            let page = t.window.as_ref().and_then(|w| w.last_page.clone());
            t.window = None;
            if !caught && t.window_error.is_none() {
                let said = page
                    .map(|p| self.model.page_words(&p))
                    .unwrap_or_else(|| " Open it again and finish the sign-in.".into());
                self.model.steps.test_login.run.window_error = Some(format!(
                    "The login window was closed before a response came back.{said}"
                ));
            }
        }
        self.view()
    }

    /// The login window test `id`, while it is the one running.
    fn window_test(&mut self, id: u64) -> Option<&mut WindowTest> {
        self.model
            .steps
            .test_login
            .run
            .window
            .as_mut()
            .filter(|w| w.id == id)
    }

    /// The login window `id` showed a page that was not a SAML response: kept, so that when the window closes
    /// without a response the report says what the page said and which step usually fixes it.
    pub fn login_window_page(&mut self, id: u64, page: SeenPage) {
        if let Some(w) = self.window_test(id) {
            let url = bounded(&page.url, 2 * MAX_PAGE_WORDS);
            let status = page.status.or_else(|| {
                w.last_status
                    .as_ref()
                    .filter(|(u, _)| *u == url)
                    .map(|(_, s)| *s)
            });
            w.last_page = Some(SeenPage {
                url,
                title: bounded(&page.title, MAX_PAGE_WORDS),
                text: bounded(&page.text, 4 * MAX_PAGE_WORDS),
                status,
            });
        }
    }

    /// The login window `id` finished loading `url` with HTTP `status`, as the shell read it from the web view
    /// (WebKitGTK does not give the status to the page's script). Kept with the page of the same URL, whichever of
    /// the two arrives first.
    pub fn login_window_status(&mut self, id: u64, url: &str, status: u16) {
        if !(100..=599).contains(&status) {
            return;
        }
        if let Some(w) = self.window_test(id) {
            let url = bounded(url, 2 * MAX_PAGE_WORDS);
            if let Some(page) = w.last_page.as_mut().filter(|p| p.url == url) {
                page.status = page.status.or(Some(status));
            }
            w.last_status = Some((url, status));
        }
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
        let window = self.model.steps.test_login.run.window.take();
        let stuck = window
            .filter(|w| w.captured.is_none() && !w.continued)
            .and_then(|w| w.last_page)
            .filter(|p| diagnose_page(p, self.model.idp_name()).is_some());
        if let Some(page) = stuck {
            let said = self.model.page_words(&page);
            self.model.steps.test_login.run.window_error = Some(format!(
                "The login window was stopped on an IdP page, not a response.{said}"
            ));
        }
        self.view()
    }
}
