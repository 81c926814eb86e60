//! Encrypted assertions, NameIDs and attributes (issue 17): what decrypts passes every rule as if sent in clear,
//! and each attack fails with its own check.

use ssopilot_testkit::response_support::*;

use ssopilot_saml::response::{validate, Report, Rule};

#[track_caller]
fn assert_only_fails(r: &Report, id: &str) {
    assert_eq!(r.failed(), vec![id], "checks: {:#?}", r.checks());
}

/// A plain, signed assertion whose AttributeStatement also carries an EncryptedAttribute.
fn with_encrypted_attribute(p: &Params) -> String {
    let xml = response_xml(p).replacen(
        "<saml:AttributeStatement>",
        "<saml:AttributeStatement><saml:EncryptedAttribute><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></saml:EncryptedAttribute>",
        1,
    );
    sign_assertion(&xml, p, rsa_idp())
}

#[test]
fn an_encrypted_attribute_without_a_key_is_a_failed_check_not_dropped() {
    let p = Params::default();
    let r = validate(with_encrypted_attribute(&p).as_bytes(), &policy());
    assert_only_fails(&r, "decryption");
    let c = r.check(Rule::Decryption).unwrap();
    assert!(c.message.contains("1 encrypted attribute"), "{}", c.message);
    assert!(c.hint.as_deref().unwrap().contains("--sp-decryption-key"));
}
