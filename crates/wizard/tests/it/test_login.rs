//! The loopback test SP over real HTTP: the demo IdP (in process, generated key) signs a user in through its login
//! form, the scripted browser posts the response to the test SP's ACS, and the report, evidence and export follow.
//! Bad input: garbage on the ACS, a response for another request, a replayed response, a taken port, a browser
//! that never comes back, a cancel, a non-loopback address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use ssopilot_peers::demo_idp::directory::{Directory, DEMO_PASSWORD};
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint::{self, App};
use ssopilot_peers::demo_idp::server::{Server, State};
use ssopilot_peers::secrets::SecretBytes;
use ssopilot_peers::test_login::demo::{self, form_action, input_value, Browser};
use ssopilot_peers::test_login::evidence::{Change, Evidence, TestedConfig};
use ssopilot_peers::test_login::{IdpConfig, TestLoginError, TestSp, DEFAULT_SP_ENTITY_ID};
use ssopilot_saml::response::{Replay, Rule};
use ssopilot_saml::values::{AcsUrl, EntityId, IdpUrl};
use ssopilot_wizard::test_login::export;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn key() -> IdpKey {
    static K: OnceLock<IdpKey> = OnceLock::new();
    let k = K.get_or_init(|| IdpKey::generate_ephemeral().expect("RSA key"));
    IdpKey::from_pkcs8(SecretBytes::new(k.pkcs8().to_vec())).expect("key copy")
}

/// A demo IdP paired with a fresh test SP (application "t", granted to Engineering), serving until dropped.
struct Pair {
    sp: TestSp,
    idp_base: String,
    app: App,
    cert: Vec<u8>,
    _idp: tokio::task::JoinHandle<()>,
}

async fn pair() -> Pair {
    let k = key();
    let cert = k.cert_der().to_vec();
    let state = State::new(Directory::demo().unwrap(), Vec::new(), k).unwrap();
    let mut server = Server::bind(SocketAddr::new(LOOPBACK, 0), state)
        .await
        .unwrap();
    let idp_base = server.base_url().to_string();
    let idp_id = server.entity_id().unwrap().clone();
    let sp = TestSp::bind(
        LOOPBACK,
        0,
        EntityId::parse(DEFAULT_SP_ENTITY_ID, "SP").unwrap(),
        IdpConfig {
            entity_id: idp_id.clone(),
            sso_url: IdpUrl::parse(&format!("{idp_base}/sso"), "SSO").unwrap(),
            certs: vec![cert.clone()],
            require_signed_assertion: true,
            allow_sha1: false,
        },
    )
    .await
    .unwrap();
    let app = App::new(sp.sp_entity_id().clone(), sp.acs_url().clone(), idp_id);
    server.add_app("t", app.clone(), &["Engineering"]).unwrap();
    Pair {
        sp,
        idp_base,
        app,
        cert,
        _idp: tokio::spawn(server.run()),
    }
}

