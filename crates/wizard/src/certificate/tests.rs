use std::fs;
use std::path::Path;

use rcgen::{CertificateParams, DnType, KeyPair};
use time::Duration;

use super::super::tests::{set, ACS, IDP_URL, SP_ID};
use super::super::view::{Action, Block, StepId, StepStatus};
use super::super::{Field, Session};
use super::*;
use crate::state::Store;

/// The "now" of the tests whose verdict depends on the date: years from the day they run, so a verdict that read the
/// computer's clock instead would be wrong.
pub(crate) const T0: OffsetDateTime = time::macros::datetime!(2031-03-14 12:00 UTC);

/// Steps 1 to 4 filled for Infisical on JumpCloud, standing on step 5.
pub(crate) fn to_certificate(dir: &Path) -> Session {
    on_certificate(Session::open(Store::at(dir)))
}

/// [`to_certificate`] with the wizard's clock fixed at `now`.
pub(crate) fn to_certificate_at(dir: &Path, now: OffsetDateTime) -> Session {
    on_certificate(Session::open_with_clock(
        Store::at(dir),
        std::sync::Arc::new(crate::clock::FixedClock::new(now)),
    ))
}

fn on_certificate(mut s: Session) -> Session {
    set(&mut s, Field::IdpProfile, "jumpcloud");
    set(&mut s, Field::SpProfile, "infisical");
    s.apply(Action::Next);
    set(&mut s, Field::AcsUrl, ACS);
    set(&mut s, Field::SpEntityId, SP_ID);
    s.apply(Action::Next);
    set(&mut s, Field::SignAssertion, "true");
    set(&mut s, Field::IdpSsoUrl, IDP_URL);
    s.apply(Action::Next);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::Certificate, "{:?}", v.page.next);
    s
}

/// A self-signed P-256 certificate valid from `from_days` to `to_days` days around now, and its key.
pub(crate) fn cert_between(from_days: i64, to_days: i64) -> (rcgen::Certificate, KeyPair) {
    cert_around(
        ssopilot_peers::clock::Clock::now(&ssopilot_peers::clock::SystemClock),
        from_days,
        to_days,
    )
}

/// A self-signed P-256 certificate valid from `from_days` to `to_days` days around `now`, and its key.
pub(crate) fn cert_around(
    now: OffsetDateTime,
    from_days: i64,
    to_days: i64,
) -> (rcgen::Certificate, KeyPair) {
    let key = KeyPair::generate().expect("key");
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name
        .push(DnType::CommonName, "JumpCloud IdP Test");
    p.not_before = now + Duration::days(from_days);
    p.not_after = now + Duration::days(to_days);
    let c = p.self_signed(&key).expect("certificate");
    (c, key)
}

fn bare_base64(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

fn verdict(v: &WizardView) -> Option<(bool, String, Vec<String>, Option<String>)> {
    v.page.blocks.iter().find_map(|b| match b {
        Block::CertificateVerdict {
            usable,
            headline,
            findings,
            repaired_pem,
            ..
        } => Some((
            *usable,
            headline.clone(),
            findings.iter().map(|f| f.code.clone()).collect(),
            repaired_pem.clone(),
        )),
        _ => None,
    })
}

fn field(v: &WizardView) -> (String, Option<String>) {
    v.page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::CertificateInput { value, note, .. } => Some((value.clone(), note.clone())),
            _ => None,
        })
        .expect("certificate field")
}

fn value_of(v: &WizardView, label: &str) -> Option<String> {
    v.page.blocks.iter().find_map(|b| match b {
        Block::Value {
            label: l, value, ..
        } if l == label => Some(value.clone()),
        _ => None,
    })
}

fn step5(v: &WizardView) -> StepStatus {
    v.steps
        .iter()
        .find(|s| s.id == StepId::Certificate)
        .map(|s| s.status)
        .expect("step 5")
}

