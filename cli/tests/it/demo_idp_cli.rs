//! `ssopilot demo-idp`: usage errors exit 2 before the keychain is touched; with a real keychain
//! (scripts/with-keyring.sh) `mint` prints a response python3-saml strict accepts, and `cert` / `metadata` agree.

use ssopilot_testkit::demo_idp_support;

use std::process::Command;

use demo_idp_support::*;

fn ssopilot(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args(args)
        // No session bus: a usage error must be reported without reaching for the keychain.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .expect("run ssopilot");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn mint_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "demo-idp",
        "mint",
        "--sp-entity-id",
        SP,
        "--acs-url",
        ACS,
        "--user",
        "Ada.Lovelace@example.com",
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn usage_errors_exit_2_with_advice() {
    let cases: [(&[&str], &str); 5] = [
        (&["--sign", "everything"], "use assertion, response or both"),
        (&["--valid-minutes", "0"], "1 to 60 minutes"),
        (&["--attribute", "novalue"], "NAME=VALUE"),
        (&["--request-id", "bad\"id"], "request ID"),
        (&["--idp-entity-id", "idp"], "--idp-entity-id"),
    ];
    for (extra, says) in cases {
        let (code, out, err) = ssopilot(&mint_args(extra));
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(says), "{extra:?}: {err}");
    }
    let (code, _, err) = ssopilot(&[
        "demo-idp",
        "mint",
        "--sp-entity-id",
        SP,
        "--acs-url",
        ACS,
        "--user",
        "nobody-at-example.com",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: --user nobody-at-example.com: ") && err.contains("email"),
        "{err}"
    );
    let (code, _, err) = ssopilot(&[
        "demo-idp",
        "mint",
        "--sp-entity-id",
        SP,
        "--acs-url",
        "http://app.example.com/acs",
        "--user",
        "alan.turing@example.com",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--acs-url"), "{err}");
}

#[test]
fn minted_on_the_command_line_python3_saml_strict_accepts() {
    if std::env::var("SSOPILOT_KEYRING_TEST").as_deref() != Ok("1") {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: demo_idp_cli::minted_on_the_command_line_python3_saml_strict_accepts needs the real Secret Service; run it with: scripts/with-keyring.sh cargo test -p ssopilot --test it demo_idp_cli"
        );
        return;
    }
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
            .args(args)
            .output()
            .expect("run");
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let pem = run(&["demo-idp", "cert"]);
    let metadata = run(&["demo-idp", "metadata"]);
    let cert_b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(
        metadata.contains(&cert_b64),
        "metadata carries the certificate `cert` prints"
    );
    let sp_init = run(&mint_args(&["--request-id", "_req1", "--sign", "both"]));
    let idp_init = run(&mint_args(&["--attribute", "team=blue"]));
    // Any user, not only the demo's: the one the SP knows.
    let alice = run(&[
        "demo-idp",
        "mint",
        "--sp-entity-id",
        SP,
        "--acs-url",
        ACS,
        "--user",
        "Alice@Corp.example",
        "--first-name",
        "Alice",
        "--last-name",
        "Liddell",
    ]);
    let key = ssopilot_peers::demo_idp::key::IdpKey::load_or_create(
        &ssopilot_peers::secrets::Secrets::os().expect("keychain"),
    )
    .expect("the key the CLI made");
    let cases = vec![
        PyCase {
            name: "sp".into(),
            b64: sp_init.trim().into(),
            request_id: Some("_req1".into()),
            want_assertions_signed: true,
            want_messages_signed: true,
        },
        PyCase {
            name: "idp".into(),
            b64: idp_init.trim().into(),
            request_id: None,
            want_assertions_signed: true,
            want_messages_signed: false,
        },
    ];
    let cases = cases
        .into_iter()
        .chain([PyCase {
            name: "alice".into(),
            b64: alice.trim().into(),
            request_id: None,
            want_assertions_signed: true,
            want_messages_signed: false,
        }])
        .collect::<Vec<_>>();
    for (name, valid, error, name_id) in
        python3_saml(SP, ACS, "http://127.0.0.1:8740/metadata", &key, &cases)
    {
        assert!(valid, "{name}: python3-saml refused: {error}");
        let want = if name == "alice" {
            "alice@corp.example"
        } else {
            "ada.lovelace@example.com"
        };
        assert_eq!(name_id.as_deref(), Some(want), "{name}");
    }
    let xml = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, alice.trim()).unwrap(),
    )
    .unwrap();
    assert!(
        xml.contains(">Alice<")
            && xml.contains(">Liddell<")
            && xml.contains(">alice@corp.example<"),
        "{xml}"
    );
}
