//! Encrypted elements (issue 17): an `EncryptedAssertion` directly under the Response, an `EncryptedID` in the
//! assertion's Subject, `EncryptedAttribute`s in its AttributeStatement. Each is opened with the policy's SP keys
//! ([`crate::xmlenc`]), its plaintext must be exactly one element of the expected kind (parsed with the response's
//! limits: no DOCTYPE, no entities, the same size and depth caps), and is put in the encrypted element's place; the
//! resulting document is parsed again and goes through every rule as if it had been sent in clear.
//!
//! What was signed decides which document a signature is verified on: a Response signature covers the
//! `EncryptedAssertion` (it is verified on the document as received, before anything is decrypted), an Assertion signature made before encryption
//! is verified on the decrypted document, and an `EncryptedID`/`EncryptedAttribute` is opened only after the
//! assertion's signature was checked over it, for reading the claims.

use super::*;
use crate::escape::escape;
use crate::xmlenc::{self, ContentCipher, XmlEncError};

/// Which encrypted elements were opened, as the JSON report shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Encrypted {
    pub assertion: bool,
    pub name_id: bool,
    pub attributes: bool,
}

/// One encrypted element to open, and the element its plaintext must be.
pub(super) struct Target {
    pub node: NodeId,
    pub expect: &'static str,
}

/// The failed `decryption` check for `e`, with what to do about it.
fn failed(e: &XmlEncError, what: &str) -> Check {
    let (fix, hint) = match e {
        XmlEncError::Rsa15 => (
            Fix::IdpApplication,
            "in the IdP application's encryption settings, choose RSA-OAEP key transport (rsa-oaep-mgf1p or xmlenc11 rsa-oaep) and AES-GCM content encryption",
        ),
        XmlEncError::Unsupported { .. } => (
            Fix::IdpApplication,
            "in the IdP application's encryption settings, choose RSA-OAEP key transport and AES-256-GCM (or AES-128-GCM)",
        ),
        XmlEncError::NoKey => (
            Fix::IdpApplication,
            "give the SP's private decryption key (--sp-decryption-key), or turn off assertion encryption in the IdP application for the test",
        ),
        XmlEncError::DidNotFit { .. } => (
            Fix::IdpApplication,
            "the IdP encrypted for another key: upload the SP's current encryption certificate to the IdP application, or give the private key that belongs to the certificate the IdP has",
        ),
        XmlEncError::Key { .. } => (Fix::IdpApplication, "give the SP's RSA private key"),
        _ => (
            Fix::Capture,
            "this is not what an IdP sends: capture the response again, or treat it as an attack",
        ),
    };
    Check::fail(
        Rule::Decryption,
        fix,
        format!("the {what} could not be decrypted: {e}"),
    )
    .expected("RSA-OAEP key transport to a configured SP key, AES-GCM or AES-CBC content")
    .found(e.to_string())
    .hint(hint)
}

/// The plaintext without an XML declaration (some encryptors serialize one).
fn without_declaration(s: &str) -> &str {
    let s = s.strip_prefix('\u{FEFF}').unwrap_or(s);
    match s.strip_prefix("<?xml") {
        Some(rest) => rest.find("?>").and_then(|i| rest.get(i + 2..)).unwrap_or(s),
        None => s,
    }
}

/// Why a plaintext is not exactly one `{SAML}expect` element, if it is not.
fn not_one_element(doc: &Document, expect: &str) -> Option<String> {
    let root = doc.root();
    let mut elements = 0;
    for c in doc.children(root) {
        match doc.node(*c).map(|n| &n.kind) {
            Some(xml::NodeKind::Text(t)) if t.trim().is_empty() => {}
            Some(xml::NodeKind::Element(e)) if e.is(SAML_NS, expect) => elements += 1,
            Some(xml::NodeKind::Element(e)) => return Some(format!("<{}>", e.qname())),
            Some(xml::NodeKind::Text(_)) => return Some("text beside the element".into()),
            _ => return Some("a comment or processing instruction".into()),
        }
    }
    (elements != 1).then(|| format!("{elements} <saml:{expect}> elements"))
}

