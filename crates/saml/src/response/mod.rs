//! The SAML Response validator: every rule of `shared/design/saml-response-rules.md`, each reported as a check
//! with what was expected, what was found, and the wizard step where a failure is fixed.
//!
//! It is narrow on purpose and fails closed: anything it does not understand is a failed check with a reason. The
//! document is parsed once; signature verification, ID lookup and the claims all read the same nodes.
//!
//! Encrypted assertions, NameIDs and attributes (rules beyond the rules file, issue 17): an `EncryptedAssertion` is
//! accepted only directly under the Response and alone (beside a plain assertion, or anywhere else, it fails
//! `single_assertion` / `encrypted_assertion`). It is opened with the policy's [`DecryptionKey`]s (check
//! `decryption`: RSA-OAEP key transport, AES-GCM or AES-CBC content, RSA PKCS#1 v1.5 refused, one message for every
//! failure to open), its plaintext must be one element of the expected kind under the response's own parsing limits
//! (check `decrypted_xml`), and the response with the plaintext in its place goes through every rule as if sent in
//! clear. A Response signature is verified on the document as received (it covers the ciphertext) and must verify
//! before anything is decrypted, an Assertion signature on the decrypted document; `EncryptedID` (in the Subject) and `EncryptedAttribute` (in an
//! AttributeStatement) are opened after the assertion's signature was checked, and one that cannot be opened, or
//! sits anywhere else, is a failed `decryption` check, never dropped. The report says what was encrypted
//! (`encrypted`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::binding::{self, BindingError, InputForm};
use crate::fingerprint::Fingerprint;
use crate::values::{AcsUrl, EntityId};
use crate::xml::{self, Document, Limits, NodeId, XmlError};
use crate::xmldsig::{self, Stage, Verified, XmlDsigError, DS_NS};
pub use crate::xmlenc::DecryptionKey;

mod claims;
mod decrypt;
mod document;
mod rule;
mod signature;

use claims::*;
pub use decrypt::Encrypted;
use decrypt::*;
use document::*;
pub use rule::{Replay, Rule};
use signature::*;

pub const SAMLP_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// Default allowed difference between our clock and the IdP's.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::seconds(180);
/// The largest clock skew a policy may ask for; larger values are capped (a bigger window only helps replays).
pub const MAX_CLOCK_SKEW: Duration = Duration::seconds(600);

/// Which sign-in request a response must answer (rule 20): the validator alone decides, so no caller has to drop
/// or redo the InResponseTo checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// SP-initiated: InResponseTo must be this AuthnRequest's ID.
    Request(String),
    /// IdP-initiated logins allowed: a response without InResponseTo passes, one naming a request fails (nothing
    /// was asked).
    IdpInitiated,
    /// SP-initiated, but the request's ID was not given: both an unsolicited response and one naming a request
    /// fail, the latter saying which ID to give.
    RequestNotGiven,
    /// Which request it answers cannot be known (a pasted response): InResponseTo is not evaluated, and no check
    /// about it appears in the report.
    Unknown,
}

impl Expect {
    /// The request `id` when there is one, else IdP-initiated.
    pub fn request_or_idp_initiated(id: Option<String>) -> Self {
        id.map_or(Self::IdpInitiated, Self::Request)
    }
}

/// How the login started, as the response shows it: an answer to an AuthnRequest (it carries InResponseTo) or
/// unsolicited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    SpInitiated,
    IdpInitiated,
}

/// The IDs a response carries, read from the one parse: what replay memory keys on (rule 22).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageIds {
    /// `Response:<ID>` and `Assertion:<ID>` of every such element, in document order.
    pub ids: Vec<String>,
    /// The request the response answers: the Response's InResponseTo, or else (it is optional there) its
    /// assertion's bearer confirmation's.
    pub in_response_to: Option<String>,
}

