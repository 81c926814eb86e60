use crate::clock::FixedClock;
use crate::profiles::Profiles;
use crate::state::Store;
use crate::view::StepId;
use crate::Model;

/// A state file written by the build before the drafts were cut by step (steps 1 to 9 done, SSO enforced).
const SAVED_BEFORE_THE_CUT: &str = include_str!("saved_v1.json");

#[test]
fn a_file_written_before_the_cut_by_step_loads_and_saves_identically() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    std::fs::write(store.path(), SAVED_BEFORE_THE_CUT).unwrap();
    let saved = store.load().unwrap().unwrap();
    // The day the file was written, so the evidence and the certificate are judged as they were then.
    let at = time::macros::datetime!(2026-12-03 14:40 UTC);
    let (model, warnings) = Model::from_saved_with_clock(
        Profiles::builtin().unwrap(),
        &saved,
        std::sync::Arc::new(FixedClock::new(at)),
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(model.current(), StepId::Enforce);
    assert!(model.steps.assign_users.users_assigned);
    assert_eq!(
        model.steps.sp_values.sp_entity_id,
        "https://app.infisical.com"
    );
    assert!(model.steps.test_login.evidence.is_some());
    // Every step saves its slice back as it was read: the same progress, and the same bytes.
    let again = model.to_saved(&saved);
    assert_eq!(again, saved);
    store.save(&again).unwrap();
    assert_eq!(
        std::fs::read_to_string(store.path()).unwrap(),
        SAVED_BEFORE_THE_CUT
    );
}

#[test]
fn a_value_that_does_not_pass_now_keeps_the_saved_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    std::fs::write(store.path(), SAVED_BEFORE_THE_CUT).unwrap();
    let saved = store.load().unwrap().unwrap();
    let (mut model, _) = Model::from_saved(Profiles::builtin().unwrap(), &saved);
    model.steps.sp_values.acs_url = "http://not-https.example/acs".into();
    model.steps.assign_users.test_user = " ".into();
    let out = model.to_saved(&saved);
    assert_eq!(out.acs_url, saved.acs_url);
    assert_eq!(out.test_user, saved.test_user);
}

#[test]
fn each_step_checks_its_saved_slice_and_a_damaged_one_refuses_the_file_whole() {
    let key_pem = rcgen::KeyPair::generate().unwrap().serialize_pem();
    let cases: [(&str, serde_json::Value, &str); 6] = [
        (
            "idp_certificate",
            serde_json::Value::String(key_pem),
            "idp_certificate",
        ),
        (
            "idp_metadata_certificates",
            serde_json::json!(["not a certificate"]),
            "a saved IdP certificate is not a certificate",
        ),
        (
            "test_user",
            serde_json::Value::String("ada\nlovelace".into()),
            "the saved test user is not usable",
        ),
        (
            "attributes",
            serde_json::json!([{"sp_name": "e mail", "idp_name": "email"}]),
            "attribute map",
        ),
        (
            "enabled_values",
            serde_json::json!({"idp_sso_url": "x\u{7}", "idp_entity_id": "y", "certificate_sha256": "z"}),
            "the values recorded when SSO was enabled",
        ),
        (
            "sp_profile",
            serde_json::Value::String("Infisical!".into()),
            "sp_profile is not a profile id",
        ),
    ];
    for (field, value, needle) in cases {
        let mut json: serde_json::Value = serde_json::from_str(SAVED_BEFORE_THE_CUT).unwrap();
        json[field] = value;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        std::fs::write(store.path(), serde_json::to_vec(&json).unwrap()).unwrap();
        let err = store.load().unwrap_err();
        assert!(err.is_unusable_file(), "{field}: {err}");
        assert!(err.to_string().contains(needle), "{field}: {err}");
    }
    // A failed check in the evidence: evidence only ever records a pass.
    let mut json: serde_json::Value = serde_json::from_str(SAVED_BEFORE_THE_CUT).unwrap();
    json["test_evidence"]["checks"][0]["ok"] = serde_json::Value::Bool(false);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    std::fs::write(store.path(), serde_json::to_vec(&json).unwrap()).unwrap();
    let err = store.load().unwrap_err().to_string();
    assert!(err.contains("records failed checks"), "{err}");
}
