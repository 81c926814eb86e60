//! Protocol values that are easy to mix up, each in its own type, checked once where they enter.
//!
//! An SP entity ID pasted into the ACS URL field (or the reverse) is the most common pairing mistake; distinct types
//! keep the core from making the same mistake internally.

use std::fmt;
use std::net::IpAddr;

use serde::{de, Deserialize, Deserializer, Serialize};
use url::{Host, Url};

/// SAML 2.0 core, 8.3.6: an entity identifier is at most 1024 characters.
pub const MAX_ENTITY_ID_LEN: usize = 1024;
/// Generous bound for URLs typed or pasted by an admin.
pub const MAX_URL_LEN: usize = 2048;

/// Why a value was refused. Every message names the field, says what is wrong and what a good value looks like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("{what} is empty: paste it from {source_hint}")]
    Empty {
        what: &'static str,
        source_hint: &'static str,
    },
    #[error("{what} is too long ({len} characters; at most {max})")]
    TooLong {
        what: &'static str,
        len: usize,
        max: usize,
    },
    #[error("{what} contains a space or line break: copy it again without surrounding text")]
    Whitespace { what: &'static str },
    #[error("{what} must be an absolute URL starting with https:// (for example {example})")]
    NotAbsolute {
        what: &'static str,
        example: &'static str,
    },
    #[error("{what} must be an absolute URI, such as {example} or a urn:… name: copy it exactly as the provider shows it")]
    NotUri {
        what: &'static str,
        example: &'static str,
    },
    #[error("{what} must be an absolute https URL: http is only allowed for localhost / 127.0.0.1 (for example {example})")]
    NotHttps {
        what: &'static str,
        example: &'static str,
    },
    #[error("{what} must not contain a #fragment")]
    Fragment { what: &'static str },
    #[error("{what} must not contain a user name or password")]
    Credentials { what: &'static str },
    #[error(
        "{what} must be the address of the instance only, without ?query: for example {example}"
    )]
    Query {
        what: &'static str,
        example: &'static str,
    },
}

impl ValueError {
    /// The name of the field the error is about, as it was passed to `parse`.
    pub fn what(&self) -> &'static str {
        match self {
            ValueError::Empty { what, .. }
            | ValueError::TooLong { what, .. }
            | ValueError::Whitespace { what }
            | ValueError::NotAbsolute { what, .. }
            | ValueError::NotUri { what, .. }
            | ValueError::NotHttps { what, .. }
            | ValueError::Fragment { what }
            | ValueError::Credentials { what }
            | ValueError::Query { what, .. } => what,
        }
    }

    /// The same message with the field called `label` (a provider's own word for it, known only at run time).
    pub fn message_for(&self, label: &str) -> String {
        let msg = self.to_string();
        match msg.strip_prefix(self.what()) {
            Some(rest) => format!("{label}{rest}"),
            None => msg,
        }
    }
}

/// True for `localhost`, 127.0.0.0/8 and ::1: the only hosts where plain http is acceptable (nothing leaves the
/// machine).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Trims what copy and paste adds around a value (spaces, a trailing newline) and refuses what is left inside it.
fn clean<'a>(
    raw: &'a str,
    what: &'static str,
    source_hint: &'static str,
    max: usize,
) -> Result<&'a str, ValueError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ValueError::Empty { what, source_hint });
    }
    let len = s.chars().count();
    if len > max {
        return Err(ValueError::TooLong { what, len, max });
    }
    if s.chars().any(char::is_whitespace) {
        return Err(ValueError::Whitespace { what });
    }
    Ok(s)
}

/// Parses an absolute http(s) URL, https unless loopback, without fragment or credentials.
fn parse_web_url(s: &str, what: &'static str, example: &'static str) -> Result<Url, ValueError> {
    let url = Url::parse(s).map_err(|_| ValueError::NotAbsolute { what, example })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(ValueError::NotHttps { what, example }),
        _ => return Err(ValueError::NotAbsolute { what, example }),
    }
    if url.host().is_none() {
        return Err(ValueError::NotAbsolute { what, example });
    }
    if url.fragment().is_some() {
        return Err(ValueError::Fragment { what });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ValueError::Credentials { what });
    }
    Ok(url)
}