#[test]
fn empty_field_asks_for_the_certificate_and_blocks_next() {
    let dir = tempfile::tempdir().unwrap();
    let s = to_certificate(dir.path());
    let v = s.view();
    assert_eq!(step5(&v), StepStatus::Incomplete);
    assert!(!v.page.next.enabled);
    assert!(v
        .page
        .next
        .reason
        .as_deref()
        .unwrap()
        .contains("signing certificate"));
    assert!(verdict(&v).is_none());
    // Step 6 stays locked.
    let six = v
        .steps
        .iter()
        .find(|s| s.id == StepId::AssignUsers)
        .unwrap();
    assert_eq!(six.status, StepStatus::Locked);
}

#[test]
fn bare_base64_is_repaired_in_one_click_and_completes_the_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_certificate(dir.path());
    let (c, _) = cert_between(-1, 365);
    let bare = bare_base64(&c.pem());
    let v = set(&mut s, Field::IdpCertificate, &bare);
    // What was pasted is kept verbatim.
    assert_eq!(field(&v).0, bare);
    let (usable, headline, codes, repaired) = verdict(&v).expect("verdict");
    assert!(usable, "{headline}");
    assert!(codes.contains(&"missing_armor".to_string()), "{codes:?}");
    let repaired = repaired.expect("a repaired version is offered");
    assert!(repaired.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(repaired.ends_with("-----END CERTIFICATE-----\n"));
    // The one click sends the repaired PEM back; nothing is left to repair.
    let v = set(&mut s, Field::IdpCertificate, &repaired);
    assert_eq!(field(&v).0, repaired);
    let (usable, _, codes, offer) = verdict(&v).unwrap();
    assert!(usable);
    assert!(offer.is_none(), "{codes:?}");
    assert!(codes.is_empty(), "{codes:?}");
    assert_eq!(step5(&v), StepStatus::Complete);
    assert!(v.page.next.enabled);
    // Fingerprints as portals show them, equal to the DER's digests.
    let der = c.der().to_vec();
    assert_eq!(
        value_of(&v, "SHA-256 fingerprint").unwrap(),
        ssopilot_saml::fingerprint::Fingerprint::sha256(&der).as_str()
    );
    assert_eq!(
        value_of(&v, "SHA-1 fingerprint").unwrap(),
        ssopilot_saml::fingerprint::Fingerprint::sha1(&der).as_str()
    );
    let pem_block = v.page.blocks.iter().find_map(|b| match b {
        Block::CertificatePem { pem, .. } => Some(pem.clone()),
        _ => None,
    });
    assert_eq!(
        pem_block.as_deref(),
        Some(c.pem().replace("\r\n", "\n").as_str())
    );
}

#[test]
fn each_keystroke_gets_a_fresh_verdict_and_nothing_typed_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_certificate(dir.path());
    let (c, _) = cert_between(-1, 365);
    let pem = c.pem();
    let half = &pem[..pem.len() / 2];
    let v = set(&mut s, Field::IdpCertificate, half);
    assert_eq!(field(&v).0, half);
    let (usable, headline, codes, _) = verdict(&v).unwrap();
    assert!(!usable);
    assert!(headline.starts_with("Not usable"), "{headline}");
    assert!(
        codes
            .iter()
            .any(|c| c == "malformed" || c == "not_a_certificate"),
        "{codes:?}"
    );
    assert!(!s.view().page.next.enabled);
    let v = set(&mut s, Field::IdpCertificate, &pem);
    assert!(verdict(&v).unwrap().0);
    assert!(v.page.next.enabled);
    // Next goes to step 6.
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::AssignUsers);
}

