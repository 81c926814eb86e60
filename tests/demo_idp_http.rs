//! The demo IdP over real HTTP on loopback: a hand-written client drives SP-initiated (deflated AuthnRequest over
//! HTTP-Redirect, and HTTP-POST) and IdP-initiated logins through the login form to the auto-post form; the
//! SAMLResponse it carries is accepted by python3-saml strict, xmlsec1 and our validator. Bad input gets clear pages.

mod demo_idp_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;

use base64::Engine as _;
use demo_idp_support::*;
use ssopilot::demo_idp::directory::{Directory, DEMO_PASSWORD};
use ssopilot::demo_idp::key::IdpKey;
use ssopilot::demo_idp::mint::{App, SignMode};
use ssopilot::demo_idp::server::{Server, ServerError, State};
use ssopilot::response::{validate, Policy};
use ssopilot::values::{AcsUrl, EntityId};
use time::OffsetDateTime;

const IDP: &str = "http://127.0.0.1:8740/metadata";
const MODES: [(SignMode, &str); 3] = [
    (SignMode::Assertion, "assertion"),
    (SignMode::Response, "response"),
    (SignMode::Both, "both"),
];

fn sp_for(slug: &str) -> String {
    format!("{SP}/{slug}")
}

/// The server, started once on a free port, with one application per signing mode, granted to Engineering.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let mut dir = Directory::demo().unwrap();
        let mut apps = Vec::new();
        for (mode, slug) in MODES {
            let mut app = App::new(
                EntityId::parse(&sp_for(slug), "SP Entity ID").unwrap(),
                AcsUrl::parse(ACS, "ACS URL").unwrap(),
                EntityId::parse(IDP, "IdP Entity ID").unwrap(),
            );
            app.sign = mode;
            dir.grant(slug, "Engineering").unwrap();
            apps.push((slug.to_string(), app));
        }
        let key = IdpKey::from_pkcs8(ssopilot::secrets::SecretBytes::new(key().pkcs8().to_vec()))
            .unwrap();
        let state = State::new(dir, apps, key).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let s = Server::bind("127.0.0.1:0".parse().unwrap(), state)
                    .await
                    .unwrap();
                let url = s.base_url().trim_start_matches("http://").to_string();
                tx.send(url.parse::<SocketAddr>().unwrap()).unwrap();
                s.run().await;
            });
        });
        rx.recv().unwrap()
    })
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

fn http(method: &str, target: &str, body: Option<&str>) -> Reply {
    let mut s = TcpStream::connect(server()).unwrap();
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out
        .split_once("\r\n\r\n")
        .expect("a complete HTTP response");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Reply {
        status,
        headers: head.to_string(),
        body: body.to_string(),
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of the hidden input `name` in a page.
fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page.get(start..)?.find('"')? + start;
    Some(unescape(page.get(start..end)?))
}

fn authn_request(id: &str, issuer: &str, acs: &str) -> String {
    format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"2.0\" IssueInstant=\"2026-11-25T12:00:00Z\" Destination=\"http://127.0.0.1/sso\" AssertionConsumerServiceURL=\"{acs}\" ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"><saml:Issuer>{issuer}</saml:Issuer></samlp:AuthnRequest>"
    )
}

fn deflated(xml: &str) -> String {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(xml.as_bytes()).unwrap();
    base64::engine::general_purpose::STANDARD.encode(e.finish().unwrap())
}

/// Logs in on a login-form page; returns the reply to the credentials.
fn sign_in(form_page: &Reply, email: &str, password: &str) -> Reply {
    assert_eq!(form_page.status, 200, "{}", form_page.body);
    let token = hidden(&form_page.body, "token").expect("a login form with a token");
    http(
        "POST",
        "/login",
        Some(&format!(
            "token={}&email={}&password={}",
            enc(&token),
            enc(email),
            enc(password)
        )),
    )
}

/// The SAMLResponse of an auto-post page, checking the form goes to the ACS URL.
fn posted_response(page: &Reply) -> String {
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!("action=\"{ACS}\"")),
        "{}",
        page.body
    );
    assert!(page
        .headers
        .contains("Content-Security-Policy: default-src 'none'"));
    hidden(&page.body, "SAMLResponse").expect("a SAMLResponse field")
}

