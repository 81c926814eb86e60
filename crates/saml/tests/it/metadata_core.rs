//! The metadata parser on generated metadata, hostile input, signatures (ours and xmlsec1's), real peers' metadata
//! (pysaml2) and the exported SP metadata against the OASIS schema (xmllint). External tools fail with a
//! "run scripts/setup.sh" message when missing; nothing is skipped.

use ssopilot_testkit::metadata_support;
use ssopilot_testkit::response_support;

use std::process::Command;

use metadata_support::*;
use response_support::{ec256_idp, other_rsa_idp, require_tool, rsa_idp, write_temp, NOW};
use ssopilot_peers::clock::{Clock as _, SystemClock};
use ssopilot_saml::findings::Code;
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::metadata::{
    self, Binding, FindingCode, KeyUse, Kind, Metadata, MetadataError, Options, SignatureStatus,
};
use ssopilot_saml::values::{AcsUrl, EntityId};
use ssopilot_saml::xmldsig::{self, SignatureAlgorithm};

fn parse(xml: &str) -> Result<Metadata, MetadataError> {
    metadata::parse(xml.as_bytes(), &Options::default(), NOW)
}

fn with_certs(xml: &str, certs: &[&[u8]]) -> Metadata {
    let opts = Options {
        signing_certs: certs.iter().map(|c| c.to_vec()).collect(),
        ..Options::default()
    };
    metadata::parse(xml.as_bytes(), &opts, NOW).expect("parses")
}

fn codes(md: &Metadata) -> Vec<&'static str> {
    md.findings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn idp_metadata_with_a_rotation_is_read_completely() {
    let keys = format!(
        "{}{}{}",
        key_descriptor("signing", &rsa_idp().cert_der),
        key_descriptor("", &ec256_idp().cert_der),
        key_descriptor("encryption", &other_rsa_idp().cert_der)
    );
    let xml = idp_metadata(
        IDP_ID,
        &keys,
        "validUntil=\"2027-06-01T00:00:00Z\" cacheDuration=\"PT24H\"",
    );
    let md = parse(&xml).unwrap();
    assert!(md.usable, "{:?}", md.findings);
    assert_eq!(md.kind, Kind::Idp);
    assert_eq!(md.entity_id, IDP_ID);
    assert_eq!(md.entities, [IDP_ID]);
    assert_eq!(md.sso_url(&Binding::HttpRedirect), Some(SSO_REDIRECT));
    assert_eq!(md.sso_url(&Binding::HttpPost), Some(SSO_POST));
    assert_eq!(md.preferred_sso_url(), Some(SSO_REDIRECT));
    assert_eq!(md.slo.len(), 1);
    assert_eq!(md.nameid_formats, [EMAIL]);
    assert_eq!(md.want_authn_requests_signed, Some(true));
    assert_eq!(md.valid_until.as_deref(), Some("2027-06-01T00:00:00Z"));
    assert_eq!(md.cache_duration.as_deref(), Some("PT24H"));
    assert_eq!(md.signature, SignatureStatus::Absent);
    let uses: Vec<KeyUse> = md.certificates.iter().map(|c| c.key_use).collect();
    assert_eq!(uses, [KeyUse::Signing, KeyUse::Both, KeyUse::Encryption]);
    // Both signing certificates of the rotation are trusted, the encryption-only one is not.
    let trusted = md.trusted_signing_ders();
    assert_eq!(
        trusted,
        [rsa_idp().cert_der.clone(), ec256_idp().cert_der.clone()]
    );
    assert!(codes(&md).contains(&"several_signing_certificates"));
    assert!(codes(&md).contains(&"wants_signed_requests"));
    // The JSON contract of `ssopilot metadata inspect --json`.
    let j = serde_json::to_value(&md).unwrap();
    assert_eq!(j["kind"], "idp");
    assert_eq!(j["entity_id"], IDP_ID);
    assert_eq!(j["sso"][0]["binding"], REDIRECT);
    assert_eq!(j["sso"][0]["url"], SSO_REDIRECT);
    assert_eq!(j["slo"][0]["url"], "https://idp.example.com/slo");
    assert_eq!(j["acs"], serde_json::json!([]));
    assert_eq!(j["certificates"][0]["use"], "signing");
    assert_eq!(
        j["certificates"][0]["sha256_fingerprint"],
        Fingerprint::sha256(&rsa_idp().cert_der).as_str()
    );
    assert_eq!(j["certificates"][0]["usable"], true);
    assert_eq!(j["nameid_formats"][0], EMAIL);
    assert_eq!(j["want_authn_requests_signed"], true);
    assert_eq!(j["valid_until"], "2027-06-01T00:00:00Z");
    assert_eq!(j["signature"], "absent");
    let f = &j["findings"][0];
    for k in ["code", "severity", "message", "hint"] {
        assert!(f.get(k).is_some(), "finding lacks {k}: {f}");
    }
}

