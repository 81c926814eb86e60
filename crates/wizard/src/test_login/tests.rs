use super::super::assign_users::tests::to_assign_users_at;
use super::super::certificate::tests::{cert_around, to_certificate, to_certificate_at, T0};
use super::super::tests::set;
use super::super::view::{Action, StepId};
use super::super::{Field, Session};
use super::*;
use crate::state::Store;
use ssopilot_peers::test_login::evidence::EvidenceCheck;
use ssopilot_saml::fingerprint::Fingerprint;

/// Evidence as a passing test of `config` by `user` records it (the report itself is the test-login module's
/// business).
pub(crate) fn passing_as(config: &TestedConfig, user: &str) -> Evidence {
    let cert = Fingerprint::sha256(&config.idp_certs[0]);
    Evidence {
        user: user.into(),
        time: T0,
        idp_entity_id: config.idp_entity_id.clone(),
        sp_entity_id: config.sp_entity_id.clone(),
        acs_url: config.acs_url.clone(),
        certificate_sha256: cert.clone(),
        certificates_sha256: vec![cert],
        attribute_map_sha256: config.attribute_map_sha256(),
        config_hash: config.hash(),
        flow: Some(ssopilot_saml::response::Flow::SpInitiated),
        checks: vec![EvidenceCheck {
            id: "signature".into(),
            ok: true,
            message: "verified".into(),
        }],
    }
}

fn passing(config: &TestedConfig) -> Evidence {
    passing_as(config, "admin@example.com")
}

#[test]
fn evidence_is_valid_for_the_tested_configuration_and_stale_after_a_certificate_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_assign_users_at(dir.path(), T0);
    assert_eq!(s.model().evidence_state(), EvidenceState::Missing);
    let config = s.model().tested_config().expect("steps 1-5 are complete");
    s.model.steps.test_login.evidence = Some(passing(&config));
    assert!(matches!(
        s.model().evidence_state(),
        EvidenceState::Valid { ref user, .. } if user == "admin@example.com"
    ));
    // Saved with the next change, and read back.
    set(&mut s, Field::UsersAssigned, "true");
    drop(s);
    let mut s = Session::open_with_clock(
        Store::at(dir.path()),
        std::sync::Arc::new(crate::clock::FixedClock::new(T0)),
    );
    assert!(matches!(
        s.model().evidence_state(),
        EvidenceState::Valid { .. }
    ));
    // A new certificate makes it stale, and says why.
    s.apply(Action::GoTo {
        step: StepId::Certificate,
    });
    let (c, _) = cert_around(T0, -2, 300);
    set(&mut s, Field::IdpCertificate, &c.pem());
    match s.model().evidence_state() {
        EvidenceState::Stale { changed, .. } => {
            assert_eq!(changed, ["the IdP certificate"])
        }
        other => panic!("{other:?}"),
    }
    // No configuration, no evidence to speak of.
    let dir = tempfile::tempdir().unwrap();
    assert!(to_certificate(dir.path()).model().tested_config().is_none());
}

use super::super::tests::{ACS, IDP_URL, SP_ID};
use base64::Engine as _;
use ssopilot_peers::demo_idp::directory::Directory;
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint::{self, App};

pub(crate) fn key() -> &'static IdpKey {
    static KEY: std::sync::OnceLock<IdpKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| IdpKey::generate_ephemeral().expect("RSA key"))
}

/// Infisical on JumpCloud, steps 1 to 6 done with `key()`'s certificate, on step 7, the wizard's clock at [`T0`]
/// (responses are minted then: a verdict that read the computer's clock would fail them).
pub(crate) fn to_test_login(dir: &std::path::Path) -> Session {
    let mut s = to_certificate_at(dir, T0);
    set(&mut s, Field::IdpCertificate, &key().cert_pem());
    s.apply(Action::Next);
    set(&mut s, Field::UsersAssigned, "true");
    set(&mut s, Field::TestUser, "ada.lovelace@example.com");
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::TestLogin, "{:?}", v.page.next);
    s
}

/// A response as JumpCloud would sign it for the configuration of [`to_test_login`] (base64, as posted).
pub(super) fn response(request_id: Option<&str>) -> String {
    response_signed_by(request_id, key())
}

/// [`response`] signed with `signer`.
pub(crate) fn response_signed_by(request_id: Option<&str>, signer: &IdpKey) -> String {
    let sp = ssopilot_saml::values::EntityId::parse(SP_ID, "x").unwrap();
    let acs = ssopilot_saml::values::AcsUrl::parse(ACS, "x").unwrap();
    let app = App::new(sp.clone(), acs, sp);
    let dir = Directory::demo().unwrap();
    let user = dir.user("ada.lovelace@example.com").unwrap().clone();
    let xml = mint::mint(&app, &user, request_id, signer, T0).unwrap();
    mint::post_value(&xml)
}

pub(crate) fn report(v: &WizardView) -> &TestReportView {
    v.page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::TestReport(r) => Some(r.as_ref()),
            _ => None,
        })
        .expect("a report on the page")
}

