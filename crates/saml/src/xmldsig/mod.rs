//! XML-DSig as SAML uses it, and nothing more: one enveloped signature over one element, exclusive c14n,
//! RSA PKCS#1 v1.5 or ECDSA, keys only from configured certificates. Verification and signing live together so the
//! demo IdP signs with exactly the canonicalization the validator checks.
//!
//! Verification is split in [`Stage`]s so a report can say which part failed (the structure, the reference, the
//! transforms, the algorithm, the key, the digest, or the signature value).

use base64::Engine;
use std::sync::{Arc, Mutex};

use ring::digest;
use ring::rand::SystemRandom;
use ring::signature::{self as sig, EcdsaKeyPair, KeyPair, RsaKeyPair};
use serde::Serialize;

use crate::c14n::{canonicalize, C14nError};
use crate::fingerprint::Fingerprint;
use crate::xml::{self, Document, NodeId, XmlError};

mod keys;
mod sign;

use keys::*;
pub use sign::{sign_enveloped, SigningKey};

pub const DS_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const SAML_ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

/// The signature algorithms SAML IdPs use that we accept (SHA-1 only behind the legacy switch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureAlgorithm {
    RsaSha1,
    RsaSha256,
    RsaSha384,
    RsaSha512,
    EcdsaSha256,
    EcdsaSha384,
}

impl SignatureAlgorithm {
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaSha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            Self::RsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            Self::RsaSha384 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
            Self::RsaSha512 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            Self::EcdsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            Self::EcdsaSha384 => "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        }
    }

    fn from_uri(uri: &str) -> Option<Self> {
        [
            Self::RsaSha1,
            Self::RsaSha256,
            Self::RsaSha384,
            Self::RsaSha512,
            Self::EcdsaSha256,
            Self::EcdsaSha384,
        ]
        .into_iter()
        .find(|a| a.uri() == uri)
    }

    fn is_rsa(self) -> bool {
        matches!(
            self,
            Self::RsaSha1 | Self::RsaSha256 | Self::RsaSha384 | Self::RsaSha512
        )
    }

    /// The digest used for the Reference when we sign with this algorithm.
    pub fn matching_digest(self) -> DigestAlgorithm {
        match self {
            Self::RsaSha1 => DigestAlgorithm::Sha1,
            Self::RsaSha256 | Self::EcdsaSha256 => DigestAlgorithm::Sha256,
            Self::RsaSha384 | Self::EcdsaSha384 => DigestAlgorithm::Sha384,
            Self::RsaSha512 => DigestAlgorithm::Sha512,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DigestAlgorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    pub fn uri(self) -> &'static str {
        match self {
            Self::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
            Self::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
            Self::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#sha384",
            Self::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
        }
    }

    fn from_uri(uri: &str) -> Option<Self> {
        [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512]
            .into_iter()
            .find(|a| a.uri() == uri)
    }

    fn ring(self) -> &'static digest::Algorithm {
        match self {
            Self::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        }
    }
}

