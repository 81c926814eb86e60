//! The loopback test SP (issue 7): a real trial sign-in against any IdP, checked rule by rule.
//!
//! SSO Pilot plays the service provider on 127.0.0.1 (a random port unless one is asked for) with its own SP entity
//! ID: it builds an AuthnRequest (HTTP-Redirect binding), hands back the URL to open in a browser, receives the
//! browser's POST on its ACS, validates the response with [`ssopilot_saml::response::validate`] against the configured IdP
//! (certificate, entity ID), the request ID (InResponseTo) and its own ACS URL, and answers the browser with a plain
//! page. Each response may be used once: assertion IDs are remembered, and a request is consumed by its first
//! passing response, so a second POST of the same response is refused as a replay.
//!
//! Any web page can make the browser POST to the ACS, so only the answer to the pending request (its InResponseTo
//! is the AuthnRequest's ID) becomes the test result; in IdP-initiated mode ([`TestSp::start_idp_initiated`]) a
//! response without InResponseTo is the result and is reported as unsolicited. Any other POST gets a page, is kept
//! with where it came from (Origin, Referer) in [`TestSp::unexpected`], and does not end the wait. Requests not
//! addressed to the test SP's own loopback address and port (DNS rebinding) are refused.

mod acs;
pub mod demo;
pub mod encryption_key;
pub mod evidence;
pub mod key;
pub mod rotation;
pub mod run;
pub mod start;

use std::collections::{HashSet, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::clock::{SharedClock, SystemClock};
use crate::demo_idp::mint;
use crate::http::{host_is_ours, misdirected, read_request, respond, shown, Page, Request};
use encryption_key::SpEncryptionKey;
use key::SpKey;
use ssopilot_saml::escape::escape;
use ssopilot_saml::metadata::Binding;
use ssopilot_saml::request::{self, AuthnRequest, RequestBinding};
use ssopilot_saml::response::{self, MessageIds, Policy, Replay, ReplayGuard, Report, Rule};
use ssopilot_saml::values::{AcsUrl, EntityId, IdpUrl};

use acs::*;

/// The test SP's entity ID unless another is configured: the IdP's test application must use the same.
pub const DEFAULT_SP_ENTITY_ID: &str = "urn:ssopilot:test-sp";
/// Where the browser POSTs the SAMLResponse.
pub const ACS_PATH: &str = "/acs";
/// The test SP's port with a real IdP: fixed, so the IdP's test application is set up once with
/// `http://127.0.0.1:8741/acs`. The demo IdP never takes it (see `demo_idp::running`).
pub const FIXED_PORT: u16 = 8741;
/// With the HTTP-POST binding the browser opens `<base>/start/<nonce>`: a one-time page that posts the AuthnRequest
/// to the IdP (a URL alone cannot make a browser POST; see [`start`]).
pub const START_PATH: &str = "/start";
/// How long a test login waits for the browser unless told otherwise.
pub const DEFAULT_TIMEOUT: StdDuration = StdDuration::from_secs(300);
/// Assertion IDs remembered for replay detection (oldest forgotten first), so memory stays bounded.
pub const MAX_SEEN_IDS: usize = 4096;
/// Responses received but not yet collected by [`TestSp::wait`]; more are answered but not queued.
const QUEUE: usize = 16;
/// Unexpected POSTs kept for [`TestSp::unexpected`] (the oldest forgotten first).
pub const MAX_UNEXPECTED: usize = 32;
const IO_TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// Our pages have no script, load nothing, and submit nowhere.
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Why a test login could not run or did not finish. (A response that arrived but failed is not an error: it is a
/// [`Report`] with failed checks.)
#[derive(Debug, thiserror::Error)]
pub enum TestLoginError {
    #[error("the test SP listens on loopback only (127.0.0.1 or ::1), not on {0}: the browser doing the test login runs on this computer")]
    NotLoopback(IpAddr),
    #[error("port {port} on {ip} is already in use (another program, or another test login): choose another port, or leave the port empty to get a free one")]
    PortTaken { ip: IpAddr, port: u16 },
    #[error("the test SP cannot listen on {addr} ({detail}): choose another port, or leave it empty to get a free one")]
    Bind { addr: SocketAddr, detail: String },
    #[error("no response reached the test SP within {secs} s. Check that the sign-in finished in the browser; that the IdP's test application has the ACS URL {acs} and the SP Entity ID {sp_entity_id}; and that the browser runs on this computer (the test SP listens on loopback only). Then start the test login again")]
    Timeout {
        secs: u64,
        acs: String,
        sp_entity_id: String,
    },
    #[error("the test login was cancelled")]
    Cancelled,
    #[error("no test login was started: start one first (it makes the AuthnRequest the response must answer)")]
    NotStarted,
    #[error("the test SP stopped unexpectedly: start the test login again")]
    Stopped,
    #[error("the AuthnRequest could not be made: {0}")]
    Request(String),
}

/// The IdP side of a test login: what the validator trusts and where the browser is sent.
#[derive(Debug, Clone)]
pub struct IdpConfig {
    pub entity_id: EntityId,
    /// The IdP's SSO URL for the binding the requests use ([`RequestOptions::binding`]: HTTP-Redirect unless set).
    pub sso_url: IdpUrl,
    /// The configured signing certificates (DER). Only these are trusted.
    pub certs: Vec<Vec<u8>>,
    pub require_signed_assertion: bool,
    /// Legacy: accept SHA-1 signatures, reported as a warning.
    pub allow_sha1: bool,
}

/// How the test SP sends its AuthnRequests: the binding, and whether (with which key) it signs them.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    pub binding: RequestBinding,
    /// Sign every request with this key (RSA-SHA256); the IdP must know its certificate (the SP metadata).
    pub signer: Option<Arc<SpKey>>,
}

/// One test login in progress: the AuthnRequest's ID and the URL that carries it to the IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub request_id: String,
    /// Open this in the browser: on HTTP-Redirect the IdP's SSO URL with the deflated, base64 AuthnRequest; on
    /// HTTP-POST the test SP's own one-time page ([`START_PATH`]) that posts the request to the IdP.
    pub url: String,
    pub binding: RequestBinding,
    /// Whether the request is signed.
    pub signed: bool,
}