impl MessageIds {
    fn of(doc: &Document) -> Self {
        let root = doc.root();
        Self {
            ids: doc
                .elements()
                .filter_map(|n| doc.element(n))
                .filter(|e| e.is(SAML_NS, "Assertion") || e.is(SAMLP_NS, "Response"))
                .filter_map(|e| e.attr("ID").map(|id| format!("{}:{id}", e.local)))
                .collect(),
            in_response_to: in_response_to(doc, root)
                .or_else(|| {
                    let assertion = child(doc, root, SAML_NS, "Assertion");
                    let subject = assertion.and_then(|a| child(doc, a, SAML_NS, "Subject"));
                    bearer_in_response_to(doc, subject).next()
                })
                .map(str::to_string),
        }
    }
}

/// Memory of the responses an SP already took (rule 22), kept by whoever runs the SP: the validator asks it, and
/// alone turns the answer into the `replay` check and the verdict.
pub trait ReplayGuard {
    /// Whether any of `ids`, or the request `answers` (an AuthnRequest is answered once), was used before. When not,
    /// and `accept` is true (the response passed every other check), remembers them.
    fn replayed(&mut self, ids: &MessageIds, answers: Option<&str>, accept: bool) -> bool;
}

/// Rule 22 for a validated `report`: asks `guard` whether the response is a replay and adds the `replay` check to
/// the verdict. A document that is not a SAML Response is returned as it is (there is nothing to remember).
pub fn check_replay(mut report: Report, policy: &Policy, guard: &mut dyn ReplayGuard) -> Report {
    if report.check(Rule::ResponseRoot).is_none_or(|c| !c.ok) {
        return report;
    }
    let answers = match &policy.expect {
        Expect::Request(id) => Some(id.as_str()),
        _ => None,
    };
    let replayed = guard.replayed(&report.message_ids, answers, report.valid);
    let pending = answers.unwrap_or("(none: IdP-initiated)");
    let mut c = Check::new(
        Rule::Replay,
        !replayed,
        Fix::Capture,
        if replayed {
            "the response (or its AuthnRequest) was already used: refused as a replay"
        } else {
            "the response was not seen before"
        },
    )
    .expected("a response not received before, the first to answer its AuthnRequest")
    .found(if replayed {
        format!("a response already received, or a second answer to AuthnRequest {pending}")
    } else {
        "first use".to_string()
    });
    if replayed {
        c = c.hint(
            "start a new test login; if nobody re-sent this response, someone may be replaying captured logins",
        );
    }
    report.push(c);
    report.replay = if replayed {
        Replay::Replayed
    } else {
        Replay::NotReplayed
    };
    report.finish()
}

/// What the validator accepts: the configured pairing and the moment of the check.
#[derive(Debug, Clone)]
pub struct Policy {
    pub idp_entity_id: EntityId,
    /// The IdP signing certificates the admin configured (DER). Only these are trusted.
    pub idp_certs: Vec<Vec<u8>>,
    pub sp_entity_id: EntityId,
    pub acs_url: AcsUrl,
    /// Which sign-in request the response must answer (rule 20).
    pub expect: Expect,
    pub require_signed_assertion: bool,
    pub now: OffsetDateTime,
    /// Capped at [`MAX_CLOCK_SKEW`].
    pub clock_skew: Duration,
    /// Legacy switch: accept SHA-1 signatures and digests, reported as a warning.
    pub allow_sha1: bool,
    /// Maximum decoded size of the XML.
    pub max_size: usize,
    /// Where the response was posted from (the browser's Origin or Referer), when a live SP saw it: an unsolicited
    /// response's `in_response_to` check names it, since any page that can post to the ACS could have sent one.
    pub posted_from: Option<String>,
    /// The SP's private keys that open an encrypted assertion, NameID or attributes. In memory only: each zeroizes
    /// on drop, and Debug shows only its public key's fingerprint.
    pub decryption_keys: Vec<DecryptionKey>,
}

