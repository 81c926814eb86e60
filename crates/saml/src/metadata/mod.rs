//! SAML 2.0 metadata: read an IdP's or SP's metadata (file, paste or URL) and write the SP's own.
//!
//! Metadata is how the two portals configure each other without hand copying. It comes from outside (a customer's
//! file, a URL), so it goes through the same hardened parser as responses ([`crate::xml`]: no DTD, no entities,
//! size and depth caps), every certificate goes through the certificate doctor, and a signature on the metadata is
//! only called `verified` against a certificate the caller supplies: a signature alone never earns trust.
//! Elements are matched by namespace URI and local name, never by prefix.

use serde::{Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::cert::{self, CertReport};
use crate::findings::{self, Code, Finding, Severity};
use crate::values::{AcsUrl, EntityId, IdpUrl};
use crate::xml::{self, Document, Limits, NodeId, XmlError};
use crate::xmldsig::{self, DS_NS};

mod read;
mod write;

use read::*;
pub use write::{sp_metadata, sp_metadata_checked, sp_metadata_keys, sp_metadata_signing, SpKeys};

/// The SAML 2.0 metadata namespace.
pub const MD_NS: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// The value a role's `protocolSupportEnumeration` must list for SAML 2.0.
pub const SAML2_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// Largest metadata accepted: 1 MiB, the same as the URL fetcher's cap (one entity's metadata is a few KB; only
/// federation aggregates are larger, and those are not what the wizard imports).
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;
/// Certificates examined per entity; more is reported, not examined.
pub const MAX_CERTIFICATES: usize = 16;
/// `validUntil` this close is a warning.
pub const EXPIRES_SOON: Duration = Duration::days(7);

/// A SAML binding: how messages travel to an endpoint. Serialises as its URN.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Binding {
    HttpRedirect,
    HttpPost,
    HttpArtifact,
    Soap,
    /// Any other binding, by its URN (kept so support staff see what the file says).
    Other(String),
}

impl Binding {
    pub const REDIRECT_URI: &'static str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
    pub const POST_URI: &'static str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
    pub const ARTIFACT_URI: &'static str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact";
    pub const SOAP_URI: &'static str = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";

    pub fn from_uri(uri: &str) -> Self {
        match uri {
            Self::REDIRECT_URI => Self::HttpRedirect,
            Self::POST_URI => Self::HttpPost,
            Self::ARTIFACT_URI => Self::HttpArtifact,
            Self::SOAP_URI => Self::Soap,
            other => Self::Other(other.to_string()),
        }
    }

    pub fn uri(&self) -> &str {
        match self {
            Self::HttpRedirect => Self::REDIRECT_URI,
            Self::HttpPost => Self::POST_URI,
            Self::HttpArtifact => Self::ARTIFACT_URI,
            Self::Soap => Self::SOAP_URI,
            Self::Other(u) => u,
        }
    }

    /// The name portals show ("HTTP-POST").
    pub fn short(&self) -> &str {
        match self {
            Self::HttpRedirect => "HTTP-Redirect",
            Self::HttpPost => "HTTP-POST",
            Self::HttpArtifact => "HTTP-Artifact",
            Self::Soap => "SOAP",
            Self::Other(u) => u,
        }
    }

    /// Browser bindings: the only ones the wizard's logins use.
    pub fn is_browser(&self) -> bool {
        matches!(self, Self::HttpRedirect | Self::HttpPost)
    }
}

impl Serialize for Binding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.uri())
    }
}

/// Which side an entity's metadata describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Idp,
    Sp,
}

impl Kind {
    fn descriptor(self) -> &'static str {
        match self {
            Kind::Idp => "IDPSSODescriptor",
            Kind::Sp => "SPSSODescriptor",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Kind::Idp => "identity provider (IdP)",
            Kind::Sp => "service provider (SP)",
        }
    }
}

/// A SingleSignOnService or SingleLogoutService endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    pub binding: Binding,
    pub url: String,
}

/// An AssertionConsumerService endpoint. `default` is the effective default (exactly one endpoint has it): the
/// one marked `isDefault="true"`, else the first not marked `false`, else the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcsEndpoint {
    pub binding: Binding,
    pub url: String,
    pub index: Option<u32>,
    pub default: bool,
}

