//! Encrypted assertions, NameIDs and attributes (issue 17): what decrypts passes every rule as if sent in clear,
//! and each attack fails with its own check.

use ssopilot_testkit::encryption_support::*;
use ssopilot_testkit::response_support::*;

use ssopilot_saml::response::{validate, Encrypted, Report, Rule};
use ssopilot_saml::xmlenc::ContentCipher;

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

fn cipher_value_of_data(xml: &str) -> (usize, usize) {
    // The EncryptedData's own CipherValue is the last one in the element (EncryptedKey comes first when inline).
    let data = xml.find("<xenc:EncryptedData").unwrap();
    let end_data = xml.find("</xenc:EncryptedData>").unwrap();
    let s = data
        + xml[data..end_data].rfind("<xenc:CipherValue>").unwrap()
        + "<xenc:CipherValue>".len();
    let e = s + xml[s..].find("</xenc:CipherValue>").unwrap();
    (s, e)
}

/// `xml` with the byte at `index` of the EncryptedData's ciphertext flipped (negative: from the end).
fn tamper(xml: &str, index: isize) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let (s, e) = cipher_value_of_data(xml);
    let mut raw = b64.decode(&xml[s..e]).unwrap();
    let i = if index < 0 {
        raw.len() - index.unsigned_abs()
    } else {
        index as usize
    };
    raw[i] ^= 0x01;
    format!("{}{}{}", &xml[..s], b64.encode(raw), &xml[e..])
}

#[test]
fn every_algorithm_and_key_placement_decrypts_and_passes_every_rule() {
    let p = Params::default();
    let signed = genuine(&p);
    for cipher in ContentCipher::ALL {
        for transport in TRANSPORTS {
            for placement in PLACEMENTS {
                let e = Enc {
                    cipher,
                    transport,
                    placement,
                };
                let xml = encrypt_assertion(&signed, e);
                assert!(
                    !xml.contains("alice@example.com"),
                    "{e:?}: the assertion is not in clear"
                );
                let r = validate(xml.as_bytes(), &decryption_policy());
                assert!(r.valid(), "{e:?}: {:?}", r.failed());
                assert_eq!(r.name_id(), Some("alice@example.com"));
                assert_eq!(r.attributes()["firstname"], vec!["Alice"]);
                assert!(r.signed().assertion && !r.signed().response);
                assert_eq!(
                    r.encrypted(),
                    Encrypted {
                        assertion: true,
                        name_id: false,
                        attributes: false
                    }
                );
                let d = r.check(Rule::Decryption).unwrap();
                assert!(d.found.as_deref().unwrap().contains(cipher.name()), "{d:?}");
                assert_eq!(
                    r.message_ids().ids,
                    vec!["Response:_resp-1b2c3d", "Assertion:_assert-4e5f6a"]
                );
                let cbc_warning = r.warnings().iter().any(|w| w.contains("CBC"));
                assert_eq!(cbc_warning, !cipher.is_authenticated(), "{e:?}");
            }
        }
    }
}

#[test]
fn the_json_report_says_what_was_encrypted() {
    let p = Params::default();
    let xml = encrypt_assertion(&genuine(&p), Enc::default());
    let r = validate(xml.as_bytes(), &decryption_policy());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["encrypted"],
        serde_json::json!({"assertion": true, "name_id": false, "attributes": false})
    );
    let plain = validate(genuine(&p).as_bytes(), &decryption_policy());
    assert_eq!(
        serde_json::to_value(&plain).unwrap()["encrypted"]["assertion"],
        false
    );
    assert!(r
        .decrypted_xml()
        .unwrap()
        .contains("<saml:Assertion xmlns:saml"));
    // The key never reaches the report.
    let key_b64 = sp_encryption().key_pem.lines().nth(1).unwrap().to_string();
    assert!(!json.to_string().contains(&key_b64));
    assert!(!format!("{:?}", decryption_policy()).contains(&key_b64));
}

