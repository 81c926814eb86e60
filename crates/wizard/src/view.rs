//! What the UI renders and what it may send back.
//!
//! The core decides everything (which steps exist, which are complete, why Next is disabled, which labels a
//! provider's portal uses); the UI only draws a [`WizardView`] and turns clicks and keystrokes into [`Action`]s.
//! These types are serialised to JSON for the Tauri shell and for `ssopilot state show --json`, so field names are
//! part of the contract with the UI. Its TypeScript, `ui/src/lib/types.gen.ts`, is generated from them (ts-rs reads
//! the serde attributes): after a change, run `SSOPILOT_WRITE_TS=1 cargo test -p ssopilot-wizard --test it
//! ts_contract` (and `SSOPILOT_WRITE_FIXTURES=1 ... ui_fixtures` for the UI tests' views); CI fails while either is
//! stale.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use ssopilot_saml::response::Fix;

/// The nine steps of the journey, in order (see `shared/design/product.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, TS)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    Providers,
    SpValues,
    IdpApp,
    Attributes,
    Certificate,
    AssignUsers,
    TestLogin,
    Enable,
    Enforce,
}

impl StepId {
    /// The step where the validator's [`Fix`] is made: the one place where the protocol's fixes meet the journey.
    pub fn for_fix(fix: Fix) -> Self {
        match fix {
            Fix::Capture => StepId::TestLogin,
            Fix::SpValues => StepId::SpValues,
            Fix::IdpApplication => StepId::IdpApp,
            Fix::Certificate => StepId::Certificate,
            Fix::Attributes => StepId::Attributes,
            Fix::UserAccess => StepId::AssignUsers,
        }
    }
}

/// How a step stands, as shown in the step list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Everything the step needs is there and valid.
    Complete,
    /// Reachable, but something is missing or invalid (see `reason`).
    Incomplete,
    /// Not reachable yet: an earlier step must be completed first (see `reason`).
    Locked,
}

/// One line of the step list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StepSummary {
    pub id: StepId,
    /// 1-based position, as the admin sees it.
    pub number: u8,
    pub title: String,
    pub status: StepStatus,
    /// Why the step is not complete / locked, in plain words. `None` when complete.
    pub reason: Option<String>,
}

/// Whether Next can be pressed, and if not, the core's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NextState {
    pub enabled: bool,
    /// Shown beside the disabled Next button, e.g. "ACS URL must be an absolute https URL".
    pub reason: Option<String>,
}

/// A message for the admin that is not tied to a field (e.g. "your saved progress was unreadable and was moved to …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Notice {
    pub severity: Severity,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// One selectable option of a [`Block::Choice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChoiceOption {
    pub value: String,
    pub label: String,
    pub description: Option<String>,
    /// A short tag beside the label ("Recommended to try SSO Pilot").
    #[serde(default)]
    pub badge: Option<String>,
    /// Why this option cannot be chosen now (the demo IdP without a keychain); the UI shows it disabled with this text.
    #[serde(default)]
    pub unavailable: Option<String>,
}

/// One row of the attribute map: the SP's attribute name is filled from the IdP's attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AttributeRowView {
    pub sp_name: String,
    pub idp_name: String,
    /// A problem with this row (empty name, duplicate SP name, ...).
    pub error: Option<String>,
}

/// One finding of a checker (the certificate doctor...), in plain words with what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FindingView {
    /// The checker's stable code (`missing_armor`, `private_key`...).
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub hint: String,
}

/// One row of a [`Block::Facts`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FactRow {
    pub label: String,
    pub value: String,
}

