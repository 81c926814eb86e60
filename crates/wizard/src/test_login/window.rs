//! The login window: the shell opens the IdP's sign-in in a window of the app and hands back the response it
//! captured, which answers the request the wizard made.

use super::*;
use ssopilot_peers::test_login::key::SpKey;
use ssopilot_saml::request::{self, AuthnRequest, PostForm, RequestBinding};

/// What the shell needs to open the login window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginWindowJob {
    pub id: u64,
    /// Where the window goes; with `post`, the IdP's SSO URL the form is posted to.
    pub url: String,
    /// HTTP-POST binding: the form the window must post (a URL alone cannot make a browser POST). The shell serves
    /// it as a one-time loopback page ([`ssopilot_peers::test_login::start::StartPage`]) and opens that page.
    pub post: Option<PostForm>,
    /// The only origin whose pages may send the captured response back (the IdP's).
    pub allowed_origin: String,
}

/// A page the login window showed that was not a SAML response (the sign-in form, or an IdP's error page), as the
/// capture script read it. Untrusted text from the IdP: bounded and cleaned before it is shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct SeenPage {
    pub url: String,
    pub title: String,
    /// The page's first heading and visible text (the script sends at most a few kilobytes).
    pub text: String,
    /// The HTTP status, where the browser tells it.
    pub status: Option<u16>,
}

/// The longest page title or excerpt shown (characters).
const MAX_PAGE_WORDS: usize = 160;

/// `text` on one line, without control characters, at most `max` characters (with "…" when cut).
fn bounded(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let line: String = words
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if line.chars().count() > max {
        let mut cut: String = line.chars().take(max).collect();
        cut.push('…');
        cut
    } else {
        line
    }
}

/// What an IdP page that is not a SAML response usually means, and the step that fixes it: the IdP's own words
/// (Entra's AADSTS codes, "not assigned", a 4xx status) are matched, never trusted further.
pub(crate) fn diagnose_page(page: &SeenPage, idp: &str) -> Option<(StepId, String)> {
    let all = format!("{} {}", page.title, page.text).to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| all.contains(w));
    if has(&[
        "aadsts50105",
        "not assigned",
        "isn't assigned",
        "is not assigned",
        "not been assigned",
        "not authorized to access",
        "not allowed to access",
        "don't have access",
        "do not have access",
        "access denied",
        "no access to",
    ]) || page.status == Some(403)
    {
        return Some((
            StepId::AssignUsers,
            format!("{idp} does not let the test user into the application: grant it to the test user's group (step 6)"),
        ));
    }
    if has(&[
        "aadsts50011",
        "reply url",
        "reply address",
        "assertion consumer",
        "acs url",
        "acs_url",
    ]) {
        return Some((
            StepId::IdpApp,
            format!("{idp} does not accept the ACS URL: it must be the same in {idp}'s application as in step 2 (step 3)"),
        ));
    }
    if has(&[
        "aadsts700016",
        "application with identifier",
        "unknown service provider",
        "entity id",
        "entityid",
        "issuer",
        "no metadata",
        "metadata not found",
        "unknown sp",
    ]) {
        return Some((
            StepId::IdpApp,
            format!("{idp} does not know this service provider: its application must have the SP entity ID of step 2 (step 3)"),
        ));
    }
    if has(&[
        "signature",
        "not signed",
        "unsigned",
        "incorrectlysigned",
        "incorrectly signed",
        "aadsts50008",
    ]) {
        return Some((
            StepId::TestLogin,
            format!("{idp} may want signed sign-in requests: tick Sign the request here, or start the sign-in another way"),
        ));
    }
    let failed = page.status.is_some_and(|s| s >= 400)
        || has(&[
            "bad request",
            "method not allowed",
            "error",
            "invalid request",
            "not found",
        ]);
    failed.then(|| {
        (
            StepId::IdpApp,
            format!("{idp} refused to start the sign-in: check the SSO URL of step 3, or choose another way to start"),
        )
    })
}

#[derive(Debug)]
pub enum CaptureStart {
    /// No test is waiting for a response, or it already has one.
    Refused,
    /// Taken, and answered without a check (too large, configuration incomplete): the view says why.
    Done,
    /// To be checked with [`CaptureJob::run`], outside the session lock.
    Check(Box<CaptureJob>),
}

