//! The integration tests of ssopilot-wizard, one binary (one link) for all of them.

// Tests and benchmarks: a failed set-up is a failed run, so unwrap, expect and panic are the right tools.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod diagnosis;
mod generated;
mod idp_consoles;
mod state_crash;
mod test_login;
mod ts_contract;
mod ui_fixtures;
mod wizard_demo_idp;
mod wizard_journey;
