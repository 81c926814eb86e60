//! Watching a finished setup after the day it was made: most SSO outages come later, when the IdP's signing
//! certificate expires or is rotated while the SP still holds the old one.
//!
//! [`Watched`] is what is watched (the saved configuration, or stand-ins given on the command line), [`check`] turns
//! it and the IdP's current metadata into [`WatchAction`]s at a given time (pure: time is a parameter), and [`run`]
//! fetches the metadata first through the hardened fetch ([`ssopilot_peers::fetch`]) when its URL is known. Each
//! action has a stable code, a severity, the step that fixes it and plain words; `ssopilot watch` prints them and the
//! app shows them as a banner on the summary.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use ts_rs::TS;

use crate::clock::SharedClock;
use crate::profiles::Profiles;
use crate::state::SavedState;
use crate::view::{Severity, StepId};
use crate::Model;
use ssopilot_peers::fetch::{self, FetchOptions};
use ssopilot_saml::cert;
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::metadata::{self, Metadata, Options};

/// The IdPs' expiry mails come at 60, 30 and 7 days (Entra); the watch speaks up at the same marks.
pub const NOTICE_DAYS: i64 = 60;
/// At this many days left or fewer, an expiry is a warning.
pub const WARNING_DAYS: i64 = 30;
/// At this many days left or fewer, an expiry is an error: plan nothing more, rotate now.
pub const ERROR_DAYS: i64 = 7;
/// A passing test login older than this no longer says much about today's setup.
pub const MAX_TEST_AGE_DAYS: i64 = 90;

/// What needs doing, one kind per code. The names are a contract (monitoring matches on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WatchCode {
    /// A configured IdP certificate has expired: logins fail.
    CertificateExpired,
    /// A configured IdP certificate expires within [`NOTICE_DAYS`] (see `days_left`).
    CertificateExpiresSoon,
    /// A configured certificate could not be read as a certificate.
    CertificateUnreadable,
    /// The IdP's metadata lists a signing certificate the SP does not have: a rotation is under way.
    RotationStarted,
    /// The IdP's metadata no longer lists any configured certificate: the IdP switched, logins fail now.
    CertificateSwitched,
    /// The IdP's entity ID in its metadata is not the configured one.
    EntityIdChanged,
    /// None of the IdP's SSO URLs in its metadata is the configured one.
    SsoUrlChanged,
    /// The IdP's metadata could not be fetched or read, so the checks against it were not made.
    MetadataUnavailable,
    /// A certificate is configured but no passing test login is recorded.
    TestLoginMissing,
    /// The last passing test login was made before the configuration changed.
    TestLoginStale,
    /// The last passing test login is older than [`MAX_TEST_AGE_DAYS`].
    TestLoginOld,
}

impl WatchCode {
    pub fn as_str(self) -> &'static str {
        match self {
            WatchCode::CertificateExpired => "certificate_expired",
            WatchCode::CertificateExpiresSoon => "certificate_expires_soon",
            WatchCode::CertificateUnreadable => "certificate_unreadable",
            WatchCode::RotationStarted => "rotation_started",
            WatchCode::CertificateSwitched => "certificate_switched",
            WatchCode::EntityIdChanged => "entity_id_changed",
            WatchCode::SsoUrlChanged => "sso_url_changed",
            WatchCode::MetadataUnavailable => "metadata_unavailable",
            WatchCode::TestLoginMissing => "test_login_missing",
            WatchCode::TestLoginStale => "test_login_stale",
            WatchCode::TestLoginOld => "test_login_old",
        }
    }
}

/// One thing the admin should do, with the step of the wizard where it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WatchAction {
    pub code: WatchCode,
    pub severity: Severity,
    /// Plain words: what is wrong and what to do.
    pub message: String,
    /// The wizard's step that fixes it.
    pub step: StepId,
    /// Whole days until the certificate expires (negative once expired); certificate expiry only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub days_left: Option<i64>,
    /// The time the message is about (a certificate's end of validity, a test login), RFC 3339 UTC; shown as
    /// people read it by the CLI and the UI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub at: Option<String>,
}

