//! The built-in demo IdP inside the wizard: offered first in step 1 (preselected on a fresh start, so anyone can try
//! the whole journey in a minute), step 3 filled in from the running demo IdP, and the demo IdP's application kept
//! configured from the wizard's values (SP entity ID, ACS URL, attribute map).
//!
//! The app starts the demo IdP once at launch ([`DemoIdp::start_default`]) and hands it to the session
//! ([`Session::attach_demo`]); the shell only holds it. Which profile is the demo is data (`builtin_demo = true` in
//! `profiles/idp/demo.toml`), never a branch on a profile name.

use std::sync::Arc;

use super::view::{Block, Notice, Severity};
use super::{Model, Session};
use crate::profiles::IdpProfile;
use ssopilot_peers::clock::SystemClock;
use ssopilot_peers::demo_idp::directory::DEMO_PASSWORD;
use ssopilot_peers::demo_idp::key::{IdpKey, TEMPORARY_KEY_NOTE};
use ssopilot_peers::demo_idp::mint::{self, App, SignMode, DIRECTORY_ATTRIBUTES};
use ssopilot_peers::demo_idp::rotation::KeyRing;
use ssopilot_peers::demo_idp::running::RunningDemoIdp;
use ssopilot_peers::demo_idp::DEFAULT_PORT;
use ssopilot_peers::secrets::{Secrets, SecretsError};

/// The demo IdP's application for step 7's loopback test SP.
pub const LOOPBACK_SLUG: &str = "ssopilot-test-sp";

/// The demo IdP of this run of the app: serving, or why it is not.
#[derive(Clone)]
pub enum DemoIdp {
    Running(Arc<RunningDemoIdp>),
    /// A plain-words reason, shown on the demo IdP's option in step 1.
    Unavailable(String),
}

impl std::fmt::Debug for DemoIdp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemoIdp::Running(r) => f.debug_tuple("Running").field(&r.base_url()).finish(),
            DemoIdp::Unavailable(why) => f.debug_tuple("Unavailable").field(why).finish(),
        }
    }
}

fn unavailable(why: impl std::fmt::Display) -> DemoIdp {
    DemoIdp::Unavailable(format!(
        "The demo IdP is not available: {why}. Choose another identity provider, or fix this and restart SSO Pilot."
    ))
}

impl DemoIdp {
    /// What the app does at launch: the signing key from the OS keychain (made on first use), or a temporary key
    /// when there is no keychain; port [`DEFAULT_PORT`] or the next free one. Never panics: any failure becomes
    /// [`DemoIdp::Unavailable`].
    pub fn start_default() -> DemoIdp {
        DemoIdp::start(Secrets::os(), DEFAULT_PORT)
    }

    /// Starts with the key kept in `secrets` (the OS keychain, or the mock in tests) on `first_port` or the next
    /// free one (0: any free port). Without a keychain it runs on a temporary key, which the view points out.
    pub fn start(secrets: Result<Secrets, SecretsError>, first_port: u16) -> DemoIdp {
        match KeyRing::from_keychain_or_temporary(secrets) {
            Ok(keys) => {
                match RunningDemoIdp::start_with_keys(keys, first_port, SystemClock::shared()) {
                    Ok(r) => DemoIdp::Running(Arc::new(r)),
                    Err(e) => unavailable(format!("it could not start ({e})")),
                }
            }
            Err(e) => unavailable(e),
        }
    }

    /// Starts with a key already loaded.
    pub fn start_with_key(key: IdpKey, first_port: u16) -> DemoIdp {
        match RunningDemoIdp::start(key, first_port) {
            Ok(r) => DemoIdp::Running(Arc::new(r)),
            Err(e) => unavailable(format!("it could not start ({e})")),
        }
    }

    pub fn running(&self) -> Option<&RunningDemoIdp> {
        match self {
            DemoIdp::Running(r) => Some(r),
            DemoIdp::Unavailable(_) => None,
        }
    }

    pub fn unavailable_reason(&self) -> Option<&str> {
        match self {
            DemoIdp::Running(_) => None,
            DemoIdp::Unavailable(why) => Some(why),
        }
    }
}

