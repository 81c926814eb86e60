//! `ssopilot bundle`: one file for a support ticket (the configuration, the steps, the report, the certificates, the
//! watch's findings, captured responses decoded), with personal data replaced by placeholders unless asked for and
//! never a secret; and `ssopilot bundle open FILE` to read one back as the customer saw it. The bundle is the core's
//! ([`ssopilot_wizard::bundle`]); this file reads the arguments and prints.
//!
//! Exit status: 0 written or opened, 1 nothing saved to bundle, or not a readable bundle, 2 usage error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::outcome;
use crate::text::{self, Style};
use ssopilot_peers::clock::SharedClock;
use ssopilot_peers::files;
use ssopilot_wizard::bundle::{self, Bundle, Extras, MAX_BUNDLE_BYTES, MAX_RESPONSES};
use ssopilot_wizard::profiles::Profiles;
use ssopilot_wizard::state::Store;
use ssopilot_wizard::view::{Severity, StepStatus};
use ssopilot_wizard::{step_number, step_title};

/// A captured response file larger than this is not one.
const MAX_RESPONSE_FILE: usize = 2 * 1024 * 1024;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BundleArgs {
    #[command(subcommand)]
    command: Option<BundleCommand>,
    /// Write the bundle (JSON) to this file.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Keep NameIDs, user names and attribute values as they are (by default they are replaced by placeholders
    /// such as user-1@redacted). Secrets are never included.
    #[arg(long)]
    include_user_data: bool,
    /// A captured SAML response to include, decoded (XML, base64, or a SAMLResponse= form body) and checked
    /// against the saved configuration as `ssopilot response check` does (its report goes beside it, valid or
    /// not); repeat for several, the last 8 are kept.
    #[arg(long, value_name = "FILE")]
    response: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Print a support bundle: the steps, what needs doing, the report, the certificates and the captured
    /// responses, as the customer saw them.
    Open {
        /// The bundle file (written by `ssopilot bundle --output` or the app's "Save support bundle").
        file: PathBuf,
    },
}

pub fn run(args: BundleArgs, clock: &SharedClock) -> ExitCode {
    match args.command {
        Some(BundleCommand::Open { file }) => open(&file, clock),
        None => {
            let Some(output) = args.output.clone() else {
                return outcome::usage_in(
                    "ssopilot bundle",
                    "say where to write the bundle with --output FILE (or read one with `ssopilot bundle open FILE`)",
                );
            };
            write(&args, &output, clock)
        }
    }
}

fn write(args: &BundleArgs, output: &Path, clock: &SharedClock) -> ExitCode {
    let mut responses = Vec::new();
    for path in &args.response {
        match files::read_bounded(path, MAX_RESPONSE_FILE) {
            Ok(bytes) => responses.push((format!("the file {}", path.display()), bytes)),
            Err(e) => {
                return outcome::usage_in(
                    "ssopilot bundle",
                    format!("cannot read --response {}: {e}", path.display()),
                )
            }
        }
    }
    if responses.len() > MAX_RESPONSES {
        eprintln!(
            "note: only the last {MAX_RESPONSES} of the {} responses go into the bundle",
            responses.len()
        );
    }
    let store = match Store::default_location() {
        Ok(s) => s,
        Err(e) => return outcome::fail(e),
    };
    let saved = match store.load() {
        Ok(Some(s)) => s,
        Ok(None) => {
            return outcome::fail(format!(
                "no saved configuration at {} to put in a bundle (the wizard has not saved anything yet, or \
                 SSOPILOT_DATA_DIR points elsewhere)",
                store.path().display()
            ))
        }
        Err(e) => return outcome::fail(e),
    };
    let extras = Extras {
        responses,
        test_report: None,
        include_user_data: args.include_user_data,
        check_responses: true,
    };
    let json = match bundle::build(
        Profiles::builtin().unwrap_or_default(),
        &saved,
        &extras,
        clock.clone(),
    )
    .and_then(|b| b.to_json())
    {
        Ok(j) => j,
        Err(e) => return outcome::fail(e),
    };
    if let Err(e) = std::fs::write(output, json) {
        return outcome::fail(format!(
            "could not write {}: {e} (choose a folder you may write to)",
            output.display()
        ));
    }
    println!("Support bundle written to {}.", output.display());
    if args.include_user_data {
        println!("It includes user names and attribute values; it holds no secrets.");
    } else {
        println!(
            "User names and attribute values are replaced by placeholders; it holds no secrets."
        );
    }
    ExitCode::SUCCESS
}

fn open(file: &Path, clock: &SharedClock) -> ExitCode {
    let bytes = match files::read_bounded(file, MAX_BUNDLE_BYTES) {
        Ok(b) => b,
        Err(e) => {
            return outcome::usage_in(
                "ssopilot bundle open",
                format!("cannot read {}: {e}", file.display()),
            )
        }
    };
    match Bundle::open(&bytes) {
        Ok(b) => {
            print!("{}", render(&b, clock, Style::stdout()));
            ExitCode::SUCCESS
        }
        Err(e) => outcome::fail(format!("{}: {e}", file.display())),
    }
}

