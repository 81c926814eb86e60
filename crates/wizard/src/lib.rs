//! The wizard as a model: steps, what each needs, which steps unlock which.
//!
//! A step is reachable only when every earlier step is complete, with one exception: the test login (7). Enable (8)
//! opens after step 6, because a live test through the real SP needs SSO switched on there first; Enforce (9) opens
//! after step 8 but stays locked on its own page until [`Model::evidence_state`] is valid, saying why (no test yet,
//! or what changed since) with a button back to step 7, and records enforcement only after an explicit
//! confirmation. (A step marked not built in its module's `NOT_BUILT` appears in the list as such, naming the work
//! it waits for, and never counts as complete; all nine are built now.)
//!
//! Steps: 1 providers, 2 SP values (with SITE_URL for a self-hosted SP: [`self_hosted`]), 3 IdP application,
//! 4 attributes, 5 certificate ([`certificate`]), 6 assign users ([`assign_users`]: the IdP's own clicks from its
//! profile; with the demo IdP, real grants in its directory), 7 test login ([`test_login`]), 8 enable ([`enable`]: the
//! SP's words for each value, AUTH_SECRET in the OS keychain for a self-hosted SP), 9 enforce ([`enforce`]), whose
//! last page is the summary ([`report`], also `ssopilot state report`).
//!
//! [`Session`] keeps what the admin typed (valid or not) in memory, so nothing is lost while the app runs, and saves
//! only values that pass validation (see [`crate::state`]). All labels and help come from the provider profiles.
//!
//! # How a UI drives it
//! - At start: `Session::open(Store::default_location()?)` once, then draw `session.view()`. Opening never fails; a
//!   damaged state file arrives as a notice in `view.notices`.
//! - Draw `view.steps` as the step list (status and reason per step), `view.page` as the page (one component per
//!   [`view::Block`] kind), `view.page.next` as the Next button (disabled with its reason shown beside it), and
//!   `view.notices` as dismissable messages.
//! - Send every keystroke or paste as `Action::SetField { field, value }` with the block's `field` (checkboxes send
//!   `"true"`/`"false"`, choices the option's `value`), and redraw from the returned view: errors and warnings are
//!   recomputed on every change. Next, Back, clicks in the step list (`GoTo`), the attribute table (`AddAttribute`,
//!   `RemoveAttribute`, `SetAttribute`, `ResetAttributes`) and closing a notice (`DismissNotice`) are actions too.
//! - Step 5's "Open a file" passes the chosen path to [`Session::open_certificate_file`]: the core reads the file
//!   (bounded) and puts it into the field as if pasted. "Use the repaired version" sends the block's `repaired_pem`
//!   as `SetField`.
//! - Step 6 with the demo IdP sends `SetGroupGrant`; step 8 `GenerateAuthSecret`; step 9 `Enforce`; a
//!   [`view::Block::Button`] carries the action to send. The summary's "Save report" passes the chosen path to
//!   [`Session::save_report`]. The app attaches the OS keychain with [`Session::attach_secrets`].
//! - Step 7 (see [`test_login`]): "Check this response" sends `Action::CheckPastedResponse`, the report's export
//!   `Action::SaveTestReport` with the path from the save dialog (the core writes the file), "Go to step N"
//!   `Action::GoTo`. The login window and the loopback test SP are run by the shell: it asks the session for a job
//!   ([`Session::start_login_window`], [`Session::start_loopback`]), runs it, and reports back
//!   ([`Session::login_window_captured`], [`Session::login_window_continue`], [`Session::login_window_closed`],
//!   [`Session::loopback_listening`], [`Session::finish_loopback`], [`Session::cancel_loopback`]). Only a passing
//!   test of the configuration itself (its SP entity ID and ACS URL) becomes evidence; a loopback pass never does.
//! - Never decide anything in the UI: a refused action (a locked step, a field of another step) comes back as a
//!   notice, and a save failure as an error notice, with the view otherwise unchanged.

pub mod assign_users;
pub mod certificate;
pub mod demo;
pub mod enable;
pub mod enforce;
pub mod metadata_import;
pub mod profiles;
pub mod report;
pub mod self_hosted;
pub mod state;
pub mod test_login;
pub mod view;

pub use test_login::EvidenceState;

use std::collections::BTreeMap;

use crate::profiles::{default_attribute_map, AttributeMapping, IdpProfile, Profiles, SpProfile};
use crate::state::{
    check_attribute_name, check_idp_attribute_name, SavedState, Store, MAX_ATTRIBUTE_NAME_CHARS,
    MAX_ATTRIBUTE_ROWS, STATE_VERSION,
};
use ssopilot_saml::values::{AcsUrl, EntityId, IdpUrl};
use view::{
    Action, AttributeRowView, AttributeSide, Block, ChoiceOption, NextState, Notice, Severity,
    StepId, StepPage, StepStatus, StepSummary, WizardView,
};

/// A text field longer than this is cut when it comes in (no valid value is anywhere near it).
pub const MAX_FIELD_CHARS: usize = 8192;
/// At most this many notices are kept; the oldest go first.
const MAX_NOTICES: usize = 20;

/// Field names the UI sends in [`Action::SetField`].
pub mod fields {
    pub const IDP_PROFILE: &str = "idp_profile";
    pub const SP_PROFILE: &str = "sp_profile";
    pub const ACS_URL: &str = "acs_url";
    pub const SP_ENTITY_ID: &str = "sp_entity_id";
    pub const IDP_ENTITY_ID: &str = "idp_entity_id";
    pub const SIGN_ASSERTION: &str = "sign_assertion";
    pub const IDP_SSO_URL: &str = "idp_sso_url";
    /// The IdP's signing certificate (PEM), checked in step 5; filled by the demo IdP or an IdP metadata import.
    pub const IDP_CERTIFICATE: &str = "idp_certificate";
    /// Step 6: "true" once the admin granted the application to a user group in the IdP.
    pub const USERS_ASSIGNED: &str = "users_assigned";
    /// Step 6: the account that does the test login.
    pub const TEST_USER: &str = "test_user";
    /// Step 2, self-hosted SPs: the instance's public address.
    pub const SITE_URL: &str = "site_url";
    /// Step 8: "true" once the admin switched SAML SSO on in the SP.
    pub const SSO_ENABLED: &str = "sso_enabled";
    /// Step 9: "true" once the admin read what enforcing does and the lock-out risk.
    pub const ENFORCE_UNDERSTOOD: &str = "enforce_understood";
    /// Step 9: the SP's name, typed to confirm enforcing.
    pub const ENFORCE_CONFIRM: &str = "enforce_confirm";
}

/// The journey, in order.
pub const STEPS: [StepId; 9] = [
    StepId::Providers,
    StepId::SpValues,
    StepId::IdpApp,
    StepId::Attributes,
    StepId::Certificate,
    StepId::AssignUsers,
    StepId::TestLogin,
    StepId::Enable,
    StepId::Enforce,
];

/// 1-based position of a step.
pub fn step_number(step: StepId) -> u8 {
    STEPS
        .iter()
        .position(|s| *s == step)
        .map(|i| i as u8 + 1)
        .unwrap_or(1)
}

