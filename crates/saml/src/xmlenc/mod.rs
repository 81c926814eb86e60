//! XML Encryption as SAML uses it: an `EncryptedAssertion`, `EncryptedID` or `EncryptedAttribute` holding one
//! `xenc:EncryptedData` (the element, encrypted with a fresh AES key) and the `xenc:EncryptedKey` that carries that
//! AES key, wrapped with the SP's RSA public key.
//!
//! The primitives come from maintained crates (`rsa` for RSA-OAEP, `aes-gcm`, `aes` and `cbc`); the XML around them
//! is read here from our hardened [`Document`], so nothing is fetched (no `CipherReference`), nothing decompressed,
//! and every size is bounded. Accepted:
//! - key transport: `xmlenc#rsa-oaep-mgf1p` (SHA-1 digest, MGF1-SHA1; a SHA-256 DigestMethod is allowed too) and
//!   `xmlenc11#rsa-oaep` with a SHA-1 or SHA-256 digest and MGF1-SHA1 or MGF1-SHA256. RSA PKCS#1 v1.5
//!   (`xmlenc#rsa-1_5`) is refused: a receiver that answers differently to bad padding is a Bleichenbacher oracle,
//!   and the IdP can always be switched to RSA-OAEP.
//! - content: AES-128/192/256-GCM and AES-128/192/256-CBC (CBC with a warning: it has no integrity).
//!
//! Every failure to open the ciphertext (wrong key, bad OAEP padding, bad GCM tag, bad CBC padding, CBC plaintext that
//! is not UTF-8, garbage base64) is the same [`XmlEncError::DidNotFit`], so the validator is no padding oracle.
//!
//! Pure like the rest of the crate: no files, network or clock. RSA decryption is blinded with the operating
//! system's random numbers (as the `rsa` crate does by default); encryption takes its randomness as a parameter.

use std::fmt;

use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use zeroize::Zeroizing;

use crate::fingerprint::Fingerprint;
use crate::xml::{Document, NodeId};
use crate::xmldsig::DS_NS;

mod cipher;
mod encrypt;

pub use encrypt::{encrypt_element, KeyPlacement};

pub const XENC_NS: &str = "http://www.w3.org/2001/04/xmlenc#";
pub const XENC11_NS: &str = "http://www.w3.org/2009/xmlenc11#";
/// `EncryptedData/@Type` for an encrypted element (the only kind SAML uses).
pub const TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";
pub const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
pub const RSA_OAEP: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
pub const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
const DIGEST_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const DIGEST_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const MGF1_SHA1: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
const MGF1_SHA256: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha256";

/// What an SP that decrypts with this module tells the IdP in its metadata (`md:EncryptionMethod`s of its
/// encryption KeyDescriptor), in order of preference: authenticated content first, then the key transports. AES-192
/// is accepted too but not asked for, as no IdP needs it.
pub const SP_METADATA_METHODS: [&str; 6] = [
    "http://www.w3.org/2009/xmlenc11#aes256-gcm",
    "http://www.w3.org/2009/xmlenc11#aes128-gcm",
    "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
    "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
    RSA_OAEP_MGF1P,
    RSA_OAEP,
];
/// The most `EncryptedKey` elements one encrypted element may carry: one per recipient, and an SP is one recipient
/// (a few allow for key rollover). More only multiplies RSA work.
pub const MAX_ENCRYPTED_KEYS: usize = 4;
/// The largest encrypted payload (decoded ciphertext) opened: real assertions are tens of kilobytes.
pub const MAX_PAYLOAD_BYTES: usize = 512 * 1024;

/// Why an encrypted element was not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlEncError {
    #[error("the encrypted element is not shaped as XML Encryption for SAML: {what}")]
    Structure { what: String },
    #[error("the IdP wraps the AES key with RSA PKCS#1 v1.5 (xmlenc#rsa-1_5), which is refused: a receiver that tells bad padding apart is a Bleichenbacher oracle that lets an attacker decrypt captured logins")]
    Rsa15,
    #[error("the {what} algorithm {uri} is not supported (supported: {supported})")]
    Unsupported {
        what: &'static str,
        uri: String,
        supported: &'static str,
    },
    #[error("the encrypted payload is {size} bytes, above the limit of {max}: no IdP sends an assertion that large")]
    TooLarge { size: usize, max: usize },
    #[error("the encrypted element carries more than {max} EncryptedKey elements, where an SP needs one")]
    TooManyKeys { max: usize },
    #[error("the element is encrypted, and no SP decryption key is configured")]
    NoKey,
    /// The one message for every failure to open the ciphertext.
    #[error("decryption failed: the configured SP decryption key(s) ({tried}) did not fit this encrypted element")]
    DidNotFit { tried: String },
    #[error("the SP decryption key cannot be used: {detail}")]
    Key { detail: String },
}

