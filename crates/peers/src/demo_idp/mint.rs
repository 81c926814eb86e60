//! Minting SAML 2.0 Responses and the IdP metadata, as JumpCloud would send them for a Custom SAML App.
//!
//! Emails go out lower-case (JumpCloud's behaviour, which the demo must reproduce). Signatures are RSA-SHA256 with
//! exclusive canonicalization and enveloped transforms, made by [`ssopilot_saml::xmldsig::sign_enveloped`].

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use time::{Duration, OffsetDateTime};

use super::directory::User;
use super::fault::Fault;
use super::key::IdpKey;
use ssopilot_saml::values::{AcsUrl, EntityId};
use ssopilot_saml::xmldsig::{sign_enveloped, SignatureAlgorithm, SigningKey};

pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
pub const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
pub const NAMEID_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
pub const NAMEID_TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
pub const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
pub const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

/// Bounds on an application's configuration.
pub const MAX_VALID_MINUTES: u32 = 60;
pub const MAX_ATTRIBUTES: usize = 64;
pub const MAX_ATTRIBUTE_NAME_LEN: usize = 256;
pub const MAX_ATTRIBUTE_VALUE_LEN: usize = 1024;
pub const MAX_REQUEST_ID_LEN: usize = 256;

/// Directory attributes an attribute can be mapped from (JumpCloud's names).
pub const DIRECTORY_ATTRIBUTES: [&str; 4] = ["email", "firstname", "lastname", "fullname"];

/// What a response or application setting is wrong about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MintError {
    #[error("\"{0}\" is not a signing mode: use assertion, response or both")]
    BadSignMode(String),
    #[error("the validity must be 1 to {MAX_VALID_MINUTES} minutes (got {0})")]
    BadValidity(u32),
    #[error("attribute \"{name}\": {reason}")]
    BadAttribute { name: String, reason: String },
    #[error("attribute \"{name}\" is mapped from the unknown directory attribute \"{source_attr}\": use one of email, firstname, lastname, fullname")]
    UnknownSource { name: String, source_attr: String },
    #[error("too many attributes (at most {MAX_ATTRIBUTES})")]
    TooManyAttributes,
    #[error("the request ID {0}: an AuthnRequest ID is an XML ID of 1 to 256 letters, digits, '_', '-' or '.', starting with a letter or '_'")]
    BadRequestId(String),
    #[error("the NameID format \"{0}\" is not supported: use emailAddress, unspecified, persistent or transient (or the full URN)")]
    BadNameIdFormat(String),
    #[error("signing failed: {0}")]
    Sign(String),
    #[error("encrypting the assertion failed: {0}")]
    Encrypt(String),
    #[error("the operating system's random number generator failed: retry")]
    Random,
}

/// Which elements carry a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignMode {
    /// JumpCloud's default.
    #[default]
    Assertion,
    Response,
    Both,
}

impl FromStr for SignMode {
    type Err = MintError;
    fn from_str(s: &str) -> Result<Self, MintError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "assertion" => Ok(Self::Assertion),
            "response" => Ok(Self::Response),
            "both" => Ok(Self::Both),
            _ => Err(MintError::BadSignMode(s.to_string())),
        }
    }
}

impl fmt::Display for SignMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Assertion => "assertion",
            Self::Response => "response",
            Self::Both => "both",
        })
    }
}

/// A NameID format given by its short name or full URN.
pub fn name_id_format(raw: &str) -> Result<&'static str, MintError> {
    let t = raw.trim();
    [
        ("emailaddress", NAMEID_EMAIL),
        ("email", NAMEID_EMAIL),
        ("unspecified", NAMEID_UNSPECIFIED),
        ("persistent", NAMEID_PERSISTENT),
        ("transient", NAMEID_TRANSIENT),
    ]
    .into_iter()
    .find(|(short, urn)| t.eq_ignore_ascii_case(short) || t == *urn)
    .map(|(_, urn)| urn)
    .ok_or_else(|| MintError::BadNameIdFormat(raw.to_string()))
}

