//! `ssopilot test-login`: the loopback test SP against any IdP. Prints the URL to open (opens it with `xdg-open`
//! only when asked), waits for the browser's POST, prints the report. Exit 0 when every check passed, 1 when the
//! response failed or nothing came back, 2 for usage errors.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::outcome::{fail, usage, verdict};
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde::Deserialize;
use ssopilot_peers::clock::SharedClock;

use ssopilot_peers::test_login::evidence::Evidence;
use ssopilot_peers::test_login::run::{self as loopback, Run, RunError};
use ssopilot_peers::test_login::{Attempt, IdpConfig, TestSp, DEFAULT_SP_ENTITY_ID};
use ssopilot_saml::values::{EntityId, IdpUrl};
use ssopilot_wizard::test_login::export;

use super::response::load_idp_cert;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Markdown,
    Html,
    Json,
}

#[derive(Args)]
pub struct TestLoginArgs {
    /// A TOML file with the same settings (idp_sso_url, idp_cert = path, idp_entity_id, sp_entity_id, port,
    /// timeout, allow_sha1, require_signed_assertion); flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The IdP's SSO URL (HTTP-Redirect binding) the browser is sent to.
    #[arg(long, value_name = "URL")]
    idp_sso_url: Option<String>,
    /// The IdP's signing certificate (PEM or DER). Only this is trusted.
    #[arg(long, value_name = "PEMFILE")]
    idp_cert: Option<PathBuf>,
    /// The IdP Entity ID (the Issuer the response must name).
    #[arg(long, value_name = "ID")]
    idp_entity_id: Option<String>,
    /// The test SP's entity ID; the IdP's test application must use the same.
    #[arg(long, value_name = "ID")]
    sp_entity_id: Option<String>,
    /// The port of the test SP's ACS on 127.0.0.1 (default: a free one, printed).
    #[arg(long)]
    port: Option<u16>,
    /// How long to wait for the browser, in seconds (default 300).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Open the URL in the default browser (xdg-open).
    #[arg(long)]
    open: bool,
    /// Accept SHA-1 signatures (legacy IdPs), reported as a warning.
    #[arg(long)]
    allow_sha1: bool,
    /// Require the assertion itself to be signed.
    #[arg(long)]
    require_signed_assertion: bool,
    /// How to print the report.
    #[arg(long, value_enum, default_value = "markdown")]
    format: Format,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    idp_sso_url: Option<String>,
    idp_cert: Option<PathBuf>,
    idp_entity_id: Option<String>,
    sp_entity_id: Option<String>,
    port: Option<u16>,
    timeout: Option<u64>,
    #[serde(default)]
    allow_sha1: bool,
    #[serde(default)]
    require_signed_assertion: bool,
}

/// Says on standard error (the report keeps standard output) which POSTs reached the ACS without being this test's
/// answer, and where they came from: a page trying to pass a response off as the test's result shows here.
fn print_unexpected(posts: &[ssopilot_peers::test_login::UnexpectedPost]) {
    if posts.is_empty() {
        return;
    }
    eprintln!(
        "Warning: {} POST(s) reached the ACS URL that were not the answer to this test (ignored):",
        posts.len()
    );
    for p in posts {
        eprintln!("  - {}", p.describe());
    }
}

/// Prints the report in the chosen format.
pub fn print_report(
    format: Format,
    report: &ssopilot_saml::response::Report,
    evidence: Option<&Evidence>,
) {
    match format {
        Format::Markdown => print!("{}", export::markdown(report, evidence)),
        Format::Html => print!("{}", export::html(report, evidence)),
        Format::Json => println!(
            "{}",
            serde_json::json!({"report": export::json(report), "evidence": evidence})
        ),
    }
}

