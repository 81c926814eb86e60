// Generated from crates/wizard/src/view.rs by ts-rs: do not edit.
// Regenerate with `SSOPILOT_WRITE_TS=1 cargo test -p ssopilot-wizard --test it ts_contract`.

/**
 * The nine steps of the journey, in order (see `shared/design/product.md`).
 */
export type StepId = "providers" | "sp_values" | "idp_app" | "attributes" | "certificate" | "assign_users" | "test_login" | "enable" | "enforce";

/**
 * A field the UI sets with [`Action::SetField`], named in JSON in snake_case (`"acs_url"`). A typed name means an
 * unknown one is refused where the action is read ("unknown variant `password`, expected one of ..."), not deep in
 * the wizard.
 */
export type Field = "idp_profile" | "sp_profile" | "acs_url" | "sp_entity_id" | "idp_entity_id" | "sign_assertion" | "idp_sso_url" | "idp_certificate" | "users_assigned" | "test_user" | "site_url" | "sso_enabled" | "enforce_understood" | "enforce_confirm" | "demo_encrypt_assertions";

/**
 * How a step stands, as shown in the step list.
 */
export type StepStatus = "complete" | "incomplete" | "locked";

/**
 * One line of the step list.
 */
export type StepSummary = { id: StepId, 
/**
 * 1-based position, as the admin sees it.
 */
number: number, title: string, status: StepStatus, 
/**
 * Why the step is not complete / locked, in plain words. `None` when complete.
 */
reason: string | null, };

/**
 * Whether Next can be pressed, and if not, the core's reason.
 */
export type NextState = { enabled: boolean, 
/**
 * Shown beside the disabled Next button, e.g. "ACS URL must be an absolute https URL".
 */
reason: string | null, };

/**
 * A message for the admin that is not tied to a field (e.g. "your saved progress was unreadable and was moved to …").
 */
export type Notice = { severity: Severity, text: string, };

export type Severity = "error" | "warning" | "info";

/**
 * One selectable option of a [`Block::Choice`].
 */
export type ChoiceOption = { value: string, label: string, description: string | null, 
/**
 * A short tag beside the label ("Recommended to try SSO Pilot").
 */
badge: string | null, 
/**
 * Why this option cannot be chosen now (the demo IdP without a keychain); the UI shows it disabled with this text.
 */
unavailable: string | null, };

/**
 * One row of the attribute map: the SP's attribute name is filled from the IdP's attribute.
 */
export type AttributeRowView = { sp_name: string, idp_name: string, 
/**
 * A problem with this row (empty name, duplicate SP name, ...).
 */
error: string | null, };

/**
 * One finding of a checker (the certificate doctor...), in plain words with what to do.
 */
export type FindingView = { 
/**
 * The checker's stable code (`missing_armor`, `private_key`...).
 */
code: string, severity: Severity, message: string, hint: string, };

/**
 * One row of a [`Block::Facts`].
 */
export type FactRow = { label: string, value: string, };

/**
 * One building block of a step page. The UI has one component per kind.
 */
