//! The summary of the whole configuration: the last page of the journey, and a report in Markdown or HTML for the
//! admin's records or a support ticket (`ssopilot state report [--html]`).
//!
//! It holds what both portals were given, the certificate (subject, fingerprints, validity) and the test-login
//! evidence. Secrets are left out by construction: the report is built only from the draft's public values, never
//! from the keychain (AUTH_SECRET is named, not shown).

use std::path::Path;

use super::view::{Block, FactRow, Severity, StepStatus, WizardView};
use super::{step_number, step_title, EvidenceState, Model, Session};

/// One titled group of label/value rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub rows: Vec<FactRow>,
}

/// The summary, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub title: String,
    pub sections: Vec<Section>,
}

fn row(label: impl Into<String>, value: impl Into<String>) -> FactRow {
    FactRow {
        label: label.into(),
        value: value.into(),
    }
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "(not set)".into()
    } else {
        s.trim().to_string()
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

impl Model {
    /// The whole configuration as report sections.
    pub fn report(&self) -> Report {
        let sp = self.sp_name().to_string();
        let idp = self.idp_name().to_string();
        let mut sections = Vec::new();
        let mut providers = vec![
            row(
                "Identity provider",
                self.idp()
                    .map(|p| p.display_name.clone())
                    .unwrap_or_default(),
            ),
            row(
                "Service provider",
                self.sp()
                    .map(|p| p.display_name.clone())
                    .unwrap_or_default(),
            ),
        ];
        providers.push(row(
            "Report made",
            crate::local_time::human_time(self.now(), crate::local_time::local_offset()),
        ));
        sections.push(Section {
            heading: "Providers".into(),
            rows: providers,
        });
        let mut sp_rows = Vec::new();
        if let Some(h) = self.self_hosted() {
            sp_rows.push(row(
                h.site_url_setting.clone(),
                or_dash(&self.steps.sp_values.site_url),
            ));
        }
        sp_rows.push(row(
            self.acs_label(),
            or_dash(&self.steps.sp_values.acs_url),
        ));
        sp_rows.push(row(
            self.sp_entity_label(),
            or_dash(&self.steps.sp_values.sp_entity_id),
        ));
        sections.push(Section {
            heading: format!("Service provider: {sp}"),
            rows: sp_rows,
        });
        let mut idp_rows = vec![
            row(
                self.idp_entity_label(),
                or_dash(&self.steps.idp_app.idp_entity_id),
            ),
            row(
                self.sso_url_label(),
                or_dash(&self.steps.idp_app.idp_sso_url),
            ),
        ];
        if let Some(sign) = self.idp().and_then(|p| p.labels.sign_assertion.clone()) {
            idp_rows.push(row(
                format!("{sign} checked"),
                yes_no(self.steps.idp_app.sign_assertion),
            ));
        }
        sections.push(Section {
            heading: format!("{idp} application"),
            rows: idp_rows,
        });
        sections.push(Section {
            heading: format!(
                "Attributes: each {sp} attribute and the {idp} attribute that fills it"
            ),
            rows: self
                .steps
                .attributes
                .map(self.idp(), self.sp())
                .into_iter()
                .map(|r| row(r.sp_name, r.idp_name))
                .collect(),
        });
        sections.push(self.certificate_section());
        let mut access = Vec::new();
        if self.demo_chosen() {
            access.push(row(
                "Groups granted the application",
                self.steps.assign_users.granted_groups_text(),
            ));
        } else {
            access.push(row(
                "Granted to a user group, as confirmed",
                yes_no(self.steps.assign_users.users_assigned),
            ));
        }
        access.push(row(
            "Test user",
            or_dash(&self.steps.assign_users.test_user),
        ));
        sections.push(Section {
            heading: "Access".into(),
            rows: access,
        });
        sections.push(self.evidence_section());
        let mut enabled = vec![row(
            "SAML SSO switched on, as confirmed",
            yes_no(self.steps.enable.sso_enabled),
        )];
        if let Some(setting) = self
            .self_hosted()
            .and_then(|h| h.auth_secret_setting.clone())
        {
            enabled.push(row(
                setting,
                "kept in the system keychain; left out of this report",
            ));
        }
        enabled.push(row(
            "SAML SSO enforced",
            self.steps
                .enforce
                .enforced_at
                .clone()
                .map(|t| format!("yes, recorded at {t}"))
                .unwrap_or_else(|| "no".into()),
        ));
        sections.push(Section {
            heading: "Enable and enforce".into(),
            rows: enabled,
        });
        sections.push(Section {
            heading: "Steps".into(),
            rows: self
                .steps()
                .into_iter()
                .map(|s| {
                    let status = match s.status {
                        StepStatus::Complete => "complete".to_string(),
                        _ => format!("not complete: {}", s.reason.unwrap_or_default()),
                    };
                    row(
                        format!("{}. {}", step_number(s.id), step_title(s.id)),
                        status,
                    )
                })
                .collect(),
        });
        Report {
            title: format!("SAML SSO: {sp} with {idp}"),
            sections,
        }
    }

    fn certificate_section(&self) -> Section {
        let report = self.certificate_report();
        let mut rows = Vec::new();
        if report.der().is_none() {
            rows.push(row("Certificate", "(none usable)"));
        }
        let mut push = |label: &str, v: Option<String>| {
            if let Some(v) = v {
                rows.push(row(label, v));
            }
        };
        push("Subject", report.subject.clone());
        push("Issuer", report.issuer.clone());
        push("Serial number", report.serial.clone());
        push("Valid from", report.not_before.clone());
        push("Valid until", report.not_after.clone());
        push("Days left", report.days_left.map(|d| d.to_string()));
        push(
            "SHA-256 fingerprint",
            report
                .sha256_fingerprint
                .as_ref()
                .map(|f| f.as_str().to_string()),
        );
        push(
            "SHA-1 fingerprint",
            report
                .sha1_fingerprint
                .as_ref()
                .map(|f| f.as_str().to_string()),
        );
        push(
            "Key",
            report.key.as_ref().map(|k| match (k.bits, &k.curve) {
                (_, Some(curve)) => format!("{} {curve}", k.algorithm),
                (Some(bits), None) => format!("{} {bits} bits", k.algorithm),
                (None, None) => k.algorithm.clone(),
            }),
        );
        push("Signature algorithm", report.signature_algorithm.clone());
        Section {
            heading: "IdP signing certificate".into(),
            rows,
        }
    }

    fn evidence_section(&self) -> Section {
        let mut rows = vec![row(
            "Status",
            match self.evidence_state() {
                EvidenceState::Missing => "no test login has passed".to_string(),
                EvidenceState::Valid { .. } => "valid for this configuration".to_string(),
                EvidenceState::Stale { changed, .. } => {
                    format!("stale: since the test, {} changed", changed.join(", "))
                }
            },
        )];
        if let Some(e) = self.evidence() {
            rows.push(row("Signed in as", e.user.clone()));
            rows.push(row(
                "Tested at",
                crate::local_time::human_time(e.time, crate::local_time::local_offset()),
            ));
            rows.push(row("IdP entity ID", e.idp_entity_id.as_str()));
            rows.push(row("SP entity ID", e.sp_entity_id.as_str()));
            rows.push(row("ACS URL", e.acs_url.as_str()));
            rows.push(row(
                "SHA-256 of the certificate that verified it",
                e.certificate_sha256.as_str(),
            ));
            for c in &e.checks {
                rows.push(row(
                    format!("Check {}", c.id),
                    format!("{}: {}", if c.ok { "passed" } else { "failed" }, c.message),
                ));
            }
        }
        Section {
            heading: "Test login evidence".into(),
            rows,
        }
    }

    /// The last page once SSO is enforced: the summary, and the report to save.
    pub(super) fn summary_page(&self) -> (String, Vec<Block>) {
        let report = self.report();
        let mut blocks: Vec<Block> = self.watch_banner().into_iter().collect();
        if !matches!(self.evidence_state(), EvidenceState::Valid { .. })
            && self.rotation().is_none_or(|r| r.next_sha256.is_none())
        {
            blocks.push(Block::Callout {
                severity: Severity::Warning,
                text: "The configuration changed after SSO was enforced, so the test login no longer matches it: \
                       run the test login again (step 7) to make sure members can still sign in."
                    .into(),
            });
        }
        for section in &report.sections {
            blocks.push(Block::Heading {
                text: section.heading.clone(),
            });
            blocks.push(Block::Facts {
                rows: section.rows.clone(),
            });
        }
        blocks.extend(self.rotation_block());
        blocks.push(Block::ReportExport {
            title: "Save the report".into(),
            help: "Markdown or HTML (choose the file type in the save dialog), for your records or a support ticket. \
                   Secrets are left out."
                .into(),
            file_name: "sso-pilot-report.md".into(),
            markdown: report.to_markdown(),
            bundle_file_name: "sso-pilot-support-bundle.json".into(),
        });
        (
            format!(
                "SAML SSO is enforced in {} since {}. Here is everything that was set up.",
                self.sp_name(),
                self.steps.enforce.enforced_at.clone().unwrap_or_default()
            ),
            blocks,
        )
    }
}

use crate::test_login::export::md_escape as md_cell;
use ssopilot_peers::demo_idp::mint::escape as html_escape;

impl Report {
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n", md_cell(&self.title));
        for s in &self.sections {
            out.push_str(&format!(
                "\n## {}\n\n| | |\n|---|---|\n",
                md_cell(&s.heading)
            ));
            for r in &s.rows {
                out.push_str(&format!(
                    "| {} | {} |\n",
                    md_cell(&r.label),
                    md_cell(&r.value)
                ));
            }
        }
        out
    }

    /// A standalone HTML page (no scripts, no external resources).
    pub fn to_html(&self) -> String {
        let title = html_escape(&self.title);
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n\
             <style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}\
             table{{border-collapse:collapse;width:100%}}th,td{{text-align:left;vertical-align:top;padding:.3rem .6rem;\
             border-bottom:1px solid #ccc}}th{{width:35%}}td{{word-break:break-all}}</style>\n</head>\n<body>\n\
             <h1>{title}</h1>\n"
        );
        for s in &self.sections {
            out.push_str(&format!("<h2>{}</h2>\n<table>\n", html_escape(&s.heading)));
            for r in &s.rows {
                out.push_str(&format!(
                    "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
                    html_escape(&r.label),
                    html_escape(&r.value)
                ));
            }
            out.push_str("</table>\n");
        }
        out.push_str("</body>\n</html>\n");
        out
    }

    /// Markdown, or HTML when `path` ends in .html or .htm.
    pub fn render_for(&self, path: &Path) -> String {
        let html = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
        if html {
            self.to_html()
        } else {
            self.to_markdown()
        }
    }
}

/// The report of saved progress (for `ssopilot state report`), with warnings about the saved choices.
pub fn report_saved(
    profiles: crate::profiles::Profiles,
    saved: &crate::state::SavedState,
) -> (Report, Vec<String>) {
    let (model, warnings) = Model::from_saved(profiles, saved);
    (model.report(), warnings)
}

impl Session {
    /// Writes the report to the file the admin chose (HTML for .html/.htm, else Markdown); the outcome is a notice.
    pub fn save_report(&mut self, path: &Path) -> WizardView {
        let text = self.model.report().render_for(path);
        match std::fs::write(path, text) {
            Ok(()) => self.notice(
                Severity::Info,
                format!("The report was saved to {}.", path.display()),
            ),
            Err(e) => self.notice(
                Severity::Error,
                format!(
                    "The report could not be saved to {} ({e}): choose another folder, or copy it instead.",
                    path.display()
                ),
            ),
        }
        self.view()
    }
}

#[cfg(test)]
mod tests;