#[test]
fn a_response_signed_outside_covers_the_encrypted_assertion() {
    let p = Params::default();
    let xml = sign_response(
        &encrypt_assertion(&response_xml(&p), Enc::default()),
        &p,
        rsa_idp(),
    );
    let r = validate(xml.as_bytes(), &decryption_policy());
    assert!(r.valid(), "{:?}", r.failed());
    assert!(r.signed().response && !r.signed().assertion);
    assert_eq!(r.name_id(), Some("alice@example.com"));
    // Signature required keeps its meaning: a policy that requires the assertion signature refuses it.
    let mut strict = decryption_policy();
    strict.require_signed_assertion = true;
    assert_only_fails(&validate(xml.as_bytes(), &strict), "signature_required");
    // A ciphertext changed after signing is the response signature's failure: it is not even decrypted.
    let t = tamper(&xml, 20);
    let r = validate(t.as_bytes(), &decryption_policy());
    assert_eq!(
        r.failed(),
        vec!["response_signature_digest", "signature_required"]
    );
    assert!(r.check(Rule::Decryption).is_none() && !r.encrypted().assertion);
    // Signed by an untrusted key: the same, at the key stage.
    let mut other = decryption_policy();
    other.idp_certs = vec![other_rsa_idp().cert_der.clone()];
    let r = validate(xml.as_bytes(), &other);
    assert_eq!(
        r.failed(),
        vec!["response_signature_key", "signature_required"]
    );
    // And the response signature covers the EncryptedAssertion: a change that still decrypts (here, in the
    // EncryptedKey's Recipient) breaks its digest.
    let t = xml.replacen("Recipient=\"sp\"", "Recipient=\"sq\"", 1);
    let r = validate(t.as_bytes(), &decryption_policy());
    assert_eq!(
        r.failed(),
        vec!["response_signature_digest", "signature_required"]
    );
}

#[test]
fn an_unsigned_encrypted_assertion_is_not_signed() {
    let p = Params::default();
    let xml = encrypt_assertion(&response_xml(&p), Enc::default());
    let r = validate(xml.as_bytes(), &decryption_policy());
    assert_only_fails(&r, "signature_required");
    assert_eq!(
        r.name_id(),
        None,
        "the identity is read only from a verified element"
    );
}

#[test]
fn an_assertion_signed_by_an_untrusted_key_fails_after_decryption() {
    let p = Params::default();
    let xml = sign_assertion(&response_xml(&p), &p, other_rsa_idp());
    let r = validate(
        encrypt_assertion(&xml, Enc::default()).as_bytes(),
        &decryption_policy(),
    );
    assert!(
        r.failed().contains(&"assertion_signature_key"),
        "{:?}",
        r.failed()
    );
    assert!(!r.valid());
}

#[test]
fn wrong_key_tampered_ciphertext_and_tag_all_give_the_one_decryption_failure() {
    let p = Params::default();
    let signed = genuine(&p);
    let gcm = encrypt_assertion(&signed, Enc::default());
    let cbc = encrypt_assertion(
        &signed,
        Enc {
            cipher: ContentCipher::Aes128Cbc,
            ..Enc::default()
        },
    );
    let wrong_key = encrypt_in(
        &signed,
        "Assertion",
        "EncryptedAssertion",
        other_sp_encryption(),
        Enc::default(),
    );
    let garbage = {
        let (s, e) = cipher_value_of_data(&gcm);
        format!("{}AAAA{}", &gcm[..s], &gcm[e..])
    };
    let cases = [
        ("wrong key", wrong_key),
        ("tampered ciphertext", tamper(&gcm, 20)),
        ("tampered tag", tamper(&gcm, -1)),
        ("tampered CBC last block", tamper(&cbc, -1)),
        ("garbage", garbage),
    ];
    let mut messages = Vec::new();
    for (name, xml) in cases {
        let r = validate(xml.as_bytes(), &decryption_policy());
        assert_only_fails(&r, "decryption");
        let c = r.check(Rule::Decryption).unwrap();
        messages.push((name, c.message.clone()));
    }
    let first = &messages[0].1;
    assert!(
        first.contains(sp_key(sp_encryption()).fingerprint().as_str()),
        "{first}"
    );
    assert!(first.contains("did not fit"), "{first}");
    for (name, m) in &messages {
        assert_eq!(
            m, first,
            "{name}: one message for every failure (no padding oracle)"
        );
    }
}

