//! Certificate fingerprints, formatted as IdP portals show them, so an admin can compare by eye.

use std::fmt;
use std::fmt::Write as _;

use ring::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY, SHA256};
use serde::{Deserialize, Serialize};

/// A fingerprint of a certificate's DER encoding: upper-case hex pairs joined by colons ("AB:CD:…").
///
/// The algorithm is part of the type so a SHA-1 value is never compared with a SHA-256 one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// SHA-256 of the DER bytes: the fingerprint SSO Pilot uses to identify a certificate.
    pub fn sha256(der: &[u8]) -> Self {
        Self(colon_hex(digest(&SHA256, der).as_ref()))
    }

    /// SHA-1 of the DER bytes: still what several IdP portals display.
    pub fn sha1(der: &[u8]) -> Self {
        Self(colon_hex(digest(&SHA1_FOR_LEGACY_USE_ONLY, der).as_ref()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares with a fingerprint as pasted from a portal: case, colons, spaces and dashes are ignored.
    pub fn matches_text(&self, pasted: &str) -> bool {
        let norm = |s: &str| -> String {
            s.chars()
                .filter(|c| c.is_ascii_hexdigit())
                .map(|c| c.to_ascii_uppercase())
                .collect()
        };
        let ours = norm(&self.0);
        !ours.is_empty() && ours == norm(pasted)
    }
}

/// Upper-case hex bytes joined by colons, as IdP portals show fingerprints (the one home of this format).
pub(crate) fn colon_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        let _ = write!(out, "{b:02X}");
    }
    out
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests_of_abc() {
        // FIPS 180-2 test vectors for "abc".
        assert_eq!(
            Fingerprint::sha256(b"abc").as_str(),
            "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD"
        );
        assert_eq!(
            Fingerprint::sha1(b"abc").as_str(),
            "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D"
        );
    }

    #[test]
    fn matches_text_ignores_formatting_only() {
        let fp = Fingerprint::sha1(b"abc");
        assert!(fp.matches_text("a9993e364706816aba3e25717850c26c9cd0d89d"));
        assert!(fp.matches_text("A9 99 3E 36 47 06 81 6A BA 3E 25 71 78 50 C2 6C 9C D0 D8 9D"));
        assert!(!fp.matches_text("A9:99:3E"));
        assert!(!fp.matches_text(""));
    }
}
