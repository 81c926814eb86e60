//! The report of a test login as the UI shows it: each check, the attributes that arrived, the exchange leg by leg,
//! the clocks and the pretty-printed XML.

use super::*;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A suggested mapping for an SP attribute that did not arrive under its own name: the arrived name that most
/// likely carries it (another case or spacing, an alias, an OID name, an Entra claim URI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AttributeSuggestionView {
    /// The SP's name from step 4.
    pub sp_attribute: String,
    /// The name in the response.
    pub idp_attribute: String,
    /// `case`, `spacing`, `alias`, `oid` or `claim_uri`.
    pub reason: String,
    /// The reason in plain words, with what to change.
    pub text: String,
}

/// At most this many checks, attributes or XML lines are shown.
pub(super) const MAX_REPORT_ROWS: usize = 200;

pub(super) const MAX_XML_LINES: usize = 400;

pub(super) const MAX_XML_LINE_CHARS: usize = 240;

impl Model {
    pub(super) fn report_view(&self, run: &Run) -> TestReportView {
        let report = &run.report;
        let failed = report.checks().iter().filter(|c| !c.ok).count();
        let headline = if report.valid() {
            format!("Passed: all {} checks passed", report.checks().len())
        } else {
            format!(
                "Failed: {failed} of {} checks failed. Fix them where each one says, then test again.",
                report.checks().len()
            )
        };
        let mut checks: Vec<ReportCheckView> = report
            .checks()
            .iter()
            .filter(|c| !c.ok)
            .chain(report.checks().iter().filter(|c| c.ok))
            .map(|c| ReportCheckView {
                id: c.id.to_string(),
                ok: c.ok,
                message: c.message.clone(),
                expected: c.expected.clone(),
                found: c.found.clone(),
                hint: self.hint_for(c),
                step: StepId::for_fix(c.fix),
                step_number: step_number(StepId::for_fix(c.fix)),
                step_title: step_title(StepId::for_fix(c.fix)).to_string(),
                fix_elsewhere: !c.ok && c.fix != Fix::Capture,
            })
            .collect();
        checks.truncate(MAX_REPORT_ROWS);
        let (evidence_severity, evidence_note) = match &run.evidence {
            Ok(text) => (Severity::Info, text.clone()),
            Err(text) if run.source == Source::Loopback => (Severity::Warning, text.clone()),
            Err(text) => (Severity::Error, text.clone()),
        };
        // An encrypted assertion is shown decrypted, in its place: what every check read.
        let doc = report
            .decrypted_xml()
            .or(run.xml.as_deref())
            .and_then(|x| xml::parse(x).ok());
        let decrypted = super::export::decrypted_line(report, run.source.decryption_key_words());
        TestReportView {
            passed: report.valid(),
            source: run.source_label(),
            flow: self.flow_words(report),
            headline,
            signed_by: self.signed_by_line(report),
            evidence_note,
            evidence_severity,
            checks,
            not_evaluated: run.not_evaluated.clone(),
            attributes: self.attribute_arrivals(report),
            attribute_suggestions: self.attribute_suggestions(report),
            diagnosis: self.diagnosis_of(report),
            clock: report.clock().map(clock),
            xml: doc.as_ref().map(|d| pretty(d, report)).unwrap_or_default(),
            xml_note: xml_note(report),
            decrypted: decrypted.map(|d| format!("{d}.")),
            export_name: format!("ssopilot-test-login-{}", run.received_at.unix_timestamp()),
        }
    }

    /// How the sign-in started, as the response shows it, and what that leaves to others.
    pub(super) fn flow_words(&self, report: &Report) -> Option<String> {
        let sp = self.sp_name();
        Some(match report.flow()? {
            response::Flow::IdpInitiated => "IdP-initiated: the response is unsolicited (it answers no sign-in \
                 request), so nothing ties it to a request: InResponseTo cannot be checked, and any page that can \
                 post to the ACS could have sent it."
                .to_string(),
            response::Flow::SpInitiated if report.check(Rule::InResponseTo).is_some() => {
                "SP-initiated: the response answers a sign-in request, and InResponseTo was checked against the \
                 request that was sent."
                    .to_string()
            }
            response::Flow::SpInitiated => format!(
                "SP-initiated: the response answers a sign-in request SSO Pilot did not send, so InResponseTo is \
                 left to {sp}."
            ),
        })
    }

    /// A check's hint as the report shows it: the validator's generic words, then, for a failure, where the chosen
    /// IdP profile says that kind of fix is made in its portal.
    pub(super) fn hint_for(&self, c: &Check) -> Option<String> {
        let provider = self
            .idp()
            .filter(|_| !c.ok)
            .and_then(|p| p.fix_hints.get(&c.fix));
        match (&c.hint, provider) {
            (Some(h), Some(p)) => Some(format!("{}. {p}", h.trim_end_matches('.'))),
            (None, Some(p)) => Some(p.clone()),
            (h, None) => h.clone(),
        }
    }

