//! Reading and checking profile files: a broken file is reported with its name, line and column and what is wrong.

use super::*;

pub(super) fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, ProfileError> {
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

pub(super) fn read_profile(path: &Path) -> Result<(String, String), ProfileError> {
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
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
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

pub(super) fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
) -> Result<T, ProfileError> {
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

pub(super) fn invalid(file: &str, problem: impl Into<String>) -> ProfileError {
    ProfileError::Invalid {
        file: file.to_string(),
        line: None,
        problem: problem.into(),
    }
}

/// 1-based line of `key` ("portal.name", "sso_url.template", "id") in a profile's text: the line that sets its last
/// part inside its table. `None` when the key is not written out (a missing table, a value from a default).
pub(super) fn key_line(text: &str, key: &str) -> Option<usize> {
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

pub(super) fn invalid_at(
    file: &str,
    text: &str,
    key: &str,
    problem: impl Into<String>,
) -> ProfileError {
    ProfileError::Invalid {
        file: file.to_string(),
        line: key_line(text, key),
        problem: problem.into(),
    }
}

/// Checks a NameID format short name or URN, as the demo IdP and the wizard understand them.
pub(super) fn check_name_id_format(
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

pub(super) fn check_common(
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
    check_idp_login(file, text, &p)?;
    Ok(p)
}

/// At least one way to start a login, a launch link named in the portal's words, and the demo IdP SP-initiated.
fn check_idp_login(file: &str, text: &str, p: &IdpProfile) -> Result<(), ProfileError> {
    let login = &p.login;
    if !login.sp_initiated && login.idp_initiated.is_none() {
        return Err(invalid_at(
            file,
            text,
            "login.sp_initiated",
            "login.sp_initiated is false and there is no [login.idp_initiated] link: a test login could not start; \
             set sp_initiated = true (every SAML IdP answers an AuthnRequest) or describe the launch link",
        ));
    }
    if p.builtin_demo && !login.sp_initiated {
        return Err(invalid_at(
            file,
            text,
            "login.sp_initiated",
            "the built-in demo IdP answers AuthnRequests: set login.sp_initiated = true",
        ));
    }
    if let Some(link) = &login.idp_initiated {
        if link.label.trim().is_empty() {
            return Err(invalid_at(
                file,
                text,
                "login.idp_initiated.label",
                "login.idp_initiated.label is empty: give the launch link's name as the portal shows it",
            ));
        }
    }
    Ok(())
}

/// The SP's login page: an https address, or `{site_url}` first for a self-hosted SP.
fn check_sp_login(file: &str, text: &str, p: &SpProfile) -> Result<(), ProfileError> {
    let Some(login) = &p.login else {
        return Ok(());
    };
    if login.label.trim().is_empty() {
        return Err(invalid_at(
            file,
            text,
            "login.label",
            "login.label is empty: give the login page's name as the SP shows it",
        ));
    }
    let url = login.url.trim();
    let ok = if let Some(rest) = url.strip_prefix("{site_url}") {
        p.self_hosted.is_some() && (rest.is_empty() || rest.starts_with('/'))
    } else {
        url.starts_with("https://") && url::Url::parse(url).is_ok()
    };
    if !ok {
        return Err(invalid_at(
            file,
            text,
            "login.url",
            format!(
                "login.url \"{url}\" must be an https URL, or (for a self-hosted SP) start with {{site_url}}/, \
                 e.g. \"{{site_url}}/login/sso\""
            ),
        ));
    }
    Ok(())
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
    check_sp_login(file, text, &p)?;
    Ok(p)
}
