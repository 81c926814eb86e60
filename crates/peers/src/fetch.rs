//! Fetching SAML metadata from a URL the admin pasted (an IdP's "Copy Metadata URL"), bounded in every way.
//!
//! - https only; plain http only for loopback (`localhost`, 127.0.0.0/8, ::1), where nothing leaves the machine.
//! - At most [`MAX_REDIRECTS`] redirects, each target checked again: https, or loopback http when the first URL was
//!   loopback too (a remote server may not steer us to a service on this machine). A URL seen twice is a loop.
//! - [`DEFAULT_TIMEOUT`] for everything (name lookup, connection, TLS, headers and the whole body).
//! - The body is capped at [`MAX_BODY`] while it streams: a larger one is abandoned as soon as it crosses the cap
//!   (or before reading anything when Content-Length says so). No automatic decompression, so no zip bombs.
//! - Addresses: after name resolution and after every redirect, only public (global) addresses are connected to:
//!   unspecified (0.0.0.0, ::), private, shared (CGNAT), link-local, unique-local, IPv4-mapped, multicast,
//!   documentation and other special-purpose addresses are refused, and loopback too unless the URL the admin typed
//!   was itself loopback. The check runs in the resolver that hands reqwest the addresses it connects to (and in the
//!   redirect policy for literal IP hosts, which are not resolved), so a DNS server that answers a second lookup
//!   differently (rebinding) cannot get past it. Through a proxy, the proxy resolves and connects: only literal
//!   addresses are checked then.
//! - TLS through rustls (ring) with the operating system's trust store (rustls-platform-verifier), so a company CA
//!   installed on the machine is trusted; no OpenSSL.
//! - Proxies: remote URLs use the environment's `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY` (and the
//!   OS proxy settings on macOS and Windows). Loopback URLs always go direct, with any redirects they give: a proxy
//!   cannot reach this machine's loopback.
//!
//! Every failure is its own [`FetchError`] variant with a message an admin can act on. Whether the body is XML and
//! SAML metadata is the metadata parser's business: this module hands over [`Fetched`].

use std::collections::HashSet;
use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use rustls::pki_types::CertificateDer;
use url::Url;

use ssopilot_saml::metadata::{self, Metadata, MetadataError, Options};
use ssopilot_saml::values::{is_loopback, IdpUrl, ValueError};

/// Total time allowed for one fetch, redirects and body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;
/// Largest body accepted: 1 MiB (real metadata, even with many certificates, is a few tens of KB).
pub const MAX_BODY: usize = 1024 * 1024;
/// Longest Content-Type header value kept.
const MAX_CONTENT_TYPE_LEN: usize = 256;

/// Limits of one fetch. `Default` gives the product's limits; tests shorten them.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Total time for the whole fetch.
    pub timeout: Duration,
    /// Redirects followed at most.
    pub max_redirects: usize,
    /// Body size cap in bytes.
    pub max_body: usize,
    /// Extra trusted root certificates (DER), on top of the operating system's: a private CA not installed
    /// system-wide. Empty by default.
    pub extra_roots: Vec<Vec<u8>>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            max_redirects: MAX_REDIRECTS,
            max_body: MAX_BODY,
            extra_roots: Vec::new(),
        }
    }
}

