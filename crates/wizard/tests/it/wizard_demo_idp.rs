//! The demo IdP inside the wizard, over real HTTP: a fresh session preselects the running demo IdP, step 3 is filled
//! from it, its application follows the wizard's values, and a demo user's IdP-initiated login through its real HTTP
//! endpoints yields a response that python3-saml (strict) and our validator accept with the certificate step 3 gave.

use ssopilot_testkit::demo_idp_support;

use std::io::{Read, Write};
use std::net::TcpStream;

use base64::Engine as _;
use demo_idp_support::{key, python3_saml, PyCase};
use ssopilot_peers::demo_idp::directory::DEMO_PASSWORD;
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::secrets::SecretBytes;
use ssopilot_saml::response::{validate, Policy};
use ssopilot_saml::values::{AcsUrl, EntityId};
use ssopilot_wizard::demo::DemoIdp;
use ssopilot_wizard::state::Store;
use ssopilot_wizard::view::Field;
use ssopilot_wizard::view::{Action, AttributeSide, Block, StepId, WizardView};
use ssopilot_wizard::Session;

const SP_ID: &str = "https://infisical.example.com";
const ACS: &str = "https://infisical.example.com/api/v1/sso/saml2/org-42";

fn demo() -> DemoIdp {
    let k = IdpKey::from_pkcs8(SecretBytes::new(key().pkcs8().to_vec())).unwrap();
    let d = DemoIdp::start_with_key(k, 0);
    assert!(d.running().is_some(), "{d:?}");
    d
}

fn set(s: &mut Session, field: Field, value: &str) -> WizardView {
    s.apply(Action::SetField {
        field,
        value: value.into(),
    })
}

fn values(v: &WizardView) -> Vec<(String, String)> {
    v.page
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Value { label, value, .. } => Some((label.clone(), value.clone())),
            _ => None,
        })
        .collect()
}

fn value(v: &WizardView, label: &str) -> String {
    values(v)
        .into_iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no value {label} in {:?}", values(v)))
}

fn http(port: u16, method: &str, target: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    (
        head.split(' ').nth(1).unwrap().parse().unwrap(),
        body.to_string(),
    )
}

fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')? + start;
    Some(
        page[start..end]
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Steps 1 to 3 with the preselected demo IdP and Infisical (self-hosted).
fn walk_to_step_3(dir: &std::path::Path) -> (Session, WizardView) {
    walk_to_step_3_with(dir, demo())
}

/// [`walk_to_step_3`] with the given demo IdP.
fn walk_to_step_3_with(dir: &std::path::Path, demo: DemoIdp) -> (Session, WizardView) {
    let mut s = Session::open(Store::at(dir));
    s.attach_demo(demo);
    let v = s.view();
    let Block::Choice { options, value, .. } = &v.page.blocks[0] else {
        panic!("{:?}", v.page.blocks)
    };
    assert_eq!(
        value.as_deref(),
        Some("demo"),
        "the demo IdP is preselected"
    );
    assert_eq!(options[0].value, "demo", "and offered first");
    assert_eq!(
        options[0].badge.as_deref(),
        Some("Recommended to try SSO Pilot")
    );
    set(&mut s, Field::SpProfile, "infisical-self-hosted");
    s.apply(Action::Next);
    set(&mut s, Field::SiteUrl, SP_ID);
    set(&mut s, Field::AcsUrl, ACS);
    set(&mut s, Field::SpEntityId, SP_ID);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::IdpApp, "{:?}", v.notices);
    (s, v)
}

