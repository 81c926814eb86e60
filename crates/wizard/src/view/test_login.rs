//! Step 7's part of the UI contract: the three ways of testing, how the login window starts, the exchange it shows
//! and the report (types generated into the UI's TypeScript with the rest of the view).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::*;

/// The three ways of step 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TestWay {
    LoginWindow,
    Loopback,
    Paste,
}

/// How the login window starts the sign-in (step 7), as the profiles allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LoginStart {
    /// SSO Pilot's own AuthnRequest for the SP's entity ID and ACS URL, sent to the IdP's SSO URL.
    SpInitiated,
    /// The IdP's launch link: no request, so nothing to answer.
    IdpInitiated,
    /// The SP's own login page: the SP makes the request (its ID is not known to SSO Pilot).
    SpLoginPage,
}

/// The login window's ways to start, with what each proves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LoginStartView {
    pub options: Vec<LoginStartOption>,
    /// SP-initiated and chosen: how the AuthnRequest travels and whether it is signed.
    pub request: Option<RequestView>,
    /// IdP-initiated and chosen, with a link the admin copies from the IdP's portal.
    pub link: Option<LaunchLinkView>,
}

/// One way to start, as offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LoginStartOption {
    pub start: LoginStart,
    pub label: String,
    /// What a pass this way proves and what it leaves unchecked, in plain words.
    pub proves: String,
    pub chosen: bool,
    /// The best way for this configuration (preselected).
    pub recommended: bool,
}

/// The AuthnRequest of an SP-initiated start: HTTP-POST instead of HTTP-Redirect, signed or not, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RequestView {
    pub post: bool,
    pub sign: bool,
    /// Where the choice comes from (the IdP's metadata, the admin) and what signing needs.
    pub note: String,
    /// When the request is signed: the test SP's certificate (PEM) the IdP checks the signature with, to give to
    /// the IdP's application; `None` until its key is read from the keychain.
    pub certificate: Option<String>,
}

/// The IdP's launch link the admin copies from the portal, in its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LaunchLinkView {
    pub label: String,
    pub help: Option<String>,
    pub value: String,
}

/// The parties of a SAML exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Browser,
    Sp,
    Idp,
    Acs,
}

/// How a leg of the exchange went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LegState {
    Done,
    Failed,
    NotRun,
}

/// One arrow of the exchange picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExchangeLeg {
    pub id: String,
    pub from: Party,
    pub to: Party,
    pub label: String,
    pub state: LegState,
    /// Why the leg failed (the first failed check on it).
    pub problem: Option<String>,
}

/// One check of a test-login report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReportCheckView {
    pub id: String,
    pub ok: bool,
    pub message: String,
    pub expected: Option<String>,
    pub found: Option<String>,
    pub hint: Option<String>,
    /// Where a failure is fixed: the UI's "Go to step N" sends `Action::GoTo { step }`.
    pub step: StepId,
    pub step_number: u8,
    pub step_title: String,
    /// A failure fixed in another step than the test login: show the "Go to step N" button.
    pub fix_elsewhere: bool,
}

/// How an attribute of the map arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AttributeArrival {
    /// Received under exactly the SP's name.
    Received,
    /// Received, but under a name that differs in case: the SP will not find it.
    WrongCase,
    /// Not in the response.
    Missing,
    /// In the response but not in the map (the SP ignores it).
    NotMapped,
}

/// One attribute as the SP will receive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReportAttributeView {
    /// The SP's name from step 4 (empty for an attribute that is not in the map).
    pub sp_name: String,
    /// The IdP attribute that fills it (step 4).
    pub idp_name: String,
    /// The name in the response.
    pub received_as: Option<String>,
    pub values: Vec<String>,
    pub arrival: AttributeArrival,
    pub note: Option<String>,
}

pub use crate::test_login::AttributeSuggestionView;

/// Our clock against the IdP's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ClockView {
    /// RFC 3339, UTC.
    pub checked_at: String,
    pub issue_instant: Option<String>,
    /// `checked_at - issue_instant`, in seconds.
    pub difference_seconds: Option<i64>,
    pub allowed_seconds: i64,
    pub ok: bool,
    pub text: String,
}

/// One line of the pretty-printed response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct XmlLine {
    pub depth: u16,
    pub text: String,
    /// Inside an element whose signature verified with the configured certificate.
    pub signed: bool,
    /// Inside the assertion that arrived encrypted (shown decrypted).
    pub decrypted: bool,
}

/// The test-login report (see [`Block::TestReport`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TestReportView {
    pub passed: bool,
    /// "Login window", "Loopback test SP", "Pasted response".
    pub source: String,
    /// How the sign-in started, as the response shows it (SP- or IdP-initiated) and what that leaves unchecked;
    /// `None` when the response was not read that far.
    pub flow: Option<String>,
    pub headline: String,
    /// Which configured certificate signed ("Signed with the next certificate (SHA-256 …)"), or, when the IdP
    /// signs with a certificate it publishes that is not configured, that the IdP switched and what to do.
    pub signed_by: Option<String>,
    /// What this result means for the evidence (recorded, or why not).
    pub evidence_note: String,
    pub evidence_severity: Severity,
    /// Failed first, then passed.
    pub checks: Vec<ReportCheckView>,
    /// Checks that could not be evaluated for this way, with why.
    pub not_evaluated: Vec<String>,
    pub attributes: Vec<ReportAttributeView>,
    /// Mappings suggested from what arrived, for step 4's attributes that did not arrive under their own name.
    pub attribute_suggestions: Vec<AttributeSuggestionView>,
    /// The one most likely cause, the step that fixes it and the change ([`crate::diagnosis`]); `None` when
    /// nothing is wrong.
    pub diagnosis: Option<crate::diagnosis::Diagnosis>,
    pub clock: Option<ClockView>,
    pub xml: Vec<XmlLine>,
    pub xml_note: String,
    /// What arrived encrypted and which key decrypted it, when anything did.
    pub decrypted: Option<String>,
    /// Suggested file name (without extension) for the export's save dialog.
    pub export_name: String,
}

/// Formats of the test-login report export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Markdown,
    Html,
}
