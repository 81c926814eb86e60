//! The integration tests of ssopilot-saml, one binary (one link) for all of them.

// Tests and benchmarks: a failed set-up is a failed run, so unwrap, expect and panic are the right tools.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod c14n_spec;
mod cert_doctor;
mod cert_fuzz;
mod metadata_core;
mod response_attacks;
mod response_cert_validity;
mod response_differential;
mod response_dos;
mod response_encrypted;
mod response_findings;
mod xmldsig_interop;
mod xmlenc_interop;
