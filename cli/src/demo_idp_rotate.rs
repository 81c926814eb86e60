//! `ssopilot demo-idp rotate`: rehearse an IdP's signing-key rotation against the demo IdP from a terminal, in the
//! order a real IdP does it: `start` publishes a next certificate beside the current one, `switch` signs with the
//! next key (both still published), `retire` stops publishing the old certificate. The keys are the demo IdP's in
//! the OS keychain (see `ssopilot_peers::demo_idp::rotation`), so `demo-idp cert`, `metadata`, `mint` and `serve`
//! follow each step. A step out of order is refused (exit 2) with the step to run instead.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use ssopilot_peers::demo_idp::rotation::{KeyRing, Phase, RotationError};
use ssopilot_peers::secrets::Secrets;

use crate::outcome::{fail, usage_in};

#[derive(Subcommand, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RotateCommand {
    /// Where a rotation stands: the certificates the demo IdP publishes, which one it signs with, and what to do next.
    Status,
    /// Publish a next signing certificate beside the current one; the demo IdP keeps signing with the current key.
    Start,
    /// Sign with the next key from now on; both certificates stay published until `retire`.
    Switch,
    /// Stop publishing the old certificate: the rotation is over.
    Retire,
}

impl RotateCommand {
    fn name(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Start => "start",
            Self::Switch => "switch",
            Self::Retire => "retire",
        }
    }
}

/// What a step came to.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Done (or, for `status`, described): the text says what happened and what to do next.
    Done(String),
    /// Refused: not this step now. The text says why and which step comes next.
    OutOfOrder(String),
    /// The keychain failed to keep the step.
    Failed(RotationError),
}

const SERVE_NOTE: &str =
    "A running `ssopilot demo-idp serve` reads the keys when it starts: restart it to publish this step.";

