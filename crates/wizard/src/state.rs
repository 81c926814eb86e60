//! Saved progress: one versioned JSON file in the platform's data directory, written atomically.
//!
//! Only values that passed validation are saved, and no secret ever goes in this file: [`SavedState`] has no field
//! that could hold one (private keys, tokens and AUTH_SECRET belong to the OS keychain; the IdP's certificate is public,
//! and a saved one is checked on load to hold nothing else). A file that is not what this
//! version wrote (cut off by a crash, edited by hand, written by a newer version) is never half-used: [`Store::load`]
//! refuses it whole and the wizard moves it aside with [`Store::move_aside`].

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::clock::Clock as _;
use crate::profiles::AttributeMapping;
use crate::view::StepId;
use ssopilot_saml::values::{AcsUrl, EntityId, IdpUrl, SiteUrl};

/// File name of the saved progress inside the data directory.
pub const STATE_FILE: &str = "state.json";
/// The format version this build writes and reads.
pub const STATE_VERSION: u64 = 1;
/// A state file is a few hundred bytes; anything above this is not ours.
pub const MAX_STATE_BYTES: u64 = 256 * 1024;
/// Bounds on the attribute map, both in the file and in the wizard.
pub const MAX_ATTRIBUTE_ROWS: usize = 64;
pub const MAX_ATTRIBUTE_NAME_CHARS: usize = 256;
/// Imported IdP signing certificates kept (the metadata importer takes no more).
pub const MAX_SAVED_CERTIFICATES: usize = ssopilot_saml::metadata::MAX_CERTIFICATES;
/// Prefix of the temporary files written before the rename.
const TEMP_PREFIX: &str = ".state.json.tmp-";
/// Temporary files older than this are left over from a crash and are removed on open.
const STALE_TEMP_AGE: Duration = Duration::from_secs(10 * 60);

/// Why saved progress could not be found, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "could not find a data directory for SSO Pilot: set SSOPILOT_DATA_DIR to a writable folder"
    )]
    NoDataDir,
    #[error("could not read the saved progress {path}: {source} (check the file's permissions)")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("could not save your progress to {path}: {source}. Check that the folder exists, is writable and the disk is not full; what you typed stays in the window meanwhile")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the saved progress {path} is {len} bytes, far more than SSO Pilot ever writes (at most {max}): it is not a file SSO Pilot wrote")]
    TooLarge { path: PathBuf, len: u64, max: u64 },
    #[error("the saved progress {path} is damaged: {problem}")]
    Corrupt { path: PathBuf, problem: String },
    #[error("the saved progress {path} has format version {found}, and this version of SSO Pilot reads only version {STATE_VERSION} (was it written by a newer SSO Pilot?)")]
    UnknownVersion { path: PathBuf, found: String },
    #[error("could not move the damaged saved progress {path} aside: {source}")]
    MoveAside {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl StateError {
    /// True when the file exists but is not usable saved progress, so it should be moved aside (not when it merely
    /// could not be read: then it may be perfectly good, and must not be touched).
    pub fn is_unusable_file(&self) -> bool {
        matches!(
            self,
            StateError::TooLarge { .. }
                | StateError::Corrupt { .. }
                | StateError::UnknownVersion { .. }
        )
    }
}

/// What is saved: only values that passed validation, and no secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedState {
    /// Always [`STATE_VERSION`] in what this build writes.
    pub version: u64,
    /// When it was written (RFC 3339, UTC); informative only.
    #[serde(default)]
    pub saved_at: Option<String>,
    pub current_step: StepId,
    #[serde(default)]
    pub idp_profile: Option<String>,
    #[serde(default)]
    pub sp_profile: Option<String>,
    #[serde(default)]
    pub acs_url: Option<AcsUrl>,
    #[serde(default)]
    pub sp_entity_id: Option<EntityId>,
    #[serde(default)]
    pub idp_entity_id: Option<EntityId>,
    #[serde(default)]
    pub sign_assertion_confirmed: bool,
    #[serde(default)]
    pub idp_sso_url: Option<IdpUrl>,
    /// `None`: the profiles' default map (it follows a change of provider). `Some`: the admin's own map.
    #[serde(default)]
    pub attributes: Option<Vec<AttributeMapping>>,
    /// The IdP's signing certificate (normalized PEM), from an IdP metadata import or step 5, saved only once it is
    /// a certificate. A certificate is public; a private key is never in it (checked again on load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_certificate: Option<String>,
    /// During a certificate rotation: the IdP's next signing certificate (PEM), trusted beside the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_next_certificate: Option<String>,
    /// Every signing certificate of the imported IdP metadata (PEM), in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub idp_metadata_certificates: Vec<String>,
    /// Where the IdP's metadata (and so the certificate of step 5) was imported from, when it came from a URL:
    /// `ssopilot watch` and the app's start fetch it again to notice a rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_metadata_url: Option<IdpUrl>,
    /// Step 6: the admin confirmed the application is granted to a user group in the IdP.
    #[serde(default)]
    pub users_assigned: bool,
    /// Step 6: the account that does the test login (a user name, not a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_user: Option<String>,
    /// Step 7: the last passing test login (no secrets, no signature values: see [`ssopilot_peers::test_login::evidence`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_evidence: Option<ssopilot_peers::test_login::evidence::Evidence>,
    /// Step 7: how the login window starts the sign-in, as the admin chose (absent: the best for the configuration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_login_choice: Option<crate::test_login::SavedLoginChoice>,
    /// Step 2, self-hosted SPs: the instance's public address (SITE_URL). Its AUTH_SECRET is in the OS keychain only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_url: Option<SiteUrl>,
    /// Step 6 with the demo IdP: the user groups granted the application (re-applied when the demo IdP starts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub demo_granted_groups: Vec<String>,
    /// Step 8: the admin confirmed SAML SSO is switched on in the SP.
    #[serde(default)]
    pub sso_enabled: bool,
    /// Step 8: what the SP was given when SSO was switched on (public values; a change asks for them again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_values: Option<crate::enable::EnabledValues>,
    /// Step 9: when the admin confirmed enforcing SSO (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforced_at: Option<String>,
}

