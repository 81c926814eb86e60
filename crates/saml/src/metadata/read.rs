//! Reading an entity's parts: validity dates, endpoints, certificates, and the metadata's own signature.

use super::*;

/// Parses an xs:dateTime; one without a time zone is taken as UTC (as SAML requires times to be).
pub(super) fn parse_datetime(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let with_z = format!("{s}Z");
    OffsetDateTime::parse(&with_z, &Rfc3339).ok().or_else(|| {
        PrimitiveDateTime::parse(
            s,
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        )
        .ok()
        .map(PrimitiveDateTime::assume_utc)
    })
}

pub(super) fn read_validity(
    doc: &Document,
    entity: NodeId,
    role: NodeId,
    now: OffsetDateTime,
    md: &mut Metadata,
) {
    // The role, the entity and every EntitiesDescriptor around it: the earliest validUntil wins.
    let mut holders = vec![role];
    let mut cur = Some(entity);
    while let Some(n) = cur {
        holders.push(n);
        cur = doc.parent(n);
    }
    let mut earliest: Option<OffsetDateTime> = None;
    for h in holders {
        let Some(el) = doc.element(h) else { continue };
        if md.cache_duration.is_none() {
            md.cache_duration = el.attr("cacheDuration").map(|s| s.trim().to_string());
        }
        let Some(raw) = el.attr("validUntil") else {
            continue;
        };
        match parse_datetime(raw) {
            Some(t) => earliest = Some(earliest.map_or(t, |e| e.min(t))),
            None => md.add(
                FindingCode::BadValidUntil,
                format!("validUntil=\"{raw}\" on <{}> is not a date and time.", el.local),
                "Ask the provider for its current metadata; a valid validUntil looks like 2027-01-31T12:00:00Z.",
            ),
        }
    }
    let Some(until) = earliest else { return };
    let shown = until
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| until.to_string());
    if until <= now {
        md.add(
            FindingCode::Expired,
            format!("The metadata expired on {shown} (validUntil): it must not be used any more."),
            "Download the provider's current metadata again (or use its metadata URL) and import that.",
        );
    } else if until - now < EXPIRES_SOON {
        md.add(
            FindingCode::ExpiresSoon,
            format!("The metadata expires on {shown} (validUntil), in less than 7 days."),
            "Prefer the provider's metadata URL, which stays current, or import fresh metadata before then.",
        );
    }
    md.valid_until = Some(shown);
}

pub(super) fn endpoint(
    doc: &Document,
    node: NodeId,
    md: &mut Metadata,
) -> Option<(Binding, String)> {
    let el = doc.element(node)?;
    match (el.attr("Binding"), el.attr("Location")) {
        (Some(b), Some(l)) if !b.trim().is_empty() && !l.trim().is_empty() => {
            Some((Binding::from_uri(b.trim()), l.trim().to_string()))
        }
        _ => {
            md.add(
                FindingCode::IncompleteEndpoint,
                format!(
                    "A <{}> has no Binding or no Location; it was skipped.",
                    el.local
                ),
                "Ask the provider for complete metadata if that endpoint is needed.",
            );
            None
        }
    }
}

