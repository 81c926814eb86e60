//! Signing: the demo IdP's and the tests' enveloped signatures (RSA and ECDSA keys from PKCS#8).

use super::*;
use crate::escape::escape;

/// A private key to sign with, from PKCS#8 DER.
pub struct SigningKey {
    inner: KeyInner,
}

pub(super) enum KeyInner {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair, SignatureAlgorithm),
    /// RSA-SHA1 only, with the PKCS#1 public key: see [`SigningKey::legacy_rsa_sha1_from_pkcs8`].
    RsaSha1(Box<rsa::PrivateKey>, Vec<u8>),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        match &self.inner {
            KeyInner::Rsa(_) => f.write_str("SigningKey(RSA)"),
            KeyInner::Ecdsa(_, a) => write!(f, "SigningKey(ECDSA, {a:?})"),
            KeyInner::RsaSha1(..) => f.write_str("SigningKey(RSA-SHA1, legacy)"),
        }
    }
}

impl SigningKey {
    /// An RSA key (2048 to 8192 bits) from PKCS#8 DER.
    pub fn rsa_from_pkcs8(der: &[u8]) -> Result<Self, XmlDsigError> {
        RsaKeyPair::from_pkcs8(der)
            .map(|k| Self {
                inner: KeyInner::Rsa(k),
            })
            .map_err(|e| XmlDsigError::Sign(format!("the RSA private key is not usable ({e})")))
    }

    /// An ECDSA P-256 (signs ECDSA-SHA256) or P-384 (signs ECDSA-SHA384) key from PKCS#8 DER.
    pub fn ecdsa_from_pkcs8(der: &[u8]) -> Result<Self, XmlDsigError> {
        let rng = SystemRandom::new();
        if let Ok(k) = EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng) {
            return Ok(Self {
                inner: KeyInner::Ecdsa(k, SignatureAlgorithm::EcdsaSha256),
            });
        }
        EcdsaKeyPair::from_pkcs8(&sig::ECDSA_P384_SHA384_FIXED_SIGNING, der, &rng)
            .map(|k| Self {
                inner: KeyInner::Ecdsa(k, SignatureAlgorithm::EcdsaSha384),
            })
            .map_err(|e| {
                XmlDsigError::Sign(format!(
                    "the ECDSA private key is not a P-256 or P-384 PKCS#8 key ({e})"
                ))
            })
    }

    /// An RSA key that signs RSA-SHA1 and nothing else: only for the demo IdP's planted `sha1` fault (issue 21),
    /// so the validator's refusal is shown on a real SHA-1 signature. Every other key refuses SHA-1.
    pub fn legacy_rsa_sha1_from_pkcs8(der: &[u8]) -> Result<Self, XmlDsigError> {
        use rsa::pkcs1::EncodeRsaPublicKey;
        use rsa::pkcs8::DecodePrivateKey;
        let bad =
            |what: &str| XmlDsigError::Sign(format!("the RSA private key is not usable ({what})"));
        let key = rsa::PrivateKey::from_pkcs8_der(der).map_err(|_| bad("not RSA PKCS#8"))?;
        let public = key
            .to_public_key()
            .to_pkcs1_der()
            .map_err(|_| bad("its public key cannot be encoded"))?
            .as_bytes()
            .to_vec();
        Ok(Self {
            inner: KeyInner::RsaSha1(Box::new(key), public),
        })
    }

    /// Either kind of key.
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, XmlDsigError> {
        Self::rsa_from_pkcs8(der).or_else(|_| Self::ecdsa_from_pkcs8(der))
    }

    /// The algorithm this key signs with by default (RSA-SHA256, or ECDSA matching its curve).
    pub fn default_algorithm(&self) -> SignatureAlgorithm {
        match &self.inner {
            KeyInner::Rsa(_) => SignatureAlgorithm::RsaSha256,
            KeyInner::Ecdsa(_, a) => *a,
            KeyInner::RsaSha1(..) => SignatureAlgorithm::RsaSha1,
        }
    }

    /// The public key bytes (PKCS#1 RSAPublicKey or the uncompressed EC point), to match against a certificate.
    pub fn public_key(&self) -> &[u8] {
        match &self.inner {
            KeyInner::Rsa(k) => k.public_key().as_ref(),
            KeyInner::Ecdsa(k, _) => k.public_key().as_ref(),
            KeyInner::RsaSha1(_, public) => public,
        }
    }

    /// Signs raw bytes: what XML signatures sign (canonical SignedInfo) and what the HTTP-Redirect binding signs
    /// (the query string, SAML bindings 3.4.4.1).
    pub fn sign(&self, alg: SignatureAlgorithm, msg: &[u8]) -> Result<Vec<u8>, XmlDsigError> {
        let rng = SystemRandom::new();
        match (&self.inner, alg) {
            (KeyInner::Rsa(k), a) if a.is_rsa() => {
                let padding: &'static dyn sig::RsaEncoding = match a {
                    SignatureAlgorithm::RsaSha256 => &sig::RSA_PKCS1_SHA256,
                    SignatureAlgorithm::RsaSha384 => &sig::RSA_PKCS1_SHA384,
                    SignatureAlgorithm::RsaSha512 => &sig::RSA_PKCS1_SHA512,
                    _ => {
                        return Err(XmlDsigError::Sign(
                            "SHA-1 signatures are never produced".into(),
                        ))
                    }
                };
                let mut out = vec![0u8; k.public().modulus_len()];
                k.sign(padding, &rng, msg, &mut out)
                    .map_err(|_| XmlDsigError::Sign("RSA signing failed".into()))?;
                Ok(out)
            }
            (KeyInner::RsaSha1(k, _), SignatureAlgorithm::RsaSha1) => {
                use sha1::Digest as _;
                k.sign(
                    rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                    &sha1::Sha1::digest(msg),
                )
                .map_err(|_| XmlDsigError::Sign("RSA-SHA1 signing failed".into()))
            }
            (KeyInner::Ecdsa(k, curve_alg), a) if a == *curve_alg => k
                .sign(&rng, msg)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| XmlDsigError::Sign("ECDSA signing failed".into())),
            _ => Err(XmlDsigError::Sign(format!(
                "the key cannot sign with {}",
                alg.uri()
            ))),
        }
    }
}

