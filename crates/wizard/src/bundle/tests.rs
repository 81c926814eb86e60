use super::*;
use crate::assign_users::tests::to_assign_users_at;
use crate::certificate::tests::T0;
use crate::profiles::Profiles;
use crate::state::Store;
use crate::test_login::tests::passing_as;
use crate::tests::set;
use crate::view::Field;
use crate::Session;
use ssopilot_peers::secrets::{SecretName, SecretString, Secrets};
use ssopilot_saml::response::SAML_NS;

const EMAIL: &str = "alice.martin@example.com";
const LOGIN: &str = "amartin";
const FIRST: &str = "Alicia";
const LAST: &str = "Martinez";
/// An AUTH_SECRET-like value (base64 of 32 bytes), put in the keychain the session uses.
const AUTH_SECRET: &str = "q7Xw3Zr9Kp2Lm8Nv4Bt6Yc1Hd5Gf0Js7Ae3Wu9Ri2Oo=";

fn response() -> Vec<u8> {
    format!(
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"{SAML_NS}\" ID=\"_r1\" \
         Version=\"2.0\"><saml:Issuer>https://sso.jumpcloud.com/saml2/infisical</saml:Issuer><saml:Assertion ID=\"_a1\">\
         <saml:Subject><saml:NameID>{EMAIL}</saml:NameID><saml:SubjectConfirmation>\
         <saml:SubjectConfirmationData Address=\"198.51.100.23\"/></saml:SubjectConfirmation></saml:Subject>\
         <saml:AttributeStatement>\
         <saml:Attribute Name=\"email\"><saml:AttributeValue>{EMAIL}</saml:AttributeValue></saml:Attribute>\
         <saml:Attribute Name=\"firstname\"><saml:AttributeValue>{FIRST}</saml:AttributeValue></saml:Attribute>\
         <saml:Attribute Name=\"lastname\"><saml:AttributeValue>{LAST}</saml:AttributeValue></saml:Attribute>\
         </saml:AttributeStatement></saml:Assertion></samlp:Response>"
    )
    .into_bytes()
}

/// A configuration tested by Alicia Martinez, with her names quoted in a check's message, an AUTH_SECRET in the
/// keychain, and the response of her test login captured.
fn seeded(dir: &std::path::Path) -> (Session, Extras) {
    let mut s = to_assign_users_at(dir, T0);
    let secrets = Secrets::mock();
    secrets
        .set(
            &SecretName::AuthSecret("https://infisical.example.com".into()),
            &SecretString::new(AUTH_SECRET.into()),
        )
        .unwrap();
    s.attach_secrets(Ok(secrets));
    set(&mut s, Field::TestUser, LOGIN);
    let config = s.model().tested_config().unwrap();
    let mut evidence = passing_as(&config, EMAIL);
    evidence.checks[0].message = format!("NameID {EMAIL} ({FIRST} {LAST}) was verified");
    s.model.steps.test_login.evidence = Some(evidence);
    set(&mut s, Field::UsersAssigned, "true");
    let extras = Extras {
        responses: vec![("the file response.xml".into(), response())],
        test_report: Some(serde_json::json!({
            "valid": true,
            "checks": [{
                "id": "subject",
                "ok": true,
                "found": EMAIL,
                "message": format!("the NameID is {EMAIL}; {FIRST} {LAST} signed in"),
            }],
        })),
        include_user_data: false,
        check_responses: false,
    };
    (s, extras)
}

fn bundle_of(s: &Session, extras: &Extras) -> Bundle {
    let saved = s.model.to_saved(&s.saved);
    build(
        s.model.profiles.clone(),
        &saved,
        extras,
        s.model.clock.clone(),
    )
    .unwrap()
}

