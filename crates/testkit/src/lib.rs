//! Test support shared by the integration tests and benchmarks of every crate (dev-only, never shipped): keys and
//! certificates, signed responses, metadata documents, the demo IdP's keys, and the external oracles (python3-saml,
//! pysaml2, xmlsec1) and the foreign IdPs (`js/`) installed by `scripts/setup.sh`.

// Test support: a failed set-up is a failed test, so unwrap and expect are the right tools here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod cert_support;
pub mod demo_idp_support;
pub mod encryption_support;
pub mod metadata_support;
pub mod peer_support;
pub mod response_support;
