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
    /// A short tag shown beside the option in step 1 ("Recommended to try SSO Pilot").
    #[serde(default)]
    pub recommended: Option<String>,
    /// This profile is SSO Pilot's own demo IdP, running on this computer: the wizard fills step 3 from it and
    /// configures its application, instead of asking the admin to copy values from a portal.
    #[serde(default)]
    pub builtin_demo: bool,
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
}

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

fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, ProfileError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ProfileError::Read {
                file: dir.display().to_string(),
                source,
            })
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ProfileError::Read {
            file: dir.display().to_string(),
            source,
        })?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
            if files.len() > MAX_PROFILE_FILES {
                return Err(ProfileError::TooMany {
                    dir: dir.display().to_string(),
                    max: MAX_PROFILE_FILES,
                });
            }
        }
    }
    files.sort();
    Ok(files)
}

fn read_profile(path: &Path) -> Result<(String, String), ProfileError> {
    let file = path.display().to_string();
    let read_err = |source| ProfileError::Read {
        file: file.clone(),
        source,
    };
    let len = fs::metadata(path).map_err(read_err)?.len();
    if len > MAX_PROFILE_BYTES {
        return Err(ProfileError::TooLarge {
            file,
            len,
            max: MAX_PROFILE_BYTES,
        });
    }
    let text = fs::read_to_string(path).map_err(read_err)?;
    Ok((file, text))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = text.get(..end).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
    (line, column)
}

fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, ProfileError> {
    if text.len() as u64 > MAX_PROFILE_BYTES {
        return Err(ProfileError::TooLarge {
            file: file.to_string(),
            len: text.len() as u64,
            max: MAX_PROFILE_BYTES,
        });
    }
    toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|s| line_column(text, s.start))
            .unwrap_or((1, 1));
        ProfileError::Syntax {
            file: file.to_string(),
            line,
            column,
            problem: e.message().trim().to_string(),
        }
    })
}

fn invalid(file: &str, problem: impl Into<String>) -> ProfileError {
    ProfileError::Invalid {
        file: file.to_string(),
        line: None,
        problem: problem.into(),
    }
}

/// 1-based line of `key` ("portal.name", "sso_url.template", "id") in a profile's text: the line that sets its last
/// part inside its table. `None` when the key is not written out (a missing table, a value from a default).
fn key_line(text: &str, key: &str) -> Option<usize> {
    let (table, leaf) = match key.rsplit_once('.') {
        Some((t, l)) => (Some(t), l),
        None => (None, key),
    };
    let mut in_table = table.is_none();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            let name = t.trim_start_matches('[').trim_end_matches(']').trim();
            in_table = table == Some(name);
            continue;
        }
        if in_table {
            if let Some(rest) = t.strip_prefix(leaf) {
                if rest.trim_start().starts_with('=') {
                    return Some(i + 1);
                }
            }
        }
    }
    None
}

fn invalid_at(file: &str, text: &str, key: &str, problem: impl Into<String>) -> ProfileError {
    ProfileError::Invalid {
        file: file.to_string(),
        line: key_line(text, key),
        problem: problem.into(),
    }
}

/// Checks a NameID format short name or URN, as the demo IdP and the wizard understand them.
fn check_name_id_format(
    file: &str,
    text: &str,
    key: &str,
    value: &Option<String>,
) -> Result<(), ProfileError> {
    if let Some(v) = value {
        if ssopilot_peers::demo_idp::mint::name_id_format(v).is_err() {
            return Err(invalid_at(
                file,
                text,
                key,
                format!("{key} \"{v}\" is not a NameID format: use emailAddress, unspecified, persistent or transient"),
            ));
        }
    }
    Ok(())
}

