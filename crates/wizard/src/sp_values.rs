//! Step 2: the SP's ACS URL and entity ID, as the SP's admin portal shows them.

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
}

impl Draft {
    pub(crate) fn load(saved: &SavedState) -> Draft {
        Draft {
            acs_url: text(saved.acs_url.as_ref().map(AcsUrl::as_str)),
            sp_entity_id: text(saved.sp_entity_id.as_ref().map(EntityId::as_str)),
            site_url: text(saved.site_url.as_ref().map(SiteUrl::as_str)),
        }
    }
}

/// Each value if it passes now, otherwise what was saved before.
pub(crate) fn save(model: &Model, previous: &SavedState, out: &mut SavedState) {
    out.acs_url = model.acs_url().ok().or_else(|| previous.acs_url.clone());
    out.sp_entity_id = model
        .sp_entity_id()
        .ok()
        .or_else(|| previous.sp_entity_id.clone());
    out.site_url = model
        .site_url()
        .and_then(Result::ok)
        .or_else(|| previous.site_url.clone());
}

/// A saved value as text in its field (empty when none was saved).
pub(crate) fn text(saved: Option<&str>) -> String {
    saved.map(str::to_string).unwrap_or_default()
}

impl Model {
    /// `Ok` when step 2 has everything it needs; `Err(reason)` names the first thing missing.
    pub(super) fn sp_values_problem(&self) -> Result<(), String> {
        self.site_url_problem()?;
        self.acs_url()?;
        self.sp_entity_id()?;
        self.site_url_consistency()?;
        Ok(())
    }

    pub(super) fn acs_label(&self) -> &str {
        self.sp()
            .map(|p| p.labels.acs_url.as_str())
            .unwrap_or("ACS URL")
    }

    pub(super) fn sp_entity_label(&self) -> &str {
        self.sp()
            .map(|p| p.labels.sp_entity_id.as_str())
            .unwrap_or("SP Entity ID")
    }

    pub(super) fn acs_url(&self) -> Result<AcsUrl, String> {
        AcsUrl::parse(&self.steps.sp_values.acs_url, "ACS URL")
            .map_err(|e| e.message_for(self.acs_label()))
    }

    pub(super) fn sp_entity_id(&self) -> Result<EntityId, String> {
        EntityId::parse(&self.steps.sp_values.sp_entity_id, "SP Entity ID")
            .map_err(|e| e.message_for(self.sp_entity_label()))
    }

    /// A warning (not an error) when the ACS URL and the SP entity ID point at different hosts.
    pub(super) fn host_warning(&self) -> Option<String> {
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
                error: self.acs_url().err(),
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
}
