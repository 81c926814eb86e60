use super::*;

#[test]
fn slugs_are_lower_case_words() {
    assert_eq!(slug_for("Infisical"), "infisical");
    assert_eq!(slug_for("My  App (test)"), "my-app-test");
    assert_eq!(slug_for("éé"), "app");
    assert_eq!(slug_for(&"x".repeat(100)).len(), 64);
}

#[test]
fn no_keychain_runs_the_demo_on_a_temporary_key_and_says_so() {
    let d = DemoIdp::start(
        Err(SecretsError::NoKeychain {
            detail: "org.freedesktop.secrets was not provided".into(),
        }),
        0,
    );
    let running = d.running().unwrap_or_else(|| panic!("{d:?}"));
    let why = running.temporary_key_reason().unwrap();
    assert!(why.starts_with("no OS keychain is available"), "{why}");
    let callout = temporary_key_callout(&why);
    assert!(
        callout.starts_with(
            "Temporary key: its certificate changes each time SSO Pilot starts, so the SP must be given"
        ),
        "{callout}"
    );
    assert!(callout.contains("never written to a file"), "{callout}");
}

#[test]
fn a_damaged_key_in_the_keychain_makes_the_demo_unavailable_with_the_advice() {
    let secrets = Secrets::mock();
    secrets
        .set_bytes(
            &ssopilot_peers::secrets::SecretName::DemoIdpKey,
            &[0x30, 0x03, 0x02, 0x01, 0x00],
        )
        .unwrap();
    let d = DemoIdp::start(Ok(secrets), 0);
    let why = d.unavailable_reason().unwrap();
    assert!(why.starts_with("The demo IdP is not available: the demo IdP's signing key stored in the keychain is not a usable RSA key"), "{why}");
    assert!(
        why.contains("ssopilot secrets delete demo-idp-key"),
        "{why}"
    );
}
