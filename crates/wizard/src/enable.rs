//! Step 8, Enable: turning SAML SSO on in the service provider, once the configuration is complete and checked.
//!
//! Reachable only when steps 1 to 6 are complete (see `prerequisites`): the values pasted here are the checked ones.
//! The page says where each value goes in the SP's own words (profile data, `[enable]`), each with a copy button, the
//! certificate as PEM with its BEGIN/END lines; for a self-hosted SP also SITE_URL and AUTH_SECRET
//! ([`super::self_hosted`]). The admin's confirmation that SSO is switched on completes the step and is saved.
//! Enabling locks nobody out (passwords keep working until step 9), and a live test through the SP needs it.

use crate::profiles::SpProfile;
use crate::state::SavedState;
use serde::{Deserialize, Serialize};

use super::view::{Block, Severity};
use super::{Field, Model};

/// What the SP was given when the admin confirmed SSO was switched on: if any of it changes afterwards, the SP holds
/// old values and step 8 asks for them to be pasted again. All public values (the certificate by fingerprint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnabledValues {
    pub idp_sso_url: String,
    pub idp_entity_id: String,
    pub certificate_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_url: Option<String>,
}

impl EnabledValues {
    /// Checks a saved record: bounded single-line strings (it may have been edited by hand).
    pub fn check(&self) -> Result<(), String> {
        let all = [
            Some(&self.idp_sso_url),
            Some(&self.idp_entity_id),
            Some(&self.certificate_sha256),
            self.site_url.as_ref(),
        ];
        if all.into_iter().flatten().any(|v| {
            v.chars().count() > ssopilot_saml::values::MAX_URL_LEN
                || v.chars().any(char::is_control)
        }) {
            return Err(
                "the values recorded when SSO was enabled are not what SSO Pilot writes".into(),
            );
        }
        Ok(())
    }
}

/// Step 8 as confirmed, and AUTH_SECRET for a self-hosted SP.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    /// The admin switched SAML SSO on in the SP.
    pub(crate) sso_enabled: bool,
    /// What the SP was given when the admin confirmed it.
    pub(crate) enabled_values: Option<EnabledValues>,
    /// AUTH_SECRET as read from the keychain when step 8 was entered (never saved; see [`crate::self_hosted`]).
    pub(crate) auth_secret: Option<ssopilot_peers::secrets::SecretString>,
}

impl Draft {
    pub(crate) fn load(saved: &SavedState) -> Draft {
        Draft {
            sso_enabled: saved.sso_enabled,
            enabled_values: saved.enabled_values.clone(),
            auth_secret: None,
        }
    }
}

pub(crate) fn check_saved(saved: &SavedState) -> Result<(), String> {
    saved
        .enabled_values
        .as_ref()
        .map_or(Ok(()), EnabledValues::check)
}

pub(crate) fn save(model: &Model, _previous: &SavedState, out: &mut SavedState) {
    let draft = &model.steps.enable;
    out.sso_enabled = draft.sso_enabled;
    out.enabled_values = draft.enabled_values.clone();
}

impl Draft {
    /// `Ok` once the admin confirmed SSO is on with the values as they are `now`.
    fn problem(&self, now: &EnabledValues, sp: Option<&SpProfile>) -> Result<(), String> {
        let (name, action) = match sp {
            Some(p) => (p.portal.name.as_str(), p.enable.enable_action.as_str()),
            None => ("the service provider", "SAML SSO"),
        };
        if !self.sso_enabled {
            return Err(format!(
                "Paste the values into {name}, switch on {action}, then tick the box"
            ));
        }
        let changed = self.changed_since(now, sp);
        if !changed.is_empty() {
            let changed = match changed.split_last() {
                Some((last, [])) => last.clone(),
                Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                None => String::new(),
            };
            return Err(format!(
                "{changed} changed since you switched on {action}: paste the new values into {name}, then untick \
                 and tick the box again"
            ));
        }
        Ok(())
    }

    /// What changed, in the SP's words, between what the SP was given and the values `now`.
    fn changed_since(&self, now: &EnabledValues, sp: Option<&SpProfile>) -> Vec<String> {
        let Some(then) = &self.enabled_values else {
            return vec!["The values".into()];
        };
        let mut changed = Vec::new();
        if let Some(sp) = sp {
            if then.idp_sso_url != now.idp_sso_url {
                changed.push(sp.labels.idp_sso_url.clone());
            }
            if then.idp_entity_id != now.idp_entity_id {
                changed.push(sp.labels.idp_entity_id.clone());
            }
            if then.certificate_sha256 != now.certificate_sha256 {
                changed.push(format!("the {}", sp.enable.certificate_label));
            }
            if then.site_url != now.site_url {
                if let Some(h) = &sp.self_hosted {
                    changed.push(h.site_url_setting.clone());
                }
            }
        }
        changed
    }

