//! A support bundle opened back in the app: what the UI draws, read-only, so support sees the steps and reports as
//! the customer saw them. Built from the file alone: opening a bundle never reads or changes the admin's own saved
//! setup (the shell's command does not touch the session).

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Bundle, BundleError, MAX_BUNDLE_BYTES};
use crate::journey::step_title;
use crate::profiles::Profiles;
use crate::view::{FactRow, FindingView, Severity, StepId, StepSummary};
use crate::watch::WatchAction;

/// A titled list of label/value rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BundleSection {
    pub heading: String,
    pub rows: Vec<FactRow>,
}

/// One check of the last test login, as step 7 showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BundleCheck {
    pub id: String,
    pub ok: bool,
    pub message: String,
    pub hint: Option<String>,
    /// "Step 5 (Certificate)": where a failure is fixed.
    pub step: Option<String>,
}

/// The last test login of the customer's run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BundleTestLogin {
    pub valid: bool,
    /// Issuer, NameID, the certificate that signed...
    pub rows: Vec<FactRow>,
    /// Failed first.
    pub checks: Vec<BundleCheck>,
}

/// One IdP certificate of the bundle, with the certificate doctor's findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BundleCertificate {
    /// "The IdP certificate in use", "The IdP's next certificate (rotation)", "Listed in the IdP's metadata".
    pub heading: String,
    pub usable: bool,
    pub rows: Vec<FactRow>,
    pub findings: Vec<FindingView>,
    pub pem: Option<String>,
}

/// A captured response, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BundleResponse {
    pub source: String,
    pub xml: String,
    /// Its check against the saved configuration when the bundle was made (`ssopilot bundle --response`), drawn as a
    /// test login's report is; the "Signed with" row says which certificate signed.
    pub check: Option<BundleTestLogin>,
    /// Why it was not checked although that was asked for.
    pub not_checked: Option<String>,
}

/// The whole bundle as the UI draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BundleView {
    /// "Support bundle: Infisical (cloud) with JumpCloud".
    pub title: String,
    /// Says it is someone's bundle, read-only, and that the admin's own setup is untouched.
    pub banner: String,
    /// The file's name (no folder).
    pub file_name: String,
    /// When the bundle was made (RFC 3339, UTC).
    pub created_at: String,
    /// SSO Pilot version, platform, profile ids, whether user data is in it.
    pub about: Vec<FactRow>,
    /// What the bundle could not include.
    pub notes: Vec<String>,
    pub current_step: StepId,
    pub steps: Vec<StepSummary>,
    /// What needed doing when the bundle was made.
    pub watch: Vec<WatchAction>,
    pub report_title: String,
    pub report: Vec<BundleSection>,
    pub test_login: Option<BundleTestLogin>,
    pub certificates: Vec<BundleCertificate>,
    pub responses: Vec<BundleResponse>,
    /// The saved configuration's values as in the file (certificates are under `certificates`).
    pub configuration: Vec<FactRow>,
}

/// Reads the bundle file the admin chose and builds its view; the error is a sentence for the admin.
pub fn open_file(path: &Path, profiles: &Profiles) -> Result<BundleView, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let bytes = match ssopilot_peers::files::read_bounded(path, MAX_BUNDLE_BYTES) {
        Ok(b) => b,
        Err(ssopilot_peers::files::ReadError::TooLarge { .. }) => {
            return Err(format!(
                "{name} cannot be opened: {}",
                BundleError::TooLarge
            ))
        }
        Err(e) => {
            return Err(format!(
                "{name} cannot be read: {e}. Choose the file again."
            ))
        }
    };
    let bundle = Bundle::open(&bytes).map_err(|e| format!("{name} cannot be opened: {e}."))?;
    Ok(view(&bundle, &name, profiles))
}

