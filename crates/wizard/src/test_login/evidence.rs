//! Step 7's evidence: what a passing test pins, and whether it still stands for the configuration as it is now.

use super::*;
use ssopilot_saml::response::Flow;

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

impl Draft {
    /// Where the evidence stands for `config`, the configuration as it is now (`None`: incomplete).
    pub(crate) fn state(&self, config: Option<TestedConfig>) -> EvidenceState {
        let Some(evidence) = &self.evidence else {
            return EvidenceState::Missing;
        };
        let user = evidence.user.clone();
        let tested_at = rfc3339(evidence.time);
        match config {
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
}

impl Model {
    /// What a test login is checked against and what its evidence pins: the entity IDs, the ACS URL, step 5's
    /// certificate (the only one trusted) and the attribute map. `None` until all of them are usable.
    pub fn tested_config(&self) -> Option<TestedConfig> {
        if self.steps.certificate.key_refusal.is_some() {
            return None;
        }
        let report = self.certificate_report();
        if !report.usable {
            return None;
        }
        Some(TestedConfig {
            idp_entity_id: self.idp_entity_id().ok()?,
            sp_entity_id: self.steps.sp_values.sp_entity_id(self.sp()).ok()?,
            acs_url: self.steps.sp_values.acs_url(self.sp()).ok()?,
            idp_certs: std::iter::once(report.der()?.to_vec())
                .chain(self.next_certificate_der())
                .collect(),
            attribute_map: self
                .steps
                .attributes
                .map(self.idp(), self.sp())
                .into_iter()
                .map(|r| (r.sp_name.trim().to_string(), r.idp_name.trim().to_string()))
                .collect(),
        })
    }

    /// The recorded evidence, valid or not.
    pub fn evidence(&self) -> Option<&Evidence> {
        self.steps.test_login.evidence.as_ref()
    }

    /// The evidence for the configuration as it is now.
    pub fn evidence_state(&self) -> EvidenceState {
        self.steps.test_login.state(self.tested_config())
    }

    pub(super) fn evidence_callout(&self) -> Block {
        let flow = match self.evidence().and_then(|e| e.flow) {
            Some(Flow::SpInitiated) => " (SP-initiated)",
            Some(Flow::IdpInitiated) => {
                " (IdP-initiated: unsolicited, so InResponseTo was not checked)"
            }
            None => "",
        };
        let (severity, text) = match self.evidence_state() {
            EvidenceState::Valid {
                user,
                tested_at,
                certificate_sha256,
            } => (
                Severity::Info,
                format!(
                    "Evidence recorded: {user} signed in at {tested_at}{flow} through this configuration \
                     (certificate SHA-256 {certificate_sha256}). It is the key to step 9 (Enforce)."
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

    /// Said after a result that is not evidence: an earlier pass of this configuration still counts.
    pub(super) fn evidence_still_stands(&self) -> String {
        match self.evidence_state() {
            EvidenceState::Valid { user, tested_at, .. } => format!(
                " The earlier test login of {user} at {tested_at} still counts for this configuration."
            ),
            _ => String::new(),
        }
    }
}
