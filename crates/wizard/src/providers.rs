//! Step 1: choosing the identity provider and the service provider from the profiles.

use crate::profiles::{IdpProfile, Profiles, SpProfile};
use crate::state::SavedState;
use crate::view::{Block, ChoiceOption};
use crate::{Field, Model};

/// Step 1 as chosen: the profile ids (only ones this build has, once loaded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Draft {
    pub(crate) idp_profile: Option<String>,
    pub(crate) sp_profile: Option<String>,
}

impl Draft {
    /// The saved choices this build has; a warning for each one it does not (it is chosen again in step 1).
    pub(crate) fn load(
        saved: &SavedState,
        profiles: &Profiles,
        warnings: &mut Vec<String>,
    ) -> Draft {
        let mut keep = |id: &Option<String>, known: bool, what: &str| match id {
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
        Draft {
            idp_profile: keep(&saved.idp_profile, idp_known, "identity provider"),
            sp_profile: keep(&saved.sp_profile, sp_known, "service provider"),
        }
    }
}

impl Draft {
    /// The chosen IdP's profile.
    pub(crate) fn idp<'a>(&self, profiles: &'a Profiles) -> Option<&'a IdpProfile> {
        self.idp_profile.as_deref().and_then(|id| profiles.idp(id))
    }

    /// The chosen SP's profile.
    pub(crate) fn sp<'a>(&self, profiles: &'a Profiles) -> Option<&'a SpProfile> {
        self.sp_profile.as_deref().and_then(|id| profiles.sp(id))
    }
}

/// The SP's name as its portal says it, for messages.
pub(crate) fn sp_name(sp: Option<&SpProfile>) -> &str {
    sp.map(|p| p.portal.name.as_str())
        .unwrap_or("the service provider")
}

/// The IdP's name, for messages.
pub(crate) fn idp_name(idp: Option<&IdpProfile>) -> &str {
    idp.map(|p| p.display_name.as_str())
        .unwrap_or("the identity provider")
}

/// Bound on a provider profile id in the file.
const MAX_PROFILE_ID_CHARS: usize = 64;

/// A saved profile id is one this build could have written (whether it still knows it is [`Draft::load`]'s matter).
pub(crate) fn check_saved(saved: &SavedState) -> Result<(), String> {
    for (name, id) in [
        ("idp_profile", &saved.idp_profile),
        ("sp_profile", &saved.sp_profile),
    ] {
        if let Some(id) = id {
            if id.is_empty()
                || id.chars().count() > MAX_PROFILE_ID_CHARS
                || !id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(format!("{name} is not a profile id"));
            }
        }
    }
    Ok(())
}

/// Only known profiles can be chosen, so the choice is always valid (or none).
pub(crate) fn save(model: &Model, _previous: &SavedState, out: &mut SavedState) {
    out.idp_profile = model.idp().map(|p| p.id.clone());
    out.sp_profile = model.sp().map(|p| p.id.clone());
}

impl Model {
    /// `Ok` when step 1 has everything it needs; `Err(reason)` names the first thing missing.
    pub(super) fn providers_problem(&self) -> Result<(), String> {
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

    pub(super) fn providers_page(&self) -> (String, Vec<Block>) {
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
        let mut blocks = vec![
            Block::Choice {
                field: Field::IdpProfile,
                label: "Identity provider (IdP)".into(),
                help: Some("Where your users' accounts and passwords are.".into()),
                options: idp_options,
                value: self.steps.providers.idp_profile.clone(),
            },
            Block::Choice {
                field: Field::SpProfile,
                label: "Service provider (SP)".into(),
                help: Some(
                    "The application your users will sign in to with single sign-on.".into(),
                ),
                options: sp_options,
                value: self.steps.providers.sp_profile.clone(),
            },
        ];
        blocks.extend(self.practice_block());
        (
            "Choose the identity provider where your users sign in, and the service provider (the application) they \
             sign in to. The following steps then use each portal's own words."
                .into(),
            blocks,
        )
    }
}
