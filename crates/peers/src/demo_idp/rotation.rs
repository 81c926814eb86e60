//! Rotating the demo IdP's signing key (issue 22), so an admin can rehearse the switch an IdP does on its own
//! schedule: a next key is made and its certificate published beside the current one (the overlap), the IdP then
//! signs with the next key (the switch, both still published), and finally the old certificate is retired.
//!
//! The keys follow the demo key's storage rules: in the OS keychain when the ring was loaded from it (the signing key
//! under [`SecretName::DemoIdpKey`], a published-but-not-yet-used key under [`SecretName::DemoIdpNextKey`], a
//! published-no-longer-used one under [`SecretName::DemoIdpPreviousKey`], so a restart resumes the same phase), or
//! in this process's memory only for a temporary ring. Never in a file.

use std::sync::{Arc, RwLock};

use super::key::{generate_pkcs8, IdpKey, KeyError};
use crate::secrets::{SecretBytes, SecretName, Secrets};
use ssopilot_saml::fingerprint::Fingerprint;

/// Where a rotation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// One key, one published certificate.
    Steady,
    /// The next certificate is published beside the current one; the IdP still signs with the current key.
    Overlap,
    /// The IdP signs with the new key; the old certificate is still published until retired.
    Switched,
}

/// Why a rotation step was refused.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("{0}")]
    Key(#[from] KeyError),
    #[error("a rotation is already under way (phase: {0:?}): finish it (switch, then retire the old certificate) before starting another")]
    AlreadyRotating(Phase),
    #[error("there is no next certificate to switch to: start a rotation first (it publishes the next certificate)")]
    NothingToSwitch,
    #[error(
        "the old certificate cannot be retired before the IdP signs with the new key: switch first"
    )]
    NotSwitched,
    #[error("the rotation could not be kept in the OS keychain: {0}")]
    Keychain(#[from] crate::secrets::SecretsError),
}

struct Keys {
    /// The key the IdP signs with.
    signing: Arc<IdpKey>,
    /// Published beside it: the next key (overlap) or the previous one (switched).
    other: Option<Arc<IdpKey>>,
    phase: Phase,
}

/// The demo IdP's keys through a rotation; cheap to read while the server runs.
pub struct KeyRing {
    keys: RwLock<Keys>,
    /// Where the keys are kept (`None`: a temporary ring, in memory only).
    store: Option<Arc<Secrets>>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("phase", &self.phase())
            .field(
                "signing_sha256",
                &self.signing().fingerprint_sha256().as_str(),
            )
            .finish_non_exhaustive()
    }
}

/// A published certificate and its part in the rotation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublishedCert {
    pub sha256: Fingerprint,
    pub pem: String,
    /// The IdP signs with this one's key.
    pub signing: bool,
}

impl KeyRing {
    /// A ring of one key held in memory only (tests, a temporary key): rotations are not kept.
    pub fn in_memory(key: IdpKey) -> Self {
        Self {
            keys: RwLock::new(Keys {
                signing: Arc::new(key),
                other: None,
                phase: Phase::Steady,
            }),
            store: None,
        }
    }

    /// The ring kept in the keychain when one answers; otherwise a temporary key in memory, saying why (the rules
    /// of [`IdpKey::from_keychain_or_temporary`]: a damaged stored key stays an error).
    pub fn from_keychain_or_temporary(
        secrets: Result<Secrets, crate::secrets::SecretsError>,
    ) -> Result<Self, KeyError> {
        let no_keychain = match secrets.map(|s| Self::load(Arc::new(s))) {
            Ok(Err(KeyError::Keychain(e))) | Err(e) => e,
            Ok(other) => return other,
        };
        Ok(Self::in_memory(IdpKey::temporary(no_keychain.to_string())?))
    }

