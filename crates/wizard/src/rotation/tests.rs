use super::*;
use crate::assign_users::tests::to_assign_users_at;
use crate::certificate::tests::{cert_around, T0};
use crate::test_login::tests::passing_as;
use base64::Engine as _;

fn idp_metadata(ders: &[&[u8]]) -> String {
    let keys: String = ders
        .iter()
        .map(|d| {
            format!(
                "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
                base64::engine::general_purpose::STANDARD.encode(d)
            )
        })
        .collect();
    format!(
        "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://idp.example.com/md\"><md:IDPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">{keys}<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"https://idp.example.com/sso\"/></md:IDPSSODescriptor></md:EntityDescriptor>"
    )
}

#[test]
fn a_rotation_trusts_both_says_which_signed_and_retires_the_old_once_the_next_signed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_assign_users_at(dir.path(), T0);
    let m = &mut s.model;
    let current_pem = m.steps.certificate.pem.clone();
    let current = m.rotation().unwrap().current_sha256;
    assert_eq!(m.rotation().unwrap().next_sha256, None);

    // The certificate doctor refuses what is not a usable next certificate.
    assert_eq!(
        m.import_next_certificate(&current_pem),
        Err(RotationError::SameAsCurrent)
    );
    assert!(matches!(
        m.import_next_certificate("not a certificate"),
        Err(RotationError::NotUsable(_))
    ));
    let (expired, _) = cert_around(T0, -30, -1);
    assert!(matches!(
        m.import_next_certificate(&expired.pem()),
        Err(RotationError::NotUsable(_))
    ));
    assert_eq!(m.retire_old_certificate(), Err(RotationError::NoRotation));

    // From the IdP's metadata: the one certificate besides the configured one.
    let current_der = m.sp_certificates().current.clone();
    let (next_cert, _) = cert_around(T0, -1, 730);
    let next_der = next_cert.der().to_vec();
    assert_eq!(
        m.import_next_from_metadata(idp_metadata(&[&current_der]).as_bytes()),
        Err(RotationError::NoNewInMetadata)
    );
    let fp = m
        .import_next_from_metadata(idp_metadata(&[&current_der, &next_der]).as_bytes())
        .unwrap();
    assert_eq!(fp, Fingerprint::sha256(&next_der));
    let status = m.rotation().unwrap();
    assert_eq!(status.next_sha256.as_deref(), Some(fp.as_str()));
    assert!(!status.can_retire);

    // Both are trusted by the test login; saved and checked like the current one.
    let config = m.tested_config().unwrap();
    assert_eq!(
        config.idp_certs,
        vec![current_der.clone(), next_der.clone()]
    );
    let saved = m.to_saved(&Default::default());
    assert_eq!(saved.idp_next_certificate, Some(next_cert.pem()));
    crate::certificate::check_saved(&saved).unwrap();

    // A login signed with the current key: evidence, but not for retiring.
    m.steps.test_login.evidence = Some(passing_as(&config, "ada@example.com"));
    assert_eq!(
        m.rotation().unwrap().last_signed_by.as_deref(),
        Some("current")
    );
    assert_eq!(m.retire_old_certificate(), Err(RotationError::NotProven));

    // Once the IdP signs with the next key, the old one can be retired.
    let mut signed_next = passing_as(&config, "ada@example.com");
    signed_next.certificate_sha256 = fp.clone();
    m.steps.test_login.evidence = Some(signed_next);
    let status = m.rotation().unwrap();
    assert_eq!(status.last_signed_by.as_deref(), Some("next"));
    assert!(status.can_retire);
    assert_eq!(m.retire_old_certificate(), Ok(fp.clone()));
    let status = m.rotation().unwrap();
    assert_eq!(status.current_sha256, fp.as_str());
    assert_ne!(status.current_sha256, current);
    assert_eq!(status.next_sha256, None);
    assert_eq!(m.tested_config().unwrap().idp_certs, vec![next_der]);
    // The configuration changed: a test login with the new certificate alone records the evidence for it.
    assert!(matches!(m.evidence_state(), EvidenceState::Stale { .. }));
}

#[test]
fn infisical_holds_one_certificate_so_the_new_one_is_pasted_right_after_the_idp_switches() {
    let dir = tempfile::tempdir().unwrap();
    let s = to_assign_users_at(dir.path(), T0);
    let order = s.model.rotation_order().join("\n");
    assert!(
        order.contains("Infisical holds one IdP certificate"),
        "{order}"
    );
    assert!(
        order.contains("Switch JumpCloud to the new key, then at once open Infisical (Organization Settings > Authentication > SAML SSO Configuration), paste the next certificate into \"Certificate\" and press Update"),
        "{order}"
    );
    assert!(
        order.contains("do not switch JumpCloud earlier and paste later"),
        "{order}"
    );
    assert!(
        order.contains("signed with the next certificate"),
        "{order}"
    );
}

#[test]
fn the_test_login_report_says_which_certificate_signed_and_names_a_switch_the_sp_missed() {
    use crate::test_login::tests::{key, report, response_signed_by, to_test_login};
    use crate::view::Action;
    use ssopilot_peers::demo_idp::key::IdpKey;
    let paste =
        |s: &mut crate::Session, text: String| s.apply(Action::CheckPastedResponse { text });
    let next = IdpKey::generate_ephemeral().unwrap();
    let current_fp = key().fingerprint_sha256();
    let next_fp = next.fingerprint_sha256();

    // Before: the configured certificate signed.
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let v = paste(&mut s, response_signed_by(None, key()));
    assert_eq!(
        report(&v).signed_by.as_deref(),
        Some(format!("Signed with the current certificate (SHA-256 {current_fp})").as_str())
    );

    // The IdP switched but the SP was not told: the report names the cause.
    s.model.steps.certificate.metadata_certificates = vec![key().cert_pem(), next.cert_pem()];
    let v = paste(&mut s, response_signed_by(None, &next));
    let r = report(&v);
    assert!(!r.passed);
    assert!(
        r.signed_by.as_deref().unwrap().starts_with(&format!(
            "The IdP now signs with the next certificate (SHA-256 {next_fp}), which the SP does not hold"
        )),
        "{:?}",
        r.signed_by
    );

    // With the next certificate imported, the same response passes, signed with the next certificate, and the old
    // one can be retired.
    s.model.import_next_certificate(&next.cert_pem()).unwrap();
    let v = paste(&mut s, response_signed_by(None, &next));
    let r = report(&v);
    assert!(
        r.passed,
        "{:?}",
        r.checks.iter().filter(|c| !c.ok).collect::<Vec<_>>()
    );
    assert_eq!(
        r.signed_by.as_deref(),
        Some(format!("Signed with the next certificate (SHA-256 {next_fp})").as_str())
    );
    assert!(s.model.rotation().unwrap().can_retire);
    assert_eq!(s.model.retire_old_certificate(), Ok(next_fp.clone()));
    // The new certificate alone: a test login records the evidence for it.
    let v = paste(&mut s, response_signed_by(None, &next));
    assert!(report(&v).passed);
    assert!(matches!(
        s.model.evidence_state(),
        EvidenceState::Valid { ref certificate_sha256, .. } if certificate_sha256 == next_fp.as_str()
    ));
}
