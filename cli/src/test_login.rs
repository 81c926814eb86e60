//! `ssopilot test-login`: the loopback test SP against any IdP. Prints the URL to open (opens it with `xdg-open`
//! only when asked), waits for the browser's POST, prints the report. The IdP's values come from flags or from its
//! metadata (--idp-metadata); the AuthnRequest goes on HTTP-Redirect or HTTP-POST (--binding), signed with the test
//! SP's own key when asked or when the IdP wants it; --idp-initiated sends none and waits for an unsolicited
//! response; --print-sp-metadata prints what the IdP imports. Exit 0 when every check passed (or the metadata was
//! printed), 1 when the response failed or nothing came back, 2 for usage errors.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::outcome::{fail, usage, verdict};
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde::Deserialize;
use ssopilot_peers::clock::SharedClock;

use ssopilot_peers::fetch::FetchOptions;
use ssopilot_peers::secrets::Secrets;
use ssopilot_peers::test_login::encryption_key::{SpEncryptionKey, TEMPORARY_NOTE};
use ssopilot_peers::test_login::evidence::Evidence;
use ssopilot_peers::test_login::key::SpKey;
use ssopilot_peers::test_login::run::{self as loopback, Run, RunError};
use ssopilot_peers::test_login::{
    self as engine, Attempt, IdpConfig, RequestOptions, TestLoginError, TestSp,
    DEFAULT_SP_ENTITY_ID,
};
use ssopilot_saml::metadata::{self, Kind, Metadata, Options};
use ssopilot_saml::request::RequestBinding;
use ssopilot_saml::values::{EntityId, IdpUrl};
use ssopilot_wizard::test_login::export;

use super::response::load_idp_cert;
use crate::text::{self, Format, FormatArgs};

/// How the AuthnRequest travels to the IdP.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindingArg {
    Redirect,
    Post,
}

impl BindingArg {
    fn request(self) -> RequestBinding {
        match self {
            Self::Redirect => RequestBinding::Redirect,
            Self::Post => RequestBinding::Post,
        }
    }
}

#[derive(Args)]
pub struct TestLoginArgs {
    /// A TOML file with the same settings (idp_metadata, idp_sso_url, idp_cert = path, idp_entity_id, sp_entity_id,
    /// port, timeout, binding, sign_requests, idp_initiated, allow_sha1, require_signed_assertion); flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The IdP's metadata (a file, or an https URL): its SSO URL for the binding, signing certificates, entity ID
    /// and whether it wants signed AuthnRequests. --idp-sso-url, --idp-cert and --idp-entity-id override it.
    #[arg(long, value_name = "FILE|URL")]
    idp_metadata: Option<String>,
    /// The IdP's SSO URL for the binding the browser is sent with.
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
    /// How the AuthnRequest is sent (default: HTTP-Redirect, or HTTP-POST when the IdP's metadata lists only that).
    #[arg(long, value_enum)]
    binding: Option<BindingArg>,
    /// Sign the AuthnRequest (RSA-SHA256) with the test SP's own key, kept in the OS keychain; automatic when the
    /// IdP's metadata says WantAuthnRequestsSigned="true". The IdP needs its certificate: see --print-sp-metadata.
    #[arg(long)]
    sign_requests: bool,
    /// Send no AuthnRequest: print the ACS URL and SP Entity ID to configure, and wait for the IdP to post an
    /// unsolicited response (start the login at the IdP).
    #[arg(long)]
    idp_initiated: bool,
    /// Print the test SP's metadata for --sp-entity-id and --port, with its signing certificate and its encryption
    /// certificate (for an IdP that encrypts assertions: the test login then decrypts them itself), and exit:
    /// import it in the IdP before the test login.
    #[arg(long)]
    print_sp_metadata: bool,
    /// Accept SHA-1 signatures (legacy IdPs), reported as a warning.
    #[arg(long)]
    allow_sha1: bool,
    /// Require the assertion itself to be signed.
    #[arg(long)]
    require_signed_assertion: bool,
    #[command(flatten)]
    output: FormatArgs,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    idp_metadata: Option<String>,
    binding: Option<BindingArg>,
    #[serde(default)]
    sign_requests: bool,
    #[serde(default)]
    idp_initiated: bool,
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
    print_flow_report(format, None, report, evidence);
}