fn check_common(
    file: &str,
    text: &str,
    id: &str,
    kind: ProfileKind,
    expected: ProfileKind,
    texts: &[(&str, &str)],
) -> Result<(), ProfileError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(invalid_at(
            file,
            text,
            "id",
            format!("id \"{id}\" must be 1 to 64 lower-case letters, digits or '-'"),
        ));
    }
    if kind != expected {
        return Err(invalid_at(
            file,
            text,
            "kind",
            format!("kind is \"{kind}\" but this file is read as an {expected} profile: set kind = \"{expected}\""),
        ));
    }
    for (key, value) in texts {
        if value.trim().is_empty() {
            return Err(invalid_at(
                file,
                text,
                key,
                format!("{key} is empty: give the text the portal shows"),
            ));
        }
    }
    Ok(())
}

/// Parses and checks an IdP profile; `file` names it in error messages.
pub fn parse_idp(text: &str, file: &str) -> Result<IdpProfile, ProfileError> {
    let p: IdpProfile = parse_toml(text, file)?;
    let l = &p.labels;
    check_common(
        file,
        text,
        &p.id,
        p.kind,
        ProfileKind::Idp,
        &[
            ("display_name", &p.display_name),
            ("portal.name", &p.portal.name),
            ("portal.app_kind", &p.portal.app_kind),
            ("labels.app_name", &l.app_name),
            ("labels.sp_entity_id", &l.sp_entity_id),
            ("labels.acs_url", &l.acs_url),
            ("labels.idp_entity_id", &l.idp_entity_id),
            ("labels.sso_url", &l.sso_url),
        ],
    )?;
    if let Some(rule) = &p.sso_url {
        match rule.parts() {
            Some((prefix, _)) if prefix.starts_with("https://") => {}
            Some(_) => {
                return Err(invalid_at(
                    file,
                    text,
                    "sso_url.template",
                    "sso_url.template must start with https://",
                ))
            }
            None => {
                return Err(invalid_at(
                    file,
                    text,
                    "sso_url.template",
                    "sso_url.template must contain {slug} exactly once, e.g. \"https://sso.example.com/saml2/{slug}\"",
                ))
            }
        }
    }
    for (meaning, name) in &p.attributes {
        if name.trim().is_empty() {
            return Err(invalid_at(
                file,
                text,
                &format!("attributes.{meaning}"),
                format!("attributes.{meaning} is empty"),
            ));
        }
    }
    check_name_id_format(
        file,
        text,
        "defaults.name_id_format",
        &p.defaults.name_id_format,
    )?;
    if p.portal.assign_users_steps.is_empty() {
        return Err(invalid_at(
            file,
            text,
            "portal.assign_users_steps",
            "portal.assign_users_steps is missing: list the clicks that grant the application to a user group, in \
             the portal's words (step 6 shows them)",
        ));
    }
    if p.portal
        .assign_users_steps
        .iter()
        .any(|s| s.trim().is_empty())
    {
        return Err(invalid_at(
            file,
            text,
            "portal.assign_users_steps",
            "portal.assign_users_steps has an empty entry: give each click in the portal's words",
        ));
    }
    if p.builtin_demo && p.sso_url.is_some() {
        return Err(invalid_at(
            file,
            text,
            "sso_url.template",
            "the built-in demo IdP's SSO URL depends on the port it runs on: remove the [sso_url] table",
        ));
    }
    Ok(p)
}