/// A fetched document, not yet parsed.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the document finally came from, after redirects.
    pub final_url: Url,
    /// The server's Content-Type, if any (informational: servers often send XML as text/plain).
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Why the metadata could not be fetched. Each message says what happened and what to try.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the metadata URL must use https (plain http is only accepted for localhost): {url}")]
    NotHttps { url: String },
    #[error("{0}")]
    BadUrl(ValueError),
    #[error("the name {host} was not found (DNS): check the spelling of the metadata URL, and that this computer is online (VPN?) ({detail})")]
    NameNotFound { host: String, detail: String },
    #[error("{host}:{port} refused the connection: check the URL's host and port, and that the server is running")]
    ConnectionRefused { host: String, port: u16 },
    #[error("could not connect to {host}: {detail}")]
    Connect { host: String, detail: String },
    #[error("TLS error with {host}: {reason}")]
    Tls { host: String, reason: String },
    #[error("the server answered HTTP {code} {reason} for {url}: check the metadata URL (copy it again from the identity provider's portal)")]
    HttpStatus {
        code: u16,
        reason: String,
        url: String,
    },
    #[error("more than {max} redirects, stopped at {url}: the metadata URL is probably wrong; open it in a browser to see where it leads")]
    TooManyRedirects { max: usize, url: String },
    #[error("redirect loop: {url} redirects back to itself; the server is misconfigured, or it wants a browser sign-in first")]
    RedirectLoop { url: String },
    #[error("refused a redirect to {to}: {why}")]
    UnsafeRedirect { to: String, why: &'static str },
    #[error("refused to connect to {addr} (the address of {host}): it is {why}. SSO Pilot fetches metadata only from public addresses (and from this computer when the URL you typed is a localhost one); if this is your organisation's internal identity provider, download the metadata file in a browser and import the file")]
    ForbiddenAddress {
        host: String,
        addr: IpAddr,
        why: &'static str,
    },
    #[error(
        "the response is larger than {max} bytes: that is not a metadata document; check the URL"
    )]
    TooLarge { max: usize },
    #[error("no complete answer within {secs} s: the server is too slow or unreachable; try again, or download the metadata file in a browser and import the file")]
    TooSlow { secs: u64 },
    #[error("the proxy (HTTPS_PROXY / ALL_PROXY or the system's proxy settings) could not open a connection to {host}: check the proxy settings, or add the host to NO_PROXY ({detail})")]
    Proxy { host: String, detail: String },
    #[error("network error while fetching {url}: {detail}")]
    Network { url: String, detail: String },
}

/// Errors raised inside reqwest's callbacks, found again in its error chain to name the failure precisely.
#[derive(Debug)]
enum Inner {
    Dns {
        host: String,
        detail: String,
    },
    TooMany {
        max: usize,
        url: String,
    },
    Loop {
        url: String,
    },
    Unsafe {
        to: String,
        why: &'static str,
    },
    Address {
        host: String,
        addr: IpAddr,
        why: &'static str,
    },
}

impl fmt::Display for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Inner::Dns { host, detail } => write!(f, "cannot resolve {host}: {detail}"),
            Inner::TooMany { max, .. } => write!(f, "more than {max} redirects"),
            Inner::Loop { url } => write!(f, "redirect loop at {url}"),
            Inner::Unsafe { to, why } => write!(f, "redirect to {to} refused: {why}"),
            Inner::Address { host, addr, why } => {
                write!(f, "address {addr} of {host} refused: it is {why}")
            }
        }
    }
}

impl StdError for Inner {}

impl Inner {
    /// The error the caller sees for a check made outside reqwest (the typed URL's literal address).
    fn into_error(self) -> FetchError {
        match self {
            Inner::Address { host, addr, why } => FetchError::ForbiddenAddress { host, addr, why },
            Inner::Dns { host, detail } => FetchError::NameNotFound { host, detail },
            Inner::TooMany { max, url } => FetchError::TooManyRedirects { max, url },
            Inner::Loop { url } => FetchError::RedirectLoop { url },
            Inner::Unsafe { to, why } => FetchError::UnsafeRedirect { to, why },
        }
    }
}

/// Why SSO Pilot does not connect to `ip` for a metadata fetch, or `None` for a public (global) address. Loopback is
/// allowed when `loopback_ok` (the URL the admin typed was loopback). Unspecified and IPv4-mapped addresses are
/// refused even then: the kernel sends them to this computer, but no metadata URL needs them.
pub fn forbidden_reason(ip: IpAddr, loopback_ok: bool) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4, loopback_ok),
        IpAddr::V6(v6) => v6_reason(v6, loopback_ok),
    }
}

fn v4_reason(ip: Ipv4Addr, loopback_ok: bool) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        (0, _, _) => Some("an unspecified address (0.0.0.0/8), which reaches this computer"),
        (127, _, _) if loopback_ok => None,
        (127, _, _) => Some(
            "a loopback address (this computer), and the URL you typed was not a localhost one",
        ),
        (10, _, _) | (192, 168, _) => Some("a private address (RFC 1918)"),
        (172, 16..=31, _) => Some("a private address (RFC 1918)"),
        (100, 64..=127, _) => Some("a shared address (carrier-grade NAT, 100.64.0.0/10)"),
        (169, 254, _) => {
            Some("a link-local address (169.254.0.0/16, where cloud metadata services answer)")
        }
        (192, 0, 0) => Some("an IETF protocol address (192.0.0.0/24)"),
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Some("a documentation address"),
        (198, 18..=19, _) => Some("a benchmarking address (198.18.0.0/15)"),
        (224..=239, _, _) => Some("a multicast address"),
        (240..=255, _, _) => Some("a reserved or broadcast address"),
        _ => None,
    }
}

