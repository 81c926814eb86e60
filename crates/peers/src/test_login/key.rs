//! The loopback test SP's own request-signing key and certificate, for IdPs that require signed AuthnRequests.
//!
//! Like the demo IdP's key: RSA-2048, generated on first use and kept only in the OS keychain (PKCS#8 DER, through
//! [`Secrets::get_or_create`]), never in a file; the self-signed certificate is derived from the key, so the SP
//! metadata an IdP imported yesterday still holds today.

use crate::demo_idp::key::{generate_pkcs8, self_signed};
use crate::secrets::{SecretBytes, SecretName, Secrets, SecretsError};
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::request::RequestSigner;
use ssopilot_saml::xmldsig::{SignatureAlgorithm, SigningKey};

/// Subject common name of the test SP's certificate.
pub const CERT_CN: &str = "SSO Pilot test SP";

/// Why the test SP has no usable signing key.
#[derive(Debug, thiserror::Error)]
pub enum SpKeyError {
    #[error(
        "the test SP's request-signing key cannot be read from or stored in the OS keychain: {0}"
    )]
    Keychain(#[from] SecretsError),
    #[error("the test SP's request-signing key stored in the keychain is not a usable RSA key ({detail}): run `ssopilot secrets delete test-sp-key` (or delete the entry \"test-sp-signing-key\", service \"ssopilot\", in your keychain manager) and a new one is made on next use (IdPs must then import the test SP's metadata again)")]
    Unusable { detail: String },
    #[error("the test SP's certificate could not be made ({detail}): run `ssopilot secrets delete test-sp-key` (or delete the entry \"test-sp-signing-key\", service \"ssopilot\", in your keychain manager) and retry")]
    Certificate { detail: String },
}

/// The key (in memory only, zeroized on drop) and its certificate.
pub struct SpKey {
    pkcs8: SecretBytes,
    signing: SigningKey,
    cert_der: Vec<u8>,
}

impl std::fmt::Debug for SpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpKey")
            .field("certificate_sha256", &self.fingerprint_sha256().as_str())
            .finish_non_exhaustive()
    }
}

impl SpKey {
    /// The key from the keychain, generated and stored there on first use. Blocking IPC: from async code call it
    /// inside `spawn_blocking`.
    pub fn load_or_create(secrets: &Secrets) -> Result<Self, SpKeyError> {
        let pkcs8 = secrets.get_or_create(&SecretName::TestSpKey, generate_pkcs8)?;
        Self::from_pkcs8(pkcs8)
    }

    /// A key held in memory; the certificate is derived from it.
    pub fn from_pkcs8(pkcs8: SecretBytes) -> Result<Self, SpKeyError> {
        let signing =
            SigningKey::rsa_from_pkcs8(pkcs8.expose()).map_err(|e| SpKeyError::Unusable {
                detail: e.to_string(),
            })?;
        if signing.default_algorithm() != SignatureAlgorithm::RsaSha256 {
            return Err(SpKeyError::Unusable {
                detail: "not an RSA key".to_string(),
            });
        }
        let cert_der = self_signed(pkcs8.expose(), signing.public_key(), CERT_CN).map_err(|e| {
            SpKeyError::Certificate {
                detail: e.to_string(),
            }
        })?;
        Ok(Self {
            pkcs8,
            signing,
            cert_der,
        })
    }

    /// A brand-new key that is not stored anywhere (tests).
    pub fn generate_ephemeral() -> Result<Self, SpKeyError> {
        let der = generate_pkcs8();
        if der.is_empty() {
            return Err(SpKeyError::Unusable {
                detail: "RSA key generation failed".to_string(),
            });
        }
        Self::from_pkcs8(SecretBytes::new(der))
    }

    /// What signs the requests (RSA-SHA256).
    pub fn signer(&self) -> RequestSigner<'_> {
        RequestSigner {
            key: &self.signing,
            cert_der: &self.cert_der,
        }
    }

    /// The private key, PKCS#8 DER: only for handing to a signer that needs it (never print or store it).
    pub fn pkcs8(&self) -> &[u8] {
        self.pkcs8.expose()
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The certificate as PEM, lines of 64 characters (what an IdP's "SP certificate" field takes).
    pub fn cert_pem(&self) -> String {
        ssopilot_saml::cert::to_pem(&self.cert_der)
    }

    pub fn fingerprint_sha256(&self) -> Fingerprint {
        Fingerprint::sha256(&self.cert_der)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_lives_in_the_keychain_and_gives_the_same_certificate() {
        let secrets = Secrets::mock();
        let first = SpKey::load_or_create(&secrets).unwrap();
        let again = SpKey::load_or_create(&secrets).unwrap();
        assert_eq!(first.cert_der(), again.cert_der());
        assert!(secrets.get_bytes(&SecretName::TestSpKey).unwrap().is_some());
        let (_, cert) = x509_parser::parse_x509_certificate(first.cert_der()).unwrap();
        assert!(cert.subject().to_string().contains(CERT_CN));
        assert_eq!(
            cert.public_key().subject_public_key.data.as_ref(),
            first.signing.public_key()
        );
        assert!(format!("{first:?}").starts_with("SpKey { certificate_sha256"));
    }

    #[test]
    fn two_callers_at_once_get_the_same_stored_key() {
        let secrets = Secrets::mock();
        let both = std::sync::Barrier::new(2);
        let certs: Vec<Vec<u8>> = std::thread::scope(|s| {
            let callers: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        both.wait();
                        SpKey::load_or_create(&secrets).unwrap().cert_der().to_vec()
                    })
                })
                .collect();
            callers.into_iter().map(|c| c.join().unwrap()).collect()
        });
        assert_eq!(certs[0], certs[1], "one key, not two");
        let stored = SpKey::load_or_create(&secrets).unwrap();
        assert_eq!(stored.cert_der(), certs[0].as_slice());
    }

    #[test]
    fn a_damaged_stored_key_is_refused_with_advice() {
        let secrets = Secrets::mock();
        secrets
            .set_bytes(&SecretName::TestSpKey, b"not a key")
            .unwrap();
        let e = SpKey::load_or_create(&secrets).unwrap_err();
        assert!(e.to_string().contains("test-sp-signing-key"), "{e}");
    }
}
