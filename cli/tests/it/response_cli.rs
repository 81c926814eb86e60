//! `ssopilot response check`: exit codes (0 valid, 1 invalid, 2 usage), JSON and readable output.

use ssopilot_testkit::metadata_support;
use ssopilot_testkit::response_support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use response_support::*;

fn ssopilot(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

struct Setup {
    _dir: tempfile::TempDir,
    cert: String,
    good: String,
    bad_audience: String,
    key: String,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let cert = write_temp(dir.path(), "idp.pem", rsa_idp().cert_pem.as_bytes());
    let key = write_temp(
        dir.path(),
        "key.pem",
        format!("{}{}", rsa_idp().cert_pem, rsa_idp().key_pem).as_bytes(),
    );
    let good = write_temp(
        dir.path(),
        "good.xml",
        genuine(&Params::default()).as_bytes(),
    );
    let p = Params {
        audience: "https://other.example".into(),
        ..Params::default()
    };
    let bad = write_temp(dir.path(), "bad.xml", genuine(&p).as_bytes());
    Setup {
        cert: cert.display().to_string(),
        good: good.display().to_string(),
        bad_audience: bad.display().to_string(),
        key: key.display().to_string(),
        _dir: dir,
    }
}

fn base_args<'a>(s: &'a Setup, path: &'a str) -> Vec<&'a str> {
    vec![
        "response",
        "check",
        path,
        "--idp-cert",
        &s.cert,
        "--idp-entity-id",
        IDP,
        "--sp-entity-id",
        SP,
        "--acs-url",
        ACS,
        "--request-id",
        REQ,
        "--now",
        "2026-11-25T12:00:00Z",
    ]
}

#[test]
fn valid_response_exits_0_with_readable_report() {
    let s = setup();
    let o = ssopilot(&base_args(&s, &s.good), None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.starts_with("VALID: all "), "{out}");
    assert!(out
        .lines()
        .any(|l| l.trim_start().starts_with("NameID:") && l.contains(" alice@example.com")));
    // Aligned columns: compare with runs of spaces as one.
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("replay: not evaluated"), "{out}");
    assert!(
        flat.contains("clock: the IdP's clock is 5 s behind this computer"),
        "{out}"
    );
}

#[test]
fn json_report_has_the_contract_fields() {
    let s = setup();
    let mut args = base_args(&s, &s.good);
    args.push("--json");
    let o = ssopilot(&args, None);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["replay"], "not_evaluated");
    // Issue 16: the clock, measured on the Response's IssueInstant (5 s before --now).
    assert_eq!(
        v["clock"],
        serde_json::json!({"idp_time": "2026-11-25T11:59:55Z", "local_time": "2026-11-25T12:00:00Z", "offset_seconds": -5, "allowed_skew_seconds": 180})
    );
    assert_eq!(v["name_id"], "alice@example.com");
    assert_eq!(v["issuer"], IDP);
    assert_eq!(v["attributes"]["email"][0], "alice@example.com");
    assert_eq!(v["signed"]["assertion"], true);
    assert_eq!(v["signed"]["response"], false);
    assert!(v["session_not_on_or_after"].is_string());
    assert_eq!(
        v["signing_certificate_sha256"],
        ssopilot_saml::fingerprint::Fingerprint::sha256(&rsa_idp().cert_der).as_str()
    );
    let checks = v["checks"].as_array().unwrap();
    assert!(checks.len() > 20);
    for c in checks {
        for f in ["id", "ok", "expected", "found", "message", "hint", "step"] {
            assert!(c.get(f).is_some(), "check without {f}: {c}");
        }
    }
}

#[test]
fn invalid_response_exits_1_failed_first() {
    let s = setup();
    let o = ssopilot(&base_args(&s, &s.bad_audience), None);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("INVALID: 1 of "), "{out}");
    let failed = out.find("Failed:").unwrap();
    let passed = out.find("Passed:").unwrap();
    assert!(failed < passed);
    assert!(out.contains("FAIL audience (fix in step: sp_values)"));
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("expected: https://app.example.com/sp"),
        "{out}"
    );
    // JSON too.
    let mut args = base_args(&s, &s.bad_audience);
    args.push("--json");
    let o = ssopilot(&args, None);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let failed: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, vec!["audience"]);
}