#[test]
fn rsa_v1_5_key_transport_is_refused_saying_why_and_what_to_switch_on() {
    let p = Params::default();
    let xml = encrypt_assertion(&genuine(&p), Enc::default())
        .replace("xmlenc#rsa-oaep-mgf1p", "xmlenc#rsa-1_5");
    for policy in [decryption_policy(), policy()] {
        let r = validate(xml.as_bytes(), &policy);
        assert_only_fails(&r, "decryption");
        let c = r.check(Rule::Decryption).unwrap();
        assert!(c.message.contains("Bleichenbacher"), "{}", c.message);
        assert!(c.hint.as_deref().unwrap().contains("RSA-OAEP"));
    }
}

#[test]
fn without_a_key_the_check_says_to_give_one() {
    let p = Params::default();
    let xml = encrypt_assertion(&genuine(&p), Enc::default());
    let r = validate(xml.as_bytes(), &policy());
    assert_only_fails(&r, "decryption");
    let c = r.check(Rule::Decryption).unwrap();
    assert!(c.message.contains("no SP decryption key"), "{}", c.message);
    assert!(c.hint.as_deref().unwrap().contains("--sp-decryption-key"));
}

#[test]
fn a_plain_assertion_beside_an_encrypted_one_or_one_hidden_elsewhere_fails_closed() {
    let p = Params::default();
    let signed = genuine(&p);
    let (s, e) = (
        signed.find("<saml:Assertion ").unwrap(),
        signed.find("</saml:Assertion>").unwrap() + 17,
    );
    let enc = encrypt_text(
        &signed[s..e].replacen(
            "<saml:Assertion ",
            &format!("<saml:Assertion xmlns:saml=\"{SAML_NS}\" "),
            1,
        ),
        "EncryptedAssertion",
        sp_encryption(),
        Enc::default(),
    );
    let beside = format!("{}{enc}{}", &signed[..e], &signed[e..]);
    assert_only_fails(
        &validate(beside.as_bytes(), &decryption_policy()),
        "single_assertion",
    );
    let hidden = signed.replacen(
        "<samlp:Status>",
        &format!("<samlp:Extensions>{enc}</samlp:Extensions><samlp:Status>"),
        1,
    );
    assert_only_fails(
        &validate(hidden.as_bytes(), &decryption_policy()),
        "encrypted_assertion",
    );
    let nested = encrypt_assertion(&signed, Enc::default());
    let twice = nested.replacen(
        "<saml:EncryptedAssertion ",
        &format!(
            "<saml:EncryptedAssertion>{enc}</saml:EncryptedAssertion><saml:EncryptedAssertion "
        ),
        1,
    );
    assert!(!validate(twice.as_bytes(), &decryption_policy()).valid());
}

#[test]
fn a_doctype_entity_or_second_element_inside_the_plaintext_is_refused() {
    let p = Params::default();
    let signed = genuine(&p);
    let (s, e) = (
        signed.find("<saml:Assertion ").unwrap(),
        signed.find("</saml:Assertion>").unwrap() + 17,
    );
    let a = signed[s..e].replacen(
        "<saml:Assertion ",
        &format!("<saml:Assertion xmlns:saml=\"{SAML_NS}\" "),
        1,
    );
    let bodies = [
        (
            "doctype",
            format!("<!DOCTYPE a [<!ENTITY x \"y\">]>{a}"),
            "DOCTYPE",
        ),
        (
            "entity",
            a.replacen("alice@example.com</saml:NameID>", "&x;</saml:NameID>", 1),
            "entity",
        ),
        ("two elements", format!("{a}{a}"), "found 2"),
        (
            "another element",
            "<saml:Issuer xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">x</saml:Issuer>"
                .to_string(),
            "found <saml:Issuer>",
        ),
        (
            "breaking out",
            format!("{a}</saml:EncryptedAssertion><saml:Assertion>"),
            "not well-formed",
        ),
    ];
    for (name, body, said) in bodies {
        let enc = encrypt_text(&body, "EncryptedAssertion", sp_encryption(), Enc::default());
        let xml = format!("{}{enc}{}", &signed[..s], &signed[e..]);
        let r = validate(xml.as_bytes(), &decryption_policy());
        assert_only_fails(&r, "decrypted_xml");
        let m = &r.check(Rule::DecryptedXml).unwrap().message;
        assert!(m.contains(said), "{name}: {m}");
    }
}

