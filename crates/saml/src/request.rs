//! The AuthnRequest that starts an SP-initiated login, and how a browser carries it to the IdP.
//!
//! Pure: the request ID and the moment are parameters, and signing takes a key the caller holds. Two bindings:
//! HTTP-Redirect (raw DEFLATE, base64, URL-encoded in the SSO URL's query; signed over the query string itself,
//! SAML bindings 3.4.4.1) and HTTP-POST (plain base64 in an auto-submitting form; signed with an enveloped XML
//! signature right after the Issuer, as SAML core 5.4 places it). Many IdPs require signed requests
//! (`WantAuthnRequestsSigned="true"`), and some accept only one binding, so the test SP needs all four shapes.

use std::io::Write as _;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::escape::escape;
use crate::metadata::Binding;
use crate::response::{SAMLP_NS, SAML_NS};
use crate::values::{AcsUrl, EntityId, IdpUrl};
use crate::xmldsig::{sign_enveloped, SignatureAlgorithm, SigningKey, XmlDsigError};

/// The longest RelayState SAML bindings 3.4.3 / 3.5.3 allow (bytes).
pub const MAX_RELAY_STATE: usize = 80;
/// Longest request ID we make or accept (it is echoed in every response).
pub const MAX_REQUEST_ID: usize = 256;
/// The one script of the POST binding's page: submits the form on load. A page serving [`PostForm::html`] allows
/// exactly this script through [`auto_submit_csp_source`].
pub const AUTO_SUBMIT_SCRIPT: &str = "document.forms[0].submit();";

/// How the AuthnRequest travels to the IdP's SSO service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestBinding {
    /// In the URL's query (DEFLATE, base64): the one most IdPs list first.
    #[default]
    Redirect,
    /// In an auto-submitted form (base64): for IdPs that list only HTTP-POST, or long requests.
    Post,
}

impl RequestBinding {
    /// The metadata binding it is.
    pub fn metadata(self) -> Binding {
        match self {
            Self::Redirect => Binding::HttpRedirect,
            Self::Post => Binding::HttpPost,
        }
    }

    /// The name portals show ("HTTP-Redirect").
    pub fn short(self) -> &'static str {
        match self {
            Self::Redirect => "HTTP-Redirect",
            Self::Post => "HTTP-POST",
        }
    }
}

/// Why a request could not be made. None depends on the IdP: each is a caller's or a key's problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the request ID \"{0}\" is not an XML ID (a letter or '_' then letters, digits, '_', '-', '.'; at most 256 characters)")]
    BadId(String),
    #[error("the RelayState is {0} bytes long; SAML allows at most {MAX_RELAY_STATE}: use a shorter one")]
    RelayStateTooLong(usize),
    #[error("the AuthnRequest could not be compressed for the HTTP-Redirect binding: {0}")]
    Deflate(String),
    #[error("the AuthnRequest could not be signed: {0}")]
    Sign(#[from] XmlDsigError),
    #[error("the AuthnRequest to sign has no ID on its root element")]
    NoRootId,
}

/// What an AuthnRequest says: who asks (Issuer), where the response must go (an HTTP-POST to the ACS URL), and
/// which SSO URL it is sent to (Destination, which IdPs compare with their own).
#[derive(Debug, Clone)]
pub struct AuthnRequest<'a> {
    /// The ID the response must answer (InResponseTo): random, made by the caller.
    pub id: &'a str,
    pub issuer: &'a EntityId,
    pub acs_url: &'a AcsUrl,
    pub destination: &'a IdpUrl,
    pub issue_instant: OffsetDateTime,
    /// Ask the IdP not to interact with the user (SAML core 3.4.1): it must answer NoPassive if it would have to.
    pub is_passive: bool,
}

fn check_id(id: &str) -> Result<(), RequestError> {
    let mut chars = id.chars();
    let ok = id.len() <= MAX_REQUEST_ID
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(RequestError::BadId(id.chars().take(64).collect()))
    }
}

impl AuthnRequest<'_> {
    /// The request's XML: asks for an HTTP-POST response at the ACS URL, with the issuer's entity ID as Issuer.
    pub fn xml(&self) -> Result<String, RequestError> {
        check_id(self.id)?;
        let now = self.issue_instant;
        let instant = now
            .replace_nanosecond(0)
            .unwrap_or(now)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let passive = if self.is_passive {
            " IsPassive=\"true\""
        } else {
            ""
        };
        Ok(format!(
            "<samlp:AuthnRequest xmlns:samlp=\"{SAMLP_NS}\" xmlns:saml=\"{SAML_NS}\" ID=\"{}\" Version=\"2.0\" IssueInstant=\"{}\" Destination=\"{}\" AssertionConsumerServiceURL=\"{}\" ProtocolBinding=\"{}\"{passive}><saml:Issuer>{}</saml:Issuer><samlp:NameIDPolicy AllowCreate=\"true\"/></samlp:AuthnRequest>",
            escape(self.id),
            escape(&instant),
            escape(self.destination.as_str()),
            escape(self.acs_url.as_str()),
            Binding::POST_URI,
            escape(self.issuer.as_str()),
        ))
    }
}

