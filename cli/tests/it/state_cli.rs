//! `ssopilot state ...` run as support staff would, against saved progress written by the wizard itself.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use ssopilot_wizard::state::Store;
use ssopilot_wizard::view::Field;
use ssopilot_wizard::view::{Action, StepId};
use ssopilot_wizard::Session;

fn ssopilot(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args(args)
        .env("SSOPILOT_DATA_DIR", data_dir)
        .output()
        .expect("run the ssopilot binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn set(s: &mut Session, field: Field, value: &str) {
    s.apply(Action::SetField {
        field,
        value: value.into(),
    });
}

/// Steps 1 and 2 done, on step 3 with an IDP URL typed but not yet valid.
fn save_some_progress(dir: &Path) {
    let mut s = Session::open(Store::at(dir));
    set(&mut s, Field::IdpProfile, "jumpcloud");
    set(&mut s, Field::SpProfile, "infisical");
    s.apply(Action::Next);
    set(
        &mut s,
        Field::AcsUrl,
        "https://app.infisical.com/api/v1/sso/saml2/org-9",
    );
    set(&mut s, Field::SpEntityId, "https://app.infisical.com");
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::IdpApp);
    set(&mut s, Field::IdpSsoUrl, "https://sso.jumpcloud.com/saml2/");
}

#[test]
fn state_path_prints_the_file_under_ssopilot_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let out = ssopilot(dir.path(), &["state", "path"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim_end(),
        dir.path().join("state.json").display().to_string()
    );
}

#[test]
fn state_show_summarises_saved_progress() {
    let dir = tempfile::tempdir().unwrap();
    save_some_progress(dir.path());
    let out = ssopilot(dir.path(), &["state", "show"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for needle in [
        "Current step:   3. IdP application",
        "1. Providers                complete",
        "2. Service provider values  complete",
        // The IDP URL typed last was invalid, so it was never saved: Sign Assertion is the first thing missing.
        "3. IdP application          incomplete: Check Sign Assertion in JumpCloud, then tick this box",
        "4. Attributes               locked: Complete step 3 (IdP application) first",
        "5. Certificate              locked: Complete step 3 (IdP application) first",
        "9. Enforce                  locked: Complete step 3 (IdP application) first",
        "Identity provider:        JumpCloud (jumpcloud)",
        "Service provider:         Infisical (infisical)",
        "ACS URL:                  https://app.infisical.com/api/v1/sso/saml2/org-9",
        "IdP Entity ID:            https://app.infisical.com",
        "Sign Assertion confirmed: no",
        "IdP SSO URL:              (not set)",
        "IdP certificate:          (not set)",
        "Attribute map (the profiles' defaults), service provider <- identity provider:\n  email <- email\n  firstName <- firstname\n  lastName <- lastname\n",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    // When it was saved, as people read it: local time with the zone to the second, and how long ago. A POSIX TZ
    // one hour east of UTC (no time zone database needed) shows the zone is the computer's.
    let out = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args(["state", "show"])
        .env("SSOPILOT_DATA_DIR", dir.path())
        .env("TZ", "XYZ-1")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    let saved_at = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Saved at:"))
        .unwrap_or_default()
        .trim();
    let (time, ago) = saved_at.split_once(" (").unwrap_or_default();
    assert_eq!(time.len(), "2026-12-03 09:47:34 +01:00".len(), "{saved_at}");
    assert!(time.ends_with(" +01:00"), "{saved_at}");
    assert_eq!(time.get(10..11), Some(" "), "{saved_at}");
    assert!(ago.ends_with("ago)") || ago == "just now)", "{saved_at}");
}

#[test]
fn state_show_json_prints_the_checked_file() {
    let dir = tempfile::tempdir().unwrap();
    save_some_progress(dir.path());
    let out = ssopilot(dir.path(), &["state", "show", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["current_step"], "idp_app");
    assert_eq!(json["idp_profile"], "jumpcloud");
    assert_eq!(json["sp_entity_id"], "https://app.infisical.com");
    // The invalid IDP URL typed last was never saved.
    assert!(json["idp_sso_url"].is_null());
}

#[test]
fn state_show_without_progress_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = ssopilot(dir.path(), &["state", "show"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("No saved progress at"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn state_show_reports_a_damaged_file_and_leaves_it_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    fs::write(&path, "{\"version\": 1, \"current_step\": \"idp_").unwrap();
    for args in [&["state", "show"][..], &["state", "show", "--json"][..]] {
        let out = ssopilot(dir.path(), args);
        assert_eq!(out.status.code(), Some(1));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("is damaged"), "{stderr}");
        assert!(stderr.contains("will move this file aside"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    // Support's look is read-only: the file is still there, unchanged.
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "{\"version\": 1, \"current_step\": \"idp_"
    );

    fs::write(&path, r#"{"version": 2, "current_step": "providers"}"#).unwrap();
    let out = ssopilot(dir.path(), &["state", "show"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("format version 2"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn help_and_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = ssopilot(dir.path(), &["state", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    assert!(help.contains("show") && help.contains("path"), "{help}");
    let out = ssopilot(dir.path(), &["state", "show", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("--json"));
    let out = ssopilot(dir.path(), &["state", "show", "--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    let out = ssopilot(dir.path(), &["state"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn state_report_prints_markdown_or_html_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let out = ssopilot(dir.path(), &["state", "report"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("No saved progress at"));

    // A self-hosted Infisical with its SITE_URL; AUTH_SECRET lives in the keychain, so it cannot be in the report.
    let mut s = Session::open(Store::at(dir.path()));
    set(&mut s, Field::IdpProfile, "jumpcloud");
    set(&mut s, Field::SpProfile, "infisical-self-hosted");
    s.apply(Action::Next);
    set(&mut s, Field::SiteUrl, "https://infisical.example.com");
    set(
        &mut s,
        Field::AcsUrl,
        "https://infisical.example.com/api/v1/sso/saml2/org-9",
    );
    drop(s);
    let out = ssopilot(dir.path(), &["state", "report"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(
        md.starts_with("# SAML SSO: Infisical with JumpCloud\n"),
        "{md}"
    );
    assert!(
        md.contains("| SITE\\_URL | https://infisical.example.com |"),
        "{md}"
    );
    assert!(md.contains("| ACS URL | https://infisical.example.com/api/v1/sso/saml2/org-9 |"));
    assert!(md.contains("| AUTH\\_SECRET | kept in the system keychain; left out of this report |"));
    assert!(md.contains("| Status | no test login has passed |"));
    let out = ssopilot(dir.path(), &["state", "report", "--html"]);
    assert_eq!(out.status.code(), Some(0));
    let html = text(&out.stdout);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<th scope=\"row\">SITE_URL</th><td>https://infisical.example.com</td>"));
}
