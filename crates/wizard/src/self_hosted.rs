//! Self-hosted service providers (Infisical on the customer's server): SITE_URL on step 2, AUTH_SECRET on step 8.
//!
//! SITE_URL is the instance's public address; the ACS URL and the SP entity ID derive from it, so step 2 checks that
//! they are on it. AUTH_SECRET (32 random bytes, base64) is made by SSO Pilot and kept in the OS keychain only
//! ([`ssopilot_peers::secrets`]), keyed by the SITE_URL: never in the state file, a log or a report. Without a keychain the
//! step says so plainly and does not fall back to anything else.

use std::sync::Arc;

use super::view::{Action, Block, Severity, StepId};
use super::{Field, Model, Session};
use crate::profiles::{SelfHosted, SpProfile};
use crate::{providers, sp_values};
use ssopilot_peers::secrets::{generate_auth_secret, SecretName, Secrets, SecretsError};
use ssopilot_saml::values::SiteUrl;

/// The secret store a session uses: the OS keychain, or why there is none (shown on step 8).
pub type Keychain = Result<Arc<Secrets>, String>;

/// The SP's self-hosted settings, when `sp` is self-hosted.
fn self_hosted_of(sp: Option<&SpProfile>) -> Option<&SelfHosted> {
    sp.and_then(|sp| sp.self_hosted.as_ref())
}

/// The SP's name for SITE_URL.
fn site_url_label(sp: Option<&SpProfile>) -> &str {
    self_hosted_of(sp)
        .map(|h| h.site_url_setting.as_str())
        .unwrap_or("SITE_URL")
}

/// Step 2's SITE_URL rules, on step 2's draft.
impl sp_values::Draft {
    /// SITE_URL as typed, checked; `None` when `sp` is not self-hosted.
    pub(crate) fn site_url(&self, sp: Option<&SpProfile>) -> Option<Result<SiteUrl, String>> {
        self_hosted_of(sp)?;
        let label = site_url_label(sp);
        Some(SiteUrl::parse(&self.site_url, "SITE_URL").map_err(|e| e.message_for(label)))
    }

    pub(crate) fn site_url_problem(&self, sp: Option<&SpProfile>) -> Result<(), String> {
        self.site_url(sp).transpose().map(drop)
    }

    /// The ACS URL and the SP entity ID must be on SITE_URL: the instance builds both from it.
    pub(crate) fn site_url_consistency(&self, sp: Option<&SpProfile>) -> Result<(), String> {
        let Some(Ok(site)) = self.site_url(sp) else {
            return Ok(());
        };
        let label = site_url_label(sp);
        let name = providers::sp_name(sp);
        let (acs_label, entity_label) = (sp_values::acs_label(sp), sp_values::sp_entity_label(sp));
        if let Some(acs) = self.acs_url(sp).ok().and_then(|a| a.url()) {
            if !site.covers(&acs) {
                return Err(format!(
                    "The {acs_label} {acs} is not on {label} {site}: {name} builds it from {label}, so one of them is \
                     wrong. Check {label} on your server and copy the {acs_label} again"
                ));
            }
        }
        if let Some(entity) = self
            .sp_entity_id(sp)
            .ok()
            .and_then(|e| url::Url::parse(e.as_str()).ok())
            .filter(|u| u.has_host())
        {
            if !site.covers(&entity) {
                return Err(format!(
                    "The {entity_label} {entity} is not on {label} {site}: {name} builds it from {label}. Check \
                     {label} on your server and copy the {entity_label} again"
                ));
            }
        }
        Ok(())
    }

