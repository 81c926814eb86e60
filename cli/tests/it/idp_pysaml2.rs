//! Interop with a real IdP: pysaml2's `saml2.server.Server` (PyPI, in .venv) answers an AuthnRequest we build, for
//! an SP whose metadata our own exporter wrote. Its genuine responses must be accepted, assertion-signed,
//! response-signed and both; its default SHA-1 signatures only behind the legacy switch; and a changed byte must
//! still be caught. The IdP runs once (one Python process, about two seconds of CPU) for every case.
//!
//! pysaml2 stamps its responses with the real clock, so these checks run at the real time, not the fixed `NOW`.

use ssopilot_testkit::metadata_support;
use ssopilot_testkit::response_support;

use std::io::Write;
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine;
use metadata_support::python_with;
use response_support::{require_tool, rsa_idp, write_temp};
use ssopilot_peers::clock::{Clock as _, SystemClock};
use ssopilot_saml::metadata::{self, Binding};
use ssopilot_saml::response::{validate, Policy, Report};
use ssopilot_saml::values::{AcsUrl, EntityId};

const IDP_ID: &str = "https://idp.pysaml2.test/idp";
const SSO: &str = "https://idp.pysaml2.test/sso";
const SP_ID: &str = "https://app.example.com/sp";
const ACS: &str = "https://app.example.com/api/v1/sso/saml2/acs";
const REQ_ID: &str = "_ssopilot-req-5b1e9c";

/// What the pysaml2 IdP produced (the script's JSON), kept with the files the CLI test needs.
struct Run {
    out: serde_json::Value,
    dir: tempfile::TempDir,
}

/// Our AuthnRequest in the HTTP-Redirect form: deflated, base64 (pysaml2 does the inflating).
fn authn_request() -> String {
    let now = SystemClock
        .now()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let xml = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{REQ_ID}" Version="2.0" IssueInstant="{now}" Destination="{SSO}" AssertionConsumerServiceURL="{ACS}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>{SP_ID}</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/></samlp:AuthnRequest>"#
    );
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(xml.as_bytes()).unwrap();
    base64::engine::general_purpose::STANDARD.encode(z.finish().unwrap())
}

fn run() -> &'static Run {
    static R: OnceLock<Run> = OnceLock::new();
    R.get_or_init(|| {
        require_tool("xmlsec1", "xmlsec1"); // pysaml2 signs through the xmlsec1 binary
        let py = python_with("saml2.server", "pysaml2");
        let dir = tempfile::tempdir().unwrap();
        let idp = rsa_idp();
        let key = write_temp(dir.path(), "idp-key.pem", idp.key_pem.as_bytes());
        let cert = write_temp(dir.path(), "idp-cert.pem", idp.cert_pem.as_bytes());
        let sp = response_support::sp_encryption();
        let enc_cert = write_temp(dir.path(), "sp-enc-cert.pem", sp.cert_pem.as_bytes());
        write_temp(dir.path(), "sp-enc-key.pem", sp.key_pem.as_bytes());
        let sp_md = metadata::sp_metadata(
            &EntityId::parse(SP_ID, "SP").unwrap(),
            &[(Binding::HttpPost, AcsUrl::parse(ACS, "ACS").unwrap())],
            Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
            None,
        );
        let sp_md = write_temp(dir.path(), "sp-metadata.xml", sp_md.as_bytes());
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../crates/testkit/py/pysaml2_idp.py"
        );
        let o = Command::new(py)
            .args(["-W", "ignore", script, IDP_ID, SSO])
            .arg(&key)
            .arg(&cert)
            .arg(&sp_md)
            .arg(authn_request())
            .arg(&enc_cert)
            .current_dir(dir.path())
            .output()
            .expect("python runs");
        assert!(
            o.status.success(),
            "the pysaml2 IdP failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out: serde_json::Value =
            serde_json::from_slice(&o.stdout).expect("the script prints JSON");
        let md = out["metadata"].as_str().expect("metadata").to_string();
        write_temp(dir.path(), "idp-metadata.xml", md.as_bytes());
        Run { out, dir }
    })
}