fn v6_reason(ip: Ipv6Addr, loopback_ok: bool) -> Option<&'static str> {
    let s = ip.segments();
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if ip.is_unspecified() {
        return Some("the unspecified address (::), which reaches this computer");
    }
    if ip.is_loopback() {
        return (!loopback_ok).then_some(
            "a loopback address (this computer), and the URL you typed was not a localhost one",
        );
    }
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => {
            Some("an IPv4-mapped IPv6 address (::ffff:a.b.c.d), which reaches the IPv4 address inside it directly")
        }
        [0, 0, 0, 0, 0, 0, _, _] => Some("an IPv4-compatible IPv6 address (deprecated)"),
        // NAT64 (RFC 6052): judged by the IPv4 address it carries.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => v4_reason(embedded(hi, lo), false),
        // 6to4 (RFC 3056): the IPv4 address is in the second and third groups.
        [0x2002, hi, lo, ..] => v4_reason(embedded(hi, lo), false),
        [0x2001, 0xdb8, ..] => Some("a documentation address (2001:db8::/32)"),
        [0x2001, 0..=0x1ff, ..] => Some("an IETF special-purpose address (2001::/23, Teredo included)"),
        [0x100, 0, 0, 0, ..] => Some("a discard-only address (100::/64)"),
        [0x64, 0xff9b, 1, ..] => Some("a local-use NAT64 address (64:ff9b:1::/48)"),
        [first, ..] if first & 0xfe00 == 0xfc00 => Some("a unique-local address (fc00::/7, a private network)"),
        [first, ..] if first & 0xffc0 == 0xfe80 => Some("a link-local address (fe80::/10)"),
        [first, ..] if first & 0xffc0 == 0xfec0 => Some("a site-local address (fec0::/10, deprecated)"),
        [first, ..] if first & 0xff00 == 0xff00 => Some("a multicast address"),
        [first, ..] if first & 0xe000 != 0x2000 => Some("a reserved address (outside 2000::/3, the global unicast range)"),
        _ => None,
    }
}

/// The address check for a host, as an error reqwest carries back to [`classify`].
fn check_ip(host: &str, ip: IpAddr, loopback_ok: bool) -> Result<(), Inner> {
    match forbidden_reason(ip, loopback_ok) {
        None => Ok(()),
        Some(why) => Err(Inner::Address {
            host: host.to_string(),
            addr: ip,
            why,
        }),
    }
}

/// The system resolver (getaddrinfo on a blocking thread), with failures typed so they can be told apart, that
/// hands reqwest only the addresses it may connect to. Names in `targets` (the typed URL's host and each redirect's
/// host) are filtered; any other name reqwest resolves is the proxy's, which the admin configured.
struct GuardedDns {
    loopback_ok: bool,
    targets: Arc<Mutex<HashSet<String>>>,
}

impl GuardedDns {
    fn is_target(&self, host: &str) -> bool {
        self.targets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&host.to_ascii_lowercase())
    }
}

/// Keeps the addresses `host` may be connected at; an error naming the first refused one when none is left.
fn allowed_addrs(
    host: &str,
    addrs: Vec<SocketAddr>,
    loopback_ok: bool,
) -> Result<Vec<SocketAddr>, Inner> {
    let mut first_refused = None;
    let mut kept = Vec::with_capacity(addrs.len());
    for a in addrs {
        match check_ip(host, a.ip(), loopback_ok) {
            Ok(()) => kept.push(a),
            Err(e) => {
                first_refused.get_or_insert(e);
            }
        }
    }
    match (kept.is_empty(), first_refused) {
        (true, Some(e)) => Err(e),
        _ => Ok(kept),
    }
}

