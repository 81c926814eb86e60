//! Interop with a real IdP from npm: samlify 2.13.1 as an identity provider (crates/testkit/js/samlify_idp.js, run by
//! node on 127.0.0.1), with `wantAuthnRequestsSigned` false ("open") and true ("strict"); the harness is
//! `foreign_idp`. SP-initiated logins on HTTP-Redirect and HTTP-POST are accepted; the strict IdP answers our
//! signed requests and refuses unsigned ones, and ones signed by another key, with samlify's error on the page the
//! browser gets (not a silent timeout); an IdP-initiated response is accepted by a test SP waiting for one.
//! Skipped with a message when node or samlify is not installed, except in CI.

use std::process::Command;
use std::sync::OnceLock;

use ssopilot_saml::request::RequestBinding;
use ssopilot_testkit::peer_support::{js_dir, node_package_or_skip};

use crate::foreign_idp::Pair;

fn samlify() -> Option<&'static Pair> {
    static S: OnceLock<Option<Pair>> = OnceLock::new();
    S.get_or_init(|| {
        node_package_or_skip("samlify", "the samlify interop tests").then(|| {
            Pair::start(
                "samlify",
                "sam.lee@example.org",
                |key, cert, open, strict| {
                    let mut cmd = Command::new("node");
                    cmd.arg(js_dir().join("samlify_idp.js"))
                        .args([key, cert, open, strict])
                        .arg("sam.lee@example.org");
                    cmd
                },
            )
        })
    })
    .as_ref()
}

#[test]
fn samlify_not_wanting_signed_requests_answers_ours_on_both_bindings() {
    if let Some(s) = samlify() {
        s.answers_unsigned_requests_on_both_bindings();
    }
}

/// samlify's errors: on HTTP-Redirect the missing SigAlg or the failed query signature; on HTTP-POST a missing
/// signature fails to verify, and ours by another key carries a certificate that is not the SP metadata's.
#[test]
fn samlify_wanting_signed_requests_answers_ours_and_refuses_unsigned_or_foreign_ones() {
    if let Some(s) = samlify() {
        s.wants_signed_requests(
            "samlify refused the AuthnRequest",
            |binding| match binding {
                RequestBinding::Redirect => (
                    "ERR_MISSING_SIG_ALG",
                    "ERR_FAILED_MESSAGE_SIGNATURE_VERIFICATION",
                ),
                RequestBinding::Post => (
                    "FAILED_TO_VERIFY_SIGNATURE",
                    "ERROR_UNMATCH_CERTIFICATE_DECLARATION_IN_METADATA",
                ),
            },
        );
    }
}

#[test]
fn samlify_idp_initiated_response_is_accepted_as_unsolicited() {
    if let Some(s) = samlify() {
        s.idp_initiated_is_accepted();
    }
}
