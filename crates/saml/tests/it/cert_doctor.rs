//! The certificate doctor's contract (issue 3), on certificates and keys generated here: every finding code, every
//! repair, and the private-key safety rule.

use ssopilot_testkit::cert_support;

use cert_support::*;
use rcgen::{KeyPair, PKCS_ED25519};
use ssopilot_peers::clock::{Clock as _, SystemClock};
use ssopilot_saml::cert::{check, CertReport, FindingCode};
use ssopilot_saml::findings::{Code, Severity};
use ssopilot_saml::fingerprint::Fingerprint;
use time::Duration;

/// The PEM the doctor must output for `der`: armored, 64 columns, final newline.
fn canonical(der: &[u8]) -> String {
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        wrap(&b64(der), 64)
    )
}

fn codes(r: &CertReport) -> Vec<FindingCode> {
    r.findings.iter().map(|f| f.code).collect()
}

fn check_str(s: &str) -> CertReport {
    check(s.as_bytes(), now())
}

/// Certificates made by the openssl command start today, so they are checked at the real time.
fn check_today(s: &str) -> CertReport {
    check(s.as_bytes(), SystemClock.now())
}

/// Invariants that hold for every report.
fn invariants(r: &CertReport) {
    let errors = r.findings.iter().any(|f| f.severity == Severity::Error);
    assert_eq!(
        r.usable,
        r.der().is_some() && !errors,
        "usable rule: {r:#?}"
    );
    for f in &r.findings {
        assert_eq!(f.severity, f.code.severity());
        assert!(
            !f.message.trim().is_empty() && !f.hint.trim().is_empty(),
            "{f:?}"
        );
    }
    let sev: Vec<Severity> = r.findings.iter().map(|f| f.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sev, sorted, "errors first");
    match r.der() {
        Some(der) => {
            assert_eq!(r.pem.as_deref(), Some(canonical(der).as_str()));
            assert_eq!(r.sha256_fingerprint, Some(Fingerprint::sha256(der)));
            assert_eq!(r.sha1_fingerprint, Some(Fingerprint::sha1(der)));
        }
        None => assert!(r.pem.is_none() && r.sha256_fingerprint.is_none() && !r.repaired),
    }
}

fn assert_clean_usable(r: &CertReport, der: &[u8]) {
    invariants(r);
    assert!(r.usable, "{r:#?}");
    assert_eq!(r.der(), Some(der));
}

#[test]
fn clean_rsa_2048_sha256_is_usable_unrepaired_and_fully_described() {
    let der = rsa2048_der();
    let r = check_str(&canonical(&der));
    assert_clean_usable(&r, &der);
    assert!(!r.repaired);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(r
        .subject
        .as_deref()
        .unwrap()
        .contains("CN=JumpCloud IdP Test"));
    assert_eq!(r.subject, r.issuer);
    assert_eq!(r.self_signed, Some(true));
    assert_eq!(r.days_left, Some(365));
    let key = r.key.as_ref().unwrap();
    assert_eq!(
        (key.algorithm.as_str(), key.bits, key.curve.as_deref()),
        ("RSA", Some(2048), None)
    );
    assert_eq!(
        r.signature_algorithm.as_deref(),
        Some("sha256WithRSAEncryption")
    );
    assert_eq!(r.not_after.as_deref(), Some("2027-06-15T12:00:00Z"));
    assert_eq!(r.not_before.as_deref(), Some("2026-05-16T12:00:00Z"));
    assert_eq!(r.certificates.len(), 1);
    let serial = r.serial.as_deref().unwrap();
    assert!(serial.split(':').all(|p| p.len() == 2
        && p.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())));
}

#[test]
fn fingerprints_match_what_openssl_prints() {
    let pem = rsa2048_pem();
    let r = check_str(&pem);
    assert_eq!(
        r.sha256_fingerprint.unwrap().as_str(),
        openssl_sha256_fingerprint(&pem)
    );
}

