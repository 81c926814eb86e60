//! Parse arbitrary bytes as SAML metadata (IdP role, then SP role, then the entity list): must never panic, every
//! error must have a message, and what parses must serialise to the JSON `ssopilot metadata inspect --json` prints.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssopilot_saml::metadata::{list_entities, parse, Kind, Options};
use time::macros::datetime;

fuzz_target!(|data: &[u8]| {
    let now = datetime!(2026-11-25 12:00:00 UTC);
    for role in [None, Some(Kind::Idp), Some(Kind::Sp)] {
        let opts = Options {
            role,
            ..Options::default()
        };
        match parse(data, &opts, now) {
            Ok(md) => {
                let json = serde_json::to_string(&md).expect("metadata serialises");
                assert!(json.contains("\"entity_id\""));
                // Usable means no error finding; the trusted certificates are a subset of the signing ones.
                assert!(md.trusted_signing_ders().len() <= md.signing_certificates().count());
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    let _ = list_entities(data);
});
