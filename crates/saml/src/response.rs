//! The SAML Response validator: every rule of `shared/design/saml-response-rules.md`, each reported as a check
//! with what was expected, what was found, and the wizard step where a failure is fixed.
//!
//! It is narrow on purpose and fails closed: anything it does not understand is a failed check with a reason. The
//! document is parsed once; signature verification, ID lookup and the claims all read the same nodes.

use std::collections::BTreeMap;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::binding::{self, BindingError, InputForm};
use crate::fingerprint::Fingerprint;
use crate::values::{AcsUrl, EntityId};
use crate::xml::{self, Document, Limits, NodeId, XmlError};
use crate::xmldsig::{self, Stage, Verified, XmlDsigError, DS_NS};

pub const SAMLP_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// Default allowed difference between our clock and the IdP's.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::seconds(180);
/// The largest clock skew a policy may ask for; larger values are capped (a bigger window only helps replays).
pub const MAX_CLOCK_SKEW: Duration = Duration::seconds(600);

/// What the validator accepts: the configured pairing and the moment of the check.
#[derive(Debug, Clone)]
pub struct Policy {
    pub idp_entity_id: EntityId,
    /// The IdP signing certificates the admin configured (DER). Only these are trusted.
    pub idp_certs: Vec<Vec<u8>>,
    pub sp_entity_id: EntityId,
    pub acs_url: AcsUrl,
    /// The ID of the AuthnRequest this response answers (SP-initiated login).
    pub request_id: Option<String>,
    pub allow_idp_initiated: bool,
    pub require_signed_assertion: bool,
    pub now: OffsetDateTime,
    /// Capped at [`MAX_CLOCK_SKEW`].
    pub clock_skew: Duration,
    /// Legacy switch: accept SHA-1 signatures and digests, reported as a warning.
    pub allow_sha1: bool,
    /// Maximum decoded size of the XML.
    pub max_size: usize,
}

impl Policy {
    /// A policy with the defaults: SP-initiated only once `request_id` is set, 180 s skew, no SHA-1, 1 MiB.
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
            request_id: None,
            allow_idp_initiated: false,
            require_signed_assertion: false,
            now,
            clock_skew: DEFAULT_CLOCK_SKEW,
            allow_sha1: false,
            max_size: xml::DEFAULT_MAX_BYTES,
        }
    }

    fn skew(&self) -> Duration {
        self.clock_skew.clamp(Duration::ZERO, MAX_CLOCK_SKEW)
    }
}

/// Where a failed check is fixed, in the protocol's terms. The validator knows nothing of the wizard's steps: the
/// wizard maps each `Fix` to the step that changes it (in one place), and profiles word it for their portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
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
    /// Stable snake_case identifier of the rule.
    pub id: String,
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
    fn new(id: impl Into<String>, ok: bool, fix: Fix, message: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ok,
            expected: None,
            found: None,
            message: message.into(),
            hint: None,
            fix,
        }
    }
    fn pass(id: impl Into<String>, fix: Fix, message: impl Into<String>) -> Self {
        Self::new(id, true, fix, message)
    }
    fn fail(id: impl Into<String>, fix: Fix, message: impl Into<String>) -> Self {
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

/// Which signatures were present and verified.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Signed {
    pub response: bool,
    pub assertion: bool,
}

/// The verdict on one response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub valid: bool,
    pub checks: Vec<Check>,
    pub issuer: Option<String>,
    /// The subject, read only from the verified element (absent when no signature verified).
    pub name_id: Option<String>,
    pub name_id_format: Option<String>,
    pub attributes: BTreeMap<String, Vec<String>>,
    pub session_not_on_or_after: Option<String>,
    pub signed: Signed,
    /// The configured certificate that verified, or else the certificate found in the response.
    pub signing_certificate_sha256: Option<Fingerprint>,
    /// Replay detection needs memory of earlier responses; an offline check cannot do it.
    pub replay: &'static str,
    pub warnings: Vec<String>,
    pub input_form: Option<InputForm>,
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
            replay: "not_evaluated",
            warnings: Vec::new(),
            input_form: None,
        }
    }

    /// The check with this id, if it was evaluated.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The ids of the failed checks, in order.
    pub fn failed(&self) -> Vec<&str> {
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
                    "internal_error",
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
                    "input_size",
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
                Check::fail("input_decoding", Fix::Capture, e.to_string())
                    .hint("paste the SAMLResponse form value (base64), the whole form body, or the decoded XML"),
            );
            return r.finish();
        }
    };
    r.input_form = Some(decoded.form);
    r.push(
        Check::pass(
            "input_size",
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
                XmlError::TooLarge { .. } => "input_size",
                e if e.is_unsafe() => "xml_no_dtd",
                e if e.is_limit() => "xml_limits",
                _ => "xml_well_formed",
            };
            r.push(Check::fail(id, Fix::Capture, e.to_string()).hint(
                "this is not a response an IdP produces as is: capture it again, or treat it as an attack",
            ));
            return r.finish();
        }
    };
    r.push(Check::pass(
        "xml_well_formed",
        Fix::Capture,
        "the XML is well-formed, UTF-8, XML 1.0, within the limits",
    ));
    r.push(Check::pass(
        "xml_no_dtd",
        Fix::Capture,
        "no DOCTYPE and no entity references",
    ));
    check_document(&doc, policy, r).finish()
}

