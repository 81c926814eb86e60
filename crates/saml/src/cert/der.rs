//! A minimal DER reader, enough to tell what kind of object a pasted blob is (certificate, CSR, public key, one of
//! the private key formats, PKCS#7 or PKCS#12 bundle) without trusting any length it contains.

use x509_parser::prelude::{FromDer, SubjectPublicKeyInfo, X509CertificationRequest};

/// Most children a structure may have before we stop looking (real objects have a handful).
const MAX_CHILDREN: usize = 64;

/// One DER tag-length-value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;
const TAG_CONTEXT_0: u8 = 0xA0;

/// OID content bytes of PKCS#7 `data` (1.2.840.113549.1.7.1) and `signedData` (1.2.840.113549.1.7.2).
const OID_PKCS7_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01];
const OID_PKCS7_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];

/// Total encoded length (header + content) announced by the header at the start of `bytes`, if the header is
/// complete, definite and at most 3 length bytes long. Needs at most 5 bytes.
pub(crate) fn announced_len(bytes: &[u8]) -> Option<usize> {
    let tag = *bytes.first()?;
    if tag & 0x1F == 0x1F {
        return None;
    }
    let first = *bytes.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7F);
    if n == 0 || n > 3 {
        return None;
    }
    let len_bytes = bytes.get(2..2 + n)?;
    let len = len_bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    // DER wants the shortest form; a long form for a short length means this is not DER.
    if len < 0x80 || (n > 1 && len_bytes.first() == Some(&0)) {
        return None;
    }
    Some(2 + n + len)
}

/// Reads one TLV from the start of `input`, returning it and what follows.
pub(crate) fn read_tlv(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let total = announced_len(input)?;
    let raw = input.get(..total)?;
    let header = total - content_len(raw)?;
    Some((
        Tlv {
            tag: *raw.first()?,
            content: raw.get(header..)?,
            raw,
        },
        input.get(total..)?,
    ))
}

fn content_len(raw: &[u8]) -> Option<usize> {
    let first = *raw.get(1)?;
    if first < 0x80 {
        Some(usize::from(first))
    } else {
        let n = usize::from(first & 0x7F);
        raw.len().checked_sub(2 + n)
    }
}

/// The children of a constructed value, or `None` when they do not tile its content exactly.
pub(crate) fn children(content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        if out.len() >= MAX_CHILDREN {
            return None;
        }
        let (tlv, r) = read_tlv(rest)?;
        out.push(tlv);
        rest = r;
    }
    Some(out)
}