/// Signs the element whose `ID` is `target_id` with an enveloped signature placed right after its `Issuer` (or
/// as its first child when it has none): exclusive c14n, enveloped-signature + exclusive c14n transforms, and
/// `cert_der` in KeyInfo/X509Data. To sign both the assertion and the response, sign the assertion first.
pub fn sign_enveloped(
    xml: &str,
    target_id: &str,
    key: &SigningKey,
    cert_der: &[u8],
    alg: SignatureAlgorithm,
) -> Result<String, XmlDsigError> {
    let doc = xml::parse(xml)?;
    let matches: Vec<NodeId> = doc
        .elements()
        .filter(|e| doc.element(*e).and_then(|el| el.attr("ID")) == Some(target_id))
        .collect();
    let target = match matches.as_slice() {
        [one] => *one,
        [] => {
            return Err(XmlDsigError::Sign(format!(
                "no element has ID \"{target_id}\""
            )))
        }
        _ => {
            return Err(XmlDsigError::Sign(format!(
                "the ID \"{target_id}\" occurs more than once"
            )))
        }
    };
    let digest_alg = alg.matching_digest();
    let canonical = canonicalize(&doc, target, None, &[])?;
    let digest_b64 = base64::engine::general_purpose::STANDARD
        .encode(digest::digest(digest_alg.ring(), &canonical).as_ref());
    let signed_info = format!(
        "<ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/><ds:SignatureMethod Algorithm=\"{}\"/><ds:Reference URI=\"#{}\"><ds:Transforms><ds:Transform Algorithm=\"{ENVELOPED}\"/><ds:Transform Algorithm=\"{EXC_C14N}\"/></ds:Transforms><ds:DigestMethod Algorithm=\"{}\"/><ds:DigestValue>{digest_b64}</ds:DigestValue></ds:Reference></ds:SignedInfo>",
        alg.uri(),
        escape(target_id),
        digest_alg.uri()
    );
    // Canonicalize SignedInfo in a fragment with the same namespace context it will have in place: exclusive c14n
    // only renders the ds prefix it uses, which the Signature element declares.
    let fragment = format!("<ds:Signature xmlns:ds=\"{DS_NS}\">{signed_info}</ds:Signature>");
    let frag_doc = xml::parse(&fragment)?;
    let si = frag_doc
        .element_children(frag_doc.root())
        .next()
        .ok_or_else(|| XmlDsigError::Sign("internal error building SignedInfo".into()))?;
    let si_canonical = canonicalize(&frag_doc, si, None, &[])?;
    let value = key.sign(alg, &si_canonical)?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let signature = format!(
        "<ds:Signature xmlns:ds=\"{DS_NS}\">{signed_info}<ds:SignatureValue>{}</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>",
        b64.encode(&value),
        b64.encode(cert_der)
    );
    let issuer = doc.element_children(target).next().filter(|c| {
        doc.element(*c)
            .is_some_and(|e| e.is(SAML_ASSERTION_NS, "Issuer"))
    });
    let pos = match issuer {
        Some(i) => doc.element(i).map(|e| e.span.1),
        None => doc.element(target).map(|e| e.start_tag_end),
    }
    .ok_or_else(|| XmlDsigError::Sign("internal error locating the insertion point".into()))?;
    let source = doc.source();
    let (head, tail) = (
        source.get(..pos).unwrap_or_default(),
        source.get(pos..).unwrap_or_default(),
    );
    Ok(format!("{head}{signature}{tail}"))
}