/// The test SP's SP metadata for an IdP to import: its entity ID, its ACS URL (HTTP-POST), its signing certificate
/// when `key` is given, `AuthnRequestsSigned="true"` when it also `signs` its requests with it, and its encryption
/// certificate (with the algorithms it decrypts) when `encryption` is given.
pub fn sp_metadata(
    sp_entity_id: &EntityId,
    acs_url: &AcsUrl,
    key: Option<&SpKey>,
    signs: bool,
    encryption: Option<&SpEncryptionKey>,
) -> String {
    ssopilot_saml::metadata::sp_metadata_keys(
        sp_entity_id,
        &[(Binding::HttpPost, acs_url.clone())],
        None,
        ssopilot_saml::metadata::SpKeys {
            signing: key.map(SpKey::cert_der),
            signs_requests: signs,
            encryption: encryption.map(SpEncryptionKey::cert_der),
        },
    )
}

/// The ACS URL the test SP has on `port` of 127.0.0.1 (what its metadata names before it is bound).
pub fn loopback_acs_url(port: u16) -> Result<AcsUrl, TestLoginError> {
    let url = format!("http://127.0.0.1:{port}{ACS_PATH}");
    AcsUrl::parse(&url, "ACS URL").map_err(|e| TestLoginError::Request(e.to_string()))
}

/// A response the browser posted, validated.
#[derive(Debug, Clone)]
pub struct Received {
    pub report: Report,
    /// The decoded XML of the response (for showing it), when it decoded.
    pub xml: Option<String>,
    pub relay_state: Option<String>,
    pub received_at: OffsetDateTime,
}

