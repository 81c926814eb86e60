//! The loopback test SP: a sign-in to a test SP on this machine, which shows the IdP works but never counts as
//! evidence for the real SP.

use super::*;

/// The loopback test SP's port with a real IdP: fixed, so the IdP's test application is set up once with
/// `http://127.0.0.1:8741/acs`. With the demo IdP (which SSO Pilot sets up itself) any free port is used.
pub const LOOPBACK_PORT: u16 = ssopilot_peers::test_login::FIXED_PORT;

/// What the shell needs to run the loopback test SP.
#[derive(Debug, Clone)]
pub struct LoopbackJob {
    pub id: u64,
    /// The port to listen on (0: any free one).
    pub port: u16,
    pub sp_entity_id: EntityId,
    pub idp: IdpConfig,
    /// The wizard's clock: dates the request and is "now" for the checks, as for every other test.
    pub clock: crate::clock::SharedClock,
    /// The test SP's encryption key: an assertion encrypted for its certificate is decrypted with it.
    pub encryption: Option<std::sync::Arc<SpEncryptionKey>>,
}

impl Model {
    pub(crate) fn set_demo_encrypt(&mut self, on: bool) {
        self.steps.test_login.run.demo_encrypt = on;
    }

    /// The certificate the demo IdP encrypts the loopback test SP's assertions for, when its "encrypt assertions"
    /// is on (the key is loaded when the test SP starts, before the demo IdP's application is set up).
    pub(crate) fn demo_encrypt_for(&self) -> Option<Vec<u8>> {
        let run = &self.steps.test_login.run;
        run.sp_encryption_key
            .as_ref()
            .filter(|_| run.demo_encrypt)
            .map(|k| k.cert_der().to_vec())
    }

    pub(super) fn demo_encrypt_checkbox(&self) -> Block {
        Block::Checkbox {
            field: Field::DemoEncryptAssertions,
            label: "Encrypt the assertion (the demo IdP's “encrypt assertions” setting)".into(),
            help: Some(
                "For the test SP only: the demo IdP signs the assertion, then encrypts it for the test SP's \
                 encryption certificate (AES-256-GCM, RSA-OAEP). The test SP decrypts it with its own key, kept in \
                 the system keychain, and the report shows it decrypted."
                    .into(),
            ),
            value: self.steps.test_login.run.demo_encrypt,
            error: None,
        }
    }

    /// The loopback test SP's encryption key: from the keychain, loaded once per run of the app; without a keychain
    /// a temporary key for this run, with the notice that says so (`Some` the first time only).
    pub(super) fn test_sp_encryption_key(
        &mut self,
    ) -> Result<(std::sync::Arc<SpEncryptionKey>, Option<String>), String> {
        if let Some(k) = &self.steps.test_login.run.sp_encryption_key {
            return Ok((k.clone(), None));
        }
        let secrets = match &self.secrets {
            Some(Ok(s)) => Ok(s.as_ref()),
            Some(Err(e)) => Err(e.clone()),
            None => Err("this run of SSO Pilot has not opened the system keychain".to_string()),
        };
        let key = std::sync::Arc::new(
            SpEncryptionKey::from_keychain_or_temporary(secrets).map_err(|e| e.to_string())?,
        );
        let note = key.temporary_reason().map(|why| {
            format!(
                "{}. It lives in memory only and is never written to a file. SSO Pilot could not keep a key: {why}",
                crate::metadata_import::capitalise(TEMPORARY_NOTE)
            )
        });
        self.steps.test_login.run.sp_encryption_key = Some(key.clone());
        Ok((key, note))
    }

    pub(super) fn loopback_way(&self) -> Block {
        let idp = self.idp_name().to_string();
        let loopback = self.steps.test_login.run.loopback.as_ref();
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
            error: self.steps.test_login.run.loopback_error.clone(),
            start: None,
            decryption_key: None,
        }
    }

    /// The ACS URL of the loopback test SP while it waits (the demo IdP's test application uses it).
    pub(crate) fn loopback_acs(&self) -> Option<&str> {
        self.steps
            .test_login
            .run
            .loopback
            .as_ref()
            .and_then(|l| l.acs_url.as_deref())
    }

    pub(super) fn loopback_unavailable(&self) -> Option<String> {
        if let Some(why) = self.not_ready() {
            return Some(why);
        }
        if self.demo_chosen() && self.demo_running().is_none() {
            return Some("The demo IdP is not running.".into());
        }
        None
    }

    /// The IdP side of the loopback test SP, from steps 3 and 5.
    pub(super) fn loopback_idp(&self) -> Result<IdpConfig, String> {
        if let Some(why) = self.loopback_unavailable() {
            return Err(why);
        }
        let config = self.tested_config().ok_or("Complete steps 1 to 5 first")?;
        let (entity_id, sso_url) = match self.demo_running() {
            Some(r) if self.demo_chosen() => (
                r.entity_id().clone(),
                IdpUrl::parse(&r.sso_url(), "SSO URL").map_err(|e| e.to_string())?,
            ),
            _ => (
                config.idp_entity_id.clone(),
                self.steps.idp_app.idp_sso_url(self.idp())?,
            ),
        };
        Ok(IdpConfig {
            entity_id,
            sso_url,
            certs: config.idp_certs,
            require_signed_assertion: self.require_signed_assertion(),
            allow_sha1: false,
        })
    }
}

