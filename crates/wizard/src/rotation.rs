//! Rehearsing an IdP certificate rotation (issue 22), beside the configured certificate of step 5.
//!
//! The admin imports the IdP's next certificate (from its metadata or pasted, through the certificate doctor); the
//! test login then trusts both and its report says which one signed. The order of the switch comes from the SP
//! profile (how many IdP certificates the SP holds: Infisical holds one). Once a passing test login was signed by
//! the next certificate the old one can be retired: the next becomes the configured certificate, and a test login
//! with it alone records the evidence for the new certificate.

use serde::{Deserialize, Serialize};
use ssopilot_peers::test_login::rotation::{diagnose, CertRole, SignedBy, SpCerts};
use ssopilot_saml::cert;
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::metadata;
use ts_rs::TS;

use crate::test_login::EvidenceState;
use crate::view::Action;
use crate::Model;
use ssopilot_peers::demo_idp::rotation::Phase;

/// Why a rotation step was refused, in words that say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotationError {
    #[error("there is no usable configured certificate yet: finish step 5 (IdP certificate) before rehearsing a rotation")]
    NoCurrent,
    #[error("the next certificate is not usable: {0}")]
    NotUsable(String),
    #[error("this is the certificate already configured: import the IdP's next (new) signing certificate")]
    SameAsCurrent,
    #[error("the IdP's metadata could not be read: {0}")]
    Metadata(String),
    #[error("the IdP's metadata lists no signing certificate besides the configured one: the IdP has not published its next certificate yet; start the rotation at the IdP, then import its metadata again")]
    NoNewInMetadata,
    #[error("the IdP's metadata lists {0} new signing certificates: paste the one the IdP will switch to")]
    SeveralNewInMetadata(usize),
    #[error("paste the IdP's next certificate or its metadata: only the demo IdP's can be read without it, and the demo IdP is not the chosen IdP")]
    NoDemo,
    #[error("no rotation is under way: import the IdP's next certificate first")]
    NoRotation,
    #[error("the old certificate cannot be retired yet: no passing test login was signed with the next certificate. Switch the IdP to its new key, run a test login, then retire the old one")]
    NotProven,
}

/// Where a rotation stands, for the summary and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RotationStatus {
    pub current_sha256: String,
    /// `None` until the next certificate is imported.
    pub next_sha256: Option<String>,
    /// Which certificate signed the last passing test login of this configuration ("current" or "next").
    pub last_signed_by: Option<String>,
    /// A passing test login was signed with the next certificate: the old one can be retired.
    pub can_retire: bool,
    /// The order of the switch for this pairing, one step a line.
    pub order: Vec<String>,
}

/// The summary's "Rehearse a certificate rotation" block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RotationView {
    pub title: String,
    pub status: RotationStatus,
    /// With the demo IdP: what its next rotation step does (the label of [`crate::view::Action::RotateDemoKey`]).
    pub demo_action: Option<String>,
    /// With the demo IdP: where its rotation stands, in words.
    pub demo_phase: Option<String>,
}

impl Model {
    /// The summary's rotation block, once step 5 holds a usable certificate.
    pub(crate) fn rotation_block(&self) -> Option<crate::view::Block> {
        let status = self.rotation()?;
        let demo = self.demo_chosen().then(|| self.demo_running()).flatten();
        let (demo_action, demo_phase) = match demo.map(|r| r.state().keys().phase()) {
            Some(Phase::Steady) => (
                Some("Demo IdP: publish a next signing key".to_string()),
                Some("The demo IdP publishes one certificate and signs with it.".to_string()),
            ),
            Some(Phase::Overlap) => (
                Some("Demo IdP: switch to the next key".to_string()),
                Some("The demo IdP publishes both certificates and still signs with the current one.".to_string()),
            ),
            Some(Phase::Switched) => (
                Some("Demo IdP: retire the old certificate".to_string()),
                Some("The demo IdP signs with the next key; both certificates are still published.".to_string()),
            ),
            None => (None, None),
        };
        Some(crate::view::Block::Rotation(Box::new(RotationView {
            title: "Rehearse a certificate rotation".into(),
            status,
            demo_action,
            demo_phase,
        })))
    }

    /// The rotation's actions; `Ok` carries the notice for the admin.
    pub(crate) fn apply_rotation(&mut self, action: Action) -> Result<String, String> {
        let e = |e: RotationError| e.to_string();
        match action {
            Action::ImportNextCertificate { text } => {
                let fp = if text.trim().is_empty() {
                    self.import_next_from_demo()
                } else if text.contains("EntityDescriptor") {
                    self.import_next_from_metadata(text.as_bytes())
                } else {
                    self.import_next_certificate(&text)
                }
                .map_err(e)?;
                Ok(format!(
                    "The next certificate (SHA-256 {fp}) is trusted beside the current one. Follow the order of \
                     the switch, and run a test login (step 7) once the IdP signs with it."
                ))
            }
            Action::RetireOldCertificate => {
                let fp = self.retire_old_certificate().map_err(e)?;
                Ok(format!(
                    "The old certificate is retired: SHA-256 {fp} is the IdP certificate now. Run one more test \
                     login (step 7) to record the evidence for it."
                ))
            }
            Action::CancelRotation => {
                self.cancel_rotation();
                Ok("The next certificate was dropped; the current one alone is trusted.".into())
            }
            Action::RotateDemoKey => self.rotate_demo_key(),
            _ => Err("not a rotation action".into()),
        }
    }

