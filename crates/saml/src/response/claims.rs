//! Rules 16 to 21: what the assertion says (status, subject confirmation, conditions, audience, authentication, identity), read only from the verified element.

use super::*;

/// Rule 18's status: true when the IdP reports Success. Otherwise the failed check carries the IdP's own
/// StatusCode(s) and StatusMessage, usually the reason it refused.
pub(super) fn check_status(doc: &Document, root: NodeId, r: &mut Report) -> bool {
    let status = child(doc, root, SAMLP_NS, "Status");
    let code = status.and_then(|s| child(doc, s, SAMLP_NS, "StatusCode"));
    let value = code.and_then(|c| attr(doc, c, "Value"));
    if value == Some(STATUS_SUCCESS) {
        r.push(
            Check::pass(
                Rule::StatusSuccess,
                Fix::UserAccess,
                "the IdP reports Success",
            )
            .expected(STATUS_SUCCESS)
            .found(STATUS_SUCCESS),
        );
        return true;
    }
    let sub = code
        .and_then(|c| child(doc, c, SAMLP_NS, "StatusCode"))
        .and_then(|c| attr(doc, c, "Value"));
    let msg = status
        .and_then(|s| child(doc, s, SAMLP_NS, "StatusMessage"))
        .map(|m| doc.text_only(m).0.trim().to_string())
        .filter(|m| !m.is_empty());
    let short = |v: &str| v.rsplit(':').next().unwrap_or(v).to_string();
    let mut found = format!("StatusCode {}", value.unwrap_or("(absent)"));
    let mut said = value.map_or_else(|| "no StatusCode".to_string(), short);
    if let Some(s) = sub {
        found.push_str(&format!(", second-level StatusCode {s}"));
        said.push_str(&format!(" / {}", short(s)));
    }
    if let Some(m) = &msg {
        found.push_str(&format!(", StatusMessage \"{m}\""));
    }
    let message = match &msg {
        Some(m) => format!("the IdP did not report Success: it answered {said}, saying \"{m}\""),
        None => format!("the IdP did not report Success: it answered {said}"),
    };
    r.push(
        Check::fail(Rule::StatusSuccess, Fix::UserAccess, message)
            .expected(STATUS_SUCCESS)
            .found(found)
            .hint("the IdP refused the login (its status message, when it sent one, usually says why): make sure the test user is assigned to the application and can sign in there"),
    );
    false
}

/// Rule 20's InResponseTo check for `what`, or none when the policy says which request it answers cannot be
/// known.
pub(super) fn in_response_to_check(
    id: Rule,
    what: &str,
    irt: Option<&str>,
    policy: &Policy,
) -> Option<Check> {
    Some(match (&policy.expect, irt) {
        (Expect::Unknown, _) => return None,
        (Expect::Request(req), Some(v)) if v == req => Check::pass(id, Fix::Capture, format!("{what} answers the pending request"))
            .expected(req.as_str())
            .found(v),
        (Expect::Request(req), v) => Check::fail(id, Fix::Capture, format!("{what} does not answer the pending request"))
            .expected(req.as_str())
            .found_opt(v)
            .hint("start the test login again from the SP (SP-initiated) and check the response that comes back"),
        (Expect::IdpInitiated | Expect::RequestNotGiven, Some(v)) => Check::fail(id, Fix::Capture, format!("{what} answers request \"{v}\", but no pending request ID was given"))
            .expected("(no InResponseTo: IdP-initiated)")
            .found(v)
            .hint(format!("pass the ID of the AuthnRequest (--request-id {v}) if this is the request you sent")),
        (Expect::IdpInitiated, None) => Check::pass(id, Fix::Capture, match &policy.posted_from {
            Some(from) => format!("{what} is unsolicited (IdP-initiated), which the policy allows: it answers no request, so any page that can post to the ACS could have sent it; it was posted from {from}"),
            None => format!("{what} is IdP-initiated, which the policy allows"),
        })
            .found("(absent)"),
        (Expect::RequestNotGiven, None) => Check::fail(id, Fix::Capture, format!("{what} is IdP-initiated (no InResponseTo), which the policy does not allow"))
            .found("(absent)")
            .hint("start the login from the SP, or allow IdP-initiated logins (--allow-idp-initiated)"),
    })
}