/// One SSO application of the demo IdP (a JumpCloud "Custom SAML App").
#[derive(Debug, Clone)]
pub struct App {
    pub sp_entity_id: EntityId,
    pub acs_url: AcsUrl,
    pub idp_entity_id: EntityId,
    /// One of the NAMEID_* URNs; the NameID is always the user's email, lower-case.
    pub name_id_format: &'static str,
    /// SP attribute name <- directory attribute ([`DIRECTORY_ATTRIBUTES`]).
    pub attributes: Vec<(String, String)>,
    /// SP attribute name = fixed value.
    pub constants: Vec<(String, String)>,
    pub sign: SignMode,
    pub valid_minutes: u32,
    /// Refuse AuthnRequests that are not signed with one of `sp_certs` (JumpCloud's "SP certificate" option).
    pub require_signed_requests: bool,
    /// The SP's request-signing certificates (DER).
    pub sp_certs: Vec<Vec<u8>>,
    /// "Encrypt assertions": the SP's encryption certificate (DER) the assertion is encrypted for, as JumpCloud's
    /// and Okta's option does; `None` sends it in clear.
    pub encrypt_for: Option<Vec<u8>>,
    /// The planted misconfiguration ([`Fault::plant`]), for practice and tests; `None` in every real setup.
    pub fault: Option<Fault>,
}

impl App {
    /// An application with JumpCloud's defaults: email NameID, email/firstname/lastname attributes, assertion
    /// signed, 5 minutes.
    pub fn new(sp_entity_id: EntityId, acs_url: AcsUrl, idp_entity_id: EntityId) -> Self {
        Self {
            sp_entity_id,
            acs_url,
            idp_entity_id,
            name_id_format: NAMEID_EMAIL,
            attributes: Self::default_attributes(),
            constants: Vec::new(),
            sign: SignMode::Assertion,
            valid_minutes: 5,
            require_signed_requests: false,
            sp_certs: Vec::new(),
            encrypt_for: None,
            fault: None,
        }
    }

    /// Where the IdP posts its responses: the ACS URL, or the planted wrong one.
    pub fn destination(&self) -> AcsUrl {
        self.fault
            .map_or_else(|| self.acs_url.clone(), |f| f.planted_acs(&self.acs_url))
    }

    /// JumpCloud's default attributes (SAML attribute name, directory attribute): email, firstName, lastName.
    pub fn default_attributes() -> Vec<(String, String)> {
        vec![
            ("email".into(), "email".into()),
            ("firstName".into(), "firstname".into()),
            ("lastName".into(), "lastname".into()),
        ]
    }

    /// Checks the bounds and names; called before every mint so a bad configuration never yields a response.
    pub fn check(&self) -> Result<(), MintError> {
        if self.valid_minutes == 0 || self.valid_minutes > MAX_VALID_MINUTES {
            return Err(MintError::BadValidity(self.valid_minutes));
        }
        if self.attributes.len() + self.constants.len() > MAX_ATTRIBUTES {
            return Err(MintError::TooManyAttributes);
        }
        for (name, value) in self.attributes.iter().chain(&self.constants) {
            check_attribute(name, value)?;
        }
        for (name, src) in &self.attributes {
            if !DIRECTORY_ATTRIBUTES.contains(&src.as_str()) {
                return Err(MintError::UnknownSource {
                    name: name.clone(),
                    source_attr: src.clone(),
                });
            }
        }
        Ok(())
    }
}

fn check_attribute(name: &str, value: &str) -> Result<(), MintError> {
    let bad = |reason: &str| MintError::BadAttribute {
        name: name.chars().take(64).collect(),
        reason: reason.to_string(),
    };
    if name.trim().is_empty() {
        return Err(bad("the name is empty"));
    }
    if name.len() > MAX_ATTRIBUTE_NAME_LEN {
        return Err(bad("the name is too long (at most 256 characters)"));
    }
    if value.len() > MAX_ATTRIBUTE_VALUE_LEN {
        return Err(bad("the value is too long (at most 1024 characters)"));
    }
    if name.chars().chain(value.chars()).any(char::is_control) {
        return Err(bad("it contains a control character or line break"));
    }
    Ok(())
}

/// Parses `NAME=VALUE` (a constant attribute, as given on the command line).
pub fn parse_constant(raw: &str) -> Result<(String, String), MintError> {
    let (name, value) = raw.split_once('=').ok_or_else(|| MintError::BadAttribute {
        name: raw.chars().take(64).collect(),
        reason: "write it as NAME=VALUE".to_string(),
    })?;
    check_attribute(name.trim(), value)?;
    Ok((name.trim().to_string(), value.to_string()))
}