impl Policy {
    /// A policy with the defaults: SP-initiated with the request's ID not given (set `expect`), 180 s skew, no
    /// SHA-1, 1 MiB.
    pub fn new(
        idp_entity_id: EntityId,
        idp_certs: Vec<Vec<u8>>,
        sp_entity_id: EntityId,
        acs_url: AcsUrl,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            idp_entity_id,
            idp_certs,
            sp_entity_id,
            acs_url,
            expect: Expect::RequestNotGiven,
            require_signed_assertion: false,
            now,
            clock_skew: DEFAULT_CLOCK_SKEW,
            allow_sha1: false,
            max_size: xml::DEFAULT_MAX_BYTES,
            posted_from: None,
            decryption_keys: Vec::new(),
        }
    }

    fn skew(&self) -> Duration {
        self.clock_skew.clamp(Duration::ZERO, MAX_CLOCK_SKEW)
    }
}

/// Where a failed check is fixed, in the protocol's terms. The validator knows nothing of the wizard's steps: the
/// wizard maps each `Fix` to the step that changes it (in one place), and profiles word it for their portal.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Fix {
    /// The response itself: capture it again, test again, or treat it as an attack.
    Capture,
    /// The SP's own values (ACS URL, SP entity ID) and their copies in the IdP application.
    SpValues,
    /// The IdP application's settings: its entity ID, signing, NameID and what the assertion carries.
    IdpApplication,
    /// The IdP signing certificate configured on the SP side.
    Certificate,
    /// The attribute mapping between the IdP and the SP.
    Attributes,
    /// Which users the IdP lets into the application.
    UserAccess,
}

/// One evaluated rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The rule; serialised as its stable snake_case id.
    pub id: Rule,
    pub ok: bool,
    pub expected: Option<String>,
    pub found: Option<String>,
    pub message: String,
    /// What to do about a failure.
    pub hint: Option<String>,
    /// What to change to fix a failure; the wizard maps it to its step.
    pub fix: Fix,
}

impl Check {
    fn new(id: Rule, ok: bool, fix: Fix, message: impl Into<String>) -> Self {
        Self {
            id,
            ok,
            expected: None,
            found: None,
            message: message.into(),
            hint: None,
            fix,
        }
    }
    fn pass(id: Rule, fix: Fix, message: impl Into<String>) -> Self {
        Self::new(id, true, fix, message)
    }
    fn fail(id: Rule, fix: Fix, message: impl Into<String>) -> Self {
        Self::new(id, false, fix, message)
    }
    fn expected(mut self, v: impl Into<String>) -> Self {
        self.expected = Some(v.into());
        self
    }
    fn found(mut self, v: impl Into<String>) -> Self {
        self.found = Some(v.into());
        self
    }
    fn found_opt(mut self, v: Option<&str>) -> Self {
        self.found = Some(v.map_or_else(|| "(absent)".to_string(), str::to_string));
        self
    }
    fn hint(mut self, v: impl Into<String>) -> Self {
        self.hint = Some(v.into());
        self
    }
}

/// The IdP's clock against this computer's: the Response's IssueInstant against the time of the check (for a live
/// test login, the moment it was received). Shown on every report, and named by a failed time check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockReading {
    /// The Response's IssueInstant, RFC 3339.
    pub idp_time: String,
    /// The time of the check, RFC 3339.
    pub local_time: String,
    /// `idp_time - local_time`: positive when the IdP's clock is ahead of this computer's.
    pub offset_seconds: i64,
    pub allowed_skew_seconds: i64,
}

impl ClockReading {
    fn measure(issue_instant: OffsetDateTime, policy: &Policy) -> Self {
        Self {
            idp_time: fmt_time(issue_instant),
            local_time: fmt_time(policy.now),
            offset_seconds: (issue_instant - policy.now).whole_seconds(),
            allowed_skew_seconds: policy.skew().whole_seconds(),
        }
    }

    /// Whether the offset is within the allowed skew.
    pub fn within_skew(&self) -> bool {
        self.offset_seconds.abs() <= self.allowed_skew_seconds
    }

