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
            running: self.paste_checking(),
            captured: false,
            continue_label: None,
            unavailable: self.not_ready(),
            note: "Which sign-in request a pasted response answers cannot be known, so InResponseTo and replay are \
                   not checked; everything else is, and a pass is recorded as evidence."
                .into(),
            value: self.steps.test_login.run.paste.clone(),
            error: None,
            start: None,
            decryption_key: Some(Box::new(self.paste_key_view())),
        }
    }

    /// Validates a pasted response against the configuration (see [`super::paste_check`]).
    pub(super) fn check_pasted(&mut self, text: String) -> Result<(), String> {
        self.check_paste_now(text)
    }
}