#[test]
fn rsa_3072_and_ec_keys_are_described() {
    let k = &rsa_keypair(3072).1;
    let c = self_signed(k, "rsa3072", 100);
    let r = check(c.pem().as_bytes(), now());
    assert_clean_usable(&r, c.der());
    assert_eq!(r.key.as_ref().unwrap().bits, Some(3072));

    for (p384, curve, bits, sig) in [
        (false, "P-256", 256, "ecdsa-with-SHA256"),
        (true, "P-384", 384, "ecdsa-with-SHA384"),
    ] {
        let c = self_signed(&ec_keypair(p384), "ec", 100);
        let r = check(c.pem().as_bytes(), now());
        assert_clean_usable(&r, c.der());
        let key = r.key.as_ref().unwrap();
        assert_eq!(
            (key.algorithm.as_str(), key.curve.as_deref(), key.bits),
            ("EC", Some(curve), Some(bits))
        );
        assert_eq!(r.signature_algorithm.as_deref(), Some(sig));
        assert!(r.findings.is_empty(), "{:?}", r.findings);
    }
}

#[test]
fn rsa_1024_is_a_weak_key_error() {
    let pem = openssl_cert("rsa:1024", "-sha256", "weak");
    let r = check_today(&pem);
    invariants(&r);
    assert!(!r.usable);
    assert_eq!(codes(&r), [FindingCode::WeakKey]);
    assert_eq!(r.key.as_ref().unwrap().bits, Some(1024));
    assert!(r.findings[0].message.contains("1024"));
}

#[test]
fn sha1_signature_is_a_warning_only() {
    let pem = openssl_cert("rsa:2048", "-sha1", "legacy");
    let r = check_today(&pem);
    invariants(&r);
    assert!(r.usable);
    assert_eq!(codes(&r), [FindingCode::Sha1Signature]);
    assert_eq!(
        r.signature_algorithm.as_deref(),
        Some("sha1WithRSAEncryption")
    );
    assert_eq!(r.findings[0].severity, Severity::Warning);
}

#[test]
fn md5_signature_is_an_error() {
    let pem = openssl_cert("rsa:2048", "-md5", "ancient");
    let r = check_today(&pem);
    invariants(&r);
    assert!(!r.usable);
    assert_eq!(codes(&r), [FindingCode::WeakSignature]);
}

#[test]
fn validity_window_errors_and_warning() {
    let key = &rsa_keypair(2048).1;
    let expired = params(
        "old",
        now() - Duration::days(400),
        now() - Duration::hours(30),
    )
    .self_signed(key)
    .unwrap();
    let r = check(expired.pem().as_bytes(), now());
    invariants(&r);
    assert!(!r.usable);
    assert_eq!(codes(&r), [FindingCode::Expired]);
    assert_eq!(r.days_left, Some(-2));
    assert!(r.pem.is_some(), "an expired certificate is still shown");

    let future = params(
        "new",
        now() + Duration::days(3),
        now() + Duration::days(400),
    )
    .self_signed(key)
    .unwrap();
    let r = check(future.pem().as_bytes(), now());
    invariants(&r);
    assert!(!r.usable);
    assert_eq!(codes(&r), [FindingCode::NotYetValid]);
    assert!(
        r.findings[0].message.contains("in 3 days"),
        "{}",
        r.findings[0].message
    );

    let soon = self_signed(key, "soon", 10);
    let r = check(soon.pem().as_bytes(), now());
    invariants(&r);
    assert!(r.usable);
    assert_eq!(codes(&r), [FindingCode::ExpiresSoon]);
    assert_eq!(r.days_left, Some(10));

    // The boundary: 30 days is "soon", 31 is not.
    assert!(check(self_signed(key, "b", 30).pem().as_bytes(), now()).has(FindingCode::ExpiresSoon));
    assert!(!check(self_signed(key, "b", 31).pem().as_bytes(), now()).has(FindingCode::ExpiresSoon));
    // --now moves the verdict: the same certificate checked two years later is expired.
    let r = check(soon.pem().as_bytes(), now() + Duration::days(700));
    assert!(r.has(FindingCode::Expired) && !r.usable);
}

#[test]
fn a_chain_checks_the_first_and_lists_all() {
    let (leaf, ca) = chain();
    let input = format!("{}{}", leaf.pem(), ca.pem());
    let r = check_str(&input);
    invariants(&r);
    assert!(r.usable, "{r:#?}");
    assert_eq!(r.der(), Some(&leaf.der()[..]));
    assert_eq!(codes(&r), [FindingCode::MultipleCertificates]);
    assert_eq!(r.certificates.len(), 2);
    assert!(r.certificates[0].subject.contains("idp.example.com"));
    assert!(r.certificates[1].subject.contains("Test Root CA"));
    assert_eq!(r.self_signed, Some(false));
    let msg = &r.findings[0].message;
    assert!(
        msg.contains("idp.example.com") && msg.contains("Test Root CA") && msg.contains("chain"),
        "{msg}"
    );
}

