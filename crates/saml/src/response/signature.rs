//! Verifying one signature stage by stage, each stage reported as a check (rules 9 to 14).

use super::*;

/// Which element a signature signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    Response,
    Assertion,
}

impl Scope {
    fn rule(self, stage: Stage) -> Rule {
        match self {
            Scope::Response => Rule::ResponseSignature(stage),
            Scope::Assertion => Rule::AssertionSignature(stage),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Scope::Response => "response",
            Scope::Assertion => "assertion",
        }
    }
}

/// The SignatureMethod and DigestMethod a signature names, as found.
fn algorithms_found(doc: &Document, sig: NodeId) -> String {
    let signed_info = child(doc, sig, DS_NS, "SignedInfo");
    let method = signed_info
        .and_then(|si| child(doc, si, DS_NS, "SignatureMethod"))
        .and_then(|m| attr(doc, m, "Algorithm"));
    let digest = signed_info
        .and_then(|si| child(doc, si, DS_NS, "Reference"))
        .and_then(|r| child(doc, r, DS_NS, "DigestMethod"))
        .and_then(|m| attr(doc, m, "Algorithm"));
    format!(
        "SignatureMethod {}, DigestMethod {}",
        method.unwrap_or("(absent)"),
        digest.unwrap_or("(absent)")
    )
}

pub(super) fn describe(v: &Option<Result<Verified, XmlDsigError>>) -> &'static str {
    match v {
        None => "absent",
        Some(Ok(_)) => "valid",
        Some(Err(_)) => "INVALID",
    }
}

pub(super) fn stage_step(stage: Stage) -> Fix {
    match stage {
        Stage::Key | Stage::Value => Fix::Certificate,
        Stage::Algorithm => Fix::IdpApplication,
        _ => Fix::Capture,
    }
}

pub(super) fn stage_pass_message(stage: Stage, v: Option<&Verified>) -> String {
    match stage {
        Stage::Structure => {
            "one SignedInfo, SignatureMethod, Reference and SignatureValue; no Object or Manifest"
                .into()
        }
        Stage::Reference => "the Reference points to the element the signature sits in".into(),
        Stage::Transforms => "enveloped-signature then exclusive c14n".into(),
        Stage::Algorithm => match v {
            Some(v) => format!("{:?} with {:?} digest", v.algorithm, v.digest),
            None => "the algorithms are acceptable".into(),
        },
        Stage::Key => "the key is one of the configured IdP certificates".into(),
        Stage::Digest => "the digest of the signed element matches".into(),
        Stage::Value => "the signature value verifies with the configured certificate".into(),
    }
}

pub(super) fn verify_into(
    doc: &Document,
    sig: NodeId,
    scope: Scope,
    policy: &Policy,
    r: &mut Report,
) -> Result<Verified, XmlDsigError> {
    let result = xmldsig::verify(doc, sig, &policy.idp_certs, policy.allow_sha1);
    for stage in Stage::ALL {
        let id = scope.rule(stage);
        match &result {
            Ok(v) => {
                let mut c = Check::pass(id, stage_step(stage), stage_pass_message(stage, Some(v)));
                if stage == Stage::Algorithm && v.uses_sha1() {
                    c.message = format!(
                        "SHA-1 accepted only because the legacy switch is on ({:?}, {:?} digest)",
                        v.algorithm, v.digest
                    );
                    c.hint = Some("ask the IdP to sign with RSA-SHA256".into());
                    r.warnings.push(format!(
                        "the {} signature uses SHA-1, accepted only because --allow-sha1 is set",
                        scope.name()
                    ));
                }
                if stage == Stage::Key {
                    c.found = Some(format!("SHA-256 {}", v.certificate_sha256));
                }
                r.push(c);
            }
            Err(e) => {
                if stage < e.stage() {
                    r.push(Check::pass(
                        id,
                        stage_step(stage),
                        stage_pass_message(stage, None),
                    ));
                } else {
                    let hint = match e.stage() {
                        Stage::Key | Stage::Value => "compare the certificate's fingerprint with the one in the IdP portal, and paste the IdP's current signing certificate",
                        Stage::Digest => "the signed content was modified after signing: capture the response again, unmodified",
                        Stage::Algorithm => "configure the IdP to sign with RSA-SHA256",
                        _ => "this signature is not one a standard SAML IdP produces; capture the response again or treat it as an attack",
                    };
                    let mut c = Check::fail(id, stage_step(e.stage()), e.to_string()).hint(hint);
                    if e.stage() == Stage::Algorithm {
                        c.expected = Some(format!(
                            "SignatureMethod RSA-SHA256/384/512 or ECDSA-SHA256/384, DigestMethod SHA-256/384/512{}",
                            if policy.allow_sha1 { " (SHA-1 allowed by the legacy switch)" } else { "" }
                        ));
                        c.found = Some(algorithms_found(doc, sig));
                    }
                    if let Some(ki) = xmldsig::keyinfo_certificate(doc, sig) {
                        if matches!(e.stage(), Stage::Key | Stage::Value) {
                            c.found = Some(format!(
                                "signed with certificate SHA-256 {}",
                                Fingerprint::sha256(&ki)
                            ));
                            c.expected = Some(
                                policy
                                    .idp_certs
                                    .iter()
                                    .map(|d| format!("SHA-256 {}", Fingerprint::sha256(d)))
                                    .collect::<Vec<_>>()
                                    .join(" or "),
                            );
                        }
                    }
                    r.push(c);
                    break;
                }
            }
        }
    }
    result
}
