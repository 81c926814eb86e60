//! `ssopilot demo --fault NAME` (issue 21): every planted fault run end to end through the real HTTP endpoints (the
//! demo IdP, the scripted browser, the test SP), each failing with exit 1 and diagnosed at the right step, with the
//! cause in plain words and both values; `--list-faults` lists them.

use std::process::Command;

use ssopilot_peers::demo_idp::fault::Fault;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ssopilot"))
}

/// Runs the demo with `fault`, as JSON: exit 1 and the parsed output.
fn demo(fault: &str) -> serde_json::Value {
    let o = bin()
        .args(["demo", "--fault", fault, "--json"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{fault}: {out}\n{err}");
    assert!(err.contains(&format!("Planted fault: {fault}")), "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{fault}: {e}: {out}"))
}

fn text(v: &serde_json::Value, key: &str) -> String {
    v["diagnosis"][key].as_str().unwrap_or_default().to_string()
}

/// The fault is diagnosed at `step`, its cause says every one of `says`, and expected/found hold `expected` and
/// `found`; the run never passes, and the fix is in the demo IdP's words.
fn diagnosed(
    fault: &str,
    step: u64,
    says: &[&str],
    expected: &str,
    found: &str,
) -> serde_json::Value {
    let v = demo(fault);
    assert_eq!(v["fault"], fault);
    let d = &v["diagnosis"];
    assert!(d.is_object(), "{fault}: no diagnosis: {v}");
    assert_eq!(d["step"], step, "{fault}: {d}");
    let cause = text(&v, "cause");
    for s in says {
        assert!(
            cause.contains(s),
            "{fault}: {s:?} not in the cause: {cause}"
        );
    }
    assert!(
        text(&v, "expected").contains(expected),
        "{fault}: expected {expected:?}: {d}"
    );
    assert!(
        text(&v, "found").contains(found),
        "{fault}: found {found:?}: {d}"
    );
    // The portal's words, except for the clocks and a late response, which no setting in the IdP fixes.
    if step != 7 {
        assert!(text(&v, "fix").contains("In the demo IdP"), "{fault}: {d}");
    }
    v
}

#[test]
fn wrong_acs_is_named_at_step_3_with_both_urls() {
    let v = diagnosed("wrong-acs", 3, &["ACS URL"], "/acs", "/acs/previous");
    assert_eq!(v["diagnosis"]["step_id"], "idp_app");
    assert!(!text(&v, "expected").contains("previous"));
}

#[test]
fn wrong_audience_is_named_at_step_3_with_both_entity_ids() {
    let v = diagnosed(
        "wrong-audience",
        3,
        &["SP Entity ID", "urn:ssopilot:test-sp/previous"],
        "urn:ssopilot:test-sp",
        "urn:ssopilot:test-sp/previous",
    );
    assert_eq!(text(&v, "expected"), "urn:ssopilot:test-sp");
}

#[test]
fn wrong_idp_entity_id_is_named_at_step_3_with_both_issuers() {
    let v = diagnosed(
        "wrong-idp-entity-id",
        3,
        &["Issuer", "/metadata/previous"],
        "/metadata",
        "/metadata/previous",
    );
    assert!(text(&v, "expected").ends_with("/metadata"));
}

#[test]
fn a_rotated_certificate_is_named_at_step_5_with_both_fingerprints() {
    let v = diagnosed(
        "rotated-certificate",
        5,
        &["certificate", "SHA-256"],
        "SHA-256 ",
        "SHA-256 ",
    );
    let fp = |s: String| s.rsplit(' ').next().unwrap().to_string();
    let (e, f) = (fp(text(&v, "expected")), fp(text(&v, "found")));
    assert_eq!(e.len(), 95, "{e}");
    assert_eq!(f.len(), 95, "{f}");
    assert_ne!(e, f);
    assert!(text(&v, "cause").contains(&e) && text(&v, "cause").contains(&f));
}

#[test]
fn an_unsigned_response_is_named_at_step_3() {
    let v = diagnosed("unsigned", 3, &["did not sign"], "", "");
    assert_eq!(v["diagnosis"]["rule"], "signature_required");
    assert!(text(&v, "fix").contains("Sign Assertion"));
}

#[test]
fn a_response_only_signature_is_named_at_step_3() {
    let v = diagnosed(
        "response-only-signed",
        3,
        &["Only the Response is signed", "assertion itself"],
        "",
        "",
    );
    assert_eq!(v["diagnosis"]["rule"], "signature_required");
}

#[test]
fn sha1_is_named_at_step_3_with_the_algorithm() {
    let v = diagnosed("sha1", 3, &["weak algorithm"], "RSA-SHA256", "");
    assert!(text(&v, "found").to_lowercase().contains("sha1"), "{v}");
    assert!(text(&v, "fix").contains("RSA-SHA256"));
}

#[test]
fn an_idp_clock_ahead_is_named_with_whose_clock_and_by_how_much() {
    diagnosed(
        "idp-clock-ahead",
        7,
        &["clock is about 10 minutes", "ahead of this computer's"],
        "",
        "",
    );
}

#[test]
fn an_idp_clock_behind_is_named_with_whose_clock_and_by_how_much() {
    let v = diagnosed(
        "idp-clock-behind",
        7,
        &[
            "clock is about 10 minutes",
            "behind this computer's",
            "before the sign-in request was sent",
        ],
        "",
        "",
    );
    assert!(text(&v, "fix").contains("Correct"), "{v}");
}

#[test]
fn an_expired_assertion_says_test_again_with_the_times() {
    let v = diagnosed(
        "expired-assertion",
        7,
        &[
            "arrived after it expired",
            "about 10 minutes",
            "Both clocks agree",
        ],
        "NotOnOrAfter",
        "",
    );
    assert!(text(&v, "fix").starts_with("Test again"), "{v}");
    assert!(!text(&v, "cause").contains("clock is"), "{v}");
}

#[test]
fn attribute_case_is_named_at_step_4_with_the_suggested_mapping() {
    let v = diagnosed(
        "attribute-case",
        4,
        &["\"FirstName\"", "\"firstName\"", "case-sensitive"],
        "firstName",
        "FirstName",
    );
    assert!(text(&v, "fix").contains("firstName <- FirstName"), "{v}");
    assert_eq!(
        v["report"]["valid"], true,
        "the validator's verdict is its own"
    );
}

#[test]
fn a_missing_attribute_is_named_at_step_4() {
    diagnosed(
        "attribute-missing",
        4,
        &["does not send \"lastName\""],
        "lastName",
        "firstName",
    );
}

#[test]
fn the_email_case_is_a_warning_with_both_values() {
    let v = diagnosed(
        "email-case",
        4,
        &["Ada.Lovelace@Example.com", "ada.lovelace@example.com"],
        "ada.lovelace@example.com",
        "Ada.Lovelace@Example.com",
    );
    assert_eq!(v["diagnosis"]["severity"], "warning");
}

#[test]
fn a_nameid_that_is_not_an_email_is_named_at_step_3() {
    diagnosed(
        "nameid-format",
        3,
        &["NameID", "not the user's email"],
        "emailAddress",
        "persistent",
    );
}

#[test]
fn an_unassigned_user_is_named_at_step_6_from_the_idp_error_page() {
    let v = diagnosed(
        "user-not-assigned",
        6,
        &["Not assigned", "HTTP 403", "is not assigned"],
        "",
        "Not assigned",
    );
    assert!(v["report"].is_null());
    assert_eq!(v["idp_page"]["status"], 403);
}

#[test]
fn a_responder_status_is_named_at_step_3_with_the_idps_message() {
    let v = diagnosed(
        "status-responder",
        3,
        &["refused", "application's SAML settings are incomplete"],
        "Success",
        "Responder",
    );
    assert_eq!(v["diagnosis"]["rule"], "status_success");
}

#[test]
fn list_faults_names_every_fault_on_one_line_each() {
    let o = bin().args(["demo", "--list-faults"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out.lines().count(), Fault::ALL.len(), "{out}");
    for f in Fault::ALL {
        assert!(
            out.lines()
                .any(|l| l.starts_with(f.name()) && l.contains(f.summary())),
            "{f}: {out}"
        );
    }
    let o = bin()
        .args(["demo", "--list-faults", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 16);
    assert_eq!(v[0]["name"], "wrong-acs");
    let o = bin()
        .args(["demo", "--fault", "no-such-fault"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("not a planted fault") && err.contains("status-responder"),
        "{err}"
    );
}

#[test]
fn the_text_form_shows_the_diagnosis_with_human_times() {
    let o = bin()
        .args(["demo", "--fault", "idp-clock-behind"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    let diagnosis = out
        .split("Diagnosis\n")
        .nth(1)
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        diagnosis.contains("Fix at:   step 7 (Test login)"),
        "{diagnosis}"
    );
    assert!(diagnosis.contains(" UTC"), "{diagnosis}");
    assert!(
        !diagnosis.contains("Z,") && !diagnosis.contains("Z "),
        "{diagnosis}"
    );
}
