//! The `--config FILE` of `ssopilot demo-idp serve`: the applications (one per pairing) and which user groups each
//! is granted to. TOML, bounded, every value checked with the same newtypes the wizard uses.
//!
//! ```toml
//! [[apps]]
//! slug = "infisical"                      # IdP-initiated launch at /saml2/infisical
//! sp_entity_id = "https://app.infisical.com"
//! acs_url = "https://app.infisical.com/api/v1/sso/saml2/<org id>"
//! sign = "assertion"                      # assertion | response | both
//! name_id_format = "email"                # email | unspecified | persistent | transient
//! valid_minutes = 5
//! groups = ["Engineering"]                # granted user groups (denied by default)
//! attributes = { email = "email", firstName = "firstname", lastName = "lastname" }
//! constants = { role = "admin" }
//! require_signed_requests = false         # true: refuse AuthnRequests not signed with sp_certificate
//! sp_certificate = "-----BEGIN CERTIFICATE-----..."  # the SP's request-signing certificate (PEM)
//! encrypt_assertions = false              # true: encrypt the assertion for sp_encryption_certificate
//! sp_encryption_certificate = "-----BEGIN CERTIFICATE-----..."  # the SP's encryption certificate (PEM, RSA)
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use time::OffsetDateTime;

use super::directory::Directory;
use super::mint::{self, App, SignMode};
use crate::files::{read_bounded, ReadError};
use ssopilot_saml::values::{AcsUrl, EntityId};

/// Largest accepted configuration file.
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;
pub const MAX_APPS: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the demo IdP configuration {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("the demo IdP configuration is too large (at most {MAX_CONFIG_BYTES} bytes)")]
    TooLarge,
    #[error("the demo IdP configuration is not valid TOML: {0}")]
    Toml(String),
    #[error("application \"{slug}\": {detail}")]
    App { slug: String, detail: String },
    #[error("too many applications (at most {MAX_APPS})")]
    TooMany,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    apps: Vec<AppEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppEntry {
    slug: String,
    sp_entity_id: String,
    acs_url: String,
    #[serde(default)]
    sign: Option<String>,
    #[serde(default)]
    name_id_format: Option<String>,
    #[serde(default)]
    valid_minutes: Option<u32>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    attributes: Option<BTreeMap<String, String>>,
    #[serde(default)]
    constants: BTreeMap<String, String>,
    #[serde(default)]
    require_signed_requests: bool,
    #[serde(default)]
    sp_certificate: Option<String>,
    #[serde(default)]
    encrypt_assertions: bool,
    #[serde(default)]
    sp_encryption_certificate: Option<String>,
}

/// Parses the configuration; `idp_entity_id` is the demo IdP's own. Grants go into `directory`. `now` is when the
/// SP certificates are checked.
pub fn parse(
    text: &str,
    idp_entity_id: &EntityId,
    directory: &mut Directory,
    now: OffsetDateTime,
) -> Result<Vec<(String, App)>, ConfigError> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge);
    }
    let file: File = toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))?;
    if file.apps.len() > MAX_APPS {
        return Err(ConfigError::TooMany);
    }
    let mut out = Vec::new();
    for e in file.apps {
        let slug = e.slug.trim().to_string();
        let err = |detail: String| ConfigError::App {
            slug: slug.clone(),
            detail,
        };
        let sp =
            EntityId::parse(&e.sp_entity_id, "SP Entity ID").map_err(|x| err(x.to_string()))?;
        let acs = AcsUrl::parse(&e.acs_url, "ACS URL").map_err(|x| err(x.to_string()))?;
        let mut app = App::new(sp, acs, idp_entity_id.clone());
        if let Some(s) = e.sign {
            app.sign = s.parse::<SignMode>().map_err(|x| err(x.to_string()))?;
        }
        if let Some(f) = e.name_id_format {
            app.name_id_format = mint::name_id_format(&f).map_err(|x| err(x.to_string()))?;
        }
        if let Some(m) = e.valid_minutes {
            app.valid_minutes = m;
        }
        if let Some(a) = e.attributes {
            app.attributes = a.into_iter().collect();
        }
        app.constants = e.constants.into_iter().collect();
        if let Some(pem) = &e.sp_certificate {
            let report = ssopilot_saml::cert::check(pem.as_bytes(), now);
            let der = report.der().ok_or_else(|| {
                err(format!(
                    "sp_certificate is not a usable certificate: {}",
                    report
                        .first_error()
                        .map_or("unreadable", |f| f.message.as_str())
                ))
            })?;
            app.sp_certs.push(der.to_vec());
        }
        if let Some(pem) = &e.sp_encryption_certificate {
            let report = ssopilot_saml::cert::check(pem.as_bytes(), now);
            let der = report.der().ok_or_else(|| {
                err(format!(
                    "sp_encryption_certificate is not a usable certificate: {}",
                    report
                        .first_error()
                        .map_or("unreadable", |f| f.message.as_str())
                ))
            })?;
            if e.encrypt_assertions {
                app.encrypt_for = Some(der.to_vec());
            }
        } else if e.encrypt_assertions {
            return Err(err(
                "encrypt_assertions needs sp_encryption_certificate (the SP's encryption certificate, PEM, from its metadata's KeyDescriptor use=\"encryption\")".into(),
            ));
        }
        app.require_signed_requests = e.require_signed_requests;
        if app.require_signed_requests && app.sp_certs.is_empty() {
            return Err(err(
                "require_signed_requests needs sp_certificate (the SP's request-signing certificate, PEM)".into(),
            ));
        }
        app.check().map_err(|x| err(x.to_string()))?;
        for g in &e.groups {
            directory.grant(&slug, g).map_err(|x| err(x.to_string()))?;
        }
        out.push((slug, app));
    }
    Ok(out)
}