/// Everything checking a caught response needs, apart from the session.
#[derive(Debug)]
pub struct CaptureJob {
    window_id: u64,
    policy: Policy,
    input: String,
    not_evaluated: Vec<String>,
    idp_initiated: bool,
    how: String,
}

/// A checked capture, for [`Session::login_window_capture_checked`].
#[derive(Debug)]
pub struct CaptureChecked {
    window_id: u64,
    report: Report,
    xml: Option<String>,
    not_evaluated: Vec<String>,
    idp_initiated: bool,
    how: String,
}

impl CaptureJob {
    /// Validates the response: the only costly part, with no session borrowed.
    pub fn run(self) -> CaptureChecked {
        let report = response::validate(self.input.as_bytes(), &self.policy);
        let xml = report.decoded_xml().map(str::to_string);
        CaptureChecked {
            window_id: self.window_id,
            report,
            xml,
            not_evaluated: self.not_evaluated,
            idp_initiated: self.idp_initiated,
            how: self.how,
        }
    }
}

/// How the next login window starts: decided without the keychain (the view asks on every render).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Plan {
    /// Our own AuthnRequest to `sso` by `binding`, signed when `sign`.
    Request {
        sso: IdpUrl,
        binding: RequestBinding,
        sign: bool,
    },
    /// Open `url` (the IdP's launch link, or the SP's login page) and take the response it ends with.
    Open { url: String, start: LoginStart },
}

/// Where the login window goes and what its response must answer.
pub(super) struct WindowStart {
    /// What the window opens (for HTTP-POST, the SSO URL `post` goes to).
    url: String,
    post: Option<PostForm>,
    /// What the view shows as opened.
    shown: String,
    request_id: Option<String>,
    allowed_origin: String,
    start: LoginStart,
    /// "SP-initiated, HTTP-Redirect, signed": recorded with the report.
    how: String,
}

impl Model {
    /// The test SP's request-signing key from the keychain, loaded once per run of the app.
    fn test_sp_key(&mut self) -> Result<std::sync::Arc<SpKey>, String> {
        if let Some(k) = &self.steps.test_login.run.sp_key {
            return Ok(k.clone());
        }
        let secrets = match &self.secrets {
            Some(Ok(s)) => s.clone(),
            Some(Err(e)) => {
                return Err(format!(
                    "a signed request needs the test SP's key from the system keychain, which is not available \
                     ({e}): untick Sign the request, or fix the keychain and try again"
                ))
            }
            None => {
                return Err("a signed request needs the system keychain, which this run has not opened: untick \
                            Sign the request"
                    .into())
            }
        };
        let key = std::sync::Arc::new(SpKey::load_or_create(&secrets).map_err(|e| e.to_string())?);
        self.steps.test_login.run.sp_key = Some(key.clone());
        Ok(key)
    }

    /// Reads the test SP's signing key from the keychain once step 7 shows a signed request, so that its
    /// certificate is shown before the window opens (a failure is said when the window is opened).
    pub(crate) fn load_signing_key_when_shown(&mut self) {
        let signed_request_shown = self.current == StepId::TestLogin
            && !self.demo_chosen()
            && self.chosen_start() == Some(LoginStart::SpInitiated)
            && self.request_options().1;
        if signed_request_shown
            && self.steps.test_login.run.sp_key.is_none()
            && matches!(self.secrets, Some(Ok(_)))
        {
            let _ = self.test_sp_key();
        }
    }

    /// " The last page ({host}, HTTP 403) said “…”. <what it usually means>." for the window's error.
    fn page_words(&self, page: &SeenPage) -> String {
        let host = url::Url::parse(&page.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| self.idp_name().to_string());
        let status = page
            .status
            .filter(|s| *s >= 400)
            .map(|s| format!(", HTTP {s}"))
            .unwrap_or_default();
        let words = if page.title.is_empty() {
            page.text.clone()
        } else if page.text.is_empty() || page.text.starts_with(&page.title) {
            page.title.clone()
        } else {
            format!("{}: {}", page.title, bounded(&page.text, MAX_PAGE_WORDS))
        };
        let mut out = format!(" The last page ({host}{status}) said “{words}”.");
        match diagnose_page(page, self.idp_name()) {
            Some((_, hint)) => out.push_str(&format!(" Usually: {hint}.")),
            None => out.push_str(" Open the window again and finish the sign-in."),
        }
        out
    }