fn response(name: &str) -> String {
    run().out[name]
        .as_str()
        .unwrap_or_else(|| panic!("the script produced no {name}"))
        .to_string()
}

fn policy() -> Policy {
    let mut p = Policy::new(
        EntityId::parse(IDP_ID, "IdP").unwrap(),
        vec![rsa_idp().cert_der.clone()],
        EntityId::parse(SP_ID, "SP").unwrap(),
        AcsUrl::parse(ACS, "ACS").unwrap(),
        SystemClock.now(),
    );
    p.expect = ssopilot_saml::response::Expect::Request(REQ_ID.to_string());
    p
}

fn assert_valid(name: &str, r: &Report) {
    assert!(
        r.valid(),
        "pysaml2's {name} response was refused: {:?}",
        r.checks().iter().filter(|c| !c.ok).collect::<Vec<_>>()
    );
}

#[test]
fn pysaml2_read_our_request() {
    assert_eq!(run().out["request_id"], REQ_ID);
    assert_eq!(run().out["destination"], ACS);
    assert_eq!(run().out["sp_entity_id"], SP_ID);
}

#[test]
fn pysaml2_responses_are_accepted_in_every_signing_mode() {
    for (mode, response_signed, assertion_signed) in [
        ("assertion", false, true),
        ("response", true, false),
        ("both", true, true),
    ] {
        let r = validate(response(mode).as_bytes(), &policy());
        assert_valid(mode, &r);
        assert_eq!(r.signed().response, response_signed, "{mode}");
        assert_eq!(r.signed().assertion, assertion_signed, "{mode}");
        assert_eq!(r.issuer(), Some(IDP_ID));
        assert_eq!(r.name_id(), Some("alice@example.com"), "{mode}");
        assert_eq!(
            r.name_id_format(),
            Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
        );
        // pysaml2 names attributes by OID with the URI name format.
        assert_eq!(
            r.attributes().get("urn:oid:2.5.4.42"),
            Some(&vec!["Alice".to_string()]),
            "{mode}: {:?}",
            r.attributes()
        );
        assert_eq!(
            r.signing_certificate_sha256().map(|f| f.to_string()),
            Some(ssopilot_saml::fingerprint::Fingerprint::sha256(&rsa_idp().cert_der).to_string())
        );
    }
}

#[test]
fn pysaml2_assertion_only_signing_meets_require_signed_assertion() {
    let mut p = policy();
    p.require_signed_assertion = true;
    assert_valid("assertion", &validate(response("assertion").as_bytes(), &p));
    assert_valid("both", &validate(response("both").as_bytes(), &p));
    let r = validate(response("response").as_bytes(), &p);
    assert!(!r.valid());
    assert_eq!(r.failed(), ["signature_required"]);
}

#[test]
fn pysaml2_default_sha1_signatures_need_the_legacy_switch() {
    for mode in [
        "assertion_default_alg",
        "response_default_alg",
        "both_default_alg",
    ] {
        let r = validate(response(mode).as_bytes(), &policy());
        assert!(
            !r.valid(),
            "{mode} (RSA-SHA1) was accepted without --allow-sha1"
        );
        assert!(
            r.checks()
                .iter()
                .any(|c| !c.ok && c.message.contains("SHA-1")),
            "{mode}: {:?}",
            r.failed()
        );
        let mut p = policy();
        p.allow_sha1 = true;
        let r = validate(response(mode).as_bytes(), &p);
        assert_valid(mode, &r);
        assert!(
            !r.warnings().is_empty(),
            "{mode}: SHA-1 accepted without a warning"
        );
    }
}

