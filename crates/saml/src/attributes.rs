//! Attribute suggestions (issue 21): given the attribute names the SP reads and the names that actually arrived in
//! an assertion, which arrived name most likely carries each missing one. IdPs name the same thing many ways: in
//! another case or spacing (`FirstName`, `first_name`), by a well-known alias (`mail`, `givenName`, `sn`), by the
//! LDAP OID that SAML's URI name format uses (pysaml2, Shibboleth, SimpleSAMLphp with `name2oid`), or by the claim
//! URIs Microsoft Entra ID sends. Unrelated names get no suggestion: a wrong guess is worse than none.
//!
//! Pure and bounded: no I/O, at most [`MAX_NAMES`] names of at most [`MAX_NAME_LEN`] characters are looked at.

use serde::Serialize;

/// At most this many needed or arrived names are compared (more are ignored).
pub const MAX_NAMES: usize = 256;
/// Longer names are ignored (no IdP sends them).
pub const MAX_NAME_LEN: usize = 512;

/// Why an arrived name is suggested for a needed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The same name in another letter case (`FirstName` for `firstName`).
    Case,
    /// The same name with other spacing or separators (`first_name`, `First Name` for `firstName`).
    Spacing,
    /// A well-known other name for the same thing (`mail` for `email`, `sn` for `lastName`).
    Alias,
    /// The LDAP OID of the same attribute (`urn:oid:2.5.4.42` for `givenName`).
    Oid,
    /// The claim URI Microsoft Entra ID sends for it (`.../claims/givenname`).
    ClaimUri,
}

impl Reason {
    /// Plain words for a person.
    pub fn words(self) -> &'static str {
        match self {
            Reason::Case => {
                "the same name in another letter case (attribute names are case-sensitive)"
            }
            Reason::Spacing => "the same name with other spacing or separators",
            Reason::Alias => "a well-known other name for the same attribute",
            Reason::Oid => "the OID name of the same attribute (SAML's URI name format)",
            Reason::ClaimUri => "the claim URI Microsoft Entra ID sends for the same attribute",
        }
    }
}

/// One suggested mapping: the SP's attribute is filled from the IdP's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub sp_attribute: String,
    pub idp_attribute: String,
    pub reason: Reason,
}

/// What an attribute is, whatever the IdP calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Concept {
    Email,
    GivenName,
    Surname,
    DisplayName,
}

const CLAIMS: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/";