/// The view of an opened bundle.
pub fn view(b: &Bundle, file_name: &str, profiles: &Profiles) -> BundleView {
    let idp = b.profiles.idp.as_deref();
    let sp = b.profiles.sp.as_deref();
    let idp_name = idp
        .and_then(|id| profiles.idp(id))
        .map(|p| p.display_name.clone());
    let sp_name = sp
        .and_then(|id| profiles.sp(id))
        .map(|p| p.display_name.clone());
    let title = match (
        sp_name.or(sp.map(String::from)),
        idp_name.or(idp.map(String::from)),
    ) {
        (Some(sp), Some(idp)) => format!("Support bundle: {sp} with {idp}"),
        (Some(one), None) | (None, Some(one)) => format!("Support bundle: {one}"),
        (None, None) => "Support bundle".to_string(),
    };
    let none = || "(not chosen)".to_string();
    let about = vec![
        row("File", file_name),
        row("Made", &b.created_at),
        row("SSO Pilot version", &b.app_version),
        row(
            "Platform",
            &format!(
                "{} {} ({})",
                b.platform.os, b.platform.arch, b.platform.family
            ),
        ),
        row("IdP profile", &idp.map(String::from).unwrap_or_else(none)),
        row("SP profile", &sp.map(String::from).unwrap_or_else(none)),
        row(
            "User data",
            if b.user_data_included {
                "included (user names and attribute values as they were)"
            } else {
                "replaced by placeholders (user-1@redacted...)"
            },
        ),
        row(
            "Current step",
            &format!(
                "{}. {}",
                crate::journey::step_number(b.current_step),
                step_title(b.current_step)
            ),
        ),
    ];
    BundleView {
        title,
        banner: format!(
            "Read only: this is the support bundle {file_name}, the setup as its sender saw it. Nothing here is your \
             own setup, and opening it changed nothing in what you have saved."
        ),
        file_name: file_name.to_string(),
        created_at: b.created_at.clone(),
        about,
        notes: b.notes.clone(),
        current_step: b.current_step,
        steps: b.steps.clone(),
        watch: b.watch.clone(),
        report_title: b.report_title.clone(),
        report: b
            .report
            .iter()
            .map(|s| BundleSection {
                heading: s.heading.clone(),
                rows: s.rows.clone(),
            })
            .collect(),
        test_login: b.test_report.as_ref().map(test_login),
        certificates: certificates(b),
        responses: b
            .responses
            .iter()
            .map(|r| BundleResponse {
                source: r.source.clone(),
                xml: r.xml.clone(),
                check: r.check.as_ref().map(|c| {
                    let mut report = test_login(&c.report);
                    if let Some(signed_by) = &c.signed_by {
                        report.rows.push(row("Signature", signed_by));
                    }
                    report
                }),
                not_checked: r.not_checked.clone(),
            })
            .collect(),
        configuration: configuration(&b.configuration),
    }
}

fn row(label: &str, value: &str) -> FactRow {
    FactRow {
        label: label.into(),
        value: value.into(),
    }
}

