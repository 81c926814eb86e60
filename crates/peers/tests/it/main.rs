//! The integration tests of ssopilot-peers, one binary (one link) for all of them.

// Tests and benchmarks: a failed set-up is a failed run, so unwrap, expect and panic are the right tools.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod clock;
mod demo_idp_fixes;
mod demo_idp_http;
mod demo_idp_key;
mod demo_idp_mint;
mod demo_idp_rotation;
mod demo_idp_signed_requests;
mod fetch_loopback;
mod fetch_proxy;
mod foreign_idp;
mod idp_lasso;
mod idp_pysaml2_signed;
mod idp_samlify;
mod idp_simplesamlphp;
mod test_login_requests;
mod test_login_run;
mod test_login_signed;
mod test_login_start;
