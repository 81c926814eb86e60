//! Issue 18, "Smaller": `response check` and `cert check` never disagree silently about a configured certificate
//! outside its validity dates. The validator still trusts it (the verdict does not change), but warns, with the
//! dates, at the Certificate step.

use ssopilot_testkit::response_support;

use response_support::*;
use ssopilot_saml::response::validate;
use ssopilot_saml::response::{Fix, Rule};
use time::Duration;

/// Validates a genuine response signed by an IdP whose certificate is valid from `nb` to `na` (relative to NOW).
fn validate_dated(nb: Duration, na: Duration) -> (ssopilot_saml::response::Report, Idp) {
    let idp = ec256_idp_dated(NOW + nb, NOW + na);
    let p = Params::default();
    let xml = sign_assertion(&response_xml(&p), &p, &idp);
    (validate(xml.as_bytes(), &policy_for(&idp)), idp)
}

#[test]
fn an_expired_certificate_is_reported_as_a_warning_with_its_dates() {
    let (r, idp) = validate_dated(Duration::days(-400), Duration::days(-30));
    // The verdict the tests already pin is unchanged: the signature verifies with the configured certificate.
    assert!(r.valid(), "{:?}", r.failed());
    let c = r
        .check(Rule::SigningCertificateValidity)
        .expect("a validity check");
    assert!(c.ok);
    assert_eq!(c.fix, Fix::Certificate);
    assert!(c.message.starts_with("warning:"), "{}", c.message);
    assert!(
        c.message.contains("expired on 2026-10-26T12:00:00Z"),
        "{}",
        c.message
    );
    assert!(c.message.contains("NOT USABLE"));
    assert_eq!(
        c.expected.as_deref(),
        Some("valid from 2025-10-21T12:00:00Z to 2026-10-26T12:00:00Z")
    );
    assert_eq!(c.found.as_deref(), Some("now 2026-11-25T12:00:00Z"));
    assert!(c.hint.is_some());
    assert_eq!(r.warnings(), vec![c.message.clone()]);
    // `cert check` on the same certificate at the same moment.
    let doctor = ssopilot_saml::cert::check(&idp.cert_der, NOW);
    assert!(!doctor.usable);
}

#[test]
fn a_certificate_not_valid_yet_is_reported_as_a_warning_with_its_dates() {
    let (r, _) = validate_dated(Duration::days(2), Duration::days(400));
    assert!(r.valid(), "{:?}", r.failed());
    let c = r
        .check(Rule::SigningCertificateValidity)
        .expect("a validity check");
    assert!(c.ok);
    assert_eq!(c.fix, Fix::Certificate);
    assert!(
        c.message
            .contains("not valid yet (it starts on 2026-11-27T12:00:00Z)"),
        "{}",
        c.message
    );
    assert_eq!(r.warnings().len(), 1);
}

#[test]
fn response_check_and_cert_check_agree_on_every_certificate() {
    for (nb, na) in [
        (Duration::days(-400), Duration::days(-30)),
        (Duration::days(-400), Duration::seconds(-1)),
        (Duration::days(-400), Duration::days(30)),
        (Duration::days(-1), Duration::days(400)),
        (Duration::seconds(1), Duration::days(400)),
        (Duration::days(30), Duration::days(400)),
    ] {
        let (r, idp) = validate_dated(nb, na);
        assert!(r.valid(), "{:?}", r.failed());
        let doctor = ssopilot_saml::cert::check(&idp.cert_der, NOW);
        let warned = r.check(Rule::SigningCertificateValidity).is_some();
        assert_eq!(
            warned, !doctor.usable,
            "valid {nb} .. {na}: response check warned {warned}, cert check usable {}",
            doctor.usable
        );
        assert_eq!(r.warnings().len(), usize::from(warned));
    }
}

#[test]
fn a_current_certificate_adds_nothing() {
    let r = validate(genuine(&Params::default()).as_bytes(), &policy());
    assert!(r.valid());
    assert!(r.check(Rule::SigningCertificateValidity).is_none());
    assert!(r.warnings().is_empty());
}