/// Whether `id` may be echoed as InResponseTo: an NCName-like XML ID, bounded.
pub fn check_request_id(id: &str) -> Result<(), MintError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(MintError::BadRequestId(format!(
            "{:?}",
            id.chars().take(64).collect::<String>()
        )))
    }
}

/// The protocol layer's escaper, re-exported where the wizard's reports import it.
pub use ssopilot_saml::escape::escape;

/// A fresh XML ID: `_` and 40 hex digits.
pub fn new_id() -> Result<String, MintError> {
    let mut b = [0u8; 20];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| MintError::Random)?;
    let mut s = String::from("_");
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    Ok(s)
}

fn ts(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn directory_value(user: &User, email: &str, source: &str) -> String {
    match source {
        "email" => email.to_string(),
        "firstname" => user.first_name.clone(),
        "lastname" => user.last_name.clone(),
        "fullname" => format!("{} {}", user.first_name, user.last_name),
        _ => String::new(),
    }
}

/// The signed Response XML for `user` logging in to `app`; `request_id` is the AuthnRequest's ID (SP-initiated) or
/// `None` (IdP-initiated, no InResponseTo).
pub fn mint(
    app: &App,
    user: &User,
    request_id: Option<&str>,
    key: &IdpKey,
    now: OffsetDateTime,
) -> Result<String, MintError> {
    app.check()?;
    if let Some(id) = request_id {
        check_request_id(id)?;
    }
    let fault = app.fault;
    if fault == Some(Fault::StatusResponder) {
        return responder(app, request_id, key, now);
    }
    let now = now + fault.map_or(Duration::ZERO, Fault::idp_clock_offset);
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let response_id = new_id()?;
    let assertion_id = new_id()?;
    let not_after = now + Duration::minutes(i64::from(app.valid_minutes));
    let email = if fault.is_some_and(Fault::keeps_email_case) {
        user.email.clone()
    } else {
        user.email_as_sent()
    };
    // The persistent NameID the fault sends: an opaque, stable ID of the user, as IdPs make them.
    let name_id = if fault == Some(Fault::NameidFormat) {
        let d = ring::digest::digest(&ring::digest::SHA256, user.email_as_sent().as_bytes());
        let hex: String = d
            .as_ref()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("u{hex}")
    } else {
        email.clone()
    };
    let audience = fault.map_or_else(
        || app.sp_entity_id.clone(),
        |f| f.planted_audience(&app.sp_entity_id),
    );
    let idp = escape(app.idp_entity_id.as_str());
    let acs = escape(app.destination().as_str());
    let irt = request_id
        .map(|id| format!(" InResponseTo=\"{}\"", escape(id)))
        .unwrap_or_default();
    let mut attrs = String::new();
    let values = app
        .attributes
        .iter()
        .map(|(n, src)| (n.as_str(), directory_value(user, &email, src)))
        .chain(app.constants.iter().map(|(n, v)| (n.as_str(), v.clone())));
    for (name, value) in values {
        attrs.push_str(&format!(
            "<saml2:Attribute Name=\"{}\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified\"><saml2:AttributeValue xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"xs:string\">{}</saml2:AttributeValue></saml2:Attribute>",
            escape(name),
            escape(&value)
        ));
    }
    let attribute_statement = if attrs.is_empty() {
        String::new()
    } else {
        format!("<saml2:AttributeStatement>{attrs}</saml2:AttributeStatement>")
    };
    let xml = format!(
        concat!(
            "<saml2p:Response xmlns:saml2p=\"urn:oasis:names:tc:SAML:2.0:protocol\" Destination=\"{acs}\" ID=\"{rid}\"{irt} IssueInstant=\"{now}\" Version=\"2.0\">",
            "<saml2:Issuer xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\">{idp}</saml2:Issuer>",
            "<saml2p:Status><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></saml2p:Status>",
            "<saml2:Assertion xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{aid}\" IssueInstant=\"{now}\" Version=\"2.0\">",
            "<saml2:Issuer>{idp}</saml2:Issuer>",
            "<saml2:Subject><saml2:NameID Format=\"{fmt}\">{email}</saml2:NameID>",
            "<saml2:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"><saml2:SubjectConfirmationData{irt} NotOnOrAfter=\"{after}\" Recipient=\"{acs}\"/></saml2:SubjectConfirmation></saml2:Subject>",
            "<saml2:Conditions NotBefore=\"{now}\" NotOnOrAfter=\"{after}\"><saml2:AudienceRestriction><saml2:Audience>{sp}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>",
            "<saml2:AuthnStatement AuthnInstant=\"{now}\" SessionIndex=\"{aid}\"><saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>",
            "{attrs}</saml2:Assertion></saml2p:Response>"
        ),
        acs = acs,
        rid = response_id,
        irt = irt,
        now = ts(now),
        idp = idp,
        aid = assertion_id,
        fmt = app.name_id_format,
        email = escape(&name_id),
        after = ts(not_after),
        sp = escape(audience.as_str()),
        attrs = attribute_statement,
    );
    // The `sha1` fault signs with a key that signs RSA-SHA1 only; every other response with the IdP's own.
    let legacy = match fault {
        Some(Fault::Sha1) => Some(
            SigningKey::legacy_rsa_sha1_from_pkcs8(key.pkcs8())
                .map_err(|e| MintError::Sign(e.to_string()))?,
        ),
        _ => None,
    };
    let (signer, alg) = match &legacy {
        Some(k) => (k, SignatureAlgorithm::RsaSha1),
        None => (key.signing_key(), SignatureAlgorithm::RsaSha256),
    };
    let sign = |xml: &str, id: &str| {
        if fault == Some(Fault::Unsigned) {
            return Ok(xml.to_string());
        }
        sign_enveloped(xml, id, signer, key.cert_der(), alg)
            .map_err(|e| MintError::Sign(e.to_string()))
    };
    // The assertion is signed before it is encrypted (its signature is checked after decryption), the response
    // after (its signature covers the EncryptedAssertion).
    let xml = match app.sign {
        SignMode::Assertion | SignMode::Both => sign(&xml, &assertion_id)?,
        SignMode::Response => xml,
    };
    let xml = match &app.encrypt_for {
        Some(cert) => encrypt_assertion(&xml, cert)?,
        None => xml,
    };
    match app.sign {
        SignMode::Assertion => Ok(xml),
        SignMode::Response | SignMode::Both => sign(&xml, &response_id),
    }
}

/// `xml` with its (self-contained) assertion encrypted for `sp_cert`: AES-256-GCM content, RSA-OAEP key transport
/// (rsa-oaep-mgf1p), the EncryptedKey inside the EncryptedData's KeyInfo, as most IdPs send it.
fn encrypt_assertion(xml: &str, sp_cert: &[u8]) -> Result<String, MintError> {
    const OPEN: &str = "<saml2:Assertion ";
    const CLOSE: &str = "</saml2:Assertion>";
    let start = xml.find(OPEN);
    let end = xml.rfind(CLOSE).map(|e| e + CLOSE.len());
    let (Some(start), Some(end)) = (start, end) else {
        return Err(MintError::Encrypt(
            "the minted response has no assertion".into(),
        ));
    };
    let (Some(before), Some(assertion), Some(after)) =
        (xml.get(..start), xml.get(start..end), xml.get(end..))
    else {
        return Err(MintError::Encrypt(
            "the minted response has no assertion".into(),
        ));
    };
    let encrypted = ssopilot_saml::xmlenc::encrypt_element(
        &mut getrandom::SysRng,
        assertion,
        "EncryptedAssertion",
        sp_cert,
        ssopilot_saml::xmlenc::ContentCipher::Aes256Gcm,
        ssopilot_saml::xmlenc::KeyTransport::RSA_OAEP_MGF1P,
        ssopilot_saml::xmlenc::KeyPlacement::Inline,
    )
    .map_err(|e| MintError::Encrypt(e.to_string()))?;
    Ok(format!("{before}{encrypted}{after}"))
}

/// The signed answer to an `IsPassive="true"` AuthnRequest the IdP cannot meet without asking the user: a Response
/// with no assertion and the status Responder / NoPassive (SAML core 3.4.1, 3.2.2.2).
pub fn no_passive(
    app: &App,
    request_id: &str,
    key: &IdpKey,
    now: OffsetDateTime,
) -> Result<String, MintError> {
    app.check()?;
    check_request_id(request_id)?;
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let response_id = new_id()?;
    let xml = format!(
        concat!(
            "<saml2p:Response xmlns:saml2p=\"urn:oasis:names:tc:SAML:2.0:protocol\" Destination=\"{acs}\" ID=\"{rid}\" InResponseTo=\"{irt}\" IssueInstant=\"{now}\" Version=\"2.0\">",
            "<saml2:Issuer xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\">{idp}</saml2:Issuer>",
            "<saml2p:Status><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Responder\"><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:NoPassive\"/></saml2p:StatusCode>",
            "<saml2p:StatusMessage>The demo IdP always asks for the password, so it cannot sign the user in passively (IsPassive=\"true\").</saml2p:StatusMessage></saml2p:Status>",
            "</saml2p:Response>"
        ),
        acs = escape(app.acs_url.as_str()),
        rid = response_id,
        irt = escape(request_id),
        now = ts(now),
        idp = escape(app.idp_entity_id.as_str()),
    );
    sign_enveloped(
        &xml,
        &response_id,
        key.signing_key(),
        key.cert_der(),
        SignatureAlgorithm::RsaSha256,
    )
    .map_err(|e| MintError::Sign(e.to_string()))
}

/// The signed Responder answer of the `status-responder` fault: no assertion, the IdP's own words in
/// StatusMessage (as IdPs answer when an application's configuration cannot be used).
fn responder(
    app: &App,
    request_id: Option<&str>,
    key: &IdpKey,
    now: OffsetDateTime,
) -> Result<String, MintError> {
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let response_id = new_id()?;
    let irt = request_id
        .map(|id| format!(" InResponseTo=\"{}\"", escape(id)))
        .unwrap_or_default();
    let xml = format!(
        concat!(
            "<saml2p:Response xmlns:saml2p=\"urn:oasis:names:tc:SAML:2.0:protocol\" Destination=\"{acs}\" ID=\"{rid}\"{irt} IssueInstant=\"{now}\" Version=\"2.0\">",
            "<saml2:Issuer xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\">{idp}</saml2:Issuer>",
            "<saml2p:Status><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Responder\"/>",
            "<saml2p:StatusMessage>{msg}</saml2p:StatusMessage></saml2p:Status>",
            "</saml2p:Response>"
        ),
        acs = escape(app.destination().as_str()),
        rid = response_id,
        irt = irt,
        now = ts(now),
        idp = escape(app.idp_entity_id.as_str()),
        msg = RESPONDER_MESSAGE,
    );
    sign_enveloped(
        &xml,
        &response_id,
        key.signing_key(),
        key.cert_der(),
        SignatureAlgorithm::RsaSha256,
    )
    .map_err(|e| MintError::Sign(e.to_string()))
}

/// What the demo IdP says in the `status-responder` fault's StatusMessage.
pub const RESPONDER_MESSAGE: &str =
    "Unable to issue an assertion: the application's SAML settings are incomplete (no attribute statement could be built). Contact your administrator.";

/// The value of the SAMLResponse form field, as a browser POSTs it (base64 of the XML).
pub fn post_value(xml: &str) -> String {
    B64.encode(xml.as_bytes())
}

/// The IdP metadata: its entity ID, signing certificate, NameID formats and SSO endpoint (both bindings).
pub fn metadata(idp_entity_id: &EntityId, sso_url: &str, key: &IdpKey) -> String {
    metadata_for(idp_entity_id, sso_url, key, false)
}

/// [`metadata`] of one application: `want_authn_requests_signed` when it requires signed AuthnRequests, so an SP
/// that reads the metadata signs them (SAML metadata 2.4.3).
pub fn metadata_for(
    idp_entity_id: &EntityId,
    sso_url: &str,
    key: &IdpKey,
    want_authn_requests_signed: bool,
) -> String {
    metadata_with_keys(idp_entity_id, sso_url, &[key], want_authn_requests_signed)
}

/// [`metadata_for`] listing every certificate in `keys`, one signing KeyDescriptor each: during a key rotation the
/// current and the next certificate are both published, so SPs that read the metadata trust both before the switch.
pub fn metadata_with_keys(
    idp_entity_id: &EntityId,
    sso_url: &str,
    keys: &[&IdpKey],
    want_authn_requests_signed: bool,
) -> String {
    let descriptors: String = keys
        .iter()
        .map(|k| {
            format!(
                concat!(
                    "    <md:KeyDescriptor use=\"signing\">\n",
                    "      <ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\n",
                    "    </md:KeyDescriptor>\n",
                ),
                cert = k.cert_base64()
            )
        })
        .collect();
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{id}\">\n",
            "  <md:IDPSSODescriptor WantAuthnRequestsSigned=\"{want}\" protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n",
            "{descriptors}",
            "    <md:NameIDFormat>{email}</md:NameIDFormat>\n",
            "    <md:SingleSignOnService Binding=\"{redirect}\" Location=\"{sso}\"/>\n",
            "    <md:SingleSignOnService Binding=\"{post}\" Location=\"{sso}\"/>\n",
            "  </md:IDPSSODescriptor>\n",
            "</md:EntityDescriptor>\n"
        ),
        id = escape(idp_entity_id.as_str()),
        descriptors = descriptors,
        email = NAMEID_EMAIL,
        redirect = BINDING_REDIRECT,
        post = BINDING_POST,
        sso = escape(sso_url),
        want = want_authn_requests_signed,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_modes_parse() {
        assert_eq!("Both".parse::<SignMode>().unwrap(), SignMode::Both);
        assert!("all".parse::<SignMode>().is_err());
    }

    #[test]
    fn request_ids_are_checked() {
        assert!(check_request_id("_abc-1.2").is_ok());
        assert!(check_request_id("id\"><x").is_err());
        assert!(check_request_id("1abc").is_err());
        assert!(check_request_id(&"a".repeat(257)).is_err());
    }

    #[test]
    fn constants_parse() {
        assert_eq!(
            parse_constant("role=admin=yes").unwrap(),
            ("role".to_string(), "admin=yes".to_string())
        );
        assert!(parse_constant("novalue").is_err());
        assert!(parse_constant("=x").is_err());
    }

    #[test]
    fn encrypt_assertions_hides_the_assertion_and_our_validator_opens_it_in_every_sign_mode() {
        use ssopilot_saml::response::{validate, DecryptionKey, Expect, Policy};
        let key = IdpKey::generate_ephemeral().unwrap();
        let sp_key = IdpKey::generate_ephemeral().unwrap();
        let dir = super::super::directory::Directory::demo().unwrap();
        let user = dir.users().next().unwrap();
        let now = time::macros::datetime!(2026-11-25 12:00 UTC);
        let idp = EntityId::parse("http://127.0.0.1:8740/metadata", "IdP").unwrap();
        let sp = EntityId::parse("https://sp.example.com", "SP").unwrap();
        let acs = AcsUrl::parse("https://sp.example.com/acs", "ACS").unwrap();
        for sign in [SignMode::Assertion, SignMode::Response, SignMode::Both] {
            let mut app = App::new(sp.clone(), acs.clone(), idp.clone());
            app.sign = sign;
            app.encrypt_for = Some(sp_key.cert_der().to_vec());
            let xml = mint(&app, user, Some("_req1"), &key, now).unwrap();
            assert!(xml.contains("<saml:EncryptedAssertion"), "{sign}");
            assert!(!xml.contains("<saml2:Assertion") && !xml.contains(&user.email_as_sent()));
            let mut p = Policy::new(
                idp.clone(),
                vec![key.cert_der().to_vec()],
                sp.clone(),
                acs.clone(),
                now,
            );
            p.expect = Expect::Request("_req1".into());
            p.decryption_keys = vec![DecryptionKey::from_pkcs8_der(sp_key.pkcs8()).unwrap()];
            let r = validate(xml.as_bytes(), &p);
            assert!(r.valid(), "{sign}: {:?}", r.failed());
            assert!(r.encrypted().assertion);
            assert_eq!(r.name_id(), Some(user.email_as_sent().as_str()));
            assert_eq!(r.signed().assertion, sign != SignMode::Response, "{sign}");
            assert_eq!(r.signed().response, sign != SignMode::Assertion, "{sign}");
            // Another SP's key does not open it.
            p.decryption_keys = vec![DecryptionKey::from_pkcs8_der(key.pkcs8()).unwrap()];
            assert_eq!(validate(xml.as_bytes(), &p).failed(), vec!["decryption"]);
        }
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
    }
}
