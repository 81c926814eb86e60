//! Differential test: on every generated case our verdict agrees with python3-saml in strict mode (PyPI
//! `python3-saml`, installed into .venv/ by scripts/setup.sh), except where our rules are deliberately stricter;
//! each such case is listed in STRICTER with the reason, and the test checks the list stays exact.

use ssopilot_testkit::response_support;

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use response_support::*;
use ssopilot_saml::response::validate;
use time::Duration;

/// Cases where we reject and python3-saml accepts, on purpose.
const STRICTER: &[(&str, &str)] = &[
    (
        "resigned_response_no_destination",
        "rule 19: a signed Response must carry Destination (SAML bindings 3.5.5.2); python3-saml checks it only when present",
    ),
    (
        "genuine_with_keyinfo_swapped",
        "rule 13: KeyInfo naming a certificate that is not configured is reported (signed by X, you configured Y); python3-saml ignores KeyInfo",
    ),
    (
        "comment_in_name_id",
        "rule 17: markup inside NameID is flagged as comment injection; python3-saml accepts it",
    ),
    (
        "comment_in_attribute",
        "rule 17: markup inside an AttributeValue is flagged as comment injection; python3-saml accepts it",
    ),
    (
        "bearer_with_not_before",
        "rule 20: a bearer SubjectConfirmationData must not carry NotBefore (SAML profiles 4.1.4.2); python3-saml accepts a past NotBefore",
    ),
];

fn python() -> String {
    let p = std::env::var("SSOPILOT_PYTHON").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python").to_string()
    });
    let ok = Command::new(&p)
        .args(["-c", "import onelogin.saml2.response, xmlsec"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3-saml is not installed in .venv ({p}): run scripts/setup.sh"
    );
    p
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
}

fn sig_of(fragment: &str) -> String {
    let s = fragment.find("<ds:Signature").unwrap();
    let e = fragment.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    fragment[s..e].to_string()
}