/// Parses and checks an SP profile; `file` names it in error messages.
pub fn parse_sp(text: &str, file: &str) -> Result<SpProfile, ProfileError> {
    let p: SpProfile = parse_toml(text, file)?;
    let l = &p.labels;
    check_common(
        file,
        text,
        &p.id,
        p.kind,
        ProfileKind::Sp,
        &[
            ("display_name", &p.display_name),
            ("portal.name", &p.portal.name),
            ("portal.settings_path", &p.portal.settings_path),
            ("labels.acs_url", &l.acs_url),
            ("labels.sp_entity_id", &l.sp_entity_id),
            ("labels.idp_sso_url", &l.idp_sso_url),
            ("labels.idp_entity_id", &l.idp_entity_id),
            ("enable.path", &p.enable.path),
            ("enable.certificate_label", &p.enable.certificate_label),
            ("enable.enable_action", &p.enable.enable_action),
            ("enable.enable_effect", &p.enable.enable_effect),
            ("enable.enforce_action", &p.enable.enforce_action),
            ("enable.enforce_effect", &p.enable.enforce_effect),
        ],
    )?;
    if p.attributes.len() > MAX_PROFILE_ATTRIBUTES {
        return Err(invalid(
            file,
            format!("more than {MAX_PROFILE_ATTRIBUTES} attributes"),
        ));
    }
    let mut seen = BTreeSet::new();
    for a in &p.attributes {
        if a.name.trim().is_empty() || a.meaning.trim().is_empty() {
            return Err(invalid_at(
                file,
                text,
                "attributes.name",
                "every [[attributes]] entry needs a name and a meaning",
            ));
        }
        if !seen.insert(a.name.as_str()) {
            let line = text
                .lines()
                .enumerate()
                .filter(|(_, l)| {
                    let t = l.trim();
                    t.starts_with("name") && t.contains(&format!("\"{}\"", a.name))
                })
                .nth(1)
                .map(|(i, _)| i + 1);
            return Err(ProfileError::Invalid {
                file: file.to_string(),
                line,
                problem: format!("the attribute \"{}\" is listed twice", a.name),
            });
        }
    }
    check_name_id_format(
        file,
        text,
        "quirks.name_id_format",
        &p.quirks.name_id_format,
    )?;
    if let Some(h) = &p.self_hosted {
        if h.site_url_setting.trim().is_empty() {
            return Err(invalid_at(
                file,
                text,
                "self_hosted.site_url_setting",
                "self_hosted.site_url_setting is empty: name the setting that holds the instance's address (e.g. SITE_URL)",
            ));
        }
        for (key, template) in [
            ("self_hosted.acs_url_template", &h.acs_url_template),
            (
                "self_hosted.sp_entity_id_template",
                &h.sp_entity_id_template,
            ),
        ] {
            if let Some(t) = template {
                if !t.starts_with("{site_url}") {
                    return Err(invalid_at(
                        file,
                        text,
                        key,
                        format!(
                            "{key} must start with {{site_url}}, e.g. \"{{site_url}}/saml/acs\""
                        ),
                    ));
                }
            }
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Profiles {
        match Profiles::builtin() {
            Ok(p) => p,
            Err(e) => panic!("built-in profiles must load: {e}"),
        }
    }

    #[test]
    fn a_profile_without_the_steps_6_and_8_words_is_refused_with_the_file() {
        let idp = jumpcloud_text();
        let start = idp.find("assign_users_steps").unwrap();
        let end = start + idp[start..].find("]\n").unwrap() + 2;
        let cut = format!("{}{}", &idp[..start], &idp[end..]);
        let e = parse_idp(&cut, "jumpcloud.toml").unwrap_err().to_string();
        assert!(
            e.contains("jumpcloud.toml") && e.contains("portal.assign_users_steps is missing"),
            "{e}"
        );
        let sp = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles/sp/infisical.toml"),
        )
        .unwrap();
        let cut = sp.replace(
            "enable_action = \"Enable SAML SSO\"",
            "enable_action = \" \"",
        );
        let e = parse_sp(&cut, "infisical.toml").unwrap_err().to_string();
        assert!(
            e.contains("infisical.toml") && e.contains("enable.enable_action is empty"),
            "{e}"
        );
        let cut = sp.replace("[enable]", "[enable_x]");
        let e = parse_sp(&cut, "infisical.toml").unwrap_err().to_string();
        assert!(e.contains("infisical.toml"), "{e}");
    }

    #[test]
    fn builtin_profiles_load_with_the_portals_words() {
        let p = builtin();
        let ids: Vec<_> = p.idps.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "demo",
                "jumpcloud",
                "okta",
                "entra-id",
                "google-workspace",
                "generic-saml"
            ]
        );
        let ids: Vec<_> = p.sps.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["infisical", "infisical-self-hosted", "generic-saml"]);

        let jc = p.idp("jumpcloud").unwrap();
        assert_eq!(jc.labels.sp_entity_id, "SP Entity ID");
        assert_eq!(jc.labels.acs_url, "ACS URL");
        assert_eq!(jc.labels.idp_entity_id, "IdP Entity ID");
        assert_eq!(jc.labels.sso_url, "IDP URL");
        assert_eq!(jc.labels.sign_assertion.as_deref(), Some("Sign Assertion"));
        assert_eq!(jc.portal.app_kind, "Custom SAML App");
        assert_eq!(
            jc.portal.create_app_path.as_deref(),
            Some("User Authentication > SSO > + Add New Application > Custom SAML App")
        );
        assert_eq!(jc.portal.general_tab.as_deref(), Some("General Info"));
        assert_eq!(jc.portal.sso_tab.as_deref(), Some("SSO"));
        assert!(jc.quirks.email_lower_case_warning.is_some());
        assert!(jc.sso_url.as_ref().is_some_and(|r| r.must_be_unique));
        assert_eq!(
            jc.portal.assign_users_steps[2..],
            [
                "Select the User Groups tab.",
                "Select the user group(s), then click Save."
            ]
        );
        assert!(p
            .idps
            .iter()
            .all(|i| !i.portal.assign_users_steps.is_empty()));
        let e = &p.sp("infisical").unwrap().enable;
        assert_eq!(
            e.path,
            "Organization Settings > Authentication > SAML SSO Configuration"
        );
        assert_eq!(
            (e.enable_action.as_str(), e.enforce_action.as_str()),
            ("Enable SAML SSO", "Enforce SAML SSO")
        );
        assert!(e
            .certificate_help
            .as_deref()
            .unwrap()
            .contains("-----BEGIN CERTIFICATE-----"));

        let inf = p.sp("infisical").unwrap();
        assert_eq!(
            inf.portal.settings_path,
            "Organization Settings > Authentication > SAML SSO Configuration > Set up SAML SSO"
        );
        assert_eq!(inf.labels.acs_url, "ACS URL");
        assert_eq!(inf.labels.sp_entity_id, "SP Entity ID");
        assert_eq!(inf.labels.idp_sso_url, "IDP URL");
        assert_eq!(inf.labels.idp_entity_id, "IdP Entity ID");
        assert!(inf.quirks.idp_entity_id_equals_sp_entity_id);
        assert_eq!(inf.suggested_app_name(), "Infisical");
        let required: Vec<_> = inf.required_attributes().map(|a| a.name.as_str()).collect();
        assert_eq!(required, ["email", "firstName", "lastName"]);

        let generic = p.idp("generic-saml").unwrap();
        assert!(generic.labels.sign_assertion.is_none());
        assert!(generic.sso_url.is_none());
        assert!(
            !p.sp("generic-saml")
                .unwrap()
                .quirks
                .idp_entity_id_equals_sp_entity_id
        );
    }

    #[test]
    fn default_map_for_infisical_on_jumpcloud_is_the_documented_one() {
        let p = builtin();
        let map = default_attribute_map(p.sp("infisical").unwrap(), p.idp("jumpcloud").unwrap());
        let pairs: Vec<_> = map
            .iter()
            .map(|m| (m.sp_name.as_str(), m.idp_name.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("email", "email"),
                ("firstName", "firstname"),
                ("lastName", "lastname")
            ]
        );
    }

    #[test]
    fn default_map_falls_back_to_the_sp_name_for_unknown_meanings() {
        let p = builtin();
        let mut sp = p.sp("infisical").unwrap().clone();
        sp.attributes.push(SpAttribute {
            name: "department".into(),
            meaning: "department".into(),
            required: false,
        });
        let map = default_attribute_map(&sp, p.idp("jumpcloud").unwrap());
        assert_eq!(map.last().map(|m| m.idp_name.as_str()), Some("department"));
    }

    #[test]
    fn jumpcloud_sso_url_pattern_comes_from_the_profile() {
        let p = builtin();
        let rule = p.idp("jumpcloud").unwrap().sso_url.clone().unwrap();
        assert!(rule
            .check("https://sso.jumpcloud.com/saml2/infisical", "IDP URL")
            .is_ok());
        assert!(rule
            .check("https://SSO.jumpcloud.com/saml2/my-app_2.x", "IDP URL")
            .is_ok());
        let empty = rule
            .check("https://sso.jumpcloud.com/saml2/", "IDP URL")
            .unwrap_err();
        assert!(empty.contains("needs a name after"), "{empty}");
        for bad in [
            "https://sso.jumpcloud.com/saml2",
            "https://sso.jumpcloud.com/saml2/a/b",
            "https://evil.example.com/saml2/infisical",
            "https://sso.jumpcloud.com.evil.com/saml2/x",
            "https://sso.jumpcloud.com/saml2/a?b=c",
            "https://sso.jumpcloud.com/saml2/é",
        ] {
            let err = rule.check(bad, "IDP URL").unwrap_err();
            assert!(
                err.starts_with("IDP URL must look like https://sso.jumpcloud.com/saml2/<name>"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn broken_profile_reports_file_line_and_problem() {
        let text =
            "id = \"x\"\ndisplay_name = \"X\"\nkind = \"idp\"\ndescription = \"unterminated\n";
        let err = parse_idp(text, "profiles/idp/x.toml").unwrap_err();
        match &err {
            ProfileError::Syntax { file, line, .. } => {
                assert_eq!(file, "profiles/idp/x.toml");
                assert_eq!(*line, 4, "{err}");
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.starts_with("profiles/idp/x.toml, line 4, column "),
            "{msg}"
        );
    }

    #[test]
    fn wrong_type_and_unknown_key_point_at_their_line() {
        let good = jumpcloud_text();
        let bad = good.replace("must_be_unique = true", "must_be_unique = \"yes\"");
        let expected_line = good
            .lines()
            .position(|l| l.starts_with("must_be_unique"))
            .unwrap()
            + 1;
        let err = parse_idp(&bad, "jc.toml").unwrap_err();
        assert!(
            matches!(&err, ProfileError::Syntax { line, .. } if *line == expected_line),
            "{err}"
        );

        let bad = good.replace(
            "sso_tab = \"SSO\"",
            "sso_tab = \"SSO\"\nsso_tabb = \"typo\"",
        );
        let err = parse_idp(&bad, "jc.toml").unwrap_err();
        assert!(
            matches!(&err, ProfileError::Syntax { line, .. } if *line == expected_sso_tab_line(good) + 1),
            "{err}"
        );
        assert!(err.to_string().contains("sso_tabb"), "{err}");
    }

    fn expected_sso_tab_line(text: &str) -> usize {
        text.lines().position(|l| l.starts_with("sso_tab")).unwrap() + 1
    }

    #[test]
    fn semantic_problems_are_reported_with_the_file() {
        let good_idp = jumpcloud_text();
        let good_sp = BUILTIN_SPS[0].1;
        let cases: Vec<(Result<(), ProfileError>, &str)> = vec![
            (
                parse_idp(&good_idp.replace("kind = \"idp\"", "kind = \"sp\""), "f").map(drop),
                "set kind = \"idp\"",
            ),
            (
                parse_idp(
                    &good_idp.replace("id = \"jumpcloud\"", "id = \"Jump Cloud\""),
                    "f",
                )
                .map(drop),
                "lower-case",
            ),
            (
                parse_idp(&good_idp.replace("/saml2/{slug}", "/saml2/"), "f").map(drop),
                "{slug} exactly once",
            ),
            (
                parse_idp(
                    &good_idp.replace("sso_url = \"IDP URL\"", "sso_url = \" \""),
                    "f",
                )
                .map(drop),
                "labels.sso_url is empty",
            ),
            (
                parse_sp(
                    &good_sp.replace("name = \"lastName\"", "name = \"email\""),
                    "f",
                )
                .map(drop),
                "listed twice",
            ),
        ];
        for (result, needle) in cases {
            let err = result.unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with("f, line "), "{msg}");
            assert!(msg.contains(needle), "{msg} lacks {needle}");
        }
    }

    fn jumpcloud_text() -> &'static str {
        BUILTIN_IDPS
            .iter()
            .find(|(f, _)| f.ends_with("jumpcloud.toml"))
            .map(|(_, t)| *t)
            .unwrap()
    }

    /// The 1-based line of the first line of `text` that starts with `prefix`.
    fn line_starting(text: &str, prefix: &str) -> usize {
        text.lines().position(|l| l.starts_with(prefix)).unwrap() + 1
    }

    #[test]
    fn semantic_problems_point_at_the_line_of_their_key() {
        let jc = jumpcloud_text();
        let cases = [
            (
                jc.replace("sso_url = \"IDP URL\"", "sso_url = \"\""),
                "sso_url = \"\"",
                "labels.sso_url is empty",
            ),
            (
                jc.replace("/saml2/{slug}", "/saml2/"),
                "template = ",
                "{slug} exactly once",
            ),
            (
                jc.replace(
                    "name_id_format = \"emailAddress\"",
                    "name_id_format = \"mail\"",
                ),
                "name_id_format = ",
                "is not a NameID format",
            ),
            (
                jc.replace("email = \"email\"", "email = \" \""),
                "email = \" \"",
                "attributes.email is empty",
            ),
        ];
        for (text, line_prefix, needle) in cases {
            let err = parse_idp(&text, "profiles/idp/jumpcloud.toml").unwrap_err();
            let line = line_starting(&text, line_prefix);
            assert!(
                matches!(&err, ProfileError::Invalid { line: Some(l), .. } if *l == line),
                "{err} (expected line {line})"
            );
            let msg = err.to_string();
            assert!(
                msg.starts_with(&format!("profiles/idp/jumpcloud.toml, line {line}: ")),
                "{msg}"
            );
            assert!(msg.contains(needle), "{msg}");
        }

        // A duplicate SP attribute points at its second entry.
        let sp = BUILTIN_SPS[0]
            .1
            .replace("name = \"lastName\"", "name = \"email\"");
        let err = parse_sp(&sp, "sp.toml").unwrap_err();
        let second = sp
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with("name = \"email\""))
            .nth(1)
            .map(|(i, _)| i + 1)
            .unwrap();
        assert!(
            err.to_string()
                .starts_with(&format!("sp.toml, line {second}: ")),
            "{err}"
        );

        // A self-hosted template that does not start from the site URL.
        let sh = BUILTIN_SPS
            .iter()
            .find(|(f, _)| f.ends_with("infisical-self-hosted.toml"))
            .map(|(_, t)| *t)
            .unwrap();
        let bad = sh.replace(
            "sp_entity_id_template = \"{site_url}\"",
            "sp_entity_id_template = \"https://x\"",
        );
        let err = parse_sp(&bad, "sh.toml").unwrap_err();
        let line = line_starting(&bad, "sp_entity_id_template");
        assert!(
            err.to_string()
                .starts_with(&format!("sh.toml, line {line}: ")),
            "{err}"
        );

        // The demo IdP cannot have a fixed SSO URL form (its port varies).
        let demo = BUILTIN_IDPS[0].1.to_string() + "\n[sso_url]\ntemplate = \"https://x/{slug}\"\n";
        let err = parse_idp(&demo, "demo.toml").unwrap_err();
        assert!(err.to_string().contains("depends on the port"), "{err}");
    }

    #[test]
    fn every_builtin_profile_says_where_its_labels_come_from() {
        for (file, text) in BUILTIN_IDPS.iter().chain(BUILTIN_SPS) {
            let head: String = text
                .lines()
                .take_while(|l| l.starts_with('#') || l.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                head.to_lowercase().contains("where each label comes from"),
                "{file} lacks a note on its sources"
            );
        }
    }

    #[test]
    fn new_providers_speak_their_portals_words() {
        let p = builtin();
        let okta = p.idp("okta").unwrap();
        assert_eq!(okta.labels.acs_url, "Single sign-on URL");
        assert_eq!(okta.labels.sp_entity_id, "Audience URI (SP Entity ID)");
        assert!(okta.defaults.idp_entity_id_fixed);
        assert_eq!(
            okta.portal.create_app_path.as_deref(),
            Some("Applications > Applications > Create App Integration > SAML 2.0")
        );
        let entra = p.idp("entra-id").unwrap();
        assert_eq!(entra.labels.sp_entity_id, "Identifier (Entity ID)");
        assert_eq!(
            entra.labels.acs_url,
            "Reply URL (Assertion Consumer Service URL)"
        );
        assert_eq!(entra.labels.idp_entity_id, "Microsoft Entra Identifier");
        assert_eq!(entra.labels.sso_url, "Login URL");
        let google = p.idp("google-workspace").unwrap();
        assert_eq!(google.labels.acs_url, "ACS URL");
        assert_eq!(google.labels.sso_url, "SSO URL");
        assert_eq!(
            google.defaults.name_id_format.as_deref(),
            Some("unspecified")
        );
        let demo = p.idp("demo").unwrap();
        assert!(demo.builtin_demo);
        assert!(demo.recommended.is_some());
        assert!(p.idps.iter().filter(|i| i.builtin_demo).count() == 1);
        let sh = p.sp("infisical-self-hosted").unwrap();
        let hosted = sh.self_hosted.as_ref().unwrap();
        assert_eq!(hosted.site_url_setting, "SITE_URL");
        assert_eq!(hosted.auth_secret_setting.as_deref(), Some("AUTH_SECRET"));
        assert!(sh.quirks.idp_entity_id_equals_sp_entity_id);
        assert!(p.sp("infisical").unwrap().self_hosted.is_none());
        // Every IdP knows what it calls the three attributes Infisical needs, so the default map is complete.
        for idp in &p.idps {
            let map = default_attribute_map(p.sp("infisical").unwrap(), idp);
            for m in &map {
                assert!(
                    crate::state::check_idp_attribute_name(&m.idp_name).is_ok(),
                    "{}: {m:?}",
                    idp.id
                );
            }
        }
    }

    #[test]
    fn load_dir_reads_files_and_names_the_broken_one() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("idp")).unwrap();
        fs::create_dir_all(dir.path().join("sp")).unwrap();
        for (file, text) in BUILTIN_IDPS.iter().chain(BUILTIN_SPS) {
            fs::write(dir.path().join(file.trim_start_matches("profiles/")), text).unwrap();
        }
        let mut loaded = Profiles::load_dir(dir.path()).unwrap();
        // Directory order is by file name; compare as sets.
        let mut b = builtin();
        for v in [&mut loaded.idps, &mut b.idps] {
            v.sort_by(|x, y| x.id.cmp(&y.id));
        }
        for v in [&mut loaded.sps, &mut b.sps] {
            v.sort_by(|x, y| x.id.cmp(&y.id));
        }
        assert_eq!((loaded.idps, loaded.sps), (b.idps, b.sps));

        let broken = dir.path().join("sp").join("zz-broken.toml");
        fs::write(&broken, "id = \"zz\"\n[portal\nname = \"x\"\n").unwrap();
        let err = Profiles::load_dir(dir.path()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("zz-broken.toml, line 2, column"), "{msg}");

        fs::write(&broken, BUILTIN_SPS[0].1).unwrap();
        let err = Profiles::load_dir(dir.path()).unwrap_err();
        assert!(matches!(err, ProfileError::Duplicate { .. }), "{err}");
        assert!(err.to_string().contains("infisical.toml"), "{err}");

        fs::write(&broken, "x".repeat(MAX_PROFILE_BYTES as usize + 1)).unwrap();
        let err = Profiles::load_dir(dir.path()).unwrap_err();
        assert!(matches!(err, ProfileError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn line_column_counts_characters_and_survives_bad_offsets() {
        assert_eq!(line_column("ab\ncé\nx", 0), (1, 1));
        assert_eq!(line_column("ab\ncé\nx", 3), (2, 1));
        assert_eq!(line_column("ab\ncé\nx", 7), (3, 1));
        assert_eq!(line_column("ab\ncé\nx", 5), (2, 2)); // inside 'é': clamped back
        assert_eq!(line_column("ab", 99), (1, 3));
    }
}
