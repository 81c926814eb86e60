//! `ssopilot demo-idp rotate`: a whole rotation rehearsed from a terminal against the REAL Secret Service, in a
//! keyring of its own (a nested scripts/with-keyring.sh session), so the rotation cannot change the demo key other
//! tests of this run use. Each command is a new `ssopilot` process, as a tester types them: the phase is kept in the
//! keychain between them; `cert` and `metadata` follow each step, `mint` signs with the new key after the switch,
//! and steps out of order are refused with exit 2 and the step to run instead.

use std::path::{Path, PathBuf};
use std::process::Command;

use ssopilot_testkit::demo_idp_support::{ACS, SP};

/// One command's result.
struct Ran {
    args: String,
    code: i32,
    out: String,
    err: String,
}

impl Ran {
    fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "{}: {}{}", self.args, self.out, self.err);
        &self.out
    }

    fn refused(&self, says: &str) {
        assert_eq!(self.code, 2, "{}: {}{}", self.args, self.out, self.err);
        assert!(self.out.is_empty(), "{}: {}", self.args, self.out);
        assert!(
            self.err
                .starts_with(&format!("ssopilot {}: ", self.args.trim())),
            "{}",
            self.err
        );
        assert!(self.err.contains(says), "{}: {}", self.args, self.err);
    }
}

/// Runs each command line (arguments without spaces) as `ssopilot ARGS` in one fresh private keyring.
fn in_private_keyring(dir: &Path, commands: &[&str]) -> Vec<Ran> {
    let mut script = String::from("set -u\n");
    for (i, c) in commands.iter().enumerate() {
        assert!(
            c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || " -_.:/@".contains(ch)),
            "{c}"
        );
        script.push_str(&format!(
            "\"$SSOPILOT\" {c} >\"$OUT/{i}.out\" 2>\"$OUT/{i}.err\"; echo $? >\"$OUT/{i}.code\"\n"
        ));
    }
    let with_keyring = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/with-keyring.sh");
    let o = Command::new("bash")
        .arg(with_keyring)
        .args(["bash", "-c", &script])
        // A session of its own, not the one this test runs in.
        .env_remove("SSOPILOT_IN_KEYRING_SESSION")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("SSOPILOT", env!("CARGO_BIN_EXE_ssopilot"))
        .env("OUT", dir)
        .output()
        .expect("run scripts/with-keyring.sh");
    assert!(
        o.status.success(),
        "with-keyring.sh: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let read = |i: usize, ext: &str| std::fs::read_to_string(dir.join(format!("{i}.{ext}")));
    commands
        .iter()
        .enumerate()
        .map(|(i, c)| Ran {
            args: (*c).to_string(),
            code: read(i, "code").unwrap().trim().parse().unwrap(),
            out: read(i, "out").unwrap(),
            err: read(i, "err").unwrap(),
        })
        .collect()
}

/// The base64 bodies of the PEM certificates in `text`, in order.
fn pem_bodies(text: &str) -> Vec<String> {
    text.split("-----BEGIN CERTIFICATE-----")
        .skip(1)
        .map(|b| {
            b.split("-----END CERTIFICATE-----")
                .next()
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        })
        .collect()
}

/// The certificates a metadata document lists, in order.
fn metadata_certs(xml: &str) -> Vec<String> {
    xml.split("<ds:X509Certificate>")
        .skip(1)
        .map(|b| b.split("</ds:X509Certificate>").next().unwrap().to_string())
        .collect()
}

