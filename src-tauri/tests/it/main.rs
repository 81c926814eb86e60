//! The shell's tests on Tauri's mock runtime, one binary (one link of Tauri) for all of them.

// Tests and benchmarks: a failed set-up is a failed run, so unwrap, expect and panic are the right tools.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod commands;
mod common;
mod data_dir;
mod demo_idp;
mod metadata_commands;
mod test_login_commands;
