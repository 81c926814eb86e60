//! The certificate doctor: says precisely what was pasted as the IdP's signing certificate, repairs what is safe to
//! repair (armor, dashes, wrapping, escapes, surrounding text), refuses what is dangerous (a private key), and shows the
//! certificate as IdP portals show it (SHA-256 and SHA-1 fingerprints in colon hex) so the admin can compare.
//!
//! [`check`] never panics and never fails: everything it has to say is in the [`CertReport`]'s findings.

mod der;
mod extract;

use std::fmt::Write as _;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use x509_parser::certificate::X509Certificate;
use x509_parser::public_key::PublicKey;

use crate::findings::{self, Code, Finding, Severity};
use crate::fingerprint::colon_hex;
use crate::fingerprint::Fingerprint;
use der::Kind;
use extract::{Body, Extraction};

mod inspect;

use inspect::*;

/// Largest input examined. A certificate is a few KiB; a chain of several is still far below this.
pub const MAX_INPUT: usize = 256 * 1024;

/// `expires_soon` fires at this many days left or fewer.
pub const EXPIRES_SOON_DAYS: i64 = 30;

/// The finding codes of the certificate doctor. The names are a contract (scripts match on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// Nothing but whitespace.
    Empty,
    /// Larger than [`MAX_INPUT`].
    TooLarge,
    /// No certificate in the input (and nothing more specific to say).
    NotACertificate,
    /// Something certificate-like that does not decode (cut short, damaged base64, not X.509).
    Malformed,
    /// A private key is in the input.
    PrivateKey,
    /// A certificate signing request instead of a certificate.
    Csr,
    /// A bare public key instead of a certificate.
    PublicKey,
    /// Bare base64 (as in metadata `X509Certificate`): armor added.
    MissingArmor,
    /// BEGIN/END lines repaired (dashes, typographic dashes, a missing line, case).
    ArmorRepaired,
    /// Line endings, indentation, trailing spaces, blank lines or invisible characters cleaned up.
    WhitespaceRepaired,
    /// One-line or differently wrapped base64 rewrapped at 64 columns.
    Rewrapped,
    /// JSON escapes (`\n`, `\/`, `\u002B`) or XML character references decoded.
    EscapesDecoded,
    /// Text before, after or between the blocks was ignored.
    SurroundingText,
    /// Binary DER converted to PEM.
    DerConverted,
    /// UTF-16 text decoded.
    EncodingRepaired,
    /// Certificates were taken out of a PKCS#7 (.p7b) bundle.
    Pkcs7Converted,
    /// More than one certificate: the first is the one checked.
    MultipleCertificates,
    /// Something other than a certificate (CSR, public key, CRL...) next to the certificate was ignored.
    IgnoredObject,
    Expired,
    NotYetValid,
    /// [`EXPIRES_SOON_DAYS`] days or fewer left.
    ExpiresSoon,
    /// RSA under 2048 bits, EC under 256.
    WeakKey,
    /// Signed with SHA-1.
    Sha1Signature,
    /// Signed with MD5 or MD2.
    WeakSignature,
    /// A key type SAML signature checks do not use (neither RSA nor ECDSA).
    UnsupportedKey,
    /// Issuer equals subject but the certificate's signature does not verify with its own key: damaged or edited.
    SelfSignatureInvalid,
}