/// A POST to the ACS that did not become the test result: why, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnexpectedPost {
    /// The Origin header: the site whose page posted it (`null` for some, absent for non-browser clients).
    pub origin: Option<String>,
    /// The Referer header, when the browser sent one.
    pub referer: Option<String>,
    /// Why it was not taken as the result, in plain words.
    pub why: String,
    pub received_at: OffsetDateTime,
}

impl UnexpectedPost {
    /// One line for a person: where it came from and why it was not the result.
    pub fn describe(&self) -> String {
        format!(
            "from {}: {}",
            posted_from(self.origin.as_deref(), self.referer.as_deref()),
            self.why
        )
    }
}

/// Where a POST came from, in words.
fn posted_from(origin: Option<&str>, referer: Option<&str>) -> String {
    match (origin, referer) {
        (Some(o), Some(r)) => format!("origin \"{}\" (page {})", shown(o), shown(r)),
        (Some(o), None) => format!("origin \"{}\"", shown(o)),
        (None, Some(r)) => format!("page {}", shown(r)),
        (None, None) => "a client that sent neither Origin nor Referer".to_string(),
    }
}

struct Memory {
    /// The request the next response must answer.
    current: Option<String>,
    /// With the HTTP-POST binding: the one-time page that posts the current request.
    post_page: Option<start::OneTimePage>,
    /// Waiting for an IdP-initiated response (no request sent).
    idp_initiated: bool,
    /// POSTs that did not become the result, newest last.
    unexpected: VecDeque<UnexpectedPost>,
    /// Requests already answered by a passing response.
    consumed: HashSet<String>,
    seen: HashSet<String>,
    order: VecDeque<String>,
}

impl ReplayGuard for Memory {
    fn replayed(&mut self, ids: &MessageIds, answers: Option<&str>, accept: bool) -> bool {
        let seen = ids.ids.iter().any(|id| self.seen.contains(id));
        let consumed = answers.is_some_and(|r| self.consumed.contains(r));
        if accept && !seen && !consumed {
            for id in &ids.ids {
                self.remember(id.clone());
            }
            if let Some(r) = answers {
                self.consumed.insert(r.to_string());
            }
        }
        seen || consumed
    }
}

impl Memory {
    fn note_unexpected(&mut self, post: UnexpectedPost) {
        self.unexpected.push_back(post);
        while self.unexpected.len() > MAX_UNEXPECTED {
            self.unexpected.pop_front();
        }
    }