fn el_is(doc: &Document, id: NodeId, ns: &str, local: &str) -> bool {
    doc.element(id).is_some_and(|e| e.is(ns, local))
}

fn attr<'a>(doc: &'a Document, id: NodeId, name: &str) -> Option<&'a str> {
    doc.element(id).and_then(|e| e.attr(name))
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

fn check_document(doc: &Document, policy: &Policy, mut r: Report) -> Report {
    let root = doc.root();
    // Rule 6: the root.
    let root_name = doc
        .element(root)
        .map(|e| format!("{{{}}}{}", e.ns.as_deref().unwrap_or(""), e.local))
        .unwrap_or_default();
    if !el_is(doc, root, SAMLP_NS, "Response") {
        r.push(
            Check::fail(
                "response_root",
                Fix::Capture,
                "the message is not a SAML 2.0 Response",
            )
            .expected(format!("{{{SAMLP_NS}}}Response"))
            .found(root_name)
            .hint("paste the SAMLResponse the IdP posted to the ACS URL (not the AuthnRequest, not metadata)"),
        );
        return r;
    }
    let version = attr(doc, root, "Version");
    if version != Some("2.0") {
        r.push(
            Check::fail(
                "response_root",
                Fix::Capture,
                "the Response is not SAML version 2.0",
            )
            .expected("Version=\"2.0\"")
            .found_opt(version),
        );
        return r;
    }
    r.push(
        Check::pass(
            "response_root",
            Fix::Capture,
            "the root is a SAML 2.0 Response",
        )
        .found(root_name),
    );

    // Rule 6: exactly one assertion, as a direct child; none anywhere else.
    if let Some(c) = too_many_response_children(doc, root) {
        r.push(c);
        return r;
    }
    let direct: Vec<NodeId> = doc.children_named(root, SAML_NS, "Assertion").collect();
    let encrypted: Vec<NodeId> = doc
        .children_named(root, SAML_NS, "EncryptedAssertion")
        .collect();
    let elsewhere = doc
        .elements()
        .filter(|e| el_is(doc, *e, SAML_NS, "Assertion") && doc.parent(*e) != Some(root))
        .count();
    if !encrypted.is_empty() && direct.is_empty() && elsewhere == 0 && encrypted.len() == 1 {
        r.push(
            Check::fail(
                "encrypted_assertion",
                Fix::IdpApplication,
                "encrypted assertions are not supported yet: turn off assertion encryption in the IdP for the test, or paste a response captured without it",
            )
            .found("EncryptedAssertion"),
        );
        return r;
    }
    let n = direct.len() + encrypted.len();
    let assertion = match (direct.as_slice(), n, elsewhere) {
        ([a], 1, 0) => *a,
        _ => {
            r.push(
                Check::fail(
                    "single_assertion",
                    Fix::Capture,
                    "the Response must contain exactly one Assertion, as a direct child, and no assertion anywhere else",
                )
                .expected("1 Assertion directly under Response")
                .found(format!(
                    "{} direct Assertion, {} EncryptedAssertion, {} elsewhere",
                    direct.len(),
                    encrypted.len(),
                    elsewhere
                ))
                .hint("a response with several or misplaced assertions is how signature-wrapping attacks hide a forged identity"),
            );
            return r;
        }
    };
    if attr(doc, assertion, "Version") != Some("2.0") || attr(doc, assertion, "ID").is_none() {
        r.push(
            Check::fail(
                "single_assertion",
                Fix::Capture,
                "the Assertion must have Version=\"2.0\" and an ID",
            )
            .found(format!(
                "Version={:?}, ID={:?}",
                attr(doc, assertion, "Version"),
                attr(doc, assertion, "ID")
            )),
        );
        return r;
    }
    r.push(Check::pass(
        "single_assertion",
        Fix::Capture,
        "exactly one Assertion, directly under the Response",
    ));

    // Rule 7: unique IDs.
    let mut ids: Vec<&str> = doc.elements().filter_map(|e| attr(doc, e, "ID")).collect();
    ids.sort_unstable();
    let dup = ids
        .windows(2)
        .find(|w| w.first() == w.get(1))
        .and_then(|w| w.first());
    if let Some(d) = dup {
        r.push(
            Check::fail(
                "unique_ids",
                Fix::Capture,
                format!("the ID \"{d}\" is used by more than one element"),
            )
            .hint("duplicate IDs let a signature cover one element while another is read: treat this response as an attack"),
        );
        return r;
    }
    r.push(Check::pass(
        "unique_ids",
        Fix::Capture,
        "every ID is unique",
    ));

    // Rule 8: signatures only right after the Issuer of the Response or of the Assertion.
    let mut response_sig = None;
    let mut assertion_sig = None;
    for s in doc
        .elements()
        .filter(|e| el_is(doc, *e, DS_NS, "Signature"))
    {
        let parent = doc.parent(s);
        let position_ok = parent.is_some_and(|p| {
            // Only the first two children matter (collecting all of them cost the number of siblings).
            let mut kids = doc.element_children(p);
            kids.next()
                .is_some_and(|i| el_is(doc, i, SAML_NS, "Issuer"))
                && kids.next() == Some(s)
        });
        match parent {
            Some(p) if p == root && position_ok => response_sig = Some(s),
            Some(p) if p == assertion && position_ok => assertion_sig = Some(s),
            _ => {
                let where_ = parent
                    .and_then(|p| doc.element(p))
                    .map(|e| e.qname())
                    .unwrap_or_default();
                r.push(
                    Check::fail(
                        "signature_placement",
                        Fix::Capture,
                        format!("a Signature sits inside <{where_}>, not right after the Issuer of the Response or of the Assertion"),
                    )
                    .expected("ds:Signature as the element right after saml:Issuer in Response or Assertion")
                    .found(format!("inside <{where_}>"))
                    .hint("a moved or extra signature is a signature-wrapping pattern: treat this response as an attack"),
                );
                return r;
            }
        }
    }
    r.push(Check::pass(
        "signature_placement",
        Fix::Capture,
        "signatures only where SAML puts them",
    ));

    // Rules 9-14 for each signature present.
    let resp_result = response_sig.map(|s| verify_into(doc, s, "response", policy, &mut r));
    let assert_result = assertion_sig.map(|s| verify_into(doc, s, "assertion", policy, &mut r));
    let resp_ok = matches!(resp_result, Some(Ok(_)));
    let assert_ok = matches!(assert_result, Some(Ok(_)));
    r.signed = Signed {
        response: resp_ok,
        assertion: assert_ok,
    };
    let verified_cert = [&resp_result, &assert_result]
        .into_iter()
        .flatten()
        .find_map(|v| v.as_ref().ok())
        .and_then(|v| policy.idp_certs.get(v.cert_index));
    r.signing_certificate_sha256 = match verified_cert {
        Some(c) => Some(Fingerprint::sha256(c)),
        None => [response_sig, assertion_sig]
            .into_iter()
            .flatten()
            .find_map(|s| xmldsig::keyinfo_certificate(doc, s))
            .map(|c| Fingerprint::sha256(&c)),
    };

    if let Some(c) = verified_cert.and_then(|c| certificate_validity(c, policy.now)) {
        r.warnings.push(c.message.clone());
        r.push(c);
    }

    // Rules 15 and 24.
    let all_present_ok = resp_result.as_ref().is_none_or(|v| v.is_ok())
        && assert_result.as_ref().is_none_or(|v| v.is_ok());
    let found = format!(
        "response signature: {}; assertion signature: {}",
        describe(&resp_result),
        describe(&assert_result)
    );
    let required = if policy.require_signed_assertion {
        "a valid Assertion signature (policy requires the assertion to be signed)"
    } else {
        "a valid Response or Assertion signature"
    };
    let sig_ok =
        all_present_ok && (resp_ok || assert_ok) && (!policy.require_signed_assertion || assert_ok);
    if sig_ok {
        r.push(
            Check::pass(
                "signature_required",
                Fix::Certificate,
                "the response carries the required valid signatures",
            )
            .expected(required)
            .found(found),
        );
    } else {
        let (msg, hint, step) = if response_sig.is_none() && assertion_sig.is_none() {
            (
                "the response is not signed at all",
                "in the IdP application, turn on signing (JumpCloud: check Sign Assertion)",
                Fix::IdpApplication,
            )
        } else if policy.require_signed_assertion && assertion_sig.is_none() {
            (
                "the assertion is not signed, and the policy requires it",
                "in the IdP application, check Sign Assertion",
                Fix::IdpApplication,
            )
        } else {
            (
                "a signature in the response does not verify (see the signature checks above)",
                "fix the failed signature check; every signature present must verify",
                Fix::Certificate,
            )
        };
        r.push(
            Check::fail("signature_required", step, msg)
                .expected(required)
                .found(found)
                .hint(hint),
        );
    }
    let trusted = resp_ok || assert_ok;

    // Rule 18: status and issuers.
    check_status(doc, root, &mut r);
    let resp_issuer = child(doc, root, SAML_NS, "Issuer").map(|i| doc.text_only(i));
    let idp = policy.idp_entity_id.as_str();
    match &resp_issuer {
        Some((text, false)) if text.trim() == idp => r.push(
            Check::pass("response_issuer", Fix::IdpApplication, "the Response Issuer is the configured IdP")
                .expected(idp)
                .found(text.trim()),
        ),
        Some((text, other)) => r.push(
            Check::fail("response_issuer", Fix::IdpApplication, if *other {
                "the Response Issuer contains markup (a comment or element)"
            } else {
                "the Response Issuer is not the configured IdP entity ID"
            })
            .expected(idp)
            .found(text.trim())
            .hint("set the IdP Entity ID to exactly the value the IdP sends (JumpCloud: IdP Entity ID in the SSO tab)"),
        ),
        None if response_sig.is_some() => r.push(
            Check::fail("response_issuer", Fix::IdpApplication, "a signed Response must have an Issuer (SAML profiles 4.1.4.2)")
                .expected(idp)
                .found("(absent)"),
        ),
        None => r.push(
            Check::pass("response_issuer", Fix::IdpApplication, "the Response has no Issuer (allowed when the Response is not signed)")
                .expected(idp)
                .found("(absent)"),
        ),
    }
    let a_issuer = doc
        .element_children(assertion)
        .next()
        .filter(|i| el_is(doc, *i, SAML_NS, "Issuer"))
        .map(|i| doc.text_only(i));
    match &a_issuer {
        Some((text, false)) if text.trim() == idp => {
            r.issuer = Some(text.trim().to_string());
            r.push(
                Check::pass("assertion_issuer", Fix::IdpApplication, "the Assertion Issuer is the configured IdP")
                    .expected(idp)
                    .found(text.trim()),
            )
        }
        Some((text, other)) => r.push(
            Check::fail("assertion_issuer", Fix::IdpApplication, if *other {
                "the Assertion Issuer contains markup (a comment or element)"
            } else {
                "the Assertion Issuer is not the configured IdP entity ID"
            })
            .expected(idp)
            .found(text.trim())
            .hint("set the IdP Entity ID to exactly the value the IdP sends (JumpCloud: IdP Entity ID in the SSO tab)"),
        ),
        None => r.push(
            Check::fail("assertion_issuer", Fix::IdpApplication, "the Assertion has no Issuer as its first element")
                .expected(idp)
                .found("(absent)"),
        ),
    }

    // Rule 19: Destination.
    let acs = policy.acs_url.as_str();
    let destination = attr(doc, root, "Destination");
    match destination {
        Some(d) if d == acs => r.push(
            Check::pass(
                "destination",
                Fix::SpValues,
                "the Response Destination is the ACS URL",
            )
            .expected(acs)
            .found(d),
        ),
        Some(d) => r.push(
            Check::fail(
                "destination",
                Fix::SpValues,
                "the Response Destination is not the configured ACS URL",
            )
            .expected(acs)
            .found(d)
            .hint(
                "copy the ACS URL from the SP into the IdP application again (JumpCloud: ACS URL)",
            ),
        ),
        None if response_sig.is_some() => r.push(
            Check::fail(
                "destination",
                Fix::SpValues,
                "a signed Response must carry a Destination",
            )
            .expected(acs)
            .found("(absent)"),
        ),
        None => r.push(
            Check::pass(
                "destination",
                Fix::SpValues,
                "no Destination (allowed when the Response is not signed)",
            )
            .expected(acs)
            .found("(absent)"),
        ),
    }

    // Rule 20: InResponseTo of the Response.
    let irt = attr(doc, root, "InResponseTo");
    r.push(in_response_to_check(
        "in_response_to",
        "the Response",
        irt,
        policy,
    ));

    // Rule 20: subject confirmation.
    let subject = child(doc, assertion, SAML_NS, "Subject");
    check_subject_confirmation(doc, subject, policy, &mut r);

    // Rule 21: conditions, audience, authn statement.
    let conditions = child(doc, assertion, SAML_NS, "Conditions");
    check_conditions(doc, conditions, policy, &mut r);
    check_issue_instants(doc, root, assertion, policy, &mut r);
    check_authn_statement(doc, assertion, policy, &mut r);

    // Rules 16 and 17: the identity, only from the verified element.
    check_identity(doc, subject, assertion, trusted, &mut r);
    r
}

