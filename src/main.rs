//! `ssopilot`: the command-line tool for support staff and scripts.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
