//! A support bundle: one JSON file for a ticket with the whole picture (the configuration, the steps as the admin
//! saw them, the report, the certificates, what the watch finds, the last captured responses decoded, the app's
//! version, the platform and the profile ids), and the same file opened back on the support side.
//!
//! Secrets are never in it: it is built only from the saved configuration (which holds none, see [`crate::state`])
//! and captured responses, never from the keychain, and a bundle that would hold a private key is refused whole.
//! Personal data is replaced by stable placeholders unless the admin asks to include it ([`redact`]).

pub mod redact;
pub mod view;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;

use crate::clock::SharedClock;
use crate::profiles::Profiles;
use crate::state::SavedState;
use crate::view::{FactRow, StepId, StepSummary};
use crate::watch::{self, WatchAction, Watched};
use crate::Model;
use redact::Redactor;
use ssopilot_saml::cert;

/// What the file says it is.
pub const BUNDLE_FORMAT: &str = "ssopilot-support-bundle";
/// The format version this build writes and reads.
pub const BUNDLE_VERSION: u64 = 1;
/// A bundle is tens of KB; anything above this is not one.
pub const MAX_BUNDLE_BYTES: usize = 8 * 1024 * 1024;
/// Captured responses kept (the last ones).
pub const MAX_RESPONSES: usize = 8;

/// Texts that mark a secret: a bundle holding one is not written.
const SECRET_MARKERS: [&str; 3] = ["PRIVATE KEY", "AUTH_SECRET=", "BEGIN OPENSSH"];

/// Why a bundle could not be made or opened.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("the support bundle would hold a private key or a secret ({marker}), so it was not written; this is a bug in SSO Pilot, please report it without the file")]
    WouldHoldSecret { marker: &'static str },
    #[error("the support bundle could not be encoded: {0}")]
    Encode(String),
    #[error("this is not an SSO Pilot support bundle ({0}): open the .json file SSO Pilot wrote")]
    NotABundle(String),
    #[error("this support bundle has format version {found}; this version of SSO Pilot reads version {BUNDLE_VERSION} (update SSO Pilot)")]
    UnknownVersion { found: u64 },
    #[error("the file is larger than {MAX_BUNDLE_BYTES} bytes: that is not a support bundle")]
    TooLarge,
}

/// Where the bundle was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub family: String,
}

impl Platform {
    pub fn this() -> Platform {
        Platform {
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
            family: std::env::consts::FAMILY.into(),
        }
    }
}

/// The provider profiles chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileIds {
    pub idp: Option<String>,
    pub sp: Option<String>,
}

/// One titled group of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSection {
    pub heading: String,
    pub rows: Vec<FactRow>,
}

/// A captured response, decoded, and checked when it was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapturedResponse {
    /// Where it came from (a file name, "the last test login").
    pub source: String,
    /// The decoded XML (personal values replaced unless user data is included).
    pub xml: String,
    /// The response checked against the saved configuration, as a pasted one is (see [`Extras::check_responses`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<ResponseCheck>,
    /// Why it was not checked although that was asked for (the configuration cannot check a response yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_checked: Option<String>,
}

/// A captured response checked against the saved configuration's certificate(s) and policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseCheck {
    /// The validator's verdict.
    pub valid: bool,
    /// Which configured certificate signed it ("Signed with the current certificate (SHA-256 …)"), or that the
    /// IdP signed with one the SP does not hold; `None` when no signature was found.
    pub signed_by: Option<String>,
    /// The validator's report as `ssopilot response check --json` prints it (its findings are `checks`), personal
    /// values replaced unless user data is included.
    pub report: serde_json::Value,
}

/// The bundle as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    pub version: u64,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub app_version: String,
    pub platform: Platform,
    pub profiles: ProfileIds,
    /// False: NameIDs, user names and attribute values are placeholders.
    pub user_data_included: bool,
    /// The saved configuration (no secrets in it by construction).
    pub configuration: serde_json::Value,
    pub current_step: StepId,
    pub steps: Vec<StepSummary>,
    pub report_title: String,
    pub report: Vec<ReportSection>,
    /// The certificate doctor's report on each IdP certificate (public).
    pub certificates: Vec<serde_json::Value>,
    /// What the watch finds on the saved configuration (without fetching the metadata).
    pub watch: Vec<WatchAction>,
    pub responses: Vec<CapturedResponse>,
    /// The report of the last test login of the app's run (the validator's checks, as step 7 showed them).
    #[serde(default)]
    pub test_report: Option<serde_json::Value>,
    /// What the bundle could not include, in plain words.
    pub notes: Vec<String>,
}