impl Resolve for GuardedDns {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let check = self.is_target(&host);
        let loopback_ok = self.loopback_ok;
        Box::pin(async move {
            let looked_up = tokio::net::lookup_host((host.clone(), 0u16)).await;
            let mut v: Vec<SocketAddr> = match looked_up {
                Ok(addrs) => addrs.collect(),
                Err(e) => {
                    return Err(Box::new(Inner::Dns {
                        host,
                        detail: e.to_string(),
                    }) as Box<dyn StdError + Send + Sync>)
                }
            };
            if v.is_empty() {
                return Err(Box::new(Inner::Dns {
                    host,
                    detail: "no address".to_string(),
                }) as Box<dyn StdError + Send + Sync>);
            }
            if check {
                v = allowed_addrs(&host, v, loopback_ok)
                    .map_err(|e| Box::new(e) as Box<dyn StdError + Send + Sync>)?;
            }
            Ok(Box::new(v.into_iter()) as Addrs)
        })
    }
}

/// Checks a URL's host when it is a literal IP address (those are connected to without resolving), and records a
/// name so the resolver filters its addresses.
fn check_host(url: &Url, loopback_ok: bool, targets: &Mutex<HashSet<String>>) -> Result<(), Inner> {
    let host = url.host_str().unwrap_or_default();
    match url.host() {
        Some(url::Host::Ipv4(ip)) => check_ip(host, IpAddr::V4(ip), loopback_ok),
        Some(url::Host::Ipv6(ip)) => check_ip(host, IpAddr::V6(ip), loopback_ok),
        Some(url::Host::Domain(d)) => {
            targets
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(d.to_ascii_lowercase());
            Ok(())
        }
        None => Ok(()),
    }
}

fn check_url(raw: &str) -> Result<Url, FetchError> {
    let checked = IdpUrl::parse(raw, "Metadata URL").map_err(|e| match e {
        ValueError::NotHttps { .. } => FetchError::NotHttps {
            url: raw.trim().to_string(),
        },
        other => FetchError::BadUrl(other),
    })?;
    Url::parse(checked.as_str()).map_err(|_| {
        FetchError::BadUrl(ValueError::NotAbsolute {
            what: "Metadata URL",
            example: "https://sso.jumpcloud.com/saml2/metadata",
        })
    })
}

fn redirect_policy(
    max: usize,
    origin_loopback: bool,
    targets: Arc<Mutex<HashSet<String>>>,
) -> redirect::Policy {
    redirect::Policy::custom(move |attempt| {
        let to = attempt.url().clone();
        if attempt.previous().contains(&to) {
            return attempt.error(Inner::Loop {
                url: to.to_string(),
            });
        }
        if attempt.previous().len() > max {
            return attempt.error(Inner::TooMany {
                max,
                url: to.to_string(),
            });
        }
        let loopback = is_loopback(&to);
        if loopback && !origin_loopback {
            return attempt.error(Inner::Unsafe {
                to: to.to_string(),
                why: "a remote server may not send SSO Pilot to this computer's own services",
            });
        }
        match to.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return attempt.error(Inner::Unsafe {
                    to: to.to_string(),
                    why: "only https is allowed (http only for localhost)",
                })
            }
        }
        match check_host(&to, origin_loopback, &targets) {
            Ok(()) => attempt.follow(),
            Err(e) => attempt.error(e),
        }
    })
}