    /// The demo IdP's next rotation step: publish a next key, sign with it, retire the old certificate.
    fn rotate_demo_key(&mut self) -> Result<String, String> {
        let running = self
            .demo_chosen()
            .then(|| self.demo_running())
            .flatten()
            .ok_or("The demo IdP is not the chosen IdP, or it is not running: rotate the key in your IdP's portal.")?;
        let keys = running.state().keys();
        match keys.phase() {
            Phase::Steady => keys.begin().map(|fp| {
                format!(
                    "The demo IdP publishes a next certificate (SHA-256 {fp}) beside the current one and still \
                     signs with the current key. Import it (Import next certificate, empty field: the demo IdP's)."
                )
            }),
            Phase::Overlap => keys.switch().map(|fp| {
                format!("The demo IdP now signs with the next key (SHA-256 {fp}); both certificates are still published.")
            }),
            Phase::Switched => keys
                .retire()
                .map(|()| "The demo IdP no longer publishes the old certificate.".to_string()),
        }
        .map_err(|e| e.to_string())
    }

    /// The demo IdP's published certificate that is not the configured one.
    fn import_next_from_demo(&mut self) -> Result<Fingerprint, RotationError> {
        let current = self.current_fingerprint()?;
        let pems = self
            .demo_chosen()
            .then(|| self.demo_running())
            .flatten()
            .map(|r| r.published_cert_pems())
            .ok_or(RotationError::NoDemo)?;
        let new: Vec<&String> = pems
            .iter()
            .filter(|p| {
                cert::check(p.as_bytes(), self.now())
                    .sha256_fingerprint
                    .as_ref()
                    != Some(&current)
            })
            .collect();
        match new.as_slice() {
            [] => Err(RotationError::NoNewInMetadata),
            [one] => self.import_next_certificate(one),
            several => Err(RotationError::SeveralNewInMetadata(several.len())),
        }
    }

    /// DER of the next certificate when a rotation is under way.
    pub(crate) fn next_certificate_der(&self) -> Option<Vec<u8>> {
        let pem = self.steps.certificate.next_pem.as_ref()?;
        cert::check(pem.as_bytes(), self.now())
            .der()
            .map(<[u8]>::to_vec)
    }

    /// The certificates the SP side holds now: the configured one and, during a rotation, the next.
    pub fn sp_certificates(&self) -> SpCerts {
        let current = self.certificate_report();
        SpCerts {
            current: current.der().map(<[u8]>::to_vec).unwrap_or_default(),
            next: self.next_certificate_der(),
        }
    }

    /// Which configured certificate signed `report` ("Signed with the next certificate (SHA-256 …)").
    pub fn signed_by(&self, report: &ssopilot_saml::response::Report) -> Option<SignedBy> {
        SignedBy::of(report, &self.sp_certificates())
    }

    /// The report's line on its signer: which configured certificate signed, or (a failed login signed with a
    /// certificate the IdP's imported metadata lists but the SP does not hold) that the IdP switched too early.
    pub(crate) fn signed_by_line(
        &self,
        report: &ssopilot_saml::response::Report,
    ) -> Option<String> {
        let certs = self.sp_certificates();
        let published: Vec<Vec<u8>> = self
            .steps
            .certificate
            .metadata_certificates
            .iter()
            .filter_map(|p| {
                cert::check(p.as_bytes(), self.now())
                    .der()
                    .map(<[u8]>::to_vec)
            })
            .collect();
        diagnose(report, &certs, &published)
            .or_else(|| SignedBy::of(report, &certs).map(|s| s.describe()))
    }

    /// Imports the IdP's next certificate (pasted PEM, base64 or a file's text) through the certificate doctor.
    pub fn import_next_certificate(&mut self, text: &str) -> Result<Fingerprint, RotationError> {
        let current = self.current_fingerprint()?;
        let report = cert::check(text.as_bytes(), self.now());
        if !report.usable {
            let why = report
                .findings
                .iter()
                .filter(|f| f.severity == ssopilot_saml::findings::Severity::Error)
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(RotationError::NotUsable(why));
        }
        let (Some(pem), Some(fp)) = (report.pem.clone(), report.sha256_fingerprint.clone()) else {
            return Err(RotationError::NotUsable("it holds no certificate".into()));
        };
        if fp == current {
            return Err(RotationError::SameAsCurrent);
        }
        self.steps.certificate.next_pem = Some(pem);
        Ok(fp)
    }

