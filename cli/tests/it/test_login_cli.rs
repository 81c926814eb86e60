//! `ssopilot test-login` and `ssopilot demo` as a user runs them: the test SP against the demo IdP and against a
//! foreign IdP (pysaml2's Server, tests/pysaml2_idp_http.py) over real HTTP on loopback, a browser scripted with
//! the core's `Browser`; usage errors exit 2; `demo` without a keychain says so like `demo-idp serve`, and with the
//! real one (scripts/with-keyring.sh) passes.

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};

use ssopilot_peers::demo_idp::directory::{Directory, DEMO_PASSWORD};
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint::App;
use ssopilot_peers::demo_idp::server::{Server, State};
use ssopilot_peers::test_login::demo::{form_action, input_value, Browser};
use ssopilot_peers::test_login::DEFAULT_SP_ENTITY_ID;
use ssopilot_saml::values::{AcsUrl, EntityId};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ssopilot"))
}

/// A port nobody listens on now, for a test SP or an IdP peer.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn python() -> String {
    std::env::var("SSOPILOT_PYTHON")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python").to_string())
}

/// Starts `ssopilot test-login ARGS` and returns it with the URL it printed (its first line of output).
fn start_test_login(args: &[&str]) -> (Child, String) {
    let mut child = bin()
        .arg("test-login")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    out.read_line(&mut url).unwrap();
    // Hand stdout back through a thread so the child never blocks on a full pipe.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut rest);
        let _ = tx.send(rest);
    });
    STDOUT.with(|s| *s.borrow_mut() = Some(rx));
    (child, url.trim().to_string())
}

thread_local! {
    static STDOUT: std::cell::RefCell<Option<std::sync::mpsc::Receiver<String>>> = const { std::cell::RefCell::new(None) };
}

