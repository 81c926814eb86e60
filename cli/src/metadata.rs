//! `ssopilot metadata inspect SOURCE` and `ssopilot metadata sp`: read a provider's SAML metadata, write the SP's.
//!
//! Exit status: 0 usable metadata (or SP metadata printed), 1 not usable (including: not XML, not metadata, the URL
//! could not be fetched), 2 usage error (no such file, bad flag, unreadable --signing-cert or --cert).

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::outcome;
use crate::text::{self, Format, FormatArgs};

use clap::{Args, Subcommand, ValueEnum};
use ssopilot_peers::clock::SharedClock;
use ssopilot_peers::fetch::{FetchOptions, MetadataFetchError};
use ssopilot_peers::files;
use ssopilot_saml::cert;
use ssopilot_saml::findings::{Code, Severity};
use ssopilot_saml::metadata::{
    self, Binding, Kind, Metadata, Options, SignatureStatus, MAX_METADATA_BYTES,
};
use ssopilot_saml::values::{AcsUrl, EntityId};
use time::OffsetDateTime;

#[derive(Subcommand)]
pub enum MetadataCommand {
    /// Read an IdP's or SP's SAML metadata and say whether it can be imported: entity ID, endpoints, certificates
    /// (through the certificate doctor), validity and signature.
    Inspect(InspectArgs),
    /// Print SP metadata (XML) for the IdP to import.
    Sp(SpArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Idp,
    Sp,
}

/// The heading of the Markdown and HTML forms of `inspect`'s report.
const TITLE: &str = "SSO Pilot metadata report";

#[derive(Args)]
pub struct InspectArgs {
    /// A file, an https URL (http only for localhost), or "-" for standard input.
    #[arg(value_name = "PATH|URL|-")]
    source: String,
    #[command(flatten)]
    output: FormatArgs,
    /// The entity to read when the file describes several.
    #[arg(long, value_name = "ID")]
    entity_id: Option<String>,
    /// The role to read when the entity has both (default: idp).
    #[arg(long, value_enum)]
    role: Option<RoleArg>,
    /// Certificate (PEM or DER) the metadata should be signed with: verifies the metadata's signature.
    #[arg(long, value_name = "PEMFILE")]
    signing_cert: Option<PathBuf>,
    /// Accept a SHA-1 metadata signature (reported as a warning).
    #[arg(long)]
    allow_sha1: bool,
}

#[derive(Args)]
pub struct SpArgs {
    /// The SP entity ID (Infisical: "SP Entity ID").
    #[arg(long, value_name = "ID")]
    entity_id: String,
    /// An ACS URL; repeat for several (the first is the default). HTTP-POST binding.
    #[arg(long = "acs", value_name = "URL", required = true)]
    acs: Vec<String>,
    /// The NameID format, e.g. urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress.
    #[arg(long, value_name = "F")]
    nameid_format: Option<String>,
    /// The SP's certificate (PEM or DER), published for signing.
    #[arg(long, value_name = "PEMFILE")]
    cert: Option<PathBuf>,
}

fn usage(cmd: &str, msg: impl std::fmt::Display) -> ExitCode {
    outcome::usage_in(&format!("ssopilot metadata {cmd}"), msg)
}

pub fn run(cmd: MetadataCommand, clock: &SharedClock) -> ExitCode {
    let now = clock.now();
    match cmd {
        MetadataCommand::Inspect(a) => inspect(&a, now),
        MetadataCommand::Sp(a) => sp(&a, now),
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    let err = |e: files::ReadError| {
        format!(
            "cannot read {}: {e}. Check the path, or use - to read standard input.",
            path.display()
        )
    };
    // At most one byte more than the parser accepts: it reports an oversized input itself.
    files::read_capped_file(path, MAX_METADATA_BYTES).map_err(err)
}

/// A certificate file given on the command line, through the certificate doctor (repairs and all).
fn load_cert(path: &Path, what: &str, now: OffsetDateTime) -> Result<Vec<u8>, String> {
    let bytes = read_file(path)?;
    let report = cert::check(&bytes, now);
    match report.der() {
        Some(der) => Ok(der.to_vec()),
        None => Err(format!(
            "{what} {} cannot be used: {}",
            path.display(),
            report
                .first_error()
                .map(|f| f.message.as_str())
                .unwrap_or("it holds no certificate")
        )),
    }
}

fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("https://") || l.starts_with("http://")
}

fn inspect(a: &InspectArgs, now: OffsetDateTime) -> ExitCode {
    let mut opts = Options {
        entity_id: a.entity_id.clone(),
        role: a.role.map(|r| match r {
            RoleArg::Idp => Kind::Idp,
            RoleArg::Sp => Kind::Sp,
        }),
        allow_sha1: a.allow_sha1,
        ..Options::default()
    };
    if let Some(p) = &a.signing_cert {
        match load_cert(p, "the signing certificate", now) {
            Ok(der) => opts.signing_certs.push(der),
            Err(e) => return usage("inspect", e),
        }
    }
    let result = if is_url(&a.source) {
        ssopilot_peers::fetch::fetch_and_parse(&a.source, &FetchOptions::default(), &opts, now)
    } else {
        let input = if a.source == "-" {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!(
                    "Paste the metadata XML, then press Ctrl-D (Ctrl-Z then Enter on Windows)."
                );
            }
            match files::read_capped(stdin.lock(), MAX_METADATA_BYTES) {
                Ok(b) => b,
                Err(e) => return usage("inspect", format!("cannot read standard input: {e}")),
            }
        } else {
            match read_file(Path::new(&a.source)) {
                Ok(b) => b,
                Err(e) => return usage("inspect", e),
            }
        };
        metadata::parse(&input, &opts, now).map_err(MetadataFetchError::from)
    };
    match result {
        Ok(md) => {
            match a.output.format() {
                Format::Json => match serde_json::to_string_pretty(&md) {
                    Ok(s) => println!("{s}"),
                    Err(e) => return usage("inspect", format!("cannot write JSON: {e}")),
                },
                Format::Text => print!("{}", render(&md)),
                Format::Markdown => print!("{}", text::markdown_page(TITLE, &render(&md))),
                Format::Html => print!("{}", text::html_page(TITLE, &render(&md))),
            }
            outcome::verdict(md.usable)
        }
        Err(e) => {
            if a.output.format() == Format::Json {
                let v = outcome::refusal_json(
                    e.code(),
                    &e,
                    "Check the file or URL: it must be the provider's SAML metadata (XML); export or download it again.",
                );
                println!("{v:#}");
            } else {
                println!("NOT USABLE: {e}");
            }
            eprintln!("ssopilot metadata inspect: {e}");
            ExitCode::from(1)
        }
    }
}