/// Step 3's warning when the demo IdP runs on a temporary key.
fn temporary_key_callout(why: &str) -> String {
    let mut note = TEMPORARY_KEY_NOTE.to_string();
    if let Some(first) = note.get(..1) {
        note = first.to_uppercase() + note.get(1..).unwrap_or_default();
    }
    format!(
        "{note}, so the SP must be given the new certificate after each restart. It lives in memory only and is never \
         written to a file. SSO Pilot could not keep a key: {why}"
    )
}

/// The IDP URL slug of the wizard's application: the SP's suggested name in lower case ("infisical").
fn slug_for(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(64).collect();
    if slug.is_empty() {
        "app".into()
    } else {
        slug
    }
}

impl Model {
    pub(super) fn demo_running(&self) -> Option<&RunningDemoIdp> {
        self.demo.as_ref().and_then(DemoIdp::running)
    }

    /// The admin chose the profile of the built-in demo IdP.
    pub(super) fn demo_chosen(&self) -> bool {
        self.idp().is_some_and(|p| p.builtin_demo)
    }

    /// Step 1's problem when the demo IdP is chosen but cannot run.
    pub(super) fn demo_unavailable_for_choice(&self) -> Option<String> {
        if !self.demo_chosen() {
            return None;
        }
        self.demo
            .as_ref()
            .and_then(DemoIdp::unavailable_reason)
            .map(str::to_string)
    }

    pub(super) fn idp_option_description(&self, p: &IdpProfile) -> String {
        match (p.builtin_demo, self.demo_running()) {
            (true, Some(r)) => match r.temporary_key_reason() {
                None => format!("{} Running now at {}.", p.description, r.base_url()),
                Some(_) => format!(
                    "{} Running now at {} ({TEMPORARY_KEY_NOTE}).",
                    p.description,
                    r.base_url()
                ),
            },
            _ => p.description.clone(),
        }
    }

    pub(super) fn idp_option_unavailable(&self, p: &IdpProfile) -> Option<String> {
        if !p.builtin_demo {
            return None;
        }
        self.demo
            .as_ref()
            .and_then(DemoIdp::unavailable_reason)
            .map(str::to_string)
    }

    /// Whether step 5 holds a certificate that is not the running demo IdP's, put there by the admin.
    pub(super) fn demo_certificate_replaced(&self) -> bool {
        self.demo_chosen()
            && !self.steps.certificate.pem.trim().is_empty()
            && self.demo_running().is_some_and(|r| {
                !r.published_cert_pems()
                    .iter()
                    .any(|p| p.trim() == self.steps.certificate.pem.trim())
            })
    }

    /// The demo IdP can send only what its directory holds.
    pub(super) fn demo_attribute_error(&self, idp_name: &str) -> Option<String> {
        (self.demo_chosen() && !DIRECTORY_ATTRIBUTES.contains(&idp_name)).then(|| {
            format!(
                "The demo IdP has no user attribute \"{idp_name}\": use one of {}",
                DIRECTORY_ATTRIBUTES.join(", ")
            )
        })
    }

    pub(super) fn demo_slug(&self) -> String {
        slug_for(self.sp().map(|sp| sp.suggested_app_name()).unwrap_or("app"))
    }

    /// The IdP entity ID the demo's application uses: the SP entity ID when the SP wants them equal (the demo IdP,
    /// like JumpCloud, lets it be chosen), else the demo IdP's own.
    fn demo_idp_entity_id(&self, running: &RunningDemoIdp) -> String {
        if self.idp_entity_id_follows_sp() {
            if let Ok(id) = self.steps.sp_values.sp_entity_id(self.sp()) {
                return id.as_str().to_string();
            }
        }
        running.entity_id().as_str().to_string()
    }