fn ours(b64: &str, sp: &str, request_id: Option<&str>) -> ssopilot::response::Report {
    let mut p = Policy::new(
        EntityId::parse(IDP, "IdP Entity ID").unwrap(),
        vec![key().cert_der().to_vec()],
        EntityId::parse(sp, "SP Entity ID").unwrap(),
        AcsUrl::parse(ACS, "ACS URL").unwrap(),
        OffsetDateTime::now_utc(),
    );
    p.request_id = request_id.map(str::to_string);
    p.allow_idp_initiated = request_id.is_none();
    validate(b64.as_bytes(), &p)
}

#[test]
fn sp_and_idp_initiated_logins_over_http_satisfy_python3_saml_xmlsec1_and_ours() {
    for (mode, slug) in MODES {
        let sp = sp_for(slug);
        let req_id = format!("_req-{slug}-1");
        // SP-initiated, HTTP-Redirect with a deflated AuthnRequest and a RelayState.
        let q = deflated(&authn_request(&req_id, &sp, ACS));
        let page = http(
            "GET",
            &format!(
                "/sso?SAMLRequest={}&RelayState={}",
                enc(&q),
                enc("/dashboard?a=1&b=\"2\"")
            ),
            None,
        );
        let done = sign_in(&page, "Ada.Lovelace@Example.com", DEMO_PASSWORD);
        let sp_b64 = posted_response(&done);
        assert_eq!(
            hidden(&done.body, "RelayState").as_deref(),
            Some("/dashboard?a=1&b=\"2\"")
        );
        // SP-initiated, HTTP-POST (base64, not deflated).
        let post_id = format!("_req-{slug}-2");
        let xml = authn_request(&post_id, &sp, ACS);
        let b64 = base64::engine::general_purpose::STANDARD.encode(xml);
        let page = http("POST", "/sso", Some(&format!("SAMLRequest={}", enc(&b64))));
        let post_b64 = posted_response(&sign_in(&page, "alan.turing@example.com", DEMO_PASSWORD));
        // IdP-initiated.
        let page = http("GET", &format!("/saml2/{slug}"), None);
        let idp_b64 = posted_response(&sign_in(&page, "ada.lovelace@example.com", DEMO_PASSWORD));

        for (b64, rid) in [
            (&sp_b64, Some(req_id.as_str())),
            (&post_b64, Some(post_id.as_str())),
            (&idp_b64, None),
        ] {
            let report = ours(b64, &sp, rid);
            assert!(
                report.valid,
                "{slug} {rid:?}: ours failed {:?}",
                report.failed()
            );
            let xml = String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap(),
            )
            .unwrap();
            let xp = if mode == SignMode::Response {
                RESPONSE_SIG
            } else {
                ASSERTION_SIG
            };
            let (ok, err) = xmlsec_verify(&xml, key(), xp);
            assert!(ok, "{slug}: xmlsec1 refused: {err}");
            if mode == SignMode::Both {
                let (ok, err) = xmlsec_verify(&xml, key(), RESPONSE_SIG);
                assert!(ok, "{slug}: xmlsec1 refused the response signature: {err}");
            }
        }
        let case = |name: &str, b64: &str, rid: Option<&str>| PyCase {
            name: name.to_string(),
            b64: b64.to_string(),
            request_id: rid.map(str::to_string),
            want_assertions_signed: mode != SignMode::Response,
            want_messages_signed: mode != SignMode::Assertion,
        };
        let cases = vec![
            case("redirect", &sp_b64, Some(req_id.as_str())),
            case("post", &post_b64, Some(post_id.as_str())),
            case("idp-initiated", &idp_b64, None),
            case("redirect, other request", &sp_b64, Some("_someone-else")),
        ];
        for (name, valid, error, name_id) in python3_saml(&sp, ACS, IDP, key(), &cases) {
            if name.contains("other request") {
                assert!(
                    !valid,
                    "{slug} {name}: python3-saml accepted a wrong InResponseTo"
                );
            } else {
                assert!(valid, "{slug} {name}: python3-saml refused: {error}");
                assert!(
                    name_id.is_some_and(|n| n == n.to_lowercase()),
                    "{slug} {name}: email not lower-case"
                );
            }
        }
    }
}

