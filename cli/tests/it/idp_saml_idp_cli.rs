//! `ssopilot test-login` against npm saml-idp (the "Simple IdP for SAML 2.0" many SP developers run locally) acting
//! as the IdP: crates/testkit/js/saml_idp.js starts it on 127.0.0.1 through the package's own runServer, for the
//! test SP's entity ID and ACS URL. `--idp-metadata` takes its metadata (entity ID `urn:example:idp`, a URN, and
//! one SSO URL for both bindings); the SP-initiated login passes on HTTP-Redirect and HTTP-POST through its user page
//! (the "Sign in" form, which carries the request), and `--idp-initiated` takes the response its user page makes
//! without a request. The reports say the flow and the clock. saml-idp cannot require signed AuthnRequests (it calls
//! samlp.parseRequest without a signing certificate, so nothing is verified), so there is no signed-request case.
//! Skipped with a message when the package is not installed, except in CI.

use ssopilot_peers::test_login::demo::{Browser, Fetched};
use ssopilot_peers::test_login::DEFAULT_SP_ENTITY_ID;
use ssopilot_testkit::peer_support::{self, js_dir};
use ssopilot_testkit::response_support::write_idp_key_and_cert;

use crate::idp_foreign_cli::{assert_passing_json, finish, start};
use crate::test_login_cli::free_port;

const PACKAGE: &str = "saml-idp";
const USER: &str = "sam.lee@example.org";

/// The request saml-idp's user page carries to its sign-in form (`<input name="_authnRequest" type='hidden'
/// value='...'>`, its own quoting: base64 of JSON, whose `=` Handlebars writes `&#x3D;`), or `None` on the page it
/// shows without a request.
fn carried_request(page: &str) -> Option<String> {
    let marker = "name=\"_authnRequest\" type='hidden' value='";
    let start = page.find(marker)? + marker.len();
    let len = page[start..].find('\'')?;
    Some(page[start..start + len].replace("&#x3D;", "="))
}

/// The value of the attribute `attr` that follows `after` in saml-idp's pages (Handlebars escaping undone: base64's
/// `=` is written `&#x3D;`; the response form puts its attributes on lines of their own, which the shared helpers
/// of peer_support do not read).
fn attribute_after(page: &str, after: &str, attr: &str) -> Option<String> {
    let from = page.find(after)? + after.len();
    let marker = format!("{attr}=\"");
    let start = from + page[from..].find(&marker)? + marker.len();
    let len = page[start..].find('"')?;
    Some(
        page[start..start + len]
            .replace("&#x3D;", "=")
            .replace("&amp;", "&"),
    )
}

/// Posts saml-idp's response page (its "samlresponse" view: the form samlp would post) to where it points, as the
/// page's script does; returns where it went.
async fn post_response(b: &Browser, page: &Fetched) -> String {
    let to = attribute_after(&page.body, "name=\"hiddenform\"", "action")
        .unwrap_or_else(|| panic!("no response form: {}", page.body));
    let response = attribute_after(&page.body, "name=\"SAMLResponse\"", "value")
        .unwrap_or_else(|| panic!("no SAMLResponse: {}", page.body));
    let relay = attribute_after(&page.body, "name=\"RelayState\"", "value").unwrap_or_default();
    let acs = b
        .post_form(&to, &[("SAMLResponse", &response), ("RelayState", &relay)])
        .await
        .unwrap();
    assert_eq!(acs.status, 200, "{}", acs.body);
    to
}

/// What the admin does on saml-idp's user page: keep the request it carries, type the user name, press "Sign in".
async fn sign_in(b: &Browser, base: &str, page: &Fetched, solicited: bool) -> Fetched {
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("<form action=\"/signin\""),
        "not saml-idp's user page: {}",
        page.body
    );
    let request = carried_request(&page.body);
    assert_eq!(request.is_some(), solicited, "{}", page.body);
    let mut fields = vec![("userName", USER), ("email", USER)];
    if let Some(r) = &request {
        fields.push(("_authnRequest", r));
    }
    let answer = b
        .post_form(&format!("{base}/signin"), &fields)
        .await
        .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer
}

#[test]
fn test_login_against_npm_saml_idp_on_both_bindings_and_idp_initiated() {
    let test = "idp_saml_idp_cli";
    if !peer_support::node_package_or_skip(PACKAGE, test) {
        return;
    }
    let port = free_port().to_string();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = write_idp_key_and_cert(dir.path());
    let mut cmd = std::process::Command::new("node");
    cmd.arg(js_dir().join("saml_idp.js"))
        .args([&key, &cert])
        .args([&acs, DEFAULT_SP_ENTITY_ID]);
    let peer = peer_support::Peer::start(cmd, "npm saml-idp");
    let base = peer.field("base").to_string();
    let metadata = format!("{base}/metadata");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for binding in ["redirect", "post"] {
        let run = start(&[
            "--idp-metadata",
            &metadata,
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
                let sp_page = b.get(&run.first).await.unwrap();
                let action = ssopilot_peers::test_login::demo::form_action(&sp_page.body)
                    .expect("the test SP's form");
                assert_eq!(action, format!("{base}/saml/sso"));
                let request =
                    ssopilot_peers::test_login::demo::input_value(&sp_page.body, "SAMLRequest")
                        .expect("its SAMLRequest");
                b.post_form(&action, &[("SAMLRequest", &request)])
                    .await
                    .unwrap()
            } else {
                assert!(
                    run.first
                        .starts_with(&format!("{base}/saml/sso?SAMLRequest=")),
                    "{}",
                    run.first
                );
                b.get(&run.first).await.unwrap()
            };
            let answer = sign_in(&b, &base, &page, true).await;
            assert_eq!(post_response(&b, &answer).await, acs);
        });
        let (code, out, err) = finish(run);
        assert_eq!(code, 0, "{binding}: {out}\n{err}");
        let report = assert_passing_json(binding, &out, "sp_initiated", USER);
        // saml-idp's entity ID is a URN.
        assert_eq!(report["issuer"], "urn:example:idp", "{binding}: {out}");
        assert!(err.contains("unsigned"), "{binding}: {err}");
    }
    let run = start(&[
        "--idp-metadata",
        &metadata,
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
        let page = b.get(&format!("{base}/")).await.unwrap();
        let answer = sign_in(&b, &base, &page, false).await;
        assert_eq!(post_response(&b, &answer).await, acs);
    });
    let (code, out, err) = finish(run);
    assert_eq!(code, 0, "IdP-initiated: {out}\n{err}");
    let report = assert_passing_json("IdP-initiated", &out, "idp_initiated", USER);
    assert_eq!(report["issuer"], "urn:example:idp", "IdP-initiated: {out}");
}
