//! Every secret SSO Pilot holds (the demo IdP's private key, AUTH_SECRET of a self-hosted SP, API tokens) goes
//! through this module, and from here only to the operating system's keychain: Keychain on macOS, Credential
//! Manager on Windows, the Secret Service (gnome-keyring, KWallet) on Linux.
//!
//! There is deliberately no file fallback and no silent in-memory fallback: when no keychain is reachable the caller
//! gets [`SecretsError::NoKeychain`] and must tell the admin. [`Secrets::mock`] exists for tests and is never chosen
//! implicitly.
//!
//! The OS backend makes blocking IPC calls (D-Bus on Linux): from async code call it inside
//! `tokio::task::spawn_blocking`.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

pub mod creation_lock;

/// The service name every entry is stored under (the "application" an admin sees in the keychain manager).
pub const SERVICE: &str = "ssopilot";
/// Largest secret accepted for storage or returned from the keychain, as stored (base64 for binary values).
/// A PKCS#8 RSA-4096 key is about 3.2 KB in base64; anything near this bound is not one of ours.
pub const MAX_SECRET_LEN: usize = 64 * 1024;
/// Longest instance / provider label inside a [`SecretName`].
pub const MAX_NAME_LABEL_LEN: usize = 256;
/// Bytes of randomness in a generated AUTH_SECRET (as `openssl rand -base64 32`).
pub const AUTH_SECRET_BYTES: usize = 32;

/// Why a secret could not be read, stored or removed. Messages say what to do; none contains a secret value.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("no OS keychain is available: on Linux start gnome-keyring / KWallet (Secret Service) and unlock it, then retry; SSO Pilot never falls back to storing secrets in files ({detail})")]
    NoKeychain { detail: String },
    #[error("the OS keychain is locked or has no default keyring: unlock it (on Linux: the \"Login\" keyring in Passwords and Keys / KWallet Manager) and retry ({detail})")]
    Locked { detail: String },
    #[error("the OS keychain refused to {action} \"{account}\": {detail}. Check that the keychain is unlocked and that SSO Pilot may use it, then retry")]
    Platform {
        action: &'static str,
        account: String,
        detail: String,
    },
    #[error("the OS keychain holds {count} entries for \"{account}\" (service \"{SERVICE}\"): delete the duplicates in your keychain manager and retry")]
    Ambiguous { account: String, count: usize },
    #[error("the stored \"{account}\" is damaged ({reason}): delete it in your keychain manager (service \"{SERVICE}\") so SSO Pilot can create a new one")]
    Corrupt { account: String, reason: String },
    #[error("the secret for \"{account}\" is {len} bytes, more than the {max} bytes SSO Pilot stores: this is not a value it created")]
    TooLarge {
        account: String,
        len: usize,
        max: usize,
    },
    #[error("invalid secret name: {reason}")]
    InvalidName { reason: String },
    #[error("cannot take the lock file {path} that keeps two SSO Pilot processes from creating two different keys in the OS keychain ({detail}): make its folder writable, or set SSOPILOT_DATA_DIR to a writable folder, and retry")]
    LockFile { path: PathBuf, detail: String },
    #[error("another SSO Pilot process (the app or the CLI) has been creating a key in the OS keychain for over {seconds} s (it holds {path}): let it finish, or close it, and retry; if the keychain asks to be unlocked, unlock it")]
    Busy { path: PathBuf, seconds: u64 },
    #[error("the operating system's random number generator failed: retry, and report it if it happens again")]
    Random,
}

/// A secret text value. Zeroized when dropped; `Debug` prints `[redacted]`; no `Display`, no `Serialize`, so it
/// cannot slip into a log line or a state file by accident. Read it with [`SecretString::expose`].
#[derive(Clone)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The value itself: only for handing it to where it must go (the keychain, a copy button, a signer).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Secret binary data (a PKCS#8 private key). Zeroized when dropped; `Debug` prints `[redacted]`.
#[derive(Clone)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    pub fn new(value: Vec<u8>) -> Self {
        Self(Zeroizing::new(value))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Which secret. The keychain account name is derived from it ([`SecretName::account`]), so the same name always
/// finds the same entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretName {
    /// The built-in demo IdP's signing key (PKCS#8 DER, stored base64).
    DemoIdpKey,
    /// The demo IdP's next signing key during a rotation, published but not used yet (PKCS#8 DER, stored base64).
    DemoIdpNextKey,
    /// The demo IdP's previous signing key after the switch, published until retired (PKCS#8 DER, stored base64).
    DemoIdpPreviousKey,
    /// The loopback test SP's AuthnRequest-signing key (PKCS#8 DER, stored base64).
    TestSpKey,
    /// The loopback test SP's encryption key: IdPs encrypt assertions for its certificate (PKCS#8 DER, base64).
    TestSpEncryptionKey,
    /// AUTH_SECRET of one self-hosted SP instance, labelled by the instance (e.g. its SITE_URL).
    AuthSecret(String),
    /// An API token for a provider's admin API, labelled by provider / instance.
    ApiToken(String),
}