    /// Imports the next certificate from the IdP's metadata (fetched or pasted): the one signing certificate it
    /// lists besides the configured one.
    pub fn import_next_from_metadata(&mut self, xml: &[u8]) -> Result<Fingerprint, RotationError> {
        let current = self.current_fingerprint()?;
        let md = metadata::parse(xml, &Default::default(), self.now())
            .map_err(|e| RotationError::Metadata(e.to_string()))?;
        let new: Vec<Vec<u8>> = md
            .trusted_signing_ders()
            .into_iter()
            .filter(|d| Fingerprint::sha256(d) != current)
            .collect();
        match new.as_slice() {
            [] => Err(RotationError::NoNewInMetadata),
            [one] => self.import_next_certificate(&cert::to_pem(one)),
            several => Err(RotationError::SeveralNewInMetadata(several.len())),
        }
    }

    /// Retires the old certificate once a passing test login was signed with the next one: the next becomes the
    /// configured certificate (a test login with it alone then records the evidence for it).
    pub fn retire_old_certificate(&mut self) -> Result<Fingerprint, RotationError> {
        let next = self
            .steps
            .certificate
            .next_pem
            .clone()
            .ok_or(RotationError::NoRotation)?;
        if !self.next_proven() {
            return Err(RotationError::NotProven);
        }
        let fp = cert::check(next.as_bytes(), self.now())
            .sha256_fingerprint
            .ok_or(RotationError::NoRotation)?;
        self.steps.certificate.pem = next;
        self.steps.certificate.next_pem = None;
        self.steps.certificate.demo_replaced = false;
        Ok(fp)
    }

    /// Drops the next certificate (the rotation was called off, or the wrong one was imported).
    pub fn cancel_rotation(&mut self) {
        self.steps.certificate.next_pem = None;
    }

    /// The rotation's state, once step 5 holds a usable certificate.
    pub fn rotation(&self) -> Option<RotationStatus> {
        let current = self.current_fingerprint().ok()?;
        let certs = self.sp_certificates();
        let last = self.valid_evidence_signer().map(|r| r.word().to_string());
        Some(RotationStatus {
            current_sha256: current.as_str().to_string(),
            next_sha256: certs
                .next
                .as_ref()
                .map(|d| Fingerprint::sha256(d).as_str().to_string()),
            last_signed_by: last,
            can_retire: self.next_proven(),
            order: self.rotation_order(),
        })
    }

    /// The order of the switch for this pairing, in plain words. With an SP that holds one IdP certificate (the
    /// profile says so) there is a moment when only one side has switched: the advice keeps it as short as possible
    /// and puts it where no login is signed with a key the SP does not trust.
    pub fn rotation_order(&self) -> Vec<String> {
        let idp = self.idp_name().to_string();
        let sp = self.sp_name().to_string();
        let mut out = vec![format!(
            "1. In {idp}, start the rotation so its metadata lists the next certificate beside the current one, and \
             import the next certificate here (from the metadata or pasted). Nothing changes for users yet."
        )];
        match self.sp().and_then(|p| p.quirks.idp_certificates) {
            Some(1) => {
                let (place, field, save) = self
                    .sp()
                    .map(|p| {
                        (
                            p.enable.path.clone(),
                            p.enable.certificate_label.clone(),
                            p.enable
                                .save_action
                                .as_ref()
                                .map(|a| format!(" and press {a}"))
                                .unwrap_or_default(),
                        )
                    })
                    .unwrap_or_default();
                out.push(format!(
                    "2. {sp} holds one IdP certificate: keep the current one there for now. Logins keep passing \
                     because {idp} still signs with the current key."
                ));
                out.push(format!(
                    "3. Pick a quiet moment. Switch {idp} to the new key, then at once open {sp} ({place}), paste \
                     the next certificate into \"{field}\"{save}. Logins between the two fail, so do \
                     them one right after the other; do not switch {idp} earlier and paste later."
                ));
            }
            _ => {
                out.push(format!(
                    "2. If {sp} accepts a second IdP certificate, add the next one beside the current one now; \
                     logins keep passing with either key. (If it holds only one, paste the next certificate right \
                     after {idp} switches, as one move.)"
                ));
                out.push(format!(
                    "3. Switch {idp} to the new key. Logins keep passing: {sp} already trusts the next certificate."
                ));
            }
        }
        out.push(
            "4. Run a test login here: the report must say it was signed with the next certificate. That \
             login is the evidence for the new certificate."
                .into(),
        );
        out.push(format!(
            "5. Retire the old certificate here, remove it from {sp} if it still holds it, and retire it in {idp}; \
             then run one more test login with the new certificate alone."
        ));
        out
    }

    fn current_fingerprint(&self) -> Result<Fingerprint, RotationError> {
        let report = self.certificate_report();
        if !report.usable {
            return Err(RotationError::NoCurrent);
        }
        report.sha256_fingerprint.ok_or(RotationError::NoCurrent)
    }

    /// Which configured certificate signed the evidence valid for the configuration as it is now.
    fn valid_evidence_signer(&self) -> Option<CertRole> {
        if !matches!(self.evidence_state(), EvidenceState::Valid { .. }) {
            return None;
        }
        let evidence = self.evidence()?;
        self.sp_certificates().role_of(&evidence.certificate_sha256)
    }

    /// The configuration's valid evidence was signed with the next certificate.
    fn next_proven(&self) -> bool {
        self.valid_evidence_signer() == Some(CertRole::Next)
    }
}

#[cfg(test)]
mod tests;