#[test]
fn sp_metadata_is_read_with_its_acs_endpoints() {
    let xml = format!(
        "<md:EntitiesDescriptor xmlns:md=\"{MD}\">{}</md:EntitiesDescriptor>",
        sp_entity(
            "https://app.example.com",
            &[
                "https://app.example.com/acs",
                "https://app.example.com/acs2"
            ]
        )
    );
    let md = parse(&xml).unwrap();
    assert_eq!(md.kind, Kind::Sp);
    assert!(md.usable, "{:?}", md.findings);
    assert_eq!(md.acs.len(), 2);
    assert_eq!(
        md.default_acs().map(|a| a.url.as_str()),
        Some("https://app.example.com/acs")
    );
    assert_eq!(md.authn_requests_signed, Some(false));
    assert_eq!(md.want_assertions_signed, Some(true));
    let j = serde_json::to_value(&md).unwrap();
    assert_eq!(
        j["acs"][1],
        serde_json::json!({"binding": POST, "url": "https://app.example.com/acs2", "index": 1, "default": false})
    );
    // An SP role asked for as an IdP is refused, saying the other role exists.
    let e = metadata::parse(
        xml.as_bytes(),
        &Options {
            role: Some(Kind::Idp),
            ..Options::default()
        },
        NOW,
    )
    .unwrap_err();
    assert!(e.to_string().contains("other role"), "{e}");
}

#[test]
fn entities_descriptor_chooses_by_entity_id_and_lists_them() {
    let idp_entity = format!(
        "<md:EntityDescriptor entityID=\"{IDP_ID}\">{}</md:EntityDescriptor>",
        idp_role(&key_descriptor("signing", &rsa_idp().cert_der))
    );
    let xml = format!(
        "<md:EntitiesDescriptor xmlns:md=\"{MD}\" Name=\"fed\"><md:EntitiesDescriptor>{}</md:EntitiesDescriptor>{idp_entity}</md:EntitiesDescriptor>",
        sp_entity("https://app.example.com", &["https://app.example.com/acs"])
    );
    let e = parse(&xml).unwrap_err();
    assert!(matches!(e, MetadataError::SeveralEntities { .. }));
    assert!(
        e.to_string().contains(IDP_ID) && e.to_string().contains("https://app.example.com"),
        "{e}"
    );

    let list = metadata::list_entities(xml.as_bytes()).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].entity_id, "https://app.example.com");
    assert_eq!(list[0].roles, [Kind::Sp]);
    assert_eq!(list[1].roles, [Kind::Idp]);

    let pick = |id: &str| {
        metadata::parse(
            xml.as_bytes(),
            &Options {
                entity_id: Some(id.into()),
                ..Options::default()
            },
            NOW,
        )
    };
    let md = pick(IDP_ID).unwrap();
    assert_eq!((md.kind, md.entity_id.as_str()), (Kind::Idp, IDP_ID));
    assert_eq!(md.entities.len(), 2);
    let md = pick("https://app.example.com").unwrap();
    assert_eq!(md.kind, Kind::Sp);
    let e = pick("https://nope.example.com").unwrap_err();
    assert!(matches!(e, MetadataError::EntityNotFound { .. }), "{e}");
    assert!(
        e.to_string().contains(IDP_ID),
        "the message lists what exists: {e}"
    );

    // Two entities with the same ID are ambiguous: refused.
    let dup = format!(
        "<md:EntitiesDescriptor xmlns:md=\"{MD}\">{idp_entity}{idp_entity}</md:EntitiesDescriptor>"
    );
    let e = metadata::parse(
        dup.as_bytes(),
        &Options {
            entity_id: Some(IDP_ID.into()),
            ..Options::default()
        },
        NOW,
    )
    .unwrap_err();
    assert!(
        matches!(e, MetadataError::DuplicateEntity { count: 2, .. }),
        "{e}"
    );
}