    /// The ways the profiles allow, in order of preference.
    pub(super) fn login_starts(&self) -> Vec<LoginStart> {
        if self.demo_chosen() {
            return vec![LoginStart::SpInitiated];
        }
        let login = self.idp().map(|p| p.login.clone()).unwrap_or_default();
        let mut out = Vec::new();
        if login.sp_initiated {
            out.push(LoginStart::SpInitiated);
        }
        if login.idp_initiated.is_some() {
            out.push(LoginStart::IdpInitiated);
        }
        if self.sp_login_page().is_some() {
            out.push(LoginStart::SpLoginPage);
        }
        out
    }

    /// The best way: SP-initiated when the SSO URL is known (it checks the most), else the first allowed.
    pub(super) fn best_start(&self) -> Option<LoginStart> {
        let starts = self.login_starts();
        let sso_known = self.steps.idp_app.idp_sso_url(self.idp()).is_ok();
        if sso_known && starts.contains(&LoginStart::SpInitiated) {
            return Some(LoginStart::SpInitiated);
        }
        starts
            .iter()
            .copied()
            .find(|s| *s != LoginStart::SpInitiated)
            .or(starts.first().copied())
    }

    pub(super) fn chosen_start(&self) -> Option<LoginStart> {
        let choice = self.steps.test_login.choice.start;
        choice
            .filter(|s| self.login_starts().contains(s))
            .or_else(|| self.best_start())
    }

    /// The SP's own login page that starts SAML (profile data), with its address.
    fn sp_login_page(&self) -> Option<(&crate::profiles::SpLogin, String)> {
        let login = self.sp()?.login.as_ref()?;
        let site = self.steps.sp_values.site_url.trim();
        let address = login.address((!site.is_empty()).then_some(site))?;
        Some((login, address))
    }

    /// The binding and signing of our AuthnRequest, and where that choice comes from.
    fn request_options(&self) -> (RequestBinding, bool, String) {
        let idp = self.idp_name();
        let imported = self.import.idp_requests.as_ref();
        if let Some((post, sign)) = self.steps.test_login.choice.request {
            let binding = if post {
                RequestBinding::Post
            } else {
                RequestBinding::Redirect
            };
            return (binding, sign, "As you chose.".into());
        }
        match imported {
            Some(r) => {
                let post_only = r.post.is_some() && r.redirect.is_none();
                let binding = if post_only {
                    RequestBinding::Post
                } else {
                    RequestBinding::Redirect
                };
                let mut why = format!(
                    "From {idp}'s metadata: {} ({}).",
                    binding.short(),
                    if post_only {
                        "the only binding its SSO service lists"
                    } else {
                        "listed by its SSO service"
                    }
                );
                if r.want_signed {
                    why.push_str(" It asks for signed requests (WantAuthnRequestsSigned).");
                }
                (binding, r.want_signed, why)
            }
            None => (
                RequestBinding::Redirect,
                false,
                "HTTP-Redirect, unsigned: what most IdPs take. Import the IdP's metadata in step 3 to follow what \
                 it lists, or choose here."
                    .into(),
            ),
        }
    }

    /// The SSO URL for `binding`: the one the imported metadata lists for it, else step 3's.
    fn sso_for(&self, binding: RequestBinding) -> Result<IdpUrl, String> {
        let step3 = self.steps.idp_app.idp_sso_url(self.idp())?;
        let listed = self
            .import
            .idp_requests
            .as_ref()
            .and_then(|r| match binding {
                RequestBinding::Redirect => r.redirect.clone(),
                RequestBinding::Post => r.post.clone(),
            });
        Ok(listed
            .and_then(|u| IdpUrl::parse(&u, "SSO URL").ok())
            .unwrap_or(step3))
    }

