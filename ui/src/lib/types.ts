// Mirror of src/wizard/view.rs (the JSON contract between the core and the UI). Change both together.

export type StepId =
  | "providers"
  | "sp_values"
  | "idp_app"
  | "attributes"
  | "certificate"
  | "assign_users"
  | "test_login"
  | "enable"
  | "enforce";

export type StepStatus = "complete" | "incomplete" | "locked";

export interface StepSummary {
  id: StepId;
  number: number;
  title: string;
  status: StepStatus;
  reason: string | null;
}

export interface NextState {
  enabled: boolean;
  reason: string | null;
}

export type Severity = "error" | "warning" | "info";

export interface Notice {
  severity: Severity;
  text: string;
}

export interface ChoiceOption {
  value: string;
  label: string;
  description: string | null;
  /** A short tag beside the label ("Recommended to try SSO Pilot"). */
  badge?: string | null;
  /** Why the option cannot be chosen now; the option is shown disabled with this text. */
  unavailable?: string | null;
}

export interface AttributeRowView {
  sp_name: string;
  idp_name: string;
  error: string | null;
}

export interface HeadingBlock {
  kind: "heading";
  text: string;
}
export interface TextBlock {
  kind: "text";
  text: string;
}
export interface InstructionBlock {
  kind: "instruction";
  text: string;
  menu_path: string | null;
}
export interface ChoiceBlock {
  kind: "choice";
  field: string;
  label: string;
  help: string | null;
  options: ChoiceOption[];
  value: string | null;
}
export interface InputBlock {
  kind: "input";
  field: string;
  label: string;
  help: string | null;
  placeholder: string | null;
  value: string;
  error: string | null;
  warning: string | null;
  multiline: boolean;
  copy: boolean;
}
export interface CheckboxBlock {
  kind: "checkbox";
  field: string;
  label: string;
  help: string | null;
  value: boolean;
  error: string | null;
}
export interface ValueBlock {
  kind: "value";
  label: string;
  value: string;
  help: string | null;
  copy: boolean;
}
export interface AttributeMapBlock {
  kind: "attribute_map";
  sp_label: string;
  idp_label: string;
  rows: AttributeRowView[];
  error: string | null;
  warning: string | null;
}
export interface FindingView {
  code: string;
  severity: Severity;
  message: string;
  hint: string;
}
export interface FactRow {
  label: string;
  value: string;
}
export interface CertificateInputBlock {
  kind: "certificate_input";
  field: string;
  label: string;
  help: string | null;
  placeholder: string | null;
  value: string;
  /** Set when the core removed what was pasted (a private key): show `value` at once, with this note. */
  note: string | null;
}
export interface CertificateVerdictBlock {
  kind: "certificate_verdict";
  field: string;
  usable: boolean;
  headline: string;
  findings: FindingView[];
  repaired_pem: string | null;
}
export interface CertificatePemBlock {
  kind: "certificate_pem";
  label: string;
  pem: string;
  help: string | null;
}
export interface ValidityTimelineBlock {
  kind: "validity_timeline";
  not_before: string;
  not_after: string;
  today: string;
  total_days: number;
  elapsed_days: number;
  days_left: number;
  status: Severity;
  caption: string;
}
export interface FactsBlock {
  kind: "facts";
  rows: FactRow[];
}
export interface CalloutBlock {
  kind: "callout";
  severity: Severity;
  text: string;
}

export type MetadataSide = "idp" | "sp";

export interface MetadataChange {
  label: string;
  old: string;
  new: string;
}

export interface MetadataFinding {
  severity: Severity;
  message: string;
  hint: string;
}

export interface MetadataImportBlock {
  kind: "metadata_import";
  side: MetadataSide;
  title: string;
  help: string;
  url_placeholder: string;
  fetching: string | null;
  error: string | null;
  choose: string[];
  changes: MetadataChange[];
  result: string | null;
  findings: MetadataFinding[];
}
export interface MetadataExportBlock {
  kind: "metadata_export";
  title: string;
  help: string;
  file_name: string;
  xml: string | null;
  error: string | null;
}

export interface GroupGrantView {
  name: string;
  members: string[];
  granted: boolean;
}
export interface GroupGrantsBlock {
  kind: "group_grants";
  label: string;
  help: string | null;
  groups: GroupGrantView[];
  error: string | null;
}
export interface ButtonBlock {
  kind: "button";
  label: string;
  action: Action;
  primary: boolean;
  help: string | null;
  disabled_reason: string | null;
}
export interface SecretValueBlock {
  kind: "secret_value";
  label: string;
  value: string;
  help: string | null;
}
export interface ReportExportBlock {
  kind: "report_export";
  title: string;
  help: string;
  file_name: string;
  markdown: string;
}

