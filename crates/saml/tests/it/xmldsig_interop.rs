//! XML-DSig sign/verify round trips with our own code (RSA and ECDSA), and interoperability with xmlsec1 in both
//! directions: documents we sign verify with `xmlsec1 --verify`, and responses xmlsec1 signs verify with ours.

use ssopilot_testkit::response_support;

use response_support::*;
use ssopilot_saml::response::validate;
use ssopilot_saml::xml::{parse, Document, NodeId};
use ssopilot_saml::xmldsig::{self, sign_enveloped, SignatureAlgorithm, XmlDsigError, DS_NS};

const ASSERTION_SIG: &str = "//*[local-name()='Assertion']/*[local-name()='Signature']";
const RESPONSE_SIG: &str = "/*[local-name()='Response']/*[local-name()='Signature']";

fn signatures(doc: &Document) -> Vec<NodeId> {
    doc.elements()
        .filter(|e| doc.element(*e).unwrap().is(DS_NS, "Signature"))
        .collect()
}

fn verify_all(xml: &str, idp: &Idp) -> Vec<Result<xmldsig::Verified, XmlDsigError>> {
    let doc = parse(xml).unwrap();
    signatures(&doc)
        .into_iter()
        .map(|s| xmldsig::verify(&doc, s, std::slice::from_ref(&idp.cert_der), false))
        .collect()
}

#[test]
fn rsa_round_trip_assertion_response_and_both() {
    let p = Params::default();
    let idp = rsa_idp();
    for (what, xml, n) in [
        ("assertion", sign_assertion(&response_xml(&p), &p, idp), 1),
        ("response", sign_response(&response_xml(&p), &p, idp), 1),
        ("both", sign_both(&response_xml(&p), &p, idp), 2),
    ] {
        let results = verify_all(&xml, idp);
        assert_eq!(results.len(), n, "{what}");
        for r in &results {
            let v = r.as_ref().unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(v.algorithm, SignatureAlgorithm::RsaSha256);
        }
        let report = validate(xml.as_bytes(), &policy());
        assert!(report.valid(), "{what}: {:?}", report.failed());
    }
}

#[test]
fn rsa_sha384_and_sha512_round_trip() {
    let p = Params::default();
    let idp = rsa_idp();
    for alg in [SignatureAlgorithm::RsaSha384, SignatureAlgorithm::RsaSha512] {
        let xml = sign_enveloped(
            &response_xml(&p),
            &p.assertion_id,
            &idp.signing_key(),
            &idp.cert_der,
            alg,
        )
        .unwrap();
        let r = verify_all(&xml, idp);
        assert_eq!(r[0].as_ref().unwrap().algorithm, alg);
        assert!(validate(xml.as_bytes(), &policy()).valid());
    }
}

#[test]
fn ecdsa_p256_and_p384_round_trip() {
    let p = Params::default();
    for (idp, alg) in [
        (ec256_idp(), SignatureAlgorithm::EcdsaSha256),
        (ec384_idp(), SignatureAlgorithm::EcdsaSha384),
    ] {
        let xml = sign_both(&response_xml(&p), &p, idp);
        for r in verify_all(&xml, idp) {
            assert_eq!(r.unwrap().algorithm, alg);
        }
        let report = validate(xml.as_bytes(), &policy_for(idp));
        assert!(report.valid(), "{alg:?}: {:?}", report.failed());
        assert!(report.signed().response && report.signed().assertion);
    }
}

#[test]
fn signing_refuses_a_key_algorithm_mismatch_and_unknown_ids() {
    let p = Params::default();
    let xml = response_xml(&p);
    let e = sign_enveloped(
        &xml,
        &p.assertion_id,
        &ec256_idp().signing_key(),
        &ec256_idp().cert_der,
        SignatureAlgorithm::RsaSha256,
    );
    assert!(matches!(e, Err(XmlDsigError::Sign(_))));
    let e = sign_enveloped(
        &xml,
        "_nope",
        &rsa_idp().signing_key(),
        &rsa_idp().cert_der,
        SignatureAlgorithm::RsaSha256,
    );
    assert!(matches!(e, Err(XmlDsigError::Sign(_))));
}