export type Block = { "kind": "practice", faults: Array<FaultOptionView>, planted: string | null, help: string, } | { "kind": "heading", text: string, } | { "kind": "text", text: string, } | { "kind": "instruction", text: string, menu_path: string | null, } | { "kind": "choice", field: Field, label: string, help: string | null, options: Array<ChoiceOption>, value: string | null, } | { "kind": "input", field: Field, label: string, help: string | null, placeholder: string | null, value: string, 
/**
 * Blocks completion of the step.
 */
error: string | null, 
/**
 * Worth knowing, does not block.
 */
warning: string | null, multiline: boolean, 
/**
 * Show a copy button beside the field (the value is also needed in the other portal).
 */
copy: boolean, } | { "kind": "checkbox", field: Field, label: string, help: string | null, value: boolean, error: string | null, } | { "kind": "value", label: string, value: string, help: string | null, copy: boolean, } | { "kind": "attribute_map", sp_label: string, idp_label: string, rows: Array<AttributeRowView>, 
/**
 * Problems with the map as a whole (a required attribute missing...).
 */
error: string | null, warning: string | null, } | { "kind": "certificate_input", field: Field, label: string, help: string | null, placeholder: string | null, value: string, 
/**
 * Set when the core removed what was pasted (it held a private key): the UI must show `value` (empty) at
 * once, even while the field has the focus, and show this note.
 */
note: string | null, } | { "kind": "certificate_verdict", 
/**
 * The field that "Use the repaired version" sets to `repaired_pem`.
 */
field: Field, usable: boolean, headline: string, 
/**
 * Errors first, then warnings, then information.
 */
findings: Array<FindingView>, 
/**
 * The normalized PEM, when it differs from what was pasted and is safe to use instead.
 */
repaired_pem: string | null, } | { "kind": "certificate_pem", label: string, pem: string, help: string | null, } | { "kind": "validity_timeline", 
/**
 * Dates as YYYY-MM-DD (UTC).
 */
not_before: string, not_after: string, today: string, 
/**
 * Days from `not_before` to `not_after` (at least 1).
 */
total_days: number, 
/**
 * Days from `not_before` to today: negative before the period, above `total_days` after it.
 */
elapsed_days: number, days_left: number, 
/**
 * Error: not valid today; warning: expires soon; info: valid.
 */
status: Severity, caption: string, } | { "kind": "facts", rows: Array<FactRow>, } | { "kind": "callout", severity: Severity, text: string, } | { "kind": "metadata_import", side: MetadataSide, title: string, help: string, url_placeholder: string, 
/**
 * The URL being fetched: show progress and a Cancel button.
 */
fetching: string | null, 
/**
 * Why the last import failed; nothing was changed.
 */
error: string | null, 
/**
 * The file describes several entities: the admin picks one by its entity ID.
 */
choose: Array<string>, 
/**
 * The import would overwrite values the admin set: old and new side by side, applied only on confirmation.
 */
changes: Array<MetadataChange>, 
/**
 * What the last import did.
 */
result: string | null, 
/**
 * What the metadata check found, errors first.
 */
findings: Array<MetadataFinding>, } | { "kind": "group_grants", label: string, help: string | null, groups: Array<GroupGrantView>, error: string | null, } | { "kind": "button", label: string, action: Action, primary: boolean, help: string | null, disabled_reason: string | null, } | { "kind": "secret_value", label: string, value: string, help: string | null, } | { "kind": "report_export", title: string, help: string, 
/**
 * Suggested file name (Markdown) for the save dialog; `.html` saves HTML.
 */
file_name: string, markdown: string, 
/**
 * Suggested file name of the support bundle (`wizard::bundle`), saved through its own dialog.
 */
bundle_file_name: string, } | { "kind": "watch_banner", title: string, actions: Array<WatchAction>, } | { "kind": "rotation" } & RotationView | { "kind": "metadata_export", title: string, help: string, 
/**
 * Suggested file name for the save dialog.
 */
file_name: string, 
/**
 * The XML, when the SP values allow it.
 */
xml: string | null, 
/**
 * Why there is no XML.
 */
error: string | null, } | { "kind": "test_login_way", way: TestWay, title: string, text: string, 
/**
 * Plain instructions, in order.
 */
steps: Array<string>, 
/**
 * The button that starts this way ("Open the login window").
 */
start_label: string, 
/**
 * login window: the address the window opens; loopback: the test SP's ACS URL while it waits.
 */
url: string | null, 
/**
 * Waiting for the sign-in: show progress and a Cancel (loopback) or Stop (login window) button.
 */
running: boolean, 
/**
 * login window: a response was captured and is held: offer `continue_label` and Stop.
 */
captured: boolean, continue_label: string | null, 
/**
 * Why this way cannot run now (the button is disabled with this text).
 */
unavailable: string | null, 
/**
 * What this way proves, in particular whether its pass unlocks step 9 (Enforce).
 */
note: string, 
/**
 * paste: the text kept from the last check (nothing typed is lost).
 */
value: string, 
/**
 * The last error of this way (timeout, a window that could not open...).
 */
error: string | null, 
/**
 * login window: the ways the sign-in can start, the chosen one, and its request; `None` for the others.
 */
start: LoginStartView | null, 
/**
 * paste: the SP's private key for an encrypted response (loaded through the shell's `paste_key_open`).
 */
decryption_key: DecryptionKeyView | null, } | { "kind": "test_report" } & TestReportView | { "kind": "exchange", idp_initiated: boolean, sp_label: string, idp_label: string, acs_label: string, legs: Array<ExchangeLeg>, caption: string, };

/**
 * The three ways of step 7.
 */
export type TestWay = "login_window" | "loopback" | "paste";

/**
 * How the login window starts the sign-in (step 7), as the profiles allow.
 */
export type LoginStart = "sp_initiated" | "idp_initiated" | "sp_login_page";

/**
 * The login window's ways to start, with what each proves.
 */
export type LoginStartView = { options: Array<LoginStartOption>, 
/**
 * SP-initiated and chosen: how the AuthnRequest travels and whether it is signed.
 */
request: RequestView | null, 
/**
 * IdP-initiated and chosen, with a link the admin copies from the IdP's portal.
 */
link: LaunchLinkView | null, };

