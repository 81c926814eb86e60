//! A response the admin pasted (from the browser's developer tools), checked like a captured one.

use super::*;

impl Model {
    pub(super) fn paste_way(&self) -> Block {
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
            running: false,
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

    /// Validates a pasted response against the configuration.
    pub(super) fn check_pasted(&mut self, text: String) -> Result<(), String> {
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
        self.test.paste = text;
        if self.test.paste.trim().is_empty() {
            return Err("Paste a SAMLResponse first, then press Check this response".into());
        }
        let config = self
            .tested_config()
            .ok_or_else(|| self.not_ready().unwrap_or_default())?;
        let policy = self.policy_for(&config, None);
        let mut report = response::validate(self.test.paste.trim().as_bytes(), &policy);
        let mut not_evaluated = Vec::new();
        let before = report.checks.len();
        report
            .checks
            .retain(|c| c.id != "in_response_to" && c.id != "subject_in_response_to");
        if report.checks.len() != before || report.check("response_root").is_some() {
            not_evaluated.push(
                "InResponseTo: which sign-in request a pasted response answers cannot be known, so it is not \
                 compared"
                    .to_string(),
            );
        }
        not_evaluated.push(
            "Replay: SSO Pilot has not seen how often this response was used, so replay is not checked".into(),
        );
        report.valid = !report.checks.is_empty() && report.checks.iter().all(|c| c.ok);
        let xml = decoded_xml(self.test.paste.trim().as_bytes());
        let idp_initiated = xml.as_deref().is_none_or(|x| !x.contains("InResponseTo="));
        self.record_run(Source::Paste, report, xml, not_evaluated, idp_initiated);
        Ok(())
    }
}
