//! Evidence of a passing test login, the key to step 9 (Enforce): who signed in, when, against which configuration.
//!
//! The configuration is pinned by a SHA-256 over a canonical serialization of what the test depended on (IdP
//! certificates, entity IDs, ACS URL, attribute map), so changing any of those makes the evidence stale and the
//! admin tests again. Evidence holds no secrets and no signature values: it is safe to store and to export.

use std::collections::BTreeMap;

use ring::digest::{digest, SHA256};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::response::{Flow, Report};
use ssopilot_saml::values::{AcsUrl, EntityId};

/// Why a report cannot become evidence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("the test login did not pass ({}): fix the failed checks and test again", failed.join(", "))]
    NotPassed { failed: Vec<String> },
    #[error("the response named no user (no verified NameID): test again with a user the IdP sends a NameID for")]
    NoUser,
    #[error("the response was not verified with a configured certificate: paste the IdP's signing certificate in the Certificate step and test again")]
    UntrustedCertificate,
}

/// What a test login was run against: everything whose change must invalidate the evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestedConfig {
    pub idp_entity_id: EntityId,
    pub sp_entity_id: EntityId,
    pub acs_url: AcsUrl,
    /// The configured IdP signing certificates (DER); their order does not matter.
    pub idp_certs: Vec<Vec<u8>>,
    /// SP attribute name -> IdP attribute name.
    pub attribute_map: BTreeMap<String, String>,
}

/// Appends `label`, then `value` with its length, so no two configurations serialize alike.
fn field(out: &mut Vec<u8>, label: &str, value: &str) {
    out.extend_from_slice(label.as_bytes());
    out.push(b'=');
    out.extend_from_slice(value.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(value.as_bytes());
    out.push(b'\n');
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl TestedConfig {
    /// The canonical serialization the hash is taken over: versioned, length-prefixed, certificates by sorted
    /// SHA-256, attributes sorted by SP name.
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = b"ssopilot-tested-config/1\n".to_vec();
        field(&mut out, "idp_entity_id", self.idp_entity_id.as_str());
        field(&mut out, "sp_entity_id", self.sp_entity_id.as_str());
        field(&mut out, "acs_url", self.acs_url.as_str());
        let mut certs: Vec<String> = self
            .idp_certs
            .iter()
            .map(|c| hex(digest(&SHA256, c).as_ref()))
            .collect();
        certs.sort();
        certs.dedup();
        for c in &certs {
            field(&mut out, "idp_cert_sha256", c);
        }
        for (sp_name, idp_name) in &self.attribute_map {
            field(&mut out, "attribute_sp", sp_name);
            field(&mut out, "attribute_idp", idp_name);
        }
        out
    }

    /// SHA-256 of [`TestedConfig::canonical`], lower-case hex.
    pub fn hash(&self) -> String {
        hex(digest(&SHA256, &self.canonical()).as_ref())
    }

    /// SHA-256 of the attribute map's part of the canonical form (to tell a map change from the rest).
    pub fn attribute_map_sha256(&self) -> String {
        attribute_map_hash(&self.attribute_map)
    }

    fn certificates(&self) -> Vec<Fingerprint> {
        let mut v: Vec<Fingerprint> = self
            .idp_certs
            .iter()
            .map(|c| Fingerprint::sha256(c))
            .collect();
        v.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        v.dedup();
        v
    }
}

/// One check as recorded in the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceCheck {
    pub id: String,
    pub ok: bool,
    pub message: String,
}

/// What changed since the evidence was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Certificate,
    IdpEntityId,
    SpEntityId,
    AcsUrl,
    AttributeMap,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::Certificate => "the IdP certificate",
            Change::IdpEntityId => "the IdP Entity ID",
            Change::SpEntityId => "the SP Entity ID",
            Change::AcsUrl => "the ACS URL",
            Change::AttributeMap => "the attribute map",
        }
    }
}

/// A passing test login, recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The NameID the IdP sent (read from the verified element).
    pub user: String,
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    pub idp_entity_id: EntityId,
    pub sp_entity_id: EntityId,
    pub acs_url: AcsUrl,
    /// The configured certificate that verified the response.
    pub certificate_sha256: Fingerprint,
    /// All configured certificates at the time of the test (to say which change invalidated it).
    pub certificates_sha256: Vec<Fingerprint>,
    /// SHA-256 of the attribute map's part of the canonical configuration.
    pub attribute_map_sha256: String,
    /// [`TestedConfig::hash`] of the configuration tested.
    pub config_hash: String,
    pub checks: Vec<EvidenceCheck>,
    /// How the sign-in started, as the response shows it: SP-initiated (it answers a request) or IdP-initiated
    /// (unsolicited). Absent in evidence recorded before SSO Pilot kept it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<Flow>,
}

