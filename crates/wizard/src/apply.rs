//! The dispatch of the UI's actions to the step they belong to; a field of another step than the one shown is refused.

use crate::view::{Action, Notice, Severity, StepId};
use crate::{step_number, step_title, Field, Model, MAX_FIELD_CHARS};

impl Model {
    /// Applies an action to the model; returns notices for the admin.
    pub(super) fn apply(&mut self, action: Action) -> Vec<Notice> {
        let mut notices = Vec::new();
        let mut warn = |severity, text: String| notices.push(Notice { severity, text });
        match action {
            Action::SetField { field, value } => {
                if let Err(text) = self.set_field(field, value, &mut warn) {
                    warn(Severity::Error, text);
                }
            }
            Action::GoTo { step } => {
                if let Some(why) = self.locked_reason(step) {
                    warn(
                        Severity::Warning,
                        format!(
                            "Step {} ({}) is not available yet. {why}.",
                            step_number(step),
                            step_title(step)
                        ),
                    );
                } else if step != self.current {
                    self.current = step;
                    self.entered_step();
                }
            }
            Action::Next => match (
                self.step_problem(self.current),
                Model::next_step(self.current),
            ) {
                (Ok(()), Some(next)) => {
                    self.current = next;
                    self.entered_step();
                }
                (Ok(()), None) => warn(Severity::Info, "This is the last step.".into()),
                (Err(why), _) => warn(
                    Severity::Warning,
                    format!("Next is not possible yet: {why}."),
                ),
            },
            Action::Back => {
                if let Some(prev) = Model::previous_step(self.current) {
                    self.current = prev;
                    self.entered_step();
                }
            }
            attribute @ (Action::AddAttribute
            | Action::RemoveAttribute { .. }
            | Action::SetAttribute { .. }
            | Action::ResetAttributes) => self.apply_attribute_action(attribute, &mut warn),
            // Handled by the session, which owns the notices.
            Action::DismissNotice { .. } => {}
            import @ (Action::ImportMetadata { .. }
            | Action::ImportMetadataFile { .. }
            | Action::ChooseMetadataEntity { .. }
            | Action::ConfirmMetadataImport { .. }
            | Action::CancelMetadataImport { .. }) => {
                if let Err(text) = self.apply_import(import, &mut warn) {
                    warn(Severity::Error, text);
                }
            }
            Action::SetGroupGrant { group, granted } => {
                if let Err(text) = self.set_group_grant(&group, granted) {
                    warn(Severity::Error, text);
                }
            }
            Action::GenerateAuthSecret => {
                if let Err(text) = self.generate_auth_secret() {
                    warn(Severity::Error, text);
                }
            }
            Action::Enforce => match self.record_enforced() {
                Ok(text) => warn(Severity::Info, text),
                Err(text) => warn(Severity::Error, text),
            },
            rotation @ (Action::ImportNextCertificate { .. }
            | Action::RetireOldCertificate
            | Action::CancelRotation
            | Action::RotateDemoKey) => match self.apply_rotation(rotation) {
                Ok(text) => warn(Severity::Info, text),
                Err(text) => warn(Severity::Error, text),
            },
            test @ (Action::CheckPastedResponse { .. }
            | Action::SaveTestReport { .. }
            | Action::SetLoginStart { .. }
            | Action::SetLoginRequest { .. }
            | Action::SetLaunchLink { .. }
            | Action::ForgetPasteKey) => match self.apply_test_login(test) {
                Ok(Some(text)) => warn(Severity::Info, text),
                Ok(None) => {}
                Err(text) => warn(Severity::Error, text),
            },
            Action::PlantFault { fault } => match self.plant_fault(&fault) {
                Ok(text) => warn(Severity::Info, text),
                Err(text) => warn(Severity::Error, text),
            },
            Action::LeavePractice => match self.leave_practice() {
                Ok(Some(text)) => warn(Severity::Info, text),
                Ok(None) => {}
                Err(text) => warn(Severity::Error, text),
            },
            Action::ApplyAttributeSuggestion {
                sp_attribute,
                idp_attribute,
            } => match self.apply_attribute_suggestion(&sp_attribute, &idp_attribute) {
                Ok(text) => warn(Severity::Info, text),
                Err(text) => warn(Severity::Error, text),
            },
        }
        if let Some(text) = self.practice_follows_demo() {
            warn(Severity::Info, text);
        }
        notices.extend(self.sync_demo());
        notices.extend(self.sync_demo_grants());
        self.load_signing_key_when_shown();
        notices
    }