/// A hash used by RSA-OAEP (for the label digest or for MGF1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OaepHash {
    Sha1,
    Sha256,
}

/// How the AES key is wrapped: RSA-OAEP with its two hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTransport {
    pub digest: OaepHash,
    pub mgf: OaepHash,
    /// Written as `xmlenc11#rsa-oaep` (which names its MGF) rather than `xmlenc#rsa-oaep-mgf1p` (always MGF1-SHA1).
    pub xmlenc11: bool,
}

impl KeyTransport {
    /// `xmlenc#rsa-oaep-mgf1p` with its default SHA-1 digest: the common default of IdPs.
    pub const RSA_OAEP_MGF1P: Self = Self {
        digest: OaepHash::Sha1,
        mgf: OaepHash::Sha1,
        xmlenc11: false,
    };
    /// `xmlenc11#rsa-oaep`, SHA-256 digest, MGF1-SHA1.
    pub const RSA_OAEP_SHA256_MGF1_SHA1: Self = Self {
        digest: OaepHash::Sha256,
        mgf: OaepHash::Sha1,
        xmlenc11: true,
    };
    /// `xmlenc11#rsa-oaep`, SHA-256 digest, MGF1-SHA256.
    pub const RSA_OAEP_SHA256_MGF1_SHA256: Self = Self {
        digest: OaepHash::Sha256,
        mgf: OaepHash::Sha256,
        xmlenc11: true,
    };

    pub fn uri(&self) -> &'static str {
        if self.xmlenc11 {
            RSA_OAEP
        } else {
            RSA_OAEP_MGF1P
        }
    }

    fn digest_uri(&self) -> &'static str {
        match self.digest {
            OaepHash::Sha1 => DIGEST_SHA1,
            OaepHash::Sha256 => DIGEST_SHA256,
        }
    }

    fn mgf_uri(&self) -> &'static str {
        match self.mgf {
            OaepHash::Sha1 => MGF1_SHA1,
            OaepHash::Sha256 => MGF1_SHA256,
        }
    }

    /// "RSA-OAEP (SHA-256, MGF1-SHA1)".
    pub fn describe(&self) -> String {
        let h = |h: OaepHash| match h {
            OaepHash::Sha1 => "SHA-1",
            OaepHash::Sha256 => "SHA-256",
        };
        format!("RSA-OAEP ({}, MGF1-{})", h(self.digest), h(self.mgf))
    }
}

/// The cipher of the content (the encrypted element itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentCipher {
    Aes128Gcm,
    Aes192Gcm,
    Aes256Gcm,
    Aes128Cbc,
    Aes192Cbc,
    Aes256Cbc,
}

impl ContentCipher {
    pub const ALL: [Self; 6] = [
        Self::Aes128Gcm,
        Self::Aes192Gcm,
        Self::Aes256Gcm,
        Self::Aes128Cbc,
        Self::Aes192Cbc,
        Self::Aes256Cbc,
    ];

    pub fn uri(self) -> &'static str {
        match self {
            Self::Aes128Gcm => "http://www.w3.org/2009/xmlenc11#aes128-gcm",
            Self::Aes192Gcm => "http://www.w3.org/2009/xmlenc11#aes192-gcm",
            Self::Aes256Gcm => "http://www.w3.org/2009/xmlenc11#aes256-gcm",
            Self::Aes128Cbc => "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
            Self::Aes192Cbc => "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
            Self::Aes256Cbc => "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
        }
    }

    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.uri() == uri)
    }

    /// The AES key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes128Cbc => 16,
            Self::Aes192Gcm | Self::Aes192Cbc => 24,
            Self::Aes256Gcm | Self::Aes256Cbc => 32,
        }
    }

    /// GCM authenticates the plaintext; CBC does not.
    pub fn is_authenticated(self) -> bool {
        matches!(self, Self::Aes128Gcm | Self::Aes192Gcm | Self::Aes256Gcm)
    }

    /// "AES-256-GCM".
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes128Gcm => "AES-128-GCM",
            Self::Aes192Gcm => "AES-192-GCM",
            Self::Aes256Gcm => "AES-256-GCM",
            Self::Aes128Cbc => "AES-128-CBC",
            Self::Aes192Cbc => "AES-192-CBC",
            Self::Aes256Cbc => "AES-256-CBC",
        }
    }
}