/// One known attribute: what it is, its plain aliases (compared folded), its OID URNs and its claim URIs.
type Known = (
    Concept,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const KNOWN: [Known; 4] = [
    (
        Concept::Email,
        &["mail", "email", "emailaddress", "emailaddr", "e-mail"],
        &["urn:oid:0.9.2342.19200300.100.1.3"],
        &["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"],
    ),
    (
        Concept::GivenName,
        &["givenname", "firstname", "given_name", "first_name"],
        &["urn:oid:2.5.4.42"],
        &["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"],
    ),
    (
        Concept::Surname,
        &[
            "sn",
            "surname",
            "lastname",
            "familyname",
            "family_name",
            "last_name",
        ],
        &["urn:oid:2.5.4.4"],
        &["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"],
    ),
    (
        Concept::DisplayName,
        &["displayname", "fullname", "cn", "commonname"],
        &["urn:oid:2.16.840.1.113730.3.1.241", "urn:oid:2.5.4.3"],
        &["http://schemas.microsoft.com/identity/claims/displayname"],
    ),
];

/// Lower case, without whitespace, `_`, `-` and `.`: names that differ only in spacing fold alike.
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// What `name` is and how it is written: a plain alias, an OID or a claim URI.
fn concept(name: &str) -> Option<(Concept, Reason)> {
    let t = name.trim();
    let folded = fold(t);
    KNOWN.iter().find_map(|(c, aliases, oids, claims)| {
        if oids.iter().any(|o| t.eq_ignore_ascii_case(o)) {
            Some((*c, Reason::Oid))
        } else if claims.iter().any(|u| t.eq_ignore_ascii_case(u)) {
            Some((*c, Reason::ClaimUri))
        } else if aliases.iter().any(|a| fold(a) == folded) {
            Some((*c, Reason::Alias))
        } else {
            None
        }
    })
}

/// Whether `name` is a claim URI of the namespace Entra ID (and ADFS) use, for names not in the table.
fn is_claim_uri(name: &str) -> bool {
    name.get(..CLAIMS.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(CLAIMS))
}

/// For each needed name that did not arrive as is, the arrived name most likely meant, best reason first (case,
/// spacing, alias, OID, claim URI). An arrived name already read under its own name, or already suggested, is not
/// suggested again; needed names that arrived as they are get nothing.
pub fn suggest(needed: &[&str], arrived: &[&str]) -> Vec<Suggestion> {
    let usable = |n: &&str| !n.trim().is_empty() && n.len() <= MAX_NAME_LEN;
    let needed: Vec<&str> = needed
        .iter()
        .copied()
        .filter(usable)
        .take(MAX_NAMES)
        .collect();
    let arrived: Vec<&str> = arrived
        .iter()
        .copied()
        .filter(usable)
        .take(MAX_NAMES)
        .collect();
    let mut taken: Vec<&str> = arrived
        .iter()
        .copied()
        .filter(|a| needed.iter().any(|n| n.trim() == a.trim()))
        .collect();
    let mut out = Vec::new();
    for want in &needed {
        let want = want.trim();
        if arrived.iter().any(|a| a.trim() == want) {
            continue;
        }
        let want_concept = concept(want).map(|(c, _)| c);
        let best = arrived
            .iter()
            .copied()
            .filter(|a| !taken.contains(a))
            .filter_map(|a| {
                let t = a.trim();
                let reason = if t.eq_ignore_ascii_case(want) {
                    Reason::Case
                } else if fold(t) == fold(want) && !is_claim_uri(t) {
                    Reason::Spacing
                } else {
                    match (want_concept, concept(t)) {
                        (Some(w), Some((c, r))) if w == c => r,
                        _ => return None,
                    }
                };
                Some((reason, a))
            })
            .min_by_key(|(r, _)| *r);
        if let Some((reason, a)) = best {
            taken.push(a);
            out.push(Suggestion {
                sp_attribute: want.to_string(),
                idp_attribute: a.trim().to_string(),
                reason,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(needed: &str, arrived: &[&str]) -> Option<(String, Reason)> {
        suggest(&[needed], arrived)
            .into_iter()
            .next()
            .map(|s| (s.idp_attribute, s.reason))
    }

    #[test]
    fn case_and_spacing() {
        assert_eq!(
            one("firstName", &["FirstName", "email"]),
            Some(("FirstName".into(), Reason::Case))
        );
        assert_eq!(
            one("firstName", &["first_name"]),
            Some(("first_name".into(), Reason::Spacing))
        );
        assert_eq!(
            one("lastName", &["Last Name"]),
            Some(("Last Name".into(), Reason::Spacing))
        );
    }

    #[test]
    fn aliases_oids_and_claim_uris() {
        for (needed, arrived, reason) in [
            ("email", "mail", Reason::Alias),
            ("email", "emailAddress", Reason::Alias),
            ("mail", "email", Reason::Alias),
            ("firstName", "givenName", Reason::Alias),
            ("givenName", "firstName", Reason::Alias),
            ("lastName", "sn", Reason::Alias),
            ("lastName", "surname", Reason::Alias),
            ("sn", "lastName", Reason::Alias),
            ("email", "urn:oid:0.9.2342.19200300.100.1.3", Reason::Oid),
            ("firstName", "urn:oid:2.5.4.42", Reason::Oid),
            ("lastName", "urn:oid:2.5.4.4", Reason::Oid),
            (
                "email",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                Reason::ClaimUri,
            ),
            (
                "firstName",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
                Reason::ClaimUri,
            ),
            (
                "lastName",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
                Reason::ClaimUri,
            ),
        ] {
            assert_eq!(
                one(needed, &[arrived, "unrelated"]),
                Some((arrived.to_string(), reason)),
                "{needed} <- {arrived}"
            );
        }
    }

    #[test]
    fn none_for_unrelated_names_or_what_arrived_as_is() {
        assert_eq!(
            one("email", &["uid", "eduPersonAffiliation", "groups"]),
            None
        );
        assert_eq!(one("department", &["mail", "givenName"]), None);
        assert_eq!(one("firstName", &["lastName", "sn"]), None);
        assert!(suggest(&["email"], &["email", "mail"]).is_empty());
        // Entra's name claim is the UPN, not the surname: an unknown claim URI is not a spacing match.
        assert_eq!(
            one(
                "name",
                &["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"]
            ),
            None
        );
    }

    #[test]
    fn the_best_reason_wins_and_no_name_is_given_twice() {
        let s = suggest(
            &["email", "mail"],
            &["urn:oid:0.9.2342.19200300.100.1.3", "Email"],
        );
        assert_eq!(
            s,
            vec![
                Suggestion {
                    sp_attribute: "email".into(),
                    idp_attribute: "Email".into(),
                    reason: Reason::Case
                },
                Suggestion {
                    sp_attribute: "mail".into(),
                    idp_attribute: "urn:oid:0.9.2342.19200300.100.1.3".into(),
                    reason: Reason::Oid
                },
            ]
        );
        // A name the SP reads as is is not offered for another one.
        assert!(suggest(&["email", "mail"], &["mail"]).is_empty());
    }
}
