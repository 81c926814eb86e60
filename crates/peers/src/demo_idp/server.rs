//! The demo IdP over HTTP, on 127.0.0.1 only: metadata, a login form, SP-initiated SSO (HTTP-Redirect and
//! HTTP-POST AuthnRequests), IdP-initiated launch at `/saml2/<slug>`, and the auto-posting response form.
//!
//! A deliberately small HTTP/1.1 server (one request per connection, bounded head and body, timeouts): it serves one
//! browser on the same machine, so it needs no more, and every byte it accepts is capped.
//!
//! Only this machine's own pages can drive it (issue 18): a request whose Host is not the server's own loopback
//! address and port is refused (a web page whose name resolves to 127.0.0.1 - DNS rebinding - carries its own name
//! there), the login form is posted only from the demo IdP's own origin, and each form carries a random token that
//! only the page the demo IdP served holds (renewed whenever the form is shown again). The SAML parameters of a
//! request are read in one parse that refuses any repeated one, so a signature is checked over the values used.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};

use tokio::net::{TcpListener, TcpStream};

use super::directory::{Directory, DirectoryError};
use super::key::IdpKey;
use super::mint::{self, App};
use super::rotation::KeyRing;
use crate::clock::{SharedClock, SystemClock};
use ssopilot_saml::binding;
use ssopilot_saml::escape::escape;
use ssopilot_saml::response::SAMLP_NS;
use ssopilot_saml::response::SAML_NS;
use ssopilot_saml::values::EntityId;

use crate::http::*;
pub use crate::http::{Page, MAX_BODY, MAX_HEAD};

/// Decoded AuthnRequests larger than this are refused (inflate is capped at this too).
pub const MAX_AUTHN_REQUEST: usize = 64 * 1024;
/// Pending logins kept at most (oldest dropped), so a client cannot grow memory without bound.
pub const MAX_PENDING: usize = 1024;

/// The content security policy of every page: nothing from elsewhere, no script except the one auto-post line.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-8lDeP0UDwCO6/RhblgeH/ctdBzjVpJxrXizsnIk3cEQ='; form-action *; frame-ancestors 'none'; base-uri 'none'";
/// The only script: submits the response form on load.
pub const AUTO_POST_SCRIPT: &str = "document.forms[0].submit();";

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("the demo IdP listens on loopback only (127.0.0.1 or ::1), not on {0}: it hands out signed logins to anyone who can reach it")]
    NotLoopback(IpAddr),
    #[error("cannot listen on {addr} ({detail}): is another demo IdP already running? Choose another port with --port")]
    Bind { addr: SocketAddr, detail: String },
    #[error("two applications use the IDP URL slug \"{0}\": each application needs its own")]
    DuplicateSlug(String),
    #[error("the application cannot be granted: {0}")]
    Grant(String),
    #[error("application \"{slug}\": {detail}")]
    BadApp { slug: String, detail: String },
    #[error("the IDP URL slug \"{0}\" may hold only lower-case letters, digits and '-' (1 to 64 characters)")]
    BadSlug(String),
}

/// What the server serves. The directory and the applications can change while it runs (the wizard configures the
/// application from its values), so they sit behind locks; the key never changes.
pub struct State {
    directory: RwLock<Directory>,
    /// By IDP URL slug; the slug is also the application name grants use in the directory.
    apps: RwLock<BTreeMap<String, App>>,
    /// The signing key and, during a rotation, the next or previous one (see [`KeyRing`]).
    keys: KeyRing,
    /// `http://127.0.0.1:<port>`, set when bound.
    base: String,
    /// The bound port: requests must be addressed to it.
    port: u16,
    /// `<base>/metadata`, set when bound.
    entity_id: Option<EntityId>,
    pending: Mutex<Pending>,
    /// When responses are issued (IssueInstant, NotBefore, NotOnOrAfter).
    clock: SharedClock,
}

