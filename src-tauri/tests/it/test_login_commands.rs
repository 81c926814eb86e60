//! Step 7's commands through Tauri's IPC layer with the mock runtime: the login window is opened, its capture
//! command is accepted only from the IdP's origin in that window (a runtime capability), the captured response is
//! checked and becomes evidence; the main window may not call the capture command at all; a pasted response through
//! the wizard action.

use std::time::Duration;

use serde_json::json;
use ssopilot_app::login::LOGIN_WINDOW;
use ssopilot_peers::demo_idp::directory::Directory;
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint::{self, App as IdpApp};
use ssopilot_saml::values::{AcsUrl, EntityId};
use ssopilot_wizard::view::{Block, StepId, StepStatus, TestWay, WizardView};

use crate::common;
use common::{app, app_with_parts, apply, call, invoke, main_window, request, set, view};
use ssopilot_app::{PasteHook, ShellParts, WizardState};
use ssopilot_wizard::state::Store;
use std::sync::{mpsc, Mutex};
use tauri::test::{get_ipc_response, MockRuntime};
use tauri::{Manager, WebviewWindow};

const ACS: &str = "https://app.infisical.com/api/v1/sso/saml2/org-123";
const SP_ID: &str = "https://app.infisical.com";
const IDP_URL: &str = "https://sso.jumpcloud.com/saml2/infisical";
const USER: &str = "ada.lovelace@example.com";

/// Infisical on JumpCloud, steps 1 to 6 done with `key`'s certificate.
fn to_test_login(window: &WebviewWindow<MockRuntime>, key: &IdpKey) {
    let next = || apply(window, json!({ "type": "next" }));
    set(window, "idp_profile", "jumpcloud");
    set(window, "sp_profile", "infisical");
    next();
    set(window, "acs_url", ACS);
    set(window, "sp_entity_id", SP_ID);
    next();
    set(window, "sign_assertion", "true");
    set(window, "idp_sso_url", IDP_URL);
    next();
    next();
    set(window, "idp_certificate", &key.cert_pem());
    next();
    set(window, "users_assigned", "true");
    set(window, "test_user", USER);
    let v = next();
    assert_eq!(v.current, StepId::TestLogin, "{:?}", v.page.next);
}

/// A response as JumpCloud signs it for that configuration (IdP-initiated), base64 as posted.
fn response(key: &IdpKey) -> String {
    let sp = EntityId::parse(SP_ID, "x").unwrap();
    let app = IdpApp::new(sp.clone(), AcsUrl::parse(ACS, "x").unwrap(), sp);
    let user = Directory::demo().unwrap().user(USER).unwrap().clone();
    let xml = mint::mint(
        &app,
        &user,
        None,
        key,
        ssopilot_peers::clock::Clock::now(&ssopilot_peers::clock::SystemClock),
    )
    .unwrap();
    mint::post_value(&xml)
}

fn way(v: &WizardView, which: TestWay) -> (bool, bool, Option<String>) {
    v.page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::TestLoginWay {
                way,
                running,
                captured,
                error,
                ..
            } if *way == which => Some((*running, *captured, error.clone())),
            _ => None,
        })
        .expect("the way is on the page")
}

fn report_passed(v: &WizardView) -> Option<bool> {
    v.page.blocks.iter().find_map(|b| match b {
        Block::TestReport(r) => Some(r.passed),
        _ => None,
    })
}

fn step_7_complete(v: &WizardView) -> bool {
    v.steps
        .iter()
        .any(|s| s.id == StepId::TestLogin && s.status == StepStatus::Complete)
}