    fn remember(&mut self, id: String) {
        if self.seen.insert(id.clone()) {
            self.order.push_back(id);
        }
        while self.order.len() > MAX_SEEN_IDS {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
    }
}

struct Shared {
    /// The bound port: requests must be addressed to it.
    port: u16,
    idp: IdpConfig,
    sp_entity_id: EntityId,
    acs_url: AcsUrl,
    memory: Mutex<Memory>,
    tx: mpsc::Sender<Received>,
    /// When requests are issued and responses judged and received.
    clock: SharedClock,
    /// The test SP's encryption key: an encrypted assertion, NameID or attribute is opened with it.
    encryption: Mutex<Option<Arc<SpEncryptionKey>>>,
}

impl Shared {
    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        match self.memory.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn encryption(&self) -> Option<Arc<SpEncryptionKey>> {
        match self.encryption.lock() {
            Ok(k) => k.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// The running test SP. Dropping it stops the server.
pub struct TestSp {
    shared: Arc<Shared>,
    rx: mpsc::Receiver<Received>,
    cancel: Arc<watch::Sender<bool>>,
    task: tokio::task::JoinHandle<()>,
    requests: RequestOptions,
}

impl Drop for TestSp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Cancels a waiting [`TestSp::wait`] from elsewhere (a Cancel button).
#[derive(Clone)]
pub struct CancelHandle(Arc<watch::Sender<bool>>);

impl CancelHandle {
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
}

impl TestSp {
    /// [`Self::bind_with_clock`] on the system clock: for callers that do not hold a clock yet.
    pub async fn bind(
        ip: IpAddr,
        port: u16,
        sp_entity_id: EntityId,
        idp: IdpConfig,
    ) -> Result<Self, TestLoginError> {
        Self::bind_with_clock(ip, port, sp_entity_id, idp, SystemClock::shared()).await
    }

    /// Binds the ACS on `ip` (loopback only) and `port` (0: a free one) and starts serving; `clock` dates the
    /// AuthnRequests and is the "now" responses are validated at. Must run inside a tokio runtime with the time and
    /// I/O drivers enabled.
    pub async fn bind_with_clock(
        ip: IpAddr,
        port: u16,
        sp_entity_id: EntityId,
        idp: IdpConfig,
        clock: SharedClock,
    ) -> Result<Self, TestLoginError> {
        if !ip.is_loopback() {
            return Err(TestLoginError::NotLoopback(ip));
        }
        let addr = SocketAddr::new(ip, port);
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                TestLoginError::PortTaken { ip, port }
            } else {
                TestLoginError::Bind {
                    addr,
                    detail: e.to_string(),
                }
            }
        })?;
        let local = listener.local_addr().map_err(|e| TestLoginError::Bind {
            addr,
            detail: e.to_string(),
        })?;
        let base = match local.ip() {
            IpAddr::V4(v4) => format!("http://{v4}:{}", local.port()),
            IpAddr::V6(v6) => format!("http://[{v6}]:{}", local.port()),
        };
        let acs_url = AcsUrl::parse(&format!("{base}{ACS_PATH}"), "ACS URL").map_err(|e| {
            TestLoginError::Bind {
                addr,
                detail: e.to_string(),
            }
        })?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let shared = Arc::new(Shared {
            port: local.port(),
            idp,
            sp_entity_id,
            acs_url,
            memory: Mutex::new(Memory {
                current: None,
                post_page: None,
                idp_initiated: false,
                unexpected: VecDeque::new(),
                consumed: HashSet::new(),
                seen: HashSet::new(),
                order: VecDeque::new(),
            }),
            tx,
            clock,
            encryption: Mutex::new(None),
        });
        let serving = Arc::clone(&shared);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = Arc::clone(&serving);
                // Each connection on its own task, bounded in time: a slow client holds only its own.
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(IO_TIMEOUT, serve_one(stream, shared)).await;
                });
            }
        });
        Ok(Self {
            shared,
            rx,
            cancel: Arc::new(watch::Sender::new(false)),
            task,
            requests: RequestOptions::default(),
        })
    }

    /// Binds on 127.0.0.1 on a free port.
    pub async fn bind_loopback(
        sp_entity_id: EntityId,
        idp: IdpConfig,
    ) -> Result<Self, TestLoginError> {
        Self::bind(IpAddr::V4(Ipv4Addr::LOCALHOST), 0, sp_entity_id, idp).await
    }

    /// `http://127.0.0.1:<port>/acs`: the ACS URL the IdP's test application needs.
    pub fn acs_url(&self) -> &AcsUrl {
        &self.shared.acs_url
    }

    pub fn sp_entity_id(&self) -> &EntityId {
        &self.shared.sp_entity_id
    }

    pub fn idp(&self) -> &IdpConfig {
        &self.shared.idp
    }

    /// The clock this test SP reads (for dating what is made of its results, such as evidence).
    pub fn clock(&self) -> &SharedClock {
        &self.shared.clock
    }

    /// Chooses the binding and signing of the requests [`Self::start`] makes from now on.
    pub fn set_requests(&mut self, requests: RequestOptions) {
        self.requests = requests;
    }

    pub fn requests(&self) -> &RequestOptions {
        &self.requests
    }

    /// Decrypts what the IdP encrypted for this key's certificate (published in [`Self::sp_metadata`]) from now on;
    /// `None`: nothing is decrypted, and an encrypted assertion fails its `decryption` check.
    pub fn set_encryption_key(&mut self, key: Option<Arc<SpEncryptionKey>>) {
        let mut slot = match self.shared.encryption.lock() {
            Ok(k) => k,
            Err(poisoned) => poisoned.into_inner(),
        };
        *slot = key;
    }

    pub fn encryption_key(&self) -> Option<Arc<SpEncryptionKey>> {
        self.shared.encryption()
    }

    /// This test SP's metadata (its signing certificate included when it signs its requests, its encryption
    /// certificate when it has an encryption key).
    pub fn sp_metadata(&self) -> String {
        let key = self.requests.signer.as_deref();
        let encryption = self.shared.encryption();
        sp_metadata(
            &self.shared.sp_entity_id,
            &self.shared.acs_url,
            key,
            key.is_some(),
            encryption.as_deref(),
        )
    }

    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(Arc::clone(&self.cancel))
    }

    /// Starts a test login: a new AuthnRequest (whose ID the response must answer) and the URL to open.
    /// Responses to earlier attempts that were not collected are dropped.
    pub fn start(&mut self) -> Result<Attempt, TestLoginError> {
        let failed = |e: request::RequestError| TestLoginError::Request(e.to_string());
        let id = mint::new_id().map_err(|e| TestLoginError::Request(e.to_string()))?;
        let sso = &self.shared.idp.sso_url;
        let xml = AuthnRequest {
            id: &id,
            issuer: &self.shared.sp_entity_id,
            acs_url: &self.shared.acs_url,
            destination: sso,
            issue_instant: self.shared.clock.now(),
            is_passive: false,
        }
        .xml()
        .map_err(failed)?;
        let signer = self.requests.signer.as_deref().map(SpKey::signer);
        let binding = self.requests.binding;
        let (url, post_page) = match binding {
            RequestBinding::Redirect => (
                request::redirect_url(sso, &xml, None, signer).map_err(failed)?,
                None,
            ),
            RequestBinding::Post => {
                let form = request::post_form(sso, &xml, None, signer).map_err(failed)?;
                let page = start::OneTimePage::new(&form)?;
                let acs = self.shared.acs_url.as_str();
                let base = acs.strip_suffix(ACS_PATH).unwrap_or(acs);
                (format!("{base}{}", page.path()), Some(page))
            }
        };
        {
            let mut m = self.shared.memory();
            m.current = Some(id.clone());
            m.post_page = post_page;
            m.idp_initiated = false;
            m.unexpected.clear();
        }
        while self.rx.try_recv().is_ok() {}
        self.cancel.send_replace(false);
        Ok(Attempt {
            request_id: id,
            url,
            binding,
            signed: signer.is_some(),
        })
    }

    /// Starts waiting for an IdP-initiated login (the admin starts it at the IdP; no AuthnRequest is sent): a
    /// response without InResponseTo becomes the result, reported as unsolicited with where it was posted from.
    /// Responses to earlier attempts that were not collected are dropped.
    pub fn start_idp_initiated(&mut self) -> Result<(), TestLoginError> {
        {
            let mut m = self.shared.memory();
            m.current = None;
            m.post_page = None;
            m.idp_initiated = true;
            m.unexpected.clear();
        }
        while self.rx.try_recv().is_ok() {}
        self.cancel.send_replace(false);
        Ok(())
    }

    /// The POSTs to the ACS since the test login started that did not become its result (garbage, another
    /// request's response, an unsolicited one), oldest first, with where each came from.
    pub fn unexpected(&self) -> Vec<UnexpectedPost> {
        self.shared.memory().unexpected.iter().cloned().collect()
    }

    /// Waits for the browser's POST to the ACS and returns its validated report. Posts that carry no SAML
    /// Response at all (garbage) get a page in the browser and do not end the wait.
    pub async fn wait(&mut self, timeout: StdDuration) -> Result<Received, TestLoginError> {
        {
            let m = self.shared.memory();
            if m.current.is_none() && !m.idp_initiated {
                return Err(TestLoginError::NotStarted);
            }
        }
        let mut cancelled = self.cancel.subscribe();
        if *cancelled.borrow_and_update() {
            return Err(TestLoginError::Cancelled);
        }
        tokio::select! {
            got = self.rx.recv() => got.ok_or(TestLoginError::Stopped),
            _ = tokio::time::sleep(timeout) => Err(TestLoginError::Timeout {
                secs: timeout.as_secs(),
                acs: self.shared.acs_url.to_string(),
                sp_entity_id: self.shared.sp_entity_id.to_string(),
            }),
            _ = async {
                while cancelled.changed().await.is_ok() {
                    if *cancelled.borrow() {
                        return;
                    }
                }
                std::future::pending::<()>().await
            } => Err(TestLoginError::Cancelled),
        }
    }
}

