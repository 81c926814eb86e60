//! `ssopilot state`: the wizard's saved progress, for support staff.
//!
//! Read-only: unlike the app, it never moves a damaged file aside, so support can look at it as it is.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::text::{self, Format, FormatArgs};
use ssopilot_peers::clock::SharedClock;
use time::OffsetDateTime;

use ssopilot_wizard::describe_saved;
use ssopilot_wizard::profiles::{default_attribute_map, Profiles};
use ssopilot_wizard::report::report_saved;
use ssopilot_wizard::state::{SavedState, Store};
use ssopilot_wizard::view::StepStatus;

#[derive(Args)]
pub struct StateArgs {
    #[command(subcommand)]
    command: StateCommand,
}

#[derive(Subcommand)]
enum StateCommand {
    /// Print the saved progress: a readable summary, the saved JSON with --json, or the report with --format
    /// markdown|html.
    ///
    /// Exit status: 0 when the progress was read, 1 when there is none or it is damaged (the app moves a damaged
    /// file aside the next time it starts). Set SSOPILOT_DATA_DIR to read another folder.
    Show {
        #[command(flatten)]
        output: FormatArgs,
    },
    /// Print the report of the saved configuration: every value, the certificate, the test-login evidence (Markdown,
    /// or HTML with --html; --format text|json as for `show`). Secrets are never in it. Exit status as for `show`.
    Report {
        /// Print a standalone HTML page instead of Markdown (same as --format html).
        #[arg(long, conflicts_with = "format")]
        html: bool,
        /// How to print the report: markdown (the default here, for a ticket), html, text (the summary) or json (the
        /// saved progress).
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<Format>,
    },
    /// Print where the progress is saved (the file may not exist yet).
    ///
    /// $SSOPILOT_DATA_DIR/state.json if that variable is set, else the platform data directory
    /// (Linux: ~/.local/share/ssopilot/state.json).
    Path,
}

pub fn run(args: StateArgs, clock: &SharedClock) -> ExitCode {
    let store = match Store::default_location() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    match args.command {
        StateCommand::Path => {
            println!("{}", store.path().display());
            ExitCode::SUCCESS
        }
        StateCommand::Show { output } => show(&store, output.format(), clock.now()),
        StateCommand::Report { html, format } => {
            let format = match (html, format) {
                (true, _) => Format::Html,
                (false, f) => f.unwrap_or(Format::Markdown),
            };
            show(&store, format, clock.now())
        }
    }
}

/// The report of the saved configuration as Markdown or HTML, with what it could not include on standard error.
fn report(saved: &SavedState, html: bool) -> ExitCode {
    let (report, warnings) = report_saved(Profiles::builtin().unwrap_or_default(), saved);
    for w in warnings {
        eprintln!("warning: {w}");
    }
    if html {
        print!("{}", report.to_html());
    } else {
        print!("{}", report.to_markdown());
    }
    ExitCode::SUCCESS
}

/// The saved progress, or `None` after saying why there is none.
fn load(store: &Store) -> Option<SavedState> {
    match store.load() {
        Ok(Some(s)) => Some(s),
        Ok(None) => {
            eprintln!(
                "No saved progress at {}: the wizard has not saved anything yet (or SSOPILOT_DATA_DIR points elsewhere).",
                store.path().display()
            );
            None
        }
        Err(e) => {
            eprintln!("error: {e}");
            if e.is_unusable_file() {
                eprintln!(
                    "SSO Pilot will move this file aside (to state.json.corrupt-<time>) and start fresh the next time it opens."
                );
            }
            None
        }
    }
}

fn show(store: &Store, format: Format, now: OffsetDateTime) -> ExitCode {
    let Some(saved) = load(store) else {
        return ExitCode::from(1);
    };
    match format {
        Format::Json => match serde_json::to_string_pretty(&saved) {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: could not print the saved progress as JSON: {e}");
                ExitCode::from(1)
            }
        },
        Format::Text => {
            print!("{}", summary(store, &saved, now));
            ExitCode::SUCCESS
        }
        Format::Markdown => report(&saved, false),
        Format::Html => report(&saved, true),
    }
}