    pub(super) fn set_field(
        &mut self,
        field: Field,
        value: String,
        warn: &mut impl FnMut(Severity, String),
    ) -> Result<(), String> {
        let current = self.current;
        let on = |step: StepId| -> Result<(), String> {
            if current == step {
                Ok(())
            } else {
                Err(format!(
                    "\"{field}\" belongs to step {} ({}), not to the step shown; nothing was changed",
                    step_number(step),
                    step_title(step)
                ))
            }
        };
        let value = if field == Field::IdpCertificate {
            // Its own bound (in `certificate::Draft::set`) and its own rule for a private key.
            value
        } else {
            if value.chars().count() > MAX_FIELD_CHARS {
                warn(
                    Severity::Warning,
                    format!(
                        "The pasted text was longer than {MAX_FIELD_CHARS} characters; only the beginning was kept. \
                         Copy just the value."
                    ),
                );
            }
            bounded(value, MAX_FIELD_CHARS)
        };
        on(field.step())?;
        match field {
            Field::IdpCertificate => {
                let now = self.now();
                self.steps.certificate.set(value, now, warn);
                self.steps.certificate.demo_replaced = self.demo_certificate_replaced();
            }
            Field::IdpProfile => {
                if self.profiles.idp(&value).is_none() {
                    return Err(format!("There is no identity provider profile \"{value}\""));
                }
                self.steps.providers.idp_profile = Some(value);
                self.steps.certificate.demo_replaced = false;
            }
            Field::SpProfile => {
                if self.profiles.sp(&value).is_none() {
                    return Err(format!("There is no service provider profile \"{value}\""));
                }
                self.steps.providers.sp_profile = Some(value);
            }
            Field::AcsUrl => {
                self.steps.sp_values.acs_url = value;
            }
            Field::SpEntityId => {
                // An IdP entity ID that was following the SP entity ID keeps following it.
                let follows = self.idp_entity_id_follows_sp()
                    && self.steps.idp_app.idp_entity_id.trim()
                        == self.steps.sp_values.sp_entity_id.trim();
                if follows && !self.steps.idp_app.idp_entity_id.trim().is_empty() {
                    self.steps.idp_app.idp_entity_id = value.trim().to_string();
                }
                self.steps.sp_values.sp_entity_id = value;
                self.steps.sp_values.sp_entity_id_from_site = false;
            }
            Field::IdpEntityId => {
                self.steps.idp_app.idp_entity_id = value;
            }
            Field::SignAssertion => {
                self.steps.idp_app.sign_assertion = checkbox(&value)?;
            }
            Field::IdpSsoUrl => {
                self.steps.idp_app.idp_sso_url = value;
            }
            Field::UsersAssigned => {
                self.steps.assign_users.users_assigned = checkbox(&value)?;
            }
            Field::TestUser => {
                self.steps.assign_users.test_user = value;
            }
            Field::SiteUrl => {
                let sp = self.steps.providers.sp(&self.profiles);
                self.steps.sp_values.set_site_url(value, sp);
            }
            Field::SsoEnabled => {
                let on = checkbox(&value)?;
                let now = self.enabled_values();
                self.steps.enable.set_sso_enabled(on, now);
            }
            Field::EnforceUnderstood => {
                self.steps.enforce.understood = checkbox(&value)?;
            }
            Field::EnforceConfirm => {
                self.steps.enforce.confirm = value;
            }
            Field::DemoEncryptAssertions => self.set_demo_encrypt(checkbox(&value)?),
        }
        Ok(())
    }
}

/// A checkbox's value as the UI sends it.
pub(super) fn checkbox(value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(format!(
            "The checkbox value must be \"true\" or \"false\", not \"{other}\""
        )),
    }
}

/// Cuts `s` to at most `max` characters.
pub(super) fn bounded(mut s: String, max: usize) -> String {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
    }
    s
}

impl Field {
    /// The step whose page shows the field: it can be set only while that step is shown.
    pub(crate) fn step(self) -> StepId {
        match self {
            Field::IdpProfile | Field::SpProfile => StepId::Providers,
            Field::AcsUrl | Field::SpEntityId | Field::SiteUrl => StepId::SpValues,
            Field::IdpEntityId | Field::SignAssertion | Field::IdpSsoUrl => StepId::IdpApp,
            Field::IdpCertificate => StepId::Certificate,
            Field::UsersAssigned | Field::TestUser => StepId::AssignUsers,
            Field::SsoEnabled => StepId::Enable,
            Field::EnforceUnderstood | Field::EnforceConfirm => StepId::Enforce,
            Field::DemoEncryptAssertions => StepId::TestLogin,
        }
    }
}
