//! The journey with the built-in demo IdP and a self-hosted Infisical, steps 1 to 9 as far as they go without a test
//! login: SITE_URL on step 2, real grants on step 6, AUTH_SECRET on step 8 (kept in the keychain, never in a file),
//! Enforce locked on step 9, and the report. Afterwards the data directory is scanned: no secret is in it.
//!
//! With the mock keychain always; with the REAL Secret Service (gnome-keyring, read back by `secret-tool`) under
//!
//!     scripts/with-keyring.sh cargo test -p ssopilot-wizard --test it wizard_journey
//!
//! which exports SSOPILOT_KEYRING_TEST=1 (without it the real-keychain test prints that it was not run).

use std::path::Path;
use std::process::Command;

use ssopilot_peers::secrets::{SecretName, Secrets, SERVICE};
use ssopilot_wizard::demo::DemoIdp;
use ssopilot_wizard::state::Store;
use ssopilot_wizard::view::Field;
use ssopilot_wizard::view::{Action, Block, StepId, StepStatus, WizardView};
use ssopilot_wizard::Session;

const SITE: &str = "https://infisical.example.com";
const ACS: &str = "https://infisical.example.com/api/v1/sso/saml2/org-77";

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

fn secret_on_page(v: &WizardView) -> Option<String> {
    v.page.blocks.iter().find_map(|b| match b {
        Block::SecretValue { value, .. } => Some(value.clone()),
        _ => None,
    })
}

/// Every file under `dir`, read as bytes, must not contain `needle`.
fn assert_not_in_files(dir: &Path, needle: &str) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            assert_not_in_files(&path, needle);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "the secret is in {}",
                path.display()
            );
        }
    }
}

/// Walks the journey; returns the AUTH_SECRET shown on step 8 and the demo IdP of that run.
fn walk(dir: &Path, secrets: Secrets) -> (String, DemoIdp) {
    let mut s = Session::open(Store::at(dir));
    s.attach_demo(DemoIdp::start(Ok(Secrets::mock()), 0));
    s.attach_secrets(Ok(secrets));
    set(&mut s, Field::SpProfile, "infisical-self-hosted");
    next(&mut s, StepId::SpValues);
    set(&mut s, Field::SiteUrl, SITE);
    set(&mut s, Field::AcsUrl, ACS);
    // SITE_URL filled the SP entity ID.
    next(&mut s, StepId::IdpApp);
    next(&mut s, StepId::Attributes);
    next(&mut s, StepId::Certificate);
    let v = next(&mut s, StepId::AssignUsers);
    assert!(v
        .page
        .blocks
        .iter()
        .any(|b| matches!(b, Block::GroupGrants { .. })));
    s.apply(Action::SetGroupGrant {
        group: "Engineering".into(),
        granted: true,
    });
    set(&mut s, Field::TestUser, "alan.turing@example.com");
    next(&mut s, StepId::TestLogin);
    let v = s.apply(Action::GoTo {
        step: StepId::Enable,
    });
    assert_eq!(v.current, StepId::Enable, "{:?}", v.notices);
    assert_eq!(
        v.page.next.reason.as_deref(),
        Some("Generate AUTH_SECRET and set it on your Infisical server")
    );
    assert!(v.page.blocks.iter().any(
        |b| matches!(b, Block::Value { label, value, .. } if label == "SITE_URL" && value == SITE)
    ));
    let v = s.apply(Action::GenerateAuthSecret);
    let secret = secret_on_page(&v).expect("AUTH_SECRET is shown to copy");
    assert_eq!(secret.len(), 44, "32 bytes in base64");
    set(&mut s, Field::SsoEnabled, "true");
    let v = next(&mut s, StepId::Enforce);
    assert_eq!(v.steps[7].status, StepStatus::Complete);
    assert!(v.steps[8].reason.as_deref().unwrap().starts_with("Locked"));
    let report = dir.join("report.html");
    s.save_report(&report);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<th scope=\"row\">SITE_URL</th><td>https://infisical.example.com</td>"));
    assert!(html.contains("Engineering"));
    (secret, s.demo().cloned().unwrap())
}

#[test]
fn the_journey_with_the_demo_idp_keeps_auth_secret_out_of_every_file_mock_keychain() {
    let dir = tempfile::tempdir().unwrap();
    let (secret, _) = walk(dir.path(), Secrets::mock());
    assert_not_in_files(dir.path(), &secret);
    let state = std::fs::read_to_string(dir.path().join("state.json")).unwrap();
    assert!(
        state.contains("\"site_url\": \"https://infisical.example.com\""),
        "{state}"
    );
    assert!(state.contains("\"demo_granted_groups\""), "{state}");
}

#[test]
fn auth_secret_goes_to_the_real_keychain() {
    if std::env::var("SSOPILOT_KEYRING_TEST").as_deref() != Ok("1") {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: wizard_journey::auth_secret_goes_to_the_real_keychain needs the real Secret Service; run it with: scripts/with-keyring.sh cargo test -p ssopilot-wizard --test it wizard_journey"
        );
        return;
    }
    let secrets = Secrets::os().expect("the keychain of scripts/with-keyring.sh");
    let name = SecretName::AuthSecret(SITE.into());
    // A leftover from an earlier run would be reused (by design); start clean to see this run's value stored.
    let _ = secrets.delete(&name);
    let dir = tempfile::tempdir().unwrap();
    let (secret, demo) = walk(dir.path(), secrets);
    assert_not_in_files(dir.path(), &secret);
    // Read back by secret-tool (libsecret), which shares no code with ours.
    let out = Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            SERVICE,
            "username",
            &name.account().unwrap(),
        ])
        .output()
        .expect("secret-tool runs (scripts/setup.sh installs libsecret-tools)");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), secret);
    // A new session reads the same AUTH_SECRET back from the keychain on step 8 (the server already has it). The
    // demo IdP is the same one (same key and port, as the app's keychain key and default port give).
    let mut s = Session::open(Store::at(dir.path()));
    s.attach_demo(demo);
    s.attach_secrets(Secrets::os());
    // It resumes on step 9, where the walk ended: the grants and AUTH_SECRET are back.
    assert_eq!(s.view().current, StepId::Enforce, "{:?}", s.view().notices);
    let v = s.apply(Action::GoTo {
        step: StepId::Enable,
    });
    assert_eq!(v.current, StepId::Enable, "{:?}", v.notices);
    assert_eq!(secret_on_page(&v).as_deref(), Some(secret.as_str()));
    assert!(v.page.next.enabled, "{:?}", v.page.next);
    let _ = Secrets::os().unwrap().delete(&name);
}

#[test]
fn a_restart_resumes_where_the_admin_was_once_the_demo_idp_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let (_, demo) = walk(dir.path(), Secrets::mock());
    // As the app does at launch: open, then attach the demo IdP (its grants come back from the saved state), then
    // the keychain. Until the demo IdP is attached, step 6's grants cannot be checked.
    let mut s = Session::open(Store::at(dir.path()));
    assert_eq!(s.view().current, StepId::AssignUsers);
    s.attach_demo(demo);
    // This keychain is a new, empty one: AUTH_SECRET is not there, so step 8 is where work is left (not step 6).
    s.attach_secrets(Ok(Secrets::mock()));
    let v = s.view();
    assert_eq!(v.current, StepId::Enable, "{:?}", v.notices);
    assert_eq!(
        v.page.next.reason.as_deref(),
        Some("Generate AUTH_SECRET and set it on your Infisical server")
    );
    let state = std::fs::read_to_string(dir.path().join("state.json")).unwrap();
    assert!(state.contains("\"current_step\": \"enable\""), "{state}");
}
