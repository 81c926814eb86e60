//! Our own encrypted responses for tests (issue 17): a response's assertion (or any SAML element) encrypted for the
//! test SP's key with the crate's encryptor, in every algorithm and key placement it offers.

use ssopilot_saml::response::{DecryptionKey, Policy};
use ssopilot_saml::xmlenc::{encrypt_element, ContentCipher, KeyPlacement, KeyTransport};

use crate::response_support::{policy, sp_encryption, Idp};

pub const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

/// Every key transport we accept.
pub const TRANSPORTS: [KeyTransport; 3] = [
    KeyTransport::RSA_OAEP_MGF1P,
    KeyTransport::RSA_OAEP_SHA256_MGF1_SHA1,
    KeyTransport::RSA_OAEP_SHA256_MGF1_SHA256,
];

/// Every key placement.
pub const PLACEMENTS: [KeyPlacement; 3] = [
    KeyPlacement::Inline,
    KeyPlacement::RetrievalMethod,
    KeyPlacement::CarriedKeyName,
];

/// How to encrypt.
#[derive(Debug, Clone, Copy)]
pub struct Enc {
    pub cipher: ContentCipher,
    pub transport: KeyTransport,
    pub placement: KeyPlacement,
}

impl Default for Enc {
    fn default() -> Self {
        Self {
            cipher: ContentCipher::Aes256Gcm,
            transport: KeyTransport::RSA_OAEP_MGF1P,
            placement: KeyPlacement::Inline,
        }
    }
}

/// Encrypts `plaintext` (any text: tests give broken ones too) into `<saml:{wrapper}>` for `sp`.
pub fn encrypt_text(plaintext: &str, wrapper: &str, sp: &Idp, e: Enc) -> String {
    encrypt_element(
        &mut getrandom::SysRng,
        plaintext,
        wrapper,
        &sp.cert_der,
        e.cipher,
        e.transport,
        e.placement,
    )
    .expect("encrypt")
}

/// The element `<saml:{local} ...>...</saml:{local}>` of `xml` (the first one), as a span.
fn span(xml: &str, local: &str) -> (usize, usize) {
    let open = format!("<saml:{local}");
    let s = xml
        .find(&format!("{open} "))
        .or_else(|| xml.find(&format!("{open}>")))
        .unwrap();
    let close = format!("</saml:{local}>");
    let e = s + xml[s..].find(&close).unwrap() + close.len();
    (s, e)
}

/// Replaces the first `<saml:{local}>` element of `xml` by its encryption in `<saml:{wrapper}>` (the element gets
/// its own `xmlns:saml`, so it stands alone once decrypted; exclusive c14n keeps its signature valid).
pub fn encrypt_in(xml: &str, local: &str, wrapper: &str, sp: &Idp, e: Enc) -> String {
    let (s, end) = span(xml, local);
    let el = xml[s..end].replacen(
        &format!("<saml:{local}"),
        &format!("<saml:{local} xmlns:saml=\"{SAML_NS}\""),
        1,
    );
    format!(
        "{}{}{}",
        &xml[..s],
        encrypt_text(&el, wrapper, sp, e),
        &xml[end..]
    )
}

/// `xml` with its assertion encrypted for the test SP.
pub fn encrypt_assertion(xml: &str, e: Enc) -> String {
    encrypt_in(xml, "Assertion", "EncryptedAssertion", sp_encryption(), e)
}

/// The test policy with the test SP's decryption key.
pub fn decryption_policy() -> Policy {
    let mut p = policy();
    p.decryption_keys = vec![sp_key(sp_encryption())];
    p
}

pub fn sp_key(sp: &Idp) -> DecryptionKey {
    DecryptionKey::from_pem(&sp.key_pem).unwrap()
}

/// `sp`'s private key as PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), the other form `--sp-decryption-key` reads.
pub fn pkcs1_pem(sp: &Idp) -> String {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    rsa::PrivateKey::from_pkcs8_der(&sp.key_pkcs8)
        .unwrap()
        .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}