    /// The attributes the SP profile requires that did not arrive under step 4's names (missing, or in another
    /// case): a login the validator passes is still no evidence while the SP cannot read them.
    pub(super) fn unusable_required_attributes(&self, report: &Report) -> Vec<String> {
        let Some(sp) = self.sp() else {
            return Vec::new();
        };
        self.attribute_arrivals(report)
            .into_iter()
            .filter(|row| row.arrival != AttributeArrival::Received)
            .filter(|row| sp.required_attributes().any(|a| a.name == row.sp_name))
            .map(|row| row.sp_name)
            .collect()
    }

    /// The attributes as the SP will receive them, on step 4's names. The loopback test SP gets what the IdP's
    /// test application sends, so its names are compared the same way.
    pub(super) fn attribute_arrivals(&self, report: &Report) -> Vec<ReportAttributeView> {
        let sp = self.sp_name().to_string();
        let mut seen: Vec<&str> = Vec::new();
        let mut rows: Vec<ReportAttributeView> = self.steps.attributes.map(self.idp(), self.sp())
            .into_iter()
            .map(|row| {
                let name = row.sp_name.trim().to_string();
                let exact = report.attributes().get_key_value(&name);
                let folded = report
                    .attributes()
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&name));
                let (received_as, values, arrival, note) = match (exact, folded) {
                    (Some((k, v)), _) => {
                        seen.push(k);
                        (Some(k.clone()), v.clone(), AttributeArrival::Received, None)
                    }
                    (None, Some((k, v))) => {
                        seen.push(k);
                        (
                            Some(k.clone()),
                            v.clone(),
                            AttributeArrival::WrongCase,
                            Some(format!(
                                "Sent as \"{k}\" but {sp} looks for \"{name}\": attribute names are case-sensitive. \
                                 Fix the name in the IdP application (step 4)."
                            )),
                        )
                    }
                    (None, None) => (
                        None,
                        Vec::new(),
                        AttributeArrival::Missing,
                        Some(format!(
                            "Not in the response: add {name} <- {} in the IdP application's attributes (step 4).",
                            row.idp_name.trim()
                        )),
                    ),
                };
                ReportAttributeView {
                    sp_name: name,
                    idp_name: row.idp_name.trim().to_string(),
                    received_as,
                    values,
                    arrival,
                    note,
                }
            })
            .collect();
        for (k, v) in report.attributes() {
            if !seen.contains(&k.as_str()) {
                rows.push(ReportAttributeView {
                    sp_name: String::new(),
                    idp_name: String::new(),
                    received_as: Some(k.clone()),
                    values: v.clone(),
                    arrival: AttributeArrival::NotMapped,
                    note: Some(format!("Not in the attribute map: {sp} ignores it.")),
                });
            }
        }
        rows.truncate(MAX_REPORT_ROWS);
        rows
    }

    /// Step 4's SP names that did not arrive as they are, with the arrived name most likely meant
    /// ([`ssopilot_saml::attributes::suggest`]) and what to change.
    pub(crate) fn attribute_suggestions(&self, report: &Report) -> Vec<AttributeSuggestionView> {
        let map = self.steps.attributes.map(self.idp(), self.sp());
        let needed: Vec<&str> = map.iter().map(|r| r.sp_name.trim()).collect();
        let arrived: Vec<&str> = report.attributes().keys().map(String::as_str).collect();
        let idp = self.idp_name();
        let sp = self.sp_name();
        let mut out: Vec<AttributeSuggestionView> = ssopilot_saml::attributes::suggest(&needed, &arrived)
            .into_iter()
            .map(|s| AttributeSuggestionView {
                text: format!(
                    "{sp} reads \"{}\"; {idp} sends \"{}\": {}. Rename it in {idp}'s application to \"{}\" (step 4).",
                    s.sp_attribute,
                    s.idp_attribute,
                    s.reason.words(),
                    s.sp_attribute
                ),
                reason: serde_json::to_value(s.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                sp_attribute: s.sp_attribute,
                idp_attribute: s.idp_attribute,
            })
            .collect();
        out.truncate(MAX_REPORT_ROWS);
        out
    }

    /// The diagnosis of a report: what this SP needs (step 4's names, its NameID format, step 6's test user), in
    /// the words of the chosen profiles.
    pub(super) fn diagnosis_of(&self, report: &Report) -> Option<crate::diagnosis::Diagnosis> {
        use crate::diagnosis::{diagnose, Outcome, SpNeeds, Words};
        let needs = SpNeeds {
            attributes: self
                .steps
                .attributes
                .map(self.idp(), self.sp())
                .iter()
                .map(|r| r.sp_name.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect(),
            name_id_email: self
                .sp()
                .and_then(|p| p.quirks.name_id_format.as_deref())
                .is_some_and(|f| f.eq_ignore_ascii_case("emailAddress")),
            user_email: Some(self.steps.assign_users.test_user.trim().to_string())
                .filter(|u| u.contains('@')),
            requested_at: None,
        };
        let words = Words {
            idp: self.idp_name(),
            sp: self.sp_name(),
            profile: self.idp(),
        };
        diagnose(Outcome::Response(report), &needs, words)
    }

    pub(super) fn exchange_block(&self, run: &Run) -> Block {
        let sp = self.sp_name().to_string();
        let idp = self.idp_name().to_string();
        let (sp_label, acs_label) = match run.source {
            Source::Loopback => (
                "SSO Pilot's test SP".to_string(),
                "Test SP's ACS".to_string(),
            ),
            _ => (sp.clone(), format!("{sp}'s {}", self.acs_label())),
        };
        let first_failure = |leg: &str| {
            run.report
                .checks()
                .iter()
                .find(|c| !c.ok && leg_of(c.id, StepId::for_fix(c.fix)) == leg)
                .map(|c| c.message.clone())
        };
        let mut legs = Vec::new();
        let mut leg = |id: &str, from: Party, to: Party, label: String| {
            let problem = first_failure(id);
            legs.push(ExchangeLeg {
                id: id.into(),
                from,
                to,
                label,
                state: if problem.is_some() {
                    LegState::Failed
                } else {
                    LegState::Done
                },
                problem,
            });
        };
        if !run.idp_initiated {
            leg(
                "request",
                Party::Sp,
                Party::Idp,
                "AuthnRequest, through the browser".into(),
            );
        }
        leg(
            "sign_in",
            Party::Browser,
            Party::Idp,
            format!("The user signs in at {idp}"),
        );
        leg(
            "response",
            Party::Idp,
            Party::Browser,
            "Signed SAMLResponse in an auto-posting form".into(),
        );
        leg(
            "post",
            Party::Browser,
            Party::Acs,
            match run.source {
                Source::LoginWindow => "POST to the ACS, held and checked by SSO Pilot".into(),
                Source::Paste => "POST to the ACS, captured by your tracer".into(),
                Source::Loopback => "POST to the test SP's ACS".into(),
            },
        );
        let failed: Vec<&str> = legs
            .iter()
            .filter(|l| l.state == LegState::Failed)
            .map(|l| l.label.as_str())
            .collect();
        Block::Exchange {
            idp_initiated: run.idp_initiated,
            sp_label,
            idp_label: idp,
            acs_label,
            caption: if failed.is_empty() {
                "Every leg of the exchange checked out.".into()
            } else {
                format!("Where it failed: {}.", join_words(&failed))
            },
            legs,
        }
    }
}

/// Which leg of the exchange a failed check belongs to: the request (InResponseTo), the sign-in (the IdP refused),
/// the post to the ACS (audience, recipient, destination: the SP's values), else the response the IdP made.
pub(super) fn leg_of(id: Rule, step: StepId) -> &'static str {
    match (id, step) {
        (Rule::InResponseTo | Rule::SubjectInResponseTo, _) => "request",
        (_, StepId::AssignUsers) => "sign_in",
        (_, StepId::SpValues) => "post",
        _ => "response",
    }
}

