//! Rules 6 to 15 on the document as a whole: the root, one assertion, IDs, where signatures sit and that they verify.

use super::*;

pub(super) fn check_document(doc: &Document, policy: &Policy, mut r: Report) -> Report {
    let root = doc.root();
    // Rule 6: the root.
    let root_name = doc
        .element(root)
        .map(|e| format!("{{{}}}{}", e.ns.as_deref().unwrap_or(""), e.local))
        .unwrap_or_default();
    if !el_is(doc, root, SAMLP_NS, "Response") {
        r.push(
            Check::fail(
                Rule::ResponseRoot,
                Fix::Capture,
                "the message is not a SAML 2.0 Response",
            )
            .expected(format!("{{{SAMLP_NS}}}Response"))
            .found(root_name)
            .hint("paste the SAMLResponse the IdP posted to the ACS URL (not the AuthnRequest, not metadata)"),
        );
        return r;
    }
    let version = attr(doc, root, "Version");
    if version != Some("2.0") {
        r.push(
            Check::fail(
                Rule::ResponseRoot,
                Fix::Capture,
                "the Response is not SAML version 2.0",
            )
            .expected("Version=\"2.0\"")
            .found_opt(version),
        );
        return r;
    }
    r.clock = attr(doc, root, "IssueInstant")
        .and_then(parse_time)
        .map(|t| ClockReading::measure(t, policy));
    r.push(
        Check::pass(
            Rule::ResponseRoot,
            Fix::Capture,
            "the root is a SAML 2.0 Response",
        )
        .found(root_name),
    );

    // Rule 6: exactly one assertion, as a direct child; none anywhere else.
    if let Some(c) = too_many_response_children(doc, root) {
        r.push(c);
        return r;
    }
    // Rule 18's status first: an IdP that refused the login says why in its StatusCode and StatusMessage (and
    // usually sends no assertion), which is the reason to show rather than a missing assertion.
    if !check_status(doc, root, &mut r)
        && doc.elements().all(|e| {
            !el_is(doc, e, SAML_NS, "Assertion") && !el_is(doc, e, SAML_NS, "EncryptedAssertion")
        })
    {
        return r;
    }
    let direct: Vec<NodeId> = doc.children_named(root, SAML_NS, "Assertion").collect();
    let encrypted: Vec<NodeId> = doc
        .children_named(root, SAML_NS, "EncryptedAssertion")
        .collect();
    let elsewhere = doc
        .elements()
        .filter(|e| el_is(doc, *e, SAML_NS, "Assertion") && doc.parent(*e) != Some(root))
        .count();
    // An EncryptedAssertion anywhere but directly under the Response is refused, never ignored: once decrypted it
    // would be an assertion in a place no rule reads.
    if let Some(e) = doc
        .elements()
        .find(|e| el_is(doc, *e, SAML_NS, "EncryptedAssertion") && doc.parent(*e) != Some(root))
    {
        let where_ = doc
            .parent(e)
            .and_then(|p| doc.element(p))
            .map(|p| p.qname())
            .unwrap_or_default();
        r.push(
            Check::fail(
                Rule::EncryptedAssertion,
                Fix::Capture,
                format!("an EncryptedAssertion sits inside <{where_}>, where SAML puts it only directly under the Response"),
            )
            .expected("EncryptedAssertion (or Assertion) directly under Response")
            .found(format!("EncryptedAssertion inside <{where_}>"))
            .hint("a hidden or misplaced assertion is how signature-wrapping attacks work: treat this response as an attack"),
        );
        return r;
    }
    let n = direct.len() + encrypted.len();
    if (n, elsewhere) != (1, 0) {
        r.push(
            Check::fail(
                Rule::SingleAssertion,
                Fix::Capture,
                "the Response must contain exactly one Assertion (plain or encrypted), as a direct child, and no assertion anywhere else",
            )
            .expected("1 Assertion or EncryptedAssertion directly under Response")
            .found(format!(
                "{} direct Assertion, {} EncryptedAssertion, {} elsewhere",
                direct.len(),
                encrypted.len(),
                elsewhere
            ))
            .hint("a response with several or misplaced assertions is how signature-wrapping attacks hide a forged identity"),
        );
        return r;
    }
    if let Some(enc) = encrypted.first() {
        // A Response signature covers the ciphertext: when it does not verify, nothing is decrypted (a changed
        // ciphertext is said as the signature failure it is, and a signed response is no decryption oracle).
        let mut sigs = doc.children_named(root, DS_NS, "Signature");
        if let (Some(sig), None) = (sigs.next(), sigs.next()) {
            if xmldsig::verify(doc, sig, &policy.idp_certs, policy.allow_sha1).is_err() {
                let _ = verify_into(doc, sig, Scope::Response, policy, &mut r);
                r.push(
                    Check::fail(
                        Rule::SignatureRequired,
                        Fix::Certificate,
                        "the Response signature over the encrypted assertion does not verify, so the assertion was not decrypted",
                    )
                    .expected("a valid Response signature (it covers the EncryptedAssertion)")
                    .found("response signature: INVALID")
                    .hint("fix the failed signature check; every signature present must verify"),
                );
                return r;
            }
        }
        let target = [Target {
            node: *enc,
            expect: "Assertion",
        }];
        let Some((opened_doc, opened)) = open_in_place(doc, &target, "assertion", policy, &mut r)
        else {
            return r;
        };
        r.push(
            Check::pass(
                Rule::EncryptedAssertion,
                Fix::IdpApplication,
                "the assertion is encrypted; it was decrypted and is checked below as if sent in clear",
            )
            .found("EncryptedAssertion"),
        );
        report_opened(&opened, "assertion", &mut r);
        r.encrypted.assertion = true;
        r.decrypted_xml = Some(opened_doc.source().to_string());
        r.message_ids = MessageIds::of(&opened_doc);
        let Some(assertion) = child(&opened_doc, opened_doc.root(), SAML_NS, "Assertion") else {
            r.push(Check::fail(
                Rule::SingleAssertion,
                Fix::Capture,
                "the decrypted assertion is not directly under the Response",
            ));
            return r;
        };
        return check_located(&opened_doc, Some(doc), assertion, policy, r);
    }
    match direct.first() {
        Some(a) => check_located(doc, None, *a, policy, r),
        None => r,
    }
}