fn paste(s: &mut Session, text: &str) -> WizardView {
    s.apply(Action::CheckPastedResponse { text: text.into() })
}

#[test]
fn a_passing_paste_records_evidence_and_a_certificate_change_makes_it_stale() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let v = s.view();
    assert!(!v.page.next.enabled);
    assert_eq!(
        v.page.next.reason.as_deref(),
        Some("Run a test login that passes")
    );
    let v = paste(&mut s, &response(None));
    let r = report(&v);
    assert!(
        r.passed,
        "{:?}",
        r.checks.iter().filter(|c| !c.ok).collect::<Vec<_>>()
    );
    assert!(
        r.evidence_note.starts_with("Recorded as evidence"),
        "{}",
        r.evidence_note
    );
    assert!(r
        .not_evaluated
        .iter()
        .any(|n| n.starts_with("InResponseTo")));
    assert!(r.not_evaluated.iter().any(|n| n.starts_with("Replay")));
    assert!(r.checks.iter().all(|c| c.id != "in_response_to"));
    // The assertion is signed and marked; signature values are left out.
    assert!(r
        .xml
        .iter()
        .any(|l| l.signed && l.text.contains("Assertion")));
    assert!(r
        .xml
        .iter()
        .any(|l| !l.signed && l.text.starts_with("<saml2p:Response")));
    assert!(r
        .xml
        .iter()
        .any(|l| l.text.contains("SignatureValue>(left out)<")));
    // The attributes arrive under Infisical's names.
    let email = r.attributes.iter().find(|a| a.sp_name == "email").unwrap();
    assert_eq!(email.arrival, AttributeArrival::Received);
    assert_eq!(email.values, ["ada.lovelace@example.com"]);
    assert!(r.clock.as_ref().unwrap().ok);
    assert!(v.page.next.enabled);
    assert!(
        matches!(s.model().evidence_state(), EvidenceState::Valid { ref user, .. } if user == "ada.lovelace@example.com")
    );
    let step7 = v.steps.iter().find(|x| x.id == StepId::TestLogin).unwrap();
    assert_eq!(step7.status, super::super::view::StepStatus::Complete);
    // A new certificate: the evidence is stale and the page says what changed.
    s.apply(Action::GoTo {
        step: StepId::Certificate,
    });
    let (c, _) = cert_around(T0, -2, 300);
    set(&mut s, Field::IdpCertificate, &c.pem());
    let v = s.apply(Action::GoTo {
        step: StepId::TestLogin,
    });
    assert!(!v.page.next.enabled);
    let stale = v.page.blocks.iter().any(|b| matches!(b, Block::Callout { severity: Severity::Warning, text } if text.contains("the IdP certificate changed since") && text.contains("Test again")));
    assert!(stale, "{:?}", v.page.blocks.first());
    assert!(v.page.blocks.iter().any(|b| matches!(b, Block::TestLoginWay { way: TestWay::LoginWindow, start_label, .. } if start_label.starts_with("Test again"))));
}

#[test]
fn a_tampered_paste_fails_with_the_signature_check_and_its_fix_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let b64 = base64::engine::general_purpose::STANDARD;
    let xml = String::from_utf8(b64.decode(response(None)).unwrap()).unwrap();
    let tampered = xml.replacen("ada.lovelace@example.com", "grace.hopper@example.com", 1);
    assert_ne!(xml, tampered);
    let v = paste(&mut s, &b64.encode(tampered));
    let r = report(&v);
    assert!(!r.passed);
    assert!(!r.checks[0].ok, "failed checks come first");
    let sig = r
        .checks
        .iter()
        .find(|c| c.id == "signature_required")
        .unwrap();
    assert!(!sig.ok);
    assert_eq!((sig.step, sig.step_number), (StepId::Certificate, 5));
    assert!(sig.fix_elsewhere);
    // A failure fixed here (capture it again) gets no button to this same step.
    assert!(r
        .checks
        .iter()
        .filter(|c| c.step == StepId::TestLogin)
        .all(|c| !c.fix_elsewhere));
    assert!(
        r.evidence_note.starts_with("Not recorded as evidence"),
        "{}",
        r.evidence_note
    );
    assert_eq!(s.model().evidence_state(), EvidenceState::Missing);
    // The exchange picture marks the response leg.
    let failed = v.page.blocks.iter().find_map(|b| match b {
        Block::Exchange { legs, .. } => Some(
            legs.iter()
                .filter(|l| l.state == LegState::Failed)
                .map(|l| l.id.clone())
                .collect::<Vec<_>>(),
        ),
        _ => None,
    });
    assert_eq!(failed, Some(vec!["response".to_string()]));
    // What was pasted is kept, and garbage or an oversized paste is said plainly.
    assert!(v.page.blocks.iter().any(
        |b| matches!(b, Block::TestLoginWay { way: TestWay::Paste, value, .. } if !value.is_empty())
    ));
    let v = paste(&mut s, &"A".repeat(MAX_RESPONSE_BYTES + 1));
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.contains("more than any sign-in response")));
}