#[test]
fn the_login_window_takes_the_response_only_from_the_idp_origin_and_records_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let window = main_window(&app);
    let key = IdpKey::generate_ephemeral().expect("RSA key");
    to_test_login(&window, &key);

    // The main window may not call the capture command: it is not in its capability.
    let denied = get_ipc_response(
        &window,
        request(
            "login_capture",
            "tauri://localhost",
            json!({ "samlResponse": response(&key) }),
        ),
    );
    assert!(
        denied.is_err(),
        "the main window must not reach login_capture"
    );

    // JumpCloud's IDP URL (IdP-initiated): the response below answers no request.
    invoke(
        &window,
        "wizard_apply",
        json!({ "action": { "type": "set_login_start", "start": "idp_initiated" } }),
    );
    // Open the login window: the command waits until a response is caught.
    let opener = {
        let window = window.clone();
        std::thread::spawn(move || invoke(&window, "login_window_open", json!({})))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let login = loop {
        if let Some(w) = app.get_webview_window(LOGIN_WINDOW) {
            break w;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the login window did not open"
        );
        std::thread::sleep(Duration::from_millis(20));
    };

    // A page of another origin in the login window is refused.
    let foreign = get_ipc_response(
        &login,
        request(
            "login_capture",
            "https://evil.example.com/acs",
            json!({ "samlResponse": response(&key) }),
        ),
    );
    assert!(
        foreign.is_err(),
        "only the IdP's origin may hand a response over"
    );

    // A page of the IdP that is not a response (the sign-in form): kept for the report, the window still waits.
    let page = get_ipc_response(
        &login,
        request(
            "login_capture",
            "https://sso.jumpcloud.com/saml2/infisical",
            json!({ "samlResponse": "", "page": { "url": "https://sso.jumpcloud.com/login", "title": "User Login", "text": "Email", "status": 200 } }),
        ),
    )
    .expect("the IdP's page may report itself")
    .deserialize::<bool>()
    .unwrap();
    assert!(!page, "a page is not a response");
    assert!(
        !opener.is_finished(),
        "the window still waits for the response"
    );

    // The IdP's auto-posting page: accepted and checked.
    let accepted = get_ipc_response(
        &login,
        request(
            "login_capture",
            "https://sso.jumpcloud.com/saml2/infisical",
            json!({ "samlResponse": response(&key) }),
        ),
    )
    .expect("the IdP's page may call login_capture")
    .deserialize::<bool>()
    .unwrap();
    assert!(accepted);
    let v = opener.join().expect("login_window_open returns");
    assert_eq!(report_passed(&v), Some(true));
    assert_eq!(way(&v, TestWay::LoginWindow), (false, true, None));
    assert!(v.page.next.enabled, "{:?}", v.page.next);
    assert!(step_7_complete(&v));

    // Continue releases the held form; the window may hand nothing more over (one response per test).
    let v = invoke(&window, "login_window_continue", json!({}));
    assert_eq!(way(&v, TestWay::LoginWindow), (false, false, None));
    let again = capture(&login, "https://sso.jumpcloud.com/saml2/infisical", &key);
    assert!(
        again.unwrap_err().contains("has ended"),
        "one response per login window"
    );
    invoke(&window, "login_window_stop", json!({}));
}

#[test]
fn a_pasted_response_is_checked_through_the_ipc_and_cancel_answers_with_the_view() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let window = main_window(&app);
    let key = IdpKey::generate_ephemeral().expect("RSA key");
    to_test_login(&window, &key);
    let v = invoke(&window, "paste_check", json!({ "text": response(&key) }));
    assert_eq!(report_passed(&v), Some(true));
    assert!(!way(&v, TestWay::Paste).0, "the check has ended");
    assert!(step_7_complete(&v));
    let v = invoke(&window, "loopback_test_cancel", json!({}));
    assert!(!way(&v, TestWay::Loopback).0);
    // The wizard action that would check on the window's thread, under the session lock, is refused.
    let refused = call(
        &window,
        "wizard_apply",
        json!({ "action": { "type": "check_pasted_response", "text": response(&key) } }),
    )
    .expect_err("no check on the window's thread");
    assert!(refused.to_string().contains("paste_check"), "{refused}");
}

