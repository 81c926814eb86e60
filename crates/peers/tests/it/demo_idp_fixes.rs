//! The demo IdP behaves as SAML says where it did not: its application metadata says WantAuthnRequestsSigned="true"
//! when the application requires signed requests; an IsPassive request is answered with a NoPassive status, not a
//! login form (SAML core 3.4.1); a DEFLATE-compressed request on the POST binding is refused naming the cause.

use std::io::Write as _;
use std::net::SocketAddr;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ssopilot_peers::demo_idp::directory::Directory;
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint::App;
use ssopilot_peers::demo_idp::server::{Server, State};
use ssopilot_peers::test_login::demo::{form_action, input_value, Browser};
use ssopilot_saml::metadata::{self, Options};
use ssopilot_saml::request::{self, AuthnRequest};
use ssopilot_saml::response::{self, Expect, Policy};
use ssopilot_saml::values::{AcsUrl, EntityId, IdpUrl};

const SP: &str = "https://sp.example.com/fixes";
const ACS: &str = "https://sp.example.com/acs";

/// A demo IdP with application "open" (unsigned requests) and "signed" (requires them); base URL and IdP cert.
async fn idp() -> (String, EntityId, Vec<u8>) {
    let key = IdpKey::generate_ephemeral().unwrap();
    let cert = key.cert_der().to_vec();
    let state = State::new(Directory::demo().unwrap(), Vec::new(), key).unwrap();
    let mut server = Server::bind("127.0.0.1:0".parse::<SocketAddr>().unwrap(), state)
        .await
        .unwrap();
    let idp_id = server.entity_id().unwrap().clone();
    let app = |sp: &str| {
        App::new(
            EntityId::parse(sp, "SP").unwrap(),
            AcsUrl::parse(ACS, "ACS").unwrap(),
            idp_id.clone(),
        )
    };
    server.add_app("open", app(SP), &["Engineering"]).unwrap();
    let mut signed = app("https://sp.example.com/signed");
    signed.require_signed_requests = true;
    signed.sp_certs = vec![IdpKey::generate_ephemeral().unwrap().cert_der().to_vec()];
    server.add_app("signed", signed, &["Engineering"]).unwrap();
    let base = server.base_url().to_string();
    tokio::spawn(server.run());
    (base, idp_id, cert)
}

fn request_xml(id: &str, sso: &IdpUrl, passive: bool) -> String {
    AuthnRequest {
        id,
        issuer: &EntityId::parse(SP, "SP").unwrap(),
        acs_url: &AcsUrl::parse(ACS, "ACS").unwrap(),
        destination: sso,
        issue_instant: ssopilot_testkit::cert_support::now(),
        is_passive: passive,
    }
    .xml()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_metadata_says_whether_signed_requests_are_wanted() {
    let (base, _, _) = idp().await;
    let b = Browser::new().unwrap();
    for (path, want) in [
        ("/saml2/signed/metadata", Some(true)),
        ("/saml2/open/metadata", Some(false)),
        ("/metadata", Some(false)),
    ] {
        let page = b.get(&format!("{base}{path}")).await.unwrap();
        let md = metadata::parse(
            page.body.as_bytes(),
            &Options::default(),
            ssopilot_testkit::cert_support::now(),
        )
        .unwrap();
        assert_eq!(md.want_authn_requests_signed, want, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passive_request_is_answered_no_passive_not_with_a_form() {
    let (base, idp_id, cert) = idp().await;
    let sso = IdpUrl::parse(&format!("{base}/sso"), "SSO").unwrap();
    let b = Browser::new().unwrap();
    for passive in [true, false] {
        let url = request::redirect_url(
            &sso,
            &request_xml("_passive1", &sso, passive),
            Some("rs"),
            None,
        )
        .unwrap();
        let page = b.get(&url).await.unwrap();
        assert_eq!(page.status, 200, "{}", page.body);
        if !passive {
            assert!(page.body.contains("name=\"password\""), "{}", page.body);
            continue;
        }
        assert!(!page.body.contains("name=\"password\""), "{}", page.body);
        assert_eq!(form_action(&page.body).as_deref(), Some(ACS));
        assert_eq!(input_value(&page.body, "RelayState").as_deref(), Some("rs"));
        let value = input_value(&page.body, "SAMLResponse").unwrap();
        let xml = String::from_utf8(B64.decode(&value).unwrap()).unwrap();
        assert!(
            xml.contains("status:Responder\"><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:NoPassive\"/>"),
            "{xml}"
        );
        assert!(xml.contains("InResponseTo=\"_passive1\""), "{xml}");
        // Signed by the IdP (the whole Response), so an SP can trust the status; as a login it fails (no assertion).
        let doc = ssopilot_saml::xml::parse(&xml).unwrap();
        let sig = doc
            .children_named(doc.root(), ssopilot_saml::xmldsig::DS_NS, "Signature")
            .next()
            .unwrap();
        let v =
            ssopilot_saml::xmldsig::verify(&doc, sig, std::slice::from_ref(&cert), false).unwrap();
        assert_eq!(v.signed_element, doc.root());
        let mut policy = Policy::new(
            idp_id.clone(),
            vec![cert.clone()],
            EntityId::parse(SP, "SP").unwrap(),
            AcsUrl::parse(ACS, "ACS").unwrap(),
            ssopilot_testkit::cert_support::now(),
        );
        policy.expect = Expect::Request("_passive1".into());
        assert!(!response::validate(value.as_bytes(), &policy).valid());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deflated_request_on_the_post_binding_is_refused_naming_the_cause() {
    let (base, _, _) = idp().await;
    let sso = IdpUrl::parse(&format!("{base}/sso"), "SSO").unwrap();
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(request_xml("_deflated", &sso, false).as_bytes())
        .unwrap();
    let deflated = B64.encode(enc.finish().unwrap());
    let b = Browser::new().unwrap();
    let page = b
        .post_form(&format!("{base}/sso"), &[("SAMLRequest", &deflated)])
        .await
        .unwrap();
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(
        page.body.contains("DEFLATE-compressed") && page.body.contains("plain base64"),
        "{}",
        page.body
    );
    // Plain base64 on the same binding is read.
    let plain = B64.encode(request_xml("_plain", &sso, false));
    let page = b
        .post_form(&format!("{base}/sso"), &[("SAMLRequest", &plain)])
        .await
        .unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    // Garbage is still "not base64 of UTF-8 XML".
    let page = b
        .post_form(&format!("{base}/sso"), &[("SAMLRequest", "////")])
        .await
        .unwrap();
    assert!(
        page.body.contains("not base64 of UTF-8 XML"),
        "{}",
        page.body
    );
}
