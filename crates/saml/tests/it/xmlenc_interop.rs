//! Our encrypted assertions against real peers (issue 17): xmlsec1 `--decrypt` opens what we encrypt (an oracle for
//! our XML Encryption), and python3-saml in strict mode decrypts and accepts our encrypted responses.

use std::process::Command;

use base64::Engine;
use ssopilot_saml::response::validate;
use ssopilot_saml::xmlenc::{ContentCipher, KeyPlacement, KeyTransport};
use ssopilot_testkit::encryption_support::*;
use ssopilot_testkit::response_support::*;

fn assertion_of(xml: &str) -> &str {
    let s = xml.find("<saml:Assertion ").unwrap();
    let e = xml.rfind("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    &xml[s..e]
}

/// xmlsec1 1.2 knows rsa-oaep-mgf1p with its SHA-1 digest only (not xmlenc11#rsa-oaep, not a SHA-256 digest): every
/// content cipher with it, and
/// both key placements it can resolve (inline, and beside the data by RetrievalMethod with `--id-attr`).
#[test]
fn xmlsec1_decrypts_our_encrypted_assertions() {
    require_tool("xmlsec1", "xmlsec1");
    let dir = tempfile::tempdir().unwrap();
    let key = write_temp(dir.path(), "sp-key.pem", sp_encryption().key_pem.as_bytes());
    let signed = genuine(&Params::default());
    let clear = assertion_of(&signed).replacen(
        "<saml:Assertion ",
        &format!("<saml:Assertion xmlns:saml=\"{SAML_NS}\" "),
        1,
    );
    let mut runs = 0;
    for cipher in ContentCipher::ALL {
        for placement in [KeyPlacement::Inline, KeyPlacement::RetrievalMethod] {
            let e = Enc {
                cipher,
                transport: KeyTransport::RSA_OAEP_MGF1P,
                placement,
            };
            let xml = encrypt_assertion(&signed, e);
            // What we produce, we open.
            assert!(
                validate(xml.as_bytes(), &decryption_policy()).valid(),
                "{e:?}"
            );
            let file = write_temp(dir.path(), "enc.xml", xml.as_bytes());
            let o = Command::new("xmlsec1")
                .args(["--decrypt", "--id-attr:Id", "EncryptedKey", "--privkey-pem"])
                .arg(&key)
                .arg(&file)
                .output()
                .unwrap();
            let out = String::from_utf8_lossy(&o.stdout);
            assert!(
                o.status.success(),
                "{e:?}: xmlsec1 refused: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(
                out.contains(&clear),
                "{e:?}: xmlsec1 decrypted something else: {out}"
            );
            runs += 1;
        }
    }
    assert_eq!(runs, 12);
}

/// python3-saml (OneLogin, strict mode, with the SP's key) decrypts and accepts our encrypted responses, signed on
/// the assertion inside the encryption or on the response outside it, and refuses one for another SP's key. (Its
/// schema check refuses xmlenc11#rsa-oaep's MGF element, so key transport here is rsa-oaep-mgf1p.)
#[test]
fn python3_saml_decrypts_and_accepts_our_encrypted_responses() {
    let py = std::env::var("SSOPILOT_PYTHON").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python").to_string()
    });
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let cfg = serde_json::json!({
        "now": NOW.unix_timestamp(),
        "sp": SP, "idp": IDP, "acs": ACS,
        "acs_host": "app.example.com", "acs_path": "/api/v1/sso/saml2/acs",
        "cert_b64": b64(&rsa_idp().cert_der),
        "sp_cert_b64": b64(&sp_encryption().cert_der),
        "sp_key_pem": sp_encryption().key_pem,
    });
    let p = Params::default();
    let mut cases: Vec<(String, String, bool)> = Vec::new();
    for cipher in ContentCipher::ALL {
        let e = Enc {
            cipher,
            transport: KeyTransport::RSA_OAEP_MGF1P,
            placement: KeyPlacement::Inline,
        };
        cases.push((
            format!("assertion-signed {e:?}"),
            encrypt_assertion(&genuine(&p), e),
            true,
        ));
    }
    let outside = sign_response(
        &encrypt_assertion(&response_xml(&p), Enc::default()),
        &p,
        rsa_idp(),
    );
    cases.push(("response-signed".into(), outside, true));
    let other = encrypt_in(
        &genuine(&p),
        "Assertion",
        "EncryptedAssertion",
        other_sp_encryption(),
        Enc::default(),
    );
    cases.push(("another SP's key".into(), other, false));
    let theirs = crate::response_differential::python3saml_verdicts(
        &py,
        &cfg,
        cases
            .iter()
            .map(|(name, xml, _)| (name.to_string(), b64(xml.as_bytes()), Some(REQ.to_string()))),
    );
    assert_eq!(theirs.len(), cases.len());
    for ((name, xml, expect), t) in cases.iter().zip(&theirs) {
        assert_eq!(
            t["valid"], *expect,
            "python3-saml on {name}: {}",
            t["error"]
        );
        assert_eq!(
            validate(xml.as_bytes(), &decryption_policy()).valid(),
            *expect,
            "ours on {name}"
        );
    }
}