    /// Sets SITE_URL; the SP entity ID is filled from it when the profile says how, if it is empty or was filled
    /// from SITE_URL and not edited since (then it follows each change, so typing with pauses never leaves it at a
    /// partial address). An entity ID the admin typed is never replaced.
    pub(crate) fn set_site_url(&mut self, value: String, sp: Option<&SpProfile>) {
        let Some(template) = self_hosted_of(sp).and_then(|h| h.sp_entity_id_template.clone())
        else {
            self.site_url = value;
            return;
        };
        let from_site = |d: &crate::sp_values::Draft| match d.site_url(sp) {
            Some(Ok(site)) => Some(template.replace("{site_url}", site.as_str())),
            _ => None,
        };
        let entity = self.sp_entity_id.trim();
        let follows = entity.is_empty()
            || self.sp_entity_id_from_site
            || from_site(self).as_deref() == Some(entity);
        self.site_url = value;
        if !follows {
            return;
        }
        if let Some(derived) = from_site(self) {
            self.sp_entity_id = derived;
            self.sp_entity_id_from_site = true;
        } else if !self.sp_entity_id.trim().is_empty() {
            // SITE_URL is not valid mid-typing: the entity ID waits for it and keeps following.
            self.sp_entity_id_from_site = true;
        }
    }
}

impl Model {
    /// The SP's self-hosted settings, when the chosen SP is self-hosted.
    pub(super) fn self_hosted(&self) -> Option<&SelfHosted> {
        self_hosted_of(self.sp())
    }

    /// Step 2's SITE_URL field, for self-hosted SPs.
    pub(super) fn site_url_blocks(&self) -> Vec<Block> {
        let Some(h) = self.self_hosted() else {
            return Vec::new();
        };
        let mut help = h.site_url_help.clone().unwrap_or_default();
        if let Some(t) = &h.acs_url_template {
            help.push_str(&format!(
                " The {} is {} and the {} is {}.",
                self.acs_label(),
                t.replace("{site_url}", &h.site_url_setting),
                self.sp_entity_label(),
                h.sp_entity_id_template
                    .as_deref()
                    .unwrap_or("{site_url}")
                    .replace("{site_url}", &h.site_url_setting)
            ));
        }
        vec![Block::Input {
            field: Field::SiteUrl,
            label: h.site_url_setting.clone(),
            help: Some(help.trim().to_string()),
            placeholder: Some("https://infisical.example.com".into()),
            value: self.steps.sp_values.site_url.clone(),
            error: self.steps.sp_values.site_url_problem(self.sp()).err(),
            warning: None,
            multiline: false,
            copy: true,
        }]
    }

    /// The keychain entry of this instance's AUTH_SECRET; `None` without a valid SITE_URL.
    fn auth_secret_name(&self) -> Option<SecretName> {
        self.self_hosted()?.auth_secret_setting.as_ref()?;
        let site = self.steps.sp_values.site_url(self.sp())?.ok()?;
        Some(SecretName::AuthSecret(site.as_str().to_string()))
    }

    /// Reads AUTH_SECRET from the keychain (never creates one): on entering step 8.
    pub(super) fn load_auth_secret(&mut self) {
        self.steps.enable.auth_secret = None;
        let (Some(name), Some(Ok(secrets))) = (self.auth_secret_name(), &self.secrets) else {
            return;
        };
        // A read error shows again when the admin presses Generate, with its message.
        self.steps.enable.auth_secret = secrets.get(&name).ok().flatten();
    }

    /// Makes AUTH_SECRET (or reads the one already kept for this SITE_URL) and keeps it in the keychain.
    pub(super) fn generate_auth_secret(&mut self) -> Result<(), String> {
        if self.current != StepId::Enable {
            return Err("AUTH_SECRET is made on step 8 (Enable).".into());
        }
        let Some(name) = self.auth_secret_name() else {
            return Err(format!(
                "{} does not need AUTH_SECRET, or {} is not set: complete step 2.",
                self.sp_name(),
                site_url_label(self.sp())
            ));
        };
        let secrets = match &self.secrets {
            Some(Ok(s)) => Arc::clone(s),
            Some(Err(why)) => return Err(no_keychain(why)),
            None => return Err(no_keychain("this program has no keychain attached")),
        };
        let secret = secrets
            .get_or_create_text(&name, generate_auth_secret)
            .map_err(|e| keychain_failed(&e))?;
        self.steps.enable.auth_secret = Some(secret);
        Ok(())
    }

