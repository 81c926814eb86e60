//! `ssopilot demo`: the whole pairing on loopback with nothing to configure. The demo IdP and the loopback test SP
//! are started on free ports and paired (an application with the test SP's entity ID and ACS URL, granted to the
//! demo users' group), then a scripted browser signs in as a demo user through the real HTTP endpoints: it opens
//! the AuthnRequest URL at the IdP, posts the login form, and posts the auto-posting response form to the ACS.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use time::{Duration, OffsetDateTime};

use super::evidence::Evidence;
use super::run::{self as loopback, Run, RunError};
use super::{Attempt, IdpConfig, TestLoginError, TestSp, DEFAULT_SP_ENTITY_ID};
use crate::clock::{Clock, SharedClock, ShiftedClock, SystemClock};
use crate::demo_idp::directory::{Directory, DEMO_PASSWORD};
use crate::demo_idp::fault::Fault;
use crate::demo_idp::key::IdpKey;
use crate::demo_idp::mint::App;
use crate::demo_idp::server::{Server, State};
use ssopilot_saml::response::Report;
use ssopilot_saml::values::{AcsUrl, EntityId, IdpUrl};

/// The demo user who signs in (a member of the group the demo application is granted to).
pub const DEMO_USER: &str = "Ada.Lovelace@Example.com";
/// The demo user's account at the demo SP: the email as JumpCloud-like IdPs send it, in lower case.
pub const DEMO_SP_USER: &str = "ada.lovelace@example.com";
/// The group the demo application is granted to.
pub const DEMO_GROUP: &str = "Engineering";
/// The demo application's IDP URL slug.
pub const DEMO_SLUG: &str = "ssopilot-demo";
/// Each HTTP exchange of the scripted browser must finish within this.
const HTTP_TIMEOUT: StdDuration = StdDuration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo IdP could not start: {0}")]
    Idp(String),
    #[error("the test SP could not start: {0}")]
    Sp(#[from] TestLoginError),
    #[error("the scripted browser cannot start: {0}")]
    Client(String),
    #[error("{step} failed: {detail}")]
    Step { step: &'static str, detail: String },
    /// The IdP showed an error page instead of going on (it refused the request or the user).
    #[error("{step} failed: the IdP answered HTTP {} \"{}\": {}", page.status, page.title, page.text)]
    IdpRefused { step: &'static str, page: IdpPage },
}

/// An error page the IdP showed instead of the login form or the response: its status, heading and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpPage {
    pub status: u16,
    pub title: String,
    pub text: String,
}

impl IdpPage {
    fn of(page: &Fetched) -> Self {
        Self {
            status: page.status,
            title: page_heading(&page.body),
            text: page_error(&page.body),
        }
    }
}

/// What the demo did and found.
#[derive(Debug)]
pub struct DemoRun {
    pub idp_base_url: String,
    pub idp_entity_id: EntityId,
    pub sp_entity_id: EntityId,
    pub acs_url: String,
    pub user: String,
    /// The account the SP has for the user (what the response's email must match).
    pub sp_user: String,
    /// What the SP reads: SP attribute name -> IdP attribute.
    pub attribute_map: BTreeMap<String, String>,
    /// When the test SP made the AuthnRequest (by its clock): a response issued before it came from a clock that
    /// is behind.
    pub requested_at: OffsetDateTime,
    /// The planted misconfiguration, when there is one.
    pub fault: Option<Fault>,
    /// What the browser did, one line per step, for the terminal.
    pub steps: Vec<String>,
    pub report: Report,
    /// Present when every check passed.
    pub evidence: Option<Evidence>,
}

/// A tiny scripted browser over reqwest: loopback only, no proxy, no redirects followed behind our back.
pub struct Browser {
    client: reqwest::Client,
}

/// A page the browser got.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub status: u16,
    pub body: String,
}