/// The last passing test login, as far as the watch is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestLogin {
    /// Not watched (a setup given on the command line has no recorded test login).
    NotWatched,
    /// None is recorded.
    Missing,
    /// One is recorded for the configuration as it is.
    Current { time: OffsetDateTime },
    /// One is recorded for an earlier configuration; `changed` in plain words.
    Stale {
        time: OffsetDateTime,
        changed: Vec<String>,
    },
}

/// The setup being watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    /// The IdP signing certificates the SP holds (PEM).
    pub certificates: Vec<String>,
    pub idp_entity_id: Option<String>,
    pub idp_sso_url: Option<String>,
    /// Where the IdP publishes its metadata, when known.
    pub metadata_url: Option<String>,
    pub test_login: TestLogin,
}

impl Watched {
    /// The saved configuration: the certificate of step 5, the IdP values of step 3, the URL the IdP metadata was
    /// imported from, and the test-login evidence of step 7 (judged against the configuration as saved).
    pub fn from_saved(profiles: Profiles, saved: &SavedState, clock: SharedClock) -> Watched {
        let (model, _) = Model::from_saved_with_clock(profiles, saved, clock);
        Watched::of(&model, saved)
    }

    /// `saved` with the test login judged by `model` (the same configuration).
    fn of(model: &Model, saved: &SavedState) -> Watched {
        let test_login = match (model.evidence(), model.evidence_state()) {
            (None, _) | (_, crate::EvidenceState::Missing) => TestLogin::Missing,
            (Some(e), crate::EvidenceState::Valid { .. }) => TestLogin::Current { time: e.time },
            (Some(e), crate::EvidenceState::Stale { changed, .. }) => TestLogin::Stale {
                time: e.time,
                changed,
            },
        };
        Watched {
            // During a rotation the SP side also holds the next certificate: a switch to it is no failure.
            certificates: saved
                .idp_certificate
                .iter()
                .chain(&saved.idp_next_certificate)
                .cloned()
                .collect(),
            idp_entity_id: saved.idp_entity_id.as_ref().map(|v| v.as_str().to_string()),
            idp_sso_url: saved.idp_sso_url.as_ref().map(|v| v.as_str().to_string()),
            metadata_url: saved
                .idp_metadata_url
                .as_ref()
                .map(|v| v.as_str().to_string()),
            test_login,
        }
    }

    /// True when there is nothing to watch at all: no IdP value is configured yet (a test login needs a
    /// certificate first).
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty()
            && self.idp_entity_id.is_none()
            && self.idp_sso_url.is_none()
            && self.metadata_url.is_none()
    }
}

/// What the watch found, and whether the IdP's metadata was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WatchReport {
    pub actions: Vec<WatchAction>,
    /// The metadata URL checked, when there was one (the checks against the metadata ran only if it was read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub metadata_url: Option<String>,
    /// When the watch ran, RFC 3339 UTC.
    pub checked_at: String,
}

impl WatchReport {
    /// Something needs doing.
    pub fn needs_action(&self) -> bool {
        !self.actions.is_empty()
    }
}

/// Why a setup has nothing to watch yet ([`Watched::is_empty`]): the words `ssopilot watch` and the app's log share.
pub const NOTHING_TO_WATCH: &str =
    "no IdP certificate, entity ID, SSO URL or metadata URL is configured yet";

/// The watch the app runs when it starts, on [`crate::Session::watched_at_start`]: when there is nothing to watch
/// yet (`None`, or an empty setup), nothing at all (no report, so no banner), as `ssopilot watch` refuses it; else
/// [`run`]. Returns the report to keep and the line for the app's log. Blocking: run it off the UI thread.
pub fn at_start(
    watched: Option<&Watched>,
    fetch_opts: &FetchOptions,
    now: OffsetDateTime,
) -> (Option<WatchReport>, String) {
    let Some(watched) = watched.filter(|w| !w.is_empty()) else {
        return (
            None,
            format!("watch: nothing to watch yet: {NOTHING_TO_WATCH}"),
        );
    };
    let report = run(watched, fetch_opts, now);
    let line = match report.actions.len() {
        0 => "watch: nothing needs doing on the saved setup".to_string(),
        n => format!("watch: {n} action(s) needed on the saved setup"),
    };
    (Some(report), line)
}

