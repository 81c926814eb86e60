//! A test login during a certificate rotation (issue 22): the SP side may hold the current and the next IdP
//! certificate, and the report says which of them signed, or why none did (the IdP switched to a certificate the SP
//! does not hold yet).
//!
//! [`login_with_demo`] runs one real test login (loopback test SP, scripted browser, real HTTP) against a demo IdP
//! that is already running, so a test or the wizard can rotate its key between logins.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration as StdDuration;

use super::demo::{sign_in, DemoError, DEMO_GROUP, DEMO_SLUG};
use super::run::{self as loopback, Finished, Run, RunError};
use super::{IdpConfig, TestSp, DEFAULT_SP_ENTITY_ID};
use crate::clock::SharedClock;
use crate::demo_idp::mint::App;
use crate::demo_idp::running::RunningDemoIdp;
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::response::Report;
use ssopilot_saml::values::{EntityId, IdpUrl};

/// Which of the SP's IdP certificates a certificate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertRole {
    /// The certificate the SP trusts today.
    Current,
    /// The IdP's next certificate, held beside the current one during a rotation.
    Next,
}

impl CertRole {
    pub fn word(self) -> &'static str {
        match self {
            CertRole::Current => "current",
            CertRole::Next => "next",
        }
    }
}

/// The IdP certificates the SP holds: the current one, and the next one during a rotation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpCerts {
    /// DER; empty when the SP holds no current certificate any more (the old one was retired into `next`'s place).
    pub current: Vec<u8>,
    pub next: Option<Vec<u8>>,
}

impl SpCerts {
    /// What the validator trusts: every certificate held, current first.
    pub fn trusted(&self) -> Vec<Vec<u8>> {
        std::iter::once(&self.current)
            .filter(|c| !c.is_empty())
            .chain(self.next.as_ref())
            .cloned()
            .collect()
    }

    /// The role of the certificate whose SHA-256 fingerprint is `fp`, when the SP holds it.
    pub fn role_of(&self, fp: &Fingerprint) -> Option<CertRole> {
        if !self.current.is_empty() && &Fingerprint::sha256(&self.current) == fp {
            Some(CertRole::Current)
        } else if self
            .next
            .as_ref()
            .is_some_and(|n| &Fingerprint::sha256(n) == fp)
        {
            Some(CertRole::Next)
        } else {
            None
        }
    }
}

/// Which certificate signed a test login's response.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignedBy {
    pub sha256: Fingerprint,
    /// `None`: a certificate the SP does not hold.
    pub role: Option<CertRole>,
}

impl SignedBy {
    /// The signer of `report`: the configured certificate that verified it, or (when none did) the certificate the
    /// response carried, which the SP does not hold.
    pub fn of(report: &Report, certs: &SpCerts) -> Option<Self> {
        let sha256 = report.signing_certificate_sha256()?.clone();
        let role = certs.role_of(&sha256);
        Some(Self { sha256, role })
    }

    /// One line for the report: "Signed with the next certificate (SHA-256 AB:CD:…)".
    pub fn describe(&self) -> String {
        match self.role {
            Some(r) => format!(
                "Signed with the {} certificate (SHA-256 {})",
                r.word(),
                self.sha256
            ),
            None => format!(
                "Signed with a certificate the SP does not hold (SHA-256 {})",
                self.sha256
            ),
        }
    }
}

/// Why a login failed during a rotation, in plain words, when the cause is the rotation: the IdP signs with a
/// certificate it publishes (`idp_published`, DER from its metadata) that the SP does not hold yet.
pub fn diagnose(report: &Report, certs: &SpCerts, idp_published: &[Vec<u8>]) -> Option<String> {
    if report.valid() {
        return None;
    }
    let signer = SignedBy::of(report, certs)?;
    if signer.role.is_some() {
        return None;
    }
    idp_published
        .iter()
        .any(|c| Fingerprint::sha256(c) == signer.sha256)
        .then(|| {
            format!(
                "The IdP now signs with the next certificate (SHA-256 {}), which the SP does not hold: add the next certificate to the SP now (or paste it in place of the old one) and sign in again. Until then every login fails.",
                signer.sha256
            )
        })
}

/// One test login as the demo user against the running demo IdP, with the SP holding `certs`; the demo
/// application (the test SP's entity ID and ACS URL, granted to the demo group) is set up on the IdP each time.
pub async fn login_with_demo(
    idp: &RunningDemoIdp,
    certs: &SpCerts,
    clock: SharedClock,
    timeout: StdDuration,
) -> Result<Finished, DemoError> {
    let idp_entity_id = idp.entity_id().clone();
    let sso_url =
        IdpUrl::parse(&idp.sso_url(), "IdP SSO URL").map_err(|e| DemoError::Idp(e.to_string()))?;
    let sp_entity_id = EntityId::parse(DEFAULT_SP_ENTITY_ID, "SP Entity ID")
        .map_err(|e| DemoError::Idp(e.to_string()))?;
    let run = Run {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        sp_entity_id: sp_entity_id.clone(),
        idp: IdpConfig {
            entity_id: idp_entity_id.clone(),
            sso_url,
            certs: certs.trusted(),
            require_signed_assertion: true,
            allow_sha1: false,
        },
        timeout,
        attribute_map: App::default_attributes().into_iter().collect(),
        clock,
        requests: Default::default(),
        encryption: None,
    };
    let mut steps = Vec::new();
    loopback::run(run, async |sp: &TestSp, attempt| {
        let app = App::new(
            sp_entity_id.clone(),
            sp.acs_url().clone(),
            idp_entity_id.clone(),
        );
        let state = idp.state();
        state
            .replace_apps(vec![(DEMO_SLUG.to_string(), app)])
            .map_err(|e| DemoError::Idp(e.to_string()))?;
        state
            .with_directory_mut(|d| d.grant(DEMO_SLUG, DEMO_GROUP))
            .map_err(|e| DemoError::Idp(e.to_string()))?;
        sign_in(attempt, sp.acs_url(), None, &mut steps).await
    })
    .await
    .map_err(|e| match e {
        RunError::TestLogin(e) | RunError::NoAnswer { error: e, .. } => DemoError::Sp(e),
        RunError::Show(e) => e,
    })
}