pub(super) fn check_subject_confirmation(
    doc: &Document,
    subject: Option<NodeId>,
    policy: &Policy,
    r: &mut Report,
) {
    let acs = policy.acs_url.as_str();
    let skew = policy.skew();
    let bearers: Vec<NodeId> = subject
        .map(|s| {
            doc.children_named(s, SAML_NS, "SubjectConfirmation")
                .filter(|c| attr(doc, *c, "Method") == Some(BEARER))
                .collect()
        })
        .unwrap_or_default();
    if bearers.is_empty() {
        r.push(
            Check::fail(
                Rule::SubjectBearer,
                Fix::IdpApplication,
                "the Subject has no bearer SubjectConfirmation",
            )
            .expected(BEARER)
            .found("(none)"),
        );
        return;
    }
    // Evaluate every bearer confirmation; report the first that satisfies everything, else the first one.
    let mut evaluated: Vec<Vec<Check>> = Vec::new();
    for sc in &bearers {
        let data = child(doc, *sc, SAML_NS, "SubjectConfirmationData");
        let mut checks = vec![Check::pass(
            Rule::SubjectBearer,
            Fix::IdpApplication,
            "a bearer SubjectConfirmation is present",
        )
        .found(BEARER)];
        let recipient = data.and_then(|d| attr(doc, d, "Recipient"));
        checks.push(if recipient == Some(acs) {
            Check::pass(
                Rule::SubjectRecipient,
                Fix::SpValues,
                "the confirmation's Recipient is the ACS URL",
            )
            .expected(acs)
            .found_opt(recipient)
        } else {
            Check::fail(
                Rule::SubjectRecipient,
                Fix::SpValues,
                "the confirmation's Recipient is not the configured ACS URL",
            )
            .expected(acs)
            .found_opt(recipient)
            .hint("copy the ACS URL from the SP into the IdP application again")
        });
        let nooa = data.and_then(|d| attr(doc, d, "NotOnOrAfter"));
        let nb = data.and_then(|d| attr(doc, d, "NotBefore"));
        let now = policy.now;
        let clocks = format!("now {} (skew {} s)", fmt_time(now), skew.whole_seconds());
        let expired_hint = clock_hint(r, "run the test login again and check the response at once; if it keeps failing, check both computers' clocks");
        checks.push(match (nooa.map(|s| (s, parse_time(s))), nb) {
            (_, Some(nb)) => Check::fail(
                Rule::SubjectTime,
                Fix::Capture,
                "a bearer confirmation must not carry NotBefore",
            )
            .expected("no NotBefore")
            .found(format!("NotBefore {nb}")),
            (None, _) => Check::fail(
                Rule::SubjectTime,
                Fix::Capture,
                "the confirmation has no NotOnOrAfter",
            )
            .expected(format!("NotOnOrAfter after {clocks}"))
            .found("(absent)"),
            (Some((s, None)), _) => Check::fail(
                Rule::SubjectTime,
                Fix::Capture,
                "the confirmation's NotOnOrAfter is not a valid time",
            )
            .found(s),
            (Some((s, Some(t))), _) if now < t + skew => Check::pass(
                Rule::SubjectTime,
                Fix::Capture,
                "the confirmation has not expired",
            )
            .expected(format!("NotOnOrAfter after {clocks}"))
            .found(s),
            (Some((s, Some(_))), _) => Check::fail(
                Rule::SubjectTime,
                Fix::Capture,
                "the confirmation has expired",
            )
            .expected(format!("NotOnOrAfter after {clocks}"))
            .found(s)
            .hint(expired_hint.clone()),
        });
        let irt = data.and_then(|d| attr(doc, d, "InResponseTo"));
        checks.extend(in_response_to_check(
            Rule::SubjectInResponseTo,
            "the subject confirmation",
            irt,
            policy,
        ));
        evaluated.push(checks);
    }
    let best = evaluated
        .iter()
        .position(|cs| cs.iter().all(|c| c.ok))
        .unwrap_or(0);
    if let Some(cs) = evaluated.into_iter().nth(best) {
        for c in cs {
            r.push(c);
        }
    }
}