fn summary(store: &Store, saved: &SavedState, now: OffsetDateTime) -> String {
    let profiles = Profiles::builtin().unwrap_or_default();
    let name_of = |id: &Option<String>, idp: bool| match id.as_deref() {
        None => "(not chosen)".to_string(),
        Some(id) => {
            let name = if idp {
                profiles.idp(id).map(|p| p.display_name.clone())
            } else {
                profiles.sp(id).map(|p| p.display_name.clone())
            };
            match name {
                Some(n) => format!("{n} ({id})"),
                None => format!("{id} (unknown to this version)"),
            }
        }
    };
    let or_unset = |v: Option<&str>| v.map(str::to_string).unwrap_or_else(|| "(not set)".into());
    let idp_name = name_of(&saved.idp_profile, true);
    let sp_name = name_of(&saved.sp_profile, false);
    let (view, warnings) = describe_saved(profiles.clone(), saved);

    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!("Saved progress: {}", store.path().display()));
    let saved_at = match saved.saved_at.as_deref() {
        None => "(unknown)".to_string(),
        Some(raw) => {
            match OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339) {
                Ok(t) => format!(
                    "{} ({})",
                    text::human_time(t, text::local_offset()),
                    text::ago(t, now)
                ),
                Err(_) => raw.to_string(),
            }
        }
    };
    line(format!("Saved at:       {saved_at}"));
    let current = view
        .steps
        .iter()
        .find(|s| s.id == view.current)
        .map(|s| format!("{}. {}", s.number, s.title))
        .unwrap_or_default();
    line(format!("Current step:   {current}"));
    line(String::new());
    line("Steps:".into());
    for s in &view.steps {
        let status = match s.status {
            StepStatus::Complete => "complete",
            StepStatus::Incomplete => "incomplete",
            StepStatus::Locked => "locked",
        };
        let reason = s
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        line(format!("  {}. {:<24} {status}{reason}", s.number, s.title));
    }
    line(String::new());
    line("Values:".into());
    line(format!("  Identity provider:        {idp_name}"));
    line(format!("  Service provider:         {sp_name}"));
    line(format!(
        "  ACS URL:                  {}",
        or_unset(saved.acs_url.as_ref().map(|v| v.as_str()))
    ));
    line(format!(
        "  SP Entity ID:             {}",
        or_unset(saved.sp_entity_id.as_ref().map(|v| v.as_str()))
    ));
    line(format!(
        "  IdP Entity ID:            {}",
        or_unset(saved.idp_entity_id.as_ref().map(|v| v.as_str()))
    ));
    line(format!(
        "  Sign Assertion confirmed: {}",
        if saved.sign_assertion_confirmed {
            "yes"
        } else {
            "no"
        }
    ));
    line(format!(
        "  IdP SSO URL:              {}",
        or_unset(saved.idp_sso_url.as_ref().map(|v| v.as_str()))
    ));
    // The certificate by its fingerprint, as the IdP's portal shows it (the PEM is in `--json`).
    let certificate = saved.idp_certificate.as_ref().map(|pem| {
        let report = ssopilot_saml::cert::check(pem.as_bytes(), now);
        let fp = report
            .sha256_fingerprint
            .as_ref()
            .map(|f| f.to_string())
            .unwrap_or_default();
        match report.first_error() {
            Some(e) => format!("SHA-256 {fp} (not usable now: {})", e.message),
            None => format!("SHA-256 {fp}"),
        }
    });
    line(format!(
        "  IdP certificate:          {}",
        or_unset(certificate.as_deref())
    ));
    line(String::new());
    let defaults = match (
        saved.sp_profile.as_deref().and_then(|id| profiles.sp(id)),
        saved.idp_profile.as_deref().and_then(|id| profiles.idp(id)),
    ) {
        (Some(sp), Some(idp)) => Some(default_attribute_map(sp, idp)),
        _ => None,
    };
    let (heading, rows) = match (&saved.attributes, defaults) {
        (Some(rows), _) => ("", rows.clone()),
        (None, Some(rows)) => (" (the profiles' defaults)", rows),
        (None, None) => (
            " (the profiles' defaults, once both providers are chosen)",
            Vec::new(),
        ),
    };
    line(format!(
        "Attribute map{heading}, service provider <- identity provider:"
    ));
    if rows.is_empty() {
        line("  (none)".into());
    }
    for r in rows {
        line(format!("  {} <- {}", r.sp_name, r.idp_name));
    }
    for w in warnings {
        line(format!("Note: {w}"));
    }
    out
}
