//! The configured certificates as verification keys, parsed once per certificate and kept, with the verifiers made
//! from them: an RSA key parsed by aws-lc-rs keeps its modulus' Montgomery set-up between verifications, which ring
//! 0.17 redoes on every call (a third of its verification time; issue 23).

use std::sync::OnceLock;

use aws_lc_rs::signature::{self as verify_alg, ParsedPublicKey, VerificationAlgorithm};

use super::*;

/// The parsed form of one trusted certificate's key.
#[derive(Clone)]
pub(super) struct TrustedKey {
    pub(super) der_index: usize,
    pub(super) rsa_bits: Option<usize>,
    pub(super) ec_point_len: Option<usize>,
    verifiers: Arc<Verifiers>,
}

/// One certificate's public key, and the verifiers made from it so far (one per signature algorithm, each made on
/// first use and kept with the key in the cache below).
struct Verifiers {
    /// The bit string of SubjectPublicKeyInfo (PKCS#1 RSAPublicKey, or the uncompressed EC point).
    key: Box<[u8]>,
    /// Indexed like [`TrustedKey::verifier`]'s slots; `None` inside when the key was refused for that algorithm.
    parsed: [OnceLock<Option<ParsedPublicKey>>; 6],
    /// The certificate's SHA-256 fingerprint, which every report names: computed once with the key.
    fingerprint: Fingerprint,
    /// Its validity period (notBefore, notAfter), which every report checks: read once with the key.
    validity: Option<(time::OffsetDateTime, time::OffsetDateTime)>,
}

impl TrustedKey {
    /// The SHA-256 fingerprint of the certificate this key came from.
    pub(super) fn fingerprint(&self) -> &Fingerprint {
        &self.verifiers.fingerprint
    }

    /// The validity period of the certificate this key came from, when its dates are representable.
    pub(super) fn validity(&self) -> Option<(time::OffsetDateTime, time::OffsetDateTime)> {
        self.verifiers.validity
    }

    /// The verification algorithm for `algorithm` with this key and its slot in [`Verifiers::parsed`]; `None` when
    /// the key cannot verify that algorithm (ECDSA needs the matching curve).
    fn verifier(
        &self,
        algorithm: SignatureAlgorithm,
    ) -> Option<(usize, &'static dyn VerificationAlgorithm)> {
        Some(match (algorithm, self.ec_point_len) {
            (SignatureAlgorithm::RsaSha1, None) => {
                (0, &verify_alg::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY)
            }
            (SignatureAlgorithm::RsaSha256, None) => (1, &verify_alg::RSA_PKCS1_2048_8192_SHA256),
            (SignatureAlgorithm::RsaSha384, None) => (2, &verify_alg::RSA_PKCS1_2048_8192_SHA384),
            (SignatureAlgorithm::RsaSha512, None) => (3, &verify_alg::RSA_PKCS1_2048_8192_SHA512),
            (SignatureAlgorithm::EcdsaSha256, Some(65)) => {
                (4, &verify_alg::ECDSA_P256_SHA256_FIXED)
            }
            (SignatureAlgorithm::EcdsaSha384, Some(97)) => {
                (5, &verify_alg::ECDSA_P384_SHA384_FIXED)
            }
            _ => return None,
        })
    }

    /// True when `signature` is this key's `algorithm` signature over `message`. A key the algorithm refuses
    /// verifies nothing.
    pub(super) fn verifies(
        &self,
        algorithm: SignatureAlgorithm,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
        let Some((slot, alg)) = self.verifier(algorithm) else {
            return false;
        };
        let Some(cell) = self.verifiers.parsed.get(slot) else {
            return false;
        };
        cell.get_or_init(|| ParsedPublicKey::new(alg, &self.verifiers.key).ok())
            .as_ref()
            .is_some_and(|k| k.verify_sig(message, signature).is_ok())
    }
}

/// Certificates whose key was read recently, with that key: the same configured certificate verifies every response
/// (and both signatures of one), so it is parsed once rather than per verification. Keyed by the whole DER, so any
/// other certificate is a miss; failures are not kept. At most [`KEY_CACHE`] entries, the oldest replaced first.
static KEYS: Mutex<Vec<(Box<[u8]>, TrustedKey)>> = Mutex::new(Vec::new());

pub(super) const KEY_CACHE: usize = 16;

pub(super) fn trusted_key(index: usize, der: &[u8]) -> Result<TrustedKey, XmlDsigError> {
    let cache = || KEYS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, k)) = cache().iter().find(|(d, _)| **d == *der) {
        return Ok(TrustedKey {
            der_index: index,
            ..k.clone()
        });
    }
    let k = parse_trusted_key(index, der)?;
    let mut keys = cache();
    if keys.len() >= KEY_CACHE {
        keys.remove(0);
    }
    keys.push((der.into(), k.clone()));
    Ok(k)
}

pub(super) fn parse_trusted_key(index: usize, der: &[u8]) -> Result<TrustedKey, XmlDsigError> {
    use x509_parser::prelude::FromDer;
    let (rest, cert) = x509_parser::certificate::X509Certificate::from_der(der).map_err(|e| {
        XmlDsigError::BadCertificate {
            index: index + 1,
            detail: format!("it is not a valid X.509 certificate ({e})"),
        }
    })?;
    if !rest.is_empty() {
        return Err(XmlDsigError::BadCertificate {
            index: index + 1,
            detail: "it has trailing bytes after the certificate".to_string(),
        });
    }
    let spki = cert.public_key();
    let key: Box<[u8]> = spki.subject_public_key.data.as_ref().into();
    let key_len = key.len();
    let verifiers = Arc::new(Verifiers {
        key,
        parsed: Default::default(),
        fingerprint: Fingerprint::sha256(der),
        validity: {
            let v = cert.validity();
            time::OffsetDateTime::from_unix_timestamp(v.not_before.timestamp())
                .ok()
                .zip(time::OffsetDateTime::from_unix_timestamp(v.not_after.timestamp()).ok())
        },
    });
    let oid = spki.algorithm.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.1" => {
            let bits = match spki.parsed() {
                Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
                    let m = rsa.modulus;
                    let start = m.iter().position(|b| *b != 0).unwrap_or(m.len());
                    let m = m.get(start..).unwrap_or_default();
                    match m.first() {
                        Some(b) => (m.len() - 1) * 8 + (8 - b.leading_zeros() as usize),
                        None => 0,
                    }
                }
                _ => {
                    return Err(XmlDsigError::BadCertificate {
                        index: index + 1,
                        detail: "its RSA public key cannot be read".to_string(),
                    })
                }
            };
            Ok(TrustedKey {
                der_index: index,
                rsa_bits: Some(bits),
                ec_point_len: None,
                verifiers,
            })
        }
        "1.2.840.10045.2.1" => Ok(TrustedKey {
            der_index: index,
            rsa_bits: None,
            ec_point_len: Some(key_len),
            verifiers,
        }),
        other => Err(XmlDsigError::BadCertificate {
            index: index + 1,
            detail: format!("its key type ({other}) is neither RSA nor ECDSA"),
        }),
    }
}

pub(super) fn fingerprints(certs: &[Vec<u8>]) -> String {
    let v: Vec<String> = certs
        .iter()
        .map(|c| format!("SHA-256 {}", Fingerprint::sha256(c)))
        .collect();
    if v.is_empty() {
        "no certificate".to_string()
    } else {
        v.join(" or ")
    }
}