impl Default for SavedState {
    fn default() -> Self {
        SavedState {
            version: STATE_VERSION,
            saved_at: None,
            current_step: StepId::Providers,
            idp_profile: None,
            sp_profile: None,
            acs_url: None,
            sp_entity_id: None,
            idp_entity_id: None,
            sign_assertion_confirmed: false,
            idp_sso_url: None,
            attributes: None,
            idp_certificate: None,
            idp_next_certificate: None,
            idp_metadata_certificates: Vec::new(),
            idp_metadata_url: None,
            users_assigned: false,
            test_user: None,
            test_evidence: None,
            test_login_choice: None,
            site_url: None,
            demo_granted_groups: Vec::new(),
            sso_enabled: false,
            enabled_values: None,
            enforced_at: None,
        }
    }
}

impl SavedState {
    /// True when both hold the same progress (the time of saving aside).
    pub fn same_progress(&self, other: &SavedState) -> bool {
        SavedState {
            saved_at: None,
            ..self.clone()
        } == SavedState {
            saved_at: None,
            ..other.clone()
        }
    }

    /// Checks what serde does not: the URLs and entity IDs were checked as they were read (their types refuse a bad
    /// value); the bounds, the profile ids, the names in the attribute map and what a saved certificate holds are
    /// each step's own rules (`check_saved` in its module). Returns the first problem.
    pub fn check(&self) -> Result<(), String> {
        if self.version != STATE_VERSION {
            return Err(format!("format version {}", self.version));
        }
        crate::draft::check_saved(self)
    }
}

/// The rule for one attribute name, on either side of the map; the error is a sentence fragment.
pub fn check_attribute_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name is empty".into());
    }
    let len = name.chars().count();
    if len > MAX_ATTRIBUTE_NAME_CHARS {
        return Err(format!(
            "a name is {len} characters long (at most {MAX_ATTRIBUTE_NAME_CHARS})"
        ));
    }
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("\"{name}\" contains a space"));
    }
    Ok(())
}

/// The rule for the IdP side of the map: some portals pick the source from a list of labels with spaces (Google's
/// "Primary email"), so inner spaces are allowed there; the rest is as [`check_attribute_name`].
pub fn check_idp_attribute_name(name: &str) -> Result<(), String> {
    match check_attribute_name(name) {
        Err(_)
            if name.trim() == name
                && !name
                    .chars()
                    .any(|c| c.is_control() || (c.is_whitespace() && c != ' ')) =>
        {
            check_attribute_name(&name.replace(' ', "_"))
        }
        other => other,
    }
}

