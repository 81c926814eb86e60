//! Issue 18: every input up to the size cap (1 MiB decoded) gets its verdict within 1 second. Each shape below is
//! built at the cap (or at the node cap, whichever comes first) and aimed at one stage before the signature value
//! is checked; the table printed first gives the worst wall and CPU time of a few validations per shape, then
//! criterion measures each one.
//!
//! `cargo bench --bench worst_case` (set `WORST_CASE_RUNS` for more runs per shape in the table, and
//! `WORST_CASE_ONLY=name` to build and run one shape).

// A benchmark: a failed set-up is a failed run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ssopilot_testkit::response_support as support;

use std::time::{Duration, Instant};

use base64::Engine;
use criterion::{criterion_group, criterion_main, Criterion};
use ssopilot_saml::response::{validate, Policy, Report};
use ssopilot_saml::xml::DEFAULT_MAX_BYTES;
use support::*;

const CAP: usize = DEFAULT_MAX_BYTES;
/// The parser's node cap (elements, text, comments): shapes of tiny elements stop just below it.
const NODES: usize = 199_000;
const EXC_TRANSFORM: &str =
    r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>"#;

/// The genuine signed response with `filler` inside the signed Assertion (so canonicalization reads it), and the
/// Assertion start tag and the Reference's transform replaced when asked. Signature verification then fails at the
/// digest or later, after every costly stage has run.
fn signed_with(filler: &str, assertion_attrs: &str, prefix_list: Option<&str>) -> String {
    let mut xml = genuine(&Params::default());
    if !assertion_attrs.is_empty() {
        xml = xml.replacen(
            "<saml:Assertion ",
            &format!("<saml:Assertion {assertion_attrs} "),
            1,
        );
    }
    if let Some(list) = prefix_list {
        xml = xml.replacen(
            EXC_TRANSFORM,
            &format!(r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="{list}"/></ds:Transform>"#),
            1,
        );
    }
    xml.replacen(
        "</saml:AttributeStatement>",
        &format!("{filler}</saml:AttributeStatement>"),
        1,
    )
}

/// `unit(i)` repeated until the document (built by `build`) would pass `CAP` bytes or `max_units`.
fn fill(
    build: impl Fn(&str) -> String,
    unit: impl Fn(usize) -> String,
    max_units: usize,
) -> String {
    let room = CAP - build("").len();
    let mut filler = String::with_capacity(room);
    for i in 0..max_units {
        let u = unit(i);
        if filler.len() + u.len() > room {
            break;
        }
        filler.push_str(&u);
    }
    build(&filler)
}

fn nested(depth: usize, open: &str, close: &str) -> String {
    format!("{}{}", open.repeat(depth), close.repeat(depth))
}

fn shapes() -> Vec<(&'static str, Vec<u8>)> {
    let plain = |f: &str| signed_with(f, "", None);
    let mut v: Vec<(&'static str, String)> = Vec::new();
    // The parser: depth (Response > Assertion > AttributeStatement, then 60 more levels: the limit is 64).
    v.push((
        "deep nesting (60 levels, repeated)",
        fill(plain, |_| nested(60, "<d>", "</d>"), usize::MAX),
    ));
    v.push((
        "many siblings (empty elements, node cap)",
        fill(plain, |_| "<s/>".to_string(), NODES),
    ));
    v.push((
        "many attributes (64 per element)",
        fill(
            plain,
            |_| {
                let attrs: String = (0..64).map(|i| format!(" a{i}=\"\"")).collect();
                format!("<a{attrs}/>")
            },
            usize::MAX,
        ),
    ));
    v.push((
        "many namespace declarations (7 levels of 32, all used)",
        fill(
            plain,
            |_| {
                let mut s = String::new();
                for level in 0..7 {
                    let decls: String = (0..32)
                        .map(|i| format!(" xmlns:n{level}x{i}=\"urn:{i}\" n{level}x{i}:a=\"\""))
                        .collect();
                    s.push_str(&format!("<n{level}x0:e{decls}>"));
                }
                for level in (0..7).rev() {
                    s.push_str(&format!("</n{level}x0:e>"));
                }
                s
            },
            usize::MAX,
        ),
    ));
    // Canonicalization: the longest accepted prefix list, every prefix in scope, times the most elements.
    // (At most 32 declarations per element: 30 of the prefixes are declared on the Response, 32 on the Assertion
    // and the last 2 on an element around the filler.)
    let prefixes: Vec<String> = (0..64).map(|i| format!("p{i}")).collect();
    let decls = |range: std::ops::Range<usize>| -> String {
        prefixes[range]
            .iter()
            .map(|p| format!("xmlns:{p}=\"urn:{p}\""))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (outer, inner, wrapper) = (decls(32..62), decls(0..32), decls(62..64));
    let list = prefixes.join(" ");
    let with_list = |f: &str| {
        signed_with(&format!("<w {wrapper}>{f}</w>"), &inner, Some(&list)).replacen(
            "<samlp:Response ",
            &format!("<samlp:Response {outer} "),
            1,
        )
    };
    v.push((
        "prefix list (64) x elements (node cap), all in scope",
        fill(with_list, |_| "<e/>".to_string(), NODES),
    ));
    v.push((
        "prefix list (64) x elements redeclaring them",
        fill(
            with_list,
            |i| {
                let d: String = (0..32)
                    .map(|k| format!(" xmlns:p{}=\"urn:{i}\"", (i + k) % 64))
                    .collect();
                format!("<e{d}/>")
            },
            usize::MAX,
        ),
    ));
    v.push((
        "prefix list of 100,000+ prefixes (refused)",
        fill(
            |f| signed_with("", "", Some(f)),
            |i| format!("p{i} "),
            usize::MAX,
        ),
    ));
    // One long namespace URI repeated on every child by exclusive c14n, just under the 16 MiB output cap.
    let uri = format!("urn:{}", "u".repeat(16_000));
    v.push((
        "c14n blow-up (29 KB in, 16 MB canonical, just under the cap)",
        signed_with(
            &"<big:x/>".repeat(1000),
            &format!("xmlns:big=\"{uri}\""),
            None,
        ),
    ));
    let uri = format!("urn:{}", "u".repeat(500_000));
    v.push((
        "c14n blow-up (500 KB URI x 90,000 children, refused)",
        fill(
            |f| signed_with(f, &format!("xmlns:big=\"{uri}\""), None),
            |_| "<big:x/>".to_string(),
            usize::MAX,
        ),
    ));
    // The response rules.
    v.push((
        "many Assertions under the Response",
        fill(
            |f| {
                genuine(&Params::default()).replacen(
                    "<samlp:Status>",
                    &format!("{f}<samlp:Status>"),
                    1,
                )
            },
            |_| "<saml:Assertion/>".to_string(),
            NODES,
        ),
    ));
    v.push((
        "many Assertions misplaced inside the Assertion",
        fill(plain, |_| "<saml:Assertion/>".to_string(), NODES),
    ));
    v.push((
        "many Signatures inside the Assertion",
        fill(
            plain,
            |_| "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>".to_string(),
            NODES,
        ),
    ));
    v.push((
        "many IDs (unique)",
        fill(plain, |i| format!("<e ID=\"_{i:07}\"/>"), NODES),
    ));
    v.push((
        "many IDs (one duplicate at the end)",
        fill(
            |f| signed_with(&format!("{f}<e ID=\"_0000000\"/>"), "", None),
            |i| format!("<e ID=\"_{i:07}\"/>"),
            NODES,
        ),
    ));
    v.push((
        "many attributes with comment-injected values",
        fill(
            |f| {
                genuine(&Params::default()).replacen(
                    "</saml:AttributeStatement>",
                    &format!("{f}</saml:AttributeStatement>"),
                    1,
                )
            },
            |i| format!("<saml:Attribute Name=\"a{i}\"><saml:AttributeValue>x<!---->y</saml:AttributeValue></saml:Attribute>"),
            NODES / 5,
        ),
    ));
    v.push((
        "many bearer SubjectConfirmations",
        fill(
            |f| {
                genuine(&Params::default()).replacen(
                    "</saml:Subject>",
                    &format!("{f}</saml:Subject>"),
                    1,
                )
            },
            |_| format!("<saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"><saml:SubjectConfirmationData NotOnOrAfter=\"2026-11-25T12:05:00Z\" Recipient=\"{ACS}\"/></saml:SubjectConfirmation>"),
            NODES / 2,
        ),
    ));
    // Text.
    v.push((
        "long text (one NameID)",
        fill(
            |f| {
                genuine(&Params::default()).replacen(
                    "alice@example.com</saml:NameID>",
                    &format!("{f}</saml:NameID>"),
                    1,
                )
            },
            |_| "x".repeat(4096),
            usize::MAX,
        ),
    ));
    v.push((
        "long text of character references",
        fill(plain, |_| "&amp;&#65;".to_string(), usize::MAX),
    ));
    v.push((
        "long attribute value of character references",
        fill(
            |f| plain(&format!("<e a=\"{f}\"/>")),
            |_| "&#9;&lt;".to_string(),
            usize::MAX,
        ),
    ));
    // Signature parts decoded before the key is known.
    v.push((
        "huge KeyInfo certificate (base64)",
        fill(
            |f| {
                genuine(&Params::default()).replacen(
                    "<ds:X509Certificate>",
                    &format!("<ds:X509Certificate>{f}"),
                    1,
                )
            },
            |_| "QUJD".repeat(1024),
            usize::MAX,
        ),
    ));
    for (name, tag) in [
        ("huge DigestValue (base64)", "<ds:DigestValue>"),
        ("huge SignatureValue (base64)", "<ds:SignatureValue>"),
    ] {
        v.push((
            name,
            fill(
                |f| genuine(&Params::default()).replacen(tag, &format!("{tag}{f}"), 1),
                |_| "QUJD".repeat(512),
                usize::MAX,
            ),
        ));
    }
    let mut out: Vec<(&'static str, Vec<u8>)> =
        v.into_iter().map(|(n, x)| (n, x.into_bytes())).collect();
    // The same worst parser shape, as a pasted base64 value (decoded size at the cap).
    let deep = out.first().map(|(_, x)| x.clone()).unwrap_or_default();
    out.push((
        "deep nesting, pasted as base64",
        base64::engine::general_purpose::STANDARD
            .encode(&deep)
            .into_bytes(),
    ));
    out
}

fn first_failure(r: &Report) -> String {
    match r.checks().iter().find(|c| !c.ok) {
        Some(c) => c.id.to_string(),
        None if r.valid() => "VALID".to_string(),
        None => "(no check)".to_string(),
    }
}

fn bench(c: &mut Criterion) {
    let policy: Policy = policy();
    let runs: usize = std::env::var("WORST_CASE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let only = std::env::var("WORST_CASE_ONLY").ok();
    let shapes: Vec<_> = shapes()
        .into_iter()
        .filter(|(n, _)| only.as_deref().is_none_or(|o| n.contains(o)))
        .collect();
    eprintln!(
        "{:<66} {:>9} {:>10} {:>10}  first failed check",
        "shape", "bytes", "worst ms", "CPU ms"
    );
    let mut worst = Duration::ZERO;
    for (name, input) in &shapes {
        let mut wall = Duration::ZERO;
        let mut cpu = 0u64;
        let mut verdict = String::new();
        for _ in 0..runs {
            let before = thread_cpu_ns();
            let t = Instant::now();
            let r = validate(std::hint::black_box(input), &policy);
            let elapsed = t.elapsed();
            if let (Some(b), Some(a)) = (before, thread_cpu_ns()) {
                cpu = cpu.max(a - b);
            }
            wall = wall.max(elapsed);
            assert!(!r.valid(), "{name}: a crafted input was accepted");
            verdict = first_failure(&r);
        }
        worst = worst.max(wall);
        eprintln!(
            "{name:<66} {:>9} {:>10.1} {:>10.1}  {verdict}",
            input.len(),
            wall.as_secs_f64() * 1000.0,
            cpu as f64 / 1e6,
        );
    }
    eprintln!(
        "worst of all shapes: {:.1} ms (budget: 1,000 ms){}",
        worst.as_secs_f64() * 1000.0,
        if worst > Duration::from_secs(1) {
            "  OVER BUDGET"
        } else {
            ""
        }
    );
    let mut group = c.benchmark_group("worst_case");
    for (name, input) in &shapes {
        group.bench_function(*name, |b| {
            b.iter(|| validate(std::hint::black_box(input), &policy))
        });
    }
    group.finish();
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

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
