//! Reading one certificate: its key, names, validity and self-signature, said in words a person can check against the IdP portal.

use super::*;

pub(super) fn inspect_certificate(report: &mut CertReport, der_bytes: &[u8], now: OffsetDateTime) {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der_bytes) else {
        // sort_blocks only keeps DER that parsed; this is unreachable in practice but must not panic.
        report.add(
            FindingCode::Malformed,
            "The certificate could not be decoded.",
            HINT_PASTE_CERT,
        );
        return;
    };
    report.der = Some(der_bytes.to_vec());
    report.pem = Some(to_pem(der_bytes));
    report.sha256_fingerprint = Some(Fingerprint::sha256(der_bytes));
    report.sha1_fingerprint = Some(Fingerprint::sha1(der_bytes));
    report.subject = Some(cert.subject().to_string());
    report.issuer = Some(cert.issuer().to_string());
    let serial: Vec<u8> = {
        let raw = cert.raw_serial();
        let start = raw
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(raw.len().saturating_sub(1));
        raw.get(start..).unwrap_or(raw).to_vec()
    };
    report.serial = Some(colon_hex(&serial));
    let self_issued = cert.subject().as_raw() == cert.issuer().as_raw();
    report.self_signed = Some(self_issued);

    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    let sig_name = oid_name(&sig_oid)
        .map(str::to_string)
        .unwrap_or_else(|| sig_oid.clone());
    report.signature_algorithm = Some(sig_name.clone());

    // Validity.
    let validity = cert.validity();
    let (nb, na) = (
        asn1_time(&validity.not_before),
        asn1_time(&validity.not_after),
    );
    if let (Some(nb), Some(na)) = (nb, na) {
        report.validity = Some((nb, na));
        report.not_before = Some(rfc3339(nb));
        report.not_after = Some(rfc3339(na));
        let days_left = floor_days(na - now);
        report.days_left = Some(days_left);
        if now < nb {
            let wait = (nb - now).whole_days();
            report.add(
                FindingCode::NotYetValid,
                format!(
                    "The certificate is not valid yet: it starts on {} ({}).",
                    rfc3339(nb),
                    in_days(wait)
                ),
                "Check the computer's clock. If the clock is right, this is a new certificate the IdP has not \
                 started using yet: keep the current one until the IdP switches, or ask the IdP admin which one is \
                 active.",
            );
        } else if now > na {
            report.add(
                FindingCode::Expired,
                format!(
                    "The certificate expired on {} ({} ago). Service providers reject logins signed with it.",
                    rfc3339(na),
                    days_word(-days_left)
                ),
                "Download the current signing certificate from the IdP's SAML application. If the IdP still uses \
                 this one, renew it there first.",
            );
        } else if days_left <= EXPIRES_SOON_DAYS {
            report.add(
                FindingCode::ExpiresSoon,
                format!(
                    "The certificate expires on {} ({}).",
                    rfc3339(na),
                    in_days(days_left)
                ),
                "Plan the rotation now: get the IdP's next certificate and add it to the service provider before \
                 this date, or logins will stop working.",
            );
        }
    } else {
        report.add(
            FindingCode::Malformed,
            "The certificate's validity dates cannot be read.",
            HINT_PASTE_CERT,
        );
    }

    // Key.
    let key = key_info(&cert);
    match (key.algorithm.as_str(), key.bits) {
        ("RSA", Some(bits)) if bits < 2048 => report.add(
            FindingCode::WeakKey,
            format!("The RSA key is {bits} bits; at least 2048 are needed. Such keys can be broken."),
            "Ask the IdP administrator to create a new signing certificate with an RSA key of 2048 bits or more \
             (3072 recommended) or an EC P-256 key.",
        ),
        ("EC", Some(bits)) if bits < 256 => report.add(
            FindingCode::WeakKey,
            format!("The EC key is {bits} bits; at least 256 (P-256) are needed."),
            "Ask the IdP administrator to create a new signing certificate with a P-256 or P-384 key.",
        ),
        ("RSA", _) | ("EC", _) => {}
        (other, _) => report.add(
            FindingCode::UnsupportedKey,
            format!(
                "The key is {other}. SAML signatures are checked with RSA or ECDSA keys; SSO Pilot's test login and \
                 most service providers cannot use this key."
            ),
            "Ask the IdP administrator for a signing certificate with an RSA (2048 bits or more) or EC P-256 key.",
        ),
    }

    // Signature algorithm.
    match sig_oid.as_str() {
        "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => report.add(
            FindingCode::Sha1Signature,
            format!(
                "The certificate is signed with SHA-1 ({sig_name}). For the IdP's own certificate this matters \
                 little (it is trusted by fingerprint, not by its signature), but SHA-1 is obsolete."
            ),
            "Nothing blocks the setup. When the IdP offers it, rotate to a certificate signed with SHA-256.",
        ),
        "1.2.840.113549.1.1.2" | "1.2.840.113549.1.1.4" => report.add(
            FindingCode::WeakSignature,
            format!("The certificate is signed with {sig_name}, which is broken."),
            "Ask the IdP administrator for a new certificate signed with SHA-256.",
        ),
        _ => {}
    }

    if self_issued && self_signature_ok(&cert, &key) == Some(false) {
        report.add(
            FindingCode::SelfSignatureInvalid,
            "The certificate names itself as its issuer, but its signature does not match its content: it was \
             probably changed after it was issued (a character edited in the text).",
            "Compare the SHA-256 fingerprint with the one your IdP shows; if they differ, download the certificate \
             again.",
        );
    }
    report.key = Some(key);
}

