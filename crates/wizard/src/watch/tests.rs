use super::*;
use ssopilot_saml::metadata::Metadata;
use ssopilot_testkit::cert_support::{ec_keypair, now, self_signed};
use ssopilot_testkit::metadata_support::{
    idp_metadata, key_descriptor, IDP_ID, SSO_POST, SSO_REDIRECT,
};
use time::Duration;

/// A fresh certificate with `days_left` days left at the tests' fixed time: (PEM, DER).
fn cert(days_left: i64) -> (String, Vec<u8>) {
    let c = self_signed(&ec_keypair(false), "Watched IdP", days_left);
    (c.pem(), c.der().to_vec())
}

fn watched(pems: &[&str]) -> Watched {
    Watched {
        certificates: pems.iter().map(|p| p.to_string()).collect(),
        idp_entity_id: Some(IDP_ID.into()),
        idp_sso_url: Some(SSO_REDIRECT.into()),
        metadata_url: Some("https://idp.example.com/metadata".into()),
        test_login: TestLogin::NotWatched,
    }
}

fn metadata(entity_id: &str, ders: &[&[u8]]) -> Metadata {
    let keys: String = ders.iter().map(|d| key_descriptor("signing", d)).collect();
    let xml = idp_metadata(entity_id, &keys, "");
    metadata::parse(xml.as_bytes(), &Options::default(), now()).unwrap()
}

fn codes(actions: &[WatchAction]) -> Vec<WatchCode> {
    actions.iter().map(|a| a.code).collect()
}

#[test]
fn expiry_speaks_at_60_30_and_7_days_and_after() {
    for (days_left, severity) in [
        (5, Severity::Error),
        (7, Severity::Error),
        (20, Severity::Warning),
        (30, Severity::Warning),
        (50, Severity::Info),
        (60, Severity::Info),
    ] {
        let (pem, _) = cert(days_left);
        let actions = check(&watched(&[&pem]), None, now());
        assert_eq!(actions.len(), 1, "{days_left}: {actions:?}");
        let a = &actions[0];
        assert_eq!(a.code, WatchCode::CertificateExpiresSoon);
        assert_eq!(a.severity, severity, "{days_left}");
        assert_eq!(a.days_left, Some(days_left));
        assert_eq!(a.step, StepId::Certificate);
        assert!(
            a.message.contains(&format!("expires in {days_left} days")),
            "{}",
            a.message
        );
        let at = OffsetDateTime::parse(a.at.as_deref().unwrap(), &Rfc3339).unwrap();
        assert_eq!(at, now() + Duration::days(days_left));
    }
    let (pem, _) = cert(61);
    assert!(check(&watched(&[&pem]), None, now()).is_empty());

    let (pem, _) = cert(-3);
    let actions = check(&watched(&[&pem]), None, now());
    assert_eq!(codes(&actions), [WatchCode::CertificateExpired]);
    assert_eq!(actions[0].severity, Severity::Error);
    assert_eq!(actions[0].days_left, Some(-3));
    assert!(actions[0].message.contains("has expired"));
}

#[test]
fn a_rotation_under_way_then_the_switch() {
    let (old_pem, old_der) = cert(200);
    let (_, new_der) = cert(900);
    let w = watched(&[&old_pem]);

    // Only the configured one: nothing to do.
    let md = Ok(metadata(IDP_ID, &[&old_der]));
    assert!(check(&w, Some(&md), now()).is_empty());

    // Both published: a rotation has started, the SP lacks the new one.
    let md = Ok(metadata(IDP_ID, &[&old_der, &new_der]));
    let actions = check(&w, Some(&md), now());
    assert_eq!(codes(&actions), [WatchCode::RotationStarted]);
    assert_eq!(actions[0].severity, Severity::Warning);
    let new_fp = Fingerprint::sha256(&new_der);
    assert!(actions[0].message.contains(new_fp.as_str()));

    // Only the new one: the switch happened, logins fail now.
    let md = Ok(metadata(IDP_ID, &[&new_der]));
    let actions = check(&w, Some(&md), now());
    assert_eq!(codes(&actions), [WatchCode::CertificateSwitched]);
    assert_eq!(actions[0].severity, Severity::Error);
    assert!(actions[0].message.contains(new_fp.as_str()));
    assert!(actions[0]
        .message
        .contains(Fingerprint::sha256(&old_der).as_str()));
}