/// Rules 6 to 24 once the one assertion is located in `doc`. When it was decrypted, `doc` is the response with the
/// plaintext in its place and `received` the document as received: the Response signature is verified on that one.
fn check_located(
    doc: &Document,
    received: Option<&Document>,
    assertion: NodeId,
    policy: &Policy,
    mut r: Report,
) -> Report {
    let root = doc.root();
    if attr(doc, assertion, "Version") != Some("2.0") || attr(doc, assertion, "ID").is_none() {
        r.push(
            Check::fail(
                Rule::SingleAssertion,
                Fix::Capture,
                "the Assertion must have Version=\"2.0\" and an ID",
            )
            .found(format!(
                "Version={:?}, ID={:?}",
                attr(doc, assertion, "Version"),
                attr(doc, assertion, "ID")
            )),
        );
        return r;
    }
    r.push(Check::pass(
        Rule::SingleAssertion,
        Fix::Capture,
        "exactly one Assertion, directly under the Response",
    ));

    // Rule 7: unique IDs.
    let mut ids: Vec<&str> = doc.elements().filter_map(|e| attr(doc, e, "ID")).collect();
    ids.sort_unstable();
    let dup = ids
        .windows(2)
        .find(|w| w.first() == w.get(1))
        .and_then(|w| w.first());
    if let Some(d) = dup {
        r.push(
            Check::fail(
                Rule::UniqueIds,
                Fix::Capture,
                format!("the ID \"{d}\" is used by more than one element"),
            )
            .hint("duplicate IDs let a signature cover one element while another is read: treat this response as an attack"),
        );
        return r;
    }
    r.push(Check::pass(
        Rule::UniqueIds,
        Fix::Capture,
        "every ID is unique",
    ));

    // Rule 8: signatures only right after the Issuer of the Response or of the Assertion.
    let mut response_sig = None;
    let mut assertion_sig = None;
    for s in doc
        .elements()
        .filter(|e| el_is(doc, *e, DS_NS, "Signature"))
    {
        let parent = doc.parent(s);
        let position_ok = parent.is_some_and(|p| {
            // Only the first two children matter (collecting all of them cost the number of siblings).
            let mut kids = doc.element_children(p);
            match kids.next() {
                Some(i) if el_is(doc, i, SAML_NS, "Issuer") => kids.next() == Some(s),
                // No Issuer at all: the Signature comes first (the schema's order); the missing Issuer is reported
                // by the issuer checks, not as a misplaced signature.
                Some(first) => first == s && child(doc, p, SAML_NS, "Issuer").is_none(),
                None => false,
            }
        });
        match parent {
            Some(p) if p == root && position_ok => response_sig = Some(s),
            Some(p) if p == assertion && position_ok => assertion_sig = Some(s),
            Some(p) if p == root || p == assertion => {
                r.push(misplaced_signature(doc, p, s, p == root));
                return r;
            }
            _ => {
                let where_ = parent
                    .and_then(|p| doc.element(p))
                    .map(|e| e.qname())
                    .unwrap_or_default();
                r.push(
                    Check::fail(
                        Rule::SignaturePlacement,
                        Fix::Capture,
                        format!("a Signature sits inside <{where_}>, not right after the Issuer of the Response or of the Assertion"),
                    )
                    .expected("ds:Signature as the element right after saml:Issuer in Response or Assertion")
                    .found(format!("inside <{where_}>"))
                    .hint("a moved or extra signature is a signature-wrapping pattern: treat this response as an attack"),
                );
                return r;
            }
        }
    }
    r.push(Check::pass(
        Rule::SignaturePlacement,
        Fix::Capture,
        "signatures only where SAML puts them",
    ));

    // Rules 9-14 for each signature present.
    // A Response signature covers what was received (with the EncryptedAssertion, when there is one).
    let resp_result = response_sig.and_then(|s| match received {
        Some(o) => o
            .children_named(o.root(), DS_NS, "Signature")
            .next()
            .map(|s| verify_into(o, s, Scope::Response, policy, &mut r)),
        None => Some(verify_into(doc, s, Scope::Response, policy, &mut r)),
    });
    let assert_result =
        assertion_sig.map(|s| verify_into(doc, s, Scope::Assertion, policy, &mut r));
    let resp_ok = matches!(resp_result, Some(Ok(_)));
    let assert_ok = matches!(assert_result, Some(Ok(_)));
    r.signed = Signed {
        response: resp_ok,
        assertion: assert_ok,
    };
    let verified = [&resp_result, &assert_result]
        .into_iter()
        .flatten()
        .find_map(|v| v.as_ref().ok());
    r.signing_certificate_sha256 = match verified {
        Some(v) => Some(v.certificate_sha256.clone()),
        None => [response_sig, assertion_sig]
            .into_iter()
            .flatten()
            .find_map(|s| xmldsig::keyinfo_certificate(doc, s))
            .map(|c| Fingerprint::sha256(&c)),
    };

    if let Some(c) = verified
        .and_then(|v| v.certificate_validity)
        .and_then(|(nb, na)| certificate_validity(nb, na, policy.now))
    {
        r.warnings.push(c.message.clone());
        r.push(c);
    }

    // Rules 15 and 24.
    let all_present_ok = resp_result.as_ref().is_none_or(|v| v.is_ok())
        && assert_result.as_ref().is_none_or(|v| v.is_ok());
    let found = format!(
        "response signature: {}; assertion signature: {}",
        describe(&resp_result),
        describe(&assert_result)
    );
    let required = if policy.require_signed_assertion {
        "a valid Assertion signature (policy requires the assertion to be signed)"
    } else {
        "a valid Response or Assertion signature"
    };
    let sig_ok =
        all_present_ok && (resp_ok || assert_ok) && (!policy.require_signed_assertion || assert_ok);
    if sig_ok {
        r.push(
            Check::pass(
                Rule::SignatureRequired,
                Fix::Certificate,
                "the response carries the required valid signatures",
            )
            .expected(required)
            .found(found),
        );
    } else {
        let (msg, hint, step) = if response_sig.is_none() && assertion_sig.is_none() {
            (
                "the response is not signed at all",
                "in the IdP application, turn on signing of the assertion (or of the response)",
                Fix::IdpApplication,
            )
        } else if policy.require_signed_assertion && assertion_sig.is_none() {
            (
                "the assertion is not signed, and the policy requires it",
                "in the IdP application, check Sign Assertion",
                Fix::IdpApplication,
            )
        } else {
            (
                "a signature in the response does not verify (see the signature checks above)",
                "fix the failed signature check; every signature present must verify",
                Fix::Certificate,
            )
        };
        r.push(
            Check::fail(Rule::SignatureRequired, step, msg)
                .expected(required)
                .found(found)
                .hint(hint),
        );
    }
    let trusted = resp_ok || assert_ok;

    // Rule 18: issuers (the status was checked first).
    let resp_issuer = child(doc, root, SAML_NS, "Issuer").map(|i| doc.text_only(i));
    let idp = policy.idp_entity_id.as_str();
    match &resp_issuer {
        Some((text, false)) if text.trim() == idp => r.push(
            Check::pass(Rule::ResponseIssuer, Fix::IdpApplication, "the Response Issuer is the configured IdP")
                .expected(idp)
                .found(text.trim()),
        ),
        Some((text, other)) => r.push(
            Check::fail(Rule::ResponseIssuer, Fix::IdpApplication, if *other {
                "the Response Issuer contains markup (a comment or element)"
            } else {
                "the Response Issuer is not the configured IdP entity ID"
            })
            .expected(idp)
            .found(text.trim())
            .hint("set the IdP Entity ID to exactly the value the IdP application shows as its entity ID (issuer)"),
        ),
        None if response_sig.is_some() => r.push(
            Check::fail(Rule::ResponseIssuer, Fix::IdpApplication, "a signed Response must have an Issuer (SAML profiles 4.1.4.2)")
                .expected(idp)
                .found("(absent)"),
        ),
        None => r.push(
            Check::pass(Rule::ResponseIssuer, Fix::IdpApplication, "the Response has no Issuer (allowed when the Response is not signed)")
                .expected(idp)
                .found("(absent)"),
        ),
    }
    let a_issuer = doc
        .element_children(assertion)
        .next()
        .filter(|i| el_is(doc, *i, SAML_NS, "Issuer"))
        .map(|i| doc.text_only(i));
    match &a_issuer {
        Some((text, false)) if text.trim() == idp => {
            r.issuer = Some(text.trim().to_string());
            r.push(
                Check::pass(Rule::AssertionIssuer, Fix::IdpApplication, "the Assertion Issuer is the configured IdP")
                    .expected(idp)
                    .found(text.trim()),
            )
        }
        Some((text, other)) => r.push(
            Check::fail(Rule::AssertionIssuer, Fix::IdpApplication, if *other {
                "the Assertion Issuer contains markup (a comment or element)"
            } else {
                "the Assertion Issuer is not the configured IdP entity ID"
            })
            .expected(idp)
            .found(text.trim())
            .hint("set the IdP Entity ID to exactly the value the IdP application shows as its entity ID (issuer)"),
        ),
        None => r.push(
            Check::fail(Rule::AssertionIssuer, Fix::IdpApplication, "the Assertion has no Issuer as its first element")
                .expected(idp)
                .found("(absent)"),
        ),
    }

    // Rule 19: Destination.
    let acs = policy.acs_url.as_str();
    let destination = attr(doc, root, "Destination");
    match destination {
        Some(d) if d == acs => r.push(
            Check::pass(
                Rule::Destination,
                Fix::SpValues,
                "the Response Destination is the ACS URL",
            )
            .expected(acs)
            .found(d),
        ),
        Some(d) => r.push(
            Check::fail(
                Rule::Destination,
                Fix::SpValues,
                "the Response Destination is not the configured ACS URL",
            )
            .expected(acs)
            .found(d)
            .hint("copy the ACS URL from the SP into the IdP application again"),
        ),
        None if response_sig.is_some() => r.push(
            Check::fail(
                Rule::Destination,
                Fix::SpValues,
                "a signed Response must carry a Destination",
            )
            .expected(acs)
            .found("(absent)"),
        ),
        None => r.push(
            Check::pass(
                Rule::Destination,
                Fix::SpValues,
                "no Destination (allowed when the Response is not signed)",
            )
            .expected(acs)
            .found("(absent)"),
        ),
    }

    // Rule 20: InResponseTo of the Response.
    let irt = in_response_to(doc, root);
    let subject = child(doc, assertion, SAML_NS, "Subject");
    if empty_in_response_to(doc, root) {
        r.warnings.push(
            "the Response carries InResponseTo=\"\" (empty): read as absent, as SAML libraries on the SP side do; \
             an IdP should leave the attribute out of an unsolicited response"
                .to_string(),
        );
    }
    match (&policy.expect, irt) {
        // SAML core 3.2.2: InResponseTo is optional on the Response; the bearer confirmation then says which
        // request the response answers (and is checked against it below). When both carry it, both must match.
        (Expect::Request(req), None) if bearer_in_response_to(doc, subject).any(|v| v == req) => r.push(
            Check::pass(
                Rule::InResponseTo,
                Fix::Capture,
                "the Response carries no InResponseTo (it is optional there); its bearer subject confirmation answers the pending request",
            )
            .expected(req.as_str())
            .found("(absent on the Response)"),
        ),
        _ => {
            if let Some(c) = in_response_to_check(Rule::InResponseTo, "the Response", irt, policy) {
                r.push(c);
            }
        }
    }

    // Rule 20: subject confirmation.
    r.flow = Some(if irt.is_some() || bearer_answers_a_request(doc, subject) {
        Flow::SpInitiated
    } else {
        Flow::IdpInitiated
    });
    check_subject_confirmation(doc, subject, policy, &mut r);

    // Rule 21: conditions, audience, authn statement.
    let conditions = child(doc, assertion, SAML_NS, "Conditions");
    check_conditions(doc, conditions, policy, &mut r);
    check_issue_instants(doc, root, assertion, policy, &mut r);
    check_authn_statement(doc, assertion, policy, &mut r);

    // Rules 16 and 17: the identity, only from the verified element. An encrypted NameID or attribute is opened
    // only now, after the assertion's signature was checked over its encrypted form.
    let (targets, encrypted_attributes) = match claim_targets(doc, assertion) {
        Ok(t) => t,
        Err(c) => {
            r.push(c);
            check_identity(doc, subject, assertion, trusted, policy, &mut r);
            return r;
        }
    };
    if targets.is_empty() {
        check_identity(doc, subject, assertion, trusted, policy, &mut r);
        return r;
    }
    let name_id = targets.len() > encrypted_attributes;
    let what = match (name_id, encrypted_attributes) {
        (true, 0) => "encrypted NameID".to_string(),
        (false, n) => format!("{n} encrypted attribute(s)"),
        (true, n) => format!("encrypted NameID and {n} encrypted attribute(s)"),
    };
    if policy.decryption_keys.is_empty() {
        r.push(
            Check::fail(
                Rule::Decryption,
                Fix::IdpApplication,
                format!("the assertion carries {what} (EncryptedID, EncryptedAttribute) that could not be decrypted: no SP decryption key is configured"),
            )
            .expected("claims in clear, or an SP decryption key that opens them")
            .found(what)
            .hint("give the SP's private decryption key (--sp-decryption-key), or turn off NameID and attribute encryption in the IdP application"),
        );
        check_identity(doc, subject, assertion, trusted, policy, &mut r);
        return r;
    }
    match open_in_place(doc, &targets, &what, policy, &mut r) {
        Some((claims, opened)) => {
            report_opened(&opened, &what, &mut r);
            r.encrypted.name_id = name_id;
            r.encrypted.attributes = encrypted_attributes > 0;
            let a = child(&claims, claims.root(), SAML_NS, "Assertion");
            let s = a.and_then(|a| child(&claims, a, SAML_NS, "Subject"));
            match a {
                Some(a) => check_identity(&claims, s, a, trusted, policy, &mut r),
                None => check_identity(doc, subject, assertion, trusted, policy, &mut r),
            }
        }
        None => check_identity(doc, subject, assertion, trusted, policy, &mut r),
    }
    r
}