impl Code for FindingCode {
    fn as_str(self) -> &'static str {
        use FindingCode::*;
        match self {
            Empty => "empty",
            TooLarge => "too_large",
            NotACertificate => "not_a_certificate",
            Malformed => "malformed",
            PrivateKey => "private_key",
            Csr => "csr",
            PublicKey => "public_key",
            MissingArmor => "missing_armor",
            ArmorRepaired => "armor_repaired",
            WhitespaceRepaired => "whitespace_repaired",
            Rewrapped => "rewrapped",
            EscapesDecoded => "escapes_decoded",
            SurroundingText => "surrounding_text",
            DerConverted => "der_converted",
            EncodingRepaired => "encoding_repaired",
            Pkcs7Converted => "pkcs7_converted",
            MultipleCertificates => "multiple_certificates",
            IgnoredObject => "ignored_object",
            Expired => "expired",
            NotYetValid => "not_yet_valid",
            ExpiresSoon => "expires_soon",
            WeakKey => "weak_key",
            Sha1Signature => "sha1_signature",
            WeakSignature => "weak_signature",
            UnsupportedKey => "unsupported_key",
            SelfSignatureInvalid => "self_signature_invalid",
        }
    }

    fn severity(self) -> Severity {
        use FindingCode::*;
        match self {
            Empty | TooLarge | NotACertificate | Malformed | PrivateKey | Csr | PublicKey
            | Expired | NotYetValid | WeakKey | WeakSignature => Severity::Error,
            MissingArmor | ArmorRepaired | MultipleCertificates | IgnoredObject | ExpiresSoon
            | Sha1Signature | UnsupportedKey | SelfSignatureInvalid => Severity::Warning,
            WhitespaceRepaired | Rewrapped | EscapesDecoded | SurroundingText | DerConverted
            | EncodingRepaired | Pkcs7Converted => Severity::Info,
        }
    }
}

impl FindingCode {
    /// True for the codes that describe a repair of the input's form (they set `repaired`).
    pub fn is_repair(self) -> bool {
        use FindingCode::*;
        matches!(
            self,
            MissingArmor
                | ArmorRepaired
                | WhitespaceRepaired
                | Rewrapped
                | EscapesDecoded
                | SurroundingText
                | DerConverted
                | EncodingRepaired
                | Pkcs7Converted
        )
    }
}

/// The messages of the findings that describe a broken input. One place, so wording stays consistent.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("The input is empty.")]
    Empty,
    #[error("The input is {size} bytes; a certificate is a few thousand. Nothing was examined.")]
    TooLarge { size: usize },
    #[error(
        "The certificate text stops after about {have} of its {need} bytes (line {line}): it was cut short or \
         a character in it was changed."
    )]
    Truncated {
        have: usize,
        need: usize,
        line: usize,
    },
    #[error("The base64 text at line {line} does not decode: a character in it was changed or padding ('=') is misplaced.")]
    BadBase64 { line: usize },
    #[error("The {label} block contains no base64 data.")]
    EmptyBlock { label: String },
    #[error("The {label} block decodes, but what it holds is not an X.509 certificate.")]
    NotX509 { label: String },
}

/// The public key of the checked certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// "RSA", "EC", "Ed25519", "Ed448", "DSA" or the key's OID.
    pub algorithm: String,
    /// Key size in bits (RSA modulus, EC field size), when known.
    pub bits: Option<u32>,
    /// Named curve of an EC key ("P-256", "P-384", "P-521", "secp256k1" or the OID).
    pub curve: Option<String>,
}

/// A short entry per certificate found, in input order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    pub not_after: Option<String>,
    pub sha256_fingerprint: Fingerprint,
}

/// Everything the doctor found. Serialises to the JSON contract of `ssopilot cert check --json` (issue 3).
#[derive(Debug, Clone, Serialize)]
pub struct CertReport {
    /// A certificate was found and no finding is an error.
    pub usable: bool,
    /// The input had to be repaired to get `pem`: offer the normalized version instead of what was pasted.
    pub repaired: bool,
    /// The checked certificate, armored, 64 columns, ending in a newline. Present whenever a certificate was found.
    pub pem: Option<String>,
    pub subject: Option<String>,
    pub issuer: Option<String>,
    /// Serial number in upper-case colon hex.
    pub serial: Option<String>,
    /// RFC 3339, UTC.
    pub not_before: Option<String>,
    /// RFC 3339, UTC.
    pub not_after: Option<String>,
    /// Whole days from `now` to `not_after` (negative once expired).
    pub days_left: Option<i64>,
    pub self_signed: Option<bool>,
    pub sha256_fingerprint: Option<Fingerprint>,
    pub sha1_fingerprint: Option<Fingerprint>,
    pub key: Option<KeyInfo>,
    /// OpenSSL-style name ("sha256WithRSAEncryption", "ecdsa-with-SHA256"...) or the OID.
    pub signature_algorithm: Option<String>,
    /// Every certificate found, the checked one first.
    pub certificates: Vec<CertSummary>,
    /// Errors first, then warnings, then information.
    pub findings: Vec<Finding<FindingCode>>,
    #[serde(skip)]
    der: Option<Vec<u8>>,
    #[serde(skip)]
    validity: Option<(OffsetDateTime, OffsetDateTime)>,
}