fn sp(a: &SpArgs, now: OffsetDateTime) -> ExitCode {
    let id = match EntityId::parse(&a.entity_id, "the SP entity ID (--entity-id)") {
        Ok(i) => i,
        Err(e) => return usage("sp", e),
    };
    let mut acs = Vec::new();
    for raw in &a.acs {
        match AcsUrl::parse(raw, "the ACS URL (--acs)") {
            Ok(u) => acs.push((Binding::HttpPost, u)),
            Err(e) => return usage("sp", e),
        }
    }
    let cert = match &a.cert {
        Some(p) => match load_cert(p, "the SP certificate", now) {
            Ok(d) => Some(d),
            Err(e) => return usage("sp", e),
        },
        None => None,
    };
    match metadata::sp_metadata_checked(&id, &acs, a.nameid_format.as_deref(), cert.as_deref(), now)
    {
        Ok(xml) => {
            print!("{xml}");
            ExitCode::SUCCESS
        }
        Err(e) => usage("sp", e),
    }
}

fn signature_words(s: SignatureStatus) -> &'static str {
    match s {
        SignatureStatus::Absent => "not signed",
        SignatureStatus::Verified => "signed, verified with the certificate you supplied",
        SignatureStatus::NotVerified => "signed, NOT verified (no --signing-cert given)",
        SignatureStatus::Invalid => "signed, INVALID",
    }
}

