//! Step 3: the application in the IdP, in the IdP's own words, and the two values it gives back (IdP entity ID and
//! SSO URL).

use crate::profiles::{IdpProfile, SpProfile};
use crate::providers;
use crate::sp_values::text;
use crate::state::SavedState;
use crate::view::{self, Block};
use crate::{Field, Model};
use ssopilot_saml::values::{EntityId, IdpUrl};

/// Step 3 as typed, valid or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Draft {
    pub(crate) idp_entity_id: String,
    pub(crate) sign_assertion: bool,
    pub(crate) idp_sso_url: String,
}

impl Draft {
    pub(crate) fn load(saved: &SavedState) -> Draft {
        Draft {
            idp_entity_id: text(saved.idp_entity_id.as_ref().map(EntityId::as_str)),
            sign_assertion: saved.sign_assertion_confirmed,
            idp_sso_url: text(saved.idp_sso_url.as_ref().map(IdpUrl::as_str)),
        }
    }
}

/// Each value if it passes now (with the SP's and the profile's rules), otherwise what was saved before.
pub(crate) fn save(model: &Model, previous: &SavedState, out: &mut SavedState) {
    let draft = &model.steps.idp_app;
    out.idp_entity_id = model
        .idp_entity_id()
        .ok()
        .or_else(|| previous.idp_entity_id.clone());
    out.sign_assertion_confirmed = draft.sign_assertion;
    out.idp_sso_url = model
        .steps
        .idp_app
        .idp_sso_url(model.idp())
        .ok()
        .or_else(|| previous.idp_sso_url.clone());
}

/// The IdP's word for its entity ID.
fn idp_entity_label(idp: Option<&IdpProfile>) -> &str {
    idp.map(|p| p.labels.idp_entity_id.as_str())
        .unwrap_or("IdP Entity ID")
}

/// The IdP's word for its SSO URL.
fn sso_url_label(idp: Option<&IdpProfile>) -> &str {
    idp.map(|p| p.labels.sso_url.as_str()).unwrap_or("SSO URL")
}

/// The SP wants the IdP entity ID equal to its own, and the IdP lets the admin choose it (Okta and Entra ID set
/// their own, so there it is copied from the IdP instead).
pub(crate) fn follows_sp(idp: Option<&IdpProfile>, sp: Option<&SpProfile>) -> bool {
    sp.is_some_and(|sp| sp.quirks.idp_entity_id_equals_sp_entity_id)
        && !idp.is_some_and(|idp| idp.defaults.idp_entity_id_fixed)
}

impl Draft {
    /// On entering step 3: the IdP entity ID is prefilled with step 2's SP entity ID when the SP wants them equal.
    fn entered(&mut self, follows_sp: bool, sp_entity_id: Option<EntityId>) {
        if self.idp_entity_id.trim().is_empty() && follows_sp {
            if let Some(id) = sp_entity_id {
                self.idp_entity_id = id.as_str().to_string();
            }
        }
    }

    /// The IdP entity ID, including the SP's rule that it equals step 2's SP entity ID.
    pub(crate) fn idp_entity_id(
        &self,
        idp: Option<&IdpProfile>,
        sp: Option<&SpProfile>,
        sp_entity_id: Option<EntityId>,
    ) -> Result<EntityId, String> {
        let label = idp_entity_label(idp);
        let id = EntityId::parse(&self.idp_entity_id, "IdP Entity ID")
            .map_err(|e| e.message_for(label))?;
        if let (Some(profile), Some(sp_id)) = (sp, sp_entity_id) {
            if follows_sp(idp, sp) && id != sp_id {
                return Err(format!(
                    "{} needs the {label} to be the same as its {} ({sp_id}): set it to that value here and in {}",
                    profile.portal.name,
                    profile.labels.sp_entity_id,
                    providers::idp_name(idp)
                ));
            }
        }
        Ok(id)
    }

