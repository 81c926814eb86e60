//! Step 2: the SP's ACS URL and entity ID, as the SP's admin portal shows them.

use crate::profiles::SpProfile;
use crate::providers;
use crate::state::SavedState;
use crate::view::{self, Block};
use crate::{Field, Model};
use ssopilot_saml::values::SiteUrl;
use ssopilot_saml::values::{AcsUrl, EntityId};

/// Step 2 as typed, valid or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Draft {
    pub(crate) acs_url: String,
    pub(crate) sp_entity_id: String,
    /// Self-hosted SPs: SITE_URL as typed (see [`crate::self_hosted`]).
    pub(crate) site_url: String,
    /// The SP entity ID was filled from SITE_URL and not edited since, so it follows SITE_URL as it is typed (a
    /// pause after "https://i" must not leave the entity ID at that). Not saved: after a restart, an entity ID
    /// equal to the one SITE_URL gives follows too.
    pub(crate) sp_entity_id_from_site: bool,
}

impl Draft {
    pub(crate) fn load(saved: &SavedState) -> Draft {
        Draft {
            acs_url: text(saved.acs_url.as_ref().map(AcsUrl::as_str)),
            sp_entity_id: text(saved.sp_entity_id.as_ref().map(EntityId::as_str)),
            site_url: text(saved.site_url.as_ref().map(SiteUrl::as_str)),
            sp_entity_id_from_site: false,
        }
    }
}

/// Each value if it passes now, otherwise what was saved before.
pub(crate) fn save(model: &Model, previous: &SavedState, out: &mut SavedState) {
    let (draft, sp) = (&model.steps.sp_values, model.sp());
    out.acs_url = draft.acs_url(sp).ok().or_else(|| previous.acs_url.clone());
    out.sp_entity_id = draft
        .sp_entity_id(sp)
        .ok()
        .or_else(|| previous.sp_entity_id.clone());
    out.site_url = model
        .steps
        .sp_values
        .site_url(model.sp())
        .and_then(Result::ok)
        .or_else(|| previous.site_url.clone());
}

/// The SP's word for the ACS URL.
pub(crate) fn acs_label(sp: Option<&SpProfile>) -> &str {
    sp.map(|p| p.labels.acs_url.as_str()).unwrap_or("ACS URL")
}

/// The SP's word for its entity ID.
pub(crate) fn sp_entity_label(sp: Option<&SpProfile>) -> &str {
    sp.map(|p| p.labels.sp_entity_id.as_str())
        .unwrap_or("SP Entity ID")
}

impl Draft {
    /// The ACS URL as typed, checked; the error in the SP's words.
    pub(crate) fn acs_url(&self, sp: Option<&SpProfile>) -> Result<AcsUrl, String> {
        AcsUrl::parse(&self.acs_url, "ACS URL").map_err(|e| e.message_for(acs_label(sp)))
    }

    /// The SP entity ID as typed, checked; the error in the SP's words.
    pub(crate) fn sp_entity_id(&self, sp: Option<&SpProfile>) -> Result<EntityId, String> {
        EntityId::parse(&self.sp_entity_id, "SP Entity ID")
            .map_err(|e| e.message_for(sp_entity_label(sp)))
    }

    /// A warning (not an error) when the ACS URL and the SP entity ID point at different hosts.
    fn host_warning(&self, sp: Option<&SpProfile>) -> Option<String> {
        let acs = self.acs_url(sp).ok()?.url()?;
        let entity = url::Url::parse(self.sp_entity_id(sp).ok()?.as_str()).ok()?;
        let (a, e) = (acs.host_str()?, entity.host_str()?);
        (!a.eq_ignore_ascii_case(e)).then(|| {
            format!(
                "The {} is on {a} but the {} is on {e}. That can be right, but usually both come from the same \
                 place: check that you copied both from {}.",
                acs_label(sp),
                sp_entity_label(sp),
                providers::sp_name(sp)
            )
        })
    }
}

/// A saved value as text in its field (empty when none was saved).
pub(crate) fn text(saved: Option<&str>) -> String {
    saved.map(str::to_string).unwrap_or_default()
}

impl Model {
    /// `Ok` when step 2 has everything it needs; `Err(reason)` names the first thing missing.
    pub(super) fn sp_values_problem(&self) -> Result<(), String> {
        self.steps.sp_values.site_url_problem(self.sp())?;
        self.steps.sp_values.acs_url(self.sp())?;
        self.steps.sp_values.sp_entity_id(self.sp())?;
        self.steps.sp_values.site_url_consistency(self.sp())?;
        Ok(())
    }

    pub(super) fn acs_label(&self) -> &str {
        acs_label(self.sp())
    }

    pub(super) fn sp_entity_label(&self) -> &str {
        sp_entity_label(self.sp())
    }

    pub(super) fn sp_values_page(&self) -> (String, Vec<Block>) {
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
                field: Field::AcsUrl,
                label: sp.labels.acs_url.clone(),
                help: Some(where_help(&sp.labels.acs_url, &idp.labels.acs_url)),
                placeholder: Some(sp.examples.acs_url.clone()),
                value: self.steps.sp_values.acs_url.clone(),
                error: self.steps.sp_values.acs_url(self.sp()).err(),
                warning: None,
                multiline: false,
                copy: true,
            },
            Block::Input {
                field: Field::SpEntityId,
                label: sp.labels.sp_entity_id.clone(),
                help: Some(where_help(&sp.labels.sp_entity_id, &idp.labels.sp_entity_id)),
                placeholder: Some(sp.examples.sp_entity_id.clone()),
                value: self.steps.sp_values.sp_entity_id.clone(),
                error: self.steps.sp_values.sp_entity_id(self.sp()).err(),
                warning: self.steps.sp_values.host_warning(Some(sp)),
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
}