fn attribute_map_hash(map: &BTreeMap<String, String>) -> String {
    let mut out = Vec::new();
    for (sp_name, idp_name) in map {
        field(&mut out, "attribute_sp", sp_name);
        field(&mut out, "attribute_idp", idp_name);
    }
    hex(digest(&SHA256, &out).as_ref())
}

impl Evidence {
    /// Evidence from a passing report; refuses anything less (fails closed).
    pub fn from_report(
        report: &Report,
        config: &TestedConfig,
        time: OffsetDateTime,
    ) -> Result<Self, EvidenceError> {
        if !report.valid() || report.checks().is_empty() || report.checks().iter().any(|c| !c.ok) {
            return Err(EvidenceError::NotPassed {
                failed: report.failed().iter().map(|s| s.to_string()).collect(),
            });
        }
        let user = report
            .name_id()
            .map(str::to_string)
            .filter(|u| !u.trim().is_empty())
            .ok_or(EvidenceError::NoUser)?;
        let certificates = config.certificates();
        let cert = report
            .signing_certificate_sha256()
            .cloned()
            .filter(|f| certificates.contains(f))
            .ok_or(EvidenceError::UntrustedCertificate)?;
        Ok(Self {
            user,
            time,
            idp_entity_id: config.idp_entity_id.clone(),
            sp_entity_id: config.sp_entity_id.clone(),
            acs_url: config.acs_url.clone(),
            certificate_sha256: cert,
            certificates_sha256: certificates,
            attribute_map_sha256: attribute_map_hash(&config.attribute_map),
            config_hash: config.hash(),
            checks: report
                .checks()
                .iter()
                .map(|c| EvidenceCheck {
                    id: c.id.to_string(),
                    ok: c.ok,
                    message: c.message.clone(),
                })
                .collect(),
            flow: report.flow(),
        })
    }

    /// Whether this evidence still vouches for `config`: every check passed and nothing tested has changed.
    pub fn is_valid_for(&self, config: &TestedConfig) -> bool {
        !self.checks.is_empty()
            && self.checks.iter().all(|c| c.ok)
            && self.config_hash == config.hash()
            && config.certificates().contains(&self.certificate_sha256)
    }

    /// What changed since the test, for the "test again" message (empty when the evidence is still valid).
    pub fn changes(&self, config: &TestedConfig) -> Vec<Change> {
        let mut out = Vec::new();
        if config.certificates() != self.certificates_sha256 {
            out.push(Change::Certificate);
        }
        if config.idp_entity_id != self.idp_entity_id {
            out.push(Change::IdpEntityId);
        }
        if config.sp_entity_id != self.sp_entity_id {
            out.push(Change::SpEntityId);
        }
        if config.acs_url != self.acs_url {
            out.push(Change::AcsUrl);
        }
        if attribute_map_hash(&config.attribute_map) != self.attribute_map_sha256 {
            out.push(Change::AttributeMap);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> TestedConfig {
        TestedConfig {
            idp_entity_id: EntityId::parse("https://idp.example.com/x", "IdP Entity ID").unwrap(),
            sp_entity_id: EntityId::parse("https://sp.example.com", "SP Entity ID").unwrap(),
            acs_url: AcsUrl::parse("https://sp.example.com/acs", "ACS URL").unwrap(),
            idp_certs: vec![b"cert one".to_vec(), b"cert two".to_vec()],
            attribute_map: [("email".to_string(), "email".to_string())].into(),
        }
    }

    #[test]
    fn the_hash_ignores_certificate_order_and_sees_every_field() {
        let base = config();
        let mut swapped = base.clone();
        swapped.idp_certs.reverse();
        assert_eq!(base.hash(), swapped.hash());
        assert_eq!(base.hash().len(), 64);
        let mut variants = Vec::new();
        let mut c = base.clone();
        c.idp_certs.pop();
        variants.push(c);
        let mut c = base.clone();
        c.idp_entity_id = EntityId::parse("https://idp.example.com/y", "x").unwrap();
        variants.push(c);
        let mut c = base.clone();
        c.sp_entity_id = EntityId::parse("https://sp.example.com/", "x").unwrap();
        variants.push(c);
        let mut c = base.clone();
        c.acs_url = AcsUrl::parse("https://sp.example.com/acs2", "x").unwrap();
        variants.push(c);
        let mut c = base.clone();
        c.attribute_map
            .insert("email".to_string(), "Email".to_string());
        variants.push(c);
        // Length prefixes keep boundaries: moving text from a name into a value changes the hash.
        let mut a = base.clone();
        a.attribute_map = [("ab".to_string(), "c".to_string())].into();
        let mut b = base.clone();
        b.attribute_map = [("a".to_string(), "bc".to_string())].into();
        assert_ne!(a.hash(), b.hash());
        for v in &variants {
            assert_ne!(v.hash(), base.hash(), "{v:?}");
        }
    }
}