/// The most element children of the Response looked at: a genuine one has a handful (Issuer, Signature,
/// Extensions, Status, Assertion). Beyond it the response is refused without counting its assertions.
const MAX_RESPONSE_CHILDREN: usize = 64;

fn too_many_response_children(doc: &Document, root: NodeId) -> Option<Check> {
    let n = doc
        .element_children(root)
        .take(MAX_RESPONSE_CHILDREN + 1)
        .count();
    (n > MAX_RESPONSE_CHILDREN).then(|| {
        Check::fail(
            "single_assertion",
            Fix::Capture,
            format!("the Response has more than {MAX_RESPONSE_CHILDREN} child elements, where a SAML Response has a handful (Issuer, Signature, Status, one Assertion): it is refused without counting its assertions"),
        )
        .expected("1 Assertion directly under Response")
        .found(format!("more than {MAX_RESPONSE_CHILDREN} child elements"))
        .hint("no IdP sends this: treat this response as an attack (it is shaped to make the check slow)")
    })
}

/// A warning when the configured certificate that verified is outside its validity dates at `now`: the signature
/// is still trusted (the admin configured that certificate), but `cert check` calls it NOT USABLE, so the report
/// says so too. The dates are compared exactly as the certificate doctor compares them (no clock skew).
fn certificate_validity(der: &[u8], now: OffsetDateTime) -> Option<Check> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let validity = cert.validity();
    let nb = OffsetDateTime::from_unix_timestamp(validity.not_before.timestamp()).ok()?;
    let na = OffsetDateTime::from_unix_timestamp(validity.not_after.timestamp()).ok()?;
    let message = if now < nb {
        format!(
            "warning: the configured certificate that verified the signature is not valid yet (it starts on {}); `ssopilot cert check` calls it NOT USABLE",
            fmt_time(nb)
        )
    } else if now > na {
        format!(
            "warning: the configured certificate that verified the signature expired on {}; `ssopilot cert check` calls it NOT USABLE",
            fmt_time(na)
        )
    } else {
        return None;
    };
    Some(
        Check::pass("signing_certificate_validity", Fix::Certificate, message)
            .expected(format!("valid from {} to {}", fmt_time(nb), fmt_time(na)))
            .found(format!("now {}", fmt_time(now)))
            .hint("service providers that check certificate dates refuse this certificate: download the IdP's current signing certificate (renew it in the IdP first if it still signs with this one), or check this computer's clock"),
    )
}