/// Prints the report in the chosen format, with the flow it came from when known (text, Markdown and JSON carry
/// it; with HTML it goes to standard error).
pub fn print_flow_report(
    format: Format,
    flow: Option<Flow>,
    report: &ssopilot_saml::response::Report,
    evidence: Option<&Evidence>,
) {
    match format {
        Format::Text => print!(
            "{}",
            text::test_login_report(
                report,
                evidence,
                flow.map(Flow::words),
                text::Style::stdout()
            )
        ),
        Format::Markdown => {
            if let Some(f) = flow {
                print!("**Flow:** {}.\n\n", f.words());
            }
            print!(
                "{}",
                export::markdown(report, evidence, export::TEST_SP_KEY)
            )
        }
        Format::Html => {
            if let Some(f) = flow {
                eprintln!("Flow: {}.", f.words());
            }
            print!("{}", export::html(report, evidence, export::TEST_SP_KEY))
        }
        Format::Json => {
            let mut v = serde_json::json!({"report": export::json(report), "evidence": evidence});
            if let (Some(f), Some(obj)) = (flow, v.as_object_mut()) {
                obj.insert("flow".into(), f.json().into());
            }
            println!("{v}")
        }
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
    let now = clock.now();
    let sp_raw = a
        .sp_entity_id
        .clone()
        .or(file.sp_entity_id.clone())
        .unwrap_or_else(|| DEFAULT_SP_ENTITY_ID.to_string());
    let sp_entity_id = match EntityId::parse(&sp_raw, "SP Entity ID") {
        Ok(v) => v,
        Err(e) => return usage(e.message_for("--sp-entity-id")),
    };
    let port = a.port.or(file.port).unwrap_or(0);
    let md = match a.idp_metadata.as_ref().or(file.idp_metadata.as_ref()) {
        None => None,
        Some(source) => match load_idp_metadata(source, now) {
            Ok(md) => Some(md),
            Err(e) => return usage(e),
        },
    };
    let wants_signed = md
        .as_ref()
        .is_some_and(|m| m.want_authn_requests_signed == Some(true));
    let sign = a.sign_requests || file.sign_requests || wants_signed;
    let idp_initiated = a.idp_initiated || file.idp_initiated;
    if a.print_sp_metadata {
        if port == 0 {
            return usage("--print-sp-metadata needs --port: the ACS URL in the metadata names the port, and the test login must then listen on the same one");
        }
        let acs = match engine::loopback_acs_url(port) {
            Ok(a) => a,
            Err(e) => return usage(e),
        };
        let key = match load_sp_key() {
            Ok(k) => k,
            Err(e) => return fail(e),
        };
        // From the keychain only: a temporary key would be gone before the test login that must decrypt with it.
        let encryption = match Secrets::os()
            .map_err(|e| e.to_string())
            .and_then(|s| SpEncryptionKey::load_or_create(&s).map_err(|e| e.to_string()))
        {
            Ok(k) => k,
            Err(e) => return fail(e),
        };
        print!(
            "{}",
            engine::sp_metadata(&sp_entity_id, &acs, Some(&key), sign, Some(&encryption))
        );
        return ExitCode::SUCCESS;
    }
    let chosen = a.binding.or(file.binding).map(BindingArg::request);
    let binding = chosen.unwrap_or_else(|| match &md {
        Some(m)
            if m.sso_url(&metadata::Binding::HttpRedirect).is_none()
                && m.sso_url(&metadata::Binding::HttpPost).is_some() =>
        {
            RequestBinding::Post
        }
        _ => RequestBinding::Redirect,
    });
    let sso_raw = a.idp_sso_url.or(file.idp_sso_url).or_else(|| {
        md.as_ref()
            .and_then(|m| m.sso_url(&binding.metadata()))
            .map(str::to_string)
    });
    let sso = match sso_raw {
        Some(raw) => match IdpUrl::parse(&raw, "IdP SSO URL") {
            Ok(v) => v,
            Err(e) => return usage(e.message_for("--idp-sso-url")),
        },
        // IdP-initiated: no request is sent, so no SSO URL is needed; this one is never opened.
        None if idp_initiated => match IdpUrl::parse("https://idp.invalid/", "IdP SSO URL") {
            Ok(v) => v,
            Err(e) => return fail(e.message_for("--idp-sso-url")),
        },
        None if md.is_some() => {
            return usage(format!(
                "the IdP's metadata lists no SSO endpoint for the {} binding: choose the other one with --binding, or give --idp-sso-url",
                binding.short()
            ))
        }
        None => {
            return usage(
                "--idp-sso-url URL (or --idp-metadata FILE|URL) is required: the IdP's SSO URL the browser is sent to",
            )
        }
    };
    let certs = match (a.idp_cert.or(file.idp_cert), &md) {
        (Some(path), _) => match load_idp_cert(&path) {
            Ok(c) => c,
            Err(e) => return usage(e),
        },
        (None, Some(m)) if !m.trusted_signing_ders().is_empty() => m.trusted_signing_ders(),
        (None, Some(_)) => return usage("the IdP's metadata holds no usable signing certificate: give it with --idp-cert PEMFILE"),
        (None, None) => return usage("--idp-cert PEMFILE is required: without the IdP's certificate no signature can be trusted"),
    };
    let Some(idp_id) = a
        .idp_entity_id
        .or(file.idp_entity_id)
        .or_else(|| md.as_ref().map(|m| m.entity_id.clone()))
    else {
        return usage("--idp-entity-id ID is required (the Issuer the IdP puts in its responses)");
    };
    let idp_entity_id = match EntityId::parse(&idp_id, "IdP Entity ID") {
        Ok(v) => v,
        Err(e) => return usage(e.message_for("--idp-entity-id")),
    };
    let timeout = Duration::from_secs(a.timeout.or(file.timeout).unwrap_or(300).clamp(1, 3600));
    let idp = IdpConfig {
        entity_id: idp_entity_id,
        sso_url: sso,
        certs,
        require_signed_assertion: a.require_signed_assertion || file.require_signed_assertion,
        allow_sha1: a.allow_sha1 || file.allow_sha1,
    };
    let signer = if sign && !idp_initiated {
        if wants_signed && !a.sign_requests && !file.sign_requests {
            eprintln!("The IdP's metadata says WantAuthnRequestsSigned=\"true\": the AuthnRequest is signed with the test SP's key.");
        }
        match load_sp_key() {
            Ok(k) => Some(std::sync::Arc::new(k)),
            Err(e) => return fail(e),
        }
    } else {
        None
    };
    let encryption = match load_encryption_key() {
        Ok(k) => std::sync::Arc::new(k),
        Err(e) => return fail(e),
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
        requests: RequestOptions { binding, signer },
        encryption: Some(encryption),
    };
    let flow = if idp_initiated {
        Flow::IdpInitiated
    } else {
        Flow::SpInitiated
    };
    let finished = if idp_initiated {
        rt.block_on(idp_initiated_run(test))
    } else {
        let open = a.open;
        // Show the two values and the URL (and open it when asked); the run then waits for the browser.
        let show = async |sp: &TestSp, attempt: &Attempt| {
            eprintln!("SSO Pilot test SP is listening.");
            eprintln!("  SP Entity ID: {}", sp.sp_entity_id());
            eprintln!("  ACS URL:      {}", sp.acs_url());
            eprintln!("The IdP's test application needs exactly these two values.");
            eprintln!(
                "AuthnRequest: {}, {}.",
                attempt.binding.short(),
                if attempt.signed {
                    "signed (RSA-SHA256) with the test SP's key: the IdP needs its certificate (--print-sp-metadata)"
                } else {
                    "unsigned"
                }
            );
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
        rt.block_on(loopback::run(test, show))
    };
    let finished = match finished {
        Ok(f) => f,
        Err(RunError::TestLogin(e)) => return fail(e),
        Err(RunError::NoAnswer { error, unexpected }) => {
            print_unexpected(&unexpected);
            return fail(no_answer(&error, flow, sign));
        }
        Err(RunError::Show(never)) => match never {},
    };
    print_unexpected(&finished.unexpected);
    let report = &finished.received.report;
    print_flow_report(
        a.output.format(),
        Some(flow),
        report,
        finished.evidence.as_ref(),
    );
    if !report.valid() {
        eprintln!("Failed checks: {}", report.failed().join(", "));
    }
    verdict(report.valid())
}

/// Which way the login started: what the report can and cannot vouch for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    SpInitiated,
    IdpInitiated,
}

impl Flow {
    fn json(self) -> &'static str {
        match self {
            Self::SpInitiated => "sp_initiated",
            Self::IdpInitiated => "idp_initiated",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Self::SpInitiated => "SP-initiated: the test SP sent an AuthnRequest and the response answers it (InResponseTo checked)",
            Self::IdpInitiated => "IdP-initiated: the response was unsolicited (it answers no request), so InResponseTo could not be checked and any page that can post to the ACS could have sent it",
        }
    }
}

