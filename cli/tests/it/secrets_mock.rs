//! The secrets API on the in-memory store (always runs), and the "no keychain" path on the real OS backend with the
//! session bus pointed at nothing (also always runs: it needs no keychain).

use std::cell::Cell;
use std::process::Command;

use base64::Engine as _;
use ssopilot_peers::secrets::{
    generate_auth_secret, SecretName, SecretString, Secrets, SecretsError, MAX_SECRET_LEN,
};

#[test]
fn set_get_overwrite_delete() {
    let s = Secrets::mock();
    assert!(!s.is_os());
    let name = SecretName::AuthSecret("https://infisical.example.com".into());
    assert!(s.get(&name).unwrap().is_none());
    s.set(&name, &SecretString::new("first".into())).unwrap();
    assert_eq!(s.get(&name).unwrap().unwrap().expose(), "first");
    s.set(&name, &SecretString::new("second".into())).unwrap();
    assert_eq!(s.get(&name).unwrap().unwrap().expose(), "second");
    // Names are distinct entries.
    let other = SecretName::ApiToken("https://infisical.example.com".into());
    assert!(s.get(&other).unwrap().is_none());
    assert!(s.delete(&name).unwrap());
    assert!(!s.delete(&name).unwrap());
    assert!(s.get(&name).unwrap().is_none());
}

#[test]
fn two_mocks_share_nothing() {
    let a = Secrets::mock();
    let b = Secrets::mock();
    a.set(&SecretName::DemoIdpKey, &SecretString::new("k".into()))
        .unwrap();
    assert!(b.get(&SecretName::DemoIdpKey).unwrap().is_none());
}

#[test]
fn binary_values_are_stored_as_base64_and_come_back_exactly() {
    let s = Secrets::mock();
    let bytes: Vec<u8> = (0u8..=255).collect();
    s.set_bytes(&SecretName::DemoIdpKey, &bytes).unwrap();
    let text = s.get(&SecretName::DemoIdpKey).unwrap().unwrap();
    assert_eq!(
        text.expose(),
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    );
    let back = s.get_bytes(&SecretName::DemoIdpKey).unwrap().unwrap();
    assert_eq!(back.expose(), &bytes[..]);
}

#[test]
fn get_or_create_generates_once_and_then_returns_the_stored_value() {
    let s = Secrets::mock();
    let calls = Cell::new(0);
    let gen = || {
        calls.set(calls.get() + 1);
        vec![7u8; 1200]
    };
    let first = s.get_or_create(&SecretName::DemoIdpKey, gen).unwrap();
    assert_eq!(first.expose(), &[7u8; 1200][..]);
    let second = s
        .get_or_create(&SecretName::DemoIdpKey, || {
            calls.set(calls.get() + 1);
            vec![9u8; 10]
        })
        .unwrap();
    assert_eq!(second.expose(), first.expose());
    assert_eq!(
        calls.get(),
        1,
        "the generator must only run when nothing is stored"
    );
}

#[test]
fn auth_secret_get_or_create_text() {
    let s = Secrets::mock();
    let name = SecretName::AuthSecret("self-hosted".into());
    let a = s.get_or_create_text(&name, generate_auth_secret).unwrap();
    let b = s.get_or_create_text(&name, generate_auth_secret).unwrap();
    assert_eq!(a.expose(), b.expose());
    assert_eq!(a.len(), 44);
}

#[test]
fn a_damaged_binary_value_is_reported_not_used() {
    let s = Secrets::mock();
    s.set(
        &SecretName::DemoIdpKey,
        &SecretString::new("not base64 at all!".into()),
    )
    .unwrap();
    let err = s.get_bytes(&SecretName::DemoIdpKey).unwrap_err();
    assert!(matches!(err, SecretsError::Corrupt { .. }), "{err:?}");
    assert!(err
        .to_string()
        .contains("delete it in your keychain manager"));
    // get_or_create must not silently replace a damaged key (that would change the demo IdP's certificate).
    let err = s
        .get_or_create(&SecretName::DemoIdpKey, || vec![1, 2, 3])
        .unwrap_err();
    assert!(matches!(err, SecretsError::Corrupt { .. }), "{err:?}");
}

#[test]
fn bounds_and_bad_names_are_refused() {
    let s = Secrets::mock();
    let name = SecretName::ApiToken("jumpcloud".into());
    let err = s
        .set(&name, &SecretString::new("x".repeat(MAX_SECRET_LEN + 1)))
        .unwrap_err();
    assert!(matches!(err, SecretsError::TooLarge { .. }), "{err:?}");
    assert!(s.set(&name, &SecretString::new(String::new())).is_err());
    let bad = SecretName::AuthSecret("line\nbreak".into());
    assert!(matches!(
        s.set(&bad, &SecretString::new("v".into())),
        Err(SecretsError::InvalidName { .. })
    ));
    assert!(matches!(s.get(&bad), Err(SecretsError::InvalidName { .. })));
    assert!(s.get(&name).unwrap().is_none(), "nothing was stored");
}

#[test]
fn errors_and_debug_output_never_carry_the_value() {
    let s = Secrets::mock();
    let name = SecretName::ApiToken("jumpcloud".into());
    let value = "tok_SUPERSECRET_0123456789";
    s.set(&name, &SecretString::new(value.into())).unwrap();
    let got = s.get(&name).unwrap();
    assert!(!format!("{got:?}").contains("SUPERSECRET"));
    assert!(!format!("{s:?}").contains("SUPERSECRET"));
}

/// With the session bus pointing at nothing, the real backend must say there is no keychain, and point to the fix,
/// instead of falling back to anything.
#[test]
fn no_reachable_keychain_is_a_clear_error_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args(["secrets", "check"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-such-bus", dir.path().display()),
        )
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_RUNTIME_DIR", dir.path().join("run"))
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("no OS keychain is available: on Linux start gnome-keyring / KWallet (Secret Service) and unlock it, then retry; SSO Pilot never falls back to storing secrets in files"),
        "{stderr}"
    );
    // And it wrote nothing anywhere under its home.
    assert_eq!(
        walk(dir.path()),
        Vec::<std::path::PathBuf>::new(),
        "files were created"
    );
}

#[test]
fn cli_usage_errors_exit_2_before_touching_the_keychain() {
    for args in [
        &["secrets", "delete", "auth-secret"][..],
        &["secrets", "delete", "demo-idp-key", "--instance", "x"][..],
        &["secrets", "delete", "test-sp-key", "--instance", "x"][..],
        &[
            "secrets",
            "delete",
            "test-sp-encryption-key",
            "--instance",
            "x",
        ][..],
        &["secrets", "auth-secret"][..],
        &["secrets", "nonsense"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("keychain"), "{args:?}: {stderr}");
    }
}

/// Every file under `dir` (recursively).
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}