fn assertion_el(xml: &str) -> String {
    let s = xml.find("<saml:Assertion ").unwrap();
    let e = xml.rfind("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    xml[s..e].to_string()
}

fn cases() -> Vec<(String, String, Option<String>)> {
    let d = Params::default;
    let idp = rsa_idp();
    let mut v: Vec<(String, String, Option<String>)> = Vec::new();
    let mut add = |name: &str, xml: String| v.push((name.to_string(), xml, Some(REQ.to_string())));
    let g = genuine(&d());
    add("genuine_assertion_signed", g.clone());
    add(
        "genuine_response_signed",
        sign_response(&response_xml(&d()), &d(), idp),
    );
    add(
        "genuine_both_signed",
        sign_both(&response_xml(&d()), &d(), idp),
    );
    let xmlsec_tmpl = insert_after_issuer(
        &response_xml(&d()),
        "<saml:Assertion ",
        &signature_template(&d().assertion_id, RSA_SHA256, SHA256, STD_TRANSFORMS),
    );
    add("xmlsec1_assertion_signed", xmlsec_sign(&xmlsec_tmpl, idp));
    for (name, p) in [
        (
            "wrong_status",
            Params {
                status: "urn:oasis:names:tc:SAML:2.0:status:Responder".into(),
                ..d()
            },
        ),
        (
            "wrong_response_issuer",
            Params {
                response_issuer: Some("https://evil.example".into()),
                ..d()
            },
        ),
        (
            "wrong_assertion_issuer",
            Params {
                assertion_issuer: "https://evil.example".into(),
                ..d()
            },
        ),
        (
            "wrong_audience",
            Params {
                audience: "https://other.example".into(),
                ..d()
            },
        ),
        (
            "wrong_recipient",
            Params {
                recipient: "https://evil.example/acs".into(),
                ..d()
            },
        ),
        (
            "wrong_destination",
            Params {
                destination: Some("https://evil.example/acs".into()),
                ..d()
            },
        ),
        (
            "no_destination",
            Params {
                destination: None,
                ..d()
            },
        ),
        (
            "wrong_in_response_to",
            Params {
                in_response_to: Some("_other".into()),
                sc_in_response_to: Some("_other".into()),
                ..d()
            },
        ),
        (
            "expired",
            Params {
                not_on_or_after: NOW - Duration::seconds(900),
                sc_not_on_or_after: NOW - Duration::seconds(900),
                ..d()
            },
        ),
        (
            "not_yet_valid",
            Params {
                not_before: NOW + Duration::seconds(900),
                ..d()
            },
        ),
        (
            "no_authn_statement",
            Params {
                authn_statement: false,
                ..d()
            },
        ),
    ] {
        add(
            &format!("resigned_response_{name}"),
            sign_both(&response_xml(&p), &p, idp),
        );
    }
    add("unsigned", response_xml(&d()));
    add(
        "tampered_name_id",
        g.replace(
            "alice@example.com</saml:NameID>",
            "mallory@example.com</saml:NameID>",
        ),
    );
    add(
        "untrusted_key",
        sign_assertion(&response_xml(&d()), &d(), other_rsa_idp()),
    );
    let b = base64::engine::general_purpose::STANDARD;
    add(
        "genuine_with_keyinfo_swapped",
        g.replace(
            &b.encode(&idp.cert_der),
            &b.encode(&other_rsa_idp().cert_der),
        ),
    );
    let orig = assertion_el(&g);
    let sig = sig_of(&orig);
    let evil = orig
        .replace(&sig, "")
        .replace("alice@example.com", "mallory@example.com")
        .replace("_assert-4e5f6a", "_evil");
    add(
        "xsw3_evil_first",
        g.replace(&orig, &format!("{evil}{orig}")),
    );
    add(
        "xsw4_evil_wraps",
        g.replace(
            &orig,
            &evil.replace("</saml:Assertion>", &format!("{orig}</saml:Assertion>")),
        ),
    );
    add(
        "xsw7_extensions",
        g.replace(
            &orig,
            &format!("<samlp:Extensions>{orig}</samlp:Extensions>{evil}"),
        ),
    );
    add(
        "signature_moved_into_subject",
        g.replace(&sig, "")
            .replace("</saml:Subject>", &format!("{sig}</saml:Subject>")),
    );
    add(
        "reference_uri_empty",
        g.replace("URI=\"#_assert-4e5f6a\"", "URI=\"\""),
    );
    let pc = Params {
        name_id: "alice@example.com.evil.com".into(),
        ..d()
    };
    add(
        "comment_in_name_id",
        genuine(&pc).replace(
            "alice@example.com.evil.com<",
            "alice@example.com<!---->.evil.com<",
        ),
    );
    add(
        "comment_in_attribute",
        g.replace(">Alice<", ">Al<!-- x -->ice<"),
    );
    let body = g.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    add("doctype", format!("<!DOCTYPE samlp:Response>\n{body}"));
    let sha1 = insert_after_issuer(
        &response_xml(&d()),
        "<saml:Assertion ",
        &signature_template(
            &d().assertion_id,
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            "http://www.w3.org/2000/09/xmldsig#sha1",
            STD_TRANSFORMS,
        ),
    );
    add("sha1_signed", xmlsec_sign(&sha1, idp));
    let sc_nb = response_xml(&d()).replace(
        "<saml:SubjectConfirmationData ",
        &format!(
            "<saml:SubjectConfirmationData NotBefore=\"{}\" ",
            ts(NOW - Duration::seconds(30))
        ),
    );
    add("bearer_with_not_before", sign_both(&sc_nb, &d(), idp));
    let two_refs = g.replacen("</ds:SignedInfo>", "<ds:Reference URI=\"#_assert-4e5f6a\"><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo>", 1);
    add("two_references", two_refs);
    let idp_init = Params {
        in_response_to: None,
        sc_in_response_to: None,
        ..d()
    };
    v.push((
        "idp_initiated_no_request".into(),
        sign_both(&response_xml(&idp_init), &idp_init, idp),
        None,
    ));
    v
}

#[test]
fn verdicts_agree_with_python3_saml_strict_mode() {
    let py = python();
    let cert_b64 = b64_der(&rsa_idp().cert_der);
    let cfg = serde_json::json!({
        "now": NOW.unix_timestamp(),
        "sp": SP, "idp": IDP, "acs": ACS,
        "acs_host": "app.example.com", "acs_path": "/api/v1/sso/saml2/acs",
        "cert_b64": cert_b64,
    });
    let cases = cases();
    let theirs = python3saml_verdicts(
        py,
        &cfg,
        cases
            .iter()
            .map(|(name, xml, req)| (name.to_string(), b64(xml), req.clone())),
    );
    assert_eq!(theirs.len(), cases.len());
    let mut disagreements = Vec::new();
    let mut stricter_seen = Vec::new();
    let mut table = String::new();
    for ((name, xml, req), t) in cases.iter().zip(&theirs) {
        let mut pol = policy();
        pol.expect = ssopilot_saml::response::Expect::request_or_idp_initiated(req.clone());
        let ours = validate(xml.as_bytes(), &pol);
        let their_valid = t["valid"].as_bool().unwrap();
        table.push_str(&format!(
            "{name:40} ours={:5} python3-saml={:5} ours_failed={:?} theirs={}\n",
            ours.valid(),
            their_valid,
            ours.failed(),
            t["error"]
        ));
        if ours.valid() == their_valid {
            continue;
        }
        match STRICTER.iter().find(|(n, _)| n == name) {
            Some(_) if !ours.valid() && their_valid => stricter_seen.push(name.as_str()),
            _ => disagreements.push(name.as_str()),
        }
    }
    eprintln!("{table}");
    assert!(
        disagreements.is_empty(),
        "unexplained disagreements: {disagreements:?}\n{table}"
    );
    let listed: Vec<&str> = STRICTER.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        stricter_seen, listed,
        "the STRICTER list is out of date\n{table}"
    );
    // Both sides must have accepted the genuine responses (the oracle is not refusing everything).
    assert!(
        theirs.iter().filter(|t| t["valid"] == true).count() >= 4,
        "{table}"
    );
}

fn b64_der(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// python3-saml's verdict on each (name, base64 response, request ID or none), from the harness script, in order.
pub(crate) fn python3saml_verdicts(
    py: impl AsRef<std::ffi::OsStr>,
    cfg: &serde_json::Value,
    cases: impl IntoIterator<Item = (String, String, Option<String>)>,
) -> Vec<serde_json::Value> {
    let mut input = String::new();
    for (name, b64, req) in cases {
        input.push_str(
            &serde_json::json!({"name": name, "b64": b64, "request_id": req}).to_string(),
        );
        input.push('\n');
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../crates/testkit/py/response_differential_python3saml.py"
    );
    let mut child = Command::new(py)
        .arg(script)
        .arg(cfg.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python3-saml harness failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