    /// Why step 8 cannot be complete yet as far as AUTH_SECRET goes. Where no keychain is attached (the CLI
    /// describing saved progress) the keychain cannot be asked, so nothing is claimed either way.
    pub(super) fn auth_secret_problem(&self) -> Result<(), String> {
        let Some(setting) = self
            .self_hosted()
            .and_then(|h| h.auth_secret_setting.as_deref())
        else {
            return Ok(());
        };
        match (&self.secrets, &self.steps.enable.auth_secret) {
            (None, _) | (_, Some(_)) => Ok(()),
            (Some(Err(why)), None) => Err(no_keychain(why)),
            (Some(Ok(_)), None) => Err(format!(
                "Generate {setting} and set it on your {} server",
                self.sp_name()
            )),
        }
    }

    /// Step 8's server settings for a self-hosted SP: SITE_URL, AUTH_SECRET (or the button to make it).
    pub(super) fn server_settings_blocks(&self) -> Vec<Block> {
        let Some(h) = self.self_hosted() else {
            return Vec::new();
        };
        let sp = self.sp_name();
        let location = h
            .settings_location
            .clone()
            .unwrap_or_else(|| format!("the settings of your {sp} server"));
        let mut blocks = vec![Block::Heading {
            text: format!("{sp} server settings"),
        }];
        let mut names = vec![h.site_url_setting.clone()];
        names.extend(h.auth_secret_setting.clone());
        blocks.push(Block::Instruction {
            text: format!(
                "Set {} in {location}, then restart {sp}: SAML sign-in does not work on a self-hosted instance \
                 without them.",
                names.join(" and ")
            ),
            menu_path: None,
        });
        if let Some(Ok(site)) = self.steps.sp_values.site_url(self.sp()) {
            blocks.push(Block::Value {
                label: h.site_url_setting.clone(),
                value: site.as_str().to_string(),
                help: Some("From step 2.".into()),
                copy: true,
            });
        }
        let Some(setting) = &h.auth_secret_setting else {
            return blocks;
        };
        let help = h.auth_secret_help.clone();
        match (&self.secrets, &self.steps.enable.auth_secret) {
            (_, Some(secret)) => blocks.push(Block::SecretValue {
                label: setting.clone(),
                value: secret.expose().to_string(),
                help: Some(format!(
                    "Kept in your system keychain as \"{}\", never in SSO Pilot's files: copy it into the server's \
                     settings.",
                    self.auth_secret_name()
                        .map(|n| n.describe())
                        .unwrap_or_default()
                )),
            }),
            (Some(Err(why)), None) => blocks.push(Block::Callout {
                severity: Severity::Error,
                text: no_keychain(why),
            }),
            (None, None) => blocks.push(Block::Callout {
                severity: Severity::Info,
                text: format!(
                    "{setting} is kept in the system keychain of the computer running the SSO Pilot app; open the \
                     app to see it."
                ),
            }),
            (Some(Ok(_)), None) => blocks.push(Block::Button {
                label: format!("Generate {setting}"),
                action: Action::GenerateAuthSecret,
                primary: true,
                help: help.or(Some(format!(
                    "32 random bytes, base64, kept in your system keychain for {}.",
                    site_url_label(self.sp())
                ))),
                disabled_reason: self
                    .auth_secret_name()
                    .is_none()
                    .then(|| format!("Set {} in step 2 first", site_url_label(self.sp()))),
            }),
        }
        blocks
    }
}

fn no_keychain(why: &str) -> String {
    format!(
        "AUTH_SECRET is kept only in the system keychain, and {why}. SSO Pilot never stores it anywhere else: start \
         and unlock your keychain (on Linux gnome-keyring or KWallet), then restart SSO Pilot. Or make it yourself \
         with `openssl rand -base64 32` and keep it safe"
    )
}

fn keychain_failed(e: &SecretsError) -> String {
    format!("AUTH_SECRET could not be kept in the system keychain: {e}.")
}

impl Session {
    /// Gives the session its secret store (the app: [`Secrets::os`]; tests: the mock). Without one, AUTH_SECRET
    /// cannot be made and step 8 says why.
    pub fn attach_secrets(&mut self, secrets: Result<Secrets, SecretsError>) {
        self.model.secrets = Some(secrets.map(Arc::new).map_err(|e| e.to_string()));
        self.settle_after_attach();
    }
}

#[cfg(test)]
mod tests;