pub fn step_title(step: StepId) -> &'static str {
    match step {
        StepId::Providers => "Providers",
        StepId::SpValues => "Service provider values",
        StepId::IdpApp => "IdP application",
        StepId::Attributes => "Attributes",
        StepId::Certificate => "Certificate",
        StepId::AssignUsers => "Assign users",
        StepId::TestLogin => "Test login",
        StepId::Enable => "Enable",
        StepId::Enforce => "Enforce",
    }
}

/// For steps not built yet: (what the step will do, which work it waits for). Each step's module says.
fn not_built(step: StepId) -> Option<(&'static str, &'static str)> {
    match step {
        StepId::TestLogin => test_login::NOT_BUILT,
        StepId::Enable => enable::NOT_BUILT,
        StepId::Enforce => enforce::NOT_BUILT,
        _ => None,
    }
}

/// The page of a step that is not built yet.
fn not_built_page(step: StepId) -> (String, Vec<Block>) {
    let (text, waits_for) = not_built(step).unwrap_or(("", ""));
    (
        format!("This step is not built yet: it waits for {waits_for}."),
        vec![Block::NotBuilt {
            text: text.to_string(),
            waits_for: waits_for.to_string(),
        }],
    )
}

/// The steps that must be complete before `step` can be opened: every earlier one, except the test login: Enable does
/// not wait for it (a live test through the real SP needs SSO enabled there first), and Enforce opens without it to
/// say why it is locked and lead back to step 7 (its own rule, `enforce_problem`, refuses to record enforcement
/// without valid evidence).
fn prerequisites(step: StepId) -> impl Iterator<Item = StepId> {
    STEPS
        .iter()
        .copied()
        .take_while(move |s| *s != step)
        .filter(move |s| {
            !(matches!(step, StepId::Enable | StepId::Enforce) && *s == StepId::TestLogin)
        })
}

/// What the admin has typed or chosen, valid or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Draft {
    idp_profile: Option<String>,
    sp_profile: Option<String>,
    acs_url: String,
    sp_entity_id: String,
    idp_entity_id: String,
    sign_assertion: bool,
    idp_sso_url: String,
    /// `None`: the profiles' defaults.
    attributes: Option<Vec<AttributeMapping>>,
    /// Step 5, verbatim as pasted (bounded); emptied when a paste held a private key.
    idp_certificate: String,
    /// Set when the last paste held a private key (see [`certificate`]).
    idp_certificate_key_refusal: Option<certificate::KeyRefusal>,
    /// PEM of the signing certificates of imported IdP metadata.
    idp_metadata_certificates: Vec<String>,
    /// Step 6: the admin confirmed the application is granted to a user group.
    users_assigned: bool,
    /// Step 6: the account that does the test login.
    test_user: String,
    /// Step 7: the last passing test login, kept even when it no longer matches (it then shows as stale).
    evidence: Option<ssopilot_peers::test_login::evidence::Evidence>,
    /// Step 2, self-hosted SPs: SITE_URL as typed.
    site_url: String,
    /// Step 6 with the demo IdP: the groups granted the application.
    demo_granted_groups: std::collections::BTreeSet<String>,
    /// Step 8: the admin switched SAML SSO on in the SP.
    sso_enabled: bool,
    /// Step 8: what the SP was given when the admin confirmed it.
    enabled_values: Option<enable::EnabledValues>,
    /// Step 9: the admin read what enforcing does (not saved: confirmed again after a restart).
    enforce_understood: bool,
    /// Step 9: the SP's name as typed to confirm (not saved).
    enforce_confirm: String,
    /// Step 9: when enforcing was recorded (RFC 3339, UTC).
    enforced_at: Option<String>,
    /// The admin put another certificate than the demo IdP's into step 5 (to see a test login fail, as after a
    /// rotation): the demo stops refilling it until the field is emptied. Not saved.
    demo_certificate_replaced: bool,
}

/// The problems of the attribute map.
#[derive(Debug, Default)]
struct MapCheck {
    rows: Vec<Option<String>>,
    error: Option<String>,
    warning: Option<String>,
}

/// The wizard's state and rules, without storage (the CLI uses it to describe saved progress).
#[derive(Debug, Clone)]
pub struct Model {
    profiles: Profiles,
    draft: Draft,
    current: StepId,
    /// The built-in demo IdP of this app run; `None` where there is none (the CLI describing saved progress).
    demo: Option<demo::DemoIdp>,
    import: metadata_import::ImportState,
    /// The secret store (AUTH_SECRET); `None` where there is none (the CLI), `Err` when the OS keychain is missing.
    secrets: Option<self_hosted::Keychain>,
    /// AUTH_SECRET as read from the keychain when step 8 was entered (never saved).
    auth_secret: Option<ssopilot_peers::secrets::SecretString>,
    /// Step 7's tests in this run (reports, the login window, the loopback test SP); never saved.
    test: test_login::TestLoginState,
    /// The saved step when it could not be resumed at opening, kept until the demo IdP and the keychain are attached
    /// (step 6's grants with the demo IdP, step 8's AUTH_SECRET) or the admin acts.
    resume_at: Option<StepId>,
}

impl Model {
    /// A fresh wizard at step 1.
    pub fn new(profiles: Profiles) -> Model {
        Model {
            profiles,
            draft: Draft::default(),
            current: StepId::Providers,
            demo: None,
            import: Default::default(),
            secrets: None,
            auth_secret: None,
            test: Default::default(),
            resume_at: None,
        }
    }

    /// The wizard as saved; returns warnings about saved choices this build cannot use (an unknown profile).
    pub fn from_saved(profiles: Profiles, saved: &SavedState) -> (Model, Vec<String>) {
        let mut warnings = Vec::new();
        let mut keep_profile = |id: &Option<String>, known: bool, what: &str| match id {
            Some(id) if !known => {
                warnings.push(format!(
                    "Your saved progress names the {what} profile \"{id}\", which this version of SSO Pilot does not \
                     have: choose the {what} again in step 1."
                ));
                None
            }
            other => other.clone(),
        };
        let idp_known = saved
            .idp_profile
            .as_deref()
            .is_some_and(|id| profiles.idp(id).is_some());
        let sp_known = saved
            .sp_profile
            .as_deref()
            .is_some_and(|id| profiles.sp(id).is_some());
        let draft = Draft {
            idp_profile: keep_profile(&saved.idp_profile, idp_known, "identity provider"),
            sp_profile: keep_profile(&saved.sp_profile, sp_known, "service provider"),
            acs_url: saved
                .acs_url
                .as_ref()
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            sp_entity_id: saved
                .sp_entity_id
                .as_ref()
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            idp_entity_id: saved
                .idp_entity_id
                .as_ref()
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            sign_assertion: saved.sign_assertion_confirmed,
            idp_sso_url: saved
                .idp_sso_url
                .as_ref()
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            attributes: saved.attributes.clone(),
            idp_certificate: saved.idp_certificate.clone().unwrap_or_default(),
            idp_certificate_key_refusal: None,
            idp_metadata_certificates: saved.idp_metadata_certificates.clone(),
            users_assigned: saved.users_assigned,
            test_user: saved.test_user.clone().unwrap_or_default(),
            evidence: saved.test_evidence.clone(),
            site_url: saved
                .site_url
                .as_ref()
                .map(|v| v.as_str().to_string())
                .unwrap_or_default(),
            demo_granted_groups: saved.demo_granted_groups.iter().cloned().collect(),
            sso_enabled: saved.sso_enabled,
            enabled_values: saved.enabled_values.clone(),
            enforce_understood: false,
            enforce_confirm: String::new(),
            enforced_at: saved.enforced_at.clone(),
            demo_certificate_replaced: false,
        };
        let mut model = Model {
            profiles,
            draft,
            current: StepId::Providers,
            demo: None,
            import: Default::default(),
            secrets: None,
            auth_secret: None,
            test: Default::default(),
            resume_at: None,
        };
        // Resume where the admin left off, or, if the saved step is not reachable (yet), on the way there.
        model.current = model.nearest_reachable(saved.current_step);
        if model.current != saved.current_step {
            model.resume_at = Some(saved.current_step);
        }
        model.entered_step();
        (model, warnings)
    }