#[test]
fn step_3_is_filled_from_the_running_demo_idp_and_its_app_follows_the_wizard() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, v) = walk_to_step_3(dir.path());
    let demo = s.demo().cloned().unwrap();
    let running = demo.running().unwrap();
    let port = running.port();
    assert!(v.page.next.enabled, "{:?}", v.page.next);
    assert_eq!(value(&v, "IDP URL"), format!("http://127.0.0.1:{port}/sso"));
    // Infisical wants the IdP entity ID equal to its SP entity ID; the demo IdP, like JumpCloud, allows it.
    assert_eq!(value(&v, "IdP Entity ID"), SP_ID);
    let pem = value(&v, "IDP Certificate");
    assert_eq!(pem, running.cert_pem());
    assert_eq!(
        value(&v, "Metadata URL"),
        format!("http://127.0.0.1:{port}/metadata")
    );

    // The demo IdP's application was configured from the wizard's values.
    let app = running.state().app("infisical").expect("an application");
    assert_eq!(app.sp_entity_id.as_str(), SP_ID);
    assert_eq!(app.acs_url.as_str(), ACS);
    assert_eq!(app.idp_entity_id.as_str(), SP_ID);
    assert_eq!(
        app.attributes,
        [
            ("email".to_string(), "email".to_string()),
            ("firstName".into(), "firstname".into()),
            ("lastName".into(), "lastname".into())
        ]
    );
    assert_eq!(
        app.name_id_format,
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    );
    let (status, metadata) = http(port, "GET", "/saml2/infisical/metadata", "");
    assert_eq!(status, 200);
    assert!(
        metadata.contains(&format!("entityID=\"{SP_ID}\"")),
        "{metadata}"
    );

    // Step 4: a different source attribute reaches the running IdP; one it does not have is refused on the row.
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::Attributes);
    s.apply(Action::SetAttribute {
        index: 1,
        side: AttributeSide::Idp,
        value: "fullname".into(),
    });
    assert_eq!(
        running.state().app("infisical").unwrap().attributes[1],
        ("firstName".to_string(), "fullname".to_string())
    );
    let v = s.apply(Action::SetAttribute {
        index: 1,
        side: AttributeSide::Idp,
        value: "department".into(),
    });
    let Some(Block::AttributeMap { rows, .. }) = v
        .page
        .blocks
        .iter()
        .find(|b| matches!(b, Block::AttributeMap { .. }))
    else {
        panic!("no attribute map")
    };
    let err = rows[1].error.as_deref().unwrap_or_default();
    assert!(
        err.contains("The demo IdP has no user attribute \"department\""),
        "{err}"
    );
    assert!(!v.page.next.enabled);
    s.apply(Action::ResetAttributes);

    // A changed ACS URL in step 2 reconfigures the application at once.
    s.apply(Action::GoTo {
        step: StepId::SpValues,
    });
    let other = "https://infisical.example.com/api/v1/sso/saml2/org-43";
    set(&mut s, Field::AcsUrl, other);
    assert_eq!(
        running.state().app("infisical").unwrap().acs_url.as_str(),
        other
    );
}

#[test]
fn a_demo_user_signs_in_over_http_and_python3_saml_and_our_validator_accept_the_response() {
    let dir = tempfile::tempdir().unwrap();
    let (s, v) = walk_to_step_3(dir.path());
    let demo = s.demo().cloned().unwrap();
    let running = demo.running().unwrap();
    let port = running.port();
    let pem = value(&v, "IDP Certificate");
    let der = base64::engine::general_purpose::STANDARD
        .decode(
            pem.lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();

    // Denied by default, as in JumpCloud: the login form accepts the password, then says "not assigned".
    let (status, form) = http(port, "GET", "/saml2/infisical", "");
    assert_eq!(status, 200, "{form}");
    let token = hidden(&form, "token").unwrap();
    let creds = |token: &str| {
        format!(
            "token={}&email={}&password={}",
            enc(token),
            enc("Ada.Lovelace@Example.com"),
            enc(DEMO_PASSWORD)
        )
    };
    let (status, page) = http(port, "POST", "/login", &creds(&token));
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Not assigned"), "{page}");

    running
        .state()
        .with_directory_mut(|d| d.grant("infisical", "Engineering"))
        .unwrap();
    let (_, form) = http(port, "GET", "/saml2/infisical", "");
    let token = hidden(&form, "token").unwrap();
    let (status, page) = http(port, "POST", "/login", &creds(&token));
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(&format!("action=\"{ACS}\"")), "{page}");
    let b64 = hidden(&page, "SAMLResponse").unwrap();

    // Our validator, trusting only the certificate step 3 showed.
    let mut policy = Policy::new(
        EntityId::parse(SP_ID, "IdP Entity ID").unwrap(),
        vec![der],
        EntityId::parse(SP_ID, "SP Entity ID").unwrap(),
        AcsUrl::parse(ACS, "ACS URL").unwrap(),
        ssopilot_peers::clock::Clock::now(&ssopilot_peers::clock::SystemClock),
    );
    policy.expect = ssopilot_saml::response::Expect::IdpInitiated;
    let report = validate(b64.as_bytes(), &policy);
    assert!(report.valid(), "{:#?}", report.checks());
    assert_eq!(report.name_id(), Some("ada.lovelace@example.com"));
    assert_eq!(
        report.attributes().get("firstName").map(Vec::as_slice),
        Some(&["Ada".to_string()][..])
    );

    // python3-saml in strict mode, the peer that counts.
    let verdicts = python3_saml(
        SP_ID,
        ACS,
        SP_ID,
        &running.state().keys().signing(),
        &[PyCase {
            name: "wizard-demo".into(),
            b64,
            request_id: None,
            want_assertions_signed: true,
            want_messages_signed: false,
        }],
    );
    assert!(verdicts[0].1, "python3-saml refused it: {}", verdicts[0].2);
    assert_eq!(verdicts[0].3.as_deref(), Some("ada.lovelace@example.com"));
}