#[test]
fn metadata_is_served_for_the_idp_and_each_application() {
    let r = http("GET", "/metadata", None);
    assert_eq!(r.status, 200);
    assert!(r.body.contains(&key().cert_base64()));
    assert!(r
        .body
        .contains(&format!("entityID=\"http://{}/metadata\"", server())));
    let r = http("GET", "/saml2/both/metadata", None);
    assert_eq!(r.status, 200);
    assert!(r.body.contains(&format!("entityID=\"{IDP}\"")));
    assert_eq!(http("GET", "/saml2/nope/metadata", None).status, 404);
}

#[test]
fn bad_input_gets_clear_pages() {
    let sp = sp_for("assertion");
    // Malformed AuthnRequests.
    for q in [
        "not base64!",
        "AAAA",
        &deflated("<notsaml/>"),
        &deflated("<a"),
    ] {
        let r = http("GET", &format!("/sso?SAMLRequest={}", enc(q)), None);
        assert_eq!(r.status, 400, "{q}: {}", r.body);
        assert!(r.body.contains("Malformed sign-in request"), "{}", r.body);
    }
    assert!(http("GET", "/sso", None).body.contains("no SAMLRequest"));
    // A compression bomb is refused by the inflate cap.
    let bomb = deflated(&format!("<a>{}</a>", " ".repeat(5_000_000)));
    let r = http("GET", &format!("/sso?SAMLRequest={}", enc(&bomb)), None);
    assert_eq!(r.status, 400, "{}", r.body);
    // An ACS URL that is not the application's.
    let q = deflated(&authn_request("_r1", &sp, "https://evil.example.com/acs"));
    let r = http("GET", &format!("/sso?SAMLRequest={}", enc(&q)), None);
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("Unknown ACS URL") && r.body.contains("evil.example.com"),
        "{}",
        r.body
    );
    // An SP nobody configured.
    let q = deflated(&authn_request("_r2", "https://stranger.example.com", ACS));
    let r = http("GET", &format!("/sso?SAMLRequest={}", enc(&q)), None);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("Unknown service provider"), "{}", r.body);
    // Unknown slug, with markup in it escaped.
    let r = http("GET", "/saml2/%3Cb%3E", None);
    assert_eq!(r.status, 404);
    assert!(r.body.contains("Unknown application"));
    // Wrong password: the form again, with the error.
    let page = http("GET", "/saml2/assertion", None);
    let r = sign_in(&page, "ada.lovelace@example.com", "wrong-password");
    assert_eq!(r.status, 401);
    assert!(r.body.contains("Wrong email or password") && r.body.contains("name=\"token\""));
    // Grace is in no granted group: not assigned.
    let page = http("GET", "/saml2/assertion", None);
    let r = sign_in(&page, "grace.hopper@example.com", DEMO_PASSWORD);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("not assigned"), "{}", r.body);
    // A forged or reused token.
    let r = http(
        "POST",
        "/login",
        Some("token=_forged&email=a%40b.c&password=x"),
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Start again"));
    // Markup in RelayState is escaped in the auto-post form.
    let q = deflated(&authn_request("_r3", &sp, ACS));
    let page = http(
        "GET",
        &format!(
            "/sso?SAMLRequest={}&RelayState={}",
            enc(&q),
            enc("\"><script>alert(1)</script>")
        ),
        None,
    );
    let r = sign_in(&page, "ada.lovelace@example.com", DEMO_PASSWORD);
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("<script>alert"), "{}", r.body);
    assert!(r.body.contains("&quot;&gt;&lt;script&gt;"));
}

#[test]
fn only_loopback_addresses_are_accepted() {
    let state = State::new(
        Directory::demo().unwrap(),
        Vec::new(),
        IdpKey::from_pkcs8(ssopilot::secrets::SecretBytes::new(key().pkcs8().to_vec())).unwrap(),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = rt
        .block_on(Server::bind("0.0.0.0:0".parse().unwrap(), state))
        .err()
        .expect("0.0.0.0 refused");
    assert!(matches!(err, ServerError::NotLoopback(_)));
    assert!(err.to_string().contains("loopback only"), "{err}");
}
