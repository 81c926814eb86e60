//! Filling the wizard from metadata: the SP's values on step 2, the IdP's on step 3 (entity ID, SSO URL, signing
//! certificates for step 5), from a file, pasted text or a URL; and the SP's own metadata to export.
//!
//! Nothing changes until the metadata has been read and checked ([`ssopilot_saml::metadata::parse`]); a file with several
//! entities asks which one; values the admin already set are only overwritten after the admin has seen old and new
//! side by side and confirmed. A URL fetch runs outside the session lock (the shell awaits
//! [`fetch_metadata`] and can abort it): the session only records which fetch is running, so a late or cancelled
//! result is dropped.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use super::view::{
    Block, MetadataChange, MetadataFinding, MetadataSide, Notice, Severity, StepId, WizardView,
};
use super::{step_number, step_title, Field, Model, Session};
use crate::clock::Clock as _;
use ssopilot_peers::fetch::{self, FetchError, FetchOptions};
use ssopilot_saml::cert;
use ssopilot_saml::findings;
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::metadata::{
    self, Binding, Kind, Metadata, MetadataError, Options, MAX_METADATA_BYTES,
};
use ssopilot_saml::values::{AcsUrl, EntityId};

/// At most this many signing certificates are taken from IdP metadata (a rotation has two or three).
pub const MAX_IMPORTED_CERTIFICATES: usize = metadata::MAX_CERTIFICATES;

/// What can go wrong outside the metadata itself (reading the file, saving the export).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{what} metadata is imported on step {} ({}), not on the step shown; nothing was changed", step_number(*.step), step_title(*.step))]
    WrongStep { what: &'static str, step: StepId },
    #[error(
        "the file {path} cannot be read ({source}); check that it exists and that you may read it"
    )]
    ReadFile {
        path: String,
        source: std::io::Error,
    },
    #[error("the file {path} is larger than {MAX_METADATA_BYTES} bytes: that is not one provider's metadata (pick the file from the provider's \"Export Metadata\")")]
    FileTooLarge { path: String },
    #[error("{0}")]
    Metadata(#[from] MetadataError),
    #[error("a metadata fetch is already running ({url}): wait for it or press Cancel")]
    Busy { url: String },
    #[error("the SP metadata cannot be made yet: {0}")]
    Export(String),
    #[error(
        "the SP metadata could not be saved to {path} ({source}); choose a folder you may write to"
    )]
    WriteFile {
        path: String,
        source: std::io::Error,
    },
}

/// A fetch the shell runs (and may abort) for the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchJob {
    pub id: u64,
    pub side: MetadataSide,
    pub url: String,
}

/// Fetches a job's URL with the core's limits (https or loopback, 10 s, 5 redirects, 1 MiB). Cancel by dropping
/// the future or aborting its task.
pub async fn fetch_metadata(job: &FetchJob) -> Result<Vec<u8>, FetchError> {
    fetch::fetch_metadata(&job.url, &FetchOptions::default())
        .await
        .map(|f| f.body)
}

/// Values read from metadata, not yet in the wizard.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Imported {
    Idp {
        entity_id: String,
        sso_url: Option<String>,
        /// PEM, the one for step 5 first.
        certificates: Vec<String>,
        /// PEM of every signing certificate, in file order.
        all_certificates: Vec<String>,
        /// How the IdP takes AuthnRequests (step 7's login window).
        requests: IdpRequests,
    },
    Sp {
        entity_id: String,
        acs_url: Option<String>,
    },
}

#[derive(Debug, Clone)]
struct PendingChoice {
    source: String,
    /// The URL fetched, when the metadata came from one.
    url: Option<String>,
    bytes: Vec<u8>,
    ids: Vec<String>,
}

#[derive(Debug, Clone)]
struct PendingValues {
    source: String,
    url: Option<String>,
    values: Imported,
    changes: Vec<MetadataChange>,
}