/// Waits for the child; returns (exit code, rest of stdout, stderr).
fn finish(mut child: Child) -> (i32, String, String) {
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    let code = child.wait().unwrap().code().unwrap_or(-1);
    let out = STDOUT.with(|s| {
        s.borrow_mut()
            .take()
            .map(|rx| rx.recv().unwrap_or_default())
    });
    (code, out.unwrap_or_default(), err)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn usage_errors_exit_2_with_advice() {
    let cases: [(&[&str], &str); 4] = [
        (&[], "--idp-sso-url"),
        (
            &["--idp-sso-url", "http://idp.example.com/sso"],
            "--idp-sso-url",
        ),
        (
            &["--idp-sso-url", "https://idp.example.com/sso"],
            "--idp-cert",
        ),
        (&["--config", "/nonexistent/test-login.toml"], "cannot read"),
    ];
    for (args, says) in cases {
        let o = bin().arg("test-login").args(args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// The terminal form of a report: no Markdown escapes or HTML entities, no colour codes when not a terminal, the
/// evidence's time to the second with its zone; `--format markdown` and `--json` still give the other forms.
#[test]
fn demo_text_report_reads_cleanly_and_the_other_formats_remain() {
    let run = |args: &[&str]| {
        let o = bin()
            .arg("demo")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .env("TZ", "UTC")
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        String::from_utf8(o.stdout).unwrap()
    };
    let text = run(&[]);
    assert!(text.starts_with("PASSED: all "), "{text}");
    assert!(run(&["--format", "text"]).starts_with("PASSED: all "));
    for escape in [
        "\\(", "\\)", "\\_", "\\*", "\\[", "\\|", "&lt;", "&gt;", "&amp;", "&quot;", "&#", "\x1b[",
        "**", "| ",
    ] {
        assert!(
            !text.contains(escape),
            "{escape:?} in the text report:\n{text}"
        );
    }
    // No RFC 3339 time anywhere in it (the validity window, the confirmation's expiry, the evidence).
    let rfc3339 = text.match_indices('T').any(|(i, _)| {
        i >= 10
            && text.get(i - 10..i).is_some_and(|d| {
                d.as_bytes()[4] == b'-'
                    && d.as_bytes()[7] == b'-'
                    && d[..4].bytes().all(|b| b.is_ascii_digit())
            })
    });
    assert!(!rfc3339, "an RFC 3339 time in the text report:\n{text}");
    assert!(text.contains("NotBefore 20"), "{text}");
    // The checks' messages hold parentheses, which the Markdown form escapes.
    assert!(text.contains('('), "{text}");
    let time = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("time:"))
        .unwrap_or_else(|| panic!("no evidence time in:\n{text}"))
        .trim();
    assert_eq!(time.len(), "2026-12-03 09:47:34 UTC".len(), "{time}");
    // "2026-12-03 09:47:34 UTC": a space, not RFC 3339's T, and no fraction of a second.
    assert!(
        time.ends_with(" UTC") && time.get(10..11) == Some(" ") && !time.contains('.'),
        "{time}"
    );
    let markdown = run(&["--format", "markdown"]);
    assert!(
        markdown.starts_with("# SSO Pilot test login report"),
        "{markdown}"
    );
    assert!(
        markdown.contains("\\("),
        "the Markdown form escapes: {markdown}"
    );
    let json: serde_json::Value = serde_json::from_str(&run(&["--json"])).unwrap();
    let t = json["evidence"]["time"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_ok(),
        "{t}"
    );
    let same: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
    assert_eq!(same["report"]["valid"], true);
}

/// `ssopilot demo` is one process: with no keychain at all (the session bus points at nothing) it passes, on a
/// temporary key, and writes no file.
#[test]
fn demo_passes_without_a_keychain_and_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let o = bin()
        .arg("demo")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-such-bus", home.path().display()),
        )
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_RUNTIME_DIR", home.path().join("run"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{out}\n{err}");
    assert!(
        out.contains("PASSED") && out.contains("ada.lovelace@example.com"),
        "{out}"
    );
    assert!(
        err.contains("Signed in as")
            && err.contains("passed")
            && err.contains("temporary key: its certificate changes each time SSO Pilot starts"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        0,
        "files were created"
    );
}

#[test]
fn test_login_against_the_demo_idp_over_http() {
    let port = free_port();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let rt = rt();
    let key = IdpKey::generate_ephemeral().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("idp.pem");
    std::fs::write(&cert, key.cert_pem()).unwrap();
    let (base, idp_id) = rt.block_on(async {
        let state = State::new(Directory::demo().unwrap(), Vec::new(), key).unwrap();
        let mut server = Server::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0), state)
            .await
            .unwrap();
        let idp_id = server.entity_id().unwrap().clone();
        let app = App::new(
            EntityId::parse(DEFAULT_SP_ENTITY_ID, "SP").unwrap(),
            AcsUrl::parse(&acs, "ACS").unwrap(),
            idp_id.clone(),
        );
        server.add_app("t", app, &["Engineering"]).unwrap();
        let base = server.base_url().to_string();
        tokio::spawn(server.run());
        (base, idp_id)
    });
    let (child, url) = start_test_login(&[
        "--idp-sso-url",
        &format!("{base}/sso"),
        "--idp-cert",
        cert.to_str().unwrap(),
        "--idp-entity-id",
        idp_id.as_str(),
        "--port",
        &port.to_string(),
        "--timeout",
        "60",
    ]);
    assert!(
        url.starts_with(&format!("{base}/sso?SAMLRequest=")),
        "{url}"
    );
    rt.block_on(async {
        let b = Browser::new().unwrap();
        let form = b.get(&url).await.unwrap();
        let token = input_value(&form.body, "token").expect("login form");
        let posted = b
            .post_form(
                &format!("{base}/login"),
                &[
                    ("token", &token),
                    ("email", "Alan.Turing@example.com"),
                    ("password", DEMO_PASSWORD),
                ],
            )
            .await
            .unwrap();
        let to = form_action(&posted.body).unwrap();
        assert_eq!(to, acs);
        let resp = input_value(&posted.body, "SAMLResponse").unwrap();
        let landed = b.post_form(&to, &[("SAMLResponse", &resp)]).await.unwrap();
        assert_eq!(landed.status, 200, "{}", landed.body);
    });
    let (code, out, err) = finish(child);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("PASSED") && out.contains("alan.turing@example.com"),
        "{out}"
    );
    assert!(
        err.contains(&acs) && err.contains(DEFAULT_SP_ENTITY_ID),
        "{err}"
    );
}