#[test]
fn a_pkcs7_bundle_gives_its_certificates() {
    let (leaf, ca) = chain();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("chain.pem");
    std::fs::write(&f, format!("{}{}", leaf.pem(), ca.pem())).unwrap();
    let p7 = openssl(
        &["crl2pkcs7", "-nocrl", "-certfile", f.to_str().unwrap()],
        None,
    );
    let r = check(&p7, now());
    invariants(&r);
    assert!(r.usable);
    assert!(r.has(FindingCode::Pkcs7Converted) && r.has(FindingCode::MultipleCertificates));
    assert_eq!(r.certificates.len(), 2);
    assert!(r.repaired);
}

#[test]
fn csr_and_public_key_are_refused_with_their_names() {
    let key = ec_keypair(false);
    let csr = params("csr", now(), now())
        .serialize_request(&key)
        .unwrap()
        .pem()
        .unwrap();
    let r = check_str(&csr);
    invariants(&r);
    assert_eq!(codes(&r), [FindingCode::Csr]);
    assert!(!r.usable && r.pem.is_none());

    let r = check_str(&key.public_key_pem());
    invariants(&r);
    assert_eq!(codes(&r), [FindingCode::PublicKey]);

    let r = check_str(&rsa2048_cert_public_ssh_like());
    assert_eq!(codes(&r), [FindingCode::PublicKey]);

    // A CSR next to a good certificate: the certificate is usable, the CSR is reported as ignored.
    let input = format!("{csr}\n{}", rsa2048_pem());
    let r = check_str(&input);
    invariants(&r);
    assert!(r.usable);
    assert!(r.has(FindingCode::IgnoredObject));
}

fn rsa2048_cert_public_ssh_like() -> String {
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 admin@laptop\n".to_string()
}

/// No 16-character piece of the key's base64 may appear anywhere in the report or its JSON.
fn assert_no_key_material(r: &CertReport, key_pem: &str) {
    let json = serde_json::to_string(r).unwrap();
    let debug = format!("{r:?}");
    let key_b64 = body(key_pem);
    for start in (0..key_b64.len().saturating_sub(16)).step_by(8) {
        let piece = &key_b64[start..start + 16];
        assert!(!json.contains(piece), "key material in JSON");
        assert!(!debug.contains(piece), "key material in Debug");
    }
}

#[test]
fn private_keys_of_every_format_are_refused_and_never_echoed() {
    let ed = KeyPair::generate_for(&PKCS_ED25519)
        .unwrap()
        .serialize_pem();
    for (name, pem) in [
        ("pkcs8 rsa", pkcs8_private_pem()),
        ("pkcs1 rsa", pkcs1_private_pem()),
        ("sec1 ec", sec1_ec_private_pem()),
        ("pkcs8 ec", ec_keypair(false).serialize_pem()),
        ("pkcs8 ed25519", ed),
    ] {
        let r = check_str(&pem);
        invariants(&r);
        assert!(!r.usable, "{name}");
        assert_eq!(codes(&r), [FindingCode::PrivateKey], "{name}");
        let msg = &r.findings[0].message;
        assert!(msg.contains("not shown"), "{msg}");
        assert!(r.findings[0].hint.contains("must never leave the IdP"));
        assert_no_key_material(&r, &pem);

        // Bare base64 of the key (armor stripped) is still recognised as a key.
        let r = check_str(&body(&pem));
        assert_eq!(codes(&r), [FindingCode::PrivateKey], "bare {name}");
        assert_no_key_material(&r, &pem);
    }
}

