//! Issue 16's validator findings, on responses shaped like real IdPs' (python3-saml's test responses, signxml-based
//! IdPs): each vector is generated and signed here.

use response_support::*;
use ssopilot_saml::response::{validate, Fix, Report, Rule};
use ssopilot_testkit::response_support;

fn run(xml: &str) -> Report {
    validate(xml.as_bytes(), &policy())
}

/// SAML core 3.2.2 makes InResponseTo optional on the Response: the bearer confirmation answering the request is
/// enough. When both carry it, both must match.
#[test]
fn in_response_to_on_the_confirmation_alone_is_accepted() {
    let p = Params {
        in_response_to: None,
        ..Params::default()
    };
    let r = run(&sign_both(&response_xml(&p), &p, rsa_idp()));
    assert!(r.valid(), "{:?}", r.failed());
    let c = r.check(Rule::InResponseTo).unwrap();
    assert!(c.message.contains("optional"), "{}", c.message);
    assert_eq!(r.message_ids().in_response_to.as_deref(), Some(REQ));
    assert_eq!(
        r.check(Rule::SubjectInResponseTo).unwrap().found.as_deref(),
        Some(REQ)
    );

    // The confirmation answering another request is refused on both counts.
    let p = Params {
        in_response_to: None,
        sc_in_response_to: Some("_other".into()),
        ..Params::default()
    };
    let r = run(&sign_both(&response_xml(&p), &p, rsa_idp()));
    assert_eq!(r.failed(), vec!["in_response_to", "subject_in_response_to"]);

    // Present on both: both must match.
    let p = Params {
        in_response_to: Some("_other".into()),
        ..Params::default()
    };
    let r = run(&sign_both(&response_xml(&p), &p, rsa_idp()));
    assert_eq!(r.failed(), vec!["in_response_to"]);
}

fn with_sp_name_qualifier(q: &str) -> String {
    let p = Params::default();
    let xml = response_xml(&p).replace(
        "<saml:NameID Format=",
        &format!("<saml:NameID SPNameQualifier=\"{q}\" Format="),
    );
    sign_both(&xml, &p, rsa_idp())
}

#[test]
fn a_name_id_issued_for_another_sp_fails_with_expected_and_found() {
    let r = run(&with_sp_name_qualifier("https://other-sp.example.com"));
    assert_eq!(r.failed(), vec!["name_id_sp_qualifier"]);
    let c = r.check(Rule::NameIdSpQualifier).unwrap();
    assert_eq!(c.expected.as_deref(), Some(SP));
    assert_eq!(c.found.as_deref(), Some("https://other-sp.example.com"));
    assert_eq!(c.fix, Fix::SpValues);

    let r = run(&with_sp_name_qualifier(SP));
    assert!(r.valid(), "{:?}", r.failed());
    assert!(r.check(Rule::NameIdSpQualifier).unwrap().ok);
    // Without the attribute there is nothing to compare, and no check.
    assert!(run(&genuine(&Params::default()))
        .check(Rule::NameIdSpQualifier)
        .is_none());
}

/// A Responder status with no assertion (how IdPs refuse a login): the report shows the IdP's own codes and
/// message as the failed status check, not only a missing assertion.
#[test]
fn a_refusal_is_reported_with_the_idps_status_and_message() {
    let xml = format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_resp-1b2c3d" Version="2.0" IssueInstant="2026-11-25T11:59:55Z" Destination="{ACS}" InResponseTo="{REQ}"><saml:Issuer>{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode><samlp:StatusMessage>User is not assigned to this application</samlp:StatusMessage></samlp:Status></samlp:Response>"#
    );
    let r = run(&xml);
    assert_eq!(r.failed(), vec!["status_success"]);
    assert!(r.check(Rule::SingleAssertion).is_none());
    let c = r.check(Rule::StatusSuccess).unwrap();
    assert_eq!(
        c.found.as_deref(),
        Some("StatusCode urn:oasis:names:tc:SAML:2.0:status:Responder, second-level StatusCode urn:oasis:names:tc:SAML:2.0:status:AuthnFailed, StatusMessage \"User is not assigned to this application\"")
    );
    assert_eq!(
        c.message,
        "the IdP did not report Success: it answered Responder / AuthnFailed, saying \"User is not assigned to this application\""
    );
    assert_eq!(c.fix, Fix::UserAccess);
}