fn describe(v: &Option<Result<Verified, XmlDsigError>>) -> &'static str {
    match v {
        None => "absent",
        Some(Ok(_)) => "valid",
        Some(Err(_)) => "INVALID",
    }
}

fn stage_step(stage: Stage) -> Fix {
    match stage {
        Stage::Key | Stage::Value => Fix::Certificate,
        Stage::Algorithm => Fix::IdpApplication,
        _ => Fix::Capture,
    }
}

fn stage_pass_message(stage: Stage, v: Option<&Verified>) -> String {
    match stage {
        Stage::Structure => {
            "one SignedInfo, SignatureMethod, Reference and SignatureValue; no Object or Manifest"
                .into()
        }
        Stage::Reference => "the Reference points to the element the signature sits in".into(),
        Stage::Transforms => "enveloped-signature then exclusive c14n".into(),
        Stage::Algorithm => match v {
            Some(v) => format!("{:?} with {:?} digest", v.algorithm, v.digest),
            None => "the algorithms are acceptable".into(),
        },
        Stage::Key => "the key is one of the configured IdP certificates".into(),
        Stage::Digest => "the digest of the signed element matches".into(),
        Stage::Value => "the signature value verifies with the configured certificate".into(),
    }
}

fn verify_into(
    doc: &Document,
    sig: NodeId,
    scope: &str,
    policy: &Policy,
    r: &mut Report,
) -> Result<Verified, XmlDsigError> {
    let result = xmldsig::verify(doc, sig, &policy.idp_certs, policy.allow_sha1);
    for stage in Stage::ALL {
        let id = format!("{scope}_signature_{}", stage.name());
        match &result {
            Ok(v) => {
                let mut c = Check::pass(id, stage_step(stage), stage_pass_message(stage, Some(v)));
                if stage == Stage::Algorithm && v.uses_sha1() {
                    c.message = format!(
                        "SHA-1 accepted only because the legacy switch is on ({:?}, {:?} digest)",
                        v.algorithm, v.digest
                    );
                    c.hint = Some("ask the IdP to sign with RSA-SHA256".into());
                    r.warnings.push(format!(
                        "the {scope} signature uses SHA-1, accepted only because --allow-sha1 is set"
                    ));
                }
                if stage == Stage::Key {
                    if let Some(cert) = policy.idp_certs.get(v.cert_index) {
                        c.found = Some(format!("SHA-256 {}", Fingerprint::sha256(cert)));
                    }
                }
                r.push(c);
            }
            Err(e) => {
                if stage < e.stage() {
                    r.push(Check::pass(
                        id,
                        stage_step(stage),
                        stage_pass_message(stage, None),
                    ));
                } else {
                    let hint = match e.stage() {
                        Stage::Key | Stage::Value => "compare the certificate's fingerprint with the one in the IdP portal, and paste the IdP's current signing certificate",
                        Stage::Digest => "the signed content was modified after signing: capture the response again, unmodified",
                        Stage::Algorithm => "configure the IdP to sign with RSA-SHA256",
                        _ => "this signature is not one a standard SAML IdP produces; capture the response again or treat it as an attack",
                    };
                    let mut c = Check::fail(id, stage_step(e.stage()), e.to_string()).hint(hint);
                    if let Some(ki) = xmldsig::keyinfo_certificate(doc, sig) {
                        if matches!(e.stage(), Stage::Key | Stage::Value) {
                            c.found = Some(format!(
                                "signed with certificate SHA-256 {}",
                                Fingerprint::sha256(&ki)
                            ));
                            c.expected = Some(
                                policy
                                    .idp_certs
                                    .iter()
                                    .map(|d| format!("SHA-256 {}", Fingerprint::sha256(d)))
                                    .collect::<Vec<_>>()
                                    .join(" or "),
                            );
                        }
                    }
                    r.push(c);
                    break;
                }
            }
        }
    }
    result
}