    /// How the login window would start now, or why it cannot.
    pub(super) fn login_window_plan(&self) -> Result<Plan, String> {
        if let Some(why) = self.not_ready() {
            return Err(why);
        }
        let start = self
            .chosen_start()
            .ok_or("the IdP profile allows no way to start a sign-in: add a [login] table to it")?;
        match start {
            LoginStart::SpInitiated => {
                let (binding, sign, _) = self.request_options();
                let sso = self.sso_for(binding)?;
                Ok(Plan::Request { sso, binding, sign })
            }
            LoginStart::IdpInitiated => {
                let link = self
                    .idp()
                    .and_then(|p| p.login.idp_initiated.as_ref())
                    .ok_or("the IdP profile names no launch link")?;
                let url = if link.is_sso_url {
                    self.steps
                        .idp_app
                        .idp_sso_url(self.idp())?
                        .as_str()
                        .to_string()
                } else {
                    let typed = self.steps.test_login.choice.link.trim();
                    if typed.is_empty() {
                        return Err(format!(
                            "paste {}'s {} first{}",
                            self.idp_name(),
                            link.label,
                            link.help
                                .as_deref()
                                .map(|h| format!(" ({h})"))
                                .unwrap_or_default()
                        ));
                    }
                    https_url(typed, &link.label)?
                };
                Ok(Plan::Open { url, start })
            }
            LoginStart::SpLoginPage => {
                let (login, url) = self
                    .sp_login_page()
                    .ok_or("the SP profile names no login page")?;
                let url = https_url(&url, &login.label)?;
                Ok(Plan::Open { url, start })
            }
        }
    }

    /// Where the login window starts, with a fresh AuthnRequest for the configured SP when it is SP-initiated.
    /// `key` signs it when the plan says so.
    pub(super) fn login_window_start(&self, key: Option<&SpKey>) -> Result<WindowStart, String> {
        let plan = self.login_window_plan()?;
        // The IdP posts the response from its SSO service, whichever way the sign-in started.
        let allowed_origin = origin_of(self.steps.idp_app.idp_sso_url(self.idp())?.as_str())?;
        match plan {
            Plan::Request { sso, binding, sign } => {
                let config = self.tested_config().ok_or("Complete steps 1 to 5 first")?;
                let id = ssopilot_peers::demo_idp::mint::new_id().map_err(|e| e.to_string())?;
                let xml = AuthnRequest {
                    id: &id,
                    issuer: &config.sp_entity_id,
                    acs_url: &config.acs_url,
                    destination: &sso,
                    issue_instant: self.now(),
                    is_passive: false,
                }
                .xml()
                .map_err(|e| e.to_string())?;
                let signer = match (sign, key) {
                    (false, _) => None,
                    (true, Some(k)) => Some(k.signer()),
                    (true, None) => return Err("signing needs the test SP's key".into()),
                };
                let (url, post) = match binding {
                    RequestBinding::Redirect => (
                        request::redirect_url(&sso, &xml, None, signer)
                            .map_err(|e| e.to_string())?,
                        None,
                    ),
                    // A URL cannot make the window POST: the shell serves this form on loopback, once, and the
                    // window opens that page, which posts it to the IdP.
                    RequestBinding::Post => (
                        sso.as_str().to_string(),
                        Some(
                            request::post_form(&sso, &xml, None, signer)
                                .map_err(|e| e.to_string())?,
                        ),
                    ),
                };
                let how = format!(
                    "SP-initiated, {}, {}",
                    binding.short(),
                    if sign { "signed" } else { "unsigned" }
                );
                let shown = match binding {
                    RequestBinding::Redirect => url.clone(),
                    RequestBinding::Post => format!("{sso} (the request is posted)"),
                };
                Ok(WindowStart {
                    url,
                    post,
                    shown,
                    request_id: Some(id),
                    allowed_origin,
                    start: LoginStart::SpInitiated,
                    how,
                })
            }
            Plan::Open { url, start } => Ok(WindowStart {
                shown: url.clone(),
                url,
                post: None,
                request_id: None,
                allowed_origin,
                start,
                how: match start {
                    LoginStart::SpLoginPage => {
                        format!("started at {}'s login page", self.sp_name())
                    }
                    _ => "IdP-initiated".into(),
                },
            }),
        }
    }

    /// The admin's choices of step 7's login window.
    pub(super) fn apply_login_choice(&mut self, action: &Action) -> Result<(), String> {
        let choice = &mut self.steps.test_login.choice;
        match action {
            Action::SetLoginStart { start } => {
                if !self.login_starts().contains(start) {
                    return Err(format!(
                        "{} does not offer this way to start a sign-in",
                        self.idp_name()
                    ));
                }
                self.steps.test_login.choice.start = Some(*start);
            }
            Action::SetLoginRequest { post, sign } => choice.request = Some((*post, *sign)),
            Action::SetLaunchLink { link } => {
                choice.link = link.chars().take(MAX_LINK).collect();
            }
            _ => {}
        }
        Ok(())
    }

