//! Planted faults (issue 21): the demo pairing run with exactly one common misconfiguration, so testers can practise
//! reading a failed test login and our tests prove each one is named with its cause and fix. The names are part of
//! the contract (`ssopilot demo --fault NAME`, the practice mode).
//!
//! A fault is either in the IdP application ([`Fault::plant`] changes the [`App`]; [`super::mint::mint`] reads
//! [`App::fault`] for what the IdP sends) or in the pairing around it: which groups are granted
//! ([`Fault::grants_access`]), which certificate the SP keeps ([`Fault::sp_has_old_certificate`]) and how long the
//! response takes to reach the SP ([`Fault::delivery_delay`]). Whoever runs the pairing (the CLI's demo, the wizard's
//! practice mode) applies those.

use std::fmt;
use std::str::FromStr;

use time::Duration;

use super::mint::{App, SignMode, NAMEID_PERSISTENT};
use ssopilot_saml::values::{AcsUrl, EntityId};

/// How far off the IdP's clock is in the clock faults, and how late the response arrives in `expired-assertion`.
pub const FAULT_MINUTES: i64 = 10;

/// One planted misconfiguration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    WrongAcs,
    WrongAudience,
    WrongIdpEntityId,
    RotatedCertificate,
    Unsigned,
    ResponseOnlySigned,
    Sha1,
    IdpClockAhead,
    IdpClockBehind,
    ExpiredAssertion,
    AttributeCase,
    AttributeMissing,
    EmailCase,
    NameidFormat,
    UserNotAssigned,
    StatusResponder,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a planted fault: use one of {names} (`ssopilot demo --list-faults` says what each is)", names = Fault::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "))]
pub struct UnknownFault(pub String);

impl Fault {
    /// Every fault, in the order of the table.
    pub const ALL: [Fault; 16] = [
        Fault::WrongAcs,
        Fault::WrongAudience,
        Fault::WrongIdpEntityId,
        Fault::RotatedCertificate,
        Fault::Unsigned,
        Fault::ResponseOnlySigned,
        Fault::Sha1,
        Fault::IdpClockAhead,
        Fault::IdpClockBehind,
        Fault::ExpiredAssertion,
        Fault::AttributeCase,
        Fault::AttributeMissing,
        Fault::EmailCase,
        Fault::NameidFormat,
        Fault::UserNotAssigned,
        Fault::StatusResponder,
    ];

