//! Practice mode (issue 21), on step 1 with the demo IdP only: the demo IdP's applications run with one planted
//! misconfiguration ([`Fault`]) so testers and trainers can practise reading a failed test login and fixing it where
//! the diagnosis says.
//!
//! Practice is never mixed with the real configuration or its evidence: it lives in memory only (never saved), a test
//! login while it is on records no evidence ([`Model::practice_evidence_refusal`]), steps 8 and 9 stay locked while it
//! is on ([`Model::practice_lock`]), and leaving it (or choosing another IdP) forgets the practice run's report.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::view::{Block, StepId};
use crate::{step_number, step_title, Model};
use ssopilot_peers::demo_idp::fault::Fault;

/// The faults the wizard's practice mode can run: those planted in the demo IdP's application or its grants. The
/// two that change the pairing around the IdP (the SP's old certificate, a late delivery) are left to
/// `ssopilot demo --fault`.
pub const PRACTICE_FAULTS: [Fault; 14] = [
    Fault::WrongAcs,
    Fault::WrongAudience,
    Fault::WrongIdpEntityId,
    Fault::Unsigned,
    Fault::ResponseOnlySigned,
    Fault::Sha1,
    Fault::IdpClockAhead,
    Fault::IdpClockBehind,
    Fault::AttributeCase,
    Fault::AttributeMissing,
    Fault::EmailCase,
    Fault::NameidFormat,
    Fault::UserNotAssigned,
    Fault::StatusResponder,
];

/// The planted fault, and whether the admin has fixed it (the demo IdP then sends what it should again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Practice {
    pub(crate) fault: Fault,
    pub(crate) fixed: bool,
}

/// One fault on step 1's practice list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FaultOptionView {
    /// The contract name (`attribute-case`), sent back in `Action::PlantFault`.
    pub name: String,
    /// What is wrong, in one line.
    pub summary: String,
}

/// The banner every screen shows while practice mode is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PracticeView {
    pub fault: String,
    pub fixed: bool,
    /// What is planted and what practice mode means, in plain words.
    pub text: String,
}

impl Model {
    /// The planted fault the demo IdP runs with now (none once fixed).
    pub(crate) fn practice_fault(&self) -> Option<Fault> {
        self.practice.filter(|p| !p.fixed).map(|p| p.fault)
    }

    pub fn practicing(&self) -> bool {
        self.practice.is_some()
    }

    /// Plants `name` (step 1, demo IdP only); the last test-login report is forgotten so no real run is mixed in.
    pub(crate) fn plant_fault(&mut self, name: &str) -> Result<String, String> {
        if self.current != StepId::Providers {
            return Err("Practice mode is started on step 1 (Providers).".into());
        }
        if !self.demo_chosen() || self.demo_running().is_none() {
            return Err(
                "Practice mode runs on the built-in demo IdP only: choose it as the identity provider first."
                    .into(),
            );
        }
        let fault: Fault = name
            .parse()
            .map_err(|e: ssopilot_peers::demo_idp::fault::UnknownFault| e.to_string())?;
        if !PRACTICE_FAULTS.contains(&fault) {
            return Err(format!(
                "\"{fault}\" changes the pairing around the IdP, not the IdP: practise it from a terminal with \
                 `ssopilot demo --fault {fault}`."
            ));
        }
        self.practice = Some(Practice {
            fault,
            fixed: false,
        });
        self.steps.test_login.run.forget_last();
        Ok(format!(
            "Practice mode: the demo IdP now runs with \"{fault}\" ({}). Continue to step 7 and run a test login in \
             the login window to see how it is diagnosed.",
            fault.summary()
        ))
    }

    /// Leaves practice mode and forgets the practice run's report; refused while the login window is open, whose
    /// response would come from the planted fault.
    pub(crate) fn leave_practice(&mut self) -> Result<Option<String>, String> {
        if self.practice.is_some() && self.steps.test_login.run.window_open() {
            return Err(
                "Stop the login window of step 7 first, then leave practice mode: what it catches comes from the \
                 planted misconfiguration."
                    .into(),
            );
        }
        Ok(self.end_practice())
    }

    fn end_practice(&mut self) -> Option<String> {
        let p = self.practice.take()?;
        self.steps.test_login.run.forget_last_and_window();
        Some(format!(
            "Practice mode is off: the demo IdP no longer plants \"{}\" and the practice report is gone.",
            p.fault
        ))
    }

    /// Practice ends when the demo IdP is no longer the chosen IdP.
    pub(crate) fn practice_follows_demo(&mut self) -> Option<String> {
        if self.practice.is_some() && !self.demo_chosen() {
            return self.end_practice();
        }
        None
    }

    /// Marks the planted fault fixed when `fixes` is the change that repairs it.
    pub(crate) fn practice_fixed_by(&mut self, fixes: Fault) -> bool {
        match &mut self.practice {
            Some(p) if p.fault == fixes && !p.fixed => {
                p.fixed = true;
                true
            }
            _ => false,
        }
    }

    /// Why a test login records no evidence while practising.
    pub(crate) fn practice_evidence_refusal(&self) -> Option<String> {
        self.practice.map(|p| {
            format!(
                "Not recorded as evidence: this was a practice run (planted misconfiguration \"{}\"). Practice mode \
                 never produces evidence: leave practice mode on step 1 and test again.",
                p.fault
            )
        })
    }

    /// Steps 8 and 9 stay locked while practising.
    pub(crate) fn practice_lock(&self, step: StepId) -> Option<(StepId, String)> {
        (self.practice.is_some() && matches!(step, StepId::Enable | StepId::Enforce)).then(|| {
            (
                StepId::Providers,
                "practice mode is on (a planted misconfiguration); leave practice mode there"
                    .to_string(),
            )
        })
    }

    pub fn practice_view(&self) -> Option<PracticeView> {
        let p = self.practice?;
        let state = if p.fixed {
            "fixed: the demo IdP sends what it should again".to_string()
        } else {
            format!("the demo IdP runs with it: {}", p.fault.summary())
        };
        Some(PracticeView {
            fault: p.fault.name().to_string(),
            fixed: p.fixed,
            text: format!(
                "Practice: planted misconfiguration \"{}\" ({state}). Nothing here is evidence: steps {} and {} stay \
                 locked until you leave practice mode on step 1.",
                p.fault,
                step_number(StepId::Enable),
                step_number(StepId::Enforce)
            ),
        })
    }

    /// Step 1's practice block, with the demo IdP only.
    pub(crate) fn practice_block(&self) -> Option<Block> {
        (self.demo_chosen() && self.demo_running().is_some()).then(|| Block::Practice {
            faults: PRACTICE_FAULTS
                .iter()
                .map(|f| FaultOptionView {
                    name: f.name().to_string(),
                    summary: f.summary().to_string(),
                })
                .collect(),
            planted: self.practice.map(|p| p.fault.name().to_string()),
            help: format!(
                "Plant one common misconfiguration in the demo IdP, then run the test login of step {} ({}) to see \
                 it diagnosed with the step that fixes it. Practice never counts as a test of your configuration.",
                step_number(StepId::TestLogin),
                step_title(StepId::TestLogin)
            ),
        })
    }
}