fn text(v: &serde_json::Value, key: &str) -> Option<String> {
    match v.get(key)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The last test login's report (`test_login::export::json`), as rows and checks.
fn test_login(report: &serde_json::Value) -> BundleTestLogin {
    let valid = report.get("valid").and_then(|v| v.as_bool()) == Some(true);
    let mut rows = vec![row("Verdict", if valid { "passed" } else { "failed" })];
    for (key, label) in [
        ("issuer", "Issuer"),
        ("name_id", "NameID"),
        ("signing_certificate_sha256", "Signed with (SHA-256)"),
        ("session_not_on_or_after", "Session ends"),
    ] {
        if let Some(value) = text(report, key) {
            rows.push(row(label, &value));
        }
    }
    let mut checks: Vec<BundleCheck> = report
        .get("checks")
        .and_then(|c| c.as_array())
        .map(|checks| {
            checks
                .iter()
                .map(|c| BundleCheck {
                    id: text(c, "id").unwrap_or_default(),
                    ok: c.get("ok").and_then(|v| v.as_bool()) == Some(true),
                    message: text(c, "message").unwrap_or_default(),
                    hint: text(c, "hint"),
                    step: c
                        .get("step")
                        .and_then(|s| serde_json::from_value::<StepId>(s.clone()).ok())
                        .map(|s| {
                            format!(
                                "Step {} ({})",
                                crate::journey::step_number(s),
                                step_title(s)
                            )
                        }),
                })
                .collect()
        })
        .unwrap_or_default();
    checks.sort_by_key(|c| c.ok);
    BundleTestLogin {
        valid,
        rows,
        checks,
    }
}

/// The certificate doctor's reports, in the order the bundle writes them: the one in use, the next one during a
/// rotation, then the others the IdP's metadata listed.
fn certificates(b: &Bundle) -> Vec<BundleCertificate> {
    let has = |key: &str| b.configuration.get(key).is_some_and(|v| !v.is_null());
    let mut headings = Vec::new();
    if has("idp_certificate") {
        headings.push("The IdP certificate in use");
    }
    if has("idp_next_certificate") {
        headings.push("The IdP's next certificate (rotation)");
    }
    b.certificates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let heading = headings
                .get(i)
                .copied()
                .unwrap_or("Listed in the IdP's metadata");
            let mut rows = Vec::new();
            for (key, label) in [
                ("subject", "Subject"),
                ("issuer", "Issuer"),
                ("not_before", "Valid from"),
                ("not_after", "Valid until"),
                ("days_left", "Days left"),
                ("sha256_fingerprint", "SHA-256"),
                ("signature_algorithm", "Signature algorithm"),
            ] {
                if let Some(value) = text(c, key) {
                    rows.push(row(label, &value));
                }
            }
            let findings = c
                .get("findings")
                .and_then(|f| f.as_array())
                .map(|fs| {
                    fs.iter()
                        .map(|f| FindingView {
                            code: text(f, "code").unwrap_or_default(),
                            severity: match text(f, "severity").as_deref() {
                                Some("error") => Severity::Error,
                                Some("warning") => Severity::Warning,
                                _ => Severity::Info,
                            },
                            message: text(f, "message").unwrap_or_default(),
                            hint: text(f, "hint").unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            BundleCertificate {
                heading: heading.into(),
                usable: c.get("usable").and_then(|v| v.as_bool()) == Some(true),
                rows,
                findings,
                pem: text(c, "pem"),
            }
        })
        .collect()
}

/// The saved configuration's values, one row each (`test_evidence.checks[0].message`); empty values are left out
/// and certificates are shown under Certificates instead.
fn configuration(config: &serde_json::Value) -> Vec<FactRow> {
    let mut rows = Vec::new();
    flatten(config, String::new(), &mut rows, 0);
    rows
}

/// Nesting deeper than this is shown as JSON (a bundle is built by SSO Pilot; a deep one is not worth walking).
const MAX_DEPTH: usize = 6;

fn flatten(v: &serde_json::Value, path: String, rows: &mut Vec<FactRow>, depth: usize) {
    use serde_json::Value;
    match v {
        Value::Null => {}
        Value::Object(map) if depth < MAX_DEPTH => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten(v, p, rows, depth + 1);
            }
        }
        Value::Array(items) if items.is_empty() => {}
        Value::Array(items) if depth < MAX_DEPTH => {
            for (i, v) in items.iter().enumerate() {
                flatten(v, format!("{path}[{i}]"), rows, depth + 1);
            }
        }
        Value::String(s) if s.contains("-----BEGIN") => rows.push(FactRow {
            label: path,
            value: "(a certificate: see Certificates)".into(),
        }),
        Value::String(s) => rows.push(FactRow {
            label: path,
            value: s.clone(),
        }),
        other => rows.push(FactRow {
            label: path,
            value: other.to_string(),
        }),
    }
}
