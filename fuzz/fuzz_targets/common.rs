//! What the validator fuzz targets share: one policy trusting a fresh ECDSA key no input is signed with, at a
//! fixed time, IdP-initiated allowed (so the fuzzer reaches the rules after InResponseTo).

use std::sync::OnceLock;

use ssopilot_saml::response::Policy;
use ssopilot_saml::values::{AcsUrl, EntityId};

pub fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| {
        let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["idp.example.com".into()])
            .unwrap()
            .self_signed(&kp)
            .unwrap();
        let mut p = Policy::new(
            EntityId::parse("https://idp.example.com/saml", "IdP").unwrap(),
            vec![cert.der().to_vec()],
            EntityId::parse("https://app.example.com/sp", "SP").unwrap(),
            AcsUrl::parse("https://app.example.com/acs", "ACS").unwrap(),
            time::macros::datetime!(2026-11-25 12:00:00 UTC),
        );
        p.expect = ssopilot_saml::response::Expect::IdpInitiated;
        p
    })
}