    pub fn current(&self) -> StepId {
        self.current
    }

    pub fn profiles(&self) -> &Profiles {
        &self.profiles
    }

    fn idp(&self) -> Option<&IdpProfile> {
        self.draft
            .idp_profile
            .as_deref()
            .and_then(|id| self.profiles.idp(id))
    }

    fn sp(&self) -> Option<&SpProfile> {
        self.draft
            .sp_profile
            .as_deref()
            .and_then(|id| self.profiles.sp(id))
    }

    fn sp_name(&self) -> &str {
        self.sp()
            .map(|p| p.portal.name.as_str())
            .unwrap_or("the service provider")
    }

    fn idp_name(&self) -> &str {
        self.idp()
            .map(|p| p.display_name.as_str())
            .unwrap_or("the identity provider")
    }

    // ---- field checks ------------------------------------------------------------------------------------------

    fn acs_label(&self) -> &str {
        self.sp()
            .map(|p| p.labels.acs_url.as_str())
            .unwrap_or("ACS URL")
    }

    fn sp_entity_label(&self) -> &str {
        self.sp()
            .map(|p| p.labels.sp_entity_id.as_str())
            .unwrap_or("SP Entity ID")
    }

    fn idp_entity_label(&self) -> &str {
        self.idp()
            .map(|p| p.labels.idp_entity_id.as_str())
            .unwrap_or("IdP Entity ID")
    }

    fn sso_url_label(&self) -> &str {
        self.idp()
            .map(|p| p.labels.sso_url.as_str())
            .unwrap_or("SSO URL")
    }

    fn acs_url(&self) -> Result<AcsUrl, String> {
        AcsUrl::parse(&self.draft.acs_url, "ACS URL").map_err(|e| e.message_for(self.acs_label()))
    }

    fn sp_entity_id(&self) -> Result<EntityId, String> {
        EntityId::parse(&self.draft.sp_entity_id, "SP Entity ID")
            .map_err(|e| e.message_for(self.sp_entity_label()))
    }

    /// The IdP entity ID, including the SP's rule that it equals the SP entity ID.
    fn idp_entity_id(&self) -> Result<EntityId, String> {
        let label = self.idp_entity_label();
        let id = EntityId::parse(&self.draft.idp_entity_id, "IdP Entity ID")
            .map_err(|e| e.message_for(label))?;
        if let Some(sp) = self.sp() {
            if self.idp_entity_id_follows_sp() {
                if let Ok(sp_id) = self.sp_entity_id() {
                    if id != sp_id {
                        return Err(format!(
                            "{} needs the {label} to be the same as its {} ({sp_id}): set it to that value here and \
                             in {}",
                            sp.portal.name,
                            sp.labels.sp_entity_id,
                            self.idp_name()
                        ));
                    }
                }
            }
        }
        Ok(id)
    }

    /// The SP wants the IdP entity ID equal to its own, and the IdP lets the admin choose it (Okta and Entra ID set
    /// their own, so there it is copied from the IdP instead).
    fn idp_entity_id_follows_sp(&self) -> bool {
        self.sp()
            .is_some_and(|sp| sp.quirks.idp_entity_id_equals_sp_entity_id)
            && !self
                .idp()
                .is_some_and(|idp| idp.defaults.idp_entity_id_fixed)
    }

    fn idp_sso_url(&self) -> Result<IdpUrl, String> {
        let label = self.sso_url_label();
        let url =
            IdpUrl::parse(&self.draft.idp_sso_url, "SSO URL").map_err(|e| e.message_for(label))?;
        if let Some(rule) = self.idp().and_then(|p| p.sso_url.as_ref()) {
            rule.check(url.as_str(), label)?;
        }
        Ok(url)
    }

    fn sign_assertion_error(&self) -> Option<String> {
        let label = self.idp()?.labels.sign_assertion.as_deref()?;
        (!self.draft.sign_assertion).then(|| {
            format!(
                "Check {label} in {}, then tick this box (the signature on each assertion is what proves a sign-in \
                 is genuine)",
                self.idp_name()
            )
        })
    }

    /// A warning (not an error) when the ACS URL and the SP entity ID point at different hosts.
    fn host_warning(&self) -> Option<String> {
        let acs = self.acs_url().ok()?.url()?;
        let entity = url::Url::parse(self.sp_entity_id().ok()?.as_str()).ok()?;
        let (a, e) = (acs.host_str()?, entity.host_str()?);
        (!a.eq_ignore_ascii_case(e)).then(|| {
            format!(
                "The {} is on {a} but the {} is on {e}. That can be right, but usually both come from the same \
                 place: check that you copied both from {}.",
                self.acs_label(),
                self.sp_entity_label(),
                self.sp_name()
            )
        })
    }

    fn attribute_rows(&self) -> Vec<AttributeMapping> {
        match (&self.draft.attributes, self.sp(), self.idp()) {
            (Some(rows), _, _) => rows.clone(),
            (None, Some(sp), Some(idp)) => default_attribute_map(sp, idp),
            (None, _, _) => Vec::new(),
        }
    }

