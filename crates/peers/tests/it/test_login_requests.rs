//! Our own AuthnRequests (ssopilot_saml::request), signed and unsigned on both bindings, against a demo IdP whose
//! application requires signed requests, over real HTTP; and the POST binding's signature against xmlsec1.

use std::net::SocketAddr;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ssopilot_peers::demo_idp::directory::Directory;
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint::App;
use ssopilot_peers::demo_idp::server::{Server, State};
use ssopilot_peers::test_login::demo::{Browser, Fetched};
use ssopilot_saml::request::{self, AuthnRequest, RequestSigner};
use ssopilot_saml::values::{AcsUrl, EntityId, IdpUrl};

const SP: &str = "urn:ssopilot:test-sp";
const ACS: &str = "http://127.0.0.1:9/acs";

fn request(id: &str, sso: &IdpUrl) -> String {
    AuthnRequest {
        id,
        issuer: &EntityId::parse(SP, "SP").unwrap(),
        acs_url: &AcsUrl::parse(ACS, "ACS").unwrap(),
        destination: sso,
        issue_instant: ssopilot_testkit::cert_support::now(),
        is_passive: false,
    }
    .xml()
    .unwrap()
}

fn accepted(page: &Fetched) {
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("name=\"password\""), "{}", page.body);
}

fn refused(page: &Fetched) {
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("not signed"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_signed_requests_pass_a_demo_idp_that_requires_them_on_both_bindings() {
    let sp_key = IdpKey::generate_ephemeral().unwrap();
    let state = State::new(
        Directory::demo().unwrap(),
        Vec::new(),
        IdpKey::generate_ephemeral().unwrap(),
    )
    .unwrap();
    let mut server = Server::bind("127.0.0.1:0".parse::<SocketAddr>().unwrap(), state)
        .await
        .unwrap();
    let mut app = App::new(
        EntityId::parse(SP, "SP").unwrap(),
        AcsUrl::parse(ACS, "ACS").unwrap(),
        server.entity_id().unwrap().clone(),
    );
    app.require_signed_requests = true;
    app.sp_certs = vec![sp_key.cert_der().to_vec()];
    server.add_app("signed", app, &["Engineering"]).unwrap();
    let sso = IdpUrl::parse(&format!("{}/sso", server.base_url()), "SSO").unwrap();
    tokio::spawn(server.run());
    let b = Browser::new().unwrap();
    let signer = RequestSigner {
        key: sp_key.signing_key(),
        cert_der: sp_key.cert_der(),
    };

    // HTTP-Redirect: signed over the query string, with and without RelayState.
    for relay in [None, Some("back to /home?a=1 b")] {
        let url = request::redirect_url(&sso, &request("_r1", &sso), relay, Some(signer)).unwrap();
        accepted(&b.get(&url).await.unwrap());
    }
    let unsigned = request::redirect_url(&sso, &request("_r2", &sso), None, None).unwrap();
    refused(&b.get(&unsigned).await.unwrap());

    // HTTP-POST: the form the test SP's page submits.
    let post = |form: request::PostForm| {
        let b = &b;
        async move {
            let mut fields = vec![("SAMLRequest", form.saml_request.clone())];
            if let Some(r) = &form.relay_state {
                fields.push(("RelayState", r.clone()));
            }
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            b.post_form(&form.action, &fields).await.unwrap()
        }
    };
    let form = request::post_form(&sso, &request("_p1", &sso), Some("rs"), Some(signer)).unwrap();
    accepted(&post(form.clone()).await);
    refused(&post(request::post_form(&sso, &request("_p2", &sso), None, None).unwrap()).await);

    // xmlsec1 verifies the same enveloped signature with the SP's certificate, and not with another.
    let xml = String::from_utf8(B64.decode(&form.saml_request).unwrap()).unwrap();
    let (ok, err) =
        ssopilot_testkit::demo_idp_support::xmlsec_verify_authn_request(&xml, &sp_key.cert_pem());
    assert!(ok, "xmlsec1 refused our signed AuthnRequest: {err}");
    let stranger = IdpKey::generate_ephemeral().unwrap();
    let (ok, _) =
        ssopilot_testkit::demo_idp_support::xmlsec_verify_authn_request(&xml, &stranger.cert_pem());
    assert!(!ok, "xmlsec1 must not verify with another certificate");
}
