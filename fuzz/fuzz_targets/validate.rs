//! The whole validation on arbitrary input (raw XML, base64, form bodies): must never panic and never accept
//! input that no configured key signed.
#![no_main]

#[path = "common.rs"]
mod common;

use common::policy;
use libfuzzer_sys::fuzz_target;
use ssopilot_saml::response::validate;

fuzz_target!(|data: &[u8]| {
    let r = validate(data, policy());
    // The private key is dropped at start-up: nothing the fuzzer produces can carry a valid signature.
    assert!(!r.valid(), "accepted a response no configured key signed");
});
