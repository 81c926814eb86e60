//! The diagnosis (issue 21) on the demo pairing run with each planted fault through the real HTTP endpoints: the
//! step every fault is named at, and that no fault ever ends in a passing, undiagnosed login.

use std::sync::OnceLock;
use std::time::Duration;

use ssopilot_peers::clock::SystemClock;
use ssopilot_peers::demo_idp::fault::Fault;
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::secrets::SecretBytes;
use ssopilot_peers::test_login::demo::{self, DemoError, DemoRun};
use ssopilot_wizard::diagnosis::{diagnose, Diagnosis, Outcome, SpNeeds, Words};
use ssopilot_wizard::profiles::Profiles;
use ssopilot_wizard::test_login::SeenPage;
use ssopilot_wizard::view::{Severity, StepId};

fn key() -> IdpKey {
    static K: OnceLock<IdpKey> = OnceLock::new();
    let k = K.get_or_init(|| IdpKey::generate_ephemeral().expect("RSA key"));
    IdpKey::from_pkcs8(SecretBytes::new(k.pkcs8().to_vec())).expect("key copy")
}

fn needs(run: &DemoRun) -> SpNeeds {
    SpNeeds {
        attributes: run.attribute_map.keys().cloned().collect(),
        name_id_email: true,
        user_email: Some(run.sp_user.clone()),
        requested_at: Some(run.requested_at),
    }
}

/// Runs the demo pairing (with `fault`) and diagnoses it as the CLI does; the flag says whether the validator
/// passed the response (false when there was none).
async fn run(fault: Option<Fault>) -> (Option<Diagnosis>, bool) {
    let profiles = Profiles::builtin().unwrap();
    let profile = profiles.idp("demo");
    let words = Words {
        idp: "the demo IdP",
        sp: "the test SP",
        profile,
    };
    let clock = SystemClock::shared();
    let timeout = Duration::from_secs(20);
    let result = match fault {
        Some(f) => demo::run_with_fault(key(), timeout, clock, f).await,
        None => demo::run_with_clock(key(), timeout, clock).await,
    };
    match result {
        Ok(run) => (
            diagnose(Outcome::Response(&run.report), &needs(&run), words),
            run.report.valid(),
        ),
        Err(DemoError::IdpRefused { page, .. }) => {
            let seen = SeenPage {
                url: String::new(),
                title: page.title,
                text: page.text,
                status: Some(page.status),
            };
            (
                diagnose(Outcome::IdpPage(&seen), &SpNeeds::default(), words),
                false,
            )
        }
        Err(e) => panic!("{fault:?}: {e}"),
    }
}

fn expected_step(f: Fault) -> StepId {
    match f {
        Fault::WrongAcs
        | Fault::WrongAudience
        | Fault::WrongIdpEntityId
        | Fault::Unsigned
        | Fault::ResponseOnlySigned
        | Fault::Sha1
        | Fault::NameidFormat
        | Fault::StatusResponder => StepId::IdpApp,
        Fault::RotatedCertificate => StepId::Certificate,
        Fault::IdpClockAhead | Fault::IdpClockBehind | Fault::ExpiredAssertion => StepId::TestLogin,
        Fault::AttributeCase | Fault::AttributeMissing | Fault::EmailCase => StepId::Attributes,
        Fault::UserNotAssigned => StepId::AssignUsers,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_fault_ever_passes_and_each_is_named_at_its_step() {
    let (d, valid) = run(None).await;
    assert!(valid && d.is_none(), "the fault-free pairing passes: {d:?}");
    for f in Fault::ALL {
        let (d, valid) = run(Some(f)).await;
        let d = d.unwrap_or_else(|| panic!("{f}: passed undiagnosed (validator: {valid})"));
        assert_eq!(d.step_id, expected_step(f), "{f}: {d:?}");
        assert!(!d.cause.is_empty() && !d.fix.is_empty(), "{f}: {d:?}");
        // A response the validator accepts is only ever a warning or an SP-side need.
        if valid {
            assert!(
                matches!(
                    f,
                    Fault::AttributeCase
                        | Fault::AttributeMissing
                        | Fault::EmailCase
                        | Fault::NameidFormat
                ),
                "{f}: the validator passed it"
            );
        }
        assert_eq!(
            d.severity == Severity::Warning,
            f == Fault::EmailCase,
            "{f}: {d:?}"
        );
    }
}
