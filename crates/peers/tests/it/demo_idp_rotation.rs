//! A certificate rotation rehearsed end to end (issue 22): the demo IdP rotates its signing key (both certificates
//! published during the overlap, then the switch, then the old one retired) while real test logins run through
//! real HTTP (loopback test SP, scripted browser). Done in the advised order no login fails and each report names
//! the certificate that signed; an SP switched too late fails with the rotation named as the cause.

use std::time::Duration as StdDuration;

use ssopilot_peers::clock::{FixedClock, SharedClock};
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::rotation::Phase;
use ssopilot_peers::demo_idp::running::RunningDemoIdp;
use ssopilot_peers::secrets::SecretBytes;
use ssopilot_peers::test_login::demo::Browser;
use ssopilot_peers::test_login::rotation::{
    diagnose, login_with_demo, CertRole, SignedBy, SpCerts,
};
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::metadata;
use ssopilot_testkit::demo_idp_support::key;
use time::macros::datetime;
use time::OffsetDateTime;

/// Inside the demo IdP certificate's fixed validity (2025 to 2045).
const T: OffsetDateTime = datetime!(2041-02-03 04:05:06 UTC);
const WAIT: StdDuration = StdDuration::from_secs(20);

fn start() -> RunningDemoIdp {
    let k = IdpKey::from_pkcs8(SecretBytes::new(key().pkcs8().to_vec())).unwrap();
    RunningDemoIdp::start_with_clock(k, 0, FixedClock::shared(T)).unwrap()
}

/// The signing certificates the IdP's metadata lists now, fetched over HTTP and read by the metadata reader.
async fn published(idp: &RunningDemoIdp) -> Vec<Vec<u8>> {
    let page = Browser::new()
        .unwrap()
        .get(&idp.metadata_url())
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    let md = metadata::parse(page.body.as_bytes(), &Default::default(), T).unwrap();
    md.trusted_signing_ders()
}

/// One test login; the signer as the report names it.
async fn login(idp: &RunningDemoIdp, certs: &SpCerts, clock: &SharedClock) -> (bool, SignedBy) {
    let done = login_with_demo(idp, certs, clock.clone(), WAIT)
        .await
        .unwrap();
    let report = done.received.report;
    let signer = SignedBy::of(&report, certs).unwrap();
    (report.valid(), signer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_in_the_advised_order_fails_no_login_and_names_the_signer() {
    let idp = start();
    let clock: SharedClock = FixedClock::shared(T);
    let old = idp.state().keys().signing().cert_der().to_vec();
    let old_fp = Fingerprint::sha256(&old);

    // Before: one certificate published, the SP holds it.
    assert_eq!(published(&idp).await, vec![old.clone()]);
    let mut sp = SpCerts {
        current: old.clone(),
        next: None,
    };
    let (ok, by) = login(&idp, &sp, &clock).await;
    assert!(ok);
    assert_eq!(by.role, Some(CertRole::Current));
    assert_eq!(by.sha256, old_fp);

    // The IdP starts the rotation: both certificates published, still signing with the old key.
    let next_fp = idp.state().keys().begin().unwrap();
    assert_eq!(idp.state().keys().phase(), Phase::Overlap);
    let both = published(&idp).await;
    assert_eq!(both.len(), 2);
    assert_eq!(both[0], old);
    let next = both[1].clone();
    assert_eq!(Fingerprint::sha256(&next), next_fp);
    // The SP imports the next certificate from the metadata, beside the current one.
    sp.next = Some(next.clone());
    let (ok, by) = login(&idp, &sp, &clock).await;
    assert!(ok, "overlap, old key");
    assert_eq!(by.role, Some(CertRole::Current));
    assert_eq!(
        by.describe(),
        format!("Signed with the current certificate (SHA-256 {old_fp})")
    );

    // The IdP switches: it signs with the new key; both are still published.
    idp.state().keys().switch().unwrap();
    assert_eq!(published(&idp).await, vec![old.clone(), next.clone()]);
    assert_eq!(idp.fingerprint_sha256(), next_fp);
    let (ok, by) = login(&idp, &sp, &clock).await;
    assert!(ok, "overlap, new key: the SP already holds it");
    assert_eq!(by.role, Some(CertRole::Next));
    assert_eq!(
        by.describe(),
        format!("Signed with the next certificate (SHA-256 {next_fp})")
    );

    // The SP switches: the next certificate becomes its current one, the old one is dropped.
    sp = SpCerts {
        current: next.clone(),
        next: None,
    };
    let (ok, by) = login(&idp, &sp, &clock).await;
    assert!(ok);
    assert_eq!(by.role, Some(CertRole::Current));
    assert_eq!(by.sha256, next_fp);

    // The IdP retires the old certificate: only the new one is published, logins go on.
    idp.state().keys().retire().unwrap();
    assert_eq!(published(&idp).await, vec![next.clone()]);
    let (ok, _) = login(&idp, &sp, &clock).await;
    assert!(ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sp_switched_too_late_fails_and_is_told_the_idp_signs_with_the_next_certificate() {
    let idp = start();
    let clock: SharedClock = FixedClock::shared(T);
    let old = idp.state().keys().signing().cert_der().to_vec();
    let sp = SpCerts {
        current: old.clone(),
        next: None,
    };
    let next_fp = idp.state().keys().begin().unwrap();
    idp.state().keys().switch().unwrap();

    // The SP still holds only the old certificate: the login fails, and the cause is named.
    let done = login_with_demo(&idp, &sp, clock.clone(), WAIT)
        .await
        .unwrap();
    let report = &done.received.report;
    assert!(!report.valid());
    assert!(done.evidence.is_none(), "no evidence for a failed login");
    let by = SignedBy::of(report, &sp).unwrap();
    assert_eq!(by.role, None);
    assert_eq!(by.sha256, next_fp);
    let why = diagnose(report, &sp, &published(&idp).await).unwrap();
    assert!(
        why.starts_with(&format!(
            "The IdP now signs with the next certificate (SHA-256 {next_fp}), which the SP does not hold"
        )),
        "{why}"
    );
    // A certificate the IdP does not publish is not called its next one.
    assert_eq!(diagnose(report, &sp, std::slice::from_ref(&old)), None);

    // Once the SP holds the next certificate the same IdP passes again.
    let sp = SpCerts {
        current: old,
        next: Some(idp.state().keys().signing().cert_der().to_vec()),
    };
    let (ok, by) = login(&idp, &sp, &clock).await;
    assert!(ok);
    assert_eq!(by.role, Some(CertRole::Next));
}