/// The pysaml2 IdP, its base URL, entity ID and certificate (PEM); it stops when its stdin closes.
struct PyIdp {
    child: Child,
    sso: String,
    entity_id: String,
    cert_pem: String,
}

impl Drop for PyIdp {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn pysaml2_idp(acs: &str) -> PyIdp {
    pysaml2_idp_env(acs, &[])
}

/// [`pysaml2_idp`] with environment settings of the script (PYSAML2_SP_METADATA, PYSAML2_ENCRYPT...).
fn pysaml2_idp_env(acs: &str, env: &[(&str, &str)]) -> PyIdp {
    let mut child = Command::new(python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../crates/testkit/py/pysaml2_idp_http.py"
        ))
        .args([DEFAULT_SP_ENTITY_ID, acs])
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("pysaml2 is not installed in .venv: run scripts/setup.sh");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| {
        panic!("pysaml2 IdP did not start ({e}): {line:?}; run scripts/setup.sh")
    });
    PyIdp {
        child,
        sso: v["sso_url"].as_str().unwrap().to_string(),
        entity_id: v["entity_id"].as_str().unwrap().to_string(),
        cert_pem: v["cert_pem"].as_str().unwrap().to_string(),
    }
}

/// Opens the URL at pysaml2 (which answers with its auto-posting form at once) and posts the form to the ACS.
fn drive_pysaml2(rt: &tokio::runtime::Runtime, url: &str, acs: &str) -> u16 {
    rt.block_on(async {
        let b = Browser::new().unwrap();
        let page = b.get(url).await.unwrap();
        assert_eq!(page.status, 200, "{}", page.body);
        let to = form_action(&page.body).expect("pysaml2's POST form");
        assert_eq!(to, acs);
        let resp = input_value(&page.body, "SAMLResponse").unwrap();
        b.post_form(&to, &[("SAMLResponse", &resp)])
            .await
            .unwrap()
            .status
    })
}

#[test]
fn test_login_against_pysaml2_over_http() {
    let port = free_port();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let idp = pysaml2_idp(&acs);
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("pysaml2.pem");
    std::fs::write(&cert, &idp.cert_pem).unwrap();
    let rt = rt();
    let args = |entity_id: &str| -> Vec<String> {
        [
            "--idp-sso-url",
            &idp.sso,
            "--idp-cert",
            cert.to_str().unwrap(),
            "--idp-entity-id",
            entity_id,
            "--port",
            &port.to_string(),
            "--timeout",
            "60",
            "--require-signed-assertion",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    // The configured values: every check passes.
    let a = args(&idp.entity_id);
    let (child, url) = start_test_login(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(drive_pysaml2(&rt, &url, &acs), 200);
    let (code, out, err) = finish(child);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("PASSED") && out.contains("pat.doe@example.org"),
        "{out}"
    );
    // A wrong IdP entity ID configured: the issuer checks fail, exit 1, and the browser is told.
    let a = args("https://idp.example.com/not-this-one");
    let (child, url) = start_test_login(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(drive_pysaml2(&rt, &url, &acs), 400);
    let (code, out, err) = finish(child);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("FAILED") && err.contains("response_issuer"),
        "{out}\n{err}"
    );
}

/// A demo IdP on loopback with application "t" for the default SP entity ID and `acs`; when `sp_cert` is given the
/// application requires AuthnRequests signed with it. Returns its base URL and entity ID.
fn demo_idp(rt: &tokio::runtime::Runtime, acs: &str, sp_cert: Option<Vec<u8>>) -> (String, String) {
    demo_idp_with(rt, acs, |app| {
        if let Some(cert) = sp_cert {
            app.require_signed_requests = true;
            app.sp_certs = vec![cert];
        }
    })
}

/// [`demo_idp`] with application "t" set up by `setup`.
fn demo_idp_with(
    rt: &tokio::runtime::Runtime,
    acs: &str,
    setup: impl FnOnce(&mut App),
) -> (String, String) {
    rt.block_on(async {
        let key = IdpKey::generate_ephemeral().unwrap();
        let state = State::new(Directory::demo().unwrap(), Vec::new(), key).unwrap();
        let mut server = Server::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0), state)
            .await
            .unwrap();
        let idp_id = server.entity_id().unwrap().clone();
        let mut app = App::new(
            EntityId::parse(DEFAULT_SP_ENTITY_ID, "SP").unwrap(),
            AcsUrl::parse(acs, "ACS").unwrap(),
            idp_id.clone(),
        );
        setup(&mut app);
        server.add_app("t", app, &["Engineering"]).unwrap();
        let base = server.base_url().to_string();
        tokio::spawn(server.run());
        (base, idp_id.to_string())
    })
}

