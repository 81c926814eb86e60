//! Genuine encrypted assertions from real IdPs installed from the registries, taken by `ssopilot test-login`: the
//! admin gives the IdP what `--print-sp-metadata` prints (its encryption KeyDescriptor carries the test SP's
//! encryption certificate, its key in the real keychain) and turns encryption on there. samlify (npm,
//! crates/testkit/js/samlify_idp.js, `isAssertionEncrypted`) and Lasso (Debian's python3-lasso,
//! crates/testkit/py/lasso_idp_http.py, `ENCRYPTION_MODE_ASSERTION`) are each run with every content and key-transport
//! algorithm they offer: the ones we support pass with the assertion's signature verified after decryption and
//! `encrypted.assertion` in the JSON; RSA PKCS#1 v1.5 key transport is refused with the message that says why, and
//! Triple DES content as not supported. The same holds for support staff: the IdP's response for a customer SP,
//! encrypted for that SP's certificate, through `response check --sp-decryption-key` with its key in a PEM file
//! (which never appears in the output). Needs the real Secret Service (scripts/with-keyring.sh); skipped with a
//! message when the IdP is not installed, except in CI.

use std::path::Path;
use std::process::Command;

use ssopilot_peers::test_login::demo::{form_action, input_value, Browser};
use ssopilot_saml::metadata::{Binding, SpKeys};
use ssopilot_saml::values::{AcsUrl, EntityId};
use ssopilot_testkit::peer_support::{self, js_dir, Peer, SYSTEM_PYTHON};
use ssopilot_testkit::response_support::{sp_encryption, write_idp_key_and_cert, write_temp};

use crate::idp_foreign_cli::{finish, start};
use crate::test_login_cli::{free_port, keychain_or_skip, settled_sp_metadata};

const AES128_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
const AES256_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
const AES128_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
const AES256_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
const TRIPLE_DES: &str = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc";
const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
/// The customer SP support staff check a response for.
const SUPPORT_SP: &str = "https://app.example.com/saml";
const SUPPORT_ACS: &str = "https://app.example.com/saml/acs";

