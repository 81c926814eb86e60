//! `ssopilot demo`: the whole pairing on loopback (demo IdP + test SP), a scripted sign-in as a demo user through
//! the real HTTP endpoints, and the report. Exit 0 when every check passed, 1 otherwise.
//!
//! It is one process: the demo IdP and the test SP that trusts it live and end together, so the demo IdP signs with a
//! temporary key made for this run, in memory only. It needs no keychain and writes no file.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use ssopilot_peers::clock::SharedClock;
use ssopilot_peers::demo_idp::key::{IdpKey, TEMPORARY_KEY_NOTE};
use ssopilot_peers::test_login::demo;

use super::test_login::print_report;
use crate::text::FormatArgs;

#[derive(Args)]
pub struct DemoArgs {
    #[command(flatten)]
    output: FormatArgs,
}

pub fn run(a: DemoArgs, clock: &SharedClock) -> ExitCode {
    let key = match IdpKey::temporary(
        "`ssopilot demo` runs the demo IdP and the test SP in one process, so nothing needs to keep it",
    ) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let rt = match ssopilot_peers::runtime::current_thread() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let run = match rt.block_on(demo::run_with_clock(
        key,
        Duration::from_secs(30),
        std::sync::Arc::clone(clock),
    )) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    eprintln!(
        "Demo IdP:  {} (entity ID {}; {TEMPORARY_KEY_NOTE})",
        run.idp_base_url, run.idp_entity_id
    );
    eprintln!(
        "Test SP:   entity ID {}, ACS {}",
        run.sp_entity_id, run.acs_url
    );
    for s in &run.steps {
        eprintln!("  - {s}");
    }
    print_report(a.output.format(), &run.report, run.evidence.as_ref());
    if run.report.valid() {
        eprintln!("Demo test login passed: the pairing works end to end.");
        ExitCode::SUCCESS
    } else {
        eprintln!("Demo test login FAILED: {}", run.report.failed().join(", "));
        ExitCode::from(1)
    }
}
