//! The secrets module against the REAL Secret Service: gnome-keyring on a private D-Bus session, set up by
//!
//!     scripts/with-keyring.sh cargo test -p ssopilot --test it secrets_os
//!
//! which exports SSOPILOT_KEYRING_TEST=1. With that variable these tests FAIL when the keychain cannot be reached;
//! without it they print that they were not run and how to run them.
//!
//! What they prove: a value stored through `Secrets::os()` is in gnome-keyring (read back by `secret-tool`, a
//! libsecret client that shares no code with ours, and by a second process), values stored by other clients are
//! read by ours, and nothing is written to any file under the storing process's home/data/config/cache dirs; the
//! keyring's own file on disk does not contain the value in clear either.

use std::path::{Path, PathBuf};
use std::process::Command;

use ssopilot_peers::secrets::{generate_auth_secret, SecretName, SecretString, Secrets, SERVICE};

fn enabled(test: &str) -> bool {
    if std::env::var("SSOPILOT_KEYRING_TEST").as_deref() == Ok("1") {
        return true;
    }
    // Straight to the stderr handle: the test harness captures eprintln! of passing tests, and this must be seen.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "NOT RUN: secrets_os::{test} needs the real Secret Service; run it with: scripts/with-keyring.sh cargo test -p ssopilot --test it secrets_os"
    );
    false
}

fn os() -> Secrets {
    match Secrets::os() {
        Ok(s) => s,
        Err(e) => panic!(
            "SSOPILOT_KEYRING_TEST=1 but the OS keychain is not usable: {e}\n(run these tests through scripts/with-keyring.sh; run scripts/setup.sh if gnome-keyring or dbus is missing)"
        ),
    }
}

/// A label no other test run uses, so parallel runs and leftovers cannot interfere.
fn unique(prefix: &str) -> String {
    let r = ssopilot_peers::secrets::random_bytes(8).unwrap();
    let hex: String = r.expose().iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-{hex}")
}

