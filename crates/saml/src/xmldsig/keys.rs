//! The configured certificates as verification keys, parsed once per certificate and kept.

use super::*;

/// The parsed form of one trusted certificate's key.
#[derive(Clone)]
pub(super) struct TrustedKey {
    pub(super) der_index: usize,
    pub(super) rsa_bits: Option<usize>,
    pub(super) ec_point_len: Option<usize>,
    /// The bit string of SubjectPublicKeyInfo (PKCS#1 RSAPublicKey, or the uncompressed EC point).
    pub(super) key: Arc<[u8]>,
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
    let key: Arc<[u8]> = spki.subject_public_key.data.as_ref().into();
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
                key,
            })
        }
        "1.2.840.10045.2.1" => Ok(TrustedKey {
            der_index: index,
            rsa_bits: None,
            ec_point_len: Some(key.len()),
            key,
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
