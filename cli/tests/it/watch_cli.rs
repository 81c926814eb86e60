//! `ssopilot watch` run as cron or an admin would: saved states whose IdP certificate expires in 5, 20 and 50 days or
//! has expired, and a loopback metadata URL whose certificates change between runs (a rotation starts, the IdP
//! switches, the entity ID changes). The certificates are made for the computer's clock, as the command reads it.

use std::path::Path;
use std::process::{Command, Output};

use ssopilot_peers::clock::{Clock as _, SystemClock};
use ssopilot_saml::values::{EntityId, IdpUrl};
use ssopilot_testkit::cert_support::{ec_keypair, params};
use ssopilot_testkit::metadata_support::{
    idp_metadata, key_descriptor, serve, IDP_ID, SSO_REDIRECT,
};
use ssopilot_wizard::state::{SavedState, Store};
use time::Duration;

fn ssopilot(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .arg("watch")
        .args(args)
        .env("SSOPILOT_DATA_DIR", data_dir)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("NO_COLOR", "1")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
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

/// A certificate valid until `days_left` days (and an hour, so the count holds while the command starts) from the
/// computer's clock: (PEM, DER).
fn cert(cn: &str, days_left: i64) -> (String, Vec<u8>) {
    let now = SystemClock.now();
    let c = params(
        cn,
        now - Duration::days(400),
        now + Duration::days(days_left) + Duration::hours(1),
    )
    .self_signed(&ec_keypair(false))
    .unwrap();
    (c.pem(), c.der().to_vec())
}

fn save(dir: &Path, state: SavedState) {
    Store::at(dir).save(&state).unwrap();
}

fn with_cert(pem: &str) -> SavedState {
    SavedState {
        idp_certificate: Some(pem.to_string()),
        idp_entity_id: Some(EntityId::parse(IDP_ID, "IdP Entity ID").unwrap()),
        ..SavedState::default()
    }
}

fn actions(o: &Output) -> Vec<serde_json::Value> {
    let j: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)));
    j["actions"].as_array().unwrap().clone()
}

fn codes(o: &Output) -> Vec<String> {
    actions(o)
        .iter()
        .map(|a| a["code"].as_str().unwrap().to_string())
        .collect()
}

fn find<'a>(all: &'a [serde_json::Value], code: &str) -> &'a serde_json::Value {
    all.iter()
        .find(|a| a["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {all:#?}"))
}

#[test]
fn saved_certificates_expiring_in_5_20_and_50_days_and_expired() {
    for (days, code, severity) in [
        (5, "certificate_expires_soon", "error"),
        (20, "certificate_expires_soon", "warning"),
        (50, "certificate_expires_soon", "info"),
        (-2, "certificate_expired", "error"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (pem, _) = cert("Expiring IdP", days);
        save(dir.path(), with_cert(&pem));
        let o = ssopilot(dir.path(), &["--json"]);
        assert_eq!(o.status.code(), Some(1), "{days}: {}", text(&o));
        let all = actions(&o);
        let a = find(&all, code);
        assert_eq!(a["severity"], severity, "{days}: {a}");
        assert_eq!(a["step"], "certificate");
        if days > 0 {
            assert_eq!(a["days_left"], days, "{a}");
        } else {
            assert!(a["days_left"].as_i64().unwrap() < 0, "{a}");
        }
        // RFC 3339 in JSON.
        let at = a["at"].as_str().unwrap();
        assert!(
            time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).is_ok(),
            "{at}"
        );
        // No passing test login is recorded either.
        assert!(codes(&o).contains(&"test_login_missing".to_string()));

        // The text form: plain words, the step, the time as people read it (no RFC 3339).
        let o = ssopilot(dir.path(), &[]);
        assert_eq!(o.status.code(), Some(1));
        let t = text(&o);
        assert!(t.contains(code), "{t}");
        assert!(t.contains("Fix:  step 5 (Certificate)"), "{t}");
        assert!(t.contains("When: "), "{t}");
        assert!(!t.contains(at), "{t}");
        if days > 0 {
            assert!(t.contains(&format!("expires in {days} days")), "{t}");
        } else {
            assert!(t.contains("has expired"), "{t}");
        }
    }
}