fn secret_tool(args: &[&str], stdin: Option<&str>) -> (i32, String) {
    use std::io::Write;
    let mut cmd = Command::new("secret-tool");
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => panic!(
            "secret-tool cannot be run ({e}): run scripts/setup.sh (Debian package libsecret-tools)"
        ),
    };
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn lookup(account: &str) -> Option<String> {
    let (code, out) = secret_tool(&["lookup", "service", SERVICE, "username", account], None);
    (code == 0).then_some(out)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn a_stored_value_is_in_gnome_keyring_and_gone_after_delete() {
    if !enabled("a_stored_value_is_in_gnome_keyring_and_gone_after_delete") {
        return;
    }
    let s = os();
    assert!(s.is_os());
    let name = SecretName::AuthSecret(unique("roundtrip"));
    let account = name.account().unwrap();
    assert!(s.get(&name).unwrap().is_none());
    let value = generate_auth_secret().unwrap();
    s.set(&name, &value).unwrap();
    assert_eq!(
        lookup(&account).as_deref(),
        Some(value.expose()),
        "secret-tool must find the value in gnome-keyring"
    );
    assert_eq!(s.get(&name).unwrap().unwrap().expose(), value.expose());
    // The keychain manager shows a readable label.
    let (code, listing) = secret_tool(&["search", "service", SERVICE, "username", &account], None);
    assert_eq!(code, 0);
    let label = listing
        .lines()
        .find_map(|l| l.strip_prefix("label = "))
        .unwrap_or_default()
        .to_string();
    assert_eq!(label, name.describe());
    assert!(
        label.starts_with("SSO Pilot: AUTH_SECRET for roundtrip-"),
        "{label}"
    );
    // Overwrite replaces the one entry (no duplicates that would make later reads ambiguous).
    let v2 = SecretString::new("second value".into());
    s.set(&name, &v2).unwrap();
    assert_eq!(lookup(&account).as_deref(), Some("second value"));
    assert!(s.delete(&name).unwrap());
    assert_eq!(lookup(&account), None);
    assert!(s.get(&name).unwrap().is_none());
    assert!(!s.delete(&name).unwrap());
}

#[test]
fn a_value_stored_by_another_client_is_read() {
    if !enabled("a_value_stored_by_another_client_is_read") {
        return;
    }
    let s = os();
    let name = SecretName::ApiToken(unique("foreign"));
    let account = name.account().unwrap();
    let (code, _) = secret_tool(
        &[
            "store",
            "--label=stored by secret-tool",
            "service",
            SERVICE,
            "username",
            &account,
        ],
        Some("token-from-secret-tool"),
    );
    assert_eq!(code, 0, "secret-tool store failed");
    assert_eq!(
        s.get(&name).unwrap().unwrap().expose(),
        "token-from-secret-tool"
    );
    assert!(s.delete(&name).unwrap());
    assert_eq!(lookup(&account), None);
}

#[test]
fn binary_get_or_create_survives_a_new_handle() {
    if !enabled("binary_get_or_create_survives_a_new_handle") {
        return;
    }
    // DemoIdpKey is one fixed entry; use a labelled name for the same code path so runs cannot collide.
    let name = SecretName::ApiToken(unique("binary"));
    let key: Vec<u8> = (0..1218u32).map(|i| (i * 7 % 256) as u8).collect();
    let first = os().get_or_create(&name, || key.clone()).unwrap();
    assert_eq!(first.expose(), &key[..]);
    let again = os()
        .get_or_create(&name, || panic!("must not generate again"))
        .unwrap();
    assert_eq!(again.expose(), &key[..]);
    assert!(os().delete(&name).unwrap());
}

/// A second process (the CLI) stores AUTH_SECRET with its home, data, config and cache dirs in an empty temporary
/// directory: the value reaches gnome-keyring, the next run gets the same value, and no file appears anywhere
/// under those dirs. The keyring's own (encrypted) file does not contain the value in clear.
#[test]
fn the_cli_stores_in_the_keychain_and_writes_no_file() {
    if !enabled("the_cli_stores_in_the_keychain_and_writes_no_file") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let label = unique("cli");
    let run = |extra: &[&str]| {
        let mut args = vec!["secrets", "auth-secret", "--instance", &label];
        args.extend_from_slice(extra);
        let out = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
            .args(&args)
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            // So the creation lock file goes to the data dir under this home, where we can see it.
            .env_remove("SSOPILOT_DATA_DIR")
            .env_remove("XDG_RUNTIME_DIR")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ssopilot secrets auth-secret failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let value = run(&[]);
    assert_eq!(value.len(), 44, "{value:?} is not 32 bytes in base64");
    let account = SecretName::AuthSecret(label.clone()).account().unwrap();
    assert_eq!(lookup(&account).as_deref(), Some(value.as_str()));
    assert_eq!(
        os().get(&SecretName::AuthSecret(label.clone()))
            .unwrap()
            .unwrap()
            .expose(),
        value
    );
    assert_eq!(
        run(&[]),
        value,
        "the second run must reuse the stored value"
    );
    let rotated = run(&["--rotate"]);
    assert_ne!(rotated, value);
    assert_eq!(lookup(&account).as_deref(), Some(rotated.as_str()));

    // The one file: the lock that serializes key creation between processes, empty.
    let lock = home
        .path()
        .join("data/ssopilot")
        .join(ssopilot_peers::secrets::creation_lock::LOCK_FILE);
    let written = files_under(home.path());
    assert_eq!(
        written,
        vec![lock.clone()],
        "the CLI wrote files under its home other than its lock file"
    );
    assert_eq!(
        std::fs::metadata(&lock).unwrap().len(),
        0,
        "the lock file holds nothing"
    );

    if let Ok(keyrings) = std::env::var("SSOPILOT_KEYRING_DATA") {
        let files = files_under(Path::new(&keyrings));
        assert!(
            !files.is_empty(),
            "gnome-keyring has no keyring file in {keyrings}"
        );
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            assert!(
                !bytes
                    .windows(rotated.len())
                    .any(|w| w == rotated.as_bytes()),
                "{} contains the secret in clear",
                f.display()
            );
        }
    }
    assert!(os().delete(&SecretName::AuthSecret(label)).unwrap());
}

/// The CLI twice at once on a FRESH keychain (a private gnome-keyring of its own, through scripts/with-keyring.sh):
/// both print the test SP's metadata, so both need its signing and encryption keys, which neither finds. Without the
/// lock file around "read, else create and store" each generates its own RSA key and the second store replaces the
/// first after the first process printed its certificate: the two outputs differ. With it, one creates, the other
/// waits and reads that key, and a third run finds the same keys stored.
#[test]
fn two_clis_at_once_on_a_fresh_keychain_create_one_key() {
    if !enabled("two_clis_at_once_on_a_fresh_keychain_create_one_key") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let script = r#"
        set -u
        run() { "$SSOPILOT_BIN" test-login --print-sp-metadata --port 8123 --sp-entity-id https://sp.example.test/lock >"$1.xml" 2>"$1.err"; echo $? >"$1.code"; }
        run a & run b & wait
        run c
    "#;
    let with_keyring = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/with-keyring.sh");
    let out = Command::new("bash")
        .arg(&with_keyring)
        .args(["bash", "-c", script])
        .current_dir(work.path())
        .env_remove("SSOPILOT_IN_KEYRING_SESSION")
        .env("SSOPILOT_BIN", env!("CARGO_BIN_EXE_ssopilot"))
        .env("SSOPILOT_DATA_DIR", work.path().join("data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "with-keyring.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |f: &str| std::fs::read_to_string(work.path().join(f)).unwrap();
    for run in ["a", "b", "c"] {
        assert_eq!(
            read(&format!("{run}.code")).trim(),
            "0",
            "run {run}: {}",
            read(&format!("{run}.err"))
        );
    }
    let (a, b, c) = (read("a.xml"), read("b.xml"), read("c.xml"));
    assert_eq!(
        a.matches("<ds:X509Certificate>").count(),
        2,
        "signing and encryption certificates: {a}"
    );
    assert_eq!(
        a, b,
        "the two processes started at once hold different keys"
    );
    assert_eq!(
        a, c,
        "the keys stored are not the ones the first runs printed"
    );
    assert_eq!(
        std::fs::metadata(
            work.path()
                .join("data")
                .join(ssopilot_peers::secrets::creation_lock::LOCK_FILE)
        )
        .unwrap()
        .len(),
        0
    );
}
