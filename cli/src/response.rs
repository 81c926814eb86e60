//! `ssopilot response check`: validate a captured SAMLResponse against the configured pairing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::outcome::usage;
use crate::text::{self, Format, FormatArgs};

use base64::Engine;
use clap::{Args, Subcommand};
use ssopilot_peers::clock::SharedClock;
use ssopilot_peers::files;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use ssopilot_saml::attributes::{suggest, Suggestion};
use ssopilot_saml::findings::Severity;
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::metadata::{self, MAX_METADATA_BYTES};
use ssopilot_saml::response::{validate, Policy, MAX_CLOCK_SKEW};
use ssopilot_saml::values::{AcsUrl, EntityId};
use ssopilot_saml::xml::DEFAULT_MAX_BYTES;

#[derive(Args)]
pub struct ResponseArgs {
    #[command(subcommand)]
    pub command: ResponseCommand,
}

#[derive(Subcommand)]
pub enum ResponseCommand {
    /// Check a SAMLResponse (raw XML, base64 as POSTed, URL-encoded, or a whole form body) against every rule.
    Check(CheckArgs),
}

#[derive(Args)]
pub struct CheckArgs {
    /// File holding the response, or - (the default) to read standard input.
    #[arg(value_name = "PATH|-")]
    pub path: Option<PathBuf>,
    /// The IdP signing certificate (PEM or DER); repeat for several (e.g. during a rotation).
    #[arg(long = "idp-cert", value_name = "PEMFILE")]
    pub idp_cert: Vec<PathBuf>,
    /// The IdP entity ID the admin configured (with --idp-metadata: which entity of the file to use, when it
    /// describes several).
    #[arg(long, value_name = "ID")]
    pub idp_entity_id: Option<String>,
    /// IdP metadata file: the IdP entity ID and every signing certificate are taken from it (instead of
    /// --idp-cert and --idp-entity-id).
    #[arg(long, value_name = "PATH", conflicts_with = "idp_cert")]
    pub idp_metadata: Option<PathBuf>,
    /// The SP entity ID (the Audience the assertion must name).
    #[arg(long, value_name = "ID")]
    pub sp_entity_id: String,
    /// The SP's Assertion Consumer Service URL.
    #[arg(long, value_name = "URL")]
    pub acs_url: String,
    /// The ID of the AuthnRequest the response answers (SP-initiated login).
    #[arg(long, value_name = "ID")]
    pub request_id: Option<String>,
    /// Accept a response that answers no request (IdP-initiated login).
    #[arg(long)]
    pub allow_idp_initiated: bool,
    /// Require the assertion itself to be signed (a signed Response alone is not enough).
    #[arg(long)]
    pub require_signed_assertion: bool,
    /// Check as of this moment (RFC 3339, e.g. 2026-11-25T12:00:00Z) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Allowed clock difference with the IdP, in seconds (default 180, at most 600).
    #[arg(long, value_name = "SECONDS")]
    pub clock_skew: Option<u64>,
    /// Accept SHA-1 signatures from a legacy IdP (reported as a warning).
    #[arg(long)]
    pub allow_sha1: bool,
    #[command(flatten)]
    pub output: FormatArgs,
    /// The SP's private key (PEM: PKCS#8 or PKCS#1 RSA) that opens an encrypted assertion; repeat for several
    /// (e.g. during a rotation). Read for this one check, kept in memory only, never printed.
    #[arg(long = "sp-decryption-key", value_name = "PEMFILE")]
    pub sp_decryption_key: Vec<PathBuf>,
    /// The attribute names the SP reads (comma-separated): names that did not arrive get a suggested mapping from
    /// what did (another case or spacing, an alias, an OID name, an Entra claim URI).
    #[arg(long, value_name = "NAME[,NAME...]", value_delimiter = ',')]
    pub sp_attributes: Vec<String>,
}

/// At most this many `--sp-attributes` names.
const MAX_SP_ATTRIBUTES: usize = 64;

/// Loads the IdP certificate(s) from a PEM (one or more CERTIFICATE blocks) or DER file.
///
/// Kept as one small function so it can be switched to the certificate doctor (`ssopilot_saml::cert`).
pub fn load_idp_cert(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    let bytes = match files::read_bounded(path, 1024 * 1024) {
        Ok(b) => b,
        Err(files::ReadError::TooLarge { .. }) => {
            return Err(format!(
                "{} is too large to be a certificate",
                path.display()
            ))
        }
        Err(e) => {
            return Err(format!(
                "cannot read the IdP certificate {}: {e}",
                path.display()
            ))
        }
    };
    if bytes.first() == Some(&0x30) {
        return Ok(vec![bytes]);
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        format!(
            "{} is neither PEM text nor a DER certificate",
            path.display()
        )
    })?;
    if text.contains("PRIVATE KEY-----") {
        return Err(format!(
            "{} contains a PRIVATE KEY: never share it; pass only the IdP's certificate",
            path.display()
        ));
    }
    let mut certs = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let body = &rest[start + "-----BEGIN CERTIFICATE-----".len()..];
        let end = body.find("-----END CERTIFICATE-----").ok_or_else(|| {
            format!(
                "{}: a BEGIN CERTIFICATE line has no END CERTIFICATE line",
                path.display()
            )
        })?;
        let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .map_err(|e| {
                format!(
                    "{}: the certificate is not valid base64 ({e})",
                    path.display()
                )
            })?;
        certs.push(der);
        rest = &body[end..];
    }
    if certs.is_empty() {
        return Err(format!(
            "{} has no -----BEGIN CERTIFICATE----- block: download the IdP certificate (PEM) again",
            path.display()
        ));
    }
    Ok(certs)
}

