//! The validator with a crafted InclusiveNamespaces PrefixList and crafted content inside the signed Assertion
//! (issue 18): the input's first line is the PrefixList (used by both the Reference's exc-c14n transform and
//! SignedInfo's CanonicalizationMethod), the rest is put inside the Assertion. The DigestValue is computed here over
//! the Assertion's canonical form, so both canonicalizations run before the signature value fails. Run with
//! libFuzzer's `-timeout=1` (fuzz/run.sh): an input whose verdict takes long is a finding, like a crash.
#![no_main]

#[path = "common.rs"]
mod common;

use base64::Engine;
use common::policy;
use libfuzzer_sys::fuzz_target;
use ssopilot_saml::c14n::canonicalize;
use ssopilot_saml::response::validate;
use ssopilot_saml::xmldsig::parse_prefix_list;

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

fn response(list: &str, body: &str, digest: &str) -> String {
    const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    let inclusive = format!(
        "<ec:InclusiveNamespaces xmlns:ec=\"{EXC}\" PrefixList=\"{}\"/>",
        escape_attr(list)
    );
    format!(
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:p=\"urn:p\" ID=\"_r\" Version=\"2.0\" IssueInstant=\"2026-11-25T11:59:55Z\"><samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status><saml:Assertion xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" ID=\"_a\" Version=\"2.0\" IssueInstant=\"2026-11-25T11:59:55Z\"><saml:Issuer>https://idp.example.com/saml</saml:Issuer><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"{EXC}\">{inclusive}</ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/><ds:Reference URI=\"#_a\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/><ds:Transform Algorithm=\"{EXC}\">{inclusive}</ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>{body}</saml:Assertion></samlp:Response>"
    )
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (list, body) = text.split_once('\n').unwrap_or((&text, ""));
    let draft = response(list, body, "AAAA");
    // The digest the Assertion really has, so verification goes on to SignedInfo's canonicalization.
    let mut xml = draft.clone();
    if let (Ok(doc), Ok(prefixes)) = (ssopilot_saml::xml::parse(&draft), parse_prefix_list(list)) {
        let assertion = doc
            .elements()
            .find(|e| doc.element(*e).is_some_and(|el| el.local == "Assertion"));
        let signature = doc
            .elements()
            .find(|e| doc.element(*e).is_some_and(|el| el.local == "Signature"));
        if let (Some(a), Some(s)) = (assertion, signature) {
            if let Ok(c) = canonicalize(&doc, a, Some(s), &prefixes) {
                let digest = ring::digest::digest(&ring::digest::SHA256, &c);
                let b64 = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
                xml = response(list, body, &b64);
            }
        }
    }
    let r = validate(xml.as_bytes(), policy());
    // The private key is dropped at start-up: nothing the fuzzer produces can carry a valid signature.
    assert!(!r.valid(), "accepted a response no configured key signed");
});
