//! Issue 18, denial of service before any signature is checked: every cap on attacker-chosen input fails closed,
//! with a clear message, at the check a reader would look at. Speed itself is measured in benches/worst_case.rs,
//! never here.

use ssopilot_testkit::response_support;

use response_support::*;
use ssopilot_saml::response::{validate, Report, Rule};
use ssopilot_saml::xmldsig::Stage;

fn run(xml: &str) -> Report {
    validate(xml.as_bytes(), &policy())
}

#[track_caller]
fn failed_with(r: &Report, id: &str, needle: &str) {
    assert!(!r.valid(), "expected invalid, got valid");
    let c = r
        .checks()
        .iter()
        .find(|c| c.id.as_str() == id)
        .unwrap_or_else(|| panic!("no check {id}; checks: {:?}", r.failed()));
    assert!(!c.ok, "expected {id} to fail; failed: {:?}", r.failed());
    assert!(
        c.message.contains(needle),
        "{id}: expected a message with {needle:?}, got {:?}",
        c.message
    );
}

const EXC_TRANSFORM: &str =
    r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#;

/// The genuine response with an InclusiveNamespaces PrefixList added to the Reference's exc-c14n transform (the
/// signature value then no longer verifies, but everything before it is evaluated).
fn with_prefix_list(list: &str) -> String {
    let xml = genuine(&Params::default());
    assert_eq!(xml.matches(EXC_TRANSFORM).count(), 1);
    xml.replace(
        EXC_TRANSFORM,
        &format!(
            r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="{list}"/></ds:Transform>"#
        ),
    )
}

#[test]
fn prefix_lists_within_the_cap_are_used() {
    // 64 prefixes: still read and used, so every stage up to the signature value passes.
    let list: Vec<String> = (0..64).map(|i| format!("p{i}")).collect();
    let r = run(&with_prefix_list(&list.join(" ")));
    assert!(
        r.check(Rule::AssertionSignature(Stage::Transforms))
            .unwrap()
            .ok
    );
    assert!(r.check(Rule::AssertionSignature(Stage::Digest)).unwrap().ok);
    assert!(!r.check(Rule::AssertionSignature(Stage::Value)).unwrap().ok);
}

#[test]
fn a_prefix_list_with_too_many_prefixes_is_refused() {
    let list: Vec<String> = (0..65).map(|i| format!("p{i}")).collect();
    let r = run(&with_prefix_list(&list.join(" ")));
    failed_with(&r, "assertion_signature_transforms", "PrefixList");
    failed_with(&r, "assertion_signature_transforms", "65 prefixes");
    failed_with(&r, "assertion_signature_transforms", "at most 64");
    // The same cap holds for SignedInfo's CanonicalizationMethod.
    let xml = genuine(&Params::default()).replacen(
        r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#,
        &format!(
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="{}"/></ds:CanonicalizationMethod>"#,
            (0..1000).map(|i| format!("p{i}")).collect::<Vec<_>>().join(" ")
        ),
        1,
    );
    failed_with(
        &run(&xml),
        "assertion_signature_transforms",
        "1000 prefixes",
    );
}

#[test]
fn a_prefix_list_with_a_too_long_prefix_is_refused() {
    let long = "p".repeat(65);
    let r = run(&with_prefix_list(&format!("xs {long}")));
    failed_with(&r, "assertion_signature_transforms", "65 characters");
    failed_with(&r, "assertion_signature_transforms", "at most 64");
}

#[test]
fn too_many_namespaces_in_scope_are_refused_by_the_parser() {
    // 12 nested elements declaring 30 namespaces each: 360 in scope, each element within the per-element limit.
    let mut nested = String::new();
    for level in 0..12 {
        nested.push_str("<x");
        for i in 0..30 {
            nested.push_str(&format!(" xmlns:n{level}x{i}=\"urn:n:{level}:{i}\""));
        }
        nested.push('>');
    }
    nested.push_str(&"</x>".repeat(12));
    let xml = genuine(&Params::default()).replacen(
        "</saml:AttributeStatement>",
        &format!("{nested}</saml:AttributeStatement>"),
        1,
    );
    let r = run(&xml);
    failed_with(&r, "xml_limits", "namespace declarations in scope");
    assert_eq!(r.failed(), vec!["xml_limits"]);
}

#[test]
fn a_response_with_too_many_children_is_refused_without_counting_them() {
    let xml = genuine(&Params::default());
    let padded = xml.replacen(
        "<samlp:Status>",
        &format!("{}<samlp:Status>", "<saml:Assertion/>".repeat(5000)),
        1,
    );
    let r = run(&padded);
    failed_with(&r, "single_assertion", "more than 64 child elements");
    // Below the cap the usual count is reported.
    let two = xml.replacen("<samlp:Status>", "<saml:Assertion/><samlp:Status>", 1);
    let r = run(&two);
    failed_with(&r, "single_assertion", "exactly one Assertion");
    assert_eq!(
        r.check(Rule::SingleAssertion).unwrap().found.as_deref(),
        Some("2 direct Assertion, 0 EncryptedAssertion, 0 elsewhere")
    );
}

#[test]
fn misplaced_assertions_are_still_counted() {
    let xml = genuine(&Params::default()).replacen(
        "</saml:AttributeStatement>",
        &format!(
            "<saml:Attribute Name=\"x\">{}</saml:Attribute></saml:AttributeStatement>",
            "<saml:Assertion/>".repeat(3000)
        ),
        1,
    );
    let r = run(&xml);
    assert_eq!(
        r.check(Rule::SingleAssertion).unwrap().found.as_deref(),
        Some("1 direct Assertion, 0 EncryptedAssertion, 3000 elsewhere")
    );
}

#[test]
fn a_canonical_form_blown_up_by_namespace_declarations_is_refused() {
    // One long namespace URI declared on the signed Assertion but used only by its children: exclusive c14n
    // repeats the declaration on every child, 400 x 100 KB = 40 MB from a 100 KB input.
    let uri = format!("urn:{}", "u".repeat(100_000));
    let xml = genuine(&Params::default())
        .replacen(
            "<saml:Assertion ",
            &format!("<saml:Assertion xmlns:big=\"{uri}\" "),
            1,
        )
        .replacen(
            "</saml:AttributeStatement>",
            &format!("{}</saml:AttributeStatement>", "<big:x/>".repeat(400)),
            1,
        );
    let r = run(&xml);
    failed_with(&r, "assertion_signature_digest", "canonical form");
    assert!(r.check(Rule::AssertionSignature(Stage::Key)).unwrap().ok);
}
