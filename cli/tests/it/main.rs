//! The integration tests of the CLI, one binary (one link) for all of them.

// Tests and benchmarks: a failed set-up is a failed run, so unwrap, expect and panic are the right tools.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod bundle_cli;
mod cert_cli;
mod demo_faults_cli;
mod demo_idp_cli;
mod demo_idp_rotate_cli;
mod idp_boxyhq_cli;
mod idp_encrypting_cli;
mod idp_flask_saml2_cli;
mod idp_foreign_cli;
mod idp_pysaml2;
mod idp_saml_idp_cli;
mod metadata_cli;
mod packaging;
mod response_cli;
mod secrets_mock;
mod secrets_os;
mod start_script;
mod state_cli;
mod test_login_cli;
mod watch_cli;

/// Held by the tests that need the test SP's encryption key to stay the same while they run, and by the one that
/// deletes it.
pub(crate) static TEST_SP_ENCRYPTION_KEY: std::sync::Mutex<()> = std::sync::Mutex::new(());