/// The readable report: a verdict line first, then the values an admin copies, then each finding with its hint.
pub fn render(md: &Metadata) -> String {
    let mut o = String::new();
    let kind = match md.kind {
        Kind::Idp => "an identity provider (IdP)",
        Kind::Sp => "a service provider (SP)",
    };
    let verdict = if md.usable { "USABLE" } else { "NOT USABLE" };
    let _ = writeln!(o, "{verdict}: SAML 2.0 metadata of {kind}");
    let _ = writeln!(o, "  Entity ID:        {}", md.entity_id);
    if md.entities.len() > 1 {
        let _ = writeln!(o, "  Entities in file: {}", md.entities.join(", "));
    }
    for e in &md.sso {
        let _ = writeln!(o, "  SSO URL ({}): {}", e.binding.short(), e.url);
    }
    for a in &md.acs {
        let _ = writeln!(
            o,
            "  ACS URL ({}{}{}): {}",
            a.binding.short(),
            a.index.map(|i| format!(", index {i}")).unwrap_or_default(),
            if a.default { ", default" } else { "" },
            a.url
        );
    }
    for e in &md.slo {
        let _ = writeln!(o, "  Logout URL ({}): {}", e.binding.short(), e.url);
    }
    if !md.nameid_formats.is_empty() {
        let _ = writeln!(o, "  NameID formats:   {}", md.nameid_formats.join(", "));
    }
    if let Some(w) = md.want_authn_requests_signed {
        let _ = writeln!(
            o,
            "  Wants signed requests: {}",
            if w { "yes" } else { "no" }
        );
    }
    if let Some(w) = md.want_assertions_signed {
        let _ = writeln!(
            o,
            "  Wants signed assertions: {}",
            if w { "yes" } else { "no" }
        );
    }
    if let Some(v) = &md.valid_until {
        let _ = writeln!(o, "  Valid until:      {}", text::human_rfc3339(v));
    }
    let signature = if md.changed_after_signing() {
        "invalid: changed after signing"
    } else {
        signature_words(md.signature)
    };
    let _ = writeln!(o, "  Signature:        {signature}");
    if md.certificates.is_empty() {
        let _ = writeln!(o, "  Certificates:     none");
    }
    for (i, c) in md.certificates.iter().enumerate() {
        let r = &c.report;
        let use_ = match c.key_use {
            metadata::KeyUse::Signing => "signing",
            metadata::KeyUse::Encryption => "encryption",
            metadata::KeyUse::Both => "signing and encryption",
        };
        let _ = writeln!(
            o,
            "  Certificate {} ({use_}): {}",
            i + 1,
            if r.usable { "usable" } else { "NOT usable" }
        );
        if let Some(s) = &r.subject {
            let _ = writeln!(o, "    Subject:  {s}");
        }
        if let Some(n) = &r.not_after {
            let _ = writeln!(
                o,
                "    Expires:  {}{}",
                text::human_rfc3339(n),
                r.days_left
                    .map(|d| format!(" ({d} days left)"))
                    .unwrap_or_default()
            );
        }
        if let Some(f) = &r.sha256_fingerprint {
            let _ = writeln!(o, "    SHA-256:  {f}");
        }
        if let Some(f) = &r.sha1_fingerprint {
            let _ = writeln!(o, "    SHA-1:    {f}");
        }
    }
    if !md.findings.is_empty() {
        let _ = writeln!(o, "\nFindings:");
        for f in &md.findings {
            let tag = match f.severity {
                Severity::Error => "ERROR",
                Severity::Warning => "WARNING",
                Severity::Info => "info",
            };
            let _ = writeln!(o, "  [{tag}] {} ({})", f.message, f.code.as_str());
            if !f.hint.is_empty() {
                let _ = writeln!(o, "      -> {}", f.hint);
            }
        }
    }
    o
}
