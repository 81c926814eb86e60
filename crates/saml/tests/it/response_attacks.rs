//! Every rule of saml-response-rules.md and the attack list of issue 5: each case asserts WHICH check failed.
//! All vectors are generated here, signed by our signer (and by xmlsec1 where an attack needs a real signature
//! with algorithms we never produce).

use ssopilot_testkit::response_support;

use base64::Engine;
use response_support::*;
use ssopilot_saml::response::{validate, Policy, Replay, Report, Rule};
use ssopilot_saml::xmldsig::Stage;
use time::Duration;

fn run(xml: &str) -> Report {
    validate(xml.as_bytes(), &policy())
}

fn run_with(xml: &str, p: &Policy) -> Report {
    validate(xml.as_bytes(), p)
}

/// Asserts the report is invalid and that `id` is among the failed checks.
#[track_caller]
fn assert_fails(r: &Report, id: &str) {
    assert!(!r.valid(), "expected invalid, got valid");
    assert!(
        r.failed().contains(&id),
        "expected {id} to fail; failed: {:?}",
        r.failed()
    );
    let c = r.checks().iter().find(|c| c.id.as_str() == id).unwrap();
    assert!(!c.message.is_empty());
}

/// Asserts `id` is the ONLY failed check.
#[track_caller]
fn assert_only_fails(r: &Report, id: &str) {
    assert_eq!(r.failed(), vec![id], "checks: {:#?}", r.checks());
}