impl SecretName {
    /// The account (user) name of the keychain entry, e.g. `auth-secret:https://infisical.example.com`.
    ///
    /// Labels must be 1 to [`MAX_NAME_LABEL_LEN`] characters without control characters: they end up in the
    /// keychain manager's list, where a line break or an empty label would confuse the admin.
    pub fn account(&self) -> Result<String, SecretsError> {
        fn label(kind: &str, l: &str) -> Result<String, SecretsError> {
            let l = l.trim();
            if l.is_empty() {
                return Err(SecretsError::InvalidName {
                    reason: format!(
                        "the {kind} label is empty: name the instance (for example its SITE_URL)"
                    ),
                });
            }
            let n = l.chars().count();
            if n > MAX_NAME_LABEL_LEN {
                return Err(SecretsError::InvalidName {
                    reason: format!(
                        "the {kind} label is {n} characters long (at most {MAX_NAME_LABEL_LEN})"
                    ),
                });
            }
            if l.chars().any(char::is_control) {
                return Err(SecretsError::InvalidName {
                    reason: format!("the {kind} label contains a control character or line break"),
                });
            }
            Ok(format!("{kind}:{l}"))
        }
        match self {
            SecretName::DemoIdpKey => Ok("demo-idp-signing-key".to_string()),
            SecretName::DemoIdpNextKey => Ok("demo-idp-next-signing-key".to_string()),
            SecretName::DemoIdpPreviousKey => Ok("demo-idp-previous-signing-key".to_string()),
            SecretName::TestSpKey => Ok("test-sp-signing-key".to_string()),
            SecretName::TestSpEncryptionKey => Ok("test-sp-encryption-key".to_string()),
            SecretName::AuthSecret(l) => label("auth-secret", l),
            SecretName::ApiToken(l) => label("api-token", l),
        }
    }

    /// What the admin sees in the keychain manager (Seahorse, KWallet Manager) for this entry.
    pub fn describe(&self) -> String {
        match self {
            SecretName::DemoIdpKey => "SSO Pilot: demo IdP signing key".to_string(),
            SecretName::DemoIdpNextKey => {
                "SSO Pilot: demo IdP next signing key (rotation)".to_string()
            }
            SecretName::DemoIdpPreviousKey => {
                "SSO Pilot: demo IdP previous signing key (rotation)".to_string()
            }
            SecretName::TestSpKey => "SSO Pilot: test SP request-signing key".to_string(),
            SecretName::TestSpEncryptionKey => "SSO Pilot: test SP encryption key".to_string(),
            SecretName::AuthSecret(l) => format!("SSO Pilot: AUTH_SECRET for {}", l.trim()),
            SecretName::ApiToken(l) => format!("SSO Pilot: API token for {}", l.trim()),
        }
    }
}

enum Backend {
    Os(Box<keyring::credential::CredentialBuilder>),
    Memory(Mutex<HashMap<String, Zeroizing<String>>>),
}

/// The one door to secret storage. Cheap to share (`Send + Sync`); create it once with [`Secrets::os`].
pub struct Secrets {
    backend: Backend,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.backend {
            Backend::Os(_) => "os keychain",
            Backend::Memory(_) => "in-memory mock",
        };
        f.debug_struct("Secrets").field("backend", &kind).finish()
    }
}

/// The platform's native credential store, or `None` where the build has none (then we refuse rather than let
/// keyring fall back to its mock store).
fn native_builder() -> Option<Box<keyring::credential::CredentialBuilder>> {
    #[cfg(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "macos",
        target_os = "windows"
    ))]
    {
        Some(keyring::default::default_credential_builder())
    }
    #[cfg(not(any(
        target_os = "linux",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "macos",
        target_os = "windows"
    )))]
    {
        None
    }
}

/// Account used to check that the keychain answers; never written.
const PROBE_ACCOUNT: &str = "keychain-probe";

/// Held while a secret is created, in this whole process: two callers that both find no key (the wizard's login
/// window and its loopback test at once) must not both generate and store one, the second overwriting the first
/// after the first was handed out (its certificate then given to an IdP and lost).
static CREATING: Mutex<()> = Mutex::new(());

