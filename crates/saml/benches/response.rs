//! Validating a ~5 KB RSA-2048 SHA-256 signed response (target: 100 µs or less per validation).

// Tests and benchmarks: a failed set-up is a failed run, so unwrap, expect and panic are the right tools.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ssopilot_testkit::response_support as support;

use criterion::{criterion_group, criterion_main, Criterion};
use ssopilot_saml::response::validate;
use support::*;

fn bench(c: &mut Criterion) {
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
    let policy = policy();
    assert!(validate(xml.as_bytes(), &policy).valid());
    eprintln!("response size: {} bytes", xml.len());
    // The machine running this may be shared: also report CPU time per validation (from the scheduler's
    // per-thread accounting), which load does not inflate the way it inflates wall time.
    if let Some(before) = thread_cpu_ns() {
        let n = 2000;
        for _ in 0..n {
            assert!(validate(std::hint::black_box(xml.as_bytes()), &policy).valid());
        }
        if let Some(after) = thread_cpu_ns() {
            eprintln!(
                "CPU time per validation: {:.1} us (over {n} runs)",
                (after - before) as f64 / n as f64 / 1000.0
            );
        }
    }
    c.bench_function(
        &format!("validate {} B RSA-2048 SHA-256 response", xml.len()),
        |b| {
            b.iter(|| {
                let r = validate(std::hint::black_box(xml.as_bytes()), &policy);
                assert!(r.valid());
            })
        },
    );
    // The floor under all the rest: the one RSA-2048 PKCS#1 v1.5 SHA-256 verification a validation makes, in ring,
    // over a SignedInfo-sized message.
    {
        use ring::signature::{
            RsaKeyPair, UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
        };
        let key = RsaKeyPair::from_pkcs8(&rsa_idp().key_pkcs8).unwrap();
        let message = vec![b'x'; 600];
        let mut signature = vec![0; key.public().modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &ring::rand::SystemRandom::new(),
            &message,
            &mut signature,
        )
        .unwrap();
        let public = key.public().as_ref().to_vec();
        c.bench_function("RSA-2048 SHA-256 verify only (ring)", |b| {
            b.iter(|| {
                UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public)
                    .verify(std::hint::black_box(&message), &signature)
                    .unwrap()
            })
        });
    }
    let doc = ssopilot_saml::xml::parse(&xml).unwrap();
    c.bench_function("parse only", |b| {
        b.iter(|| ssopilot_saml::xml::parse(std::hint::black_box(&xml)).unwrap())
    });
    c.bench_function("exc-c14n of the whole response", |b| {
        b.iter(|| ssopilot_saml::c14n::canonicalize(&doc, doc.root(), None, &[]).unwrap())
    });
}

/// CPU time this thread has run, in ns (Linux: first field of /proc/thread-self/schedstat).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

criterion_group!(benches, bench);
criterion_main!(benches);