#[test]
fn the_sp_holding_both_certificates_rides_through_the_switch() {
    let old = self_signed(&ec_keypair(false), "old", 200);
    let new = self_signed(&ec_keypair(false), "new", 900);
    let w = watched(&[&old.pem(), &new.pem()]);
    for ders in [
        vec![old.der().to_vec(), new.der().to_vec()],
        vec![new.der().to_vec()],
    ] {
        let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
        let md = Ok(metadata(IDP_ID, &refs));
        assert!(check(&w, Some(&md), now()).is_empty());
    }
}

#[test]
fn a_changed_entity_id_or_sso_url_and_an_unreachable_metadata() {
    let (pem, der) = cert(200);
    let mut w = watched(&[&pem]);
    let md = Ok(metadata("https://idp.example.com/new-entity", &[&der]));
    let actions = check(&w, Some(&md), now());
    assert_eq!(codes(&actions), [WatchCode::EntityIdChanged]);
    assert_eq!(actions[0].step, StepId::IdpApp);
    assert!(actions[0]
        .message
        .contains("https://idp.example.com/new-entity"));

    // Either SSO URL the metadata lists is fine; another one is not.
    w.idp_sso_url = Some(SSO_POST.into());
    let md = Ok(metadata(IDP_ID, &[&der]));
    assert!(check(&w, Some(&md), now()).is_empty());
    w.idp_sso_url = Some("https://idp.example.com/old-sso".into());
    let actions = check(&w, Some(&md), now());
    assert_eq!(codes(&actions), [WatchCode::SsoUrlChanged]);

    let failed = Err("the server answered HTTP 404".to_string());
    let actions = check(&watched(&[&pem]), Some(&failed), now());
    assert_eq!(codes(&actions), [WatchCode::MetadataUnavailable]);
    assert!(actions[0].message.contains("HTTP 404"));
}

#[test]
fn the_test_login_missing_stale_or_old() {
    let (pem, _) = cert(200);
    let mut w = watched(&[&pem]);
    w.test_login = TestLogin::Missing;
    assert_eq!(
        codes(&check(&w, None, now())),
        [WatchCode::TestLoginMissing]
    );
    w.test_login = TestLogin::Stale {
        time: now() - Duration::days(2),
        changed: vec!["the IdP certificate".into()],
    };
    let actions = check(&w, None, now());
    assert_eq!(codes(&actions), [WatchCode::TestLoginStale]);
    assert!(actions[0].message.contains("the IdP certificate changed"));
    w.test_login = TestLogin::Current {
        time: now() - Duration::days(90),
    };
    assert!(check(&w, None, now()).is_empty());
    w.test_login = TestLogin::Current {
        time: now() - Duration::days(91),
    };
    let actions = check(&w, None, now());
    assert_eq!(codes(&actions), [WatchCode::TestLoginOld]);
    assert!(actions[0].message.contains("91 days old"));
}

#[test]
fn errors_come_first_and_the_json_is_the_contract() {
    let (pem, _) = cert(50);
    let (pem2, _) = cert(-1);
    let mut w = watched(&[&pem, &pem2]);
    w.test_login = TestLogin::Missing;
    let actions = check(&w, None, now());
    assert_eq!(
        codes(&actions),
        [
            WatchCode::CertificateExpired,
            WatchCode::TestLoginMissing,
            WatchCode::CertificateExpiresSoon
        ]
    );
    let json = serde_json::to_value(&actions[2]).unwrap();
    assert_eq!(json["code"], "certificate_expires_soon");
    assert_eq!(json["severity"], "info");
    assert_eq!(json["step"], "certificate");
    assert_eq!(json["days_left"], 50);
    let json = serde_json::to_value(&actions[1]).unwrap();
    assert!(json.get("days_left").is_none());
    for a in &actions {
        assert_eq!(
            serde_json::to_value(a.code).unwrap(),
            serde_json::Value::from(a.code.as_str())
        );
    }
}

#[test]
fn the_saved_configuration_is_what_is_watched() {
    let (pem, _) = cert(20);
    let saved = SavedState {
        idp_certificate: Some(pem.clone()),
        idp_entity_id: Some(ssopilot_saml::values::EntityId::parse(IDP_ID, "x").unwrap()),
        idp_metadata_url: Some(
            ssopilot_saml::values::IdpUrl::parse("https://idp.example.com/md", "x").unwrap(),
        ),
        ..SavedState::default()
    };
    let w = Watched::from_saved(
        Profiles::builtin().unwrap(),
        &saved,
        crate::clock::FixedClock::shared(now()),
    );
    assert_eq!(w.certificates, std::slice::from_ref(&pem));
    assert_eq!(w.idp_entity_id.as_deref(), Some(IDP_ID));
    assert_eq!(
        w.metadata_url.as_deref(),
        Some("https://idp.example.com/md")
    );
    assert_eq!(w.test_login, TestLogin::Missing);
    assert!(!w.is_empty());
    // A rotation under way in the wizard: the next certificate is watched too.
    let (next, _) = cert(700);
    let saved = SavedState {
        idp_next_certificate: Some(next.clone()),
        ..saved
    };
    let w = Watched::from_saved(
        Profiles::builtin().unwrap(),
        &saved,
        crate::clock::FixedClock::shared(now()),
    );
    assert_eq!(w.certificates, [pem, next]);
}