#[test]
fn valid_until_in_the_past_makes_metadata_unusable() {
    let keys = key_descriptor("signing", &rsa_idp().cert_der);
    let md = parse(&idp_metadata(
        IDP_ID,
        &keys,
        "validUntil=\"2026-01-01T00:00:00Z\"",
    ))
    .unwrap();
    assert!(!md.usable);
    let f = md
        .findings
        .iter()
        .find(|f| f.code == FindingCode::Expired)
        .expect("expired finding");
    assert!(f.message.contains("2026-01-01T00:00:00Z"), "{}", f.message);
    assert!(!f.hint.is_empty());
    // Soon: a warning, still usable.
    let md = parse(&idp_metadata(
        IDP_ID,
        &keys,
        "validUntil=\"2026-11-27T00:00:00Z\"",
    ))
    .unwrap();
    assert!(md.usable);
    assert!(codes(&md).contains(&"expires_soon"));
    // An enclosing EntitiesDescriptor's validUntil applies to the entities inside it.
    let inner = format!(
        "<md:EntityDescriptor entityID=\"{IDP_ID}\">{}</md:EntityDescriptor>",
        idp_role(&keys)
    );
    let xml = format!("<md:EntitiesDescriptor xmlns:md=\"{MD}\" validUntil=\"2025-12-31T23:59:59Z\">{inner}</md:EntitiesDescriptor>");
    let md = parse(&xml).unwrap();
    assert!(codes(&md).contains(&"expired"), "{:?}", codes(&md));
    // Garbage in validUntil is an error, not ignored.
    let md = parse(&idp_metadata(IDP_ID, &keys, "validUntil=\"next year\"")).unwrap();
    assert!(!md.usable && codes(&md).contains(&"bad_valid_until"));
}

#[test]
fn broken_or_missing_certificates_are_findings() {
    let md = parse(&idp_metadata(IDP_ID, "", "")).unwrap();
    assert!(!md.usable && codes(&md).contains(&"no_signing_certificate"));
    // A damaged certificate goes through the doctor, whose verdict is kept.
    let mut der = rsa_idp().cert_der.clone();
    der.truncate(der.len() / 2);
    let md = parse(&idp_metadata(IDP_ID, &key_descriptor("signing", &der), "")).unwrap();
    assert!(!md.usable);
    assert!(
        codes(&md).contains(&"no_usable_signing_certificate"),
        "{:?}",
        codes(&md)
    );
    assert!(codes(&md).contains(&"certificate_problem"));
    assert!(!md.certificates[0].report.usable);
}

fn refused(input: &[u8]) -> MetadataError {
    metadata::parse(input, &Options::default(), NOW).expect_err("hostile input must be refused")
}

#[test]
fn hostile_input_is_refused_with_its_message() {
    let doctype = format!("<?xml version=\"1.0\"?><!DOCTYPE md:EntityDescriptor><md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"x\"/>");
    let e = refused(doctype.as_bytes());
    assert!(
        matches!(e, MetadataError::Refused(_)) && e.to_string().contains("DOCTYPE"),
        "{e}"
    );
    assert_eq!(e.code(), "unsafe_xml");

    let laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]><md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"&lol3;\"/>"
    );
    let e = refused(laughs.as_bytes());
    assert!(e.to_string().contains("DOCTYPE"), "{e}");

    let xxe = format!("<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"&xxe;\"/>");
    let e = refused(xxe.as_bytes());
    assert!(e.to_string().contains("DOCTYPE"), "{e}");
    assert!(
        !e.to_string().contains("root:"),
        "file contents must never appear"
    );

    // An entity reference without a DTD is refused by name.
    let bare = format!("<md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"&xxe;\"/>");
    let e = refused(bare.as_bytes());
    assert!(
        matches!(e, MetadataError::Refused(_)) && e.to_string().contains("&xxe;"),
        "{e}"
    );

    // 10 MB: refused by size before parsing.
    let mut big = idp_metadata(IDP_ID, "", "").into_bytes();
    big.resize(10 * 1024 * 1024, b' ');
    let e = refused(&big);
    assert!(e.to_string().contains("too large"), "{e}");
    assert_eq!(e.code(), "too_large");

    // Deep nesting inside otherwise valid metadata.
    let depth = 200;
    let deep = format!(
        "<md:EntityDescriptor xmlns:md=\"{MD}\" entityID=\"{IDP_ID}\"><md:Extensions>{}{}</md:Extensions></md:EntityDescriptor>",
        "<x:a xmlns:x=\"urn:x\">".repeat(depth),
        "</x:a>".repeat(depth)
    );
    let e = refused(deep.as_bytes());
    assert!(e.to_string().contains("deeper than"), "{e}");
}