/// Held while a secret is created: [`CREATING`] for this process and, for the OS keychain (shared by every process
/// of the user: the app and the CLI), the [`creation_lock`] file for all of them.
struct Creating {
    _file: Option<creation_lock::CreationLock>,
    _thread: std::sync::MutexGuard<'static, ()>,
}

impl Secrets {
    /// The real OS keychain. Checks once that it answers (a lookup of an entry that is never created), so a missing
    /// Secret Service is reported here, as [`SecretsError::NoKeychain`], not halfway through a step.
    pub fn os() -> Result<Self, SecretsError> {
        let Some(builder) = native_builder() else {
            return Err(SecretsError::NoKeychain {
                detail: "this operating system has no supported keychain".to_string(),
            });
        };
        let secrets = Secrets {
            backend: Backend::Os(builder),
        };
        match secrets.os_entry(PROBE_ACCOUNT)?.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) | Err(keyring::Error::Ambiguous(_)) => Ok(secrets),
            Err(keyring::Error::NoStorageAccess(e)) => Err(SecretsError::Locked {
                detail: e.to_string(),
            }),
            Err(e) => Err(SecretsError::NoKeychain {
                detail: e.to_string(),
            }),
        }
    }

    /// An in-memory store for tests only. Never used as a fallback: production code calls [`Secrets::os`].
    pub fn mock() -> Self {
        Secrets {
            backend: Backend::Memory(Mutex::new(HashMap::new())),
        }
    }

    /// True for the real keychain.
    pub fn is_os(&self) -> bool {
        matches!(self.backend, Backend::Os(_))
    }

    fn os_entry(&self, account: &str) -> Result<keyring::Entry, SecretsError> {
        let Backend::Os(builder) = &self.backend else {
            return Err(SecretsError::NoKeychain {
                detail: "not an OS keychain store".to_string(),
            });
        };
        let credential =
            builder
                .build(None, SERVICE, account)
                .map_err(|e| SecretsError::NoKeychain {
                    detail: e.to_string(),
                })?;
        Ok(keyring::Entry::new_with_credential(credential))
    }

    /// Takes [`CREATING`] (a poisoned lock only means another creator panicked: what it guards is in the keychain)
    /// and, for the OS keychain, the lock file. Only the OS keychain is shared between processes: the mock is not.
    fn creating(&self) -> Result<Creating, SecretsError> {
        let thread = CREATING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let file = match self.backend {
            Backend::Os(_) => Some(creation_lock::take()?),
            Backend::Memory(_) => None,
        };
        Ok(Creating {
            _file: file,
            _thread: thread,
        })
    }

    fn memory(&self) -> Option<std::sync::MutexGuard<'_, HashMap<String, Zeroizing<String>>>> {
        match &self.backend {
            // A poisoned lock only means another test thread panicked; the map itself is still consistent.
            Backend::Memory(m) => Some(m.lock().unwrap_or_else(|p| p.into_inner())),
            Backend::Os(_) => None,
        }
    }

    /// The stored text of a secret, or `None` when there is none.
    pub fn get(&self, name: &SecretName) -> Result<Option<SecretString>, SecretsError> {
        let account = name.account()?;
        let value = if let Some(map) = self.memory() {
            map.get(&account)
                .map(|v| SecretString::new(String::clone(v)))
        } else {
            match self.os_entry(&account)?.get_password() {
                Ok(v) => Some(SecretString::new(v)),
                Err(keyring::Error::NoEntry) => None,
                Err(e) => return Err(map_err(e, "read", &account)),
            }
        };
        if let Some(v) = &value {
            if v.len() > MAX_SECRET_LEN {
                return Err(SecretsError::TooLarge {
                    account,
                    len: v.len(),
                    max: MAX_SECRET_LEN,
                });
            }
        }
        Ok(value)
    }

    /// Stores (or replaces) a secret text.
    pub fn set(&self, name: &SecretName, value: &SecretString) -> Result<(), SecretsError> {
        let account = name.account()?;
        if value.is_empty() {
            return Err(SecretsError::InvalidName {
                reason: format!("refusing to store an empty value for \"{account}\""),
            });
        }
        if value.len() > MAX_SECRET_LEN {
            return Err(SecretsError::TooLarge {
                account,
                len: value.len(),
                max: MAX_SECRET_LEN,
            });
        }
        if let Some(mut map) = self.memory() {
            map.insert(account, Zeroizing::new(value.expose().to_string()));
            return Ok(());
        }
        let entry = self.os_entry(&account)?;
        entry
            .set_password(value.expose())
            .map_err(|e| map_err(e, "store", &account))?;
        // Secret Service items carry a label that keychain managers list; keyring's default is technical. A failure
        // here is cosmetic only: the value is stored.
        #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
        {
            let label = name.describe();
            let _ = entry.update_attributes(&HashMap::from([("label", label.as_str())]));
        }
        Ok(())
    }

    /// Removes a secret. Returns whether there was one.
    pub fn delete(&self, name: &SecretName) -> Result<bool, SecretsError> {
        let account = name.account()?;
        if let Some(mut map) = self.memory() {
            return Ok(map.remove(&account).is_some());
        }
        match self.os_entry(&account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_err(e, "delete", &account)),
        }
    }

    /// A binary secret, stored base64 (the keychains store text reliably everywhere; raw bytes are not portable).
    pub fn get_bytes(&self, name: &SecretName) -> Result<Option<SecretBytes>, SecretsError> {
        let Some(text) = self.get(name)? else {
            return Ok(None);
        };
        let bytes = BASE64
            .decode(text.expose().trim())
            .map_err(|e| SecretsError::Corrupt {
                account: name.account().unwrap_or_default(),
                reason: format!("not base64: {e}"),
            })?;
        Ok(Some(SecretBytes::new(bytes)))
    }

    /// Stores binary data base64-encoded.
    pub fn set_bytes(&self, name: &SecretName, value: &[u8]) -> Result<(), SecretsError> {
        let text = SecretString::new(BASE64.encode(value));
        self.set(name, &text)
    }

    /// The stored binary secret, or a new one from `generate`, stored before it is returned. Used for keys that
    /// must survive restarts (the demo IdP key: regenerating it would change the certificate the SP trusts).
    ///
    /// What is returned is read back from the keychain, so a caller never uses a key that was not stored. Creation
    /// is serialized in the process and, for the OS keychain, across processes (a lock file, see [`creation_lock`]),
    /// and the keychain read again once it is this caller's turn: of two callers at once, one creates and both get
    /// its key.
    pub fn get_or_create(
        &self,
        name: &SecretName,
        generate: impl FnOnce() -> Vec<u8>,
    ) -> Result<SecretBytes, SecretsError> {
        if let Some(existing) = self.get_bytes(name)? {
            return Ok(existing);
        }
        let _creating = self.creating()?;
        if let Some(existing) = self.get_bytes(name)? {
            return Ok(existing);
        }
        let fresh = SecretBytes::new(generate());
        if fresh.is_empty() {
            return Err(SecretsError::InvalidName {
                reason: "the generator produced an empty secret".to_string(),
            });
        }
        self.set_bytes(name, fresh.expose())?;
        self.get_bytes(name)?.ok_or_else(|| SecretsError::Platform {
            action: "keep",
            account: name.account().unwrap_or_default(),
            detail: "the value just stored cannot be read back".to_string(),
        })
    }

    /// The stored text secret, or a new one from `generate`, stored first (AUTH_SECRET: see
    /// [`generate_auth_secret`]); created once however many callers ask at once, as [`Secrets::get_or_create`].
    pub fn get_or_create_text(
        &self,
        name: &SecretName,
        generate: impl FnOnce() -> Result<SecretString, SecretsError>,
    ) -> Result<SecretString, SecretsError> {
        if let Some(existing) = self.get(name)? {
            return Ok(existing);
        }
        let _creating = self.creating()?;
        if let Some(existing) = self.get(name)? {
            return Ok(existing);
        }
        let fresh = generate()?;
        self.set(name, &fresh)?;
        self.get(name)?.ok_or_else(|| SecretsError::Platform {
            action: "keep",
            account: name.account().unwrap_or_default(),
            detail: "the value just stored cannot be read back".to_string(),
        })
    }
}