/// One building block of a step page. The UI has one component per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Step 1, demo IdP: practice mode's fault list and the planted one.
    Practice {
        faults: Vec<crate::practice::FaultOptionView>,
        planted: Option<String>,
        help: String,
    },
    /// A heading inside the page (e.g. a tab of the IdP's portal: "SSO tab").
    Heading { text: String },
    /// Plain explanatory text.
    Text { text: String },
    /// A numbered instruction, optionally with the portal's menu path ("User Authentication > SSO").
    Instruction {
        text: String,
        menu_path: Option<String>,
    },
    /// Pick one of several options (radio group).
    Choice {
        field: Field,
        label: String,
        help: Option<String>,
        options: Vec<ChoiceOption>,
        value: Option<String>,
    },
    /// A text field the admin types or pastes into; validated by the core on every change.
    Input {
        field: Field,
        label: String,
        help: Option<String>,
        placeholder: Option<String>,
        value: String,
        /// Blocks completion of the step.
        error: Option<String>,
        /// Worth knowing, does not block.
        warning: Option<String>,
        multiline: bool,
        /// Show a copy button beside the field (the value is also needed in the other portal).
        copy: bool,
    },
    /// A confirmation the admin ticks after doing something in a portal ("I checked Sign Assertion").
    Checkbox {
        field: Field,
        label: String,
        help: Option<String>,
        value: bool,
        error: Option<String>,
    },
    /// A read-only value to copy into a portal, labelled in that portal's words.
    Value {
        label: String,
        value: String,
        help: Option<String>,
        copy: bool,
    },
    /// The SP attribute name <- IdP attribute name table.
    AttributeMap {
        sp_label: String,
        idp_label: String,
        rows: Vec<AttributeRowView>,
        /// Problems with the map as a whole (a required attribute missing...).
        error: Option<String>,
        warning: Option<String>,
    },
    /// The pasted certificate (step 5): a text area with an "open a file" button. Checked by the core on every change.
    CertificateInput {
        field: Field,
        label: String,
        help: Option<String>,
        placeholder: Option<String>,
        value: String,
        /// Set when the core removed what was pasted (it held a private key): the UI must show `value` (empty) at
        /// once, even while the field has the focus, and show this note.
        note: Option<String>,
    },
    /// The certificate doctor's verdict and findings, with the repaired version to offer in one click.
    CertificateVerdict {
        /// The field that "Use the repaired version" sets to `repaired_pem`.
        field: Field,
        usable: bool,
        headline: String,
        /// Errors first, then warnings, then information.
        findings: Vec<FindingView>,
        /// The normalized PEM, when it differs from what was pasted and is safe to use instead.
        repaired_pem: Option<String>,
    },
    /// A certificate as PEM text, with its BEGIN/END lines, to copy.
    CertificatePem {
        label: String,
        pem: String,
        help: Option<String>,
    },
    /// A validity period as a picture: the UI draws it; the core gives the dates and the day counts.
    ValidityTimeline {
        /// Dates as YYYY-MM-DD (UTC).
        not_before: String,
        not_after: String,
        today: String,
        /// Days from `not_before` to `not_after` (at least 1).
        total_days: i64,
        /// Days from `not_before` to today: negative before the period, above `total_days` after it.
        elapsed_days: i64,
        days_left: i64,
        /// Error: not valid today; warning: expires soon; info: valid.
        status: Severity,
        caption: String,
    },
    /// Label/value pairs to read (a certificate's subject, issuer, key...).
    Facts { rows: Vec<FactRow> },
    /// A message inside the page.
    Callout { severity: Severity, text: String },
    /// Fill this step's values from the other side's metadata: a file, pasted XML or a URL (see
    /// `wizard::metadata_import`). At most one of `fetching`, `choose` and `changes` is set at a time.
    MetadataImport {
        side: MetadataSide,
        title: String,
        help: String,
        url_placeholder: String,
        /// The URL being fetched: show progress and a Cancel button.
        fetching: Option<String>,
        /// Why the last import failed; nothing was changed.
        error: Option<String>,
        /// The file describes several entities: the admin picks one by its entity ID.
        choose: Vec<String>,
        /// The import would overwrite values the admin set: old and new side by side, applied only on confirmation.
        changes: Vec<MetadataChange>,
        /// What the last import did.
        result: Option<String>,
        /// What the metadata check found, errors first.
        findings: Vec<MetadataFinding>,
    },
    /// The demo IdP's user groups, each granted the application or not (step 6 with the demo IdP). Ticking a group
    /// sends [`Action::SetGroupGrant`].
    GroupGrants {
        label: String,
        help: Option<String>,
        groups: Vec<GroupGrantView>,
        error: Option<String>,
    },
    /// A button that sends `action` (Generate, Go to step 7, Record enforcement). Disabled with `disabled_reason`.
    Button {
        label: String,
        action: Action,
        primary: bool,
        help: Option<String>,
        disabled_reason: Option<String>,
    },
    /// A secret to copy into a server's settings (AUTH_SECRET): hidden until the admin shows it, with a copy button.
    /// It comes from the OS keychain and is never saved or logged.
    SecretValue {
        label: String,
        value: String,
        help: Option<String>,
    },
    /// The summary report: save it as Markdown or HTML (the core writes the file) or copy the Markdown.
    ReportExport {
        title: String,
        help: String,
        /// Suggested file name (Markdown) for the save dialog; `.html` saves HTML.
        file_name: String,
        markdown: String,
        /// Suggested file name of the support bundle (`wizard::bundle`), saved through its own dialog.
        bundle_file_name: String,
    },
    /// What needs doing on the finished setup (`wizard::watch`, run when the app starts), most urgent first.
    WatchBanner {
        title: String,
        actions: Vec<crate::watch::WatchAction>,
    },
    /// The summary's "Rehearse a certificate rotation" (`wizard::rotation`).
    Rotation(Box<crate::rotation::RotationView>),
    /// The SP's own metadata for the IdP to import: save it to a file or copy it.
    MetadataExport {
        title: String,
        help: String,
        /// Suggested file name for the save dialog.
        file_name: String,
        /// The XML, when the SP values allow it.
        xml: Option<String>,
        /// Why there is no XML.
        error: Option<String>,
    },
    /// Step 7: one way to run a test login, in the chosen providers' words, with its state. The UI draws its
    /// buttons: `login_window` calls the shell's login-window commands, `loopback` the loopback test SP's, `paste`
    /// sends [`Action::CheckPastedResponse`].
    TestLoginWay {
        way: TestWay,
        title: String,
        text: String,
        /// Plain instructions, in order.
        steps: Vec<String>,
        /// The button that starts this way ("Open the login window").
        start_label: String,
        /// login window: the address the window opens; loopback: the test SP's ACS URL while it waits.
        url: Option<String>,
        /// Waiting for the sign-in: show progress and a Cancel (loopback) or Stop (login window) button.
        running: bool,
        /// login window: a response was captured and is held: offer `continue_label` and Stop.
        captured: bool,
        continue_label: Option<String>,
        /// Why this way cannot run now (the button is disabled with this text).
        unavailable: Option<String>,
        /// What this way proves, in particular whether its pass unlocks step 9 (Enforce).
        note: String,
        /// paste: the text kept from the last check (nothing typed is lost).
        value: String,
        /// The last error of this way (timeout, a window that could not open...).
        error: Option<String>,
        /// login window: the ways the sign-in can start, the chosen one, and its request; `None` for the others.
        start: Option<LoginStartView>,
        /// paste: the SP's private key for an encrypted response (loaded through the shell's `paste_key_open`).
        decryption_key: Option<Box<DecryptionKeyView>>,
    },
    /// Step 7: the verdict on one response, every check with its fix step, the attributes, the clock, and the
    /// decoded response with the signed part marked.
    TestReport(Box<TestReportView>),
    /// Step 7: a picture of the SAML exchange (browser, SP, IdP, ACS); the UI draws it, the core says which leg
    /// failed.
    Exchange {
        idp_initiated: bool,
        sp_label: String,
        idp_label: String,
        acs_label: String,
        legs: Vec<ExchangeLeg>,
        caption: String,
    },
}