pub fn run(args: ResponseArgs, clock: &SharedClock) -> ExitCode {
    match args.command {
        ResponseCommand::Check(a) => check(a, clock),
    }
}

/// Reads the IdP's entity ID and its usable signing certificates from a metadata file.
///
/// Read as of `now` (the moment the response is checked). The file is trusted the way a pasted certificate is:
/// the admin chose it. Metadata the parser finds unusable
/// (expired, no certificate that can verify, not an IdP) is refused rather than half used.
pub fn load_idp_metadata(
    path: &Path,
    entity_id: Option<&str>,
    now: OffsetDateTime,
) -> Result<(EntityId, Vec<Vec<u8>>), String> {
    // At most one byte more than the parser accepts: it reports an oversized input itself.
    let bytes = files::read_capped_file(path, MAX_METADATA_BYTES)
        .map_err(|e| format!("cannot read the IdP metadata {}: {e}", path.display()))?;
    let opts = metadata::Options {
        entity_id: entity_id.map(str::to_string),
        role: Some(metadata::Kind::Idp),
        ..metadata::Options::default()
    };
    let md = metadata::parse(&bytes, &opts, now)
        .map_err(|e| format!("the IdP metadata {} cannot be used: {e}", path.display()))?;
    let errors: Vec<&str> = md
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.message.as_str())
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "the IdP metadata {} is not usable: {} (run `ssopilot metadata inspect {}` for details)",
            path.display(),
            errors.join("; "),
            path.display()
        ));
    }
    let certs = md.trusted_signing_ders();
    if certs.is_empty() {
        return Err(format!(
            "the IdP metadata {} has no usable signing certificate, so no signature could be trusted: export the metadata from the IdP again, or pass --idp-cert and --idp-entity-id",
            path.display()
        ));
    }
    let id = EntityId::parse(&md.entity_id, "the IdP entity ID in the metadata")
        .map_err(|e| e.to_string())?;
    Ok((id, certs))
}