    /// The demo IdP's application for the wizard's values: `None` until the demo is chosen and running and the SP
    /// values are valid; `Err` says what stops it.
    fn demo_app(&self) -> Option<Result<(String, App), String>> {
        self.demo_running()?;
        if !self.demo_chosen() {
            return None;
        }
        let sp = self.sp()?;
        let (Ok(acs), Ok(sp_id)) = (
            self.steps.sp_values.acs_url(self.sp()),
            self.steps.sp_values.sp_entity_id(self.sp()),
        ) else {
            return None;
        };
        let idp_id = match self.idp_entity_id() {
            Ok(id) => id,
            Err(e) => return Some(Err(e)),
        };
        let mut app = App::new(sp_id, acs, idp_id);
        app.sign = SignMode::Assertion;
        let format = sp.quirks.name_id_format.as_deref().or(self
            .idp()
            .and_then(|i| i.defaults.name_id_format.as_deref()));
        if let Some(f) = format {
            match mint::name_id_format(f) {
                Ok(urn) => app.name_id_format = urn,
                Err(e) => return Some(Err(e.to_string())),
            }
        }
        app.attributes = self
            .steps
            .attributes
            .map(self.idp(), self.sp())
            .into_iter()
            .map(|r| (r.sp_name.trim().to_string(), r.idp_name.trim().to_string()))
            .filter(|(s, i)| !s.is_empty() && DIRECTORY_ATTRIBUTES.contains(&i.as_str()))
            .collect();
        if let Err(e) = app.check() {
            return Some(Err(e.to_string()));
        }
        if let Some(fault) = self.practice_fault() {
            fault.plant(&mut app);
        }
        Some(Ok((self.demo_slug(), app)))
    }

    /// Fills step 3 from the running demo IdP and configures its application from the wizard's values; when
    /// another IdP is chosen, takes back what the demo filled in. Called after every change.
    pub(super) fn sync_demo(&mut self) -> Option<Notice> {
        let running = self.demo.as_ref().and_then(|d| match d {
            DemoIdp::Running(r) => Some(Arc::clone(r)),
            DemoIdp::Unavailable(_) => None,
        })?;
        if !self.demo_chosen() {
            if self.steps.idp_app.idp_sso_url.trim() == running.sso_url() {
                self.steps.idp_app.idp_sso_url.clear();
                if self.steps.idp_app.idp_entity_id.trim() == running.entity_id().as_str() {
                    self.steps.idp_app.idp_entity_id.clear();
                }
                if running
                    .published_cert_pems()
                    .contains(&self.steps.certificate.pem)
                {
                    self.steps.certificate.pem.clear();
                }
            }
            return None;
        }
        self.steps.idp_app.idp_entity_id = self.demo_idp_entity_id(&running);
        self.steps.idp_app.idp_sso_url = running.sso_url();
        // During a rotation the SP side keeps the certificate it holds (one the demo IdP still publishes) until the
        // admin retires it; otherwise it takes the one the demo IdP signs with now (after a switch the old one is
        // still published, first, but verifies nothing).
        if !self.steps.certificate.demo_replaced
            && self.steps.certificate.next_pem.is_none()
            && !running
                .published_cert_pems()
                .contains(&self.steps.certificate.pem)
        {
            self.steps.certificate.pem = running.cert_pem();
        }
        match self.demo_app()? {
            Ok(app) => {
                let loopback = self.loopback_demo_app(&running, &app.1);
                let result = running
                    .state()
                    .replace_apps(std::iter::once(app).chain(loopback).collect());
                if result.is_ok() {
                    self.grant_loopback_app(&running);
                }
                result.err().map(|e| Notice {
                    severity: Severity::Error,
                    text: format!("The demo IdP's application could not be set up: {e}."),
                })
            }
            Err(_) => None,
        }
    }

    /// While the loopback test SP of step 7 waits, the demo IdP also has an application for it: SSO Pilot's own SP
    /// entity ID and loopback ACS URL, the demo IdP's own entity ID, the same attributes.
    fn loopback_demo_app(&self, running: &RunningDemoIdp, base: &App) -> Option<(String, App)> {
        let acs = ssopilot_saml::values::AcsUrl::parse(self.loopback_acs()?, "ACS URL").ok()?;
        let sp = ssopilot_saml::values::EntityId::parse(
            ssopilot_peers::test_login::DEFAULT_SP_ENTITY_ID,
            "SP Entity ID",
        )
        .ok()?;
        let mut app = base.clone();
        app.sp_entity_id = sp;
        app.acs_url = acs;
        app.idp_entity_id = running.entity_id().clone();
        app.encrypt_for = self.demo_encrypt_for();
        Some((LOOPBACK_SLUG.to_string(), app))
    }