/// The validator's clock reading as the report shows it (the validator measured it on the response it checked).
pub(super) fn clock(reading: &ClockReading) -> ClockView {
    let allowed = reading.allowed_skew_seconds;
    // The view's difference is `checked_at - issue_instant`: the opposite sign of the IdP's offset.
    let d = -reading.offset_seconds;
    let text = if reading.within_skew() {
        format!(
            "The IdP's clock and this computer's agree within {} s (allowed: {allowed} s).",
            d.abs()
        )
    } else if d < 0 {
        format!(
            "The response was issued {} s in this computer's future (allowed: {allowed} s): {}. If this \
             computer's clock is right, correct the IdP's clock (network time, NTP); otherwise set this computer's.",
            -d,
            reading.describe()
        )
    } else {
        format!(
            "The response was issued {d} s before it was checked (allowed: {allowed} s): it is old, or one of the \
             clocks is wrong. Set both to network time (NTP), and test with a fresh sign-in."
        )
    };
    ClockView {
        checked_at: reading.local_time.clone(),
        issue_instant: Some(reading.idp_time.clone()),
        difference_seconds: Some(d),
        allowed_seconds: allowed,
        ok: reading.within_skew(),
        text,
    }
}

/// What the pretty-printed response marks: the signed part and, when the assertion arrived encrypted, that it is
/// shown decrypted (and which form each signature was checked on).
fn xml_note(report: &Report) -> String {
    let signed = report.signed().assertion || report.signed().response;
    let mut note = if signed {
        "The highlighted part is covered by a signature that verified with your certificate; signature values and \
         certificates are left out."
            .to_string()
    } else {
        "No part of this response is covered by a signature that verified with your certificate."
            .to_string()
    };
    if report.encrypted().assertion {
        note.push_str(
            " The assertion arrived encrypted and is shown decrypted, marked “decrypted”",
        );
        note.push_str(
            match (report.signed().response, report.signed().assertion) {
                (true, _) => ": the response's signature covers it as it arrived, encrypted.",
                (false, true) => ": its own signature verified on the decrypted assertion.",
                (false, false) => ".",
            },
        );
    }
    note
}