/// The AuthnRequest XML: asks for an HTTP-POST response at our ACS, with our entity ID as Issuer (made by
/// [`ssopilot_saml::request`]; an ID that is not an XML ID gives an empty text, which no IdP accepts).
pub fn authn_request(
    id: &str,
    sp_entity_id: &EntityId,
    acs_url: &AcsUrl,
    destination: &IdpUrl,
    now: OffsetDateTime,
) -> String {
    AuthnRequest {
        id,
        issuer: sp_entity_id,
        acs_url,
        destination,
        issue_instant: now,
        is_passive: false,
    }
    .xml()
    .unwrap_or_default()
}

/// The HTTP-Redirect binding, unsigned and without RelayState: [`request::redirect_url`].
pub fn redirect_url(sso_url: &IdpUrl, xml: &str) -> Result<String, TestLoginError> {
    request::redirect_url(sso_url, xml, None, None)
        .map_err(|e| TestLoginError::Request(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssopilot_saml::response::SAMLP_NS;

    #[test]
    fn the_redirect_url_carries_a_request_the_demo_idp_can_read() {
        let sso = IdpUrl::parse("https://idp.example.com/sso?x=1", "SSO URL").unwrap();
        let sp = EntityId::parse(DEFAULT_SP_ENTITY_ID, "SP Entity ID").unwrap();
        let acs = AcsUrl::parse("http://127.0.0.1:9/acs", "ACS URL").unwrap();
        let xml = authn_request("_abc", &sp, &acs, &sso, OffsetDateTime::UNIX_EPOCH);
        let url = url::Url::parse(&redirect_url(&sso, &xml).unwrap()).unwrap();
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs[0], ("x".to_string(), "1".to_string()));
        assert_eq!(pairs[1].0, "SAMLRequest");
        let back = ssopilot_saml::binding::decode_redirect(&pairs[1].1, 64 * 1024).unwrap();
        assert_eq!(back, xml);
        let doc = ssopilot_saml::xml::parse(&back).unwrap();
        let root = doc.element(doc.root()).unwrap();
        assert!(root.is(SAMLP_NS, "AuthnRequest"));
        assert_eq!(root.attr("ID"), Some("_abc"));
        assert_eq!(root.attr("IssueInstant"), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            root.attr("AssertionConsumerServiceURL"),
            Some("http://127.0.0.1:9/acs")
        );
    }

    #[test]
    fn replay_memory_is_bounded() {
        let mut m = Memory {
            current: None,
            post_page: None,
            idp_initiated: false,
            unexpected: VecDeque::new(),
            consumed: HashSet::new(),
            seen: HashSet::new(),
            order: VecDeque::new(),
        };
        for i in 0..MAX_SEEN_IDS + 10 {
            m.remember(format!("id{i}"));
        }
        assert_eq!(m.seen.len(), MAX_SEEN_IDS);
        assert!(!m.seen.contains("id0"));
        assert!(m.seen.contains(&format!("id{}", MAX_SEEN_IDS + 9)));
    }
}
