//! The one most likely cause of a failed test login (issue 21), for the CLI's `demo --fault`, the test-login report
//! and the practice mode alike: in plain words with both values (expected and found, fingerprints, times, whose
//! clock by how much), the step that fixes it (through [`StepId::for_fix`], the one mapping of the validator's fixes
//! to the journey) and the change to make, in the IdP portal's own words from its profile's `[fix_hints]`.
//!
//! It reads the validator's [`Report`] and never changes its verdict. Beyond the validator it knows what the SP
//! needs ([`SpNeeds`]: the attributes it reads, an email NameID, its user's email), so a response the validator
//! accepts can still be diagnosed (a missing attribute, the email in another case); and it reads the IdP's error
//! page when no response came at all.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use ts_rs::TS;

use crate::journey::{step_number, step_title};
use crate::profiles::IdpProfile;
use crate::test_login::SeenPage;
use crate::view::{Severity, StepId};
use ssopilot_saml::attributes::{suggest, Reason};
use ssopilot_saml::response::{Check, Fix, Report, Rule};
use ssopilot_saml::xmldsig::Stage;

const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

/// The most likely cause of a failed (or doubtful) test login, and where and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Diagnosis {
    /// What is wrong, in plain words, with both values.
    pub cause: String,
    /// The step that fixes it, numbered as the wizard shows it.
    pub step: u8,
    pub step_id: StepId,
    pub step_title: String,
    /// The change to make, in the IdP portal's words where its profile has them.
    pub fix: String,
    /// What the SP expected and what arrived, when the cause is a value.
    pub expected: Option<String>,
    pub found: Option<String>,
    /// `warning` when the login works but will bite later (the email's case); else `error`.
    pub severity: Severity,
    /// The validator's rule id when a failed check is the cause.
    pub rule: Option<String>,
}

/// What the SP needs beyond what the validator checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpNeeds {
    /// The attribute names the SP reads (step 4's SP names).
    pub attributes: Vec<String>,
    /// The SP finds its user by an email NameID.
    pub name_id_email: bool,
    /// The test user's email as the SP has it.
    pub user_email: Option<String>,
    /// When the SP made the AuthnRequest: a response dated before it came from a clock that is behind.
    pub requested_at: Option<OffsetDateTime>,
}

/// Who is who, in the words of the pairing's profiles.
#[derive(Debug, Clone, Copy)]
pub struct Words<'a> {
    pub idp: &'a str,
    pub sp: &'a str,
    pub profile: Option<&'a IdpProfile>,
}

/// How a test login ended.
#[derive(Debug, Clone, Copy)]
pub enum Outcome<'a> {
    /// A response arrived and was checked.
    Response(&'a Report),
    /// The IdP showed an error page instead of a response.
    IdpPage(&'a SeenPage),
}

/// The one most likely cause, or `None` when nothing is wrong.
pub fn diagnose(outcome: Outcome<'_>, needs: &SpNeeds, words: Words<'_>) -> Option<Diagnosis> {
    match outcome {
        Outcome::Response(r) => {
            from_checks(r, needs, words).or_else(|| beyond_validator(r, needs, words))
        }
        Outcome::IdpPage(page) => Some(from_page(page, words)),
    }
}

struct Cause {
    fix_kind: Fix,
    cause: String,
    change: String,
    expected: Option<String>,
    found: Option<String>,
    severity: Severity,
    rule: Option<Rule>,
}

impl Cause {
    fn new(fix_kind: Fix, cause: String, change: String) -> Self {
        Self {
            fix_kind,
            cause,
            change,
            expected: None,
            found: None,
            severity: Severity::Error,
            rule: None,
        }
    }
    fn values(mut self, c: &Check) -> Self {
        self.expected = c.expected.clone();
        self.found = c.found.clone();
        self.rule = Some(c.id);
        self
    }
    fn finish(self, words: Words<'_>) -> Diagnosis {
        let step = StepId::for_fix(self.fix_kind);
        let hint = words.profile.and_then(|p| p.fix_hints.get(&self.fix_kind));
        let fix = match hint {
            Some(h) => format!("{} {h}", sentence(&self.change)),
            None => sentence(&self.change),
        };
        Diagnosis {
            cause: sentence(&self.cause),
            step: step_number(step),
            step_id: step,
            step_title: step_title(step).to_string(),
            fix,
            expected: self.expected,
            found: self.found,
            severity: self.severity,
            rule: self.rule.map(|r| r.as_str().to_string()),
        }
    }
}

/// `s` with a capital first letter and a closing full stop.
fn sentence(s: &str) -> String {
    let s = s.trim().trim_end_matches('.');
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

fn failed(r: &Report, rule: Rule) -> Option<&Check> {
    r.check(rule).filter(|c| !c.ok)
}

fn first_failed<'a>(r: &'a Report, rules: &[Rule]) -> Option<&'a Check> {
    r.checks().iter().find(|c| !c.ok && rules.contains(&c.id))
}