#[test]
fn tampering_and_wrong_keys_are_detected_by_stage() {
    let p = Params::default();
    let idp = rsa_idp();
    let xml = sign_assertion(&response_xml(&p), &p, idp);
    let tampered = xml.replace(
        "alice@example.com</saml:NameID>",
        "mallory@example.com</saml:NameID>",
    );
    let r = verify_all(&tampered, idp);
    assert_eq!(r[0], Err(XmlDsigError::DigestMismatch));
    // Configured with another certificate: KeyInfo names a certificate that is not configured.
    let r = verify_all(&xml, other_rsa_idp());
    assert!(
        matches!(r[0], Err(XmlDsigError::KeyInfoMismatch { .. })),
        "{r:?}"
    );
    // Without KeyInfo, the configured key simply does not verify.
    let start = xml.find("<ds:KeyInfo>").unwrap();
    let end = xml.find("</ds:KeyInfo>").unwrap() + "</ds:KeyInfo>".len();
    let no_keyinfo = format!("{}{}", &xml[..start], &xml[end..]);
    assert!(verify_all(&no_keyinfo, idp)[0].is_ok());
    let r = verify_all(&no_keyinfo, other_rsa_idp());
    assert!(
        matches!(r[0], Err(XmlDsigError::SignatureMismatch { .. })),
        "{r:?}"
    );
    // An ECDSA certificate cannot verify an RSA signature.
    let r = verify_all(&no_keyinfo, ec256_idp());
    assert!(
        matches!(r[0], Err(XmlDsigError::KeyAlgorithmMismatch { .. })),
        "{r:?}"
    );
}

#[test]
fn xmlsec1_verifies_what_we_sign() {
    let p = Params::default();
    for idp in [rsa_idp(), ec256_idp()] {
        let a = sign_assertion(&response_xml(&p), &p, idp);
        let (ok, err) = xmlsec_verify(&a, idp, Some(ASSERTION_SIG));
        assert!(ok, "assertion-signed: {err}");
        let r = sign_response(&response_xml(&p), &p, idp);
        let (ok, err) = xmlsec_verify(&r, idp, Some(RESPONSE_SIG));
        assert!(ok, "response-signed: {err}");
        let b = sign_both(&response_xml(&p), &p, idp);
        let (ok, err) = xmlsec_verify(&b, idp, Some(RESPONSE_SIG));
        assert!(ok, "both, response signature: {err}");
        let (ok, err) = xmlsec_verify(&b, idp, Some(ASSERTION_SIG));
        assert!(ok, "both, assertion signature: {err}");
        // The oracle is not trivially true: a tampered document fails in xmlsec1 too.
        let t = a.replace("Alice<", "Mallory<");
        assert!(!xmlsec_verify(&t, idp, Some(ASSERTION_SIG)).0);
    }
}

fn xmlsec_template_assertion(p: &Params, sig_alg: &str) -> String {
    insert_after_issuer(
        &response_xml(p),
        "<saml:Assertion ",
        &signature_template(&p.assertion_id, sig_alg, SHA256, STD_TRANSFORMS),
    )
}

fn xmlsec_template_response(xml: &str, p: &Params, sig_alg: &str) -> String {
    insert_after_issuer(
        xml,
        "<samlp:Response ",
        &signature_template(&p.response_id, sig_alg, SHA256, STD_TRANSFORMS),
    )
}

#[test]
fn we_accept_what_xmlsec1_signs() {
    let p = Params::default();
    let idp = rsa_idp();
    let assertion_signed = xmlsec_sign(&xmlsec_template_assertion(&p, RSA_SHA256), idp);
    let response_signed = xmlsec_sign(
        &xmlsec_template_response(&response_xml(&p), &p, RSA_SHA256),
        idp,
    );
    // Both: the assertion first, then the response (whose signature then comes first in document order).
    let both = xmlsec_sign(
        &xmlsec_template_response(&assertion_signed, &p, RSA_SHA256),
        idp,
    );
    for (what, xml, resp, assertion) in [
        ("assertion", &assertion_signed, false, true),
        ("response", &response_signed, true, false),
        ("both", &both, true, true),
    ] {
        let report = validate(xml.as_bytes(), &policy());
        assert!(report.valid(), "{what}: {:?}\n{xml}", report.failed());
        assert_eq!(
            (report.signed().response, report.signed().assertion),
            (resp, assertion),
            "{what}"
        );
        assert_eq!(report.name_id(), Some("alice@example.com"));
    }
    // ECDSA P-256 from xmlsec1 (raw r||s signature values).
    let ec = ec256_idp();
    let xml = xmlsec_sign(
        &xmlsec_template_assertion(&p, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"),
        ec,
    );
    let report = validate(xml.as_bytes(), &policy_for(ec));
    assert!(report.valid(), "ecdsa: {:?}", report.failed());
}
