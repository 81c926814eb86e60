//! Interop with a real IdP from npm: samlify 2.13.1 as an identity provider (crates/testkit/js/samlify_idp.js, run by
//! node on 127.0.0.1), once with `wantAuthnRequestsSigned` false ("open") and once true ("strict"), each trusting a
//! test SP through the SP metadata our exporter writes. The test SPs take the IdP's values from samlify's own IdP
//! metadata, as `test-login --idp-metadata` does. SP-initiated logins on HTTP-Redirect and HTTP-POST are accepted;
//! the strict IdP answers our signed requests and refuses unsigned ones, and ones signed by another key, with
//! samlify's error on the page the browser gets (not a silent timeout); an IdP-initiated response is accepted by a
//! test SP waiting for one.
//!
//! One node process and one test SP per IdP serve every test of this module (a static runtime keeps them); the
//! tests take turns on them. Skipped with a message when node or samlify is not installed, except in CI.

use std::net::Ipv4Addr;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ssopilot_peers::clock::{Clock as _, SystemClock};
use ssopilot_peers::test_login::demo::{form_action, input_value, Browser};
use ssopilot_peers::test_login::key::SpKey;
use ssopilot_peers::test_login::{self, IdpConfig, RequestOptions, TestSp};
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::metadata::{self, Binding, Options};
use ssopilot_saml::request::RequestBinding;
use ssopilot_saml::response::{Flow, Report};
use ssopilot_saml::values::{EntityId, IdpUrl};
use ssopilot_testkit::peer_support::{self, js_dir, open, submit_response_form};
use ssopilot_testkit::response_support::{rsa_idp, write_temp};
use tokio::sync::Mutex;

const USER: &str = "sam.lee@example.org";
const OPEN_SP: &str = "urn:ssopilot:test-sp:samlify-open";
const STRICT_SP: &str = "urn:ssopilot:test-sp:samlify-strict";

struct Samlify {
    rt: tokio::runtime::Runtime,
    base: String,
    /// The test SP the open IdP trusts (its metadata carries no certificate).
    open: Mutex<TestSp>,
    /// The test SP the strict IdP trusts, with `key`'s certificate in its metadata.
    strict: Mutex<TestSp>,
    key: Arc<SpKey>,
    _peer: peer_support::Peer,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The IdP's values as `--idp-metadata` takes them: from samlify's own metadata.
async fn idp_config(b: &Browser, base: &str, name: &str) -> (IdpConfig, Option<bool>) {
    let page = b.get(&format!("{base}/{name}/metadata")).await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let md = metadata::parse(page.body.as_bytes(), &Options::default(), SystemClock.now())
        .unwrap_or_else(|e| panic!("samlify's {name} metadata: {e}\n{}", page.body));
    let sso = md
        .sso_url(&Binding::HttpRedirect)
        .expect("an HTTP-Redirect SSO endpoint");
    assert_eq!(md.sso_url(&Binding::HttpPost), Some(sso));
    let config = IdpConfig {
        entity_id: EntityId::parse(&md.entity_id, "IdP").unwrap(),
        sso_url: IdpUrl::parse(sso, "SSO").unwrap(),
        certs: md.trusted_signing_ders(),
        require_signed_assertion: true,
        allow_sha1: false,
    };
    (config, md.want_authn_requests_signed)
}

fn samlify() -> Option<&'static Samlify> {
    static S: OnceLock<Option<Samlify>> = OnceLock::new();
    S.get_or_init(|| {
        if !peer_support::node_package_or_skip("samlify", "the samlify interop tests") {
            return None;
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let key = Arc::new(SpKey::generate_ephemeral().unwrap());
        let (open_port, strict_port) = (free_port(), free_port());
        let acs = |port| test_login::loopback_acs_url(port).unwrap();
        let open_md = test_login::sp_metadata(
            &EntityId::parse(OPEN_SP, "SP").unwrap(),
            &acs(open_port),
            None,
            false,
        );
        let strict_md = test_login::sp_metadata(
            &EntityId::parse(STRICT_SP, "SP").unwrap(),
            &acs(strict_port),
            Some(&key),
            true,
        );
        let idp_key = write_temp(dir.path(), "idp.key", rsa_idp().key_pem.as_bytes());
        let idp_cert = write_temp(dir.path(), "idp.crt", rsa_idp().cert_pem.as_bytes());
        let open_file = write_temp(dir.path(), "open-sp.xml", open_md.as_bytes());
        let strict_file = write_temp(dir.path(), "strict-sp.xml", strict_md.as_bytes());
        let mut cmd = Command::new("node");
        cmd.arg(js_dir().join("samlify_idp.js"))
            .args([&idp_key, &idp_cert, &open_file, &strict_file])
            .arg(USER);
        let peer =
            peer_support::Peer::start(cmd, "samlify's IdP (node crates/testkit/js/samlify_idp.js)");
        let base = peer.field("base").to_string();
        let (open, strict) = rt.block_on(async {
            let b = Browser::new().unwrap();
            let (open_idp, open_wants) = idp_config(&b, &base, "open").await;
            let (strict_idp, strict_wants) = idp_config(&b, &base, "strict").await;
            assert_ne!(open_wants, Some(true), "the open IdP's metadata");
            assert_eq!(strict_wants, Some(true), "the strict IdP's metadata");
            let bind = |port, sp, idp| {
                TestSp::bind(
                    Ipv4Addr::LOCALHOST.into(),
                    port,
                    EntityId::parse(sp, "SP").unwrap(),
                    idp,
                )
            };
            (
                bind(open_port, OPEN_SP, open_idp).await.unwrap(),
                bind(strict_port, STRICT_SP, strict_idp).await.unwrap(),
            )
        });
        Some(Samlify {
            rt,
            base,
            open: Mutex::new(open),
            strict: Mutex::new(strict),
            key,
            _peer: peer,
            _dir: dir,
        })
    })
    .as_ref()
}

fn failed(r: &Report) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{}: {}", c.id, c.message))
        .collect()
}

