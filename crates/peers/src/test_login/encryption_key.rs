//! The loopback test SP's encryption key pair: an IdP that encrypts assertions (Okta, Entra ID, ADFS offer it)
//! encrypts them for the certificate in the test SP's metadata, and the test login opens them with this key by
//! itself.
//!
//! A key of its own, apart from the request-signing key ([`super::key`]): one key for one purpose, and replacing
//! one leaves the other's certificate in the IdP valid. RSA-2048, generated on first use and kept only in the OS
//! keychain (entry `test-sp-encryption-key`, PKCS#8 DER), never in a file; the self-signed certificate is derived
//! from the key, so an IdP set up yesterday still encrypts for it today.
//!
//! Without a reachable keychain the test SP still runs, on a temporary key in this process's memory only
//! ([`SpEncryptionKey::from_keychain_or_temporary`]): good for the demo IdP, which SSO Pilot configures in the same
//! run, and said plainly ([`TEMPORARY_NOTE`]) since an IdP given an earlier certificate cannot encrypt for it.

use crate::demo_idp::key::{generate_pkcs8, self_signed};
use crate::secrets::{SecretBytes, SecretName, Secrets, SecretsError};
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::xmldsig::{SignatureAlgorithm, SigningKey};
use ssopilot_saml::xmlenc::DecryptionKey;

/// Subject common name of the encryption certificate.
pub const CERT_CN: &str = "SSO Pilot test SP encryption";

/// What every screen and report says about a temporary encryption key.
pub const TEMPORARY_NOTE: &str = "the test SP's encryption key is temporary (no OS keychain): its certificate changes each time SSO Pilot starts, so an IdP can encrypt only for the certificate of this run";

/// Why the test SP has no usable encryption key.
#[derive(Debug, thiserror::Error)]
pub enum SpEncryptionKeyError {
    #[error("the test SP's encryption key cannot be read from or stored in the OS keychain: {0}")]
    Keychain(#[from] SecretsError),
    #[error("the test SP's encryption key stored in the keychain is not a usable RSA key ({detail}): run `ssopilot secrets delete test-sp-encryption-key` (or delete the entry \"test-sp-encryption-key\", service \"ssopilot\", in your keychain manager) and a new one is made on next use (IdPs that encrypt must then be given the new certificate)")]
    Unusable { detail: String },
    #[error("the test SP's encryption certificate could not be made ({detail}): run `ssopilot secrets delete test-sp-encryption-key` and retry")]
    Certificate { detail: String },
}

/// The key (in memory only: the private key zeroizes on drop) and its certificate.
#[derive(Clone)]
pub struct SpEncryptionKey {
    decryption: DecryptionKey,
    cert_der: Vec<u8>,
    /// Why the key is temporary (made for this process, kept nowhere), or `None` for a kept key.
    temporary: Option<String>,
}

impl std::fmt::Debug for SpEncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpEncryptionKey")
            .field("certificate_sha256", &self.fingerprint_sha256().as_str())
            .field("temporary", &self.temporary.is_some())
            .finish_non_exhaustive()
    }
}

impl SpEncryptionKey {
    /// The key from the keychain, generated and stored there on first use. Blocking IPC: from async code call it
    /// inside `spawn_blocking`.
    pub fn load_or_create(secrets: &Secrets) -> Result<Self, SpEncryptionKeyError> {
        let pkcs8 = secrets.get_or_create(&SecretName::TestSpEncryptionKey, generate_pkcs8)?;
        Self::from_pkcs8(pkcs8)
    }

    /// The key from the keychain when one answers; otherwise a temporary key, saying why
    /// ([`Self::temporary_reason`]). A key stored in the keychain but unusable stays an error: replacing it silently
    /// would hide the damage (and the IdP's certificate would stop fitting without a word).
    /// `secrets` is the keychain, or why there is none.
    pub fn from_keychain_or_temporary(
        secrets: Result<&Secrets, String>,
    ) -> Result<Self, SpEncryptionKeyError> {
        let no_keychain = match secrets.map(Self::load_or_create) {
            Ok(Err(SpEncryptionKeyError::Keychain(e))) => e.to_string(),
            Err(e) => e,
            Ok(other) => return other,
        };
        let mut key = Self::generate_ephemeral()?;
        key.temporary = Some(no_keychain);
        Ok(key)
    }

