//! The test-login report as Markdown and as HTML, for a support ticket (and the terminal).
//!
//! Failed checks first, each with expected and found values and the wizard step where it is fixed. Every value from
//! the response is escaped (it is attacker-controlled text). The report carries no secrets and no signature values,
//! and nothing else is added here.

use crate::local_time::human_times_in;
use crate::view::StepId;
use ssopilot_peers::demo_idp::mint::escape;
use ssopilot_saml::response::{Check, Flow, Report};

use ssopilot_peers::test_login::evidence::Evidence;

/// The step's name as the wizard calls it (snake_case id in words).
fn step_name(step: StepId) -> String {
    serde_json::to_value(step)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_else(|| format!("{step:?}"))
}

/// The report as JSON for scripts: the validator's report, with each check's `step` (the wizard step where its
/// `fix` is made) beside its `fix`, so `--json` readers keep the step they always had.
pub fn json(report: &Report) -> serde_json::Value {
    let mut v = serde_json::to_value(report).unwrap_or(serde_json::Value::Null);
    if let Some(checks) = v.get_mut("checks").and_then(|c| c.as_array_mut()) {
        for (value, check) in checks.iter_mut().zip(report.checks()) {
            if let Some(obj) = value.as_object_mut() {
                let step = serde_json::to_value(StepId::for_fix(check.fix)).unwrap_or_default();
                obj.insert("step".to_string(), step);
            }
        }
    }
    v
}

/// Failed first, then passed, each group in the validator's order.
fn ordered(report: &Report) -> Vec<&Check> {
    let mut v: Vec<&Check> = report.checks().iter().filter(|c| !c.ok).collect();
    v.extend(report.checks().iter().filter(|c| c.ok));
    v
}

/// Escapes text for a Markdown table cell: HTML-significant characters become entities, Markdown syntax is
/// backslash-escaped, line breaks become spaces, so a value can neither break the table nor inject markup.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '(' | ')' | '{' | '}' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The key the loopback test SP decrypts with, as its reports name it.
pub const TEST_SP_KEY: &str = "the test SP's encryption key";
/// A private key given for one check (`response check --sp-decryption-key`, or loaded in the app for a pasted
/// response), as the report names it.
pub const GIVEN_SP_KEY: &str = "the SP private key given for this check";

/// What arrived encrypted and what decrypted it ("The assertion arrived encrypted and was decrypted with the test SP's
/// encryption key"), or `None` when nothing was encrypted.
pub fn decrypted_line(report: &Report, key: &str) -> Option<String> {
    let e = report.encrypted();
    let parts: Vec<&str> = [
        (e.assertion, "the assertion"),
        (e.name_id, "the NameID"),
        (e.attributes, "attributes"),
    ]
    .into_iter()
    .filter_map(|(on, what)| on.then_some(what))
    .collect();
    let (last, rest) = parts.split_last()?;
    let list = if rest.is_empty() {
        (*last).to_string()
    } else {
        format!("{} and {last}", rest.join(", "))
    };
    let were = if parts.len() == 1 && !e.attributes {
        "was"
    } else {
        "were"
    };
    let mut first = list.chars();
    let list = first
        .next()
        .map(|c| c.to_uppercase().chain(first).collect::<String>())
        .unwrap_or_default();
    Some(format!(
        "{list} arrived encrypted and {were} decrypted with {key}"
    ))
}

/// Which parts a verified signature covers: "response no, assertion yes", and with an encrypted assertion on which
/// form each signature was checked.
pub fn signed_line(report: &Report) -> String {
    let s = report.signed();
    let encrypted = report.encrypted().assertion;
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut out = format!(
        "response {}, assertion {}",
        yes_no(s.response),
        yes_no(s.assertion)
    );
    match (encrypted, s.response, s.assertion) {
        (true, true, true) => out.push_str(" (the response signature covers the encrypted assertion as received; the assertion's own signature verified on the decrypted assertion)"),
        (true, true, false) => out.push_str(" (the response signature covers the encrypted assertion as received)"),
        (true, false, true) => out.push_str(" (verified on the decrypted assertion)"),
        _ => {}
    }
    out
}

