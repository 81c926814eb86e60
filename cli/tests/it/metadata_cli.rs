//! `ssopilot metadata inspect` and `ssopilot metadata sp`: exit codes, JSON, readable output, and the URL path
//! through a loopback HTTP server (fetch's own tests cover redirects, TLS and size limits).

use ssopilot_testkit::metadata_support;
use ssopilot_testkit::response_support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use metadata_support::*;
use response_support::{other_rsa_idp, rsa_idp, write_temp};

fn run_cli(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ssopilot"));
    c.args(args)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("ssopilot runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn good_idp() -> String {
    idp_metadata(
        IDP_ID,
        &key_descriptor("signing", &rsa_idp().cert_der),
        "validUntil=\"2099-01-01T00:00:00Z\"",
    )
}

#[test]
fn inspect_file_json_readable_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let f = write_temp(dir.path(), "idp.xml", good_idp().as_bytes());
    let o = run_cli(
        &["metadata", "inspect", f.to_str().unwrap(), "--json"],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["kind"], "idp");
    assert_eq!(j["entity_id"], IDP_ID);
    assert_eq!(j["sso"][0]["url"], SSO_REDIRECT);
    assert_eq!(j["signature"], "absent");
    assert_eq!(j["certificates"][0]["usable"], true);

    let o = run_cli(&["metadata", "inspect", f.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("USABLE"), "{out}");
    assert!(
        out.contains(SSO_REDIRECT) && out.contains("SHA-256"),
        "{out}"
    );

    let o = run_cli(&["metadata", "inspect", "-"], Some(good_idp().as_bytes()));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn inspect_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    // Expired metadata: not usable.
    let expired = idp_metadata(
        IDP_ID,
        &key_descriptor("signing", &rsa_idp().cert_der),
        "validUntil=\"2020-01-01T00:00:00Z\"",
    );
    let f = write_temp(dir.path(), "old.xml", expired.as_bytes());
    let o = run_cli(&["metadata", "inspect", f.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("NOT USABLE") && text(&o).contains("expired"),
        "{}",
        text(&o)
    );
    // Not XML: its own message, exit 1, and a JSON error object for scripts.
    let f = write_temp(dir.path(), "cert.pem", rsa_idp().cert_pem.as_bytes());
    let o = run_cli(
        &["metadata", "inspect", f.to_str().unwrap(), "--json"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // The shape of a report: the verdict and its findings.
    assert_eq!(j["usable"], false);
    assert_eq!(j["findings"][0]["code"], "not_xml");
    assert_eq!(j["findings"][0]["severity"], "error");
    assert!(j.get("error").is_none(), "{j}");
    assert!(text(&o).contains("not XML"));
    // Usage errors: no such file, several entities without --entity-id is a plain refusal (1) naming them.
    let o = run_cli(&["metadata", "inspect", "/nonexistent/idp.xml"], None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = run_cli(&["metadata", "inspect"], None);
    assert_eq!(o.status.code(), Some(2));
    let o = run_cli(
        &[
            "metadata",
            "inspect",
            "-",
            "--signing-cert",
            "/nonexistent.pem",
        ],
        Some(b""),
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn inspect_verifies_the_signature_with_signing_cert() {
    let signer = other_rsa_idp();
    let signed = ssopilot_saml::xmldsig::sign_enveloped(
        &good_idp(),
        "_md1",
        &signer.signing_key(),
        &signer.cert_der,
        signer.alg(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let f = write_temp(dir.path(), "signed.xml", signed.as_bytes());
    let pem = write_temp(dir.path(), "signer.pem", signer.cert_pem.as_bytes());
    let wrong = write_temp(dir.path(), "wrong.pem", rsa_idp().cert_pem.as_bytes());
    let run = |extra: &[&str]| {
        let mut a = vec!["metadata", "inspect", f.to_str().unwrap(), "--json"];
        a.extend_from_slice(extra);
        let o = run_cli(&a, None);
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        (
            o.status.code(),
            j["signature"].as_str().unwrap_or("").to_string(),
        )
    };
    assert_eq!(
        run(&["--signing-cert", pem.to_str().unwrap()]),
        (Some(0), "verified".into())
    );
    assert_eq!(run(&[]), (Some(0), "not_verified".into()));
    assert_eq!(
        run(&["--signing-cert", wrong.to_str().unwrap()]),
        (Some(1), "invalid".into())
    );
    // Changed after signing: seen without a certificate, said in words.
    let changed = signed.replacen(
        "WantAuthnRequestsSigned=\"true\"",
        "WantAuthnRequestsSigned=\"false\"",
        1,
    );
    assert_ne!(changed, signed);
    let f = write_temp(dir.path(), "changed.xml", changed.as_bytes());
    let o = run_cli(&["metadata", "inspect", f.to_str().unwrap()], None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("Signature:        invalid: changed after signing"),
        "{out}"
    );
}

#[test]
fn inspect_a_url_served_on_loopback() {
    let base = serve(vec![
        (
            "200 OK",
            "application/samlmetadata+xml",
            good_idp().into_bytes(),
        ),
        (
            "200 OK",
            "text/html",
            b"<!DOCTYPE html><html><body>Please sign in</body></html>".to_vec(),
        ),
        ("404 Not Found", "text/plain", b"no".to_vec()),
    ]);
    let o = run_cli(
        &["metadata", "inspect", &format!("{base}/metadata"), "--json"],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["entity_id"], IDP_ID);

    let o = run_cli(&["metadata", "inspect", &format!("{base}/login")], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("not SAML metadata"), "{}", text(&o));

    let o = run_cli(&["metadata", "inspect", &format!("{base}/missing")], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("404"), "{}", text(&o));

    // Plain http to a real host is refused before any connection.
    let o = run_cli(
        &["metadata", "inspect", "http://idp.example.com/metadata"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("https"), "{}", text(&o));
}

#[test]
fn sp_prints_metadata_that_inspect_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let cert = write_temp(dir.path(), "sp.pem", rsa_idp().cert_pem.as_bytes());
    let o = run_cli(
        &[
            "metadata",
            "sp",
            "--entity-id",
            "https://app.example.com",
            "--acs",
            "https://app.example.com/acs",
            "--acs",
            "https://app.example.com/acs2",
            "--nameid-format",
            EMAIL,
            "--cert",
            cert.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let xml = o.stdout.clone();
    let o = run_cli(&["metadata", "inspect", "-", "--json"], Some(&xml));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["kind"], "sp");
    assert_eq!(j["acs"][1]["url"], "https://app.example.com/acs2");
    assert_eq!(j["acs"][0]["default"], true);

    // Usage errors: no --acs, an http ACS URL, a private key as --cert.
    let o = run_cli(
        &["metadata", "sp", "--entity-id", "https://app.example.com"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run_cli(
        &[
            "metadata",
            "sp",
            "--entity-id",
            "https://app.example.com",
            "--acs",
            "http://app.example.com/acs",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("https"), "{}", text(&o));
    let key = write_temp(dir.path(), "key.pem", rsa_idp().key_pem.as_bytes());
    let o = run_cli(
        &[
            "metadata",
            "sp",
            "--entity-id",
            "https://app.example.com",
            "--acs",
            "https://app.example.com/acs",
            "--cert",
            key.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

/// The verdict line reads as English ("an identity provider"), and a certificate in metadata, bare base64 as
/// metadata always holds it, draws no `missing_armor` warning.
#[test]
fn inspect_wording_and_no_armor_warning_for_metadata_certificates() {
    let xml = idp_metadata(
        "https://idp.example.com/saml",
        &key_descriptor("signing", &rsa_idp().cert_der),
        "",
    );
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(dir.path(), "idp.xml", xml.as_bytes());
    let o = run_cli(&["metadata", "inspect", file.to_str().unwrap()], None);
    let out = text(&o);
    assert!(
        out.contains("metadata of an identity provider (IdP)"),
        "{out}"
    );
    assert!(!out.contains("a identity"), "{out}");
    let o = run_cli(
        &["metadata", "inspect", "--json", file.to_str().unwrap()],
        None,
    );
    let out = text(&o);
    assert!(out.contains("\"certificates\""), "{out}");
    assert!(!out.contains("missing_armor"), "{out}");
}