/// The SP's request-signing key and its certificate (which goes into the POST binding's KeyInfo; the IdP trusts
/// the one it was configured with). Signs with RSA-SHA256.
#[derive(Debug, Clone, Copy)]
pub struct RequestSigner<'a> {
    pub key: &'a SigningKey,
    pub cert_der: &'a [u8],
}

/// The signature algorithm of signed requests: RSA-SHA256 (SHA-1 is never produced).
pub const SIGNATURE_ALGORITHM: SignatureAlgorithm = SignatureAlgorithm::RsaSha256;

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn check_relay(relay_state: Option<&str>) -> Result<(), RequestError> {
    match relay_state {
        Some(r) if r.len() > MAX_RELAY_STATE => Err(RequestError::RelayStateTooLong(r.len())),
        _ => Ok(()),
    }
}

/// The HTTP-Redirect binding: the SSO URL (its own query kept) with `SAMLRequest` (raw
/// DEFLATE, base64, URL-encoded), then `RelayState`, and when `signer` is given `SigAlg` and `Signature`, the
/// signature made over exactly `SAMLRequest=..&RelayState=..&SigAlg=..` as they appear in the URL.
pub fn redirect_url(
    sso_url: &IdpUrl,
    xml: &str,
    relay_state: Option<&str>,
    signer: Option<RequestSigner<'_>>,
) -> Result<String, RequestError> {
    check_relay(relay_state)?;
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(xml.as_bytes())
        .map_err(|e| RequestError::Deflate(e.to_string()))?;
    let deflated = enc
        .finish()
        .map_err(|e| RequestError::Deflate(e.to_string()))?;
    let mut query = format!("SAMLRequest={}", url_encode(&B64.encode(deflated)));
    if let Some(r) = relay_state {
        query.push_str("&RelayState=");
        query.push_str(&url_encode(r));
    }
    if let Some(s) = signer {
        query.push_str("&SigAlg=");
        query.push_str(&url_encode(SIGNATURE_ALGORITHM.uri()));
        let signature = s.key.sign(SIGNATURE_ALGORITHM, query.as_bytes())?;
        query.push_str("&Signature=");
        query.push_str(&url_encode(&B64.encode(signature)));
    }
    let base = sso_url.as_str();
    let sep = match base.split_once('?') {
        None => "?",
        Some((_, q)) if q.is_empty() || q.ends_with('&') => "",
        Some(_) => "&",
    };
    Ok(format!("{base}{sep}{query}"))
}

/// The HTTP-POST binding's form: where it goes and what it carries (values not yet HTML-escaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostForm {
    /// The IdP's SSO URL.
    pub action: String,
    /// base64 of the (signed, when asked) AuthnRequest XML: no DEFLATE on this binding.
    pub saml_request: String,
    pub relay_state: Option<String>,
}

impl PostForm {
    /// A whole page that posts the form on load (a Continue button without script), allowed by a CSP whose
    /// `script-src` is [`auto_submit_csp_source`].
    pub fn html(&self) -> String {
        let relay = self
            .relay_state
            .as_deref()
            .map(|r| {
                format!(
                    "<input type=\"hidden\" name=\"RelayState\" value=\"{}\">",
                    escape(r)
                )
            })
            .unwrap_or_default();
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sending the sign-in request - SSO Pilot</title></head><body><p>Sending the sign-in request to the identity provider...</p><form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"SAMLRequest\" value=\"{}\">{relay}<noscript><p>JavaScript is off: press Continue.</p></noscript><button type=\"submit\">Continue</button></form><script>{AUTO_SUBMIT_SCRIPT}</script></body></html>",
            escape(&self.action),
            escape(&self.saml_request),
        )
    }
}

/// The CSP source that allows [`AUTO_SUBMIT_SCRIPT`] and nothing else: `'sha256-...'`.
pub fn auto_submit_csp_source() -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, AUTO_SUBMIT_SCRIPT.as_bytes());
    format!("'sha256-{}'", B64.encode(digest.as_ref()))
}