/// What a certificate is for, from the KeyDescriptor's `use` (absent means both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyUse {
    Signing,
    Encryption,
    Both,
}

impl KeyUse {
    pub fn signs(self) -> bool {
        matches!(self, KeyUse::Signing | KeyUse::Both)
    }
}

/// One certificate of the metadata: the certificate doctor's report (its JSON unchanged) plus its `use`.
#[derive(Debug, Clone, Serialize)]
pub struct MetadataCert {
    #[serde(rename = "use")]
    pub key_use: KeyUse,
    #[serde(flatten)]
    pub report: CertReport,
}

/// The state of a signature on the metadata itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureStatus {
    /// The metadata is not signed.
    Absent,
    /// Signed, and the signature verified with a certificate the caller supplied.
    Verified,
    /// Signed, but no certificate was supplied to check it with: the signature earned no trust.
    NotVerified,
    /// Signed, and the signature does not verify (or is not acceptable): the metadata may have been changed.
    Invalid,
}

/// What the metadata findings can say. Each code has one fixed severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// validUntil is in the past.
    Expired,
    /// validUntil is within [`EXPIRES_SOON`].
    ExpiresSoon,
    /// validUntil is not a date and time.
    BadValidUntil,
    /// An IdP without a SingleSignOnService on HTTP-Redirect or HTTP-POST.
    NoSsoEndpoint,
    /// An SP without an AssertionConsumerService.
    NoAcs,
    /// An SSO or ACS endpoint URL that is not an absolute https URL (http only for loopback).
    BadEndpointUrl,
    /// An endpoint without Binding or Location: skipped.
    IncompleteEndpoint,
    /// An IdP without a signing certificate.
    NoSigningCertificate,
    /// An IdP whose signing certificates are all unusable (expired, weak, unreadable).
    NoUsableSigningCertificate,
    /// One certificate is not usable (others may be).
    CertificateProblem,
    /// More certificates than [`MAX_CERTIFICATES`]: the rest were not examined.
    TooManyCertificates,
    /// Several signing certificates: a key rotation; all are imported.
    SeveralSigningCertificates,
    /// The metadata signature verified.
    SignatureVerified,
    /// Signed, but not verified: no certificate supplied.
    SignatureNotVerified,
    /// The metadata signature does not verify.
    SignatureInvalid,
    /// A verified signature uses SHA-1.
    SignatureSha1,
    /// A Signature somewhere the metadata signature cannot be (inside a role): ignored.
    IgnoredSignature,
    /// The IdP wants signed AuthnRequests.
    WantsSignedRequests,
    /// The entity has both an IdP and an SP role; one was chosen.
    BothRoles,
    /// The entity ID is not what the wizard accepts as an entity ID (absolute https URL or URN).
    UnusualEntityId,
}

impl Code for FindingCode {
    fn as_str(self) -> &'static str {
        use FindingCode::*;
        match self {
            Expired => "expired",
            ExpiresSoon => "expires_soon",
            BadValidUntil => "bad_valid_until",
            NoSsoEndpoint => "no_sso_endpoint",
            NoAcs => "no_acs",
            BadEndpointUrl => "bad_endpoint_url",
            IncompleteEndpoint => "incomplete_endpoint",
            NoSigningCertificate => "no_signing_certificate",
            NoUsableSigningCertificate => "no_usable_signing_certificate",
            CertificateProblem => "certificate_problem",
            TooManyCertificates => "too_many_certificates",
            SeveralSigningCertificates => "several_signing_certificates",
            SignatureVerified => "signature_verified",
            SignatureNotVerified => "signature_not_verified",
            SignatureInvalid => "signature_invalid",
            SignatureSha1 => "signature_sha1",
            IgnoredSignature => "ignored_signature",
            WantsSignedRequests => "wants_signed_requests",
            BothRoles => "both_roles",
            UnusualEntityId => "unusual_entity_id",
        }
    }

    fn severity(self) -> Severity {
        use FindingCode::*;
        match self {
            Expired
            | BadValidUntil
            | NoSsoEndpoint
            | NoAcs
            | BadEndpointUrl
            | NoSigningCertificate
            | NoUsableSigningCertificate
            | SignatureInvalid => Severity::Error,
            ExpiresSoon | IncompleteEndpoint | CertificateProblem | TooManyCertificates
            | SignatureNotVerified | SignatureSha1 | IgnoredSignature | UnusualEntityId => {
                Severity::Warning
            }
            SeveralSigningCertificates | SignatureVerified | WantsSignedRequests | BothRoles => {
                Severity::Info
            }
        }
    }
}

