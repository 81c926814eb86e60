//! Saved progress: one versioned JSON file in the platform's data directory, written atomically.
//!
//! Only values that passed validation are saved, and no secret ever goes in this file (the type has no field that
//! could hold one).

use std::path::PathBuf;

/// File name of the saved progress inside the data directory.
pub const STATE_FILE: &str = "state.json";

/// Why saved progress could not be found, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "could not find a data directory for SSO Pilot: set SSOPILOT_DATA_DIR to a writable folder"
    )]
    NoDataDir,
}

/// Where the progress lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    dir: PathBuf,
}

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
}
