//! `ssopilot test-login` as an admin runs it against real IdPs installed from the registries: samlify (npm,
//! crates/testkit/js/samlify_idp.js) and Lasso (Debian's python3-lasso, crates/testkit/py/lasso_idp_http.py), each
//! on 127.0.0.1. The IdP is configured with what `--print-sp-metadata --sign-requests` prints (the test SP's signing
//! certificate from the real keychain); `--idp-metadata` then takes the strict IdP's metadata, whose
//! WantAuthnRequestsSigned="true" makes the CLI sign on its own, and the login passes on HTTP-Redirect and HTTP-POST;
//! `--idp-initiated` takes the open IdP's unsolicited response and reports the flow. Needs the real Secret Service
//! (scripts/with-keyring.sh); skipped with a message when the IdP is not installed, except in CI.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use ssopilot_peers::test_login::demo::{form_action, input_value, Browser};
use ssopilot_testkit::peer_support::{self, js_dir, submit_response_form, SYSTEM_PYTHON};
use ssopilot_testkit::response_support::{write_idp_key_and_cert, write_temp};

use crate::test_login_cli::free_port;

pub(crate) fn keychain_or_skip(test: &str) -> bool {
    if std::env::var("SSOPILOT_KEYRING_TEST").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("NOT RUN: {test} needs the real Secret Service; run it with scripts/with-keyring.sh");
    false
}

/// A running `ssopilot test-login`: the first line it printed, and the rest of stdout collected on a thread.
pub(crate) struct Run {
    child: Child,
    pub(crate) first: String,
    rest: std::thread::JoinHandle<String>,
}

pub(crate) fn start(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .arg("test-login")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let rest = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = out.read_to_string(&mut rest);
        rest
    });
    Run {
        child,
        first: first.trim().to_string(),
        rest,
    }
}

/// Waits for the run; returns (exit code, the rest of stdout, stderr).
pub(crate) fn finish(mut run: Run) -> (i32, String, String) {
    let mut err = String::new();
    run.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let code = run.child.wait().unwrap().code().unwrap_or(-1);
    (code, run.rest.join().unwrap(), err)
}

/// The JSON report (`--json`) of a passing login: valid, both signatures verified, `user` signed in, the flow, and
/// the clock read (the IdP runs on this computer: its clock is ours, within the time the login took). Returns the
/// report, for what one IdP adds.
pub(crate) fn assert_passing_json(
    what: &str,
    out: &str,
    flow: &str,
    user: &str,
) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(out).unwrap_or_else(|e| panic!("{what}: {e}: {out}"));
    assert_eq!(v["flow"], flow, "{what}: {out}");
    let r = &v["report"];
    assert_eq!(r["valid"], true, "{what}: {out}");
    assert_eq!(
        r["signed"],
        serde_json::json!({"response": true, "assertion": true}),
        "{what}: {out}"
    );
    assert_eq!(r["name_id"], user, "{what}: {out}");
    let clock = &r["clock"];
    assert!(
        clock["idp_time"].is_string() && clock["local_time"].is_string(),
        "{what}: {out}"
    );
    let offset = clock["offset_seconds"].as_i64().unwrap();
    assert!(offset.abs() <= 60, "{what}: {out}");
    assert!(
        clock["allowed_skew_seconds"].as_i64().unwrap() > 0,
        "{what}: {out}"
    );
    v["report"].clone()
}

/// The whole admin's session against one IdP process started by `command` (IdP key, certificate, open and strict
/// SP metadata files).
fn admin_session(name: &str, command: impl FnOnce(&Path, &Path, &Path, &Path) -> Command) {
    let port = free_port().to_string();
    let acs = format!("http://127.0.0.1:{port}/acs");
    let o = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args([
            "test-login",
            "--print-sp-metadata",
            "--sign-requests",
            "--port",
            &port,
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let sp_md = write_temp(dir.path(), "sp.xml", &o.stdout);
    let (key, cert) = write_idp_key_and_cert(dir.path());
    let peer = peer_support::Peer::start(command(&key, &cert, &sp_md, &sp_md), name);
    let base = peer.field("base").to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for binding in ["redirect", "post"] {
        let run = start(&[
            "--idp-metadata",
            &format!("{base}/strict/metadata"),
            "--binding",
            binding,
            "--port",
            &port,
            "--timeout",
            "60",
        ]);
        rt.block_on(async {
            let b = Browser::new().unwrap();
            let mut page = b.get(&run.first).await.unwrap();
            if binding == "post" {
                // The test SP's page, whose form posts the signed AuthnRequest to the IdP.
                let action = form_action(&page.body).expect("the test SP's form");
                let request = input_value(&page.body, "SAMLRequest").expect("its SAMLRequest");
                page = b
                    .post_form(&action, &[("SAMLRequest", &request)])
                    .await
                    .unwrap();
            }
            submit_response_form(&b, &page).await;
        });
        let (code, out, err) = finish(run);
        assert_eq!(code, 0, "{name} {binding}: {out}\n{err}");
        assert!(out.contains("PASSED"), "{name} {binding}: {out}");
        assert!(
            err.contains("WantAuthnRequestsSigned=\"true\"") && err.contains("signed (RSA-SHA256)"),
            "{name} {binding}: {err}"
        );
    }
    let run = start(&[
        "--idp-metadata",
        &format!("{base}/open/metadata"),
        "--idp-initiated",
        "--port",
        &port,
        "--timeout",
        "60",
    ]);
    assert_eq!(run.first, acs);
    rt.block_on(async {
        let b = Browser::new().unwrap();
        let page = b.get(&format!("{base}/open/unsolicited")).await.unwrap();
        submit_response_form(&b, &page).await;
    });
    let (code, out, err) = finish(run);
    assert_eq!(code, 0, "{name} IdP-initiated: {out}\n{err}");
    assert!(
        out.starts_with("Flow: IdP-initiated") && out.contains("PASSED"),
        "{name}: {out}"
    );
}

/// One test for both IdPs, run one after the other: the first `ssopilot` run in a fresh keychain creates the test
/// SP's key, and two first runs at once could each store their own (the IdP would then trust the loser's).
#[test]
fn test_login_against_samlify_and_lasso_signs_as_their_metadata_asks_and_takes_their_unsolicited_responses(
) {
    let test = "idp_foreign_cli";
    if !keychain_or_skip(test) {
        return;
    }
    if peer_support::node_package_or_skip("samlify", test) {
        admin_session("samlify", |key, cert, open, strict| {
            let mut cmd = Command::new("node");
            cmd.arg(js_dir().join("samlify_idp.js"))
                .args([key, cert, open, strict]);
            cmd
        });
    }
    if peer_support::system_python_module_or_skip("lasso", "python3-lasso", test) {
        admin_session("Lasso", |key, cert, open, strict| {
            let mut cmd = Command::new(SYSTEM_PYTHON);
            cmd.arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../crates/testkit/py/lasso_idp_http.py"
            ))
            .args([key, cert, open, strict]);
            cmd
        });
    }
}
