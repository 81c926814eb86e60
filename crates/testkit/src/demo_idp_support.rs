//! Shared helpers for the demo IdP tests: a generated key, and the peers that must accept its responses
//! (xmlsec1 from Debian, python3-saml from PyPI in .venv). A missing peer FAILS the test with set-up advice.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use ssopilot_peers::demo_idp::key::IdpKey;

pub const SP: &str = "https://app.example.com/sp";
pub const ACS: &str = "https://app.example.com/api/v1/sso/saml2/acs";

/// One generated key for the whole test binary (RSA generation is slow).
pub fn key() -> &'static IdpKey {
    static K: OnceLock<IdpKey> = OnceLock::new();
    K.get_or_init(|| IdpKey::generate_ephemeral().expect("RSA-2048 key and certificate"))
}

pub fn python() -> String {
    let p = std::env::var("SSOPILOT_PYTHON").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python").to_string()
    });
    let ok = Command::new(&p)
        .args(["-c", "import onelogin.saml2.response"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "python3-saml is not installed in .venv ({p}): run scripts/setup.sh"
    );
    p
}

/// One response for python3-saml to judge.
pub struct PyCase {
    pub name: String,
    pub b64: String,
    pub request_id: Option<String>,
    pub want_assertions_signed: bool,
    pub want_messages_signed: bool,
}

/// (name, valid, error, name_id) for each case, from python3-saml in strict mode.
pub fn python3_saml(
    sp: &str,
    acs: &str,
    idp: &str,
    key: &IdpKey,
    cases: &[PyCase],
) -> Vec<(String, bool, String, Option<String>)> {
    let py = python();
    let cfg = serde_json::json!({"sp": sp, "acs": acs, "idp": idp, "cert_b64": key.cert_base64()});
    let mut child = Command::new(py)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/py/demo_idp_python3saml.py"
        ))
        .arg(cfg.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3-saml harness");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        for c in cases {
            let line = serde_json::json!({
                "name": c.name, "b64": c.b64, "request_id": c.request_id,
                "want_assertions_signed": c.want_assertions_signed,
                "want_messages_signed": c.want_messages_signed,
            });
            writeln!(stdin, "{line}").expect("write case");
        }
    }
    let out = child.wait_with_output().expect("python3-saml harness");
    assert!(
        out.status.success(),
        "python3-saml harness failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let results: Vec<_> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            (
                v["name"].as_str().unwrap_or_default().to_string(),
                v["valid"].as_bool().unwrap_or(false),
                v["error"].as_str().unwrap_or_default().to_string(),
                v["name_id"].as_str().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(results.len(), cases.len(), "one verdict per case: {text}");
    results
}

fn require_xmlsec1() {
    let ok = Command::new("xmlsec1").arg("--version").output().is_ok();
    assert!(
        ok,
        "xmlsec1 (Debian package xmlsec1) is missing: run scripts/setup.sh"
    );
}

/// `xmlsec1 --verify` of the Signature picked by `node_xpath`, trusting only `key`'s certificate.
pub fn xmlsec_verify(xml: &str, key: &IdpKey, node_xpath: &str) -> (bool, String) {
    require_xmlsec1();
    let dir = tempfile::tempdir().expect("tempdir");
    let cert: PathBuf = dir.path().join("cert.pem");
    std::fs::write(&cert, key.cert_pem()).expect("write cert");
    let input = dir.path().join("in.xml");
    std::fs::write(&input, xml).expect("write xml");
    let o = Command::new("xmlsec1")
        .arg("--verify")
        .arg("--trusted-pem")
        .arg(&cert)
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:protocol:Response",
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ])
        .arg("--node-xpath")
        .arg(node_xpath)
        .arg(&input)
        .output()
        .expect("run xmlsec1");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

pub const RESPONSE_SIG: &str = "/*[local-name()='Response']/*[local-name()='Signature']";
pub const ASSERTION_SIG: &str =
    "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']";

/// `xmlsec1 --verify` of an AuthnRequest's enveloped signature (the root's first ds:Signature), trusting only
/// `cert_pem`.
pub fn xmlsec_verify_authn_request(xml: &str, cert_pem: &str) -> (bool, String) {
    require_xmlsec1();
    let dir = tempfile::tempdir().expect("tempdir");
    let cert: PathBuf = dir.path().join("cert.pem");
    std::fs::write(&cert, cert_pem).expect("write cert");
    let input = dir.path().join("in.xml");
    std::fs::write(&input, xml).expect("write xml");
    let o = Command::new("xmlsec1")
        .arg("--verify")
        .arg("--trusted-pem")
        .arg(&cert)
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest",
        ])
        .arg("--node-xpath")
        .arg("/*[local-name()='AuthnRequest']/*[local-name()='Signature']")
        .arg(&input)
        .output()
        .expect("run xmlsec1");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
