//! `ssopilot watch`: what needs doing on a finished setup (certificate expiry, a rotation at the IdP, changed IdP
//! values, an old or stale test login), for an admin, cron, CI or monitoring. The checks are the core's
//! ([`ssopilot_wizard::watch`]); this file reads the arguments and prints.
//!
//! Exit status: 0 nothing needs action, 1 something does (or the saved configuration cannot be read), 2 usage error
//! (nothing to watch, an unreadable --idp-cert, a bad URL).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::outcome;
use crate::text::{self, Style};
use ssopilot_peers::clock::SharedClock;
use ssopilot_peers::fetch::FetchOptions;
use ssopilot_peers::files;
use ssopilot_saml::cert;
use ssopilot_saml::values::{EntityId, IdpUrl};
use ssopilot_wizard::profiles::Profiles;
use ssopilot_wizard::state::Store;
use ssopilot_wizard::view::Severity;
use ssopilot_wizard::watch::{self, TestLogin, WatchReport, Watched, NOTHING_TO_WATCH};
use ssopilot_wizard::{step_number, step_title};

#[derive(Args)]
pub struct WatchArgs {
    /// Print {actions: [{code, severity, message, step, days_left?, at?}]} as JSON (times in RFC 3339).
    #[arg(long)]
    json: bool,
    /// Watch this IdP signing certificate (PEM file) instead of the saved configuration's; repeat for each one the
    /// SP holds.
    #[arg(long, value_name = "PEMFILE")]
    idp_cert: Vec<PathBuf>,
    /// Fetch the IdP's metadata from this URL (https, or http on localhost) instead of the saved one.
    #[arg(long, value_name = "URL")]
    idp_metadata_url: Option<String>,
    /// The IdP entity ID the SP is configured with, instead of the saved one.
    #[arg(long, value_name = "ID")]
    idp_entity_id: Option<String>,
    /// The IdP SSO URL the SP is configured with, instead of the saved one.
    #[arg(long, value_name = "URL")]
    idp_sso_url: Option<String>,
}

impl WatchArgs {
    fn has_stand_ins(&self) -> bool {
        !self.idp_cert.is_empty()
            || self.idp_metadata_url.is_some()
            || self.idp_entity_id.is_some()
            || self.idp_sso_url.is_some()
    }

    /// The setup given on the command line; a usage error in plain words.
    fn stand_ins(&self, now: time::OffsetDateTime) -> Result<Watched, String> {
        let mut certificates = Vec::new();
        for path in &self.idp_cert {
            let bytes = files::read_bounded(path, cert::MAX_INPUT)
                .map_err(|e| format!("cannot read --idp-cert {}: {e}", path.display()))?;
            let report = cert::check(&bytes, now);
            let Some(pem) = report.pem.clone().filter(|_| report.der().is_some()) else {
                return Err(format!(
                    "--idp-cert {} holds no certificate{}",
                    path.display(),
                    report
                        .first_error()
                        .map(|f| format!(": {}", f.message))
                        .unwrap_or_default()
                ));
            };
            certificates.push(pem);
        }
        let metadata_url = match &self.idp_metadata_url {
            Some(u) => Some(
                IdpUrl::parse(u, "--idp-metadata-url")
                    .map_err(|e| e.to_string())?
                    .as_str()
                    .to_string(),
            ),
            None => None,
        };
        let idp_entity_id = match &self.idp_entity_id {
            Some(id) => Some(
                EntityId::parse(id, "--idp-entity-id")
                    .map_err(|e| e.to_string())?
                    .as_str()
                    .to_string(),
            ),
            None => None,
        };
        let idp_sso_url = match &self.idp_sso_url {
            Some(u) => Some(
                IdpUrl::parse(u, "--idp-sso-url")
                    .map_err(|e| e.to_string())?
                    .as_str()
                    .to_string(),
            ),
            None => None,
        };
        Ok(Watched {
            certificates,
            idp_entity_id,
            idp_sso_url,
            metadata_url,
            test_login: TestLogin::NotWatched,
        })
    }
}