#[test]
fn a_response_for_another_sp_does_not_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let other = ssopilot_saml::values::EntityId::parse("urn:ssopilot:test-sp", "x").unwrap();
    let acs = ssopilot_saml::values::AcsUrl::parse("http://127.0.0.1:9/acs", "x").unwrap();
    let idp = ssopilot_saml::values::EntityId::parse(SP_ID, "x").unwrap();
    let app = App::new(other, acs, idp);
    let user = Directory::demo()
        .unwrap()
        .user("ada.lovelace@example.com")
        .unwrap()
        .clone();
    let xml = mint::mint(&app, &user, None, key(), T0).unwrap();
    let v = paste(&mut s, &mint::post_value(&xml));
    let r = report(&v);
    assert!(!r.passed);
    let audience = r.checks.iter().find(|c| c.id == "audience").unwrap();
    assert!(!audience.ok);
    // The validator's hint names no provider; the JumpCloud profile adds where that fix is made in its portal.
    assert_eq!(
        audience.hint.as_deref(),
        Some(
            "set the SP Entity ID (audience) in the IdP application to exactly the SP's value. In JumpCloud: the \
             application's SSO tab, fields SP Entity ID and ACS URL."
        )
    );
    let passed = r.checks.iter().find(|c| c.id == "name_id").unwrap();
    assert!(passed.ok && passed.hint.is_none(), "{passed:?}");
    assert_eq!(s.model().evidence_state(), EvidenceState::Missing);
}

/// The report's clock is the validator's reading: a response issued 300 s in this computer's future is shown as the
/// IdP's clock being ahead, and the time checks fail.
#[test]
fn the_clock_shown_is_the_validators_reading() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let sp = ssopilot_saml::values::EntityId::parse(SP_ID, "x").unwrap();
    let acs = ssopilot_saml::values::AcsUrl::parse(ACS, "x").unwrap();
    let app = App::new(sp.clone(), acs, sp);
    let user = Directory::demo()
        .unwrap()
        .user("ada.lovelace@example.com")
        .unwrap()
        .clone();
    let ahead = T0 + time::Duration::seconds(300);
    let xml = mint::mint(&app, &user, None, key(), ahead).unwrap();
    let v = paste(&mut s, &mint::post_value(&xml));
    let r = report(&v);
    assert!(!r.passed);
    let clock = r.clock.as_ref().unwrap();
    assert!(!clock.ok);
    assert!(clock.difference_seconds.unwrap() < -180, "{clock:?}");
    assert!(
        clock
            .text
            .contains("s ahead of this computer; allowed skew 180 s"),
        "{}",
        clock.text
    );
    let issue = r.checks.iter().find(|c| c.id == "issue_instant").unwrap();
    assert!(!issue.ok);
    assert!(
        issue
            .hint
            .as_deref()
            .unwrap()
            .contains("correct the IdP's clock"),
        "{issue:?}"
    );
}

/// The shell validates a caught response outside the session lock (issue 18): the job carries everything the check
/// needs, the session goes on answering meanwhile, and an outcome whose window was replaced by a newer test is
/// dropped.
#[test]
fn a_caught_response_is_checked_apart_from_the_session_and_only_for_its_own_window() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    s.apply(Action::SetLoginStart {
        start: LoginStart::IdpInitiated,
    });
    let (_, first) = s.start_login_window();
    let first = first.expect("the window can open");
    let CaptureStart::Check(job) = s.login_window_capture_job(&response(None)) else {
        panic!("a capture of a running window is checked");
    };
    // A second response to the same window is refused while the first is still being checked.
    assert!(matches!(
        s.login_window_capture_job(&response(None)),
        CaptureStart::Refused
    ));
    // The session answers while the check runs elsewhere: no report yet.
    let checked = std::thread::spawn(move || job.run()).join().unwrap();
    assert!(s
        .view()
        .page
        .blocks
        .iter()
        .all(|b| !matches!(b, Block::TestReport(_))));
    // A new test replaced the window meanwhile: the old outcome is not recorded.
    s.login_window_closed(first.id);
    let (_, second) = s.start_login_window();
    assert!(second.is_some());
    s.login_window_capture_checked(checked);
    assert!(s
        .view()
        .page
        .blocks
        .iter()
        .all(|b| !matches!(b, Block::TestReport(_))));
    assert_eq!(s.model().evidence_state(), EvidenceState::Missing);
    // The new window's own capture, checked apart, is recorded.
    let CaptureStart::Check(job) = s.login_window_capture_job(&response(None)) else {
        panic!("the new window takes its response");
    };
    s.login_window_capture_checked(job.run());
    assert!(report(&s.view()).passed);
    assert!(matches!(
        s.model().evidence_state(),
        EvidenceState::Valid { .. }
    ));
}

