//! The metadata fetcher against real servers on 127.0.0.1: a tiny hand-written HTTP/1.1 server (so each test
//! controls exactly what goes on the wire: redirects, dribbling bytes, endless chunked bodies) and a TLS server
//! (tokio-rustls) with certificates made by rcgen in the test.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ssopilot_peers::fetch::{fetch_metadata, fetch_metadata_blocking, FetchError, FetchOptions};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};

const METADATA: &str = r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.test"/>"#;

/// What the server does for one request path.
enum Reply {
    /// A complete response.
    Full {
        status: &'static str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Headers (with a Content-Length it never honours), then one byte every `every`, forever.
    Dribble { every: Duration },
    /// Never answers at all.
    Silent,
    /// A chunked body of `total` bytes with no Content-Length; counts what it managed to write.
    Chunked {
        total: usize,
        written: Arc<AtomicUsize>,
    },
}

fn ok(ct: &str, body: &[u8]) -> Reply {
    Reply::Full {
        status: "200 OK",
        headers: vec![("Content-Type".into(), ct.into())],
        body: body.to_vec(),
    }
}

fn redirect(to: &str) -> Reply {
    Reply::Full {
        status: "302 Found",
        headers: vec![("Location".into(), to.into())],
        body: Vec::new(),
    }
}

/// Reads the request head (bounded) and returns the request path.
async fn read_path<S: AsyncRead + Unpin>(s: &mut S) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() > 16 * 1024 || s.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf);
    head.split_whitespace().nth(1).map(str::to_string)
}

async fn respond<S: AsyncWrite + Unpin>(s: &mut S, reply: Reply) {
    match reply {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(&body).await;
            let _ = s.shutdown().await;
        }
        Reply::Dribble { every } => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: application/xml\r\n\r\n")
                .await;
            loop {
                if s.write_all(b"<").await.is_err() || s.flush().await.is_err() {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }
        Reply::Silent => tokio::time::sleep(Duration::from_secs(60)).await,
        Reply::Chunked { total, written } => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/xml\r\n\r\n")
                .await;
            let chunk = vec![b'x'; 16 * 1024];
            let mut sent = 0;
            while sent < total {
                let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
                frame.extend_from_slice(&chunk);
                frame.extend_from_slice(b"\r\n");
                if s.write_all(&frame).await.is_err() {
                    return;
                }
                sent += chunk.len();
                written.store(sent, Ordering::SeqCst);
            }
            let _ = s.write_all(b"0\r\n\r\n").await;
        }
    }
}

/// A plain-HTTP server on 127.0.0.1 with a small send buffer, so the bytes it manages to write track what the
/// client really reads.
async fn http_server<F>(route: F) -> SocketAddr
where
    F: Fn(&str) -> Reply + Send + Sync + 'static,
{
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_send_buffer_size(16 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(64).unwrap();
    let addr = listener.local_addr().unwrap();
    let route = Arc::new(route);
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let route = route.clone();
            tokio::spawn(async move {
                if let Some(path) = read_path(&mut s).await {
                    respond(&mut s, route(&path)).await;
                }
            });
        }
    });
    addr
}

fn quick() -> FetchOptions {
    FetchOptions {
        timeout: Duration::from_secs(5),
        ..FetchOptions::default()
    }
}

#[tokio::test]
async fn fetches_a_document_with_its_content_type() {
    let addr = http_server(|p| match p {
        "/metadata" => ok("application/samlmetadata+xml", METADATA.as_bytes()),
        _ => Reply::Full {
            status: "404 Not Found",
            headers: vec![],
            body: vec![],
        },
    })
    .await;
    let url = format!("http://{addr}/metadata");
    let got = fetch_metadata(&url, &quick()).await.unwrap();
    assert_eq!(got.body, METADATA.as_bytes());
    assert_eq!(
        got.content_type.as_deref(),
        Some("application/samlmetadata+xml")
    );
    assert_eq!(got.final_url.as_str(), url);
}

#[tokio::test]
async fn follows_five_redirects_and_reports_where_it_ended() {
    let addr = http_server(|p| {
        if let Some(n) = p.strip_prefix("/r/") {
            let n: usize = n.parse().unwrap();
            if n < 5 {
                return redirect(&format!("/r/{}", n + 1));
            }
            return redirect("/final");
        }
        ok("text/xml", METADATA.as_bytes())
    })
    .await;
    // /r/1 -> /r/2 -> /r/3 -> /r/4 -> /r/5 -> /final: exactly five redirects.
    let got = fetch_metadata(&format!("http://{addr}/r/1"), &quick())
        .await
        .unwrap();
    assert_eq!(got.final_url.path(), "/final");
    assert_eq!(got.body, METADATA.as_bytes());
}

