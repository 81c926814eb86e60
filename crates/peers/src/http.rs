//! The bounded loopback HTTP/1.1 server both the demo IdP and the test SP answer with: one request per connection,
//! size and time caps, and only requests addressed to our own loopback name and port (DNS rebinding).

use std::time::Duration as StdDuration;

use tokio::net::TcpStream;

use ssopilot_saml::escape::escape;

/// Bounds on what a client may send.
pub const MAX_HEAD: usize = 16 * 1024;

pub const MAX_BODY: usize = 256 * 1024;

pub(crate) const IO_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// A parsed request (shared with the loopback test SP, which speaks the same small HTTP).
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) body: Vec<u8>,
    /// The Host header (absent: none sent).
    pub(crate) host: Option<String>,
    /// The Origin header: which site's page sent the request.
    pub(crate) origin: Option<String>,
    /// The Referer header, when the browser sends one.
    pub(crate) referer: Option<String>,
}

/// The loopback names a browser on this machine may address us by.
pub(crate) const LOOPBACK_NAMES: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// Whether `host` (a Host header) names one of our loopback names with our `port`. A Host without a port is taken
/// as ours too: browsers always send the port unless it is 80, and a rebinding page's Host carries its own name,
/// never one of these.
pub(crate) fn host_is_ours(host: Option<&str>, port: u16) -> bool {
    let Some(host) = host.map(|h| h.trim().to_ascii_lowercase()) else {
        return false;
    };
    let (name, host_port) = match host.rfind(':') {
        Some(i) if !host.get(i..).is_some_and(|tail| tail.contains(']')) => {
            (host.get(..i).unwrap_or_default(), host.get(i + 1..))
        }
        _ => (host.as_str(), None),
    };
    LOOPBACK_NAMES.contains(&name) && host_port.is_none_or(|p| p == port.to_string())
}

/// Whether `origin` (an Origin header) is our own: `http://` one of our loopback names and our port.
pub(crate) fn origin_is_ours(origin: &str, port: u16) -> bool {
    let origin = origin.trim().to_ascii_lowercase();
    LOOPBACK_NAMES
        .iter()
        .any(|name| origin == format!("http://{name}:{port}"))
}

/// At most 200 printable characters of a header value, for messages.
pub(crate) fn shown(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect()
}

/// The refusal of a request not addressed to us (421 Misdirected Request), in plain text.
pub(crate) fn misdirected(server: &str, port: u16, host: Option<&str>) -> Page {
    let addressed = match host {
        Some(h) => format!("this request was addressed to \"{}\"", shown(h)),
        None => "this request names no host".to_string(),
    };
    Page {
        status: 421,
        content_type: "text/plain; charset=utf-8",
        body: format!(
            "Refused: this is {server} on this computer, and it answers only requests addressed to 127.0.0.1:{port} (or localhost:{port}); {addressed}. A web page that reaches it under another name is refused. Open http://127.0.0.1:{port}/ yourself if you meant to use it.\n"
        ),
    }
}

/// A response: status, content type, body.
pub struct Page {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

/// Writes `page` with the security headers every page of ours carries, then closes.
pub(crate) async fn respond(stream: &TcpStream, page: &Page, csp: &str) {
    respond_with(stream, page, csp, "no-referrer").await;
}

/// [`respond`] with the given Referrer-Policy.
pub(crate) async fn respond_with(
    stream: &TcpStream,
    page: &Page,
    csp: &str,
    referrer_policy: &str,
) {
    let reason = match page.status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        413 => "Payload Too Large",
        421 => "Misdirected Request",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nContent-Security-Policy: {csp}\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: {referrer_policy}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        page.status,
        page.content_type,
        page.body.len()
    );
    if write_all(stream, head.as_bytes()).await {
        write_all(stream, page.body.as_bytes()).await;
    }
}

/// Reads what is available (0 at end of stream or on error), with tokio's readiness API.
async fn read_some(stream: &TcpStream, buf: &mut [u8]) -> usize {
    loop {
        if stream.readable().await.is_err() {
            return 0;
        }
        match stream.try_read(buf) {
            Ok(n) => return n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return 0,
        }
    }
}

/// Writes everything; false when the peer went away.
async fn write_all(stream: &TcpStream, mut data: &[u8]) -> bool {
    while !data.is_empty() {
        if stream.writable().await.is_err() {
            return false;
        }
        match stream.try_write(data) {
            Ok(n) => data = data.get(n..).unwrap_or_default(),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return false,
        }
    }
    true
}

pub(crate) async fn read_request(stream: &TcpStream) -> Result<Request, Page> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        if buf.len() > MAX_HEAD {
            return Err(error_page(
                413,
                "Request too large",
                "The request headers are too large.",
            ));
        }
        let n = read_some(stream, &mut chunk).await;
        if n == 0 {
            return Err(error_page(400, "Bad request", "The request ended early."));
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let head = String::from_utf8_lossy(buf.get(..head_end).unwrap_or_default()).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let target = first.next().unwrap_or_default().to_string();
    let mut length = 0usize;
    let (mut host, mut origin, mut referer) = (None, None, None);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            for (header, slot) in [
                ("host", &mut host),
                ("origin", &mut origin),
                ("referer", &mut referer),
            ] {
                if name.eq_ignore_ascii_case(header) {
                    if slot.is_some() {
                        return Err(error_page(
                            400,
                            "Bad request",
                            &format!("The {header} header appears more than once."),
                        ));
                    }
                    *slot = Some(value.trim().to_string());
                }
            }
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().map_err(|_| {
                    error_page(
                        400,
                        "Bad request",
                        "The Content-Length header is not a number.",
                    )
                })?;
            }
            if name.trim().eq_ignore_ascii_case("transfer-encoding") {
                return Err(error_page(
                    400,
                    "Bad request",
                    "Chunked request bodies are not accepted.",
                ));
            }
        }
    }
    if length > MAX_BODY {
        return Err(error_page(
            413,
            "Request too large",
            "The request body is too large.",
        ));
    }
    let mut body: Vec<u8> = buf.get(head_end + 4..).unwrap_or_default().to_vec();
    while body.len() < length {
        let n = read_some(stream, &mut chunk).await;
        if n == 0 {
            return Err(error_page(
                400,
                "Bad request",
                "The request body ended early.",
            ));
        }
        body.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    body.truncate(length);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    Ok(Request {
        method,
        path,
        query,
        body,
        host,
        origin,
        referer,
    })
}

pub(crate) fn html(status: u16, title: &str, body: &str) -> Page {
    Page {
        status,
        content_type: "text/html; charset=utf-8",
        body: format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} - SSO Pilot demo IdP</title><style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em}}label,input,button{{display:block;margin:.4em 0}}input{{width:100%;padding:.4em}}.error{{color:#a00}}</style></head><body><h1>{t}</h1>{body}</body></html>",
            t = escape(title)
        ),
    }
}

/// A clear page for something that went wrong: what happened and what to do.
pub(crate) fn error_page(status: u16, title: &str, message: &str) -> Page {
    html(
        status,
        title,
        &format!("<p class=\"error\">{}</p>", escape(message)),
    )
}