/**
 * The SP private key for the next pasted-response check: which one is loaded, and how it is kept.
 */
export type DecryptionKeyView = { 
/**
 * "sp-key.pem (public key SHA-256 …)" once loaded.
 */
loaded: string | null, 
/**
 * In memory only, for the next check; never saved, logged or put in a report.
 */
note: string, };

/**
 * One way to start, as offered.
 */
export type LoginStartOption = { start: LoginStart, label: string, 
/**
 * What a pass this way proves and what it leaves unchecked, in plain words.
 */
proves: string, chosen: boolean, 
/**
 * The best way for this configuration (preselected).
 */
recommended: boolean, };

/**
 * The AuthnRequest of an SP-initiated start: HTTP-POST instead of HTTP-Redirect, signed or not, and why.
 */
export type RequestView = { post: boolean, sign: boolean, 
/**
 * Where the choice comes from (the IdP's metadata, the admin) and what signing needs.
 */
note: string, 
/**
 * When the request is signed: the test SP's certificate (PEM) the IdP checks the signature with, to give to
 * the IdP's application; `None` until its key is read from the keychain.
 */
certificate: string | null, };

/**
 * The IdP's launch link the admin copies from the portal, in its words.
 */
export type LaunchLinkView = { label: string, help: string | null, value: string, };

/**
 * The parties of a SAML exchange.
 */
export type Party = "browser" | "sp" | "idp" | "acs";

/**
 * How a leg of the exchange went.
 */
export type LegState = "done" | "failed" | "not_run";

/**
 * One arrow of the exchange picture.
 */
export type ExchangeLeg = { id: string, from: Party, to: Party, label: string, state: LegState, 
/**
 * Why the leg failed (the first failed check on it).
 */
problem: string | null, };

/**
 * One check of a test-login report.
 */
export type ReportCheckView = { id: string, ok: boolean, message: string, expected: string | null, found: string | null, hint: string | null, 
/**
 * Where a failure is fixed: the UI's "Go to step N" sends `Action::GoTo { step }`.
 */
step: StepId, step_number: number, step_title: string, 
/**
 * A failure fixed in another step than the test login: show the "Go to step N" button.
 */
fix_elsewhere: boolean, };

/**
 * How an attribute of the map arrived.
 */
export type AttributeArrival = "received" | "wrong_case" | "missing" | "not_mapped";

/**
 * One attribute as the SP will receive it.
 */
export type ReportAttributeView = { 
/**
 * The SP's name from step 4 (empty for an attribute that is not in the map).
 */
sp_name: string, 
/**
 * The IdP attribute that fills it (step 4).
 */
idp_name: string, 
/**
 * The name in the response.
 */
received_as: string | null, values: Array<string>, arrival: AttributeArrival, note: string | null, };

/**
 * A suggested mapping for an SP attribute that did not arrive under its own name: the arrived name that most
 * likely carries it (another case or spacing, an alias, an OID name, an Entra claim URI).
 */
export type AttributeSuggestionView = { 
/**
 * The SP's name from step 4.
 */
sp_attribute: string, 
/**
 * The name in the response.
 */
idp_attribute: string, 
/**
 * `case`, `spacing`, `alias`, `oid` or `claim_uri`.
 */
reason: string, 
/**
 * The reason in plain words, with what to change.
 */
text: string, };

/**
 * The most likely cause of a failed (or doubtful) test login, and where and how to fix it.
 */
export type Diagnosis = { 
/**
 * What is wrong, in plain words, with both values.
 */
cause: string, 
/**
 * The step that fixes it, numbered as the wizard shows it.
 */
step: number, step_id: StepId, step_title: string, 
/**
 * The change to make, in the IdP portal's words where its profile has them.
 */
fix: string, 
/**
 * What the SP expected and what arrived, when the cause is a value.
 */
expected: string | null, found: string | null, 
/**
 * `warning` when the login works but will bite later (the email's case); else `error`.
 */
severity: Severity, 
/**
 * The validator's rule id when a failed check is the cause.
 */
rule: string | null, };

/**
 * Our clock against the IdP's.
 */
export type ClockView = { 
/**
 * RFC 3339, UTC.
 */
checked_at: string, issue_instant: string | null, 
/**
 * `checked_at - issue_instant`, in seconds.
 */
difference_seconds: number | null, allowed_seconds: number, ok: boolean, text: string, };

/**
 * One line of the pretty-printed response.
 */
export type XmlLine = { depth: number, text: string, 
/**
 * Inside an element whose signature verified with the configured certificate.
 */
signed: boolean, 
/**
 * Inside the assertion that arrived encrypted (shown decrypted).
 */
decrypted: boolean, };