fn check(a: CheckArgs, clock: &SharedClock) -> ExitCode {
    let now = match a.now.as_deref() {
        None => clock.now(),
        Some(s) => match OffsetDateTime::parse(s, &Rfc3339) {
            Ok(t) => t,
            Err(_) => {
                return usage(format!(
                    "--now {s:?} is not an RFC 3339 time such as 2026-11-25T12:00:00Z"
                ))
            }
        },
    };
    // Which --idp-cert file each trusted certificate came from, to say which one signed (a rotation's overlap).
    let mut origins: Vec<(Fingerprint, PathBuf)> = Vec::new();
    let (idp_entity_id, certs) = match a.idp_metadata.as_deref() {
        Some(md) => match load_idp_metadata(md, a.idp_entity_id.as_deref(), now) {
            Ok(v) => v,
            Err(e) => return usage(e),
        },
        None => {
            let Some(idp_id) = a.idp_entity_id.as_deref() else {
                return usage("--idp-entity-id is required (the IdP Entity ID the SP is configured with), or pass --idp-metadata PATH");
            };
            if a.idp_cert.is_empty() {
                return usage("at least one --idp-cert PEMFILE is required (or --idp-metadata PATH): without the IdP's certificate no signature can be trusted");
            }
            let idp_entity_id = match EntityId::parse(idp_id, "IdP Entity ID") {
                Ok(v) => v,
                Err(e) => return usage(e),
            };
            let mut certs = Vec::new();
            for p in &a.idp_cert {
                match load_idp_cert(p) {
                    Ok(c) => {
                        origins.extend(c.iter().map(|d| (Fingerprint::sha256(d), p.clone())));
                        certs.extend(c);
                    }
                    Err(e) => return usage(e),
                }
            }
            (idp_entity_id, certs)
        }
    };
    let sp_entity_id = match EntityId::parse(&a.sp_entity_id, "SP Entity ID") {
        Ok(v) => v,
        Err(e) => return usage(e),
    };
    let acs_url = match AcsUrl::parse(&a.acs_url, "ACS URL") {
        Ok(v) => v,
        Err(e) => return usage(e),
    };
    let skew = match a.clock_skew {
        None => ssopilot_saml::response::DEFAULT_CLOCK_SKEW,
        Some(s) if s as i64 > MAX_CLOCK_SKEW.whole_seconds() => {
            return usage(format!(
                "--clock-skew {s} is too large: at most {} seconds",
                MAX_CLOCK_SKEW.whole_seconds()
            ))
        }
        Some(s) => Duration::seconds(s as i64),
    };
    // At most one byte more than the validator accepts (base64 of the largest XML): it reports an oversized input.
    let limit = DEFAULT_MAX_BYTES * 2 + 1024;
    let read = match a.path.as_deref() {
        None => files::read_capped(std::io::stdin().lock(), limit).map_err(files::ReadError::Io),
        Some(p) if p == Path::new("-") => {
            files::read_capped(std::io::stdin().lock(), limit).map_err(files::ReadError::Io)
        }
        Some(p) => files::read_capped_file(p, limit),
    };
    let input = match read {
        Ok(i) => i,
        Err(e) => return usage(format!("cannot read the response: {e}")),
    };
    let mut keys = Vec::new();
    for p in &a.sp_decryption_key {
        match ssopilot_peers::files::read_decryption_key(p) {
            Ok(k) => keys.push(k),
            Err(e) => return usage(e),
        }
    }
    let mut policy = Policy::new(idp_entity_id, certs, sp_entity_id, acs_url, now);
    policy.decryption_keys = keys;
    policy.expect = match (a.request_id, a.allow_idp_initiated) {
        (Some(id), _) => ssopilot_saml::response::Expect::Request(id),
        (None, true) => ssopilot_saml::response::Expect::IdpInitiated,
        (None, false) => ssopilot_saml::response::Expect::RequestNotGiven,
    };
    policy.require_signed_assertion = a.require_signed_assertion;
    policy.clock_skew = skew;
    policy.allow_sha1 = a.allow_sha1;
    let sp_attributes: Vec<&str> = a
        .sp_attributes
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    if sp_attributes.len() > MAX_SP_ATTRIBUTES {
        return usage(format!(
            "--sp-attributes names {} attributes: at most {MAX_SP_ATTRIBUTES}",
            sp_attributes.len()
        ));
    }
    let report = validate(&input, &policy);
    let arrived: Vec<&str> = report.attributes().keys().map(String::as_str).collect();
    let suggestions = suggest(&sp_attributes, &arrived);
    match a.output.format() {
        Format::Json => {
            let mut v = ssopilot_wizard::test_login::export::json(&report);
            if let (false, Some(obj)) = (sp_attributes.is_empty(), v.as_object_mut()) {
                obj.insert(
                    "attribute_suggestions".into(),
                    serde_json::to_value(&suggestions).unwrap_or_default(),
                );
            }
            match serde_json::to_string_pretty(&v) {
                Ok(s) => println!("{s}"),
                Err(e) => {
                    eprintln!("error: cannot write the report: {e}");
                    return ExitCode::from(1);
                }
            }
        }
        Format::Text => {
            print!(
                "{}",
                text::report(
                    &report,
                    text::RESPONSE_VERDICT,
                    text::Style::stdout(),
                    ssopilot_wizard::test_login::export::GIVEN_SP_KEY,
                )
            );
            print!(
                "{}",
                suggestions_text(&sp_attributes, &arrived, &suggestions)
            );
            if a.idp_cert.len() > 1 {
                if let Some(line) = signed_by_file(&report, &origins) {
                    println!("{line}");
                }
            }
        }
        Format::Markdown => print!(
            "{}",
            ssopilot_wizard::test_login::export::markdown(
                &report,
                None,
                ssopilot_wizard::test_login::export::GIVEN_SP_KEY,
            )
        ),
        Format::Html => print!(
            "{}",
            ssopilot_wizard::test_login::export::html(
                &report,
                None,
                ssopilot_wizard::test_login::export::GIVEN_SP_KEY,
            )
        ),
    }
    if report.valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The SP's attributes that did not arrive as they are, each with its suggested mapping or none.
fn suggestions_text(needed: &[&str], arrived: &[&str], suggestions: &[Suggestion]) -> String {
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|n| !arrived.contains(n))
        .collect();
    if needed.is_empty() {
        return String::new();
    }
    if missing.is_empty() {
        return "\nAttributes: every attribute the SP reads arrived under its own name.\n".into();
    }
    let mut out =
        String::from("\nAttributes the SP reads that did not arrive under their own name:\n");
    for n in missing {
        match suggestions.iter().find(|s| s.sp_attribute == n) {
            Some(s) => out.push_str(&format!(
                "  {n} <- {}: {}. Map it so, or rename it in the IdP application.\n",
                s.idp_attribute,
                s.reason.words()
            )),
            None => out.push_str(&format!(
                "  {n}: not in the response, and nothing that arrived looks like it. Add it in the IdP application.\n"
            )),
        }
    }
    out
}

/// With several `--idp-cert` (a rotation's overlap): which file's certificate signed, or that none of them did.
fn signed_by_file(
    report: &ssopilot_saml::response::Report,
    origins: &[(Fingerprint, PathBuf)],
) -> Option<String> {
    let fp = report.signing_certificate_sha256()?;
    Some(match origins.iter().find(|(f, _)| f == fp) {
        Some((_, path)) => format!("  signed with: the certificate of --idp-cert {}", path.display()),
        None => format!(
            "  signed with: a certificate none of the --idp-cert files holds (SHA-256 {fp}): the IdP may have switched to a new certificate; get it from the IdP's metadata"
        ),
    })
}