#[test]
fn reads_standard_input() {
    let s = setup();
    let xml = genuine(&Params::default());
    let o = ssopilot(&base_args(&s, "-"), Some(&xml));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = ssopilot(&base_args(&s, "-"), Some("garbage!"));
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2() {
    let s = setup();
    let no_cert = [
        "response",
        "check",
        &s.good,
        "--idp-entity-id",
        IDP,
        "--sp-entity-id",
        SP,
        "--acs-url",
        ACS,
    ];
    let o = ssopilot(&no_cert, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--idp-cert"));
    let meta = [
        "response",
        "check",
        &s.good,
        "--idp-metadata",
        "x.xml",
        "--sp-entity-id",
        SP,
        "--acs-url",
        ACS,
    ];
    let o = ssopilot(&meta, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read the IdP metadata x.xml"));
    let mut bad_now = base_args(&s, &s.good);
    bad_now[14] = "yesterday";
    assert_eq!(ssopilot(&bad_now, None).status.code(), Some(2));
    let mut skew = base_args(&s, &s.good);
    skew.extend(["--clock-skew", "99999"]);
    assert_eq!(ssopilot(&skew, None).status.code(), Some(2));
    let mut bad_acs = base_args(&s, &s.good);
    bad_acs[10] = "http://app.example.com/acs";
    let o = ssopilot(&bad_acs, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("https"));
    let mut private = base_args(&s, &s.good);
    private[4] = &s.key;
    let o = ssopilot(&private, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("PRIVATE KEY"));
    // clap's own usage errors (missing required flag).
    let o = ssopilot(&["response", "check", &s.good, "--idp-cert", &s.cert], None);
    assert_eq!(o.status.code(), Some(2));
}

/// `--idp-metadata`: the IdP entity ID and every signing certificate come from the file.
#[test]
fn idp_metadata_gives_entity_id_and_every_signing_certificate() {
    use metadata_support::{idp_metadata, key_descriptor, sp_entity, MD};
    let s = setup();
    let dir = tempfile::tempdir().unwrap();
    let args = |md: &str| {
        let md = write_temp(dir.path(), &format!("md{}.xml", md.len()), md.as_bytes());
        let mut a: Vec<String> = [
            "response",
            "check",
            &s.good,
            "--idp-metadata",
            &md.display().to_string(),
            "--sp-entity-id",
            SP,
            "--acs-url",
            ACS,
            "--request-id",
            REQ,
            "--now",
            "2026-11-25T12:00:00Z",
        ]
        .iter()
        .map(|x| x.to_string())
        .collect();
        a.shrink_to_fit();
        a
    };
    let run = |a: &[String]| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        ssopilot(&a, None)
    };
    // A rotation: the old certificate first, the one the response is signed with second; an encryption-only
    // certificate is not trusted for signatures.
    let rotation = format!(
        "{}{}",
        key_descriptor("signing", &other_rsa_idp().cert_der),
        key_descriptor("", &rsa_idp().cert_der)
    );
    let o = run(&args(&idp_metadata(IDP, &rotation, "")));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    // The metadata's entity ID is the one enforced: another IdP's metadata fails the issuer checks.
    let o = run(&args(&idp_metadata(
        "https://other-idp.example.com",
        &rotation,
        "",
    )));
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("FAIL response_issuer") || out.contains("FAIL assertion_issuer"),
        "{out}"
    );
    // Only the old certificate for signing (the response's as encryption only): the signature is not trusted.
    let enc_only = format!(
        "{}{}",
        key_descriptor("signing", &other_rsa_idp().cert_der),
        key_descriptor("encryption", &rsa_idp().cert_der)
    );
    assert_eq!(
        run(&args(&idp_metadata(IDP, &enc_only, ""))).status.code(),
        Some(1)
    );

    // Usage errors (exit 2), each saying what is wrong.
    let usage = |a: &[String], needle: &str| {
        let o = run(a);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{needle}: {err}");
        assert!(err.contains(needle), "expected {needle:?} in: {err}");
    };
    let mut with_cert = args(&idp_metadata(IDP, &rotation, ""));
    with_cert.extend(["--idp-cert".to_string(), s.cert.clone()]);
    usage(&with_cert, "--idp-cert");
    usage(
        &args(&idp_metadata(
            IDP,
            &key_descriptor("encryption", &rsa_idp().cert_der),
            "",
        )),
        "no signing certificate",
    );
    usage(
        &args(&format!(
            "<md:EntitiesDescriptor xmlns:md=\"{MD}\">{}</md:EntitiesDescriptor>",
            sp_entity(SP, &[ACS])
        )),
        "cannot be used",
    );
    usage(
        &args(&idp_metadata(
            IDP,
            &rotation,
            "validUntil=\"2026-01-01T00:00:00Z\"",
        )),
        "is not usable",
    );
    usage(&args("<html><body>login</body></html>"), "cannot be used");
    // Several IdPs in one file: --idp-entity-id picks one.
    let two = format!(
        "<md:EntitiesDescriptor xmlns:md=\"{MD}\">{}{}</md:EntitiesDescriptor>",
        idp_metadata("https://a.example.com", &rotation, "")
            .replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "")
            .replace("ID=\"_md1\"", ""),
        idp_metadata(IDP, &rotation, "")
            .replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "")
            .replace("ID=\"_md1\"", "")
    );
    usage(&args(&two), "cannot be used");
    let mut pick = args(&two);
    pick.extend(["--idp-entity-id".to_string(), IDP.to_string()]);
    let o = run(&pick);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn sp_decryption_key_opens_an_encrypted_assertion_and_is_never_printed() {
    use ssopilot_testkit::encryption_support::*;
    let s = setup();
    let dir = tempfile::tempdir().unwrap();
    let enc = encrypt_assertion(&genuine(&Params::default()), Enc::default());
    let enc = write_temp(dir.path(), "enc.xml", enc.as_bytes());
    let enc = enc.display().to_string();
    let pkcs8 = write_temp(dir.path(), "sp8.pem", sp_encryption().key_pem.as_bytes());
    let pkcs1 = write_temp(dir.path(), "sp1.pem", pkcs1_pem(sp_encryption()).as_bytes());
    let other = write_temp(
        dir.path(),
        "old.pem",
        other_sp_encryption().key_pem.as_bytes(),
    );
    let secret = sp_encryption().key_pem.lines().nth(1).unwrap().to_string();
    for key in [&pkcs8, &pkcs1] {
        let mut args = base_args(&s, &enc);
        let other = other.display().to_string();
        let key = key.display().to_string();
        args.extend([
            "--sp-decryption-key",
            &other,
            "--sp-decryption-key",
            &key,
            "--json",
        ]);
        let o = ssopilot(&args, None);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            v["encrypted"],
            serde_json::json!({"assertion": true, "name_id": false, "attributes": false})
        );
        assert_eq!(v["name_id"], "alice@example.com");
        assert!(!out.contains(&secret) && !String::from_utf8_lossy(&o.stderr).contains(&secret));
    }
    // Without the key: invalid (exit 1), saying which flag to give.
    let o = ssopilot(&base_args(&s, &enc), None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("--sp-decryption-key"), "{out}");
    // With only the wrong key: the one decryption failure, naming the key tried by its fingerprint.
    let mut args = base_args(&s, &enc);
    let other = other.display().to_string();
    args.extend(["--sp-decryption-key", &other]);
    let o = ssopilot(&args, None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("did not fit"), "{out}");
    // A certificate given as the key is a usage error (exit 2) that names the file, not its content.
    let mut args = base_args(&s, &enc);
    args.extend(["--sp-decryption-key", &s.cert]);
    let o = ssopilot(&args, None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("certificate, not a private key") && err.contains("idp.pem"),
        "{err}"
    );
    assert!(!err.contains("BEGIN"), "{err}");
}

