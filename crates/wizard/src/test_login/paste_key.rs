//! The SP's private key for one pasted-response check: support staff reading what a customer's IdP encrypted.
//!
//! The shell opens the file dialog and hands over the chosen path ([`Session::open_paste_key_file`]); the key is
//! read bounded, the file's bytes wiped once parsed ([`ssopilot_peers::files::read_decryption_key`]), and held in
//! this run's memory only (the RSA key zeroizes on drop). It is never in the saved state (step 7's state is not
//! saved), never logged (the wizard logs nothing, the shell only the command's name), never in a view or a report
//! (they name it by file name and public-key fingerprint), and it is used for the next check only: the check takes
//! it, and it is gone with the check.

use std::path::Path;

use super::super::view::{DecryptionKeyView, Severity, StepId, WizardView};
use super::super::{Model, Session};
use ssopilot_saml::xmlenc::DecryptionKey;

/// Said when the admin forgets a loaded key.
pub(super) const FORGOTTEN: &str =
    "The SP private key was forgotten: it is no longer in SSO Pilot's memory.";

/// A loaded key and the file it came from (its name only).
#[derive(Clone)]
pub(super) struct PasteKey {
    key: DecryptionKey,
    file_name: String,
}

impl std::fmt::Debug for PasteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PasteKey({}, {:?})", self.describe(), self.key)
    }
}

impl PasteKey {
    fn describe(&self) -> String {
        format!(
            "{} (public key SHA-256 {})",
            self.file_name,
            self.key.fingerprint()
        )
    }
}

impl Model {
    pub(super) fn paste_key_view(&self) -> DecryptionKeyView {
        DecryptionKeyView {
            loaded: self
                .steps
                .test_login
                .run
                .paste_key
                .as_ref()
                .map(PasteKey::describe),
            note: "For a response whose assertion is encrypted, load the SP's private key (PEM, PKCS#8 or PKCS#1). \
                   It is kept in memory only and used for the next check, then forgotten: it is never saved, never \
                   logged and never put in a report."
                .into(),
        }
    }

    /// The key for the check that starts now, if one is loaded: taken, so it serves this one check only.
    pub(super) fn take_paste_key(&mut self) -> Option<DecryptionKey> {
        self.steps.test_login.run.paste_key.take().map(|k| k.key)
    }

    /// Drops a loaded key; whether there was one.
    pub(super) fn forget_paste_key(&mut self) -> bool {
        self.steps.test_login.run.paste_key.take().is_some()
    }
}

impl Session {
    /// Loads the SP's private key from the file chosen in the shell's open dialog, for the next pasted-response
    /// check. A file that cannot be read or is not an RSA private key says why, naming the file, never its content.
    pub fn open_paste_key_file(&mut self, path: &Path) -> WizardView {
        if self.model.current != StepId::TestLogin {
            self.notice(
                Severity::Error,
                "An SP private key is loaded on step 7 (Test login), for checking a pasted response.".into(),
            );
            return self.view();
        }
        match ssopilot_peers::files::read_decryption_key(path) {
            Ok(key) => {
                let file_name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "the chosen file".into());
                let loaded = PasteKey { key, file_name };
                self.notice(
                    Severity::Info,
                    format!(
                        "The SP private key {} is loaded for the next check of a pasted response, in memory only.",
                        loaded.describe()
                    ),
                );
                self.model.steps.test_login.run.paste_key = Some(loaded);
            }
            Err(e) => self.notice(
                Severity::Error,
                format!("The SP private key was not loaded: {e}."),
            ),
        }
        self.view()
    }
}