/// Reads and parses `path` (see [`parse`]).
pub fn load(
    path: &std::path::Path,
    idp_entity_id: &EntityId,
    directory: &mut Directory,
    now: OffsetDateTime,
) -> Result<Vec<(String, App)>, ConfigError> {
    let read_err = |detail: String| ConfigError::Read {
        path: path.display().to_string(),
        detail,
    };
    let bytes = match read_bounded(path, MAX_CONFIG_BYTES) {
        Ok(b) => b,
        Err(ReadError::TooLarge { .. }) => return Err(ConfigError::TooLarge),
        Err(e) => return Err(read_err(e.to_string())),
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| read_err("it is not UTF-8 text: save it as UTF-8".to_string()))?;
    parse(&text, idp_entity_id, directory, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo_idp::key::IdpKey;
    use time::macros::datetime;

    #[test]
    fn encrypt_assertions_takes_the_sp_encryption_certificate_and_needs_it() {
        let idp = EntityId::parse("http://127.0.0.1:8740/metadata", "IdP").unwrap();
        let cert = IdpKey::generate_ephemeral().unwrap();
        let base = "[[apps]]\nslug = \"s\"\nsp_entity_id = \"https://sp.example.com\"\nacs_url = \"https://sp.example.com/acs\"\n";
        let now = datetime!(2030-01-01 0:00 UTC);
        let on = format!(
            "{base}encrypt_assertions = true\nsp_encryption_certificate = \"\"\"\n{}\"\"\"\n",
            cert.cert_pem()
        );
        let mut dir = Directory::demo().unwrap();
        let apps = parse(&on, &idp, &mut dir, now).unwrap();
        assert_eq!(apps[0].1.encrypt_for.as_deref(), Some(cert.cert_der()));
        let off = format!(
            "{base}sp_encryption_certificate = \"\"\"\n{}\"\"\"\n",
            cert.cert_pem()
        );
        let apps = parse(&off, &idp, &mut dir, now).unwrap();
        assert_eq!(apps[0].1.encrypt_for, None);
        let missing = format!("{base}encrypt_assertions = true\n");
        let e = parse(&missing, &idp, &mut dir, now)
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs sp_encryption_certificate"), "{e}");
    }

    /// The SP's request-signing certificate is taken for its key at any date (the demo IdP's own is valid from
    /// 2025 to 2045): the date it is read at is a parameter, not the wall clock.
    #[test]
    fn the_sp_certificate_is_read_at_the_given_time() {
        let idp = EntityId::parse("http://127.0.0.1:8740/metadata", "IdP").unwrap();
        let cert = IdpKey::generate_ephemeral().unwrap();
        let text = format!(
            "[[apps]]\nslug = \"s\"\nsp_entity_id = \"https://sp.example.com\"\nacs_url = \"https://sp.example.com/acs\"\nrequire_signed_requests = true\nsp_certificate = \"\"\"\n{}\"\"\"\n",
            cert.cert_pem()
        );
        for now in [
            datetime!(2030-01-01 0:00 UTC),
            datetime!(2000-01-01 0:00 UTC),
            datetime!(2050-01-01 0:00 UTC),
        ] {
            let mut dir = Directory::demo().unwrap();
            let apps = parse(&text, &idp, &mut dir, now).unwrap();
            assert_eq!(
                apps[0].1.sp_certs,
                vec![cert.cert_der().to_vec()],
                "at {now}"
            );
        }
    }
}