// The test login's part of the contract (step 7): its ways, the login window's start, the exchange and the report.
mod test_login;
pub use test_login::*;

/// One user group of the demo IdP in [`Block::GroupGrants`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct GroupGrantView {
    pub name: String,
    /// Members as "First Last (email)".
    pub members: Vec<String>,
    pub granted: bool,
}

/// Whose metadata is imported: the IdP's (step 3) or the SP's (step 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MetadataSide {
    Idp,
    Sp,
}

/// One value an import would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MetadataChange {
    pub label: String,
    pub old: String,
    pub new: String,
}

/// One finding of the metadata check, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MetadataFinding {
    pub severity: Severity,
    pub message: String,
    pub hint: String,
}

/// The current step's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StepPage {
    pub id: StepId,
    pub number: u8,
    pub title: String,
    pub intro: String,
    pub blocks: Vec<Block>,
    pub next: NextState,
    pub back_enabled: bool,
}

/// A field the UI sets with [`Action::SetField`], named in JSON in snake_case (`"acs_url"`). A typed name means an
/// unknown one is refused where the action is read ("unknown variant `password`, expected one of ..."), not deep in
/// the wizard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Step 1: the identity provider's profile.
    IdpProfile,
    /// Step 1: the service provider's profile.
    SpProfile,
    /// Step 2.
    AcsUrl,
    /// Step 2.
    SpEntityId,
    /// Step 3.
    IdpEntityId,
    /// Step 3: "true" once the admin ticked the IdP's assertion-signing option.
    SignAssertion,
    /// Step 3.
    IdpSsoUrl,
    /// Step 5: the IdP's signing certificate (PEM); filled by the demo IdP or an IdP metadata import.
    IdpCertificate,
    /// Step 6: "true" once the admin granted the application to a user group in the IdP.
    UsersAssigned,
    /// Step 6: the account that does the test login.
    TestUser,
    /// Step 2, self-hosted SPs: the instance's public address.
    SiteUrl,
    /// Step 8: "true" once the admin switched SAML SSO on in the SP.
    SsoEnabled,
    /// Step 9: "true" once the admin read what enforcing does and the lock-out risk.
    EnforceUnderstood,
    /// Step 9: the SP's name, typed to confirm enforcing.
    EnforceConfirm,
    /// Step 7 with the demo IdP: "true" turns on its "encrypt assertions" for the loopback test SP.
    DemoEncryptAssertions,
}

