//! Step 1: choosing the identity provider and the service provider from the profiles.

use crate::view::{Block, ChoiceOption};
use crate::{Field, Model};

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
        (
            "Choose the identity provider where your users sign in, and the service provider (the application) they \
             sign in to. The following steps then use each portal's own words."
                .into(),
            vec![
                Block::Choice {
                    field: Field::IdpProfile,
                    label: "Identity provider (IdP)".into(),
                    help: Some("Where your users' accounts and passwords are.".into()),
                    options: idp_options,
                    value: self.draft.idp_profile.clone(),
                },
                Block::Choice {
                    field: Field::SpProfile,
                    label: "Service provider (SP)".into(),
                    help: Some("The application your users will sign in to with single sign-on.".into()),
                    options: sp_options,
                    value: self.draft.sp_profile.clone(),
                },
            ],
        )
    }
}