    /// The contract name (`wrong-acs`...).
    pub fn name(self) -> &'static str {
        match self {
            Fault::WrongAcs => "wrong-acs",
            Fault::WrongAudience => "wrong-audience",
            Fault::WrongIdpEntityId => "wrong-idp-entity-id",
            Fault::RotatedCertificate => "rotated-certificate",
            Fault::Unsigned => "unsigned",
            Fault::ResponseOnlySigned => "response-only-signed",
            Fault::Sha1 => "sha1",
            Fault::IdpClockAhead => "idp-clock-ahead",
            Fault::IdpClockBehind => "idp-clock-behind",
            Fault::ExpiredAssertion => "expired-assertion",
            Fault::AttributeCase => "attribute-case",
            Fault::AttributeMissing => "attribute-missing",
            Fault::EmailCase => "email-case",
            Fault::NameidFormat => "nameid-format",
            Fault::UserNotAssigned => "user-not-assigned",
            Fault::StatusResponder => "status-responder",
        }
    }

    /// What is wrong, in one line.
    pub fn summary(self) -> &'static str {
        match self {
            Fault::WrongAcs => "the IdP application's ACS URL differs from the SP's",
            Fault::WrongAudience => "the IdP application's SP Entity ID (audience) differs from the SP's",
            Fault::WrongIdpEntityId => "the IdP sends another Issuer than the SP expects",
            Fault::RotatedCertificate => "the IdP signs with a new key; the SP still has the old certificate",
            Fault::Unsigned => "Sign Assertion is off and the response is not signed",
            Fault::ResponseOnlySigned => "only the Response is signed where the SP wants the assertion signed",
            Fault::Sha1 => "the IdP signs with RSA-SHA1",
            Fault::IdpClockAhead => "the IdP's clock is 10 minutes ahead",
            Fault::IdpClockBehind => "the IdP's clock is 10 minutes behind",
            Fault::ExpiredAssertion => "the response reaches the SP 10 minutes after it was issued, past its NotOnOrAfter",
            Fault::AttributeCase => "the IdP sends FirstName where the SP reads firstName",
            Fault::AttributeMissing => "the IdP does not send lastName",
            Fault::EmailCase => "the email arrives in another case than the SP's user has",
            Fault::NameidFormat => "the NameID is a persistent ID, not the email the SP needs",
            Fault::UserNotAssigned => "the test user's groups are not granted the application: the IdP shows its error page",
            Fault::StatusResponder => "the IdP answers with a Responder status and a message instead of an assertion",
        }
    }

    /// Changes the IdP application as the fault has it. The request-facing values (the SP Entity ID the IdP knows
    /// the application by, its ACS URL) stay; what it sends is changed by [`super::mint::mint`] reading
    /// [`App::fault`], as an IdP whose application fields were mistyped sends them.
    pub fn plant(self, app: &mut App) {
        app.fault = Some(self);
        match self {
            Fault::WrongIdpEntityId => {
                if let Ok(id) = EntityId::parse(
                    &format!("{}/previous", app.idp_entity_id.as_str()),
                    "IdP Entity ID",
                ) {
                    app.idp_entity_id = id;
                }
            }
            Fault::ResponseOnlySigned => app.sign = SignMode::Response,
            Fault::AttributeCase => {
                for (name, _) in &mut app.attributes {
                    if name == "firstName" {
                        *name = "FirstName".into();
                    }
                }
            }
            Fault::AttributeMissing => app.attributes.retain(|(name, _)| name != "lastName"),
            Fault::NameidFormat => app.name_id_format = NAMEID_PERSISTENT,
            _ => {}
        }
    }

    /// The ACS URL the IdP application has (and posts to) instead of the SP's.
    pub fn planted_acs(self, acs: &AcsUrl) -> AcsUrl {
        match self {
            Fault::WrongAcs => AcsUrl::parse(&format!("{}/previous", acs.as_str()), "ACS URL")
                .unwrap_or_else(|_| acs.clone()),
            _ => acs.clone(),
        }
    }

    /// The SP Entity ID the IdP application has (the audience it sends) instead of the SP's.
    pub fn planted_audience(self, sp: &EntityId) -> EntityId {
        match self {
            Fault::WrongAudience => {
                EntityId::parse(&format!("{}/previous", sp.as_str()), "SP Entity ID")
                    .unwrap_or_else(|_| sp.clone())
            }
            _ => sp.clone(),
        }
    }

    /// How far the IdP's clock is off (added to the time it dates its responses by).
    pub fn idp_clock_offset(self) -> Duration {
        match self {
            Fault::IdpClockAhead => Duration::minutes(FAULT_MINUTES),
            Fault::IdpClockBehind => Duration::minutes(-FAULT_MINUTES),
            _ => Duration::ZERO,
        }
    }

    /// Whether the test user's group is granted the application.
    pub fn grants_access(self) -> bool {
        self != Fault::UserNotAssigned
    }

    /// Whether the SP keeps the IdP's previous certificate (the IdP signs with a new key).
    pub fn sp_has_old_certificate(self) -> bool {
        self == Fault::RotatedCertificate
    }

    /// How long after it was issued the response reaches the SP (the browser left on the IdP's page).
    pub fn delivery_delay(self) -> Option<Duration> {
        (self == Fault::ExpiredAssertion).then_some(Duration::minutes(FAULT_MINUTES))
    }

    /// Whether the IdP sends the user's email with the case it was typed in, not lower case.
    pub fn keeps_email_case(self) -> bool {
        self == Fault::EmailCase
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = UnknownFault;
    fn from_str(s: &str) -> Result<Self, UnknownFault> {
        let t = s.trim();
        Fault::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(t))
            .ok_or_else(|| UnknownFault(t.chars().take(64).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_list_the_choices() {
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>().unwrap(), f);
            assert!(!f.summary().is_empty());
        }
        let e = "wrong-thing".parse::<Fault>().unwrap_err().to_string();
        assert!(
            e.contains("wrong-acs") && e.contains("status-responder"),
            "{e}"
        );
    }

    #[test]
    fn planting_changes_only_what_the_fault_says() {
        let sp = EntityId::parse("https://sp.example.com", "SP").unwrap();
        let acs = AcsUrl::parse("https://sp.example.com/acs", "ACS").unwrap();
        let idp = EntityId::parse("http://127.0.0.1:8740/metadata", "IdP").unwrap();
        let base = App::new(sp.clone(), acs.clone(), idp.clone());
        let mut app = base.clone();
        Fault::AttributeCase.plant(&mut app);
        assert!(app.attributes.iter().any(|(n, _)| n == "FirstName"));
        assert_eq!(app.fault, Some(Fault::AttributeCase));
        let mut app = base.clone();
        Fault::AttributeMissing.plant(&mut app);
        assert!(!app.attributes.iter().any(|(n, _)| n == "lastName"));
        let mut app = base.clone();
        Fault::WrongIdpEntityId.plant(&mut app);
        assert_ne!(app.idp_entity_id, idp);
        assert_ne!(Fault::WrongAcs.planted_acs(&acs), acs);
        assert_eq!(Fault::Sha1.planted_acs(&acs), acs);
        assert_ne!(Fault::WrongAudience.planted_audience(&sp), sp);
        assert_eq!(
            Fault::IdpClockBehind.idp_clock_offset(),
            Duration::minutes(-10)
        );
    }
}
