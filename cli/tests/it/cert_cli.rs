//! `ssopilot cert check` as support staff and scripts run it: exit codes, standard input, `--json`, `--now`.

use ssopilot_testkit::cert_support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use cert_support::*;
use time::Duration;

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ssopilot");
    if let Some(input) = stdin {
        // The tool stops reading past its size cap, so a broken pipe here is expected for oversized input.
        let _ = child.stdin.take().unwrap().write_all(input);
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

const NOW: &str = "2026-06-15T12:00:00Z";

#[test]
fn usable_file_exits_0_with_a_verdict_first() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("idp.pem");
    std::fs::write(&f, rsa2048_pem()).unwrap();
    let o = run(&["cert", "check", f.to_str().unwrap(), "--now", NOW], None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = stdout(&o);
    assert!(out.lines().next().unwrap().starts_with("USABLE"), "{out}");
    assert!(out.contains("SHA-256 fingerprint:"));
    assert!(out.contains("Compare with the fingerprint your IdP shows"));
    assert!(out.contains("365 days left"));
    assert!(
        out.contains(&rsa2048_pem()),
        "the PEM is printed for copying"
    );
}

#[test]
fn stdin_dash_and_no_path_read_standard_input() {
    let der = rsa2048_der();
    for args in [
        &["cert", "check", "-", "--json", "--now", NOW][..],
        &["cert", "check", "--json", "--now", NOW][..],
    ] {
        let o = run(args, Some(body(&rsa2048_pem()).as_bytes()));
        assert_eq!(o.status.code(), Some(0));
        let v = json(&o);
        assert_eq!(v["usable"], true);
        assert_eq!(v["repaired"], true);
        assert_eq!(v["findings"][0]["code"], "missing_armor");
        assert_eq!(
            v["sha256_fingerprint"].as_str().unwrap(),
            ssopilot_saml::fingerprint::Fingerprint::sha256(&der).as_str()
        );
    }
}

#[test]
fn json_shape_is_the_contract() {
    let o = run(
        &["cert", "check", "-", "--json", "--now", NOW],
        Some(rsa2048_pem().as_bytes()),
    );
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    for (k, kind) in [
        ("usable", "bool"),
        ("repaired", "bool"),
        ("pem", "string"),
        ("subject", "string"),
        ("issuer", "string"),
        ("serial", "string"),
        ("not_before", "string"),
        ("not_after", "string"),
        ("days_left", "number"),
        ("self_signed", "bool"),
        ("sha256_fingerprint", "string"),
        ("sha1_fingerprint", "string"),
        ("key", "object"),
        ("signature_algorithm", "string"),
        ("certificates", "array"),
        ("findings", "array"),
    ] {
        let val = &v[k];
        let ok = match kind {
            "bool" => val.is_boolean(),
            "string" => val.is_string(),
            "number" => val.is_i64(),
            "object" => val.is_object(),
            _ => val.is_array(),
        };
        assert!(ok, "{k} should be a {kind}: {val}");
    }
    assert_eq!(v["days_left"], 365);
    assert_eq!(v["not_after"], "2027-06-15T12:00:00Z");
    assert_eq!(v["certificates"].as_array().unwrap().len(), 1);
    assert!(v["pem"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----\n"));
}

#[test]
fn not_usable_exits_1_and_says_why_first() {
    let o = run(
        &["cert", "check", "-", "--now", NOW],
        Some(pkcs8_private_pem().as_bytes()),
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.starts_with("NOT USABLE: The input contains a private key"),
        "{out}"
    );
    assert!(out.contains("What to do:"));
    let key_body = body(&pkcs8_private_pem());
    assert!(!out.contains(&key_body[20..60]), "the key is never echoed");
    assert!(!String::from_utf8_lossy(&o.stderr).contains(&key_body[20..60]));

    let o = run(&["cert", "check", "-", "--json"], Some(b""));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)["findings"][0]["code"], "empty");
}

#[test]
fn now_flag_changes_the_verdict() {
    let soon = self_signed(&rsa_keypair(2048).1, "soon", 10).pem();
    let o = run(
        &["cert", "check", "-", "--json", "--now", NOW],
        Some(soon.as_bytes()),
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(json(&o)["findings"][0]["code"], "expires_soon");
    let later = (now() + Duration::days(11))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let o = run(
        &["cert", "check", "-", "--json", "--now", &later],
        Some(soon.as_bytes()),
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["findings"][0]["code"], "expired");
    assert_eq!(v["days_left"], -1);
}

#[test]
fn usage_errors_exit_2() {
    let o = run(&["cert", "check", "/no/such/file.pem"], None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/no/such/file.pem") && err.contains("Check the path"),
        "{err}"
    );
    assert!(o.stdout.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let o = run(&["cert", "check", dir.path().to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(2));

    let o = run(&["cert", "check", "-", "--now", "yesterday"], Some(b""));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("RFC 3339"));

    let o = run(&["cert", "check", "--bogus"], Some(b""));
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["cert"], None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn der_file_and_chain_in_readable_form() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("idp.cer");
    std::fs::write(&f, rsa2048_der()).unwrap();
    let o = run(&["cert", "check", f.to_str().unwrap(), "--now", NOW], None);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.starts_with("USABLE: this certificate can be used in its repaired form below"),
        "{out}"
    );
    assert!(out.contains("Repaired certificate"));

    let (leaf, ca) = chain();
    let o = run(
        &["cert", "check", "-", "--now", NOW],
        Some(format!("{}{}", leaf.pem(), ca.pem()).as_bytes()),
    );
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("Certificates in the input (2)"), "{out}");
    assert!(out.contains("[WARNING] multiple_certificates"));
}

#[test]
fn oversized_input_is_refused_quickly() {
    let big = vec![b'A'; ssopilot_saml::cert::MAX_INPUT + 10];
    let o = run(&["cert", "check", "-", "--json"], Some(&big));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)["findings"][0]["code"], "too_large");
}

#[test]
fn a_reader_that_stops_early_is_not_a_crash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args(["cert", "check", "-", "--now", NOW])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // like `| head -0`: the pipe is closed before anything is written
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(rsa2048_pem().as_bytes());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