    /// The SSO URL, including the IdP profile's rule for it.
    pub(crate) fn idp_sso_url(&self, idp: Option<&IdpProfile>) -> Result<IdpUrl, String> {
        let label = sso_url_label(idp);
        let url = IdpUrl::parse(&self.idp_sso_url, "SSO URL").map_err(|e| e.message_for(label))?;
        if let Some(rule) = idp.and_then(|p| p.sso_url.as_ref()) {
            rule.check(url.as_str(), label)?;
        }
        Ok(url)
    }

    fn sign_assertion_error(&self, idp: Option<&IdpProfile>) -> Option<String> {
        let label = idp?.labels.sign_assertion.as_deref()?;
        (!self.sign_assertion).then(|| {
            format!(
                "Check {label} in {}, then tick this box (the signature on each assertion is what proves a sign-in \
                 is genuine)",
                providers::idp_name(idp)
            )
        })
    }
}

impl Model {
    /// On entering step 3: see [`Draft::entered`].
    pub(super) fn idp_app_entered(&mut self) {
        let follows = self.idp_entity_id_follows_sp();
        let sp_id = self.steps.sp_values.sp_entity_id(self.sp()).ok();
        self.steps.idp_app.entered(follows, sp_id);
    }

    /// `Ok` when step 3 has everything it needs; `Err(reason)` names the first thing missing.
    pub(super) fn idp_app_problem(&self) -> Result<(), String> {
        self.idp_entity_id()?;
        if let Some(e) = self.steps.idp_app.sign_assertion_error(self.idp()) {
            return Err(e);
        }
        self.steps.idp_app.idp_sso_url(self.idp())?;
        Ok(())
    }

    pub(super) fn idp_entity_label(&self) -> &str {
        idp_entity_label(self.idp())
    }

    pub(super) fn sso_url_label(&self) -> &str {
        sso_url_label(self.idp())
    }

    /// Step 3's IdP entity ID, checked against step 2's SP entity ID.
    pub(super) fn idp_entity_id(&self) -> Result<EntityId, String> {
        let sp_id = self.steps.sp_values.sp_entity_id(self.sp()).ok();
        self.steps
            .idp_app
            .idp_entity_id(self.idp(), self.sp(), sp_id)
    }

    /// See [`follows_sp`].
    pub(super) fn idp_entity_id_follows_sp(&self) -> bool {
        follows_sp(self.idp(), self.sp())
    }

    pub(super) fn idp_app_page(&self) -> (String, Vec<Block>) {
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
            value: self.steps.sp_values.sp_entity_id.trim().to_string(),
            help: Some(from_step2(
                &sp.labels.sp_entity_id,
                &l.sp_entity_id,
                &l.sp_entity_id_help,
            )),
            copy: true,
        });
        blocks.push(Block::Value {
            label: l.acs_url.clone(),
            value: self.steps.sp_values.acs_url.trim().to_string(),
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
            field: Field::IdpEntityId,
            label: l.idp_entity_id.clone(),
            help: Some(entity_help.join(" ")),
            placeholder: Some(sp.examples.sp_entity_id.clone()),
            value: self.steps.idp_app.idp_entity_id.clone(),
            error: self.idp_entity_id().err(),
            warning: None,
            multiline: false,
            copy: true,
        });
        if let Some(sign) = &l.sign_assertion {
            blocks.push(Block::Checkbox {
                field: Field::SignAssertion,
                label: format!("I checked {sign} in {}", idp.display_name),
                help: Some(format!(
                    "{sign} makes {} sign each assertion, which is what proves to {} that a sign-in is genuine.",
                    idp.display_name, sp.portal.name
                )),
                value: self.steps.idp_app.sign_assertion,
                error: self.steps.idp_app.sign_assertion_error(Some(idp)),
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
            field: Field::IdpSsoUrl,
            label: l.sso_url.clone(),
            help: Some(url_help.join(" ")),
            placeholder: Some(
                idp.sso_url
                    .as_ref()
                    .map(|r| r.template.replace("{slug}", "infisical"))
                    .unwrap_or_else(|| "https://idp.example.com/sso/saml".into()),
            ),
            value: self.steps.idp_app.idp_sso_url.clone(),
            error: self.steps.idp_app.idp_sso_url(self.idp()).err(),
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
}