/// The IdP's clock against this computer's, as the validator measured it.
fn clock_line(report: &Report) -> String {
    report.clock().map_or_else(
        || "not measured (the response has no readable IssueInstant)".to_string(),
        |c| human_times_in(&c.summary()),
    )
}

fn verdict(report: &Report) -> String {
    let failed = report.checks().iter().filter(|c| !c.ok).count();
    if report.valid() {
        format!("PASSED: all {} checks passed", report.checks().len())
    } else {
        format!(
            "FAILED: {failed} of {} checks failed",
            report.checks().len()
        )
    }
}

/// Markdown: a heading, the verdict, the checks table, the subject and attributes, the evidence if any. `key` names
/// the key that decrypted an encrypted assertion ([`TEST_SP_KEY`], [`GIVEN_SP_KEY`]).
pub fn markdown(report: &Report, evidence: Option<&Evidence>, key: &str) -> String {
    let mut out = String::from("# SSO Pilot test login report\n\n");
    out.push_str(&format!("**{}**\n\n", verdict(report)));
    out.push_str("| Result | Check | Message | Expected | Found | Fix in step |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for c in ordered(report) {
        let message = match &c.hint {
            Some(h) if !c.ok => format!("{} ({h})", c.message),
            _ => c.message.clone(),
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            if c.ok { "pass" } else { "FAIL" },
            // Check ids are the validator's own snake_case names: a code span needs no escaping.
            c.id.as_str().replace('`', ""),
            md_escape(&message),
            md_escape(&human_times_in(c.expected.as_deref().unwrap_or(""))),
            md_escape(&human_times_in(c.found.as_deref().unwrap_or(""))),
            if c.ok {
                String::new()
            } else {
                step_name(StepId::for_fix(c.fix))
            },
        ));
    }
    out.push_str("\n## Subject\n\n");
    if let Some(line) = decrypted_line(report, key) {
        out.push_str(&format!("- Encrypted: {}\n", md_escape(&line)));
    }
    out.push_str(&format!(
        "- Flow: {}\n- Issuer: {}\n- NameID: {}\n- NameID format: {}\n- Signed: {}\n- Signing certificate SHA-256: {}\n- Clock: {}\n",
        flow_line(report),
        md_escape(report.issuer().unwrap_or("(none)")),
        md_escape(report.name_id().unwrap_or("(not verified)")),
        md_escape(report.name_id_format().unwrap_or("(none)")),
        md_escape(&signed_line(report)),
        md_escape(
            report
                .signing_certificate_sha256()
                .as_ref()
                .map_or("(none)", |f| f.as_str())
        ),
        md_escape(&clock_line(report)),
    ));
    if !report.attributes().is_empty() {
        out.push_str("\n## Attributes\n\n| Name | Values |\n|---|---|\n");
        for (name, values) in report.attributes() {
            out.push_str(&format!(
                "| {} | {} |\n",
                md_escape(name),
                md_escape(&values.join(", "))
            ));
        }
    }
    if !report.warnings().is_empty() {
        out.push_str("\n## Warnings\n\n");
        for w in report.warnings() {
            out.push_str(&format!("- {}\n", md_escape(w)));
        }
    }
    if let Some(e) = evidence {
        out.push_str(&format!(
            "\n## Evidence\n\n- User: {}\n- Time: {}\n- IdP Entity ID: {}\n- SP Entity ID: {}\n- ACS URL: {}\n- Certificate SHA-256: {}\n- Configuration hash: {}\n",
            md_escape(&e.user),
            md_escape(&crate::local_time::human_time(e.time, crate::local_time::local_offset())),
            md_escape(e.idp_entity_id.as_str()),
            md_escape(e.sp_entity_id.as_str()),
            md_escape(e.acs_url.as_str()),
            md_escape(e.certificate_sha256.as_str()),
            md_escape(&e.config_hash),
        ));
    }
    out
}

/// How the sign-in started, as the response shows it.
fn flow_line(report: &Report) -> &'static str {
    match report.flow() {
        Some(Flow::SpInitiated) => "SP-initiated (the response answers a sign-in request)",
        Some(Flow::IdpInitiated) => {
            "IdP-initiated (unsolicited: it answers no sign-in request, so InResponseTo could not be checked)"
        }
        None => "(not read: the response did not get that far)",
    }
}

