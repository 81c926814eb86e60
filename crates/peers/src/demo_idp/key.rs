//! The demo IdP's signing key and certificate.
//!
//! The RSA-2048 key is generated on first use and kept only in the OS keychain (PKCS#8 DER, through
//! [`Secrets::get_or_create`]); it is never written to a file. The self-signed certificate is derived from the key
//! deterministically (fixed validity, serial number from the public key, PKCS#1 v1.5 signature), so it stays the same
//! across restarts: an SP that trusted it yesterday still trusts it today.
//!
//! Without a reachable keychain (a server, WSL, a container) the demo IdP still runs, on a temporary key that lives in
//! this process's memory only ([`IdpKey::from_keychain_or_temporary`]): the demo key protects nothing real, so losing
//! the demo is worse than a certificate that changes on every start. It is never written to a file, and it says so
//! ([`TEMPORARY_KEY_NOTE`]).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rsa::pkcs8::EncodePrivateKey as _;

use crate::secrets::{SecretBytes, SecretName, Secrets, SecretsError};
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::xmldsig::{SignatureAlgorithm, SigningKey};

/// Size of the generated RSA key.
pub const KEY_BITS: usize = 2048;
/// Subject common name of the certificate.
pub const CERT_CN: &str = "SSO Pilot demo IdP";
/// What every screen and report says about a temporary key.
pub const TEMPORARY_KEY_NOTE: &str =
    "temporary key: its certificate changes each time SSO Pilot starts";

/// Why the demo IdP has no usable key or certificate.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the demo IdP's signing key cannot be read from or stored in the OS keychain: {0}")]
    Keychain(#[from] SecretsError),
    #[error("the demo IdP's signing key stored in the keychain is not a usable RSA key ({detail}): delete it with `ssopilot secrets delete demo-idp-key` and a new one is made on next use (SPs must then trust the new certificate)")]
    Unusable { detail: String },
    #[error("the demo IdP's certificate could not be made ({detail}): delete the key with `ssopilot secrets delete demo-idp-key` and retry")]
    Certificate { detail: String },
}

/// The key (kept in memory only, zeroized on drop) and its certificate.
pub struct IdpKey {
    pkcs8: SecretBytes,
    signing: SigningKey,
    cert_der: Vec<u8>,
    /// Why this key is temporary (made for this process, kept nowhere), or `None` for a kept or given key.
    temporary: Option<String>,
}

impl std::fmt::Debug for IdpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdpKey")
            .field("certificate_sha256", &self.fingerprint_sha256().as_str())
            .finish_non_exhaustive()
    }
}

/// A fresh RSA-2048 private key as PKCS#8 DER (empty when the generator failed, which
/// [`Secrets::get_or_create`] refuses to store).
pub(crate) fn generate_pkcs8() -> Vec<u8> {
    rsa::PrivateKey::new(&mut getrandom::SysRng, KEY_BITS)
        .ok()
        .and_then(|k| k.to_pkcs8_der().ok())
        .map(|doc| doc.as_bytes().to_vec())
        .unwrap_or_default()
}

impl IdpKey {
    /// The key from the keychain, generated and stored there on first use.
    pub fn load_or_create(secrets: &Secrets) -> Result<Self, KeyError> {
        let pkcs8 = secrets.get_or_create(&SecretName::DemoIdpKey, generate_pkcs8)?;
        Self::from_pkcs8(pkcs8)
    }

    /// The key from the keychain when one answers; otherwise a temporary key, saying why (see
    /// [`IdpKey::temporary_reason`]). A key stored in the keychain but unusable stays an error: replacing it silently
    /// would hide the damage.
    pub fn from_keychain_or_temporary(
        secrets: Result<Secrets, SecretsError>,
    ) -> Result<Self, KeyError> {
        let no_keychain = match secrets.map(|s| Self::load_or_create(&s)) {
            Ok(Err(KeyError::Keychain(e))) | Err(e) => e,
            Ok(other) => return other,
        };
        Self::temporary(no_keychain.to_string())
    }

    /// A brand-new key for this process only, never stored: `why` says why it is not kept (shown with
    /// [`TEMPORARY_KEY_NOTE`]).
    pub fn temporary(why: impl Into<String>) -> Result<Self, KeyError> {
        let mut key = Self::generate_ephemeral()?;
        key.temporary = Some(why.into());
        Ok(key)
    }

    /// Why the key is temporary, when it is: its certificate then changes each time SSO Pilot starts.
    pub fn temporary_reason(&self) -> Option<&str> {
        self.temporary.as_deref()
    }

    /// A key held in memory (tests, or a key obtained elsewhere); the certificate is derived from it.
    pub fn from_pkcs8(pkcs8: SecretBytes) -> Result<Self, KeyError> {
        let signing =
            SigningKey::rsa_from_pkcs8(pkcs8.expose()).map_err(|e| KeyError::Unusable {
                detail: e.to_string(),
            })?;
        if signing.default_algorithm() != SignatureAlgorithm::RsaSha256 {
            return Err(KeyError::Unusable {
                detail: "not an RSA key".to_string(),
            });
        }
        let cert_der = certificate(pkcs8.expose(), signing.public_key())?;
        Ok(Self {
            pkcs8,
            signing,
            cert_der,
            temporary: None,
        })
    }