/// Asserts the report of a genuine samlify response: valid, the flow, samlify's issuer, the signed Assertion and
/// the certificate that signed it.
fn assert_genuine(r: &Report, flow: Flow, issuer: &str, case: &str) {
    assert!(r.valid, "{case}: {:?}", failed(r));
    assert_eq!(r.flow, Some(flow), "{case}");
    assert_eq!(r.issuer.as_deref(), Some(issuer), "{case}");
    assert!(r.signed.assertion, "{case}: the Assertion is signed");
    assert_eq!(r.name_id.as_deref(), Some(USER), "{case}");
    assert_eq!(
        r.signing_certificate_sha256.as_ref().map(|f| f.to_string()),
        Some(Fingerprint::sha256(&rsa_idp().cert_der).to_string()),
        "{case}"
    );
}

/// One SP-initiated login through `sp` with `requests`; the report when samlify answered with a response.
async fn sp_initiated(sp: &mut TestSp, requests: RequestOptions) -> Result<Report, String> {
    sp.set_requests(requests);
    let attempt = sp.start().unwrap();
    let b = Browser::new().unwrap();
    let page = open(&b, &attempt).await;
    if input_value(&page.body, "SAMLResponse").is_none() {
        return Err(format!("HTTP {}: {}", page.status, page.body));
    }
    let to = submit_response_form(&b, &page).await;
    assert_eq!(to, sp.acs_url().as_str());
    let got = sp.wait(Duration::from_secs(30)).await.unwrap();
    Ok(got.report)
}

#[test]
fn samlify_not_wanting_signed_requests_answers_ours_on_both_bindings() {
    let Some(s) = samlify() else { return };
    s.rt.block_on(async {
        let mut sp = s.open.lock().await;
        let issuer = format!("{}/open", s.base);
        for binding in [RequestBinding::Redirect, RequestBinding::Post] {
            let r = sp_initiated(
                &mut sp,
                RequestOptions {
                    binding,
                    signer: None,
                },
            )
            .await
            .unwrap_or_else(|page| panic!("{binding:?}: samlify sent no response: {page}"));
            assert_genuine(&r, Flow::SpInitiated, &issuer, &format!("{binding:?}"));
        }
    });
}

#[test]
fn samlify_wanting_signed_requests_answers_ours_and_refuses_unsigned_or_foreign_ones() {
    let Some(s) = samlify() else { return };
    let stranger = Arc::new(SpKey::generate_ephemeral().unwrap());
    s.rt.block_on(async {
        let mut sp = s.strict.lock().await;
        let issuer = format!("{}/strict", s.base);
        for binding in [RequestBinding::Redirect, RequestBinding::Post] {
            let signer = Some(Arc::clone(&s.key));
            let r = sp_initiated(&mut sp, RequestOptions { binding, signer })
                .await
                .unwrap_or_else(|page| {
                    panic!("{binding:?} signed: samlify sent no response: {page}")
                });
            assert_genuine(
                &r,
                Flow::SpInitiated,
                &issuer,
                &format!("{binding:?} signed"),
            );
            // What comes back when the signature is missing or made by a key samlify does not know: samlify's
            // refusal, at once, naming its error.
            // samlify's errors: on HTTP-Redirect the missing SigAlg or the failed query signature; on HTTP-POST a
            // missing signature fails to verify, and ours by another key carries a certificate that is not the SP
            // metadata's.
            let (unsigned, foreign) = match binding {
                RequestBinding::Redirect => (
                    "ERR_MISSING_SIG_ALG",
                    "ERR_FAILED_MESSAGE_SIGNATURE_VERIFICATION",
                ),
                RequestBinding::Post => (
                    "FAILED_TO_VERIFY_SIGNATURE",
                    "ERROR_UNMATCH_CERTIFICATE_DECLARATION_IN_METADATA",
                ),
            };
            for (what, signer, error) in [
                ("unsigned", None, unsigned),
                (
                    "signed by another key",
                    Some(Arc::clone(&stranger)),
                    foreign,
                ),
            ] {
                let refused = sp_initiated(&mut sp, RequestOptions { binding, signer })
                    .await
                    .expect_err(&format!("{binding:?} {what}: samlify answered"));
                assert!(
                    refused.starts_with("HTTP 400:")
                        && refused.contains("samlify refused the AuthnRequest")
                        && refused.contains(error),
                    "{binding:?} {what}: {refused}"
                );
            }
        }
    });
}

#[test]
fn samlify_idp_initiated_response_is_accepted_as_unsolicited() {
    let Some(s) = samlify() else { return };
    s.rt.block_on(async {
        let mut sp = s.open.lock().await;
        sp.start_idp_initiated().unwrap();
        let b = Browser::new().unwrap();
        let page = b
            .get(&format!("{}/open/unsolicited?RelayState=%2Fapps", s.base))
            .await
            .unwrap();
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(
            form_action(&page.body).as_deref(),
            Some(sp.acs_url().as_str())
        );
        let xml = B64
            .decode(input_value(&page.body, "SAMLResponse").unwrap())
            .unwrap();
        assert!(!String::from_utf8(xml).unwrap().contains("InResponseTo"));
        submit_response_form(&b, &page).await;
        let got = sp.wait(Duration::from_secs(30)).await.unwrap();
        assert_genuine(
            &got.report,
            Flow::IdpInitiated,
            &format!("{}/open", s.base),
            "unsolicited",
        );
        assert_eq!(got.relay_state.as_deref(), Some("/apps"));
    });
}