#[test]
fn pysaml2_responses_fail_when_changed_or_checked_against_another_pairing() {
    let b64 = base64::engine::general_purpose::STANDARD;
    for mode in ["assertion", "response", "both"] {
        let xml = String::from_utf8(b64.decode(response(mode)).unwrap()).unwrap();
        let forged = xml.replacen("alice@example.com", "mallory@example.com", 1);
        assert_ne!(forged, xml);
        let r = validate(forged.as_bytes(), &policy());
        assert!(!r.valid(), "{mode}: a changed NameID was accepted");
        assert!(
            r.name_id().is_none(),
            "{mode}: identity read from an unverified element"
        );

        let mut p = policy();
        p.expect = ssopilot_saml::response::Expect::Request("_another-request".into());
        let r = validate(response(mode).as_bytes(), &p);
        assert!(
            r.failed().contains(&"in_response_to"),
            "{mode}: {:?}",
            r.failed()
        );

        let mut p = policy();
        p.idp_certs = vec![response_support::other_rsa_idp().cert_der.clone()];
        assert!(!validate(response(mode).as_bytes(), &p).valid(), "{mode}");
    }
}

#[test]
fn response_check_command_takes_pysaml2_metadata() {
    let r = run();
    let md = r.dir.path().join("idp-metadata.xml");
    for mode in ["assertion", "response", "both"] {
        let f = write_temp(
            r.dir.path(),
            &format!("{mode}.b64"),
            response(mode).as_bytes(),
        );
        let o = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
            .args(["response", "check"])
            .arg(&f)
            .arg("--idp-metadata")
            .arg(&md)
            .args([
                "--sp-entity-id",
                SP_ID,
                "--acs-url",
                ACS,
                "--request-id",
                REQ_ID,
                "--json",
            ])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
        assert_eq!(o.status.code(), Some(0), "{mode}: {report:#}");
        assert_eq!(report["valid"], true);
        assert_eq!(report["issuer"], IDP_ID);
    }
}

