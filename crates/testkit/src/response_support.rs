//! Shared test helpers: generated keys and certificates, SAML responses built from parameters, signing with our
//! own code and with xmlsec1. Nothing here is copied from elsewhere; every vector is generated at test time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use rsa::pkcs8::EncodePrivateKey;
use ssopilot_saml::response::Policy;
use ssopilot_saml::values::{AcsUrl, EntityId};
use ssopilot_saml::xmldsig::{sign_enveloped, SignatureAlgorithm, SigningKey};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

pub const NOW: OffsetDateTime = datetime!(2026-11-25 12:00:00 UTC);
pub const IDP: &str = "https://idp.example.com/saml";
pub const SP: &str = "https://app.example.com/sp";
pub const ACS: &str = "https://app.example.com/api/v1/sso/saml2/acs";
pub const REQ: &str = "_req-7f3a";

/// A key pair with its self-signed certificate.
pub struct Idp {
    pub key_pkcs8: Vec<u8>,
    pub cert_der: Vec<u8>,
    pub cert_pem: String,
    pub key_pem: String,
}

impl Idp {
    pub fn signing_key(&self) -> SigningKey {
        SigningKey::from_pkcs8(&self.key_pkcs8).expect("generated key loads")
    }
    pub fn alg(&self) -> SignatureAlgorithm {
        self.signing_key().default_algorithm()
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

fn make_cert(key_pkcs8: &[u8], alg: &'static rcgen::SignatureAlgorithm, cn: &str) -> Idp {
    let kp =
        rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&key_pkcs8.into(), alg).expect("rcgen key");
    let mut params = rcgen::CertificateParams::new(vec![cn.to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    let cert = params.self_signed(&kp).expect("self-signed cert");
    let cert_der = cert.der().to_vec();
    Idp {
        key_pem: pem("PRIVATE KEY", key_pkcs8),
        cert_pem: pem("CERTIFICATE", &cert_der),
        key_pkcs8: key_pkcs8.to_vec(),
        cert_der,
    }
}

fn rsa_key() -> Vec<u8> {
    // 2048 bits, as the names say: `Generate` would give the crate's default of 3072, which made the benchmark's
    // "RSA-2048" response an RSA-3072 one (about twice the verification cost).
    let k = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).expect("RSA key generation");
    k.to_pkcs8_der().expect("pkcs8").as_bytes().to_vec()
}

/// The IdP's RSA-2048 key and certificate.
pub fn rsa_idp() -> &'static Idp {
    static K: OnceLock<Idp> = OnceLock::new();
    K.get_or_init(|| make_cert(&rsa_key(), &rcgen::PKCS_RSA_SHA256, "idp.example.com"))
}

/// Another RSA key: an attacker's, or a rotated certificate the admin did not configure.
pub fn other_rsa_idp() -> &'static Idp {
    static K: OnceLock<Idp> = OnceLock::new();
    K.get_or_init(|| make_cert(&rsa_key(), &rcgen::PKCS_RSA_SHA256, "attacker.example.com"))
}

/// The SP's RSA encryption key pair and certificate: what the IdP encrypts assertions for.
pub fn sp_encryption() -> &'static Idp {
    static K: OnceLock<Idp> = OnceLock::new();
    K.get_or_init(|| make_cert(&rsa_key(), &rcgen::PKCS_RSA_SHA256, "app.example.com"))
}

/// Another SP key pair: what a wrong or stale encryption certificate in the IdP belongs to.
pub fn other_sp_encryption() -> &'static Idp {
    static K: OnceLock<Idp> = OnceLock::new();
    K.get_or_init(|| make_cert(&rsa_key(), &rcgen::PKCS_RSA_SHA256, "old.app.example.com"))
}

pub fn ec256_idp() -> &'static Idp {
    static K: OnceLock<Idp> = OnceLock::new();
    K.get_or_init(|| {
        let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        make_cert(
            &kp.serialize_der(),
            &rcgen::PKCS_ECDSA_P256_SHA256,
            "idp-ec.example.com",
        )
    })
}

/// An ECDSA P-256 IdP whose certificate is valid only from `not_before` to `not_after`.
pub fn ec256_idp_dated(not_before: OffsetDateTime, not_after: OffsetDateTime) -> Idp {
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params =
        rcgen::CertificateParams::new(vec!["idp-dated.example.com".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "idp-dated.example.com");
    params.not_before = not_before;
    params.not_after = not_after;
    let cert_der = params
        .self_signed(&kp)
        .expect("self-signed cert")
        .der()
        .to_vec();
    let key_pkcs8 = kp.serialize_der();
    Idp {
        key_pem: pem("PRIVATE KEY", &key_pkcs8),
        cert_pem: pem("CERTIFICATE", &cert_der),
        key_pkcs8,
        cert_der,
    }
}

pub fn ec384_idp() -> &'static Idp {
    static K: OnceLock<Idp> = OnceLock::new();
    K.get_or_init(|| {
        let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
        make_cert(
            &kp.serialize_der(),
            &rcgen::PKCS_ECDSA_P384_SHA384,
            "idp-ec384.example.com",
        )
    })
}