/// An SP private key that decrypts what the IdP encrypted for the SP. Held in memory only: the RSA key zeroizes
/// itself on drop (the `rsa` crate's `ZeroizeOnDrop`), and Debug shows only the public key's fingerprint.
#[derive(Clone)]
pub struct DecryptionKey {
    key: rsa::PrivateKey,
    fingerprint: Fingerprint,
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecryptionKey(public key SHA-256 {})", self.fingerprint)
    }
}

impl DecryptionKey {
    /// Reads an RSA private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, XmlEncError> {
        let key_err = |detail: &str| XmlEncError::Key {
            detail: detail.to_string(),
        };
        let key = if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
            rsa::PrivateKey::from_pkcs1_pem(pem)
                .map_err(|_| key_err("the PKCS#1 RSA private key PEM does not decode"))?
        } else if pem.contains("-----BEGIN PRIVATE KEY-----") {
            rsa::PrivateKey::from_pkcs8_pem(pem).map_err(|_| {
                key_err("the PKCS#8 private key does not decode as an RSA key (SAML key transport needs the SP's RSA key)")
            })?
        } else if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            return Err(key_err("the private key is password-protected: write an unprotected copy for this check (openssl pkey -in key.pem -out plain.pem), and delete it afterwards"));
        } else if pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(key_err(
                "this is a certificate, not a private key: give the SP's private key file",
            ));
        } else {
            return Err(key_err("no RSA private key PEM block (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY) was found"));
        };
        Self::from_key(key)
    }

    /// Reads an RSA private key from PKCS#8 DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, XmlEncError> {
        let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| XmlEncError::Key {
            detail: "the PKCS#8 DER does not decode as an RSA private key".into(),
        })?;
        Self::from_key(key)
    }

    fn from_key(key: rsa::PrivateKey) -> Result<Self, XmlEncError> {
        let spki = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|_| XmlEncError::Key {
                detail: "its public key cannot be encoded".into(),
            })?;
        Ok(Self {
            fingerprint: Fingerprint::sha256(spki.as_bytes()),
            key,
        })
    }

    /// SHA-256 of the public key (SubjectPublicKeyInfo DER): names the key in reports without revealing it.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// Whether `cert_der`'s public key is this key's: the certificate the IdP encrypts for.
    pub fn matches_certificate(&self, cert_der: &[u8]) -> bool {
        x509_parser::parse_x509_certificate(cert_der)
            .is_ok_and(|(_, c)| Fingerprint::sha256(c.public_key().raw) == self.fingerprint)
    }

    /// Unwraps an AES key; `None` for every failure (one answer, no oracle).
    fn unwrap_key(
        &self,
        t: KeyTransport,
        label: Option<&[u8]>,
        ct: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
        use rsa::Oaep;
        use sha1::Sha1;
        use sha2::Sha256;
        let l = label.map(<[u8]>::to_vec);
        let r = match (t.digest, t.mgf, l) {
            (OaepHash::Sha1, OaepHash::Sha1, None) => self
                .key
                .decrypt(Oaep::<Sha1, Sha1>::new_with_mgf_hash(), ct),
            (OaepHash::Sha1, OaepHash::Sha256, None) => self
                .key
                .decrypt(Oaep::<Sha1, Sha256>::new_with_mgf_hash(), ct),
            (OaepHash::Sha256, OaepHash::Sha1, None) => self
                .key
                .decrypt(Oaep::<Sha256, Sha1>::new_with_mgf_hash(), ct),
            (OaepHash::Sha256, OaepHash::Sha256, None) => self
                .key
                .decrypt(Oaep::<Sha256, Sha256>::new_with_mgf_hash(), ct),
            (OaepHash::Sha1, OaepHash::Sha1, Some(l)) => self
                .key
                .decrypt(Oaep::<Sha1, Sha1>::new_with_mgf_hash_and_label(l), ct),
            (OaepHash::Sha1, OaepHash::Sha256, Some(l)) => self
                .key
                .decrypt(Oaep::<Sha1, Sha256>::new_with_mgf_hash_and_label(l), ct),
            (OaepHash::Sha256, OaepHash::Sha1, Some(l)) => self
                .key
                .decrypt(Oaep::<Sha256, Sha1>::new_with_mgf_hash_and_label(l), ct),
            (OaepHash::Sha256, OaepHash::Sha256, Some(l)) => self
                .key
                .decrypt(Oaep::<Sha256, Sha256>::new_with_mgf_hash_and_label(l), ct),
        };
        r.ok().map(Zeroizing::new)
    }
}