/// Signs in at the demo IdP from `page` (its login form) and posts the response to the ACS; the ACS's status.
async fn demo_sign_in(
    b: &Browser,
    base: &str,
    page: &ssopilot_peers::test_login::demo::Fetched,
) -> u16 {
    assert_eq!(page.status, 200, "{}", page.body);
    let token = input_value(&page.body, "token").expect("login form");
    let posted = b
        .post_form(
            &format!("{base}/login"),
            &[
                ("token", &token),
                ("email", "Alan.Turing@example.com"),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await
        .unwrap();
    let to = form_action(&posted.body).unwrap();
    let resp = input_value(&posted.body, "SAMLResponse").unwrap();
    b.post_form(&to, &[("SAMLResponse", &resp)])
        .await
        .unwrap()
        .status
}

/// Opens the test SP's own page (HTTP-POST binding), posts its form to the IdP, signs in.
async fn demo_sign_in_post(b: &Browser, base: &str, url: &str) -> u16 {
    let start = b.get(url).await.unwrap();
    assert_eq!(start.status, 200, "{}", start.body);
    let action = form_action(&start.body).unwrap();
    assert_eq!(action, format!("{base}/sso"));
    let req = input_value(&start.body, "SAMLRequest").unwrap();
    let page = b
        .post_form(&action, &[("SAMLRequest", &req)])
        .await
        .unwrap();
    demo_sign_in(b, base, &page).await
}

#[test]
fn idp_metadata_gives_the_idp_values_and_post_sends_the_request_from_the_test_sps_page() {
    let port = free_port();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let rt = rt();
    let (base, idp_id) = demo_idp(&rt, &acs, None);
    let (child, url) = start_test_login(&[
        "--idp-metadata",
        &format!("{base}/saml2/t/metadata"),
        "--binding",
        "post",
        "--port",
        &port.to_string(),
        "--timeout",
        "60",
        "--format",
        "json",
    ]);
    assert!(
        url.starts_with(&format!("http://127.0.0.1:{port}/start/")),
        "{url}"
    );
    let status = rt.block_on(async {
        let b = Browser::new().unwrap();
        demo_sign_in_post(&b, &base, &url).await
    });
    assert_eq!(status, 200);
    let (code, out, err) = finish(child);
    assert_eq!(code, 0, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["flow"], "sp_initiated");
    assert_eq!(v["report"]["valid"], true, "{out}");
    assert!(err.contains("HTTP-POST, unsigned"), "{err}");
    assert!(out.contains(&idp_id) || err.contains(&acs), "{out}\n{err}");
}

#[test]
fn idp_initiated_prints_the_values_and_reports_the_flow() {
    let port = free_port();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let rt = rt();
    let (base, _) = demo_idp(&rt, &acs, None);
    let (child, printed) = start_test_login(&[
        "--idp-metadata",
        &format!("{base}/metadata"),
        "--idp-initiated",
        "--port",
        &port.to_string(),
        "--timeout",
        "60",
    ]);
    assert_eq!(printed, acs);
    let status = rt.block_on(async {
        let b = Browser::new().unwrap();
        let page = b.get(&format!("{base}/saml2/t")).await.unwrap();
        demo_sign_in(&b, &base, &page).await
    });
    assert_eq!(status, 200);
    let (code, out, err) = finish(child);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.starts_with("Flow: IdP-initiated"), "{out}");
    assert!(
        err.contains("no AuthnRequest is sent")
            && err.contains(&acs)
            && err.contains(DEFAULT_SP_ENTITY_ID),
        "{err}"
    );
}

#[test]
fn a_timeout_with_unsigned_requests_says_first_that_the_idp_may_want_them_signed() {
    let dir = write_cert();
    let o = bin()
        .args([
            "test-login",
            "--idp-sso-url",
            "https://idp.example.com/sso",
            "--idp-cert",
        ])
        .arg(dir.path().join("idp.pem"))
        .args([
            "--idp-entity-id",
            "https://idp.example.com",
            "--timeout",
            "1",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: the AuthnRequest was not signed")
            && last.contains("--sign-requests")
            && last.contains("no response reached the test SP within 1 s"),
        "{err}"
    );
}

fn write_cert() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("idp.pem"),
        IdpKey::generate_ephemeral().unwrap().cert_pem(),
    )
    .unwrap();
    dir
}

