//! Kill -9 in the middle of saving loses nothing saved: a child process saves progress through a real wizard
//! session as fast as it can and is killed (SIGKILL on Unix) at arbitrary moments; every time, the next start reads
//! complete, valid progress and reports nothing wrong.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ssopilot_wizard::state::Store;
use ssopilot_wizard::view::Field;
use ssopilot_wizard::view::{Action, StepId};
use ssopilot_wizard::Session;

const CHILD_ENV: &str = "SSOPILOT_CRASH_TEST_DIR";
const ACS_A: &str = "https://app.infisical.com/api/v1/sso/saml2/org-a";
const ACS_B: &str = "https://app.infisical.com/api/v1/sso/saml2/org-b";

fn set(s: &mut Session, field: Field, value: &str) {
    s.apply(Action::SetField {
        field,
        value: value.into(),
    });
}

/// Run by the test below in a child process (it is not a test on its own, hence ignored): saves forever.
#[test]
#[ignore = "helper run in a child process by kill_9_while_saving_never_leaves_a_damaged_file"]
fn child_saves_until_killed() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        panic!("{CHILD_ENV} must be set: this helper is run by kill_9_while_saving_never_leaves_a_damaged_file");
    };
    let mut s = Session::open(Store::at(dir));
    set(&mut s, Field::IdpProfile, "jumpcloud");
    set(&mut s, Field::SpProfile, "infisical");
    // From the second round on the session resumes on step 2 already; GoTo works either way.
    s.apply(Action::GoTo {
        step: StepId::SpValues,
    });
    set(&mut s, Field::SpEntityId, "https://app.infisical.com");
    println!("ready");
    for i in 0u64.. {
        set(
            &mut s,
            Field::AcsUrl,
            if i % 2 == 0 { ACS_A } else { ACS_B },
        );
    }
}

/// Kills the child when dropped, so a failing assertion never leaves it saving forever.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn kill_child_while_saving(dir: &Path, after: Duration) {
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "state_crash::child_saves_until_killed",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    // Wait until the child is saving, then let it save for a while.
    let start = Instant::now();
    while Store::at(dir)
        .load()
        .ok()
        .flatten()
        .and_then(|s| s.acs_url)
        .is_none()
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the child never saved"
        );
        assert!(
            child.0.try_wait().unwrap().is_none(),
            "the child exited early"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(after);
    child.0.kill().unwrap(); // SIGKILL: no destructor, no flush, nothing runs in the child.
    child.0.wait().unwrap();
}

#[test]
fn kill_9_while_saving_never_leaves_a_damaged_file() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..6u64 {
        kill_child_while_saving(dir.path(), Duration::from_millis(37 * round + 11));
        let saved = match Store::at(dir.path()).load() {
            Ok(Some(s)) => s,
            other => panic!("round {round}: after kill -9 the saved progress was {other:?}"),
        };
        let acs = saved.acs_url.map(|a| a.as_str().to_string());
        assert!(
            acs.as_deref() == Some(ACS_A) || acs.as_deref() == Some(ACS_B),
            "round {round}: {acs:?}"
        );
        assert_eq!(saved.current_step, StepId::SpValues);
        let v = Session::open(Store::at(dir.path())).view();
        assert!(v.notices.is_empty(), "round {round}: {:?}", v.notices);
        assert_eq!(v.current, StepId::SpValues);
    }
}