#[test]
fn choosing_another_idp_takes_back_the_demo_values_and_saved_choices_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = walk_to_step_3(dir.path());
    s.apply(Action::GoTo {
        step: StepId::Providers,
    });
    set(&mut s, Field::IdpProfile, "jumpcloud");
    s.apply(Action::Next);
    s.apply(Action::Next);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::IdpApp);
    let sso = v
        .page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Input { field, value, .. } if *field == Field::IdpSsoUrl => Some(value.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(sso, "", "the demo IdP's URL is not left for JumpCloud");
    drop(s);

    // A restart with JumpCloud saved: the demo IdP is still offered, not forced.
    let mut s = Session::open(Store::at(dir.path()));
    s.attach_demo(demo());
    s.apply(Action::GoTo {
        step: StepId::Providers,
    });
    let v = s.view();
    let Block::Choice { value, .. } = &v.page.blocks[0] else {
        panic!()
    };
    assert_eq!(value.as_deref(), Some("jumpcloud"));
}

#[test]
fn without_a_keychain_the_demo_runs_on_a_temporary_key_and_the_view_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let no_keychain = DemoIdp::start(
        Err(ssopilot_peers::secrets::SecretsError::NoKeychain {
            detail: "no D-Bus session bus".into(),
        }),
        0,
    );
    // Preselected and offered like any running demo IdP, its option says the key is temporary.
    let mut s = Session::open(Store::at(dir.path()));
    s.attach_demo(no_keychain.clone());
    let v = s.view();
    let Block::Choice { options, .. } = &v.page.blocks[0] else {
        panic!()
    };
    assert_eq!(options[0].unavailable, None);
    let description = options[0].description.as_deref().unwrap_or_default();
    assert!(
        description.contains("Running now at http://127.0.0.1:")
            && description
                .ends_with("(temporary key: its certificate changes each time SSO Pilot starts)."),
        "{description}"
    );
    drop(s);
    // Step 3 warns first, and still gives the running key's certificate.
    let dir = tempfile::tempdir().unwrap();
    let (_s, v) = walk_to_step_3_with(dir.path(), no_keychain.clone());
    let Some(Block::Callout { text, .. }) = v.page.blocks.first() else {
        panic!("{:?}", v.page.blocks)
    };
    assert!(
        text.starts_with("Temporary key: its certificate changes each time SSO Pilot starts")
            && text.contains("no OS keychain is available"),
        "{text}"
    );
    let running = no_keychain.running().unwrap();
    assert_eq!(value(&v, "IDP Certificate"), running.cert_pem());
    // Nothing was written under the data directory but the wizard's own state.
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.iter().all(|f| f.starts_with("state.json")),
        "{files:?}"
    );
}

