// The JSON contract between the core and the UI. The types are generated from crates/wizard/src/view.rs into
// types.gen.ts (do not edit that file; after changing view.rs run
// `SSOPILOT_WRITE_TS=1 cargo test -p ssopilot-wizard --test it ts_contract`, and CI fails while it is stale).
// This module re-exports them and names each kind of block for its component.

import type { Block } from "./types.gen";

export type * from "./types.gen";

/** The block of one kind, e.g. `BlockOf<"input">`. */
export type BlockOf<K extends Block["kind"]> = Extract<Block, { kind: K }>;

export type HeadingBlock = BlockOf<"heading">;
export type TextBlock = BlockOf<"text">;
export type InstructionBlock = BlockOf<"instruction">;
export type ChoiceBlock = BlockOf<"choice">;
export type InputBlock = BlockOf<"input">;
export type CheckboxBlock = BlockOf<"checkbox">;
export type ValueBlock = BlockOf<"value">;
export type AttributeMapBlock = BlockOf<"attribute_map">;
export type CertificateInputBlock = BlockOf<"certificate_input">;
export type CertificateVerdictBlock = BlockOf<"certificate_verdict">;
export type CertificatePemBlock = BlockOf<"certificate_pem">;
export type ValidityTimelineBlock = BlockOf<"validity_timeline">;
export type FactsBlock = BlockOf<"facts">;
export type CalloutBlock = BlockOf<"callout">;
export type MetadataImportBlock = BlockOf<"metadata_import">;
export type GroupGrantsBlock = BlockOf<"group_grants">;
export type ButtonBlock = BlockOf<"button">;
export type SecretValueBlock = BlockOf<"secret_value">;
export type ReportExportBlock = BlockOf<"report_export">;
export type WatchBannerBlock = BlockOf<"watch_banner">;
export type RotationBlock = BlockOf<"rotation">;
export type MetadataExportBlock = BlockOf<"metadata_export">;
export type TestLoginWayBlock = BlockOf<"test_login_way">;
export type TestReportBlock = BlockOf<"test_report">;
export type ExchangeBlock = BlockOf<"exchange">;
