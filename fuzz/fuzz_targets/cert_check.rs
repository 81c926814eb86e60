//! Fuzz target for the certificate doctor: `check` must never panic, must keep its `usable` rule, and its repaired
//! PEM must be a fixed point (checking it again yields the same certificate and needs no repair).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssopilot_saml::cert::check;
use ssopilot_saml::findings::has_errors;

fuzz_target!(|data: &[u8]| {
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_600);
    let r = check(data, now);
    assert_eq!(r.usable, r.der().is_some() && !has_errors(&r.findings));
    assert!(serde_json::to_string(&r).is_ok());
    if let (Some(der), Some(pem)) = (r.der(), r.pem.as_deref()) {
        let again = check(pem.as_bytes(), now);
        assert_eq!(again.der(), Some(der));
        assert!(!again.repaired, "the normalized PEM needs no repair");
        assert_eq!(again.pem.as_deref(), Some(pem));
    }
});