#[test]
fn print_sp_metadata_needs_a_port() {
    let o = bin()
        .args(["test-login", "--print-sp-metadata"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--print-sp-metadata needs --port"), "{err}");
}

/// With the real keychain (scripts/with-keyring.sh): the SP metadata carries the test SP's certificate, and a test
/// login against an IdP whose metadata says WantAuthnRequestsSigned="true" signs its requests by itself, on both
/// bindings, and passes.
#[test]
fn signed_requests_with_the_real_keychain() {
    if std::env::var("SSOPILOT_KEYRING_TEST").as_deref() != Ok("1") {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: test_login_cli::signed_requests_with_the_real_keychain needs the real Secret Service; run it with: scripts/with-keyring.sh cargo test -p ssopilot --test it test_login"
        );
        return;
    }
    let port = free_port();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let o = bin()
        .args([
            "test-login",
            "--print-sp-metadata",
            "--sign-requests",
            "--port",
        ])
        .arg(port.to_string())
        .output()
        .unwrap();
    let md_text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let md = ssopilot_saml::metadata::parse(
        md_text.as_bytes(),
        &ssopilot_saml::metadata::Options::default(),
        ssopilot_testkit::cert_support::now(),
    )
    .unwrap();
    assert_eq!(md.entity_id, DEFAULT_SP_ENTITY_ID);
    assert_eq!(md.authn_requests_signed, Some(true));
    assert_eq!(md.acs.first().map(|a| a.url.as_str()), Some(acs.as_str()));
    let sp_cert = md.trusted_signing_ders();
    assert_eq!(sp_cert.len(), 1, "{md_text}");
    let rt = rt();
    let (base, _) = demo_idp(&rt, &acs, Some(sp_cert[0].clone()));
    for binding in ["redirect", "post"] {
        let (child, url) = start_test_login(&[
            "--idp-metadata",
            &format!("{base}/saml2/t/metadata"),
            "--binding",
            binding,
            "--port",
            &port.to_string(),
            "--timeout",
            "60",
        ]);
        let status = rt.block_on(async {
            let b = Browser::new().unwrap();
            if binding == "post" {
                demo_sign_in_post(&b, &base, &url).await
            } else {
                let page = b.get(&url).await.unwrap();
                demo_sign_in(&b, &base, &page).await
            }
        });
        assert_eq!(status, 200, "{binding}");
        let (code, out, err) = finish(child);
        assert_eq!(code, 0, "{binding}: {out}\n{err}");
        assert!(err.contains("WantAuthnRequestsSigned=\"true\""), "{err}");
        assert!(err.contains("signed (RSA-SHA256)"), "{err}");
    }
}

/// The binding follows the IdP's metadata when none is chosen (HTTP-POST for an IdP that lists only that), and a
/// chosen binding the metadata does not list is a usage error that says so.
#[test]
fn the_binding_follows_the_idp_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let cert = IdpKey::generate_ephemeral().unwrap();
    let b64: String = cert
        .cert_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let md = format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/post-only"><md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso/post"/></md:IDPSSODescriptor></md:EntityDescriptor>"#
    );
    let file = dir.path().join("idp.xml");
    std::fs::write(&file, md).unwrap();
    let port = free_port();
    let o = bin()
        .args(["test-login", "--idp-metadata"])
        .arg(&file)
        .args(["--port", &port.to_string(), "--timeout", "1"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        out.starts_with(&format!("http://127.0.0.1:{port}/start/")),
        "{out}"
    );
    assert!(err.contains("AuthnRequest: HTTP-POST, unsigned."), "{err}");
    let o = bin()
        .args(["test-login", "--idp-metadata"])
        .arg(&file)
        .args(["--binding", "redirect"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("lists no SSO endpoint for the HTTP-Redirect binding"),
        "{err}"
    );
}

pub(crate) fn keychain_or_skip(test: &str) -> bool {
    if std::env::var("SSOPILOT_KEYRING_TEST").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("NOT RUN: {test} needs the real Secret Service; run it with scripts/with-keyring.sh");
    false
}

/// What `--print-sp-metadata --port PORT` prints, with the test SP's encryption certificate (DER) read back from it.
fn printed_sp_metadata(port: u16) -> (String, Vec<u8>) {
    let o = bin()
        .args([
            "test-login",
            "--print-sp-metadata",
            "--port",
            &port.to_string(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let xml = String::from_utf8(o.stdout).unwrap();
    for uri in ssopilot_saml::xmlenc::SP_METADATA_METHODS {
        assert!(
            xml.contains(&format!("<md:EncryptionMethod Algorithm=\"{uri}\"/>")),
            "{xml}"
        );
    }
    let md = ssopilot_saml::metadata::parse(
        xml.as_bytes(),
        &ssopilot_saml::metadata::Options::default(),
        time::OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap(),
    )
    .unwrap();
    let enc: Vec<_> = md
        .certificates
        .iter()
        .filter(|c| c.key_use == ssopilot_saml::metadata::KeyUse::Encryption)
        .collect();
    assert_eq!(enc.len(), 1, "{xml}");
    let der = enc[0].report.der().unwrap().to_vec();
    (xml, der)
}

/// [`printed_sp_metadata`] once the encryption key is settled: other tests' first test-login runs in a fresh
/// keychain create the key too.
pub(crate) fn settled_sp_metadata(port: u16) -> (String, Vec<u8>) {
    let (mut xml, mut enc_der) = printed_sp_metadata(port);
    loop {
        let again = printed_sp_metadata(port);
        if again.1 == enc_der {
            return (xml, enc_der);
        }
        (xml, enc_der) = again;
    }
}

/// An admin turns on assertion encryption at pysaml2 with the test SP's metadata (pysaml2 finds the encryption
/// certificate in it by itself), and at the demo IdP with the certificate from it: `test-login` decrypts with the
/// key it keeps in the keychain, every check passes, and the JSON says the assertion arrived encrypted.
#[test]
fn test_login_decrypts_what_pysaml2_and_the_demo_idp_encrypt_for_the_published_certificate() {
    let test =
        "test_login_decrypts_what_pysaml2_and_the_demo_idp_encrypt_for_the_published_certificate";
    if !keychain_or_skip(test) {
        return;
    }
    // This test deletes the key at its end: not while another test relies on it.
    let _key = crate::TEST_SP_ENCRYPTION_KEY
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let port = free_port();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let (xml, enc_der) = settled_sp_metadata(port);
    let dir = tempfile::tempdir().unwrap();
    let sp_md = dir.path().join("sp.xml");
    std::fs::write(&sp_md, &xml).unwrap();
    let rt = rt();
    // The JSON says what was encrypted; the text report says it was decrypted and with which key.
    for (cipher, format) in [("aes256-gcm", "json"), ("aes128-cbc", "text")] {
        let idp = pysaml2_idp_env(
            &acs,
            &[
                ("PYSAML2_SP_METADATA", sp_md.to_str().unwrap()),
                ("PYSAML2_ENCRYPT", cipher),
            ],
        );
        let cert = dir.path().join("pysaml2.pem");
        std::fs::write(&cert, &idp.cert_pem).unwrap();
        let (child, url) = start_test_login(&[
            "--idp-sso-url",
            &idp.sso,
            "--idp-cert",
            cert.to_str().unwrap(),
            "--idp-entity-id",
            &idp.entity_id,
            "--port",
            &port.to_string(),
            "--timeout",
            "60",
            "--require-signed-assertion",
            "--format",
            format,
        ]);
        let posted = rt.block_on(async {
            let b = Browser::new().unwrap();
            let page = b.get(&url).await.unwrap();
            assert_eq!(page.status, 200, "{}", page.body);
            let resp = input_value(&page.body, "SAMLResponse").unwrap();
            let status = b
                .post_form(&acs, &[("SAMLResponse", &resp)])
                .await
                .unwrap()
                .status;
            (status, resp)
        });
        let xml = ssopilot_saml::binding::decode(posted.1.as_bytes(), 1 << 20)
            .unwrap()
            .xml;
        assert!(
            xml.contains("EncryptedAssertion") && !xml.contains("pat.doe@example.org"),
            "pysaml2 did not encrypt: {xml}"
        );
        let (code, out, err) = finish(child);
        assert_eq!((posted.0, code), (200, 0), "{cipher}: {out}\n{err}");
        if format == "text" {
            assert!(
                out.contains("The assertion arrived encrypted and was decrypted with the test SP's encryption key")
                    && out.contains("assertion yes (verified on the decrypted assertion)")
                    && out.contains("pat.doe@example.org"),
                "{out}"
            );
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["report"]["valid"], true, "{out}");
        assert_eq!(v["report"]["encrypted"]["assertion"], true, "{out}");
        assert_eq!(v["report"]["name_id"], "pat.doe@example.org", "{out}");
    }

    // The demo IdP with "encrypt assertions" on, for the certificate in the printed metadata.
    let (base, _) = demo_idp_with(&rt, &acs, |app| app.encrypt_for = Some(enc_der.clone()));
    let (child, url) = start_test_login(&[
        "--idp-metadata",
        &format!("{base}/saml2/t/metadata"),
        "--port",
        &port.to_string(),
        "--timeout",
        "60",
        "--require-signed-assertion",
        "--json",
    ]);
    let status = rt.block_on(async {
        let b = Browser::new().unwrap();
        let page = b.get(&url).await.unwrap();
        demo_sign_in(&b, &base, &page).await
    });
    let (code, out, err) = finish(child);
    assert_eq!((status, code), (200, 0), "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["report"]["valid"], true, "{out}");
    assert_eq!(v["report"]["encrypted"]["assertion"], true, "{out}");

    // `secrets delete` knows the key: the next metadata carries a new certificate.
    let o = bin()
        .args(["secrets", "delete", "test-sp-encryption-key"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_ne!(printed_sp_metadata(port).1, enc_der);
}