fn tls_config(opts: &FetchOptions) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = if opts.extra_roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())
    } else {
        let roots = opts
            .extra_roots
            .iter()
            .map(|der| CertificateDer::from(der.clone()));
        rustls_platform_verifier::Verifier::new_with_extra_roots(roots, provider.clone())
    }
    .map_err(|e| format!("cannot load the system's trusted certificates: {e}"))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn client(
    opts: &FetchOptions,
    origin_loopback: bool,
    targets: Arc<Mutex<HashSet<String>>>,
) -> Result<reqwest::Client, FetchError> {
    let setup = |detail: String| FetchError::Network {
        url: String::new(),
        detail: format!("cannot set up the HTTP client: {detail}"),
    };
    let mut b = reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(opts).map_err(setup)?)
        .redirect(redirect_policy(
            opts.max_redirects,
            origin_loopback,
            Arc::clone(&targets),
        ))
        .dns_resolver(Arc::new(GuardedDns {
            loopback_ok: origin_loopback,
            targets,
        }))
        .user_agent(concat!("ssopilot/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(opts.timeout)
        .timeout(opts.timeout);
    if origin_loopback {
        b = b.no_proxy();
    }
    b.build().map_err(|e| setup(e.to_string()))
}

/// Fetches a metadata document. Cancel it by dropping the future (the wizard's Cancel button).
pub async fn fetch_metadata(url: &str, opts: &FetchOptions) -> Result<Fetched, FetchError> {
    let url = check_url(url)?;
    let secs = opts.timeout.as_secs().max(1);
    match tokio::time::timeout(opts.timeout, fetch_inner(url, opts)).await {
        Ok(r) => r,
        Err(_) => Err(FetchError::TooSlow { secs }),
    }
}

async fn fetch_inner(url: Url, opts: &FetchOptions) -> Result<Fetched, FetchError> {
    let origin_loopback = is_loopback(&url);
    let targets = Arc::new(Mutex::new(HashSet::new()));
    check_host(&url, origin_loopback, &targets).map_err(Inner::into_error)?;
    let client = client(opts, origin_loopback, targets)?;
    let mut resp = client
        .get(url.clone())
        .header(
            reqwest::header::ACCEPT,
            "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1",
        )
        .send()
        .await
        .map_err(|e| classify(&e, &url, opts))?;
    let final_url = resp.url().clone();
    let status = resp.status();
    if !status.is_success() {
        return Err(FetchError::HttpStatus {
            code: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_string(),
            url: final_url.to_string(),
        });
    }
    if resp
        .content_length()
        .is_some_and(|n| n > opts.max_body as u64)
    {
        return Err(FetchError::TooLarge { max: opts.max_body });
    }
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(MAX_CONTENT_TYPE_LEN).collect::<String>());
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| classify(&e, &final_url, opts))?
    {
        if body.len().saturating_add(chunk.len()) > opts.max_body {
            // Dropping the response closes the connection: nothing more is read.
            return Err(FetchError::TooLarge { max: opts.max_body });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched {
        final_url,
        content_type,
        body,
    })
}

/// Blocking form for the command line: runs [`fetch_metadata`] on a private runtime on its own thread (so it is
/// also safe to call from inside another runtime).
pub fn fetch_metadata_blocking(url: &str, opts: &FetchOptions) -> Result<Fetched, FetchError> {
    std::thread::scope(|s| {
        let job = s.spawn(|| {
            let rt = crate::runtime::current_thread().map_err(|e| FetchError::Network {
                url: url.to_string(),
                detail: e.to_string(),
            })?;
            rt.block_on(fetch_metadata(url, opts))
        });
        job.join().unwrap_or_else(|_| {
            Err(FetchError::Network {
                url: url.to_string(),
                detail: "the fetch thread stopped unexpectedly".to_string(),
            })
        })
    })
}

/// Names a reqwest failure by looking for its cause in the error chain.
fn classify(err: &reqwest::Error, url: &Url, opts: &FetchOptions) -> FetchError {
    let host = err
        .url()
        .and_then(|u| u.host_str())
        .or_else(|| url.host_str())
        .unwrap_or("")
        .to_string();
    let port = err
        .url()
        .and_then(|u| u.port_or_known_default())
        .or_else(|| url.port_or_known_default())
        .unwrap_or(0);
    // Every error in the chain. io::Error hides the error it wraps from source() (it returns the inner error's
    // source), and hyper wraps io errors in io errors: look inside each explicitly.
    let mut all: Vec<&(dyn StdError + 'static)> = Vec::new();
    let mut todo: Vec<&(dyn StdError + 'static)> = vec![err];
    while let Some(e) = todo.pop() {
        if all.len() > 64 {
            break;
        }
        all.push(e);
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                todo.push(inner);
            }
        }
        if let Some(next) = e.source() {
            todo.push(next);
        }
    }
    let mut io_detail: Option<String> = None;
    for e in &all {
        if let Some(inner) = e.downcast_ref::<Inner>() {
            return match inner {
                Inner::Dns { host, detail } => FetchError::NameNotFound {
                    host: host.clone(),
                    detail: detail.clone(),
                },
                Inner::TooMany { max, url } => FetchError::TooManyRedirects {
                    max: *max,
                    url: url.clone(),
                },
                Inner::Loop { url } => FetchError::RedirectLoop { url: url.clone() },
                Inner::Unsafe { to, why } => FetchError::UnsafeRedirect {
                    to: to.clone(),
                    why,
                },
                Inner::Address { host, addr, why } => FetchError::ForbiddenAddress {
                    host: host.clone(),
                    addr: *addr,
                    why,
                },
            };
        }
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return FetchError::Tls {
                host,
                reason: tls_reason(tls, url),
            };
        }
    }
    // hyper-util's TunnelError is not a type we can name here; its message is stable ("tunnel error: ...").
    if let Some(t) = all
        .iter()
        .find(|e| e.to_string().starts_with("tunnel error"))
    {
        return FetchError::Proxy {
            host,
            detail: t.to_string(),
        };
    }
    for e in &all {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return FetchError::ConnectionRefused { host, port };
            }
            if io_detail.is_none() {
                io_detail = Some(io.to_string());
            }
        }
    }
    if err.is_timeout() {
        return FetchError::TooSlow {
            secs: opts.timeout.as_secs().max(1),
        };
    }
    if err.is_connect() {
        return FetchError::Connect {
            host,
            detail: io_detail.unwrap_or_else(|| chain(err)),
        };
    }
    FetchError::Network {
        url: url.to_string(),
        detail: chain(err),
    }
}