#[test]
fn private_key_with_certificate_is_unusable_and_key_not_echoed() {
    let key = pkcs8_private_pem();
    for input in [
        format!("{}{key}", rsa2048_pem()),
        format!("{key}{}", rsa2048_pem()),
    ] {
        let r = check_str(&input);
        invariants(&r);
        assert!(!r.usable);
        assert!(r.has(FindingCode::PrivateKey));
        assert_eq!(
            r.pem.as_deref(),
            Some(canonical(&rsa2048_der()).as_str()),
            "the certificate is still shown"
        );
        assert!(r.findings[0].message.contains("certificate is also there"));
        assert_no_key_material(&r, &key);
    }
    // A PKCS#12 bundle holds a key: refused.
    let dir = tempfile::tempdir().unwrap();
    let (c, k) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    std::fs::write(&c, rsa2048_pem()).unwrap();
    std::fs::write(&k, &key).unwrap();
    let p12 = openssl(
        &[
            "pkcs12",
            "-export",
            "-in",
            c.to_str().unwrap(),
            "-inkey",
            k.to_str().unwrap(),
            "-passout",
            "pass:x",
        ],
        None,
    );
    let r = check(&p12, now());
    invariants(&r);
    assert_eq!(codes(&r), [FindingCode::PrivateKey]);
}

#[test]
fn same_certificate_compares_by_fingerprint() {
    let r = check_str(&body(&rsa2048_pem()));
    assert!(r.same_certificate(&rsa2048_der()));
    let (leaf, _) = chain();
    assert!(!r.same_certificate(leaf.der()));
    assert!(!check_str("nothing").same_certificate(&rsa2048_der()));
}

#[test]
fn der_input_is_converted() {
    let der = rsa2048_der();
    let r = check(&der, now());
    assert_clean_usable(&r, &der);
    assert!(r.repaired);
    assert_eq!(codes(&r), [FindingCode::DerConverted]);
}

#[test]
fn empty_random_and_garbage_inputs() {
    let r = check(b"", now());
    invariants(&r);
    assert_eq!(codes(&r), [FindingCode::Empty]);
    let r = check(b" \r\n\t ", now());
    assert_eq!(codes(&r), [FindingCode::Empty]);
    let r = check_str("Hi team, the SSO is broken again, can you look? Thanks, Mike");
    invariants(&r);
    assert_eq!(codes(&r), [FindingCode::NotACertificate]);
    let noise: Vec<u8> = (0..4000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let r = check(&noise, now());
    invariants(&r);
    assert!(!r.usable && r.first_error().is_some());
    let r = check(&vec![b'x'; ssopilot_saml::cert::MAX_INPUT + 1], now());
    assert_eq!(codes(&r), [FindingCode::TooLarge]);
}

#[test]
fn damaged_certificates_are_malformed_or_flagged() {
    let der = rsa2048_der();
    let b = b64(&der);
    // Cut short.
    let cut = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        wrap(&b[..b.len() / 2], 64)
    );
    let r = check_str(&cut);
    invariants(&r);
    assert_eq!(codes(&r), [FindingCode::Malformed]);
    assert!(
        r.findings[0].message.contains("cut short"),
        "{}",
        r.findings[0].message
    );
    // A character that is not base64 in the middle.
    let mut bad = b.clone();
    bad.replace_range(500..501, "*");
    let r = check_str(&canonical_text(&bad));
    invariants(&r);
    assert!(!r.usable && r.has(FindingCode::Malformed));
    // One base64 character changed inside the signature: still parses, but the self-signature no longer matches.
    let mut edited = b.clone();
    let pos = b.len() - 20;
    let replacement = if &b[pos..pos + 1] == "A" { "B" } else { "A" };
    edited.replace_range(pos..pos + 1, replacement);
    let r = check_str(&canonical_text(&edited));
    invariants(&r);
    assert!(r.has(FindingCode::SelfSignatureInvalid), "{:?}", codes(&r));
    // An armored CERTIFICATE block that holds something else.
    let r = check_str("-----BEGIN CERTIFICATE-----\nMAYCAQUCAQM=\n-----END CERTIFICATE-----\n");
    invariants(&r);
    assert!(!r.usable);
}

fn canonical_text(b64_body: &str) -> String {
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        wrap(b64_body, 64)
    )
}

#[test]
fn ed25519_is_reported_as_unsupported() {
    let c = self_signed(&KeyPair::generate_for(&PKCS_ED25519).unwrap(), "ed", 100);
    let r = check(c.pem().as_bytes(), now());
    invariants(&r);
    assert!(r.usable);
    assert_eq!(codes(&r), [FindingCode::UnsupportedKey]);
}

