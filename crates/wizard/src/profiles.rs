//! Provider profiles: what each identity provider (IdP) and service provider (SP) calls its fields, where they are in
//! its portal, its quirks and its default attributes.
//!
//! Profiles are data files (`profiles/idp/*.toml`, `profiles/sp/*.toml`), never code branches on provider names. The
//! built-in ones are embedded in the binary so the app needs no files at run time; [`Profiles::load_dir`] reads a
//! directory of them (to try a new profile without rebuilding). A broken file is reported with its name, line and
//! column and what is wrong.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ssopilot_saml::response::Fix;

mod parse;

pub use parse::{parse_idp, parse_sp};
use parse::{read_profile, toml_files};

/// A profile file larger than this is refused before parsing (the real ones are a few kilobytes).
pub const MAX_PROFILE_BYTES: u64 = 64 * 1024;
/// At most this many profile files per kind in a directory.
pub const MAX_PROFILE_FILES: usize = 200;
/// At most this many attributes in an SP profile.
pub const MAX_PROFILE_ATTRIBUTES: usize = 64;

/// The profiles that ship with the app: (file name as shown in messages, contents).
const BUILTIN_IDPS: &[(&str, &str)] = &[
    // First: the one people trying SSO Pilot should pick (it needs no account anywhere).
    (
        "profiles/idp/demo.toml",
        include_str!("../../../profiles/idp/demo.toml"),
    ),
    (
        "profiles/idp/jumpcloud.toml",
        include_str!("../../../profiles/idp/jumpcloud.toml"),
    ),
    (
        "profiles/idp/okta.toml",
        include_str!("../../../profiles/idp/okta.toml"),
    ),
    (
        "profiles/idp/entra-id.toml",
        include_str!("../../../profiles/idp/entra-id.toml"),
    ),
    (
        "profiles/idp/google-workspace.toml",
        include_str!("../../../profiles/idp/google-workspace.toml"),
    ),
    (
        "profiles/idp/generic-saml.toml",
        include_str!("../../../profiles/idp/generic-saml.toml"),
    ),
];
const BUILTIN_SPS: &[(&str, &str)] = &[
    (
        "profiles/sp/infisical.toml",
        include_str!("../../../profiles/sp/infisical.toml"),
    ),
    (
        "profiles/sp/infisical-self-hosted.toml",
        include_str!("../../../profiles/sp/infisical-self-hosted.toml"),
    ),
    (
        "profiles/sp/generic-saml.toml",
        include_str!("../../../profiles/sp/generic-saml.toml"),
    ),
];

/// What is wrong with a profile file, with where it is.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{file}, line {line}, column {column}: {problem} (fix this line of the profile; it is a TOML file)")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        problem: String,
    },
    /// A value that parses but makes no sense; `line` is where its key is, when it can be found.
    #[error("{file}{}: {problem}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Invalid {
        file: String,
        line: Option<usize>,
        problem: String,
    },
    #[error("{file}: the file is {len} bytes; a profile is at most {max} bytes (is this really a profile?)")]
    TooLarge { file: String, len: u64, max: u64 },
    #[error("could not read {file}: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: the profile id \"{id}\" is already used by {other}; every {kind} profile needs its own id")]
    Duplicate {
        file: String,
        id: String,
        other: String,
        kind: ProfileKind,
    },
    #[error("{dir}: more than {max} profile files; remove the ones you do not use")]
    TooMany { dir: String, max: usize },
}

/// Which side of the pairing a profile describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    Idp,
    Sp,
}

impl std::fmt::Display for ProfileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProfileKind::Idp => "idp",
            ProfileKind::Sp => "sp",
        })
    }
}

/// An identity provider: where the admin creates the SAML application and what the portal calls each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpProfile {
    pub id: String,
    pub display_name: String,
    pub kind: ProfileKind,
    pub description: String,
    pub portal: IdpPortal,
    pub labels: IdpLabels,
    /// The form the IdP gives its SSO URL, when it has one.
    #[serde(default)]
    pub sso_url: Option<SsoUrlRule>,
    /// What the IdP calls each user property, by meaning (`email`, `first_name`, `last_name`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub quirks: IdpQuirks,
    #[serde(default)]
    pub defaults: IdpDefaults,
    /// Where this IdP's portal changes what a failed test-login check names, per the validator's [`Fix`]: added
    /// after the validator's generic hint in the report (the protocol core names no provider).
    #[serde(default)]
    pub fix_hints: BTreeMap<Fix, String>,
    /// A short tag shown beside the option in step 1 ("Recommended to try SSO Pilot").
    #[serde(default)]
    pub recommended: Option<String>,
    /// This profile is SSO Pilot's own demo IdP, running on this computer: the wizard fills step 3 from it and
    /// configures its application, instead of asking the admin to copy values from a portal.
    #[serde(default)]
    pub builtin_demo: bool,
    /// How a test login can start at this IdP.
    #[serde(default)]
    pub login: IdpLogin,
}