#[test]
fn a_private_key_is_refused_removed_and_never_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_certificate(dir.path());
    let (c, key) = cert_between(-1, 365);
    let key_pem = key.serialize_pem();
    let secret_line = key_pem.lines().nth(1).unwrap().to_string();
    // A usable certificate first, so there is something saved that the key must not replace.
    set(&mut s, Field::IdpCertificate, &c.pem());
    for paste in [key_pem.clone(), format!("{}\n{key_pem}", c.pem())] {
        let v = set(&mut s, Field::IdpCertificate, &paste);
        let (value, note) = field(&v);
        assert_eq!(value, "");
        assert!(note.unwrap().contains("private key"));
        let (usable, headline, codes, offer) = verdict(&v).unwrap();
        assert!(!usable);
        assert!(headline.contains("private key"));
        assert_eq!(codes, ["private_key"]);
        assert!(offer.is_none());
        assert!(!v.page.next.enabled);
        assert!(v
            .page
            .next
            .reason
            .as_deref()
            .unwrap()
            .contains("private key"));
        assert_eq!(step5(&v), StepStatus::Incomplete);
        let json = serde_json::to_string(&v).unwrap();
        assert!(!json.contains(&secret_line), "the key is echoed back");
        assert!(!json.contains("PRIVATE KEY-----"));
        let saved = fs::read_to_string(dir.path().join(crate::state::STATE_FILE)).unwrap();
        assert!(!saved.contains(&secret_line));
        assert!(!saved.contains("PRIVATE"));
    }
    // Typing again clears the refusal.
    let v = set(&mut s, Field::IdpCertificate, &c.pem());
    assert!(field(&v).1.is_none());
    assert!(v.page.next.enabled);
}

#[test]
fn expired_and_not_yet_valid_are_not_usable_and_the_timeline_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_certificate_at(dir.path(), T0);
    let (old, _) = cert_around(T0, -400, -10);
    let v = set(&mut s, Field::IdpCertificate, &old.pem());
    let (usable, _, codes, _) = verdict(&v).unwrap();
    assert!(!usable);
    assert!(codes.contains(&"expired".to_string()));
    assert!(!v.page.next.enabled);
    let timeline = v
        .page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::ValidityTimeline {
                total_days,
                elapsed_days,
                days_left,
                status,
                caption,
                ..
            } => Some((
                *total_days,
                *elapsed_days,
                *days_left,
                *status,
                caption.clone(),
            )),
            _ => None,
        })
        .expect("timeline");
    assert_eq!(timeline.0, 390);
    assert_eq!(timeline.1, 400);
    assert!(timeline.2 < 0);
    assert_eq!(timeline.3, Severity::Error);
    assert!(
        timeline
            .4
            .starts_with("Expired on 2031-03-04 (10 days ago)"),
        "{}",
        timeline.4
    );

    let (future, _) = cert_around(T0, 5, 365);
    let v = set(&mut s, Field::IdpCertificate, &future.pem());
    assert!(verdict(&v)
        .unwrap()
        .2
        .contains(&"not_yet_valid".to_string()));
    assert!(!v.page.next.enabled);

    let (soon, _) = cert_around(T0, -300, 10);
    let v = set(&mut s, Field::IdpCertificate, &soon.pem());
    let (usable, _, codes, _) = verdict(&v).unwrap();
    assert!(usable);
    assert!(codes.contains(&"expires_soon".to_string()));
    assert!(v.page.blocks.iter().any(|b| matches!(
        b,
        Block::ValidityTimeline {
            status: Severity::Warning,
            ..
        }
    )));
}

#[test]
fn the_usable_certificate_is_saved_normalized_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    let (c, _) = cert_between(-1, 365);
    let normalized = c.pem().replace("\r\n", "\n");
    {
        let mut s = to_certificate(dir.path());
        set(
            &mut s,
            Field::IdpCertificate,
            &format!("  {}  ", bare_base64(&c.pem())),
        );
        s.apply(Action::Next);
    }
    let text = fs::read_to_string(dir.path().join(crate::state::STATE_FILE)).unwrap();
    let saved: crate::state::SavedState = serde_json::from_str(&text).unwrap();
    assert_eq!(saved.idp_certificate.as_deref(), Some(normalized.as_str()));
    assert_eq!(saved.current_step, StepId::AssignUsers);
    let s = Session::open(Store::at(dir.path()));
    assert_eq!(s.view().current, StepId::AssignUsers);
    let cert_step = s.view().steps[4].clone();
    assert_eq!(cert_step.status, StepStatus::Complete);
}

#[test]
fn a_hand_edited_saved_certificate_is_refused() {
    let (_, key) = cert_between(-1, 365);
    assert!(check_saved_certificate(&key.serialize_pem()).is_err());
    let (c, _) = cert_between(-1, 365);
    assert!(check_saved_certificate(&bare_base64(&c.pem())).is_err());
    assert!(check_saved_certificate(&c.pem().replace("\r\n", "\n")).is_ok());
    assert!(check_saved_metadata_certificates(&[c.pem()]).is_ok());
    assert!(check_saved_metadata_certificates(&[key.serialize_pem()]).is_err());
}