pub fn run(args: WatchArgs, clock: &SharedClock) -> ExitCode {
    let (watched, source) = if args.has_stand_ins() {
        match args.stand_ins(clock.now()) {
            Ok(w) => (w, "the command line".to_string()),
            Err(e) => return outcome::usage_in("ssopilot watch", e),
        }
    } else {
        let store = match Store::default_location() {
            Ok(s) => s,
            Err(e) => return outcome::fail(e),
        };
        match store.load() {
            Ok(Some(saved)) => (
                Watched::from_saved(
                    Profiles::builtin().unwrap_or_default(),
                    &saved,
                    clock.clone(),
                ),
                store.path().display().to_string(),
            ),
            Ok(None) => {
                return outcome::usage_in(
                    "ssopilot watch",
                    format!(
                        "nothing to watch: no saved configuration at {} (set SSOPILOT_DATA_DIR, or give --idp-cert, \
                         --idp-metadata-url, --idp-entity-id or --idp-sso-url)",
                        store.path().display()
                    ),
                )
            }
            Err(e) => return outcome::fail(e),
        }
    };
    if watched.is_empty() {
        return outcome::usage_in(
            "ssopilot watch",
            format!("nothing to watch in {source}: {NOTHING_TO_WATCH}"),
        );
    }
    let report = watch::run(&watched, &FetchOptions::default(), clock.now());
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(j) => println!("{j}"),
            Err(e) => return outcome::fail(format!("could not print the report as JSON: {e}")),
        }
    } else {
        print!("{}", render(&report, &source, Style::stdout()));
    }
    outcome::verdict(!report.needs_action())
}

/// The text form: one block per action, errors first, times as people read them.
fn render(report: &WatchReport, source: &str, style: Style) -> String {
    let mut out = String::new();
    let n = report.actions.len();
    let head = match n {
        0 => style.good("Nothing needs action."),
        1 => style.bad("1 action needed."),
        n => style.bad(&format!("{n} actions needed.")),
    };
    out.push_str(&format!("{head}\n"));
    out.push_str(&style.dim(&format!("Watched: {source}")));
    out.push('\n');
    if let Some(url) = &report.metadata_url {
        out.push_str(&style.dim(&format!("IdP metadata: {url}")));
        out.push('\n');
    }
    for a in &report.actions {
        let label = match a.severity {
            Severity::Error => style.bad("ERROR  "),
            Severity::Warning => style.warn("WARNING"),
            Severity::Info => style.dim("NOTICE "),
        };
        out.push('\n');
        out.push_str(&format!("{label} {}\n", style.bold(a.code.as_str())));
        out.push_str(&format!("  {}\n", a.message));
        if let Some(at) = &a.at {
            out.push_str(&format!("  When: {}\n", text::human_rfc3339(at)));
        }
        out.push_str(&format!(
            "  Fix:  step {} ({})\n",
            step_number(a.step),
            step_title(a.step)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssopilot_wizard::view::StepId;
    use ssopilot_wizard::watch::{WatchAction, WatchCode};

    #[test]
    fn the_text_form_says_what_when_and_where() {
        let report = WatchReport {
            actions: vec![WatchAction {
                code: WatchCode::CertificateExpiresSoon,
                severity: Severity::Error,
                message: "The IdP certificate expires in 5 days.".into(),
                step: StepId::Certificate,
                days_left: Some(5),
                at: Some("2030-01-02T03:04:05Z".into()),
            }],
            metadata_url: None,
            checked_at: "2029-12-28T00:00:00Z".into(),
        };
        let t = render(&report, "/tmp/state.json", Style::plain());
        assert!(t.starts_with("1 action needed.\n"), "{t}");
        assert!(t.contains("ERROR   certificate_expires_soon\n"), "{t}");
        assert!(t.contains("  Fix:  step 5 (Certificate)\n"), "{t}");
        // Times as people read them, not RFC 3339.
        assert!(!t.contains("2030-01-02T03:04:05Z"), "{t}");
        assert!(t.contains("  When: 20"), "{t}");
    }
}