/// An opened encrypted element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The serialized element, as the IdP encrypted it.
    pub plaintext: String,
    pub cipher: ContentCipher,
    pub transport: KeyTransport,
    /// Which configured key opened it.
    pub key: Fingerprint,
}

/// One wrapped AES key, read from an `EncryptedKey`.
struct WrappedKey {
    transport: KeyTransport,
    label: Option<Vec<u8>>,
    cipher_value: Vec<u8>,
}

fn el_is(doc: &Document, id: NodeId, ns: &str, local: &str) -> bool {
    doc.element(id).is_some_and(|e| e.is(ns, local))
}

fn child(doc: &Document, id: NodeId, ns: &str, local: &str) -> Option<NodeId> {
    doc.children_named(id, ns, local).next()
}

fn attr<'a>(doc: &'a Document, id: NodeId, name: &str) -> Option<&'a str> {
    doc.element(id).and_then(|e| e.attr(name))
}

fn structure(what: impl Into<String>) -> XmlEncError {
    XmlEncError::Structure { what: what.into() }
}

/// Base64 with the whitespace XML allows inside it; `None` for anything else (garbage has no message of its own).
fn b64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .ok()
}

/// The text of `parent/xenc:CipherData/xenc:CipherValue`; a CipherReference (ciphertext fetched from a URI) is refused.
fn cipher_value(doc: &Document, parent: NodeId, what: &str) -> Result<String, XmlEncError> {
    let data = child(doc, parent, XENC_NS, "CipherData")
        .ok_or_else(|| structure(format!("{what} has no CipherData")))?;
    if child(doc, data, XENC_NS, "CipherReference").is_some() {
        return Err(structure(format!(
            "{what} points to its ciphertext with a CipherReference (a URI to fetch), which is never followed"
        )));
    }
    let value = child(doc, data, XENC_NS, "CipherValue")
        .ok_or_else(|| structure(format!("{what} has no CipherValue")))?;
    let (text, other) = doc.text_only(value);
    if other {
        return Err(structure(format!("{what}'s CipherValue contains markup")));
    }
    Ok(text)
}