    /// "the IdP's clock is 47 s ahead of this computer; allowed skew 180 s".
    pub fn describe(&self) -> String {
        let o = self.offset_seconds;
        let allowed = self.allowed_skew_seconds;
        match o {
            0 => format!("the IdP's clock and this computer's agree; allowed skew {allowed} s"),
            o if o > 0 => format!("the IdP's clock is {o} s ahead of this computer; allowed skew {allowed} s"),
            o => format!(
                "the IdP's clock is {} s behind this computer (or the response is that old); allowed skew {allowed} s",
                -o
            ),
        }
    }

    /// One line for a rendered report: the offset and the two times it was measured on.
    pub fn summary(&self) -> String {
        format!(
            "{} (IdP IssueInstant {}, this computer {})",
            self.describe(),
            self.idp_time,
            self.local_time
        )
    }

    /// What a failed time check tells the admin: the measured offset, and whose clock to correct.
    fn advice(&self) -> String {
        let fix = if self.offset_seconds > 0 {
            "if this computer's clock is right, correct the IdP's clock by that much (set it to network time, NTP); otherwise set this computer to network time"
        } else {
            "test again with a fresh sign-in; if it fails again, correct the clock that is wrong by that much: the IdP's if this computer's is right, else this computer's (network time, NTP)"
        };
        format!("{}: {fix}", self.describe())
    }
}

/// A failed time check's hint: the clock advice when the clocks were measured, else `generic`.
fn clock_hint(r: &Report, generic: &str) -> String {
    r.clock
        .as_ref()
        .map_or_else(|| generic.to_string(), ClockReading::advice)
}

/// Which signatures were present and verified.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Signed {
    pub response: bool,
    pub assertion: bool,
}

/// The verdict on one response. Its fields are private: only the validator (this module) adds checks and sets the
/// verdict, so no caller can drop a failed check or declare a response valid; callers read through the accessors.
///
/// ```compile_fail
/// # use ssopilot_saml::response::{validate, Policy};
/// fn forge(policy: &Policy) {
///     let mut r = validate(b"<x/>", policy);
///     r.valid = true; // private: only the validator sets the verdict
/// }
/// ```
///
/// ```compile_fail
/// # use ssopilot_saml::response::{validate, Policy};
/// fn drop_failures(policy: &Policy) {
///     let mut r = validate(b"<x/>", policy);
///     r.checks.retain(|c| c.ok); // private: no caller drops a failed check
/// }
/// ```
///
/// ```
/// # use ssopilot_saml::response::{validate, Policy};
/// fn read(policy: &Policy) -> bool {
///     let r = validate(b"<x/>", policy);
///     r.valid() && r.checks().iter().all(|c| c.ok)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    valid: bool,
    checks: Vec<Check>,
    issuer: Option<String>,
    /// The subject, read only from the verified element (absent when no signature verified).
    name_id: Option<String>,
    name_id_format: Option<String>,
    attributes: BTreeMap<String, Vec<String>>,
    session_not_on_or_after: Option<String>,
    signed: Signed,
    /// The configured certificate that verified, or else the certificate found in the response.
    signing_certificate_sha256: Option<Fingerprint>,
    /// Replay detection needs memory of earlier responses; an offline check cannot do it.
    replay: Replay,
    /// How the login started (read from InResponseTo), once the document is a Response with an assertion.
    flow: Option<Flow>,
    /// The IdP's clock against this computer's, once the document is a Response with a readable IssueInstant.
    clock: Option<ClockReading>,
    /// Which parts arrived encrypted and were decrypted.
    encrypted: Encrypted,
    /// The XML as decoded from the input, once it decoded: the one decoding, for showing the response.
    #[serde(skip)]
    decoded_xml: Option<String>,
    /// The response with its assertion decrypted in place, when it was encrypted: what the rules read.
    #[serde(skip)]
    decrypted_xml: Option<String>,
    /// The IDs that replay memory keys on, from the one parse.
    #[serde(skip)]
    message_ids: MessageIds,
    warnings: Vec<String>,
    input_form: Option<InputForm>,
}