/// Every repair named in issue 3: each yields the same certificate, `repaired: true` and its finding.
#[test]
fn every_repair_gives_back_the_same_certificate() {
    let der = rsa2048_der();
    let b = b64(&der);
    let pem = canonical(&der);
    let w64 = wrap(&b, 64);
    use FindingCode::*;
    let cases: Vec<(&str, String, Vec<FindingCode>)> = vec![
        ("bare base64 one line", b.clone(), vec![MissingArmor, Rewrapped]),
        ("bare base64 wrapped", w64.clone(), vec![MissingArmor]),
        (
            "metadata X509Certificate element",
            format!("<ds:X509Certificate>{b}</ds:X509Certificate>"),
            vec![MissingArmor, Rewrapped, SurroundingText],
        ),
        ("four dashes", pem.replace("-----", "----"), vec![ArmorRepaired]),
        ("six dashes", pem.replace("-----", "------"), vec![ArmorRepaired]),
        ("no dashes", pem.replace("-----", ""), vec![ArmorRepaired]),
        ("en dashes", pem.replace("-----", "\u{2013}\u{2013}\u{2013}\u{2013}\u{2013}"), vec![ArmorRepaired]),
        ("em dashes", pem.replace("-----", "\u{2014}\u{2014}"), vec![ArmorRepaired]),
        ("minus signs", pem.replace("-----", "\u{2212}\u{2212}\u{2212}\u{2212}\u{2212}"), vec![ArmorRepaired]),
        ("word processor mix", pem.replace("-----", "\u{2014}\u{2013}-"), vec![ArmorRepaired]),
        ("missing END", pem.replace("-----END CERTIFICATE-----\n", ""), vec![ArmorRepaired]),
        ("missing BEGIN", pem.replace("-----BEGIN CERTIFICATE-----\n", ""), vec![ArmorRepaired]),
        ("lower case armor", pem.replace("BEGIN CERTIFICATE", "begin certificate"), vec![ArmorRepaired]),
        ("CRLF", pem.replace('\n', "\r\n"), vec![WhitespaceRepaired]),
        ("trailing spaces", pem.replace('\n', "   \n"), vec![WhitespaceRepaired]),
        ("indentation", pem.lines().map(|l| format!("    {l}\n")).collect(), vec![WhitespaceRepaired]),
        ("tabs", pem.lines().map(|l| format!("\t{l}\n")).collect(), vec![WhitespaceRepaired]),
        ("blank lines", pem.replace('\n', "\n\n"), vec![WhitespaceRepaired]),
        ("non-breaking spaces", pem.replace('\n', "\u{00A0}\n"), vec![WhitespaceRepaired]),
        ("zero-width spaces", pem.replace('\n', "\u{200B}\n"), vec![WhitespaceRepaired]),
        (
            "one-line PEM",
            format!("-----BEGIN CERTIFICATE-----{b}-----END CERTIFICATE-----"),
            vec![Rewrapped],
        ),
        (
            "one-line PEM with spaces",
            format!("-----BEGIN CERTIFICATE----- {b} -----END CERTIFICATE-----"),
            vec![Rewrapped],
        ),
        ("76 columns", canonical_text_w(&b, 76), vec![Rewrapped]),
        ("72 columns", canonical_text_w(&b, 72), vec![Rewrapped]),
        ("uneven lines", canonical_text_w(&b, 64).replacen('\n', "", 3), vec![Rewrapped]),
        (
            "missing padding",
            canonical_text(b.trim_end_matches('=')),
            if b.ends_with('=') { vec![Rewrapped] } else { vec![] },
        ),
        ("JSON \\n", pem.replace('\n', "\\n"), vec![EscapesDecoded]),
        (
            "JSON string in an API response",
            format!("{{\"certificate\": \"{}\"}}", pem.replace('\n', "\\n").replace('/', "\\/")),
            vec![EscapesDecoded, SurroundingText],
        ),
        ("JSON \\r\\n", pem.replace('\n', "\\r\\n"), vec![EscapesDecoded]),
        ("JSON \\u002B", pem.replace('+', "\\u002B").replace('\n', "\\n"), vec![EscapesDecoded]),
        ("XML &#13;", pem.replace('\n', "&#13;\n"), vec![EscapesDecoded]),
        (
            "text before and after",
            format!("Hi support,\nhere is our cert:\n\n{pem}\nThanks!\n-- \nMike"),
            vec![SurroundingText],
        ),
        ("smart quotes", format!("\u{201C}{}\u{201D}", pem.trim_end()), vec![SurroundingText]),
        ("straight quotes", format!("\"{}\"", pem.trim_end()), vec![SurroundingText]),
        (
            "everything at once",
            format!(
                "Cert below \u{2014} thanks!\r\n  \u{2013}\u{2013}\u{2013}\u{2013}BEGIN CERTIFICATE\u{2013}\u{2013}\u{2013}\u{2013}  \r\n{}\r\n\r\n  ----END CERTIFICATE----\r\n",
                wrap(&b, 76).replace('\n', "  \r\n  ")
            ),
            vec![ArmorRepaired, WhitespaceRepaired, Rewrapped, SurroundingText],
        ),
    ];
    for (name, input, expected) in cases {
        let r = check_str(&input);
        invariants(&r);
        assert!(r.usable, "{name}: {:#?}", r.findings);
        assert_eq!(r.der(), Some(&der[..]), "{name}");
        assert_eq!(r.pem.as_deref(), Some(pem.as_str()), "{name}");
        let mut got: Vec<FindingCode> = codes(&r);
        got.sort_by_key(|c| c.as_str());
        let mut want = expected.clone();
        want.sort_by_key(|c| c.as_str());
        assert_eq!(got, want, "{name}: {:#?}", r.findings);
        assert_eq!(r.repaired, !expected.is_empty(), "{name}");
        for f in &r.findings {
            assert!(f.code.is_repair(), "{name}: {f:?}");
            assert_ne!(f.severity, Severity::Error);
        }
    }
}