    fn check_map(&self) -> MapCheck {
        let rows = self.attribute_rows();
        let sp_name = self.sp_name().to_string();
        let idp_name = self.idp_name().to_string();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &rows {
            *counts.entry(r.sp_name.trim()).or_default() += 1;
        }
        let row_errors: Vec<Option<String>> = rows
            .iter()
            .map(|r| {
                let (s, i) = (r.sp_name.trim(), r.idp_name.trim());
                if s.is_empty() {
                    return Some(format!(
                        "Type the {sp_name} attribute name on the left (for example email)"
                    ));
                }
                if i.is_empty() {
                    return Some(format!(
                        "Type the {idp_name} attribute that fills {s} on the right"
                    ));
                }
                if let Err(problem) = check_attribute_name(s) {
                    return Some(format!("Attribute names are single words: {problem}"));
                }
                if let Err(problem) = check_idp_attribute_name(i) {
                    return Some(format!("Attribute names are single words: {problem}"));
                }
                if let Some(e) = self.demo_attribute_error(i) {
                    return Some(e);
                }
                if counts.get(s).copied().unwrap_or(0) > 1 {
                    return Some(format!(
                        "{s} is mapped more than once: {sp_name} takes one value for it, remove the extra row"
                    ));
                }
                None
            })
            .collect();
        let mut error = None;
        if let (Some(sp), Some(idp)) = (self.sp(), self.idp()) {
            let missing: Vec<String> = sp
                .required_attributes()
                .filter(|a| !counts.contains_key(a.name.as_str()))
                .map(|a| {
                    let from = idp.attributes.get(&a.meaning).unwrap_or(&a.name);
                    format!("{} <- {from}", a.name)
                })
                .collect();
            if !missing.is_empty() {
                error = Some(format!(
                    "{} needs {}: add {} (or press Reset to defaults)",
                    sp.portal.name,
                    if missing.len() == 1 {
                        "this attribute"
                    } else {
                        "these attributes"
                    },
                    missing.join(", ")
                ));
            }
        }
        let mut warning = None;
        if let Some(idp) = self.idp() {
            if let Some(text) = &idp.quirks.email_lower_case_warning {
                let idp_email = idp.attributes.get("email").map(String::as_str);
                let sp_email: Vec<&str> = self
                    .sp()
                    .map(|sp| {
                        sp.attributes
                            .iter()
                            .filter(|a| a.meaning == "email")
                            .map(|a| a.name.as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                let maps_email = rows.iter().any(|r| {
                    idp_email.is_some_and(|e| r.idp_name.trim().eq_ignore_ascii_case(e))
                        || sp_email.contains(&r.sp_name.trim())
                });
                if maps_email {
                    warning = Some(text.clone());
                }
            }
        }
        if warning.is_none() && rows.is_empty() && error.is_none() {
            warning = Some(format!(
                "No attributes are mapped: {sp_name} will only get the user's NameID. Add the attributes it expects."
            ));
        }
        MapCheck {
            rows: row_errors,
            error,
            warning,
        }
    }

    // ---- steps -------------------------------------------------------------------------------------------------

    /// `Ok` when the step has everything it needs; `Err(reason)` names the first thing missing.
    fn step_problem(&self, step: StepId) -> Result<(), String> {
        match step {
            StepId::Providers => {
                if self.profiles.idps.is_empty() || self.profiles.sps.is_empty() {
                    return Err("No provider profiles are available (see the notice above)".into());
                }
                if self.idp().is_none() {
                    return Err("Choose the identity provider (IdP) your users sign in with".into());
                }
                if let Some(why) = self.demo_unavailable_for_choice() {
                    return Err(why);
                }
                if self.sp().is_none() {
                    return Err("Choose the service provider (SP) your users sign in to".into());
                }
                Ok(())
            }
            StepId::SpValues => {
                self.site_url_problem()?;
                self.acs_url()?;
                self.sp_entity_id()?;
                self.site_url_consistency()?;
                Ok(())
            }
            StepId::IdpApp => {
                self.idp_entity_id()?;
                if let Some(e) = self.sign_assertion_error() {
                    return Err(e);
                }
                self.idp_sso_url()?;
                Ok(())
            }
            StepId::Attributes => {
                let check = self.check_map();
                if let Some(e) = check.rows.iter().flatten().next() {
                    return Err(e.clone());
                }
                if let Some(e) = check.error {
                    return Err(e);
                }
                Ok(())
            }
            StepId::Certificate => self.certificate_problem(),
            StepId::AssignUsers => self.assign_users_problem(),
            StepId::TestLogin => self.test_login_problem(),
            StepId::Enable => self.enable_problem(),
            StepId::Enforce => self.enforce_problem(),
        }
    }

    /// A step is reachable when its [`prerequisites`] are complete.
    fn reachable(&self, step: StepId) -> bool {
        self.blocking_step(step).is_none()
    }

    /// The first earlier step that is not complete, with its reason.
    fn blocking_step(&self, step: StepId) -> Option<(StepId, String)> {
        prerequisites(step).find_map(|s| self.step_problem(s).err().map(|e| (s, e)))
    }

    /// `step` if it is reachable, else the step that blocks it (where the admin has work left on the way there),
    /// else the first step that still needs work.
    fn nearest_reachable(&self, step: StepId) -> StepId {
        match self.blocking_step(step) {
            None => step,
            Some((blocking, _)) if self.reachable(blocking) => blocking,
            Some(_) => self.first_unfinished(),
        }
    }

    fn first_unfinished(&self) -> StepId {
        STEPS
            .iter()
            .copied()
            .find(|s| self.step_problem(*s).is_err())
            .unwrap_or(StepId::Enforce)
    }

    fn locked_reason(&self, step: StepId) -> Option<String> {
        self.blocking_step(step).map(|(s, why)| {
            format!(
                "Complete step {} ({}) first: {why}",
                step_number(s),
                step_title(s)
            )
        })
    }

    /// The step list.
    pub fn steps(&self) -> Vec<StepSummary> {
        STEPS
            .iter()
            .map(|&id| {
                let (status, reason) = if let Some((_, waits_for)) = not_built(id) {
                    (
                        StepStatus::NotBuilt,
                        Some(format!("Not built yet: waits for {waits_for}")),
                    )
                } else if let Some(why) = self.locked_reason(id) {
                    (StepStatus::Locked, Some(why))
                } else {
                    match self.step_problem(id) {
                        Ok(()) => (StepStatus::Complete, None),
                        Err(why) => (StepStatus::Incomplete, Some(why)),
                    }
                };
                StepSummary {
                    id,
                    number: step_number(id),
                    title: step_title(id).to_string(),
                    status,
                    reason,
                }
            })
            .collect()
    }

    fn next_step(step: StepId) -> Option<StepId> {
        let i = STEPS.iter().position(|s| *s == step)?;
        STEPS.get(i + 1).copied()
    }

    fn previous_step(step: StepId) -> Option<StepId> {
        let i = STEPS.iter().position(|s| *s == step)?;
        i.checked_sub(1).and_then(|i| STEPS.get(i).copied())
    }

    fn next_state(&self) -> NextState {
        if let Err(why) = self.step_problem(self.current) {
            return NextState {
                enabled: false,
                reason: Some(why),
            };
        }
        match Model::next_step(self.current) {
            Some(_) => NextState {
                enabled: true,
                reason: None,
            },
            None => NextState {
                enabled: false,
                reason: Some("This is the last step".into()),
            },
        }
    }

    /// Work done when a step is entered: the IdP entity ID is prefilled with the SP entity ID when the SP wants them
    /// equal.
    fn entered_step(&mut self) {
        if self.current == StepId::IdpApp
            && self.draft.idp_entity_id.trim().is_empty()
            && self.idp_entity_id_follows_sp()
        {
            if let Ok(id) = self.sp_entity_id() {
                self.draft.idp_entity_id = id.as_str().to_string();
            }
        }
        if self.current == StepId::Enable {
            self.load_auth_secret();
        }
    }

    // ---- pages -------------------------------------------------------------------------------------------------

    fn page(&self) -> StepPage {
        let (intro, blocks) = match self.current {
            step if not_built(step).is_some() => not_built_page(step),
            StepId::Providers => self.providers_page(),
            StepId::SpValues => self.sp_values_page(),
            StepId::IdpApp if self.demo_chosen() => self.demo_idp_app_page(),
            StepId::IdpApp => self.idp_app_page(),
            StepId::Attributes => self.attributes_page(),
            StepId::Certificate => self.certificate_page(),
            StepId::AssignUsers => self.assign_users_page(),
            StepId::TestLogin => self.test_login_page(),
            StepId::Enable => self.enable_page(),
            StepId::Enforce => self.enforce_page(),
        };
        StepPage {
            id: self.current,
            number: step_number(self.current),
            title: step_title(self.current).to_string(),
            intro,
            blocks,
            next: self.next_state(),
            back_enabled: Model::previous_step(self.current).is_some(),
        }
    }

    fn providers_page(&self) -> (String, Vec<Block>) {
        let idp_options = self
            .profiles
            .idps
            .iter()
            .map(|p| ChoiceOption {
                value: p.id.clone(),
                label: p.display_name.clone(),
                description: Some(self.idp_option_description(p)),
                badge: p.recommended.clone(),
                unavailable: self.idp_option_unavailable(p),
            })
            .collect();
        let sp_options = self
            .profiles
            .sps
            .iter()
            .map(|p| ChoiceOption {
                value: p.id.clone(),
                label: p.display_name.clone(),
                description: Some(p.description.clone()),
                badge: None,
                unavailable: None,
            })
            .collect();
        (
            "Choose the identity provider where your users sign in, and the service provider (the application) they \
             sign in to. The following steps then use each portal's own words."
                .into(),
            vec![
                Block::Choice {
                    field: fields::IDP_PROFILE.into(),
                    label: "Identity provider (IdP)".into(),
                    help: Some("Where your users' accounts and passwords are.".into()),
                    options: idp_options,
                    value: self.draft.idp_profile.clone(),
                },
                Block::Choice {
                    field: fields::SP_PROFILE.into(),
                    label: "Service provider (SP)".into(),
                    help: Some("The application your users will sign in to with single sign-on.".into()),
                    options: sp_options,
                    value: self.draft.sp_profile.clone(),
                },
            ],
        )
    }

    fn sp_values_page(&self) -> (String, Vec<Block>) {
        let (Some(sp), Some(idp)) = (self.sp(), self.idp()) else {
            return (String::new(), Vec::new());
        };
        let where_help = |label: &str, idp_label: &str| {
            let mut help = format!(
                "In {}, open {} and copy the {label}.",
                sp.portal.name, sp.portal.settings_path
            );
            if idp_label != label {
                help.push_str(&format!(" {} calls it {idp_label}.", idp.display_name));
            }
            help
        };
        let mut blocks = vec![
            Block::Instruction {
                text: format!(
                    "In {}, open the SAML settings and keep the page open: you will copy two values from it now, and \
                     paste values from {} into it later.",
                    sp.portal.name, idp.display_name
                ),
                menu_path: Some(sp.portal.settings_path.clone()),
            },
            Block::Input {
                field: fields::ACS_URL.into(),
                label: sp.labels.acs_url.clone(),
                help: Some(where_help(&sp.labels.acs_url, &idp.labels.acs_url)),
                placeholder: Some(sp.examples.acs_url.clone()),
                value: self.draft.acs_url.clone(),
                error: self.acs_url().err(),
                warning: None,
                multiline: false,
                copy: true,
            },
            Block::Input {
                field: fields::SP_ENTITY_ID.into(),
                label: sp.labels.sp_entity_id.clone(),
                help: Some(where_help(&sp.labels.sp_entity_id, &idp.labels.sp_entity_id)),
                placeholder: Some(sp.examples.sp_entity_id.clone()),
                value: self.draft.sp_entity_id.clone(),
                error: self.sp_entity_id().err(),
                warning: self.host_warning(),
                multiline: false,
                copy: true,
            },
        ];
        blocks.splice(1..1, self.site_url_blocks());
        blocks.extend(self.import_blocks(view::MetadataSide::Sp));
        (
            format!(
                "{} tells {} who it is (the {}) and where to send users after they sign in (the {}).",
                sp.portal.name, idp.display_name, sp.labels.sp_entity_id, sp.labels.acs_url
            ),
            blocks,
        )
    }

    fn idp_app_page(&self) -> (String, Vec<Block>) {
        let (Some(sp), Some(idp)) = (self.sp(), self.idp()) else {
            return (String::new(), Vec::new());
        };
        let l = &idp.labels;
        let mut blocks = Vec::new();
        let mut create = format!("In {}, create a {}.", idp.portal.name, idp.portal.app_kind);
        if let Some(note) = &idp.portal.create_app_note {
            create.push(' ');
            create.push_str(note);
        }
        blocks.push(Block::Instruction {
            text: create,
            menu_path: idp.portal.create_app_path.clone(),
        });
        if let Some(tab) = &idp.portal.general_tab {
            blocks.push(Block::Heading {
                text: format!("{tab} tab"),
            });
        }
        blocks.push(Block::Value {
            label: l.app_name.clone(),
            value: sp.suggested_app_name().to_string(),
            help: Some(format!(
                "A suggestion: any name works if no other application in {} has it.",
                idp.display_name
            )),
            copy: true,
        });
        if let Some(tab) = &idp.portal.sso_tab {
            blocks.push(Block::Heading {
                text: format!("{tab} tab"),
            });
        }
        let from_step2 = |sp_label: &str, idp_label: &str, extra: &Option<String>| {
            let mut help = if sp_label == idp_label {
                "From step 2.".to_string()
            } else {
                format!("From step 2 ({} calls it {sp_label}).", sp.portal.name)
            };
            if let Some(extra) = extra {
                help.push(' ');
                help.push_str(extra);
            }
            help
        };
        blocks.push(Block::Value {
            label: l.sp_entity_id.clone(),
            value: self.draft.sp_entity_id.trim().to_string(),
            help: Some(from_step2(
                &sp.labels.sp_entity_id,
                &l.sp_entity_id,
                &l.sp_entity_id_help,
            )),
            copy: true,
        });
        blocks.push(Block::Value {
            label: l.acs_url.clone(),
            value: self.draft.acs_url.trim().to_string(),
            help: Some(from_step2(&sp.labels.acs_url, &l.acs_url, &l.acs_url_help)),
            copy: true,
        });
        blocks.push(self.export_block());
        blocks.extend(self.import_blocks(view::MetadataSide::Idp));
        let mut entity_help = Vec::new();
        if self.idp_entity_id_follows_sp() {
            entity_help.push(format!(
                "{} wants this to be the same value as its {}, so it is filled in for you: type the same value in {}.",
                sp.portal.name, sp.labels.sp_entity_id, idp.display_name
            ));
        } else {
            entity_help.push(format!(
                "Copy it from {}, or choose one there and type the same value here.",
                idp.display_name
            ));
        }
        if let Some(h) = &l.idp_entity_id_help {
            entity_help.push(h.clone());
        }
        blocks.push(Block::Input {
            field: fields::IDP_ENTITY_ID.into(),
            label: l.idp_entity_id.clone(),
            help: Some(entity_help.join(" ")),
            placeholder: Some(sp.examples.sp_entity_id.clone()),
            value: self.draft.idp_entity_id.clone(),
            error: self.idp_entity_id().err(),
            warning: None,
            multiline: false,
            copy: true,
        });
        if let Some(sign) = &l.sign_assertion {
            blocks.push(Block::Checkbox {
                field: fields::SIGN_ASSERTION.into(),
                label: format!("I checked {sign} in {}", idp.display_name),
                help: Some(format!(
                    "{sign} makes {} sign each assertion, which is what proves to {} that a sign-in is genuine.",
                    idp.display_name, sp.portal.name
                )),
                value: self.draft.sign_assertion,
                error: self.sign_assertion_error(),
            });
        }
        let mut url_help = Vec::new();
        if let Some(rule) = &idp.sso_url {
            if let Some(h) = &rule.help {
                url_help.push(h.clone());
            } else if rule.must_be_unique {
                url_help.push(format!(
                    "It must be unique among your {} applications.",
                    idp.display_name
                ));
            }
        }
        if let Some(h) = &l.sso_url_help {
            url_help.push(h.clone());
        }
        url_help.push(if sp.labels.idp_sso_url == l.sso_url {
            format!("Copy it into {} too.", sp.portal.name)
        } else {
            format!(
                "Copy it into {} too, where it is called {}.",
                sp.portal.name, sp.labels.idp_sso_url
            )
        });
        blocks.push(Block::Input {
            field: fields::IDP_SSO_URL.into(),
            label: l.sso_url.clone(),
            help: Some(url_help.join(" ")),
            placeholder: Some(
                idp.sso_url
                    .as_ref()
                    .map(|r| r.template.replace("{slug}", "infisical"))
                    .unwrap_or_else(|| "https://idp.example.com/sso/saml".into()),
            ),
            value: self.draft.idp_sso_url.clone(),
            error: self.idp_sso_url().err(),
            warning: None,
            multiline: false,
            copy: true,
        });
        blocks.push(Block::Instruction {
            text: format!(
                "Back in {}, set {} and {} to the values above (the certificate comes in step 5).",
                sp.portal.name, sp.labels.idp_sso_url, sp.labels.idp_entity_id
            ),
            menu_path: Some(sp.portal.settings_path.clone()),
        });
        (
            format!(
                "Create the application for {} in {}, in {}'s own words, and bring two values back.",
                sp.portal.name, idp.display_name, idp.display_name
            ),
            blocks,
        )
    }

    fn attributes_page(&self) -> (String, Vec<Block>) {
        let (Some(sp), Some(idp)) = (self.sp(), self.idp()) else {
            return (String::new(), Vec::new());
        };
        let check = self.check_map();
        let rows = self
            .attribute_rows()
            .into_iter()
            .zip(check.rows)
            .map(|(r, error)| AttributeRowView {
                sp_name: r.sp_name,
                idp_name: r.idp_name,
                error,
            })
            .collect();
        let mut blocks = Vec::new();
        let mut where_ = format!("In {}", idp.display_name);
        if let Some(tab) = &idp.portal.sso_tab {
            where_.push_str(&format!(", on the {tab} tab"));
        }
        if let Some(section) = &idp.portal.attributes_section {
            where_.push_str(&format!(", in the {section} section"));
        }
        let mut text = format!("{where_}, add one attribute for each row below.");
        if let Some(save) = &idp.portal.save_action {
            text.push_str(&format!(" Then press {save} to save the application."));
        }
        blocks.push(Block::Instruction {
            text,
            menu_path: None,
        });
        let side = |name: &str, portal: &Option<String>, what: &str| match portal {
            Some(p) => format!(
                "{name} attribute name ({what}; {p} in {})",
                idp.display_name
            ),
            None => format!("{name} attribute name ({what})"),
        };
        blocks.push(Block::AttributeMap {
            sp_label: side(
                &sp.display_name,
                &idp.labels.attribute_sp_side,
                &format!("what {} reads", sp.portal.name),
            ),
            idp_label: side(
                &idp.display_name,
                &idp.labels.attribute_idp_side,
                &format!("what {} sends", idp.display_name),
            ),
            rows,
            error: check.error,
            warning: check.warning,
        });
        (
            format!(
                "{} fills each {} attribute (left) from a {} user attribute (right).",
                idp.display_name, sp.portal.name, idp.display_name
            ),
            blocks,
        )
    }

    /// Everything the UI needs, without notices.
    pub fn view(&self) -> WizardView {
        WizardView {
            steps: self.steps(),
            current: self.current,
            page: self.page(),
            notices: Vec::new(),
        }
    }

    // ---- saving ------------------------------------------------------------------------------------------------

    /// What may be saved: each value only if it passes validation now, otherwise what was saved before.
    pub fn to_saved(&self, previous: &SavedState) -> SavedState {
        let map_ok = self.check_map().rows.iter().all(Option::is_none)
            && self
                .draft
                .attributes
                .as_ref()
                .is_none_or(|r| r.len() <= MAX_ATTRIBUTE_ROWS);
        SavedState {
            version: STATE_VERSION,
            saved_at: previous.saved_at.clone(),
            current_step: self.current,
            // Only known profiles can be chosen, so the choice is always valid (or none).
            idp_profile: self.idp().map(|p| p.id.clone()),
            sp_profile: self.sp().map(|p| p.id.clone()),
            acs_url: self.acs_url().ok().or_else(|| previous.acs_url.clone()),
            sp_entity_id: self
                .sp_entity_id()
                .ok()
                .or_else(|| previous.sp_entity_id.clone()),
            idp_entity_id: self
                .idp_entity_id()
                .ok()
                .or_else(|| previous.idp_entity_id.clone()),
            sign_assertion_confirmed: self.draft.sign_assertion,
            idp_sso_url: self
                .idp_sso_url()
                .ok()
                .or_else(|| previous.idp_sso_url.clone()),
            attributes: if map_ok {
                self.draft.attributes.as_ref().map(|rows| {
                    rows.iter()
                        .map(|r| AttributeMapping {
                            sp_name: r.sp_name.trim().to_string(),
                            idp_name: r.idp_name.trim().to_string(),
                        })
                        .collect()
                })
            } else {
                previous.attributes.clone()
            },
            idp_certificate: self.saved_certificate(previous.idp_certificate.as_ref()),
            idp_metadata_certificates: self.draft.idp_metadata_certificates.clone(),
            users_assigned: self.draft.users_assigned,
            test_user: assign_users::check_test_user(&self.draft.test_user)
                .ok()
                .map(|()| self.draft.test_user.trim().to_string())
                .or_else(|| previous.test_user.clone()),
            test_evidence: self.draft.evidence.clone(),
            site_url: self
                .site_url()
                .and_then(Result::ok)
                .or_else(|| previous.site_url.clone()),
            demo_granted_groups: self.draft.demo_granted_groups.iter().cloned().collect(),
            sso_enabled: self.draft.sso_enabled,
            enabled_values: self.draft.enabled_values.clone(),
            enforced_at: self.draft.enforced_at.clone(),
        }
    }

    // ---- actions -----------------------------------------------------------------------------------------------

    /// Applies an action to the model; returns notices for the admin.
    fn apply(&mut self, action: Action) -> Vec<Notice> {
        let mut notices = Vec::new();
        let mut warn = |severity, text: String| notices.push(Notice { severity, text });
        match action {
            Action::SetField { field, value } => {
                if let Err(text) = self.set_field(&field, value, &mut warn) {
                    warn(Severity::Error, text);
                }
            }
            Action::GoTo { step } => {
                if let Some(why) = self.locked_reason(step) {
                    warn(
                        Severity::Warning,
                        format!(
                            "Step {} ({}) is not available yet. {why}.",
                            step_number(step),
                            step_title(step)
                        ),
                    );
                } else if step != self.current {
                    self.current = step;
                    self.entered_step();
                }
            }
            Action::Next => match (
                self.step_problem(self.current),
                Model::next_step(self.current),
            ) {
                (Ok(()), Some(next)) => {
                    self.current = next;
                    self.entered_step();
                }
                (Ok(()), None) => warn(Severity::Info, "This is the last step.".into()),
                (Err(why), _) => warn(
                    Severity::Warning,
                    format!("Next is not possible yet: {why}."),
                ),
            },
            Action::Back => {
                if let Some(prev) = Model::previous_step(self.current) {
                    self.current = prev;
                    self.entered_step();
                }
            }
            Action::AddAttribute => {
                if self.current != StepId::Attributes {
                    warn(
                        Severity::Error,
                        "The attribute map is on step 4 (Attributes).".into(),
                    );
                } else {
                    let mut rows = self.attribute_rows();
                    if rows.len() >= MAX_ATTRIBUTE_ROWS {
                        warn(
                            Severity::Warning,
                            format!("The attribute map has the most rows it can hold ({MAX_ATTRIBUTE_ROWS})."),
                        );
                    } else {
                        rows.push(AttributeMapping {
                            sp_name: String::new(),
                            idp_name: String::new(),
                        });
                        self.draft.attributes = Some(rows);
                    }
                }
            }
            Action::RemoveAttribute { index } => {
                if self.current == StepId::Attributes {
                    let mut rows = self.attribute_rows();
                    if index < rows.len() {
                        rows.remove(index);
                        self.draft.attributes = Some(rows);
                    }
                }
            }
            Action::SetAttribute { index, side, value } => {
                if self.current == StepId::Attributes {
                    let mut rows = self.attribute_rows();
                    let value = bounded(value, MAX_ATTRIBUTE_NAME_CHARS + 1);
                    if let Some(row) = rows.get_mut(index) {
                        match side {
                            AttributeSide::Sp => row.sp_name = value,
                            AttributeSide::Idp => row.idp_name = value,
                        }
                        self.draft.attributes = Some(rows);
                    }
                }
            }
            Action::ResetAttributes => {
                if self.current == StepId::Attributes {
                    self.draft.attributes = None;
                }
            }
            // Handled by the session, which owns the notices.
            Action::DismissNotice { .. } => {}
            import @ (Action::ImportMetadata { .. }
            | Action::ImportMetadataFile { .. }
            | Action::ChooseMetadataEntity { .. }
            | Action::ConfirmMetadataImport { .. }
            | Action::CancelMetadataImport { .. }) => {
                if let Err(text) = self.apply_import(import, &mut warn) {
                    warn(Severity::Error, text);
                }
            }
            Action::SetGroupGrant { group, granted } => {
                if let Err(text) = self.set_group_grant(&group, granted) {
                    warn(Severity::Error, text);
                }
            }
            Action::GenerateAuthSecret => {
                if let Err(text) = self.generate_auth_secret() {
                    warn(Severity::Error, text);
                }
            }
            Action::Enforce => match self.record_enforced() {
                Ok(text) => warn(Severity::Info, text),
                Err(text) => warn(Severity::Error, text),
            },
            test @ (Action::CheckPastedResponse { .. } | Action::SaveTestReport { .. }) => {
                match self.apply_test_login(test) {
                    Ok(Some(text)) => warn(Severity::Info, text),
                    Ok(None) => {}
                    Err(text) => warn(Severity::Error, text),
                }
            }
        }
        notices.extend(self.sync_demo());
        notices.extend(self.sync_demo_grants());
        notices
    }

    fn set_field(
        &mut self,
        field: &str,
        value: String,
        warn: &mut impl FnMut(Severity, String),
    ) -> Result<(), String> {
        let current = self.current;
        let on = |step: StepId| -> Result<(), String> {
            if current == step {
                Ok(())
            } else {
                Err(format!(
                    "\"{field}\" belongs to step {} ({}), not to the step shown; nothing was changed",
                    step_number(step),
                    step_title(step)
                ))
            }
        };
        if field == fields::IDP_CERTIFICATE {
            // Its own bound and its own rule for a private key.
            on(StepId::Certificate)?;
            self.set_certificate(value, warn);
            self.draft.demo_certificate_replaced = self.demo_certificate_replaced();
            return Ok(());
        }
        if value.chars().count() > MAX_FIELD_CHARS {
            warn(
                Severity::Warning,
                format!(
                    "The pasted text was longer than {MAX_FIELD_CHARS} characters; only the beginning was kept. \
                     Copy just the value."
                ),
            );
        }
        let value = bounded(value, MAX_FIELD_CHARS);
        match field {
            fields::IDP_PROFILE => {
                on(StepId::Providers)?;
                if self.profiles.idp(&value).is_none() {
                    return Err(format!("There is no identity provider profile \"{value}\""));
                }
                self.draft.idp_profile = Some(value);
                self.draft.demo_certificate_replaced = false;
            }
            fields::SP_PROFILE => {
                on(StepId::Providers)?;
                if self.profiles.sp(&value).is_none() {
                    return Err(format!("There is no service provider profile \"{value}\""));
                }
                self.draft.sp_profile = Some(value);
            }
            fields::ACS_URL => {
                on(StepId::SpValues)?;
                self.draft.acs_url = value;
            }
            fields::SP_ENTITY_ID => {
                on(StepId::SpValues)?;
                // An IdP entity ID that was following the SP entity ID keeps following it.
                let follows = self.idp_entity_id_follows_sp()
                    && self.draft.idp_entity_id.trim() == self.draft.sp_entity_id.trim();
                if follows && !self.draft.idp_entity_id.trim().is_empty() {
                    self.draft.idp_entity_id = value.trim().to_string();
                }
                self.draft.sp_entity_id = value;
            }
            fields::IDP_ENTITY_ID => {
                on(StepId::IdpApp)?;
                self.draft.idp_entity_id = value;
            }
            fields::SIGN_ASSERTION => {
                on(StepId::IdpApp)?;
                self.draft.sign_assertion = checkbox(&value)?;
            }
            fields::IDP_SSO_URL => {
                on(StepId::IdpApp)?;
                self.draft.idp_sso_url = value;
            }
            fields::IDP_CERTIFICATE => {
                on(StepId::Certificate)?;
                self.draft.idp_certificate = value;
            }
            fields::USERS_ASSIGNED => {
                on(StepId::AssignUsers)?;
                self.draft.users_assigned = checkbox(&value)?;
            }
            fields::TEST_USER => {
                on(StepId::AssignUsers)?;
                self.draft.test_user = value;
            }
            fields::SITE_URL => {
                on(StepId::SpValues)?;
                self.set_site_url(value);
            }
            fields::SSO_ENABLED => {
                on(StepId::Enable)?;
                let on = checkbox(&value)?;
                self.set_sso_enabled(on);
            }
            fields::ENFORCE_UNDERSTOOD => {
                on(StepId::Enforce)?;
                self.draft.enforce_understood = checkbox(&value)?;
            }
            fields::ENFORCE_CONFIRM => {
                on(StepId::Enforce)?;
                self.draft.enforce_confirm = value;
            }
            other => return Err(format!("There is no field \"{other}\" in the wizard")),
        }
        Ok(())
    }
}

/// A checkbox's value as the UI sends it.
fn checkbox(value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!(
            "The checkbox value must be \"true\" or \"false\", not \"{other}\""
        )),
    }
}

/// Cuts `s` to at most `max` characters.
fn bounded(mut s: String, max: usize) -> String {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
    }
    s
}