/// A standalone HTML page (no script, no external resources), everything escaped. `key` as for [`markdown`].
pub fn html(report: &Report, evidence: Option<&Evidence>, key: &str) -> String {
    let mut rows = String::new();
    for c in ordered(report) {
        rows.push_str(&format!(
            "<tr class=\"{cls}\"><td>{res}</td><td><code>{id}</code></td><td>{msg}{hint}</td><td>{exp}</td><td>{found}</td><td>{step}</td></tr>",
            cls = if c.ok { "pass" } else { "fail" },
            res = if c.ok { "pass" } else { "FAIL" },
            id = escape(c.id.as_str()),
            msg = escape(&c.message),
            hint = match (&c.hint, c.ok) {
                (Some(h), false) => format!("<br><em>{}</em>", escape(h)),
                _ => String::new(),
            },
            exp = escape(&human_times_in(c.expected.as_deref().unwrap_or(""))),
            found = escape(&human_times_in(c.found.as_deref().unwrap_or(""))),
            step = if c.ok { String::new() } else { escape(&step_name(StepId::for_fix(c.fix))) },
        ));
    }
    let attrs: String = report
        .attributes()
        .iter()
        .map(|(n, v)| {
            format!(
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(n),
                escape(&v.join(", "))
            )
        })
        .collect();
    let warnings: String = report
        .warnings()
        .iter()
        .map(|w| format!("<li>{}</li>", escape(w)))
        .collect();
    let evidence = evidence
        .map(|e| {
            format!(
                "<h2>Evidence</h2><dl><dt>User</dt><dd>{}</dd><dt>Time</dt><dd>{}</dd><dt>IdP Entity ID</dt><dd>{}</dd><dt>SP Entity ID</dt><dd>{}</dd><dt>ACS URL</dt><dd>{}</dd><dt>Certificate SHA-256</dt><dd>{}</dd><dt>Configuration hash</dt><dd>{}</dd></dl>",
                escape(&e.user),
                escape(&crate::local_time::human_time(e.time, crate::local_time::local_offset())),
                escape(e.idp_entity_id.as_str()),
                escape(e.sp_entity_id.as_str()),
                escape(e.acs_url.as_str()),
                escape(e.certificate_sha256.as_str()),
                escape(&e.config_hash),
            )
        })
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"><title>SSO Pilot test login report</title><style>body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}}tr.fail td:first-child{{color:#a00;font-weight:bold}}tr.pass td:first-child{{color:#060}}</style></head><body><h1>SSO Pilot test login report</h1><p><strong>{verdict}</strong></p><table><thead><tr><th>Result</th><th>Check</th><th>Message</th><th>Expected</th><th>Found</th><th>Fix in step</th></tr></thead><tbody>{rows}</tbody></table><h2>Subject</h2><dl><dt>Flow</dt><dd>{flow}</dd>{encrypted}<dt>Issuer</dt><dd>{issuer}</dd><dt>NameID</dt><dd>{name_id}</dd><dt>NameID format</dt><dd>{fmt}</dd><dt>Signed</dt><dd>{signed}</dd><dt>Signing certificate SHA-256</dt><dd>{cert}</dd><dt>Clock</dt><dd>{clock}</dd></dl>{attrs}{warnings}{evidence}</body></html>\n",
        verdict = escape(&verdict(report)),
        flow = escape(flow_line(report)),
        issuer = escape(report.issuer().unwrap_or("(none)")),
        name_id = escape(report.name_id().unwrap_or("(not verified)")),
        fmt = escape(report.name_id_format().unwrap_or("(none)")),
        encrypted = decrypted_line(report, key)
            .map(|l| format!("<dt>Encrypted</dt><dd>{}</dd>", escape(&l)))
            .unwrap_or_default(),
        signed = escape(&signed_line(report)),
        cert = escape(
            report
                .signing_certificate_sha256()
                .as_ref()
                .map_or("(none)", |f| f.as_str())
        ),
        clock = escape(&clock_line(report)),
        attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!("<h2>Attributes</h2><table><thead><tr><th>Name</th><th>Values</th></tr></thead><tbody>{attrs}</tbody></table>")
        },
        warnings = if warnings.is_empty() {
            String::new()
        } else {
            format!("<h2>Warnings</h2><ul>{warnings}</ul>")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssopilot_saml::response::validate;
    use ssopilot_testkit::response_support::{genuine, policy, Params};

    /// A report with hostile text in it: a failed validation of a signed response whose Response Issuer, NameID
    /// and attribute hold markup (the validator alone fills a report, so the markup comes in through the XML).
    fn hostile() -> Report {
        let p = Params {
            response_issuer: Some(
                "&lt;script&gt;alert(1)&lt;/script&gt; | [x](javascript:1)".into(),
            ),
            destination: Some("x|y".into()),
            name_id: "&lt;script&gt;alert(2)&lt;/script&gt;".into(),
            attributes: vec![("a&lt;b".into(), vec!["&lt;img src=x onerror=1&gt;".into()])],
            ..Params::default()
        };
        let r = validate(genuine(&p).as_bytes(), &policy());
        assert_eq!(r.attributes()["a<b"], ["<img src=x onerror=1>"]);
        r
    }

    #[test]
    fn an_encrypted_assertion_is_said_decrypted_with_the_key_and_what_its_signature_covered() {
        use ssopilot_testkit::encryption_support::{decryption_policy, encrypt_assertion, Enc};
        let p = Params::default();
        let r = validate(
            encrypt_assertion(&genuine(&p), Enc::default()).as_bytes(),
            &decryption_policy(),
        );
        assert!(r.valid(), "{:?}", r.failed());
        let said =
            "The assertion arrived encrypted and was decrypted with the test SP's encryption key";
        assert_eq!(decrypted_line(&r, TEST_SP_KEY).as_deref(), Some(said));
        let signed = "response no, assertion yes (verified on the decrypted assertion)";
        assert_eq!(signed_line(&r), signed);
        let m = markdown(&r, None, TEST_SP_KEY);
        assert!(m.contains(&format!("- Encrypted: {said}")), "{m}");
        assert!(
            m.contains(&format!("- Signed: {}", md_escape(signed))),
            "{m}"
        );
        let h = html(&r, None, GIVEN_SP_KEY);
        assert!(
            h.contains("<dt>Encrypted</dt><dd>The assertion arrived encrypted and was decrypted with the SP private key given for this check</dd>"),
            "{h}"
        );
        // Nothing encrypted: no line, and the signed words as before.
        let plain = validate(genuine(&p).as_bytes(), &policy());
        assert_eq!(decrypted_line(&plain, TEST_SP_KEY), None);
        assert_eq!(signed_line(&plain), "response no, assertion yes");
        assert!(!markdown(&plain, None, TEST_SP_KEY).contains("Encrypted"));
    }

    #[test]
    fn html_escapes_everything_and_lists_failures_first() {
        let r = hostile();
        assert!(!r.valid());
        let h = html(&r, None, TEST_SP_KEY);
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("<img"), "{h}");
        assert!(h.contains("&lt;script&gt;"));
        assert!(h.contains("FAILED"));
        let first_row = h.find("<tr class=").unwrap();
        assert!(h[first_row..].starts_with("<tr class=\"fail\""));
    }

    #[test]
    fn markdown_cells_cannot_break_the_table_or_inject_links() {
        let r = hostile();
        let m = markdown(&r, None, TEST_SP_KEY);
        assert!(!m.contains("<script"), "{m}");
        assert!(m.contains("\\[x\\]\\(javascript:1\\)"), "{m}");
        assert!(m.contains("&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\| "));
        assert!(
            m.contains("- Clock: the IdP's clock is 5 s behind this computer"),
            "{m}"
        );
        let table: Vec<&str> = m.lines().filter(|l| l.starts_with("| FAIL")).collect();
        assert!(!table.is_empty());
        for row in table {
            // Six cells: seven unescaped pipes.
            let pipes = row
                .match_indices('|')
                .filter(|(i, _)| *i == 0 || &row[i - 1..*i] != "\\")
                .count();
            assert_eq!(pipes, 7, "{row}");
        }
        assert_eq!(md_escape("a\nb\u{7}c"), "a b c");
    }
}