/// Why the input could not be read as metadata at all (as opposed to findings about metadata that was read).
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    #[error("the metadata is empty: paste the whole file, from <?xml (or <md:EntityDescriptor) to the end")]
    Empty,
    #[error("the metadata was refused: {0}")]
    Refused(XmlError),
    #[error("this is not XML ({0}): SAML metadata is an XML file; check that you picked the metadata file the IdP exports, not a certificate or a web page")]
    NotXml(XmlError),
    #[error("this is a web page (HTML), not SAML metadata: the URL probably leads to a sign-in or download page; copy the metadata URL again from the provider's portal, or download the metadata file and import the file")]
    Html,
    #[error("this is XML but not SAML metadata: the document is <{found}>, and metadata starts with an EntityDescriptor or EntitiesDescriptor in the namespace {MD_NS}; use the provider's \"Export Metadata\" or metadata URL")]
    NotMetadata { found: String },
    #[error("the metadata describes no entity (the EntitiesDescriptor is empty)")]
    NoEntities,
    #[error("the metadata describes {} entities: choose one by its entity ID ({})", .ids.len(), .ids.join(", "))]
    SeveralEntities { ids: Vec<String> },
    #[error("the metadata has no entity \"{wanted}\"; it describes: {}", .ids.join(", "))]
    EntityNotFound { wanted: String, ids: Vec<String> },
    #[error("the entity ID \"{id}\" appears {count} times in the metadata: it is ambiguous, so nothing was imported")]
    DuplicateEntity { id: String, count: usize },
    #[error("an EntityDescriptor has no entityID attribute: the metadata is malformed")]
    MissingEntityId,
    #[error("{}", no_role_message(.entity, .wanted, .other_role))]
    NoRole {
        entity: String,
        wanted: Option<Kind>,
        other_role: bool,
    },
    #[error("SP metadata needs at least one ACS URL")]
    NoAcsUrl,
    #[error("the NameID format \"{0}\" is not a URI (for example urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress)")]
    BadNameIdFormat(String),
    #[error("the SP certificate cannot be used: {0}")]
    BadSpCertificate(String),
}

fn no_role_message(entity: &str, wanted: &Option<Kind>, other_role: &bool) -> String {
    let (words, descriptor) = match wanted {
        Some(k) => (k.words(), k.descriptor()),
        None => (
            "identity provider or service provider",
            "IDPSSODescriptor or SPSSODescriptor",
        ),
    };
    let other = if *other_role {
        "; it does have the other role: import it on the other side"
    } else {
        ""
    };
    format!("the entity \"{entity}\" has no SAML 2.0 {words} role ({descriptor}), so there is nothing to import{other}")
}

impl MetadataError {
    /// A stable snake_case name for scripts (`ssopilot metadata inspect --json` prints it as `error.code`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Refused(e) if e.is_limit() => "too_large",
            Self::Refused(_) => "unsafe_xml",
            Self::NotXml(_) => "not_xml",
            Self::Html => "html_page",
            Self::NotMetadata { .. } => "not_metadata",
            Self::NoEntities => "no_entities",
            Self::SeveralEntities { .. } => "several_entities",
            Self::EntityNotFound { .. } => "entity_not_found",
            Self::DuplicateEntity { .. } => "duplicate_entity",
            Self::MissingEntityId => "missing_entity_id",
            Self::NoRole { .. } => "no_role",
            Self::NoAcsUrl => "no_acs_url",
            Self::BadNameIdFormat(_) => "bad_nameid_format",
            Self::BadSpCertificate(_) => "bad_sp_certificate",
        }
    }
}

/// What the caller asks for and trusts.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The entity to read when the metadata describes several (required then).
    pub entity_id: Option<String>,
    /// The role to read when an entity has both; `None` prefers the IdP role.
    pub role: Option<Kind>,
    /// Certificates (DER) the metadata should be signed with. Empty: a signature is reported `not_verified`.
    pub signing_certs: Vec<Vec<u8>>,
    /// Accept a SHA-1 metadata signature (reported as a warning).
    pub allow_sha1: bool,
}