/// One admin's run through the wizard, backed by saved progress.
pub struct Session {
    /// `None` when saving is off (the saved file could not be read or moved aside: it must not be overwritten).
    store: Option<Store>,
    path: std::path::PathBuf,
    model: Model,
    saved: SavedState,
    notices: Vec<Notice>,
}

impl Session {
    /// Never fails: unreadable/corrupt/unknown-version state is moved aside (renamed, not deleted) and reported as a
    /// Notice in the view.
    pub fn open(store: Store) -> Session {
        match Profiles::builtin() {
            Ok(profiles) => Session::with_profiles(store, profiles),
            Err(e) => {
                let mut s = Session::with_profiles(store, Profiles::default());
                s.notice(
                    Severity::Error,
                    format!("The provider profiles built into SSO Pilot could not be loaded ({e}). Please report this."),
                );
                s
            }
        }
    }

    /// Like [`Session::open`] with the given profiles (e.g. from [`Profiles::load_dir`]).
    pub fn with_profiles(store: Store, profiles: Profiles) -> Session {
        store.remove_stale_temp_files();
        let path = store.path();
        let mut notices = Vec::new();
        let mut store = Some(store);
        let mut saved = SavedState::default();
        let load = store.as_ref().map(Store::load).unwrap_or(Ok(None));
        match load {
            Ok(Some(s)) => saved = s,
            Ok(None) => {}
            Err(e) if e.is_unusable_file() => {
                match store.as_ref().map(Store::move_aside) {
                    Some(Ok(aside)) => notices.push(Notice {
                        severity: Severity::Warning,
                        text: format!(
                            "Your saved progress could not be used ({e}). It was moved to {} and the wizard started \
                             fresh. Support can look at that file; you can delete it once you no longer need it.",
                            aside.display()
                        ),
                    }),
                    Some(Err(move_err)) => {
                        store = None;
                        notices.push(Notice {
                            severity: Severity::Error,
                            text: format!(
                                "Your saved progress could not be used ({e}), and it could not be moved aside \
                                 ({move_err}). The wizard started fresh and will NOT save your progress, so as not \
                                 to overwrite that file: move or delete it yourself, then restart SSO Pilot."
                            ),
                        });
                    }
                    None => {}
                }
            }
            Err(e) => {
                store = None;
                notices.push(Notice {
                    severity: Severity::Error,
                    text: format!(
                        "{e}. The wizard started fresh and will NOT save your progress, so as not to overwrite that \
                         file: fix its permissions, then restart SSO Pilot."
                    ),
                });
            }
        }
        let (model, warnings) = Model::from_saved(profiles, &saved);
        notices.extend(warnings.into_iter().map(|text| Notice {
            severity: Severity::Warning,
            text,
        }));
        let mut session = Session {
            store,
            path,
            model,
            saved,
            notices,
        };
        // Save what resuming changed (a prefilled value, a step moved back), if anything.
        session.save_if_changed();
        session
    }