/**
 * One fault on step 1's practice list.
 */
export type FaultOptionView = { 
/**
 * The contract name (`attribute-case`), sent back in `Action::PlantFault`.
 */
name: string, 
/**
 * What is wrong, in one line.
 */
summary: string, };

/**
 * The banner every screen shows while practice mode is on.
 */
export type PracticeView = { fault: string, fixed: boolean, 
/**
 * What is planted and what practice mode means, in plain words.
 */
text: string, };

/**
 * The test-login report (see [`Block::TestReport`]).
 */
export type TestReportView = { passed: boolean, 
/**
 * "Login window", "Loopback test SP", "Pasted response".
 */
source: string, 
/**
 * How the sign-in started, as the response shows it (SP- or IdP-initiated) and what that leaves unchecked;
 * `None` when the response was not read that far.
 */
flow: string | null, headline: string, 
/**
 * Which configured certificate signed ("Signed with the next certificate (SHA-256 …)"), or, when the IdP
 * signs with a certificate it publishes that is not configured, that the IdP switched and what to do.
 */
signed_by: string | null, 
/**
 * What this result means for the evidence (recorded, or why not).
 */
evidence_note: string, evidence_severity: Severity, 
/**
 * Failed first, then passed.
 */
checks: Array<ReportCheckView>, 
/**
 * Checks that could not be evaluated for this way, with why.
 */
not_evaluated: Array<string>, attributes: Array<ReportAttributeView>, 
/**
 * Mappings suggested from what arrived, for step 4's attributes that did not arrive under their own name.
 */
attribute_suggestions: Array<AttributeSuggestionView>, 
/**
 * The one most likely cause, the step that fixes it and the change ([`crate::diagnosis`]); `None` when
 * nothing is wrong.
 */
diagnosis: Diagnosis | null, clock: ClockView | null, xml: Array<XmlLine>, xml_note: string, 
/**
 * What arrived encrypted and which key decrypted it, when anything did.
 */
decrypted: string | null, 
/**
 * Suggested file name (without extension) for the export's save dialog.
 */
export_name: string, };

/**
 * Formats of the test-login report export.
 */
export type ReportFormat = "markdown" | "html";

/**
 * One user group of the demo IdP in [`Block::GroupGrants`].
 */
export type GroupGrantView = { name: string, 
/**
 * Members as "First Last (email)".
 */
members: Array<string>, granted: boolean, };

/**
 * Whose metadata is imported: the IdP's (step 3) or the SP's (step 2).
 */
export type MetadataSide = "idp" | "sp";

/**
 * One value an import would change.
 */
export type MetadataChange = { label: string, old: string, new: string, };

/**
 * One finding of the metadata check, in plain words.
 */
export type MetadataFinding = { severity: Severity, message: string, hint: string, };

/**
 * What needs doing, one kind per code. The names are a contract (monitoring matches on them).
 */
export type WatchCode = "certificate_expired" | "certificate_expires_soon" | "certificate_unreadable" | "rotation_started" | "certificate_switched" | "entity_id_changed" | "sso_url_changed" | "metadata_unavailable" | "test_login_missing" | "test_login_stale" | "test_login_old";

/**
 * One thing the admin should do, with the step of the wizard where it is done.
 */
export type WatchAction = { code: WatchCode, severity: Severity, 
/**
 * Plain words: what is wrong and what to do.
 */
message: string, 
/**
 * The wizard's step that fixes it.
 */
step: StepId, 
/**
 * Whole days until the certificate expires (negative once expired); certificate expiry only.
 */
days_left?: number, 
/**
 * The time the message is about (a certificate's end of validity, a test login), RFC 3339 UTC; shown as
 * people read it by the CLI and the UI.
 */
at?: string, };

/**
 * Where a rotation stands, for the summary and the CLI.
 */
export type RotationStatus = { current_sha256: string, 
/**
 * `None` until the next certificate is imported.
 */
next_sha256: string | null, 
/**
 * Which certificate signed the last passing test login of this configuration ("current" or "next").
 */
last_signed_by: string | null, 
/**
 * A passing test login was signed with the next certificate: the old one can be retired.
 */
can_retire: boolean, 
/**
 * The order of the switch for this pairing, one step a line.
 */
order: Array<string>, };

/**
 * The summary's "Rehearse a certificate rotation" block.
 */
export type RotationView = { title: string, status: RotationStatus, 
/**
 * With the demo IdP: what its next rotation step does (the label of [`crate::view::Action::RotateDemoKey`]).
 */
demo_action: string | null, 
/**
 * With the demo IdP: where its rotation stands, in words.
 */
demo_phase: string | null, };