#[test]
fn a_busy_default_port_moves_the_demo_idp_and_the_view_says_so() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = held.local_addr().unwrap().port();
    if busy > u16::MAX - 10 {
        return;
    }
    let k = IdpKey::from_pkcs8(SecretBytes::new(key().pkcs8().to_vec())).unwrap();
    let d = DemoIdp::start_with_key(k, busy);
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::open(Store::at(dir.path()));
    s.attach_demo(d);
    let v = s.view();
    let port = s
        .demo()
        .and_then(DemoIdp::running)
        .map(|r| r.port())
        .unwrap();
    assert_ne!(port, busy);
    assert!(
        v.notices
            .iter()
            .any(|n| n.text.starts_with(&format!("Port {busy} was in use"))
                && n.text.contains(&format!("port {port}"))),
        "{:?}",
        v.notices
    );
}

/// What the app does at launch, twice on the same keychain: the key kept there signs (its certificate is in the
/// metadata served over HTTP) and is the same on every start, so an SP that trusted it yesterday still does.
fn same_key_on_every_start(secrets: &ssopilot_peers::secrets::Secrets) {
    use ssopilot_peers::demo_idp::key::IdpKey as K;
    let stored = K::load_or_create(secrets).expect("the key is made once and kept");
    for _ in 0..2 {
        let d = DemoIdp::start_with_key(K::load_or_create(secrets).unwrap(), 0);
        let running = d.running().unwrap_or_else(|| panic!("{d:?}"));
        assert_eq!(running.cert_pem(), stored.cert_pem());
        let (status, metadata) = http(running.port(), "GET", "/metadata", "");
        assert_eq!(status, 200);
        assert!(metadata.contains(&stored.cert_base64()));
    }
}

#[test]
fn the_wizard_demo_idp_takes_its_key_from_the_keychain_mock() {
    let secrets = ssopilot_peers::secrets::Secrets::mock();
    same_key_on_every_start(&secrets);
}

#[test]
fn the_wizard_demo_idp_takes_its_key_from_the_real_keychain() {
    use ssopilot_peers::secrets::Secrets;
    if std::env::var("SSOPILOT_KEYRING_TEST").as_deref() != Ok("1") {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: wizard_demo_idp::the_wizard_demo_idp_takes_its_key_from_the_real_keychain needs the real Secret Service; run it with: scripts/with-keyring.sh cargo test -p ssopilot-wizard --test it wizard_demo_idp"
        );
        return;
    }
    let secrets = Secrets::os().expect("the real keychain answers under with-keyring.sh");
    same_key_on_every_start(&secrets);
    // And the path the app takes, Secrets::os() inside DemoIdp::start, finds the same key.
    let d = DemoIdp::start(Secrets::os(), 0);
    let running = d.running().unwrap_or_else(|| panic!("{d:?}"));
    let stored = ssopilot_peers::demo_idp::key::IdpKey::load_or_create(&secrets).unwrap();
    assert_eq!(running.cert_pem(), stored.cert_pem());
}