#[test]
fn says_whether_it_matches_the_imported_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_certificate(dir.path());
    let (a, _) = cert_between(-1, 365);
    let (b, _) = cert_between(-1, 365);
    let (other, _) = cert_between(-1, 365);
    s.model.steps.certificate.metadata_certificates = vec![a.pem(), b.pem()];
    let callout = |v: &WizardView| {
        v.page.blocks.iter().find_map(|b| match b {
            Block::Callout { severity, text } => Some((*severity, text.clone())),
            _ => None,
        })
    };
    let v = set(&mut s, Field::IdpCertificate, &bare_base64(&b.pem()));
    let (sev, text) = callout(&v).unwrap();
    assert_eq!(sev, Severity::Info);
    assert!(
        text.contains("matches signing certificate 2 of the imported metadata"),
        "{text}"
    );
    let v = set(&mut s, Field::IdpCertificate, &other.pem());
    let (sev, text) = callout(&v).unwrap();
    assert_eq!(sev, Severity::Warning);
    assert!(text.contains("does not match any of the 2 signing certificates in the IdP metadata"));
    s.model.steps.certificate.metadata_certificates.clear();
    assert!(callout(&s.view()).is_none());
}

#[test]
fn files_open_as_text_der_or_a_clear_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_certificate(dir.path());
    let (c, key) = cert_between(-1, 365);
    let files = tempfile::tempdir().unwrap();
    let der_path = files.path().join("idp.cer");
    fs::write(&der_path, c.der()).unwrap();
    let v = s.open_certificate_file(&der_path);
    assert_eq!(field(&v).0, c.pem().replace("\r\n", "\n"));
    assert!(v.page.next.enabled);

    let crlf = files.path().join("idp.crt");
    fs::write(&crlf, c.pem().replace('\n', "\r\n")).unwrap();
    let v = s.open_certificate_file(&crlf);
    assert_eq!(field(&v).0, c.pem().replace('\n', "\r\n"));
    assert!(verdict(&v).unwrap().3.is_some(), "CRLF is offered repaired");

    let key_path = files.path().join("idp.key");
    fs::write(&key_path, key.serialize_pem()).unwrap();
    let v = s.open_certificate_file(&key_path);
    assert_eq!(field(&v).0, "");
    assert!(!v.page.next.enabled);

    let junk = files.path().join("photo.der");
    fs::write(&junk, [0u8, 1, 2, 3, 0xff, 0xfe]).unwrap();
    let before = field(&s.view()).0;
    let v = s.open_certificate_file(&junk);
    assert_eq!(field(&v).0, before);
    assert!(v
        .notices
        .iter()
        .any(|n| n.severity == Severity::Error
            && n.text.starts_with("photo.der is not a certificate")));

    let v = s.open_certificate_file(&files.path().join("missing.pem"));
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.starts_with("Could not read missing.pem")));

    let big = files.path().join("big.pem");
    fs::write(&big, vec![b'A'; cert::MAX_INPUT + 10]).unwrap();
    let v = s.open_certificate_file(&big);
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.starts_with("big.pem is larger than")));
}

#[test]
fn the_field_belongs_to_step_5_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::open(Store::at(dir.path()));
    let v = set(&mut s, Field::IdpCertificate, "x");
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.contains("belongs to step 5")));
    let files = tempfile::tempdir().unwrap();
    let p = files.path().join("a.pem");
    fs::write(&p, "x").unwrap();
    let v = s.open_certificate_file(&p);
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.contains("only be opened on step 5")));
}

#[test]
fn an_overlong_paste_is_cut_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_certificate(dir.path());
    let v = set(
        &mut s,
        Field::IdpCertificate,
        &"A".repeat(MAX_CERTIFICATE_CHARS + 5),
    );
    assert_eq!(field(&v).0.chars().count(), MAX_CERTIFICATE_CHARS);
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.contains("only the beginning was kept")));
}
