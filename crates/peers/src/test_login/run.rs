//! One loopback test login from start to end, for every front end (the CLI's `test-login`, `demo`, the desktop
//! shell): bind the test SP, start the login, let the caller show the URL (print it, open a browser, drive a
//! scripted one), wait for the response, and report it with its evidence.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use super::encryption_key::SpEncryptionKey;
use super::evidence::{Evidence, TestedConfig};
use super::{Attempt, IdpConfig, Received, RequestOptions, TestLoginError, TestSp, UnexpectedPost};
use crate::clock::SharedClock;
use ssopilot_saml::values::EntityId;

/// A test login to run.
#[derive(Debug, Clone)]
pub struct Run {
    /// Loopback only (127.0.0.1 or ::1).
    pub ip: IpAddr,
    /// 0: a free port.
    pub port: u16,
    pub sp_entity_id: EntityId,
    pub idp: IdpConfig,
    /// How long to wait for the browser once the URL is shown.
    pub timeout: StdDuration,
    /// The attribute map under test (SP field -> IdP attribute), recorded in the evidence.
    pub attribute_map: BTreeMap<String, String>,
    /// Dates the AuthnRequest, the validation, the receipt and the evidence.
    pub clock: SharedClock,
    /// The binding and signing of the AuthnRequest.
    pub requests: RequestOptions,
    /// The test SP's encryption key: an assertion the IdP encrypted for its certificate is decrypted with it.
    pub encryption: Option<Arc<SpEncryptionKey>>,
}

/// A test login that got its response (passed or not).
#[derive(Debug, Clone)]
pub struct Finished {
    pub received: Received,
    /// What was tested: the configuration the evidence is bound to.
    pub tested: TestedConfig,
    /// Present when every check passed.
    pub evidence: Option<Evidence>,
    /// POSTs to the ACS while it waited that were not this test's answer, with where they came from.
    pub unexpected: Vec<UnexpectedPost>,
}

/// Why a test login ended without a response: the test SP's own reason, or the caller's while showing the URL.
#[derive(Debug, thiserror::Error)]
pub enum RunError<E> {
    #[error(transparent)]
    TestLogin(#[from] TestLoginError),
    /// No answer came (timeout, cancel); `unexpected` holds the POSTs that were not this test's answer.
    #[error("{error}")]
    NoAnswer {
        error: TestLoginError,
        unexpected: Vec<UnexpectedPost>,
    },
    #[error("{0}")]
    Show(E),
}

/// Binds the test SP, starts a login, hands the listening SP and the attempt to `show` (which prints or opens the
/// URL, keeps the cancel handle, or signs in itself), then waits for the response and reports it. An error from
/// `show` ends the run at once (nothing is waited for).
pub async fn run<E>(
    run: Run,
    show: impl AsyncFnOnce(&TestSp, &Attempt) -> Result<(), E>,
) -> Result<Finished, RunError<E>> {
    let mut sp =
        TestSp::bind_with_clock(run.ip, run.port, run.sp_entity_id, run.idp, run.clock).await?;
    sp.set_requests(run.requests);
    sp.set_encryption_key(run.encryption);
    let attempt = sp.start()?;
    show(&sp, &attempt).await.map_err(RunError::Show)?;
    let received = match sp.wait(run.timeout).await {
        Ok(r) => r,
        Err(error) => {
            return Err(RunError::NoAnswer {
                error,
                unexpected: sp.unexpected(),
            })
        }
    };
    Ok(finish(&sp, received, run.attribute_map))
}

/// The report of a response `sp` received: what was tested and, when it passed, the evidence (dated by the test
/// SP's clock).
pub fn finish(
    sp: &TestSp,
    received: Received,
    attribute_map: BTreeMap<String, String>,
) -> Finished {
    let tested = TestedConfig {
        idp_entity_id: sp.idp().entity_id.clone(),
        sp_entity_id: sp.sp_entity_id().clone(),
        acs_url: sp.acs_url().clone(),
        idp_certs: sp.idp().certs.clone(),
        attribute_map,
    };
    let evidence = Evidence::from_report(&received.report, &tested, sp.clock().now()).ok();
    Finished {
        received,
        tested,
        evidence,
        unexpected: sp.unexpected(),
    }
}