/// One entity of a metadata file, for a chooser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntitySummary {
    pub entity_id: String,
    /// Its SAML 2.0 roles, IdP first.
    pub roles: Vec<Kind>,
}

/// Everything read from one entity's metadata. Serialises to the JSON of `ssopilot metadata inspect --json`.
#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    /// No finding is an error: the metadata can be imported.
    pub usable: bool,
    pub kind: Kind,
    pub entity_id: String,
    /// Every entity ID in the file (one for a plain EntityDescriptor).
    pub entities: Vec<String>,
    /// IdP: SingleSignOnService endpoints, in file order.
    pub sso: Vec<Endpoint>,
    /// SingleLogoutService endpoints, in file order.
    pub slo: Vec<Endpoint>,
    /// SP: AssertionConsumerService endpoints, in file order.
    pub acs: Vec<AcsEndpoint>,
    /// Every certificate of the role, in file order, each through the certificate doctor.
    pub certificates: Vec<MetadataCert>,
    pub nameid_formats: Vec<String>,
    /// IdP: WantAuthnRequestsSigned (absent means false).
    pub want_authn_requests_signed: Option<bool>,
    /// SP: AuthnRequestsSigned.
    pub authn_requests_signed: Option<bool>,
    /// SP: WantAssertionsSigned.
    pub want_assertions_signed: Option<bool>,
    /// The earliest validUntil of the entity, its role and the EntitiesDescriptors around it (RFC 3339, UTC).
    pub valid_until: Option<String>,
    /// cacheDuration as written (an xs:duration such as PT24H).
    pub cache_duration: Option<String>,
    pub signature: SignatureStatus,
    /// Errors first, then warnings, then information.
    pub findings: Vec<Finding<FindingCode>>,
}

/// How the finding of a metadata signature whose content was changed after signing begins (with a certificate or
/// without: the digest needs none).
pub const CHANGED_AFTER_SIGNING: &str = "The metadata was changed after it was signed";

impl Metadata {
    /// Whether the signed content was changed after it was signed (a digest mismatch, seen with or without a
    /// certificate).
    pub fn changed_after_signing(&self) -> bool {
        self.signature == SignatureStatus::Invalid
            && self.findings.iter().any(|f| {
                f.code == FindingCode::SignatureInvalid
                    && f.message.starts_with(CHANGED_AFTER_SIGNING)
            })
    }

    /// The certificates an IdP signs with (`use="signing"` or no `use`), usable or not.
    pub fn signing_certificates(&self) -> impl Iterator<Item = &MetadataCert> {
        self.certificates.iter().filter(|c| c.key_use.signs())
    }

    /// DER of the usable signing certificates: what the response validator should trust.
    pub fn trusted_signing_ders(&self) -> Vec<Vec<u8>> {
        self.signing_certificates()
            .filter(|c| c.report.usable)
            .filter_map(|c| c.report.der().map(<[u8]>::to_vec))
            .collect()
    }

    /// The SSO URL for a binding (the first one listed).
    pub fn sso_url(&self, binding: &Binding) -> Option<&str> {
        self.sso
            .iter()
            .find(|e| &e.binding == binding)
            .map(|e| e.url.as_str())
    }

    /// The SSO URL the wizard should use: HTTP-Redirect first (what SP-initiated logins use), else HTTP-POST.
    pub fn preferred_sso_url(&self) -> Option<&str> {
        self.sso_url(&Binding::HttpRedirect)
            .or_else(|| self.sso_url(&Binding::HttpPost))
    }

    /// The default ACS endpoint of an SP.
    pub fn default_acs(&self) -> Option<&AcsEndpoint> {
        self.acs.iter().find(|a| a.default)
    }

    fn add(&mut self, code: FindingCode, message: impl Into<String>, hint: impl Into<String>) {
        self.findings.push(Finding::new(code, message, hint));
    }
}