impl Field {
    /// Every field, for checks over all of them.
    pub const ALL: [Field; 15] = [
        Field::IdpProfile,
        Field::SpProfile,
        Field::AcsUrl,
        Field::SpEntityId,
        Field::IdpEntityId,
        Field::SignAssertion,
        Field::IdpSsoUrl,
        Field::IdpCertificate,
        Field::UsersAssigned,
        Field::TestUser,
        Field::SiteUrl,
        Field::SsoEnabled,
        Field::EnforceUnderstood,
        Field::EnforceConfirm,
        Field::DemoEncryptAssertions,
    ];

    /// The name in JSON (what `serde` writes), for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::IdpProfile => "idp_profile",
            Field::SpProfile => "sp_profile",
            Field::AcsUrl => "acs_url",
            Field::SpEntityId => "sp_entity_id",
            Field::IdpEntityId => "idp_entity_id",
            Field::SignAssertion => "sign_assertion",
            Field::IdpSsoUrl => "idp_sso_url",
            Field::IdpCertificate => "idp_certificate",
            Field::UsersAssigned => "users_assigned",
            Field::TestUser => "test_user",
            Field::SiteUrl => "site_url",
            Field::SsoEnabled => "sso_enabled",
            Field::EnforceUnderstood => "enforce_understood",
            Field::EnforceConfirm => "enforce_confirm",
            Field::DemoEncryptAssertions => "demo_encrypt_assertions",
        }
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the UI needs to draw the wizard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct WizardView {
    pub steps: Vec<StepSummary>,
    pub current: StepId,
    pub page: StepPage,
    pub notices: Vec<Notice>,
    /// Practice mode's banner, on every screen while a fault is planted.
    pub practice: Option<crate::practice::PracticeView>,
}

