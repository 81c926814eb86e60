//! Test vectors for the certificate doctor, generated on the spot: rcgen for certificates, the `rsa` crate for RSA
//! keys (rcgen's ring backend cannot generate them), and the `openssl` command for what rcgen cannot produce
//! (SHA-1 signatures, RSA-1024, SEC1 EC private keys).

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, PKCS_ECDSA_P256_SHA256,
    PKCS_ECDSA_P384_SHA384, PKCS_RSA_SHA256,
};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::EncodePrivateKey;
use time::{Duration, OffsetDateTime};

/// A fixed "now" for every test, so results never depend on the day the tests run.
pub fn now() -> OffsetDateTime {
    time::macros::datetime!(2026-06-15 12:00 UTC)
}

fn rsa_private(bits: usize) -> rsa::PrivateKey {
    rsa::PrivateKey::new(&mut getrandom::SysRng, bits).expect("RSA key generation")
}

/// An RSA key of `bits` (2048 or 3072), generated once per test binary.
pub fn rsa_keypair(bits: usize) -> &'static (rsa::PrivateKey, KeyPair) {
    static K2048: OnceLock<(rsa::PrivateKey, KeyPair)> = OnceLock::new();
    static K3072: OnceLock<(rsa::PrivateKey, KeyPair)> = OnceLock::new();
    let cell = match bits {
        2048 => &K2048,
        3072 => &K3072,
        _ => panic!("only 2048 and 3072 are cached"),
    };
    cell.get_or_init(|| {
        let key = rsa_private(bits);
        let der = key.to_pkcs8_der().expect("PKCS#8 encoding");
        let pair = KeyPair::from_pkcs8_der_and_sign_algo(&der.as_bytes().into(), &PKCS_RSA_SHA256)
            .expect("rcgen accepts the RSA key");
        (key, pair)
    })
}

pub fn ec_keypair(p384: bool) -> KeyPair {
    KeyPair::generate_for(if p384 {
        &PKCS_ECDSA_P384_SHA384
    } else {
        &PKCS_ECDSA_P256_SHA256
    })
    .expect("EC key generation")
}

pub fn params(
    cn: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.distinguished_name
        .push(DnType::OrganizationName, "SSO Pilot Tests");
    p.not_before = not_before;
    p.not_after = not_after;
    p
}

/// A self-signed certificate valid from 30 days before [`now`] to `days_left` days after it.
pub fn self_signed(key: &KeyPair, cn: &str, days_left: i64) -> rcgen::Certificate {
    params(
        cn,
        now() - Duration::days(30),
        now() + Duration::days(days_left),
    )
    .self_signed(key)
    .expect("self-signed certificate")
}

/// A typical IdP certificate: RSA-2048, SHA-256, self-signed, a year left.
pub fn rsa2048_cert() -> &'static rcgen::Certificate {
    static C: OnceLock<rcgen::Certificate> = OnceLock::new();
    C.get_or_init(|| self_signed(&rsa_keypair(2048).1, "JumpCloud IdP Test", 365))
}

pub fn rsa2048_pem() -> String {
    rsa2048_cert().pem()
}

pub fn rsa2048_der() -> Vec<u8> {
    rsa2048_cert().der().to_vec()
}

/// A leaf signed by an intermediate-style CA: returns (leaf, ca).
pub fn chain() -> (rcgen::Certificate, rcgen::Certificate) {
    let ca_key = ec_keypair(true);
    let mut ca_params = params(
        "Test Root CA",
        now() - Duration::days(400),
        now() + Duration::days(4000),
    );
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = ec_keypair(false);
    let leaf = params(
        "idp.example.com",
        now() - Duration::days(10),
        now() + Duration::days(200),
    )
    .signed_by(&leaf_key, &issuer)
    .expect("leaf");
    (leaf, ca)
}

pub fn pkcs1_private_pem() -> String {
    rsa_keypair(2048)
        .0
        .to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
        .expect("PKCS#1")
        .to_string()
}

pub fn pkcs8_private_pem() -> String {
    rsa_keypair(2048).1.serialize_pem()
}

/// The base64 body of a PEM block, on one line.
pub fn body(pem: &str) -> String {
    pem.lines().filter(|l| !l.starts_with("-----")).collect()
}

pub fn b64(der: &[u8]) -> String {
    STANDARD.encode(der)
}

/// Wraps base64 at `width` columns.
pub fn wrap(b64: &str, width: usize) -> String {
    b64.as_bytes()
        .chunks(width)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the `openssl` command; a missing command fails the test with the set-up instruction.
pub fn openssl(args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("the `openssl` command is needed by this test ({e}): run scripts/setup.sh (Debian package openssl)")
        });
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A certificate made by the openssl command: `key_spec` like "rsa:1024", digest like "-sha1".
pub fn openssl_cert(key_spec: &str, digest: &str, cn: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k.pem");
    let cert = dir.path().join("c.pem");
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            key_spec,
            "-nodes",
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
            "-subj",
            &format!("/CN={cn}"),
            digest,
            "-days",
            "3650",
        ],
        None,
    );
    std::fs::read_to_string(cert).unwrap()
}

/// A SEC1 "EC PRIVATE KEY" made by openssl.
pub fn sec1_ec_private_pem() -> String {
    String::from_utf8(openssl(
        &["ecparam", "-name", "prime256v1", "-genkey", "-noout"],
        None,
    ))
    .unwrap()
}

/// The SHA-256 fingerprint of a PEM certificate as openssl prints it ("AB:CD:...").
pub fn openssl_sha256_fingerprint(pem: &str) -> String {
    let out = String::from_utf8(openssl(
        &["x509", "-noout", "-fingerprint", "-sha256"],
        Some(pem.as_bytes()),
    ))
    .unwrap();
    out.trim().rsplit('=').next().unwrap().to_string()
}
