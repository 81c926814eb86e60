//! Step 7, Test login: a real sign-in checked rule by rule, whose evidence unlocks step 9 (Enforce).

use super::view::Block;
use super::Model;

/// `Some((what the step will do, which work it waits for))` while the step is not built.
pub(super) const NOT_BUILT: Option<(&str, &str)> = Some((
    "Here a real user will sign in through the new configuration, and every check of the SAML response will be shown \
     as passed or failed, with the fix.",
    "issue 7 (test login)",
));

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

impl Model {
    /// The evidence for the configuration as it is now.
    pub fn evidence_state(&self) -> EvidenceState {
        EvidenceState::Missing
    }

    pub(super) fn test_login_problem(&self) -> Result<(), String> {
        match self.evidence_state() {
            EvidenceState::Valid { .. } => Ok(()),
            _ => Err("Run a test login that passes".into()),
        }
    }

    pub(super) fn test_login_page(&self) -> (String, Vec<Block>) {
        super::not_built_page(super::view::StepId::TestLogin)
    }
}