/// Opens `url` at the IdP and signs in; returns (ACS URL, SAMLResponse) from the auto-post form.
async fn sign_in(b: &Browser, idp_base: &str, url: &str, email: &str) -> (String, String) {
    let form = b.get(url).await.unwrap();
    assert_eq!(form.status, 200, "{}", form.body);
    let token = input_value(&form.body, "token").expect("login form");
    let posted = b
        .post_form(
            &format!("{idp_base}/login"),
            &[
                ("token", &token),
                ("email", email),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await
        .unwrap();
    assert_eq!(posted.status, 200, "{}", posted.body);
    (
        form_action(&posted.body).expect("auto-post form"),
        input_value(&posted.body, "SAMLResponse").expect("SAMLResponse"),
    )
}

fn ada() -> ssopilot_peers::demo_idp::directory::User {
    Directory::demo()
        .unwrap()
        .user("ada.lovelace@example.com")
        .unwrap()
        .clone()
}

/// One request over a raw connection with exactly these headers; returns (status, body).
async fn raw(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let req = format!(
        "{method} {path} HTTP/1.1\r\n{extra}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (
        head.split(' ').nth(1).unwrap().parse().unwrap(),
        body.to_string(),
    )
}

/// `127.0.0.1:<port>` of the test SP.
fn sp_addr(p: &Pair) -> String {
    let url = p.sp.acs_url().url().unwrap();
    format!("127.0.0.1:{}", url.port().unwrap())
}

fn tested(p: &Pair) -> TestedConfig {
    TestedConfig {
        idp_entity_id: p.app.idp_entity_id.clone(),
        sp_entity_id: p.app.sp_entity_id.clone(),
        acs_url: p.app.acs_url.clone(),
        idp_certs: vec![p.cert.clone()],
        attribute_map: p.app.attributes.iter().cloned().collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_run_passes_and_its_evidence_pins_the_configuration() {
    let run = demo::run(key(), Duration::from_secs(20)).await.unwrap();
    assert!(run.report.valid(), "{:?}", run.report.failed());
    assert_eq!(run.report.name_id(), Some("ada.lovelace@example.com"));
    assert!(run.report.check(Rule::InResponseTo).is_some_and(|c| c.ok));
    assert!(run.report.check(Rule::Replay).is_some_and(|c| c.ok));
    let e = run.evidence.expect("evidence for a passing test");
    assert_eq!(e.user, "ada.lovelace@example.com");
    assert_eq!(e.sp_entity_id.as_str(), DEFAULT_SP_ENTITY_ID);
    // Stored and read back (the wizard keeps it as JSON), with no secret or signature material in it.
    let json = serde_json::to_string(&e).unwrap();
    assert!(!json.contains("PRIVATE") && !json.contains("BEGIN CERTIFICATE"));
    let back: Evidence = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
    // The exports name the verdict and the user, and carry no signature values.
    let html = export::html(&run.report, Some(&e), export::TEST_SP_KEY);
    let md = export::markdown(&run.report, Some(&e), export::TEST_SP_KEY);
    for text in [&html, &md] {
        assert!(text.contains("PASSED") && text.contains("ada.lovelace@example.com"));
        assert!(!text.contains("<ds:") && !text.contains("PRIVATE"));
        assert!(text.contains(&e.config_hash));
        // Times as people read them (the local time zone is UTC until `local_time::init`), never RFC 3339.
        assert!(
            text.contains(&ssopilot_wizard::local_time::human_time(
                e.time,
                time::UtcOffset::UTC
            )),
            "{text}"
        );
        let rfc3339 = first_rfc3339(text);
        assert!(
            rfc3339.is_none(),
            "an RFC 3339 time in an export: {rfc3339:?}"
        );
    }
}

/// The first RFC 3339 time (`2026-12-03T09:47:34`) in `text`, if any.
fn first_rfc3339(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(19)).find_map(|i| {
        let w = &b[i..i + 19];
        let shape = w.iter().enumerate().all(|(j, c)| match j {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
        shape.then(|| &text[i..i + 19])
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_is_invalidated_by_any_tested_change() {
    let mut p = pair().await;
    let b = Browser::new().unwrap();
    let at = p.sp.start().unwrap();
    let (acs, resp) = sign_in(&b, &p.idp_base, &at.url, "alan.turing@example.com").await;
    assert_eq!(acs, p.sp.acs_url().as_str());
    let page = b.post_form(&acs, &[("SAMLResponse", &resp)]).await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("go back to SSO Pilot"), "{}", page.body);
    let got = p.sp.wait(Duration::from_secs(10)).await.unwrap();
    let cfg = tested(&p);
    // When the evidence says it was recorded; no verdict reads it.
    let recorded_at = time::macros::datetime!(2031-03-14 12:00 UTC);
    let e = Evidence::from_report(&got.report, &cfg, recorded_at).unwrap();
    assert!(e.is_valid_for(&cfg));
    // Neither the evidence nor the exports carry the response's signature or digest values.
    let xml = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(resp.as_bytes())
            .unwrap(),
    )
    .unwrap();
    let between = |open: &str, close: &str| {
        let s = xml.find(open).unwrap() + open.len();
        xml[s..s + xml[s..].find(close).unwrap()].trim().to_string()
    };
    let sig = between("SignatureValue>", "</");
    let digest = between("DigestValue>", "</");
    assert!(sig.len() > 100 && digest.len() > 20);
    for text in [
        serde_json::to_string(&e).unwrap(),
        export::html(&got.report, Some(&e), export::TEST_SP_KEY),
        export::markdown(&got.report, Some(&e), export::TEST_SP_KEY),
    ] {
        assert!(
            !text.contains(&sig[..40]) && !text.contains(&digest),
            "{text}"
        );
    }
    assert!(e.changes(&cfg).is_empty());
    let other_cert = IdpKey::generate_ephemeral().unwrap().cert_der().to_vec();
    let mut changed = Vec::new();
    let mut c = cfg.clone();
    c.idp_certs = vec![other_cert];
    changed.push((c, Change::Certificate));
    let mut c = cfg.clone();
    c.idp_entity_id = EntityId::parse("https://idp.example.com/other", "x").unwrap();
    changed.push((c, Change::IdpEntityId));
    let mut c = cfg.clone();
    c.sp_entity_id = EntityId::parse("urn:other", "x").unwrap();
    changed.push((c, Change::SpEntityId));
    let mut c = cfg.clone();
    c.acs_url = AcsUrl::parse("http://127.0.0.1:1/acs", "x").unwrap();
    changed.push((c, Change::AcsUrl));
    let mut c = cfg.clone();
    c.attribute_map.insert("email".into(), "firstname".into());
    changed.push((c, Change::AttributeMap));
    for (c, what) in changed {
        assert!(!e.is_valid_for(&c), "{what:?}");
        assert_eq!(e.changes(&c), vec![what]);
    }
    // A failing report never becomes evidence (a report is failed only by the validator: here, on a document that
    // is not a response).
    let failed =
        ssopilot_saml::response::validate(b"<x/>", &ssopilot_testkit::response_support::policy());
    assert!(!failed.valid());
    assert!(Evidence::from_report(&failed, &cfg, recorded_at).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_other_requests_and_replays_are_refused() {
    let mut p = pair().await;
    let b = Browser::new().unwrap();
    let acs = p.sp.acs_url().to_string();
    // Before any test login: nothing to wait for.
    assert!(matches!(
        p.sp.wait(Duration::from_millis(10)).await,
        Err(TestLoginError::NotStarted)
    ));
    let at = p.sp.start().unwrap();
    // Garbage: clear pages, and the test keeps waiting.
    let r = b.post_form(&acs, &[("hello", "world")]).await.unwrap();
    assert_eq!(r.status, 400);
    assert!(r.body.contains("no SAMLResponse") && r.body.contains("still waiting"));
    let r = b
        .post_form(&acs, &[("SAMLResponse", "<b>not base64</b>")])
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Not a SAML response"), "{}", r.body);
    assert!(!r.body.contains("<b>not"), "{}", r.body);
    assert!(b.get(&format!("{acs}/../nothing")).await.unwrap().status == 404);
    assert!(matches!(
        p.sp.wait(Duration::from_millis(300)).await,
        Err(TestLoginError::Timeout { .. })
    ));
    // A response for another request (signed by the right IdP) is not the answer the test waits for: a clear
    // page, and the test keeps waiting (issue 18: a cross-site POST must not become the test result).
    let xml = mint::mint(
        &p.app,
        &ada(),
        Some("_another"),
        &key(),
        ssopilot_peers::clock::Clock::now(&ssopilot_peers::clock::SystemClock),
    )
    .unwrap();
    let r = b
        .post_form(&acs, &[("SAMLResponse", &mint::post_value(&xml))])
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("does not answer") && r.body.contains("still waiting"),
        "{}",
        r.body
    );
    assert!(matches!(
        p.sp.wait(Duration::from_millis(300)).await,
        Err(TestLoginError::Timeout { .. })
    ));
    // The real sign-in passes...
    let (_, resp) = sign_in(&b, &p.idp_base, &at.url, "ada.lovelace@example.com").await;
    let r = b
        .post_form(&acs, &[("SAMLResponse", &resp), ("RelayState", "rs")])
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let got = p.sp.wait(Duration::from_secs(5)).await.unwrap();
    assert!(got.report.valid(), "{:?}", got.report.failed());
    assert_eq!(got.relay_state.as_deref(), Some("rs"));
    // ...and the same response posted again is a replay.
    let r = b.post_form(&acs, &[("SAMLResponse", &resp)]).await.unwrap();
    assert_eq!(r.status, 409);
    assert!(r.body.contains("already received"), "{}", r.body);
    let got = p.sp.wait(Duration::from_secs(5)).await.unwrap();
    assert!(!got.report.valid());
    assert_eq!(got.report.failed(), vec!["replay"]);
    assert_eq!(got.report.replay(), Replay::Replayed);
    // A second, fresh response to the already answered request is refused too.
    let (_, again) = sign_in(&b, &p.idp_base, &at.url, "alan.turing@example.com").await;
    b.post_form(&acs, &[("SAMLResponse", &again)])
        .await
        .unwrap();
    let got = p.sp.wait(Duration::from_secs(5)).await.unwrap();
    assert_eq!(got.report.failed(), vec!["replay"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taken_ports_timeouts_cancels_and_other_addresses_have_clear_errors() {
    let mut p = pair().await;
    let port = p.sp.acs_url().url().unwrap().port().unwrap();
    let idp = p.sp.idp().clone();
    let sp_id = p.sp.sp_entity_id().clone();
    match TestSp::bind(LOOPBACK, port, sp_id.clone(), idp.clone()).await {
        Err(e @ TestLoginError::PortTaken { .. }) => {
            let msg = e.to_string();
            assert!(
                msg.contains(&port.to_string()) && msg.contains("already in use"),
                "{msg}"
            );
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("bound a taken port"),
    }
    match TestSp::bind("0.0.0.0".parse().unwrap(), 0, sp_id, idp).await {
        Err(e @ TestLoginError::NotLoopback(_)) => assert!(e.to_string().contains("loopback")),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("bound a non-loopback address"),
    }
    p.sp.start().unwrap();
    let e = p.sp.wait(Duration::from_millis(200)).await.unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains(p.sp.acs_url().as_str())
            && msg.contains(DEFAULT_SP_ENTITY_ID)
            && msg.contains("browser"),
        "{msg}"
    );
    let cancel = p.sp.cancel_handle();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        cancel.cancel();
    });
    assert!(matches!(
        p.sp.wait(Duration::from_secs(30)).await,
        Err(TestLoginError::Cancelled)
    ));
    // A new attempt clears the cancel.
    p.sp.start().unwrap();
    assert!(matches!(
        p.sp.wait(Duration::from_millis(100)).await,
        Err(TestLoginError::Timeout { .. })
    ));
}

/// DNS rebinding (issue 18): the test SP answers only requests addressed to its own loopback address and port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_not_addressed_to_the_test_sp_are_refused() {
    let mut p = pair().await;
    let addr = sp_addr(&p);
    let port = addr.rsplit(':').next().unwrap().to_string();
    p.sp.start().unwrap();
    for host in [
        addr.clone(),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, body) = raw(&addr, "GET", "/acs", &[("Host", &host)], "").await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    let xml = mint::mint(
        &p.app,
        &ada(),
        None,
        &key(),
        ssopilot_peers::clock::Clock::now(&ssopilot_peers::clock::SystemClock),
    )
    .unwrap();
    let form = format!(
        "SAMLResponse={}",
        url::form_urlencoded::byte_serialize(mint::post_value(&xml).as_bytes()).collect::<String>()
    );
    for host in [
        format!("rebind.evil.example:{port}"),
        "evil.example".to_string(),
    ] {
        let (status, body) = raw(&addr, "POST", "/acs", &[("Host", &host)], &form).await;
        assert_eq!(status, 421, "{host}: {body}");
        assert!(body.contains("only requests addressed to"), "{body}");
    }
    let (status, _) = raw(&addr, "GET", "/acs", &[], "").await;
    assert_eq!(status, 421);
    // Nothing reached the waiting test.
    assert!(matches!(
        p.sp.wait(Duration::from_millis(300)).await,
        Err(TestLoginError::Timeout { .. })
    ));
    assert!(p.sp.unexpected().is_empty());
}

/// Issue 18: a POST that does not answer the pending request (another request's response, an unsolicited one,
/// from any site) gets a clear page, is recorded with its Origin and Referer, and does not end the wait; the real
/// answer then does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_answer_to_the_pending_request_ends_the_wait() {
    let mut p = pair().await;
    let addr = sp_addr(&p);
    let at = p.sp.start().unwrap();
    let post = |xml: String| {
        format!(
            "SAMLResponse={}",
            url::form_urlencoded::byte_serialize(mint::post_value(&xml).as_bytes())
                .collect::<String>()
        )
    };
    let now = ssopilot_peers::clock::Clock::now(&ssopilot_peers::clock::SystemClock);
    let other = post(mint::mint(&p.app, &ada(), Some("_another"), &key(), now).unwrap());
    let (status, body) = raw(
        &addr,
        "POST",
        "/acs",
        &[
            ("Host", &addr),
            ("Origin", "https://attacker.example"),
            ("Referer", "https://attacker.example/page"),
        ],
        &other,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("does not answer")
            && body.contains("_another")
            && body.contains("https://attacker.example")
            && body.contains("still waiting"),
        "{body}"
    );
    let unsolicited = post(mint::mint(&p.app, &ada(), None, &key(), now).unwrap());
    let (status, body) = raw(&addr, "POST", "/acs", &[("Host", &addr)], &unsolicited).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unsolicited"), "{body}");
    assert!(matches!(
        p.sp.wait(Duration::from_millis(300)).await,
        Err(TestLoginError::Timeout { .. })
    ));
    let seen = p.sp.unexpected();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].origin.as_deref(), Some("https://attacker.example"));
    assert_eq!(
        seen[0].referer.as_deref(),
        Some("https://attacker.example/page")
    );
    assert!(seen[0].why.contains("_another"), "{}", seen[0].why);
    assert!(seen[1].origin.is_none() && seen[1].why.contains("unsolicited"));
    // The real answer still ends the wait, and passes.
    let b = Browser::new().unwrap();
    let (acs, resp) = sign_in(&b, &p.idp_base, &at.url, "ada.lovelace@example.com").await;
    let r = b.post_form(&acs, &[("SAMLResponse", &resp)]).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let got = p.sp.wait(Duration::from_secs(5)).await.unwrap();
    assert!(got.report.valid(), "{:?}", got.report.failed());
}

/// In IdP-initiated mode there is no request to answer: a response without InResponseTo is the result, and the
/// report and the page say plainly that it was unsolicited and where it was posted from; one that answers some
/// request the test SP never sent is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idp_initiated_mode_says_the_response_was_unsolicited() {
    let mut p = pair().await;
    let addr = sp_addr(&p);
    p.sp.start_idp_initiated().unwrap();
    let now = ssopilot_peers::clock::Clock::now(&ssopilot_peers::clock::SystemClock);
    let post = |xml: String| {
        format!(
            "SAMLResponse={}",
            url::form_urlencoded::byte_serialize(mint::post_value(&xml).as_bytes())
                .collect::<String>()
        )
    };
    let answering = post(mint::mint(&p.app, &ada(), Some("_someone"), &key(), now).unwrap());
    let (status, body) = raw(&addr, "POST", "/acs", &[("Host", &addr)], &answering).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("_someone") && body.contains("still waiting"),
        "{body}"
    );
    let idp_initiated = post(mint::mint(&p.app, &ada(), None, &key(), now).unwrap());
    let (status, body) = raw(
        &addr,
        "POST",
        "/acs",
        &[("Host", &addr), ("Origin", "http://127.0.0.1:1")],
        &idp_initiated,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("unsolicited"), "{body}");
    let got = p.sp.wait(Duration::from_secs(5)).await.unwrap();
    assert!(got.report.valid(), "{:?}", got.report.failed());
    let irt = got.report.check(Rule::InResponseTo).unwrap();
    assert!(
        irt.message.contains("unsolicited") && irt.message.contains("http://127.0.0.1:1"),
        "{}",
        irt.message
    );
    assert_eq!(p.sp.unexpected().len(), 1);
}

/// Issue 18: one client that sends half a body and stalls does not hold up the test SP: on the same
/// single-threaded runtime the command line uses, another browser completes the whole login meanwhile.
#[tokio::test(flavor = "current_thread")]
async fn a_stalled_client_does_not_block_a_login() {
    use tokio::io::AsyncWriteExt;
    let mut p = pair().await;
    let addr = sp_addr(&p);
    let at = p.sp.start().unwrap();
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(
            format!(
                "POST /acs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nSAMLResponse=PHNhbWxw"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // A second connection that sent nothing at all.
    let _silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let b = Browser::new().unwrap();
    let (acs, resp) = sign_in(&b, &p.idp_base, &at.url, "ada.lovelace@example.com").await;
    let r = b.post_form(&acs, &[("SAMLResponse", &resp)]).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let got = p.sp.wait(Duration::from_secs(5)).await.unwrap();
    assert!(got.report.valid(), "{:?}", got.report.failed());
    drop(stalled);
}
