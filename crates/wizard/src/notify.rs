//! The desktop notification the app sends when the watch at start finds something that needs action: one per start,
//! in plain words, pointing to the summary. The shell only shows what this decides (and carries on when the desktop
//! has no notification service).

use crate::view::Severity;
use crate::watch::{WatchAction, WatchCode, WatchReport};

/// What to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub title: String,
    pub body: String,
}

/// Where the admin reads the details.
const WHERE: &str = "open SSO Pilot's summary";

/// The notification for the watch's `report` at start, or `None` when nothing needs action (only warnings and
/// errors do; what is merely coming up is on the summary's banner) or when SSO is not in use yet (`live`: switched
/// on in the SP or enforced), since the wizard itself is then the place to finish the setup.
pub fn at_start(report: &WatchReport, live: bool) -> Option<Notification> {
    if !live {
        return None;
    }
    let urgent: Vec<&WatchAction> = report
        .actions
        .iter()
        .filter(|a| matches!(a.severity, Severity::Error | Severity::Warning))
        .collect();
    let first = urgent
        .iter()
        .find(|a| a.severity == Severity::Error)
        .or_else(|| urgent.first())?;
    let more = match urgent.len() - 1 {
        0 => String::new(),
        1 => " (and 1 more thing)".to_string(),
        n => format!(" (and {n} more things)"),
    };
    Some(Notification {
        title: if first.severity == Severity::Error {
            "SSO Pilot: your SSO needs action now".into()
        } else {
            "SSO Pilot: your SSO needs action soon".into()
        },
        body: format!("{} — {WHERE}{more}.", short(first)),
    })
}

/// One sentence for a notification (the banner's message is longer, with what to do).
fn short(a: &WatchAction) -> String {
    match a.code {
        WatchCode::CertificateExpired => {
            "The IdP certificate has expired: logins through SSO fail".into()
        }
        WatchCode::CertificateExpiresSoon => match a.days_left {
            Some(0) => "The IdP certificate expires today".into(),
            Some(1) => "The IdP certificate expires in 1 day".into(),
            Some(n) => format!("The IdP certificate expires in {n} days"),
            None => "The IdP certificate expires soon".into(),
        },
        WatchCode::CertificateUnreadable => {
            "The IdP certificate SSO Pilot holds cannot be read".into()
        }
        WatchCode::RotationStarted => "The IdP has published a new signing certificate".into(),
        WatchCode::CertificateSwitched => {
            "The IdP no longer signs with the certificate the SP holds: logins fail".into()
        }
        WatchCode::EntityIdChanged => "The IdP's entity ID has changed".into(),
        WatchCode::SsoUrlChanged => "The IdP's SSO URL has changed".into(),
        WatchCode::MetadataUnavailable => "The IdP's metadata could not be read".into(),
        WatchCode::TestLoginMissing => "No passing test login is recorded".into(),
        WatchCode::TestLoginStale => {
            "The configuration changed since the last passing test login".into()
        }
        WatchCode::TestLoginOld => "The last passing test login is old".into(),
    }
}

impl crate::Session {
    /// SSO is in use: switched on in the SP (step 8) or enforced (step 9), as saved.
    pub fn sso_live(&self) -> bool {
        let saved = self.model.to_saved(&self.saved);
        saved.sso_enabled || saved.enforced_at.is_some()
    }

    /// [`at_start`] for this session's setup.
    pub fn start_notification(&self, report: &WatchReport) -> Option<Notification> {
        at_start(report, self.sso_live())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::StepId;

    fn action(code: WatchCode, severity: Severity, days_left: Option<i64>) -> WatchAction {
        WatchAction {
            code,
            severity,
            message: "the banner's long message".into(),
            step: StepId::Certificate,
            days_left,
            at: None,
        }
    }

    fn report(actions: Vec<WatchAction>) -> WatchReport {
        WatchReport {
            actions,
            metadata_url: None,
            checked_at: "2026-12-03T10:00:00Z".into(),
        }
    }

    #[test]
    fn an_expiry_in_five_days_is_notified_in_plain_words() {
        let r = report(vec![action(
            WatchCode::CertificateExpiresSoon,
            Severity::Error,
            Some(5),
        )]);
        let n = at_start(&r, true).unwrap();
        assert_eq!(
            n.body,
            "The IdP certificate expires in 5 days — open SSO Pilot's summary."
        );
        assert_eq!(n.title, "SSO Pilot: your SSO needs action now");
    }

    #[test]
    fn the_worst_is_named_and_the_rest_counted() {
        let r = report(vec![
            action(WatchCode::TestLoginOld, Severity::Warning, None),
            action(WatchCode::CertificateSwitched, Severity::Error, None),
            action(WatchCode::CertificateExpiresSoon, Severity::Info, Some(50)),
        ]);
        let n = at_start(&r, true).unwrap();
        assert_eq!(
            n.body,
            "The IdP no longer signs with the certificate the SP holds: logins fail — open SSO Pilot's summary \
             (and 1 more thing)."
        );
        let r = report(vec![
            action(WatchCode::RotationStarted, Severity::Warning, None),
            action(WatchCode::TestLoginOld, Severity::Warning, None),
            action(WatchCode::TestLoginStale, Severity::Warning, None),
        ]);
        let n = at_start(&r, true).unwrap();
        assert_eq!(n.title, "SSO Pilot: your SSO needs action soon");
        assert!(n
            .body
            .starts_with("The IdP has published a new signing certificate — "));
        assert!(n.body.ends_with("(and 2 more things)."), "{}", n.body);
    }

    #[test]
    fn nothing_is_notified_without_an_action_or_before_sso_is_in_use() {
        assert_eq!(at_start(&report(vec![]), true), None);
        // Coming up only (an expiry in 50 days): the banner says so, no notification.
        let info = report(vec![action(
            WatchCode::CertificateExpiresSoon,
            Severity::Info,
            Some(50),
        )]);
        assert_eq!(at_start(&info, true), None);
        // A setup not switched on yet: the wizard is where it is finished.
        let urgent = report(vec![action(
            WatchCode::CertificateExpired,
            Severity::Error,
            Some(-2),
        )]);
        assert_eq!(at_start(&urgent, false), None);
        assert!(at_start(&urgent, true).is_some());
    }

    #[test]
    fn a_session_notifies_only_once_sso_is_switched_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = crate::Session::open(crate::state::Store::at(dir.path()));
        let urgent = report(vec![action(
            WatchCode::CertificateExpiresSoon,
            Severity::Error,
            Some(1),
        )]);
        assert!(!s.sso_live());
        assert_eq!(s.start_notification(&urgent), None);
        s.model.steps.enable.sso_enabled = true;
        assert!(s.sso_live());
        assert_eq!(
            s.start_notification(&urgent).unwrap().body,
            "The IdP certificate expires in 1 day — open SSO Pilot's summary."
        );
    }
}