    /// The loopback test SP's application is granted to exactly the groups step 6 granted the configured one (see
    /// [`Model::sync_demo_grants`]), so the same demo users can sign in to both.
    fn grant_loopback_app(&self, running: &RunningDemoIdp) {
        let wanted = &self.steps.assign_users.demo_granted_groups;
        running.state().with_directory_mut(|d| {
            let current: Vec<String> = d
                .granted_groups(LOOPBACK_SLUG)
                .into_iter()
                .map(str::to_string)
                .collect();
            for g in current.iter().filter(|g| !wanted.contains(*g)) {
                d.revoke(LOOPBACK_SLUG, g);
            }
            for g in wanted {
                let _ = d.grant(LOOPBACK_SLUG, g);
            }
        });
    }

    /// Step 3 with the demo IdP: nothing to do in a portal, only values to copy into the SP.
    pub(super) fn demo_idp_app_page(&self) -> (String, Vec<Block>) {
        let (Some(sp), Some(idp)) = (self.sp(), self.idp()) else {
            return (String::new(), Vec::new());
        };
        let Some(running) = self.demo_running() else {
            let why = self
                .demo
                .as_ref()
                .and_then(DemoIdp::unavailable_reason)
                .unwrap_or(
                    "The demo IdP runs inside the SSO Pilot app: open the app to see its values.",
                );
            return (
                "The demo IdP is not running.".into(),
                vec![Block::Callout {
                    severity: Severity::Warning,
                    text: why.to_string(),
                }],
            );
        };
        let l = &idp.labels;
        let mut blocks = Vec::new();
        if let Some(why) = running.temporary_key_reason() {
            blocks.push(Block::Callout {
                severity: Severity::Warning,
                text: temporary_key_callout(&why),
            });
        }
        if let Some(port) = running.moved_from() {
            blocks.push(Block::Callout {
                severity: Severity::Info,
                text: format!(
                    "Port {port} was in use (perhaps by another SSO Pilot), so the demo IdP runs on port {}.",
                    running.port()
                ),
            });
        }
        match self.demo_app() {
            Some(Err(e)) => blocks.push(Block::Callout {
                severity: Severity::Error,
                text: format!("The demo IdP's application is not set up yet: {e}."),
            }),
            None => blocks.push(Block::Callout {
                severity: Severity::Warning,
                text: "The demo IdP's application is set up once step 2 is complete.".into(),
            }),
            Some(Ok(_)) => {}
        }
        let slug = self.demo_slug();
        blocks.push(Block::Heading {
            text: format!("The application in the demo IdP ({slug})"),
        });
        blocks.push(Block::Value {
            label: l.sp_entity_id.clone(),
            value: self.steps.sp_values.sp_entity_id.trim().to_string(),
            help: Some("From step 2: the demo IdP sends its responses to this audience.".into()),
            copy: true,
        });
        blocks.push(Block::Value {
            label: l.acs_url.clone(),
            value: self.steps.sp_values.acs_url.trim().to_string(),
            help: Some("From step 2: the demo IdP posts its responses here.".into()),
            copy: true,
        });
        blocks.push(Block::Value {
            label: "IdP-initiated sign-in".into(),
            value: format!("{}/saml2/{slug}", running.base_url()),
            help: Some(format!(
                "Opening this address signs a demo user in and sends them to {} without {} asking first.",
                sp.portal.name, sp.portal.name
            )),
            copy: true,
        });
        blocks.push(Block::Heading {
            text: format!("Values for {}", sp.portal.name),
        });
        blocks.push(Block::Value {
            label: sp.labels.idp_sso_url.clone(),
            value: self.steps.idp_app.idp_sso_url.clone(),
            help: Some(format!(
                "Where {} sends users to sign in (the demo IdP's SSO URL, HTTP-Redirect and HTTP-POST).",
                sp.portal.name
            )),
            copy: true,
        });
        let entity_help = if self.idp_entity_id_follows_sp() {
            format!(
                "{} wants this to be the same value as its {}, so the demo IdP's application uses it.",
                sp.portal.name, sp.labels.sp_entity_id
            )
        } else {
            "The demo IdP's own entity ID (also its metadata URL).".to_string()
        };
        blocks.push(Block::Value {
            label: sp.labels.idp_entity_id.clone(),
            value: self.steps.idp_app.idp_entity_id.clone(),
            help: Some(entity_help),
            copy: true,
        });
        let mut cert_help = format!(
            "SHA-256 fingerprint {}. Paste it with its BEGIN and END lines.",
            running.fingerprint_sha256().as_str()
        );
        if let Some(h) = &l.certificate_help {
            cert_help = format!("{h} {cert_help}");
        }
        blocks.push(Block::Value {
            label: l
                .certificate
                .clone()
                .unwrap_or_else(|| "IdP certificate".into()),
            value: self.steps.certificate.pem.clone(),
            help: Some(cert_help),
            copy: true,
        });
        blocks.push(Block::Value {
            label: "Metadata URL".into(),
            value: running.metadata_url(),
            help: Some(format!(
                "The demo IdP's metadata, for a service provider that imports it instead of the values above{}.",
                if self.idp_entity_id_follows_sp() {
                    " (it names the demo IdP's own entity ID)"
                } else {
                    ""
                }
            )),
            copy: true,
        });
        let users = running.state().with_directory(|d| {
            d.users()
                .map(|u| format!("{} {} ({})", u.first_name, u.last_name, u.email))
                .collect::<Vec<_>>()
                .join(", ")
        });
        blocks.push(Block::Text {
            text: format!(
                "Demo users: {users}; each has the password {DEMO_PASSWORD}. As in JumpCloud, users are denied the \
                 application until one of their user groups is granted it (step 6)."
            ),
        });
        blocks.push(Block::Instruction {
            text: format!(
                "In {}, set {}, {} and the certificate to the values above.",
                sp.portal.name, sp.labels.idp_sso_url, sp.labels.idp_entity_id
            ),
            menu_path: Some(sp.portal.settings_path.clone()),
        });
        (
            format!(
                "The demo IdP runs on this computer at {} and SSO Pilot set up its application for {} from your \
                 values: there is nothing to do in an IdP portal. Copy the values below into {}.",
                running.base_url(),
                sp.portal.name,
                sp.portal.name
            ),
            blocks,
        )
    }
}