fn canonical_text_w(b64_body: &str, w: usize) -> String {
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        wrap(b64_body, w)
    )
}

#[test]
fn utf16_files_are_read() {
    let pem = rsa2048_pem();
    let mut bytes = vec![0xFF, 0xFE];
    for u in pem.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let r = check(&bytes, now());
    invariants(&r);
    assert!(r.usable);
    assert_eq!(codes(&r), [FindingCode::EncodingRepaired]);
}

#[test]
fn openssl_output_needs_no_repair() {
    let pem = rsa2048_pem();
    let again = String::from_utf8(openssl(&["x509"], Some(pem.as_bytes()))).unwrap();
    let r = check_str(&again);
    assert!(
        r.usable && !r.repaired && r.findings.is_empty(),
        "{:?}",
        r.findings
    );
}

#[test]
fn prose_mentioning_begin_certificate_does_not_confuse_the_doctor() {
    let input = format!(
        "Copy everything from BEGIN CERTIFICATE to END CERTIFICATE, like this:\n{}",
        rsa2048_pem()
    );
    let r = check_str(&input);
    invariants(&r);
    assert!(r.usable, "{:#?}", r.findings);
    assert_eq!(codes(&r), [FindingCode::SurroundingText]);
}

#[test]
fn two_bare_certificates_from_metadata() {
    let (leaf, ca) = chain();
    let input = format!(
        "<X509Certificate>{}</X509Certificate>\n<X509Certificate>{}</X509Certificate>",
        b64(leaf.der()),
        b64(ca.der())
    );
    let r = check_str(&input);
    invariants(&r);
    assert!(r.usable);
    assert_eq!(r.certificates.len(), 2);
    assert_eq!(r.der(), Some(&leaf.der()[..]));
}

#[test]
fn json_has_exactly_the_contract_fields() {
    let r = check_str(&rsa2048_pem());
    let v = serde_json::to_value(&r).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "certificates",
            "days_left",
            "findings",
            "issuer",
            "key",
            "not_after",
            "not_before",
            "pem",
            "repaired",
            "self_signed",
            "serial",
            "sha1_fingerprint",
            "sha256_fingerprint",
            "signature_algorithm",
            "subject",
            "usable"
        ]
    );
    let fp = v["sha256_fingerprint"].as_str().unwrap();
    assert_eq!(fp.len(), 32 * 3 - 1);
    assert!(fp
        .chars()
        .all(|c| c == ':' || c.is_ascii_digit() || c.is_ascii_uppercase()));
    assert_eq!(v["sha1_fingerprint"].as_str().unwrap().len(), 20 * 3 - 1);
    assert_eq!(
        v["key"],
        serde_json::json!({"algorithm": "RSA", "bits": 2048, "curve": null})
    );

    let r = check_str(&pkcs8_private_pem());
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["usable"], false);
    assert_eq!(v["pem"], serde_json::Value::Null);
    assert_eq!(v["findings"][0]["code"], "private_key");
    assert_eq!(v["findings"][0]["severity"], "error");
}
