//! Interop with a real IdP from Debian: Lasso 2.8 (python3-lasso) as an identity provider
//! (crates/testkit/py/lasso_idp_http.py, run by the system python3 on 127.0.0.1), with
//! `WantAuthnRequestsSigned="false"` ("open") and `"true"` with Lasso's signature check forced ("strict"); the
//! harness is `foreign_idp`. SP-initiated logins on HTTP-Redirect and HTTP-POST are accepted; the strict IdP answers
//! our signed requests and refuses unsigned ones, and ones signed by another key, with Lasso's error on the page the
//! browser gets; an IdP-initiated response (Lasso's `initIdpInitiatedAuthnRequest`) is accepted by a test SP waiting
//! for one. Skipped with a message when python3-lasso is not installed, except in CI.

use std::process::Command;
use std::sync::OnceLock;

use ssopilot_saml::request::RequestBinding;
use ssopilot_testkit::peer_support::{system_python_module_or_skip, SYSTEM_PYTHON};

use crate::foreign_idp::Pair;

const USER: &str = "lee.lasso@example.org";

fn lasso() -> Option<&'static Pair> {
    static L: OnceLock<Option<Pair>> = OnceLock::new();
    L.get_or_init(|| {
        system_python_module_or_skip("lasso", "python3-lasso", "the Lasso interop tests").then(
            || {
                Pair::start("Lasso", USER, |key, cert, open, strict| {
                    let mut cmd = Command::new(SYSTEM_PYTHON);
                    cmd.arg(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/../testkit/py/lasso_idp_http.py"
                    ))
                    .args([key, cert, open, strict])
                    .arg(USER);
                    cmd
                })
            },
        )
    })
    .as_ref()
}

#[test]
fn lasso_not_wanting_signed_requests_answers_ours_on_both_bindings() {
    if let Some(l) = lasso() {
        l.answers_unsigned_requests_on_both_bindings();
    }
}

/// Lasso's errors: on HTTP-Redirect no SigAlg ("invalid signature algorithm") or a query signature that does not
/// verify; on HTTP-POST no Signature element, or one that fails to verify with the SP metadata's certificate.
#[test]
fn lasso_wanting_signed_requests_answers_ours_and_refuses_unsigned_or_foreign_ones() {
    if let Some(l) = lasso() {
        l.wants_signed_requests("Lasso refused the AuthnRequest", |binding| match binding {
            RequestBinding::Redirect => ("DsInvalidSigalgError", "DsInvalidSignatureError"),
            RequestBinding::Post => (
                "DsSignatureNotFoundError",
                "DsSignatureVerificationFailedError",
            ),
        });
    }
}

#[test]
fn lasso_idp_initiated_response_is_accepted_as_unsolicited() {
    if let Some(l) = lasso() {
        l.idp_initiated_is_accepted();
    }
}