/// The error of a run that got no answer. When the requests were unsigned, an IdP that requires signed requests
/// refuses them on its own error page and nothing ever comes back: that is said first.
fn no_answer(error: &TestLoginError, flow: Flow, signed: bool) -> String {
    match error {
        TestLoginError::Timeout { .. } if flow == Flow::SpInitiated && !signed => format!(
            "the AuthnRequest was not signed, and an IdP that requires signed requests (WantAuthnRequestsSigned) refuses it, usually on an error page in the browser, so nothing comes back: if that is what the browser shows, import the test SP's metadata in the IdP (ssopilot test-login --print-sp-metadata --port N) and run again with --sign-requests. Otherwise: {error}"
        ),
        _ => error.to_string(),
    }
}

/// The IdP-initiated run: bind, show the two values to configure, wait for an unsolicited response, report it.
async fn idp_initiated_run(test: Run) -> Result<loopback::Finished, RunError<Infallible>> {
    let mut sp =
        TestSp::bind_with_clock(test.ip, test.port, test.sp_entity_id, test.idp, test.clock)
            .await?;
    sp.start_idp_initiated()?;
    eprintln!(
        "SSO Pilot test SP is listening for an IdP-initiated login (no AuthnRequest is sent)."
    );
    eprintln!("Configure the IdP's test application with exactly these two values:");
    eprintln!("  SP Entity ID: {}", sp.sp_entity_id());
    eprintln!("  ACS URL:      {}", sp.acs_url());
    eprintln!(
        "Then start the login at the IdP (its application link) in a browser on this computer (waiting up to {} s; Ctrl-C stops).",
        test.timeout.as_secs()
    );
    println!("{}", sp.acs_url());
    match sp.wait(test.timeout).await {
        Ok(received) => Ok(loopback::finish(&sp, received, test.attribute_map)),
        Err(error) => Err(RunError::NoAnswer {
            error,
            unexpected: sp.unexpected(),
        }),
    }
}