/// The most element children of the Response looked at: a genuine one has a handful (Issuer, Signature,
/// Extensions, Status, Assertion). Beyond it the response is refused without counting its assertions.
pub(super) const MAX_RESPONSE_CHILDREN: usize = 64;

pub(super) fn too_many_response_children(doc: &Document, root: NodeId) -> Option<Check> {
    let n = doc
        .element_children(root)
        .take(MAX_RESPONSE_CHILDREN + 1)
        .count();
    (n > MAX_RESPONSE_CHILDREN).then(|| {
        Check::fail(
            Rule::SingleAssertion,
            Fix::Capture,
            format!("the Response has more than {MAX_RESPONSE_CHILDREN} child elements, where a SAML Response has a handful (Issuer, Signature, Status, one Assertion): it is refused without counting its assertions"),
        )
        .expected("1 Assertion directly under Response")
        .found(format!("more than {MAX_RESPONSE_CHILDREN} child elements"))
        .hint("no IdP sends this: treat this response as an attack (it is shaped to make the check slow)")
    })
}

/// A warning when the configured certificate that verified is outside its validity dates at `now`: the signature
/// is still trusted (the admin configured that certificate), but `cert check` calls it NOT USABLE, so the report
/// says so too. The dates are compared exactly as the certificate doctor compares them (no clock skew).
/// The warning for a verifying certificate outside its validity period (`nb` to `na`) at `now`, if it is.
pub(super) fn certificate_validity(
    nb: OffsetDateTime,
    na: OffsetDateTime,
    now: OffsetDateTime,
) -> Option<Check> {
    let message = if now < nb {
        format!(
            "warning: the configured certificate that verified the signature is not valid yet (it starts on {}); `ssopilot cert check` calls it NOT USABLE",
            fmt_time(nb)
        )
    } else if now > na {
        format!(
            "warning: the configured certificate that verified the signature expired on {}; `ssopilot cert check` calls it NOT USABLE",
            fmt_time(na)
        )
    } else {
        return None;
    };
    Some(
        Check::pass(Rule::SigningCertificateValidity, Fix::Certificate, message)
            .expected(format!("valid from {} to {}", fmt_time(nb), fmt_time(na)))
            .found(format!("now {}", fmt_time(now)))
            .hint("service providers that check certificate dates refuse this certificate: download the IdP's current signing certificate (renew it in the IdP first if it still signs with this one), or check this computer's clock"),
    )
}