#[test]
fn not_xml_html_and_other_xml_each_get_their_own_message() {
    let e = refused(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    assert!(
        matches!(e, MetadataError::NotXml(_)) && e.to_string().contains("not XML"),
        "{e}"
    );
    let e = refused(
        b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Sign in</body></html>",
    );
    assert!(
        matches!(e, MetadataError::Html) && e.to_string().contains("not SAML metadata"),
        "{e}"
    );
    let e = refused(b"<html><body>x</body></html>");
    assert!(matches!(e, MetadataError::Html), "{e}");
    let e = refused(b"<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>");
    assert!(
        matches!(e, MetadataError::NotMetadata { .. })
            && e.to_string().contains("not SAML metadata"),
        "{e}"
    );
    assert!(e.to_string().contains("Response"), "{e}");
    let e = refused(b"   \n");
    assert!(matches!(e, MetadataError::Empty), "{e}");
}

fn signed_with_ours(xml: &str, idp: &response_support::Idp) -> String {
    xmldsig::sign_enveloped(xml, "_md1", &idp.signing_key(), &idp.cert_der, idp.alg()).unwrap()
}

#[test]
fn signature_verified_not_verified_and_invalid() {
    let keys = key_descriptor("signing", &rsa_idp().cert_der);
    let xml = idp_metadata(IDP_ID, &keys, "");
    let meta_signer = other_rsa_idp();
    let signed = signed_with_ours(&xml, meta_signer);

    let md = with_certs(&signed, &[&meta_signer.cert_der]);
    assert_eq!(md.signature, SignatureStatus::Verified);
    assert!(md.usable, "{:?}", md.findings);

    // Signed, no certificate supplied: reported, never trusted silently.
    let md = parse(&signed).unwrap();
    assert_eq!(md.signature, SignatureStatus::NotVerified);
    assert!(codes(&md).contains(&"signature_not_verified"));
    assert_eq!(
        serde_json::to_value(&md).unwrap()["signature"],
        "not_verified"
    );

    // The wrong certificate.
    let md = with_certs(&signed, &[&ec256_idp().cert_der]);
    assert_eq!(md.signature, SignatureStatus::Invalid);
    assert!(!md.usable);
    // Tampered after signing: the SSO URL swapped for an attacker's.
    let tampered = signed.replace(SSO_REDIRECT, "https://evil.example.net/sso");
    assert_ne!(tampered, signed);
    let md = with_certs(&tampered, &[&meta_signer.cert_der]);
    assert_eq!(md.signature, SignatureStatus::Invalid);
    assert!(codes(&md).contains(&"signature_invalid"));
    let f = md
        .findings
        .iter()
        .find(|f| f.code == FindingCode::SignatureInvalid)
        .unwrap();
    assert!(f.message.contains("digest"), "{}", f.message);
    assert!(md.changed_after_signing());
    // The change is seen without any certificate too: the digest needs no key.
    let md = parse(&tampered).unwrap();
    assert_eq!(md.signature, SignatureStatus::Invalid);
    assert!(!md.usable);
    assert!(md.changed_after_signing(), "{:?}", md.findings);
    assert!(!codes(&md).contains(&"signature_not_verified"));
    // A wrong key is invalid, but not a change.
    assert!(!with_certs(&signed, &[&ec256_idp().cert_der]).changed_after_signing());

    // Unsigned metadata stays `absent` even when a certificate is supplied.
    let md = with_certs(&xml, &[&meta_signer.cert_der]);
    assert_eq!(md.signature, SignatureStatus::Absent);
}

#[test]
fn a_signed_aggregate_covers_the_entity_chosen_inside_it() {
    let entity = |id: &str| {
        format!(
            "<md:EntityDescriptor entityID=\"{id}\">{}</md:EntityDescriptor>",
            idp_role(&key_descriptor("signing", &rsa_idp().cert_der))
        )
    };
    let xml = format!(
        "<md:EntitiesDescriptor xmlns:md=\"{MD}\" ID=\"_agg\">{}{}</md:EntitiesDescriptor>",
        entity(IDP_ID),
        entity("https://other.example.com/idp")
    );
    let signer = other_rsa_idp();
    let signed = xmldsig::sign_enveloped(
        &xml,
        "_agg",
        &signer.signing_key(),
        &signer.cert_der,
        SignatureAlgorithm::RsaSha256,
    )
    .unwrap();
    let opts = Options {
        entity_id: Some(IDP_ID.into()),
        signing_certs: vec![signer.cert_der.clone()],
        ..Options::default()
    };
    let md = metadata::parse(signed.as_bytes(), &opts, NOW).unwrap();
    assert_eq!(md.signature, SignatureStatus::Verified);
    // A change in the other entity breaks the aggregate's signature too.
    let t = signed.replace(
        "https://other.example.com/idp",
        "https://other.example.com/idq",
    );
    let md = metadata::parse(t.as_bytes(), &opts, NOW).unwrap();
    assert_eq!(md.signature, SignatureStatus::Invalid);
}

/// Signs with `xmlsec1 --sign` from a template placed as the EntityDescriptor's first child (where the schema
/// puts ds:Signature).
fn xmlsec_signed(xml: &str, idp: &response_support::Idp, sig_alg: &str) -> String {
    require_tool("xmlsec1", "xmlsec1");
    let template = response_support::signature_template(
        "_md1",
        sig_alg,
        response_support::SHA256,
        response_support::STD_TRANSFORMS,
    );
    let open_end = xml.find("<md:IDPSSODescriptor").unwrap();
    let with_template = format!("{}{template}{}", &xml[..open_end], &xml[open_end..]);
    let dir = tempfile::tempdir().unwrap();
    let key = write_temp(dir.path(), "key.pem", idp.key_pem.as_bytes());
    let cert = write_temp(dir.path(), "cert.pem", idp.cert_pem.as_bytes());
    let input = write_temp(dir.path(), "in.xml", with_template.as_bytes());
    let out = dir.path().join("out.xml");
    let o = Command::new("xmlsec1")
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(format!("{},{}", key.display(), cert.display()))
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
        ])
        .arg("--output")
        .arg(&out)
        .arg(&input)
        .output()
        .expect("xmlsec1 runs");
    assert!(
        o.status.success(),
        "xmlsec1 --sign failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn metadata_signed_by_xmlsec1_verifies() {
    let xml = idp_metadata(IDP_ID, &key_descriptor("signing", &rsa_idp().cert_der), "");
    let signer = other_rsa_idp();
    let signed = xmlsec_signed(&xml, signer, response_support::RSA_SHA256);
    assert!(
        signed.contains("<ds:SignatureValue>")
            && !signed.contains("<ds:SignatureValue></ds:SignatureValue>")
    );
    let md = with_certs(&signed, &[&signer.cert_der]);
    assert_eq!(md.signature, SignatureStatus::Verified, "{:?}", md.findings);
    assert_eq!(
        with_certs(&signed, &[&rsa_idp().cert_der]).signature,
        SignatureStatus::Invalid
    );
    let md = with_certs(
        &signed.replace(SSO_POST, "https://evil.example.net/post"),
        &[&signer.cert_der],
    );
    assert_eq!(md.signature, SignatureStatus::Invalid);
}

