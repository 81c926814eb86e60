//! The demo IdP's minted responses, in every signing mode, SP- and IdP-initiated, are accepted by the peers that
//! count (python3-saml strict, xmlsec1) and by our own validator; and they say what JumpCloud would say.

use ssopilot_testkit::demo_idp_support;

use base64::Engine as _;
use demo_idp_support::*;
use ssopilot_peers::clock::{Clock as _, SystemClock};
use ssopilot_peers::demo_idp::directory::Directory;
use ssopilot_peers::demo_idp::mint::{self, App, SignMode};
use ssopilot_saml::response::{validate, Policy};
use ssopilot_saml::values::{AcsUrl, EntityId};

const IDP: &str = "http://127.0.0.1:8740/metadata";
const REQ: &str = "_0a1b2c3d4e5f";
const MODES: [SignMode; 3] = [SignMode::Assertion, SignMode::Response, SignMode::Both];

fn app(sign: SignMode) -> App {
    let mut a = App::new(
        EntityId::parse(SP, "SP Entity ID").unwrap(),
        AcsUrl::parse(ACS, "ACS URL").unwrap(),
        EntityId::parse(IDP, "IdP Entity ID").unwrap(),
    );
    a.sign = sign;
    a.constants.push(("role".into(), "admin & <owner>".into()));
    a
}

fn minted(sign: SignMode, request_id: Option<&str>) -> String {
    let dir = Directory::demo().unwrap();
    let user = dir.user("ada.lovelace@example.com").unwrap();
    mint::mint(&app(sign), user, request_id, key(), SystemClock.now()).unwrap()
}

fn policy(request_id: Option<&str>) -> Policy {
    let mut p = Policy::new(
        EntityId::parse(IDP, "IdP Entity ID").unwrap(),
        vec![key().cert_der().to_vec()],
        EntityId::parse(SP, "SP Entity ID").unwrap(),
        AcsUrl::parse(ACS, "ACS URL").unwrap(),
        SystemClock.now(),
    );
    p.expect =
        ssopilot_saml::response::Expect::request_or_idp_initiated(request_id.map(str::to_string));
    p
}

#[test]
fn our_validator_accepts_every_mode_and_flow_and_sees_jumpcloud_values() {
    for mode in MODES {
        for req in [Some(REQ), None] {
            let xml = minted(mode, req);
            let report = validate(mint::post_value(&xml).as_bytes(), &policy(req));
            assert!(
                report.valid(),
                "{mode} {req:?}: failed {:?}",
                report.failed()
            );
            // Stored as Ada.Lovelace@Example.com, sent lower-case as JumpCloud does.
            assert_eq!(report.name_id(), Some("ada.lovelace@example.com"));
            assert_eq!(
                report.attributes().get("email"),
                Some(&vec!["ada.lovelace@example.com".to_string()])
            );
            assert_eq!(
                report.attributes().get("firstName"),
                Some(&vec!["Ada".to_string()])
            );
            assert_eq!(
                report.attributes().get("role"),
                Some(&vec!["admin & <owner>".to_string()])
            );
            assert_eq!(
                report.signed().assertion,
                mode != SignMode::Response,
                "{mode}"
            );
            assert_eq!(
                report.signed().response,
                mode != SignMode::Assertion,
                "{mode}"
            );
        }
    }
}

#[test]
fn our_validator_refuses_it_under_another_certificate_or_request() {
    let xml = minted(SignMode::Assertion, Some(REQ));
    let mut p = policy(Some("_another-request"));
    assert!(
        !validate(xml.as_bytes(), &p).valid(),
        "wrong InResponseTo accepted"
    );
    p = policy(Some(REQ));
    let other = ssopilot_peers::demo_idp::key::IdpKey::generate_ephemeral().unwrap();
    p.idp_certs = vec![other.cert_der().to_vec()];
    assert!(
        !validate(xml.as_bytes(), &p).valid(),
        "foreign certificate accepted"
    );
}

