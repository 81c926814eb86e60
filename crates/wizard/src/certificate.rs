//! Step 5: the IdP's signing certificate, checked by the certificate doctor ([`ssopilot_saml::cert`]) on every change.
//!
//! The field keeps what the admin pasted verbatim (bounded), so nothing typed is lost and typing is never blocked;
//! every view carries a fresh verdict. The one exception is a private key: the field drops the whole paste at once
//! (it is never echoed back, kept in memory, saved or logged) and the page says so. A usable certificate is saved in
//! its normalized PEM form; it is public, so it belongs in the state file (unlike a key, which never does).

use crate::state::{SavedState, MAX_SAVED_CERTIFICATES};
use std::io::Read as _;
use std::path::Path;

use time::OffsetDateTime;

use super::view::{Block, FactRow, FindingView, Severity, StepId, WizardView};
use super::{Field, Model, Session};
use crate::clock::Clock as _;
use ssopilot_saml::cert::{self, CertReport, FindingCode};
use ssopilot_saml::findings::{self, Finding};
use ssopilot_saml::values::IdpUrl;

/// A pasted certificate field longer than this is cut (a long chain with surrounding text is far below it).
pub const MAX_CERTIFICATE_CHARS: usize = 64 * 1024;
/// Saved progress holds at most this many signing certificates from imported metadata.
pub const MAX_METADATA_CERTIFICATES: usize = 32;

/// Why a certificate file could not be opened. Messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum CertificateFileError {
    #[error(
        "Could not read {name}: {source}. Check that the file exists and that you may read it."
    )]
    Read {
        name: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{name} is larger than {max} KiB, far more than a certificate: choose the certificate file itself \
         (.pem, .crt, .cer or .der)."
    )]
    TooLarge { name: String, max: usize },
    #[error("{name} is not a certificate: {problem} Choose the IdP's certificate file (.pem, .crt, .cer or .der).")]
    NotACertificate { name: String, problem: String },
}

/// What step 5 remembers besides the text: the verdict of a paste that held a private key (the text itself is gone).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct KeyRefusal {
    /// The doctor's `private_key` findings of that paste; they describe the key's kind, never its bytes.
    pub findings: Vec<Finding<FindingCode>>,
}

/// Shown in the field once a private key was removed from it.
const KEY_REMOVED_NOTE: &str =
    "The text you pasted contained a private key. SSO Pilot removed it from this field at \
     once: it is not shown, kept, saved or logged. Paste only the certificate.";

/// For the checks outside the wizard's model (saved progress, a file's format): their verdict does not depend on the
/// time, but the doctor needs one, so the computer's clock does.
fn now() -> OffsetDateTime {
    crate::clock::SystemClock.now()
}

/// The doctor's verdict on a certificate as saved (normalized PEM): `Err` when it is not exactly one certificate.
pub fn check_saved_certificate(pem: &str) -> Result<(), String> {
    let report = cert::check(pem.as_bytes(), now());
    if report.has(FindingCode::PrivateKey) {
        return Err("it holds a private key".into());
    }
    if report.pem.as_deref() != Some(pem) {
        return Err("it is not one certificate in normalized PEM form".into());
    }
    Ok(())
}

/// The rule for the metadata's signing certificates in saved progress: bounded, and never a private key.
pub fn check_saved_metadata_certificates(pems: &[String]) -> Result<(), String> {
    if pems.len() > MAX_METADATA_CERTIFICATES {
        return Err(format!(
            "{} metadata signing certificates (at most {MAX_METADATA_CERTIFICATES})",
            pems.len()
        ));
    }
    for pem in pems {
        if pem.chars().count() > MAX_CERTIFICATE_CHARS {
            return Err("a metadata signing certificate is too long".into());
        }
        if cert::check(pem.as_bytes(), now()).has(FindingCode::PrivateKey) {
            return Err("a metadata signing certificate holds a private key".into());
        }
    }
    Ok(())
}

fn view_severity(s: findings::Severity) -> Severity {
    match s {
        findings::Severity::Error => Severity::Error,
        findings::Severity::Warning => Severity::Warning,
        findings::Severity::Info => Severity::Info,
    }
}