fn chain(err: &dyn StdError) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        out.push_str(": ");
        out.push_str(&e.to_string());
        cur = e.source();
    }
    out
}

fn tls_reason(e: &rustls::Error, url: &Url) -> String {
    use rustls::CertificateError as C;
    let host = url.host_str().unwrap_or("the server");
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "the server's certificate is self-signed or issued by an authority this computer does not trust; if it is your company's own CA, install it in the system's trust store, or download the metadata file and import the file".to_string(),
            C::NotValidForName | C::NotValidForNameContext { .. } => format!("the server's certificate is not valid for the name {host} (name mismatch): check the URL's host name"),
            C::Expired | C::ExpiredContext { .. } => "the server's certificate has expired".to_string(),
            C::NotValidYet | C::NotValidYetContext { .. } => "the server's certificate is not valid yet: check this computer's date and time".to_string(),
            C::Revoked => "the server's certificate has been revoked".to_string(),
            C::BadEncoding | C::BadSignature => "the server's certificate is malformed or badly signed".to_string(),
            other => format!("the server's certificate was refused ({other:?})"),
        },
        rustls::Error::AlertReceived(alert) => {
            format!("the server refused the TLS handshake (alert {alert:?})")
        }
        rustls::Error::PeerIncompatible(p) => {
            format!("the server only speaks old or incompatible TLS ({p:?}); TLS 1.2 or newer is required")
        }
        rustls::Error::InvalidMessage(_) | rustls::Error::PeerMisbehaved(_) => {
            "the server did not answer with valid TLS (is it plain http on an https port?)".to_string()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_product_limits() {
        let o = FetchOptions::default();
        assert_eq!(o.timeout, Duration::from_secs(10));
        assert_eq!(o.max_redirects, 5);
        assert_eq!(o.max_body, 1024 * 1024);
        assert!(o.extra_roots.is_empty());
    }

    #[test]
    fn urls_are_checked_before_any_network_use() {
        assert!(matches!(
            check_url("http://idp.example.com/metadata"),
            Err(FetchError::NotHttps { .. })
        ));
        assert!(matches!(
            check_url("ftp://idp.example.com/metadata"),
            Err(FetchError::BadUrl(_))
        ));
        assert!(matches!(
            check_url("idp.example.com/metadata"),
            Err(FetchError::BadUrl(_))
        ));
        assert!(check_url("https://idp.example.com/metadata").is_ok());
        assert!(check_url("http://127.0.0.1:9/metadata").is_ok());
        assert!(check_url("http://localhost/metadata").is_ok());
    }

    fn reason(ip: &str, loopback_ok: bool) -> Option<&'static str> {
        forbidden_reason(ip.parse().unwrap(), loopback_ok)
    }

    #[test]
    fn only_global_addresses_are_allowed_and_loopback_only_when_typed() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "192.0.0.8",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
            "100::1",
            "64:ff9b::10.0.0.1",
            "64:ff9b::127.0.0.1",
            "2002:0a00:0001::1",
            "2002:7f00:0001::1",
            "64:ff9b:1::1",
            "4000::1",
        ] {
            assert!(reason(ip, true).is_some(), "{ip} allowed");
            assert!(reason(ip, false).is_some(), "{ip} allowed");
        }
        for ip in ["127.0.0.1", "127.255.0.1", "::1"] {
            assert!(
                reason(ip, false).is_some(),
                "{ip} allowed without a typed loopback URL"
            );
            assert_eq!(
                reason(ip, true),
                None,
                "{ip} refused with a typed loopback URL"
            );
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.15.0.1",
            "172.32.0.1",
            "100.63.0.1",
            "100.128.0.1",
            "192.169.0.1",
            "2606:4700::1111",
            "2a00:1450::1",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
        ] {
            assert_eq!(reason(ip, false), None, "{ip} refused");
        }
        assert!(reason("::ffff:127.0.0.1", true)
            .unwrap()
            .contains("IPv4-mapped"));
        assert!(reason("169.254.169.254", false)
            .unwrap()
            .contains("link-local"));
    }

    #[test]
    fn a_name_keeps_only_its_allowed_addresses() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        let kept = allowed_addrs(
            "idp.example.com",
            vec![a("10.0.0.1:443"), a("8.8.8.8:443"), a("[fd00::1]:443")],
            false,
        )
        .unwrap();
        assert_eq!(kept, vec![a("8.8.8.8:443")]);
        let e = allowed_addrs(
            "rebind.example",
            vec![a("127.0.0.1:443"), a("0.0.0.0:443")],
            false,
        )
        .unwrap_err()
        .into_error();
        assert!(
            matches!(&e, FetchError::ForbiddenAddress { host, addr, .. } if host == "rebind.example" && addr.to_string() == "127.0.0.1"),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(
            msg.contains("127.0.0.1") && msg.contains("rebind.example"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn the_resolver_filters_the_names_it_is_asked_to_check() {
        // localhost resolves on this computer, without the network: refused when it is a target and the typed URL
        // was not loopback, passed through when it is not a target (a proxy's name).
        let targets = Arc::new(Mutex::new(HashSet::from(["localhost".to_string()])));
        let dns = GuardedDns {
            loopback_ok: false,
            targets: Arc::clone(&targets),
        };
        let name: Name = "localhost".parse().unwrap();
        let err = match dns.resolve(name).await {
            Ok(_) => panic!("localhost resolved for a remote URL"),
            Err(e) => e,
        };
        let inner = err.downcast_ref::<Inner>().expect("an address error");
        assert!(
            matches!(inner, Inner::Address { host, .. } if host == "localhost"),
            "{inner}"
        );
        targets.lock().unwrap().clear();
        let name: Name = "localhost".parse().unwrap();
        assert!(dns.resolve(name).await.is_ok());
        let dns = GuardedDns {
            loopback_ok: true,
            targets: Arc::new(Mutex::new(HashSet::from(["localhost".to_string()]))),
        };
        let name: Name = "localhost".parse().unwrap();
        assert!(dns.resolve(name).await.is_ok());
    }
}

/// Why metadata from a URL cannot be used: the fetch failed, or what came back is not usable metadata.
#[derive(Debug, thiserror::Error)]
pub enum MetadataFetchError {
    #[error("cannot fetch the metadata: {0}")]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Metadata(#[from] MetadataError),
}

impl MetadataFetchError {
    /// A stable snake_case name for scripts (`ssopilot metadata inspect --json` prints it as the `code` of its one
    /// finding).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Fetch(_) => "fetch",
            Self::Metadata(e) => e.code(),
        }
    }
}

/// Fetches metadata from a URL (https, or http on loopback) and parses it. Blocking: the wizard calls it from a
/// worker (its own cancel drops the result).
pub fn fetch_and_parse(
    url: &str,
    fetch_opts: &FetchOptions,
    opts: &Options,
    now: time::OffsetDateTime,
) -> Result<Metadata, MetadataFetchError> {
    let fetched = fetch_metadata_blocking(url, fetch_opts)?;
    Ok(metadata::parse(&fetched.body, opts, now)?)
}
