//! The UI tests' fixtures, `ui/tests/fixtures/*.json`, are views of real sessions driven here, so the UI is tested
//! against what the core really sends rather than a hand-written copy of it. This test fails when they are stale;
//! `SSOPILOT_WRITE_FIXTURES=1 cargo test -p ssopilot-wizard --test it ui_fixtures` rewrites them.

use std::path::Path;

use ssopilot_peers::secrets::{SecretName, Secrets};
use ssopilot_wizard::demo::DemoIdp;
use ssopilot_wizard::state::Store;
use ssopilot_wizard::view::{Action, AttributeSide, Field, MetadataSide, StepId, WizardView};
use ssopilot_wizard::Session;

use crate::generated::write_or_check;

const DIR: &str = "ui/tests/fixtures";
/// Stands for the temporary data directory in the JSON, so the fixtures do not change from run to run.
const DATA_DIR: &str = "/home/admin/.local/share/sso-pilot";
/// JumpCloud's signing certificate in these fixtures.
const IDP_CERT: &str = include_str!("ui_fixtures_idp_cert.pem");

fn set(s: &mut Session, field: Field, value: &str) -> WizardView {
    s.apply(Action::SetField {
        field,
        value: value.into(),
    })
}

fn next(s: &mut Session, to: StepId) -> WizardView {
    let v = s.apply(Action::Next);
    assert_eq!(v.current, to, "{:?} {:?}", v.page.next, v.notices);
    v
}

/// Infisical (cloud) with JumpCloud, on step 2 with nothing typed yet.
fn on_sp_values(dir: &Path) -> (Session, WizardView) {
    let mut s = Session::open(Store::at(dir));
    set(&mut s, Field::SpProfile, "infisical");
    set(&mut s, Field::IdpProfile, "jumpcloud");
    let v = next(&mut s, StepId::SpValues);
    (s, v)
}

/// One fixture: the view as pretty JSON, the temporary directory replaced by [`DATA_DIR`].
fn fixture(name: &str, dir: &Path, view: &WizardView) -> (String, String) {
    let json = serde_json::to_string_pretty(view).unwrap();
    let json = json.replace(&dir.display().to_string(), DATA_DIR);
    (
        format!("{DIR}/{name}.json"),
        fixed_moved_aside_time(&json) + "\n",
    )
}