    pub fn view(&self) -> WizardView {
        WizardView {
            notices: self.notices.clone(),
            ..self.model.view()
        }
    }

    /// After the demo IdP or the keychain is attached: the step saved at the last run if it is reachable now, else
    /// the nearest step on the way there ([`Model::nearest_reachable`]). Steps 6 and 8 can only be judged
    /// once these are attached (the demo IdP's grants, AUTH_SECRET in the keychain), after opening. Not once the
    /// admin has acted.
    fn settle_after_attach(&mut self) {
        let saved = self.model.resume_at;
        let wanted = saved.unwrap_or(self.model.current);
        // Step 8 is judged with the AUTH_SECRET read from the keychain (no keychain yet reads nothing).
        if wanted >= StepId::Enable || self.model.current >= StepId::Enable {
            self.model.load_auth_secret();
        }
        let step = self.model.nearest_reachable(wanted);
        if step == wanted {
            self.model.resume_at = None;
        }
        if step != self.model.current {
            self.model.current = step;
            if step != StepId::Enable {
                self.model.entered_step();
            }
            self.save_if_changed();
        }
    }

    /// Applies an action; saves after every change that passes validation; a save failure becomes a Notice (never a
    /// panic).
    pub fn apply(&mut self, action: view::Action) -> WizardView {
        self.model.resume_at = None;
        if let Action::DismissNotice { index } = action {
            if index < self.notices.len() {
                self.notices.remove(index);
            }
            return self.view();
        }
        for n in self.model.apply(action) {
            self.notice(n.severity, n.text);
        }
        self.save_if_changed();
        self.view()
    }

