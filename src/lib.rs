//! SSO Pilot core: everything the wizard knows and checks, with no dependency on Tauri.
//!
//! The desktop shell (`src-tauri/`) and the command-line tool (`src/main.rs`) are thin layers over this crate.

pub mod binding;
pub mod c14n;
pub mod fingerprint;
pub mod response;
pub mod values;
pub mod wizard;
pub mod xml;
pub mod xmldsig;
