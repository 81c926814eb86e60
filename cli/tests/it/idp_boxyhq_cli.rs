//! `ssopilot test-login` against BoxyHQ's `@boxyhq/saml20` (npm, the library behind BoxyHQ's Jackson and its mock
//! IdP) acting as the IdP: crates/testkit/js/boxyhq_idp.js on 127.0.0.1, configured with what
//! `--print-sp-metadata --sign-requests` prints. Its strict IdP's metadata says WantAuthnRequestsSigned="true", so the
//! CLI signs on its own, and the login passes on HTTP-Redirect and HTTP-POST; `--idp-initiated` takes the open IdP's
//! unsolicited response. Every run ends in a JSON report with the flow and the clock. A response signed by another
//! key than the configured certificate fails the signature check. Without `--sign-requests` the strict IdP refuses
//! the request at once, saying the signature is missing, and `test-login` says first that it was not signed.
//! What the library itself does for signed requests (1.15.2, dist/request.js `parseSAMLRequest`,
//! dist/validateSignature.js): it tests only that an HTTP-POST request has a Signature, verifies an enveloped one
//! through `validateSignature`, and has nothing for HTTP-Redirect's query-string signature, which boxyhq_idp.js
//! checks itself. Skipped with a message when the package is not installed, except in CI.

use base64::Engine;
use std::path::Path;
use std::process::Command;

use ssopilot_peers::test_login::demo::{form_action, input_value, Browser};
use ssopilot_peers::test_login::DEFAULT_SP_ENTITY_ID;
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::metadata::{self, Binding};
use ssopilot_saml::values::{AcsUrl, EntityId};
use ssopilot_testkit::peer_support::{self, js_dir, submit_response_form};
use ssopilot_testkit::response_support::{
    other_rsa_idp, rsa_idp, write_idp_key_and_cert, write_temp,
};

use crate::idp_foreign_cli::{assert_passing_json, finish, keychain_or_skip, start};
use crate::test_login_cli::free_port;

const PACKAGE: &str = "@boxyhq/saml20";
const USER: &str = "sam.lee@example.org";

/// The BoxyHQ IdP signing with `key`/`cert`, trusting the SP in `sp_md` on both its paths.
fn boxyhq_idp(key: &Path, cert: &Path, sp_md: &Path) -> peer_support::Peer {
    let mut cmd = Command::new("node");
    cmd.arg(js_dir().join("boxyhq_idp.js"))
        .args([key, cert, sp_md, sp_md])
        .arg(USER);
    peer_support::Peer::start(cmd, "the @boxyhq/saml20 IdP")
}

/// The SP metadata our exporter writes for the default test SP with `acs`, written in `dir`, for tests whose test SP
/// does not sign: the IdP is told a request-signing certificate for the SP (boxyhq's metadata parser needs one), but
/// which one is moot.
fn unsigning_sp_metadata(dir: &Path, acs: &str) -> std::path::PathBuf {
    let xml = metadata::sp_metadata(
        &EntityId::parse(DEFAULT_SP_ENTITY_ID, "SP").unwrap(),
        &[(Binding::HttpPost, AcsUrl::parse(acs, "ACS").unwrap())],
        Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
        Some(&other_rsa_idp().cert_der),
    );
    write_temp(dir, "sp.xml", xml.as_bytes())
}

/// What `--print-sp-metadata --sign-requests --port PORT` prints, once two runs agree: other tests' first runs in a
/// fresh keychain may each store a key of their own, and the IdP must trust the one that stays.
fn settled_sp_metadata(port: &str) -> Vec<u8> {
    let print = || {
        let o = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
            .args([
                "test-login",
                "--print-sp-metadata",
                "--sign-requests",
                "--port",
                port,
            ])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        o.stdout
    };
    let mut xml = print();
    loop {
        let again = print();
        if again == xml {
            return xml;
        }
        xml = again;
    }
}

/// The redirect URL with the first character of its Signature value changed (still base64).
fn tampered_redirect(url: &str) -> String {
    let at = url.find("&Signature=").expect("a signed redirect URL") + "&Signature=".len();
    let first = &url[at..=at];
    let other = if first == "A" { "B" } else { "A" };
    format!("{}{other}{}", &url[..at], &url[at + 1..])
}

/// The base64 HTTP-POST AuthnRequest with its IssueInstant moved back a thousand years, signature kept.
fn tampered_post_request(b64: &str) -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    let xml = String::from_utf8(engine.decode(b64).unwrap()).unwrap();
    let changed = xml.replacen("IssueInstant=\"2", "IssueInstant=\"1", 1);
    assert_ne!(changed, xml);
    engine.encode(changed)
}

