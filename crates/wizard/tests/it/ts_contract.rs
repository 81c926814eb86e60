//! The TypeScript contract between the core and the UI, `ui/src/lib/types.gen.ts`, is generated from the view types
//! (ts-rs reads their serde attributes, so the TypeScript says what the JSON is). This test fails when the
//! checked-in file is stale; `SSOPILOT_WRITE_TS=1 cargo test -p ssopilot-wizard --test it ts_contract` rewrites it.

use ssopilot_wizard::view::*;
use ts_rs::{Config, TS};

use crate::generated::write_or_check;

const PATH: &str = "ui/src/lib/types.gen.ts";

/// `export type Name = ...;` with its doc comment, as ts-rs writes one type per file, here all in one.
fn decl<T: TS>(cfg: &Config, out: &mut String) {
    out.push('\n');
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push('\n');
}

/// Every type the UI receives (a [`WizardView`]) or sends (an [`Action`]), in the order of `view.rs`.
fn contract() -> String {
    // The integers of the view (day counts, seconds) are far below 2^53: JSON numbers, not bigint.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from crates/wizard/src/view.rs by ts-rs: do not edit.\n\
         // Regenerate with `SSOPILOT_WRITE_TS=1 cargo test -p ssopilot-wizard --test it ts_contract`.\n",
    );
    decl::<StepId>(&cfg, &mut out);
    decl::<Field>(&cfg, &mut out);
    decl::<StepStatus>(&cfg, &mut out);
    decl::<StepSummary>(&cfg, &mut out);
    decl::<NextState>(&cfg, &mut out);
    decl::<Notice>(&cfg, &mut out);
    decl::<Severity>(&cfg, &mut out);
    decl::<ChoiceOption>(&cfg, &mut out);
    decl::<AttributeRowView>(&cfg, &mut out);
    decl::<FindingView>(&cfg, &mut out);
    decl::<FactRow>(&cfg, &mut out);
    decl::<Block>(&cfg, &mut out);
    decl::<TestWay>(&cfg, &mut out);
    decl::<LoginStart>(&cfg, &mut out);
    decl::<LoginStartView>(&cfg, &mut out);
    decl::<DecryptionKeyView>(&cfg, &mut out);
    decl::<LoginStartOption>(&cfg, &mut out);
    decl::<RequestView>(&cfg, &mut out);
    decl::<LaunchLinkView>(&cfg, &mut out);
    decl::<Party>(&cfg, &mut out);
    decl::<LegState>(&cfg, &mut out);
    decl::<ExchangeLeg>(&cfg, &mut out);
    decl::<ReportCheckView>(&cfg, &mut out);
    decl::<AttributeArrival>(&cfg, &mut out);
    decl::<ReportAttributeView>(&cfg, &mut out);
    decl::<AttributeSuggestionView>(&cfg, &mut out);
    decl::<ssopilot_wizard::diagnosis::Diagnosis>(&cfg, &mut out);
    decl::<ClockView>(&cfg, &mut out);
    decl::<XmlLine>(&cfg, &mut out);
    decl::<ssopilot_wizard::practice::FaultOptionView>(&cfg, &mut out);
    decl::<ssopilot_wizard::practice::PracticeView>(&cfg, &mut out);
    decl::<TestReportView>(&cfg, &mut out);
    decl::<ReportFormat>(&cfg, &mut out);
    decl::<GroupGrantView>(&cfg, &mut out);
    decl::<MetadataSide>(&cfg, &mut out);
    decl::<MetadataChange>(&cfg, &mut out);
    decl::<MetadataFinding>(&cfg, &mut out);
    decl::<ssopilot_wizard::watch::WatchCode>(&cfg, &mut out);
    decl::<ssopilot_wizard::watch::WatchAction>(&cfg, &mut out);
    decl::<ssopilot_wizard::rotation::RotationStatus>(&cfg, &mut out);
    decl::<ssopilot_wizard::rotation::RotationView>(&cfg, &mut out);
    decl::<StepPage>(&cfg, &mut out);
    decl::<WizardView>(&cfg, &mut out);
    decl::<Action>(&cfg, &mut out);
    decl::<AttributeSide>(&cfg, &mut out);
    // A support bundle opened back (the shell's `support_bundle_open`), read-only.
    decl::<ssopilot_wizard::bundle::view::BundleSection>(&cfg, &mut out);
    decl::<ssopilot_wizard::bundle::view::BundleCheck>(&cfg, &mut out);
    decl::<ssopilot_wizard::bundle::view::BundleTestLogin>(&cfg, &mut out);
    decl::<ssopilot_wizard::bundle::view::BundleCertificate>(&cfg, &mut out);
    decl::<ssopilot_wizard::bundle::view::BundleResponse>(&cfg, &mut out);
    decl::<ssopilot_wizard::bundle::view::BundleView>(&cfg, &mut out);
    out
}

#[test]
fn ts_contract() {
    write_or_check(
        "SSOPILOT_WRITE_TS",
        "ts_contract",
        None,
        &[(PATH.to_owned(), contract())],
    );
}
