//! `ssopilot cert check [PATH|-] [--json] [--now RFC3339]`: the certificate doctor for support staff and scripts.
//!
//! Exit status: 0 usable certificate, 1 not usable, 2 usage error (no such file, bad flag).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::text::{self, Format, FormatArgs};
use clap::{Args, Subcommand};
use ssopilot_peers::clock::SharedClock;
use ssopilot_peers::files;
use ssopilot_saml::cert::{self, CertReport};
use ssopilot_saml::findings::{Code, Severity};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Subcommand)]
pub enum CertCommand {
    /// Check a certificate (PEM, bare base64 or DER): what it is, whether it is usable, its fingerprints, and a
    /// repaired PEM when the input was damaged.
    Check(CheckArgs),
}

#[derive(Args)]
pub struct CheckArgs {
    /// File to read; "-" or nothing reads standard input.
    #[arg(value_name = "PATH|-")]
    path: Option<PathBuf>,
    #[command(flatten)]
    output: FormatArgs,
    /// Check validity at this time instead of now (RFC 3339, e.g. 2027-01-31T12:00:00Z).
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    now: Option<OffsetDateTime>,
}

fn parse_now(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| format!("{e}; use RFC 3339, for example 2027-01-31T12:00:00Z"))
}

/// Why the input could not be read: a usage error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CertCliError {
    #[error("cannot read {path}: {source}. Check the path, or use - to read standard input.")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read standard input: {0}")]
    Stdin(#[source] std::io::Error),
    #[error("cannot write the JSON report: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the report: {0}")]
    Write(#[source] std::io::Error),
}

pub fn run(cmd: CertCommand, clock: &SharedClock) -> ExitCode {
    match cmd {
        CertCommand::Check(args) => match check(&args, clock) {
            Ok(code) => code,
            Err(e) => crate::outcome::usage_in("ssopilot cert check", e),
        },
    }
}

fn check(args: &CheckArgs, clock: &SharedClock) -> Result<ExitCode, CertCliError> {
    let input = match args.path.as_deref() {
        None => read_stdin()?,
        Some(p) if p.as_os_str() == "-" => read_stdin()?,
        Some(p) => {
            // At most one byte more than the doctor examines: it reports an oversized input itself.
            files::read_capped_file(p, cert::MAX_INPUT).map_err(|e| CertCliError::Read {
                path: p.display().to_string(),
                source: match e {
                    files::ReadError::Io(io) => io,
                    other => std::io::Error::other(other.to_string()),
                },
            })?
        }
    };
    let now = args.now.unwrap_or_else(|| clock.now());
    let report = cert::check(&input, now);
    const TITLE: &str = "SSO Pilot certificate report";
    let text = match args.output.format() {
        Format::Json => serde_json::to_string_pretty(&report)? + "\n",
        Format::Text => render(&report),
        Format::Markdown => text::markdown_page(TITLE, &render(&report)),
        Format::Html => text::html_page(TITLE, &render(&report)),
    };
    // A reader that stops early (`| head`) is not an error: the exit status still carries the verdict.
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(CertCliError::Write(e));
        }
    }
    Ok(crate::outcome::verdict(report.usable))
}

fn read_stdin() -> Result<Vec<u8>, CertCliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Paste the certificate, then press Ctrl-D (Ctrl-Z then Enter on Windows).");
    }
    files::read_capped(stdin.lock(), cert::MAX_INPUT).map_err(CertCliError::Stdin)
}

/// The readable report: a verdict line first, then the details, then each finding with its hint.
pub fn render(r: &CertReport) -> String {
    let mut out = String::new();
    let verdict = if r.usable {
        let mut v = String::from("USABLE: this certificate can be used");
        if r.repaired {
            v.push_str(" in its repaired form below");
        }
        let warnings = r
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        if warnings > 0 {
            let _ = write!(
                v,
                " ({warnings} warning{})",
                if warnings == 1 { "" } else { "s" }
            );
        }
        v
    } else {
        let reason = r
            .first_error()
            .map(|f| f.message.as_str())
            .unwrap_or("no certificate was found");
        format!("NOT USABLE: {reason}")
    };
    let _ = writeln!(out, "{verdict}");

    if r.der().is_some() {
        out.push('\n');
        let field = |out: &mut String, name: &str, value: Option<String>| {
            if let Some(v) = value {
                let _ = writeln!(out, "  {name:<20} {v}");
            }
        };
        field(&mut out, "Subject:", r.subject.clone());
        field(&mut out, "Issuer:", r.issuer.clone());
        field(
            &mut out,
            "Self-signed:",
            r.self_signed
                .map(|s| if s { "yes" } else { "no" }.to_string()),
        );
        field(&mut out, "Serial:", r.serial.clone());
        field(
            &mut out,
            "Valid from:",
            r.not_before.as_deref().map(text::human_rfc3339),
        );
        field(
            &mut out,
            "Valid until:",
            r.not_after
                .as_deref()
                .map(text::human_rfc3339)
                .map(|na| match r.days_left {
                    Some(d) if d >= 0 => format!("{na} ({d} days left)"),
                    Some(d) => format!("{na} (expired {} days ago)", -d),
                    None => na,
                }),
        );
        field(
            &mut out,
            "Key:",
            r.key.as_ref().map(|k| match (&k.curve, k.bits) {
                (Some(c), _) => format!("{} {c}", k.algorithm),
                (None, Some(b)) => format!("{} {b} bits", k.algorithm),
                (None, None) => k.algorithm.clone(),
            }),
        );
        field(&mut out, "Signature:", r.signature_algorithm.clone());
        field(
            &mut out,
            "SHA-256 fingerprint:",
            r.sha256_fingerprint.as_ref().map(|f| f.to_string()),
        );
        field(
            &mut out,
            "SHA-1 fingerprint:",
            r.sha1_fingerprint.as_ref().map(|f| f.to_string()),
        );
        let _ = writeln!(out, "  Compare with the fingerprint your IdP shows.");
        if r.certificates.len() > 1 {
            let _ = writeln!(
                out,
                "\n  Certificates in the input ({}):",
                r.certificates.len()
            );
            for (i, c) in r.certificates.iter().enumerate() {
                let _ = writeln!(out, "    #{} {}  (issuer {})", i + 1, c.subject, c.issuer);
                let _ = writeln!(out, "       SHA-256 {}", c.sha256_fingerprint);
            }
        }
    }

    if !r.findings.is_empty() {
        let _ = writeln!(out, "\nFindings:");
        for f in &r.findings {
            let _ = writeln!(
                out,
                "  [{}] {}: {}",
                f.severity.as_str().to_uppercase(),
                f.code.as_str(),
                f.message
            );
            if !f.hint.is_empty() {
                let _ = writeln!(out, "      What to do: {}", f.hint);
            }
        }
    }

    if let Some(pem) = &r.pem {
        let heading = match (r.usable, r.repaired) {
            (true, true) => {
                "Repaired certificate (keep the BEGIN and END lines when you paste it):"
            }
            (true, false) => "Certificate (keep the BEGIN and END lines when you paste it):",
            (false, _) => "Certificate found (not usable as it is, see the findings above):",
        };
        let _ = writeln!(out, "\n{heading}");
        out.push_str(pem);
    }
    out
}