/// What goes into a bundle besides the saved configuration.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// (source, raw response as captured: XML, base64 or a form body), the last one last.
    pub responses: Vec<(String, Vec<u8>)>,
    /// The report of the last test login, as JSON ([`crate::test_login::export::json`]).
    pub test_report: Option<serde_json::Value>,
    /// Keep NameIDs, user names and attribute values as they are.
    pub include_user_data: bool,
    /// Check each response against the saved configuration (responses given for the ticket; the app's last one
    /// already comes with its test login's report).
    pub check_responses: bool,
}

/// Makes the bundle of `saved` at the clock's time, with the steps judged from `saved` alone.
pub fn build(
    profiles: Profiles,
    saved: &SavedState,
    extras: &Extras,
    clock: SharedClock,
) -> Result<Bundle, BundleError> {
    build_with_steps(profiles, saved, extras, clock, None)
}

/// [`build`], with the steps as a running session showed them (`shown`: the current step and the step list), so a
/// bundle from the app holds what the admin saw: a model rebuilt from the saved file alone has no peers (the demo
/// IdP's directory, the keychain) and would judge some steps otherwise.
pub fn build_with_steps(
    profiles: Profiles,
    saved: &SavedState,
    extras: &Extras,
    clock: SharedClock,
    shown: Option<(StepId, Vec<StepSummary>)>,
) -> Result<Bundle, BundleError> {
    let now = clock.now();
    let mut redactor = Redactor::default();
    let mut notes = Vec::new();
    let mut responses = Vec::new();
    let skip = extras.responses.len().saturating_sub(MAX_RESPONSES);
    if skip > 0 {
        notes.push(format!(
            "{skip} earlier captured responses were left out (the last {MAX_RESPONSES} are kept)."
        ));
    }
    // The checks run against the configuration as saved, before any of it is redacted.
    let checker = extras
        .check_responses
        .then(|| Model::from_saved_with_clock(profiles.clone(), saved, clock.clone()).0);
    for (source, raw) in extras.responses.iter().skip(skip) {
        let checked = checker.as_ref().map(|m| {
            m.check_captured(raw).map(|report| ResponseCheck {
                valid: report.valid(),
                signed_by: m.signed_by_line(&report),
                report: crate::test_login::export::json(&report),
            })
        });
        let xml = match ssopilot_saml::binding::decode(raw, ssopilot_saml::xml::DEFAULT_MAX_BYTES) {
            Ok(d) => d.xml,
            Err(e) => {
                notes.push(format!(
                    "The response from {source} could not be decoded ({e}); it was left out."
                ));
                continue;
            }
        };
        let xml = if extras.include_user_data {
            Some(xml)
        } else {
            redactor.response(&xml)
        };
        let (mut check, not_checked) = match checked {
            Some(Ok(c)) => (Some(c), None),
            Some(Err(why)) => (
                None,
                Some(format!(
                    "not checked: the saved configuration cannot check a response yet ({why})"
                )),
            ),
            None => (None, None),
        };
        if let (Some(c), false) = (check.as_mut(), extras.include_user_data) {
            redactor.report(&mut c.report);
        }
        match xml {
            Some(xml) => responses.push(CapturedResponse {
                source: source.clone(),
                xml,
                check,
                not_checked,
            }),
            None => notes.push(format!(
                "The response from {source} is not readable XML, so its personal data cannot be told apart; it was \
                 left out."
            )),
        }
    }

    let mut saved = saved.clone();
    if !extras.include_user_data {
        if let Some(u) = saved.test_user.as_mut() {
            *u = redactor.user(u);
        }
        if let Some(e) = saved.test_evidence.as_mut() {
            e.user = redactor.user(&e.user);
        }
    }
    let (model, warnings) = Model::from_saved_with_clock(profiles.clone(), &saved, clock.clone());
    notes.extend(warnings);
    let (current_step, steps) = match shown {
        Some(shown) => shown,
        None => {
            let view = model.view();
            (view.current, view.steps)
        }
    };
    let report = model.report();
    let held = |p: &&String| {
        Some(*p) != saved.idp_certificate.as_ref()
            && Some(*p) != saved.idp_next_certificate.as_ref()
    };
    let certificates = saved
        .idp_certificate
        .iter()
        .chain(&saved.idp_next_certificate)
        .chain(saved.idp_metadata_certificates.iter().filter(held))
        .map(|pem| serde_json::to_value(cert::check(pem.as_bytes(), now)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| BundleError::Encode(e.to_string()))?;
    let watched = Watched::from_saved(profiles, &saved, clock);
    let mut bundle = Bundle {
        format: BUNDLE_FORMAT.into(),
        version: BUNDLE_VERSION,
        created_at: now.format(&Rfc3339).unwrap_or_default(),
        app_version: env!("CARGO_PKG_VERSION").into(),
        platform: Platform::this(),
        profiles: ProfileIds {
            idp: saved.idp_profile.clone(),
            sp: saved.sp_profile.clone(),
        },
        user_data_included: extras.include_user_data,
        configuration: serde_json::to_value(&saved)
            .map_err(|e| BundleError::Encode(e.to_string()))?,
        current_step,
        steps,
        report_title: report.title,
        report: report
            .sections
            .into_iter()
            .map(|s| ReportSection {
                heading: s.heading,
                rows: s.rows,
            })
            .collect(),
        certificates,
        watch: watch::check(&watched, None, now),
        responses,
        test_report: extras.test_report.clone(),
        notes,
    };
    if !extras.include_user_data {
        // Belt and braces: a personal value quoted anywhere else (a check's message, a step's reason) goes too. The
        // responses were redacted where each value stands.
        let mut responses = std::mem::take(&mut bundle.responses);
        let mut v =
            serde_json::to_value(&bundle).map_err(|e| BundleError::Encode(e.to_string()))?;
        redactor.json(&mut v);
        bundle = serde_json::from_value(v).map_err(|e| BundleError::Encode(e.to_string()))?;
        // Their checks' texts too, now that every personal value is known.
        for r in &mut responses {
            if let Some(c) = r.check.as_mut() {
                redactor.json(&mut c.report);
            }
            r.not_checked = r.not_checked.as_deref().map(|t| redactor.text(t));
        }
        bundle.responses = responses;
    }
    check_no_secret(&bundle)?;
    Ok(bundle)
}

/// Refuses a bundle that holds anything marked as a secret (fails closed).
fn check_no_secret(bundle: &Bundle) -> Result<(), BundleError> {
    let text = serde_json::to_string(bundle).map_err(|e| BundleError::Encode(e.to_string()))?;
    match SECRET_MARKERS.iter().find(|m| text.contains(*m)) {
        Some(marker) => Err(BundleError::WouldHoldSecret { marker }),
        None => Ok(()),
    }
}

impl Bundle {
    /// The file's text: pretty JSON ending in a newline.
    pub fn to_json(&self) -> Result<String, BundleError> {
        check_no_secret(self)?;
        serde_json::to_string_pretty(self)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| BundleError::Encode(e.to_string()))
    }

    /// Reads a bundle back (support's side), checking what it says it is.
    pub fn open(bytes: &[u8]) -> Result<Bundle, BundleError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge);
        }
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| BundleError::NotABundle(format!("not JSON: {e}")))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(BUNDLE_FORMAT) {
            return Err(BundleError::NotABundle(format!(
                "it has no \"format\": \"{BUNDLE_FORMAT}\""
            )));
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(BUNDLE_VERSION) => {}
            Some(found) => return Err(BundleError::UnknownVersion { found }),
            None => return Err(BundleError::NotABundle("it has no version".into())),
        }
        serde_json::from_value(value).map_err(|e| BundleError::NotABundle(e.to_string()))
    }
}