#[derive(Default)]
struct Pending {
    next: u64,
    map: HashMap<String, Login>,
    order: std::collections::VecDeque<String>,
}

#[derive(Clone)]
struct Login {
    slug: String,
    request_id: Option<String>,
    relay_state: Option<String>,
}

fn check_slug(slug: &str) -> Result<(), ServerError> {
    let ok = !slug.is_empty()
        && slug.len() <= 64
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ServerError::BadSlug(slug.chars().take(64).collect()))
    }
}

impl State {
    pub fn new(
        directory: Directory,
        apps: Vec<(String, App)>,
        key: IdpKey,
    ) -> Result<Self, ServerError> {
        Self::with_key_ring(directory, apps, KeyRing::in_memory(key))
    }

    /// [`State::new`] with a key ring (kept in the keychain, perhaps mid-rotation).
    pub fn with_key_ring(
        directory: Directory,
        apps: Vec<(String, App)>,
        keys: KeyRing,
    ) -> Result<Self, ServerError> {
        let mut map = BTreeMap::new();
        for (slug, app) in apps {
            check_slug(&slug)?;
            if map.insert(slug.clone(), app).is_some() {
                return Err(ServerError::DuplicateSlug(slug));
            }
        }
        Ok(Self {
            directory: RwLock::new(directory),
            apps: RwLock::new(map),
            keys,
            base: String::new(),
            port: 0,
            entity_id: None,
            pending: Mutex::new(Pending::default()),
            clock: SystemClock::shared(),
        })
    }

    /// The clock the responses are dated by (the system clock unless set here).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }
}