impl Report {
    fn new() -> Self {
        Self {
            valid: false,
            checks: Vec::new(),
            issuer: None,
            name_id: None,
            name_id_format: None,
            attributes: BTreeMap::new(),
            session_not_on_or_after: None,
            signed: Signed::default(),
            signing_certificate_sha256: None,
            replay: Replay::NotEvaluated,
            flow: None,
            clock: None,
            encrypted: Encrypted::default(),
            decoded_xml: None,
            decrypted_xml: None,
            message_ids: MessageIds::default(),
            warnings: Vec::new(),
            input_form: None,
        }
    }

    /// True when every check passed (and there was at least one).
    pub fn valid(&self) -> bool {
        self.valid
    }

    /// Every evaluated check, in the order evaluated.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// The Assertion's Issuer, when it is the configured IdP.
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The subject, read only from the verified element (absent when no signature verified).
    pub fn name_id(&self) -> Option<&str> {
        self.name_id.as_deref()
    }

    pub fn name_id_format(&self) -> Option<&str> {
        self.name_id_format.as_deref()
    }

    /// The attributes, read only from the verified element (empty when no signature verified).
    pub fn attributes(&self) -> &BTreeMap<String, Vec<String>> {
        &self.attributes
    }

    pub fn session_not_on_or_after(&self) -> Option<&str> {
        self.session_not_on_or_after.as_deref()
    }

    /// Which signatures were present and verified.
    pub fn signed(&self) -> Signed {
        self.signed
    }

    /// The configured certificate that verified, or else the certificate found in the response.
    pub fn signing_certificate_sha256(&self) -> Option<&Fingerprint> {
        self.signing_certificate_sha256.as_ref()
    }

    /// Whether replay memory was asked, and its answer.
    pub fn replay(&self) -> Replay {
        self.replay
    }

    /// How the login started (read from InResponseTo), once the document is a Response with an assertion.
    pub fn flow(&self) -> Option<Flow> {
        self.flow
    }

    /// The IdP's clock against this computer's, once the document is a Response with a readable IssueInstant.
    pub fn clock(&self) -> Option<&ClockReading> {
        self.clock.as_ref()
    }

    /// The XML as decoded from the input, once it decoded.
    pub fn decoded_xml(&self) -> Option<&str> {
        self.decoded_xml.as_deref()
    }

    /// Which parts arrived encrypted and were decrypted.
    pub fn encrypted(&self) -> Encrypted {
        self.encrypted
    }

    /// The response with its assertion decrypted in place, when it arrived encrypted.
    pub fn decrypted_xml(&self) -> Option<&str> {
        self.decrypted_xml.as_deref()
    }

    /// The IDs that replay memory keys on.
    pub fn message_ids(&self) -> &MessageIds {
        &self.message_ids
    }

    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// How the input was given (XML, base64, form body), once it decoded.
    pub fn input_form(&self) -> Option<InputForm> {
        self.input_form
    }

    /// The check of this rule, if it was evaluated.
    pub fn check(&self, rule: Rule) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == rule)
    }

    /// The ids of the failed checks, in order.
    pub fn failed(&self) -> Vec<&'static str> {
        self.checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.id.as_str())
            .collect()
    }

    fn push(&mut self, c: Check) {
        self.checks.push(c);
    }

    fn finish(mut self) -> Self {
        self.valid = !self.checks.is_empty() && self.checks.iter().all(|c| c.ok);
        self
    }
}

/// Validates a response given as raw XML, base64 (URL-encoded or not) or a form body. Never panics.
pub fn validate(input: &[u8], policy: &Policy) -> Report {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        validate_inner(input, policy)
    })) {
        Ok(r) => r,
        Err(_) => {
            let mut r = Report::new();
            r.push(
                Check::fail(
                    Rule::InternalError,
                    Fix::Capture,
                    "the validator hit an internal error on this input; it is treated as invalid",
                )
                .hint("please report this response to the SSO Pilot developers"),
            );
            r.finish()
        }
    }
}