    fn start_options(&self) -> Option<LoginStartView> {
        let chosen = self.chosen_start()?;
        let best = self.best_start();
        let sp = self.sp_name().to_string();
        let idp = self.idp_name().to_string();
        let acs = self.acs_label().to_string();
        let options = self
            .login_starts()
            .into_iter()
            .map(|start| {
                let (label, proves) = match start {
                    LoginStart::SpInitiated => (
                        format!("Send a sign-in request for {sp} (SP-initiated)"),
                        format!(
                            "The full exchange: {idp} answers a request for your {} and {acs}, made as {sp} \
                             would make it, and the response must answer that request (InResponseTo is checked).",
                            self.sp_entity_label()
                        ),
                    ),
                    LoginStart::IdpInitiated => {
                        let link = self
                            .idp()
                            .and_then(|p| p.login.idp_initiated.as_ref())
                            .map(|l| l.label.clone())
                            .unwrap_or_else(|| "launch link".into());
                        (
                            format!("Start at {idp}'s {link} (IdP-initiated)"),
                            format!(
                                "{idp} signs the user in and sends a response to your {acs} without a request: \
                                 everything is checked but InResponseTo, and {sp} must accept sign-ins started \
                                 at {idp} for Continue to work."
                            ),
                        )
                    }
                    LoginStart::SpLoginPage => {
                        let (label, unverified) = self
                            .sp_login_page()
                            .map(|(l, _)| (l.label.clone(), l.unverified))
                            .unwrap_or_default();
                        let mut proves = format!(
                            "The real sign-in: {sp} makes its own request. SSO Pilot does not know that request, \
                             so InResponseTo is left to {sp}; SSO must be enabled in {sp} first (step 8)."
                        );
                        if unverified {
                            proves.push_str(&format!(
                                " SSO Pilot knows this page of {sp} from memory: if it does not lead to {idp}, \
                                 choose another way."
                            ));
                        }
                        (format!("Start at {sp}'s {label} page"), proves)
                    }
                };
                LoginStartOption {
                    start,
                    label,
                    proves,
                    chosen: start == chosen,
                    recommended: Some(start) == best,
                }
            })
            .collect();
        let request = (chosen == LoginStart::SpInitiated && !self.demo_chosen()).then(|| {
            let (binding, sign, mut note) = self.request_options();
            let certificate = self
                .steps
                .test_login
                .run
                .sp_key
                .as_ref()
                .filter(|_| sign)
                .map(|k| k.cert_pem());
            if sign {
                let shown = if certificate.is_some() {
                    "below"
                } else {
                    "ssopilot test-login --print-sp-metadata --sign-requests shows it"
                };
                note.push_str(&format!(
                    " Signed with SSO Pilot's test SP key (kept in your system keychain): {idp} checks the \
                     signature only with that key's certificate, so give the application the test SP's \
                     certificate ({shown}) or leave signing off."
                ));
            }
            RequestView {
                post: binding == RequestBinding::Post,
                sign,
                note,
                certificate,
            }
        });
        let link = (chosen == LoginStart::IdpInitiated)
            .then(|| self.idp().and_then(|p| p.login.idp_initiated.as_ref()))
            .flatten()
            .filter(|l| !l.is_sso_url)
            .map(|l| LaunchLinkView {
                label: l.label.clone(),
                help: l.help.clone(),
                value: self.steps.test_login.choice.link.clone(),
            });
        Some(LoginStartView {
            options,
            request,
            link,
        })
    }

