//! The lock that makes "read the key, else create and store it" one step across processes.
//!
//! The keychain is one per user, shared by every SSO Pilot process: the app and the CLI started at once on a fresh
//! keychain would otherwise both find no key, both generate one, and the second store would replace the first after
//! the first was handed out (its certificate given to an IdP, then lost). The in-process mutex in `secrets` covers
//! threads; this file lock covers processes. The lock file holds nothing: it only exists to be locked.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::SecretsError;

/// Name of the lock file, in [`lock_dir`].
pub const LOCK_FILE: &str = "keychain.lock";

/// How long a creator waits for another process that is creating a key (an RSA key takes a second or two; a
/// keychain waiting to be unlocked by its user can take longer). Then it gives up with a message, never waits on.
const PATIENCE: Duration = Duration::from_secs(120);
/// Between two attempts to take the lock.
const RETRY: Duration = Duration::from_millis(50);

/// Where the lock file lives: `$SSOPILOT_DATA_DIR` when set (where the app and the CLI keep their progress), else
/// the user's runtime directory (Linux: `$XDG_RUNTIME_DIR/ssopilot`), else the platform data directory. The app and
/// the CLI of one user compute the same place.
pub fn lock_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SSOPILOT_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let dirs = directories::ProjectDirs::from("", "", "SSO Pilot")?;
    Some(
        dirs.runtime_dir()
            .map_or_else(|| dirs.data_dir().to_path_buf(), Path::to_path_buf),
    )
}

/// Held while this process creates a secret; dropping it (closing the file) releases the lock.
#[derive(Debug)]
pub struct CreationLock {
    _file: File,
}

/// Takes the lock in [`lock_dir`], waiting up to [`PATIENCE`] for another process that holds it.
pub fn take() -> Result<CreationLock, SecretsError> {
    let Some(dir) = lock_dir() else {
        return Err(SecretsError::LockFile {
            path: PathBuf::from(LOCK_FILE),
            detail: "this system names no data directory for SSO Pilot: set SSOPILOT_DATA_DIR to a writable folder".to_string(),
        });
    };
    take_in(&dir, PATIENCE)
}

/// Takes the lock file in `dir` (created if missing), waiting up to `patience`.
pub fn take_in(dir: &Path, patience: Duration) -> Result<CreationLock, SecretsError> {
    let path = dir.join(LOCK_FILE);
    let io_err = |e: std::io::Error| SecretsError::LockFile {
        path: path.clone(),
        detail: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(io_err)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err)?;
    let mut waited = Duration::ZERO;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(CreationLock { _file: file }),
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
            Err(TryLockError::WouldBlock) if waited >= patience => {
                return Err(SecretsError::Busy {
                    path,
                    seconds: patience.as_secs(),
                })
            }
            Err(TryLockError::WouldBlock) => {
                std::thread::sleep(RETRY);
                waited += RETRY;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_makes_the_next_taker_wait_then_give_up_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let held = take_in(dir.path(), Duration::ZERO).unwrap();
        // The lock is per open file description: a second open of the same file, as another process makes, waits.
        let e = take_in(dir.path(), Duration::from_millis(120)).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, SecretsError::Busy { .. }), "{e:?}");
        assert!(msg.contains("another SSO Pilot process"), "{msg}");
        assert!(msg.contains(LOCK_FILE), "{msg}");
        drop(held);
        let again = take_in(dir.path(), Duration::ZERO).unwrap();
        drop(again);
        // The lock file holds no secret: it stays empty.
        assert_eq!(
            std::fs::metadata(dir.path().join(LOCK_FILE)).unwrap().len(),
            0
        );
    }

    #[test]
    fn a_lock_dir_that_cannot_be_made_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"").unwrap();
        let e = take_in(&file.join("sub"), Duration::ZERO).unwrap_err();
        assert!(matches!(e, SecretsError::LockFile { .. }), "{e:?}");
        assert!(e.to_string().contains("SSOPILOT_DATA_DIR"), "{e}");
    }
}