/// A damaged state file is moved aside under a name with the time (`state.json.corrupt-20261203T122343Z`): the
/// fixture keeps one fixed time.
fn fixed_moved_aside_time(json: &str) -> String {
    const MARK: &str = ".corrupt-";
    const TIME: &str = "20260101T000000Z";
    let mut out = String::new();
    let mut rest = json;
    while let Some(at) = rest.find(MARK) {
        let (before, after) = rest.split_at(at + MARK.len());
        out.push_str(before);
        out.push_str(TIME);
        rest = after.get(TIME.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

fn fixtures() -> Vec<(String, String)> {
    let mut out = Vec::new();

    let tmp = tempfile::tempdir().unwrap();
    let s = Session::open(Store::at(tmp.path()));
    out.push(fixture("providers", tmp.path(), &s.view()));

    // A damaged key in the keychain: the demo IdP cannot start, so its option is shown disabled with why. (Without
    // a keychain it runs on a temporary key instead.)
    let tmp = tempfile::tempdir().unwrap();
    let mut s = Session::open(Store::at(tmp.path()));
    let secrets = Secrets::mock();
    secrets
        .set_bytes(&SecretName::DemoIdpKey, &[0x30, 0x03, 0x02, 0x01, 0x00])
        .unwrap();
    s.attach_demo(DemoIdp::start(Ok(secrets), 0));
    out.push(fixture("providers_demo_unavailable", tmp.path(), &s.view()));

    let tmp = tempfile::tempdir().unwrap();
    let (mut s, v) = on_sp_values(tmp.path());
    out.push(fixture("sp_values", tmp.path(), &v));
    let v = set(&mut s, Field::AcsUrl, "http://x");
    out.push(fixture("sp_values_bad_acs", tmp.path(), &v));
    set(
        &mut s,
        Field::AcsUrl,
        "https://app.infisical.com/api/v1/sso/saml2/org-77",
    );
    let v = set(&mut s, Field::SpEntityId, "https://app.infisical.com");
    out.push(fixture("sp_values_done", tmp.path(), &v));
    next(&mut s, StepId::IdpApp);
    let v = s.apply(Action::ImportMetadata {
        side: MetadataSide::Idp,
        text: "this is not metadata".into(),
    });
    out.push(fixture("idp_app_import_error", tmp.path(), &v));
    set(&mut s, Field::SignAssertion, "true");
    set(
        &mut s,
        Field::IdpSsoUrl,
        "https://sso.jumpcloud.com/saml2/infisical",
    );
    next(&mut s, StepId::Attributes);
    let v = s.apply(Action::SetAttribute {
        index: 0,
        side: AttributeSide::Idp,
        value: String::new(),
    });
    out.push(fixture("attributes_row_error", tmp.path(), &v));
    s.apply(Action::ResetAttributes);
    next(&mut s, StepId::Certificate);
    // A private key pasted into the certificate field: removed at once, the note says why. Its findings name the
    // key's kind, never its bytes, so a fresh key gives the same view.
    let key = rcgen::KeyPair::generate().unwrap();
    let v = set(&mut s, Field::IdpCertificate, &key.serialize_pem());
    out.push(fixture("certificate_key_removed", tmp.path(), &v));
    // A fixed certificate (valid until 2126), so the pages that show it do not change from run to run.
    set(&mut s, Field::IdpCertificate, IDP_CERT);
    next(&mut s, StepId::AssignUsers);
    set(&mut s, Field::UsersAssigned, "true");
    set(&mut s, Field::TestUser, "ada.lovelace@example.com");
    // Step 7 before any test login: the three ways, waiting for the admin.
    let v = next(&mut s, StepId::TestLogin);
    out.push(fixture("test_login", tmp.path(), &v));
    // Step 8 does not wait for the test login; step 9 does, and says so.
    s.apply(Action::GoTo {
        step: StepId::Enable,
    });
    let v = set(&mut s, Field::SsoEnabled, "true");
    out.push(fixture("enable", tmp.path(), &v));
    let v = s.apply(Action::Next);
    out.push(fixture("enforce", tmp.path(), &v));
    out.push(bundle_fixture(tmp.path()));

    // Saved progress that cannot be read: moved aside, and the admin is told where.
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::at(tmp.path());
    std::fs::write(store.path(), "{ not json").unwrap();
    let s = Session::open(store);
    out.push(fixture("unreadable_progress", tmp.path(), &s.view()));

    out
}

/// The support bundle of the setup saved so far, opened back: made at a fixed time, with a captured response, the
/// version and platform fixed so the fixture does not change with them.
fn bundle_fixture(dir: &Path) -> (String, String) {
    use ssopilot_wizard::bundle::{self, view, Extras, Platform};
    use ssopilot_wizard::clock::FixedClock;
    let mut saved = Store::at(dir).load().unwrap().unwrap();
    saved.saved_at = Some("2027-01-15T10:00:00Z".into());
    let response = "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
        xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r1\" Version=\"2.0\">\
        <saml:Issuer>https://sso.jumpcloud.com/saml2/infisical</saml:Issuer><saml:Assertion ID=\"_a1\"><saml:Subject>\
        <saml:NameID>ada.lovelace@example.com</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>";
    let extras = Extras {
        responses: vec![("the last test login".into(), response.as_bytes().to_vec())],
        test_report: None,
        include_user_data: false,
        // Checked as `ssopilot bundle --response` checks it: the UI draws the verdict and the failed checks.
        check_responses: true,
    };
    let profiles = ssopilot_wizard::profiles::Profiles::builtin().unwrap();
    let clock = FixedClock::shared(time::macros::datetime!(2027-01-15 10:30 UTC));
    let mut b = bundle::build(profiles.clone(), &saved, &extras, clock).unwrap();
    b.app_version = "1.0.0".into();
    b.platform = Platform {
        os: "linux".into(),
        arch: "x86_64".into(),
        family: "unix".into(),
    };
    let v = view::view(&b, "support-bundle.json", &profiles);
    let json = serde_json::to_string_pretty(&v).unwrap();
    let json = json.replace(&dir.display().to_string(), DATA_DIR);
    (format!("{DIR}/bundle_open.json"), json + "\n")
}

#[test]
fn ui_fixtures() {
    write_or_check(
        "SSOPILOT_WRITE_FIXTURES",
        "ui_fixtures",
        Some(DIR),
        &fixtures(),
    );
}
