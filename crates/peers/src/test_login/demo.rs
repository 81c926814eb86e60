//! `ssopilot demo`: the whole pairing on loopback with nothing to configure. The demo IdP and the loopback test SP
//! are started on free ports and paired (an application with the test SP's entity ID and ACS URL, granted to the
//! demo users' group), then a scripted browser signs in as a demo user through the real HTTP endpoints: it opens
//! the AuthnRequest URL at the IdP, posts the login form, and posts the auto-posting response form to the ACS.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use super::evidence::Evidence;
use super::run::{self as loopback, Run, RunError};
use super::{Attempt, IdpConfig, TestLoginError, TestSp, DEFAULT_SP_ENTITY_ID};
use crate::clock::{SharedClock, SystemClock};
use crate::demo_idp::directory::{Directory, DEMO_PASSWORD};
use crate::demo_idp::key::IdpKey;
use crate::demo_idp::mint::App;
use crate::demo_idp::server::{Server, State};
use ssopilot_saml::response::Report;
use ssopilot_saml::values::{EntityId, IdpUrl};

/// The demo user who signs in (a member of the group the demo application is granted to).
pub const DEMO_USER: &str = "Ada.Lovelace@Example.com";
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
}

/// What the demo did and found.
#[derive(Debug)]
pub struct DemoRun {
    pub idp_base_url: String,
    pub idp_entity_id: EntityId,
    pub sp_entity_id: EntityId,
    pub acs_url: String,
    pub user: String,
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
    let cert = key.cert_der().to_vec();
    let directory = Directory::demo().map_err(|e| DemoError::Idp(e.to_string()))?;
    let state = State::new(directory, Vec::new(), key)
        .map_err(|e| DemoError::Idp(e.to_string()))?
        .with_clock(Arc::clone(&clock));
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut server = Server::bind(SocketAddr::new(loopback, 0), state)
        .await
        .map_err(|e| DemoError::Idp(e.to_string()))?;
    let idp_base_url = server.base_url().to_string();
    let idp_entity_id = server
        .entity_id()
        .cloned()
        .ok_or_else(|| DemoError::Idp("it has no entity ID".into()))?;
    let sso_url = IdpUrl::parse(&format!("{idp_base_url}/sso"), "IdP SSO URL")
        .map_err(|e| DemoError::Idp(e.to_string()))?;
    let sp_entity_id = EntityId::parse(DEFAULT_SP_ENTITY_ID, "SP Entity ID")
        .map_err(|e| DemoError::Idp(e.to_string()))?;
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
        attribute_map: App::default_attributes().into_iter().collect(),
        clock,
        requests: Default::default(),
    };
    let mut steps = Vec::new();
    let mut idp_task = None;
    // Once the test SP listens: the demo application gets its ACS URL, the IdP starts, the scripted browser signs in.
    let result = loopback::run(test, async |sp: &TestSp, attempt: &Attempt| {
        let app = App::new(
            sp_entity_id.clone(),
            sp.acs_url().clone(),
            idp_entity_id.clone(),
        );
        server
            .add_app(DEMO_SLUG, app, &[DEMO_GROUP])
            .map_err(|e| DemoError::Idp(e.to_string()))?;
        idp_task = Some(tokio::spawn(server.run()));
        sign_in(attempt, &mut steps).await
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
        steps,
        report: finished.received.report,
        evidence: finished.evidence,
    })
}

/// The browser's part: AuthnRequest URL -> login form -> auto-post form -> ACS (the test SP then has the response).
pub(crate) async fn sign_in(attempt: &Attempt, steps: &mut Vec<String>) -> Result<(), DemoError> {
    let browser = Browser::new().map_err(DemoError::Client)?;
    let step = |step: &'static str, detail: String| DemoError::Step { step, detail };
    let form = browser
        .get(&attempt.url)
        .await
        .map_err(|e| step("opening the IdP's SSO URL with the AuthnRequest", e))?;
    if form.status != 200 {
        return Err(step(
            "opening the IdP's SSO URL with the AuthnRequest",
            format!("HTTP {}: {}", form.status, page_error(&form.body)),
        ));
    }
    let token = input_value(&form.body, "token").ok_or_else(|| {
        step(
            "opening the IdP's SSO URL with the AuthnRequest",
            "the IdP's page has no login form".into(),
        )
    })?;
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
        .map_err(|e| step("signing in at the IdP", e))?;
    let (Some(acs), Some(saml_response)) = (
        form_action(&posted.body),
        input_value(&posted.body, "SAMLResponse"),
    ) else {
        return Err(step(
            "signing in at the IdP",
            format!("HTTP {}: {}", posted.status, page_error(&posted.body)),
        ));
    };
    steps.push(format!(
        "Signed in as {DEMO_USER}: the IdP returned the auto-posting form for {acs}"
    ));
    let relay = input_value(&posted.body, "RelayState");
    let mut fields = vec![("SAMLResponse", saml_response.as_str())];
    if let Some(r) = &relay {
        fields.push(("RelayState", r.as_str()));
    }
    let landed = browser
        .post_form(&acs, &fields)
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