impl CertReport {
    /// The checked certificate's DER, when one was found.
    pub fn der(&self) -> Option<&[u8]> {
        self.der.as_deref()
    }

    /// `not_before` and `not_after` as times, for the validity timeline.
    pub fn validity(&self) -> Option<(OffsetDateTime, OffsetDateTime)> {
        self.validity
    }

    /// True when the checked certificate is exactly `der` (same SHA-256 fingerprint), e.g. one of the signing
    /// certificates of imported IdP metadata.
    pub fn same_certificate(&self, der: &[u8]) -> bool {
        self.sha256_fingerprint
            .as_ref()
            .is_some_and(|fp| *fp == Fingerprint::sha256(der))
    }

    /// True when a finding with this code is present.
    pub fn has(&self, code: FindingCode) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }

    /// The first error's message: the one-line reason the certificate is not usable.
    pub fn first_error(&self) -> Option<&Finding<FindingCode>> {
        self.findings.iter().find(|f| f.severity == Severity::Error)
    }

    fn empty() -> Self {
        Self {
            usable: false,
            repaired: false,
            pem: None,
            subject: None,
            issuer: None,
            serial: None,
            not_before: None,
            not_after: None,
            days_left: None,
            self_signed: None,
            sha256_fingerprint: None,
            sha1_fingerprint: None,
            key: None,
            signature_algorithm: None,
            certificates: Vec::new(),
            findings: Vec::new(),
            der: None,
            validity: None,
        }
    }

    fn add(&mut self, code: FindingCode, message: impl Into<String>, hint: impl Into<String>) {
        self.findings.push(Finding::new(code, message, hint));
    }

    fn finish(mut self) -> Self {
        findings::sort_by_severity(&mut self.findings);
        self.usable = self.der.is_some() && !findings::has_errors(&self.findings);
        self.repaired = self.der.is_some() && self.findings.iter().any(|f| f.code.is_repair());
        self
    }
}

const HINT_PASTE_CERT: &str =
    "Paste the IdP's signing certificate, downloaded from the IdP's SAML application: the whole \
    file, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.";

/// Checks a pasted or loaded certificate (PEM text, bare base64 or DER) at time `now`.
///
/// Never panics; input larger than [`MAX_INPUT`] is refused without being parsed. A private key in the input is
/// reported (without any of its bytes) and makes the report unusable.
pub fn check(input: &[u8], now: OffsetDateTime) -> CertReport {
    let mut report = CertReport::empty();
    if input.len() > MAX_INPUT {
        report.add(
            FindingCode::TooLarge,
            CertError::TooLarge { size: input.len() }.to_string(),
            format!(
                "Check that this is the certificate file (at most {} KiB is examined). {HINT_PASTE_CERT}",
                MAX_INPUT / 1024
            ),
        );
        return report.finish();
    }
    if input.iter().all(|b| b.is_ascii_whitespace()) {
        report.add(
            FindingCode::Empty,
            CertError::Empty.to_string(),
            HINT_PASTE_CERT,
        );
        return report.finish();
    }
    let ex = extract::extract(input);
    examine(&mut report, ex, now);
    report.finish()
}

/// What the blocks of an extraction turned out to be.
#[derive(Default)]
struct Sorted {
    certs: Vec<Vec<u8>>,
    private_keys: Vec<&'static str>,
    csr: usize,
    public_keys: Vec<&'static str>,
    crl: usize,
    pkcs7: bool,
    broken: Vec<CertError>,
    unknown: usize,
}