/// Checks the input before parsing: empty, HTML pages (which the XML parser would refuse for their DOCTYPE,
/// with a less helpful message), then the hardened parse.
fn parse_document(input: &[u8]) -> Result<Document<'_>, MetadataError> {
    let start = input
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .ok_or(MetadataError::Empty)?;
    let head: Vec<u8> = input
        .iter()
        .skip(start)
        .take(64)
        .map(u8::to_ascii_lowercase)
        .collect();
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
    if head.starts_with(b"<!doctype html") || head.starts_with(b"<html") {
        return Err(MetadataError::Html);
    }
    let limits = Limits {
        max_bytes: MAX_METADATA_BYTES,
        ..Limits::default()
    };
    xml::parse_bytes(input, &limits).map_err(|e| {
        if e.is_unsafe() || e.is_limit() {
            MetadataError::Refused(e)
        } else {
            MetadataError::NotXml(e)
        }
    })
}

fn root_kind(doc: &Document) -> Result<NodeId, MetadataError> {
    let root = doc.root();
    let el = doc.element(root).ok_or(MetadataError::NotMetadata {
        found: "nothing".into(),
    })?;
    if el.is(MD_NS, "EntityDescriptor") || el.is(MD_NS, "EntitiesDescriptor") {
        return Ok(root);
    }
    if el.local.eq_ignore_ascii_case("html") {
        return Err(MetadataError::Html);
    }
    let found = match &el.ns {
        Some(ns) => format!("{} in the namespace {ns}", el.local),
        None => format!("{} (in no namespace)", el.local),
    };
    Err(MetadataError::NotMetadata { found })
}

/// Every EntityDescriptor, reached through EntitiesDescriptors only, in document order.
fn entity_nodes(doc: &Document, node: NodeId, out: &mut Vec<NodeId>) {
    let Some(el) = doc.element(node) else { return };
    if el.is(MD_NS, "EntityDescriptor") {
        out.push(node);
    } else if el.is(MD_NS, "EntitiesDescriptor") {
        for c in doc.element_children(node) {
            entity_nodes(doc, c, out);
        }
    }
}

fn entity_id_of(doc: &Document, node: NodeId) -> Result<String, MetadataError> {
    doc.element(node)
        .and_then(|e| e.attr("entityID"))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or(MetadataError::MissingEntityId)
}

/// The SAML 2.0 role descriptor of this kind (the first, when several).
fn role_node(doc: &Document, entity: NodeId, kind: Kind) -> Option<NodeId> {
    doc.children_named(entity, MD_NS, kind.descriptor())
        .find(|r| {
            doc.element(*r)
                .and_then(|e| e.attr("protocolSupportEnumeration"))
                .is_some_and(|p| p.split_whitespace().any(|x| x == SAML2_PROTOCOL))
        })
}

fn roles(doc: &Document, entity: NodeId) -> Vec<Kind> {
    [Kind::Idp, Kind::Sp]
        .into_iter()
        .filter(|k| role_node(doc, entity, *k).is_some())
        .collect()
}

/// Lists the entities of a metadata file with their roles, for a chooser.
pub fn list_entities(input: &[u8]) -> Result<Vec<EntitySummary>, MetadataError> {
    let doc = parse_document(input)?;
    let root = root_kind(&doc)?;
    let mut nodes = Vec::new();
    entity_nodes(&doc, root, &mut nodes);
    nodes
        .into_iter()
        .map(|n| {
            Ok(EntitySummary {
                entity_id: entity_id_of(&doc, n)?,
                roles: roles(&doc, n),
            })
        })
        .collect()
}