#[tokio::test]
async fn a_sixth_redirect_is_refused() {
    let addr = http_server(|p| {
        if let Some(n) = p.strip_prefix("/r/") {
            let n: usize = n.parse().unwrap();
            return redirect(&format!("/r/{}", n + 1));
        }
        ok("text/xml", METADATA.as_bytes())
    })
    .await;
    let err = fetch_metadata(&format!("http://{addr}/r/1"), &quick())
        .await
        .unwrap_err();
    match &err {
        FetchError::TooManyRedirects { max, url } => {
            assert_eq!(*max, 5);
            assert!(url.ends_with("/r/7"), "{url}");
        }
        other => panic!("expected TooManyRedirects, got {other:?}"),
    }
    assert!(
        err.to_string().starts_with("more than 5 redirects"),
        "{err}"
    );
}

#[tokio::test]
async fn a_redirect_loop_is_named_as_such() {
    let addr = http_server(|p| match p {
        "/a" => redirect("/b"),
        _ => redirect("/a"),
    })
    .await;
    let err = fetch_metadata(&format!("http://{addr}/a"), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FetchError::RedirectLoop { url } if url.ends_with("/a")),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("redirect loop"), "{err}");
}

#[tokio::test]
async fn a_redirect_to_plain_http_elsewhere_is_refused_before_connecting() {
    // 192.0.2.1 (TEST-NET-1) is unroutable: following the redirect would hang until the timeout.
    let addr = http_server(|_| redirect("http://192.0.2.1/metadata")).await;
    let started = Instant::now();
    let err = fetch_metadata(&format!("http://{addr}/x"), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FetchError::UnsafeRedirect { to, .. } if to == "http://192.0.2.1/metadata"),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_server_that_dribbles_is_too_slow() {
    let addr = http_server(|_| Reply::Dribble {
        every: Duration::from_millis(50),
    })
    .await;
    let opts = FetchOptions {
        timeout: Duration::from_millis(600),
        ..FetchOptions::default()
    };
    let started = Instant::now();
    let err = fetch_metadata(&format!("http://{addr}/slow"), &opts)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooSlow { .. }), "{err:?}");
    // The timeout covers the body, not just the headers: it fired on time although bytes kept coming.
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(err.to_string().starts_with("no complete answer within"));
}