/// Opens every target and returns the document with their plaintexts in their places, parsed with the response's
/// limits; or pushes the failed check and returns `None`.
pub(super) fn open_in_place(
    doc: &Document,
    targets: &[Target],
    what: &str,
    policy: &Policy,
    r: &mut Report,
) -> Option<(Document<'static>, Vec<xmlenc::Opened>)> {
    let limits = Limits {
        max_bytes: policy.max_size,
        ..Limits::default()
    };
    let mut spliced: Vec<((usize, usize), String)> = Vec::new();
    let mut opened = Vec::new();
    for t in targets {
        let o = match xmlenc::decrypt(doc, t.node, &policy.decryption_keys) {
            Ok(o) => o,
            Err(e) => {
                r.push(failed(&e, what));
                return None;
            }
        };
        let text = without_declaration(&o.plaintext).trim().to_string();
        // Parsed inside an element declaring the namespaces in scope where it sits, as XML Encryption says.
        let decls: String = doc
            .parent(t.node)
            .map(|p| doc.in_scope_namespaces(p))
            .unwrap_or_default()
            .into_iter()
            .filter(|(p, u)| p.is_empty() || !u.is_empty())
            .map(|(p, u)| {
                if p.is_empty() {
                    format!(" xmlns=\"{}\"", escape(&u))
                } else {
                    format!(" xmlns:{p}=\"{}\"", escape(&u))
                }
            })
            .collect();
        let wrapped = format!("<ssopilot-decrypted{decls}>{text}</ssopilot-decrypted>");
        let problem = match xml::parse_with(&wrapped, &limits) {
            Err(e) => Some(e.to_string()),
            Ok(d) => not_one_element(&d, t.expect).map(|f| {
                format!(
                    "the plaintext must be exactly one <saml:{}> element; found {f}",
                    t.expect
                )
            }),
        };
        if let Some(problem) = problem {
            if !o.cipher.is_authenticated() {
                // CBC has no integrity: telling a bad plaintext from a bad key is the Jager-Somorovsky oracle, so
                // every CBC failure is the one decryption failure.
                r.push(failed(
                    &XmlEncError::DidNotFit {
                        tried: format!("public key SHA-256 {}", o.key),
                    },
                    what,
                ));
            } else {
                r.push(
                    Check::fail(
                        Rule::DecryptedXml,
                        Fix::Capture,
                        format!("the decrypted {what} is refused: {problem}"),
                    )
                    .expected(format!("one <saml:{}> element, well-formed, no DOCTYPE or entities, within the limits", t.expect))
                    .found(problem)
                    .hint("no IdP encrypts this: treat the response as an attack"),
                );
            }
            return None;
        }
        let Some(span) = doc.element(t.node).map(|e| e.span) else {
            continue;
        };
        spliced.push((span, text));
        opened.push(o);
    }
    spliced.sort_by_key(|(s, _)| s.0);
    let source = doc.source();
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for ((start, end), text) in &spliced {
        out.push_str(source.get(at..*start).unwrap_or_default());
        out.push_str(text);
        at = *end;
    }
    out.push_str(source.get(at..).unwrap_or_default());
    match xml::parse_with(&out, &limits) {
        Ok(d) => Some((d.into_owned(), opened)),
        Err(e) => {
            r.push(
                Check::fail(
                    Rule::DecryptedXml,
                    Fix::Capture,
                    format!("the response with its decrypted {what} is refused: {e}"),
                )
                .hint("no IdP sends this: treat the response as an attack"),
            );
            None
        }
    }
}

/// The passing checks and warnings for what was opened.
pub(super) fn report_opened(opened: &[xmlenc::Opened], what: &str, r: &mut Report) {
    let Some(first) = opened.first() else {
        return;
    };
    r.push(
        Check::pass(
            Rule::Decryption,
            Fix::IdpApplication,
            format!(
                "the {what} was decrypted with the SP key (public key SHA-256 {})",
                first.key
            ),
        )
        .expected("RSA-OAEP key transport to a configured SP key, AES-GCM or AES-CBC content")
        .found(format!(
            "{}, {}",
            first.transport.describe(),
            first.cipher.name()
        )),
    );
    if opened.iter().any(|o| !o.cipher.is_authenticated()) {
        let names: Vec<&str> = opened.iter().map(|o| o.cipher.name()).collect();
        r.warnings.push(format!(
            "warning: the {what} is encrypted with {} (CBC mode has no integrity protection); choose AES-GCM in the IdP application",
            names.first().copied().unwrap_or(ContentCipher::Aes128Cbc.name())
        ));
    }
}

/// The most encrypted NameIDs and attributes opened in one assertion: each costs RSA work, and IdPs that encrypt
/// attributes send a few dozen at most.
pub const MAX_ENCRYPTED_CLAIMS: usize = 64;

/// The encrypted claims of `assertion` to open, or a failed check when an encrypted element sits where SAML puts
/// none (it would otherwise be ignored) or there are more than [`MAX_ENCRYPTED_CLAIMS`].
pub(super) fn claim_targets(
    doc: &Document,
    assertion: NodeId,
) -> Result<(Vec<Target>, usize), Check> {
    let mut targets = Vec::new();
    let mut attributes = 0;
    for e in doc.elements().filter(|e| doc.is_within(*e, assertion)) {
        let Some(el) = doc.element(e) else { continue };
        if el.ns.as_deref() != Some(SAML_NS) || !el.local.starts_with("Encrypted") {
            continue;
        }
        let parent = doc.parent(e);
        let parent_is = |local: &str| parent.is_some_and(|p| el_is(doc, p, SAML_NS, local));
        let in_assertion = |p: Option<NodeId>| p.and_then(|p| doc.parent(p)) == Some(assertion);
        match &*el.local {
            "EncryptedID" if parent_is("Subject") && in_assertion(parent) => targets.push(Target {
                node: e,
                expect: "NameID",
            }),
            "EncryptedAttribute" if parent_is("AttributeStatement") && in_assertion(parent) => {
                attributes += 1;
                targets.push(Target {
                    node: e,
                    expect: "Attribute",
                });
            }
            _ => {
                let where_ = parent
                    .and_then(|p| doc.element(p))
                    .map(|p| p.qname())
                    .unwrap_or_default();
                return Err(Check::fail(
                    Rule::Decryption,
                    Fix::Capture,
                    format!("an {} sits inside <{where_}>, where SAML carries none that this validator reads: refused rather than ignored", el.local),
                )
                .expected("EncryptedID in the Subject, EncryptedAttribute in an AttributeStatement")
                .found(format!("{} inside <{where_}>", el.local))
                .hint("no IdP sends this: treat the response as an attack"));
            }
        }
    }
    if targets.len() > MAX_ENCRYPTED_CLAIMS {
        return Err(Check::fail(
            Rule::Decryption,
            Fix::Capture,
            format!("the assertion carries {} encrypted NameIDs and attributes, above the limit of {MAX_ENCRYPTED_CLAIMS}: refused before decrypting any", targets.len()),
        )
        .expected(format!("at most {MAX_ENCRYPTED_CLAIMS} EncryptedID and EncryptedAttribute elements"))
        .found(format!("{}", targets.len()))
        .hint("no IdP sends this: treat the response as an attack (it is shaped to make the check slow)"));
    }
    Ok((targets, attributes))
}