fn sort_blocks(ex: &Extraction) -> Sorted {
    let mut s = Sorted::default();
    for block in &ex.blocks {
        let label = block.label.as_deref().unwrap_or("");
        let labelled_private = label.contains("PRIVATE KEY");
        match &block.body {
            Body::Der(der) => match der::classify(der) {
                Kind::Certificate if !labelled_private => s.certs.push(der.clone()),
                Kind::PrivateKey(kind) => s.private_keys.push(kind),
                Kind::Pkcs12 => s.private_keys.push("PKCS#12 bundle (.pfx/.p12)"),
                _ if labelled_private => s.private_keys.push("PEM"),
                Kind::Csr => s.csr += 1,
                Kind::PublicKey(kind) => s.public_keys.push(kind),
                Kind::Crl => s.crl += 1,
                Kind::Pkcs7(certs) => {
                    s.pkcs7 = true;
                    s.certs.extend(certs);
                }
                Kind::Certificate | Kind::Unknown => {
                    if label.contains("CERTIFICATE") {
                        s.broken.push(CertError::NotX509 {
                            label: label.to_string(),
                        });
                    } else {
                        s.unknown += 1;
                    }
                }
            },
            _ if labelled_private => s.private_keys.push("PEM"),
            _ if label.contains("PUBLIC KEY") => s.public_keys.push("PEM"),
            _ if label.contains("REQUEST") => s.csr += 1,
            Body::Truncated { have, need, line } => s.broken.push(CertError::Truncated {
                have: *have,
                need: *need,
                line: *line,
            }),
            Body::Invalid { line } => s.broken.push(CertError::BadBase64 { line: *line }),
            Body::NoData => s.broken.push(CertError::EmptyBlock {
                label: label.to_string(),
            }),
        }
    }
    if ex.private_key_text && s.private_keys.is_empty() {
        s.private_keys.push("PEM header");
    }
    if ex.ssh_public_key {
        s.public_keys.push("OpenSSH");
    }
    s
}

fn examine(report: &mut CertReport, ex: Extraction, now: OffsetDateTime) {
    let sorted = sort_blocks(&ex);

    if !sorted.private_keys.is_empty() {
        let mut kinds = sorted.private_keys.clone();
        kinds.dedup();
        report.add(
            FindingCode::PrivateKey,
            format!(
                "The input contains a private key ({}). It was not shown, logged or kept. A private key is never \
                 pasted into a service provider, and it makes this input unusable even though {}.",
                kinds.join(", "),
                if sorted.certs.is_empty() {
                    "there is nothing else to use"
                } else {
                    "a certificate is also there"
                }
            ),
            "Remove the private key and paste only the certificate. The IdP's private key must never leave the IdP: \
             if it was sent by e-mail, chat or a ticket, ask the IdP's administrator to replace the signing key.",
        );
    }

    let Some(first) = sorted.certs.first() else {
        report_no_certificate(report, &ex, &sorted);
        return;
    };
    let first = first.clone();

    // Objects beside the certificate.
    let others = describe_others(&sorted);
    if !others.is_empty() {
        report.add(
            FindingCode::IgnoredObject,
            format!(
                "Besides the certificate, the input holds {}; it was ignored.",
                others.join(", ")
            ),
            "Paste only the IdP's certificate.",
        );
    }
    for err in &sorted.broken {
        report.add(
            FindingCode::Malformed,
            err.to_string(),
            "Copy the certificate again from its source (download it from the IdP rather than copying from a \
             chat or e-mail), or remove the damaged block.",
        );
    }
    if ex.too_many {
        report.add(
            FindingCode::IgnoredObject,
            format!(
                "The input holds more than {} blocks; only the first ones were examined.",
                extract::MAX_OBJECTS
            ),
            "Paste only the IdP's certificate.",
        );
    }
    report_repairs(report, &ex, sorted.pkcs7);
    inspect_certificate(report, &first, now);
    summarise_all(report, &sorted.certs);
}

fn describe_others(s: &Sorted) -> Vec<String> {
    let mut out = Vec::new();
    if s.csr > 0 {
        out.push("a certificate signing request (CSR)".to_string());
    }
    for k in &s.public_keys {
        out.push(format!("a public key ({k})"));
    }
    if s.crl > 0 {
        out.push("a certificate revocation list".to_string());
    }
    if s.unknown > 0 {
        out.push(format!("{} unrecognised block(s)", s.unknown));
    }
    out
}