/// What an IdP's metadata says about the AuthnRequests it takes: whether it wants them signed and its SSO URL for
/// each binding. Step 7's login window chooses the binding and signing from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IdpRequests {
    pub(crate) want_signed: bool,
    pub(crate) redirect: Option<String>,
    pub(crate) post: Option<String>,
}

impl IdpRequests {
    fn of(md: &Metadata) -> Self {
        let url = |b: Binding| {
            md.sso
                .iter()
                .find(|e| e.binding == b)
                .map(|e| e.url.clone())
        };
        IdpRequests {
            want_signed: md.want_authn_requests_signed == Some(true),
            redirect: url(Binding::HttpRedirect),
            post: url(Binding::HttpPost),
        }
    }
}

/// One side's import box.
#[derive(Debug, Clone, Default)]
struct SideState {
    error: Option<String>,
    choose: Option<PendingChoice>,
    confirm: Option<PendingValues>,
    result: Option<String>,
    findings: Vec<MetadataFinding>,
}

#[derive(Debug, Clone)]
struct Fetching {
    job: FetchJob,
}

/// The import boxes of steps 2 and 3 and the running fetch. Kept in memory only.
#[derive(Debug, Clone, Default)]
pub(super) struct ImportState {
    idp: SideState,
    sp: SideState,
    fetching: Option<Fetching>,
    next_fetch: u64,
    /// The URL of the metadata being imported right now, when it was fetched (saved with the IdP's values, for
    /// the watch).
    source_url: Option<String>,
    /// From the IdP metadata imported in this run, if any.
    pub(crate) idp_requests: Option<IdpRequests>,
}

impl ImportState {
    fn side(&mut self, side: MetadataSide) -> &mut SideState {
        match side {
            MetadataSide::Idp => &mut self.idp,
            MetadataSide::Sp => &mut self.sp,
        }
    }

    fn side_ref(&self, side: MetadataSide) -> &SideState {
        match side {
            MetadataSide::Idp => &self.idp,
            MetadataSide::Sp => &self.sp,
        }
    }
}

fn step_of(side: MetadataSide) -> StepId {
    match side {
        MetadataSide::Idp => StepId::IdpApp,
        MetadataSide::Sp => StepId::SpValues,
    }
}

fn kind_of(side: MetadataSide) -> Kind {
    match side {
        MetadataSide::Idp => Kind::Idp,
        MetadataSide::Sp => Kind::Sp,
    }
}

fn what(side: MetadataSide) -> &'static str {
    match side {
        MetadataSide::Idp => "IdP",
        MetadataSide::Sp => "SP",
    }
}

fn severity(s: findings::Severity) -> Severity {
    match s {
        findings::Severity::Error => Severity::Error,
        findings::Severity::Warning => Severity::Warning,
        findings::Severity::Info => Severity::Info,
    }
}

/// The SHA-256 fingerprint of a PEM certificate, as portals show it.
fn fingerprint_of(pem: &str) -> Option<Fingerprint> {
    // A fingerprint does not depend on the time; the doctor just needs one.
    cert::check(pem.as_bytes(), crate::clock::SystemClock.now())
        .der()
        .map(Fingerprint::sha256)
}

/// Reads at most [`MAX_METADATA_BYTES`] of a file (one byte more tells that it is too large).
fn read_bounded(path: &Path) -> Result<Vec<u8>, ImportError> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| ImportError::ReadFile {
        path: shown.clone(),
        source,
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_METADATA_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ImportError::ReadFile {
            path: shown.clone(),
            source,
        })?;
    if bytes.len() > MAX_METADATA_BYTES {
        return Err(ImportError::FileTooLarge { path: shown });
    }
    Ok(bytes)
}

impl Model {
    fn import_on_step(&self, side: MetadataSide) -> Result<(), ImportError> {
        let step = step_of(side);
        if self.current == step {
            Ok(())
        } else {
            Err(ImportError::WrongStep {
                what: what(side),
                step,
            })
        }
    }

