//! The test SP signs its AuthnRequests with its own key and sends them on either binding: a whole sign-in through a
//! demo IdP whose application requires signed requests passes on HTTP-Redirect and on HTTP-POST (the test SP's own
//! page posting the form), and its SP metadata carries the certificate the IdP checks them with.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ssopilot_peers::demo_idp::directory::{Directory, DEMO_PASSWORD};
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint::App;
use ssopilot_peers::demo_idp::server::{Server, State};
use ssopilot_peers::test_login::demo::{form_action, input_value, Browser};
use ssopilot_peers::test_login::key::SpKey;
use ssopilot_peers::test_login::{IdpConfig, RequestOptions, TestSp, START_PATH};
use ssopilot_saml::metadata::{self, Options};
use ssopilot_saml::request::RequestBinding;
use ssopilot_saml::values::{EntityId, IdpUrl};

use ssopilot_peers::test_login::demo::DEMO_USER as USER;

async fn sign_in(binding: RequestBinding, signed: bool) -> (u16, String) {
    let idp_key = IdpKey::generate_ephemeral().unwrap();
    let idp_cert = idp_key.cert_der().to_vec();
    let sp_key = Arc::new(SpKey::generate_ephemeral().unwrap());
    let state = State::new(Directory::demo().unwrap(), Vec::new(), idp_key).unwrap();
    let mut server = Server::bind("127.0.0.1:0".parse::<SocketAddr>().unwrap(), state)
        .await
        .unwrap();
    let sso = IdpUrl::parse(&format!("{}/sso", server.base_url()), "SSO").unwrap();
    let sp_id = EntityId::parse("urn:ssopilot:test-sp", "SP").unwrap();
    let mut sp = TestSp::bind_loopback(
        sp_id.clone(),
        IdpConfig {
            entity_id: server.entity_id().unwrap().clone(),
            sso_url: sso,
            certs: vec![idp_cert],
            require_signed_assertion: false,
            allow_sha1: false,
        },
    )
    .await
    .unwrap();
    sp.set_requests(RequestOptions {
        binding,
        signer: signed.then(|| Arc::clone(&sp_key)),
    });
    // The IdP is configured from the test SP's metadata, as an admin would import it.
    let md = metadata::parse(
        sp.sp_metadata().as_bytes(),
        &Options::default(),
        ssopilot_testkit::cert_support::now(),
    )
    .unwrap();
    assert_eq!(md.authn_requests_signed, Some(signed));
    let mut app = App::new(
        sp_id,
        sp.acs_url().clone(),
        server.entity_id().unwrap().clone(),
    );
    app.require_signed_requests = true;
    app.sp_certs = vec![sp_key.cert_der().to_vec()];
    assert_eq!(md.trusted_signing_ders().len(), usize::from(signed));
    server.add_app("signed", app, &["Engineering"]).unwrap();
    let idp_base = server.base_url().to_string();
    tokio::spawn(server.run());

    let attempt = sp.start().unwrap();
    assert_eq!((attempt.binding, attempt.signed), (binding, signed));
    let b = Browser::new().unwrap();
    let mut page = b.get(&attempt.url).await.unwrap();
    if binding == RequestBinding::Post {
        // The test SP's own page, which posts the request to the IdP.
        assert!(
            attempt.url.starts_with(&format!(
                "{}{START_PATH}/",
                sp.acs_url().as_str().trim_end_matches("/acs")
            )),
            "{}",
            attempt.url
        );
        assert_eq!(page.status, 200, "{}", page.body);
        let action = form_action(&page.body).unwrap();
        assert_eq!(action, format!("{idp_base}/sso"));
        let req = input_value(&page.body, "SAMLRequest").unwrap();
        page = b
            .post_form(&action, &[("SAMLRequest", &req)])
            .await
            .unwrap();
    }
    if page.status != 200 {
        return (page.status, page.body);
    }
    let token = input_value(&page.body, "token").unwrap();
    let posted = b
        .post_form(
            &format!("{idp_base}/login"),
            &[
                ("token", token.as_str()),
                ("email", USER),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await
        .unwrap();
    let acs = form_action(&posted.body).unwrap();
    let response = input_value(&posted.body, "SAMLResponse").unwrap();
    b.post_form(&acs, &[("SAMLResponse", &response)])
        .await
        .unwrap();
    let got = sp.wait(Duration::from_secs(30)).await.unwrap();
    assert!(got.report.valid(), "{:?}", got.report.failed());
    assert_eq!(
        got.report.message_ids().in_response_to.as_deref(),
        Some(attempt.request_id.as_str())
    );
    (200, String::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_pass_on_redirect() {
    assert_eq!(sign_in(RequestBinding::Redirect, true).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_pass_on_post_through_the_test_sps_own_page() {
    assert_eq!(sign_in(RequestBinding::Post, true).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_requests_are_refused_by_an_idp_that_requires_signed_ones() {
    for binding in [RequestBinding::Redirect, RequestBinding::Post] {
        let (status, body) = sign_in(binding, false).await;
        assert_eq!(status, 403, "{body}");
        assert!(body.contains("not signed"), "{body}");
    }
}

#[tokio::test]
async fn the_post_page_is_served_only_for_the_current_request() {
    let mut sp = TestSp::bind_loopback(
        EntityId::parse("urn:ssopilot:test-sp", "SP").unwrap(),
        IdpConfig {
            entity_id: EntityId::parse("https://idp.example.com", "IdP").unwrap(),
            sso_url: IdpUrl::parse("https://idp.example.com/sso", "SSO").unwrap(),
            certs: vec![vec![0x30]],
            require_signed_assertion: false,
            allow_sha1: false,
        },
    )
    .await
    .unwrap();
    sp.set_requests(RequestOptions {
        binding: RequestBinding::Post,
        signer: None,
    });
    let first = sp.start().unwrap();
    let second = sp.start().unwrap();
    let b = Browser::new().unwrap();
    let old = b.get(&first.url).await.unwrap();
    assert_eq!(old.status, 404, "{}", old.body);
    let current = b.get(&second.url).await.unwrap();
    assert_eq!(current.status, 200);
    assert_eq!(
        form_action(&current.body).as_deref(),
        Some("https://idp.example.com/sso")
    );
}

/// The test SP's key in the real Secret Service (scripts/with-keyring.sh): stored on first use, the same key and
/// certificate on the next load, a new one after deletion.
#[test]
fn the_test_sp_key_lives_in_the_real_keychain() {
    use ssopilot_peers::secrets::{SecretName, Secrets};
    if std::env::var("SSOPILOT_KEYRING_TEST").as_deref() != Ok("1") {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: test_login_signed::the_test_sp_key_lives_in_the_real_keychain needs the real Secret Service; run it with: scripts/with-keyring.sh cargo test -p ssopilot-peers --test it test_login_signed"
        );
        return;
    }
    let secrets = Secrets::os().unwrap_or_else(|e| {
        panic!("SSOPILOT_KEYRING_TEST=1 but the OS keychain is not usable: {e}")
    });
    let _ = secrets.delete(&SecretName::TestSpKey);
    let first = SpKey::load_or_create(&secrets).unwrap();
    let stored = secrets.get_bytes(&SecretName::TestSpKey).unwrap().unwrap();
    assert_eq!(stored.expose(), first.pkcs8());
    let second = SpKey::load_or_create(&secrets).unwrap();
    assert_eq!(first.cert_der(), second.cert_der());
    assert!(secrets.delete(&SecretName::TestSpKey).unwrap());
    let third = SpKey::load_or_create(&secrets).unwrap();
    assert_ne!(first.cert_der(), third.cert_der());
    secrets.delete(&SecretName::TestSpKey).expect("clean up");
}