#[test]
fn the_summary_carries_the_banner_of_the_watch_run_at_start() {
    use crate::enforce::tests::{to_enforce, with_valid_evidence};
    use crate::tests::set;
    use crate::view::{Action, Block, Field};
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_enforce(dir.path());
    with_valid_evidence(&mut s, "admin@example.com");
    set(&mut s, Field::EnforceUnderstood, "true");
    set(&mut s, Field::EnforceConfirm, "Infisical");
    let v = s.apply(Action::Enforce);
    let banner = |v: &crate::view::WizardView| {
        v.page.blocks.iter().find_map(|b| match b {
            Block::WatchBanner { title, actions } => Some((title.clone(), actions.clone())),
            _ => None,
        })
    };
    assert!(
        v.page
            .blocks
            .iter()
            .any(|b| matches!(b, Block::ReportExport { .. })),
        "on the summary"
    );
    // A fresh certificate and a fresh test: nothing to say.
    assert_eq!(banner(&v), None);

    // The watch at start saw a rotation at the IdP: the banner says so, first on the page.
    let watched = s.watched();
    let report = WatchReport {
        actions: vec![action(
            WatchCode::RotationStarted,
            Severity::Warning,
            "The IdP's metadata lists a signing certificate the SP does not have yet.".into(),
            StepId::Certificate,
        )],
        metadata_url: Some("https://idp.example.com/md".into()),
        checked_at: rfc3339(now()),
    };
    s.set_watch_report(watched, report);
    let v = s.view();
    assert!(matches!(
        v.page.blocks.first(),
        Some(Block::WatchBanner { .. })
    ));
    let (title, actions) = banner(&v).unwrap();
    assert_eq!(title, "1 thing needs doing");
    assert_eq!(actions[0].code, WatchCode::RotationStarted);
}

#[test]
fn at_start_a_fresh_setup_has_nothing_to_watch_as_the_cli_says() {
    use crate::tests::set;
    use crate::view::Field;
    let dir = tempfile::tempdir().unwrap();
    let mut s = crate::Session::open(crate::state::Store::at(dir.path()));
    // The app's fresh start: the demo IdP preselected, its certificate and entity ID filled in, nothing saved.
    s.attach_demo(crate::demo::DemoIdp::start_with_key(
        ssopilot_peers::demo_idp::key::IdpKey::generate_ephemeral().unwrap(),
        0,
    ));
    assert!(
        !s.watched().is_empty(),
        "the demo's values are in the model"
    );
    assert!(
        !run(&s.watched(), &FetchOptions::default(), now())
            .actions
            .is_empty(),
        "what watching the model alone finds (no test login yet): the app's old \"1 action(s) needed\""
    );
    let w = s.watched_at_start();
    assert_eq!(w, None);
    let (report, line) = at_start(w.as_ref(), &FetchOptions::default(), now());
    assert_eq!(report, None, "no report, so no banner");
    assert_eq!(
        line,
        format!("watch: nothing to watch yet: {NOTHING_TO_WATCH}")
    );
    assert!(!s
        .view()
        .page
        .blocks
        .iter()
        .any(|b| matches!(b, crate::view::Block::WatchBanner { .. })));

    // Once the admin's choices are saved, the start-of-app watch watches them.
    set(&mut s, Field::SpProfile, "infisical");
    let w = s.watched_at_start().expect("something saved to watch");
    let (report, line) = at_start(Some(&w), &FetchOptions::default(), now());
    assert_eq!(
        codes(&report.unwrap().actions),
        [WatchCode::TestLoginMissing]
    );
    assert_eq!(line, "watch: 1 action(s) needed on the saved setup");
    let (pem, _) = cert(400);
    let w = Watched {
        metadata_url: None,
        ..watched(&[&pem])
    };
    let (report, line) = at_start(Some(&w), &FetchOptions::default(), now());
    assert!(report.unwrap().actions.is_empty());
    assert_eq!(line, "watch: nothing needs doing on the saved setup");
}