fn check_status(doc: &Document, root: NodeId, r: &mut Report) {
    let status = child(doc, root, SAMLP_NS, "Status");
    let code = status.and_then(|s| child(doc, s, SAMLP_NS, "StatusCode"));
    let value = code.and_then(|c| attr(doc, c, "Value"));
    if value == Some(STATUS_SUCCESS) {
        r.push(
            Check::pass("status_success", Fix::UserAccess, "the IdP reports Success")
                .expected(STATUS_SUCCESS)
                .found(STATUS_SUCCESS),
        );
        return;
    }
    let sub = code
        .and_then(|c| child(doc, c, SAMLP_NS, "StatusCode"))
        .and_then(|c| attr(doc, c, "Value"));
    let msg = status
        .and_then(|s| child(doc, s, SAMLP_NS, "StatusMessage"))
        .map(|m| doc.text_only(m).0);
    let mut found = value.unwrap_or("(no StatusCode)").to_string();
    if let Some(s) = sub {
        found.push_str(&format!(" / {s}"));
    }
    if let Some(m) = msg {
        found.push_str(&format!(" ({})", m.trim()));
    }
    r.push(
        Check::fail("status_success", Fix::UserAccess, "the IdP did not report Success")
            .expected(STATUS_SUCCESS)
            .found(found)
            .hint("the IdP refused the login: make sure the test user is assigned to the application (JumpCloud: User Groups tab)"),
    );
}