#[test]
fn the_login_window_checks_its_request_and_takes_one_response_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    // Nothing is running: a capture is refused.
    assert!(!s.login_window_captured(&response(None)));
    s.apply(Action::SetLoginStart {
        start: LoginStart::IdpInitiated,
    });
    let (_, job) = s.start_login_window();
    let job = job.expect("the window can open");
    // JumpCloud: its IDP URL, IdP-initiated; only its origin may hand the response back.
    assert_eq!(job.url, IDP_URL);
    assert_eq!(job.allowed_origin, "https://sso.jumpcloud.com");
    assert!(s.login_window_captured(&response(None)));
    assert!(
        !s.login_window_captured(&response(None)),
        "one response per window"
    );
    let v = s.view();
    assert!(report(&v).passed);
    assert!(matches!(
        s.model().evidence_state(),
        EvidenceState::Valid { .. }
    ));
    assert!(v.page.blocks.iter().any(|b| matches!(
        b,
        Block::TestLoginWay {
            way: TestWay::LoginWindow,
            captured: true,
            ..
        }
    )));
    assert!(s.login_window_continue());
    let v = s.login_window_closed(job.id);
    assert!(v.page.blocks.iter().any(|b| matches!(
        b,
        Block::TestLoginWay {
            way: TestWay::LoginWindow,
            running: false,
            captured: false,
            error: None,
            ..
        }
    )));
    // Saved with the evidence.
    let saved = Store::at(dir.path()).load().unwrap().unwrap();
    assert!(saved.test_evidence.is_some());
    // A later failing test (another SP's response pasted) leaves the evidence, and says so.
    let other = ssopilot_saml::values::EntityId::parse("https://other.example.com", "x").unwrap();
    let acs = ssopilot_saml::values::AcsUrl::parse("https://other.example.com/acs", "x").unwrap();
    let sp = ssopilot_saml::values::EntityId::parse(SP_ID, "x").unwrap();
    let user = Directory::demo()
        .unwrap()
        .user("ada.lovelace@example.com")
        .unwrap()
        .clone();
    let xml = mint::mint(&App::new(other, acs, sp), &user, None, key(), T0).unwrap();
    let v = paste(&mut s, &mint::post_value(&xml));
    let note = &report(&v).evidence_note;
    assert!(
        note.starts_with("Not recorded as evidence") && note.contains("still counts"),
        "{note}"
    );
    assert!(v.page.next.enabled);
    // Stop ends a window test at once.
    let (_, job) = s.start_login_window();
    assert!(job.is_some());
    let v = s.login_window_stopped();
    assert!(v.page.blocks.iter().any(|b| matches!(
        b,
        Block::TestLoginWay {
            way: TestWay::LoginWindow,
            running: false,
            captured: false,
            ..
        }
    )));
}

#[test]
fn a_passing_loopback_test_shows_its_report_but_never_unlocks_enforce() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let (_, job) = s.start_loopback();
    let job = job.expect("the test SP can start");
    assert_eq!(
        job.sp_entity_id.as_str(),
        ssopilot_peers::test_login::DEFAULT_SP_ENTITY_ID
    );
    let acs = ssopilot_saml::values::AcsUrl::parse("http://127.0.0.1:9/acs", "x").unwrap();
    s.loopback_listening(job.id, &acs);
    // What the test SP would validate: the IdP side against SSO Pilot's own SP values.
    let app = App::new(
        job.sp_entity_id.clone(),
        acs.clone(),
        job.idp.entity_id.clone(),
    );
    let user = Directory::demo()
        .unwrap()
        .user("ada.lovelace@example.com")
        .unwrap()
        .clone();
    let xml = mint::mint(&app, &user, None, key(), T0).unwrap();
    let mut policy = Policy::new(
        job.idp.entity_id.clone(),
        job.idp.certs.clone(),
        job.sp_entity_id.clone(),
        acs,
        T0,
    );
    policy.expect = ssopilot_saml::response::Expect::IdpInitiated;
    let report_in = response::validate(xml.as_bytes(), &policy);
    assert!(report_in.valid(), "{:?}", report_in.failed());
    let v = s.finish_loopback(
        job.id,
        Ok(Received {
            xml: None,
            report: report_in,
            relay_state: None,
            received_at: T0,
        }),
    );
    let r = report(&v);
    assert!(r.passed);
    assert!(
        r.evidence_note.contains("does not unlock")
            || r.evidence_note.contains("proves the IdP side only"),
        "{}",
        r.evidence_note
    );
    assert_eq!(s.model().evidence_state(), EvidenceState::Missing);
    assert!(!v.page.next.enabled);
    // A timeout is said plainly and the way can start again; POSTs that were not this test's answer are named
    // with where they came from (issue 18), and a stale test's are not.
    let (_, job) = s.start_loopback();
    let job = job.unwrap();
    let post = ssopilot_peers::test_login::UnexpectedPost {
        origin: Some("https://evil.example".into()),
        referer: Some("https://evil.example/phish".into()),
        why: "it answers no request the test SP sent".into(),
        received_at: time::OffsetDateTime::UNIX_EPOCH,
    };
    s.loopback_unexpected_posts(job.id + 1, std::slice::from_ref(&post));
    assert!(
        !s.view()
            .notices
            .iter()
            .any(|n| n.text.contains("evil.example")),
        "another test's POSTs are not this one's"
    );
    s.loopback_unexpected_posts(job.id, &[post]);
    let warned = s
        .view()
        .notices
        .iter()
        .find(|n| n.text.contains("were not the answer to this test"))
        .map(|n| (n.severity, n.text.clone()));
    let (severity, text) = warned.expect("a notice names the unexpected POST");
    assert_eq!(severity, Severity::Warning);
    assert!(
        text.contains("origin \"https://evil.example\"")
            && text.contains("https://evil.example/phish"),
        "{text}"
    );
    let v = s.finish_loopback(
        job.id,
        Err(TestLoginError::Timeout {
            secs: 300,
            acs: "http://127.0.0.1:9/acs".into(),
            sp_entity_id: "urn:ssopilot:test-sp".into(),
        }),
    );
    assert!(v.page.blocks.iter().any(|b| matches!(b, Block::TestLoginWay { way: TestWay::Loopback, running: false, error: Some(e), .. } if e.starts_with("No response reached the test SP within 300 s"))));
}