fn finding_view(f: &Finding<FindingCode>) -> FindingView {
    use ssopilot_saml::findings::Code as _;
    FindingView {
        code: f.code.as_str().to_string(),
        severity: view_severity(f.severity),
        message: f.message.clone(),
        hint: f.hint.clone(),
    }
}

fn date(t: OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n.abs() == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Step 5 as pasted, valid or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Draft {
    /// Verbatim as pasted (bounded); emptied when a paste held a private key.
    pub(crate) pem: String,
    /// Set when the last paste held a private key.
    pub(crate) key_refusal: Option<KeyRefusal>,
    /// PEM of the signing certificates of imported IdP metadata.
    pub(crate) metadata_certificates: Vec<String>,
    /// The URL the IdP metadata came from, when imported from a URL (the watch fetches it again).
    pub(crate) metadata_url: Option<IdpUrl>,
    /// The admin put another certificate than the demo IdP's into the field (to see a test login fail, as after a
    /// rotation): the demo stops refilling it until the field is emptied. Not saved.
    pub(crate) demo_replaced: bool,
    /// During a rotation: the IdP's next certificate (PEM, usable when imported), trusted beside the current one.
    pub(crate) next_pem: Option<String>,
}

impl Draft {
    pub(crate) fn load(saved: &SavedState) -> Draft {
        Draft {
            pem: saved.idp_certificate.clone().unwrap_or_default(),
            key_refusal: None,
            metadata_certificates: saved.idp_metadata_certificates.clone(),
            metadata_url: saved.idp_metadata_url.clone(),
            demo_replaced: false,
            next_pem: saved.idp_next_certificate.clone(),
        }
    }
}

/// Saved certificates are certificates only (never a private key), and no more than the importer takes.
pub(crate) fn check_saved(saved: &SavedState) -> Result<(), String> {
    if let Some(pem) = &saved.idp_certificate {
        check_saved_certificate(pem).map_err(|problem| format!("idp_certificate: {problem}"))?;
    }
    if let Some(pem) = &saved.idp_next_certificate {
        check_saved_certificate(pem)
            .map_err(|problem| format!("idp_next_certificate: {problem}"))?;
    }
    check_saved_metadata_certificates(&saved.idp_metadata_certificates)
        .map_err(|problem| format!("idp_metadata_certificates: {problem}"))?;
    if saved.idp_metadata_certificates.len() > MAX_SAVED_CERTIFICATES {
        return Err(format!(
            "{} imported certificates (at most {MAX_SAVED_CERTIFICATES})",
            saved.idp_metadata_certificates.len()
        ));
    }
    // Whether a saved certificate is still one certificate does not depend on the day: the computer's clock.
    let now = crate::clock::SystemClock.now();
    for pem in saved
        .idp_certificate
        .iter()
        .chain(&saved.idp_next_certificate)
        .chain(&saved.idp_metadata_certificates)
    {
        // Expired is fine here (step 5 says so); something that is not a certificate was not written by us.
        if cert::check(pem.as_bytes(), now).der().is_none() {
            return Err("a saved IdP certificate is not a certificate".into());
        }
    }
    Ok(())
}

/// The certificate if it is usable now, otherwise what was saved before; the imported ones as they are.
pub(crate) fn save(model: &Model, previous: &SavedState, out: &mut SavedState) {
    out.idp_certificate = model
        .steps
        .certificate
        .saved(previous.idp_certificate.as_ref(), model.now());
    out.idp_metadata_certificates = model.steps.certificate.metadata_certificates.clone();
    out.idp_metadata_url = model.steps.certificate.metadata_url.clone();
    out.idp_next_certificate = model.steps.certificate.next_pem.clone();
}

impl Draft {
    /// The doctor's report on the field as it is at `now`.
    pub(crate) fn report(&self, now: OffsetDateTime) -> CertReport {
        cert::check(self.pem.as_bytes(), now)
    }

    /// `Ok` when the pasted certificate is usable.
    fn problem(&self, idp_name: &str, now: OffsetDateTime) -> Result<(), String> {
        if self.key_refusal.is_some() {
            return Err(
                "The pasted text held a private key, which is refused (it was removed): paste the IdP's \
                 certificate instead"
                    .into(),
            );
        }
        if self.pem.trim().is_empty() {
            return Err(format!(
                "Paste {idp_name}'s signing certificate, or open its file"
            ));
        }
        let report = self.report(now);
        if report.usable {
            return Ok(());
        }
        Err(match report.first_error() {
            Some(f) => f.message.trim_end_matches('.').to_string(),
            None => "The pasted text holds no certificate".into(),
        })
    }

    /// Sets the field from a paste, a keystroke or an opened file. A private key empties the field at once.
    pub(crate) fn set(
        &mut self,
        value: String,
        now: OffsetDateTime,
        warn: &mut impl FnMut(Severity, String),
    ) {
        let value = if value.chars().count() > MAX_CERTIFICATE_CHARS {
            warn(
                Severity::Warning,
                format!(
                    "The pasted certificate text was longer than {MAX_CERTIFICATE_CHARS} characters; only the \
                     beginning was kept. Paste just the certificate."
                ),
            );
            super::bounded(value, MAX_CERTIFICATE_CHARS)
        } else {
            value
        };
        let report = cert::check(value.as_bytes(), now);
        if report.has(FindingCode::PrivateKey) {
            drop(zeroize::Zeroizing::new(value));
            self.pem = String::new();
            self.key_refusal = Some(KeyRefusal {
                findings: report
                    .findings
                    .into_iter()
                    .filter(|f| f.code == FindingCode::PrivateKey)
                    .collect(),
            });
        } else {
            self.pem = value;
            self.key_refusal = None;
        }
    }

    /// What step 5 saves: the normalized PEM of a usable certificate, else what was saved before.
    fn saved(&self, previous: Option<&String>, now: OffsetDateTime) -> Option<String> {
        if self.key_refusal.is_none() {
            let report = self.report(now);
            if report.usable {
                return report.pem;
            }
        }
        previous.cloned()
    }

    /// Which signing certificate of the imported metadata this one is, if metadata was imported.
    fn metadata_match(&self, report: &CertReport, now: OffsetDateTime) -> Option<Block> {
        let pems = &self.metadata_certificates;
        if pems.is_empty() || report.der().is_none() {
            return None;
        }
        let found = pems.iter().position(|pem| {
            cert::check(pem.as_bytes(), now)
                .der()
                .is_some_and(|der| report.same_certificate(der))
        });
        Some(match found {
            Some(i) => Block::Callout {
                severity: Severity::Info,
                text: format!(
                    "This certificate matches signing certificate {} of the imported metadata.",
                    i + 1
                ),
            },
            None => Block::Callout {
                severity: Severity::Warning,
                text: format!(
                    "This certificate does not match {} in the IdP metadata you imported. Check that you copied \
                     the certificate of this application (after a key rotation the IdP shows the new one), or paste \
                     the certificate from the metadata.",
                    if pems.len() == 1 {
                        "the signing certificate".to_string()
                    } else {
                        format!("any of the {} signing certificates", pems.len())
                    }
                ),
            },
        })
    }
}

impl Model {
    /// The doctor's report on the field as it is now.
    pub(super) fn certificate_report(&self) -> CertReport {
        self.steps.certificate.report(self.now())
    }

    /// `Ok` when the pasted certificate is usable.
    pub(super) fn certificate_problem(&self) -> Result<(), String> {
        self.steps.certificate.problem(self.idp_name(), self.now())
    }

    pub(super) fn certificate_page(&self) -> (String, Vec<Block>) {
        let idp = self.idp_name().to_string();
        let sp = self.sp_name().to_string();
        let mut blocks = vec![Block::Instruction {
            text: format!(
                "In {idp}, open the application you created in step 3 and download or copy its signing certificate \
                 (the IdP certificate). Paste it below, or open the downloaded file."
            ),
            menu_path: None,
        }];
        let refusal = self.steps.certificate.key_refusal.as_ref();
        blocks.push(Block::CertificateInput {
            field: Field::IdpCertificate,
            label: format!("{idp} signing certificate"),
            help: Some(
                "PEM text (-----BEGIN CERTIFICATE----- ...), the bare base64 from metadata, or a .pem, .crt, .cer \
                 or .der file. It is checked as you type; harmless copy-and-paste damage is repaired."
                    .into(),
            ),
            placeholder: Some("-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----".into()),
            value: self.steps.certificate.pem.clone(),
            note: refusal.map(|_| KEY_REMOVED_NOTE.to_string()),
        });
        let intro = format!(
            "{sp} trusts a sign-in only when {idp}'s signature on it verifies with this certificate. SSO Pilot checks \
             the certificate, repairs harmless damage and shows its fingerprints so you can compare them with \
             {idp}'s."
        );
        if let Some(refusal) = refusal {
            blocks.push(Block::CertificateVerdict {
                field: Field::IdpCertificate,
                usable: false,
                headline: "Refused: that was a private key, not a certificate.".into(),
                findings: refusal.findings.iter().map(finding_view).collect(),
                repaired_pem: None,
            });
            return (intro, blocks);
        }
        if self.steps.certificate.pem.trim().is_empty() {
            return (intro, blocks);
        }
        let report = self.certificate_report();
        let headline = if report.usable {
            let mut h =
                format!("Usable: {sp} can verify {idp}'s signatures with this certificate.");
            if report.repaired {
                h.push_str(" It was repaired: use the repaired version below.");
            }
            h
        } else {
            match report.first_error() {
                Some(f) => format!("Not usable: {}", f.message),
                None => "Not usable.".into(),
            }
        };
        let repaired_pem = report
            .pem
            .clone()
            .filter(|pem| report.repaired && *pem != self.steps.certificate.pem);
        blocks.push(Block::CertificateVerdict {
            field: Field::IdpCertificate,
            usable: report.usable,
            headline,
            findings: report.findings.iter().map(finding_view).collect(),
            repaired_pem,
        });
        if let Some(b) = self.steps.certificate.metadata_match(&report, self.now()) {
            blocks.push(b);
        }
        let Some(pem) = report.pem.clone() else {
            return (intro, blocks);
        };
        blocks.push(Block::CertificatePem {
            label: "Certificate (PEM)".into(),
            pem,
            help: Some(format!(
                "Paste this into {sp} with its BEGIN and END lines: {sp} needs them."
            )),
        });
        if let (Some((not_before, not_after)), Some(days_left)) =
            (report.validity(), report.days_left)
        {
            let today = self.now();
            let caption = if today < not_before {
                format!(
                    "Not valid yet: it becomes valid on {} (in {}).",
                    date(not_before),
                    plural((not_before - today).whole_days().max(1), "day", "days")
                )
            } else if days_left < 0 {
                format!(
                    "Expired on {} ({} ago).",
                    date(not_after),
                    plural(-days_left, "day", "days")
                )
            } else {
                format!(
                    "Valid until {}: {} left.",
                    date(not_after),
                    plural(days_left, "day", "days")
                )
            };
            let status = if today < not_before || days_left < 0 {
                Severity::Error
            } else if days_left <= cert::EXPIRES_SOON_DAYS {
                Severity::Warning
            } else {
                Severity::Info
            };
            blocks.push(Block::ValidityTimeline {
                not_before: date(not_before),
                not_after: date(not_after),
                today: date(today),
                total_days: (not_after - not_before).whole_days().max(1),
                elapsed_days: (today - not_before).whole_days(),
                days_left,
                status,
                caption,
            });
        }
        let mut rows = Vec::new();
        let mut row = |label: &str, value: Option<String>| {
            if let Some(value) = value {
                rows.push(FactRow {
                    label: label.into(),
                    value,
                });
            }
        };
        row("Subject", report.subject.clone());
        row(
            "Issuer",
            report.issuer.clone().map(|i| {
                if report.self_signed == Some(true) {
                    format!("{i} (self-signed, as IdP signing certificates usually are)")
                } else {
                    i
                }
            }),
        );
        row(
            "Key",
            report.key.as_ref().map(|k| match (k.bits, &k.curve) {
                (_, Some(curve)) => format!("{} {curve}", k.algorithm),
                (Some(bits), None) => format!("{} {bits} bits", k.algorithm),
                (None, None) => k.algorithm.clone(),
            }),
        );
        row("Signature algorithm", report.signature_algorithm.clone());
        row("Serial number", report.serial.clone());
        row("Valid from", report.validity().map(|(nb, _)| date(nb)));
        row("Valid until", report.validity().map(|(_, na)| date(na)));
        row(
            "Days left",
            report.days_left.map(|d| {
                if d < 0 {
                    format!("none (expired {} ago)", plural(-d, "day", "days"))
                } else {
                    d.to_string()
                }
            }),
        );
        blocks.push(Block::Facts { rows });
        let compare =
            format!("Compare with the fingerprint your IdP shows ({idp} may show either one).");
        if let Some(fp) = &report.sha256_fingerprint {
            blocks.push(Block::Value {
                label: "SHA-256 fingerprint".into(),
                value: fp.to_string(),
                help: Some(compare.clone()),
                copy: true,
            });
        }
        if let Some(fp) = &report.sha1_fingerprint {
            blocks.push(Block::Value {
                label: "SHA-1 fingerprint".into(),
                value: fp.to_string(),
                help: Some(compare),
                copy: true,
            });
        }
        if report.usable {
            blocks.push(Block::Instruction {
                text: format!(
                    "In {sp}, paste the certificate above into the IdP certificate field and save."
                ),
                menu_path: self.sp().map(|p| p.portal.settings_path.clone()),
            });
        }
        (intro, blocks)
    }
}

/// The file name to show in messages (never the whole path, which may name the admin's home directory).
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "The file".into())
}