/// `--sp-attributes` (issue 21) on a response with the claim URIs Microsoft Entra ID sends: each SP name gets the
/// claim that carries it, an unrelated name gets nothing; JSON `attribute_suggestions` and the text form agree.
#[test]
fn sp_attributes_get_suggestions_from_entra_style_claim_uris() {
    const CLAIMS: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/";
    let dir = tempfile::tempdir().unwrap();
    let cert = write_temp(dir.path(), "idp.pem", rsa_idp().cert_pem.as_bytes());
    let p = Params {
        attributes: vec![
            (
                format!("{CLAIMS}emailaddress"),
                vec!["alice@example.com".into()],
            ),
            (format!("{CLAIMS}givenname"), vec!["Alice".into()]),
            (format!("{CLAIMS}surname"), vec!["Liddell".into()]),
            (format!("{CLAIMS}name"), vec!["alice@example.com".into()]),
            (
                "http://schemas.microsoft.com/identity/claims/objectidentifier".into(),
                vec!["5f1d2c3b-0000-4000-8000-000000000001".into()],
            ),
        ],
        ..Params::default()
    };
    let f = write_temp(dir.path(), "entra.xml", genuine(&p).as_bytes());
    let (cert, f) = (cert.display().to_string(), f.display().to_string());
    let s = Setup {
        _dir: tempfile::tempdir().unwrap(),
        cert,
        good: String::new(),
        bad_audience: String::new(),
        key: String::new(),
    };
    let mut args = base_args(&s, &f);
    args.extend([
        "--sp-attributes",
        "email,firstName,lastName,department",
        "--json",
    ]);
    let o = ssopilot(&args, None);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["attribute_suggestions"],
        serde_json::json!([
            {"sp_attribute": "email", "idp_attribute": format!("{CLAIMS}emailaddress"), "reason": "claim_uri"},
            {"sp_attribute": "firstName", "idp_attribute": format!("{CLAIMS}givenname"), "reason": "claim_uri"},
            {"sp_attribute": "lastName", "idp_attribute": format!("{CLAIMS}surname"), "reason": "claim_uri"},
        ])
    );
    // Without --sp-attributes the JSON has no suggestions at all.
    let o = ssopilot(&[base_args(&s, &f), vec!["--json"]].concat(), None);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("attribute_suggestions").is_none());
    // The text form says each mapping and that nothing looks like "department".
    let mut args = base_args(&s, &f);
    args.extend(["--sp-attributes", "email, firstName,department"]);
    let out = String::from_utf8(ssopilot(&args, None).stdout).unwrap();
    assert!(
        out.contains(&format!(
            "  email <- {CLAIMS}emailaddress: the claim URI Microsoft Entra ID sends"
        )),
        "{out}"
    );
    assert!(
        out.contains("  department: not in the response, and nothing that arrived looks like it"),
        "{out}"
    );
}

#[test]
fn with_the_current_and_the_next_certificate_the_report_says_which_file_signed() {
    let s = setup();
    let dir = tempfile::tempdir().unwrap();
    let next = write_temp(dir.path(), "next.pem", other_rsa_idp().cert_pem.as_bytes());
    let next = next.display().to_string();
    // Signed with the current key: the current file is named.
    let mut args = base_args(&s, &s.good);
    args.extend(["--idp-cert", next.as_str()]);
    let o = ssopilot(&args, None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(&format!(
            "signed with: the certificate of --idp-cert {}",
            s.cert
        )),
        "{out}"
    );
    // Only the next certificate given: none of the files signed, and the report says what that likely means.
    let mut args = base_args(&s, &s.good);
    let at = args.iter().position(|a| *a == s.cert.as_str()).unwrap();
    args[at] = next.as_str();
    args.extend(["--idp-cert", next.as_str()]);
    let o = ssopilot(&args, None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("signed with: a certificate none of the --idp-cert files holds"),
        "{out}"
    );
}