fn pem(b64: &str) -> String {
    let lines: Vec<String> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// `ssopilot response check` of a minted response with both certificates: which one signed.
fn signed_with(dir: &Path, response: &str, old: &str, new: &str) -> String {
    let (o, n, r) = (dir.join("old.pem"), dir.join("new.pem"), dir.join("r.b64"));
    std::fs::write(&o, pem(old)).unwrap();
    std::fs::write(&n, pem(new)).unwrap();
    std::fs::write(&r, response.trim()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args(["response", "check", "--allow-idp-initiated"])
        .arg(&r)
        .arg("--idp-cert")
        .arg(&o)
        .arg("--idp-cert")
        .arg(&n)
        .args([
            "--idp-entity-id",
            "http://127.0.0.1:8740/metadata",
            "--sp-entity-id",
            SP,
            "--acs-url",
            ACS,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    text
}

#[test]
fn a_rotation_rehearsed_from_the_terminal_in_the_real_keychain() {
    if std::env::var("SSOPILOT_KEYRING_TEST").as_deref() != Ok("1") {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: demo_idp_rotate_cli needs the real Secret Service; run it with: scripts/with-keyring.sh cargo test -p ssopilot --test it demo_idp_rotate_cli"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mint = format!(
        "demo-idp mint --sp-entity-id {SP} --acs-url {ACS} --user ada.lovelace@example.com"
    );
    let ran = in_private_keyring(
        dir.path(),
        &[
            "demo-idp rotate status", // 0
            "demo-idp rotate switch",
            "demo-idp rotate retire",
            "demo-idp cert",
            "demo-idp rotate start",
            "demo-idp rotate start", // 5
            "demo-idp rotate retire",
            "demo-idp rotate status",
            "demo-idp cert",
            "demo-idp metadata",
            &mint, // 10
            "demo-idp rotate switch",
            "demo-idp rotate switch",
            "demo-idp cert",
            "demo-idp metadata",
            &mint, // 15
            "demo-idp rotate retire",
            "demo-idp metadata",
            "demo-idp rotate status",
            "demo-idp rotate retire",
        ],
    );
    // Steady: one certificate, nothing to switch or retire.
    let status = ran[0].ok();
    assert!(status.starts_with("No rotation under way"), "{status}");
    assert!(
        status.contains("Next: to rehearse a rotation, run `ssopilot demo-idp rotate start`."),
        "{status}"
    );
    ran[1].refused("run `ssopilot demo-idp rotate start` first");
    ran[2].refused("no old certificate to retire");
    let old = pem_bodies(ran[3].ok());
    assert_eq!(old.len(), 1);
    let old = old[0].clone();

    // Started: both published, still signing with the old key.
    let started = ran[4].ok();
    assert!(started.starts_with("Rotation started"), "{started}");
    assert!(
        started.contains("Next: paste the new certificate into the SP")
            && started.contains("then run `ssopilot demo-idp rotate switch`."),
        "{started}"
    );
    ran[5].refused("already under way");
    ran[6].refused("run `ssopilot demo-idp rotate switch` first");
    assert!(ran[7].ok().contains("next: published, not signing yet"));
    let both = pem_bodies(ran[8].ok());
    assert_eq!(both.len(), 2, "{}", ran[8].out);
    assert_eq!(both[0], old, "the signing certificate first");
    assert!(
        ran[8].err.contains("the second is the next one"),
        "{}",
        ran[8].err
    );
    let new = both[1].clone();
    assert_eq!(metadata_certs(ran[9].ok()), vec![old.clone(), new.clone()]);
    let report = signed_with(dir.path(), ran[10].ok(), &old, &new);
    assert!(
        report.contains("old.pem"),
        "signed with the old key: {report}"
    );

    // Switched: signing with the new key, both still in the metadata; `cert` gives the new one only.
    let switched = ran[11].ok();
    assert!(switched.starts_with("Switched"), "{switched}");
    assert!(
        switched.contains("`ssopilot demo-idp rotate retire`"),
        "{switched}"
    );
    ran[12].refused("already signs with the new key");
    assert_eq!(pem_bodies(ran[13].ok()), vec![new.clone()]);
    assert_eq!(metadata_certs(ran[14].ok()), vec![old.clone(), new.clone()]);
    let report = signed_with(dir.path(), ran[15].ok(), &old, &new);
    assert!(
        report.contains("new.pem"),
        "signed with the new key: {report}"
    );

    // Retired: the new certificate alone.
    assert!(ran[16].ok().starts_with("Rotation finished"));
    assert_eq!(metadata_certs(ran[17].ok()), vec![new]);
    assert!(ran[18].ok().starts_with("No rotation under way"));
    ran[19].refused("no old certificate to retire");
}

#[test]
fn without_a_keychain_a_rotation_is_refused_and_says_why() {
    let o = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
        .args(["demo-idp", "rotate", "start"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/ssopilot-test-bus",
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no OS keychain is available")
            && err.contains("cannot be rehearsed without one"),
        "{err}"
    );
}
