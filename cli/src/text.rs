//! Reports in a terminal, in one place: the `--format text|markdown|html|json` choice every reporting command takes
//! (`--json` kept as its short form), and the text form itself: aligned columns, colour only when standard output is
//! a terminal and `NO_COLOR` is unset, no Markdown escapes or HTML entities (those belong to the Markdown and HTML
//! forms), and times as people read them (local time with its zone, to the second; JSON keeps RFC 3339).

use std::io::IsTerminal as _;

use clap::{Args, ValueEnum};

use ssopilot_peers::test_login::evidence::Evidence;
use ssopilot_saml::response::{Check, Report};
pub use ssopilot_wizard::local_time::{
    ago, human_rfc3339, human_time, human_times_in, init, local_offset,
};
use ssopilot_wizard::test_login::export;
use ssopilot_wizard::view::StepId;

/// How a command prints its report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned plain text, coloured in a terminal (NO_COLOR turns colour off).
    Text,
    /// Markdown, for a support ticket.
    Markdown,
    /// A standalone HTML page.
    Html,
    /// JSON for scripts (times in RFC 3339).
    Json,
}

/// `--format` and its short form `--json`, for every command that prints a report.
#[derive(Args, Clone, Copy, Debug)]
pub struct FormatArgs {
    /// How to print the report: text (aligned; coloured in a terminal unless NO_COLOR is set), markdown, html or
    /// json.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub format: Format,
    /// Print the report as JSON (same as --format json).
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
}

impl FormatArgs {
    pub fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else {
            self.format
        }
    }
}

/// Colours for the text form, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colour when standard output is a terminal and `NO_COLOR` is unset or empty (https://no-color.org).
    pub fn stdout() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    /// No colour (tests of the plain form).
    #[cfg(test)]
    pub fn plain() -> Self {
        Self { color: false }
    }

    /// With colour, whatever the output is (tests of the colours themselves).
    #[cfg(test)]
    pub fn coloured() -> Self {
        Self { color: true }
    }

    fn paint(self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn good(self, s: &str) -> String {
        self.paint("1;32", s)
    }

    pub fn bad(self, s: &str) -> String {
        self.paint("1;31", s)
    }

    pub fn warn(self, s: &str) -> String {
        self.paint("33", s)
    }

    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }

    pub fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }
}

/// `label: value` rows with the values in one column, each line indented by `indent` spaces.
pub fn aligned(rows: &[(&str, String)], indent: usize) -> String {
    let width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (label, value) in rows {
        let pad = width.saturating_sub(label.chars().count());
        out.push_str(&format!(
            "{:indent$}{label}:{:pad$} {value}\n",
            "",
            "",
            indent = indent,
            pad = pad
        ));
    }
    out
}

/// A text report as a Markdown page, for commands whose report has no Markdown form of its own: the text in a
/// fenced block, so nothing in it is read as Markdown.
pub fn markdown_page(title: &str, text: &str) -> String {
    let fence = if text.contains("```") { "~~~~" } else { "```" };
    format!("# {title}\n\n{fence}text\n{}\n{fence}\n", text.trim_end())
}

/// A text report as a standalone HTML page (no script, no external resources), everything escaped.
pub fn html_page(title: &str, text: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body><h1>{t}</h1>\n<pre>{}</pre>\n</body></html>\n",
        esc(text.trim_end()),
        t = esc(title)
    )
}

/// The wizard step where a failed check is fixed, by its id (`sp_values`), as `--json` names it.
fn step_id(s: StepId) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What the verdict is called: `response check` says VALID / INVALID, a test login PASSED / FAILED.
#[derive(Clone, Copy)]
pub struct Verdict {
    pub pass: &'static str,
    pub fail: &'static str,
}

pub const RESPONSE_VERDICT: Verdict = Verdict {
    pass: "VALID",
    fail: "INVALID",
};
pub const TEST_LOGIN_VERDICT: Verdict = Verdict {
    pass: "PASSED",
    fail: "FAILED",
};