    /// The ring kept in `secrets`: the signing key (made on first use) and a rotation under way, if any.
    pub fn load(secrets: Arc<Secrets>) -> Result<Self, KeyError> {
        let signing = IdpKey::load_or_create(&secrets)?;
        let read = |name: &SecretName| -> Result<Option<IdpKey>, KeyError> {
            match secrets.get_bytes(name)? {
                Some(b) => Ok(Some(IdpKey::from_pkcs8(b)?)),
                None => Ok(None),
            }
        };
        let (other, phase) = match (
            read(&SecretName::DemoIdpPreviousKey)?,
            read(&SecretName::DemoIdpNextKey)?,
        ) {
            // A switch cut short after the previous key was kept: the signing key is still the old one.
            (Some(prev), Some(next)) if prev.cert_der() == signing.cert_der() => {
                (Some(next), Phase::Overlap)
            }
            (Some(prev), _) if prev.cert_der() != signing.cert_der() => {
                (Some(prev), Phase::Switched)
            }
            (_, Some(next)) if next.cert_der() != signing.cert_der() => {
                (Some(next), Phase::Overlap)
            }
            _ => (None, Phase::Steady),
        };
        Ok(Self {
            keys: RwLock::new(Keys {
                signing: Arc::new(signing),
                other: other.map(Arc::new),
                phase,
            }),
            store: Some(secrets),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Keys> {
        self.keys.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Keys> {
        self.keys.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The key responses are signed with now.
    pub fn signing(&self) -> Arc<IdpKey> {
        Arc::clone(&self.read().signing)
    }

    pub fn phase(&self) -> Phase {
        self.read().phase
    }

    /// Every key whose certificate the metadata lists, in the order listed: the current one first, then the next.
    pub fn published(&self) -> Vec<Arc<IdpKey>> {
        let k = self.read();
        let mut out = vec![Arc::clone(&k.signing)];
        if let Some(o) = &k.other {
            match k.phase {
                // The old (still signing) key first, the next after it.
                Phase::Overlap => out.push(Arc::clone(o)),
                // The old certificate first, the new (signing) one after it.
                _ => out.insert(0, Arc::clone(o)),
            }
        }
        out
    }

    /// The published certificates with which one signs.
    pub fn certificates(&self) -> Vec<PublishedCert> {
        let signing = self.signing();
        self.published()
            .iter()
            .map(|k| PublishedCert {
                sha256: k.fingerprint_sha256(),
                pem: k.cert_pem(),
                signing: k.cert_der() == signing.cert_der(),
            })
            .collect()
    }

    /// Starts a rotation: a new key pair whose certificate is published beside the current one. The IdP keeps
    /// signing with the current key until [`KeyRing::switch`].
    pub fn begin(&self) -> Result<Fingerprint, RotationError> {
        let phase = self.phase();
        if phase != Phase::Steady {
            return Err(RotationError::AlreadyRotating(phase));
        }
        let der = generate_pkcs8();
        if der.is_empty() {
            return Err(KeyError::Unusable {
                detail: "RSA key generation failed".into(),
            }
            .into());
        }
        let next = IdpKey::from_pkcs8(SecretBytes::new(der))?;
        if let Some(s) = &self.store {
            s.set_bytes(&SecretName::DemoIdpNextKey, next.pkcs8())?;
        }
        let fp = next.fingerprint_sha256();
        let mut k = self.write();
        k.other = Some(Arc::new(next));
        k.phase = Phase::Overlap;
        Ok(fp)
    }

    /// The switch: the IdP signs with the next key from now on; the old certificate stays published.
    pub fn switch(&self) -> Result<Fingerprint, RotationError> {
        let (old, next) = {
            let k = self.read();
            match (&k.other, k.phase) {
                (Some(n), Phase::Overlap) => (Arc::clone(&k.signing), Arc::clone(n)),
                _ => return Err(RotationError::NothingToSwitch),
            }
        };
        if let Some(s) = &self.store {
            // In this order, a stop between two writes resumes a consistent phase (see [`KeyRing::load`]).
            s.set_bytes(&SecretName::DemoIdpPreviousKey, old.pkcs8())?;
            s.set_bytes(&SecretName::DemoIdpKey, next.pkcs8())?;
            s.delete(&SecretName::DemoIdpNextKey)?;
        }
        let fp = next.fingerprint_sha256();
        let mut k = self.write();
        k.signing = next;
        k.other = Some(old);
        k.phase = Phase::Switched;
        Ok(fp)
    }

    /// Retires the old certificate: the metadata lists the new one only.
    pub fn retire(&self) -> Result<(), RotationError> {
        if self.phase() != Phase::Switched {
            return Err(RotationError::NotSwitched);
        }
        if let Some(s) = &self.store {
            s.delete(&SecretName::DemoIdpPreviousKey)?;
        }
        let mut k = self.write();
        k.other = None;
        k.phase = Phase::Steady;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fps(r: &KeyRing) -> Vec<Fingerprint> {
        r.published()
            .iter()
            .map(|k| k.fingerprint_sha256())
            .collect()
    }

    #[test]
    fn a_rotation_publishes_both_then_switches_then_retires() {
        let ring = KeyRing::in_memory(IdpKey::generate_ephemeral().unwrap());
        let old = ring.signing().fingerprint_sha256();
        assert_eq!(ring.phase(), Phase::Steady);
        assert!(matches!(ring.switch(), Err(RotationError::NothingToSwitch)));
        assert!(matches!(ring.retire(), Err(RotationError::NotSwitched)));
        let next = ring.begin().unwrap();
        assert_ne!(old, next);
        assert_eq!(fps(&ring), vec![old.clone(), next.clone()]);
        assert_eq!(ring.signing().fingerprint_sha256(), old);
        assert!(matches!(
            ring.begin(),
            Err(RotationError::AlreadyRotating(Phase::Overlap))
        ));
        ring.switch().unwrap();
        assert_eq!(ring.signing().fingerprint_sha256(), next);
        assert_eq!(fps(&ring), vec![old.clone(), next.clone()]);
        let certs = ring.certificates();
        assert!(!certs[0].signing && certs[1].signing);
        ring.retire().unwrap();
        assert_eq!(fps(&ring), vec![next.clone()]);
        assert_eq!(ring.phase(), Phase::Steady);
    }

    #[test]
    fn a_kept_rotation_resumes_its_phase_after_a_restart() {
        let secrets = Arc::new(Secrets::mock());
        let ring = KeyRing::load(Arc::clone(&secrets)).unwrap();
        let old = ring.signing().fingerprint_sha256();
        let next = ring.begin().unwrap();
        let again = KeyRing::load(Arc::clone(&secrets)).unwrap();
        assert_eq!(again.phase(), Phase::Overlap);
        assert_eq!(fps(&again), vec![old.clone(), next.clone()]);
        ring.switch().unwrap();
        let again = KeyRing::load(Arc::clone(&secrets)).unwrap();
        assert_eq!(again.phase(), Phase::Switched);
        assert_eq!(again.signing().fingerprint_sha256(), next);
        assert_eq!(fps(&again), vec![old, next.clone()]);
        ring.retire().unwrap();
        let again = KeyRing::load(Arc::clone(&secrets)).unwrap();
        assert_eq!(again.phase(), Phase::Steady);
        assert_eq!(fps(&again), vec![next]);
    }
}