impl crate::Session {
    /// The bundle of the configuration as it is now, with the response captured last in this run.
    pub fn support_bundle(&self, include_user_data: bool) -> Result<Bundle, BundleError> {
        let saved = self.model.to_saved(&self.saved);
        let last = self.model.last_response();
        let extras = Extras {
            test_report: last.as_ref().map(|(_, _, report)| report.clone()),
            responses: last
                .into_iter()
                .filter_map(|(source, xml, _)| Some((source, xml?.into_bytes())))
                .collect(),
            include_user_data,
            check_responses: false,
        };
        let view = self.model.view();
        build_with_steps(
            self.model.profiles.clone(),
            &saved,
            &extras,
            self.model.clock.clone(),
            Some((view.current, view.steps)),
        )
    }

    /// Writes the support bundle to the file the admin chose; the outcome is a notice.
    pub fn save_support_bundle(
        &mut self,
        path: &std::path::Path,
        include_user_data: bool,
    ) -> crate::view::WizardView {
        use crate::view::Severity;
        let written = self
            .support_bundle(include_user_data)
            .and_then(|b| b.to_json())
            .map_err(|e| e.to_string())
            .and_then(|json| {
                std::fs::write(path, json).map_err(|e| format!("{e}: choose another folder"))
            });
        match written {
            Ok(()) => self.notice(
                Severity::Info,
                format!(
                    "The support bundle was saved to {}. {}",
                    path.display(),
                    if include_user_data {
                        "It includes user names and attribute values; no secrets."
                    } else {
                        "User names and attribute values are replaced by placeholders; no secrets are in it."
                    }
                ),
            ),
            Err(e) => self.notice(
                Severity::Error,
                format!("The support bundle could not be saved to {}: {e}", path.display()),
            ),
        }
        self.view()
    }
}

#[cfg(test)]
mod tests;
