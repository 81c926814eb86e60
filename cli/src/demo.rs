//! `ssopilot demo`: the whole pairing on loopback (demo IdP + test SP), a scripted sign-in as a demo user through
//! the real HTTP endpoints, and the report. Exit 0 when every check passed, 1 otherwise.
//!
//! `--fault NAME` plants one misconfiguration (issue 21; `--list-faults` lists them) and always exits 1: the report
//! then carries the diagnosis (the most likely cause, the step that fixes it, the change in the demo IdP's words).
//!
//! It is one process: the demo IdP and the test SP that trusts it live and end together, so the demo IdP signs with a
//! temporary key made for this run, in memory only. It needs no keychain and writes no file.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use ssopilot_peers::clock::SharedClock;
use ssopilot_peers::demo_idp::fault::Fault;
use ssopilot_peers::demo_idp::key::{IdpKey, TEMPORARY_KEY_NOTE};
use ssopilot_peers::test_login::demo::{self, DemoError, DemoRun};
use ssopilot_wizard::diagnosis::{diagnose, Diagnosis, Outcome, SpNeeds, Words};
use ssopilot_wizard::profiles::Profiles;
use ssopilot_wizard::test_login::SeenPage;

use super::test_login::print_report;
use crate::outcome;
use crate::text::{self, Format, FormatArgs};

/// The demo pairing's SP, as diagnoses name it.
const SP_NAME: &str = "SSO Pilot's test SP";

#[derive(Args)]
pub struct DemoArgs {
    /// Plant one misconfiguration (see --list-faults) and diagnose the failed login; exits 1.
    #[arg(long, value_name = "NAME")]
    fault: Option<String>,
    /// List the faults --fault can plant, one line each.
    #[arg(long, conflicts_with = "fault")]
    list_faults: bool,
    #[command(flatten)]
    output: FormatArgs,
}

fn list_faults(format: Format) -> ExitCode {
    if format == Format::Json {
        let list: Vec<_> = Fault::ALL
            .iter()
            .map(|f| serde_json::json!({"name": f.name(), "summary": f.summary()}))
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else {
        let width = Fault::ALL.iter().map(|f| f.name().len()).max().unwrap_or(0);
        for f in Fault::ALL {
            println!("{:width$}  {}", f.name(), f.summary());
        }
    }
    ExitCode::SUCCESS
}

pub fn run(a: DemoArgs, clock: &SharedClock) -> ExitCode {
    let format = a.output.format();
    if a.list_faults {
        return list_faults(format);
    }
    let fault = match a.fault.as_deref().map(str::parse::<Fault>).transpose() {
        Ok(f) => f,
        Err(e) => return outcome::usage_in("ssopilot demo", e),
    };
    let key = match IdpKey::temporary(
        "`ssopilot demo` runs the demo IdP and the test SP in one process, so nothing needs to keep it",
    ) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let rt = match ssopilot_peers::runtime::current_thread() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let timeout = Duration::from_secs(30);
    let clock = std::sync::Arc::clone(clock);
    let result = rt.block_on(async {
        match fault {
            Some(f) => demo::run_with_fault(key, timeout, clock, f).await,
            None => demo::run_with_clock(key, timeout, clock).await,
        }
    });
    let profiles = Profiles::builtin().ok();
    let profile = profiles.as_ref().and_then(|p| p.idp("demo"));
    let words = Words {
        idp: profile.map_or("the demo IdP", |p| p.portal.name.as_str()),
        sp: SP_NAME,
        profile,
    };
    if let Some(f) = fault {
        eprintln!("Planted fault: {} ({})", f.name(), f.summary());
    }
    match result {
        Ok(run) => report_run(format, &run, fault, words),
        Err(DemoError::IdpRefused { step, page }) if fault.is_some() => {
            let seen = SeenPage {
                url: String::new(),
                title: page.title.clone(),
                text: page.text.clone(),
                status: Some(page.status),
            };
            let diagnosis = diagnose(Outcome::IdpPage(&seen), &SpNeeds::default(), words);
            eprintln!("The IdP stopped the sign-in while {step}: no response was sent.");
            if format == Format::Json {
                let v = serde_json::json!({
                    "fault": fault.map(Fault::name),
                    "report": null,
                    "evidence": null,
                    "idp_page": {"status": page.status, "title": page.title, "text": page.text},
                    "diagnosis": diagnosis,
                });
                println!("{v}");
            } else {
                print!(
                    "The IdP answered HTTP {} \"{}\": {}\n\n",
                    page.status, page.title, page.text
                );
                print_diagnosis(diagnosis.as_ref());
            }
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn report_run(format: Format, run: &DemoRun, fault: Option<Fault>, words: Words<'_>) -> ExitCode {
    eprintln!(
        "Demo IdP:  {} (entity ID {}; {TEMPORARY_KEY_NOTE})",
        run.idp_base_url, run.idp_entity_id
    );
    eprintln!(
        "Test SP:   entity ID {}, ACS {}",
        run.sp_entity_id, run.acs_url
    );
    for s in &run.steps {
        eprintln!("  - {s}");
    }
    let needs = SpNeeds {
        attributes: run.attribute_map.keys().cloned().collect(),
        name_id_email: true,
        user_email: Some(run.sp_user.clone()),
        requested_at: Some(run.requested_at),
    };
    let diagnosis = diagnose(Outcome::Response(&run.report), &needs, words);
    match format {
        Format::Json => {
            let v = serde_json::json!({
                "fault": fault.map(Fault::name),
                "report": ssopilot_wizard::test_login::export::json(&run.report),
                "evidence": run.evidence,
                "diagnosis": diagnosis,
            });
            println!("{v}");
        }
        _ => {
            print_report(format, &run.report, run.evidence.as_ref());
            if diagnosis.is_some() || fault.is_some() {
                println!();
                print_diagnosis(diagnosis.as_ref());
            }
        }
    }
    let passed = run.report.valid() && diagnosis.is_none();
    match (fault, passed) {
        (None, true) => {
            eprintln!("Demo test login passed: the pairing works end to end.");
            ExitCode::SUCCESS
        }
        (Some(f), true) => {
            eprintln!(
                "The planted fault {} was NOT detected: please report this to the SSO Pilot developers.",
                f.name()
            );
            ExitCode::from(1)
        }
        (_, false) => {
            let failed = run.report.failed();
            if failed.is_empty() {
                eprintln!("Demo test login FAILED: the response passed every check, but the SP cannot use it as it is (see the diagnosis).");
            } else {
                eprintln!("Demo test login FAILED: {}", failed.join(", "));
            }
            ExitCode::from(1)
        }
    }
}

/// The diagnosis as text: the cause, the values, the step and the change.
fn print_diagnosis(d: Option<&Diagnosis>) {
    let Some(d) = d else {
        println!("Diagnosis: none (nothing points to a cause).");
        return;
    };
    println!("Diagnosis");
    println!("  Cause:    {}", text::human_times_in(&d.cause));
    if let Some(e) = &d.expected {
        println!("  Expected: {}", text::human_times_in(e));
    }
    if let Some(f) = &d.found {
        println!("  Found:    {}", text::human_times_in(f));
    }
    println!("  Fix at:   step {} ({})", d.step, d.step_title);
    println!("  Change:   {}", text::human_times_in(&d.fix));
}