fn group_grants(v: &WizardView) -> Vec<(String, bool)> {
    v.page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::GroupGrants { groups, .. } => {
                Some(groups.iter().map(|g| (g.name.clone(), g.granted)).collect())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no group grants in {:?}", v.page.blocks))
}

#[test]
fn step_6_with_the_demo_idp_grants_groups_for_real_and_the_grant_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = walk_to_step_3(dir.path());
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::Attributes, "{:?}", v.page.next);
    s.apply(Action::Next);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::AssignUsers, "{:?}", v.page.next);
    assert_eq!(
        group_grants(&v),
        [
            ("Engineering".to_string(), false),
            ("Sales".to_string(), false)
        ]
    );
    // The test user is chosen among the demo directory's users.
    let Some(Block::Choice { options, .. }) = v
        .page
        .blocks
        .iter()
        .find(|b| matches!(b, Block::Choice { field, .. } if *field == Field::TestUser))
    else {
        panic!("{:?}", v.page.blocks)
    };
    assert_eq!(options.len(), 3);
    assert_eq!(
        v.page.next.reason.as_deref(),
        Some("Grant the application to at least one user group of the demo IdP")
    );
    let demo_idp = s.demo().cloned().unwrap();
    let assigned = |email: &str| {
        demo_idp
            .running()
            .unwrap()
            .state()
            .with_directory(|d| d.is_assigned(email, "infisical"))
    };
    // Sales is empty: granting it is real but gives Ada no access, and the step says so.
    s.apply(Action::SetGroupGrant {
        group: "Sales".into(),
        granted: true,
    });
    let v = set(&mut s, Field::TestUser, "Ada.Lovelace@Example.com");
    let why = v.page.next.reason.unwrap();
    assert!(
        why.starts_with("Ada.Lovelace@Example.com is in no group granted the application (Sales)"),
        "{why}"
    );
    assert!(!assigned("ada.lovelace@example.com"));
    let v = s.apply(Action::SetGroupGrant {
        group: "Engineering".into(),
        granted: true,
    });
    assert!(v.page.next.enabled, "{:?}", v.page.next);
    assert!(assigned("ada.lovelace@example.com"));
    assert!(!assigned("grace.hopper@example.com"));
    // An unknown group is refused with a notice.
    let v = s.apply(Action::SetGroupGrant {
        group: "Admins".into(),
        granted: true,
    });
    assert!(v
        .notices
        .iter()
        .any(|n| n.text == "The demo IdP has no user group \"Admins\"."));
    // Taking Engineering back takes the access back in the directory.
    s.apply(Action::SetGroupGrant {
        group: "Engineering".into(),
        granted: false,
    });
    assert!(!assigned("ada.lovelace@example.com"));
    s.apply(Action::SetGroupGrant {
        group: "Engineering".into(),
        granted: true,
    });
    drop(s);
    // A new app run: a fresh demo IdP directory, the saved grants applied again.
    let mut s = Session::open(Store::at(dir.path()));
    s.attach_demo(demo());
    let v = s.view();
    assert_eq!(v.current, StepId::AssignUsers);
    assert_eq!(
        group_grants(&v),
        [
            ("Engineering".to_string(), true),
            ("Sales".to_string(), true)
        ]
    );
    assert!(v.page.next.enabled, "{:?}", v.page.next);
    let running = s.demo().and_then(DemoIdp::running).unwrap();
    assert!(running
        .state()
        .with_directory(|d| d.is_assigned("alan.turing@example.com", "infisical")));
}