/// Reads one entity's metadata at time `now` (for validUntil and the certificates' validity).
///
/// Errors are for input that is not metadata at all (or ambiguous); everything about metadata that could be read
/// is a finding, and `usable` says whether it can be imported.
pub fn parse(input: &[u8], opts: &Options, now: OffsetDateTime) -> Result<Metadata, MetadataError> {
    let doc = parse_document(input)?;
    let root = root_kind(&doc)?;
    let mut nodes = Vec::new();
    entity_nodes(&doc, root, &mut nodes);
    let ids = nodes
        .iter()
        .map(|n| entity_id_of(&doc, *n))
        .collect::<Result<Vec<_>, _>>()?;
    let entity = choose_entity(&nodes, &ids, opts.entity_id.as_deref())?;
    let entity_id = entity_id_of(&doc, entity)?;
    let available = roles(&doc, entity);
    let kind = match opts.role {
        Some(k) if available.contains(&k) => k,
        wanted @ Some(_) => {
            return Err(MetadataError::NoRole {
                entity: entity_id,
                wanted,
                other_role: !available.is_empty(),
            })
        }
        None => *available.first().ok_or_else(|| MetadataError::NoRole {
            entity: entity_id.clone(),
            wanted: None,
            other_role: false,
        })?,
    };
    let role = role_node(&doc, entity, kind).ok_or_else(|| MetadataError::NoRole {
        entity: entity_id.clone(),
        wanted: Some(kind),
        other_role: false,
    })?;

    let mut md = Metadata {
        usable: false,
        kind,
        entity_id,
        entities: ids,
        sso: Vec::new(),
        slo: Vec::new(),
        acs: Vec::new(),
        certificates: Vec::new(),
        nameid_formats: Vec::new(),
        want_authn_requests_signed: None,
        authn_requests_signed: None,
        want_assertions_signed: None,
        valid_until: None,
        cache_duration: None,
        signature: SignatureStatus::Absent,
        findings: Vec::new(),
    };
    if available.len() > 1 && opts.role.is_none() {
        md.add(
            FindingCode::BothRoles,
            format!(
                "The entity has both an identity provider and a service provider role; the {} role was read.",
                kind.words()
            ),
            "Import it on the other side of the wizard to read the other role.",
        );
    }
    if EntityId::parse(&md.entity_id, "the entity ID").is_err() {
        md.add(
            FindingCode::UnusualEntityId,
            format!(
                "The entity ID \"{}\" is neither an absolute https URL nor a URN.",
                md.entity_id
            ),
            "It is imported as written; some providers refuse such IDs, so check the other side accepts it.",
        );
    }

    read_validity(&doc, entity, role, now, &mut md);
    read_endpoints(&doc, role, kind, &mut md);
    read_certificates(&doc, role, now, &mut md);
    md.nameid_formats = doc
        .children_named(role, MD_NS, "NameIDFormat")
        .map(|n| doc.text_only(n).0.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let flag = |name: &str| {
        doc.element(role)
            .and_then(|e| e.attr(name))
            .map(|v| matches!(v.trim(), "true" | "1"))
    };
    match kind {
        Kind::Idp => {
            md.want_authn_requests_signed = Some(flag("WantAuthnRequestsSigned").unwrap_or(false));
            if md.want_authn_requests_signed == Some(true) {
                md.add(
                    FindingCode::WantsSignedRequests,
                    "The IdP wants signed authentication requests (WantAuthnRequestsSigned).",
                    "Configure the service provider to sign its AuthnRequests, or SP-initiated logins will be refused.",
                );
            }
        }
        Kind::Sp => {
            md.authn_requests_signed = flag("AuthnRequestsSigned");
            md.want_assertions_signed = flag("WantAssertionsSigned");
        }
    }
    check_signature(&doc, root, entity, opts, &mut md);

    findings::sort_by_severity(&mut md.findings);
    md.usable = !findings::has_errors(&md.findings);
    Ok(md)
}

fn choose_entity(
    nodes: &[NodeId],
    ids: &[String],
    wanted: Option<&str>,
) -> Result<NodeId, MetadataError> {
    match (wanted.map(str::trim), nodes) {
        (_, []) => Err(MetadataError::NoEntities),
        (None, [one]) => Ok(*one),
        (None, _) => Err(MetadataError::SeveralEntities { ids: ids.to_vec() }),
        (Some(w), _) => {
            let hits: Vec<NodeId> = nodes
                .iter()
                .zip(ids)
                .filter(|(_, id)| id.as_str() == w)
                .map(|(n, _)| *n)
                .collect();
            match hits.as_slice() {
                [one] => Ok(*one),
                [] => Err(MetadataError::EntityNotFound {
                    wanted: w.to_string(),
                    ids: ids.to_vec(),
                }),
                more => Err(MetadataError::DuplicateEntity {
                    id: w.to_string(),
                    count: more.len(),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-06-01 12:00 UTC);

    fn idp(extra_attrs: &str, body: &str) -> String {
        format!(
            r#"<EntityDescriptor xmlns="{MD_NS}" entityID="https://idp.example.com/saml" {extra_attrs}><IDPSSODescriptor protocolSupportEnumeration="{SAML2_PROTOCOL}">{body}</IDPSSODescriptor></EntityDescriptor>"#
        )
    }

    #[test]
    fn binding_round_trip() {
        for b in [
            Binding::HttpRedirect,
            Binding::HttpPost,
            Binding::HttpArtifact,
            Binding::Soap,
        ] {
            assert_eq!(Binding::from_uri(b.uri()), b);
        }
        assert_eq!(
            Binding::from_uri("urn:x:y"),
            Binding::Other("urn:x:y".into())
        );
    }

    #[test]
    fn idp_without_certificate_or_sso_is_not_usable() {
        let xml = idp("", "");
        let md = parse(xml.as_bytes(), &Options::default(), NOW).unwrap();
        assert_eq!(md.kind, Kind::Idp);
        assert!(!md.usable);
        let codes: Vec<&str> = md.findings.iter().map(|f| f.code.as_str()).collect();
        assert!(codes.contains(&"no_sso_endpoint"), "{codes:?}");
        assert!(codes.contains(&"no_signing_certificate"), "{codes:?}");
    }

    #[test]
    fn prefixes_do_not_matter_but_namespaces_do() {
        let wrong_ns = r#"<md:EntityDescriptor xmlns:md="urn:example:not-metadata" entityID="x"/>"#;
        let e = parse(wrong_ns.as_bytes(), &Options::default(), NOW).unwrap_err();
        assert!(matches!(e, MetadataError::NotMetadata { .. }), "{e}");
        let odd_prefix = format!(
            r#"<x:EntityDescriptor xmlns:x="{MD_NS}" entityID="https://sp.example.com"><x:SPSSODescriptor protocolSupportEnumeration="{SAML2_PROTOCOL}"><x:AssertionConsumerService Binding="{}" Location="https://sp.example.com/acs" index="1"/></x:SPSSODescriptor></x:EntityDescriptor>"#,
            Binding::POST_URI
        );
        let md = parse(odd_prefix.as_bytes(), &Options::default(), NOW).unwrap();
        assert_eq!(md.kind, Kind::Sp);
        assert!(md.usable, "{:?}", md.findings);
        assert_eq!(md.acs.len(), 1);
        assert!(md
            .acs
            .first()
            .is_some_and(|a| a.default && a.index == Some(1)));
    }

    #[test]
    fn saml1_only_role_is_not_a_saml2_role() {
        let xml = format!(
            r#"<EntityDescriptor xmlns="{MD_NS}" entityID="https://idp.example.com"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"/></EntityDescriptor>"#
        );
        let e = parse(xml.as_bytes(), &Options::default(), NOW).unwrap_err();
        assert!(matches!(e, MetadataError::NoRole { .. }), "{e}");
    }

    #[test]
    fn http_sso_url_is_an_error_but_loopback_is_fine() {
        let sso = |url: &str| {
            idp(
                "",
                &format!(
                    r#"<SingleSignOnService Binding="{}" Location="{url}"/>"#,
                    Binding::REDIRECT_URI
                ),
            )
        };
        let md = parse(
            sso("http://idp.example.com/sso").as_bytes(),
            &Options::default(),
            NOW,
        )
        .unwrap();
        assert!(md
            .findings
            .iter()
            .any(|f| f.code == FindingCode::BadEndpointUrl));
        let md = parse(
            sso("http://127.0.0.1:8080/sso").as_bytes(),
            &Options::default(),
            NOW,
        )
        .unwrap();
        assert!(!md
            .findings
            .iter()
            .any(|f| f.code == FindingCode::BadEndpointUrl));
        assert_eq!(md.preferred_sso_url(), Some("http://127.0.0.1:8080/sso"));
    }

    #[test]
    fn acs_default_rules() {
        let acs = |attrs: &[&str]| {
            let eps: String = attrs
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    format!(
                        r#"<AssertionConsumerService Binding="{}" Location="https://sp.example.com/acs{i}" index="{i}" {a}/>"#,
                        Binding::POST_URI
                    )
                })
                .collect();
            let xml = format!(
                r#"<EntityDescriptor xmlns="{MD_NS}" entityID="https://sp.example.com"><SPSSODescriptor protocolSupportEnumeration="{SAML2_PROTOCOL}">{eps}</SPSSODescriptor></EntityDescriptor>"#
            );
            let md = parse(xml.as_bytes(), &Options::default(), NOW).unwrap();
            md.acs.iter().map(|a| a.default).collect::<Vec<_>>()
        };
        assert_eq!(acs(&["", ""]), [true, false]);
        assert_eq!(acs(&["", "isDefault=\"true\""]), [false, true]);
        assert_eq!(acs(&["isDefault=\"false\"", ""]), [false, true]);
        assert_eq!(
            acs(&["isDefault=\"false\"", "isDefault=\"false\""]),
            [true, false]
        );
    }

    #[test]
    fn datetime_forms() {
        assert!(parse_datetime("2026-01-01T00:00:00Z").is_some());
        assert!(parse_datetime("2026-01-01T00:00:00.123Z").is_some());
        assert!(parse_datetime("2026-01-01T00:00:00+02:00").is_some());
        assert!(parse_datetime("2026-01-01T00:00:00").is_some());
        assert!(parse_datetime("tomorrow").is_none());
    }

    #[test]
    fn sp_metadata_escapes_and_reads_back() {
        let id = EntityId::parse("https://sp.example.com/?a=1&b=2", "id").unwrap();
        let acs = AcsUrl::parse("https://sp.example.com/acs?x=\"1\"&y=<2>", "acs");
        let acs = match acs {
            Ok(a) => a,
            Err(_) => AcsUrl::parse("https://sp.example.com/acs?x=1&y=2", "acs").unwrap(),
        };
        let xml = sp_metadata(
            &id,
            &[(Binding::HttpPost, acs.clone())],
            Some("urn:x&y:z"),
            None,
        );
        let md = parse(xml.as_bytes(), &Options::default(), NOW).unwrap();
        assert_eq!(md.entity_id, id.as_str());
        assert_eq!(md.acs.first().map(|a| a.url.as_str()), Some(acs.as_str()));
        assert_eq!(md.nameid_formats, ["urn:x&y:z"]);
        assert!(sp_metadata_checked(&id, &[], None, None, NOW).is_err());
        assert!(sp_metadata_checked(
            &id,
            &[(Binding::HttpPost, acs.clone())],
            Some("not a uri"),
            None,
            NOW
        )
        .is_err());
        assert!(
            sp_metadata_checked(&id, &[(Binding::HttpPost, acs)], None, Some(b"junk"), NOW)
                .is_err()
        );
    }

    #[test]
    fn a_signing_sp_says_so_and_carries_its_certificate() {
        let id = EntityId::parse("urn:ssopilot:test-sp", "id").unwrap();
        let acs = AcsUrl::parse("http://127.0.0.1:8123/acs", "acs").unwrap();
        let cert = ssopilot_testkit::response_support::rsa_idp()
            .cert_der
            .clone();
        let acs = [(Binding::HttpPost, acs)];
        let xml = sp_metadata_signing(&id, &acs, None, Some(&cert), true);
        let md = parse(xml.as_bytes(), &Options::default(), NOW).unwrap();
        assert_eq!(md.authn_requests_signed, Some(true));
        assert!(xml.contains("<md:KeyDescriptor use=\"signing\">"));
        assert_eq!(md.signing_certificates().count(), 1);
        // Without a certificate (or not signing) nobody can expect a signature.
        for xml in [
            sp_metadata_signing(&id, &acs, None, None, true),
            sp_metadata_signing(&id, &acs, None, Some(&cert), false),
        ] {
            let md = parse(xml.as_bytes(), &Options::default(), NOW).unwrap();
            assert_eq!(md.authn_requests_signed, Some(false));
        }
    }

    #[test]
    fn metadata_certificates_are_bare_base64_without_an_armor_warning() {
        use base64::Engine as _;
        let der = ssopilot_testkit::response_support::rsa_idp()
            .cert_der
            .clone();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let xml = idp(
            "",
            &format!(
                r#"<KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="{DS_NS}"><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"#
            ),
        );
        let md = parse(xml.as_bytes(), &Options::default(), NOW).unwrap();
        let cert = md.certificates.first().unwrap();
        assert!(cert.report.usable);
        assert!(
            cert.report
                .findings
                .iter()
                .all(|f| f.code != cert::FindingCode::MissingArmor),
            "{:?}",
            cert.report.findings
        );
        // The same bare base64 pasted on its own still gets the advice.
        assert!(cert::check(b64.as_bytes(), NOW)
            .findings
            .iter()
            .any(|f| f.code == cert::FindingCode::MissingArmor));
    }
}