pub fn ts(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Everything a test may want to vary in a response.
#[derive(Clone)]
pub struct Params {
    pub response_id: String,
    pub assertion_id: String,
    pub response_issuer: Option<String>,
    pub assertion_issuer: String,
    pub destination: Option<String>,
    pub in_response_to: Option<String>,
    pub sc_in_response_to: Option<String>,
    pub status: String,
    pub recipient: String,
    pub audience: String,
    pub name_id: String,
    pub not_before: OffsetDateTime,
    pub not_on_or_after: OffsetDateTime,
    pub sc_not_on_or_after: OffsetDateTime,
    pub issue_instant: OffsetDateTime,
    pub attributes: Vec<(String, Vec<String>)>,
    pub authn_statement: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            response_id: "_resp-1b2c3d".into(),
            assertion_id: "_assert-4e5f6a".into(),
            response_issuer: Some(IDP.into()),
            assertion_issuer: IDP.into(),
            destination: Some(ACS.into()),
            in_response_to: Some(REQ.into()),
            sc_in_response_to: Some(REQ.into()),
            status: "urn:oasis:names:tc:SAML:2.0:status:Success".into(),
            recipient: ACS.into(),
            audience: SP.into(),
            name_id: "alice@example.com".into(),
            not_before: NOW - Duration::seconds(60),
            not_on_or_after: NOW + Duration::seconds(300),
            sc_not_on_or_after: NOW + Duration::seconds(300),
            issue_instant: NOW - Duration::seconds(5),
            attributes: vec![
                ("email".into(), vec!["alice@example.com".into()]),
                ("firstname".into(), vec!["Alice".into()]),
                ("lastname".into(), vec!["Liddell".into()]),
            ],
            authn_statement: true,
        }
    }
}

/// A response as an IdP would send it (unsigned), with indentation like real IdPs.
pub fn response_xml(p: &Params) -> String {
    let opt = |name: &str, v: &Option<String>| {
        v.as_ref()
            .map(|v| format!(" {name}=\"{v}\""))
            .unwrap_or_default()
    };
    let attrs: String = p
        .attributes
        .iter()
        .map(|(n, vs)| {
            let values: String = vs
                .iter()
                .map(|v| format!("<saml:AttributeValue xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"xs:string\">{v}</saml:AttributeValue>"))
                .collect();
            format!("\n      <saml:Attribute Name=\"{n}\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:basic\">{values}</saml:Attribute>")
        })
        .collect();
    let authn = if p.authn_statement {
        format!(
            "\n    <saml:AuthnStatement AuthnInstant=\"{}\" SessionIndex=\"{}\" SessionNotOnOrAfter=\"{}\"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>",
            ts(p.issue_instant),
            p.assertion_id,
            ts(NOW + Duration::hours(8))
        )
    } else {
        String::new()
    };
    let resp_issuer = p
        .response_issuer
        .as_ref()
        .map(|i| format!("\n  <saml:Issuer>{i}</saml:Issuer>"))
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{rid}" Version="2.0" IssueInstant="{ii}"{dest}{irt}>{resp_issuer}
  <samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status>
  <saml:Assertion ID="{aid}" Version="2.0" IssueInstant="{ii}">
    <saml:Issuer>{aiss}</saml:Issuer>
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{name}</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData{scirt} NotOnOrAfter="{scnooa}" Recipient="{recipient}"/></saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotBefore="{nb}" NotOnOrAfter="{nooa}"><saml:AudienceRestriction><saml:Audience>{aud}</saml:Audience></saml:AudienceRestriction></saml:Conditions>{authn}
    <saml:AttributeStatement>{attrs}
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>
"#,
        rid = p.response_id,
        ii = ts(p.issue_instant),
        dest = opt("Destination", &p.destination),
        irt = opt("InResponseTo", &p.in_response_to),
        status = p.status,
        aid = p.assertion_id,
        aiss = p.assertion_issuer,
        name = p.name_id,
        scirt = opt("InResponseTo", &p.sc_in_response_to),
        scnooa = ts(p.sc_not_on_or_after),
        recipient = p.recipient,
        nb = ts(p.not_before),
        nooa = ts(p.not_on_or_after),
        aud = p.audience,
    )
}

pub fn sign_assertion(xml: &str, p: &Params, idp: &Idp) -> String {
    sign_enveloped(
        xml,
        &p.assertion_id,
        &idp.signing_key(),
        &idp.cert_der,
        idp.alg(),
    )
    .expect("sign assertion")
}

pub fn sign_response(xml: &str, p: &Params, idp: &Idp) -> String {
    sign_enveloped(
        xml,
        &p.response_id,
        &idp.signing_key(),
        &idp.cert_der,
        idp.alg(),
    )
    .expect("sign response")
}

