//! SSO Pilot core: everything the wizard knows and checks, with no dependency on Tauri.
//!
//! The desktop shell (`src-tauri/`) and the command-line tool (`src/main.rs`) are thin layers over this crate.

pub mod binding;
pub mod c14n;
pub mod cert;
pub mod demo_idp;
pub mod fetch;
pub mod findings;
pub mod fingerprint;
pub mod metadata;
pub mod profiles;
pub mod response;
pub mod secrets;
pub mod state;
pub mod test_login;
pub mod values;
pub mod wizard;
pub mod xml;
pub mod xmldsig;