    /// The model, for reading (tests, the CLI).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Where progress is saved.
    pub fn state_path(&self) -> &std::path::Path {
        &self.path
    }

    /// True when progress is being saved (false after the saved file could not be read or moved aside).
    pub fn saving_enabled(&self) -> bool {
        self.store.is_some()
    }

    fn notice(&mut self, severity: Severity, text: String) {
        if self.notices.iter().any(|n| n.text == text) {
            return;
        }
        if self.notices.len() >= MAX_NOTICES {
            self.notices.remove(0);
        }
        self.notices.push(Notice { severity, text });
    }

    fn save_if_changed(&mut self) {
        let Some(store) = &self.store else {
            return;
        };
        let next = self.model.to_saved(&self.saved);
        if next.same_progress(&self.saved) && store.path().exists() {
            return;
        }
        if next.same_progress(&SavedState::default()) && !store.path().exists() {
            // Nothing worth a file yet.
            return;
        }
        let stamped = SavedState {
            saved_at: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .ok(),
            ..next
        };
        match store.save(&stamped) {
            Ok(()) => {
                self.saved = stamped;
                let failed = |n: &Notice| n.text.starts_with(SAVE_FAILED);
                self.notices.retain(|n| !failed(n));
            }
            Err(e) => self.notice(Severity::Error, format!("{SAVE_FAILED}: {e}.")),
        }
    }
}

const SAVE_FAILED: &str = "Your progress is not saved";

/// Describes saved progress as the wizard would show it (for `ssopilot state show`).
pub fn describe_saved(profiles: Profiles, saved: &SavedState) -> (WizardView, Vec<String>) {
    let (model, warnings) = Model::from_saved(profiles, saved);
    (model.view(), warnings)
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("path", &self.path)
            .field("saving", &self.store.is_some())
            .field("current", &self.model.current)
            .finish()
    }
}

#[cfg(test)]
mod tests;
