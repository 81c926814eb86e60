//! The demo IdP checks signed AuthnRequests when the application requires them, over real HTTP: HTTP-Redirect
//! (query signature, SAML bindings 3.4.4.1) and HTTP-POST (enveloped XML signature). Unsigned, wrongly signed,
//! SHA-1 signed and tampered requests each get a clear page; correctly signed ones reach the login form.

use std::io::Write as _;
use std::net::SocketAddr;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ssopilot_peers::demo_idp::directory::Directory;
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint::App;
use ssopilot_peers::demo_idp::server::{Server, State, RSA_SHA256_URI};
use ssopilot_peers::test_login::demo::Browser;
use ssopilot_saml::values::{AcsUrl, EntityId};
use ssopilot_saml::xmldsig::{sign_enveloped, SignatureAlgorithm};

const SP: &str = "https://sp.example.com/signed";
const ACS: &str = "https://sp.example.com/acs";
const RSA_SHA1_URI: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn authn_request(id: &str) -> String {
    format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\" AssertionConsumerServiceURL=\"{ACS}\"><saml:Issuer>{SP}</saml:Issuer></samlp:AuthnRequest>"
    )
}

fn deflated(xml: &str) -> String {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(xml.as_bytes()).unwrap();
    B64.encode(e.finish().unwrap())
}

/// `SAMLRequest=..&RelayState=..&SigAlg=..&Signature=..`, signed with `key` (RSA PKCS#1 v1.5 SHA-256).
fn signed_query(request: &str, relay: Option<&str>, alg: &str, key: &IdpKey) -> String {
    let mut q = format!("SAMLRequest={}", enc(request));
    if let Some(r) = relay {
        q.push_str(&format!("&RelayState={}", enc(r)));
    }
    q.push_str(&format!("&SigAlg={}", enc(alg)));
    let pair = ring::signature::RsaKeyPair::from_pkcs8(key.pkcs8()).unwrap();
    let mut sig = vec![0u8; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        q.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{q}&Signature={}", enc(&B64.encode(sig)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_requests_are_checked_when_required() {
    let idp_key = IdpKey::generate_ephemeral().unwrap();
    let sp_key = IdpKey::generate_ephemeral().unwrap();
    let stranger = IdpKey::generate_ephemeral().unwrap();
    let state = State::new(Directory::demo().unwrap(), Vec::new(), idp_key).unwrap();
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
    let base = server.base_url().to_string();
    tokio::spawn(server.run());
    let b = Browser::new().unwrap();
    let get = |q: String| {
        let b = &b;
        let url = format!("{base}/sso?{q}");
        async move { b.get(&url).await.unwrap() }
    };
    let refused = |page: &ssopilot_peers::test_login::demo::Fetched, says: &str| {
        assert_eq!(page.status, 403, "{}", page.body);
        assert!(
            page.body
                .contains("Unsigned or badly signed sign-in request")
                && page.body.contains(says),
            "{says}: {}",
            page.body
        );
    };
    let req = deflated(&authn_request("_r1"));
    // HTTP-Redirect.
    refused(
        &get(format!("SAMLRequest={}", enc(&req))).await,
        "not signed",
    );
    let ok = get(signed_query(&req, Some("state 1"), RSA_SHA256_URI, &sp_key)).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("name=\"password\""));
    refused(
        &get(signed_query(&req, None, RSA_SHA256_URI, &stranger)).await,
        "does not verify",
    );
    refused(
        &get(signed_query(&req, None, RSA_SHA1_URI, &sp_key)).await,
        "does not accept",
    );
    // A signature made for another request does not carry over.
    let other = signed_query(
        &deflated(&authn_request("_r2")),
        None,
        RSA_SHA256_URI,
        &sp_key,
    );
    let sig = other.split("&Signature=").nth(1).unwrap();
    let tampered = format!(
        "SAMLRequest={}&SigAlg={}&Signature={sig}",
        enc(&req),
        enc(RSA_SHA256_URI)
    );
    refused(&get(tampered).await, "does not verify");
    // HTTP-POST.
    let post = |xml: String| {
        let b = &b;
        let url = format!("{base}/sso");
        async move {
            b.post_form(&url, &[("SAMLRequest", &B64.encode(xml))])
                .await
                .unwrap()
        }
    };
    refused(&post(authn_request("_p1")).await, "not signed");
    let signed = sign_enveloped(
        &authn_request("_p2"),
        "_p2",
        sp_key.signing_key(),
        sp_key.cert_der(),
        SignatureAlgorithm::RsaSha256,
    )
    .unwrap();
    let ok = post(signed).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let forged = sign_enveloped(
        &authn_request("_p3"),
        "_p3",
        stranger.signing_key(),
        stranger.cert_der(),
        SignatureAlgorithm::RsaSha256,
    )
    .unwrap();
    refused(&post(forged).await, "does not verify");
}