#[test]
fn xmlsec1_verifies_every_signature_with_only_the_demo_certificate() {
    for mode in MODES {
        let xml = minted(mode, Some(REQ));
        let mut checked = 0;
        if mode != SignMode::Response {
            let (ok, err) = xmlsec_verify(&xml, key(), ASSERTION_SIG);
            assert!(ok, "{mode}: xmlsec1 refused the assertion signature: {err}");
            checked += 1;
        }
        if mode != SignMode::Assertion {
            let (ok, err) = xmlsec_verify(&xml, key(), RESPONSE_SIG);
            assert!(ok, "{mode}: xmlsec1 refused the response signature: {err}");
            checked += 1;
        }
        assert!(checked > 0);
        // The same check fails on a tampered document, so it is a real check.
        let tampered = xml.replacen("ada.lovelace@example.com", "eve@example.com", 1);
        let xp = if mode == SignMode::Response {
            RESPONSE_SIG
        } else {
            ASSERTION_SIG
        };
        assert!(
            !xmlsec_verify(&tampered, key(), xp).0,
            "{mode}: tampered accepted"
        );
    }
}

#[test]
fn python3_saml_strict_accepts_every_mode_and_checks_in_response_to() {
    let mut cases = Vec::new();
    for mode in MODES {
        let want_assertions_signed = mode != SignMode::Response;
        let want_messages_signed = mode != SignMode::Assertion;
        let sp_init = mint::post_value(&minted(mode, Some(REQ)));
        let idp_init = mint::post_value(&minted(mode, None));
        let case = |name: String, b64: &str, request_id: Option<&str>| PyCase {
            name,
            b64: b64.to_string(),
            request_id: request_id.map(str::to_string),
            want_assertions_signed,
            want_messages_signed,
        };
        cases.push(case(format!("{mode} sp-initiated"), &sp_init, Some(REQ)));
        cases.push(case(format!("{mode} idp-initiated"), &idp_init, None));
        cases.push(case(
            format!("{mode} wrong request"),
            &sp_init,
            Some("_other"),
        ));
    }
    let results = python3_saml(SP, ACS, IDP, key(), &cases);
    for (name, valid, error, name_id) in results {
        if name.ends_with("wrong request") {
            assert!(!valid, "{name}: python3-saml accepted a wrong InResponseTo");
            assert!(error.contains("InResponseTo"), "{name}: {error}");
        } else {
            assert!(valid, "{name}: python3-saml refused: {error}");
            assert_eq!(
                name_id.as_deref(),
                Some("ada.lovelace@example.com"),
                "{name}"
            );
        }
    }
}

#[test]
fn request_ids_that_could_break_the_xml_are_refused() {
    let dir = Directory::demo().unwrap();
    let user = dir.user("alan.turing@example.com").unwrap();
    let e = mint::mint(
        &app(SignMode::Both),
        user,
        Some("x\"/><evil/>"),
        key(),
        SystemClock.now(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("request ID"), "{e}");
}

#[test]
fn metadata_names_the_certificate_and_both_sso_bindings() {
    let id = EntityId::parse(IDP, "IdP Entity ID").unwrap();
    let md = mint::metadata(&id, "http://127.0.0.1:8740/sso", key());
    assert!(
        ssopilot_saml::xml::parse(&md).is_ok(),
        "metadata is well-formed XML"
    );
    assert!(md.contains(&format!("entityID=\"{IDP}\"")));
    assert!(md.contains(&key().cert_base64()));
    assert!(md.contains("HTTP-Redirect\" Location=\"http://127.0.0.1:8740/sso\""));
    assert!(md.contains("HTTP-POST\" Location=\"http://127.0.0.1:8740/sso\""));
    let b64 = base64::engine::general_purpose::STANDARD;
    assert_eq!(b64.decode(key().cert_base64()).unwrap(), key().cert_der());
}