#[test]
fn test_login_against_boxyhq_saml20_signs_both_bindings_takes_its_unsolicited_response_and_reports_flow_and_clock(
) {
    let test = "idp_boxyhq_cli";
    if !keychain_or_skip(test) || !peer_support::node_package_or_skip(PACKAGE, test) {
        return;
    }
    let port = free_port().to_string();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let dir = tempfile::tempdir().unwrap();
    let sp_md = write_temp(dir.path(), "sp.xml", &settled_sp_metadata(&port));
    let (key, cert) = write_idp_key_and_cert(dir.path());
    let peer = boxyhq_idp(&key, &cert, &sp_md);
    let base = peer.field("base").to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for binding in ["redirect", "post"] {
        let run = start(&[
            "--idp-metadata",
            &format!("{base}/strict/metadata"),
            "--binding",
            binding,
            "--port",
            &port,
            "--timeout",
            "60",
            "--json",
        ]);
        rt.block_on(async {
            let b = Browser::new().unwrap();
            let page = if binding == "post" {
                // The test SP's page, whose form posts the signed AuthnRequest to the IdP.
                let sp_page = b.get(&run.first).await.unwrap();
                let action = form_action(&sp_page.body).expect("the test SP's form");
                let request = input_value(&sp_page.body, "SAMLRequest").expect("its SAMLRequest");
                // The strict IdP really checks: the same request with a changed IssueInstant is refused.
                let changed = tampered_post_request(&request);
                let refused = b
                    .post_form(&action, &[("SAMLRequest", &changed)])
                    .await
                    .unwrap();
                assert_eq!(refused.status, 400, "{}", refused.body);
                assert!(refused.body.contains("signature"), "{}", refused.body);
                b.post_form(&action, &[("SAMLRequest", &request)])
                    .await
                    .unwrap()
            } else {
                // The strict IdP really checks: the same URL with another Signature value is refused.
                let refused = b.get(&tampered_redirect(&run.first)).await.unwrap();
                assert_eq!(refused.status, 400, "{}", refused.body);
                assert!(refused.body.contains("does not verify"), "{}", refused.body);
                b.get(&run.first).await.unwrap()
            };
            assert_eq!(page.status, 200, "{binding}: {}", page.body);
            submit_response_form(&b, &page).await;
        });
        let (code, out, err) = finish(run);
        assert_eq!(code, 0, "{binding}: {out}\n{err}");
        assert_passing_json(binding, &out, "sp_initiated", USER);
        assert!(
            err.contains("WantAuthnRequestsSigned=\"true\"") && err.contains("signed (RSA-SHA256)"),
            "{binding}: {err}"
        );
    }
    let run = start(&[
        "--idp-metadata",
        &format!("{base}/open/metadata"),
        "--idp-initiated",
        "--port",
        &port,
        "--timeout",
        "60",
        "--json",
    ]);
    assert_eq!(run.first, acs);
    rt.block_on(async {
        let b = Browser::new().unwrap();
        let page = b.get(&format!("{base}/open/unsolicited")).await.unwrap();
        assert_eq!(page.status, 200, "{}", page.body);
        submit_response_form(&b, &page).await;
    });
    let (code, out, err) = finish(run);
    assert_eq!(code, 0, "IdP-initiated: {out}\n{err}");
    assert_passing_json("IdP-initiated", &out, "idp_initiated", USER);
}