const PYSAML2_GEN: &str = r#"
import sys
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import Config
from saml2.metadata import create_metadata_string
kind, key, cert, sign = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "sign"
base = {"key_file": key, "cert_file": cert, "xmlsec_binary": "/usr/bin/xmlsec1"}
if kind == "idp":
    base.update({"entityid": "https://idp.pysaml2.test/idp", "service": {"idp": {
        "endpoints": {
            "single_sign_on_service": [("https://idp.pysaml2.test/sso/redirect", BINDING_HTTP_REDIRECT),
                                       ("https://idp.pysaml2.test/sso/post", BINDING_HTTP_POST)],
            "single_logout_service": [("https://idp.pysaml2.test/slo", BINDING_HTTP_REDIRECT)]},
        "name_id_format": ["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"]}}})
else:
    base.update({"entityid": "https://sp.pysaml2.test/sp", "service": {"sp": {
        "endpoints": {"assertion_consumer_service": [("https://sp.pysaml2.test/acs/post", BINDING_HTTP_POST),
                                                     ("https://sp.pysaml2.test/acs/redirect", BINDING_HTTP_REDIRECT)]},
        "want_assertions_signed": True, "authn_requests_signed": False}}})
conf = Config().load(base)
out = create_metadata_string(None, config=conf, valid=24, sign=sign)
sys.stdout.write(out.decode() if isinstance(out, bytes) else out)
"#;

