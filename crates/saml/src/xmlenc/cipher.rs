//! The content ciphers, as XML Encryption frames them: GCM is IV (12 bytes) || ciphertext || tag (16 bytes); CBC is
//! IV (16 bytes) || ciphertext, padded as XML Encryption says (any bytes, the last one the padding length).

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use aes_gcm::aead::{Aead, KeyInit};
use zeroize::Zeroizing;

use super::ContentCipher;

const GCM_IV: usize = 12;
const GCM_TAG: usize = 16;
const BLOCK: usize = 16;

fn gcm_open<C: KeyInit + Aead<NonceSize = aes_gcm::aead::consts::U12>>(
    key: &[u8],
    data: &[u8],
) -> Option<Vec<u8>> {
    let iv = data.get(..GCM_IV)?;
    let body = data.get(GCM_IV..)?;
    if body.len() < GCM_TAG {
        return None;
    }
    let c = C::new_from_slice(key).ok()?;
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(iv).ok()?;
    c.decrypt(&nonce, body).ok()
}

fn gcm_seal<C: KeyInit + Aead<NonceSize = aes_gcm::aead::consts::U12>>(
    key: &[u8],
    iv: &[u8],
    plain: &[u8],
) -> Option<Vec<u8>> {
    let c = C::new_from_slice(key).ok()?;
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(iv).ok()?;
    let sealed = c.encrypt(&nonce, plain).ok()?;
    let mut out = iv.to_vec();
    out.extend_from_slice(&sealed);
    Some(out)
}

fn cbc_open<A>(key: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>>
where
    cbc::Decryptor<A>: KeyIvInit + BlockModeDecrypt,
    A: aes::cipher::BlockCipherDecrypt,
{
    let iv = data.get(..BLOCK)?;
    let body = data.get(BLOCK..)?;
    if body.is_empty() || body.len() % BLOCK != 0 {
        return None;
    }
    let mut d = cbc::Decryptor::<A>::new_from_slices(key, iv).ok()?;
    let mut out = Zeroizing::new(Vec::with_capacity(body.len()));
    for chunk in body.chunks_exact(BLOCK) {
        let mut b = aes::cipher::Block::<cbc::Decryptor<A>>::try_from(chunk).ok()?;
        d.decrypt_block(&mut b);
        out.extend_from_slice(&b);
    }
    // XML Encryption's padding: the last byte says how many bytes (1 to 16) to drop; the others are arbitrary.
    let pad = usize::from(*out.last()?);
    if pad == 0 || pad > BLOCK {
        return None;
    }
    let keep = out.len().checked_sub(pad)?;
    out.truncate(keep);
    Some(out)
}

fn cbc_seal<A>(key: &[u8], iv: &[u8], plain: &[u8], pad_bytes: &[u8]) -> Option<Vec<u8>>
where
    cbc::Encryptor<A>: KeyIvInit + BlockModeEncrypt,
    A: aes::cipher::BlockCipherEncrypt,
{
    let mut e = cbc::Encryptor::<A>::new_from_slices(key, iv).ok()?;
    let pad = BLOCK - plain.len() % BLOCK;
    let mut buf = plain.to_vec();
    buf.extend_from_slice(pad_bytes.get(..pad - 1)?);
    buf.push(u8::try_from(pad).ok()?);
    let mut out = iv.to_vec();
    for chunk in buf.chunks_exact(BLOCK) {
        let mut b = aes::cipher::Block::<cbc::Encryptor<A>>::try_from(chunk).ok()?;
        e.encrypt_block(&mut b);
        out.extend_from_slice(&b);
    }
    Some(out)
}

/// Decrypts `data` (IV, ciphertext and, for GCM, the tag); `None` for every failure.
pub(super) fn decrypt(c: ContentCipher, key: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    use ContentCipher::*;
    match c {
        Aes128Gcm => gcm_open::<aes_gcm::Aes128Gcm>(key, data).map(Zeroizing::new),
        Aes192Gcm => {
            gcm_open::<aes_gcm::AesGcm<aes::Aes192, aes_gcm::aead::consts::U12>>(key, data)
                .map(Zeroizing::new)
        }
        Aes256Gcm => gcm_open::<aes_gcm::Aes256Gcm>(key, data).map(Zeroizing::new),
        Aes128Cbc => cbc_open::<aes::Aes128>(key, data),
        Aes192Cbc => cbc_open::<aes::Aes192>(key, data),
        Aes256Cbc => cbc_open::<aes::Aes256>(key, data),
    }
}

/// Encrypts `plain` with `iv` (12 bytes for GCM, 16 for CBC); CBC pads with `pad_bytes` (at least 15 bytes).
pub(super) fn encrypt(
    c: ContentCipher,
    key: &[u8],
    iv: &[u8],
    plain: &[u8],
    pad_bytes: &[u8],
) -> Option<Vec<u8>> {
    use ContentCipher::*;
    match c {
        Aes128Gcm => gcm_seal::<aes_gcm::Aes128Gcm>(key, iv.get(..GCM_IV)?, plain),
        Aes192Gcm => gcm_seal::<aes_gcm::AesGcm<aes::Aes192, aes_gcm::aead::consts::U12>>(
            key,
            iv.get(..GCM_IV)?,
            plain,
        ),
        Aes256Gcm => gcm_seal::<aes_gcm::Aes256Gcm>(key, iv.get(..GCM_IV)?, plain),
        Aes128Cbc => cbc_seal::<aes::Aes128>(key, iv.get(..BLOCK)?, plain, pad_bytes),
        Aes192Cbc => cbc_seal::<aes::Aes192>(key, iv.get(..BLOCK)?, plain, pad_bytes),
        Aes256Cbc => cbc_seal::<aes::Aes256>(key, iv.get(..BLOCK)?, plain, pad_bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cipher_round_trips_and_any_flipped_bit_is_refused_by_gcm() {
        let plain = b"<saml:Assertion>hello, world of seventeen+ bytes</saml:Assertion>";
        for c in ContentCipher::ALL {
            let key = vec![7u8; c.key_len()];
            let sealed = encrypt(c, &key, &[9u8; 16], plain, &[0xA5; 16]).unwrap();
            assert_eq!(
                decrypt(c, &key, &sealed).unwrap().as_slice(),
                plain,
                "{c:?}"
            );
            let wrong = vec![8u8; c.key_len()];
            if c.is_authenticated() {
                assert!(decrypt(c, &wrong, &sealed).is_none(), "{c:?}");
                let mut t = sealed.clone();
                *t.last_mut().unwrap() ^= 1;
                assert!(decrypt(c, &key, &t).is_none(), "{c:?} tag");
            }
            assert!(decrypt(c, &key, &sealed[..10]).is_none(), "{c:?} short");
        }
    }
}