pub fn run(a: TestLoginArgs, clock: &SharedClock) -> ExitCode {
    let file = match &a.config {
        None => FileConfig::default(),
        Some(path) => {
            let text = match ssopilot_peers::files::read_bounded(path, 64 * 1024)
                .map_err(|e| e.to_string())
                .and_then(|b| String::from_utf8(b).map_err(|_| "it is not UTF-8 text".to_string()))
            {
                Ok(t) => t,
                Err(e) => return usage(format!("cannot read {}: {e}", path.display())),
            };
            match toml::from_str::<FileConfig>(&text) {
                Ok(c) => c,
                Err(e) => {
                    return usage(format!(
                        "{} is not a valid test-login configuration: {e}",
                        path.display()
                    ))
                }
            }
        }
    };
    let Some(sso) = a.idp_sso_url.or(file.idp_sso_url) else {
        return usage(
            "--idp-sso-url URL is required (the IdP's SSO URL for the HTTP-Redirect binding)",
        );
    };
    let sso = match IdpUrl::parse(&sso, "IdP SSO URL") {
        Ok(v) => v,
        Err(e) => return usage(e.message_for("--idp-sso-url")),
    };
    let Some(cert_path) = a.idp_cert.or(file.idp_cert) else {
        return usage("--idp-cert PEMFILE is required: without the IdP's certificate no signature can be trusted");
    };
    let certs = match load_idp_cert(&cert_path) {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let Some(idp_id) = a.idp_entity_id.or(file.idp_entity_id) else {
        return usage("--idp-entity-id ID is required (the Issuer the IdP puts in its responses)");
    };
    let idp_entity_id = match EntityId::parse(&idp_id, "IdP Entity ID") {
        Ok(v) => v,
        Err(e) => return usage(e.message_for("--idp-entity-id")),
    };
    let sp_raw = a
        .sp_entity_id
        .or(file.sp_entity_id)
        .unwrap_or_else(|| DEFAULT_SP_ENTITY_ID.to_string());
    let sp_entity_id = match EntityId::parse(&sp_raw, "SP Entity ID") {
        Ok(v) => v,
        Err(e) => return usage(e.message_for("--sp-entity-id")),
    };
    let timeout = Duration::from_secs(a.timeout.or(file.timeout).unwrap_or(300).clamp(1, 3600));
    let port = a.port.or(file.port).unwrap_or(0);
    let idp = IdpConfig {
        entity_id: idp_entity_id,
        sso_url: sso,
        certs,
        require_signed_assertion: a.require_signed_assertion || file.require_signed_assertion,
        allow_sha1: a.allow_sha1 || file.allow_sha1,
    };
    let rt = match ssopilot_peers::runtime::current_thread() {
        Ok(rt) => rt,
        Err(e) => return fail(e),
    };
    let test = Run {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port,
        sp_entity_id,
        idp,
        timeout,
        attribute_map: Default::default(),
        clock: std::sync::Arc::clone(clock),
    };
    let open = a.open;
    // Show the two values and the URL (and open it when asked); the run then waits for the browser.
    let show = async |sp: &TestSp, attempt: &Attempt| {
        eprintln!("SSO Pilot test SP is listening.");
        eprintln!("  SP Entity ID: {}", sp.sp_entity_id());
        eprintln!("  ACS URL:      {}", sp.acs_url());
        eprintln!("The IdP's test application needs exactly these two values.");
        eprintln!(
            "Open this URL in a browser on this computer and sign in (waiting up to {} s; Ctrl-C stops):",
            timeout.as_secs()
        );
        println!("{}", attempt.url);
        if open {
            if let Err(e) = std::process::Command::new("xdg-open")
                .arg(&attempt.url)
                .spawn()
            {
                eprintln!("warning: could not open the browser with xdg-open ({e}): open the URL yourself");
            }
        }
        Ok::<(), Infallible>(())
    };
    let finished = match rt.block_on(loopback::run(test, show)) {
        Ok(f) => f,
        Err(RunError::TestLogin(e)) => return fail(e),
        Err(RunError::NoAnswer { error, unexpected }) => {
            print_unexpected(&unexpected);
            return fail(error);
        }
        Err(RunError::Show(never)) => match never {},
    };
    print_unexpected(&finished.unexpected);
    let report = &finished.received.report;
    print_report(a.format, report, finished.evidence.as_ref());
    if !report.valid() {
        eprintln!("Failed checks: {}", report.failed().join(", "));
    }
    verdict(report.valid())
}