/// The ways a login can start at an IdP: our own AuthnRequest to its SSO URL (every SAML IdP takes one), and a
/// launch link where the IdP offers one (an IdP-initiated login, which proves less: no request is answered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpLogin {
    /// The IdP answers an AuthnRequest sent to its SSO URL: the default, and the way that checks InResponseTo.
    #[serde(default = "yes")]
    pub sp_initiated: bool,
    /// The IdP's own launch link, when it has one.
    #[serde(default)]
    pub idp_initiated: Option<LaunchLink>,
}

fn yes() -> bool {
    true
}

impl Default for IdpLogin {
    fn default() -> Self {
        IdpLogin {
            sp_initiated: true,
            idp_initiated: None,
        }
    }
}

/// A link of the IdP's that signs the user in and posts a response to the SP without a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchLink {
    /// The portal's words for the link ("IDP URL", "Embed Link").
    pub label: String,
    /// The link is the SSO URL of step 3 itself (JumpCloud's IDP URL); otherwise the admin copies it from the portal.
    #[serde(default)]
    pub is_sso_url: bool,
    /// Where the portal shows it.
    pub help: Option<String>,
    /// The label or place comes from memory, not from a source the profile names.
    #[serde(default)]
    pub unverified: bool,
}

/// What an IdP does unless told otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpDefaults {
    /// The NameID format the IdP sends by default (`emailAddress`, `unspecified`, `persistent`, `transient`).
    pub name_id_format: Option<String>,
    /// The IdP sets its own entity ID (Okta's issuer, Entra's identifier): the admin cannot choose it, so an SP's
    /// wish that it equal the SP entity ID does not apply, and the value is copied from the IdP instead.
    #[serde(default)]
    pub idp_entity_id_fixed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpPortal {
    /// "the JumpCloud Admin Portal": used in sentences ("In the JumpCloud Admin Portal, ...").
    pub name: String,
    /// What the portal calls the application to create ("Custom SAML App").
    pub app_kind: String,
    pub create_app_path: Option<String>,
    pub create_app_note: Option<String>,
    pub general_tab: Option<String>,
    pub sso_tab: Option<String>,
    pub attributes_section: Option<String>,
    /// The button that saves the application ("activate").
    pub save_action: Option<String>,
    /// Where access to the application is granted (JumpCloud: "Access > SSO Applications > (your application) >
    /// User Groups").
    pub assign_users_path: Option<String>,
    /// The clicks that grant the application to a user group, in the portal's words, in order (step 6).
    #[serde(default)]
    pub assign_users_steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpLabels {
    pub app_name: String,
    pub sp_entity_id: String,
    pub sp_entity_id_help: Option<String>,
    pub acs_url: String,
    pub acs_url_help: Option<String>,
    pub idp_entity_id: String,
    pub idp_entity_id_help: Option<String>,
    pub sso_url: String,
    pub sso_url_help: Option<String>,
    /// What the portal calls the signing certificate it shows or lets the admin download.
    pub certificate: Option<String>,
    pub certificate_help: Option<String>,
    /// The checkbox that makes the IdP sign the assertion; `None` when the portal has no such switch.
    pub sign_assertion: Option<String>,
    /// The IdP portal's column headings of its attribute table, when known.
    pub attribute_sp_side: Option<String>,
    pub attribute_idp_side: Option<String>,
}

/// The form an IdP gives its SSO URL: a template with one `{slug}` the admin chooses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoUrlRule {
    pub template: String,
    #[serde(default)]
    pub must_be_unique: bool,
    pub help: Option<String>,
}

const SLUG: &str = "{slug}";

impl SsoUrlRule {
    fn parts(&self) -> Option<(&str, &str)> {
        let (prefix, suffix) = self.template.split_once(SLUG)?;
        if suffix.contains(SLUG) {
            return None;
        }
        Some((prefix, suffix))
    }

    /// The template as shown to the admin: `https://sso.jumpcloud.com/saml2/<name>`.
    pub fn display(&self) -> String {
        self.template.replace(SLUG, "<name>")
    }