/// What the UI may ask the core to do. Every action returns the new [`WizardView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Set a text, choice or checkbox field ("true"/"false") of the current step.
    SetField {
        field: Field,
        value: String,
    },
    /// Go to a step (refused with a notice when it is locked).
    GoTo {
        step: StepId,
    },
    Next,
    Back,
    /// Append an empty row to the attribute map.
    AddAttribute,
    /// Remove a row of the attribute map.
    RemoveAttribute {
        index: usize,
    },
    /// Set one side of a row of the attribute map.
    SetAttribute {
        index: usize,
        side: AttributeSide,
        value: String,
    },
    /// Replace the attribute map with the profiles' defaults.
    ResetAttributes,
    /// Forget a notice once the admin has read it.
    DismissNotice {
        index: usize,
    },
    /// Import metadata pasted as text.
    ImportMetadata {
        side: MetadataSide,
        text: String,
    },
    /// Import a metadata file the admin picked (the path comes from the open dialog).
    ImportMetadataFile {
        side: MetadataSide,
        path: String,
    },
    /// Pick the entity to import when the file describes several.
    ChooseMetadataEntity {
        side: MetadataSide,
        entity_id: String,
    },
    /// Apply the pending import, overwriting the values shown as old.
    ConfirmMetadataImport {
        side: MetadataSide,
    },
    /// Keep the current values: drop the pending import (or the entity choice).
    CancelMetadataImport {
        side: MetadataSide,
    },
    /// Step 6 with the demo IdP: grant the application to a user group, or take it back.
    SetGroupGrant {
        group: String,
        granted: bool,
    },
    /// Step 8, self-hosted SPs: make AUTH_SECRET (kept in the OS keychain) unless one is there already.
    GenerateAuthSecret,
    /// Step 9: record that SSO is enforced (refused unless the test-login evidence is valid and confirmed).
    Enforce,
    /// Step 7: check a response pasted from a browser tracer (base64, URL-encoded, a form body or XML).
    CheckPastedResponse {
        text: String,
    },
    /// Step 7: write the last test-login report to `path` (from the save dialog).
    SaveTestReport {
        format: ReportFormat,
        path: String,
    },
    /// Step 7: how the login window starts the sign-in.
    SetLoginStart {
        start: LoginStart,
    },
    /// Step 7, SP-initiated: the AuthnRequest's binding (HTTP-POST or HTTP-Redirect) and whether it is signed.
    SetLoginRequest {
        post: bool,
        sign: bool,
    },
    /// Step 7, IdP-initiated: the IdP's launch link, copied from its portal.
    SetLaunchLink {
        link: String,
    },
    /// Step 1, demo IdP: plant a misconfiguration (practice mode); `LeavePractice` ends it.
    PlantFault {
        fault: String,
    },
    LeavePractice,
    /// Step 7's "Apply in step 4": the report's attribute suggestion into step 4's map.
    ApplyAttributeSuggestion {
        sp_attribute: String,
        idp_attribute: String,
    },
    /// Rotation: import the IdP's next certificate (PEM or the IdP's metadata XML; empty: the demo IdP's).
    ImportNextCertificate {
        text: String,
    },
    /// Rotation: retire the old certificate (once a passing test login was signed with the next one).
    RetireOldCertificate,
    /// Rotation: drop the next certificate.
    CancelRotation,
    /// Rotation with the demo IdP: its next step (publish a next key, sign with it, retire the old one).
    RotateDemoKey,
    /// Step 7: drop the SP private key loaded for the next pasted-response check.
    ForgetPasteKey,
}

/// The SP private key for the next pasted-response check: which one is loaded, and how it is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DecryptionKeyView {
    /// "sp-key.pem (public key SHA-256 …)" once loaded.
    pub loaded: Option<String>,
    /// In memory only, for the next check; never saved, logged or put in a report.
    pub note: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AttributeSide {
    Sp,
    Idp,
}