/// The HTTP-POST binding: the request, signed with an enveloped signature after its Issuer when `signer` is given,
/// base64-encoded into a form for the SSO URL.
pub fn post_form(
    sso_url: &IdpUrl,
    xml: &str,
    relay_state: Option<&str>,
    signer: Option<RequestSigner<'_>>,
) -> Result<PostForm, RequestError> {
    check_relay(relay_state)?;
    let xml = match signer {
        None => xml.to_string(),
        Some(s) => {
            let doc = crate::xml::parse(xml).map_err(XmlDsigError::from)?;
            let id = doc
                .element(doc.root())
                .and_then(|e| e.attr("ID"))
                .ok_or(RequestError::NoRootId)?
                .to_string();
            sign_enveloped(xml, &id, s.key, s.cert_der, SIGNATURE_ALGORITHM)?
        }
    };
    Ok(PostForm {
        action: sso_url.as_str().to_string(),
        saml_request: B64.encode(xml.as_bytes()),
        relay_state: relay_state.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binding;
    use std::sync::OnceLock;

    const SP: &str = "urn:ssopilot:test-sp";

    /// (PKCS#8 key, certificate DER): generated once, slow in debug builds.
    fn key() -> &'static (Vec<u8>, Vec<u8>) {
        static K: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
        K.get_or_init(|| {
            let idp = ssopilot_testkit::response_support::rsa_idp();
            (idp.key_pkcs8.clone(), idp.cert_der.clone())
        })
    }

    fn values() -> (EntityId, AcsUrl, IdpUrl) {
        (
            EntityId::parse(SP, "SP").unwrap(),
            AcsUrl::parse("http://127.0.0.1:9/acs", "ACS").unwrap(),
            IdpUrl::parse("https://idp.example.com/sso?x=1", "SSO").unwrap(),
        )
    }

    fn request_xml(passive: bool) -> String {
        let (sp, acs, sso) = values();
        AuthnRequest {
            id: "_abc",
            issuer: &sp,
            acs_url: &acs,
            destination: &sso,
            issue_instant: OffsetDateTime::UNIX_EPOCH,
            is_passive: passive,
        }
        .xml()
        .unwrap()
    }

    fn public_key(cert: &[u8]) -> Vec<u8> {
        let (_, c) = x509_parser::parse_x509_certificate(cert).unwrap();
        c.public_key().subject_public_key.data.to_vec()
    }

    #[test]
    fn the_request_says_who_asks_and_where_to_answer() {
        let xml = request_xml(false);
        let doc = crate::xml::parse(&xml).unwrap();
        let root = doc.element(doc.root()).unwrap();
        assert!(root.is(SAMLP_NS, "AuthnRequest"));
        assert_eq!(root.attr("ID"), Some("_abc"));
        assert_eq!(root.attr("IssueInstant"), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            root.attr("AssertionConsumerServiceURL"),
            Some("http://127.0.0.1:9/acs")
        );
        assert_eq!(root.attr("ProtocolBinding"), Some(Binding::POST_URI));
        assert_eq!(root.attr("IsPassive"), None);
        assert!(xml.contains(&format!("<saml:Issuer>{SP}</saml:Issuer>")));
        let passive = request_xml(true);
        let doc = crate::xml::parse(&passive).unwrap();
        assert_eq!(
            doc.element(doc.root()).unwrap().attr("IsPassive"),
            Some("true")
        );
        let (sp, acs, sso) = values();
        for bad in ["1abc", "a\"b", ""] {
            let r = AuthnRequest {
                id: bad,
                issuer: &sp,
                acs_url: &acs,
                destination: &sso,
                issue_instant: OffsetDateTime::UNIX_EPOCH,
                is_passive: false,
            };
            assert!(matches!(r.xml(), Err(RequestError::BadId(_))), "{bad}");
        }
    }

    #[test]
    fn unsigned_redirect_keeps_the_sso_query_and_inflates_back() {
        let (_, _, sso) = values();
        let xml = request_xml(false);
        let url = redirect_url(&sso, &xml, Some("a b/c"), None).unwrap();
        assert!(
            url.starts_with("https://idp.example.com/sso?x=1&SAMLRequest="),
            "{url}"
        );
        assert!(!url.contains("SigAlg"));
        let query = url.split_once('?').unwrap().1;
        let p = binding::saml_params(query).unwrap();
        assert_eq!(
            binding::decode_redirect(&p.saml_request.unwrap().value, 1 << 16).unwrap(),
            xml
        );
        assert_eq!(p.relay_state.unwrap().value, "a b/c");
        let long = "r".repeat(MAX_RELAY_STATE + 1);
        assert_eq!(
            redirect_url(&sso, &xml, Some(&long), None),
            Err(RequestError::RelayStateTooLong(81))
        );
        let bare = IdpUrl::parse("https://idp.example.com/sso", "SSO").unwrap();
        assert!(redirect_url(&bare, &xml, None, None)
            .unwrap()
            .starts_with("https://idp.example.com/sso?SAMLRequest="));
    }

    #[test]
    fn signed_redirect_signs_the_query_as_sent_in_the_bindings_order() {
        let (pkcs8, cert) = key();
        let signing = SigningKey::rsa_from_pkcs8(pkcs8).unwrap();
        let signer = RequestSigner {
            key: &signing,
            cert_der: cert,
        };
        let (_, _, sso) = values();
        let url = redirect_url(&sso, &request_xml(false), Some("state=1&x"), Some(signer)).unwrap();
        let query = url.split_once('?').unwrap().1;
        let p = binding::saml_params(query).unwrap();
        let (req, relay, alg, sig) = (
            p.saml_request.unwrap(),
            p.relay_state.unwrap(),
            p.sig_alg.unwrap(),
            p.signature.unwrap(),
        );
        assert_eq!(
            alg.value,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
        );
        assert_eq!(relay.value, "state=1&x");
        // The order of SAML bindings 3.4.4.1, over the URL-encoded values exactly as they are in the URL.
        let signed = format!(
            "SAMLRequest={}&RelayState={}&SigAlg={}",
            req.raw, relay.raw, alg.raw
        );
        assert!(query.contains(&format!("{signed}&Signature=")), "{query}");
        let sig_bytes = B64.decode(&sig.value).unwrap();
        let pk = public_key(cert);
        let verifier = ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            &pk,
        );
        assert!(verifier.verify(signed.as_bytes(), &sig_bytes).is_ok());
        // Another RelayState is not covered by this signature.
        let other = signed.replace(relay.raw, "other");
        assert!(verifier.verify(other.as_bytes(), &sig_bytes).is_err());
        // Without RelayState the signed text has none either.
        let url = redirect_url(&sso, &request_xml(false), None, Some(signer)).unwrap();
        let p = binding::saml_params(url.split_once('?').unwrap().1).unwrap();
        let signed = format!(
            "SAMLRequest={}&SigAlg={}",
            p.saml_request.unwrap().raw,
            p.sig_alg.unwrap().raw
        );
        let sig_bytes = B64.decode(p.signature.unwrap().value).unwrap();
        assert!(verifier.verify(signed.as_bytes(), &sig_bytes).is_ok());
    }

    #[test]
    fn post_form_is_plain_base64_and_signed_after_the_issuer() {
        let (_, _, sso) = values();
        let xml = request_xml(false);
        let form = post_form(&sso, &xml, Some("rs\"<"), None).unwrap();
        assert_eq!(B64.decode(&form.saml_request).unwrap(), xml.as_bytes());
        let html = form.html();
        assert!(html.contains("action=\"https://idp.example.com/sso?x=1\""));
        assert!(html.contains("value=\"rs&quot;&lt;\""), "{html}");
        assert!(html.contains(&format!("<script>{AUTO_SUBMIT_SCRIPT}</script>")));

        let (pkcs8, cert) = key();
        let signing = SigningKey::rsa_from_pkcs8(pkcs8).unwrap();
        let signer = RequestSigner {
            key: &signing,
            cert_der: cert,
        };
        let form = post_form(&sso, &xml, None, Some(signer)).unwrap();
        let signed = String::from_utf8(B64.decode(&form.saml_request).unwrap()).unwrap();
        assert!(
            signed.contains("</saml:Issuer><ds:Signature"),
            "the signature follows the Issuer: {signed}"
        );
        let doc = crate::xml::parse(&signed).unwrap();
        let sig = doc
            .children_named(doc.root(), crate::xmldsig::DS_NS, "Signature")
            .next()
            .unwrap();
        let v = crate::xmldsig::verify(&doc, sig, std::slice::from_ref(cert), false).unwrap();
        assert_eq!(v.signed_element, doc.root());
        let tampered = signed.replace("127.0.0.1:9", "127.0.0.1:8");
        let doc = crate::xml::parse(&tampered).unwrap();
        let sig = doc
            .children_named(doc.root(), crate::xmldsig::DS_NS, "Signature")
            .next()
            .unwrap();
        assert!(crate::xmldsig::verify(&doc, sig, std::slice::from_ref(cert), false).is_err());
    }

    #[test]
    fn the_csp_source_allows_exactly_the_auto_submit_script() {
        // The same hash the demo IdP's CSP names for the same line.
        assert_eq!(
            auto_submit_csp_source(),
            "'sha256-8lDeP0UDwCO6/RhblgeH/ctdBzjVpJxrXizsnIk3cEQ='"
        );
    }
}