/// What `test-login` must make of one encrypted response.
#[derive(Clone, Copy)]
enum Outcome {
    Accepted,
    /// Refused, its output naming this text.
    Refused(&'static str),
}

const V15_REFUSED: Outcome = Outcome::Refused("RSA PKCS#1 v1.5 (xmlenc#rsa-1_5), which is refused");
const TRIPLE_DES_REFUSED: Outcome = Outcome::Refused("tripledes-cbc is not supported");

/// The admin's session against one IdP, and support staff's check of what it sent: for each (content, key
/// transport, environment of the IdP, outcome) the IdP process is started by `command` (IdP key, certificate, open
/// and strict SP metadata files, environment); a test login through its open IdP, which trusts the test SP, is taken
/// with `--require-signed-assertion --json`, and its strict IdP's unsolicited response for a customer SP (whose
/// encryption key is a PEM file) is checked by `response check --sp-decryption-key`.
fn encrypted_logins(
    name: &str,
    user: &str,
    cases: &[(&str, &str, (&str, String), Outcome)],
    command: impl Fn(&Path, &Path, &Path, &Path, (&str, &str)) -> Command,
) {
    let _key = crate::TEST_SP_ENCRYPTION_KEY
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let port = free_port();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let (xml, _) = settled_sp_metadata(port);
    let dir = tempfile::tempdir().unwrap();
    let sp_md = write_temp(dir.path(), "sp.xml", xml.as_bytes());
    let (key, cert) = write_idp_key_and_cert(dir.path());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Support staff: a customer's SP whose encryption key they were given as a PEM file.
    let support_acs = AcsUrl::parse(SUPPORT_ACS, "ACS").unwrap();
    let support_md = ssopilot_saml::metadata::sp_metadata_keys(
        &EntityId::parse(SUPPORT_SP, "SP").unwrap(),
        &[(Binding::HttpPost, support_acs)],
        None,
        SpKeys {
            signing: None,
            signs_requests: false,
            encryption: Some(&sp_encryption().cert_der),
        },
    );
    let support_md = write_temp(dir.path(), "support-sp.xml", support_md.as_bytes());
    let support_key = write_temp(
        dir.path(),
        "support-sp.key",
        sp_encryption().key_pem.as_bytes(),
    );
    let secret = sp_encryption().key_pem.lines().nth(1).unwrap().to_string();
    let port = port.to_string();
    for (content, transport, (var, value), outcome) in cases {
        let what = format!("{name} {content} {transport}");
        // The open IdP trusts the test SP, the strict one the support staff's customer SP.
        let peer = Peer::start(
            command(&key, &cert, &sp_md, &support_md, (var, value)),
            name,
        );
        let base = peer.field("base").to_string();
        let run = start(&[
            "--idp-metadata",
            &format!("{base}/open/metadata"),
            "--port",
            &port,
            "--timeout",
            "60",
            "--require-signed-assertion",
            "--json",
        ]);
        let sent = rt.block_on(async {
            let b = Browser::new().unwrap();
            let page = b.get(&run.first).await.unwrap();
            assert_eq!(page.status, 200, "{what}: {}", page.body);
            let to = form_action(&page.body).expect("the IdP's response form");
            assert_eq!(to, acs, "{what}");
            let response = input_value(&page.body, "SAMLResponse").expect("its SAMLResponse");
            b.post_form(&to, &[("SAMLResponse", &response)])
                .await
                .unwrap();
            response
        });
        let sent = ssopilot_saml::binding::decode(sent.as_bytes(), 1 << 20)
            .unwrap()
            .xml;
        // The IdP did encrypt, with the algorithms asked for.
        assert!(
            sent.contains("EncryptedAssertion")
                && !sent.contains(user)
                && sent.contains(&format!("Algorithm=\"{content}\""))
                && sent.contains(&format!("Algorithm=\"{transport}\"")),
            "{what}: the IdP did not encrypt as asked: {sent}"
        );
        let (code, out, err) = finish(run);
        expect(&what, *outcome, user, code, &out, &err, &v_report(&out));
        // The same IdP's unsolicited response for the customer SP, through `response check --sp-decryption-key`.
        let sent = rt.block_on(async {
            let b = Browser::new().unwrap();
            let page = b.get(&format!("{base}/strict/unsolicited")).await.unwrap();
            input_value(&page.body, "SAMLResponse")
                .unwrap_or_else(|| panic!("{what}: no SAMLResponse: {}", page.body))
        });
        drop(peer);
        let xml = ssopilot_saml::binding::decode(sent.as_bytes(), 1 << 20)
            .unwrap()
            .xml;
        assert!(
            xml.contains(&format!("Algorithm=\"{content}\""))
                && xml.contains(&format!("Algorithm=\"{transport}\""))
                && !xml.contains(user),
            "{what}: the IdP did not encrypt for the customer SP as asked: {xml}"
        );
        let response = write_temp(dir.path(), "response.b64", sent.as_bytes());
        let o = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
            .args(["response", "check"])
            .arg(&response)
            .arg("--idp-cert")
            .arg(&cert)
            .args([
                "--idp-entity-id",
                &format!("{base}/strict"),
                "--sp-entity-id",
                SUPPORT_SP,
                "--acs-url",
                SUPPORT_ACS,
                "--allow-idp-initiated",
                "--require-signed-assertion",
                "--json",
                "--sp-decryption-key",
            ])
            .arg(&support_key)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        let err = String::from_utf8_lossy(&o.stderr);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| {
            panic!("{what}: response check printed no JSON ({e}): {out}\n{err}")
        });
        let what = format!("{what} (response check)");
        expect(
            &what,
            *outcome,
            user,
            o.status.code().unwrap_or(-1),
            &out,
            &err,
            &v,
        );
        assert!(
            !out.contains(&secret) && !err.contains(&secret),
            "{what}: the key was printed"
        );
    }
}

/// `test-login --json` prints the report under "report".
fn v_report(out: &str) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(out).unwrap_or_else(|e| panic!("no JSON ({e}): {out}"));
    v["report"].clone()
}