/// The bundle as the customer saw it: steps, what needs doing, the report, certificates, responses.
fn render(b: &Bundle, clock: &SharedClock, style: Style) -> String {
    let mut out = String::new();
    let made = text::human_rfc3339(&b.created_at);
    let ago = time::OffsetDateTime::parse(
        &b.created_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| format!(" ({})", text::ago(t, clock.now())))
    .unwrap_or_default();
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not chosen)".into());
    out.push_str(&style.bold("SSO Pilot support bundle"));
    out.push('\n');
    out.push_str(&text::aligned(
        &[
            ("Made", format!("{made}{ago}")),
            (
                "SSO Pilot",
                format!("{} on {} {}", b.app_version, b.platform.os, b.platform.arch),
            ),
            (
                "Providers",
                format!(
                    "{} (IdP), {} (SP)",
                    or_none(&b.profiles.idp),
                    or_none(&b.profiles.sp)
                ),
            ),
            (
                "User data",
                if b.user_data_included {
                    "included".to_string()
                } else {
                    "replaced by placeholders".to_string()
                },
            ),
        ],
        2,
    ));
    out.push_str(&format!(
        "\nSteps (current: {}. {}):\n",
        step_number(b.current_step),
        step_title(b.current_step)
    ));
    for s in &b.steps {
        let status = match s.status {
            StepStatus::Complete => style.good("complete"),
            StepStatus::Incomplete => style.warn("incomplete"),
            StepStatus::Locked => style.dim("locked"),
        };
        let reason = s
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {}. {:<24} {status}{reason}\n",
            s.number, s.title
        ));
    }
    out.push_str("\nWhat needs doing:\n");
    if b.watch.is_empty() {
        out.push_str("  nothing\n");
    }
    for a in &b.watch {
        let label = match a.severity {
            Severity::Error => style.bad("ERROR"),
            Severity::Warning => style.warn("WARNING"),
            Severity::Info => style.dim("NOTICE"),
        };
        let when =
            a.at.as_deref()
                .map(|t| format!(" (when: {})", text::human_rfc3339(t)))
                .unwrap_or_default();
        out.push_str(&format!(
            "  {label} {}: {}{when} (step {}, {})\n",
            a.code.as_str(),
            a.message,
            step_number(a.step),
            step_title(a.step)
        ));
    }
    out.push_str(&format!("\n{}\n", style.bold(&b.report_title)));
    for s in &b.report {
        out.push_str(&format!("\n{}:\n", s.heading));
        let rows: Vec<(&str, String)> = s
            .rows
            .iter()
            .map(|r| (r.label.as_str(), text::human_times_in(&r.value)))
            .collect();
        out.push_str(&text::aligned(&rows, 2));
    }
    out.push_str("\nCertificates:\n");
    if b.certificates.is_empty() {
        out.push_str("  (none)\n");
    }
    for c in &b.certificates {
        let s = |k: &str| c.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        out.push_str(&text::aligned(
            &[
                ("SHA-256", s("sha256_fingerprint")),
                ("Subject", s("subject")),
                ("Valid until", text::human_rfc3339(&s("not_after"))),
                (
                    "Usable",
                    if c.get("usable").and_then(|v| v.as_bool()) == Some(true) {
                        "yes".into()
                    } else {
                        "no".into()
                    },
                ),
            ],
            2,
        ));
        out.push('\n');
    }
    out.push_str("Captured responses:\n");
    if b.responses.is_empty() {
        out.push_str("  (none)\n");
    }
    for r in &b.responses {
        out.push_str(&format!("  From {}:\n", r.source));
        if let Some(c) = &r.check {
            let verdict = if c.valid {
                style.good("valid")
            } else {
                style.bad("NOT VALID")
            };
            out.push_str(&format!(
                "    Checked against the saved configuration: {verdict}\n"
            ));
            if let Some(line) = &c.signed_by {
                out.push_str(&format!("    {line}\n"));
            }
            out.push_str(&checks(&c.report, style, "    "));
        }
        if let Some(why) = &r.not_checked {
            out.push_str(&format!(
                "    {}\n",
                style.warn(&format!("Not checked: {why}"))
            ));
        }
        out.push_str("    Decoded:\n");
        for line in r.xml.lines() {
            out.push_str(&format!("      {line}\n"));
        }
    }
    if let Some(report) = b.test_report.as_ref().filter(|r| r.get("checks").is_some()) {
        out.push_str("\nLast test login:\n");
        out.push_str(&checks(report, style, "  "));
    }
    if !b.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in &b.notes {
            out.push_str(&format!("  {n}\n"));
        }
    }
    out
}

/// A validator's report (as `ssopilot response check --json` prints it): each check passed or FAILED, with the
/// hint of a failure.
fn checks(report: &serde_json::Value, style: Style, indent: &str) -> String {
    let mut out = String::new();
    for c in report
        .get("checks")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
    {
        let ok = c.get("ok").and_then(|v| v.as_bool()) == Some(true);
        let word = if ok {
            style.good("passed")
        } else {
            style.bad("FAILED")
        };
        let s = |k: &str| c.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
        out.push_str(&format!(
            "{indent}{word} {}: {}\n",
            s("id"),
            text::human_times_in(&s("message"))
        ));
        if !ok && !s("hint").is_empty() {
            out.push_str(&format!(
                "{indent}  fix: {}\n",
                text::human_times_in(&s("hint"))
            ));
        }
    }
    out
}