    /// A key held in memory; the certificate is derived from it. The DER is wiped when `pkcs8` drops.
    pub fn from_pkcs8(pkcs8: SecretBytes) -> Result<Self, SpEncryptionKeyError> {
        let unusable = |detail: String| SpEncryptionKeyError::Unusable { detail };
        let signing =
            SigningKey::rsa_from_pkcs8(pkcs8.expose()).map_err(|e| unusable(e.to_string()))?;
        if signing.default_algorithm() != SignatureAlgorithm::RsaSha256 {
            return Err(unusable("not an RSA key".to_string()));
        }
        let decryption =
            DecryptionKey::from_pkcs8_der(pkcs8.expose()).map_err(|e| unusable(e.to_string()))?;
        let cert_der = self_signed(pkcs8.expose(), signing.public_key(), CERT_CN).map_err(|e| {
            SpEncryptionKeyError::Certificate {
                detail: e.to_string(),
            }
        })?;
        Ok(Self {
            decryption,
            cert_der,
            temporary: None,
        })
    }

    /// A brand-new key that is not stored anywhere (tests; the no-keychain fallback marks it temporary).
    pub fn generate_ephemeral() -> Result<Self, SpEncryptionKeyError> {
        let der = generate_pkcs8();
        if der.is_empty() {
            return Err(SpEncryptionKeyError::Unusable {
                detail: "RSA key generation failed".to_string(),
            });
        }
        Self::from_pkcs8(SecretBytes::new(der))
    }

    /// What the validator decrypts with (put it in the policy's `decryption_keys`).
    pub fn decryption_key(&self) -> &DecryptionKey {
        &self.decryption
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The certificate as PEM (what an IdP's "SP encryption certificate" field takes).
    pub fn cert_pem(&self) -> String {
        ssopilot_saml::cert::to_pem(&self.cert_der)
    }

    pub fn fingerprint_sha256(&self) -> Fingerprint {
        Fingerprint::sha256(&self.cert_der)
    }

    /// Why the key is temporary, when it is (no keychain): its certificate changes with every start.
    pub fn temporary_reason(&self) -> Option<&str> {
        self.temporary.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_login::key::SpKey;

    #[test]
    fn the_key_lives_in_its_own_keychain_entry_and_gives_the_same_certificate() {
        let secrets = Secrets::mock();
        let first = SpEncryptionKey::load_or_create(&secrets).unwrap();
        let again = SpEncryptionKey::load_or_create(&secrets).unwrap();
        assert_eq!(first.cert_der(), again.cert_der());
        assert!(first.temporary_reason().is_none());
        assert!(secrets
            .get_bytes(&SecretName::TestSpEncryptionKey)
            .unwrap()
            .is_some());
        // Not the signing key: a separate entry, a separate certificate.
        assert!(secrets.get_bytes(&SecretName::TestSpKey).unwrap().is_none());
        let signing = SpKey::load_or_create(&secrets).unwrap();
        assert_ne!(signing.cert_der(), first.cert_der());
        let (_, cert) = x509_parser::parse_x509_certificate(first.cert_der()).unwrap();
        assert!(cert.subject().to_string().contains(CERT_CN));
        assert!(first.decryption_key().matches_certificate(first.cert_der()));
        assert!(!first
            .decryption_key()
            .matches_certificate(signing.cert_der()));
        let shown = format!("{first:?}");
        assert!(
            shown.starts_with("SpEncryptionKey { certificate_sha256"),
            "{shown}"
        );
        assert!(!shown.contains("PRIVATE"), "{shown}");
    }

    #[test]
    fn without_a_keychain_the_key_is_temporary_and_says_why() {
        let none = SecretsError::NoKeychain {
            detail: "no Secret Service".into(),
        };
        let key = SpEncryptionKey::from_keychain_or_temporary(Err(none.to_string())).unwrap();
        assert!(key
            .temporary_reason()
            .unwrap()
            .contains("no Secret Service"));
        let other = SpEncryptionKey::from_keychain_or_temporary(Err(none.to_string())).unwrap();
        assert_ne!(key.cert_der(), other.cert_der());
        // With a keychain it is the kept one.
        let secrets = Secrets::mock();
        let kept = SpEncryptionKey::from_keychain_or_temporary(Ok(&secrets)).unwrap();
        assert!(kept.temporary_reason().is_none());
    }

    #[test]
    fn a_damaged_stored_key_is_refused_with_advice_not_replaced() {
        let secrets = Secrets::mock();
        secrets
            .set_bytes(&SecretName::TestSpEncryptionKey, b"not a key")
            .unwrap();
        let e = SpEncryptionKey::from_keychain_or_temporary(Ok(&secrets)).unwrap_err();
        assert!(
            e.to_string()
                .contains("ssopilot secrets delete test-sp-encryption-key"),
            "{e}"
        );
    }
}