pub(super) fn key_info(cert: &X509Certificate<'_>) -> KeyInfo {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => KeyInfo {
            algorithm: "RSA".into(),
            bits: Some(bit_len(rsa.modulus)),
            curve: None,
        },
        Ok(PublicKey::EC(point)) => {
            let curve_oid = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let named = curve_oid.as_deref().and_then(curve_name);
            KeyInfo {
                algorithm: "EC".into(),
                bits: named
                    .map(|(_, b)| b)
                    .or_else(|| u32::try_from(point.key_size()).ok().filter(|b| *b > 0)),
                curve: named.map(|(n, _)| n.to_string()).or(curve_oid),
            }
        }
        Ok(PublicKey::DSA(y)) => KeyInfo {
            algorithm: "DSA".into(),
            bits: Some(bit_len(y)),
            curve: None,
        },
        _ => KeyInfo {
            algorithm: match alg.as_str() {
                "1.3.101.112" => "Ed25519".into(),
                "1.3.101.113" => "Ed448".into(),
                "1.2.840.113549.1.1.10" => "RSA-PSS".into(),
                other => other.to_string(),
            },
            bits: match alg.as_str() {
                "1.3.101.112" => Some(256),
                "1.3.101.113" => Some(456),
                _ => None,
            },
            curve: None,
        },
    }
}

/// Verifies a self-issued certificate's signature with its own key. `None` when ring cannot check this
/// algorithm/key combination.
pub(super) fn self_signature_ok(cert: &X509Certificate<'_>, key: &KeyInfo) -> Option<bool> {
    use ring::signature as sig;
    let alg = cert.signature_algorithm.algorithm.to_id_string();
    let bits = key.bits.unwrap_or(0);
    let verify: &dyn sig::VerificationAlgorithm = match (alg.as_str(), key.curve.as_deref()) {
        ("1.2.840.113549.1.1.5", _) if bits >= 1024 => {
            &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
        }
        ("1.2.840.113549.1.1.11", _) if bits >= 1024 => {
            &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        }
        ("1.2.840.113549.1.1.12", _) if bits >= 2048 => &sig::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.13", _) if bits >= 1024 => {
            &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
        }
        ("1.2.840.10045.4.3.2", Some("P-256")) => &sig::ECDSA_P256_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", Some("P-256")) => &sig::ECDSA_P256_SHA384_ASN1,
        ("1.2.840.10045.4.3.2", Some("P-384")) => &sig::ECDSA_P384_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", Some("P-384")) => &sig::ECDSA_P384_SHA384_ASN1,
        ("1.3.101.112", _) => &sig::ED25519,
        _ => return None,
    };
    let public_key = &cert.public_key().subject_public_key.data;
    let tbs = cert.tbs_certificate.as_ref();
    let signature = &cert.signature_value.data;
    Some(
        sig::UnparsedPublicKey::new(verify, public_key.as_ref())
            .verify(tbs, signature.as_ref())
            .is_ok(),
    )
}

pub(super) fn oid_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsa-with-SHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa-with-SHA256",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        _ => return None,
    })
}

pub(super) fn curve_name(oid: &str) -> Option<(&'static str, u32)> {
    Some(match oid {
        "1.2.840.10045.3.1.7" => ("P-256", 256),
        "1.3.132.0.34" => ("P-384", 384),
        "1.3.132.0.35" => ("P-521", 521),
        "1.3.132.0.10" => ("secp256k1", 256),
        "1.2.840.10045.3.1.1" => ("P-192", 192),
        "1.3.132.0.33" => ("P-224", 224),
        _ => return None,
    })
}

/// Bits of a big-endian unsigned integer, ignoring leading zero bytes.
pub(super) fn bit_len(bytes: &[u8]) -> u32 {
    let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(p) => bytes.get(p..).unwrap_or_default(),
        None => &[],
    };
    match trimmed.first() {
        Some(first) => (trimmed.len() as u32) * 8 - first.leading_zeros(),
        None => 0,
    }
}

pub(super) fn summarise_all(report: &mut CertReport, certs: &[Vec<u8>]) {
    for der_bytes in certs {
        let summary = match x509_parser::parse_x509_certificate(der_bytes) {
            Ok((_, c)) => CertSummary {
                subject: c.subject().to_string(),
                issuer: c.issuer().to_string(),
                not_after: asn1_time(&c.validity().not_after).map(rfc3339),
                sha256_fingerprint: Fingerprint::sha256(der_bytes),
            },
            Err(_) => continue,
        };
        report.certificates.push(summary);
    }
    if report.certificates.len() > 1 {
        let mut list = String::new();
        for (i, c) in report.certificates.iter().enumerate() {
            let _ = write!(
                list,
                "{}#{} {} (SHA-256 {}…)",
                if i == 0 { "" } else { "; " },
                i + 1,
                c.subject,
                c.sha256_fingerprint.as_str().get(..23).unwrap_or_default()
            );
        }
        let chain = report
            .certificates
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.issuer == b.subject));
        report.add(
            FindingCode::MultipleCertificates,
            format!(
                "The input holds {} certificates{}: {list}. The first is the one checked.",
                report.certificates.len(),
                if chain {
                    " (the first and the chain that issued it)"
                } else {
                    ""
                }
            ),
            "Paste only the IdP's signing certificate. If it is not the first one, paste it on its own.",
        );
    }
}

pub(super) fn days_word(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

pub(super) fn in_days(n: i64) -> String {
    match n {
        0 => "today".into(),
        n => format!("in {}", days_word(n)),
    }
}

/// Whole days between two instants, rounded towards negative infinity (so "expired 2 hours ago" is -1).
pub(super) fn floor_days(d: Duration) -> i64 {
    let days = d.whole_days();
    if d.is_negative() && Duration::days(days) != d {
        days - 1
    } else {
        days
    }
}