pub fn sign_both(xml: &str, p: &Params, idp: &Idp) -> String {
    sign_response(&sign_assertion(xml, p, idp), p, idp)
}

/// A genuine response signed on the assertion (the JumpCloud default) by the RSA IdP.
pub fn genuine(p: &Params) -> String {
    sign_assertion(&response_xml(p), p, rsa_idp())
}

pub fn policy_for(idp: &Idp) -> Policy {
    let mut p = Policy::new(
        EntityId::parse(IDP, "IdP Entity ID").unwrap(),
        vec![idp.cert_der.clone()],
        EntityId::parse(SP, "SP Entity ID").unwrap(),
        AcsUrl::parse(ACS, "ACS URL").unwrap(),
        NOW,
    );
    p.expect = ssopilot_saml::response::Expect::Request(REQ.into());
    p
}

pub fn policy() -> Policy {
    policy_for(rsa_idp())
}

/// Fails (never skips) when an external tool is missing.
pub fn require_tool(name: &str, package: &str) {
    let ok = Command::new(name).arg("--version").output().is_ok();
    assert!(
        ok,
        "{name} (Debian package {package}) is missing: run scripts/setup.sh"
    );
}

pub fn write_temp(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(name);
    let mut f = std::fs::File::create(&p).unwrap();
    f.write_all(content).unwrap();
    p
}

/// The test IdP's key and certificate ([`rsa_idp`]) as PEM files `idp.key` and `idp.crt` in `dir`, for a peer
/// IdP process to sign with: (key, certificate).
pub fn write_idp_key_and_cert(dir: &Path) -> (PathBuf, PathBuf) {
    (
        write_temp(dir, "idp.key", rsa_idp().key_pem.as_bytes()),
        write_temp(dir, "idp.crt", rsa_idp().cert_pem.as_bytes()),
    )
}

const ID_ATTRS: [&str; 4] = [
    "--id-attr:ID",
    "urn:oasis:names:tc:SAML:2.0:protocol:Response",
    "--id-attr:ID",
    "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
];

/// A Signature template for xmlsec1 (empty DigestValue and SignatureValue), for the element with `id`.
pub fn signature_template(id: &str, sig_alg: &str, digest_alg: &str, transforms: &str) -> String {
    format!(
        r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="{sig_alg}"/><ds:Reference URI="#{id}"><ds:Transforms>{transforms}</ds:Transforms><ds:DigestMethod Algorithm="{digest_alg}"/><ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data></ds:X509Data></ds:KeyInfo></ds:Signature>"##
    )
}

pub const STD_TRANSFORMS: &str = r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#;
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// Inserts `snippet` right after the Issuer of the element whose opening tag starts with `open` (text surgery on
/// our own generated test document, to build templates and attack shapes).
pub fn insert_after_issuer(xml: &str, open: &str, snippet: &str) -> String {
    let start = xml
        .find(open)
        .unwrap_or_else(|| panic!("{open} not in document"));
    let end_issuer = xml[start..].find("</saml:Issuer>").unwrap() + start + "</saml:Issuer>".len();
    format!("{}{}{}", &xml[..end_issuer], snippet, &xml[end_issuer..])
}

/// Signs the first Signature template in `xml` with xmlsec1 and the IdP's PEM key.
pub fn xmlsec_sign(xml: &str, idp: &Idp) -> String {
    require_tool("xmlsec1", "xmlsec1");
    let dir = tempfile::tempdir().unwrap();
    let key = write_temp(dir.path(), "key.pem", idp.key_pem.as_bytes());
    let cert = write_temp(dir.path(), "cert.pem", idp.cert_pem.as_bytes());
    let input = write_temp(dir.path(), "in.xml", xml.as_bytes());
    let out = dir.path().join("out.xml");
    let o = Command::new("xmlsec1")
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(format!("{},{}", key.display(), cert.display()))
        .args(ID_ATTRS)
        .arg("--output")
        .arg(&out)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "xmlsec1 --sign failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

/// Verifies with xmlsec1, trusting only `idp`'s certificate; `node_xpath` picks which Signature.
pub fn xmlsec_verify(xml: &str, idp: &Idp, node_xpath: Option<&str>) -> (bool, String) {
    require_tool("xmlsec1", "xmlsec1");
    let dir = tempfile::tempdir().unwrap();
    let cert = write_temp(dir.path(), "cert.pem", idp.cert_pem.as_bytes());
    let input = write_temp(dir.path(), "in.xml", xml.as_bytes());
    let mut cmd = Command::new("xmlsec1");
    cmd.arg("--verify")
        .arg("--trusted-pem")
        .arg(&cert)
        .args(ID_ATTRS);
    if let Some(x) = node_xpath {
        cmd.arg("--node-xpath").arg(x);
    }
    let o = cmd.arg(&input).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}