#[test]
fn a_bundle_holds_the_picture_without_secrets_or_people() {
    let dir = tempfile::tempdir().unwrap();
    let (s, extras) = seeded(dir.path());
    let bundle = bundle_of(&s, &extras);
    let json = bundle.to_json().unwrap();
    for gone in [
        EMAIL,
        "alice.martin",
        LOGIN,
        FIRST,
        LAST,
        "198.51.100.23",
        AUTH_SECRET,
        "PRIVATE KEY",
    ] {
        assert!(!json.contains(gone), "{gone} is in the bundle:\n{json}");
    }
    // The structure is kept: the same person is the same placeholder everywhere.
    assert_eq!(
        bundle.configuration["test_evidence"]["user"],
        "user-1@redacted"
    );
    assert_eq!(bundle.configuration["test_user"], "user-2");
    let xml = &bundle.responses[0].xml;
    assert!(
        xml.contains("<saml:NameID>user-1@redacted</saml:NameID>"),
        "{xml}"
    );
    assert!(xml.contains("<saml:AttributeValue>user-1@redacted</saml:AttributeValue>"));
    assert!(xml.contains("<saml:Attribute Name=\"firstname\"><saml:AttributeValue>value-2<"));
    assert!(xml.contains("https://sso.jumpcloud.com/saml2/infisical"));
    let message = bundle.configuration["test_evidence"]["checks"][0]["message"]
        .as_str()
        .unwrap();
    assert_eq!(
        message,
        "NameID user-1@redacted (value-2 value-3) was verified"
    );
    let check = &bundle.test_report.as_ref().unwrap()["checks"][0];
    assert_eq!(check["found"], "user-1@redacted");
    assert_eq!(
        check["message"],
        "the NameID is user-1@redacted; value-2 value-3 signed in"
    );
    // The rest of the picture.
    assert!(!bundle.user_data_included);
    assert_eq!(bundle.profiles.idp.as_deref(), Some("jumpcloud"));
    assert_eq!(bundle.profiles.sp.as_deref(), Some("infisical"));
    assert_eq!(bundle.app_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(bundle.platform.os, std::env::consts::OS);
    assert_eq!(bundle.steps.len(), 9);
    assert!(!bundle.report.is_empty());
    assert!(
        json.contains("BEGIN CERTIFICATE"),
        "the public certificate is in it"
    );
    assert_eq!(bundle.certificates.len(), 1);
    assert!(bundle.certificates[0]["sha256_fingerprint"].is_string());

    // The session's own bundle (no captured response in this run) holds no secret either.
    let own = s.support_bundle(false).unwrap().to_json().unwrap();
    assert!(!own.contains(AUTH_SECRET) && !own.contains(EMAIL));
}

#[test]
fn with_user_data_the_values_stay_but_never_the_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (s, mut extras) = seeded(dir.path());
    extras.include_user_data = true;
    let bundle = bundle_of(&s, &extras);
    let json = bundle.to_json().unwrap();
    for kept in [EMAIL, LOGIN, FIRST, LAST] {
        assert!(json.contains(kept), "{kept} is missing");
    }
    assert!(bundle.user_data_included);
    assert!(!json.contains(AUTH_SECRET));
    assert!(!json.contains("PRIVATE KEY"));
}

#[test]
fn a_bundle_opens_back_as_it_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let (s, extras) = seeded(dir.path());
    let bundle = bundle_of(&s, &extras);
    let json = bundle.to_json().unwrap();
    assert_eq!(Bundle::open(json.as_bytes()).unwrap(), bundle);

    // What is not a bundle says so.
    assert!(matches!(
        Bundle::open(b"{\"version\":1}"),
        Err(BundleError::NotABundle(_))
    ));
    assert!(matches!(
        Bundle::open(b"not json"),
        Err(BundleError::NotABundle(_))
    ));
    let newer = json.replacen("\"version\": 1", "\"version\": 7", 1);
    assert!(matches!(
        Bundle::open(newer.as_bytes()),
        Err(BundleError::UnknownVersion { found: 7 })
    ));
    assert!(matches!(
        Bundle::open(&vec![b' '; MAX_BUNDLE_BYTES + 1]),
        Err(BundleError::TooLarge)
    ));
}

#[test]
fn a_bundle_that_would_hold_a_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (s, mut extras) = seeded(dir.path());
    extras.include_user_data = true;
    let mut bundle = bundle_of(&s, &extras);
    bundle.notes.push("-----BEGIN PRIVATE KEY-----".into());
    assert!(matches!(
        bundle.to_json(),
        Err(BundleError::WouldHoldSecret { .. })
    ));
    // And a bundle of nothing at all still opens.
    let empty = Session::open(Store::at(dir.path().join("empty")));
    let b = empty.support_bundle(false).unwrap();
    assert!(b.configuration.is_object());
}