/// Fetches the IdP's metadata when its URL is known (https, or http on loopback; bounded in every way), then
/// [`check`]s. Blocking: run it off the UI thread.
pub fn run(watched: &Watched, fetch_opts: &FetchOptions, now: OffsetDateTime) -> WatchReport {
    let fetched = watched
        .metadata_url
        .as_deref()
        .map(|url| read_metadata(url, watched.idp_entity_id.as_deref(), fetch_opts, now));
    WatchReport {
        actions: check(watched, fetched.as_ref(), now),
        metadata_url: watched.metadata_url.clone(),
        checked_at: rfc3339(now),
    }
}

/// The IdP's metadata at `url`; an error in plain words. A file of several entities is read for the configured one.
pub fn read_metadata(
    url: &str,
    entity_id: Option<&str>,
    fetch_opts: &FetchOptions,
    now: OffsetDateTime,
) -> Result<Metadata, String> {
    let fetched = fetch::fetch_metadata_blocking(url, fetch_opts)
        .map_err(|e| fetch::MetadataFetchError::Fetch(e).to_string())?;
    let opts = Options {
        role: Some(metadata::Kind::Idp),
        ..Options::default()
    };
    match metadata::parse(&fetched.body, &opts, now) {
        Err(metadata::MetadataError::SeveralEntities { .. }) if entity_id.is_some() => {
            let opts = Options {
                entity_id: entity_id.map(str::to_string),
                ..opts
            };
            metadata::parse(&fetched.body, &opts, now).map_err(|e| e.to_string())
        }
        other => other.map_err(|e| e.to_string()),
    }
}

/// What needs doing for `watched` at `now`, given the IdP's metadata when its URL is known (`None`: no URL; `Err`:
/// the metadata could not be fetched or read). Errors first, then warnings, then information.
pub fn check(
    watched: &Watched,
    metadata: Option<&Result<Metadata, String>>,
    now: OffsetDateTime,
) -> Vec<WatchAction> {
    let mut out = Vec::new();
    let configured: Vec<cert::CertReport> = watched
        .certificates
        .iter()
        .map(|pem| cert::check(pem.as_bytes(), now))
        .collect();
    for report in &configured {
        expiry(report, &mut out);
    }
    match metadata {
        None => {}
        Some(Err(problem)) => out.push(action(
            WatchCode::MetadataUnavailable,
            Severity::Warning,
            format!(
                "The IdP's metadata at {} could not be checked: {problem}. Until it can, a certificate rotation or a \
                 changed entity ID or SSO URL goes unnoticed; check the URL (step 3, where the IdP's metadata is \
                 imported).",
                watched.metadata_url.as_deref().unwrap_or("its URL")
            ),
            StepId::IdpApp,
        )),
        Some(Ok(md)) => against_metadata(watched, &configured, md, &mut out),
    }
    test_login(
        &watched.test_login,
        !watched.certificates.is_empty(),
        now,
        &mut out,
    );
    out.sort_by_key(|a| match a.severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    });
    out
}