/// A genuine signature that a signxml-based IdP appends after the AttributeStatement: said where it is, and as an
/// IdP defect other libraries reject too, not as an attack.
#[test]
fn a_signature_after_the_attribute_statement_is_described_as_an_idp_defect() {
    let p = Params::default();
    let xml = genuine(&p);
    let s = xml.find("<ds:Signature").unwrap();
    let e = xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let sig = &xml[s..e];
    let moved = xml.replace(sig, "").replace(
        "</saml:AttributeStatement>",
        &format!("</saml:AttributeStatement>{sig}"),
    );
    let r = run(&moved);
    assert_eq!(r.failed(), vec!["signature_placement"]);
    let c = r.check(Rule::SignaturePlacement).unwrap();
    assert!(
        c.message.contains("after <saml:AttributeStatement>"),
        "{}",
        c.message
    );
    assert!(c.message.contains("Assertion's Signature"), "{}", c.message);
    let hint = c.hint.as_deref().unwrap();
    assert!(hint.contains("defect of the IdP"), "{hint}");
    assert!(hint.contains("python3-saml"), "{hint}");
    assert!(!hint.contains("attack"), "{hint}");
    assert_eq!(c.fix, Fix::IdpApplication);
}

/// Every report carries the clock: the Response's IssueInstant against the time of the check.
#[test]
fn the_clock_is_measured_on_every_report() {
    let r = run(&genuine(&Params::default()));
    let c = r.clock().unwrap();
    assert_eq!(c.idp_time, "2026-11-25T11:59:55Z");
    assert_eq!(c.local_time, "2026-11-25T12:00:00Z");
    assert_eq!((c.offset_seconds, c.allowed_skew_seconds), (-5, 180));
    assert!(c.within_skew());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["clock"],
        serde_json::json!({"idp_time": "2026-11-25T11:59:55Z", "local_time": "2026-11-25T12:00:00Z", "offset_seconds": -5, "allowed_skew_seconds": 180})
    );
    // Not a Response: nothing to measure.
    assert!(run("<x/>").clock().is_none());
}

/// A failed time check says whose clock is off, and by how much.
#[test]
fn a_failed_time_check_says_whose_clock_to_fix_and_by_how_much() {
    let p = Params {
        issue_instant: NOW + time::Duration::seconds(247),
        not_before: NOW + time::Duration::seconds(200),
        ..Params::default()
    };
    let r = run(&sign_both(&response_xml(&p), &p, rsa_idp()));
    assert_eq!(r.failed(), vec!["conditions_time", "issue_instant"]);
    let hint = r.check(Rule::IssueInstant).unwrap().hint.clone().unwrap();
    assert!(
        hint.starts_with("the IdP's clock is 247 s ahead of this computer; allowed skew 180 s: if this computer's clock is right, correct the IdP's clock"),
        "{hint}"
    );
    assert_eq!(
        r.check(Rule::ConditionsTime).unwrap().hint.as_deref(),
        Some(hint.as_str())
    );

    let p = Params {
        issue_instant: NOW - time::Duration::seconds(900),
        not_on_or_after: NOW - time::Duration::seconds(600),
        sc_not_on_or_after: NOW - time::Duration::seconds(600),
        ..Params::default()
    };
    let r = run(&sign_both(&response_xml(&p), &p, rsa_idp()));
    assert_eq!(r.failed(), vec!["subject_time", "conditions_time"]);
    let hint = r.check(Rule::SubjectTime).unwrap().hint.clone().unwrap();
    assert!(
        hint.starts_with("the IdP's clock is 900 s behind this computer (or the response is that old); allowed skew 180 s: test again with a fresh sign-in"),
        "{hint}"
    );
}

/// samlify's default template writes `InResponseTo=""` on unsolicited responses. An empty value names no request:
/// it is read as absent (as SP-side SAML libraries read it), so an IdP-initiated test passes with a warning saying
/// so, and an SP-initiated one still fails as unsolicited.
#[test]
fn an_empty_in_response_to_is_read_as_absent_and_said() {
    let p = Params {
        in_response_to: Some(String::new()),
        sc_in_response_to: Some(String::new()),
        ..Params::default()
    };
    let xml = sign_both(&response_xml(&p), &p, rsa_idp());
    let mut idp_initiated = policy();
    idp_initiated.expect = ssopilot_saml::response::Expect::IdpInitiated;
    let r = validate(xml.as_bytes(), &idp_initiated);
    assert!(r.valid(), "{:?}", r.failed());
    assert_eq!(r.flow(), Some(ssopilot_saml::response::Flow::IdpInitiated));
    assert_eq!(r.message_ids().in_response_to, None);
    assert!(
        r.warnings()
            .iter()
            .any(|w| w.contains("InResponseTo=\"\" (empty): read as absent")),
        "{:?}",
        r.warnings()
    );

    // Expecting an answer to our request, it is unsolicited, on both counts.
    let r = run(&xml);
    assert_eq!(r.failed(), vec!["in_response_to", "subject_in_response_to"]);
}