fn map_err(e: keyring::Error, action: &'static str, account: &str) -> SecretsError {
    match e {
        keyring::Error::NoStorageAccess(e) => SecretsError::Locked {
            detail: e.to_string(),
        },
        keyring::Error::Ambiguous(v) => SecretsError::Ambiguous {
            account: account.to_string(),
            count: v.len(),
        },
        keyring::Error::BadEncoding(_) => SecretsError::Corrupt {
            account: account.to_string(),
            reason: "not UTF-8 text".to_string(),
        },
        other => SecretsError::Platform {
            action,
            account: account.to_string(),
            detail: other.to_string(),
        },
    }
}

/// `n` bytes from the operating system's CSPRNG.
pub fn random_bytes(n: usize) -> Result<SecretBytes, SecretsError> {
    let mut buf = Zeroizing::new(vec![0u8; n]);
    SystemRandom::new()
        .fill(&mut buf)
        .map_err(|_| SecretsError::Random)?;
    Ok(SecretBytes(buf))
}

/// A new AUTH_SECRET: 32 random bytes, base64 (44 characters), as `openssl rand -base64 32` prints it.
pub fn generate_auth_secret() -> Result<SecretString, SecretsError> {
    let bytes = random_bytes(AUTH_SECRET_BYTES)?;
    Ok(SecretString::new(BASE64.encode(bytes.expose())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = SecretString::new("hunter2-very-secret".to_string());
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
        let b = SecretBytes::new(b"key material".to_vec());
        assert_eq!(format!("{b:?}"), "[redacted]");
    }

    #[test]
    fn auth_secret_is_32_random_bytes_in_base64() {
        let a = generate_auth_secret().unwrap();
        let b = generate_auth_secret().unwrap();
        assert_eq!(a.len(), 44, "openssl rand -base64 32 prints 44 characters");
        assert!(a.expose().ends_with('='));
        assert_eq!(BASE64.decode(a.expose()).unwrap().len(), 32);
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn names_map_to_stable_accounts_and_bad_labels_are_refused() {
        assert_eq!(
            SecretName::DemoIdpKey.account().unwrap(),
            "demo-idp-signing-key"
        );
        assert_eq!(
            SecretName::TestSpEncryptionKey.account().unwrap(),
            "test-sp-encryption-key"
        );
        assert_ne!(
            SecretName::TestSpEncryptionKey.account().unwrap(),
            SecretName::TestSpKey.account().unwrap()
        );
        assert_eq!(
            SecretName::AuthSecret(" https://sp.example.com ".into())
                .account()
                .unwrap(),
            "auth-secret:https://sp.example.com"
        );
        for bad in ["", "  ", "a\nb", "tab\there"] {
            let e = SecretName::ApiToken(bad.into()).account().unwrap_err();
            assert!(matches!(e, SecretsError::InvalidName { .. }), "{bad:?}");
        }
        let long = "x".repeat(MAX_NAME_LABEL_LEN + 1);
        assert!(SecretName::AuthSecret(long).account().is_err());
    }

    #[test]
    fn no_keychain_message_tells_what_to_do() {
        let msg = SecretsError::NoKeychain { detail: "x".into() }.to_string();
        assert!(msg.starts_with("no OS keychain is available: on Linux start gnome-keyring"));
        assert!(msg.contains("never falls back to storing secrets in files"));
    }

    #[test]
    fn two_callers_at_once_create_one_secret_and_both_get_it() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Barrier;
        let secrets = Secrets::mock();
        let made = AtomicUsize::new(0);
        let both = Barrier::new(2);
        let got: Vec<Vec<u8>> = std::thread::scope(|s| {
            let callers: Vec<_> = (0..2u8)
                .map(|i| {
                    let (secrets, made, both) = (&secrets, &made, &both);
                    s.spawn(move || {
                        both.wait();
                        secrets
                            .get_or_create(&SecretName::TestSpKey, || {
                                made.fetch_add(1, Ordering::SeqCst);
                                // Slow, like RSA key generation: the other caller arrives meanwhile.
                                std::thread::sleep(std::time::Duration::from_millis(100));
                                vec![i + 1; 16]
                            })
                            .unwrap()
                            .expose()
                            .to_vec()
                    })
                })
                .collect();
            callers.into_iter().map(|c| c.join().unwrap()).collect()
        });
        assert_eq!(made.load(Ordering::SeqCst), 1, "one key made");
        assert_eq!(got[0], got[1], "both callers hold the stored key");
        assert_eq!(
            secrets
                .get_bytes(&SecretName::TestSpKey)
                .unwrap()
                .unwrap()
                .expose(),
            got[0].as_slice()
        );
        // The same for a text secret.
        let name = SecretName::AuthSecret("https://sp.example.com".into());
        let made = AtomicUsize::new(0);
        let texts: Vec<String> = std::thread::scope(|s| {
            let callers: Vec<_> = (0..2)
                .map(|_| {
                    let (secrets, made, both, name) = (&secrets, &made, &both, &name);
                    s.spawn(move || {
                        both.wait();
                        secrets
                            .get_or_create_text(name, || {
                                made.fetch_add(1, Ordering::SeqCst);
                                std::thread::sleep(std::time::Duration::from_millis(100));
                                generate_auth_secret()
                            })
                            .unwrap()
                            .expose()
                            .to_string()
                    })
                })
                .collect();
            callers.into_iter().map(|c| c.join().unwrap()).collect()
        });
        assert_eq!(made.load(Ordering::SeqCst), 1);
        assert_eq!(texts[0], texts[1]);
    }
}
