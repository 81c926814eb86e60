use super::super::enforce::tests::{to_enforce, with_valid_evidence};
use super::super::view::Action;
use super::*;

#[test]
fn the_report_holds_the_configuration_the_certificate_and_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_enforce(dir.path());
    with_valid_evidence(&mut s, "admin@example.com");
    let md = s.model().report().to_markdown();
    assert!(
        md.starts_with("# SAML SSO: Infisical with JumpCloud\n"),
        "{md}"
    );
    for needle in [
        "| ACS URL | https://app.infisical.com/api/v1/sso/saml2/",
        "| IDP URL | https://sso.jumpcloud.com/saml2/infisical |",
        "| Sign Assertion checked | yes |",
        "| firstName | firstname |",
        "## IdP signing certificate",
        "| SHA-256 fingerprint |",
        "| Valid until |",
        "| Status | valid for this configuration |",
        "| Signed in as | admin@example.com |",
        "| Check signature | passed: ",
        "| Test user | admin@example.com |",
        "| SAML SSO switched on, as confirmed | yes |",
        "| SAML SSO enforced | no |",
    ] {
        assert!(md.contains(needle), "missing {needle:?} in\n{md}");
    }
    let html = s.model().report().to_html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<th scope=\"row\">Signed in as</th><td>admin@example.com</td>"));
    assert!(!html.contains("<script"));
}

#[test]
fn markup_in_values_is_escaped() {
    let r = Report {
        title: "a <b> & c".into(),
        sections: vec![Section {
            heading: "x|y".into(),
            rows: vec![row("l<i>", "v|w\nz")],
        }],
    };
    assert!(r.to_html().contains("<title>a &lt;b&gt; &amp; c</title>"));
    assert!(r.to_html().contains("<th scope=\"row\">l&lt;i&gt;</th>"));
    assert!(
        r.to_markdown().contains("| l&lt;i&gt; | v\\|w z |"),
        "{}",
        r.to_markdown()
    );
}

#[test]
fn save_report_writes_markdown_or_html_by_extension_and_reports_failure() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_enforce(dir.path());
    let md = dir.path().join("r.md");
    let html = dir.path().join("r.HTML");
    s.save_report(&md);
    s.save_report(&html);
    assert!(std::fs::read_to_string(&md)
        .unwrap()
        .starts_with("# SAML SSO"));
    assert!(std::fs::read_to_string(&html)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    let v = s.save_report(&dir.path().join("missing-dir").join("r.md"));
    assert!(v
        .notices
        .last()
        .unwrap()
        .text
        .starts_with("The report could not be saved to"));
    let _ = s.apply(Action::Back);
}