/// Runs `cmd` on the keys kept in the OS keychain.
pub fn run(cmd: RotateCommand) -> ExitCode {
    let ring = match Secrets::os().map(|s| KeyRing::load(Arc::new(s))) {
        Ok(Ok(ring)) => ring,
        Ok(Err(e)) => return fail(e),
        Err(e) => {
            return fail(format!(
                "{e}. A rotation of the demo IdP's key is kept in the keychain, so it cannot be rehearsed without one"
            ))
        }
    };
    match step(cmd, &ring) {
        Outcome::Done(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Outcome::OutOfOrder(text) => {
            usage_in(&format!("ssopilot demo-idp rotate {}", cmd.name()), text)
        }
        Outcome::Failed(e) => fail(e),
    }
}

/// The certificates with their part, one line each.
fn certificate_lines(ring: &KeyRing) -> String {
    let phase = ring.phase();
    ring.certificates()
        .iter()
        .map(|c| {
            let part = match (c.signing, phase) {
                (true, Phase::Steady) => "signs responses",
                (true, Phase::Overlap) => "current: signs responses",
                (false, Phase::Overlap) => "next: published, not signing yet",
                (true, _) => "new: signs responses",
                (false, _) => "old: still published, no longer signing",
            };
            format!("  SHA-256 {}  ({part})", c.sha256.as_str())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What to do after reaching `phase`.
fn next_step(phase: Phase) -> &'static str {
    match phase {
        Phase::Steady => "Next: to rehearse a rotation, run `ssopilot demo-idp rotate start`.",
        Phase::Overlap => {
            "Next: paste the new certificate into the SP beside the current one (`ssopilot demo-idp cert` prints both; \
             `ssopilot demo-idp metadata` lists both), then run `ssopilot demo-idp rotate switch`."
        }
        Phase::Switched => {
            "Next: run a test login to see the SP accept the new certificate, remove the old certificate from the SP, \
             then run `ssopilot demo-idp rotate retire`."
        }
    }
}

fn status(ring: &KeyRing) -> String {
    let head = match ring.phase() {
        Phase::Steady => "No rotation under way: the demo IdP publishes one certificate and signs with it.",
        Phase::Overlap => {
            "A rotation is under way: the demo IdP publishes the next certificate beside the current one and still \
             signs with the current key."
        }
        Phase::Switched => {
            "A rotation is under way: the demo IdP signs with the new key; the old certificate is still published."
        }
    };
    format!(
        "{head}\n{}\n{}",
        certificate_lines(ring),
        next_step(ring.phase())
    )
}

/// Why `cmd` cannot run in `phase`, with the step that can; `None` when it can.
fn refusal(cmd: RotateCommand, phase: Phase) -> Option<String> {
    let text = match (cmd, phase) {
        (RotateCommand::Status, _)
        | (RotateCommand::Start, Phase::Steady)
        | (RotateCommand::Switch, Phase::Overlap)
        | (RotateCommand::Retire, Phase::Switched) => return None,
        (RotateCommand::Start, Phase::Overlap) => {
            "a rotation is already under way (the next certificate is published): run `ssopilot demo-idp rotate \
             switch` when the SP holds it"
        }
        (RotateCommand::Start, Phase::Switched) => {
            "a rotation is already under way (the demo IdP signs with the new key): run `ssopilot demo-idp rotate \
             retire` to finish it before starting another"
        }
        (RotateCommand::Switch, Phase::Steady) => {
            "there is no next certificate to switch to: run `ssopilot demo-idp rotate start` first (it publishes one \
             for the SP to take)"
        }
        (RotateCommand::Switch, Phase::Switched) => {
            "the demo IdP already signs with the new key: run `ssopilot demo-idp rotate retire` once the SP no longer \
             needs the old certificate"
        }
        (RotateCommand::Retire, Phase::Steady) => {
            "no rotation is under way, so there is no old certificate to retire: run `ssopilot demo-idp rotate start` \
             to begin one"
        }
        (RotateCommand::Retire, Phase::Overlap) => {
            "the demo IdP still signs with the old key, so its certificate cannot be retired: run `ssopilot demo-idp \
             rotate switch` first"
        }
    };
    Some(text.to_string())
}

/// Runs one step on `ring`.
pub(crate) fn step(cmd: RotateCommand, ring: &KeyRing) -> Outcome {
    if let Some(why) = refusal(cmd, ring.phase()) {
        return Outcome::OutOfOrder(why);
    }
    let done = match cmd {
        RotateCommand::Status => return Outcome::Done(status(ring)),
        RotateCommand::Start => ring.begin().map(|fp| {
            format!(
                "Rotation started: the demo IdP now publishes a next certificate (SHA-256 {}) beside the current \
                 one, and still signs with the current key.",
                fp.as_str()
            )
        }),
        RotateCommand::Switch => ring.switch().map(|fp| {
            format!(
                "Switched: the demo IdP now signs with the new key (SHA-256 {}); the old certificate is still \
                 published, so an SP that reads the metadata trusts both.",
                fp.as_str()
            )
        }),
        RotateCommand::Retire => ring.retire().map(|()| {
            "Rotation finished: the old certificate is retired; the demo IdP publishes and signs with the new one \
             only."
                .to_string()
        }),
    };
    match done {
        Ok(head) => Outcome::Done(format!(
            "{head}\n{}\n{}\n{SERVE_NOTE}",
            certificate_lines(ring),
            next_step(ring.phase())
        )),
        // A step raced by another process: out of order now.
        Err(
            e @ (RotationError::AlreadyRotating(_)
            | RotationError::NothingToSwitch
            | RotationError::NotSwitched),
        ) => Outcome::OutOfOrder(e.to_string()),
        Err(e) => Outcome::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(o: Outcome) -> String {
        match o {
            Outcome::Done(t) => t,
            other => panic!("not done: {other:?}"),
        }
    }

    fn refused(o: Outcome) -> String {
        match o {
            Outcome::OutOfOrder(t) => t,
            other => panic!("not refused: {other:?}"),
        }
    }

    /// The whole rehearsal on the mock keychain: each step reloaded from it as a new `ssopilot` process would.
    #[test]
    fn a_rotation_in_order_and_every_step_out_of_order() {
        let secrets = Arc::new(Secrets::mock());
        let ring = || KeyRing::load(Arc::clone(&secrets)).unwrap();
        let old = ring().signing().fingerprint_sha256();

        let s = done(step(RotateCommand::Status, &ring()));
        assert!(s.starts_with("No rotation under way"), "{s}");
        assert!(
            s.contains(old.as_str()) && s.contains("rotate start"),
            "{s}"
        );
        assert!(refused(step(RotateCommand::Switch, &ring())).contains("rotate start` first"));
        assert!(refused(step(RotateCommand::Retire, &ring())).contains("rotate start`"));

        let s = done(step(RotateCommand::Start, &ring()));
        let next = ring()
            .certificates()
            .into_iter()
            .find(|c| !c.signing)
            .unwrap()
            .sha256;
        assert!(s.starts_with("Rotation started"), "{s}");
        assert!(s.contains(next.as_str()) && s.contains(old.as_str()), "{s}");
        assert!(
            s.contains("Next: paste the new certificate into the SP")
                && s.contains("`ssopilot demo-idp rotate switch`"),
            "{s}"
        );
        assert_eq!(ring().phase(), Phase::Overlap);
        assert!(refused(step(RotateCommand::Start, &ring())).contains("already under way"));
        assert!(refused(step(RotateCommand::Retire, &ring())).contains("rotate switch` first"));
        assert!(
            done(step(RotateCommand::Status, &ring())).contains("next: published, not signing yet")
        );

        let s = done(step(RotateCommand::Switch, &ring()));
        assert!(
            s.contains(&format!("new key (SHA-256 {})", next.as_str())),
            "{s}"
        );
        assert!(s.contains("rotate retire`"), "{s}");
        assert_eq!(ring().signing().fingerprint_sha256(), next);
        assert!(refused(step(RotateCommand::Switch, &ring())).contains("already signs"));
        assert!(refused(step(RotateCommand::Start, &ring())).contains("rotate retire`"));

        let s = done(step(RotateCommand::Retire, &ring()));
        assert!(s.starts_with("Rotation finished"), "{s}");
        assert!(!s.contains(old.as_str()), "{s}");
        let r = ring();
        assert_eq!(r.phase(), Phase::Steady);
        assert_eq!(r.published().len(), 1);
        assert_eq!(r.signing().fingerprint_sha256(), next);
    }
}
