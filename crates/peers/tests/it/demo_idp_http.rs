//! The demo IdP over real HTTP on loopback: a hand-written client drives SP-initiated (deflated AuthnRequest over
//! HTTP-Redirect, and HTTP-POST) and IdP-initiated logins through the login form to the auto-post form; the
//! SAMLResponse it carries is accepted by python3-saml strict, xmlsec1 and our validator. Bad input gets clear pages.

use ssopilot_testkit::demo_idp_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;

use base64::Engine as _;
use demo_idp_support::*;
use ssopilot_peers::clock::{Clock as _, SystemClock};
use ssopilot_peers::demo_idp::directory::{Directory, DEMO_PASSWORD};
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint::{App, SignMode};
use ssopilot_peers::demo_idp::server::{Server, ServerError, State};
use ssopilot_saml::response::{validate, Policy};
use ssopilot_saml::values::{AcsUrl, EntityId};

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
        let key = IdpKey::from_pkcs8(ssopilot_peers::secrets::SecretBytes::new(
            key().pkcs8().to_vec(),
        ))
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
    http_with(method, target, &[("Host", "127.0.0.1")], body)
}

/// A request with exactly these extra headers (`Host` included, or left out).
fn http_with(method: &str, target: &str, headers: &[(&str, &str)], body: Option<&str>) -> Reply {
    let mut s = TcpStream::connect(server()).unwrap();
    let body = body.unwrap_or("");
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let req = format!(
        "{method} {target} HTTP/1.1\r\n{extra}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
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

fn ours(b64: &str, sp: &str, request_id: Option<&str>) -> ssopilot_saml::response::Report {
    let mut p = Policy::new(
        EntityId::parse(IDP, "IdP Entity ID").unwrap(),
        vec![key().cert_der().to_vec()],
        EntityId::parse(sp, "SP Entity ID").unwrap(),
        AcsUrl::parse(ACS, "ACS URL").unwrap(),
        SystemClock.now(),
    );
    p.expect =
        ssopilot_saml::response::Expect::request_or_idp_initiated(request_id.map(str::to_string));
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
                report.valid(),
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
        IdpKey::from_pkcs8(ssopilot_peers::secrets::SecretBytes::new(
            key().pkcs8().to_vec(),
        ))
        .unwrap(),
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

/// DNS rebinding (issue 18): a page whose name resolves to 127.0.0.1 reaches the demo IdP with its own name in
/// the Host header. Only requests addressed to the demo IdP's own loopback address and port are answered.
#[test]
fn only_requests_addressed_to_the_demo_idp_itself_are_answered() {
    let port = server().port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
        // No port: what a raw client may send; a browser always names a port other than 80.
        "127.0.0.1".to_string(),
    ] {
        let r = http_with("GET", "/metadata", &[("Host", &host)], None);
        assert_eq!(r.status, 200, "{host}: {}", r.body);
    }
    for host in [
        "rebind.evil.example".to_string(),
        format!("rebind.evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("localhost.:{port}"),
        format!("[::2]:{port}"),
        format!("127.0.0.1:{port}@evil.example"),
    ] {
        let r = http_with("GET", "/metadata", &[("Host", &host)], None);
        assert_eq!(r.status, 421, "{host}: {}", r.body);
        assert!(
            r.body.contains("only requests addressed to")
                && r.body.contains(&format!("127.0.0.1:{port}")),
            "{host}: {}",
            r.body
        );
        assert!(!r.body.contains("<md:"), "{host}: metadata served");
    }
    // No Host at all, and a login POST under a foreign name: refused too.
    assert_eq!(http_with("GET", "/metadata", &[], None).status, 421);
    let form = http("GET", "/saml2/assertion", None);
    let token = hidden(&form.body, "token").unwrap();
    let creds = format!(
        "token={}&email={}&password={}",
        enc(&token),
        enc("ada.lovelace@example.com"),
        enc(DEMO_PASSWORD)
    );
    let r = http_with(
        "POST",
        "/login",
        &[("Host", &format!("rebind.evil.example:{port}"))],
        Some(&creds),
    );
    assert_eq!(r.status, 421, "{}", r.body);
    assert!(!r.body.contains("SAMLResponse"));
}

/// The login form is posted only from the demo IdP's own page: a foreign Origin is refused before the
/// credentials are looked at, and the pages ask the browser to send their origin on their own forms.
#[test]
fn a_login_posted_from_another_origin_is_refused() {
    let port = server().port();
    let form = http("GET", "/saml2/assertion", None);
    assert!(
        form.headers.contains("Referrer-Policy: same-origin"),
        "{}",
        form.headers
    );
    let token = hidden(&form.body, "token").unwrap();
    let creds = format!(
        "token={}&email={}&password={}",
        enc(&token),
        enc("ada.lovelace@example.com"),
        enc(DEMO_PASSWORD)
    );
    for origin in [
        "https://evil.example".to_string(),
        "null".to_string(),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        format!("http://rebind.evil.example:{port}"),
    ] {
        let r = http_with(
            "POST",
            "/login",
            &[("Host", "127.0.0.1"), ("Origin", &origin)],
            Some(&creds),
        );
        assert_eq!(r.status, 403, "{origin}: {}", r.body);
        assert!(
            r.body.contains("another site") && !r.body.contains("SAMLResponse"),
            "{origin}: {}",
            r.body
        );
    }
    // The refused posts did not use the form up: from our own origin it signs in.
    let r = http_with(
        "POST",
        "/login",
        &[
            ("Host", &format!("localhost:{port}")),
            ("Origin", &format!("http://localhost:{port}")),
        ],
        Some(&creds),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(hidden(&r.body, "SAMLResponse").is_some());
}

/// Each login form carries its own random token, and a form shown again (wrong password) gets a new one: the old
/// token no longer signs in.
#[test]
fn each_login_form_carries_its_own_token() {
    let a = hidden(&http("GET", "/saml2/assertion", None).body, "token").unwrap();
    let b = hidden(&http("GET", "/saml2/assertion", None).body, "token").unwrap();
    assert_ne!(a, b);
    assert!(a.len() >= 32, "{a}");
    let first = http("GET", "/saml2/assertion", None);
    let old = hidden(&first.body, "token").unwrap();
    let again = sign_in(&first, "ada.lovelace@example.com", "wrong-password");
    assert_eq!(again.status, 401);
    let new = hidden(&again.body, "token").unwrap();
    assert_ne!(new, old, "the form shown again has a new token");
    let stale = Reply {
        status: 200,
        headers: String::new(),
        body: format!("<input type=\"hidden\" name=\"token\" value=\"{old}\">"),
    };
    let r = sign_in(&stale, "ada.lovelace@example.com", DEMO_PASSWORD);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("Start again"));
    let r = sign_in(&again_ok(&again), "ada.lovelace@example.com", DEMO_PASSWORD);
    assert_eq!(r.status, 200, "{}", r.body);
}

/// The form page shown again after a wrong password, as a page `sign_in` accepts (it expects status 200).
fn again_ok(r: &Reply) -> Reply {
    Reply {
        status: 200,
        headers: r.headers.clone(),
        body: r.body.clone(),
    }
}