/// The response pretty-printed, one element or text per line, the verified-signed element marked; signature values
/// and certificates left out (they are long and say nothing to a reader). With an encrypted assertion `doc` is the
/// decrypted document, and the assertion's lines are marked decrypted.
pub(super) fn pretty(doc: &Document, report: &Report) -> Vec<XmlLine> {
    let root = doc.root();
    let assertion = doc.elements().find(|n| {
        doc.element(*n).is_some_and(|e| e.is(SAML_NS, "Assertion")) && doc.parent(*n) == Some(root)
    });
    let decrypted_root = assertion.filter(|_| report.encrypted().assertion);
    let signed_root: Option<NodeId> = if report.signed().response {
        Some(root)
    } else if report.signed().assertion {
        assertion
    } else {
        None
    };
    let mut out = Vec::new();
    let marks = Marks {
        signed: signed_root,
        decrypted: decrypted_root,
    };
    walk(doc, root, 0, marks, &mut out);
    if out.len() > MAX_XML_LINES {
        out.truncate(MAX_XML_LINES);
        out.push(XmlLine {
            depth: 0,
            text: "(the rest is left out)".into(),
            signed: false,
            decrypted: false,
        });
    }
    out
}

pub(super) fn cut(s: &str) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX_XML_LINE_CHARS {
        let head: String = one_line.chars().take(MAX_XML_LINE_CHARS).collect();
        format!("{head}…")
    } else {
        one_line
    }
}

/// The elements whose lines are marked: the one a verified signature covers, the one that arrived encrypted.
#[derive(Clone, Copy)]
pub(super) struct Marks {
    signed: Option<NodeId>,
    decrypted: Option<NodeId>,
}

pub(super) fn walk(doc: &Document, id: NodeId, depth: u16, marks: Marks, out: &mut Vec<XmlLine>) {
    if out.len() > MAX_XML_LINES {
        return;
    }
    let within = |root: Option<NodeId>| root.is_some_and(|s| s == id || doc.is_within(id, s));
    let (is_signed, is_decrypted) = (within(marks.signed), within(marks.decrypted));
    let line = |text: String| XmlLine {
        depth,
        text,
        signed: is_signed,
        decrypted: is_decrypted,
    };
    let Some(node) = doc.node(id) else {
        return;
    };
    match &node.kind {
        NodeKind::Element(e) => {
            let source = doc.source();
            let start = source
                .get(e.span.0..e.start_tag_end)
                .map(cut)
                .unwrap_or_else(|| format!("<{}>", e.qname()));
            let secret = e.ns.as_deref() == Some(ssopilot_saml::xmldsig::DS_NS)
                && matches!(
                    &*e.local,
                    "SignatureValue" | "X509Certificate" | "DigestValue"
                );
            let children: Vec<NodeId> = doc
                .children(id)
                .iter()
                .copied()
                .filter(|c| match doc.node(*c).map(|n| &n.kind) {
                    Some(NodeKind::Text(t)) => !t.trim().is_empty(),
                    Some(NodeKind::Element(_)) => true,
                    _ => false,
                })
                .collect();
            let end = format!("</{}>", e.qname());
            if start.ends_with("/>") {
                out.push(line(start));
            } else if secret {
                out.push(line(format!("{start}(left out){end}")));
            } else if let [only] = children.as_slice() {
                match doc.node(*only).map(|n| &n.kind) {
                    Some(NodeKind::Text(t)) => out.push(line(format!("{start}{}{end}", cut(t)))),
                    _ => {
                        out.push(line(start));
                        walk(doc, *only, depth + 1, marks, out);
                        out.push(line(end));
                    }
                }
            } else if children.is_empty() {
                out.push(line(format!("{start}{end}")));
            } else {
                out.push(line(start));
                for c in children {
                    walk(doc, c, depth + 1, marks, out);
                }
                out.push(line(end));
            }
        }
        NodeKind::Text(t) => out.push(line(cut(t))),
        _ => {}
    }
}
