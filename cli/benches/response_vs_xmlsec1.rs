//! The whole `ssopilot response check` command against `xmlsec1 --verify` on the same signed response, in
//! alternating runs (process start-up included on both sides). Prints the mean times and the ratio.

// Tests and benchmarks: a failed set-up is a failed run, so unwrap, expect and panic are the right tools.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ssopilot_testkit::response_support as support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::*;

fn main() {
    require_tool("xmlsec1", "xmlsec1");
    let p = Params {
        attributes: vec![
            ("email".into(), vec!["alice@example.com".into()]),
            ("firstname".into(), vec!["Alice".into()]),
            ("lastname".into(), vec!["Liddell".into()]),
            (
                "groups".into(),
                (0..12).map(|i| format!("engineering-team-{i}")).collect(),
            ),
        ],
        ..Params::default()
    };
    let xml = genuine(&p);
    let dir = tempfile::tempdir().unwrap();
    let file = write_temp(dir.path(), "response.xml", xml.as_bytes());
    let cert = write_temp(dir.path(), "idp.pem", rsa_idp().cert_pem.as_bytes());
    let ours = || {
        let o = Command::new(env!("CARGO_BIN_EXE_ssopilot"))
            .args(["response", "check"])
            .arg(&file)
            .arg("--idp-cert")
            .arg(&cert)
            .args([
                "--idp-entity-id",
                IDP,
                "--sp-entity-id",
                SP,
                "--acs-url",
                ACS,
                "--request-id",
                REQ,
            ])
            .args(["--now", "2026-11-25T12:00:00Z", "--json"])
            .output()
            .unwrap();
        assert!(o.status.success());
    };
    let theirs = || {
        let o = Command::new("xmlsec1")
            .arg("--verify")
            .arg("--trusted-pem")
            .arg(&cert)
            .args([
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            ])
            .arg(&file)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let runs = 200;
    let (mut t_ours, mut t_theirs) = (Duration::ZERO, Duration::ZERO);
    ours();
    theirs();
    for _ in 0..runs {
        let s = Instant::now();
        ours();
        t_ours += s.elapsed();
        let s = Instant::now();
        theirs();
        t_theirs += s.elapsed();
    }
    let (a, b) = (t_ours / runs, t_theirs / runs);
    println!(
        "{} B response, {runs} alternating runs: ssopilot response check {:?}/run (full validation), xmlsec1 --verify {:?}/run (signature only); xmlsec1/ssopilot = {:.2}",
        xml.len(),
        a,
        b,
        b.as_secs_f64() / a.as_secs_f64()
    );
}