pub(super) fn read_endpoints(doc: &Document, role: NodeId, kind: Kind, md: &mut Metadata) {
    for n in doc.children_named(role, MD_NS, "SingleLogoutService") {
        if let Some((binding, url)) = endpoint(doc, n, md) {
            md.slo.push(Endpoint { binding, url });
        }
    }
    match kind {
        Kind::Idp => {
            let nodes: Vec<NodeId> = doc
                .children_named(role, MD_NS, "SingleSignOnService")
                .collect();
            for n in nodes {
                if let Some((binding, url)) = endpoint(doc, n, md) {
                    if binding.is_browser() {
                        if let Err(e) = IdpUrl::parse(&url, "the SSO URL") {
                            md.add(
                                FindingCode::BadEndpointUrl,
                                format!("The {} SSO URL {url} is not acceptable: {e}.", binding.short()),
                                "Logins would go over an unprotected or wrong address; ask the IdP for metadata with https URLs.",
                            );
                        }
                    }
                    md.sso.push(Endpoint { binding, url });
                }
            }
            if !md.sso.iter().any(|e| e.binding.is_browser()) {
                md.add(
                    FindingCode::NoSsoEndpoint,
                    "The IdP metadata has no SingleSignOnService for HTTP-Redirect or HTTP-POST: there is no address to send users to for sign-in.",
                    "Export the metadata again from the IdP's SAML application, or enter its SSO URL by hand.",
                );
            }
        }
        Kind::Sp => {
            let nodes: Vec<NodeId> = doc
                .children_named(role, MD_NS, "AssertionConsumerService")
                .collect();
            let mut explicit_default = None;
            for n in nodes {
                let flags = doc.element(n).map(|e| {
                    (
                        e.attr("index").and_then(|i| i.trim().parse::<u32>().ok()),
                        e.attr("isDefault")
                            .map(|d| matches!(d.trim(), "true" | "1")),
                    )
                });
                let Some((binding, url)) = endpoint(doc, n, md) else {
                    continue;
                };
                let (index, is_default) = flags.unwrap_or((None, None));
                if let Err(e) = AcsUrl::parse(&url, "the ACS URL") {
                    md.add(
                        FindingCode::BadEndpointUrl,
                        format!("The {} ACS URL {url} is not acceptable: {e}.", binding.short()),
                        "Assertions would be posted to an unprotected or wrong address; fix the SP's URL (SITE_URL) and export its metadata again.",
                    );
                }
                if is_default == Some(true) && explicit_default.is_none() {
                    explicit_default = Some(md.acs.len());
                }
                md.acs.push(AcsEndpoint {
                    binding,
                    url,
                    index,
                    default: is_default != Some(false),
                });
            }
            // Exactly one effective default (SAML metadata 2.2.3): the first isDefault="true", else the first not
            // marked false, else the first.
            let chosen = explicit_default
                .or_else(|| md.acs.iter().position(|a| a.default))
                .or(if md.acs.is_empty() { None } else { Some(0) });
            for (i, a) in md.acs.iter_mut().enumerate() {
                a.default = Some(i) == chosen;
            }
            if md.acs.is_empty() {
                md.add(
                    FindingCode::NoAcs,
                    "The SP metadata has no AssertionConsumerService: there is no address for the IdP to send logins to.",
                    "Export the metadata again from the service provider's SAML settings, or enter the ACS URL by hand.",
                );
            }
        }
    }
}

pub(super) fn read_certificates(
    doc: &Document,
    role: NodeId,
    now: OffsetDateTime,
    md: &mut Metadata,
) {
    let mut seen = 0usize;
    let kds: Vec<NodeId> = doc.children_named(role, MD_NS, "KeyDescriptor").collect();
    for kd in kds {
        let key_use = match doc.element(kd).and_then(|e| e.attr("use")).map(str::trim) {
            Some("signing") => KeyUse::Signing,
            Some("encryption") => KeyUse::Encryption,
            _ => KeyUse::Both,
        };
        let certs: Vec<NodeId> = doc
            .children_named(kd, DS_NS, "KeyInfo")
            .flat_map(|ki| doc.children_named(ki, DS_NS, "X509Data"))
            .flat_map(|xd| doc.children_named(xd, DS_NS, "X509Certificate"))
            .collect();
        for c in certs {
            seen += 1;
            if seen > MAX_CERTIFICATES {
                continue;
            }
            // The doctor reads bare base64 itself, and says precisely what is wrong with it.
            let (text, _) = doc.text_only(c);
            let mut report = cert::check(text.as_bytes(), now);
            // Bare base64 is the normal form of X509Certificate: "missing armor" is advice for pasted PEM only.
            report
                .findings
                .retain(|f| f.code != cert::FindingCode::MissingArmor);
            md.certificates.push(MetadataCert { key_use, report });
        }
    }
    if seen > MAX_CERTIFICATES {
        md.add(
            FindingCode::TooManyCertificates,
            format!("The metadata lists {seen} certificates; only the first {MAX_CERTIFICATES} were examined."),
            "Real metadata lists one or two per use; check that this is the right file.",
        );
    }
    for (i, c) in md.certificates.clone().iter().enumerate() {
        if let Some(err) = c.report.first_error() {
            md.add(
                FindingCode::CertificateProblem,
                format!(
                    "Certificate {} ({}) is not usable: {}",
                    i + 1,
                    describe_use(c.key_use),
                    err.message
                ),
                err.hint.clone(),
            );
        }
    }
    if md.kind == Kind::Idp {
        let signing: Vec<&MetadataCert> = md.signing_certificates().collect();
        let usable = signing.iter().filter(|c| c.report.usable).count();
        let total = signing.len();
        if total == 0 {
            md.add(
                FindingCode::NoSigningCertificate,
                "The IdP metadata has no signing certificate: logins could not be checked.",
                "Export the metadata again from the IdP, or paste the IdP's signing certificate at the certificate step.",
            );
        } else if usable == 0 {
            md.add(
                FindingCode::NoUsableSigningCertificate,
                "None of the IdP's signing certificates is usable (see the certificate findings).",
                "Renew or download the IdP's current signing certificate, then export the metadata again.",
            );
        } else if total > 1 {
            md.add(
                FindingCode::SeveralSigningCertificates,
                format!("The IdP lists {total} signing certificates ({usable} usable): a key rotation is probably under way; all usable ones are trusted."),
                "After the rotation, import the metadata again so the old certificate stops being trusted.",
            );
        }
    }
}