/// Whether a bearer SubjectConfirmationData of `subject` carries InResponseTo (an answer to an AuthnRequest).
fn bearer_answers_a_request(doc: &Document, subject: Option<NodeId>) -> bool {
    bearer_in_response_to(doc, subject).next().is_some()
}

/// The InResponseTo values of `subject`'s bearer SubjectConfirmationData, in document order.
pub(super) fn bearer_in_response_to<'a>(
    doc: &'a Document,
    subject: Option<NodeId>,
) -> impl Iterator<Item = &'a str> + 'a {
    subject
        .into_iter()
        .flat_map(move |s| doc.children_named(s, SAML_NS, "SubjectConfirmation"))
        .filter(move |c| attr(doc, *c, "Method") == Some(BEARER))
        .filter_map(move |c| child(doc, c, SAML_NS, "SubjectConfirmationData"))
        .filter_map(move |d| in_response_to(doc, d))
}

/// A Signature that is a child of the Response or of the Assertion but not where SAML's schema puts it (right after
/// the Issuer): said as where it is, and as the IdP defect it is (some IdPs append it after the AttributeStatement);
/// SAML libraries that follow the schema reject it too.
fn misplaced_signature(doc: &Document, parent: NodeId, sig: NodeId, in_response: bool) -> Check {
    let what = if in_response { "Response" } else { "Assertion" };
    let parent_name = doc.element(parent).map(|e| e.qname()).unwrap_or_default();
    let mut position = 0;
    let mut previous = None;
    for (i, k) in doc.element_children(parent).enumerate() {
        if k == sig {
            position = i + 1;
            break;
        }
        previous = Some(k);
    }
    let after = previous
        .and_then(|p| doc.element(p))
        .map(|e| format!(", after <{}>", e.qname()))
        .unwrap_or_default();
    Check::fail(
        Rule::SignaturePlacement,
        Fix::IdpApplication,
        format!("the {what}'s Signature is in the wrong place: it is child {position} of <{parent_name}>{after}, where SAML puts it right after the {what}'s Issuer"),
    )
    .expected(format!("ds:Signature as the element right after saml:Issuer in the {what}"))
    .found(format!("child {position} of <{parent_name}>{after}"))
    .hint("this is a defect of the IdP (or of the SAML library it uses), not of your configuration: other SAML libraries (python3-saml, ruby-saml, samlify, Lasso) reject this response too; ask the IdP's vendor to place the Signature right after the Issuer")
}