fn in_response_to_check(id: &str, what: &str, irt: Option<&str>, policy: &Policy) -> Check {
    match (&policy.request_id, irt) {
        (Some(req), Some(v)) if v == req => Check::pass(id, Fix::Capture, format!("{what} answers the pending request"))
            .expected(req.as_str())
            .found(v),
        (Some(req), v) => Check::fail(id, Fix::Capture, format!("{what} does not answer the pending request"))
            .expected(req.as_str())
            .found_opt(v)
            .hint("start the test login again from the SP (SP-initiated) and check the response that comes back"),
        (None, Some(v)) => Check::fail(id, Fix::Capture, format!("{what} answers request \"{v}\", but no pending request ID was given"))
            .expected("(no InResponseTo: IdP-initiated)")
            .found(v)
            .hint(format!("pass the ID of the AuthnRequest (--request-id {v}) if this is the request you sent")),
        (None, None) if policy.allow_idp_initiated => Check::pass(id, Fix::Capture, format!("{what} is IdP-initiated, which the policy allows"))
            .found("(absent)"),
        (None, None) => Check::fail(id, Fix::Capture, format!("{what} is IdP-initiated (no InResponseTo), which the policy does not allow"))
            .found("(absent)")
            .hint("start the login from the SP, or allow IdP-initiated logins (--allow-idp-initiated)"),
    }
}

fn check_subject_confirmation(
    doc: &Document,
    subject: Option<NodeId>,
    policy: &Policy,
    r: &mut Report,
) {
    let acs = policy.acs_url.as_str();
    let skew = policy.skew();
    let bearers: Vec<NodeId> = subject
        .map(|s| {
            doc.children_named(s, SAML_NS, "SubjectConfirmation")
                .filter(|c| attr(doc, *c, "Method") == Some(BEARER))
                .collect()
        })
        .unwrap_or_default();
    if bearers.is_empty() {
        r.push(
            Check::fail(
                "subject_bearer",
                Fix::IdpApplication,
                "the Subject has no bearer SubjectConfirmation",
            )
            .expected(BEARER)
            .found("(none)"),
        );
        return;
    }
    // Evaluate every bearer confirmation; report the first that satisfies everything, else the first one.
    let mut evaluated: Vec<Vec<Check>> = Vec::new();
    for sc in &bearers {
        let data = child(doc, *sc, SAML_NS, "SubjectConfirmationData");
        let mut checks = vec![Check::pass(
            "subject_bearer",
            Fix::IdpApplication,
            "a bearer SubjectConfirmation is present",
        )
        .found(BEARER)];
        let recipient = data.and_then(|d| attr(doc, d, "Recipient"));
        checks.push(if recipient == Some(acs) {
            Check::pass(
                "subject_recipient",
                Fix::SpValues,
                "the confirmation's Recipient is the ACS URL",
            )
            .expected(acs)
            .found_opt(recipient)
        } else {
            Check::fail(
                "subject_recipient",
                Fix::SpValues,
                "the confirmation's Recipient is not the configured ACS URL",
            )
            .expected(acs)
            .found_opt(recipient)
            .hint(
                "copy the ACS URL from the SP into the IdP application again (JumpCloud: ACS URL)",
            )
        });
        let nooa = data.and_then(|d| attr(doc, d, "NotOnOrAfter"));
        let nb = data.and_then(|d| attr(doc, d, "NotBefore"));
        let now = policy.now;
        let clocks = format!("now {} (skew {} s)", fmt_time(now), skew.whole_seconds());
        checks.push(match (nooa.map(|s| (s, parse_time(s))), nb) {
            (_, Some(nb)) => Check::fail("subject_time", Fix::Capture, "a bearer confirmation must not carry NotBefore")
                .expected("no NotBefore")
                .found(format!("NotBefore {nb}")),
            (None, _) => Check::fail("subject_time", Fix::Capture, "the confirmation has no NotOnOrAfter")
                .expected(format!("NotOnOrAfter after {clocks}"))
                .found("(absent)"),
            (Some((s, None)), _) => Check::fail("subject_time", Fix::Capture, "the confirmation's NotOnOrAfter is not a valid time")
                .found(s),
            (Some((s, Some(t))), _) if now < t + skew => Check::pass("subject_time", Fix::Capture, "the confirmation has not expired")
                .expected(format!("NotOnOrAfter after {clocks}"))
                .found(s),
            (Some((s, Some(_))), _) => Check::fail("subject_time", Fix::Capture, "the confirmation has expired")
                .expected(format!("NotOnOrAfter after {clocks}"))
                .found(s)
                .hint("run the test login again and check the response at once; if it keeps failing, check both computers' clocks"),
        });
        let irt = data.and_then(|d| attr(doc, d, "InResponseTo"));
        checks.push(in_response_to_check(
            "subject_in_response_to",
            "the subject confirmation",
            irt,
            policy,
        ));
        evaluated.push(checks);
    }
    let best = evaluated
        .iter()
        .position(|cs| cs.iter().all(|c| c.ok))
        .unwrap_or(0);
    if let Some(cs) = evaluated.into_iter().nth(best) {
        for c in cs {
            r.push(c);
        }
    }
}