    pub(super) fn login_window_way(&self) -> Block {
        let sp = self.sp_name().to_string();
        let idp = self.idp_name().to_string();
        let acs = self.acs_label().to_string();
        let user = self.test_user_words();
        let window = self.steps.test_login.run.window.as_ref();
        let chosen = self.chosen_start();
        let mut steps = match chosen {
            _ if self.demo_chosen() => vec![
                format!(
                    "Press Open the login window. It opens the demo IdP with a sign-in request for {} (your {} of \
                     step 2), as {sp} would send it.",
                    self.steps.sp_values.sp_entity_id.trim(),
                    self.sp_entity_label()
                ),
                format!(
                    "Sign in as {user}; every demo user has the password {}.",
                    ssopilot_peers::demo_idp::directory::DEMO_PASSWORD
                ),
            ],
            Some(LoginStart::IdpInitiated) => vec![
                format!(
                    "Press Open the login window. It opens {idp}'s launch link, which signs you in and sends you \
                     on to {sp} (IdP-initiated)."
                ),
                format!("Sign in as {user}, with that account's {idp} password."),
            ],
            Some(LoginStart::SpLoginPage) => vec![
                format!(
                    "Press Open the login window. It opens {sp}'s login page: choose SSO there, and {sp} sends you \
                     to {idp} with its own sign-in request."
                ),
                format!("Sign in as {user}, with that account's {idp} password."),
            ],
            _ => vec![
                format!(
                    "Press Open the login window. It opens {idp}'s {} ({}) with a sign-in request for {} (your {} \
                     of step 2) and your {acs}, as {sp} would send it.",
                    self.sso_url_label(),
                    self.steps.idp_app.idp_sso_url.trim(),
                    self.steps.sp_values.sp_entity_id.trim(),
                    self.sp_entity_label()
                ),
                format!("Sign in as {user}, with that account's {idp} password."),
            ],
        };
        steps.push(format!(
            "When {idp} sends the response back, SSO Pilot holds it before it reaches {sp}'s {acs} and checks it \
             against your configuration. The report appears on this page."
        ));
        let continue_means = match chosen {
            Some(LoginStart::SpInitiated) => format!(
                " The response answers SSO Pilot's request, not one {sp} made: an SP that keeps track of its own \
                 requests may refuse it on Continue (it did not ask), though the check here has passed."
            ),
            _ => String::new(),
        };
        steps.push(format!(
            "Then choose Continue to {sp} (the response goes on exactly as it was, so {sp} records the sign-in; SSO \
             must be enabled there, step 8) or Stop (the window closes and nothing reaches {sp}).{continue_means}"
        ));
        Block::TestLoginWay {
            way: TestWay::LoginWindow,
            title: "Sign in through a login window (recommended)".into(),
            text: format!(
                "A real sign-in with {idp}, captured inside SSO Pilot: the same response {sp} would get."
            ),
            steps,
            start_label: if matches!(self.evidence_state(), EvidenceState::Stale { .. }) {
                "Test again: open the login window".into()
            } else {
                "Open the login window".into()
            },
            url: window.map(|w| w.shown.clone()),
            running: window.is_some_and(|w| w.captured.is_none() && !w.continued),
            captured: window.is_some_and(|w| w.captured.is_some()),
            continue_label: Some(format!("Continue to {sp}")),
            unavailable: self.login_window_plan().err(),
            note: format!(
                "Checked against your {} and {acs}: a pass is recorded as evidence and unlocks step 9 (Enforce).",
                self.sp_entity_label()
            ),
            value: String::new(),
            error: self.steps.test_login.run.window_error.clone(),
            start: self.start_options(),
            decryption_key: None,
        }
    }
}

/// The longest launch link kept (a URL, not a document).
const MAX_LINK: usize = 4096;

/// `text` as a URL the window may open (https, or http on loopback), or why not (naming the value by `label`).
fn https_url(text: &str, label: &str) -> Result<String, String> {
    // The rule of the IdP's SSO URL at step 3: https, or http on this computer's loopback (an IdP run locally);
    // no credentials, no fragment.
    IdpUrl::parse(text.trim(), "link")
        .ok()
        .and_then(|u| url::Url::parse(u.as_str()).ok())
        .map(|u| u.to_string())
        .ok_or_else(|| format!("the {label} must be an https address (https://...)"))
}

/// `scheme://host[:port]` of a URL: the only origin whose pages may hand a captured response to SSO Pilot.
pub(super) fn origin_of(url: &str) -> Result<String, String> {
    let u = url::Url::parse(url).map_err(|_| format!("{url} is not a URL"))?;
    let origin = u.origin();
    if !origin.is_tuple() {
        return Err(format!("{url} has no web origin"));
    }
    Ok(origin.ascii_serialization())
}

// ---- what the shell drives -----------------------------------------------------------------------------------------

mod choice;
mod session;

pub(super) use choice::check_saved_choice;
pub use choice::SavedLoginChoice;
pub(super) use choice::StartChoice;

#[cfg(test)]
mod tests;