/// The scripted browser's HTTP client: loopback only, no proxy, and no redirects followed behind the caller's back.
/// TLS is never used (every URL is http://127.0.0.1), but reqwest wants a backend; it gets ring's with no trusted
/// roots, so an https URL would fail rather than trust anything.
pub fn loopback_client() -> Result<reqwest::Client, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ssopilot-demo/", env!("CARGO_PKG_VERSION")))
        .timeout(HTTP_TIMEOUT)
        .build()
        .map_err(|e| e.to_string())
}

impl Browser {
    pub fn new() -> Result<Self, String> {
        Ok(Self {
            client: loopback_client()?,
        })
    }

    async fn finish(r: reqwest::Response) -> Result<Fetched, String> {
        let status = r.status().as_u16();
        let body = r.text().await.map_err(|e| e.to_string())?;
        Ok(Fetched { status, body })
    }

    pub async fn get(&self, url: &str) -> Result<Fetched, String> {
        let r = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Self::finish(r).await
    }

    /// POSTs `fields` as `application/x-www-form-urlencoded`, as a browser submits a form.
    pub async fn post_form(&self, url: &str, fields: &[(&str, &str)]) -> Result<Fetched, String> {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let r = self
            .client
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Self::finish(r).await
    }
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of the `<input ... name="NAME" value="...">` in a page.
pub fn input_value(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let len = page.get(start..)?.find('"')?;
    Some(unescape(page.get(start..start + len)?))
}

/// The action of the first form in a page (attributes in any order, as IdPs write them).
pub fn form_action(page: &str) -> Option<String> {
    let start = page.find("<form")?;
    let tag = page.get(start..start + page.get(start..)?.find('>')?)?;
    let at = tag.find(" action=\"")? + " action=\"".len();
    let len = tag.get(at..)?.find('"')?;
    Some(unescape(tag.get(at..at + len)?))
}

/// The text of a page's first heading.
fn page_heading(page: &str) -> String {
    page.find("<h1>")
        .and_then(|i| {
            let rest = page.get(i + 4..)?;
            rest.get(..rest.find("</h1>")?)
        })
        .map_or_else(String::new, unescape)
}

/// The text of a page's first error paragraph, for messages.
fn page_error(page: &str) -> String {
    let text = page
        .find("class=\"error\"")
        .or_else(|| page.find("class=\"fail\""))
        .and_then(|i| {
            let rest = page.get(i..)?;
            let s = rest.find('>')? + 1;
            let e = rest.find("</p>")?;
            rest.get(s..e)
        })
        .unwrap_or("(no message)");
    unescape(text)
}

/// [`run_with_clock`] on the system clock: for callers that do not hold a clock yet.
pub async fn run(key: IdpKey, timeout: StdDuration) -> Result<DemoRun, DemoError> {
    run_with_clock(key, timeout, SystemClock::shared()).await
}

/// Runs the demo pairing with `key` as the demo IdP's key; `clock` dates the request, the response, the validation
/// and the evidence. Must run inside a tokio runtime (time and I/O enabled).
pub async fn run_with_clock(
    key: IdpKey,
    timeout: StdDuration,
    clock: SharedClock,
) -> Result<DemoRun, DemoError> {
    run_pairing(key, timeout, clock, None).await
}

/// [`run_with_clock`] with one planted misconfiguration ([`Fault`]): in the IdP application, in what the pairing
/// grants, in the certificate the SP keeps, or in how late the response arrives. A fault that makes the IdP show
/// an error page instead of a response (`user-not-assigned`) ends in [`DemoError::IdpRefused`].
pub async fn run_with_fault(
    key: IdpKey,
    timeout: StdDuration,
    clock: SharedClock,
    fault: Fault,
) -> Result<DemoRun, DemoError> {
    run_pairing(key, timeout, clock, Some(fault)).await
}

async fn run_pairing(
    key: IdpKey,
    timeout: StdDuration,
    clock: SharedClock,
    fault: Option<Fault>,
) -> Result<DemoRun, DemoError> {
    let idp_err = |e: &dyn std::fmt::Display| DemoError::Idp(e.to_string());
    // The SP keeps the IdP's previous certificate when the IdP has rotated its key.
    let cert = if fault.is_some_and(Fault::sp_has_old_certificate) {
        IdpKey::generate_ephemeral()
            .map_err(|e| idp_err(&e))?
            .cert_der()
            .to_vec()
    } else {
        key.cert_der().to_vec()
    };
    let directory = Directory::demo().map_err(|e| idp_err(&e))?;
    let state = State::new(directory, Vec::new(), key)
        .map_err(|e| idp_err(&e))?
        .with_clock(Arc::clone(&clock));
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut server = Server::bind(SocketAddr::new(loopback, 0), state)
        .await
        .map_err(|e| idp_err(&e))?;
    let idp_base_url = server.base_url().to_string();
    let idp_entity_id = server
        .entity_id()
        .cloned()
        .ok_or_else(|| DemoError::Idp("it has no entity ID".into()))?;
    let sso_url =
        IdpUrl::parse(&format!("{idp_base_url}/sso"), "IdP SSO URL").map_err(|e| idp_err(&e))?;
    let sp_entity_id =
        EntityId::parse(DEFAULT_SP_ENTITY_ID, "SP Entity ID").map_err(|e| idp_err(&e))?;
    // The test SP's clock: the computer's, moved on when the response is delivered late.
    let sp_clock = Arc::new(ShiftedClock::new(Arc::clone(&clock), Duration::ZERO));
    let attribute_map: BTreeMap<String, String> = App::default_attributes().into_iter().collect();
    let test = Run {
        ip: loopback,
        port: 0,
        sp_entity_id: sp_entity_id.clone(),
        idp: IdpConfig {
            entity_id: idp_entity_id.clone(),
            sso_url,
            certs: vec![cert],
            require_signed_assertion: true,
            allow_sha1: false,
        },
        timeout,
        attribute_map: attribute_map.clone(),
        clock: Arc::clone(&sp_clock) as SharedClock,
        requests: Default::default(),
        encryption: None,
    };
    let mut steps = Vec::new();
    let mut idp_task = None;
    let mut requested_at = sp_clock.now();
    // Once the test SP listens: the demo application gets its ACS URL, the IdP starts, the scripted browser signs in.
    let result = loopback::run(test, async |sp: &TestSp, attempt: &Attempt| {
        requested_at = sp_clock.now();
        let mut app = App::new(
            sp_entity_id.clone(),
            sp.acs_url().clone(),
            idp_entity_id.clone(),
        );
        if let Some(f) = fault {
            f.plant(&mut app);
        }
        let groups: &[&str] = if fault.is_none_or(Fault::grants_access) {
            &[DEMO_GROUP]
        } else {
            &[]
        };
        server
            .add_app(DEMO_SLUG, app, groups)
            .map_err(|e| idp_err(&e))?;
        idp_task = Some(tokio::spawn(server.run()));
        let delay = fault.and_then(Fault::delivery_delay);
        sign_in(
            attempt,
            sp.acs_url(),
            delay.map(|d| (&*sp_clock, d)),
            &mut steps,
        )
        .await
    })
    .await;
    if let Some(task) = idp_task {
        task.abort();
    }
    let finished = result.map_err(|e| match e {
        RunError::TestLogin(e) | RunError::NoAnswer { error: e, .. } => DemoError::Sp(e),
        RunError::Show(e) => e,
    })?;
    Ok(DemoRun {
        idp_base_url,
        idp_entity_id,
        sp_entity_id,
        acs_url: finished.tested.acs_url.to_string(),
        user: DEMO_USER.to_string(),
        sp_user: DEMO_SP_USER.to_string(),
        attribute_map,
        requested_at,
        fault,
        steps,
        report: finished.received.report,
        evidence: finished.evidence,
    })
}

/// The browser's part: AuthnRequest URL -> login form -> auto-post form -> ACS (the test SP then has the response).
/// The response goes to the test SP's `acs` even when the IdP's form names another URL, as SSO Pilot's login window
/// holds a response wherever it was going; `delay` moves the test SP's clock on before the post (the user left the
/// page open), without waiting.
pub(crate) async fn sign_in(
    attempt: &Attempt,
    acs: &AcsUrl,
    delay: Option<(&ShiftedClock, Duration)>,
    steps: &mut Vec<String>,
) -> Result<(), DemoError> {
    let browser = Browser::new().map_err(DemoError::Client)?;
    let step = |step: &'static str, detail: String| DemoError::Step { step, detail };
    const OPENING: &str = "opening the IdP's SSO URL with the AuthnRequest";
    const SIGNING_IN: &str = "signing in at the IdP";
    let form = browser
        .get(&attempt.url)
        .await
        .map_err(|e| step(OPENING, e))?;
    if form.status != 200 {
        return Err(DemoError::IdpRefused {
            step: OPENING,
            page: IdpPage::of(&form),
        });
    }
    let token = input_value(&form.body, "token")
        .ok_or_else(|| step(OPENING, "the IdP's page has no login form".into()))?;
    steps.push(format!(
        "Opened the IdP's SSO URL with AuthnRequest {} (HTTP-Redirect): login form shown",
        attempt.request_id
    ));
    let base = form_base(&attempt.url);
    let posted = browser
        .post_form(
            &format!("{base}/login"),
            &[
                ("token", token.as_str()),
                ("email", DEMO_USER),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await
        .map_err(|e| step(SIGNING_IN, e))?;
    let (Some(action), Some(saml_response)) = (
        form_action(&posted.body),
        input_value(&posted.body, "SAMLResponse"),
    ) else {
        return Err(DemoError::IdpRefused {
            step: SIGNING_IN,
            page: IdpPage::of(&posted),
        });
    };
    steps.push(format!(
        "Signed in as {DEMO_USER}: the IdP returned the auto-posting form for {action}"
    ));
    if action != acs.as_str() {
        steps.push(format!(
            "The IdP's form posts to {action}, not to the test SP's ACS {acs}: SSO Pilot takes the response to the ACS to check it, as its login window does"
        ));
    }
    if let Some((clock, by)) = delay {
        clock.advance(by);
        steps.push(format!(
            "Left the IdP's page open for {} minutes before the response was posted (the test SP's clock was moved on; nothing waited)",
            by.whole_minutes()
        ));
    }
    let relay = input_value(&posted.body, "RelayState");
    let mut fields = vec![("SAMLResponse", saml_response.as_str())];
    if let Some(r) = &relay {
        fields.push(("RelayState", r.as_str()));
    }
    let landed = browser
        .post_form(acs.as_str(), &fields)
        .await
        .map_err(|e| step("posting the response to the test SP's ACS", e))?;
    steps.push(format!(
        "Posted the SAMLResponse to the ACS: HTTP {}",
        landed.status
    ));
    Ok(())
}

/// `http://127.0.0.1:<port>` of a URL (where the login form posts).
fn form_base(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_read_and_unescaped() {
        let page = "<form method=\"post\" action=\"http://127.0.0.1:1/acs?a=1&amp;b=2\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"PHg+&quot;\">";
        assert_eq!(
            form_action(page).as_deref(),
            Some("http://127.0.0.1:1/acs?a=1&b=2")
        );
        assert_eq!(input_value(page, "SAMLResponse").as_deref(), Some("PHg+\""));
        assert_eq!(input_value(page, "RelayState"), None);
        assert_eq!(
            form_action("<form action=\"https://x/acs\" method=\"post\"><input>").as_deref(),
            Some("https://x/acs")
        );
        assert_eq!(
            page_error("<p class=\"error\">Wrong &amp; bad</p>"),
            "Wrong & bad"
        );
    }
}