fn check_conditions(doc: &Document, conditions: Option<NodeId>, policy: &Policy, r: &mut Report) {
    let skew = policy.skew();
    let now = policy.now;
    let Some(cond) = conditions else {
        r.push(
            Check::fail(
                "conditions_time",
                Fix::IdpApplication,
                "the Assertion has no Conditions",
            )
            .found("(absent)"),
        );
        r.push(
            Check::fail(
                "audience",
                Fix::SpValues,
                "the Assertion has no AudienceRestriction",
            )
            .expected(policy.sp_entity_id.as_str())
            .found("(absent)"),
        );
        return;
    };
    let nb = attr(doc, cond, "NotBefore");
    let nooa = attr(doc, cond, "NotOnOrAfter");
    let clocks = format!("now {} (skew {} s)", fmt_time(now), skew.whole_seconds());
    let found = format!(
        "NotBefore {}, NotOnOrAfter {}",
        nb.unwrap_or("(absent)"),
        nooa.unwrap_or("(absent)")
    );
    let nb_t = nb.map(parse_time);
    let nooa_t = nooa.map(parse_time);
    let c = if matches!(nb_t, Some(None)) || matches!(nooa_t, Some(None)) {
        Check::fail(
            "conditions_time",
            Fix::Capture,
            "a Conditions time is not a valid xs:dateTime",
        )
    } else if nb_t.flatten().is_some_and(|t| now + skew < t) {
        Check::fail(
            "conditions_time",
            Fix::Capture,
            "the assertion is not valid yet (NotBefore is in the future)",
        )
        .hint("check the clocks of this computer and of the IdP")
    } else if nooa_t.flatten().is_some_and(|t| now >= t + skew) {
        Check::fail("conditions_time", Fix::Capture, "the assertion has expired (NotOnOrAfter has passed)")
            .hint("run the test login again and check the response at once; if it keeps failing, check the clocks")
    } else {
        Check::pass(
            "conditions_time",
            Fix::Capture,
            "the assertion is within its validity window",
        )
    };
    r.push(
        c.expected(format!("NotBefore <= now <= NotOnOrAfter, {clocks}"))
            .found(found),
    );

    let sp = policy.sp_entity_id.as_str();
    let restrictions: Vec<NodeId> = doc
        .children_named(cond, SAML_NS, "AudienceRestriction")
        .collect();
    let lists: Vec<Vec<String>> = restrictions
        .iter()
        .map(|ar| {
            doc.children_named(*ar, SAML_NS, "Audience")
                .map(|a| doc.text_only(a).0.trim().to_string())
                .collect()
        })
        .collect();
    let found = lists
        .iter()
        .map(|l| format!("[{}]", l.join(", ")))
        .collect::<Vec<_>>()
        .join(" and ");
    if restrictions.is_empty() {
        r.push(
            Check::fail(
                "audience",
                Fix::SpValues,
                "the Assertion has no AudienceRestriction",
            )
            .expected(sp)
            .found("(absent)"),
        );
    } else if lists.iter().all(|l| l.iter().any(|a| a == sp)) {
        r.push(
            Check::pass(
                "audience",
                Fix::SpValues,
                "every AudienceRestriction lists the SP entity ID",
            )
            .expected(sp)
            .found(found),
        );
    } else {
        r.push(
            Check::fail("audience", Fix::SpValues, "the assertion is meant for another service provider (Audience)")
                .expected(sp)
                .found(found)
                .hint("set the SP Entity ID in the IdP application to exactly the SP's value (JumpCloud: SP Entity ID)"),
        );
    }
}