    /// Ticking the confirmation records what the SP was given (the values `now`); unticking forgets it.
    pub(crate) fn set_sso_enabled(&mut self, on: bool, now: EnabledValues) {
        self.sso_enabled = on;
        self.enabled_values = on.then_some(now);
    }
}

impl Model {
    pub(super) fn enable_problem(&self) -> Result<(), String> {
        self.auth_secret_problem()?;
        self.steps.enable.problem(&self.enabled_values(), self.sp())
    }

    /// The values the SP is given on this page, as they are now (from steps 2, 3 and 5).
    pub(super) fn enabled_values(&self) -> EnabledValues {
        EnabledValues {
            idp_sso_url: self.steps.idp_app.idp_sso_url.trim().to_string(),
            idp_entity_id: self.steps.idp_app.idp_entity_id.trim().to_string(),
            certificate_sha256: self
                .certificate_report()
                .sha256_fingerprint
                .map(|f| f.as_str().to_string())
                .unwrap_or_default(),
            site_url: self
                .steps
                .sp_values
                .site_url(self.sp())
                .and_then(Result::ok)
                .map(|s| s.as_str().to_string()),
        }
    }

    /// The certificate as the SP wants it pasted: normalized PEM with its BEGIN/END lines.
    pub(super) fn certificate_pem(&self) -> Option<String> {
        let report = self.certificate_report();
        report.usable.then_some(report.pem).flatten()
    }

    pub(super) fn enable_page(&self) -> (String, Vec<Block>) {
        let (Some(sp), Some(idp)) = (self.sp(), self.idp()) else {
            return (String::new(), Vec::new());
        };
        let e = &sp.enable;
        let name = &sp.portal.name;
        let mut blocks = self.server_settings_blocks();
        if !blocks.is_empty() {
            blocks.push(Block::Heading {
                text: format!("{name} SAML settings"),
            });
        }
        blocks.push(Block::Instruction {
            text: format!("In {name}, open the SAML SSO configuration and fill in these values."),
            menu_path: Some(e.path.clone()),
        });
        blocks.push(Block::Value {
            label: sp.labels.idp_sso_url.clone(),
            value: self.steps.idp_app.idp_sso_url.trim().to_string(),
            help: Some(if sp.labels.idp_sso_url == idp.labels.sso_url {
                format!("Copied from {} in step 3.", idp.portal.name)
            } else {
                format!(
                    "Copied from {} in step 3, where it is called {}.",
                    idp.portal.name, idp.labels.sso_url
                )
            }),
            copy: true,
        });
        blocks.push(Block::Value {
            label: sp.labels.idp_entity_id.clone(),
            value: self.steps.idp_app.idp_entity_id.trim().to_string(),
            help: Some(format!("Copied from {} in step 3.", idp.portal.name)),
            copy: true,
        });
        match self.certificate_pem() {
            Some(pem) => blocks.push(Block::CertificatePem {
                label: e.certificate_label.clone(),
                pem,
                help: e.certificate_help.clone(),
            }),
            None => blocks.push(Block::Callout {
                severity: Severity::Error,
                text: "The certificate of step 5 is no longer usable: go back to step 5.".into(),
            }),
        }
        let mut switch_on = String::new();
        if let Some(save) = &e.save_action {
            switch_on.push_str(&format!(
                "Press {save}, then switch on {}.",
                e.enable_action
            ));
        } else {
            switch_on.push_str(&format!("Switch on {}.", e.enable_action));
        }
        switch_on.push(' ');
        switch_on.push_str(&e.enable_effect);
        blocks.push(Block::Instruction {
            text: switch_on,
            menu_path: None,
        });
        blocks.push(Block::Callout {
            severity: Severity::Info,
            text: format!(
                "Enabling locks nobody out: members can still sign in to {name} as before until you enforce SSO in \
                 step 9. Do the test login (step 7) once SSO is on."
            ),
        });
        blocks.push(Block::Checkbox {
            field: Field::SsoEnabled,
            label: format!("I switched on {} in {name}", e.enable_action),
            help: None,
            value: self.steps.enable.sso_enabled,
            error: (!self.steps.enable.sso_enabled).then(|| {
                format!(
                    "Switch on {} in {name}, then tick this box",
                    e.enable_action
                )
            }),
        });
        (
            format!(
                "Give {name} the values of {} and switch SAML SSO on. Everything below was checked in the earlier \
                 steps.",
                idp.display_name
            ),
            blocks,
        )
    }
}

#[cfg(test)]
pub(super) mod tests;