fn pysaml2_metadata(kind: &str, sign: bool) -> String {
    require_tool("xmlsec1", "xmlsec1");
    let py = python_with("saml2.metadata", "pysaml2");
    let dir = tempfile::tempdir().unwrap();
    let idp = rsa_idp();
    let key = write_temp(dir.path(), "key.pem", idp.key_pem.as_bytes());
    let cert = write_temp(dir.path(), "cert.pem", idp.cert_pem.as_bytes());
    let script = write_temp(dir.path(), "gen.py", PYSAML2_GEN.as_bytes());
    let o = Command::new(py)
        .arg(&script)
        .arg(kind)
        .arg(&key)
        .arg(&cert)
        .arg(if sign { "sign" } else { "plain" })
        .current_dir(dir.path())
        .output()
        .expect("python runs");
    assert!(
        o.status.success(),
        "pysaml2 failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn pysaml2_idp_and_sp_metadata_are_read() {
    let now = SystemClock.now(); // pysaml2 sets validUntil 24 h from the real clock
    let xml = pysaml2_metadata("idp", false);
    let md = metadata::parse(xml.as_bytes(), &Options::default(), now).unwrap();
    assert!(md.usable, "{:?}", md.findings);
    assert_eq!(md.kind, Kind::Idp);
    assert_eq!(md.entity_id, "https://idp.pysaml2.test/idp");
    assert_eq!(
        md.sso_url(&Binding::HttpRedirect),
        Some("https://idp.pysaml2.test/sso/redirect")
    );
    assert_eq!(
        md.sso_url(&Binding::HttpPost),
        Some("https://idp.pysaml2.test/sso/post")
    );
    assert_eq!(
        md.slo.first().map(|e| e.url.as_str()),
        Some("https://idp.pysaml2.test/slo")
    );
    assert_eq!(md.nameid_formats, [EMAIL]);
    assert_eq!(md.trusted_signing_ders(), [rsa_idp().cert_der.clone()]);

    let xml = pysaml2_metadata("sp", false);
    let md = metadata::parse(xml.as_bytes(), &Options::default(), now).unwrap();
    assert!(md.usable, "{:?}", md.findings);
    assert_eq!(md.kind, Kind::Sp);
    assert_eq!(md.entity_id, "https://sp.pysaml2.test/sp");
    let acs: Vec<(&str, &str)> = md
        .acs
        .iter()
        .map(|a| (a.binding.short(), a.url.as_str()))
        .collect();
    assert_eq!(
        acs,
        [
            ("HTTP-POST", "https://sp.pysaml2.test/acs/post"),
            ("HTTP-Redirect", "https://sp.pysaml2.test/acs/redirect")
        ]
    );
    assert_eq!(md.want_assertions_signed, Some(true));
}

#[test]
fn pysaml2_signed_metadata_is_verified_with_its_certificate() {
    let now = SystemClock.now();
    let xml = pysaml2_metadata("idp", true);
    assert!(xml.contains("Signature"), "pysaml2 signed the metadata");
    // pysaml2 signs metadata with RSA-SHA1 by default: refused unless the legacy switch is on, then a warning.
    let mut opts = Options {
        signing_certs: vec![rsa_idp().cert_der.clone()],
        ..Options::default()
    };
    let md = metadata::parse(xml.as_bytes(), &opts, now).unwrap();
    assert_eq!(md.signature, SignatureStatus::Invalid);
    assert!(
        md.findings[0].message.contains("SHA-1"),
        "{:?}",
        md.findings
    );
    opts.allow_sha1 = true;
    let md = metadata::parse(xml.as_bytes(), &opts, now).unwrap();
    assert_eq!(md.signature, SignatureStatus::Verified, "{:?}", md.findings);
    assert!(codes(&md).contains(&"signature_sha1"));
    opts.signing_certs = vec![other_rsa_idp().cert_der.clone()];
    assert_eq!(
        metadata::parse(xml.as_bytes(), &opts, now)
            .unwrap()
            .signature,
        SignatureStatus::Invalid
    );
    let md = metadata::parse(xml.as_bytes(), &Options::default(), now).unwrap();
    assert_eq!(md.signature, SignatureStatus::NotVerified);
}

fn xmllint_schema(xml: &str) -> (bool, String) {
    require_tool("xmllint", "libxml2-utils");
    let schema = metadata_schema();
    let dir = tempfile::tempdir().unwrap();
    let f = write_temp(dir.path(), "sp.xml", xml.as_bytes());
    let o = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(&f)
        .output()
        .expect("xmllint runs");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn exported_sp_metadata_is_schema_valid_and_reads_back() {
    let id = EntityId::parse("https://app.example.com/saml?org=a&b=c", "id").unwrap();
    let acs = [
        (
            Binding::HttpPost,
            AcsUrl::parse("https://app.example.com/api/v1/sso/saml2/acs", "acs").unwrap(),
        ),
        (
            Binding::HttpRedirect,
            AcsUrl::parse("http://localhost:8080/acs", "acs").unwrap(),
        ),
    ];
    let xml = metadata::sp_metadata(&id, &acs, Some(EMAIL), Some(&rsa_idp().cert_der));
    let (ok, err) = xmllint_schema(&xml);
    assert!(ok, "schema: {err}\n{xml}");
    let minimal = metadata::sp_metadata(&id, &acs[..1], None, None);
    let (ok, err) = xmllint_schema(&minimal);
    assert!(ok, "schema: {err}\n{minimal}");
    // The oracle can fail: an SPSSODescriptor without any ACS is not schema-valid.
    let (ok, _) = xmllint_schema(&metadata::sp_metadata(&id, &[], None, None));
    assert!(
        !ok,
        "xmllint must reject metadata without an AssertionConsumerService"
    );

    let md = parse(&xml).unwrap();
    assert!(md.usable, "{:?}", md.findings);
    assert_eq!(md.entity_id, id.as_str());
    assert_eq!(md.kind, Kind::Sp);
    assert_eq!(md.acs.len(), 2);
    assert!(md.acs[0].default && !md.acs[1].default);
    assert_eq!(md.acs[1].binding, Binding::HttpRedirect);
    assert_eq!(md.nameid_formats, [EMAIL]);
    assert!(md.certificates[0]
        .report
        .same_certificate(&rsa_idp().cert_der));
    assert_eq!(md.certificates[0].key_use, KeyUse::Signing);

    // With a signing and an encryption certificate (the loopback test SP's): still schema-valid, the encryption
    // KeyDescriptor read back as such, listing what the validator decrypts.
    let enc = ssopilot_testkit::response_support::sp_encryption();
    let keys = metadata::SpKeys {
        signing: Some(&rsa_idp().cert_der),
        signs_requests: true,
        encryption: Some(&enc.cert_der),
    };
    let both = metadata::sp_metadata_keys(&id, &acs[..1], None, keys);
    let (ok, err) = xmllint_schema(&both);
    assert!(ok, "schema: {err}\n{both}");
    for uri in ssopilot_saml::xmlenc::SP_METADATA_METHODS {
        assert!(
            both.contains(&format!("<md:EncryptionMethod Algorithm=\"{uri}\"/>")),
            "{both}"
        );
    }
    let md = parse(&both).unwrap();
    assert!(md.usable, "{:?}", md.findings);
    assert_eq!(md.authn_requests_signed, Some(true));
    let uses: Vec<KeyUse> = md.certificates.iter().map(|c| c.key_use).collect();
    assert_eq!(uses, [KeyUse::Signing, KeyUse::Encryption]);
    assert!(md.certificates[1].report.same_certificate(&enc.cert_der));
}

#[test]
fn findings_have_fixed_severities() {
    use ssopilot_saml::findings::Severity;
    assert_eq!(FindingCode::Expired.severity(), Severity::Error);
    assert_eq!(
        FindingCode::SignatureNotVerified.severity(),
        Severity::Warning
    );
    assert_eq!(FindingCode::SignatureInvalid.severity(), Severity::Error);
    assert_eq!(
        serde_json::to_value(FindingCode::NoUsableSigningCertificate).unwrap(),
        FindingCode::NoUsableSigningCertificate.as_str()
    );
}
