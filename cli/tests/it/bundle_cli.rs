//! `ssopilot bundle --output FILE [--include-user-data]` and `ssopilot bundle open FILE`: the file written from a
//! saved configuration with a test login by a named person and a captured response, scanned for her personal data
//! and for secrets, then opened back.

use std::path::Path;
use std::process::{Command, Output};

use ssopilot_peers::clock::{Clock as _, SystemClock};
use ssopilot_peers::test_login::evidence::{Evidence, EvidenceCheck};
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::values::{AcsUrl, EntityId};
use ssopilot_testkit::cert_support::{ec_keypair, params};
use ssopilot_wizard::state::{SavedState, Store};
use time::Duration;

const EMAIL: &str = "grace.hopper@example.org";
const LOGIN: &str = "ghopper";
const FIRST: &str = "Gracelyn";
/// An AUTH_SECRET-like value in the environment of the command: it must not travel.
const AUTH_SECRET: &str = "Zk4v8QmR2nT7wY1pL5sD9hJ3cX6bN0aE+uI8oK2gF4s=";

fn ssopilot(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .arg("bundle")
        .args(args)
        .env("SSOPILOT_DATA_DIR", data_dir)
        .env("AUTH_SECRET", AUTH_SECRET)
        .env("NO_COLOR", "1")
        .output()
        .expect("run the ssopilot binary")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A saved configuration tested by Grace, and her captured response in `dir/response.xml`.
fn seed(dir: &Path) {
    let now = SystemClock.now();
    let c = params("IdP", now - Duration::days(10), now + Duration::days(20))
        .self_signed(&ec_keypair(false))
        .unwrap();
    let fp = Fingerprint::sha256(c.der());
    let idp = EntityId::parse("https://idp.example.org/saml", "IdP Entity ID").unwrap();
    let sp = EntityId::parse("https://app.infisical.com", "SP Entity ID").unwrap();
    let acs = AcsUrl::parse(
        "https://app.infisical.com/api/v1/sso/saml2/org-1",
        "ACS URL",
    )
    .unwrap();
    let state = SavedState {
        idp_profile: Some("jumpcloud".into()),
        sp_profile: Some("infisical".into()),
        idp_entity_id: Some(idp.clone()),
        sp_entity_id: Some(sp.clone()),
        acs_url: Some(acs.clone()),
        idp_certificate: Some(c.pem()),
        test_user: Some(LOGIN.into()),
        test_evidence: Some(Evidence {
            user: EMAIL.into(),
            time: now - Duration::days(1),
            idp_entity_id: idp,
            sp_entity_id: sp,
            acs_url: acs,
            certificate_sha256: fp.clone(),
            certificates_sha256: vec![fp],
            attribute_map_sha256: "00".into(),
            config_hash: "00".into(),
            flow: Some(ssopilot_saml::response::Flow::SpInitiated),
            checks: vec![EvidenceCheck {
                id: "subject".into(),
                ok: true,
                message: format!("NameID {EMAIL} for {FIRST}"),
            }],
        }),
        ..SavedState::default()
    };
    Store::at(dir).save(&state).unwrap();
    let response = format!(
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
         xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r\" Version=\"2.0\">\
         <saml:Issuer>https://idp.example.org/saml</saml:Issuer><saml:Assertion ID=\"_a\"><saml:Subject>\
         <saml:NameID>{EMAIL}</saml:NameID></saml:Subject><saml:AttributeStatement>\
         <saml:Attribute Name=\"firstname\"><saml:AttributeValue>{FIRST}</saml:AttributeValue></saml:Attribute>\
         </saml:AttributeStatement></saml:Assertion></samlp:Response>"
    );
    std::fs::write(dir.join("response.xml"), response).unwrap();
}

#[test]
fn a_bundle_without_people_or_secrets_opens_back() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let out = dir.path().join("ticket.json");
    let resp = dir.path().join("response.xml");
    let o = ssopilot(
        dir.path(),
        &[
            "--output",
            out.to_str().unwrap(),
            "--response",
            resp.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let file = std::fs::read_to_string(&out).unwrap();
    for gone in [
        EMAIL,
        "grace.hopper",
        LOGIN,
        FIRST,
        AUTH_SECRET,
        "PRIVATE KEY",
    ] {
        assert!(!file.contains(gone), "{gone} is in the bundle:\n{file}");
    }
    let json: serde_json::Value = serde_json::from_str(&file).unwrap();
    assert_eq!(json["format"], "ssopilot-support-bundle");
    assert_eq!(
        json["configuration"]["test_evidence"]["user"],
        "user-1@redacted"
    );
    assert_eq!(json["profiles"]["idp"], "jumpcloud");
    assert!(json["responses"][0]["xml"]
        .as_str()
        .unwrap()
        .contains("<saml:NameID>user-1@redacted</saml:NameID>"));
    assert!(json["watch"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["code"] == "certificate_expires_soon"));

    // Support opens it: the steps, what needs doing, the report, as the customer saw them.
    let o = ssopilot(dir.path(), &["open", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = text(&o);
    for needle in [
        "SSO Pilot support bundle",
        "User data: replaced by placeholders",
        "1. Providers                complete",
        "What needs doing:",
        "certificate_expires_soon",
        "Certificates:",
        "<saml:NameID>user-1@redacted</saml:NameID>",
    ] {
        assert!(t.contains(needle), "missing {needle:?} in:\n{t}");
    }
    // Times as people read them.
    let created = json["created_at"].as_str().unwrap();
    assert!(!t.contains(created), "{t}");
}

#[test]
fn include_user_data_keeps_the_values_but_never_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let out = dir.path().join("ticket.json");
    let resp = dir.path().join("response.xml");
    let o = ssopilot(
        dir.path(),
        &[
            "--output",
            out.to_str().unwrap(),
            "--include-user-data",
            "--response",
            resp.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let file = std::fs::read_to_string(&out).unwrap();
    for kept in [EMAIL, LOGIN, FIRST] {
        assert!(file.contains(kept), "{kept} is missing");
    }
    assert!(!file.contains(AUTH_SECRET));
    assert!(!file.contains("PRIVATE KEY"));
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    // No --output: usage.
    assert_eq!(ssopilot(dir.path(), &[]).status.code(), Some(2));
    // Nothing saved: nothing to bundle.
    let out = dir.path().join("b.json");
    let o = ssopilot(dir.path(), &["--output", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Opening what is not a bundle, or nothing.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let o = ssopilot(dir.path(), &["open", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("not an SSO Pilot support bundle"));
    let o = ssopilot(dir.path(), &["open", "/nonexistent/b.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

/// A saved configuration whose IdP certificate is the test IdP key's, with no test login yet (JumpCloud with
/// Infisical: the IdP entity ID is the SP's).
fn seed_signed(dir: &Path) -> (EntityId, EntityId, AcsUrl) {
    let idp = EntityId::parse("https://app.infisical.com", "IdP Entity ID").unwrap();
    let sp = EntityId::parse("https://app.infisical.com", "SP Entity ID").unwrap();
    let acs = AcsUrl::parse(
        "https://app.infisical.com/api/v1/sso/saml2/org-1",
        "ACS URL",
    )
    .unwrap();
    let state = SavedState {
        idp_profile: Some("jumpcloud".into()),
        sp_profile: Some("infisical".into()),
        idp_entity_id: Some(idp.clone()),
        sp_entity_id: Some(sp.clone()),
        acs_url: Some(acs.clone()),
        idp_certificate: Some(ssopilot_testkit::demo_idp_support::key().cert_pem()),
        ..SavedState::default()
    };
    Store::at(dir).save(&state).unwrap();
    (idp, sp, acs)
}

/// A response for Grace signed with `key`, base64 as a browser posts it.
fn minted(
    (idp, sp, acs): &(EntityId, EntityId, AcsUrl),
    key: &ssopilot_peers::demo_idp::key::IdpKey,
) -> String {
    use ssopilot_peers::demo_idp::{directory::User, mint};
    let app = mint::App::new(sp.clone(), acs.clone(), idp.clone());
    let user = User::for_minting(Some(FIRST), Some("Hopperton"), EMAIL).unwrap();
    let xml = mint::mint(&app, &user, None, key, SystemClock.now()).unwrap();
    mint::post_value(&xml)
}

#[test]
fn responses_are_checked_against_the_saved_configuration_and_opened_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = seed_signed(dir.path());
    let good = dir.path().join("good.b64");
    let bad = dir.path().join("bad.b64");
    std::fs::write(
        &good,
        minted(&config, ssopilot_testkit::demo_idp_support::key()),
    )
    .unwrap();
    // Signed by a key whose certificate the SP does not hold: what an IdP that switched too early sends.
    let other = ssopilot_peers::demo_idp::key::IdpKey::generate_ephemeral().unwrap();
    std::fs::write(&bad, minted(&config, &other)).unwrap();
    let out = dir.path().join("ticket.json");
    let o = ssopilot(
        dir.path(),
        &[
            "--output",
            out.to_str().unwrap(),
            "--response",
            good.to_str().unwrap(),
            "--response",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let file = std::fs::read_to_string(&out).unwrap();
    for gone in [EMAIL, "grace.hopper", FIRST, "Hopperton", "PRIVATE KEY"] {
        assert!(!file.contains(gone), "{gone} is in the bundle:\n{file}");
    }
    let json: serde_json::Value = serde_json::from_str(&file).unwrap();
    let responses = json["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 2, "the failed one is kept too");
    let (g, b) = (&responses[0]["check"], &responses[1]["check"]);
    let fp =
        |k: &ssopilot_peers::demo_idp::key::IdpKey| k.fingerprint_sha256().as_str().to_string();
    assert_eq!(g["valid"], true, "{g:#}");
    assert_eq!(
        g["signed_by"],
        format!(
            "Signed with the current certificate (SHA-256 {})",
            fp(ssopilot_testkit::demo_idp_support::key())
        )
    );
    // The report as `ssopilot response check --json` prints it, its personal values replaced.
    assert_eq!(g["report"]["name_id"], "user-1@redacted", "{g:#}");
    assert!(g["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["ok"] == true && c["step"].is_string()));
    assert_eq!(b["valid"], false, "{b:#}");
    let signed_by = b["signed_by"].as_str().unwrap();
    assert!(
        signed_by.contains("does not hold") && signed_by.contains(&fp(&other)),
        "{signed_by}"
    );
    assert!(b["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["ok"] == false && c["id"] == "assertion_signature_key"));

    // Opened back: each response with its verdict, its signer and its checks, then the decoded XML.
    let o = ssopilot(dir.path(), &["open", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = text(&o);
    let good_at = t
        .find(&format!("From the file {}:", good.display()))
        .unwrap();
    let bad_at = t
        .find(&format!("From the file {}:", bad.display()))
        .unwrap();
    let (good_part, bad_part) = (&t[good_at..bad_at], &t[bad_at..]);
    assert!(
        good_part.contains("Checked against the saved configuration: valid")
            && good_part.contains("Signed with the current certificate")
            && good_part.contains("passed signature_required")
            && !good_part.contains("FAILED"),
        "{good_part}"
    );
    assert!(
        bad_part.contains("Checked against the saved configuration: NOT VALID")
            && bad_part.contains("a certificate the SP does not hold")
            && bad_part.contains("FAILED assertion_signature_key")
            && bad_part.contains("fix: "),
        "{bad_part}"
    );
    assert!(
        bad_part.contains(">user-1@redacted</saml2:NameID>"),
        "{bad_part}"
    );
}

#[test]
fn a_response_the_configuration_cannot_check_yet_is_kept_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    // No IdP certificate saved: nothing to check a signature with.
    let state = SavedState {
        idp_profile: Some("jumpcloud".into()),
        sp_profile: Some("infisical".into()),
        ..SavedState::default()
    };
    Store::at(dir.path()).save(&state).unwrap();
    let resp = dir.path().join("r.b64");
    let config = (
        EntityId::parse("https://idp.example.org/saml", "IdP Entity ID").unwrap(),
        EntityId::parse("https://app.infisical.com", "SP Entity ID").unwrap(),
        AcsUrl::parse("https://app.infisical.com/acs", "ACS URL").unwrap(),
    );
    std::fs::write(
        &resp,
        minted(&config, ssopilot_testkit::demo_idp_support::key()),
    )
    .unwrap();
    let out = dir.path().join("ticket.json");
    let o = ssopilot(
        dir.path(),
        &[
            "--output",
            out.to_str().unwrap(),
            "--response",
            resp.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let r = &json["responses"][0];
    assert!(r["check"].is_null(), "{r:#}");
    let why = r["not_checked"].as_str().unwrap();
    assert!(
        why.contains("cannot check a response yet") && why.contains("step"),
        "{why}"
    );
    let o = ssopilot(dir.path(), &["open", out.to_str().unwrap()]);
    assert!(text(&o).contains("Not checked: "), "{}", text(&o));
}