/// Where the progress lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    dir: PathBuf,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl Store {
    /// `$SSOPILOT_DATA_DIR` if set (tests and e2e use it), else the platform data directory
    /// (Linux: `~/.local/share/ssopilot`).
    pub fn default_location() -> Result<Store, StateError> {
        if let Some(dir) = std::env::var_os("SSOPILOT_DATA_DIR").filter(|d| !d.is_empty()) {
            return Ok(Store::at(dir));
        }
        directories::ProjectDirs::from("", "", "SSO Pilot")
            .map(|p| Store::at(p.data_dir()))
            .ok_or(StateError::NoDataDir)
    }

    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The state file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// The directory holding the state file.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Reads the saved progress without changing anything on disk. `Ok(None)`: nothing saved yet.
    pub fn load(&self) -> Result<Option<SavedState>, StateError> {
        let path = self.path();
        let read_err = |source| StateError::Read {
            path: path.clone(),
            source,
        };
        let file = match File::open(&path) {
            Ok(f) => f,
            // No file, or no directory to hold one: nothing saved yet (a later save reports what is wrong).
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(read_err(e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_STATE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read_err)?;
        if bytes.len() as u64 > MAX_STATE_BYTES {
            let len = fs::metadata(&path)
                .map(|m| m.len())
                .unwrap_or(bytes.len() as u64);
            return Err(StateError::TooLarge {
                path,
                len,
                max: MAX_STATE_BYTES,
            });
        }
        parse_state(&bytes, &path).map(Some)
    }

    /// Writes the progress atomically: a temporary file in the same directory is written, flushed and synced, then
    /// renamed over the state file, then the directory is synced. A crash at any point leaves either the old file or
    /// the new one, never a mix.
    pub fn save(&self, state: &SavedState) -> Result<(), StateError> {
        let path = self.path();
        let write_err = |source| StateError::Write {
            path: path.clone(),
            source,
        };
        fs::create_dir_all(&self.dir).map_err(write_err)?;
        let mut json = serde_json::to_vec_pretty(state)
            .map_err(|e| write_err(io::Error::new(io::ErrorKind::InvalidData, e)))?;
        json.push(b'\n');

        let tmp = self.dir.join(format!(
            "{TEMP_PREFIX}{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let result = write_synced(&tmp, &json).and_then(|()| fs::rename(&tmp, &path));
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(write_err(e));
        }
        sync_dir(&self.dir).map_err(write_err)
    }

    /// Renames an unusable state file to `state.json.corrupt-<UTC timestamp>` beside it (never deletes it) and
    /// returns the new path.
    pub fn move_aside(&self) -> Result<PathBuf, StateError> {
        let path = self.path();
        // A file name for people to read: the computer's clock.
        let stamp = crate::clock::SystemClock
            .now()
            .format(time::macros::format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap_or_else(|_| "unknown-time".into());
        let mut target = self.dir.join(format!("{STATE_FILE}.corrupt-{stamp}"));
        let mut n = 1;
        while target.exists() {
            n += 1;
            if n > 1000 {
                return Err(StateError::MoveAside {
                    path,
                    source: io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "too many damaged copies already kept beside it; delete old state.json.corrupt-* files",
                    ),
                });
            }
            target = self.dir.join(format!("{STATE_FILE}.corrupt-{stamp}-{n}"));
        }
        fs::rename(&path, &target).map_err(|source| StateError::MoveAside {
            path: path.clone(),
            source,
        })?;
        let _ = sync_dir(&self.dir);
        Ok(target)
    }

    /// Removes temporary files left by a crash in the middle of a save (they were never renamed, so they were never
    /// the saved progress). Recent ones are left alone in case another process is saving right now.
    pub fn remove_stale_temp_files(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !name.to_string_lossy().starts_with(TEMP_PREFIX) {
                continue;
            }
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age >= STALE_TEMP_AGE);
            if old {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

fn parse_state(bytes: &[u8], path: &Path) -> Result<SavedState, StateError> {
    let corrupt = |problem: String| StateError::Corrupt {
        path: path.to_path_buf(),
        problem,
    };
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            corrupt(format!(
                "it ends too early (it was probably cut off while being written): {e}"
            ))
        } else {
            corrupt(format!("it is not valid JSON: {e}"))
        }
    })?;
    let version = value
        .as_object()
        .ok_or_else(|| corrupt("it is not a JSON object".into()))?
        .get("version")
        .ok_or_else(|| corrupt("it has no \"version\"".into()))?;
    if version.as_u64() != Some(STATE_VERSION) {
        return Err(StateError::UnknownVersion {
            path: path.to_path_buf(),
            found: version.to_string(),
        });
    }
    let state: SavedState =
        serde_json::from_value(value).map_err(|e| corrupt(format!("unexpected content: {e}")))?;
    state.check().map_err(corrupt)?;
    Ok(state)
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.flush()?;
    f.sync_all()
}

/// Makes the rename durable (on Unix a directory can be opened and synced; elsewhere the rename is enough).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