export type TestWay = "login_window" | "loopback" | "paste";

export interface TestLoginWayBlock {
  kind: "test_login_way";
  way: TestWay;
  title: string;
  text: string;
  steps: string[];
  start_label: string;
  url: string | null;
  running: boolean;
  captured: boolean;
  continue_label: string | null;
  unavailable: string | null;
  note: string;
  value: string;
  error: string | null;
}

export type Party = "browser" | "sp" | "idp" | "acs";
export type LegState = "done" | "failed" | "not_run";

export interface ExchangeLeg {
  id: string;
  from: Party;
  to: Party;
  label: string;
  state: LegState;
  problem: string | null;
}

export interface ExchangeBlock {
  kind: "exchange";
  idp_initiated: boolean;
  sp_label: string;
  idp_label: string;
  acs_label: string;
  legs: ExchangeLeg[];
  caption: string;
}

export interface ReportCheckView {
  id: string;
  ok: boolean;
  message: string;
  expected: string | null;
  found: string | null;
  hint: string | null;
  step: StepId;
  step_number: number;
  step_title: string;
  /** A failure fixed in another step: show the "Go to step N" button. */
  fix_elsewhere: boolean;
}

export type AttributeArrival = "received" | "wrong_case" | "missing" | "not_mapped";

export interface ReportAttributeView {
  sp_name: string;
  idp_name: string;
  received_as: string | null;
  values: string[];
  arrival: AttributeArrival;
  note: string | null;
}

export interface ClockView {
  checked_at: string;
  issue_instant: string | null;
  difference_seconds: number | null;
  allowed_seconds: number;
  ok: boolean;
  text: string;
}

export interface XmlLine {
  depth: number;
  text: string;
  signed: boolean;
}

export interface TestReportBlock {
  kind: "test_report";
  passed: boolean;
  source: string;
  headline: string;
  evidence_note: string;
  evidence_severity: Severity;
  checks: ReportCheckView[];
  not_evaluated: string[];
  attributes: ReportAttributeView[];
  clock: ClockView | null;
  xml: XmlLine[];
  xml_note: string;
  export_name: string;
}

export type ReportFormat = "markdown" | "html";

export type Block =
  | TestLoginWayBlock
  | ExchangeBlock
  | TestReportBlock
  | HeadingBlock
  | TextBlock
  | InstructionBlock
  | ChoiceBlock
  | InputBlock
  | CheckboxBlock
  | ValueBlock
  | AttributeMapBlock
  | CalloutBlock
  | MetadataImportBlock
  | MetadataExportBlock
  | CertificateInputBlock
  | CertificateVerdictBlock
  | CertificatePemBlock
  | ValidityTimelineBlock
  | FactsBlock
  | GroupGrantsBlock
  | ButtonBlock
  | SecretValueBlock
  | ReportExportBlock;

export interface StepPage {
  id: StepId;
  number: number;
  title: string;
  intro: string;
  blocks: Block[];
  next: NextState;
  back_enabled: boolean;
}

export interface WizardView {
  steps: StepSummary[];
  current: StepId;
  page: StepPage;
  notices: Notice[];
}

export type AttributeSide = "sp" | "idp";

export type Action =
  | { type: "set_field"; field: string; value: string }
  | { type: "go_to"; step: StepId }
  | { type: "next" }
  | { type: "back" }
  | { type: "add_attribute" }
  | { type: "remove_attribute"; index: number }
  | { type: "set_attribute"; index: number; side: AttributeSide; value: string }
  | { type: "reset_attributes" }
  | { type: "dismiss_notice"; index: number }
  | { type: "import_metadata"; side: MetadataSide; text: string }
  | { type: "import_metadata_file"; side: MetadataSide; path: string }
  | { type: "choose_metadata_entity"; side: MetadataSide; entity_id: string }
  | { type: "confirm_metadata_import"; side: MetadataSide }
  | { type: "cancel_metadata_import"; side: MetadataSide }
  | { type: "set_group_grant"; group: string; granted: boolean }
  | { type: "generate_auth_secret" }
  | { type: "enforce" }
  | { type: "check_pasted_response"; text: string }
  | { type: "save_test_report"; format: ReportFormat; path: string };