/// Checks one run's exit code, output and JSON report (`v`) against the outcome.
fn expect(
    what: &str,
    outcome: Outcome,
    user: &str,
    code: i32,
    out: &str,
    err: &str,
    v: &serde_json::Value,
) {
    match outcome {
        Outcome::Accepted => {
            assert_eq!(code, 0, "{what}: {out}\n{err}");
            assert_eq!(v["valid"], true, "{what}: {out}");
            assert_eq!(v["encrypted"]["assertion"], true, "{what}: {out}");
            assert_eq!(v["name_id"], user, "{what}: {out}");
        }
        Outcome::Refused(message) => {
            assert_eq!(code, 1, "{what}: {out}\n{err}");
            assert_eq!(v["valid"], false, "{what}: {out}");
            assert!(
                out.contains(message) && !out.contains(user),
                "{what}: {out}\n{err}"
            );
        }
    }
}

/// samlify offers AES-128/256-CBC, AES-128/256-GCM and Triple DES content, with RSA-OAEP (`rsa-oaep-mgf1p`) or RSA
/// PKCS#1 v1.5 key transport.
#[test]
fn samlifys_encrypted_assertions_pass_test_login_and_response_check_and_its_v15_key_transport_is_refused(
) {
    let test = "samlifys_encrypted_assertions_pass_test_login_and_response_check_and_its_v15_key_transport_is_refused";
    if !keychain_or_skip(test) || !peer_support::node_package_or_skip("samlify", test) {
        return;
    }
    let case = |content: &'static str, transport: &'static str, outcome| {
        (
            content,
            transport,
            ("SAMLIFY_ENCRYPT", format!("{content} {transport}")),
            outcome,
        )
    };
    let mut cases = Vec::new();
    for content in [AES128_CBC, AES256_CBC, AES128_GCM, AES256_GCM] {
        cases.push(case(content, RSA_OAEP_MGF1P, Outcome::Accepted));
    }
    cases.push(case(AES256_GCM, RSA_1_5, V15_REFUSED));
    cases.push(case(TRIPLE_DES, RSA_OAEP_MGF1P, TRIPLE_DES_REFUSED));
    encrypted_logins(
        "samlify",
        "sam.lee@example.org",
        &cases,
        |key, cert, open, strict, (var, value)| {
            let mut cmd = Command::new("node");
            cmd.arg(js_dir().join("samlify_idp.js"))
                .args([key, cert, open, strict])
                .env(var, value);
            cmd
        },
    );
}

/// Lasso offers AES-128-CBC, AES-256-CBC and Triple DES content, with RSA-OAEP or RSA PKCS#1 v1.5 key transport.
#[test]
fn lassos_encrypted_assertions_pass_test_login_and_response_check_and_its_v15_key_transport_is_refused(
) {
    let test = "lassos_encrypted_assertions_pass_test_login_and_response_check_and_its_v15_key_transport_is_refused";
    if !keychain_or_skip(test)
        || !peer_support::system_python_module_or_skip("lasso", "python3-lasso", test)
    {
        return;
    }
    let case = |content: &'static str, sym: &str, transport: &'static str, how: &str, outcome| {
        (
            content,
            transport,
            ("LASSO_ENCRYPT", format!("{sym} {how}")),
            outcome,
        )
    };
    let cases = [
        case(
            AES128_CBC,
            "aes128",
            RSA_OAEP_MGF1P,
            "oaep",
            Outcome::Accepted,
        ),
        case(
            AES256_CBC,
            "aes256",
            RSA_OAEP_MGF1P,
            "oaep",
            Outcome::Accepted,
        ),
        case(AES256_CBC, "aes256", RSA_1_5, "pkcs1", V15_REFUSED),
        case(
            TRIPLE_DES,
            "3des",
            RSA_OAEP_MGF1P,
            "oaep",
            TRIPLE_DES_REFUSED,
        ),
    ];
    encrypted_logins(
        "Lasso",
        "lee.lasso@example.org",
        &cases,
        |key, cert, open, strict, (var, value)| {
            let mut cmd = Command::new(SYSTEM_PYTHON);
            cmd.arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../crates/testkit/py/lasso_idp_http.py"
            ))
            .args([key, cert, open, strict])
            .env(var, value);
            cmd
        },
    );
}