/// "10 minutes (600 s)", "45 s".
fn span(secs: i64) -> String {
    let s = secs.unsigned_abs();
    if s >= 120 {
        let m = (s + 30) / 60;
        format!("about {m} minutes ({s} s)")
    } else {
        format!("{s} s")
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// The causes the validator's failed checks show, most likely first.
fn from_checks(r: &Report, needs: &SpNeeds, words: Words<'_>) -> Option<Diagnosis> {
    if r.valid() {
        return None;
    }
    let idp = words.idp;
    let sp = words.sp;
    let cause = if let Some(c) = failed(r, Rule::StatusSuccess) {
        let found = c.found.as_deref().unwrap_or("");
        let (fix_kind, change) = if found.contains("RequestDenied") || found.contains("AuthnFailed")
        {
            (
                Fix::UserAccess,
                "let the test user into the application (its groups), then test again",
            )
        } else if found.contains("NoPassive") {
            (
                Fix::Capture,
                "start a sign-in that lets the user sign in (not passive), then test again",
            )
        } else {
            (Fix::IdpApplication, "fix what the IdP's status message names in the application's settings, then test again")
        };
        Cause::new(
            fix_kind,
            format!(
                "{idp} refused to sign the user in and sent no assertion: {}",
                c.message
                    .trim_start_matches("the IdP did not report Success: ")
            ),
            change.into(),
        )
        .values(c)
    } else if let Some(c) = first_failed(
        r,
        &[
            Rule::AssertionSignature(Stage::Key),
            Rule::ResponseSignature(Stage::Key),
            Rule::AssertionSignature(Stage::Value),
            Rule::ResponseSignature(Stage::Value),
        ],
    ) {
        let found = c
            .found
            .clone()
            .unwrap_or_else(|| "another certificate".into());
        let signer = found.trim_start_matches("signed with certificate ");
        let expected = c
            .expected
            .clone()
            .unwrap_or_else(|| "the configured certificate".into());
        Cause::new(
            Fix::Certificate,
            format!("the response is signed with the certificate {signer}, but {sp} has the certificate {expected}: {idp} signs with another key than the certificate {sp} trusts (its signing certificate was rotated, or the wrong one was pasted)"),
            format!("give {sp} the IdP's current signing certificate (the one with {signer}) in place of the old one, then test again"),
        )
        .values(c)
    } else if let Some(c) = first_failed(
        r,
        &[
            Rule::AssertionSignature(Stage::Algorithm),
            Rule::ResponseSignature(Stage::Algorithm),
        ],
    ) {
        let found = c.found.clone().unwrap_or_default();
        Cause::new(
            Fix::IdpApplication,
            format!(
                "{idp} signs with a weak algorithm ({found}): {sp} needs RSA-SHA256 or stronger"
            ),
            "set the application's signature algorithm to RSA-SHA256, then test again".into(),
        )
        .values(c)
    } else if let Some(c) =
        failed(r, Rule::SignatureRequired).filter(|c| c.fix == Fix::IdpApplication)
    {
        let (cause, change) = if r.signed().response && !r.signed().assertion {
            (
                format!("only the Response is signed, but {sp} needs the assertion itself signed"),
                "turn on signing of the assertion (Sign Assertion, or sign both the response and the assertion), then test again",
            )
        } else {
            (
                format!("{idp} did not sign the response: nothing in it is signed, so {sp} cannot trust it"),
                "turn on Sign Assertion in the application's SSO settings, then test again",
            )
        };
        Cause::new(Fix::IdpApplication, cause, change.into()).values(c)
    } else if let Some(c) = first_failed(r, &[Rule::ResponseIssuer, Rule::AssertionIssuer]) {
        let expected = c.expected.clone().unwrap_or_default();
        let found = c.found.clone().unwrap_or_default();
        Cause::new(
            Fix::IdpApplication,
            format!("{idp} sends the Issuer \"{found}\", but {sp} expects the IdP Entity ID \"{expected}\""),
            format!("make them the same: set the IdP Entity ID in the IdP application to {expected} (or, when \"{found}\" is the IdP's real entity ID, enter that on {sp}'s side in step 2)"),
        )
        .values(c)
    } else if let Some(c) = failed(r, Rule::Audience) {
        let expected = c.expected.clone().unwrap_or_default();
        let found = c.found.clone().unwrap_or_default();
        Cause::new(
            Fix::IdpApplication,
            format!("the assertion is addressed to the SP Entity ID \"{found}\", but {sp} is \"{expected}\": the IdP application has another SP Entity ID"),
            format!("set the SP Entity ID (audience) in the IdP application to exactly {expected}, then test again"),
        )
        .values(c)
    } else if let Some(c) = first_failed(r, &[Rule::Destination, Rule::SubjectRecipient]) {
        let expected = c.expected.clone().unwrap_or_default();
        let found = c.found.clone().unwrap_or_default();
        Cause::new(
            Fix::IdpApplication,
            format!("{idp} sends the response to the ACS URL \"{found}\", but {sp}'s ACS URL is \"{expected}\": the IdP application has another ACS URL"),
            format!("set the ACS URL in the IdP application to exactly {expected}, then test again"),
        )
        .values(c)
    } else if let Some(c) = first_failed(
        r,
        &[Rule::IssueInstant, Rule::ConditionsTime, Rule::SubjectTime],
    ) {
        time_cause(r, c, needs, words)
    } else {
        let c = r.checks().iter().find(|c| !c.ok)?;
        Cause::new(
            c.fix,
            c.message.clone(),
            c.hint
                .clone()
                .unwrap_or_else(|| "fix what the check names, then test again".into()),
        )
        .values(c)
    };
    Some(cause.finish(words))
}

/// A failed time check: whose clock is off and by how much, or a response that arrived too late.
fn time_cause(r: &Report, c: &Check, needs: &SpNeeds, words: Words<'_>) -> Cause {
    let idp = words.idp;
    let reading = r.clock();
    let issued = reading.and_then(|k| OffsetDateTime::parse(&k.idp_time, &Rfc3339).ok());
    let offset = reading.map_or(0, |k| k.offset_seconds);
    let allowed = reading.map_or(0, |k| k.allowed_skew_seconds);
    let checked = reading.map(|k| k.local_time.clone()).unwrap_or_default();
    let cause = if offset > allowed {
        Cause::new(
            Fix::Capture,
            format!(
                "{idp}'s clock is {} ahead of this computer's: it dated the response {}, when this computer's clock read {checked} (at most {allowed} s are allowed)",
                span(offset),
                reading.map(|k| k.idp_time.as_str()).unwrap_or("")
            ),
            format!("correct {idp}'s clock by {} (set it to network time, NTP); if {idp}'s clock is right, set this computer's instead. Then test again", span(offset)),
        )
    } else {
        match (issued, needs.requested_at) {
            // Dated before the request it answers was even made: the IdP's clock is behind.
            (Some(i), Some(req)) if (req - i).whole_seconds() > allowed => {
                let behind = (req - i).whole_seconds();
                Cause::new(
                    Fix::Capture,
                    format!(
                        "{idp}'s clock is {} behind this computer's: it dated the response {}, before the sign-in request was sent at {} (at most {allowed} s are allowed)",
                        span(behind),
                        rfc3339(i),
                        rfc3339(req)
                    ),
                    format!("correct {idp}'s clock by {} (set it to network time, NTP); if {idp}'s clock is right, set this computer's instead. Then test again", span(behind)),
                )
            }
            (Some(i), Some(_)) => Cause::new(
                Fix::Capture,
                format!(
                    "the response arrived after it expired: {idp} issued it {} and it was checked {checked}, {} later, past its NotOnOrAfter. Both clocks agree: the response was held too long on the way (the browser left on the IdP's page)",
                    rfc3339(i),
                    span(-offset)
                ),
                "test again, and let the browser post the response at once".into(),
            ),
            _ => Cause::new(
                Fix::Capture,
                format!(
                    "the response is out of its validity window: {}",
                    reading.map_or_else(|| c.message.clone(), |k| k.describe())
                ),
                "test again with a fresh sign-in; if it fails again, set both computers to network time (NTP)".into(),
            ),
        }
    };
    cause.values(c)
}

/// What the SP needs that the validator does not check: an email NameID, its attributes, the email's case.
fn beyond_validator(r: &Report, needs: &SpNeeds, words: Words<'_>) -> Option<Diagnosis> {
    let idp = words.idp;
    let sp = words.sp;
    if needs.name_id_email {
        let value = r.name_id().unwrap_or("");
        let format = r.name_id_format().unwrap_or("(none)");
        if format != NAMEID_EMAIL || !value.contains('@') {
            let mut c = Cause::new(
                Fix::IdpApplication,
                format!("the NameID is \"{value}\" (format {format}), not the user's email, which {sp} finds its users by"),
                format!("set the application's NameID (SAMLSubject NameID) to the user's email, format {NAMEID_EMAIL}, then test again"),
            );
            c.expected = Some(format!("an email address, format {NAMEID_EMAIL}"));
            c.found = Some(format!("\"{value}\", format {format}"));
            return Some(c.finish(words));
        }
    }
    let arrived: Vec<&str> = r.attributes().keys().map(String::as_str).collect();
    let missing: Vec<&str> = needs
        .attributes
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty() && !r.attributes().contains_key(*a))
        .collect();
    if let Some(first) = missing.first() {
        let suggestions = suggest(&missing, &arrived);
        let shown = if arrived.is_empty() {
            "(no attributes)".to_string()
        } else {
            arrived.join(", ")
        };
        let mut c = if let Some(s) = suggestions.first() {
            let why = match s.reason {
                Reason::Case => "attribute names are case-sensitive".to_string(),
                r => r.words().to_string(),
            };
            Cause::new(
                Fix::Attributes,
                format!("{idp} sends \"{}\" where {sp} reads \"{}\": {why}", s.idp_attribute, s.sp_attribute),
                format!("rename the attribute \"{}\" to \"{}\" in the IdP application's attributes (or map {} <- {} in step 4), then test again", s.idp_attribute, s.sp_attribute, s.sp_attribute, s.idp_attribute),
            )
        } else {
            Cause::new(
                Fix::Attributes,
                format!("{idp} does not send \"{first}\", which {sp} reads: the response carries {shown}"),
                format!("add the attribute \"{first}\" to the IdP application's attributes, filled from the user's matching field, then test again"),
            )
        };
        c.expected = Some(missing.join(", "));
        c.found = Some(shown);
        return Some(c.finish(words));
    }
    let user = needs.user_email.as_deref()?;
    let sent = r.name_id().filter(|v| v.contains('@')).or_else(|| {
        r.attributes()
            .iter()
            .find(|(k, _)| suggest(&["email"], &[k.as_str()]).len() == 1 || k.as_str() == "email")
            .and_then(|(_, v)| v.first().map(String::as_str))
    })?;
    if sent != user && sent.eq_ignore_ascii_case(user) {
        let mut c = Cause::new(
            Fix::Attributes,
            format!("the email arrives as \"{sent}\", but {sp}'s user is \"{user}\": the letters' case differs, and a service provider that compares emails with case will not recognise the user"),
            format!("write the email the same way on both sides: change the user's email in {idp}'s directory or in {sp} so both read \"{user}\", or have the IdP send it in lower case"),
        );
        c.severity = Severity::Warning;
        c.expected = Some(user.to_string());
        c.found = Some(sent.to_string());
        return Some(c.finish(words));
    }
    None
}

/// An IdP error page instead of a response: what it says and the step it points to.
fn from_page(page: &SeenPage, words: Words<'_>) -> Diagnosis {
    let idp = words.idp;
    let (step, what) = crate::test_login::diagnose_page(page, idp).unwrap_or((
        StepId::IdpApp,
        format!("{idp} refused the sign-in: read its message and fix what it names"),
    ));
    let fix_kind = match step {
        StepId::AssignUsers => Fix::UserAccess,
        StepId::TestLogin => Fix::Capture,
        StepId::SpValues => Fix::SpValues,
        _ => Fix::IdpApplication,
    };
    let status = page
        .status
        .map(|s| format!(" (HTTP {s})"))
        .unwrap_or_default();
    // The IdP's words are untrusted text: on one line, bounded.
    let title = one_line(&page.title, MAX_PAGE_CHARS);
    let text = one_line(&page.text, MAX_PAGE_CHARS);
    let mut c = Cause::new(
        fix_kind,
        format!(
            "{idp} showed its error page \"{}\"{status} instead of sending a response: \"{}\"",
            title,
            text.trim_end_matches('.')
        ),
        what,
    );
    c.found = Some(format!("{title}: {text}"));
    c.finish(words)
}

/// The longest title or message of an IdP page quoted (characters).
const MAX_PAGE_CHARS: usize = 300;

/// `s` on one line without control characters, at most `max` characters (with "…" when cut).
fn one_line(s: &str, max: usize) -> String {
    let line: String = s
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if line.chars().count() > max {
        let mut cut: String = line.chars().take(max).collect();
        cut.push('…');
        cut
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_sentences_read_well() {
        assert_eq!(span(600), "about 10 minutes (600 s)");
        assert_eq!(span(-45), "45 s");
        assert_eq!(sentence("the IdP. "), "The IdP.");
    }

    #[test]
    fn an_assignment_page_points_to_step_6() {
        let page = SeenPage {
            url: "http://127.0.0.1:1/login".into(),
            title: "Not assigned".into(),
            text: "ada@example.com is not assigned to the application".into(),
            status: Some(403),
        };
        let d = diagnose(
            Outcome::IdpPage(&page),
            &SpNeeds::default(),
            Words {
                idp: "the demo IdP",
                sp: "the SP",
                profile: None,
            },
        )
        .unwrap();
        assert_eq!((d.step, d.step_id), (6, StepId::AssignUsers));
        assert!(
            d.cause.contains("Not assigned") && d.cause.contains("HTTP 403"),
            "{}",
            d.cause
        );
        // An IdP's page is quoted on one line and bounded.
        let long = SeenPage {
            text: format!("line\n{}", "x".repeat(5000)),
            ..page
        };
        let words = Words {
            idp: "the IdP",
            sp: "the SP",
            profile: None,
        };
        let d = diagnose(Outcome::IdpPage(&long), &SpNeeds::default(), words).unwrap();
        assert!(
            d.cause.len() < 600 && !d.cause.contains('\n'),
            "{}",
            d.cause
        );
    }
}
