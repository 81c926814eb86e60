use super::*;

#[test]
fn slugs_are_lower_case_words() {
    assert_eq!(slug_for("Infisical"), "infisical");
    assert_eq!(slug_for("My  App (test)"), "my-app-test");
    assert_eq!(slug_for("éé"), "app");
    assert_eq!(slug_for(&"x".repeat(100)).len(), 64);
}

#[test]
fn no_keychain_makes_the_demo_unavailable_with_the_reason() {
    let d = DemoIdp::start(
        Err(SecretsError::NoKeychain {
            detail: "org.freedesktop.secrets was not provided".into(),
        }),
        0,
    );
    let why = d.unavailable_reason().unwrap();
    assert!(why.starts_with("The demo IdP is not available: its signing key is kept in the system keychain, and no OS keychain is available"), "{why}");
    assert!(why.contains("Choose another identity provider"), "{why}");
}