    /// Handles the import actions. Problems with the metadata go into the import box; a refused action (wrong
    /// step) comes back as `Err` for a notice.
    pub(super) fn apply_import(
        &mut self,
        action: super::view::Action,
        warn: &mut impl FnMut(Severity, String),
    ) -> Result<(), String> {
        use super::view::Action;
        match action {
            Action::ImportMetadata { side, text } => {
                self.import_on_step(side).map_err(|e| e.to_string())?;
                self.import_bytes(side, text.as_bytes(), "The pasted metadata".into(), warn);
            }
            Action::ImportMetadataFile { side, path } => {
                self.import_on_step(side).map_err(|e| e.to_string())?;
                let path = PathBuf::from(path);
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.display().to_string());
                match read_bounded(&path) {
                    Ok(bytes) => self.import_bytes(side, &bytes, format!("The file {name}"), warn),
                    Err(e) => self.import_failed(side, e.to_string()),
                }
            }
            Action::ChooseMetadataEntity { side, entity_id } => {
                self.import_on_step(side).map_err(|e| e.to_string())?;
                let Some(choice) = self.import.side(side).choose.take() else {
                    return Err("There is no metadata waiting for a choice: import it again".into());
                };
                if !choice.ids.contains(&entity_id) {
                    let ids = choice.ids.join(", ");
                    self.import.side(side).choose = Some(choice);
                    return Err(format!(
                        "\"{entity_id}\" is not one of the entities offered ({ids})"
                    ));
                }
                self.import.source_url = choice.url;
                self.import_entity(side, &choice.bytes, Some(entity_id), choice.source, warn);
                self.import.source_url = None;
            }
            Action::ConfirmMetadataImport { side } => {
                self.import_on_step(side).map_err(|e| e.to_string())?;
                let Some(pending) = self.import.side(side).confirm.take() else {
                    return Err("There is no import waiting for confirmation".into());
                };
                self.apply_values(side, pending.values, &pending.source, pending.url, warn);
            }
            Action::CancelMetadataImport { side } => {
                let state = self.import.side(side);
                if state.confirm.take().is_some() || state.choose.take().is_some() {
                    state.result = Some("Nothing was imported: your values are kept.".into());
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn import_failed(&mut self, side: MetadataSide, why: String) {
        let state = self.import.side(side);
        state.error = Some(format!("{why}. Nothing was changed."));
    }

    /// Reads metadata bytes for one side: asks for the entity when there are several of that role.
    fn import_bytes(
        &mut self,
        side: MetadataSide,
        bytes: &[u8],
        source: String,
        warn: &mut impl FnMut(Severity, String),
    ) {
        *self.import.side(side) = SideState::default();
        let entities = match metadata::list_entities(bytes) {
            Ok(e) => e,
            Err(e) => return self.import_failed(side, format!("{source} cannot be imported: {e}")),
        };
        let kind = kind_of(side);
        let with_role: Vec<String> = entities
            .iter()
            .filter(|e| e.roles.contains(&kind))
            .map(|e| e.entity_id.clone())
            .collect();
        if with_role.len() > 1 {
            self.import.side(side).choose = Some(PendingChoice {
                source,
                url: self.import.source_url.clone(),
                bytes: bytes.to_vec(),
                ids: with_role,
            });
            return;
        }
        // One entity of the right role (or none: the parser then says what the file is instead).
        let entity = if entities.len() > 1 {
            with_role.into_iter().next()
        } else {
            None
        };
        self.import_entity(side, bytes, entity, source, warn);
    }

    fn import_entity(
        &mut self,
        side: MetadataSide,
        bytes: &[u8],
        entity_id: Option<String>,
        source: String,
        warn: &mut impl FnMut(Severity, String),
    ) {
        let opts = Options {
            entity_id,
            role: Some(kind_of(side)),
            ..Options::default()
        };
        let md = match metadata::parse(bytes, &opts, self.now()) {
            Ok(md) => md,
            Err(e) => return self.import_failed(side, format!("{source} cannot be imported: {e}")),
        };
        let mut found: Vec<MetadataFinding> = md
            .findings
            .iter()
            .map(|f| MetadataFinding {
                severity: severity(f.severity),
                message: f.message.clone(),
                hint: f.hint.clone(),
            })
            .collect();
        if !md.usable {
            let first = md
                .findings
                .iter()
                .find(|f| f.severity == findings::Severity::Error)
                .map(|f| f.message.trim_end_matches('.').to_string())
                .unwrap_or_else(|| "it has errors".into());
            self.import_failed(
                side,
                format!("{source} cannot be imported: {first} (see the findings below)"),
            );
            self.import.side(side).findings = found;
            return;
        }
        let values = self.values_from(&md);
        if let Some(quirk) = self.entity_quirk(&values) {
            found.insert(0, quirk);
        }
        let changes = self.changes(&values);
        let url = self.import.source_url.clone();
        let state = self.import.side(side);
        state.findings = found;
        if changes.is_empty() {
            self.apply_values(side, values, &source, url, warn);
        } else {
            state.confirm = Some(PendingValues {
                source,
                url,
                values,
                changes,
            });
        }
    }

    fn values_from(&self, md: &Metadata) -> Imported {
        match md.kind {
            Kind::Idp => {
                let signing: Vec<&metadata::MetadataCert> = md
                    .signing_certificates()
                    .filter(|c| c.report.pem.is_some())
                    .take(MAX_IMPORTED_CERTIFICATES)
                    .collect();
                let pem = |c: &&metadata::MetadataCert| c.report.pem.clone();
                // The first usable one goes to step 5; the others follow in file order.
                let mut certificates: Vec<String> = signing
                    .iter()
                    .filter(|c| c.report.usable)
                    .filter_map(pem)
                    .collect();
                certificates.extend(signing.iter().filter(|c| !c.report.usable).filter_map(pem));
                Imported::Idp {
                    entity_id: md.entity_id.clone(),
                    sso_url: md.preferred_sso_url().map(str::to_string),
                    certificates,
                    all_certificates: signing.iter().filter_map(pem).collect(),
                    requests: IdpRequests::of(md),
                }
            }
            Kind::Sp => {
                // The SP-initiated login posts the response: prefer an HTTP-POST endpoint, the default one first.
                let acs = md
                    .default_acs()
                    .filter(|a| a.binding == Binding::HttpPost)
                    .or_else(|| md.acs.iter().find(|a| a.binding == Binding::HttpPost))
                    .or_else(|| md.default_acs());
                Imported::Sp {
                    entity_id: md.entity_id.clone(),
                    acs_url: acs.map(|a| a.url.clone()),
                }
            }
        }
    }

    /// The SP's rule (profile data) that the IdP entity ID equals the SP entity ID, checked on imported values.
    fn entity_quirk(&self, values: &Imported) -> Option<MetadataFinding> {
        let Imported::Idp { entity_id, .. } = values else {
            return None;
        };
        let sp = self.sp()?;
        if !sp.quirks.idp_entity_id_equals_sp_entity_id {
            return None;
        }
        let sp_id = self.steps.sp_values.sp_entity_id(self.sp()).ok()?;
        (entity_id.trim() != sp_id.as_str()).then(|| MetadataFinding {
            severity: Severity::Warning,
            message: format!(
                "The metadata's entity ID ({entity_id}) is not {}'s {} ({sp_id}), and {} needs both to be the same.",
                sp.portal.name, sp.labels.sp_entity_id, sp.portal.name
            ),
            hint: format!(
                "In {}, set {} to {sp_id}, save, and import its metadata again.",
                self.idp_name(),
                self.idp_entity_label()
            ),
        })
    }

    /// The values an import would overwrite: set, and different.
    fn changes(&self, values: &Imported) -> Vec<MetadataChange> {
        let mut out = Vec::new();
        let mut check = |label: &str, old: &str, new: &str| {
            let old = old.trim();
            if !old.is_empty() && old != new.trim() {
                out.push(MetadataChange {
                    label: label.to_string(),
                    old: old.to_string(),
                    new: new.trim().to_string(),
                });
            }
        };
        match values {
            Imported::Idp {
                entity_id,
                sso_url,
                certificates,
                ..
            } => {
                check(
                    self.idp_entity_label(),
                    &self.steps.idp_app.idp_entity_id,
                    entity_id,
                );
                if let Some(url) = sso_url {
                    check(self.sso_url_label(), &self.steps.idp_app.idp_sso_url, url);
                }
                if let Some(new) = certificates.first() {
                    let old = self.steps.certificate.pem.trim();
                    let (old_fp, new_fp) = (fingerprint_of(old), fingerprint_of(new));
                    if !old.is_empty() && old_fp != new_fp {
                        let show = |fp: Option<Fingerprint>| {
                            fp.map(|f| format!("SHA-256 {f}"))
                                .unwrap_or_else(|| "(not a readable certificate)".into())
                        };
                        check("Signing certificate", &show(old_fp), &show(new_fp));
                    }
                }
            }
            Imported::Sp { entity_id, acs_url } => {
                check(
                    self.sp_entity_label(),
                    &self.steps.sp_values.sp_entity_id,
                    entity_id,
                );
                if let Some(url) = acs_url {
                    check(self.acs_label(), &self.steps.sp_values.acs_url, url);
                }
            }
        }
        out
    }

    fn apply_values(
        &mut self,
        side: MetadataSide,
        values: Imported,
        source: &str,
        url: Option<String>,
        warn: &mut impl FnMut(Severity, String),
    ) {
        let mut done = Vec::new();
        let mut set = |model: &mut Model, field: Field, value: &str, label: String| {
            // The same path as typing, so follow-on rules (an IdP entity ID following the SP's) apply.
            if let Err(e) = model.set_field(field, value.to_string(), warn) {
                warn(Severity::Error, e);
            } else {
                done.push(label);
            }
        };
        match values {
            Imported::Idp {
                entity_id,
                sso_url,
                certificates,
                all_certificates,
                requests,
            } => {
                self.import.idp_requests = Some(requests);
                let label = self.idp_entity_label().to_string();
                set(self, Field::IdpEntityId, &entity_id, label);
                if let Some(url) = sso_url {
                    let label = self.sso_url_label().to_string();
                    set(self, Field::IdpSsoUrl, &url, label);
                }
                if let Some(first) = certificates.first() {
                    self.steps.certificate.pem = first.clone();
                    self.steps.certificate.metadata_certificates = all_certificates;
                    // Where to look for a rotation later; a file or a paste has no such place.
                    self.steps.certificate.metadata_url = url
                        .as_deref()
                        .and_then(|u| ssopilot_saml::values::IdpUrl::parse(u, "metadata URL").ok());
                    done.push(if certificates.len() == 1 {
                        "the signing certificate".into()
                    } else {
                        format!("{} signing certificates", certificates.len())
                    });
                }
            }
            Imported::Sp { entity_id, acs_url } => {
                let label = self.sp_entity_label().to_string();
                set(self, Field::SpEntityId, &entity_id, label);
                if let Some(url) = acs_url {
                    let label = self.acs_label().to_string();
                    set(self, Field::AcsUrl, &url, label);
                }
            }
        }
        let state = self.import.side(side);
        state.error = None;
        state.result = Some(format!("{source} was imported: {}.", done.join(", ")));
    }

    /// The import box (and, on step 3, the certificate line and the SP metadata export) for a page.
    pub(super) fn import_blocks(&self, side: MetadataSide) -> Vec<Block> {
        let state = self.import.side_ref(side);
        let (title, help, placeholder) = match side {
            MetadataSide::Idp => (
                format!("Fill in from {}'s metadata", self.idp_name()),
                format!(
                    "If {} offers its SAML metadata (a file from \"Export Metadata\", or a metadata URL), import it \
                     here to fill the {}, the {} and the signing certificate. Values you already set are only \
                     replaced after you confirm.",
                    self.idp_name(),
                    self.idp_entity_label(),
                    self.sso_url_label()
                ),
                "https://idp.example.com/saml/metadata",
            ),
            MetadataSide::Sp => (
                format!("Fill in from {}'s metadata", self.sp_name()),
                format!(
                    "If {} offers SP metadata (a file or a URL), import it here to fill the {} and the {}. Values \
                     you already set are only replaced after you confirm.",
                    self.sp_name(),
                    self.acs_label(),
                    self.sp_entity_label()
                ),
                "https://app.example.com/saml/metadata",
            ),
        };
        let fetching = self
            .import
            .fetching
            .as_ref()
            .filter(|f| f.job.side == side)
            .map(|f| f.job.url.clone());
        let mut blocks = vec![Block::MetadataImport {
            side,
            title,
            help,
            url_placeholder: placeholder.into(),
            fetching,
            error: state.error.clone(),
            choose: state
                .choose
                .as_ref()
                .map(|c| c.ids.clone())
                .unwrap_or_default(),
            changes: state
                .confirm
                .as_ref()
                .map(|c| c.changes.clone())
                .unwrap_or_default(),
            result: state.result.clone(),
            findings: state.findings.clone(),
        }];
        if side == MetadataSide::Idp {
            if let Some(fp) = fingerprint_of(&self.steps.certificate.pem) {
                let more = self.steps.certificate.metadata_certificates.len();
                let mut text = format!(
                    "Signing certificate imported: SHA-256 fingerprint {fp}, checked in step 5."
                );
                if more > 1 {
                    text.push_str(&format!(
                        " The metadata lists {more} signing certificates (a key rotation): all are kept for step 5."
                    ));
                }
                blocks.push(Block::Callout {
                    severity: Severity::Info,
                    text,
                });
            }
        }
        blocks
    }

    /// The SP's metadata from the wizard's SP values (step 2), for the IdP to import.
    pub fn sp_metadata_xml(&self) -> Result<String, ImportError> {
        let entity_id = self
            .steps
            .sp_values
            .sp_entity_id(self.sp())
            .map_err(ImportError::Export)?;
        let acs = self
            .steps
            .sp_values
            .acs_url(self.sp())
            .map_err(ImportError::Export)?;
        sp_metadata_for(&entity_id, acs, self.now())
    }

    pub(super) fn export_block(&self) -> Block {
        let (xml, error) = match self.sp_metadata_xml() {
            Ok(xml) => (Some(xml), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let slug: String = self
            .sp()
            .map(|p| p.id.clone())
            .unwrap_or_else(|| "sp".into());
        Block::MetadataExport {
            title: format!("{}'s SP metadata", self.sp_name()),
            help: format!(
                "If {} can import SP metadata, give it this file instead of typing the {} and the {} (importing a \
                 second metadata file there replaces the values of the first).",
                self.idp_name(),
                self.sp_entity_label(),
                self.acs_label()
            ),
            file_name: format!("{slug}-sp-metadata.xml"),
            xml,
            error,
        }
    }
}

fn sp_metadata_for(
    entity_id: &EntityId,
    acs: AcsUrl,
    now: OffsetDateTime,
) -> Result<String, ImportError> {
    metadata::sp_metadata_checked(entity_id, &[(Binding::HttpPost, acs)], None, None, now)
        .map_err(ImportError::from)
}

pub(super) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

mod session;

#[cfg(test)]
mod tests;