pub(super) fn check_conditions(
    doc: &Document,
    conditions: Option<NodeId>,
    policy: &Policy,
    r: &mut Report,
) {
    let skew = policy.skew();
    let now = policy.now;
    let Some(cond) = conditions else {
        r.push(
            Check::fail(
                Rule::ConditionsTime,
                Fix::IdpApplication,
                "the Assertion has no Conditions",
            )
            .found("(absent)"),
        );
        r.push(
            Check::fail(
                Rule::Audience,
                Fix::SpValues,
                "the Assertion has no AudienceRestriction",
            )
            .expected(policy.sp_entity_id.as_str())
            .found("(absent)"),
        );
        return;
    };
    let nb = attr(doc, cond, "NotBefore");
    let nooa = attr(doc, cond, "NotOnOrAfter");
    let clocks = format!("now {} (skew {} s)", fmt_time(now), skew.whole_seconds());
    let found = format!(
        "NotBefore {}, NotOnOrAfter {}",
        nb.unwrap_or("(absent)"),
        nooa.unwrap_or("(absent)")
    );
    let nb_t = nb.map(parse_time);
    let nooa_t = nooa.map(parse_time);
    let c = if matches!(nb_t, Some(None)) || matches!(nooa_t, Some(None)) {
        Check::fail(
            Rule::ConditionsTime,
            Fix::Capture,
            "a Conditions time is not a valid xs:dateTime",
        )
    } else if nb_t.flatten().is_some_and(|t| now + skew < t) {
        Check::fail(
            Rule::ConditionsTime,
            Fix::Capture,
            "the assertion is not valid yet (NotBefore is in the future)",
        )
        .hint(clock_hint(
            r,
            "check the clocks of this computer and of the IdP",
        ))
    } else if nooa_t.flatten().is_some_and(|t| now >= t + skew) {
        Check::fail(Rule::ConditionsTime, Fix::Capture, "the assertion has expired (NotOnOrAfter has passed)")
            .hint(clock_hint(r, "run the test login again and check the response at once; if it keeps failing, check the clocks"))
    } else {
        Check::pass(
            Rule::ConditionsTime,
            Fix::Capture,
            "the assertion is within its validity window",
        )
    };
    r.push(
        c.expected(format!("NotBefore <= now <= NotOnOrAfter, {clocks}"))
            .found(found),
    );

    let sp = policy.sp_entity_id.as_str();
    let restrictions: Vec<NodeId> = doc
        .children_named(cond, SAML_NS, "AudienceRestriction")
        .collect();
    let lists: Vec<Vec<String>> = restrictions
        .iter()
        .map(|ar| {
            doc.children_named(*ar, SAML_NS, "Audience")
                .map(|a| doc.text_only(a).0.trim().to_string())
                .collect()
        })
        .collect();
    let found = lists
        .iter()
        .map(|l| format!("[{}]", l.join(", ")))
        .collect::<Vec<_>>()
        .join(" and ");
    if restrictions.is_empty() {
        r.push(
            Check::fail(
                Rule::Audience,
                Fix::SpValues,
                "the Assertion has no AudienceRestriction",
            )
            .expected(sp)
            .found("(absent)"),
        );
    } else if lists.iter().all(|l| l.iter().any(|a| a == sp)) {
        r.push(
            Check::pass(
                Rule::Audience,
                Fix::SpValues,
                "every AudienceRestriction lists the SP entity ID",
            )
            .expected(sp)
            .found(found),
        );
    } else {
        r.push(
            Check::fail(
                Rule::Audience,
                Fix::SpValues,
                "the assertion is meant for another service provider (Audience)",
            )
            .expected(sp)
            .found(found)
            .hint(
                "set the SP Entity ID (audience) in the IdP application to exactly the SP's value",
            ),
        );
    }
}

pub(super) fn check_issue_instants(
    doc: &Document,
    root: NodeId,
    assertion: NodeId,
    policy: &Policy,
    r: &mut Report,
) {
    let skew = policy.skew();
    let mut problems = Vec::new();
    for (what, id) in [("Response", root), ("Assertion", assertion)] {
        match attr(doc, id, "IssueInstant").map(|s| (s, parse_time(s))) {
            None => problems.push(format!("{what} has no IssueInstant")),
            Some((s, None)) => {
                problems.push(format!("{what} IssueInstant {s} is not a valid time"))
            }
            Some((s, Some(t))) if t > policy.now + skew => {
                problems.push(format!("{what} IssueInstant {s} is in the future"))
            }
            _ => {}
        }
    }
    let clocks = format!(
        "now {} (skew {} s)",
        fmt_time(policy.now),
        skew.whole_seconds()
    );
    if problems.is_empty() {
        r.push(
            Check::pass(
                Rule::IssueInstant,
                Fix::Capture,
                "issue times are valid and not in the future",
            )
            .expected(clocks),
        );
    } else {
        r.push(
            Check::fail(Rule::IssueInstant, Fix::Capture, problems.join("; "))
                .expected(clocks)
                .hint(clock_hint(
                    r,
                    "check the clocks of this computer and of the IdP",
                )),
        );
    }
}