fn action(code: WatchCode, severity: Severity, message: String, step: StepId) -> WatchAction {
    WatchAction {
        code,
        severity,
        message,
        step,
        days_left: None,
        at: None,
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn fingerprint_of(report: &cert::CertReport) -> String {
    report
        .sha256_fingerprint
        .as_ref()
        .map(|f| f.as_str().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn days(n: i64) -> String {
    match n {
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

fn expiry(report: &cert::CertReport, out: &mut Vec<WatchAction>) {
    let (Some(days_left), Some((_, not_after))) = (report.days_left, report.validity()) else {
        out.push(action(
            WatchCode::CertificateUnreadable,
            Severity::Error,
            "A configured IdP certificate is not a readable certificate: paste the IdP's signing certificate again \
             (step 5)."
                .into(),
            StepId::Certificate,
        ));
        return;
    };
    let fp = fingerprint_of(report);
    let (code, severity, message) = if report.has(cert::FindingCode::Expired) {
        (
            WatchCode::CertificateExpired,
            Severity::Error,
            format!(
                "The IdP certificate the SP holds (SHA-256 {fp}) has expired: logins through SSO fail. Download the \
                 IdP's current signing certificate from its portal and paste it into the SP and into step 5."
            ),
        )
    } else if days_left <= NOTICE_DAYS {
        let severity = if days_left <= ERROR_DAYS {
            Severity::Error
        } else if days_left <= WARNING_DAYS {
            Severity::Warning
        } else {
            Severity::Info
        };
        (
            WatchCode::CertificateExpiresSoon,
            severity,
            format!(
                "The IdP certificate the SP holds (SHA-256 {fp}) expires in {}: before then, have the IdP publish a \
                 new signing certificate, add it to the SP, and switch (step 5). Logins fail from the moment it \
                 expires.",
                days(days_left)
            ),
        )
    } else {
        return;
    };
    out.push(WatchAction {
        days_left: Some(days_left),
        at: Some(rfc3339(not_after)),
        ..action(code, severity, message, StepId::Certificate)
    });
}

fn against_metadata(
    watched: &Watched,
    configured: &[cert::CertReport],
    md: &Metadata,
    out: &mut Vec<WatchAction>,
) {
    let held: Vec<Fingerprint> = configured
        .iter()
        .filter_map(|r| r.sha256_fingerprint.clone())
        .collect();
    let listed: Vec<&cert::CertReport> = md
        .signing_certificates()
        .map(|c| &c.report)
        .filter(|r| r.sha256_fingerprint.is_some())
        .collect();
    let is_held = |r: &&cert::CertReport| {
        r.sha256_fingerprint
            .as_ref()
            .is_some_and(|f| held.contains(f))
    };
    let new: Vec<String> = listed
        .iter()
        .filter(|r| !is_held(r))
        .map(|r| fingerprint_of(r))
        .collect();
    let still_listed = listed.iter().any(is_held);
    if !held.is_empty() && !listed.is_empty() && !still_listed {
        out.push(action(
            WatchCode::CertificateSwitched,
            Severity::Error,
            format!(
                "The IdP's metadata no longer lists the certificate the SP holds (SHA-256 {}): the IdP signs with \
                 another one now (SHA-256 {}), so logins through SSO fail. Paste the new certificate into the SP and \
                 into step 5 now, then test again.",
                held.iter().map(Fingerprint::as_str).collect::<Vec<_>>().join(", "),
                new.join(", ")
            ),
            StepId::Certificate,
        ));
    } else if !new.is_empty() {
        out.push(action(
            WatchCode::RotationStarted,
            Severity::Warning,
            format!(
                "The IdP's metadata lists a signing certificate the SP does not have yet (SHA-256 {}): a rotation is \
                 under way. Add it to the SP before the IdP switches to it (step 5), or logins fail on that day.",
                new.join(", ")
            ),
            StepId::Certificate,
        ));
    }
    if let Some(configured) = watched.idp_entity_id.as_deref() {
        if md.entity_id != configured {
            out.push(action(
                WatchCode::EntityIdChanged,
                Severity::Error,
                format!(
                    "The IdP's metadata gives its entity ID as {}, but the SP is configured with {configured}: \
                     responses from this IdP are refused. Set the IdP Entity ID to the metadata's (step 3), or \
                     change it back in the IdP.",
                    md.entity_id
                ),
                StepId::IdpApp,
            ));
        }
    }
    if let Some(configured) = watched.idp_sso_url.as_deref() {
        if !md.sso.is_empty() && !md.sso.iter().any(|e| e.url == configured) {
            out.push(action(
                WatchCode::SsoUrlChanged,
                Severity::Warning,
                format!(
                    "The IdP's metadata no longer lists the configured SSO URL {configured} (it lists {}): sign-ins \
                     started at the SP may fail. Set the SSO URL to the metadata's (step 3).",
                    md.preferred_sso_url().unwrap_or_default()
                ),
                StepId::IdpApp,
            ));
        }
    }
}

fn test_login(
    state: &TestLogin,
    has_certificate: bool,
    now: OffsetDateTime,
    out: &mut Vec<WatchAction>,
) {
    match state {
        TestLogin::NotWatched => {}
        TestLogin::Missing => {
            if has_certificate {
                out.push(action(
                    WatchCode::TestLoginMissing,
                    Severity::Warning,
                    "No passing test login is recorded for this configuration: run one (step 7) before relying on \
                     SSO."
                        .into(),
                    StepId::TestLogin,
                ));
            }
        }
        TestLogin::Stale { time, changed } => out.push(WatchAction {
            at: Some(rfc3339(*time)),
            ..action(
                WatchCode::TestLoginStale,
                Severity::Warning,
                format!(
                    "The last passing test login was made before {} changed: it no longer vouches for the \
                     configuration. Test again (step 7).",
                    changed.join(", ")
                ),
                StepId::TestLogin,
            )
        }),
        TestLogin::Current { time } => {
            let age = (now - *time).whole_days();
            if age > MAX_TEST_AGE_DAYS {
                out.push(WatchAction {
                    at: Some(rfc3339(*time)),
                    ..action(
                        WatchCode::TestLoginOld,
                        Severity::Info,
                        format!(
                            "The last passing test login is {} old (more than {MAX_TEST_AGE_DAYS}): test again \
                             (step 7) to know SSO still works today.",
                            days(age)
                        ),
                        StepId::TestLogin,
                    )
                });
            }
        }
    }
}

impl Model {
    /// The configuration as it is now, to watch.
    pub fn watched(&self) -> Watched {
        Watched::of(self, &self.to_saved(&SavedState::default()))
    }

    /// The summary's banner: the last watch report (with the IdP's metadata, from the app's start) when there is
    /// one, else the checks that need no network, on the configuration as it is now.
    pub(crate) fn watch_banner(&self) -> Option<crate::view::Block> {
        let now = self.now();
        let watched = self.watched();
        if watched.is_empty() {
            return None;
        }
        let actions = match &self.watch {
            Some((seen, report)) if *seen == watched => report.actions.clone(),
            _ => check(&watched, None, now),
        };
        (!actions.is_empty()).then(|| crate::view::Block::WatchBanner {
            title: match actions.len() {
                1 => "1 thing needs doing".into(),
                n => format!("{n} things need doing"),
            },
            actions,
        })
    }
}

impl crate::Session {
    /// What the app watches when it starts: run [`run`] on it off the UI thread, then hand the report to
    /// [`crate::Session::set_watch_report`].
    pub fn watched(&self) -> Watched {
        self.model.watched()
    }

    /// What the app watches when it starts: [`crate::Session::watched`], or `None` when the saved configuration has
    /// nothing to watch yet (nothing saved, or no IdP value in it), where `ssopilot watch` says "nothing to watch"
    /// too. A fresh start is such a case even with the demo IdP preselected and its values filled in: a
    /// preselection is not a setup.
    pub fn watched_at_start(&self) -> Option<Watched> {
        let saved = Watched::from_saved(
            self.model.profiles.clone(),
            &self.saved,
            self.model.clock.clone(),
        );
        (!saved.is_empty()).then(|| self.watched())
    }

    /// Keeps the report of `watched` for the summary's banner, as long as the configuration is what was watched.
    pub fn set_watch_report(&mut self, watched: Watched, report: WatchReport) {
        self.model.watch = Some((watched, report));
    }
}

#[cfg(test)]
mod tests;