/// The accessors every checked text value shares: the text as given, `Display` printing it, and `Deserialize`
/// through the checked constructor, so a value read from a file (edited by hand, say) is refused with its own
/// message. `$what` names the value in that message, since a file's field name is not known here.
macro_rules! text_value {
    ($t:ident, $what:literal) => {
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                // What this crate writes is already trimmed: text around a stored value was added by hand.
                if raw.trim() != raw {
                    return Err(de::Error::custom(ValueError::Whitespace { what: $what }));
                }
                $t::parse(&raw, $what).map_err(de::Error::custom)
            }
        }

        impl $t {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// A SAML entity ID (of an SP or an IdP): any absolute URI (a URL, http or https, or a URN), as SAML defines it.
///
/// Compared exactly as SAML does: no normalisation beyond trimming what copy and paste added around it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EntityId(String);

impl EntityId {
    const EXAMPLE: &'static str = "https://app.infisical.com";

    /// Checks a value typed or pasted for the field called `what` (e.g. "SP Entity ID").
    pub fn parse(raw: &str, what: &'static str) -> Result<Self, ValueError> {
        let s = clean(
            raw,
            what,
            "your provider's SAML settings",
            MAX_ENTITY_ID_LEN,
        )?;
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("urn:") {
            if s.len() > 4 {
                return Ok(Self(s.to_string()));
            }
            return Err(ValueError::NotUri {
                what,
                example: Self::EXAMPLE,
            });
        }
        // An entity ID is a name, not an address (SAML core 8.3.6): any absolute URI. http is as good as https here
        // (Okta's issuer is http://www.okta.com/<id>, AD FS's http://<host>/adfs/services/trust); a web URL still
        // needs a host, and never carries credentials.
        let url = Url::parse(s).map_err(|_| ValueError::NotUri {
            what,
            example: Self::EXAMPLE,
        })?;
        if matches!(url.scheme(), "http" | "https") && url.host().is_none() {
            return Err(ValueError::NotUri {
                what,
                example: Self::EXAMPLE,
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(ValueError::Credentials { what });
        }
        // Keep the text as given: entity IDs are compared as strings, so Url's normalisation (a trailing slash
        // added to a bare host) would silently change the value.
        Ok(Self(s.to_string()))
    }
}

text_value!(EntityId, "entity ID");

/// The SP's Assertion Consumer Service URL: where the browser POSTs the SAMLResponse.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AcsUrl(String);

impl AcsUrl {
    const EXAMPLE: &'static str = "https://app.infisical.com/api/v1/sso/saml2/<organization id>";

    pub fn parse(raw: &str, what: &'static str) -> Result<Self, ValueError> {
        let s = clean(
            raw,
            what,
            "your service provider's SAML settings",
            MAX_URL_LEN,
        )?;
        parse_web_url(s, what, Self::EXAMPLE)?;
        Ok(Self(s.to_string()))
    }

    /// The parsed URL (always succeeds: the text was checked on construction).
    pub fn url(&self) -> Option<Url> {
        Url::parse(&self.0).ok()
    }
}

text_value!(AcsUrl, "ACS URL");

/// An https URL of the IdP (its SSO / login URL, a metadata URL). Same rules as the ACS URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct IdpUrl(String);

impl IdpUrl {
    const EXAMPLE: &'static str = "https://sso.jumpcloud.com/saml2/infisical";

    pub fn parse(raw: &str, what: &'static str) -> Result<Self, ValueError> {
        let s = clean(
            raw,
            what,
            "your identity provider's application settings",
            MAX_URL_LEN,
        )?;
        parse_web_url(s, what, Self::EXAMPLE)?;
        Ok(Self(s.to_string()))
    }
}

text_value!(IdpUrl, "IdP URL");

/// The public address of a self-hosted SP instance (Infisical's SITE_URL): an absolute URL with its protocol, https
/// unless loopback, without query or fragment. The ACS URL and the SP entity ID derive from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SiteUrl(String);

impl SiteUrl {
    const EXAMPLE: &'static str = "https://infisical.example.com";

    pub fn parse(raw: &str, what: &'static str) -> Result<Self, ValueError> {
        let s = clean(raw, what, "your server's settings", MAX_URL_LEN)?;
        let url = parse_web_url(s, what, Self::EXAMPLE)?;
        if url.query().is_some() {
            return Err(ValueError::Query {
                what,
                example: Self::EXAMPLE,
            });
        }
        Ok(Self(s.trim_end_matches('/').to_string()))
    }

    /// The parsed URL (always succeeds: the text was checked on construction).
    pub fn url(&self) -> Option<Url> {
        Url::parse(&self.0).ok()
    }

    /// True when `other` is on this instance: same scheme, host and port, and under its path.
    pub fn covers(&self, other: &Url) -> bool {
        let Some(site) = self.url() else {
            return false;
        };
        site.scheme() == other.scheme()
            && site.host_str().map(str::to_ascii_lowercase)
                == other.host_str().map(str::to_ascii_lowercase)
            && site.port_or_known_default() == other.port_or_known_default()
            && other.path().starts_with(site.path().trim_end_matches('/'))
    }
}

text_value!(SiteUrl, "SITE_URL");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_url_is_an_absolute_address_with_its_protocol() {
        let site = SiteUrl::parse(" https://Infisical.example.com/ ", "SITE_URL").unwrap();
        assert_eq!(site.as_str(), "https://Infisical.example.com");
        assert!(SiteUrl::parse("http://localhost:8080", "SITE_URL").is_ok());
        for (bad, start) in [
            (
                "infisical.example.com",
                "SITE_URL must be an absolute URL starting with https://",
            ),
            (
                "http://infisical.example.com",
                "SITE_URL must be an absolute https URL",
            ),
            (
                "https://infisical.example.com/?a=b",
                "SITE_URL must be the address of the instance only",
            ),
            (
                "https://infisical.example.com/#x",
                "SITE_URL must not contain a #fragment",
            ),
            ("", "SITE_URL is empty"),
        ] {
            let e = SiteUrl::parse(bad, "SITE_URL").unwrap_err().to_string();
            assert!(e.starts_with(start), "{bad}: {e}");
        }
        let on = |u: &str| site.covers(&Url::parse(u).unwrap());
        assert!(on("https://infisical.example.com/api/v1/sso/saml2/org"));
        assert!(on("https://infisical.example.com:443/x"));
        assert!(!on("https://other.example.com/api"));
        assert!(!on("http://infisical.example.com/api"));
        assert!(!on("https://infisical.example.com:8443/api"));
        let under = SiteUrl::parse("https://example.com/infisical", "SITE_URL").unwrap();
        assert!(under.covers(&Url::parse("https://example.com/infisical/api").unwrap()));
        assert!(!under.covers(&Url::parse("https://example.com/other").unwrap()));
    }

    #[test]
    fn acs_url_accepts_https_and_loopback_http() {
        for ok in [
            "https://app.infisical.com/api/v1/sso/saml2/abc",
            "  https://app.infisical.com/api/v1/sso/saml2/abc\n",
            "http://127.0.0.1:8080/acs",
            "http://localhost/acs",
            "http://[::1]:9/acs",
            "http://127.5.6.7/acs",
        ] {
            assert!(AcsUrl::parse(ok, "ACS URL").is_ok(), "{ok}");
        }
        assert_eq!(
            AcsUrl::parse(" https://x.example/acs ", "ACS URL")
                .unwrap()
                .as_str(),
            "https://x.example/acs"
        );
    }

    #[test]
    fn acs_url_refusals_name_the_problem() {
        type Case<'a> = (&'a str, fn(&ValueError) -> bool);
        let cases: &[Case] = &[
            ("", |e| matches!(e, ValueError::Empty { .. })),
            ("   ", |e| matches!(e, ValueError::Empty { .. })),
            ("app.infisical.com/acs", |e| {
                matches!(e, ValueError::NotAbsolute { .. })
            }),
            ("/api/v1/sso", |e| {
                matches!(e, ValueError::NotAbsolute { .. })
            }),
            ("http://app.infisical.com/acs", |e| {
                matches!(e, ValueError::NotHttps { .. })
            }),
            ("http://localhost.evil.com/acs", |e| {
                matches!(e, ValueError::NotHttps { .. })
            }),
            ("ftp://x.example/acs", |e| {
                matches!(e, ValueError::NotAbsolute { .. })
            }),
            ("https://x.example/acs#frag", |e| {
                matches!(e, ValueError::Fragment { .. })
            }),
            ("https://user:pw@x.example/acs", |e| {
                matches!(e, ValueError::Credentials { .. })
            }),
            ("https://x.example/a cs", |e| {
                matches!(e, ValueError::Whitespace { .. })
            }),
            ("urn:foo:bar", |e| {
                matches!(e, ValueError::NotAbsolute { .. })
            }),
        ];
        for (input, pred) in cases {
            let err = AcsUrl::parse(input, "ACS URL").unwrap_err();
            assert!(pred(&err), "{input:?} gave {err:?}");
            assert!(err.to_string().starts_with("ACS URL"), "{err}");
        }
        let long = format!("https://x.example/{}", "a".repeat(MAX_URL_LEN));
        assert!(matches!(
            AcsUrl::parse(&long, "ACS URL"),
            Err(ValueError::TooLong { .. })
        ));
    }

    #[test]
    fn not_https_message_is_the_one_the_wizard_shows() {
        let err = AcsUrl::parse("http://app.example.com/acs", "ACS URL").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("ACS URL must be an absolute https URL"),
            "{err}"
        );
    }

    #[test]
    fn entity_id_keeps_text_exactly_and_allows_urns() {
        // Url would normalise this to "https://app.infisical.com/"; entity IDs are compared as strings.
        assert_eq!(
            EntityId::parse("https://app.infisical.com", "SP Entity ID")
                .unwrap()
                .as_str(),
            "https://app.infisical.com"
        );
        assert!(EntityId::parse("urn:example:sp", "SP Entity ID").is_ok());
        assert!(EntityId::parse("urn:", "SP Entity ID").is_err());
        // Names, not addresses (issue 16): Okta's and AD FS's issuers are http URLs, and must be accepted as is.
        for issuer in [
            "http://www.okta.com/exk1a2b3c4d5e6f7g8h9",
            "http://adfs.corp.example/adfs/services/trust",
        ] {
            assert_eq!(
                EntityId::parse(issuer, "IdP Entity ID").unwrap().as_str(),
                issuer
            );
        }
        assert!(matches!(
            EntityId::parse("infisical", "SP Entity ID"),
            Err(ValueError::NotUri { .. })
        ));
        assert!(matches!(
            EntityId::parse("https://user:pw@sp.example.com", "SP Entity ID"),
            Err(ValueError::Credentials { .. })
        ));
        let long = format!("urn:{}", "a".repeat(MAX_ENTITY_ID_LEN));
        assert!(matches!(
            EntityId::parse(&long, "SP Entity ID"),
            Err(ValueError::TooLong { .. })
        ));
    }

    #[test]
    fn message_for_renames_the_field_only() {
        let err = AcsUrl::parse("http://app.example.com/acs", "ACS URL").unwrap_err();
        assert_eq!(err.what(), "ACS URL");
        let msg = err.message_for("Reply URL");
        assert!(
            msg.starts_with("Reply URL must be an absolute https URL"),
            "{msg}"
        );
        assert_eq!(msg.matches("ACS URL").count(), 0, "{msg}");
    }

    #[test]
    fn serde_is_the_plain_string() {
        let id = EntityId::parse("https://a.example", "x").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"https://a.example\"");
    }

    /// Reads `json` as a `T` and returns the error's text (empty when it was accepted).
    fn refusal<T: serde::de::DeserializeOwned>(json: &str) -> String {
        serde_json::from_str::<T>(json)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn deserializing_checks_each_value_with_its_own_message() {
        // Good values come back as they were written.
        let acs: AcsUrl = serde_json::from_str("\"https://x.example/acs\"").unwrap();
        assert_eq!(acs.as_str(), "https://x.example/acs");
        let id: EntityId = serde_json::from_str("\"urn:example:sp\"").unwrap();
        assert_eq!(id.as_str(), "urn:example:sp");
        let idp: IdpUrl = serde_json::from_str("\"https://idp.example/sso\"").unwrap();
        assert_eq!(idp.as_str(), "https://idp.example/sso");
        let site: SiteUrl = serde_json::from_str("\"https://infisical.example.com\"").unwrap();
        assert_eq!(site.as_str(), "https://infisical.example.com");
        // Bad ones are refused with the value's own message, as if typed.
        for (e, start) in [
            (
                refusal::<AcsUrl>("\"http://evil.example/acs\""),
                "ACS URL must be an absolute https URL",
            ),
            (
                refusal::<AcsUrl>("\"https://x.example/acs#f\""),
                "ACS URL must not contain a #fragment",
            ),
            (
                refusal::<EntityId>("\"infisical\""),
                "entity ID must be an absolute URI",
            ),
            (refusal::<EntityId>("\"\""), "entity ID is empty"),
            (
                refusal::<IdpUrl>("\"ftp://idp.example/sso\""),
                "IdP URL must be an absolute URL starting with https://",
            ),
            (
                refusal::<IdpUrl>("\"https://u:p@idp.example/sso\""),
                "IdP URL must not contain a user name or password",
            ),
            (
                refusal::<SiteUrl>("\"infisical.example.com\""),
                "SITE_URL must be an absolute URL starting with https://",
            ),
            (
                refusal::<SiteUrl>("\"https://infisical.example.com/?a=b\""),
                "SITE_URL must be the address of the instance only",
            ),
        ] {
            assert!(e.starts_with(start), "{start}: {e}");
        }
        // Not a string at all: serde's own message.
        assert!(refusal::<AcsUrl>("42").contains("expected a string"));
    }

    #[test]
    fn deserializing_refuses_text_around_a_value() {
        // parse trims what copy and paste adds; a stored value never has it, so a file with it was edited by hand.
        for e in [
            refusal::<AcsUrl>("\" https://x.example/acs\""),
            refusal::<EntityId>("\"https://a.example\\n\""),
            refusal::<IdpUrl>("\"https://idp.example/sso \""),
            refusal::<SiteUrl>("\" https://infisical.example.com\""),
        ] {
            assert!(e.contains("contains a space or line break"), "{e}");
        }
    }
}