fn report_no_certificate(report: &mut CertReport, ex: &Extraction, s: &Sorted) {
    if s.csr > 0 {
        report.add(
            FindingCode::Csr,
            "This is a certificate signing request (CSR), not a certificate. A CSR is what is sent to a certificate \
             authority to obtain a certificate; it cannot verify signatures.",
            HINT_PASTE_CERT,
        );
    }
    if !s.public_keys.is_empty() {
        report.add(
            FindingCode::PublicKey,
            format!(
                "This is a bare public key ({}), not a certificate. Service providers need the whole certificate.",
                s.public_keys.join(", ")
            ),
            HINT_PASTE_CERT,
        );
    }
    for err in &s.broken {
        report.add(
            FindingCode::Malformed,
            err.to_string(),
            format!("Copy the certificate again from its source. {HINT_PASTE_CERT}"),
        );
    }
    if s.pkcs7 {
        report.add(
            FindingCode::NotACertificate,
            "This is a PKCS#7 (.p7b) bundle with no certificate in it.",
            HINT_PASTE_CERT,
        );
    }
    let said_something = s.csr > 0
        || !s.public_keys.is_empty()
        || !s.private_keys.is_empty()
        || !s.broken.is_empty();
    if !said_something && !s.pkcs7 {
        let what = if s.crl > 0 {
            "This is a certificate revocation list (CRL), not a certificate.".to_string()
        } else if s.unknown > 0 || ex.repairs.der_input {
            "The input decodes, but it is not a certificate, a key or a CSR.".to_string()
        } else {
            "No certificate was found: the input has no -----BEGIN CERTIFICATE----- block and no base64 \
             certificate data."
                .to_string()
        };
        report.add(FindingCode::NotACertificate, what, HINT_PASTE_CERT);
    }
}

