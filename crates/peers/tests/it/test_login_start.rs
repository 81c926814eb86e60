//! The HTTP-POST binding's one-time start page, over real HTTP: the test SP's own (at an unguessable address, not the
//! request's ID) and the standalone one the wizard's login window opens. Each is served once, only to a GET
//! addressed to our own loopback name and port, never cached, and never to another site's script.

use std::time::Duration;

use ssopilot_peers::test_login::demo::{form_action, input_value};
use ssopilot_peers::test_login::start::StartPage;
use ssopilot_peers::test_login::{IdpConfig, RequestOptions, TestSp, START_PATH};
use ssopilot_saml::request::{self, PostForm, RequestBinding};
use ssopilot_saml::values::{EntityId, IdpUrl};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Reply {
    status: u16,
    head: String,
    body: String,
}

/// One raw HTTP/1.1 request to `url`'s port with exactly these headers (Host included when given).
async fn raw(method: &str, url: &str, headers: &[(&str, &str)]) -> Reply {
    let u = url::Url::parse(url).unwrap();
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", u.port().unwrap()))
        .await
        .unwrap();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let req = format!(
        "{method} {} HTTP/1.1\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n",
        u.path()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    Reply {
        status: head.split(' ').nth(1).unwrap().parse().unwrap(),
        head: head.to_string(),
        body: body.to_string(),
    }
}

fn host(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    format!("127.0.0.1:{}", u.port().unwrap())
}

/// Asks for the page as an attacker would, then as the browser does (once), then again.
async fn served_once(url: &str) -> Reply {
    let ours = host(url);
    // DNS rebinding: another name for our address.
    let r = raw("GET", url, &[("Host", "attacker.example:80")]).await;
    assert_eq!(r.status, 421, "{}", r.body);
    assert_eq!(raw("GET", url, &[]).await.status, 421, "no Host at all");
    // Another site's script, a POST: refused, the page still there.
    let r = raw(
        "GET",
        url,
        &[("Host", &ours), ("Origin", "https://evil.example")],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(raw("POST", url, &[("Host", &ours)]).await.status, 405);
    let page = raw("GET", url, &[("Host", &ours)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.head.contains("Cache-Control: no-store"),
        "{}",
        page.head
    );
    assert!(
        page.head.contains(&format!(
            "script-src {};",
            request::auto_submit_csp_source()
        )),
        "{}",
        page.head
    );
    assert!(
        page.head.contains("frame-ancestors 'none'"),
        "{}",
        page.head
    );
    let again = raw("GET", url, &[("Host", &ours)]).await;
    assert_eq!(again.status, 410, "{}", again.body);
    assert!(
        again.body.contains("Start the test login again"),
        "{}",
        again.body
    );
    page
}

#[tokio::test]
async fn the_test_sps_post_page_is_at_a_secret_address_and_served_once() {
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
    let attempt = sp.start().unwrap();
    // The address is not the request's ID (the IdP sees that one).
    assert!(
        !attempt.url.contains(&attempt.request_id),
        "{}",
        attempt.url
    );
    let base = sp.acs_url().as_str().trim_end_matches("/acs").to_string();
    let by_id = format!("{base}{START_PATH}/{}", attempt.request_id);
    assert_eq!(
        raw("GET", &by_id, &[("Host", &host(&base))]).await.status,
        404
    );
    let page = served_once(&attempt.url).await;
    assert_eq!(
        form_action(&page.body).as_deref(),
        Some("https://idp.example.com/sso")
    );
    assert!(input_value(&page.body, "SAMLRequest").is_some());
}

#[tokio::test]
async fn the_login_windows_start_page_posts_the_form_once_then_refuses() {
    let form = PostForm {
        action: "https://idp.example.com/sso?tenant=a&x=\"y\"".to_string(),
        saml_request: "PHNhbWxwOkF1dGhuUmVxdWVzdC8+".to_string(),
        relay_state: Some("state<1>".to_string()),
    };
    let start = StartPage::serve(&form, Duration::from_secs(60))
        .await
        .unwrap();
    let url = start.url().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        !format!("{start:?}").contains(&url),
        "the address stays out of logs"
    );
    let page = served_once(&url).await;
    assert_eq!(
        form_action(&page.body).as_deref(),
        Some("https://idp.example.com/sso?tenant=a&x=\"y\"")
    );
    assert_eq!(
        input_value(&page.body, "RelayState").as_deref(),
        Some("state<1>")
    );
    assert!(page.body.contains("Continue</button>"));
    // Anything else on that server: nothing.
    let other = format!("{}/acs", url.split(START_PATH).next().unwrap());
    assert_eq!(
        raw("GET", &other, &[("Host", &host(&url))]).await.status,
        404
    );
    // Dropped: the server stops.
    drop(start);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let port = url::Url::parse(&url).unwrap().port().unwrap();
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());
}

#[tokio::test]
async fn the_start_page_server_ends_with_its_lifetime() {
    let form = PostForm {
        action: "https://idp.example.com/sso".to_string(),
        saml_request: "eA==".to_string(),
        relay_state: None,
    };
    let start = StartPage::serve(&form, Duration::from_millis(100))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let port = url::Url::parse(start.url()).unwrap().port().unwrap();
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());
}