/// The test SP's signing key from the OS keychain (made there on first use).
fn load_sp_key() -> Result<SpKey, String> {
    let secrets = Secrets::os().map_err(|e| e.to_string())?;
    SpKey::load_or_create(&secrets).map_err(|e| e.to_string())
}

/// The test SP's encryption key from the OS keychain (made there on first use); without a keychain a temporary one,
/// said on standard error: an IdP can then encrypt only for this run's certificate, which no earlier metadata holds.
fn load_encryption_key() -> Result<SpEncryptionKey, String> {
    let secrets = Secrets::os();
    let key =
        SpEncryptionKey::from_keychain_or_temporary(secrets.as_ref().map_err(|e| e.to_string()))
            .map_err(|e| e.to_string())?;
    if let Some(why) = key.temporary_reason() {
        eprintln!(
            "Note: {TEMPORARY_NOTE}. It lives in memory only and is never written to a file. An IdP that encrypts assertions for the certificate of an earlier --print-sp-metadata cannot be decrypted now ({why})."
        );
    }
    Ok(key)
}

/// The IdP's metadata from a file or an https URL (the hardened fetch), read as an IdP's.
fn load_idp_metadata(source: &str, now: time::OffsetDateTime) -> Result<Metadata, String> {
    let opts = Options {
        role: Some(Kind::Idp),
        ..Options::default()
    };
    let lower = source.to_ascii_lowercase();
    let parsed = if lower.starts_with("https://") || lower.starts_with("http://") {
        ssopilot_peers::fetch::fetch_and_parse(source, &FetchOptions::default(), &opts, now)
            .map_err(|e| e.to_string())
    } else {
        ssopilot_peers::files::read_bounded(
            std::path::Path::new(source),
            metadata::MAX_METADATA_BYTES,
        )
        .map_err(|e| e.to_string())
        .and_then(|bytes| metadata::parse(&bytes, &opts, now).map_err(|e| e.to_string()))
    };
    let md = parsed.map_err(|e| format!("cannot use the IdP metadata {source}: {e}"))?;
    if md.kind != Kind::Idp {
        return Err(format!(
            "{source} is not an identity provider's metadata (it has no IDPSSODescriptor): give the IdP's metadata"
        ));
    }
    Ok(md)
}