/// What a DER object is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Certificate,
    Csr,
    /// A public key on its own; the text says which format.
    PublicKey(&'static str),
    /// A private key; the text says which format. Its bytes must never be shown.
    PrivateKey(&'static str),
    /// A PKCS#12 (.pfx/.p12) bundle: normally a private key with its certificate.
    Pkcs12,
    /// A PKCS#7 / CMS bundle (.p7b), with the certificates it carries (DER each).
    Pkcs7(Vec<Vec<u8>>),
    Crl,
    Unknown,
}

/// Tells what `der` is. Never panics; anything unrecognised is `Unknown`.
pub(crate) fn classify(der: &[u8]) -> Kind {
    if matches!(x509_parser::parse_x509_certificate(der), Ok((rest, _)) if rest.is_empty()) {
        return Kind::Certificate;
    }
    if matches!(X509CertificationRequest::from_der(der), Ok((rest, _)) if rest.is_empty()) {
        return Kind::Csr;
    }
    if matches!(SubjectPublicKeyInfo::from_der(der), Ok((rest, _)) if rest.is_empty()) {
        return Kind::PublicKey("SubjectPublicKeyInfo");
    }
    if matches!(x509_parser::parse_x509_crl(der), Ok((rest, _)) if rest.is_empty()) {
        return Kind::Crl;
    }
    let Some((outer, rest)) = read_tlv(der) else {
        return Kind::Unknown;
    };
    if outer.tag != TAG_SEQUENCE || !rest.is_empty() {
        return Kind::Unknown;
    }
    let Some(items) = children(outer.content) else {
        return Kind::Unknown;
    };
    classify_sequence(&items)
}

fn is_int(t: Option<&Tlv<'_>>, value: Option<u8>) -> bool {
    match t {
        Some(t) if t.tag == TAG_INTEGER => match value {
            Some(v) => t.content == [v],
            None => true,
        },
        _ => false,
    }
}

fn has_tag(t: Option<&Tlv<'_>>, tag: u8) -> bool {
    t.is_some_and(|t| t.tag == tag)
}

fn starts_with_oid(t: Option<&Tlv<'_>>) -> bool {
    t.filter(|t| t.tag == TAG_SEQUENCE)
        .and_then(|t| read_tlv(t.content))
        .is_some_and(|(first, _)| first.tag == TAG_OID)
}

fn classify_sequence(items: &[Tlv<'_>]) -> Kind {
    let all_ints = !items.is_empty() && items.iter().all(|t| t.tag == TAG_INTEGER);
    // PKCS#8 PrivateKeyInfo / OneAsymmetricKey: version 0|1, AlgorithmIdentifier, OCTET STRING key.
    if (is_int(items.first(), Some(0)) || is_int(items.first(), Some(1)))
        && starts_with_oid(items.get(1))
        && has_tag(items.get(2), TAG_OCTET_STRING)
    {
        return Kind::PrivateKey("PKCS#8");
    }
    // EncryptedPrivateKeyInfo: AlgorithmIdentifier (PBES2...), OCTET STRING.
    if items.len() == 2 && starts_with_oid(items.first()) && has_tag(items.get(1), TAG_OCTET_STRING)
    {
        return Kind::PrivateKey("encrypted PKCS#8");
    }
    // PKCS#1 RSAPrivateKey: version 0 then eight integers (more for multi-prime).
    if all_ints && items.len() >= 9 && is_int(items.first(), Some(0)) {
        return Kind::PrivateKey("PKCS#1 RSA");
    }
    // OpenSSL's DSA private key: six integers, version 0.
    if all_ints && items.len() == 6 && is_int(items.first(), Some(0)) {
        return Kind::PrivateKey("DSA");
    }
    // SEC1 ECPrivateKey: version 1, OCTET STRING private key, optional [0] parameters, [1] public key.
    if is_int(items.first(), Some(1)) && has_tag(items.get(1), TAG_OCTET_STRING) {
        return Kind::PrivateKey("SEC1 EC");
    }
    // PKCS#1 RSAPublicKey: modulus, exponent.
    if all_ints && items.len() == 2 {
        return Kind::PublicKey("PKCS#1 RSA");
    }
    // PKCS#12 PFX: version 3, ContentInfo of type data, MAC.
    if is_int(items.first(), Some(3)) {
        if let Some(ci) = items.get(1).filter(|t| t.tag == TAG_SEQUENCE) {
            if let Some((oid, _)) = read_tlv(ci.content) {
                if oid.tag == TAG_OID && oid.content == OID_PKCS7_DATA {
                    return Kind::Pkcs12;
                }
            }
        }
    }
    // PKCS#7 ContentInfo of type signedData: the certificates are in SignedData's [0] IMPLICIT field.
    if items
        .first()
        .is_some_and(|t| t.tag == TAG_OID && t.content == OID_PKCS7_SIGNED_DATA)
    {
        return Kind::Pkcs7(pkcs7_certificates(items.get(1)).unwrap_or_default());
    }
    Kind::Unknown
}

fn pkcs7_certificates(explicit: Option<&Tlv<'_>>) -> Option<Vec<Vec<u8>>> {
    let explicit = explicit.filter(|t| t.tag == TAG_CONTEXT_0)?;
    let (signed_data, _) = read_tlv(explicit.content)?;
    if signed_data.tag != TAG_SEQUENCE {
        return None;
    }
    let fields = children(signed_data.content)?;
    // version, digestAlgorithms, encapContentInfo, then [0] certificates if present.
    let certs = fields.get(3).filter(|t| t.tag == TAG_CONTEXT_0)?;
    Some(
        children(certs.content)?
            .into_iter()
            .filter(|t| t.tag == TAG_SEQUENCE)
            .map(|t| t.raw.to_vec())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announced_len_reads_short_and_long_forms_and_refuses_non_der() {
        assert_eq!(announced_len(&[0x30, 0x03]), Some(5));
        assert_eq!(announced_len(&[0x30, 0x81, 0x80]), Some(3 + 0x80));
        assert_eq!(announced_len(&[0x30, 0x82, 0x01, 0x00]), Some(4 + 256));
        assert_eq!(
            announced_len(&[0x30, 0x81, 0x05]),
            None,
            "long form for a short length"
        );
        assert_eq!(announced_len(&[0x30, 0x80]), None, "indefinite length");
        assert_eq!(announced_len(&[0x30, 0x84, 1, 0, 0, 0]), None, "too long");
        assert_eq!(announced_len(&[0x30]), None);
        assert_eq!(announced_len(&[]), None);
    }

    #[test]
    fn read_tlv_never_reads_past_the_end() {
        assert!(read_tlv(&[0x30, 0x05, 0x02, 0x01]).is_none());
        let (t, rest) = read_tlv(&[0x02, 0x01, 0x07, 0xFF]).unwrap();
        assert_eq!((t.tag, t.content, rest), (0x02, &[0x07][..], &[0xFF][..]));
    }

    #[test]
    fn classifies_hand_built_key_structures() {
        // RSAPublicKey { n = 5, e = 3 }
        assert_eq!(
            classify(&[0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x03]),
            Kind::PublicKey("PKCS#1 RSA")
        );
        // ECPrivateKey { version 1, privateKey OCTET STRING }
        assert_eq!(
            classify(&[0x30, 0x06, 0x02, 0x01, 0x01, 0x04, 0x01, 0xAA]),
            Kind::PrivateKey("SEC1 EC")
        );
        let mut pkcs1 = vec![0x30, 27];
        for _ in 0..9 {
            pkcs1.extend_from_slice(&[0x02, 0x01, 0x00]);
        }
        assert_eq!(classify(&pkcs1), Kind::PrivateKey("PKCS#1 RSA"));
        assert_eq!(classify(&[0x30, 0x00]), Kind::Unknown);
        assert_eq!(classify(b"hello"), Kind::Unknown);
    }
}