#[test]
fn the_report_is_exported_through_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let out = dir.path().join("report.md");
    let v = s.apply(Action::SaveTestReport {
        format: ReportFormat::Markdown,
        path: out.display().to_string(),
    });
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.starts_with("There is no test-login report")));
    paste(&mut s, &response(None));
    s.apply(Action::SaveTestReport {
        format: ReportFormat::Markdown,
        path: out.display().to_string(),
    });
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.contains("PASSED"), "{md}");
    assert!(md.contains("## Evidence"));
    let html_path = dir.path().join("report.html");
    s.apply(Action::SaveTestReport {
        format: ReportFormat::Html,
        path: html_path.display().to_string(),
    });
    assert!(std::fs::read_to_string(&html_path)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
}

/// The demo IdP (as the app runs it) with Infisical, steps 1 to 6 done, on step 7.
fn demo_to_test_login(dir: &std::path::Path) -> Session {
    let mut s = Session::open(Store::at(dir));
    let pkcs8 = ssopilot_peers::secrets::SecretBytes::new(key().pkcs8().to_vec());
    s.attach_demo(super::super::demo::DemoIdp::start_with_key(
        IdpKey::from_pkcs8(pkcs8).unwrap(),
        0,
    ));
    set(&mut s, Field::SpProfile, "infisical");
    s.apply(Action::Next);
    set(&mut s, Field::AcsUrl, ACS);
    set(&mut s, Field::SpEntityId, SP_ID);
    for _ in 0..4 {
        s.apply(Action::Next);
    }
    s.apply(Action::SetGroupGrant {
        group: "Engineering".into(),
        granted: true,
    });
    set(&mut s, Field::TestUser, "ada.lovelace@example.com");
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::TestLogin, "{:?}", v.page.next);
    s
}

/// What a browser does at the demo IdP: open `url`, sign in, return the auto-posting form's SAMLResponse and
/// where it posts.
async fn sign_in_at_demo(url: &str) -> (String, String) {
    use ssopilot_peers::test_login::demo::{form_action, input_value, Browser};
    let browser = Browser::new().unwrap();
    let form = browser.get(url).await.unwrap();
    let token = input_value(&form.body, "token").expect("the login form");
    let base = url::Url::parse(url).unwrap().origin().ascii_serialization();
    let posted = browser
        .post_form(
            &format!("{base}/login"),
            &[
                ("token", token.as_str()),
                ("email", "ada.lovelace@example.com"),
                (
                    "password",
                    ssopilot_peers::demo_idp::directory::DEMO_PASSWORD,
                ),
            ],
        )
        .await
        .unwrap();
    (
        input_value(&posted.body, "SAMLResponse").expect("the auto-posting form"),
        form_action(&posted.body).unwrap(),
    )
}

#[test]
fn with_the_demo_idp_the_login_window_and_the_loopback_test_sp_both_sign_in_for_real() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = demo_to_test_login(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The login window: an AuthnRequest for the configured SP; the response answers it and is caught.
    let (_, job) = s.start_login_window();
    let job = job.expect("the window can open");
    assert!(job.url.contains("SAMLRequest="), "{}", job.url);
    assert!(job.allowed_origin.starts_with("http://127.0.0.1:"));
    let (saml, acs) = rt.block_on(sign_in_at_demo(&job.url));
    assert_eq!(acs, ACS, "the response goes to the configured ACS");
    assert!(s.login_window_captured(&saml));
    let v = s.view();
    let r = report(&v);
    assert!(
        r.passed,
        "{:?}",
        r.checks.iter().filter(|c| !c.ok).collect::<Vec<_>>()
    );
    assert!(r.checks.iter().any(|c| c.id == "in_response_to" && c.ok));
    assert!(matches!(
        s.model().evidence_state(),
        EvidenceState::Valid { .. }
    ));
    s.login_window_closed(job.id);

    // The loopback test SP: the demo IdP gets an application for it while it waits; the pass is shown, and
    // the evidence is still the login window's.
    let before = s.model().evidence().cloned();
    let (_, job) = s.start_loopback();
    let job = job.expect("the test SP can start");
    let v = rt.block_on(async {
        let mut sp = ssopilot_peers::test_login::TestSp::bind_loopback(job.sp_entity_id, job.idp)
            .await
            .unwrap();
        let attempt = sp.start().unwrap();
        s.loopback_listening(job.id, sp.acs_url());
        let (saml, acs) = sign_in_at_demo(&attempt.url).await;
        assert_eq!(acs, sp.acs_url().as_str());
        let browser = ssopilot_peers::test_login::demo::Browser::new().unwrap();
        browser
            .post_form(&acs, &[("SAMLResponse", saml.as_str())])
            .await
            .unwrap();
        let got = sp.wait(std::time::Duration::from_secs(20)).await;
        s.finish_loopback(job.id, got)
    });
    let r = report(&v);
    assert!(
        r.passed,
        "{:?}",
        r.checks.iter().filter(|c| !c.ok).collect::<Vec<_>>()
    );
    assert_eq!(r.source, "SSO Pilot's test SP (loopback)");
    assert!(
        r.xml.iter().any(|l| l.signed),
        "the decoded response is shown, signed part marked"
    );
    assert!(r.evidence_note.starts_with("Not recorded as evidence"));
    assert_eq!(s.model().evidence(), before.as_ref());
}

