//! Encrypting an element for an SP, as an IdP does: the demo IdP's "encrypt assertions" setting and the tests' own
//! encrypted responses. The randomness (AES key, IV, OAEP seed, padding) is a parameter.

use base64::Engine;
use rsa::pkcs8::DecodePublicKey;
use rsa::rand_core::TryCryptoRng;
use zeroize::Zeroizing;

use super::*;

/// Where the `EncryptedKey` goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlacement {
    /// Inside `EncryptedData/ds:KeyInfo` (what most IdPs do).
    Inline,
    /// Beside the `EncryptedData`, named by a `ds:RetrievalMethod` in its KeyInfo (Shibboleth's way).
    RetrievalMethod,
    /// Beside the `EncryptedData`, named by `ds:KeyName` matching its `CarriedKeyName`.
    CarriedKeyName,
}

/// Encrypts `element` (a serialized element, declaring every namespace prefix it uses) for the holder of
/// `sp_cert_der`'s RSA key, and wraps it in `<saml:{wrapper}>` (`EncryptedAssertion`, `EncryptedID`,
/// `EncryptedAttribute`).
pub fn encrypt_element<R: TryCryptoRng + ?Sized>(
    rng: &mut R,
    element: &str,
    wrapper: &str,
    sp_cert_der: &[u8],
    cipher: ContentCipher,
    transport: KeyTransport,
    placement: KeyPlacement,
) -> Result<String, XmlEncError> {
    let key_err = |detail: &str| XmlEncError::Key {
        detail: detail.to_string(),
    };
    let (_, cert) = x509_parser::parse_x509_certificate(sp_cert_der)
        .map_err(|_| key_err("the SP encryption certificate does not parse"))?;
    let public = rsa::PublicKey::from_public_key_der(cert.public_key().raw)
        .map_err(|_| key_err("the SP encryption certificate does not hold an RSA key"))?;
    let mut random = Zeroizing::new(vec![0u8; cipher.key_len() + 16 + 16]);
    rng.try_fill_bytes(&mut random)
        .map_err(|_| key_err("no random numbers"))?;
    let (aes_key, rest) = random.split_at(cipher.key_len());
    let (iv, pad) = rest.split_at(16);
    let sealed = cipher::encrypt(cipher, aes_key, iv, element.as_bytes(), pad)
        .ok_or_else(|| key_err("the content cipher refused its key"))?;
    let wrapped = {
        use rsa::Oaep;
        use sha1::Sha1;
        use sha2::Sha256;
        let r = match (transport.digest, transport.mgf) {
            (OaepHash::Sha1, OaepHash::Sha1) => {
                public.encrypt(rng, Oaep::<Sha1, Sha1>::new_with_mgf_hash(), aes_key)
            }
            (OaepHash::Sha1, OaepHash::Sha256) => {
                public.encrypt(rng, Oaep::<Sha1, Sha256>::new_with_mgf_hash(), aes_key)
            }
            (OaepHash::Sha256, OaepHash::Sha1) => {
                public.encrypt(rng, Oaep::<Sha256, Sha1>::new_with_mgf_hash(), aes_key)
            }
            (OaepHash::Sha256, OaepHash::Sha256) => {
                public.encrypt(rng, Oaep::<Sha256, Sha256>::new_with_mgf_hash(), aes_key)
            }
        };
        r.map_err(|_| key_err("RSA-OAEP refused the key"))?
    };
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let digest = if transport.digest == OaepHash::Sha1 && !transport.xmlenc11 {
        String::new()
    } else {
        format!(
            "<ds:DigestMethod Algorithm=\"{}\"/>",
            transport.digest_uri()
        )
    };
    let mgf = if transport.xmlenc11 {
        format!(
            "<xenc11:MGF xmlns:xenc11=\"{XENC11_NS}\" Algorithm=\"{}\"/>",
            transport.mgf_uri()
        )
    } else {
        String::new()
    };
    let id = format!(
        "_ek{}",
        hex(&random.get(..8).map(<[u8]>::to_vec).unwrap_or_default())
    );
    let carried = if placement == KeyPlacement::CarriedKeyName {
        format!("<xenc:CarriedKeyName>{id}</xenc:CarriedKeyName>")
    } else {
        String::new()
    };
    let encrypted_key = format!(
        "<xenc:EncryptedKey xmlns:xenc=\"{XENC_NS}\" xmlns:ds=\"{DS_NS}\" Id=\"{id}\" Recipient=\"sp\"><xenc:EncryptionMethod Algorithm=\"{}\">{digest}{mgf}</xenc:EncryptionMethod><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData>{carried}</xenc:EncryptedKey>",
        transport.uri(),
        b64(&wrapped)
    );
    let (key_info, beside) = match placement {
        KeyPlacement::Inline => (encrypted_key, String::new()),
        KeyPlacement::RetrievalMethod => (
            format!("<ds:RetrievalMethod URI=\"#{id}\" Type=\"http://www.w3.org/2001/04/xmlenc#EncryptedKey\"/>"),
            encrypted_key,
        ),
        KeyPlacement::CarriedKeyName => (format!("<ds:KeyName>{id}</ds:KeyName>"), encrypted_key),
    };
    Ok(format!(
        "<saml:{wrapper} xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"><xenc:EncryptedData xmlns:xenc=\"{XENC_NS}\" Type=\"{TYPE_ELEMENT}\"><xenc:EncryptionMethod Algorithm=\"{}\"/><ds:KeyInfo xmlns:ds=\"{DS_NS}\">{key_info}</ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>{beside}</saml:{wrapper}>",
        cipher.uri(),
        b64(&sealed)
    ))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
