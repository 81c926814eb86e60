//! Proxy settings from the environment: remote URLs go through the proxy, loopback URLs go direct.
//!
//! Its own test binary with a single test, because it sets process-wide environment variables.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ssopilot_peers::fetch::{fetch_metadata, FetchError, FetchOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::test]
async fn remote_urls_use_the_environment_proxy_and_loopback_goes_direct() {
    // A "proxy" that records the first line of every request and refuses it.
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = proxy.accept().await {
            let mut buf = vec![0u8; 4096];
            let n = s.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            log.lock()
                .unwrap()
                .push(head.lines().next().unwrap_or("").to_string());
            let _ = s
                .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    });
    // The metadata server itself.
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server_addr = server.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = server.accept().await {
            let mut buf = vec![0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n<md/>",
                )
                .await;
        }
    });

    let proxy_url = format!("http://{proxy_addr}");
    for var in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        std::env::set_var(var, &proxy_url);
    }
    std::env::remove_var("NO_PROXY");
    std::env::remove_var("no_proxy");

    let opts = FetchOptions {
        timeout: Duration::from_secs(5),
        ..FetchOptions::default()
    };
    // Loopback: direct, even though every proxy variable is set.
    let got = fetch_metadata(&format!("http://{server_addr}/metadata"), &opts)
        .await
        .unwrap();
    assert_eq!(got.body, b"<md/>");
    assert!(
        seen.lock().unwrap().is_empty(),
        "a loopback URL went through the proxy"
    );

    // Remote: through the proxy (a CONNECT tunnel; the name is resolved by the proxy, not here).
    let err = fetch_metadata("https://idp.example.test/saml2/metadata", &opts)
        .await
        .unwrap_err();
    assert_eq!(
        seen.lock().unwrap().first().map(String::as_str),
        Some("CONNECT idp.example.test:443 HTTP/1.1"),
        "the remote URL did not use the proxy"
    );
    assert!(
        matches!(&err, FetchError::Proxy { host, .. } if host == "idp.example.test"),
        "{err:?}"
    );
    assert!(err.to_string().contains("proxy"), "{err}");
}