/// The report's attribute suggestions (issue 21): step 4's SP names that did not arrive as they are, each with the
/// arrived name most likely meant (another case, a well-known alias), and what to change.
#[test]
fn the_report_suggests_mappings_for_attributes_sent_under_other_names() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let sp = ssopilot_saml::values::EntityId::parse(SP_ID, "x").unwrap();
    let acs = ssopilot_saml::values::AcsUrl::parse(ACS, "x").unwrap();
    let mut app = App::new(sp.clone(), acs, sp);
    app.attributes = vec![
        ("mail".into(), "email".into()),
        ("FirstName".into(), "firstname".into()),
        ("sn".into(), "lastname".into()),
        ("department".into(), "fullname".into()),
    ];
    let user = Directory::demo()
        .unwrap()
        .user("ada.lovelace@example.com")
        .unwrap()
        .clone();
    let xml = mint::mint(&app, &user, None, key(), T0).unwrap();
    let v = paste(&mut s, &mint::post_value(&xml));
    let r = report(&v);
    let got: Vec<(&str, &str, &str)> = r
        .attribute_suggestions
        .iter()
        .map(|x| {
            (
                x.sp_attribute.as_str(),
                x.idp_attribute.as_str(),
                x.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("email", "mail", "alias"),
            ("firstName", "FirstName", "case"),
            ("lastName", "sn", "alias"),
        ]
    );
    // The diagnosis names the first of them at step 4 with the change to make.
    let d = r.diagnosis.as_ref().expect("a diagnosis");
    assert_eq!((d.step, d.step_id), (4, StepId::Attributes), "{d:?}");
    assert!(
        d.cause.contains("\"mail\"") && d.cause.contains("\"email\""),
        "{}",
        d.cause
    );
    assert!(d.fix.contains("map email <- mail in step 4"), "{}", d.fix);
    // The validator passes it (the signature and the conditions hold), but the SP cannot read what it needs: no
    // evidence, and the note names what is missing.
    assert!(r.passed, "{}", r.headline);
    assert!(s.model().evidence().is_none());
    assert!(
        r.evidence_note.starts_with("Not recorded as evidence")
            && r.evidence_note.contains("email, firstName, lastName"),
        "{}",
        r.evidence_note
    );
    let first = &r.attribute_suggestions[1];
    assert!(
        first.text.contains("\"firstName\"")
            && first.text.contains("case")
            && first.text.contains("(step 4)"),
        "{}",
        first.text
    );
    // The passing response of the configuration itself needs no suggestion, and is evidence.
    let v = paste(&mut s, &response(None));
    assert!(report(&v).attribute_suggestions.is_empty());
    assert_eq!(report(&v).diagnosis, None);
    assert!(
        s.model().evidence().is_some(),
        "{}",
        report(&v).evidence_note
    );
}

#[test]
fn the_loopback_test_sp_decrypts_with_its_own_key_kept_in_the_keychain_or_a_temporary_one_said_plainly(
) {
    use ssopilot_peers::secrets::{SecretName, Secrets, SecretsError};
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    s.attach_secrets(Ok(Secrets::mock()));
    let (v, job) = s.start_loopback();
    let key = job
        .expect("the test SP can start")
        .encryption
        .expect("the test SP decrypts with its own key");
    assert!(key.temporary_reason().is_none());
    assert!(!v.notices.iter().any(|n| n.text.contains("temporary")));
    let kept = match &s.model.secrets {
        Some(Ok(secrets)) => secrets.get_bytes(&SecretName::TestSpEncryptionKey).unwrap(),
        _ => None,
    };
    assert!(kept.is_some(), "kept in the keychain, under its own entry");
    // Loaded once per run: the next test login decrypts with the same key.
    s.cancel_loopback();
    let (_, again) = s.start_loopback();
    let again = again.unwrap().encryption.unwrap();
    assert_eq!(again.cert_der(), key.cert_der());

    // Without a keychain: a temporary key for this run, said plainly.
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    s.attach_secrets(Err(SecretsError::NoKeychain {
        detail: "org.freedesktop.secrets was not provided".into(),
    }));
    let (v, job) = s.start_loopback();
    let key = job.unwrap().encryption.unwrap();
    assert!(key.temporary_reason().is_some());
    let note = v
        .notices
        .iter()
        .find(|n| n.text.contains("encryption key is temporary"))
        .expect("a notice says the key is temporary");
    assert_eq!(note.severity, Severity::Warning);
    assert!(
        note.text.contains("never written to a file")
            && note
                .text
                .contains("org.freedesktop.secrets was not provided"),
        "{}",
        note.text
    );
}

