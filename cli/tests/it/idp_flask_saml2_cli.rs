//! `ssopilot test-login` against flask-saml2's IdP (PyPI flask-saml2 0.3.0, crates/testkit/py/flask_saml2_idp.py, in
//! its own virtual environment: scripts/packages/pip-flask-saml2.txt) on 127.0.0.1. HTTP-Redirect from its metadata
//! (which lists that binding only; the entity ID is the metadata URL, an http URL), HTTP-POST from its SSO URL
//! given by hand: both pass, with the flow and the clock in the report. The browser keeps the session cookie and
//! follows the redirect from /saml/login/ to /saml/login/process/, as flask-saml2 needs. It has no IdP-initiated
//! login and cannot require signed requests (see the script), so there are no such cases. Skipped with a message
//! when the virtual environment is missing, except in CI.

use std::process::Command;

use ssopilot_peers::test_login::demo::{form_action, input_value, loopback_client};
use ssopilot_peers::test_login::DEFAULT_SP_ENTITY_ID;
use ssopilot_testkit::peer_support::{self, py_dir};
use ssopilot_testkit::response_support::write_idp_key_and_cert;

use crate::idp_foreign_cli::{finish, start};
use crate::test_login_cli::free_port;

const USER: &str = "sam.lee@example.org";

/// A browser that keeps flask's session cookie and follows redirects itself.
struct SessionBrowser {
    client: reqwest::Client,
    cookies: Vec<String>,
}

struct Page {
    url: String,
    status: u16,
    body: String,
}

impl SessionBrowser {
    fn new() -> Self {
        Self {
            client: loopback_client().unwrap(),
            cookies: Vec::new(),
        }
    }

    /// Sends `req` for `url`, keeps the cookies it sets, and follows redirects (as GETs) to the page they end on.
    async fn send(&mut self, mut url: String, mut req: reqwest::RequestBuilder) -> Page {
        for _ in 0..5 {
            let r = req
                .header(reqwest::header::COOKIE, self.cookies.join("; "))
                .send()
                .await
                .unwrap();
            for c in r.headers().get_all(reqwest::header::SET_COOKIE) {
                let pair = c.to_str().unwrap().split(';').next().unwrap().to_string();
                let name = pair.split('=').next().unwrap_or_default().to_string();
                self.cookies.retain(|k| !k.starts_with(&format!("{name}=")));
                self.cookies.push(pair);
            }
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|l| l.to_str().unwrap().to_string());
            match location {
                Some(next) if (300..400).contains(&status) => {
                    url = reqwest::Url::parse(&url)
                        .unwrap()
                        .join(&next)
                        .unwrap()
                        .to_string();
                    req = self.client.get(&url);
                }
                _ => {
                    let body = r.text().await.unwrap();
                    return Page { url, status, body };
                }
            }
        }
        panic!("more than 5 redirects to {url}");
    }

    async fn get(&mut self, url: &str) -> Page {
        self.send(url.to_string(), self.client.get(url)).await
    }

    async fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Page {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let req = self
            .client
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        self.send(url.to_string(), req).await
    }
}

#[test]
fn test_login_against_flask_saml2_passes_on_both_bindings() {
    let test = "idp_flask_saml2_cli";
    let Some(python) = peer_support::flask_saml2_python_or_skip(test) else {
        return;
    };
    let port = free_port().to_string();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = write_idp_key_and_cert(dir.path());
    let mut cmd = Command::new(python);
    cmd.arg(py_dir().join("flask_saml2_idp.py"))
        .args([&key, &cert])
        .args([DEFAULT_SP_ENTITY_ID, &acs, USER]);
    let peer = peer_support::Peer::start(cmd, "flask-saml2's IdP");
    let base = peer.field("base").to_string();
    let entity_id = peer.field("entity_id").to_string();
    let sso = format!("{base}/saml/login/");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for binding in ["redirect", "post"] {
        let mut args = vec!["--binding", binding, "--port", &port, "--timeout", "60"];
        args.push("--json");
        let cert_path = cert.to_str().unwrap();
        if binding == "redirect" {
            args.extend(["--idp-metadata", &entity_id]);
        } else {
            // Its metadata lists HTTP-Redirect only; its SSO URL takes HTTP-POST too.
            args.extend([
                "--idp-sso-url",
                &sso,
                "--idp-cert",
                cert_path,
                "--idp-entity-id",
                &entity_id,
            ]);
        }
        let run = start(&args);
        rt.block_on(async {
            let mut b = SessionBrowser::new();
            let page = if binding == "post" {
                let sp_page = b.get(&run.first).await;
                let action = form_action(&sp_page.body).expect("the test SP's form");
                assert_eq!(action, sso);
                let request = input_value(&sp_page.body, "SAMLRequest").expect("its SAMLRequest");
                b.post(&action, &[("SAMLRequest", &request)]).await
            } else {
                assert!(
                    run.first.starts_with(&format!("{sso}?SAMLRequest=")),
                    "{}",
                    run.first
                );
                b.get(&run.first).await
            };
            // flask-saml2 kept the request in its session and answered on its processing page.
            assert_eq!(page.url, format!("{base}/saml/login/process/"), "{binding}");
            assert_eq!(page.status, 200, "{binding}: {}", page.body);
            let to = form_action(&page.body).expect("the response form");
            assert_eq!(to, acs);
            let response = input_value(&page.body, "SAMLResponse").expect("a SAMLResponse");
            let relay = input_value(&page.body, "RelayState").unwrap_or_default();
            let posted = b
                .post(&to, &[("RelayState", &relay), ("SAMLResponse", &response)])
                .await;
            assert_eq!(posted.status, 200, "{}", posted.body);
        });
        let (code, out, err) = finish(run);
        assert_eq!(code, 0, "{binding}: {out}\n{err}");
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{binding}: {e}: {out}"));
        assert_eq!(v["flow"], "sp_initiated", "{out}");
        let r = &v["report"];
        assert_eq!(r["valid"], true, "{binding}: {out}");
        assert_eq!(
            r["signed"],
            serde_json::json!({"response": true, "assertion": true}),
            "{binding}: {out}"
        );
        assert_eq!(r["name_id"], USER, "{binding}: {out}");
        assert_eq!(r["issuer"], entity_id.as_str(), "{binding}: {out}");
        assert!(
            r["clock"]["offset_seconds"].as_i64().unwrap().abs() <= 60,
            "{binding}: {out}"
        );
    }
}