#[test]
fn a_pasted_response_is_checked_on_a_worker_while_the_session_stays_usable_and_cancel_drops_it() {
    let dir = tempfile::tempdir().unwrap();
    // The hook holds each check on its worker thread until the test lets it go.
    let (entered_tx, entered) = mpsc::channel::<std::thread::ThreadId>();
    let (release, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    let parts = ShellParts {
        paste_hook: PasteHook::new(move || {
            let _ = entered_tx.send(std::thread::current().id());
            let _ = release_rx.lock().map(|rx| rx.recv());
        }),
        ..ShellParts::default()
    };
    let app = app_with_parts(WizardState::open(Store::at(dir.path())), parts);
    let window = main_window(&app);
    let key = IdpKey::generate_ephemeral().expect("RSA key");
    to_test_login(&window, &key);

    let checker = {
        let window = window.clone();
        let text = response(&key);
        std::thread::spawn(move || {
            let caller = std::thread::current().id();
            (
                caller,
                invoke(&window, "paste_check", json!({ "text": text })),
            )
        })
    };
    let worker = entered
        .recv_timeout(Duration::from_secs(30))
        .expect("the check starts");
    assert_ne!(worker, std::thread::current().id());
    // While it runs, the session is not locked: the view answers, and shows the check running.
    let v = view(&window);
    assert!(way(&v, TestWay::Paste).0, "the paste way shows progress");
    assert_eq!(report_passed(&v), None);

    // Cancel answers at once, and so does the waiting command, though the worker is still held.
    let v = invoke(&window, "paste_check_cancel", json!({}));
    assert!(!way(&v, TestWay::Paste).0);
    let (caller, v) = checker.join().expect("paste_check returns");
    assert_ne!(
        worker, caller,
        "validation never runs on the calling thread"
    );
    assert_eq!(report_passed(&v), None, "a cancelled check shows no report");
    assert!(!way(&v, TestWay::Paste).0);
    release.send(()).unwrap();

    // The next paste is checked and recorded; the cancelled one never was.
    release.send(()).unwrap();
    let v = invoke(&window, "paste_check", json!({ "text": response(&key) }));
    assert_eq!(report_passed(&v), Some(true));
    assert!(!way(&v, TestWay::Paste).0);
}

#[test]
fn the_loopback_test_sp_starts_and_says_plainly_when_no_browser_can_open() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let window = main_window(&app);
    let key = IdpKey::generate_ephemeral().expect("RSA key");
    to_test_login(&window, &key);
    // The mock runtime has no opener: the test SP binds, makes its AuthnRequest, and the message says where to go.
    let v = invoke(&window, "loopback_test_start", json!({}));
    let (running, _, error) = way(&v, TestWay::Loopback);
    assert!(!running);
    let error = error.expect("the reason");
    assert!(
        error.starts_with("The web browser could not be opened")
            && error.contains("https://sso.jumpcloud.com/saml2/infisical?SAMLRequest="),
        "{error}"
    );
    assert!(!step_7_complete(&v));
}

/// What the login window's page gets for handing `response(key)` over from `origin`: accepted, or the error.
fn capture(login: &WebviewWindow<MockRuntime>, origin: &str, key: &IdpKey) -> Result<bool, String> {
    get_ipc_response(
        login,
        request(
            "login_capture",
            origin,
            json!({ "samlResponse": response(key) }),
        ),
    )
    .map(|b| b.deserialize::<bool>().expect("a bool"))
    .map_err(|e| e.to_string())
}