#[test]
fn an_encrypted_assertion_is_reported_decrypted_with_the_test_sps_key_and_marked_in_the_xml() {
    use ssopilot_peers::secrets::Secrets;
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    s.attach_secrets(Ok(Secrets::mock()));
    let (_, job) = s.start_loopback();
    let job = job.unwrap();
    let enc = job.encryption.clone().unwrap();
    let acs = ssopilot_saml::values::AcsUrl::parse("http://127.0.0.1:9/acs", "x").unwrap();
    s.loopback_listening(job.id, &acs);
    // The IdP encrypts for the certificate the test SP publishes; the test SP's policy holds its key.
    let mut app = App::new(
        job.sp_entity_id.clone(),
        acs.clone(),
        job.idp.entity_id.clone(),
    );
    app.encrypt_for = Some(enc.cert_der().to_vec());
    let user = Directory::demo()
        .unwrap()
        .user("ada.lovelace@example.com")
        .unwrap()
        .clone();
    let xml = mint::mint(&app, &user, None, key(), T0).unwrap();
    assert!(xml.contains("EncryptedAssertion") && !xml.contains("ada.lovelace@"));
    let mut policy = Policy::new(
        job.idp.entity_id.clone(),
        job.idp.certs.clone(),
        job.sp_entity_id.clone(),
        acs,
        T0,
    );
    policy.expect = ssopilot_saml::response::Expect::IdpInitiated;
    policy.decryption_keys = vec![enc.decryption_key().clone()];
    let got = response::validate(xml.as_bytes(), &policy);
    assert!(got.valid(), "{:?}", got.failed());
    let v = s.finish_loopback(
        job.id,
        Ok(Received {
            xml: got.decoded_xml().map(str::to_string),
            report: got,
            relay_state: None,
            received_at: T0,
        }),
    );
    let r = report(&v);
    assert!(r.passed);
    assert_eq!(
        r.decrypted.as_deref(),
        Some(
            "The assertion arrived encrypted and was decrypted with the test SP's encryption key."
        )
    );
    assert!(r.xml_note.contains("shown decrypted"), "{}", r.xml_note);
    // The decrypted assertion is shown in its place, marked, and its signed part highlighted.
    let marked: Vec<&XmlLine> = r.xml.iter().filter(|l| l.decrypted).collect();
    assert!(
        marked.first().is_some_and(|l| l.text.contains("Assertion")),
        "{marked:?}"
    );
    assert!(marked
        .iter()
        .any(|l| l.text.contains("ada.lovelace@example.com")));
    assert!(
        marked.iter().all(|l| l.signed),
        "the assertion is signed inside the encryption"
    );
    assert!(!r.xml.iter().any(|l| l.text.contains("EncryptedAssertion")));
    assert!(!r.xml.first().is_some_and(|l| l.decrypted));
}

/// Every file under `dir`, as text (lossy).
fn files_text(dir: &std::path::Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.push_str(&files_text(&path));
        } else {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    out
}