/// The part of verification a failure belongs to, in the order they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Structure,
    Reference,
    Transforms,
    Algorithm,
    Key,
    Digest,
    Value,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Structure,
        Stage::Reference,
        Stage::Transforms,
        Stage::Algorithm,
        Stage::Key,
        Stage::Digest,
        Stage::Value,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Structure => "structure",
            Stage::Reference => "reference",
            Stage::Transforms => "transforms",
            Stage::Algorithm => "algorithm",
            Stage::Key => "key",
            Stage::Digest => "digest",
            Stage::Value => "value",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlDsigError {
    #[error("the signature is malformed: {0}")]
    Structure(String),
    #[error("the signature's Reference is not acceptable: {0}")]
    Reference(String),
    #[error("the signature uses a transform or canonicalization SAML does not need: {0}; only enveloped-signature followed by exclusive c14n (without comments) is accepted")]
    Transforms(String),
    #[error("the signature uses HMAC ({0}): a shared-secret MAC is not a signature by the IdP and is never accepted")]
    Hmac(String),
    #[error("the signature uses SHA-1 ({0}), which is broken; ask the IdP to sign with RSA-SHA256 (or pass --allow-sha1 for a legacy IdP)")]
    Sha1NotAllowed(String),
    #[error(
        "the signature algorithm {0} is not supported: use RSA-SHA256/384/512 or ECDSA-SHA256/384"
    )]
    UnsupportedAlgorithm(String),
    #[error("no IdP certificate is configured, so no signature can be trusted: paste the IdP's signing certificate")]
    NoTrustedCertificate,
    #[error("configured certificate {index} cannot be used: {detail}")]
    BadCertificate { index: usize, detail: String },
    #[error("the configured certificate's RSA key has {bits} bits; at least 2048 are required")]
    KeyTooSmall { bits: usize },
    #[error("the signature algorithm {algorithm} does not match the configured certificate's key ({key})")]
    KeyAlgorithmMismatch { algorithm: String, key: String },
    #[error("signed by certificate {found}, but you configured {configured}: download the IdP's current signing certificate and paste it again")]
    KeyInfoMismatch { found: String, configured: String },
    #[error("the InclusiveNamespaces PrefixList of {what} is refused: {detail} (canonicalization reads it before the signature is checked, so its size is bounded)")]
    PrefixList { what: String, detail: String },
    #[error("the {what} is not valid base64")]
    Base64 { what: &'static str },
    #[error("the digest does not match: the signed element was changed after it was signed")]
    DigestMismatch,
    #[error("the signature value does not verify with the configured certificate {configured}: the response was signed by another key, or the signed information was changed")]
    SignatureMismatch { configured: String },
    #[error("cannot sign: {0}")]
    Sign(String),
    #[error("cannot sign: the document is not acceptable XML: {0}")]
    Xml(#[from] XmlError),
    #[error(transparent)]
    C14n(#[from] C14nError),
}

impl XmlDsigError {
    /// Which verification stage this failure belongs to.
    pub fn stage(&self) -> Stage {
        match self {
            // A canonical form over its size cap is refused while the digest is being computed.
            Self::C14n(C14nError::TooLarge { .. }) => Stage::Digest,
            Self::Structure(_) | Self::Xml(_) | Self::C14n(_) | Self::Sign(_) => Stage::Structure,
            Self::Reference(_) => Stage::Reference,
            Self::Transforms(_) | Self::PrefixList { .. } => Stage::Transforms,
            Self::Hmac(_) | Self::Sha1NotAllowed(_) | Self::UnsupportedAlgorithm(_) => {
                Stage::Algorithm
            }
            Self::NoTrustedCertificate
            | Self::BadCertificate { .. }
            | Self::KeyTooSmall { .. }
            | Self::KeyAlgorithmMismatch { .. }
            | Self::KeyInfoMismatch { .. } => Stage::Key,
            Self::Base64 { .. } | Self::DigestMismatch => Stage::Digest,
            Self::SignatureMismatch { .. } => Stage::Value,
        }
    }
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The element the Reference resolved to (the Signature's parent).
    pub signed_element: NodeId,
    /// Index into the configured certificates of the one that verified.
    pub cert_index: usize,
    pub algorithm: SignatureAlgorithm,
    pub digest: DigestAlgorithm,
    /// The SHA-256 fingerprint of that certificate (kept with its parsed key, so not recomputed per response).
    pub certificate_sha256: Fingerprint,
    /// That certificate's validity period (notBefore, notAfter), read with its key; `None` when its dates cannot be
    /// represented.
    pub certificate_validity: Option<(time::OffsetDateTime, time::OffsetDateTime)>,
}

impl Verified {
    /// True when SHA-1 was used anywhere (only possible with `allow_sha1`).
    pub fn uses_sha1(&self) -> bool {
        self.algorithm == SignatureAlgorithm::RsaSha1 || self.digest == DigestAlgorithm::Sha1
    }
}

/// Decodes base64 strictly after removing the XML whitespace that wrapping adds.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    // Wrapped base64 is long runs between line ends: the runs are copied whole.
    let is_space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let mut compact: Vec<u8> = Vec::with_capacity(text.len());
    for run in text.as_bytes().split(is_space) {
        compact.extend_from_slice(run);
    }
    if compact.is_empty() {
        return None;
    }
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .ok()
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut acc = 0u8;
    for (x, y) in a.iter().zip(b.iter()) {
        acc |= x ^ y;
    }
    std::hint::black_box(acc) == 0
}

fn structure(msg: impl Into<String>) -> XmlDsigError {
    XmlDsigError::Structure(msg.into())
}

/// The single ds child `local` of `parent`; errors when missing or repeated.
fn one_child(doc: &Document, parent: NodeId, local: &str) -> Result<NodeId, XmlDsigError> {
    let mut it = doc.children_named(parent, DS_NS, local);
    let first = it
        .next()
        .ok_or_else(|| structure(format!("it has no ds:{local}")))?;
    if it.next().is_some() {
        return Err(structure(format!("it has more than one ds:{local}")));
    }
    Ok(first)
}

/// The element children of `parent` must be exactly `allowed` (each optional ones marked), in this order.
fn expect_children(
    doc: &Document,
    parent: NodeId,
    what: &str,
    allowed: &[(&str, bool)],
) -> Result<(), XmlDsigError> {
    let kids: Vec<NodeId> = doc.element_children(parent).collect();
    let mut i = 0;
    for (name, required) in allowed {
        let here = kids
            .get(i)
            .and_then(|k| doc.element(*k))
            .is_some_and(|e| e.is(DS_NS, name));
        if here {
            i += 1;
        } else if *required {
            return Err(structure(format!("{what} has no ds:{name} where expected")));
        }
    }
    if let Some(extra) = kids.get(i).and_then(|k| doc.element(*k)) {
        return Err(structure(format!(
            "{what} contains an unexpected <{}> (only {} are allowed, in this order; no Object or Manifest)",
            extra.qname(),
            allowed
                .iter()
                .map(|(n, _)| format!("ds:{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for c in doc.children(parent) {
        if let Some(crate::xml::NodeKind::Text(t)) = doc.node(*c).map(|n| &n.kind) {
            if !t.trim().is_empty() {
                return Err(structure(format!("{what} contains stray text")));
            }
        }
    }
    Ok(())
}

fn algorithm_attr(doc: &Document, id: NodeId, what: &str) -> Result<String, XmlDsigError> {
    doc.element(id)
        .and_then(|e| e.attr("Algorithm"))
        .map(str::to_string)
        .ok_or_else(|| structure(format!("{what} has no Algorithm")))
}

fn text_value(doc: &Document, id: NodeId, what: &str) -> Result<String, XmlDsigError> {
    let (text, other) = doc.text_only(id);
    if other {
        return Err(structure(format!(
            "{what} contains markup (a comment, element or processing instruction); it must be base64 text only"
        )));
    }
    Ok(text)
}

/// The most prefixes an InclusiveNamespaces PrefixList may list (IdPs list a handful, such as `xs xsi`).
pub const MAX_INCLUSIVE_PREFIXES: usize = 64;
/// The longest prefix it may list, in characters.
pub const MAX_PREFIX_CHARS: usize = 64;

/// Splits a PrefixList (whitespace-separated prefixes, `#default` for the default namespace) within
/// [`MAX_INCLUSIVE_PREFIXES`] and [`MAX_PREFIX_CHARS`]; the error says which bound was exceeded.
pub fn parse_prefix_list(list: &str) -> Result<Vec<String>, String> {
    let count = list.split_ascii_whitespace().count();
    if count > MAX_INCLUSIVE_PREFIXES {
        return Err(format!(
            "it has {count} prefixes; at most {MAX_INCLUSIVE_PREFIXES} are accepted"
        ));
    }
    let mut out = Vec::with_capacity(count);
    for p in list.split_ascii_whitespace() {
        let chars = p.chars().count();
        if chars > MAX_PREFIX_CHARS {
            return Err(format!(
                "a prefix in it has {chars} characters; at most {MAX_PREFIX_CHARS} are accepted"
            ));
        }
        out.push(p.to_string());
    }
    Ok(out)
}

/// The InclusiveNamespaces PrefixList of a c14n method or transform element, if any; other children are refused.
fn inclusive_prefixes(doc: &Document, id: NodeId, what: &str) -> Result<Vec<String>, XmlDsigError> {
    let mut out = Vec::new();
    let mut seen = false;
    for c in doc.element_children(id) {
        let Some(e) = doc.element(c) else { continue };
        if e.is(EXC_C14N, "InclusiveNamespaces") && !seen {
            seen = true;
            if doc.element_children(c).next().is_some() {
                return Err(XmlDsigError::Transforms(format!(
                    "{what}: InclusiveNamespaces has child elements"
                )));
            }
            out = parse_prefix_list(e.attr("PrefixList").unwrap_or("")).map_err(|detail| {
                XmlDsigError::PrefixList {
                    what: what.to_string(),
                    detail,
                }
            })?;
        } else {
            return Err(XmlDsigError::Transforms(format!(
                "{what} has an unexpected child <{}>",
                e.qname()
            )));
        }
    }
    Ok(out)
}

fn describe_transform(uri: &str) -> String {
    let kind = if uri.contains("xpath") || uri.contains("XPath") {
        "XPath"
    } else if uri.contains("xslt") {
        "XSLT"
    } else if uri.contains("#base64") {
        "Base64"
    } else if uri.contains("WithComments") {
        "c14n WithComments"
    } else if uri.contains("c14n") {
        "a non-exclusive canonicalization"
    } else {
        "an unknown transform"
    };
    format!("{kind} ({uri})")
}

/// The certificate carried in the signature's KeyInfo (DER), if there is exactly one readable one.
///
/// It never grants trust: it is used to pick among the configured certificates and to name the certificate the IdP
/// actually used when it is not the configured one.
pub fn keyinfo_certificate(doc: &Document, signature: NodeId) -> Option<Vec<u8>> {
    let ki = doc.children_named(signature, DS_NS, "KeyInfo").next()?;
    let mut certs = doc
        .children_named(ki, DS_NS, "X509Data")
        .flat_map(|xd| doc.children_named(xd, DS_NS, "X509Certificate"));
    let first = certs.next()?;
    let (text, other) = doc.text_only(first);
    if other {
        return None;
    }
    decode_base64(&text)
}

/// What the signature says, read and checked up to the keys (structure, reference, transforms, algorithms).
struct Parsed {
    /// The signed element: the Signature's parent.
    parent: NodeId,
    signed_info: NodeId,
    digest_text: String,
    sig_text: String,
    sig_alg_uri: String,
    algorithm: SignatureAlgorithm,
    digest_alg: DigestAlgorithm,
    ref_prefixes: Vec<String>,
    si_prefixes: Vec<String>,
}

/// Rules 9 to 12 of the signature: its structure, its Reference, its transforms and its algorithms.
fn parse(doc: &Document, signature: NodeId, allow_sha1: bool) -> Result<Parsed, XmlDsigError> {
    // Structure (rule 9).
    let sig_el = doc
        .element(signature)
        .filter(|e| e.is(DS_NS, "Signature"))
        .ok_or_else(|| structure("the node is not a ds:Signature"))?;
    let _ = sig_el;
    expect_children(
        doc,
        signature,
        "Signature",
        &[
            ("SignedInfo", true),
            ("SignatureValue", true),
            ("KeyInfo", false),
        ],
    )?;
    let signed_info = one_child(doc, signature, "SignedInfo")?;
    let sig_value_el = one_child(doc, signature, "SignatureValue")?;
    expect_children(
        doc,
        signed_info,
        "SignedInfo",
        &[
            ("CanonicalizationMethod", true),
            ("SignatureMethod", true),
            ("Reference", true),
        ],
    )?;
    let c14n_el = one_child(doc, signed_info, "CanonicalizationMethod")?;
    let method_el = one_child(doc, signed_info, "SignatureMethod")?;
    let reference = one_child(doc, signed_info, "Reference")?;
    expect_children(
        doc,
        reference,
        "Reference",
        &[
            ("Transforms", false),
            ("DigestMethod", true),
            ("DigestValue", true),
        ],
    )?;
    let digest_method_el = one_child(doc, reference, "DigestMethod")?;
    let digest_value_el = one_child(doc, reference, "DigestValue")?;
    let digest_text = text_value(doc, digest_value_el, "DigestValue")?;
    let sig_text = text_value(doc, sig_value_el, "SignatureValue")?;
    let c14n_alg = algorithm_attr(doc, c14n_el, "CanonicalizationMethod")?;
    let sig_alg_uri = algorithm_attr(doc, method_el, "SignatureMethod")?;
    let digest_alg_uri = algorithm_attr(doc, digest_method_el, "DigestMethod")?;
    if let Some(t) = doc
        .element(reference)
        .and_then(|e| e.attr("Type"))
        .filter(|t| t.contains("Manifest"))
    {
        return Err(structure(format!(
            "the Reference has Type {t}: Manifests are not accepted"
        )));
    }
    if doc.element_children(method_el).next().is_some() {
        // HMACOutputLength and friends: nothing SAML needs.
        if sig_alg_uri.to_ascii_lowercase().contains("hmac") {
            return Err(XmlDsigError::Hmac(sig_alg_uri));
        }
        return Err(structure("SignatureMethod has child elements"));
    }

    // Reference (rule 10).
    let parent = doc
        .parent(signature)
        .ok_or_else(|| XmlDsigError::Reference("the Signature has no parent element".into()))?;
    let parent_id = doc
        .element(parent)
        .and_then(|e| e.attr("ID"))
        .ok_or_else(|| {
            XmlDsigError::Reference(
                "the signed element (the Signature's parent) has no ID attribute".into(),
            )
        })?;
    let uri = doc
        .element(reference)
        .and_then(|e| e.attr("URI"))
        .ok_or_else(|| {
            XmlDsigError::Reference("it has no URI (the whole document would be signed)".into())
        })?;
    if uri.is_empty() {
        return Err(XmlDsigError::Reference(
            "its URI is empty (the whole document): SAML signatures reference the signed element by ID".into(),
        ));
    }
    let Some(frag) = uri.strip_prefix('#') else {
        return Err(XmlDsigError::Reference(format!(
            "its URI \"{uri}\" is not a same-document reference (#ID)"
        )));
    };
    if frag.contains('(') || frag.is_empty() {
        return Err(XmlDsigError::Reference(format!(
            "its URI \"{uri}\" is an XPointer expression, not #ID"
        )));
    }
    if frag != parent_id {
        return Err(XmlDsigError::Reference(format!(
            "its URI \"{uri}\" points to another element than the one the signature sits in (ID \"{parent_id}\")"
        )));
    }
    let same_id = doc
        .elements()
        .filter(|e| doc.element(*e).and_then(|el| el.attr("ID")) == Some(frag))
        .count();
    if same_id != 1 {
        return Err(XmlDsigError::Reference(format!(
            "the ID \"{frag}\" occurs {same_id} times in the document"
        )));
    }

    // Transforms and canonicalization (rule 11).
    if c14n_alg != EXC_C14N {
        return Err(XmlDsigError::Transforms(format!(
            "CanonicalizationMethod is {}",
            describe_transform(&c14n_alg)
        )));
    }
    let si_prefixes = inclusive_prefixes(doc, c14n_el, "CanonicalizationMethod")?;
    let transforms_el = doc
        .children_named(reference, DS_NS, "Transforms")
        .next()
        .ok_or_else(|| XmlDsigError::Transforms("the Reference has no Transforms".into()))?;
    let transforms: Vec<NodeId> = doc.element_children(transforms_el).collect();
    let mut algs = Vec::new();
    for t in &transforms {
        let e = doc
            .element(*t)
            .filter(|e| e.is(DS_NS, "Transform"))
            .ok_or_else(|| {
                XmlDsigError::Transforms("Transforms contains a non-Transform element".into())
            })?;
        let alg = e
            .attr("Algorithm")
            .ok_or_else(|| XmlDsigError::Transforms("a Transform has no Algorithm".into()))?;
        algs.push((alg.to_string(), *t));
    }
    let ref_prefixes = match algs.as_slice() {
        [(a, t1), (b, t2)] if a == ENVELOPED && b == EXC_C14N => {
            if doc.element_children(*t1).next().is_some() {
                return Err(XmlDsigError::Transforms(
                    "the enveloped-signature transform has child elements".into(),
                ));
            }
            inclusive_prefixes(doc, *t2, "the exclusive c14n transform")?
        }
        _ => {
            let bad = algs
                .iter()
                .find(|(a, _)| a != ENVELOPED && a != EXC_C14N)
                .map(|(a, _)| describe_transform(a))
                .unwrap_or_else(|| {
                    format!(
                        "the transforms are [{}]",
                        algs.iter()
                            .map(|(a, _)| a.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                });
            return Err(XmlDsigError::Transforms(bad));
        }
    };

    // Algorithms (rule 12).
    if sig_alg_uri.to_ascii_lowercase().contains("hmac") {
        return Err(XmlDsigError::Hmac(sig_alg_uri));
    }
    let algorithm = SignatureAlgorithm::from_uri(&sig_alg_uri)
        .ok_or_else(|| XmlDsigError::UnsupportedAlgorithm(sig_alg_uri.clone()))?;
    let digest_alg = DigestAlgorithm::from_uri(&digest_alg_uri)
        .ok_or_else(|| XmlDsigError::UnsupportedAlgorithm(digest_alg_uri.clone()))?;
    if !allow_sha1 {
        if algorithm == SignatureAlgorithm::RsaSha1 {
            return Err(XmlDsigError::Sha1NotAllowed(sig_alg_uri));
        }
        if digest_alg == DigestAlgorithm::Sha1 {
            return Err(XmlDsigError::Sha1NotAllowed(digest_alg_uri));
        }
    }

    Ok(Parsed {
        parent,
        signed_info,
        digest_text,
        sig_text,
        sig_alg_uri,
        algorithm,
        digest_alg,
        ref_prefixes,
        si_prefixes,
    })
}

/// Rule 14: the digest of the signed element (without this Signature) is the one the Reference carries.
fn check_digest(doc: &Document, signature: NodeId, p: &Parsed) -> Result<(), XmlDsigError> {
    let expected_digest = decode_base64(&p.digest_text).ok_or(XmlDsigError::Base64 {
        what: "DigestValue",
    })?;
    let canonical = canonicalize(doc, p.parent, Some(signature), &p.ref_prefixes)?;
    let actual = digest::digest(p.digest_alg.ring(), &canonical);
    if !ct_eq(actual.as_ref(), &expected_digest) {
        return Err(XmlDsigError::DigestMismatch);
    }
    Ok(())
}

/// Whether the signed element is still what was signed, with no key at all: the digest needs none. `Ok` proves
/// nothing about who signed (anyone can compute a digest); [`XmlDsigError::DigestMismatch`] proves the element was
/// changed after it was signed, whoever signed it. Other errors: the signature could not be read that far.
pub fn digest_unchanged(
    doc: &Document,
    signature: NodeId,
    allow_sha1: bool,
) -> Result<(), XmlDsigError> {
    let parsed = parse(doc, signature, allow_sha1)?;
    check_digest(doc, signature, &parsed)
}

/// Verifies the enveloped signature `signature` against the configured certificates `certs` (DER).
///
/// The Reference must point at the Signature's parent (by its unqualified `ID`, which must be unique); the
/// digest is taken over that element's exclusive canonical form without this Signature.
pub fn verify(
    doc: &Document,
    signature: NodeId,
    certs: &[Vec<u8>],
    allow_sha1: bool,
) -> Result<Verified, XmlDsigError> {
    let parsed = parse(doc, signature, allow_sha1)?;
    let Parsed {
        parent,
        signed_info,
        ref sig_text,
        ref sig_alg_uri,
        algorithm,
        digest_alg,
        ref si_prefixes,
        ..
    } = parsed;
    // Keys (rule 13): the configured certificates only; KeyInfo may pick one of them.
    if certs.is_empty() {
        return Err(XmlDsigError::NoTrustedCertificate);
    }
    let mut candidates: Vec<usize> = (0..certs.len()).collect();
    if let Some(ki) = keyinfo_certificate(doc, signature) {
        match certs.iter().position(|c| *c == ki) {
            Some(i) => candidates = vec![i],
            None => {
                return Err(XmlDsigError::KeyInfoMismatch {
                    found: format!("SHA-256 {}", Fingerprint::sha256(&ki)),
                    configured: fingerprints(certs),
                })
            }
        }
    }
    let mut keys = Vec::new();
    let mut last_err = None;
    for i in candidates {
        let k = match trusted_key(i, certs.get(i).map(Vec::as_slice).unwrap_or(&[])) {
            Ok(k) => k,
            Err(e) => {
                last_err = Some(e);
                continue;
            }
        };
        match (algorithm.is_rsa(), k.rsa_bits, k.ec_point_len) {
            (true, Some(bits), _) if bits < 2048 => {
                last_err = Some(XmlDsigError::KeyTooSmall { bits });
            }
            (true, Some(_), _) => keys.push(k),
            // ECDSA-SHA256 goes with P-256 (65-byte point), ECDSA-SHA384 with P-384 (97 bytes).
            (false, None, Some(65)) if algorithm == SignatureAlgorithm::EcdsaSha256 => keys.push(k),
            (false, None, Some(97)) if algorithm == SignatureAlgorithm::EcdsaSha384 => keys.push(k),
            _ => {
                last_err = Some(XmlDsigError::KeyAlgorithmMismatch {
                    algorithm: sig_alg_uri.clone(),
                    key: match (k.rsa_bits, k.ec_point_len) {
                        (Some(bits), _) => format!("RSA {bits} bits"),
                        (_, Some(65)) => "ECDSA P-256".to_string(),
                        (_, Some(97)) => "ECDSA P-384".to_string(),
                        _ => "ECDSA on an unsupported curve".to_string(),
                    },
                })
            }
        }
    }
    if keys.is_empty() {
        return Err(last_err.unwrap_or(XmlDsigError::NoTrustedCertificate));
    }

    // Digest (rule 14).
    check_digest(doc, signature, &parsed)?;

    // Signature value over the canonical SignedInfo from the same tree.
    // Lazily: formatting the fingerprints costs more than the rest of this step.
    let signature_bytes =
        decode_base64(sig_text).ok_or_else(|| XmlDsigError::SignatureMismatch {
            configured: fingerprints(certs),
        })?;
    let si_canonical = canonicalize(doc, signed_info, None, si_prefixes)?;
    for k in &keys {
        if k.verifies(algorithm, &si_canonical, &signature_bytes) {
            return Ok(Verified {
                signed_element: parent,
                cert_index: k.der_index,
                algorithm,
                digest: digest_alg,
                certificate_sha256: k.fingerprint().clone(),
                certificate_validity: k.validity(),
            });
        }
    }
    Err(XmlDsigError::SignatureMismatch {
        configured: fingerprints(certs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_base64() {
        assert_eq!(decode_base64("QUJD\n"), Some(b"ABC".to_vec()));
        assert_eq!(decode_base64("QUJ D"), Some(b"ABC".to_vec()));
        assert_eq!(decode_base64("QUJ"), None);
        assert_eq!(decode_base64("QU=D"), None);
        assert_eq!(decode_base64(""), None);
    }

    #[test]
    fn prefix_lists_are_bounded() {
        assert_eq!(
            parse_prefix_list(" xs\n#default  xsi "),
            Ok(vec![
                "xs".to_string(),
                "#default".to_string(),
                "xsi".to_string()
            ])
        );
        let at_cap: Vec<String> = (0..MAX_INCLUSIVE_PREFIXES)
            .map(|i| format!("p{i}"))
            .collect();
        assert_eq!(parse_prefix_list(&at_cap.join(" ")), Ok(at_cap.clone()));
        let over = format!("{} extra", at_cap.join(" "));
        let e = parse_prefix_list(&over).unwrap_err();
        assert!(e.contains("65 prefixes") && e.contains("at most 64"), "{e}");
        let long = "é".repeat(MAX_PREFIX_CHARS + 1);
        let e = parse_prefix_list(&format!("xs {long}")).unwrap_err();
        assert!(
            e.contains("65 characters") && e.contains("at most 64"),
            "{e}"
        );
        assert_eq!(
            parse_prefix_list(&"é".repeat(MAX_PREFIX_CHARS)).map(|v| v.len()),
            Ok(1)
        );
    }

    #[test]
    fn constant_time_compare() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
