//! What the admin typed ([`Draft`], valid or not) and its mapping to and from saved progress ([`SavedState`]):
//! only values that pass validation are saved.

use crate::profiles::{AttributeMapping, Profiles};
use crate::state::{SavedState, MAX_ATTRIBUTE_ROWS, STATE_VERSION};
use crate::view::StepId;
use crate::{assign_users, certificate, enable, Model};

/// What the admin has typed or chosen, valid or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Draft {
    pub(super) idp_profile: Option<String>,
    pub(super) sp_profile: Option<String>,
    pub(super) acs_url: String,
    pub(super) sp_entity_id: String,
    pub(super) idp_entity_id: String,
    pub(super) sign_assertion: bool,
    pub(super) idp_sso_url: String,
    /// `None`: the profiles' defaults.
    pub(super) attributes: Option<Vec<AttributeMapping>>,
    /// Step 5, verbatim as pasted (bounded); emptied when a paste held a private key.
    pub(super) idp_certificate: String,
    /// Set when the last paste held a private key (see [`certificate`]).
    pub(super) idp_certificate_key_refusal: Option<certificate::KeyRefusal>,
    /// PEM of the signing certificates of imported IdP metadata.
    pub(super) idp_metadata_certificates: Vec<String>,
    /// Step 6: the admin confirmed the application is granted to a user group.
    pub(super) users_assigned: bool,
    /// Step 6: the account that does the test login.
    pub(super) test_user: String,
    /// Step 7: the last passing test login, kept even when it no longer matches (it then shows as stale).
    pub(super) evidence: Option<ssopilot_peers::test_login::evidence::Evidence>,
    /// Step 2, self-hosted SPs: SITE_URL as typed.
    pub(super) site_url: String,
    /// Step 6 with the demo IdP: the groups granted the application.
    pub(super) demo_granted_groups: std::collections::BTreeSet<String>,
    /// Step 8: the admin switched SAML SSO on in the SP.
    pub(super) sso_enabled: bool,
    /// Step 8: what the SP was given when the admin confirmed it.
    pub(super) enabled_values: Option<enable::EnabledValues>,
    /// Step 9: the admin read what enforcing does (not saved: confirmed again after a restart).
    pub(super) enforce_understood: bool,
    /// Step 9: the SP's name as typed to confirm (not saved).
    pub(super) enforce_confirm: String,
    /// Step 9: when enforcing was recorded (RFC 3339, UTC).
    pub(super) enforced_at: Option<String>,
    /// The admin put another certificate than the demo IdP's into step 5 (to see a test login fail, as after a
    /// rotation): the demo stops refilling it until the field is emptied. Not saved.
    pub(super) demo_certificate_replaced: bool,
}

impl Model {
    /// The wizard as saved; returns warnings about saved choices this build cannot use (an unknown profile).
    pub fn from_saved(profiles: Profiles, saved: &SavedState) -> (Model, Vec<String>) {
        Model::from_saved_with_clock(profiles, saved, crate::clock::system())
    }

    /// [`Model::from_saved`] reading the time from `clock`.
    pub fn from_saved_with_clock(
        profiles: Profiles,
        saved: &SavedState,
        clock: crate::clock::SharedClock,
    ) -> (Model, Vec<String>) {
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
            clock,
        };
        // Resume where the admin left off, or, if the saved step is not reachable (yet), on the way there.
        model.current = model.nearest_reachable(saved.current_step);
        if model.current != saved.current_step {
            model.resume_at = Some(saved.current_step);
        }
        model.entered_step();
        (model, warnings)
    }

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
}