fn check_issue_instants(
    doc: &Document,
    root: NodeId,
    assertion: NodeId,
    policy: &Policy,
    r: &mut Report,
) {
    let skew = policy.skew();
    let mut problems = Vec::new();
    for (what, id) in [("Response", root), ("Assertion", assertion)] {
        match attr(doc, id, "IssueInstant").map(|s| (s, parse_time(s))) {
            None => problems.push(format!("{what} has no IssueInstant")),
            Some((s, None)) => {
                problems.push(format!("{what} IssueInstant {s} is not a valid time"))
            }
            Some((s, Some(t))) if t > policy.now + skew => {
                problems.push(format!("{what} IssueInstant {s} is in the future"))
            }
            _ => {}
        }
    }
    let clocks = format!(
        "now {} (skew {} s)",
        fmt_time(policy.now),
        skew.whole_seconds()
    );
    if problems.is_empty() {
        r.push(
            Check::pass(
                "issue_instant",
                Fix::Capture,
                "issue times are valid and not in the future",
            )
            .expected(clocks),
        );
    } else {
        r.push(
            Check::fail("issue_instant", Fix::Capture, problems.join("; "))
                .expected(clocks)
                .hint("check the clocks of this computer and of the IdP"),
        );
    }
}

fn check_authn_statement(doc: &Document, assertion: NodeId, policy: &Policy, r: &mut Report) {
    let stmts: Vec<NodeId> = doc
        .children_named(assertion, SAML_NS, "AuthnStatement")
        .collect();
    let Some(first) = stmts.first() else {
        r.push(
            Check::fail(
                "authn_statement",
                Fix::IdpApplication,
                "the Assertion has no AuthnStatement",
            )
            .found("(absent)"),
        );
        return;
    };
    let session = attr(doc, *first, "SessionNotOnOrAfter");
    r.session_not_on_or_after = session.map(str::to_string);
    match session.map(|s| (s, parse_time(s))) {
        Some((s, None)) => r.push(
            Check::fail(
                "authn_statement",
                Fix::Capture,
                "SessionNotOnOrAfter is not a valid time",
            )
            .found(s),
        ),
        Some((s, Some(t))) if policy.now >= t + policy.skew() => r.push(
            Check::fail(
                "authn_statement",
                Fix::Capture,
                "the session the IdP granted has already ended (SessionNotOnOrAfter)",
            )
            .found(s)
            .expected(format!("after {}", fmt_time(policy.now))),
        ),
        _ => r.push(
            Check::pass(
                "authn_statement",
                Fix::IdpApplication,
                "an AuthnStatement is present",
            )
            .found(format!("{} statement(s)", stmts.len())),
        ),
    }
}

fn check_identity(
    doc: &Document,
    subject: Option<NodeId>,
    assertion: NodeId,
    trusted: bool,
    r: &mut Report,
) {
    let name_id = subject.and_then(|s| child(doc, s, SAML_NS, "NameID"));
    match name_id {
        None => r.push(
            Check::fail("name_id", Fix::IdpApplication, "the Subject has no NameID")
                .hint("set the NameID (JumpCloud: SAMLSubject NameID) in the IdP application")
                .found("(absent)"),
        ),
        Some(n) => {
            let (text, other) = doc.text_only(n);
            if other {
                r.push(
                    Check::fail("name_id", Fix::IdpApplication, "the NameID contains a comment, processing instruction or element: its text is ambiguous (comment injection)")
                        .found(text.clone())
                        .hint("treat this response as an attack; genuine IdPs never send markup inside NameID"),
                );
            } else if text.trim().is_empty() {
                r.push(
                    Check::fail("name_id", Fix::IdpApplication, "the NameID is empty").found(""),
                );
            } else {
                r.push(
                    Check::pass("name_id", Fix::IdpApplication, "the NameID is plain text")
                        .found(text.clone()),
                );
            }
            if trusted {
                r.name_id = Some(text);
                r.name_id_format = attr(doc, n, "Format").map(str::to_string);
            }
        }
    }
    let mut flagged = Vec::new();
    // Membership of `flagged` (which keeps the order found): a scan per value was quadratic in the attributes.
    let mut flagged_set = std::collections::HashSet::new();
    let mut attrs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for st in doc.children_named(assertion, SAML_NS, "AttributeStatement") {
        for a in doc.children_named(st, SAML_NS, "Attribute") {
            let name = attr(doc, a, "Name").unwrap_or("").to_string();
            let vals = attrs.entry(name.clone()).or_default();
            for v in doc.children_named(a, SAML_NS, "AttributeValue") {
                let (text, other) = doc.text_only(v);
                if other && flagged_set.insert(name.clone()) {
                    flagged.push(name.clone());
                }
                vals.push(text);
            }
        }
    }
    if flagged.is_empty() {
        r.push(
            Check::pass(
                "attribute_values",
                Fix::Attributes,
                "attribute values are plain text",
            )
            .found(format!("{} attribute(s)", attrs.len())),
        );
    } else {
        r.push(
            Check::fail("attribute_values", Fix::Attributes, "attribute values contain comments, processing instructions or elements (comment injection)")
                .found(flagged.join(", "))
                .hint("treat this response as an attack; genuine IdPs send plain text values"),
        );
    }
    if trusted {
        r.attributes = attrs;
    }
}