/// pysaml2 names attributes by their LDAP OIDs (its default attribute map, URI name format): `--sp-attributes`
/// (issue 21) maps the SP's plain names onto them, and suggests nothing for a name pysaml2 did not send.
#[test]
fn response_check_suggests_mappings_onto_pysaml2s_oid_names() {
    let r = run();
    let md = r.dir.path().join("idp-metadata.xml");
    let f = write_temp(
        r.dir.path(),
        "suggest.b64",
        response("assertion").as_bytes(),
    );
    let o = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args(["response", "check"])
        .arg(&f)
        .arg("--idp-metadata")
        .arg(&md)
        .args([
            "--sp-entity-id",
            SP_ID,
            "--acs-url",
            ACS,
            "--request-id",
            REQ_ID,
            "--sp-attributes",
            "email,firstName,lastName,department",
            "--json",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(o.status.code(), Some(0), "{report:#}");
    assert_eq!(
        report["attribute_suggestions"],
        serde_json::json!([
            {"sp_attribute": "email", "idp_attribute": "urn:oid:0.9.2342.19200300.100.1.3", "reason": "oid"},
            {"sp_attribute": "firstName", "idp_attribute": "urn:oid:2.5.4.42", "reason": "oid"},
            {"sp_attribute": "lastName", "idp_attribute": "urn:oid:2.5.4.4", "reason": "oid"},
        ]),
        "{report:#}"
    );
}

#[test]
fn metadata_inspect_reads_pysaml2_idp_metadata() {
    let md = run().dir.path().join("idp-metadata.xml");
    let o = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args(["metadata", "inspect"])
        .arg(&md)
        .arg("--json")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    assert_eq!(v["kind"], "idp");
    assert_eq!(v["entity_id"], IDP_ID);
    let sso: Vec<(&str, &str)> = v["sso"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["binding"].as_str().unwrap(), e["url"].as_str().unwrap()))
        .collect();
    assert!(sso.iter().all(|(_, u)| *u == SSO), "{sso:?}");
    assert_eq!(sso.len(), 2, "{sso:?}");
    let certs = v["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1, "{v:#}");
    assert_eq!(v["signature"], "absent");
    let fp = ssopilot_saml::fingerprint::Fingerprint::sha256(&rsa_idp().cert_der).to_string();
    assert!(v["certificates"].to_string().contains(&fp), "{v:#}");
    assert!(v["findings"].is_array());
}

/// `ssopilot response check --sp-decryption-key` on pysaml2's genuine encrypted responses: every AES cipher pysaml2
/// offers with RSA-OAEP passes; its default tripledes-cbc and RSA v1.5 key transport are refused, each saying why.
#[test]
fn pysaml2_encrypted_responses_pass_response_check_with_the_sp_key() {
    let r = run();
    let md = r.dir.path().join("idp-metadata.xml");
    let key = r.dir.path().join("sp-enc-key.pem");
    let check = |name: &str, with_key: bool| {
        let f = write_temp(
            r.dir.path(),
            &format!("{name}.b64"),
            response(name).as_bytes(),
        );
        let mut c = Command::new(env!("CARGO_BIN_EXE_ssopilot"));
        c.args(["response", "check"])
            .arg(&f)
            .arg("--idp-metadata")
            .arg(&md)
            .args([
                "--sp-entity-id",
                SP_ID,
                "--acs-url",
                ACS,
                "--request-id",
                REQ_ID,
                "--json",
            ]);
        if with_key {
            c.arg("--sp-decryption-key").arg(&key);
        }
        let o = c.output().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|_| panic!("{name}: {}", String::from_utf8_lossy(&o.stderr)));
        (o.status.code(), report)
    };
    let failed = |report: &serde_json::Value| -> Vec<String> {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["ok"] == false)
            .map(|c| {
                format!(
                    "{}: {}",
                    c["id"].as_str().unwrap(),
                    c["message"].as_str().unwrap()
                )
            })
            .collect()
    };
    let mut accepted = Vec::new();
    for cipher in [
        "aes128-cbc",
        "aes192-cbc",
        "aes256-cbc",
        "aes128-gcm",
        "aes256-gcm",
    ] {
        let name = format!("encrypted_{cipher}_rsa-oaep-mgf1p");
        let (code, report) = check(&name, true);
        assert_eq!(code, Some(0), "{name}: {:#?}", failed(&report));
        assert_eq!(report["encrypted"]["assertion"], true, "{name}");
        assert_eq!(report["name_id"], "alice@example.com", "{name}");
        assert_eq!(report["signed"]["assertion"], true, "{name}");
        let (code, report) = check(&name, false);
        assert_eq!(code, Some(1), "{name} without the key");
        assert!(
            failed(&report)[0].contains("no SP decryption key"),
            "{name}"
        );
        accepted.push(name);
    }
    let (code, report) = check("encrypted_both", true);
    assert_eq!(code, Some(0), "both: {:#?}", failed(&report));
    assert_eq!(
        report["signed"],
        serde_json::json!({"response": true, "assertion": true})
    );
    // pysaml2's default content cipher, and RSA v1.5 key transport with every cipher: refused, saying why.
    let (code, report) = check("encrypted_tripledes-cbc_rsa-oaep-mgf1p", true);
    assert_eq!(code, Some(1));
    let f = failed(&report);
    assert!(
        f.len() == 1 && f[0].starts_with("decryption:") && f[0].contains("tripledes-cbc"),
        "{f:?}"
    );
    for cipher in [
        "tripledes-cbc",
        "aes128-cbc",
        "aes256-cbc",
        "aes128-gcm",
        "aes256-gcm",
    ] {
        let name = format!("encrypted_{cipher}_rsa-1_5");
        let (code, report) = check(&name, true);
        assert_eq!(code, Some(1), "{name}");
        let f = failed(&report);
        assert!(
            f.len() == 1 && f[0].contains("Bleichenbacher") || f[0].contains("tripledes-cbc"),
            "{name}: {f:?}"
        );
    }
    assert_eq!(accepted.len(), 5);
}
