//! The SP's own metadata, for the IdP to import: its entity ID, ACS endpoints, NameID format, and the certificates
//! the IdP needs (the one that checks signed AuthnRequests, the one it encrypts assertions for).

use std::fmt::Write as _;

use time::OffsetDateTime;

use super::{Binding, MetadataError, MD_NS, SAML2_PROTOCOL};
use crate::cert;
use crate::escape::escape;
use crate::values::{AcsUrl, EntityId};
use crate::xmldsig::DS_NS;

/// The SP's certificates (DER) its metadata publishes.
#[derive(Debug, Clone, Copy, Default)]
pub struct SpKeys<'a> {
    /// `KeyDescriptor use="signing"`: checks the SP's signed AuthnRequests.
    pub signing: Option<&'a [u8]>,
    /// `AuthnRequestsSigned="true"` (only with a signing certificate).
    pub signs_requests: bool,
    /// `KeyDescriptor use="encryption"`, with the `EncryptionMethod`s [`crate::xmlenc`] opens
    /// ([`crate::xmlenc::SP_METADATA_METHODS`]): what the IdP encrypts assertions for.
    pub encryption: Option<&'a [u8]>,
}

/// SP metadata for the IdP to import: one EntityDescriptor with an SPSSODescriptor (SAML 2.0), the SP's
/// certificate for signing when given, the NameID format when given, and the ACS endpoints in order, indexed from
/// 0, the first one the default. Valid against the OASIS SAML 2.0 metadata schema when `acs` is not empty and
/// `nameid_format` is a URI: [`sp_metadata_checked`] refuses other input.
pub fn sp_metadata(
    entity_id: &EntityId,
    acs: &[(Binding, AcsUrl)],
    nameid_format: Option<&str>,
    cert_der: Option<&[u8]>,
) -> String {
    sp_metadata_signing(entity_id, acs, nameid_format, cert_der, false)
}

/// [`sp_metadata`] for an SP that signs its AuthnRequests with `cert_der`'s key when `authn_requests_signed`:
/// `AuthnRequestsSigned="true"` tells the IdP to expect (and lets it require) the signature the certificate checks.
pub fn sp_metadata_signing(
    entity_id: &EntityId,
    acs: &[(Binding, AcsUrl)],
    nameid_format: Option<&str>,
    cert_der: Option<&[u8]>,
    authn_requests_signed: bool,
) -> String {
    sp_metadata_keys(
        entity_id,
        acs,
        nameid_format,
        SpKeys {
            signing: cert_der,
            signs_requests: authn_requests_signed,
            encryption: None,
        },
    )
}

/// The certificate as metadata carries it: base64 in lines of 64, indented for the X509Certificate element.
fn wrapped_base64(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut wrapped = String::new();
    for (i, ch) in b64.chars().enumerate() {
        if i % 64 == 0 {
            wrapped.push_str("\n            ");
        }
        wrapped.push(ch);
    }
    wrapped
}

/// [`sp_metadata`] with every certificate of `keys`.
pub fn sp_metadata_keys(
    entity_id: &EntityId,
    acs: &[(Binding, AcsUrl)],
    nameid_format: Option<&str>,
    keys: SpKeys<'_>,
) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<md:EntityDescriptor xmlns:md=\"{MD_NS}\" entityID=\"{}\">",
        escape(entity_id.as_str())
    );
    let _ = writeln!(
        out,
        "  <md:SPSSODescriptor AuthnRequestsSigned=\"{}\" WantAssertionsSigned=\"true\" protocolSupportEnumeration=\"{SAML2_PROTOCOL}\">",
        keys.signs_requests && keys.signing.is_some()
    );
    let key_info = |der: &[u8]| {
        format!(
            "      <ds:KeyInfo xmlns:ds=\"{DS_NS}\">\n        <ds:X509Data>\n          <ds:X509Certificate>{}\n          </ds:X509Certificate>\n        </ds:X509Data>\n      </ds:KeyInfo>\n",
            wrapped_base64(der)
        )
    };
    if let Some(der) = keys.signing {
        let _ = write!(
            out,
            "    <md:KeyDescriptor use=\"signing\">\n{}    </md:KeyDescriptor>\n",
            key_info(der)
        );
    }
    if let Some(der) = keys.encryption {
        let methods: String = crate::xmlenc::SP_METADATA_METHODS
            .iter()
            .map(|uri| {
                format!(
                    "      <md:EncryptionMethod Algorithm=\"{}\"/>\n",
                    escape(uri)
                )
            })
            .collect();
        let _ = write!(
            out,
            "    <md:KeyDescriptor use=\"encryption\">\n{}{methods}    </md:KeyDescriptor>\n",
            key_info(der)
        );
    }
    if let Some(f) = nameid_format {
        let _ = writeln!(
            out,
            "    <md:NameIDFormat>{}</md:NameIDFormat>",
            escape(f.trim())
        );
    }
    for (i, (binding, url)) in acs.iter().enumerate() {
        let _ = writeln!(
            out,
            "    <md:AssertionConsumerService Binding=\"{}\" Location=\"{}\" index=\"{i}\"{}/>",
            escape(binding.uri()),
            escape(url.as_str()),
            if i == 0 { " isDefault=\"true\"" } else { "" }
        );
    }
    out.push_str("  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n");
    out
}

/// [`sp_metadata`] after checking what the schema and the IdP need: at least one ACS URL, a NameID format that is
/// a URI, and a certificate the doctor can read (an expired one is still exported: the SP decides).
pub fn sp_metadata_checked(
    entity_id: &EntityId,
    acs: &[(Binding, AcsUrl)],
    nameid_format: Option<&str>,
    cert_der: Option<&[u8]>,
    now: OffsetDateTime,
) -> Result<String, MetadataError> {
    if acs.is_empty() {
        return Err(MetadataError::NoAcsUrl);
    }
    if let Some(f) = nameid_format {
        let f = f.trim();
        if f.is_empty() || f.chars().any(char::is_whitespace) || !f.contains(':') {
            return Err(MetadataError::BadNameIdFormat(f.to_string()));
        }
    }
    if let Some(der) = cert_der {
        let report = cert::check(der, now);
        if report.der().is_none() {
            let why = report
                .first_error()
                .map(|f| f.message.clone())
                .unwrap_or_else(|| "it is not a certificate".into());
            return Err(MetadataError::BadSpCertificate(why));
        }
    }
    Ok(sp_metadata(entity_id, acs, nameid_format, cert_der))
}