/// The validator's report as text: verdict, failed checks first (with what was expected and found, what to do and
/// the step where it is fixed), then the passed ones in a column, warnings, and what the verified response says.
/// `key` names the key that decrypted an encrypted assertion (`export::TEST_SP_KEY`, `export::GIVEN_SP_KEY`).
pub fn report(r: &Report, verdict: Verdict, style: Style, key: &str) -> String {
    let mut out = String::new();
    let failed: Vec<&Check> = r.checks().iter().filter(|c| !c.ok).collect();
    let passed: Vec<&Check> = r.checks().iter().filter(|c| c.ok).collect();
    if r.valid() {
        out.push_str(&format!(
            "{}: all {} checks passed\n",
            style.good(verdict.pass),
            r.checks().len()
        ));
    } else {
        out.push_str(&format!(
            "{}: {} of {} checks failed\n",
            style.bad(verdict.fail),
            failed.len(),
            r.checks().len()
        ));
    }
    if !failed.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Failed:")));
        for c in &failed {
            out.push_str(&format!(
                "  {} {} (fix in step: {})\n",
                style.bad("FAIL"),
                c.id,
                step_id(StepId::for_fix(c.fix))
            ));
            let mut rows = vec![("", c.message.clone())];
            if let Some(e) = &c.expected {
                rows.push(("expected", human_times_in(e)));
            }
            if let Some(f) = &c.found {
                rows.push(("found", human_times_in(f)));
            }
            if let Some(h) = &c.hint {
                rows.push(("what to do", h.clone()));
            }
            // The message stands alone on its line; the labelled rows line up under it.
            if let Some((_, message)) = rows.first() {
                out.push_str(&format!("       {message}\n"));
            }
            out.push_str(&aligned(rows.get(1..).unwrap_or_default(), 7));
        }
    }
    if !passed.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Passed:")));
        let width = passed
            .iter()
            .map(|c| c.id.as_str().chars().count())
            .max()
            .unwrap_or(0);
        for c in passed {
            let pad = width.saturating_sub(c.id.as_str().chars().count());
            out.push_str(&format!(
                "  {}   {}{:pad$}  {}",
                style.good("ok"),
                c.id,
                "",
                c.message,
                pad = pad
            ));
            if let Some(f) = &c.found {
                let f = human_times_in(f);
                out.push_str(&format!(" {}", style.dim(&format!("[{f}]"))));
            }
            out.push('\n');
        }
    }
    for w in r.warnings() {
        out.push_str(&format!("\n{} {w}\n", style.warn("Warning:")));
    }
    out.push_str(&format!(
        "\n{}\n",
        style.bold("Identity (only from a verified signature):")
    ));
    let mut rows = Vec::new();
    if let Some(line) = export::decrypted_line(r, key) {
        rows.push(("encrypted", line));
    }
    rows.extend([
        ("issuer", r.issuer().unwrap_or("-").to_string()),
        (
            "NameID",
            format!(
                "{}{}",
                r.name_id().unwrap_or("-"),
                r.name_id_format()
                    .map(|f| format!(" ({f})"))
                    .unwrap_or_default()
            ),
        ),
    ]);
    for (k, v) in r.attributes() {
        rows.push((k.as_str(), v.join(", ")));
    }
    if let Some(s) = r.session_not_on_or_after() {
        rows.push(("session ends", human_times_in(s)));
    }
    rows.push(("signed", export::signed_line(r)));
    if let Some(fp) = r.signing_certificate_sha256() {
        rows.push(("signing certificate SHA-256", fp.as_str().to_string()));
    }
    if let Some(c) = r.clock() {
        rows.push(("clock", human_times_in(&c.summary())));
    }
    rows.push((
        "replay",
        "not evaluated (an offline check cannot know earlier responses)".into(),
    ));
    out.push_str(&aligned(&rows, 2));
    out
}

/// A test login's report as text: how the login started, the report, and the evidence a passing login recorded.
pub fn test_login_report(
    r: &Report,
    evidence: Option<&Evidence>,
    flow: Option<&str>,
    style: Style,
) -> String {
    let mut out = String::new();
    if let Some(f) = flow {
        out.push_str(&format!("{} {f}.\n\n", style.bold("Flow:")));
    }
    out.push_str(&report(r, TEST_LOGIN_VERDICT, style, export::TEST_SP_KEY));
    if let Some(e) = evidence {
        out.push_str(&format!(
            "\n{}\n",
            style.bold("Evidence (recorded because the test passed):")
        ));
        out.push_str(&aligned(
            &[
                ("user", e.user.clone()),
                ("time", human_time(e.time, local_offset())),
                ("IdP Entity ID", e.idp_entity_id.as_str().to_string()),
                ("SP Entity ID", e.sp_entity_id.as_str().to_string()),
                ("ACS URL", e.acs_url.as_str().to_string()),
                (
                    "certificate SHA-256",
                    e.certificate_sha256.as_str().to_string(),
                ),
                ("configuration hash", e.config_hash.clone()),
            ],
            2,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_line_up() {
        let s = aligned(&[("a", "1".into()), ("long label", "2".into())], 2);
        assert_eq!(s, "  a:          1\n  long label: 2\n");
    }

    #[test]
    fn colour_only_when_asked() {
        assert_eq!(Style::plain().bad("FAIL"), "FAIL");
        assert_eq!(Style::coloured().bad("FAIL"), "\x1b[1;31mFAIL\x1b[0m");
    }

    #[test]
    fn the_generic_pages_escape_and_fence_the_text() {
        let html = html_page("t", "<b>&\"");
        assert!(html.contains("<pre>&lt;b&gt;&amp;&quot;</pre>"), "{html}");
        let md = markdown_page("t", "a ``` b");
        assert!(md.contains("~~~~text\na ``` b\n~~~~\n"), "{md}");
    }
}
