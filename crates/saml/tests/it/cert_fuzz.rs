//! A mutation fuzzer for the certificate doctor that runs on the stable toolchain (the cargo-fuzz target in `fuzz/`
//! needs nightly). Seeds are generated certificates, keys and their damaged forms; mutations are byte flips,
//! insertions, deletions, splices and the damage chat tools and word processors do.
//!
//! `cargo test -p ssopilot-saml --test it cert_fuzz` runs a short deterministic round; the long run is
//! `CERT_FUZZ_SECONDS=600 cargo test --release -p ssopilot-saml --test it cert_fuzz -- --ignored --nocapture`.

use ssopilot_testkit::cert_support;

use std::time::{Duration as StdDuration, Instant};

use cert_support::*;
use ssopilot_saml::cert::{check, FindingCode};
use ssopilot_saml::findings::has_errors;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let pem = rsa2048_pem();
    let der = rsa2048_der();
    let (leaf, ca) = chain();
    let ec = self_signed(&ec_keypair(false), "ec", 20).pem();
    let csr = params("csr", now(), now())
        .serialize_request(&ec_keypair(false))
        .unwrap()
        .pem()
        .unwrap();
    vec![
        pem.clone().into_bytes(),
        der,
        body(&pem).into_bytes(),
        format!("{}{}", leaf.pem(), ca.pem()).into_bytes(),
        ec.into_bytes(),
        csr.into_bytes(),
        pkcs8_private_pem().into_bytes(),
        format!("{}{}", pem, pkcs1_private_pem()).into_bytes(),
        pem.replace('\n', "\\n").into_bytes(),
        pem.replace("-----", "\u{2014}\u{2013}")
            .replace('\n', "\r\n  ")
            .into_bytes(),
        format!("<ds:X509Certificate>{}</ds:X509Certificate>", body(&pem)).into_bytes(),
        ec_keypair(true).public_key_pem().into_bytes(),
    ]
}

const INTERESTING: &[&[u8]] = &[
    b"-",
    b"-----",
    b"\n",
    b"\r\n",
    b"\\n",
    b"\\u002B",
    b"&#13;",
    b"=",
    b" ",
    b"\t",
    b"M",
    b"MII",
    b"BEGIN ",
    b"END ",
    b"CERTIFICATE",
    b"PRIVATE KEY",
    "\u{2013}".as_bytes(),
    "\u{00A0}".as_bytes(),
    "\u{200B}".as_bytes(),
    b"\xFF\xFE",
    b"\x30\x82",
    b"\x30\x84\xff\xff\xff\xff",
    b"\"",
];

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = input.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                input[i] = rng.next() as u8;
            }
            2 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(64)).min(len);
                input.drain(a..b);
            }
            3 if len > 0 => {
                let a = rng.below(len);
                let b = (a + rng.below(128)).min(len);
                let chunk = input[a..b].to_vec();
                let at = rng.below(len + 1);
                input.splice(at..at, chunk);
            }
            4 => {
                let tok = INTERESTING[rng.below(INTERESTING.len())];
                let at = rng.below(len + 1);
                input.splice(at..at, tok.iter().copied());
            }
            5 if len > 0 => input.truncate(rng.below(len)),
            6 => {
                let other = &seeds[rng.below(seeds.len())];
                let a = rng.below(other.len());
                let b = (a + rng.below(other.len() - a + 1)).min(other.len());
                let at = rng.below(len + 1);
                input.splice(at..at, other[a..b].iter().copied());
            }
            7 => {
                let n = rng.below(16);
                let at = rng.below(len + 1);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                input.splice(at..at, bytes);
            }
            _ => {
                // Replace a random ASCII dash run or newline with a typographic form.
                if let Some(i) = input.iter().position(|c| *c == b'-' || *c == b'\n') {
                    let rep: &[u8] = if input[i] == b'-' {
                        "\u{2014}".as_bytes()
                    } else {
                        b"\\n"
                    };
                    input.splice(i..i + 1, rep.iter().copied());
                }
            }
        }
    }
    input.truncate(ssopilot_saml::cert::MAX_INPUT + 16);
}

fn invariants(input: &[u8]) {
    let now = now();
    let r = check(input, now);
    assert_eq!(r.usable, r.der().is_some() && !has_errors(&r.findings));
    serde_json::to_string(&r).unwrap();
    if let (Some(der), Some(pem)) = (r.der(), r.pem.as_deref()) {
        let again = check(pem.as_bytes(), now);
        assert_eq!(
            again.der(),
            Some(der),
            "normalized PEM gives the same certificate"
        );
        assert!(
            !again.repaired,
            "normalized PEM needs no repair: {:?}",
            again.findings
        );
    }
    let text_with_key = input.first() != Some(&0x30)
        && std::str::from_utf8(input).is_ok_and(|s| s.to_ascii_uppercase().contains("PRIVATE KEY"));
    if text_with_key {
        assert!(
            !r.usable && r.has(FindingCode::PrivateKey),
            "a private key is always refused"
        );
    }
}

fn fuzz(budget: StdDuration, max_iters: u64, seed: u64) -> u64 {
    let seeds = seeds();
    let mut rng = Rng(seed);
    let start = Instant::now();
    let mut n = 0u64;
    while n < max_iters && start.elapsed() < budget {
        let mut input = seeds[rng.below(seeds.len())].clone();
        mutate(&mut rng, &mut input, &seeds);
        let result = std::panic::catch_unwind(|| invariants(&input));
        if result.is_err() {
            let path = std::env::temp_dir().join(format!("cert-fuzz-crash-{n}.bin"));
            let _ = std::fs::write(&path, &input);
            panic!(
                "invariant broken on iteration {n}; input saved to {}",
                path.display()
            );
        }
        n += 1;
    }
    n
}

#[test]
fn short_mutation_round() {
    let n = fuzz(StdDuration::from_secs(60), 1_500, 0x5EED_CE27);
    assert_eq!(n, 1_500);
}

#[test]
#[ignore = "long run: CERT_FUZZ_SECONDS=600 cargo test --release -p ssopilot-saml --test it cert_fuzz -- --ignored --nocapture"]
fn long_mutation_run() {
    let secs: u64 = std::env::var("CERT_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 | 1)
        .unwrap_or(1);
    let n = fuzz(StdDuration::from_secs(secs), u64::MAX, seed);
    println!("cert_fuzz: {n} inputs in {secs} s (seed {seed:#x}), no invariant broken");
}
