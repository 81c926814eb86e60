//! The whole validation on arbitrary input (raw XML, base64, form bodies): must never panic and never accept
//! input that no configured key signed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ssopilot_saml::response::{validate, Policy};
use ssopilot_saml::values::{AcsUrl, EntityId};

fn policy() -> &'static Policy {
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

fuzz_target!(|data: &[u8]| {
    let r = validate(data, policy());
    // The private key is dropped at start-up: nothing the fuzzer produces can carry a valid signature.
    assert!(!r.valid, "accepted a response no configured key signed");
});