fn read_encrypted_key(doc: &Document, ek: NodeId) -> Result<WrappedKey, XmlEncError> {
    let method = child(doc, ek, XENC_NS, "EncryptionMethod")
        .ok_or_else(|| structure("an EncryptedKey has no EncryptionMethod"))?;
    let uri = attr(doc, method, "Algorithm").unwrap_or("(absent)");
    let supported = "xmlenc#rsa-oaep-mgf1p, xmlenc11#rsa-oaep";
    let digest = match child(doc, method, DS_NS, "DigestMethod").map(|d| attr(doc, d, "Algorithm"))
    {
        None | Some(Some(DIGEST_SHA1)) => OaepHash::Sha1,
        Some(Some(DIGEST_SHA256)) => OaepHash::Sha256,
        Some(other) => {
            return Err(XmlEncError::Unsupported {
                what: "RSA-OAEP digest",
                uri: other.unwrap_or("(absent)").to_string(),
                supported: "SHA-1 (xmldsig#sha1), SHA-256 (xmlenc#sha256)",
            })
        }
    };
    let transport = match uri {
        RSA_1_5 => return Err(XmlEncError::Rsa15),
        RSA_OAEP_MGF1P => KeyTransport {
            digest,
            mgf: OaepHash::Sha1,
            xmlenc11: false,
        },
        RSA_OAEP => {
            let mgf = match child(doc, method, XENC11_NS, "MGF").map(|m| attr(doc, m, "Algorithm"))
            {
                None | Some(Some(MGF1_SHA1)) => OaepHash::Sha1,
                Some(Some(MGF1_SHA256)) => OaepHash::Sha256,
                Some(other) => {
                    return Err(XmlEncError::Unsupported {
                        what: "RSA-OAEP mask generation",
                        uri: other.unwrap_or("(absent)").to_string(),
                        supported: "MGF1 with SHA-1 or SHA-256",
                    })
                }
            };
            KeyTransport {
                digest,
                mgf,
                xmlenc11: true,
            }
        }
        other => {
            return Err(XmlEncError::Unsupported {
                what: "key transport",
                uri: other.to_string(),
                supported,
            })
        }
    };
    let label = match child(doc, method, XENC_NS, "OAEPparams") {
        Some(p) => {
            Some(b64(&doc.text_only(p).0).ok_or_else(|| structure("OAEPparams is not base64"))?)
        }
        None => None,
    };
    let text = cipher_value(doc, ek, "an EncryptedKey")?;
    Ok(WrappedKey {
        transport,
        label,
        // Garbage is found out by the same failure as a wrong key.
        cipher_value: b64(&text).unwrap_or_default(),
    })
}

/// The EncryptedKey elements that may hold the AES key of `data`: inside its KeyInfo, or beside it in `encrypted`
/// (named by a RetrievalMethod or a KeyName matching CarriedKeyName, or else all of them).
fn candidate_keys(
    doc: &Document,
    encrypted: NodeId,
    data: NodeId,
) -> Result<Vec<NodeId>, XmlEncError> {
    let siblings: Vec<NodeId> = doc
        .children_named(encrypted, XENC_NS, "EncryptedKey")
        .collect();
    let mut found = Vec::new();
    if let Some(ki) = child(doc, data, DS_NS, "KeyInfo") {
        for k in doc.element_children(ki) {
            if el_is(doc, k, XENC_NS, "EncryptedKey") {
                found.push(k);
            } else if el_is(doc, k, DS_NS, "RetrievalMethod") {
                let uri = attr(doc, k, "URI").unwrap_or_default();
                let id = uri.strip_prefix('#').ok_or_else(|| {
                    structure(format!(
                        "a RetrievalMethod points outside the encrypted element ({uri:?}), which is never followed"
                    ))
                })?;
                let target = siblings
                    .iter()
                    .find(|s| attr(doc, **s, "Id") == Some(id))
                    .ok_or_else(|| {
                        structure(format!(
                            "the RetrievalMethod names EncryptedKey #{id}, which is not beside the EncryptedData"
                        ))
                    })?;
                found.push(*target);
            } else if el_is(doc, k, DS_NS, "KeyName") {
                let name = doc.text_only(k).0;
                found.extend(siblings.iter().copied().filter(|s| {
                    child(doc, *s, XENC_NS, "CarriedKeyName")
                        .is_some_and(|c| doc.text_only(c).0.trim() == name.trim())
                }));
            }
        }
    }
    if found.is_empty() {
        found = siblings;
    }
    found.dedup();
    if found.is_empty() {
        return Err(structure(
            "no EncryptedKey (inside the EncryptedData's KeyInfo or beside it) carries the AES key",
        ));
    }
    Ok(found)
}