    /// A brand-new key that is not stored anywhere (tests; see [`IdpKey::temporary`] for the one an app runs on).
    pub fn generate_ephemeral() -> Result<Self, KeyError> {
        let der = generate_pkcs8();
        if der.is_empty() {
            return Err(KeyError::Unusable {
                detail: "RSA key generation failed".to_string(),
            });
        }
        Self::from_pkcs8(SecretBytes::new(der))
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The private key, PKCS#8 DER: only for handing to a signer that needs it (never print or store it).
    pub fn pkcs8(&self) -> &[u8] {
        self.pkcs8.expose()
    }

    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The certificate's base64 body, as in metadata and X509Certificate elements.
    pub fn cert_base64(&self) -> String {
        B64.encode(&self.cert_der)
    }

    /// The certificate as PEM, lines of 64 characters.
    pub fn cert_pem(&self) -> String {
        ssopilot_saml::cert::to_pem(&self.cert_der)
    }

    pub fn fingerprint_sha256(&self) -> Fingerprint {
        Fingerprint::sha256(&self.cert_der)
    }
}

/// The self-signed certificate of the key: same key, same certificate.
fn certificate(pkcs8: &[u8], public_key: &[u8]) -> Result<Vec<u8>, KeyError> {
    self_signed(pkcs8, public_key, CERT_CN).map_err(|e| KeyError::Certificate {
        detail: e.to_string(),
    })
}

/// A self-signed certificate named `cn` for an RSA key, derived from the key alone (fixed validity, serial from
/// the public key), so the same key always gives the same certificate.
pub(crate) fn self_signed(
    pkcs8: &[u8],
    public_key: &[u8],
    cn: &str,
) -> Result<Vec<u8>, rcgen::Error> {
    let kp = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.into(), &rcgen::PKCS_RSA_SHA256)?;
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "SSO Pilot");
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2045, 1, 1);
    // A positive serial number of 16 bytes taken from the public key's digest: stable and unique per key.
    let digest = ring::digest::digest(&ring::digest::SHA256, public_key);
    let mut serial = digest.as_ref().get(..16).unwrap_or_default().to_vec();
    if let Some(first) = serial.first_mut() {
        *first &= 0x7f;
        *first |= 0x01;
    }
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    let cert = params.self_signed(&kp)?;
    Ok(cert.der().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_callers_at_once_get_the_same_stored_key() {
        let secrets = Secrets::mock();
        let both = std::sync::Barrier::new(2);
        let certs: Vec<Vec<u8>> = std::thread::scope(|s| {
            let callers: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        both.wait();
                        IdpKey::load_or_create(&secrets)
                            .unwrap()
                            .cert_der()
                            .to_vec()
                    })
                })
                .collect();
            callers.into_iter().map(|c| c.join().unwrap()).collect()
        });
        assert_eq!(certs[0], certs[1], "one key, not two");
        assert_eq!(
            IdpKey::load_or_create(&secrets).unwrap().cert_der(),
            certs[0].as_slice()
        );
    }

    #[test]
    fn same_key_same_certificate_and_it_matches_the_key() {
        let k = IdpKey::generate_ephemeral().unwrap();
        let again = IdpKey::from_pkcs8(SecretBytes::new(k.pkcs8().to_vec())).unwrap();
        assert_eq!(k.cert_der(), again.cert_der());
        let (_, cert) = x509_parser::parse_x509_certificate(k.cert_der()).unwrap();
        assert_eq!(
            cert.public_key().subject_public_key.data.as_ref(),
            k.signing_key().public_key()
        );
        // PKCS#1 RSAPublicKey of a 2048-bit modulus (256 bytes) and a small exponent.
        assert!((266..=272).contains(&k.signing_key().public_key().len()));
        assert!(k.cert_pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
    }

    #[test]
    fn without_a_keychain_the_key_is_temporary_and_says_why() {
        let k = IdpKey::from_keychain_or_temporary(Err(SecretsError::NoKeychain {
            detail: "no session bus".into(),
        }))
        .unwrap();
        let why = k.temporary_reason().unwrap();
        assert!(why.starts_with("no OS keychain is available"), "{why}");
        let other = IdpKey::from_keychain_or_temporary(Err(SecretsError::Locked {
            detail: "locked".into(),
        }))
        .unwrap();
        assert!(other.temporary_reason().is_some());
        assert_ne!(k.cert_der(), other.cert_der(), "a new key on every start");
    }

    #[test]
    fn with_a_keychain_the_key_is_kept_there_and_not_temporary() {
        let secrets = Secrets::mock();
        let k = IdpKey::from_keychain_or_temporary(Ok(secrets)).unwrap();
        assert_eq!(k.temporary_reason(), None);
        // A damaged stored key is not replaced by a temporary one.
        let damaged = Secrets::mock();
        damaged
            .set_bytes(&SecretName::DemoIdpKey, &[0x30, 0x03, 0x02, 0x01, 0x00])
            .unwrap();
        let e = IdpKey::from_keychain_or_temporary(Ok(damaged)).unwrap_err();
        assert!(matches!(e, KeyError::Unusable { .. }), "{e:?}");
    }

    #[test]
    fn a_damaged_stored_key_is_refused_with_advice() {
        let e =
            IdpKey::from_pkcs8(SecretBytes::new(vec![0x30, 0x03, 0x02, 0x01, 0x00])).unwrap_err();
        assert!(
            e.to_string()
                .contains("ssopilot secrets delete demo-idp-key"),
            "{e}"
        );
    }
}