    /// Checks that `url` has the IdP's form with a non-empty name; the error names the field by `label`.
    pub fn check(&self, url: &str, label: &str) -> Result<(), String> {
        let wrong = || {
            format!(
                "{label} must look like {}, with a name of your choice (letters, digits, - _ .) in place of <name>",
                self.display()
            )
        };
        let (prefix, suffix) = self.parts().ok_or_else(wrong)?;
        let url = url.trim();
        let head = url.get(..prefix.len()).ok_or_else(wrong)?;
        if !head.eq_ignore_ascii_case(prefix) {
            return Err(wrong());
        }
        let rest = url.get(prefix.len()..).ok_or_else(wrong)?;
        let slug = rest.strip_suffix(suffix).ok_or_else(wrong)?;
        if slug.is_empty() {
            return Err(format!(
                "{label} needs a name after {prefix} (for example {prefix}infisical)"
            ));
        }
        if !slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(wrong());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpQuirks {
    /// Shown on the attribute map when an email attribute is mapped: the IdP changes the case of email addresses.
    pub email_lower_case_warning: Option<String>,
}

/// A service provider: where its SAML settings are, what it calls each value, what it needs from the IdP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpProfile {
    pub id: String,
    pub display_name: String,
    pub kind: ProfileKind,
    pub description: String,
    pub portal: SpPortal,
    pub labels: SpLabels,
    pub examples: SpExamples,
    #[serde(default)]
    pub quirks: SpQuirks,
    #[serde(default)]
    pub attributes: Vec<SpAttribute>,
    /// Present when the SP is run by the customer: the settings it needs on its own server.
    #[serde(default)]
    pub self_hosted: Option<SelfHosted>,
    /// Where the IdP's values are pasted and how SSO is switched on and enforced (steps 8 and 9).
    pub enable: SpEnable,
    /// The SP's own login page that starts a SAML login, when it has one.
    #[serde(default)]
    pub login: Option<SpLogin>,
}

/// The SP's own page that sends the browser to the IdP with the SP's AuthnRequest: the most complete test (the SP
/// makes and then checks the request), but the SP's request ID is not known to SSO Pilot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpLogin {
    /// An https URL, or for a self-hosted SP a template starting with `{site_url}`.
    pub url: String,
    /// What the SP calls it ("Log in with SSO").
    pub label: String,
    pub help: Option<String>,
    /// The page comes from memory, not from a source the profile names.
    #[serde(default)]
    pub unverified: bool,
}

impl SpLogin {
    /// The page's address: the template filled with the site URL (self-hosted), or the URL itself.
    pub fn address(&self, site_url: Option<&str>) -> Option<String> {
        match self.url.strip_prefix(SITE_URL) {
            Some(rest) => site_url.map(|s| format!("{}{rest}", s.trim_end_matches('/'))),
            None => Some(self.url.clone()),
        }
    }
}

const SITE_URL: &str = "{site_url}";

/// Steps 8 and 9 in the SP's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpEnable {
    /// Where the IdP's values are pasted ("Organization Settings > Authentication > SAML SSO Configuration").
    pub path: String,
    /// What the SP calls the certificate field ("Certificate").
    pub certificate_label: String,
    /// How the certificate is pasted ("keep the BEGIN/END lines").
    pub certificate_help: Option<String>,
    /// The button that saves the pasted values, if there is one.
    pub save_action: Option<String>,
    /// The switch that turns SAML SSO on ("Enable SAML SSO").
    pub enable_action: String,
    /// What enabling does, in the SP's words.
    pub enable_effect: String,
    /// The switch that enforces SAML SSO ("Enforce SAML SSO").
    pub enforce_action: String,
    /// What enforcing does, in the SP's words.
    pub enforce_effect: String,
    /// What the SP itself demands before enforcing, if anything.
    pub enforce_requirement: Option<String>,
}