/**
 * The current step's content.
 */
export type StepPage = { id: StepId, number: number, title: string, intro: string, blocks: Array<Block>, next: NextState, back_enabled: boolean, };

/**
 * Everything the UI needs to draw the wizard.
 */
export type WizardView = { steps: Array<StepSummary>, current: StepId, page: StepPage, notices: Array<Notice>, 
/**
 * Practice mode's banner, on every screen while a fault is planted.
 */
practice: PracticeView | null, };

/**
 * What the UI may ask the core to do. Every action returns the new [`WizardView`].
 */
export type Action = { "type": "set_field", field: Field, value: string, } | { "type": "go_to", step: StepId, } | { "type": "next" } | { "type": "back" } | { "type": "add_attribute" } | { "type": "remove_attribute", index: number, } | { "type": "set_attribute", index: number, side: AttributeSide, value: string, } | { "type": "reset_attributes" } | { "type": "dismiss_notice", index: number, } | { "type": "import_metadata", side: MetadataSide, text: string, } | { "type": "import_metadata_file", side: MetadataSide, path: string, } | { "type": "choose_metadata_entity", side: MetadataSide, entity_id: string, } | { "type": "confirm_metadata_import", side: MetadataSide, } | { "type": "cancel_metadata_import", side: MetadataSide, } | { "type": "set_group_grant", group: string, granted: boolean, } | { "type": "generate_auth_secret" } | { "type": "enforce" } | { "type": "check_pasted_response", text: string, } | { "type": "save_test_report", format: ReportFormat, path: string, } | { "type": "set_login_start", start: LoginStart, } | { "type": "set_login_request", post: boolean, sign: boolean, } | { "type": "set_launch_link", link: string, } | { "type": "plant_fault", fault: string, } | { "type": "leave_practice" } | { "type": "apply_attribute_suggestion", sp_attribute: string, idp_attribute: string, } | { "type": "import_next_certificate", text: string, } | { "type": "retire_old_certificate" } | { "type": "cancel_rotation" } | { "type": "rotate_demo_key" } | { "type": "forget_paste_key" };

export type AttributeSide = "sp" | "idp";

/**
 * A titled list of label/value rows.
 */
export type BundleSection = { heading: string, rows: Array<FactRow>, };

/**
 * One check of the last test login, as step 7 showed it.
 */
export type BundleCheck = { id: string, ok: boolean, message: string, hint: string | null, 
/**
 * "Step 5 (Certificate)": where a failure is fixed.
 */
step: string | null, };

/**
 * The last test login of the customer's run.
 */
export type BundleTestLogin = { valid: boolean, 
/**
 * Issuer, NameID, the certificate that signed...
 */
rows: Array<FactRow>, 
/**
 * Failed first.
 */
checks: Array<BundleCheck>, };

/**
 * One IdP certificate of the bundle, with the certificate doctor's findings.
 */
export type BundleCertificate = { 
/**
 * "The IdP certificate in use", "The IdP's next certificate (rotation)", "Listed in the IdP's metadata".
 */
heading: string, usable: boolean, rows: Array<FactRow>, findings: Array<FindingView>, pem: string | null, };

/**
 * A captured response, decoded.
 */
export type BundleResponse = { source: string, xml: string, 
/**
 * Its check against the saved configuration when the bundle was made (`ssopilot bundle --response`), drawn as a
 * test login's report is; the "Signed with" row says which certificate signed.
 */
check: BundleTestLogin | null, 
/**
 * Why it was not checked although that was asked for.
 */
not_checked: string | null, };

/**
 * The whole bundle as the UI draws it.
 */
export type BundleView = { 
/**
 * "Support bundle: Infisical (cloud) with JumpCloud".
 */
title: string, 
/**
 * Says it is someone's bundle, read-only, and that the admin's own setup is untouched.
 */
banner: string, 
/**
 * The file's name (no folder).
 */
file_name: string, 
/**
 * When the bundle was made (RFC 3339, UTC).
 */
created_at: string, 
/**
 * SSO Pilot version, platform, profile ids, whether user data is in it.
 */
about: Array<FactRow>, 
/**
 * What the bundle could not include.
 */
notes: Array<string>, current_step: StepId, steps: Array<StepSummary>, 
/**
 * What needed doing when the bundle was made.
 */
watch: Array<WatchAction>, report_title: string, report: Array<BundleSection>, test_login: BundleTestLogin | null, certificates: Array<BundleCertificate>, responses: Array<BundleResponse>, 
/**
 * The saved configuration's values as in the file (certificates are under `certificates`).
 */
configuration: Array<FactRow>, };