#[tokio::test]
async fn a_server_that_never_answers_is_too_slow() {
    let addr = http_server(|_| Reply::Silent).await;
    let opts = FetchOptions {
        timeout: Duration::from_millis(400),
        ..FetchOptions::default()
    };
    let started = Instant::now();
    let err = fetch_metadata(&format!("http://{addr}/"), &opts)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooSlow { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn the_default_timeout_is_ten_seconds() {
    assert_eq!(FetchOptions::default().timeout, Duration::from_secs(10));
    assert_eq!(
        ssopilot_peers::fetch::DEFAULT_TIMEOUT,
        Duration::from_secs(10)
    );
}

#[tokio::test]
async fn an_announced_oversize_body_is_refused_without_reading_it() {
    let big = vec![b'x'; 2 * 1024 * 1024];
    let addr = http_server(move |_| ok("application/xml", &big)).await;
    let err = fetch_metadata(&format!("http://{addr}/big"), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { max } if max == 1024 * 1024),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_endless_chunked_body_is_cut_near_the_cap() {
    let written = Arc::new(AtomicUsize::new(0));
    let w = written.clone();
    let total = 64 * 1024 * 1024;
    let addr = http_server(move |_| Reply::Chunked {
        total,
        written: w.clone(),
    })
    .await;
    let err = fetch_metadata(&format!("http://{addr}/endless"), &quick())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err:?}");
    // Give the server a moment to notice the closed connection, then check how much it could push: the cap
    // (1 MiB) plus what the socket buffers hold (about 1.1-1.7 MiB measured here), far from the 64 MiB on offer.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = written.load(Ordering::SeqCst);
    eprintln!("the server managed to write {sent} bytes of the endless body");
    assert!(
        sent >= 1024 * 1024,
        "the client stopped before the cap: {sent}"
    );
    assert!(
        sent < 4 * 1024 * 1024,
        "the client kept reading past the cap: the server wrote {sent} bytes"
    );
}

#[tokio::test]
async fn the_cap_is_exact_with_and_without_content_length() {
    let opts = FetchOptions {
        max_body: 1000,
        ..quick()
    };
    let addr = http_server(|p| {
        let n: usize = p.trim_start_matches('/').parse().unwrap_or(0);
        // "/N": N bytes with a Content-Length; "/100000+N": N bytes chunked, without one (in 16 KiB chunks).
        if n >= 100_000 {
            return Reply::Chunked {
                total: n - 100_000,
                written: Arc::new(AtomicUsize::new(0)),
            };
        }
        ok("application/xml", &vec![b'a'; n])
    })
    .await;
    let at = fetch_metadata(&format!("http://{addr}/1000"), &opts)
        .await
        .unwrap();
    assert_eq!(at.body.len(), 1000);
    let over = fetch_metadata(&format!("http://{addr}/1001"), &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(over, FetchError::TooLarge { max: 1000 }),
        "{over:?}"
    );
    // One 16 KiB chunk, no Content-Length: refused while streaming.
    let chunked = fetch_metadata(&format!("http://{addr}/{}", 100_000 + 16 * 1024), &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(chunked, FetchError::TooLarge { max: 1000 }),
        "{chunked:?}"
    );
    // The same stream under a larger cap is accepted whole.
    let roomy = FetchOptions {
        max_body: 16 * 1024,
        ..quick()
    };
    let got = fetch_metadata(&format!("http://{addr}/{}", 100_000 + 16 * 1024), &roomy)
        .await
        .unwrap();
    assert_eq!(got.body.len(), 16 * 1024);
}

#[tokio::test]
async fn a_404_says_so() {
    let addr = http_server(|_| Reply::Full {
        status: "404 Not Found",
        headers: vec![],
        body: b"nothing here".to_vec(),
    })
    .await;
    let err = fetch_metadata(&format!("http://{addr}/saml2/metadata"), &quick())
        .await
        .unwrap_err();
    match &err {
        FetchError::HttpStatus { code, reason, url } => {
            assert_eq!(*code, 404);
            assert_eq!(reason, "Not Found");
            assert!(url.ends_with("/saml2/metadata"));
        }
        other => panic!("expected HttpStatus, got {other:?}"),
    }
    assert!(err.to_string().contains("HTTP 404 Not Found"), "{err}");
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    // Bind, learn the port, close: nothing listens there any more.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let err = fetch_metadata(&format!("http://127.0.0.1:{port}/metadata"), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FetchError::ConnectionRefused { host, port: p } if host == "127.0.0.1" && *p == port),
        "{err:?}"
    );
    assert!(err.to_string().contains("refused the connection"), "{err}");
}

#[tokio::test]
async fn a_name_that_does_not_exist_is_name_not_found() {
    // RFC 6761: .invalid never resolves. A short timeout keeps the test bounded if DNS itself is unreachable
    // (it then fails as TooSlow, which says so, instead of hanging).
    let opts = FetchOptions {
        timeout: Duration::from_secs(8),
        ..FetchOptions::default()
    };
    let err = fetch_metadata("https://metadata.ssopilot-test.invalid/saml2", &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FetchError::NameNotFound { host, .. } if host == "metadata.ssopilot-test.invalid"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("the name metadata.ssopilot-test.invalid was not found (DNS)"),
        "{err}"
    );
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_without_network_io() {
    // 192.0.2.1 is unroutable and example.com would need DNS: any network attempt would take until the timeout.
    for url in [
        "http://192.0.2.1/metadata",
        "http://idp.example.com/saml2/metadata",
        "http://localhost.example.com/metadata",
    ] {
        let started = Instant::now();
        let err = fetch_metadata(url, &FetchOptions::default())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, FetchError::NotHttps { .. }),
            "{url}: {err:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(1), "{url}");
        assert!(err
            .to_string()
            .starts_with("the metadata URL must use https"));
    }
    let err = fetch_metadata("ftp://idp.example.com/m", &FetchOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::BadUrl(_)), "{err:?}");
}

#[test]
fn the_blocking_wrapper_works_outside_and_inside_a_runtime() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let addr = rt.block_on(http_server(|_| ok("text/xml", METADATA.as_bytes())));
    let url = format!("http://{addr}/m");
    let got = fetch_metadata_blocking(&url, &quick()).unwrap();
    assert_eq!(got.body, METADATA.as_bytes());
    // From inside async code (a Tauri command) it must not panic with "runtime within a runtime".
    let got = rt.block_on(async { fetch_metadata_blocking(&url, &quick()) });
    assert_eq!(got.unwrap().body, METADATA.as_bytes());
}

// ---------------------------------------------------------------- TLS

struct Pki {
    ca_der: Vec<u8>,
    leaf_der: Vec<u8>,
    leaf_key_der: Vec<u8>,
}

/// A private CA and a leaf certificate for `names`, signed by it.
fn pki(names: &[&str]) -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "SSO Pilot test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let leaf = rcgen::CertificateParams::new(names)
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    Pki {
        ca_der: ca.der().to_vec(),
        leaf_der: leaf.der().to_vec(),
        leaf_key_der: leaf_key.serialize_der(),
    }
}

