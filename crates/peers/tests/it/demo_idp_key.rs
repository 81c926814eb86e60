//! The demo IdP's key lives in the keychain: made once, then the same key and certificate on every load. Tested with
//! the mock and, under scripts/with-keyring.sh (SSOPILOT_KEYRING_TEST=1), with a real gnome-keyring.

use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::secrets::{SecretName, Secrets};

fn same_key_every_time(secrets: &Secrets) {
    let first = IdpKey::load_or_create(secrets).expect("first use makes and stores the key");
    let stored = secrets
        .get_bytes(&SecretName::DemoIdpKey)
        .expect("keychain readable")
        .expect("the key is in the keychain");
    assert_eq!(
        stored.expose(),
        first.pkcs8(),
        "what is used is what is stored"
    );
    let second = IdpKey::load_or_create(secrets).expect("second load");
    assert_eq!(
        first.cert_der(),
        second.cert_der(),
        "certificate changed between loads"
    );
    assert_eq!(first.fingerprint_sha256(), second.fingerprint_sha256());
    // Deleting the key makes a new one, with a new certificate.
    assert!(secrets.delete(&SecretName::DemoIdpKey).expect("delete"));
    let third = IdpKey::load_or_create(secrets).expect("a new key after deletion");
    assert_ne!(first.cert_der(), third.cert_der());
}

#[test]
fn mock_keychain_keeps_one_key() {
    same_key_every_time(&Secrets::mock());
}

#[test]
fn a_damaged_key_in_the_keychain_is_reported_not_replaced() {
    let s = Secrets::mock();
    s.set_bytes(&SecretName::DemoIdpKey, b"not a key").unwrap();
    let e = IdpKey::load_or_create(&s).unwrap_err();
    assert!(e.to_string().contains("secrets delete demo-idp-key"), "{e}");
    assert_eq!(
        s.get_bytes(&SecretName::DemoIdpKey)
            .unwrap()
            .unwrap()
            .expose(),
        b"not a key",
        "the stored value must not be overwritten silently"
    );
}

#[test]
fn real_keychain_keeps_one_key() {
    if std::env::var("SSOPILOT_KEYRING_TEST").as_deref() != Ok("1") {
        // Straight to the stderr handle: the harness captures eprintln! of passing tests, and this must be seen.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: demo_idp_key::real_keychain_keeps_one_key needs the real Secret Service; run it with: scripts/with-keyring.sh cargo test -p ssopilot-peers --test it demo_idp_key"
        );
        return;
    }
    let _one_at_a_time = REAL_KEYCHAIN.lock().unwrap_or_else(|p| p.into_inner());
    let secrets = Secrets::os().unwrap_or_else(|e| {
        panic!("SSOPILOT_KEYRING_TEST=1 but the OS keychain is not usable: {e}\n(run through scripts/with-keyring.sh; run scripts/setup.sh if gnome-keyring or dbus is missing)")
    });
    let _ = secrets.delete(&SecretName::DemoIdpKey);
    same_key_every_time(&secrets);
    secrets.delete(&SecretName::DemoIdpKey).expect("clean up");
}

/// The real keychain's demo key entries are shared: its tests take turns.
static REAL_KEYCHAIN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A rotation kept in `secrets`: each phase survives a restart (a new ring loaded from the same keychain).
fn rotation_survives_restarts(secrets: std::sync::Arc<Secrets>) {
    use ssopilot_peers::demo_idp::rotation::{KeyRing, Phase};
    let fps = |r: &KeyRing| -> Vec<String> {
        r.published()
            .iter()
            .map(|k| k.fingerprint_sha256().as_str().to_string())
            .collect()
    };
    let ring = KeyRing::load(std::sync::Arc::clone(&secrets)).unwrap();
    let old = ring.signing().fingerprint_sha256().as_str().to_string();
    let next = ring.begin().unwrap().as_str().to_string();
    let again = KeyRing::load(std::sync::Arc::clone(&secrets)).unwrap();
    assert_eq!(again.phase(), Phase::Overlap);
    assert_eq!(fps(&again), vec![old.clone(), next.clone()]);
    ring.switch().unwrap();
    let again = KeyRing::load(std::sync::Arc::clone(&secrets)).unwrap();
    assert_eq!(again.phase(), Phase::Switched);
    assert_eq!(again.signing().fingerprint_sha256().as_str(), next);
    ring.retire().unwrap();
    let again = KeyRing::load(std::sync::Arc::clone(&secrets)).unwrap();
    assert_eq!(again.phase(), Phase::Steady);
    assert_eq!(fps(&again), vec![next]);
    assert!(secrets
        .get_bytes(&SecretName::DemoIdpNextKey)
        .unwrap()
        .is_none());
    assert!(secrets
        .get_bytes(&SecretName::DemoIdpPreviousKey)
        .unwrap()
        .is_none());
}

#[test]
fn real_keychain_keeps_a_rotation() {
    if std::env::var("SSOPILOT_KEYRING_TEST").as_deref() != Ok("1") {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: demo_idp_key::real_keychain_keeps_a_rotation needs the real Secret Service; run it with: scripts/with-keyring.sh cargo test -p ssopilot-peers --test it demo_idp_key"
        );
        return;
    }
    let _one_at_a_time = REAL_KEYCHAIN.lock().unwrap_or_else(|p| p.into_inner());
    let secrets = std::sync::Arc::new(Secrets::os().unwrap_or_else(|e| {
        panic!("SSOPILOT_KEYRING_TEST=1 but the OS keychain is not usable: {e}")
    }));
    for n in [
        SecretName::DemoIdpKey,
        SecretName::DemoIdpNextKey,
        SecretName::DemoIdpPreviousKey,
    ] {
        let _ = secrets.delete(&n);
    }
    rotation_survives_restarts(std::sync::Arc::clone(&secrets));
    secrets.delete(&SecretName::DemoIdpKey).expect("clean up");
}

#[test]
fn mock_keychain_keeps_a_rotation() {
    rotation_survives_restarts(std::sync::Arc::new(Secrets::mock()));
}
