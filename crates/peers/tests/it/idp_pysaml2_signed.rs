//! Interop with a real IdP that requires signed AuthnRequests: pysaml2's Server (crates/testkit/py/
//! pysaml2_idp_http.py, `want_authn_requests_signed` with the test SP's certificate in its SP metadata). The test SP's
//! signed requests are answered on HTTP-Redirect (pysaml2 checks the query signature) and HTTP-POST (the enveloped
//! signature, through xmlsec1), and the responses pass our checks; unsigned requests, and requests signed by another
//! key, are refused with pysaml2's IncorrectlySigned. The same IdP then starts an IdP-initiated login (its
//! `/unsolicited` page): the test SP, waiting in IdP-initiated mode, accepts the unsolicited response and reports its
//! flow as IdP-initiated.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ssopilot_peers::test_login::demo::{form_action, input_value, Browser, Fetched};
use ssopilot_peers::test_login::key::SpKey;
use ssopilot_peers::test_login::{Attempt, IdpConfig, RequestOptions, TestSp};
use ssopilot_saml::request::RequestBinding;
use ssopilot_saml::response::Flow;
use ssopilot_saml::values::{EntityId, IdpUrl};

const SP: &str = "urn:ssopilot:test-sp:pysaml2";

struct PyIdp(Child);

impl Drop for PyIdp {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// Opens the attempt as a browser would (on HTTP-POST: the test SP's page, then its form posted to the IdP).
async fn open(b: &Browser, attempt: &Attempt) -> Fetched {
    let first = b.get(&attempt.url).await.unwrap();
    if attempt.binding == RequestBinding::Redirect {
        return first;
    }
    assert_eq!(first.status, 200, "{}", first.body);
    let action = form_action(&first.body).unwrap();
    let request = input_value(&first.body, "SAMLRequest").unwrap();
    b.post_form(&action, &[("SAMLRequest", &request)])
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pysaml2_wanting_signed_requests_answers_ours_on_both_bindings_and_refuses_others() {
    let key = Arc::new(SpKey::generate_ephemeral().unwrap());
    let stranger = Arc::new(SpKey::generate_ephemeral().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("sp.pem");
    std::fs::write(&cert, key.cert_pem()).unwrap();
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let mut child = Command::new(ssopilot_testkit::demo_idp_support::python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testkit/py/pysaml2_idp_http.py"
        ))
        .args([SP, acs.as_str()])
        .env("PYSAML2_SP_SIGNING_CERT", &cert)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python with pysaml2 (.venv): run scripts/setup.sh");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _idp = PyIdp(child);
    let v: serde_json::Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("the pysaml2 IdP did not start ({e}): {line:?}"));
    let pem = v["cert_pem"].as_str().unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let idp = IdpConfig {
        entity_id: EntityId::parse(v["entity_id"].as_str().unwrap(), "IdP").unwrap(),
        sso_url: IdpUrl::parse(v["sso_url"].as_str().unwrap(), "SSO").unwrap(),
        certs: vec![B64.decode(body).unwrap()],
        require_signed_assertion: true,
        allow_sha1: false,
    };
    let mut sp = TestSp::bind(
        Ipv4Addr::LOCALHOST.into(),
        port,
        EntityId::parse(SP, "SP").unwrap(),
        idp,
    )
    .await
    .unwrap();
    let b = Browser::new().unwrap();
    let issuer = v["entity_id"].as_str().unwrap();
    for binding in [RequestBinding::Redirect, RequestBinding::Post] {
        // Signed with the key pysaml2 knows: answered, and the response passes.
        sp.set_requests(RequestOptions {
            binding,
            signer: Some(Arc::clone(&key)),
        });
        let attempt = sp.start().unwrap();
        let page = open(&b, &attempt).await;
        assert_eq!(page.status, 200, "{binding:?}: {}", page.body);
        let to = form_action(&page.body).expect("pysaml2's response form");
        assert_eq!(to, acs);
        let response = input_value(&page.body, "SAMLResponse").unwrap();
        b.post_form(&to, &[("SAMLResponse", &response)])
            .await
            .unwrap();
        let got = sp.wait(Duration::from_secs(30)).await.unwrap();
        assert!(
            got.report.valid(),
            "{binding:?}: {:?}",
            got.report
                .checks()
                .iter()
                .filter(|c| !c.ok)
                .collect::<Vec<_>>()
        );
        assert_eq!(got.report.flow(), Some(Flow::SpInitiated), "{binding:?}");
        assert_eq!(got.report.issuer(), Some(issuer), "{binding:?}");
        assert!(got.report.signed().assertion, "{binding:?}");
        // Unsigned, or signed by a key pysaml2 does not know: refused, and it says so.
        for signer in [None, Some(Arc::clone(&stranger))] {
            let signed = signer.is_some();
            sp.set_requests(RequestOptions { binding, signer });
            let attempt = sp.start().unwrap();
            let page = open(&b, &attempt).await;
            assert_eq!(
                page.status, 400,
                "{binding:?} signed={signed}: {}",
                page.body
            );
            assert!(
                page.body.contains("IncorrectlySigned"),
                "{binding:?} signed={signed}: {}",
                page.body
            );
        }
    }
    // IdP-initiated: no AuthnRequest; pysaml2's unsolicited response (no InResponseTo) is the result.
    sp.start_idp_initiated().unwrap();
    let page = b
        .get(&format!(
            "{}/unsolicited?RelayState=dashboard",
            v["base"].as_str().unwrap()
        ))
        .await
        .unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(form_action(&page.body).as_deref(), Some(acs.as_str()));
    let response = input_value(&page.body, "SAMLResponse").unwrap();
    let xml = String::from_utf8(B64.decode(&response).unwrap()).unwrap();
    assert!(!xml.contains("InResponseTo"), "{xml}");
    b.post_form(
        &acs,
        &[("SAMLResponse", &response), ("RelayState", "dashboard")],
    )
    .await
    .unwrap();
    let got = sp.wait(Duration::from_secs(30)).await.unwrap();
    let r = &got.report;
    assert!(
        r.valid(),
        "{:?}",
        r.checks().iter().filter(|c| !c.ok).collect::<Vec<_>>()
    );
    assert_eq!(r.flow(), Some(Flow::IdpInitiated));
    assert_eq!(r.issuer(), Some(issuer));
    assert!(r.signed().assertion);
    assert_eq!(r.name_id(), Some("pat.doe@example.org"));
    assert_eq!(got.relay_state.as_deref(), Some("dashboard"));
}
