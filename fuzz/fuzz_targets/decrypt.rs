//! The decryption path (issue 17) on arbitrary input: never panics, and never accepts a response no configured key
//! signed. The first byte picks what the fuzzer controls, each spliced into an unsigned response whose assertion is
//! encrypted for the policy's SP key:
//! - 0: the plaintext, encrypted for real (AES-256-GCM, RSA-OAEP): reaches the plaintext's parsing and splicing;
//! - 1: the inside of the EncryptedAssertion (EncryptedData, EncryptedKey, KeyInfo, RetrievalMethod...);
//! - 2: bytes XORed over a genuine EncryptedAssertion (its algorithms, base64, ciphertext, tag).
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ssopilot_saml::response::{validate, DecryptionKey, Policy};
use ssopilot_saml::xmlenc::{encrypt_element, ContentCipher, KeyPlacement, KeyTransport};

struct Setup {
    policy: Policy,
    sp_cert: Vec<u8>,
    genuine: String,
}

const HEAD: &str = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="2026-11-25T11:59:55Z"><saml:Issuer>https://idp.example.com/saml</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#;
const TAIL: &str = "</samlp:Response>";
const ASSERTION: &str = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0" IssueInstant="2026-11-25T11:59:55Z"><saml:Issuer>https://idp.example.com/saml</saml:Issuer><saml:Subject><saml:NameID>alice@example.com</saml:NameID></saml:Subject></saml:Assertion>"#;

fn setup() -> &'static Setup {
    static S: OnceLock<Setup> = OnceLock::new();
    S.get_or_init(|| {
        use rsa::pkcs8::EncodePrivateKey;
        // 2048 bits: what ring signs the certificate with (the fuzzer pays one RSA private operation per input).
        let key = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).unwrap();
        let pkcs8 = key.to_pkcs8_der().unwrap().as_bytes().to_vec();
        let kp = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
            &pkcs8.as_slice().into(),
            &rcgen::PKCS_RSA_SHA256,
        )
        .unwrap();
        let sp_cert = rcgen::CertificateParams::new(vec!["app.example.com".into()])
            .unwrap()
            .self_signed(&kp)
            .unwrap()
            .der()
            .to_vec();
        let mut policy = common::policy().clone();
        policy.decryption_keys = vec![DecryptionKey::from_pkcs8_der(&pkcs8).unwrap()];
        let genuine = encrypt(&sp_cert, ASSERTION.as_bytes(), KeyPlacement::RetrievalMethod);
        Setup {
            policy,
            sp_cert,
            genuine,
        }
    })
}

fn encrypt(cert: &[u8], plaintext: &[u8], placement: KeyPlacement) -> String {
    encrypt_element(
        &mut getrandom::SysRng,
        &String::from_utf8_lossy(plaintext),
        "EncryptedAssertion",
        cert,
        ContentCipher::Aes256Gcm,
        KeyTransport::RSA_OAEP_MGF1P,
        placement,
    )
    .unwrap()
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let encrypted = match mode % 3 {
        0 => encrypt(&s.sp_cert, rest, KeyPlacement::Inline),
        1 => format!(
            "<saml:EncryptedAssertion>{}</saml:EncryptedAssertion>",
            String::from_utf8_lossy(rest)
        ),
        _ => {
            let mut b = s.genuine.clone().into_bytes();
            for (i, x) in rest.iter().enumerate() {
                if let Some(c) = b.get_mut(i % s.genuine.len().max(1)) {
                    *c ^= x;
                }
            }
            String::from_utf8_lossy(&b).into_owned()
        }
    };
    let xml = format!("{HEAD}{encrypted}{TAIL}");
    let r = validate(xml.as_bytes(), &s.policy);
    // Nothing here is signed by the configured key.
    assert!(!r.valid(), "accepted a response no configured key signed");
});