/// Opens `encrypted` (a SAML `EncryptedAssertion`, `EncryptedID` or `EncryptedAttribute`) with one of `keys`.
pub fn decrypt(
    doc: &Document,
    encrypted: NodeId,
    keys: &[DecryptionKey],
) -> Result<Opened, XmlEncError> {
    let name = doc
        .element(encrypted)
        .map(|e| e.local.to_string())
        .unwrap_or_default();
    let mut kids = doc.element_children(encrypted);
    let data = kids
        .next()
        .filter(|d| el_is(doc, *d, XENC_NS, "EncryptedData"))
        .ok_or_else(|| structure(format!("{name} must start with one xenc:EncryptedData")))?;
    if let Some(other) = kids.find(|k| !el_is(doc, *k, XENC_NS, "EncryptedKey")) {
        let q = doc.element(other).map(|e| e.qname()).unwrap_or_default();
        return Err(structure(format!(
            "{name} holds <{q}>, where only EncryptedData and EncryptedKey belong"
        )));
    }
    let all_keys = doc
        .elements()
        .filter(|e| el_is(doc, *e, XENC_NS, "EncryptedKey") && doc.is_within(*e, encrypted))
        .take(MAX_ENCRYPTED_KEYS + 1)
        .count();
    if all_keys > MAX_ENCRYPTED_KEYS {
        return Err(XmlEncError::TooManyKeys {
            max: MAX_ENCRYPTED_KEYS,
        });
    }
    if let Some(t) = attr(doc, data, "Type").filter(|t| *t != TYPE_ELEMENT) {
        return Err(structure(format!(
            "EncryptedData has Type {t}, where SAML encrypts a whole element ({TYPE_ELEMENT})"
        )));
    }
    let method = child(doc, data, XENC_NS, "EncryptionMethod")
        .and_then(|m| attr(doc, m, "Algorithm"))
        .ok_or_else(|| structure("EncryptedData has no EncryptionMethod Algorithm"))?;
    let cipher = ContentCipher::from_uri(method).ok_or_else(|| XmlEncError::Unsupported {
        what: "content encryption",
        uri: method.to_string(),
        supported: "AES-128/192/256-GCM (xmlenc11), AES-128/192/256-CBC (xmlenc)",
    })?;
    let payload = cipher_value(doc, data, "EncryptedData")?;
    // Base64 is 4 characters per 3 bytes: the decoded size is known before decoding.
    let size = payload.len() / 4 * 3;
    if size > MAX_PAYLOAD_BYTES {
        return Err(XmlEncError::TooLarge {
            size,
            max: MAX_PAYLOAD_BYTES,
        });
    }
    let wrapped = candidate_keys(doc, encrypted, data)?
        .into_iter()
        .map(|k| read_encrypted_key(doc, k))
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(XmlEncError::NoKey);
    }
    let ciphertext = b64(&payload).unwrap_or_default();
    for key in keys {
        for w in &wrapped {
            let Some(aes_key) = key.unwrap_key(w.transport, w.label.as_deref(), &w.cipher_value)
            else {
                continue;
            };
            if aes_key.len() != cipher.key_len() {
                continue;
            }
            let Some(plain) = cipher::decrypt(cipher, &aes_key, &ciphertext) else {
                continue;
            };
            let Ok(plaintext) = String::from_utf8(plain.to_vec()) else {
                continue;
            };
            return Ok(Opened {
                plaintext,
                cipher,
                transport: w.transport,
                key: key.fingerprint.clone(),
            });
        }
    }
    Err(XmlEncError::DidNotFit {
        tried: keys
            .iter()
            .map(|k| format!("public key SHA-256 {}", k.fingerprint))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rsa_key_zeroizes_on_drop_and_debug_shows_only_the_fingerprint() {
        fn zeroizes<T: zeroize::ZeroizeOnDrop>() {}
        zeroizes::<rsa::PrivateKey>();
        let k = rsa::PrivateKey::new(&mut getrandom::SysRng, 1024).unwrap();
        let pem = {
            use rsa::pkcs8::EncodePrivateKey;
            k.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap()
        };
        let d = DecryptionKey::from_pem(&pem).unwrap();
        let shown = format!("{d:?}");
        assert!(
            shown.starts_with("DecryptionKey(public key SHA-256 "),
            "{shown}"
        );
        assert!(!shown.contains("BEGIN") && shown.len() < 140, "{shown}");
    }

    #[test]
    fn pem_errors_say_what_was_given() {
        let e =
            DecryptionKey::from_pem("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----")
                .unwrap_err();
        assert!(
            e.to_string().contains("certificate, not a private key"),
            "{e}"
        );
        let e = DecryptionKey::from_pem("-----BEGIN ENCRYPTED PRIVATE KEY-----\n").unwrap_err();
        assert!(e.to_string().contains("password-protected"), "{e}");
        let e = DecryptionKey::from_pem("hello").unwrap_err();
        assert!(e.to_string().contains("no RSA private key"), "{e}");
    }
}