fn report_repairs(report: &mut CertReport, ex: &Extraction, pkcs7: bool) {
    let r = &ex.repairs;
    if r.der_input {
        report.add(
            FindingCode::DerConverted,
            "The input is a binary (DER) certificate; it was converted to PEM text.",
            "Use the PEM version shown here: service providers such as Infisical expect text with BEGIN/END lines.",
        );
    }
    if pkcs7 {
        report.add(
            FindingCode::Pkcs7Converted,
            "The certificate was taken out of a PKCS#7 (.p7b) bundle.",
            "Use the PEM version shown here.",
        );
    }
    if r.utf16 {
        report.add(
            FindingCode::EncodingRepaired,
            "The file is UTF-16 text (as saved by Windows Notepad as \"Unicode\"); it was read as such.",
            "Use the PEM version shown here, or save the file as UTF-8 or ANSI.",
        );
    }
    if r.no_armor {
        report.add(
            FindingCode::MissingArmor,
            "The certificate had no -----BEGIN CERTIFICATE----- / -----END CERTIFICATE----- lines (bare base64, as \
             in a metadata X509Certificate element); they were added.",
            "Use the PEM version shown here: Infisical and most service providers need the BEGIN and END lines.",
        );
    }
    let mut armor = Vec::new();
    if r.typographic_dashes {
        armor.push("typographic dashes (\u{2013}, \u{2014} or \u{2212}) put back to '-'");
    }
    if r.armor_dashes {
        armor.push("BEGIN/END lines re-written with exactly five dashes");
    }
    if r.missing_begin {
        armor.push("the missing -----BEGIN CERTIFICATE----- line added");
    }
    if r.missing_end {
        armor.push("the missing -----END CERTIFICATE----- line added");
    }
    if r.lowercase_armor {
        armor.push("BEGIN/END lines put in capitals");
    }
    if !armor.is_empty() {
        report.add(
            FindingCode::ArmorRepaired,
            format!("The BEGIN/END lines were damaged and repaired: {}.", armor.join("; ")),
            "Use the PEM version shown here. Word processors and chat tools turn \"-----\" into long dashes: copy \
             certificates through a plain-text editor.",
        );
    }
    let mut ws = Vec::new();
    if r.crlf {
        ws.push("Windows (CRLF) line endings");
    }
    if r.indentation {
        ws.push("indentation");
    }
    if r.trailing_spaces {
        ws.push("trailing spaces");
    }
    if r.blank_lines {
        ws.push("blank lines");
    }
    if r.invisible_chars {
        ws.push("invisible characters (non-breaking or zero-width spaces, byte order mark)");
    }
    if !ws.is_empty() {
        report.add(
            FindingCode::WhitespaceRepaired,
            format!("Removed {}.", ws.join(", ")),
            "Nothing to do; the PEM version shown here is clean.",
        );
    }
    let mut wrap = Vec::new();
    if r.one_line {
        wrap.push("the base64 was on one line".to_string());
    }
    if let Some(w) = r.wrap_width {
        wrap.push(format!("the base64 was wrapped at {w} columns"));
    }
    if r.uneven_wrap {
        wrap.push("the base64 lines had uneven lengths".to_string());
    }
    if r.missing_padding {
        wrap.push("the closing '=' padding was missing".to_string());
    }
    if !wrap.is_empty() {
        report.add(
            FindingCode::Rewrapped,
            format!(
                "{}; it was rewrapped at 64 columns.",
                capitalise(&wrap.join(", and "))
            ),
            "Use the PEM version shown here: some service providers accept only 64-column lines.",
        );
    }
    let mut esc = Vec::new();
    if r.json_escapes {
        esc.push("JSON escapes (a literal \\n for each line break, \\/ or \\u002B)");
    }
    if r.xml_char_refs {
        esc.push("XML character references (&#13; or &#xD;)");
    }
    if !esc.is_empty() {
        report.add(
            FindingCode::EscapesDecoded,
            format!("The text contained {}; they were decoded.", esc.join(" and ")),
            "Use the PEM version shown here. This happens when a certificate is copied out of an API response or an \
             XML file.",
        );
    }
    if r.surrounding_text {
        report.add(
            FindingCode::SurroundingText,
            "Text before, after or between the certificate blocks (or quotes around them) was ignored.",
            "Use the PEM version shown here, which holds only the certificate.",
        );
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The certificate as PEM: armored, base64 wrapped at 64 columns, with a final newline.
pub fn to_pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 60);
    out.push_str("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn asn1_time(t: &x509_parser::time::ASN1Time) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(t.timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_is_wrapped_at_64_columns() {
        let der = vec![0x30u8; 100];
        let pem = to_pem(&der);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines.first(), Some(&"-----BEGIN CERTIFICATE-----"));
        assert_eq!(lines.last(), Some(&"-----END CERTIFICATE-----"));
        assert_eq!(lines[1].len(), 64);
        assert!(pem.ends_with('\n'));
    }

    #[test]
    fn floor_days_rounds_down() {
        assert_eq!(floor_days(Duration::hours(-2)), -1);
        assert_eq!(floor_days(Duration::hours(47)), 1);
        assert_eq!(floor_days(Duration::days(-3)), -3);
    }

    #[test]
    fn bit_len_ignores_leading_zeros() {
        assert_eq!(bit_len(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_len(&[0x01]), 1);
        assert_eq!(bit_len(&[0, 0]), 0);
    }

    #[test]
    fn every_code_serialises_to_its_name() {
        use FindingCode::*;
        for code in [
            Empty,
            TooLarge,
            NotACertificate,
            Malformed,
            PrivateKey,
            Csr,
            PublicKey,
            MissingArmor,
            ArmorRepaired,
            WhitespaceRepaired,
            Rewrapped,
            EscapesDecoded,
            SurroundingText,
            DerConverted,
            EncodingRepaired,
            Pkcs7Converted,
            MultipleCertificates,
            IgnoredObject,
            Expired,
            NotYetValid,
            ExpiresSoon,
            WeakKey,
            Sha1Signature,
            WeakSignature,
            UnsupportedKey,
            SelfSignatureInvalid,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str())
            );
        }
    }

    #[test]
    fn empty_and_oversized_inputs_are_errors() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let r = check(b"  \n\t", now);
        assert!(!r.usable && r.has(FindingCode::Empty));
        let big = vec![b'A'; MAX_INPUT + 1];
        let r = check(&big, now);
        assert!(!r.usable && r.has(FindingCode::TooLarge));
    }
}
