//! `ssopilot`: the command-line tool for support staff and scripts. Parsing and dispatch here, one file per
//! subcommand.
//!
//! Exit codes are part of the contract: 0 success/usable/valid, 1 not usable/invalid, 2 usage error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ssopilot_peers::clock::SystemClock;

mod bundle;
mod cert;
mod demo;
mod demo_idp;
mod demo_idp_rotate;
mod metadata;
mod outcome;
mod response;
mod secrets;
mod state;
mod test_login;
mod text;
mod watch;

#[derive(Parser)]
#[command(
    name = "ssopilot",
    version,
    about = "SSO Pilot: pair a SAML service provider with an identity provider, and check certificates, metadata and responses"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the wizard's saved progress, or where it is saved.
    State(state::StateArgs),
    /// Certificate doctor: check, repair and explain an IdP certificate.
    #[command(subcommand)]
    Cert(cert::CertCommand),
    /// Check captured SAML responses.
    Response(response::ResponseArgs),
    /// Secrets in the OS keychain: check it, print a self-hosted SP's AUTH_SECRET, delete what SSO Pilot stored.
    Secrets(secrets::SecretsArgs),
    /// The built-in demo IdP: its certificate, metadata, signed responses for testers of SPs, and a rehearsed
    /// rotation of its signing key.
    DemoIdp(demo_idp::DemoIdpArgs),
    /// SAML metadata: inspect an IdP's or SP's metadata (file, URL or standard input), print the SP's.
    #[command(subcommand)]
    Metadata(metadata::MetadataCommand),
    /// Run the whole pairing on loopback: demo IdP, test SP, a scripted sign-in as a demo user, and the report.
    Demo(demo::DemoArgs),
    /// Run a test login against any IdP through a loopback test SP: prints the URL to open and then the report.
    TestLogin(test_login::TestLoginArgs),
    /// What needs doing on the saved setup: IdP certificate expiry, a rotation at the IdP, changed IdP values, an
    /// old test login. Exit status 0 nothing to do, 1 action needed, 2 usage error.
    Watch(watch::WatchArgs),
    /// A support bundle: write one file for a ticket (personal data replaced, never a secret), or open one.
    Bundle(bundle::BundleArgs),
}

/// Parses the arguments and runs the subcommand; clap's own usage errors exit with 2.
fn main() -> ExitCode {
    // Before any thread starts: the local time zone can only be read while the process has one.
    text::init();
    let cli = Cli::parse();
    // The one place the CLI reads the wall clock: every subcommand is handed this clock (time is a parameter).
    let clock = SystemClock::shared();
    match cli.command {
        Command::State(args) => state::run(args, &clock),
        Command::Cert(cmd) => cert::run(cmd, &clock),
        Command::Response(a) => response::run(a, &clock),
        Command::Secrets(args) => secrets::run(args),
        Command::DemoIdp(args) => demo_idp::run(args, &clock),
        Command::Metadata(cmd) => metadata::run(cmd, &clock),
        Command::Demo(a) => demo::run(a, &clock),
        Command::TestLogin(a) => test_login::run(a, &clock),
        Command::Watch(a) => watch::run(a, &clock),
        Command::Bundle(a) => bundle::run(a, &clock),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every argument of every subcommand, as `command path: --name`, that `--help` shows without a word.
    fn without_help(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            let has_help = arg
                .get_help()
                .or(arg.get_long_help())
                .is_some_and(|h| !h.to_string().trim().is_empty());
            if !has_help {
                out.push(format!("{path}: --{id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            if sub.get_about().is_none() {
                out.push(format!("{path} {} (the subcommand)", sub.get_name()));
            }
            without_help(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_flag_of_every_subcommand_says_what_it_does() {
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        without_help(&cmd, "ssopilot", &mut missing);
        assert!(missing.is_empty(), "without a help text: {missing:#?}");
    }
}