impl State {
    /// The keys: the one responses are signed with now, and a rotation of them (see [`KeyRing`]).
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// A copy of the applications, by slug.
    pub fn apps(&self) -> BTreeMap<String, App> {
        self.apps.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn app(&self, slug: &str) -> Option<App> {
        self.apps
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(slug)
            .cloned()
    }

    /// Replaces every application with `apps` (checked first: on an error nothing changes).
    pub fn replace_apps(&self, apps: Vec<(String, App)>) -> Result<(), ServerError> {
        let mut map = BTreeMap::new();
        for (slug, app) in apps {
            check_slug(&slug)?;
            app.check().map_err(|e| ServerError::BadApp {
                slug: slug.clone(),
                detail: e.to_string(),
            })?;
            if map.insert(slug.clone(), app).is_some() {
                return Err(ServerError::DuplicateSlug(slug));
            }
        }
        *self.apps.write().unwrap_or_else(|p| p.into_inner()) = map;
        Ok(())
    }

    /// Reads the directory.
    pub fn with_directory<T>(&self, f: impl FnOnce(&Directory) -> T) -> T {
        f(&self.directory.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Changes the directory (grants, users, groups) while the server runs.
    pub fn with_directory_mut<T>(&self, f: impl FnOnce(&mut Directory) -> T) -> T {
        f(&mut self.directory.write().unwrap_or_else(|p| p.into_inner()))
    }

    /// `http://127.0.0.1:<port>` once bound.
    pub fn base_url(&self) -> &str {
        &self.base
    }
}

/// A bound server; [`Server::run`] serves until the task is dropped.
pub struct Server {
    listener: TcpListener,
    state: Arc<State>,
}

impl Server {
    /// Binds to `addr`, which must be a loopback address (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr, state: State) -> Result<Self, ServerError> {
        if !addr.ip().is_loopback() {
            return Err(ServerError::NotLoopback(addr.ip()));
        }
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| ServerError::Bind {
                addr,
                detail: e.to_string(),
            })?;
        Self::from_listener(listener, state)
    }

    /// Serves on a listener already bound (to try several ports without giving up the state); loopback only.
    pub fn from_listener(listener: TcpListener, mut state: State) -> Result<Self, ServerError> {
        let local = listener.local_addr().map_err(|e| ServerError::Bind {
            addr: SocketAddr::new(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0),
            detail: e.to_string(),
        })?;
        if !local.ip().is_loopback() {
            return Err(ServerError::NotLoopback(local.ip()));
        }
        state.port = local.port();
        state.base = match local.ip() {
            IpAddr::V4(ip) => format!("http://{ip}:{}", local.port()),
            IpAddr::V6(ip) => format!("http://[{ip}]:{}", local.port()),
        };
        let id = format!("{}/metadata", state.base);
        state.entity_id =
            Some(
                EntityId::parse(&id, "IdP Entity ID").map_err(|e| ServerError::Bind {
                    addr: local,
                    detail: e.to_string(),
                })?,
            );
        Ok(Self {
            listener,
            state: Arc::new(state),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.state.base
    }

    /// The IdP entity ID (`<base>/metadata`).
    pub fn entity_id(&self) -> Option<&EntityId> {
        self.state.entity_id.as_ref()
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Adds an application granted to `groups` after binding, when its values depend on the bound address (the IdP
    /// entity ID, the SSO URL).
    pub fn add_app(&mut self, slug: &str, app: App, groups: &[&str]) -> Result<(), ServerError> {
        check_slug(slug)?;
        let mut apps = self.state.apps.write().unwrap_or_else(|p| p.into_inner());
        if apps.contains_key(slug) {
            return Err(ServerError::DuplicateSlug(slug.to_string()));
        }
        {
            let mut directory = self
                .state
                .directory
                .write()
                .unwrap_or_else(|p| p.into_inner());
            for g in groups {
                directory
                    .grant(slug, g)
                    .map_err(|e| ServerError::Grant(e.to_string()))?;
            }
        }
        apps.insert(slug.to_string(), app);
        Ok(())
    }

    /// The state, shared with the running server (to change its applications while it serves).
    pub fn shared_state(&self) -> Arc<State> {
        Arc::clone(&self.state)
    }

    /// Serves connections forever (each on its own task).
    pub async fn run(self) {
        loop {
            let Ok((stream, _)) = self.listener.accept().await else {
                continue;
            };
            let state = Arc::clone(&self.state);
            tokio::spawn(async move {
                let _ = tokio::time::timeout(IO_TIMEOUT, serve_one(stream, &state)).await;
            });
        }
    }
}

async fn serve_one(stream: TcpStream, state: &State) {
    let page = match read_request(&stream).await {
        Ok(req) if !host_is_ours(req.host.as_deref(), state.port) => {
            misdirected("SSO Pilot's demo IdP", state.port, req.host.as_deref())
        }
        Ok(req) => route(state, &req),
        Err(page) => page,
    };
    // Same-origin: the browser sends our origin on our own login form (with no-referrer it would send
    // "Origin: null", which the login refuses), and nothing to other sites.
    respond_with(&stream, &page, CSP, "same-origin").await;
}

fn form(s: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(s).into_owned().collect()
}

fn route(state: &State, req: &Request) -> Page {
    let segments: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
    match (req.method.as_str(), segments.as_slice()) {
        ("GET", ["metadata"]) => match &state.entity_id {
            Some(id) => metadata_page(state, id, false),
            None => error_page(500, "Not ready", "The server is not bound yet."),
        },
        ("GET", ["saml2", slug, "metadata"]) => match state.app(slug) {
            Some(app) => metadata_page(state, &app.idp_entity_id, app.require_signed_requests),
            None => unknown_slug(slug),
        },
        ("GET", ["saml2", slug]) => match state.app(slug) {
            Some(_) => match start(state, slug, None, None) {
                Ok(token) => login_form(state, token, None),
                Err(page) => page,
            },
            None => unknown_slug(slug),
        },
        // The HTTP-POST binding comes from the SP's page, another site: its Origin is foreign by nature. It only
        // shows a login form; the login itself is checked below.
        ("GET", ["sso"]) => sso_params(state, &req.query, true),
        ("POST", ["sso"]) => sso_params(state, &String::from_utf8_lossy(&req.body), false),
        ("POST", ["login"]) => match req.origin.as_deref() {
            Some(origin) if !origin_is_ours(origin, state.port) => error_page(
                403,
                "Sign-in from another site refused",
                &format!(
                    "The sign-in form was posted from another site (origin \"{}\"), not from the demo IdP's own page at {}. Start the sign-in again from the service provider or the application link, and sign in on the demo IdP's page.",
                    shown(origin),
                    state.base
                ),
            ),
            _ => login(state, &form(&req.body)),
        },
        ("GET", [""]) => home(state),
        (_, ["metadata" | "sso" | "login" | "saml2", ..]) => error_page(
            405,
            "Method not allowed",
            "This address does not accept that kind of request.",
        ),
        _ => error_page(
            404,
            "Not found",
            "There is nothing at this address. The demo IdP's metadata is at /metadata.",
        ),
    }
}

/// The metadata of `id`, listing every published certificate (two during a rotation).
fn metadata_page(state: &State, id: &EntityId, want_authn_requests_signed: bool) -> Page {
    let keys = state.keys.published();
    let refs: Vec<&IdpKey> = keys.iter().map(AsRef::as_ref).collect();
    xml_page(mint::metadata_with_keys(
        id,
        &format!("{}/sso", state.base),
        &refs,
        want_authn_requests_signed,
    ))
}

fn xml_page(body: String) -> Page {
    Page {
        status: 200,
        content_type: "application/samlmetadata+xml; charset=utf-8",
        body,
    }
}

fn home(state: &State) -> Page {
    let apps: String = state
        .apps()
        .iter()
        .map(|(slug, app)| {
            format!(
                "<li><a href=\"/saml2/{s}\">{s}</a>: {sp} (<a href=\"/saml2/{s}/metadata\">metadata</a>)</li>",
                s = escape(slug),
                sp = escape(app.sp_entity_id.as_str())
            )
        })
        .collect();
    html(
        200,
        "SSO Pilot demo IdP",
        &format!("<p>Metadata: <a href=\"/metadata\">/metadata</a></p><ul>{apps}</ul>"),
    )
}

fn unknown_slug(slug: &str) -> Page {
    error_page(
        404,
        "Unknown application",
        &format!(
            "No application has the IDP URL slug \"{}\". Check the IdP URL configured in the service provider.",
            slug.chars().take(64).collect::<String>()
        ),
    )
}

/// Remembers a login in progress under a new random token (what its form carries); an error page when no random
/// token can be made (a guessable one would let another site post the form).
fn start(
    state: &State,
    slug: &str,
    request_id: Option<String>,
    relay_state: Option<String>,
) -> Result<String, Page> {
    let token = mint::new_id().map_err(|e| {
        error_page(
            500,
            "Sign-in unavailable",
            &format!("The sign-in form could not be prepared ({e}). Try again."),
        )
    })?;
    let mut p = match state.pending.lock() {
        Ok(p) => p,
        Err(poisoned) => poisoned.into_inner(),
    };
    p.next = p.next.wrapping_add(1);
    p.map.insert(
        token.clone(),
        Login {
            slug: slug.to_string(),
            request_id,
            relay_state,
        },
    );
    p.order.push_back(token.clone());
    while p.order.len() > MAX_PENDING {
        if let Some(old) = p.order.pop_front() {
            p.map.remove(&old);
        }
    }
    Ok(token)
}

/// Moves a pending login to a new token (the form is shown again); the old token is forgotten.
fn renew(state: &State, old: &str) -> Result<String, Page> {
    let login = state
        .pending
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .map
        .remove(old);
    match login {
        Some(l) => start(state, &l.slug, l.request_id, l.relay_state),
        None => Ok(old.to_string()),
    }
}

fn login_form(state: &State, token: String, error: Option<&str>) -> Page {
    let app = state
        .pending
        .lock()
        .ok()
        .and_then(|p| p.map.get(&token).map(|l| l.slug.clone()))
        .unwrap_or_default();
    let err = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    html(
        if error.is_some() { 401 } else { 200 },
        "Sign in",
        &format!(
            "<p>Sign in to continue to <strong>{}</strong>.</p>{err}<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"token\" value=\"{}\"><label for=\"email\">Email</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required autofocus><label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required><button type=\"submit\">Sign in</button></form>",
            escape(&app),
            escape(&token)
        ),
    )
}

/// The signature algorithm URI the demo IdP accepts on signed requests (SHA-1 is refused).
pub const RSA_SHA256_URI: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// The HTTP-Redirect binding's signature (SAML bindings 3.4.4.1): over the raw, still URL-encoded
/// `SAMLRequest=..&RelayState=..&SigAlg=..` as the query carried them, with a configured SP certificate's key.
/// `params` come from the one parse whose decoded values the IdP then uses (repeats refused there).
fn verify_redirect_signature(
    params: &binding::SamlParams<'_>,
    certs: &[Vec<u8>],
) -> Result<(), String> {
    let Some(signature) = &params.signature else {
        return Err("it is not signed (no Signature parameter), and this application requires signed requests: configure the service provider to sign its AuthnRequests".into());
    };
    let sig_alg = params
        .sig_alg
        .as_ref()
        .ok_or("it has a Signature but no SigAlg parameter")?;
    let decoded_alg = sig_alg.value.as_str();
    if decoded_alg != RSA_SHA256_URI {
        return Err(format!(
            "it is signed with {}, which this IdP does not accept: sign with RSA-SHA256",
            decoded_alg.chars().take(200).collect::<String>()
        ));
    }
    let mut signed = format!(
        "SAMLRequest={}",
        params.saml_request.as_ref().map_or("", |p| p.raw)
    );
    if let Some(r) = &params.relay_state {
        signed.push_str(&format!("&RelayState={}", r.raw));
    }
    signed.push_str(&format!("&SigAlg={}", sig_alg.raw));
    let sig = ssopilot_saml::xmldsig::decode_base64(&signature.value)
        .ok_or("its Signature is not base64")?;
    for der in certs {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
            continue;
        };
        let key = cert.public_key().subject_public_key.data.as_ref();
        if ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            key,
        )
        .verify(signed.as_bytes(), &sig)
        .is_ok()
        {
            return Ok(());
        }
    }
    Err("its signature does not verify with the SP certificate configured for this application: configure the certificate the service provider signs with".into())
}

/// The HTTP-POST binding's signature: an enveloped XML signature on the AuthnRequest itself.
fn verify_post_signature(
    doc: &ssopilot_saml::xml::Document,
    certs: &[Vec<u8>],
) -> Result<(), String> {
    let root = doc.root();
    let Some(sig) = doc
        .children_named(root, ssopilot_saml::xmldsig::DS_NS, "Signature")
        .next()
    else {
        return Err("it is not signed (no ds:Signature in the AuthnRequest), and this application requires signed requests: configure the service provider to sign its AuthnRequests".into());
    };
    match ssopilot_saml::xmldsig::verify(doc, sig, certs, false) {
        Ok(v) if v.signed_element == root => Ok(()),
        Ok(_) => Err("its signature does not cover the AuthnRequest".into()),
        Err(e) => Err(format!("its signature does not verify ({e}): configure the certificate the service provider signs with")),
    }
}

/// Reads the SAML parameters of an SSO request (the query of an HTTP-Redirect request, `redirect`, or the form
/// body of an HTTP-POST one) in one parse, refusing repeats, and goes on with [`sso`].
fn sso_params(state: &State, text: &str, redirect: bool) -> Page {
    match binding::saml_params(text) {
        Ok(params) => sso(state, &params, redirect),
        Err(e) => error_page(
            400,
            "Malformed sign-in request",
            &format!("The service provider sent an AuthnRequest this IdP cannot use: {e}. Check the SSO URL and binding configured in the service provider."),
        ),
    }
}

/// SP-initiated SSO: decode and check the AuthnRequest, find its application, check its signature when the
/// application requires one, show the login form. `redirect`: the HTTP-Redirect binding (else HTTP-POST).
fn sso(state: &State, params: &binding::SamlParams<'_>, redirect: bool) -> Page {
    let request = params.saml_request.as_ref().map(|p| &p.value);
    let relay = params.relay_state.as_ref().map(|p| &p.value);
    let bad = |why: String| {
        error_page(
            400,
            "Malformed sign-in request",
            &format!("The service provider sent an AuthnRequest this IdP cannot use: {why}. Check the SSO URL and binding configured in the service provider."),
        )
    };
    let Some(raw) = request else {
        return bad("there is no SAMLRequest parameter".into());
    };
    let xml = if redirect {
        match binding::decode_redirect(raw, MAX_AUTHN_REQUEST) {
            Ok(x) => x,
            Err(e) => return bad(e.to_string()),
        }
    } else {
        if raw.len() > MAX_AUTHN_REQUEST * 2 {
            return bad("it is too large".into());
        }
        match ssopilot_saml::xmldsig::decode_base64(raw) {
            Some(bytes) if bytes.trim_ascii_start().starts_with(b"<") => {
                match String::from_utf8(bytes) {
                    Ok(x) => x,
                    Err(_) => return bad("the SAMLRequest value is not UTF-8 text".into()),
                }
            }
            Some(bytes) if binding::inflate(&bytes, MAX_AUTHN_REQUEST).is_ok() => {
                return bad("the SAMLRequest is DEFLATE-compressed, which belongs to the HTTP-Redirect binding only: on HTTP-POST it must be plain base64 of the XML (SAML bindings 3.5.4). Turn off the compression of POSTed requests in the service provider (node-saml / passport-saml compress them unless told not to), or send the request with HTTP-Redirect".into())
            }
            _ => return bad("the SAMLRequest value is not base64 of UTF-8 XML".into()),
        }
    };
    let doc = match ssopilot_saml::xml::parse(&xml) {
        Ok(d) => d,
        Err(e) => return bad(format!("it is not well-formed XML ({e})")),
    };
    let Some(root) = doc
        .element(doc.root())
        .filter(|e| e.is(SAMLP_NS, "AuthnRequest"))
    else {
        return bad("its root element is not a samlp:AuthnRequest".into());
    };
    let Some(id) = root.attr("ID").map(str::to_string) else {
        return bad("it has no ID".into());
    };
    if mint::check_request_id(&id).is_err() {
        return bad("its ID is not a valid XML ID".into());
    }
    let acs = root.attr("AssertionConsumerServiceURL").map(str::to_string);
    let issuer = doc
        .element_children(doc.root())
        .filter_map(|c| doc.element(c).map(|e| (c, e)))
        .find(|(_, e)| e.is(SAML_NS, "Issuer"))
        .map(|(c, _)| doc.text_only(c).0.trim().to_string());
    let Some(issuer) = issuer else {
        return bad("it has no Issuer (the SP Entity ID)".into());
    };
    let apps = state.apps();
    let Some((slug, app)) = apps.iter().find(|(_, a)| a.sp_entity_id.as_str() == issuer) else {
        return error_page(
            403,
            "Unknown service provider",
            &format!(
                "No application here has the SP Entity ID \"{}\". Configure the same SP Entity ID on both sides.",
                issuer.chars().take(200).collect::<String>()
            ),
        );
    };
    if app.require_signed_requests {
        let checked = if redirect {
            verify_redirect_signature(params, &app.sp_certs)
        } else {
            verify_post_signature(&doc, &app.sp_certs)
        };
        if let Err(why) = checked {
            return error_page(
                403,
                "Unsigned or badly signed sign-in request",
                &format!("The service provider's AuthnRequest was refused: {why}."),
            );
        }
    }
    if let Some(acs) = &acs {
        if acs != app.acs_url.as_str() {
            return error_page(
                403,
                "Unknown ACS URL",
                &format!(
                    "The request asks for the response to go to \"{}\", which is not this application's ACS URL ({}). Configure the same ACS URL on both sides.",
                    acs.chars().take(300).collect::<String>(),
                    app.acs_url
                ),
            );
        }
    }
    let relay = relay
        .filter(|r| r.len() <= 1024 && !r.chars().any(char::is_control))
        .cloned();
    // The demo IdP always asks for the password, so a passive request cannot be honoured: SAML core 3.4.1 wants a
    // NoPassive status sent back, not a form shown.
    if root.attr("IsPassive").map(str::trim) == Some("true") {
        return match mint::no_passive(app, &id, &state.keys.signing(), state.clock.now()) {
            Ok(xml) => auto_post(
                app.acs_url.as_str(),
                &mint::post_value(&xml),
                relay.as_deref(),
            ),
            Err(e) => error_page(500, "The response could not be made", &e.to_string()),
        };
    }
    match start(state, slug, Some(id), relay) {
        Ok(token) => login_form(state, token, None),
        Err(page) => page,
    }
}

fn login(state: &State, f: &HashMap<String, String>) -> Page {
    let token = f.get("token").cloned().unwrap_or_default();
    let pending = state
        .pending
        .lock()
        .ok()
        .and_then(|p| p.map.get(&token).cloned());
    let Some(pending) = pending else {
        return error_page(
            400,
            "Sign-in expired",
            "This sign-in is unknown or has already been used. Start again from the service provider or the application link.",
        );
    };
    let email = f.get("email").map(String::as_str).unwrap_or_default();
    let password = f.get("password").map(String::as_str).unwrap_or_default();
    let user = match state.with_directory(|d| d.authenticate(email, password).cloned()) {
        Ok(u) => u,
        Err(DirectoryError::BadCredentials) => {
            // The form is shown again with a new token: the old one no longer signs in.
            return match renew(state, &token) {
                Ok(token) => login_form(state, token, Some("Wrong email or password. Try again.")),
                Err(page) => page,
            };
        }
        Err(e) => return error_page(500, "Sign-in failed", &e.to_string()),
    };
    if !state.with_directory(|d| d.is_assigned(email, &pending.slug)) {
        return error_page(
            403,
            "Not assigned",
            &format!(
                "{} is not assigned to the application \"{}\": grant the application to one of the user's groups.",
                user.email, pending.slug
            ),
        );
    }
    let Some(app) = state.app(&pending.slug) else {
        return unknown_slug(&pending.slug);
    };
    if let Ok(mut p) = state.pending.lock() {
        p.map.remove(&token);
    }
    match mint::mint(
        &app,
        &user,
        pending.request_id.as_deref(),
        &state.keys.signing(),
        state.clock.now(),
    ) {
        Ok(xml) => auto_post(
            app.destination().as_str(),
            &mint::post_value(&xml),
            pending.relay_state.as_deref(),
        ),
        Err(e) => error_page(500, "The response could not be made", &e.to_string()),
    }
}

/// The form that carries the SAMLResponse to the ACS URL, submitted by the one allowed script.
pub fn auto_post(acs: &str, saml_response: &str, relay_state: Option<&str>) -> Page {
    let relay = relay_state
        .map(|r| {
            format!(
                "<input type=\"hidden\" name=\"RelayState\" value=\"{}\">",
                escape(r)
            )
        })
        .unwrap_or_default();
    html(
        200,
        "Signing you in",
        &format!(
            "<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"{}\">{relay}<noscript><p>JavaScript is off: press Continue.</p></noscript><button type=\"submit\">Continue</button></form><script>{AUTO_POST_SCRIPT}</script>",
            escape(acs),
            escape(saml_response)
        ),
    )
}