impl Session {
    /// Gives the session the demo IdP of this app run. On a fresh start (no identity provider chosen yet) a running
    /// demo IdP is preselected; a port change is reported as a notice.
    pub fn attach_demo(&mut self, demo: DemoIdp) {
        if let Some(r) = demo.running() {
            if let Some(port) = r.moved_from() {
                self.notice(
                    Severity::Info,
                    format!(
                        "Port {port} was in use (perhaps by another SSO Pilot), so the demo IdP runs on port {} \
                         ({}).",
                        r.port(),
                        r.base_url()
                    ),
                );
            }
        }
        let preselect =
            demo.running().is_some() && self.model.steps.providers.idp_profile.is_none();
        self.model.demo = Some(demo);
        if preselect {
            self.model.steps.providers.idp_profile = self
                .model
                .profiles
                .idps
                .iter()
                .find(|p| p.builtin_demo)
                .map(|p| p.id.clone());
        }
        if let Some(n) = self.model.sync_demo() {
            self.notice(n.severity, n.text);
        }
        if let Some(n) = self.model.sync_demo_grants() {
            self.notice(n.severity, n.text);
        }
        self.settle_after_attach();
        // A preselection alone is not progress worth a file; the next change saves it.
    }

    /// The demo IdP attached to this session, if any.
    pub fn demo(&self) -> Option<&DemoIdp> {
        self.model.demo.as_ref()
    }
}

#[cfg(test)]
mod tests;
