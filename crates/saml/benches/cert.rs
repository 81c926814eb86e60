//! In-process cost of the certificate doctor on a typical IdP certificate (RSA-2048, SHA-256). Target: under 1 ms.
//!
//! `cargo bench --bench cert`

// Tests and benchmarks: a failed set-up is a failed run, so unwrap, expect and panic are the right tools.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rcgen::{CertificateParams, DnType, KeyPair, PKCS_RSA_SHA256};
use rsa::pkcs8::EncodePrivateKey;
use time::{Duration, OffsetDateTime};

/// The moment the certificate is made for and checked at: fixed, as the protocol layer reads no clock.
fn at() -> OffsetDateTime {
    time::macros::datetime!(2026-06-15 12:00 UTC)
}

fn rsa2048_pem() -> String {
    let key = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).expect("RSA key");
    let der = key.to_pkcs8_der().expect("PKCS#8");
    let pair = KeyPair::from_pkcs8_der_and_sign_algo(&der.as_bytes().into(), &PKCS_RSA_SHA256)
        .expect("key pair");
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name.push(DnType::CommonName, "Bench IdP");
    let now = at();
    p.not_before = now - Duration::days(1);
    p.not_after = now + Duration::days(365);
    p.self_signed(&pair).expect("certificate").pem()
}

fn bench(c: &mut Criterion) {
    let pem = rsa2048_pem();
    let bare: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mangled = pem
        .replace("-----", "\u{2014}\u{2013}")
        .replace('\n', "\\r\\n");
    let now = at();
    let mut g = c.benchmark_group("cert_check_rsa2048");
    g.bench_function("clean_pem", |b| {
        b.iter(|| ssopilot_saml::cert::check(black_box(pem.as_bytes()), now))
    });
    g.bench_function("bare_base64", |b| {
        b.iter(|| ssopilot_saml::cert::check(black_box(bare.as_bytes()), now))
    });
    g.bench_function("mangled_pem", |b| {
        b.iter(|| ssopilot_saml::cert::check(black_box(mangled.as_bytes()), now))
    });
    g.bench_function("clean_pem_to_json", |b| {
        b.iter(|| {
            serde_json::to_string(&ssopilot_saml::cert::check(black_box(pem.as_bytes()), now))
        })
    });
    g.finish();

    // Hostile inputs at the size cap must stay fast (linear scanning, no quadratic corner).
    let cap = ssopilot_saml::cert::MAX_INPUT;
    let hostile: Vec<(&str, Vec<u8>)> = vec![
        ("begin_repeated", "BEGIN ".repeat(cap / 6).into_bytes()),
        (
            "dashes_begin",
            "-----BEGIN CERTIFICATE-----\n"
                .repeat(cap / 29)
                .into_bytes(),
        ),
        ("spaced_m", "M ".repeat(cap / 2).into_bytes()),
        ("header_runs", "MIIEAAAA ".repeat(cap / 9).into_bytes()),
        ("escapes", "\\u00".repeat(cap / 5).into_bytes()),
        ("random_base64", {
            let mut x = 0x9E37_79B9_7F4A_7C15u64;
            (0..cap)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\n"
                        [(x % 65) as usize]
                })
                .collect()
        }),
    ];
    let mut g = c.benchmark_group("cert_check_hostile_256k");
    g.sample_size(10);
    for (name, input) in &hostile {
        g.bench_function(*name, |b| {
            b.iter(|| ssopilot_saml::cert::check(black_box(input), now))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