#[test]
fn a_config_that_requires_signed_requests_needs_the_sp_certificate() {
    let idp = EntityId::parse("http://127.0.0.1:8740/metadata", "IdP").unwrap();
    let mut dir = Directory::demo().unwrap();
    let text = format!(
        "[[apps]]\nslug = \"s\"\nsp_entity_id = \"{SP}\"\nacs_url = \"{ACS}\"\nrequire_signed_requests = true\n"
    );
    let e = ssopilot_peers::demo_idp::config::parse(
        &text,
        &idp,
        &mut dir,
        ssopilot_testkit::cert_support::now(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("sp_certificate"), "{e}");
    let pem = IdpKey::generate_ephemeral().unwrap().cert_pem();
    let text = format!("{text}sp_certificate = \"\"\"\n{pem}\"\"\"\n");
    let apps = ssopilot_peers::demo_idp::config::parse(
        &text,
        &idp,
        &mut dir,
        ssopilot_testkit::cert_support::now(),
    )
    .unwrap();
    assert!(apps[0].1.require_signed_requests);
    assert_eq!(apps[0].1.sp_certs.len(), 1);
}

/// The attack of issue 18: a correctly signed HTTP-Redirect query with a second, unsigned SAMLRequest and an
/// attacker's RelayState appended. The signature was checked over the first copies while the IdP used the last
/// ones, so the unsigned request was answered and the attacker's RelayState forwarded. Any repeated SAML parameter
/// is now refused, whichever copy comes first and however its name is encoded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_saml_parameter_cannot_smuggle_an_unsigned_request_past_the_signature() {
    use ssopilot_peers::demo_idp::directory::DEMO_PASSWORD;
    use ssopilot_peers::test_login::demo::input_value;
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
    let base = server.base_url().to_string();
    tokio::spawn(server.run());
    let b = Browser::new().unwrap();

    let good = signed_query(
        &deflated(&authn_request("_good")),
        Some("state 1"),
        RSA_SHA256_URI,
        &sp_key,
    );
    let evil_request = enc(&deflated(&authn_request("_evil")));
    let evil_relay = enc("https://evil.example/phish");
    let (signed_part, signature) = good.split_once("&SigAlg=").unwrap();
    for (what, query) in [
        (
            "appended after the signature",
            format!("{good}&SAMLRequest={evil_request}&RelayState={evil_relay}"),
        ),
        (
            "put before the signed copies",
            format!("SAMLRequest={evil_request}&RelayState={evil_relay}&{good}"),
        ),
        (
            "with its name percent-encoded",
            format!("{good}&SAML%52equest={evil_request}&Relay%53tate={evil_relay}"),
        ),
        (
            "a second RelayState only",
            format!("{signed_part}&RelayState={evil_relay}&SigAlg={signature}"),
        ),
    ] {
        let page = b.get(&format!("{base}/sso?{query}")).await.unwrap();
        if page.status == 200 {
            // What the attack achieved before the fix: sign in and see what the auto-post form carries.
            let token = input_value(&page.body, "token").unwrap_or_default();
            let done = b
                .post_form(
                    &format!("{base}/login"),
                    &[
                        ("token", token.as_str()),
                        ("email", "ada.lovelace@example.com"),
                        ("password", DEMO_PASSWORD),
                    ],
                )
                .await
                .unwrap();
            panic!(
                "{what}: the smuggled request was answered; the response form forwards RelayState {:?}",
                input_value(&done.body, "RelayState")
            );
        }
        assert_eq!(page.status, 400, "{what}: {}", page.body);
        assert!(
            page.body.contains("appears more than once"),
            "{what}: {}",
            page.body
        );
    }
    // The HTTP-POST binding refuses a repeated parameter too.
    let signed = sign_enveloped(
        &authn_request("_p"),
        "_p",
        sp_key.signing_key(),
        sp_key.cert_der(),
        SignatureAlgorithm::RsaSha256,
    )
    .unwrap();
    let page = b
        .post_form(
            &format!("{base}/sso"),
            &[
                ("SAMLRequest", B64.encode(&signed).as_str()),
                ("RelayState", "ok"),
                ("RelayState", "https://evil.example/phish"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(
        page.body.contains("RelayState appears more than once"),
        "{}",
        page.body
    );
    // The signed query alone is still answered, and the sign-in carries its own RelayState.
    let page = b.get(&format!("{base}/sso?{good}")).await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let token = input_value(&page.body, "token").unwrap();
    let done = b
        .post_form(
            &format!("{base}/login"),
            &[
                ("token", token.as_str()),
                ("email", "ada.lovelace@example.com"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await
        .unwrap();
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(
        input_value(&done.body, "RelayState").as_deref(),
        Some("state 1")
    );
}