/// The notice texts of a view.
fn notices(v: &WizardView) -> String {
    v.notices
        .iter()
        .map(|n| n.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_demo_idp_rotates_its_key_from_the_wizard_and_the_sp_side_keeps_its_certificate_until_retired(
) {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, v) = walk_to_step_3(dir.path());
    let demo = s.demo().cloned().unwrap();
    let running = demo.running().unwrap();
    let old_pem = running.cert_pem();
    let old = running.fingerprint_sha256();
    assert_eq!(s.model().rotation().unwrap().current_sha256, old.as_str());
    assert_eq!(value(&v, "IDP Certificate"), old_pem);

    // Nothing to import before the demo IdP publishes a next certificate.
    let v = s.apply(Action::ImportNextCertificate {
        text: String::new(),
    });
    assert!(
        notices(&v).contains("no signing certificate besides the configured one"),
        "{}",
        notices(&v)
    );

    // Publish: both certificates in the metadata, the SP side unchanged.
    let v = s.apply(Action::RotateDemoKey);
    assert!(
        notices(&v).contains("publishes a next certificate"),
        "{}",
        notices(&v)
    );
    assert_eq!(running.published_cert_pems().len(), 2);
    let next_pem = running.published_cert_pems()[1].clone();
    let (_, metadata) = http(running.port(), "GET", "/metadata", "");
    assert_eq!(
        metadata
            .matches("<md:KeyDescriptor use=\"signing\">")
            .count(),
        2
    );
    s.apply(Action::ImportNextCertificate {
        text: String::new(),
    });
    let status = s.model().rotation().unwrap();
    assert_eq!(status.current_sha256, old.as_str());
    let next = status.next_sha256.clone().unwrap();
    assert_ne!(next, old.as_str());
    assert!(
        status
            .order
            .iter()
            .any(|l| l.contains("holds one IdP certificate")),
        "{:?}",
        status.order
    );
    // Saved with the progress, as the configured certificate is.
    let saved = Store::at(dir.path()).load().unwrap().unwrap();
    assert_eq!(
        saved.idp_next_certificate.as_deref(),
        Some(next_pem.as_str())
    );

    // Switch: the demo IdP signs with the next key; the wizard still holds the old one as current.
    let v = s.apply(Action::RotateDemoKey);
    assert!(
        notices(&v).contains("now signs with the next key"),
        "{}",
        notices(&v)
    );
    assert_eq!(running.fingerprint_sha256().as_str(), next);
    assert_eq!(s.model().rotation().unwrap().current_sha256, old.as_str());
    // Retiring without a test login signed by the next certificate is refused.
    let v = s.apply(Action::RetireOldCertificate);
    assert!(
        notices(&v).contains("cannot be retired yet"),
        "{}",
        notices(&v)
    );

    // Called off: the SP side holds only the old certificate while the IdP signs with the new key (the too-late
    // case): the wizard does not silently follow the switch.
    s.apply(Action::CancelRotation);
    let status = s.model().rotation().unwrap();
    assert_eq!(status.current_sha256, old.as_str());
    assert_eq!(status.next_sha256, None);
    let v = s.apply(Action::ImportNextCertificate { text: next_pem });
    assert!(
        notices(&v).contains("is trusted beside the current one"),
        "{}",
        notices(&v)
    );

    // The demo IdP retires its old certificate.
    s.apply(Action::RotateDemoKey);
    assert_eq!(running.published_cert_pems().len(), 1);
    let v = s.apply(Action::RotateDemoKey);
    assert!(
        notices(&v).contains("publishes a next certificate"),
        "another rotation may start: {}",
        notices(&v)
    );
}

#[test]
fn a_new_setup_during_a_switched_rotation_takes_the_certificate_the_demo_idp_signs_with() {
    let first = tempfile::tempdir().unwrap();
    let (s, _) = walk_to_step_3(first.path());
    let demo = s.demo().cloned().unwrap();
    let running = demo.running().unwrap();
    let old_pem = running.cert_pem();
    running.state().keys().begin().unwrap();
    running.state().keys().switch().unwrap();
    // Both published, the old one listed first; the IdP signs with the new one.
    assert_eq!(running.published_cert_pems()[0], old_pem);
    let signing = running.cert_pem();
    assert_ne!(signing, old_pem);

    // A setup begun now holds the certificate that verifies the IdP's responses, not the one being retired.
    let second = tempfile::tempdir().unwrap();
    let (_, v) = walk_to_step_3_with(second.path(), demo.clone());
    assert_eq!(value(&v, "IDP Certificate"), signing);
}

/// A demo user's IdP-initiated sign-in to the wizard's application over HTTP: the posted SAMLResponse.
fn demo_sign_in(port: u16) -> String {
    let (_, form) = http(port, "GET", "/saml2/infisical", "");
    let token = hidden(&form, "token").unwrap();
    let creds = format!(
        "token={}&email={}&password={}",
        enc(&token),
        enc("ada.lovelace@example.com"),
        enc(DEMO_PASSWORD)
    );
    let (status, page) = http(port, "POST", "/login", &creds);
    assert_eq!(status, 200, "{page}");
    hidden(&page, "SAMLResponse").unwrap()
}

fn report_of(v: &WizardView) -> &ssopilot_wizard::view::TestReportView {
    v.page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::TestReport(r) => Some(r.as_ref()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no report: {:?}", v.notices))
}

#[test]
fn practice_plants_attribute_case_in_the_real_demo_idp_never_gives_evidence_and_is_fixed_in_step_4()
{
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = walk_to_step_3(dir.path());
    let port = s.demo().unwrap().running().unwrap().port();
    // Practice is planted on step 1 only, and only faults of the IdP itself.
    let v = s.apply(Action::PlantFault {
        fault: "attribute-case".into(),
    });
    assert!(
        v.practice.is_none() && v.notices.iter().any(|n| n.text.contains("step 1")),
        "{:?}",
        v.notices
    );
    s.apply(Action::GoTo {
        step: StepId::Providers,
    });
    let v = s.apply(Action::PlantFault {
        fault: "rotated-certificate".into(),
    });
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.contains("ssopilot demo --fault rotated-certificate")));
    let v = s.apply(Action::PlantFault {
        fault: "attribute-case".into(),
    });
    let banner = v.practice.clone().expect("the practice banner");
    assert_eq!(banner.fault, "attribute-case");
    assert!(banner.text.starts_with("Practice:"), "{}", banner.text);
    let Some(Block::Practice {
        faults, planted, ..
    }) = v
        .page
        .blocks
        .iter()
        .find(|b| matches!(b, Block::Practice { .. }))
    else {
        panic!("{:?}", v.page.blocks)
    };
    assert_eq!(planted.as_deref(), Some("attribute-case"));
    assert!(faults
        .iter()
        .any(|f| f.name == "wrong-acs" && !f.summary.is_empty()));

    // On to step 7 with the demo IdP's defaults and a granted group.
    for _ in 0..5 {
        s.apply(Action::Next);
    }
    s.apply(Action::SetGroupGrant {
        group: "Engineering".into(),
        granted: true,
    });
    set(&mut s, Field::TestUser, "ada.lovelace@example.com");
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::TestLogin, "{:?}", v.page.next);
    assert!(v.practice.is_some(), "the banner is on every screen");
    for step in [StepId::Enable, StepId::Enforce] {
        let st = v.steps.iter().find(|x| x.id == step).unwrap();
        assert_eq!(st.status, ssopilot_wizard::view::StepStatus::Locked);
    }

    // The real demo IdP sends FirstName; the report names step 4 and suggests the mapping.
    let v = s.apply(Action::CheckPastedResponse {
        text: demo_sign_in(port),
    });
    let r = report_of(&v);
    let d = r.diagnosis.as_ref().expect("a diagnosis");
    assert_eq!(d.step_id, StepId::Attributes, "{d:?}");
    assert!(d.cause.contains("FirstName"), "{}", d.cause);
    let sug = r
        .attribute_suggestions
        .iter()
        .find(|x| x.idp_attribute == "FirstName")
        .expect("a suggestion")
        .clone();
    assert!(
        r.evidence_note.contains("practice run"),
        "{}",
        r.evidence_note
    );

    // Applying it fixes the planted fault in the demo IdP; the next login is clean but still no evidence.
    let v = s.apply(Action::ApplyAttributeSuggestion {
        sp_attribute: sug.sp_attribute,
        idp_attribute: sug.idp_attribute,
    });
    assert!(
        v.notices
            .iter()
            .any(|n| n.text.starts_with("Practice: fixed.")),
        "{:?}",
        v.notices
    );
    assert!(v.practice.as_ref().unwrap().fixed);
    let v = s.apply(Action::CheckPastedResponse {
        text: demo_sign_in(port),
    });
    let r = report_of(&v);
    assert!(r.passed, "{:?}", r.checks);
    assert!(r.diagnosis.is_none(), "{:?}", r.diagnosis);
    assert!(
        r.evidence_note.contains("practice run"),
        "{}",
        r.evidence_note
    );
    assert!(!matches!(
        s.model().evidence_state(),
        ssopilot_wizard::EvidenceState::Valid { .. }
    ));

    // Choosing another IdP ends practice; the demo IdP sends firstName again.
    s.apply(Action::GoTo {
        step: StepId::Providers,
    });
    let v = set(&mut s, Field::IdpProfile, "jumpcloud");
    assert!(v.practice.is_none());
    assert!(!v
        .page
        .blocks
        .iter()
        .any(|b| matches!(b, Block::Practice { .. })));
}