#[test]
fn an_opened_bundle_shows_the_steps_reports_certificates_and_responses() {
    let dir = tempfile::tempdir().unwrap();
    let (s, extras) = seeded(dir.path());
    let file = dir.path().join("ticket-42.json");
    std::fs::write(&file, bundle_of(&s, &extras).to_json().unwrap()).unwrap();
    let saved_before = std::fs::read(&s.path).unwrap();

    let v = view::open_file(&file, &s.model.profiles).unwrap();
    assert_eq!(v.title, "Support bundle: Infisical with JumpCloud");
    assert!(v.banner.starts_with("Read only"), "{}", v.banner);
    assert!(v.banner.contains("ticket-42.json"));
    assert_eq!(v.file_name, "ticket-42.json");
    let about = |label: &str| {
        v.about
            .iter()
            .find(|r| r.label == label)
            .map(|r| r.value.clone())
            .unwrap_or_else(|| panic!("no {label} in {:?}", v.about))
    };
    assert_eq!(about("SSO Pilot version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(about("IdP profile"), "jumpcloud");
    assert_eq!(about("SP profile"), "infisical");
    assert!(about("Platform").starts_with(std::env::consts::OS));
    assert!(about("User data").starts_with("replaced by placeholders"));
    assert_eq!(about("Made"), v.created_at);
    assert_eq!(v.steps.len(), 9);
    assert!(!v.report.is_empty());
    assert!(v
        .report
        .iter()
        .any(|s| s.rows.iter().any(|r| r.value.contains("app.infisical.com"))));
    // The last test login, failed checks first, with where each is fixed.
    let login = v.test_login.as_ref().unwrap();
    assert!(login.valid);
    assert_eq!(login.checks[0].id, "subject");
    assert!(login.checks[0].message.contains("user-1@redacted"));
    // The certificate in use, with the doctor's rows.
    assert_eq!(v.certificates.len(), 1);
    let cert = &v.certificates[0];
    assert_eq!(cert.heading, "The IdP certificate in use");
    assert!(cert.usable);
    assert!(cert.rows.iter().any(|r| r.label == "SHA-256"));
    assert!(cert.pem.as_deref().unwrap().contains("BEGIN CERTIFICATE"));
    // The captured response, decoded and redacted.
    assert_eq!(v.responses[0].source, "the file response.xml");
    assert!(v.responses[0].xml.contains("user-1@redacted"));
    // The configuration's values, flattened; certificates only pointed to.
    let config = |label: &str| v.configuration.iter().find(|r| r.label == label);
    assert_eq!(config("sp_profile").unwrap().value, "infisical");
    assert_eq!(
        config("test_evidence.user").unwrap().value,
        "user-1@redacted"
    );
    assert_eq!(
        config("idp_certificate").unwrap().value,
        "(a certificate: see Certificates)"
    );
    assert!(v.configuration.iter().all(|r| !r.value.contains("BEGIN")));
    // Opening it changed nothing of the admin's own saved setup.
    assert_eq!(std::fs::read(&s.path).unwrap(), saved_before);
}

#[test]
fn an_opened_bundle_shows_each_checked_response_s_verdict_and_failed_checks_first() {
    let dir = tempfile::tempdir().unwrap();
    let (s, mut extras) = seeded(dir.path());
    extras.check_responses = true;
    let file = dir.path().join("ticket-43.json");
    std::fs::write(&file, bundle_of(&s, &extras).to_json().unwrap()).unwrap();

    let v = view::open_file(&file, &s.model.profiles).unwrap();
    let r = &v.responses[0];
    assert_eq!(r.not_checked, None);
    // The captured response carries no signature: checked, it fails, and the failure comes first with its fix.
    let check = r.check.as_ref().expect("the response's check is shown");
    assert!(!check.valid);
    assert_eq!(check.rows[0].value, "failed");
    assert!(!check.checks[0].ok, "{:?}", check.checks);
    assert!(
        check.checks.iter().any(|c| c.ok),
        "passed checks are listed too"
    );
    // Redacted like the rest of the bundle.
    let text = serde_json::to_string(check).unwrap();
    assert!(!text.contains(EMAIL), "{text}");

    // Without the check asked for, the view says nothing of one.
    extras.check_responses = false;
    std::fs::write(&file, bundle_of(&s, &extras).to_json().unwrap()).unwrap();
    let v = view::open_file(&file, &s.model.profiles).unwrap();
    assert!(v.responses[0].check.is_none() && v.responses[0].not_checked.is_none());
}

#[test]
fn a_file_that_is_not_a_bundle_gets_a_plain_error() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = Profiles::builtin().unwrap();
    let open = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        view::open_file(&path, &profiles).unwrap_err()
    };
    let e = open("notes.txt", b"hello");
    assert!(
        e.starts_with("notes.txt cannot be opened: this is not an SSO Pilot support bundle"),
        "{e}"
    );
    assert!(e.contains("open the .json file SSO Pilot wrote"), "{e}");
    let e = open(
        "metadata.json",
        br#"{"format": "saml-metadata", "version": 1}"#,
    );
    assert!(e.contains("not an SSO Pilot support bundle"), "{e}");
    let e = open(
        "future.json",
        br#"{"format": "ssopilot-support-bundle", "version": 9}"#,
    );
    assert!(
        e.contains("format version 9") && e.contains("update SSO Pilot"),
        "{e}"
    );
    let e = open("huge.json", &vec![b' '; MAX_BUNDLE_BYTES + 1]);
    assert!(
        e.contains("larger than") && e.contains("not a support bundle"),
        "{e}"
    );
    let e = view::open_file(&dir.path().join("gone.json"), &profiles).unwrap_err();
    assert!(e.starts_with("gone.json cannot be read"), "{e}");
}

#[test]
fn the_app_s_bundle_holds_the_steps_as_the_session_showed_them() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = seeded(dir.path());
    let b = s.support_bundle(false).unwrap();
    let v = s.view();
    assert_eq!(b.current_step, v.current);
    assert_eq!(b.steps, v.steps);
    // Given steps are taken as they are (the session's peers judged them), then redacted like the rest.
    let saved = s.model.to_saved(&s.saved);
    let mut shown = v.steps.clone();
    shown[5].reason = Some(format!("granted to {EMAIL}"));
    let extras = Extras {
        responses: vec![("the file response.xml".into(), response())],
        ..Extras::default()
    };
    let b = build_with_steps(
        s.model.profiles.clone(),
        &saved,
        &extras,
        s.model.clock.clone(),
        Some((StepId::Enforce, shown)),
    )
    .unwrap();
    assert_eq!(b.current_step, StepId::Enforce);
    assert_eq!(
        b.steps[5].reason.as_deref(),
        Some("granted to user-1@redacted")
    );
}