#[test]
fn oversize_payloads_and_too_many_keys_are_refused_before_decrypting() {
    let p = Params::default();
    let xml = encrypt_assertion(&genuine(&p), Enc::default());
    let (s, e) = cipher_value_of_data(&xml);
    let big = format!("{}{}{}", &xml[..s], "A".repeat(800 * 1024), &xml[e..]);
    let mut policy = decryption_policy();
    policy.max_size = 2 * 1024 * 1024;
    let r = validate(big.as_bytes(), &policy);
    assert_only_fails(&r, "decryption");
    assert!(r
        .check(Rule::Decryption)
        .unwrap()
        .message
        .contains("above the limit"));
    let ek_start = xml.find("<xenc:EncryptedKey").unwrap();
    let ek_end = xml.find("</xenc:EncryptedKey>").unwrap() + "</xenc:EncryptedKey>".len();
    let ek = &xml[ek_start..ek_end];
    let many = xml.replacen(
        "</saml:EncryptedAssertion>",
        &format!("{}</saml:EncryptedAssertion>", ek.repeat(5)),
        1,
    );
    let r = validate(many.as_bytes(), &decryption_policy());
    assert_only_fails(&r, "decryption");
    assert!(r
        .check(Rule::Decryption)
        .unwrap()
        .message
        .contains("more than 4 EncryptedKey"));
}

#[test]
fn an_encrypted_name_id_and_attributes_in_a_signed_assertion_are_opened_after_its_signature() {
    let p = Params::default();
    let plain = response_xml(&p);
    let with_id = encrypt_in(
        &plain,
        "NameID",
        "EncryptedID",
        sp_encryption(),
        Enc::default(),
    );
    let with_attr = encrypt_in(
        &with_id,
        "Attribute",
        "EncryptedAttribute",
        sp_encryption(),
        Enc {
            cipher: ContentCipher::Aes128Gcm,
            ..Enc::default()
        },
    );
    let xml = sign_assertion(&with_attr, &p, rsa_idp());
    let r = validate(xml.as_bytes(), &decryption_policy());
    assert!(r.valid(), "{:?}", r.failed());
    assert_eq!(r.name_id(), Some("alice@example.com"));
    assert_eq!(r.attributes()["email"], vec!["alice@example.com"]);
    assert_eq!(r.attributes().len(), 3);
    assert_eq!(
        r.encrypted(),
        Encrypted {
            assertion: false,
            name_id: true,
            attributes: true
        }
    );
    // Without the key: a failed check, not a missing NameID in silence.
    let r = validate(xml.as_bytes(), &policy());
    assert!(r.failed().contains(&"decryption"), "{:?}", r.failed());
    // And inside an encrypted assertion.
    let both = encrypt_assertion(&xml, Enc::default());
    let r = validate(both.as_bytes(), &decryption_policy());
    assert!(r.valid(), "{:?}", r.failed());
    assert_eq!(
        r.encrypted(),
        Encrypted {
            assertion: true,
            name_id: true,
            attributes: true
        }
    );
}

#[test]
fn more_encrypted_claims_than_the_cap_are_refused_before_any_rsa_work() {
    let p = Params::default();
    let one = encrypt_text(
        &format!("<saml:Attribute xmlns:saml=\"{SAML_NS}\" Name=\"x\"/>"),
        "EncryptedAttribute",
        sp_encryption(),
        Enc::default(),
    );
    let xml = response_xml(&p).replacen(
        "<saml:AttributeStatement>",
        &format!("<saml:AttributeStatement>{}", one.repeat(65)),
        1,
    );
    let xml = sign_assertion(&xml, &p, rsa_idp());
    let r = validate(xml.as_bytes(), &decryption_policy());
    assert_only_fails(&r, "decryption");
    assert!(r
        .check(Rule::Decryption)
        .unwrap()
        .message
        .contains("above the limit of 64"));
    // At the cap, they open.
    let xml = response_xml(&p).replacen(
        "<saml:AttributeStatement>",
        &format!("<saml:AttributeStatement>{}", one.repeat(64)),
        1,
    );
    let r = validate(
        sign_assertion(&xml, &p, rsa_idp()).as_bytes(),
        &decryption_policy(),
    );
    assert!(r.valid(), "{:?}", r.failed());
}