#[test]
fn the_login_window_may_hand_a_response_over_only_while_its_test_runs() {
    // The mock runtime sends no window events and keeps a destroyed window's label, so each app opens its login
    // window once: one app ends its test with Stop, the other with Continue. (A window closed by the admin and a new
    // test's origin are covered by the unit tests of `login`.)
    const JUMPCLOUD: &str = "https://sso.jumpcloud.com/saml2/infisical";
    let key = IdpKey::generate_ephemeral().expect("RSA key");
    for end in ["login_window_stop", "login_window_continue"] {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path());
        let window = main_window(&app);
        to_test_login(&window, &key);
        let opener = {
            let window = window.clone();
            std::thread::spawn(move || invoke(&window, "login_window_open", json!({})))
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let login = loop {
            if let Some(w) = app.get_webview_window(LOGIN_WINDOW) {
                break w;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the login window did not open"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        invoke(&window, end, json!({}));
        // The runtime capability for the IdP's origin is still there (Tauri cannot take it back): the shell refuses.
        let refused = capture(&login, JUMPCLOUD, &key).expect_err("refused once the test ended");
        assert!(
            refused.contains("The test login has ended"),
            "{end}: {refused}"
        );
        assert_eq!(
            report_passed(&view(&window)),
            None,
            "{end}: nothing was checked"
        );
        // The opener waits for the window until Stop.
        invoke(&window, "login_window_stop", json!({}));
        opener.join().expect("login_window_open returns");
    }
}

/// Every log record of this test binary (installed once; the mock app adds no logger of its own).
fn captured_log() -> &'static Mutex<String> {
    static LOG: std::sync::OnceLock<&'static Capture> = std::sync::OnceLock::new();
    struct Capture(Mutex<String>);
    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            if let Ok(mut all) = self.0.lock() {
                all.push_str(&format!("{} {}\n", record.target(), record.args()));
            }
        }
        fn flush(&self) {}
    }
    let capture = LOG.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(String::new()))));
        log::set_logger(capture).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
        capture
    });
    &capture.0
}

#[test]
fn the_sp_private_key_for_a_pasted_check_is_loaded_through_the_dialog_and_reaches_no_file_or_log() {
    let log = captured_log();
    let dir = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    // The SP's key pair: its private key as the PEM file support staff were given.
    let sp = IdpKey::generate_ephemeral().expect("RSA key");
    let pem = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &sp.pkcs8().to_vec().into(),
        &rcgen::PKCS_RSA_SHA256,
    )
    .expect("the key")
    .serialize_pem();
    let key_file = keys.path().join("sp-key.pem");
    std::fs::write(&key_file, &pem).unwrap();
    let (app, asked) = common::app_answering(dir.path(), vec![Some(key_file)]);
    let window = main_window(&app);
    let idp = IdpKey::generate_ephemeral().expect("RSA key");
    to_test_login(&window, &idp);
    // The IdP encrypted the assertion for the SP's certificate.
    let sp_id = EntityId::parse(SP_ID, "x").unwrap();
    let mut idp_app = IdpApp::new(sp_id.clone(), AcsUrl::parse(ACS, "x").unwrap(), sp_id);
    idp_app.encrypt_for = Some(sp.cert_der().to_vec());
    let user = Directory::demo().unwrap().user(USER).unwrap().clone();
    let now = ssopilot_peers::clock::Clock::now(&ssopilot_peers::clock::SystemClock);
    let encrypted = mint::post_value(&mint::mint(&idp_app, &user, None, &idp, now).unwrap());

    let v = invoke(&window, "paste_key_open", json!({}));
    assert_eq!(asked.lock().unwrap().len(), 1, "one open dialog");
    let loaded = v.page.blocks.iter().find_map(|b| match b {
        Block::TestLoginWay {
            way: TestWay::Paste,
            decryption_key: Some(k),
            ..
        } => k.loaded.clone(),
        _ => None,
    });
    assert!(loaded.is_some_and(|l| l.starts_with("sp-key.pem (public key SHA-256 ")));
    let v = invoke(&window, "paste_check", json!({ "text": encrypted }));
    assert_eq!(report_passed(&v), Some(true));
    let said = serde_json::to_string(&v).unwrap();
    assert!(said.contains("decrypted with the SP private key given for this check"));

    // Not in the view, the saved progress, or the log.
    let mut files = String::new();
    for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        if entry.path().is_file() {
            files.push_str(&String::from_utf8_lossy(
                &std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
    assert!(!files.is_empty(), "the progress was saved");
    let logged = log.lock().unwrap().clone();
    assert!(logged.contains("wizard action: paste_key_open"), "{logged}");
    for text in [&said, &files, &logged] {
        assert!(!text.contains("PRIVATE KEY"));
        for line in pem.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!text.contains(line), "a line of the key reached {text}");
        }
    }
}