pub(super) fn check_authn_statement(
    doc: &Document,
    assertion: NodeId,
    policy: &Policy,
    r: &mut Report,
) {
    let stmts: Vec<NodeId> = doc
        .children_named(assertion, SAML_NS, "AuthnStatement")
        .collect();
    let Some(first) = stmts.first() else {
        r.push(
            Check::fail(
                Rule::AuthnStatement,
                Fix::IdpApplication,
                "the Assertion has no AuthnStatement",
            )
            .found("(absent)"),
        );
        return;
    };
    let session = attr(doc, *first, "SessionNotOnOrAfter");
    r.session_not_on_or_after = session.map(str::to_string);
    match session.map(|s| (s, parse_time(s))) {
        Some((s, None)) => r.push(
            Check::fail(
                Rule::AuthnStatement,
                Fix::Capture,
                "SessionNotOnOrAfter is not a valid time",
            )
            .found(s),
        ),
        Some((s, Some(t))) if policy.now >= t + policy.skew() => r.push(
            Check::fail(
                Rule::AuthnStatement,
                Fix::Capture,
                "the session the IdP granted has already ended (SessionNotOnOrAfter)",
            )
            .found(s)
            .expected(format!("after {}", fmt_time(policy.now))),
        ),
        _ => r.push(
            Check::pass(
                Rule::AuthnStatement,
                Fix::IdpApplication,
                "an AuthnStatement is present",
            )
            .found(format!("{} statement(s)", stmts.len())),
        ),
    }
}

pub(super) fn check_identity(
    doc: &Document,
    subject: Option<NodeId>,
    assertion: NodeId,
    trusted: bool,
    policy: &Policy,
    r: &mut Report,
) {
    let name_id = subject.and_then(|s| child(doc, s, SAML_NS, "NameID"));
    // An SPNameQualifier names the SP the identifier was issued for: another SP's identifier is not this SP's user.
    // The check appears only when the IdP sends one (it is optional).
    if let Some(q) = name_id.and_then(|n| attr(doc, n, "SPNameQualifier")) {
        let sp = policy.sp_entity_id.as_str();
        r.push(if q == sp {
            Check::pass(
                Rule::NameIdSpQualifier,
                Fix::SpValues,
                "the NameID was issued for this SP (SPNameQualifier)",
            )
            .expected(sp)
            .found(q)
        } else {
            Check::fail(
                Rule::NameIdSpQualifier,
                Fix::SpValues,
                "the NameID was issued for another service provider (its SPNameQualifier is not the SP entity ID)",
            )
            .expected(sp)
            .found(q)
            .hint("set the SP Entity ID in the IdP application to exactly the SP's value")
        });
    }
    match name_id {
        None => r.push(
            Check::fail(
                Rule::NameId,
                Fix::IdpApplication,
                "the Subject has no NameID",
            )
            .hint("choose the NameID (the user identifier the IdP sends as the subject) in the IdP application")
            .found("(absent)"),
        ),
        Some(n) => {
            let (text, other) = doc.text_only(n);
            if other {
                r.push(
                    Check::fail(Rule::NameId, Fix::IdpApplication, "the NameID contains a comment, processing instruction or element: its text is ambiguous (comment injection)")
                        .found(text.clone())
                        .hint("treat this response as an attack; genuine IdPs never send markup inside NameID"),
                );
            } else if text.trim().is_empty() {
                r.push(
                    Check::fail(Rule::NameId, Fix::IdpApplication, "the NameID is empty").found(""),
                );
            } else {
                r.push(
                    Check::pass(
                        Rule::NameId,
                        Fix::IdpApplication,
                        "the NameID is plain text",
                    )
                    .found(text.clone()),
                );
            }
            if trusted {
                r.name_id = Some(text);
                r.name_id_format = attr(doc, n, "Format").map(str::to_string);
            }
        }
    }
    let mut flagged = Vec::new();
    // Membership of `flagged` (which keeps the order found): a scan per value was quadratic in the attributes.
    let mut flagged_set = std::collections::HashSet::new();
    let mut attrs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for st in doc.children_named(assertion, SAML_NS, "AttributeStatement") {
        for a in doc.children_named(st, SAML_NS, "Attribute") {
            let name = attr(doc, a, "Name").unwrap_or("").to_string();
            let vals = attrs.entry(name.clone()).or_default();
            for v in doc.children_named(a, SAML_NS, "AttributeValue") {
                let (text, other) = doc.text_only(v);
                if other && flagged_set.insert(name.clone()) {
                    flagged.push(name.clone());
                }
                vals.push(text);
            }
        }
    }
    if flagged.is_empty() {
        r.push(
            Check::pass(
                Rule::AttributeValues,
                Fix::Attributes,
                "attribute values are plain text",
            )
            .found(format!("{} attribute(s)", attrs.len())),
        );
    } else {
        r.push(
            Check::fail(Rule::AttributeValues, Fix::Attributes, "attribute values contain comments, processing instructions or elements (comment injection)")
                .found(flagged.join(", "))
                .hint("treat this response as an attack; genuine IdPs send plain text values"),
        );
    }
    if trusted {
        r.attributes = attrs;
    }
}
