//! Step 7, Test login: a real sign-in checked rule by rule, whose evidence unlocks step 9 (Enforce).

use super::view::Block;
use super::Model;
use crate::test_login::evidence::{Evidence, TestedConfig};

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

fn rfc3339(t: time::OffsetDateTime) -> String {
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
        super::not_built_page(super::view::StepId::TestLogin)
    }
}

#[cfg(test)]
mod tests {
    use super::super::assign_users::tests::to_assign_users;
    use super::super::certificate::tests::{cert_between, to_certificate};
    use super::super::tests::set;
    use super::super::view::{Action, StepId};
    use super::super::{fields, Session};
    use super::*;
    use crate::fingerprint::Fingerprint;
    use crate::state::Store;
    use crate::test_login::evidence::EvidenceCheck;

    /// Evidence as a passing test of `config` records it (the report itself is the test-login module's business).
    fn passing(config: &TestedConfig) -> Evidence {
        let cert = Fingerprint::sha256(&config.idp_certs[0]);
        Evidence {
            user: "admin@example.com".into(),
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
}