impl Session {
    /// Starts a loopback test: what the shell runs, or the view with the reason.
    pub fn start_loopback(&mut self) -> (WizardView, Option<LoopbackJob>) {
        let m = &mut self.model;
        m.steps.test_login.run.loopback_error = None;
        let job = EntityId::parse(engine::DEFAULT_SP_ENTITY_ID, "SP Entity ID")
            .map_err(|e| e.to_string())
            .and_then(|sp| m.loopback_idp().map(|idp| (sp, idp)))
            .and_then(|(sp, idp)| m.test_sp_encryption_key().map(|k| (sp, idp, k)));
        match job {
            Ok((sp_entity_id, idp, (encryption, note))) => {
                if let Some(note) = note {
                    self.notice(Severity::Warning, note);
                }
                let m = &mut self.model;
                m.steps.test_login.run.next_id += 1;
                let id = m.steps.test_login.run.next_id;
                m.steps.test_login.run.loopback = Some(LoopbackTest { id, acs_url: None });
                let port = if m.demo_chosen() { 0 } else { LOOPBACK_PORT };
                let clock = m.clock.clone();
                (
                    self.view(),
                    Some(LoopbackJob {
                        id,
                        port,
                        sp_entity_id,
                        idp,
                        clock,
                        encryption: Some(encryption),
                    }),
                )
            }
            Err(why) => {
                m.steps.test_login.run.loopback_error =
                    Some(format!("The test SP cannot start: {why}."));
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
        if let Some(l) = self
            .model
            .steps
            .test_login
            .run
            .loopback
            .as_mut()
            .filter(|l| l.id == id)
        {
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
        if m.steps
            .test_login
            .run
            .loopback
            .as_ref()
            .is_none_or(|l| l.id != id)
        {
            return self.view();
        }
        m.steps.test_login.run.loopback = None;
        match result {
            Ok(received) => {
                let idp_initiated = received.report.check(Rule::InResponseTo).is_none();
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
                m.steps.test_login.run.loopback_error =
                    Some(crate::metadata_import::capitalise(&format!("{e}.")))
            }
        }
        if let Some(n) = self.model.sync_demo() {
            self.notice(n.severity, n.text);
        }
        self.view()
    }

    /// POSTs that reached the loopback test SP's ACS while it waited without being the answer to test `id`: a
    /// warning notice says where each came from (a page trying to pass a response off as the test's result shows
    /// here), and none of them counts as the result.
    pub fn loopback_unexpected_posts(
        &mut self,
        id: u64,
        posts: &[ssopilot_peers::test_login::UnexpectedPost],
    ) {
        let ours = self
            .model
            .steps
            .test_login
            .run
            .loopback
            .as_ref()
            .is_some_and(|l| l.id == id);
        if !ours || posts.is_empty() {
            return;
        }
        let list: Vec<String> = posts.iter().map(|p| p.describe()).collect();
        self.notice(
            Severity::Warning,
            format!(
                "While the test SP waited, {} POST(s) reached its ACS URL that were not the answer to this test, \
                 and were ignored: {}. If you did not send them, another page tried to pass a response off as \
                 this test's result.",
                posts.len(),
                list.join("; ")
            ),
        );
    }

    /// The loopback test `id` could not go on (the browser did not open...): why, in plain words.
    pub fn loopback_failed(&mut self, id: u64, why: &str) -> WizardView {
        if self
            .model
            .steps
            .test_login
            .run
            .loopback
            .as_ref()
            .is_some_and(|l| l.id == id)
        {
            self.model.steps.test_login.run.loopback = None;
            self.model.steps.test_login.run.loopback_error =
                Some(crate::metadata_import::capitalise(&format!("{why}.")));
        }
        self.view()
    }

    /// Cancel: the test SP stops waiting (the shell aborts it).
    pub fn cancel_loopback(&mut self) -> WizardView {
        self.model.steps.test_login.run.loopback = None;
        if let Some(n) = self.model.sync_demo() {
            self.notice(n.severity, n.text);
        }
        self.view()
    }
}
