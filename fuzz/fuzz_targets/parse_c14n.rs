//! Parse arbitrary bytes into the hardened tree and canonicalize every element subtree: must never panic, and the
//! canonical form of an accepted document must itself parse to the same canonical form (c14n is idempotent).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssopilot_saml::c14n::canonicalize;
use ssopilot_saml::xml::{parse_bytes, Limits};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = parse_bytes(data, &Limits::default()) else { return };
    let root = canonicalize(&doc, doc.root(), None, &[]).expect("root is an element");
    for e in doc.elements().take(64) {
        let _ = canonicalize(&doc, e, None, &["#default".to_string()]);
    }
    let again = parse_bytes(&root, &Limits::default()).expect("canonical form parses");
    let root2 = canonicalize(&again, again.root(), None, &[]).expect("root is an element");
    assert_eq!(root, root2, "exclusive c14n is not idempotent");
});