/// The server settings of a self-hosted SP (Infisical: SITE_URL and AUTH_SECRET).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfHosted {
    /// The setting holding the instance's public address ("SITE_URL"): the ACS URL and entity ID derive from it.
    pub site_url_setting: String,
    pub site_url_help: Option<String>,
    /// The ACS URL as a template over the site URL: `{site_url}/api/v1/sso/saml2/<organization id>`.
    pub acs_url_template: Option<String>,
    /// The SP entity ID as a template over the site URL: `{site_url}`.
    pub sp_entity_id_template: Option<String>,
    /// The secret setting the SAML login needs ("AUTH_SECRET"), kept only in the OS keychain.
    pub auth_secret_setting: Option<String>,
    pub auth_secret_help: Option<String>,
    /// Where the settings go ("the server's environment (.env file or container variables)").
    pub settings_location: Option<String>,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpPortal {
    /// Used in sentences ("In Infisical, ...").
    pub name: String,
    /// Where the SAML settings are ("Organization Settings > Authentication > ...").
    pub settings_path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpLabels {
    pub acs_url: String,
    pub sp_entity_id: String,
    pub idp_sso_url: String,
    pub idp_entity_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpExamples {
    pub acs_url: String,
    pub sp_entity_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpQuirks {
    /// The SP wants the IdP's entity ID to be the same value as its own (Infisical does).
    #[serde(default)]
    pub idp_entity_id_equals_sp_entity_id: bool,
    /// A name to suggest for the application in the IdP; the SP's display name if absent.
    pub suggested_app_name: Option<String>,
    /// The NameID format the SP expects (`emailAddress`, `unspecified`, `persistent`, `transient`).
    pub name_id_format: Option<String>,
    /// How many IdP signing certificates the SP holds at once (Infisical: one); absent when not known. Decides the
    /// order of a certificate rotation's switch.
    #[serde(default)]
    pub idp_certificates: Option<u8>,
}

/// An attribute the SP reads from the assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpAttribute {
    /// The SP's name for it ("firstName").
    pub name: String,
    /// What it means, the key into [`IdpProfile::attributes`] ("first_name").
    pub meaning: String,
    #[serde(default)]
    pub required: bool,
}

/// One row of an attribute map: the SP attribute `sp_name` is filled from the IdP attribute `idp_name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeMapping {
    pub sp_name: String,
    pub idp_name: String,
}

impl SpProfile {
    pub fn suggested_app_name(&self) -> &str {
        self.quirks
            .suggested_app_name
            .as_deref()
            .unwrap_or(&self.display_name)
    }

    /// The SP attributes the IdP must send.
    pub fn required_attributes(&self) -> impl Iterator<Item = &SpAttribute> {
        self.attributes.iter().filter(|a| a.required)
    }
}

/// The map both profiles suggest: each SP attribute filled from what the IdP calls the same property (the SP's name
/// when the IdP profile does not know the property).
pub fn default_attribute_map(sp: &SpProfile, idp: &IdpProfile) -> Vec<AttributeMapping> {
    sp.attributes
        .iter()
        .map(|a| AttributeMapping {
            sp_name: a.name.clone(),
            idp_name: idp
                .attributes
                .get(&a.meaning)
                .cloned()
                .unwrap_or_else(|| a.name.clone()),
        })
        .collect()
}

/// All known profiles of both kinds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profiles {
    pub idps: Vec<IdpProfile>,
    pub sps: Vec<SpProfile>,
    /// Which file each profile came from, for messages about duplicates.
    sources: BTreeMap<(String, String), String>,
}

impl Profiles {
    /// The profiles embedded in the binary.
    pub fn builtin() -> Result<Profiles, ProfileError> {
        let mut out = Profiles::default();
        for (file, text) in BUILTIN_IDPS {
            out.add_idp(parse_idp(text, file)?, file)?;
        }
        for (file, text) in BUILTIN_SPS {
            out.add_sp(parse_sp(text, file)?, file)?;
        }
        Ok(out)
    }

    /// Reads `dir/idp/*.toml` and `dir/sp/*.toml` (a missing subdirectory means no profiles of that kind).
    pub fn load_dir(dir: &Path) -> Result<Profiles, ProfileError> {
        let mut out = Profiles::default();
        for path in toml_files(&dir.join("idp"))? {
            let (file, text) = read_profile(&path)?;
            out.add_idp(parse_idp(&text, &file)?, &file)?;
        }
        for path in toml_files(&dir.join("sp"))? {
            let (file, text) = read_profile(&path)?;
            out.add_sp(parse_sp(&text, &file)?, &file)?;
        }
        Ok(out)
    }

    pub fn idp(&self, id: &str) -> Option<&IdpProfile> {
        self.idps.iter().find(|p| p.id == id)
    }

    pub fn sp(&self, id: &str) -> Option<&SpProfile> {
        self.sps.iter().find(|p| p.id == id)
    }

    fn add_idp(&mut self, p: IdpProfile, file: &str) -> Result<(), ProfileError> {
        let key = (ProfileKind::Idp.to_string(), p.id.clone());
        if let Some(other) = self.sources.get(&key) {
            return Err(ProfileError::Duplicate {
                file: file.to_string(),
                id: p.id,
                other: other.clone(),
                kind: ProfileKind::Idp,
            });
        }
        self.sources.insert(key, file.to_string());
        self.idps.push(p);
        Ok(())
    }

    fn add_sp(&mut self, p: SpProfile, file: &str) -> Result<(), ProfileError> {
        let key = (ProfileKind::Sp.to_string(), p.id.clone());
        if let Some(other) = self.sources.get(&key) {
            return Err(ProfileError::Duplicate {
                file: file.to_string(),
                id: p.id,
                other: other.clone(),
                kind: ProfileKind::Sp,
            });
        }
        self.sources.insert(key, file.to_string());
        self.sps.push(p);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