fn validate_inner(input: &[u8], policy: &Policy) -> Report {
    let mut r = Report::new();
    let max = policy.max_size;
    let decoded = match binding::decode(input, max) {
        Ok(d) => d,
        Err(BindingError::TooLarge { size, max }) => {
            r.push(
                Check::fail(
                    Rule::InputSize,
                    Fix::Capture,
                    "the response is too large; it was refused before parsing",
                )
                .expected(format!("at most {max} bytes"))
                .found(format!("{size} bytes")),
            );
            return r.finish();
        }
        Err(e) => {
            r.push(
                Check::fail(Rule::InputDecoding, Fix::Capture, e.to_string())
                    .hint("paste the SAMLResponse form value (base64), the whole form body, or the decoded XML"),
            );
            return r.finish();
        }
    };
    r.input_form = Some(decoded.form);
    r.decoded_xml = Some(decoded.xml.clone());
    r.push(
        Check::pass(
            Rule::InputSize,
            Fix::Capture,
            "the response is within the size limit",
        )
        .expected(format!("at most {max} bytes"))
        .found(format!("{} bytes", decoded.xml.len())),
    );
    let limits = Limits {
        max_bytes: max,
        ..Limits::default()
    };
    let doc = match xml::parse_with(&decoded.xml, &limits) {
        Ok(d) => d,
        Err(e) => {
            let id = match &e {
                XmlError::TooLarge { .. } => Rule::InputSize,
                e if e.is_unsafe() => Rule::XmlNoDtd,
                e if e.is_limit() => Rule::XmlLimits,
                _ => Rule::XmlWellFormed,
            };
            r.push(Check::fail(id, Fix::Capture, e.to_string()).hint(
                "this is not a response an IdP produces as is: capture it again, or treat it as an attack",
            ));
            return r.finish();
        }
    };
    r.push(Check::pass(
        Rule::XmlWellFormed,
        Fix::Capture,
        "the XML is well-formed, UTF-8, XML 1.0, within the limits",
    ));
    r.push(Check::pass(
        Rule::XmlNoDtd,
        Fix::Capture,
        "no DOCTYPE and no entity references",
    ));
    // Replaced by the decrypted document's IDs when the assertion was encrypted.
    r.message_ids = MessageIds::of(&doc);
    check_document(&doc, policy, r).finish()
}

fn el_is(doc: &Document, id: NodeId, ns: &str, local: &str) -> bool {
    doc.element(id).is_some_and(|e| e.is(ns, local))
}

fn attr<'a>(doc: &'a Document, id: NodeId, name: &str) -> Option<&'a str> {
    doc.element(id).and_then(|e| e.attr(name))
}

/// The InResponseTo of `id`, with an empty one read as absent: some IdPs (samlify's default template) write
/// `InResponseTo=""` on unsolicited responses, and SAML libraries on the SP side (node-saml, python3-saml) read
/// that as "answers no request". An empty value can name no request, so reading it as absent never makes an
/// answer to another request pass; [`empty_in_response_to`] lets the report say it was there.
fn in_response_to<'a>(doc: &'a Document<'_>, id: NodeId) -> Option<&'a str> {
    attr(doc, id, "InResponseTo").filter(|v| !v.is_empty())
}

/// Whether `id` carries `InResponseTo=""` (read as absent by [`in_response_to`]).
fn empty_in_response_to(doc: &Document, id: NodeId) -> bool {
    attr(doc, id, "InResponseTo") == Some("")
}

fn child(doc: &Document, id: NodeId, ns: &str, local: &str) -> Option<NodeId> {
    doc.children_named(id, ns, local).next()
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &Rfc3339).ok()
}

fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}