/// The admin configured one certificate while the IdP signs with another key: the login fails on the signature,
/// not on anything else, and the report still says the flow.
#[test]
fn test_login_fails_the_signature_check_when_boxyhq_saml20_signs_with_another_key() {
    let test = "idp_boxyhq_cli";
    if !peer_support::node_package_or_skip(PACKAGE, test) {
        return;
    }
    let port = free_port().to_string();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let dir = tempfile::tempdir().unwrap();
    // Unsigned requests, so no keychain.
    let sp_md = unsigning_sp_metadata(dir.path(), &acs);
    let key = write_temp(dir.path(), "other.key", other_rsa_idp().key_pem.as_bytes());
    let other_cert = write_temp(dir.path(), "other.crt", other_rsa_idp().cert_pem.as_bytes());
    let configured = write_temp(dir.path(), "idp.crt", rsa_idp().cert_pem.as_bytes());
    let peer = boxyhq_idp(&key, &other_cert, &sp_md);
    let base = peer.field("base").to_string();
    let run = start(&[
        "--idp-sso-url",
        &format!("{base}/open/sso"),
        "--idp-cert",
        configured.to_str().unwrap(),
        "--idp-entity-id",
        &format!("{base}/open"),
        "--binding",
        "redirect",
        "--port",
        &port,
        "--timeout",
        "60",
        "--json",
    ]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let b = Browser::new().unwrap();
        let page = b.get(&run.first).await.unwrap();
        assert_eq!(page.status, 200, "{}", page.body);
        submit_response_form(&b, &page).await;
    });
    let (code, out, err) = finish(run);
    assert_eq!(code, 1, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["flow"], "sp_initiated", "{out}");
    assert_eq!(v["report"]["valid"], false, "{out}");
    let checks = v["report"]["checks"].as_array().unwrap();
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    // Both of the library's signatures (Response and Assertion) name the key that signed and the one configured.
    assert_eq!(
        failed,
        [
            "response_signature_key",
            "assertion_signature_key",
            "signature_required"
        ],
        "{out}"
    );
    let configured_fp = Fingerprint::sha256(&rsa_idp().cert_der).to_string();
    let signer_fp = Fingerprint::sha256(&other_rsa_idp().cert_der).to_string();
    for c in checks
        .iter()
        .filter(|c| c["id"].as_str().unwrap().ends_with("_signature_key"))
    {
        assert_eq!(c["fix"], "certificate", "{c}");
        assert!(
            c["expected"].as_str().unwrap().contains(&configured_fp),
            "{c}"
        );
        assert!(c["found"].as_str().unwrap().contains(&signer_fp), "{c}");
    }
    assert_eq!(
        v["report"]["signed"],
        serde_json::json!({"response": false, "assertion": false}),
        "{out}"
    );
    assert!(
        v["report"]["name_id"].is_null(),
        "identity read from an unverified response: {out}"
    );
    assert!(v["report"]["clock"]["offset_seconds"].is_i64(), "{out}");
}

/// An admin who runs `test-login` without `--sign-requests` against the strict IdP (WantAuthnRequestsSigned="true",
/// given by URL and certificate, not by its metadata, so the CLI does not sign on its own): the IdP refuses the
/// unsigned request at once, on both bindings, with a page saying the signature is missing (HTTP-Redirect: this
/// harness's check, as the library has none; HTTP-POST: the library's own "Missing signature"), and `test-login`
/// ends with exit 1 and an error that says first that the request was not signed and to use `--sign-requests`.
#[test]
fn test_login_without_signed_requests_is_refused_clearly_by_boxyhq_saml20_wanting_them() {
    let test = "idp_boxyhq_cli";
    if !peer_support::node_package_or_skip(PACKAGE, test) {
        return;
    }
    let port = free_port().to_string();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let dir = tempfile::tempdir().unwrap();
    let sp_md = unsigning_sp_metadata(dir.path(), &acs);
    let (key, cert) = write_idp_key_and_cert(dir.path());
    let peer = boxyhq_idp(&key, &cert, &sp_md);
    let base = peer.field("base").to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (binding, library_says) in [("redirect", ""), ("post", "Missing signature")] {
        let run = start(&[
            "--idp-sso-url",
            &format!("{base}/strict/sso"),
            "--idp-cert",
            cert.to_str().unwrap(),
            "--idp-entity-id",
            &format!("{base}/strict"),
            "--binding",
            binding,
            "--port",
            &port,
            "--timeout",
            "2",
            "--json",
        ]);
        rt.block_on(async {
            let b = Browser::new().unwrap();
            let page = if binding == "post" {
                let sp_page = b.get(&run.first).await.unwrap();
                let action = form_action(&sp_page.body).expect("the test SP's form");
                let request = input_value(&sp_page.body, "SAMLRequest").expect("its SAMLRequest");
                b.post_form(&action, &[("SAMLRequest", &request)])
                    .await
                    .unwrap()
            } else {
                assert!(!run.first.contains("Signature="), "{}", run.first);
                b.get(&run.first).await.unwrap()
            };
            // What the browser shows: a refusal at once, naming the missing signature; no response form.
            assert_eq!(page.status, 400, "{binding}: {}", page.body);
            assert!(
                page.body
                    .contains("the AuthnRequest is not signed, and this IdP requires it")
                    && page.body.contains(library_says),
                "{binding}: {}",
                page.body
            );
            assert!(input_value(&page.body, "SAMLResponse").is_none());
        });
        let (code, out, err) = finish(run);
        assert_eq!(code, 1, "{binding}: {out}\n{err}");
        assert!(err.contains("AuthnRequest: HTTP-"), "{binding}: {err}");
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error: the AuthnRequest was not signed")
                && last.contains("--sign-requests"),
            "{binding}: {err}"
        );
    }
}