fn assertion_el(xml: &str) -> String {
    let s = xml.find("<saml:Assertion ").unwrap();
    let e = xml.rfind("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    xml[s..e].to_string()
}

fn without_signature(fragment: &str) -> String {
    match (
        fragment.find("<ds:Signature"),
        fragment.find("</ds:Signature>"),
    ) {
        (Some(s), Some(e)) => format!(
            "{}{}",
            &fragment[..s],
            &fragment[e + "</ds:Signature>".len()..]
        ),
        _ => fragment.to_string(),
    }
}

fn evil(fragment: &str) -> String {
    fragment
        .replace("alice@example.com", "mallory@example.com")
        .replace("_assert-4e5f6a", "_evil-assert")
}

#[test]
fn genuine_responses_pass_every_check() {
    let p = Params::default();
    let r = run(&genuine(&p));
    assert!(r.valid(), "{:#?}", r.checks());
    assert_eq!(r.name_id(), Some("alice@example.com"));
    assert_eq!(r.issuer(), Some(IDP));
    assert_eq!(
        r.attributes().get("firstname").unwrap(),
        &vec!["Alice".to_string()]
    );
    assert_eq!(r.replay(), Replay::NotEvaluated);
    assert_eq!(
        r.signing_certificate_sha256().unwrap(),
        &ssopilot_saml::fingerprint::Fingerprint::sha256(&rsa_idp().cert_der)
    );
    for id in [
        "input_size",
        "xml_well_formed",
        "xml_no_dtd",
        "response_root",
        "single_assertion",
        "unique_ids",
        "signature_placement",
        "assertion_signature_structure",
        "assertion_signature_reference",
        "assertion_signature_transforms",
        "assertion_signature_algorithm",
        "assertion_signature_key",
        "assertion_signature_digest",
        "assertion_signature_value",
        "signature_required",
        "status_success",
        "response_issuer",
        "assertion_issuer",
        "destination",
        "in_response_to",
        "subject_bearer",
        "subject_recipient",
        "subject_time",
        "subject_in_response_to",
        "conditions_time",
        "audience",
        "issue_instant",
        "authn_statement",
        "name_id",
        "attribute_values",
    ] {
        assert!(
            r.checks().iter().any(|c| c.id.as_str() == id && c.ok),
            "{id} missing or failed"
        );
    }
}

#[test]
fn accepted_input_forms() {
    let xml = genuine(&Params::default());
    let b64 = base64::engine::general_purpose::STANDARD.encode(xml.as_bytes());
    assert!(validate(b64.as_bytes(), &policy()).valid());
    let url = b64
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    assert!(validate(url.as_bytes(), &policy()).valid());
    let form = format!("SAMLResponse={url}&RelayState=%2Fdashboard");
    assert!(validate(form.as_bytes(), &policy()).valid());
    assert_only_fails(&validate(b"%%%", &policy()), "input_decoding");
}

// ---- Parsing (rules 1-5) ----

#[test]
fn doctype_entity_bomb_and_external_entity() {
    let xml = genuine(&Params::default());
    let body = xml.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let doctype = format!("<!DOCTYPE samlp:Response>\n{body}");
    assert_only_fails(&run(&doctype), "xml_no_dtd");
    let bomb = format!(
        "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n{}",
        body.replace("Alice<", "&c;<")
    );
    assert_only_fails(&run(&bomb), "xml_no_dtd");
    let xxe = format!(
        "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n{}",
        body.replace("Alice<", "&x;<")
    );
    assert_only_fails(&run(&xxe), "xml_no_dtd");
    // An undeclared entity without a DOCTYPE is refused the same way.
    assert_only_fails(&run(&xml.replace("Alice<", "&x;<")), "xml_no_dtd");
}

#[test]
fn oversize_is_refused_before_parsing() {
    let huge = format!(
        "<samlp:Response>{}</samlp:Response>",
        "x".repeat(2 * 1024 * 1024)
    );
    let r = run(&huge);
    assert_only_fails(&r, "input_size");
    assert_eq!(r.checks().len(), 1);
    // Just over the cap as base64, too.
    let b64 = base64::engine::general_purpose::STANDARD.encode(vec![b'<'; 1024 * 1024 + 10]);
    assert_only_fails(&validate(b64.as_bytes(), &policy()), "input_size");
}

#[test]
fn malformed_xml_variants() {
    let xml = genuine(&Params::default());
    for (what, bad) in [
        (
            "xml 1.1",
            xml.replace("version=\"1.0\" encoding", "version=\"1.1\" encoding"),
        ),
        ("latin-1", xml.replace("UTF-8", "ISO-8859-1")),
        (
            "duplicate attribute",
            xml.replace(
                "Version=\"2.0\" IssueInstant",
                "Version=\"2.0\" Version=\"2.0\" IssueInstant",
            ),
        ),
        (
            "mismatched tag",
            xml.replace("</saml:Subject>", "</saml:Subjekt>"),
        ),
        (
            "undeclared prefix",
            xml.replace("<saml:Conditions ", "<evil:Conditions ")
                .replace("</saml:Conditions>", "</evil:Conditions>"),
        ),
        (
            "empty prefixed namespace",
            xml.replace("<saml:Subject>", "<saml:Subject xmlns:p=\"\">"),
        ),
        (
            "rebinding xml",
            xml.replace("<saml:Subject>", "<saml:Subject xmlns:xml=\"urn:evil\">"),
        ),
    ] {
        let r = run(&bad);
        assert!(!r.valid(), "{what} accepted");
        assert_eq!(r.failed(), vec!["xml_well_formed"], "{what}");
    }
    let deep = format!("<a>{}</a>", "<b>".repeat(200) + &"</b>".repeat(200));
    assert_only_fails(&run(&deep), "xml_limits");
}

// ---- Structure (rules 6-8) ----

#[test]
fn wrong_root_and_version() {
    let r = run("<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>");
    assert_only_fails(&r, "response_root");
    // A prefix that looks right but is bound to another namespace.
    let r = run("<samlp:Response xmlns:samlp=\"urn:evil\" Version=\"2.0\"/>");
    assert_only_fails(&r, "response_root");
    let p = Params::default();
    let r = run(&genuine(&p).replacen("Version=\"2.0\"", "Version=\"1.1\"", 1));
    assert_only_fails(&r, "response_root");
}

#[test]
fn two_assertions_and_encrypted_assertion() {
    let p = Params::default();
    let xml = genuine(&p);
    let a = assertion_el(&xml);
    let two = xml.replace(&a, &format!("{a}{}", evil(&without_signature(&a))));
    assert_only_fails(&run(&two), "single_assertion");
    let none = xml.replace(&a, "");
    assert_only_fails(&run(&none), "single_assertion");
    let enc = xml.replace(&a, "<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></saml:EncryptedAssertion>");
    let r = run(&enc);
    assert_only_fails(&r, "decryption");
    assert!(r
        .check(Rule::Decryption)
        .unwrap()
        .message
        .contains("EncryptedData has no EncryptionMethod"));
}

#[test]
fn duplicate_ids() {
    let p = Params::default();
    let xml = genuine(&p);
    let dup = xml.replace(
        "<samlp:Status>",
        "<samlp:Extensions><x ID=\"_assert-4e5f6a\"/></samlp:Extensions><samlp:Status>",
    );
    assert_only_fails(&run(&dup), "unique_ids");
}

// XML Signature Wrapping, shaped as SAML Raider builds XSW1-XSW8.

#[test]
fn xsw1_and_xsw2_response_signature_wrapping() {
    let p = Params::default();
    let signed = sign_response(&response_xml(&p), &p, rsa_idp());
    let body = signed.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let sig_start = body.find("<ds:Signature").unwrap();
    let sig_end = body.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let sig = &body[sig_start..sig_end];
    let original_unsigned = without_signature(body);
    let evil_resp = evil(&original_unsigned).replace("_resp-1b2c3d", "_evil-resp");
    // XSW1: the original response moves into the signature's Object; the evil response carries the signature.
    let sig_with_object = sig.replace(
        "</ds:Signature>",
        &format!("<ds:Object>{original_unsigned}</ds:Object></ds:Signature>"),
    );
    let xsw1 = insert_after_issuer(&evil_resp, "<samlp:Response ", &sig_with_object);
    assert_only_fails(&run(&xsw1), "single_assertion");
    // XSW2: the original response sits before the (detached) signature.
    let xsw2 = insert_after_issuer(
        &evil_resp,
        "<samlp:Response ",
        &format!("{original_unsigned}{sig}"),
    );
    assert_only_fails(&run(&xsw2), "single_assertion");
    // The same shapes without a second assertion still fail on the Object / the moved signature.
    let xsw1_no_assertion = insert_after_issuer(
        &evil_resp,
        "<samlp:Response ",
        &sig.replace(
            "</ds:Signature>",
            "<ds:Object><x/></ds:Object></ds:Signature>",
        ),
    );
    let r = run(&xsw1_no_assertion);
    assert_fails(&r, "response_signature_structure");
}

#[test]
fn xsw3_to_xsw8_assertion_signature_wrapping() {
    let p = Params::default();
    let xml = genuine(&p);
    let orig = assertion_el(&xml);
    let orig_nosig = without_signature(&orig);
    let evil_a = evil(&orig_nosig);
    let sig = &orig[orig.find("<ds:Signature").unwrap()
        ..orig.find("</ds:Signature>").unwrap() + "</ds:Signature>".len()];
    // XSW3: evil assertion inserted before the signed original.
    let xsw3 = xml.replace(&orig, &format!("{evil_a}{orig}"));
    // XSW4: evil assertion wraps the signed original.
    let xsw4 = xml.replace(
        &orig,
        &evil_a.replace("</saml:Assertion>", &format!("{orig}</saml:Assertion>")),
    );
    // XSW5: evil assertion carries a copy of the signature; the original follows unsigned.
    let evil_with_sig = insert_after_issuer(&evil_a, "<saml:Assertion ", sig);
    let xsw5 = xml.replace(&orig, &format!("{evil_with_sig}{orig_nosig}"));
    // XSW6: evil assertion with the signature, the original inside the signature's Object.
    let sig_obj = sig.replace(
        "</ds:Signature>",
        &format!("<ds:Object>{orig_nosig}</ds:Object></ds:Signature>"),
    );
    let xsw6 = xml.replace(
        &orig,
        &insert_after_issuer(&evil_a, "<saml:Assertion ", &sig_obj),
    );
    // XSW7: the signed original hidden in an Extensions element, the evil assertion beside it.
    let xsw7 = xml.replace(
        &orig,
        &format!("<samlp:Extensions>{orig}</samlp:Extensions>{evil_a}"),
    );
    // XSW8: evil assertion with a signature whose Object holds the original (its own signature removed).
    let xsw8 = xml.replace(
        &orig,
        &insert_after_issuer(
            &evil_a,
            "<saml:Assertion ",
            &sig.replace(
                "</ds:Signature>",
                &format!("<ds:Object>{orig_nosig}</ds:Object></ds:Signature>"),
            ),
        ),
    );
    for (name, x) in [
        ("XSW3", xsw3),
        ("XSW4", xsw4),
        ("XSW5", xsw5),
        ("XSW6", xsw6),
        ("XSW7", xsw7),
        ("XSW8", xsw8),
    ] {
        let r = run(&x);
        assert!(!r.valid(), "{name} accepted");
        assert_eq!(r.failed(), vec!["single_assertion"], "{name}");
        assert!(r.name_id().is_none(), "{name} leaked an identity");
    }
    // A lone evil assertion carrying the copied signature: the Reference points at the original ID.
    let lone = xml.replace(&orig, &evil_with_sig);
    let r = run(&lone);
    assert_fails(&r, "assertion_signature_reference");
    assert!(r.name_id().is_none());
}

#[test]
fn signature_moved_or_stripped() {
    let p = Params::default();
    let xml = genuine(&p);
    let orig = assertion_el(&xml);
    let sig = &orig[orig.find("<ds:Signature").unwrap()
        ..orig.find("</ds:Signature>").unwrap() + "</ds:Signature>".len()];
    let moved = xml
        .replace(sig, "")
        .replace("</saml:Subject>", &format!("{sig}</saml:Subject>"));
    assert_only_fails(&run(&moved), "signature_placement");
    let to_end = xml
        .replace(sig, "")
        .replace("</saml:Assertion>", &format!("{sig}</saml:Assertion>"));
    assert_only_fails(&run(&to_end), "signature_placement");
    let stripped = xml.replace(sig, "");
    let r = run(&stripped);
    assert_only_fails(&r, "signature_required");
    assert!(
        r.name_id().is_none(),
        "unsigned identity must not be reported"
    );
}

#[test]
fn reference_uri_empty_elsewhere_or_xpointer() {
    let p = Params::default();
    let xml = genuine(&p);
    for uri in [
        "",
        "#_resp-1b2c3d",
        "#xpointer(/)",
        "https://evil.example/doc.xml",
        "#_missing",
    ] {
        let bad = xml.replace("URI=\"#_assert-4e5f6a\"", &format!("URI=\"{uri}\""));
        let r = run(&bad);
        assert_fails(&r, "assertion_signature_reference");
        assert_fails(&r, "signature_required");
    }
}

#[test]
fn untrusted_key_and_keyinfo_swaps() {
    let p = Params::default();
    let attacker = other_rsa_idp();
    let forged = sign_assertion(&response_xml(&p), &p, attacker);
    let r = run(&forged);
    assert_fails(&r, "assertion_signature_key");
    let c = r.check(Rule::AssertionSignature(Stage::Key)).unwrap();
    let attacker_fp = ssopilot_saml::fingerprint::Fingerprint::sha256(&attacker.cert_der);
    let ours_fp = ssopilot_saml::fingerprint::Fingerprint::sha256(&rsa_idp().cert_der);
    assert!(
        c.message.contains(attacker_fp.as_str()) && c.message.contains(ours_fp.as_str()),
        "{}",
        c.message
    );
    assert_eq!(
        r.signing_certificate_sha256().as_ref(),
        Some(&attacker_fp).as_ref()
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    // Forged with the attacker's key, but KeyInfo swapped to the genuine certificate: the value does not verify.
    let swapped = forged.replace(
        &b64.encode(&attacker.cert_der),
        &b64.encode(&rsa_idp().cert_der),
    );
    assert_fails(&run(&swapped), "assertion_signature_value");
    // A genuine signature whose KeyInfo was swapped to another certificate is refused too (stricter than needed).
    let genuine_swapped = genuine(&p).replace(
        &b64.encode(&rsa_idp().cert_der),
        &b64.encode(&attacker.cert_der),
    );
    assert_fails(&run(&genuine_swapped), "assertion_signature_key");
    // No certificate configured at all: an error, never a skipped check.
    let mut pol = policy();
    pol.idp_certs.clear();
    assert_fails(&run_with(&genuine(&p), &pol), "assertion_signature_key");
}

#[test]
fn hmac_xpath_xslt_withcomments_and_base64_transforms() {
    let p = Params::default();
    let xml = genuine(&p);
    let hmac = xml.replace(
        RSA_SHA256,
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
    );
    let r = run(&hmac);
    assert_fails(&r, "assertion_signature_algorithm");
    assert!(r
        .check(Rule::AssertionSignature(Stage::Algorithm))
        .unwrap()
        .message
        .contains("HMAC"));
    let exc = "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>";
    for (name, t) in [
        ("XPath", "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>not(ancestor-or-self::ds:Signature)</ds:XPath></ds:Transform>"),
        ("XSLT", "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"><x/></ds:Transform>"),
        ("Base64", "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#base64\"/>"),
        ("WithComments", "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#WithComments\"/>"),
    ] {
        let bad = xml.replace(exc, t);
        let r = run(&bad);
        assert_fails(&r, "assertion_signature_transforms");
        assert!(r.check(Rule::AssertionSignature(Stage::Transforms)).unwrap().message.contains(name), "{name}");
    }
    let c14n_wc = xml.replace(
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#WithComments\"/>",
    );
    assert_fails(&run(&c14n_wc), "assertion_signature_transforms");
}

#[test]
fn sha1_only_with_the_legacy_switch() {
    let p = Params::default();
    let tmpl = insert_after_issuer(
        &response_xml(&p),
        "<saml:Assertion ",
        &signature_template(
            &p.assertion_id,
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            "http://www.w3.org/2000/09/xmldsig#sha1",
            STD_TRANSFORMS,
        ),
    );
    let xml = xmlsec_sign(&tmpl, rsa_idp());
    let r = run(&xml);
    assert_fails(&r, "assertion_signature_algorithm");
    let c = r.check(Rule::AssertionSignature(Stage::Algorithm)).unwrap();
    assert!(c.message.contains("SHA-1"));
    // Issue 16: the failure says what was expected and what the IdP used.
    assert!(
        c.expected.as_deref().unwrap().contains("RSA-SHA256"),
        "{:?}",
        c.expected
    );
    assert_eq!(
        c.found.as_deref(),
        Some("SignatureMethod http://www.w3.org/2000/09/xmldsig#rsa-sha1, DigestMethod http://www.w3.org/2000/09/xmldsig#sha1")
    );
    let mut legacy = policy();
    legacy.allow_sha1 = true;
    let r = run_with(&xml, &legacy);
    assert!(r.valid(), "{:?}", r.failed());
    assert_eq!(r.warnings().len(), 1);
}

#[test]
fn signature_structure_rules() {
    let p = Params::default();
    let xml = genuine(&p);
    let two_refs = xml.replacen(
        "</ds:SignedInfo>",
        "<ds:Reference URI=\"#_assert-4e5f6a\"/></ds:SignedInfo>",
        1,
    );
    assert_fails(&run(&two_refs), "assertion_signature_structure");
    let object = xml.replacen("</ds:Signature>", "<ds:Object/></ds:Signature>", 1);
    assert_fails(&run(&object), "assertion_signature_structure");
    let markup_in_value = xml.replacen("<ds:SignatureValue>", "<ds:SignatureValue><!--x-->", 1);
    assert_fails(&run(&markup_in_value), "assertion_signature_structure");
    let bad_b64 = xml.replacen("<ds:DigestValue>", "<ds:DigestValue>!!", 1);
    assert_fails(&run(&bad_b64), "assertion_signature_digest");
    let bad_sig = xml.replacen("<ds:SignatureValue>", "<ds:SignatureValue>AAAA", 1);
    assert_fails(&run(&bad_sig), "assertion_signature_value");
}

#[test]
fn both_signatures_must_verify_and_policy_can_require_assertion_signature() {
    let p = Params::default();
    let both = sign_both(&response_xml(&p), &p, rsa_idp());
    assert!(run(&both).valid());
    // Break only the response signature (its SignatureValue comes first in document order).
    let broken = both.replacen("<ds:SignatureValue>", "<ds:SignatureValue>AAAA", 1);
    let r = run(&broken);
    assert_fails(&r, "response_signature_value");
    assert_fails(&r, "signature_required");
    let response_only = sign_response(&response_xml(&p), &p, rsa_idp());
    assert!(run(&response_only).valid());
    let mut strict = policy();
    strict.require_signed_assertion = true;
    assert_only_fails(&run_with(&response_only, &strict), "signature_required");
    assert!(run_with(&both, &strict).valid());
}

#[test]
fn comment_injection_in_name_id_and_attributes() {
    // The IdP signs a NameID the attacker registered; a comment inserted afterwards keeps the signature valid
    // (c14n drops comments) but splits the text a naive SP reads.
    let p = Params {
        name_id: "alice@example.com.evil.com".into(),
        ..Params::default()
    };
    let xml = genuine(&p).replace(
        "alice@example.com.evil.com<",
        "alice@example.com<!---->.evil.com<",
    );
    let r = run(&xml);
    assert!(
        r.check(Rule::AssertionSignature(Stage::Value)).unwrap().ok,
        "the signature itself still verifies"
    );
    assert_only_fails(&r, "name_id");
    let xml = genuine(&Params::default()).replace(">Alice<", ">Al<!-- x -->ice<");
    let r = run(&xml);
    assert_only_fails(&r, "attribute_values");
    // A processing instruction is part of the canonical form, so inserting one also breaks the digest.
    let xml = genuine(&Params::default()).replace(">Alice<", "><?pi x?>Alice<");
    let r = run(&xml);
    assert_fails(&r, "attribute_values");
    assert_fails(&r, "assertion_signature_digest");
}

// ---- SAML meaning (rules 18-22), each on a correctly re-signed response ----

fn resigned(p: &Params) -> Report {
    run(&sign_both(&response_xml(p), p, rsa_idp()))
}

#[test]
fn resigned_with_wrong_values() {
    let d = Params::default;
    let r = resigned(&Params {
        status: "urn:oasis:names:tc:SAML:2.0:status:Requester".into(),
        ..d()
    });
    assert_only_fails(&r, "status_success");
    assert_eq!(
        r.check(Rule::StatusSuccess).unwrap().fix,
        ssopilot_saml::response::Fix::UserAccess
    );
    let r = resigned(&Params {
        response_issuer: Some("https://evil.example/idp".into()),
        ..d()
    });
    assert_only_fails(&r, "response_issuer");
    let r = resigned(&Params {
        assertion_issuer: "https://evil.example/idp".into(),
        ..d()
    });
    assert_only_fails(&r, "assertion_issuer");
    let r = resigned(&Params {
        audience: "https://other-sp.example".into(),
        ..d()
    });
    assert_only_fails(&r, "audience");
    let r = resigned(&Params {
        recipient: "https://evil.example/acs".into(),
        ..d()
    });
    assert_only_fails(&r, "subject_recipient");
    let r = resigned(&Params {
        destination: Some("https://evil.example/acs".into()),
        ..d()
    });
    assert_only_fails(&r, "destination");
    let r = resigned(&Params {
        destination: None,
        ..d()
    });
    assert_only_fails(&r, "destination");
    // A signed Response without an Issuer (issue 16): the Signature comes first, where the schema puts it when the
    // Issuer is absent, and the report names the missing Issuer, not a misplaced signature.
    let r = resigned(&Params {
        response_issuer: None,
        ..d()
    });
    assert_only_fails(&r, "response_issuer");
    let c = r.check(Rule::ResponseIssuer).unwrap();
    assert!(c.message.contains("must have an Issuer"), "{}", c.message);
    assert_eq!(c.found.as_deref(), Some("(absent)"));
    assert!(r.signed().response, "the signature itself still verifies");
    let r = resigned(&Params {
        in_response_to: Some("_other".into()),
        ..d()
    });
    assert_only_fails(&r, "in_response_to");
    let r = resigned(&Params {
        sc_in_response_to: Some("_other".into()),
        ..d()
    });
    assert_only_fails(&r, "subject_in_response_to");
    let r = resigned(&Params {
        authn_statement: false,
        ..d()
    });
    assert_only_fails(&r, "authn_statement");
}

#[test]
fn resigned_with_wrong_times_and_clock_skew() {
    let d = Params::default;
    let expired = Params {
        not_on_or_after: NOW - Duration::seconds(600),
        sc_not_on_or_after: NOW - Duration::seconds(600),
        ..d()
    };
    let r = resigned(&expired);
    assert_eq!(r.failed(), vec!["subject_time", "conditions_time"]);
    let c = r.check(Rule::ConditionsTime).unwrap();
    assert!(
        c.expected
            .as_ref()
            .unwrap()
            .contains("2026-11-25T12:00:00Z")
            && c.expected.as_ref().unwrap().contains("skew 180 s")
    );
    let future = Params {
        not_before: NOW + Duration::seconds(600),
        ..d()
    };
    assert_only_fails(&resigned(&future), "conditions_time");
    // Within the skew: NotBefore 2 minutes ahead of our clock is accepted, 4 minutes is not.
    assert!(resigned(&Params {
        not_before: NOW + Duration::seconds(120),
        ..d()
    })
    .valid());
    assert_only_fails(
        &resigned(&Params {
            not_before: NOW + Duration::seconds(240),
            ..d()
        }),
        "conditions_time",
    );
    let issued_future = Params {
        issue_instant: NOW + Duration::seconds(900),
        ..d()
    };
    assert_only_fails(&resigned(&issued_future), "issue_instant");
    // A skew above the cap is capped (600 s).
    let mut lax = policy();
    lax.clock_skew = Duration::hours(5);
    let r = run_with(
        &sign_both(&response_xml(&expired), &expired, rsa_idp()),
        &lax,
    );
    assert!(!r.valid());
    // Bearer confirmations must not carry NotBefore.
    let p = d();
    let xml = response_xml(&p).replace(
        "<saml:SubjectConfirmationData ",
        &format!("<saml:SubjectConfirmationData NotBefore=\"{}\" ", ts(NOW)),
    );
    assert_only_fails(&run(&sign_both(&xml, &p, rsa_idp())), "subject_time");
}

#[test]
fn idp_initiated_only_where_allowed() {
    let p = Params {
        in_response_to: None,
        sc_in_response_to: None,
        ..Params::default()
    };
    let xml = sign_both(&response_xml(&p), &p, rsa_idp());
    let mut pol = policy();
    pol.expect = ssopilot_saml::response::Expect::RequestNotGiven;
    let r = run_with(&xml, &pol);
    assert_eq!(r.failed(), vec!["in_response_to", "subject_in_response_to"]);
    pol.expect = ssopilot_saml::response::Expect::IdpInitiated;
    assert!(run_with(&xml, &pol).valid());
    // A response that answers a request while none is pending is not silently accepted.
    let answered = genuine(&Params::default());
    assert!(!run_with(&answered, &pol).valid());
    // With a pending request, an unsolicited response is refused.
    assert_eq!(
        run(&xml).failed(),
        vec!["in_response_to", "subject_in_response_to"]
    );
}

/// A live SP says where an unsolicited response was posted from through the policy: the validator words the
/// `in_response_to` check with it (no caller edits a check's message any more).
#[test]
fn an_unsolicited_response_names_where_it_was_posted_from() {
    let p = Params {
        in_response_to: None,
        sc_in_response_to: None,
        ..Params::default()
    };
    let xml = sign_both(&response_xml(&p), &p, rsa_idp());
    let mut pol = policy();
    pol.expect = ssopilot_saml::response::Expect::IdpInitiated;
    let plain = run_with(&xml, &pol);
    let c = plain.check(Rule::InResponseTo).unwrap();
    assert!(c.ok && !c.message.contains("posted from"), "{}", c.message);
    pol.posted_from = Some("https://idp.example.com (Origin)".into());
    let r = run_with(&xml, &pol);
    assert!(r.valid(), "{:?}", r.failed());
    let c = r.check(Rule::InResponseTo).unwrap();
    assert!(c.message.contains("unsolicited"), "{}", c.message);
    assert!(
        c.message
            .ends_with("it was posted from https://idp.example.com (Origin)"),
        "{}",
        c.message
    );
}

/// Where the request cannot be known (a pasted response), the validator itself leaves InResponseTo out: the
/// verdict is its own, with no check for a caller to drop, and the report still says how the login started.
#[test]
fn an_unknown_request_is_not_evaluated_and_the_flow_is_reported() {
    use ssopilot_saml::response::{Expect, Flow};
    let mut pol = policy();
    pol.expect = Expect::Unknown;
    let answered = run_with(&genuine(&Params::default()), &pol);
    assert!(answered.valid(), "{:?}", answered.failed());
    assert!(answered.check(Rule::InResponseTo).is_none());
    assert!(answered.check(Rule::SubjectInResponseTo).is_none());
    assert_eq!(answered.flow(), Some(Flow::SpInitiated));
    let p = Params {
        in_response_to: None,
        sc_in_response_to: None,
        ..Params::default()
    };
    let unsolicited = run_with(&sign_both(&response_xml(&p), &p, rsa_idp()), &pol);
    assert!(unsolicited.valid(), "{:?}", unsolicited.failed());
    assert_eq!(unsolicited.flow(), Some(Flow::IdpInitiated));
    // Everything else still counts: a wrong audience fails as ever.
    let p = Params {
        audience: "https://other-sp.example.com".into(),
        ..Params::default()
    };
    assert_only_fails(
        &run_with(&sign_both(&response_xml(&p), &p, rsa_idp()), &pol),
        "audience",
    );
}

/// Replay memory keys on the IDs of the one parse (no second parse by the SP), and the validator alone turns the
/// guard's answer into the `replay` check and the verdict.
#[test]
fn replay_is_judged_from_the_ids_of_the_one_parse() {
    use ssopilot_saml::response::{check_replay, MessageIds, ReplayGuard};
    #[derive(Default)]
    struct Memory(Vec<String>, Vec<String>);
    impl ReplayGuard for Memory {
        fn replayed(&mut self, ids: &MessageIds, answers: Option<&str>, accept: bool) -> bool {
            let seen = ids.ids.iter().any(|i| self.0.contains(i))
                || answers.is_some_and(|a| self.1.iter().any(|b| b == a));
            if accept && !seen {
                self.0.extend(ids.ids.iter().cloned());
                self.1.extend(answers.map(str::to_string));
            }
            seen
        }
    }
    let xml = genuine(&Params::default());
    let first = run(&xml);
    assert_eq!(
        first.message_ids().ids.len(),
        2,
        "{:?}",
        first.message_ids()
    );
    assert!(first
        .message_ids()
        .ids
        .iter()
        .any(|i| i.starts_with("Response:")));
    assert!(first
        .message_ids()
        .ids
        .iter()
        .any(|i| i.starts_with("Assertion:")));
    assert!(first.message_ids().in_response_to.is_some());
    assert!(first.decoded_xml().is_some_and(|x| x.contains("Assertion")));
    let mut memory = Memory::default();
    let pol = policy();
    let once = check_replay(first.clone(), &pol, &mut memory);
    assert!(once.valid());
    assert_eq!(once.replay(), Replay::NotReplayed);
    assert!(once.check(Rule::Replay).is_some_and(|c| c.ok));
    let again = check_replay(run(&xml), &pol, &mut memory);
    assert!(!again.valid());
    assert_eq!(again.replay(), Replay::Replayed);
    assert_eq!(again.failed(), vec!["replay"]);
    // Garbage is not remembered and gets no replay check.
    let garbage = check_replay(run_with("garbage", &pol), &pol, &mut memory);
    assert!(garbage.message_ids().ids.is_empty());
    assert!(garbage.check(Rule::Replay).is_none());
}

#[test]
fn reports_never_panic_on_truncations() {
    let xml = genuine(&Params::default());
    for cut in (0..xml.len()).step_by(97) {
        if !xml.is_char_boundary(cut) {
            continue;
        }
        let r = run(&xml[..cut]);
        assert!(!r.valid(), "truncated at {cut} accepted");
    }
}

#[test]
fn rsa_keys_below_2048_bits_are_refused() {
    // ring (our signer) cannot make 1024-bit keys, so openssl makes the key and xmlsec1 signs with it.
    require_tool("openssl", "openssl");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    let cert = dir.path().join("c.pem");
    let o = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=weak-idp",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cert_pem = std::fs::read_to_string(&cert).unwrap();
    let b64: String = cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let weak = Idp {
        key_pkcs8: Vec::new(),
        cert_der: base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
        cert_pem,
        key_pem: std::fs::read_to_string(&key).unwrap(),
    };
    let p = Params::default();
    let tmpl = insert_after_issuer(
        &response_xml(&p),
        "<saml:Assertion ",
        &signature_template(&p.assertion_id, RSA_SHA256, SHA256, STD_TRANSFORMS),
    );
    let xml = xmlsec_sign(&tmpl, &weak);
    let r = run_with(&xml, &policy_for(&weak));
    assert_fails(&r, "assertion_signature_key");
    assert!(
        r.check(Rule::AssertionSignature(Stage::Key))
            .unwrap()
            .message
            .contains("1024 bits"),
        "{:?}",
        r.check(Rule::AssertionSignature(Stage::Key))
    );
}