/// Reads a certificate file chosen in the open dialog and turns it into the text the field holds: text files as
/// they are (so the doctor can say what it repaired), binary DER as its PEM.
pub fn certificate_file_text(path: &Path) -> Result<String, CertificateFileError> {
    let name = file_name(path);
    let file = std::fs::File::open(path).map_err(|source| CertificateFileError::Read {
        name: name.clone(),
        source,
    })?;
    let mut bytes = Vec::new();
    file.take(cert::MAX_INPUT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| CertificateFileError::Read {
            name: name.clone(),
            source,
        })?;
    if bytes.len() > cert::MAX_INPUT {
        return Err(CertificateFileError::TooLarge {
            name,
            max: cert::MAX_INPUT / 1024,
        });
    }
    let bytes = zeroize::Zeroizing::new(bytes);
    if let Ok(text) = std::str::from_utf8(&bytes) {
        if !text.contains('\0') {
            return Ok(text.to_string());
        }
    }
    // Binary: DER (or UTF-16 text, which the doctor also reads). The field holds text, so it gets the PEM; a
    // private key in a binary file is refused here, before anything reaches the field.
    let report = cert::check(&bytes, now());
    if report.has(FindingCode::PrivateKey) {
        return Err(CertificateFileError::NotACertificate {
            name,
            problem: "it holds a private key, which SSO Pilot refuses (it was not kept).".into(),
        });
    }
    match report.pem {
        Some(pem) => Ok(pem),
        None => Err(CertificateFileError::NotACertificate {
            name,
            problem: report
                .first_error()
                .map(|f| f.message.clone())
                .unwrap_or_else(|| "no certificate was found in it.".into()),
        }),
    }
}

impl Session {
    /// Puts the certificate file chosen in the open dialog into step 5's field, as if it had been pasted. A file
    /// that cannot be read or is not a certificate leaves the field as it was and says why in a notice.
    pub fn open_certificate_file(&mut self, path: &Path) -> WizardView {
        if self.model.current != StepId::Certificate {
            self.notice(
                Severity::Error,
                "A certificate file can only be opened on step 5 (Certificate).".into(),
            );
            return self.view();
        }
        match certificate_file_text(path) {
            Ok(text) => {
                let mut notices = Vec::new();
                let now = self.model.now();
                self.model
                    .steps
                    .certificate
                    .set(text, now, &mut |severity, text| {
                        notices.push((severity, text))
                    });
                for (severity, text) in notices {
                    self.notice(severity, text);
                }
                self.save_if_changed();
            }
            Err(e) => self.notice(Severity::Error, e.to_string()),
        }
        self.view()
    }
}

#[cfg(test)]
pub(crate) mod tests;