pub(super) fn describe_use(u: KeyUse) -> &'static str {
    match u {
        KeyUse::Signing => "signing",
        KeyUse::Encryption => "encryption",
        KeyUse::Both => "signing and encryption",
    }
}

/// The metadata signature: those that are direct children of the document's root or of the chosen entity (the
/// only places that sign what was read). Any one failing makes the status `invalid`; all verifying makes it
/// `verified`; without a supplied certificate it is `not_verified`, or `invalid` when the content was changed after
/// signing (a digest mismatch needs no key to be seen).
pub(super) fn check_signature(
    doc: &Document,
    root: NodeId,
    entity: NodeId,
    opts: &Options,
    md: &mut Metadata,
) {
    let mut holders = vec![root];
    if entity != root {
        holders.push(entity);
    }
    let sigs: Vec<NodeId> = holders
        .iter()
        .flat_map(|h| doc.children_named(*h, DS_NS, "Signature"))
        .collect();
    let elsewhere = doc
        .elements()
        .filter(|n| doc.is_within(*n, entity) && !sigs.contains(n))
        .filter(|n| doc.element(*n).is_some_and(|e| e.is(DS_NS, "Signature")))
        .count();
    if elsewhere > 0 {
        md.add(
            FindingCode::IgnoredSignature,
            format!("{elsewhere} signature(s) inside the entity's roles were ignored: only a signature on the whole EntityDescriptor or EntitiesDescriptor is checked."),
            "Nothing to do unless the provider says its metadata is signed that way.",
        );
    }
    if sigs.is_empty() {
        md.signature = SignatureStatus::Absent;
        return;
    }
    if opts.signing_certs.is_empty() {
        // Without a trusted key nothing can be verified, but a changed document is seen all the same: the digest
        // needs no key.
        for s in &sigs {
            if let Err(xmldsig::XmlDsigError::DigestMismatch) =
                xmldsig::digest_unchanged(doc, *s, opts.allow_sha1)
            {
                md.signature = SignatureStatus::Invalid;
                md.add(
                    FindingCode::SignatureInvalid,
                    format!("{CHANGED_AFTER_SIGNING}: the digest of the signed content does not match (seen without a certificate: the digest needs none)."),
                    "Do not import this file: download the metadata again from the provider.",
                );
                return;
            }
        }
        md.signature = SignatureStatus::NotVerified;
        md.add(
            FindingCode::SignatureNotVerified,
            "The metadata is signed, but no certificate was given to check the signature with: it was not verified, and earns no trust.",
            "Supply the certificate the provider (or federation) signs its metadata with to verify it (ssopilot metadata inspect --signing-cert FILE), or compare the signing certificate's fingerprint with the provider's portal.",
        );
        return;
    }
    let mut sha1 = false;
    for s in sigs {
        match xmldsig::verify(doc, s, &opts.signing_certs, opts.allow_sha1) {
            Ok(v) => sha1 |= v.uses_sha1(),
            Err(xmldsig::XmlDsigError::DigestMismatch) => {
                md.signature = SignatureStatus::Invalid;
                md.add(
                    FindingCode::SignatureInvalid,
                    format!(
                        "{CHANGED_AFTER_SIGNING}: the digest of the signed content does not match."
                    ),
                    "Do not import this file: download the metadata again from the provider.",
                );
                return;
            }
            Err(e) => {
                md.signature = SignatureStatus::Invalid;
                md.add(
                    FindingCode::SignatureInvalid,
                    format!("The metadata signature does not verify: {e}."),
                    "Do not import this file: it was changed after it was signed, or signed with another key. Download the metadata again from the provider.",
                );
                return;
            }
        }
    }
    md.signature = SignatureStatus::Verified;
    md.add(
        FindingCode::SignatureVerified,
        "The metadata signature verified with the certificate you supplied.",
        "",
    );
    if sha1 {
        md.add(
            FindingCode::SignatureSha1,
            "The metadata is signed with SHA-1, which is broken.",
            "Ask the provider to sign its metadata with RSA-SHA256.",
        );
    }
}