/// An https server on 127.0.0.1 presenting `chain`, answering every request with the metadata.
async fn https_server(chain: Vec<Vec<u8>>, key_der: Vec<u8>) -> SocketAddr {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let certs: Vec<CertificateDer<'static>> = chain.into_iter().map(CertificateDer::from).collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses our certificate ends the handshake: nothing to do then.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                if read_path(&mut tls).await.is_some() {
                    respond(&mut tls, ok("application/xml", METADATA.as_bytes())).await;
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_clear_tls_error() {
    let p = pki(&["localhost"]);
    let addr = https_server(vec![p.leaf_der.clone()], p.leaf_key_der.clone()).await;
    let err = fetch_metadata(&format!("https://localhost:{}/m", addr.port()), &quick())
        .await
        .unwrap_err();
    match &err {
        FetchError::Tls { host, reason } => {
            assert_eq!(host, "localhost");
            assert!(
                reason
                    .contains("self-signed or issued by an authority this computer does not trust"),
                "{reason}"
            );
        }
        other => panic!("expected Tls, got {other:?}"),
    }
    assert!(
        err.to_string().starts_with("TLS error with localhost:"),
        "{err}"
    );
}

#[tokio::test]
async fn a_self_signed_certificate_is_refused() {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let addr = https_server(vec![cert.der().to_vec()], key.serialize_der()).await;
    let err = fetch_metadata(&format!("https://localhost:{}/m", addr.port()), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FetchError::Tls { reason, .. } if reason.contains("self-signed")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_trusted_certificate_works_and_a_name_mismatch_does_not() {
    let p = pki(&["localhost", "127.0.0.1"]);
    let addr = https_server(vec![p.leaf_der.clone()], p.leaf_key_der.clone()).await;
    let opts = FetchOptions {
        extra_roots: vec![p.ca_der.clone()],
        ..quick()
    };
    let got = fetch_metadata(&format!("https://localhost:{}/m", addr.port()), &opts)
        .await
        .unwrap();
    assert_eq!(got.body, METADATA.as_bytes());

    let other = pki(&["idp.example.test"]);
    let addr = https_server(vec![other.leaf_der.clone()], other.leaf_key_der.clone()).await;
    let opts = FetchOptions {
        extra_roots: vec![other.ca_der.clone()],
        ..quick()
    };
    let err = fetch_metadata(&format!("https://localhost:{}/m", addr.port()), &opts)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FetchError::Tls { reason, .. } if reason.contains("not valid for the name localhost")),
        "{err:?}"
    );
}

#[tokio::test]
async fn plain_http_on_an_https_port_is_a_tls_error() {
    // A plain-HTTP server answers a TLS ClientHello with an HTTP error page.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            let _ = s.shutdown().await;
        }
    });
    let err = fetch_metadata(&format!("https://localhost:{}/m", addr.port()), &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, FetchError::Tls { reason, .. } if reason.contains("plain http on an https port")),
        "{err:?}"
    );
}

// ---------------------------------------------------------------- addresses (issue 18)

/// A listener on 127.0.0.1 that counts the connections it gets and closes each at once.
async fn counting_listener() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
            drop(s);
        }
    });
    (addr, hits)
}

/// Redirects to `0.0.0.0` and to an IPv4-mapped IPv6 address reach this computer's own services (the kernel
/// treats both as local), even from a loopback URL the admin typed: they are refused before connecting, and the
/// message names the address.
#[tokio::test]
async fn redirects_to_unspecified_or_ipv4_mapped_addresses_are_refused_before_connecting() {
    let (target, hits) = counting_listener().await;
    let port = target.port();
    for (to, named) in [
        (format!("https://0.0.0.0:{port}/m"), "0.0.0.0"),
        (
            format!("https://[::ffff:127.0.0.1]:{port}/m"),
            "::ffff:127.0.0.1",
        ),
        (format!("https://[::]:{port}/m"), "::"),
    ] {
        let location = to.clone();
        let addr = http_server(move |_| redirect(&location)).await;
        let err = fetch_metadata(&format!("http://{addr}/x"), &quick())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, FetchError::ForbiddenAddress { addr, .. } if addr.to_string() == named),
            "{to}: {err:?}"
        );
        assert!(err.to_string().contains(named), "{err}");
        // Typed directly, they are refused too.
        let err = fetch_metadata(&to, &quick()).await.unwrap_err();
        assert!(
            matches!(&err, FetchError::ForbiddenAddress { .. }),
            "{to}: {err:?}"
        );
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "a refused address was connected to"
    );
    // Loopback itself is still fine from a loopback URL: the existing redirect tests follow 127.0.0.1, and [::1]
    // (when this machine has IPv6) is not refused as an address.
    let addr = http_server(move |_| redirect(&format!("https://[::1]:{port}/m"))).await;
    let err = fetch_metadata(&format!("http://{addr}/x"), &quick())
        .await
        .unwrap_err();
    assert!(
        !matches!(err, FetchError::ForbiddenAddress { .. }),
        "{err:?}"
    );
}