#[test]
fn support_staff_load_the_sp_key_for_one_pasted_check_and_it_is_kept_nowhere() {
    use ssopilot_testkit::response_support::sp_encryption;
    let dir = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    // A customer's IdP encrypted the assertion for the SP's certificate.
    let sp = ssopilot_saml::values::EntityId::parse(SP_ID, "x").unwrap();
    let acs = ssopilot_saml::values::AcsUrl::parse(ACS, "x").unwrap();
    let mut app = App::new(sp.clone(), acs, sp);
    app.encrypt_for = Some(sp_encryption().cert_der.clone());
    let user = Directory::demo()
        .unwrap()
        .user("ada.lovelace@example.com")
        .unwrap()
        .clone();
    let encrypted = mint::post_value(&mint::mint(&app, &user, None, key(), T0).unwrap());
    let pasted = |s: &mut Session| paste(s, &encrypted);
    let paste_key = |v: &WizardView| {
        v.page
            .blocks
            .iter()
            .find_map(|b| match b {
                Block::TestLoginWay {
                    way: TestWay::Paste,
                    decryption_key,
                    ..
                } => decryption_key.clone(),
                _ => None,
            })
            .expect("the paste way offers the key")
    };
    // Without the key: the one decryption failure, saying what to do.
    let v = pasted(&mut s);
    let r = report(&v);
    assert!(!r.passed);
    assert!(r.checks.iter().any(|c| c.id == "decryption" && !c.ok));
    let offer = paste_key(&v);
    assert_eq!(offer.loaded, None);
    assert!(
        offer.note.contains("memory only") && offer.note.contains("never saved"),
        "{}",
        offer.note
    );

    // A file that is not a key says why, by name, and loads nothing.
    let cert_file = keys.path().join("sp-cert.pem");
    std::fs::write(&cert_file, &sp_encryption().cert_pem).unwrap();
    let v = s.open_paste_key_file(&cert_file);
    assert!(v
        .notices
        .iter()
        .any(|n| n.severity == Severity::Error && n.text.contains("this is a certificate")));
    assert_eq!(paste_key(&v).loaded, None);

    // The key: loaded, named by file and fingerprint only; the check passes and says it decrypted with it.
    let key_file = keys.path().join("customer-sp.pem");
    std::fs::write(&key_file, &sp_encryption().key_pem).unwrap();
    let v = s.open_paste_key_file(&key_file);
    let loaded = paste_key(&v).loaded.expect("the key is loaded");
    assert!(
        loaded.starts_with("customer-sp.pem (public key SHA-256 "),
        "{loaded}"
    );
    let v = pasted(&mut s);
    let r = report(&v);
    assert!(
        r.passed,
        "{:?}",
        r.checks.iter().filter(|c| !c.ok).collect::<Vec<_>>()
    );
    assert_eq!(
        r.decrypted.as_deref(),
        Some("The assertion arrived encrypted and was decrypted with the SP private key given for this check.")
    );
    // For that one check: it is gone afterwards, and the next check cannot decrypt.
    assert_eq!(paste_key(&v).loaded, None);
    assert!(!report(&pasted(&mut s)).passed);

    // Forget drops a loaded key.
    s.open_paste_key_file(&key_file);
    let v = s.apply(Action::ForgetPasteKey);
    assert_eq!(paste_key(&v).loaded, None);
    assert!(v.notices.iter().any(|n| n.text.contains("forgotten")));

    // Nowhere: not in the saved state or anything else SSO Pilot wrote, not in the report it saves, not in the
    // session's Debug output.
    s.open_paste_key_file(&key_file);
    pasted(&mut s);
    let saved = dir.path().join("report.md");
    s.apply(Action::SaveTestReport {
        format: ReportFormat::Markdown,
        path: saved.to_string_lossy().into_owned(),
    });
    s.open_paste_key_file(&key_file);
    let written = files_text(dir.path());
    assert!(
        written.contains("decrypted with the SP private key"),
        "the report was saved"
    );
    let shown = format!("{:?}", s.model());
    assert!(
        shown.contains("PasteKey(customer-sp.pem"),
        "the loaded key is in memory"
    );
    let pem_body: Vec<&str> = sp_encryption()
        .key_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der_b64 = base64::engine::general_purpose::STANDARD.encode(&sp_encryption().key_pkcs8);
    for text in [&written, &shown] {
        assert!(!text.contains("PRIVATE KEY"));
        assert!(!text.contains(&der_b64));
        for line in &pem_body {
            assert!(!text.contains(line), "a line of the key is in {text}");
        }
    }
}

#[test]
fn with_the_demo_idps_encrypt_assertions_on_the_loopback_test_sp_decrypts_by_itself_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = demo_to_test_login(dir.path());
    s.attach_secrets(Ok(ssopilot_peers::secrets::Secrets::mock()));
    let v = set(&mut s, Field::DemoEncryptAssertions, "true");
    assert!(v.page.blocks.iter().any(|b| matches!(
        b,
        Block::Checkbox {
            field: Field::DemoEncryptAssertions,
            value: true,
            ..
        }
    )));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_, job) = s.start_loopback();
    let job = job.expect("the test SP can start");
    let v = rt.block_on(async {
        let mut sp = ssopilot_peers::test_login::TestSp::bind_loopback(job.sp_entity_id, job.idp)
            .await
            .unwrap();
        sp.set_encryption_key(job.encryption);
        let attempt = sp.start().unwrap();
        s.loopback_listening(job.id, sp.acs_url());
        let (saml, acs) = sign_in_at_demo(&attempt.url).await;
        let posted = ssopilot_saml::binding::decode(saml.as_bytes(), 1 << 20).unwrap();
        assert!(
            posted.xml.contains("EncryptedAssertion") && !posted.xml.contains("ada.lovelace@"),
            "the demo IdP encrypted the assertion"
        );
        let browser = ssopilot_peers::test_login::demo::Browser::new().unwrap();
        browser
            .post_form(&acs, &[("SAMLResponse", saml.as_str())])
            .await
            .unwrap();
        let got = sp.wait(std::time::Duration::from_secs(20)).await;
        s.finish_loopback(job.id, got)
    });
    let r = report(&v);
    assert!(
        r.passed,
        "{:?}",
        r.checks.iter().filter(|c| !c.ok).collect::<Vec<_>>()
    );
    assert_eq!(
        r.decrypted.as_deref(),
        Some(
            "The assertion arrived encrypted and was decrypted with the test SP's encryption key."
        )
    );
    assert!(r.xml.iter().any(|l| l.decrypted && l.signed));
}