#[test]
fn a_certificate_far_from_expiry_needs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (pem, _) = cert("Fine IdP", 200);
    let f = dir.path().join("idp.pem");
    std::fs::write(&f, pem).unwrap();
    let o = ssopilot(dir.path(), &["--idp-cert", f.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(actions(&o).is_empty());
    let o = ssopilot(dir.path(), &["--idp-cert", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        text(&o).starts_with("Nothing needs action."),
        "{}",
        text(&o)
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing saved and nothing given.
    let o = ssopilot(dir.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("nothing to watch"), "{}", text(&o));
    // Saved progress without any IdP value yet: nothing to watch either.
    save(
        dir.path(),
        SavedState {
            idp_profile: Some("jumpcloud".into()),
            ..SavedState::default()
        },
    );
    let o = ssopilot(dir.path(), &["--json"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no IdP certificate"), "{}", text(&o));
    std::fs::remove_file(dir.path().join("state.json")).unwrap();
    // A remote metadata URL over plain http, a missing file, a file that is no certificate, a bad entity ID.
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    for args in [
        vec!["--idp-metadata-url", "http://idp.example.com/md"],
        vec!["--idp-cert", "/nonexistent/idp.pem"],
        vec!["--idp-cert", junk.to_str().unwrap()],
        vec!["--idp-entity-id", "not an id"],
        vec!["--no-such-flag"],
    ] {
        let o = ssopilot(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
    }
}

#[test]
fn a_loopback_metadata_url_whose_certificates_change_between_runs() {
    let (old_pem, old_der) = cert("IdP 2026", 300);
    let (_, new_der) = cert("IdP 2027", 700);
    let md = |entity: &str, ders: &[&[u8]]| {
        let keys: String = ders.iter().map(|d| key_descriptor("signing", d)).collect();
        idp_metadata(entity, &keys, "").into_bytes()
    };
    let xml = "application/samlmetadata+xml";
    let url = format!(
        "{}/metadata",
        serve(vec![
            ("200 OK", xml, md(IDP_ID, &[&old_der])),
            ("200 OK", xml, md(IDP_ID, &[&old_der, &new_der])),
            ("200 OK", xml, md(IDP_ID, &[&new_der])),
            (
                "200 OK",
                xml,
                md("https://idp.example.com/renamed", &[&old_der])
            ),
        ])
    );
    let dir = tempfile::tempdir().unwrap();
    save(
        dir.path(),
        SavedState {
            idp_sso_url: Some(IdpUrl::parse(SSO_REDIRECT, "IdP SSO URL").unwrap()),
            idp_metadata_url: Some(IdpUrl::parse(&url, "metadata URL").unwrap()),
            ..with_cert(&old_pem)
        },
    );
    let run = || {
        let o = ssopilot(dir.path(), &["--json"]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let mut c = codes(&o);
        c.retain(|c| c != "test_login_missing");
        (c, actions(&o))
    };
    // 1. The IdP publishes the configured certificate only.
    assert_eq!(run().0, Vec::<String>::new());
    // 2. A second certificate appears: a rotation is under way.
    let (c, all) = run();
    assert_eq!(c, ["rotation_started"]);
    let fp_new = ssopilot_saml::fingerprint::Fingerprint::sha256(&new_der);
    assert!(find(&all, "rotation_started")["message"]
        .as_str()
        .unwrap()
        .contains(fp_new.as_str()));
    // 3. The configured one is gone: the switch happened.
    let (c, all) = run();
    assert_eq!(c, ["certificate_switched"]);
    assert_eq!(find(&all, "certificate_switched")["severity"], "error");
    // 4. The entity ID changed.
    let (c, _) = run();
    assert_eq!(c, ["entity_id_changed"]);
    // 5. The server is gone: said, not passed over.
    let (c, _) = run();
    assert_eq!(c, ["metadata_unavailable"]);
}

#[test]
fn stand_ins_watch_a_setup_the_wizard_did_not_make() {
    let (pem, old_der) = cert("IdP", 300);
    let (_, new_der) = cert("IdP next", 700);
    let md = |ders: &[&[u8]]| {
        let keys: String = ders.iter().map(|d| key_descriptor("signing", d)).collect();
        idp_metadata(IDP_ID, &keys, "").into_bytes()
    };
    let xml = "text/xml";
    let url = serve(vec![
        ("200 OK", xml, md(&[&old_der])),
        ("200 OK", xml, md(&[&old_der, &new_der])),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("idp.pem");
    std::fs::write(&f, pem).unwrap();
    let args = [
        "--idp-cert",
        f.to_str().unwrap(),
        "--idp-metadata-url",
        &url,
        "--idp-entity-id",
        IDP_ID,
        "--idp-sso-url",
        SSO_REDIRECT,
        "--json",
    ];
    let o = ssopilot(dir.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = ssopilot(dir.path(), &args);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(codes(&o), ["rotation_started"]);
}
