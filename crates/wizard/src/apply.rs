//! The dispatch of the UI's actions to the step they belong to; a field of another step than the one shown is refused.

use crate::profiles::AttributeMapping;
use crate::state::{MAX_ATTRIBUTE_NAME_CHARS, MAX_ATTRIBUTE_ROWS};
use crate::view::{Action, AttributeSide, Notice, Severity, StepId};
use crate::{fields, step_number, step_title, Model, MAX_FIELD_CHARS};

impl Model {
    /// Applies an action to the model; returns notices for the admin.
    pub(super) fn apply(&mut self, action: Action) -> Vec<Notice> {
        let mut notices = Vec::new();
        let mut warn = |severity, text: String| notices.push(Notice { severity, text });
        match action {
            Action::SetField { field, value } => {
                if let Err(text) = self.set_field(&field, value, &mut warn) {
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
            Action::AddAttribute => {
                if self.current != StepId::Attributes {
                    warn(
                        Severity::Error,
                        "The attribute map is on step 4 (Attributes).".into(),
                    );
                } else {
                    let mut rows = self.attribute_rows();
                    if rows.len() >= MAX_ATTRIBUTE_ROWS {
                        warn(
                            Severity::Warning,
                            format!("The attribute map has the most rows it can hold ({MAX_ATTRIBUTE_ROWS})."),
                        );
                    } else {
                        rows.push(AttributeMapping {
                            sp_name: String::new(),
                            idp_name: String::new(),
                        });
                        self.draft.attributes = Some(rows);
                    }
                }
            }
            Action::RemoveAttribute { index } => {
                if self.current == StepId::Attributes {
                    let mut rows = self.attribute_rows();
                    if index < rows.len() {
                        rows.remove(index);
                        self.draft.attributes = Some(rows);
                    }
                }
            }
            Action::SetAttribute { index, side, value } => {
                if self.current == StepId::Attributes {
                    let mut rows = self.attribute_rows();
                    let value = bounded(value, MAX_ATTRIBUTE_NAME_CHARS + 1);
                    if let Some(row) = rows.get_mut(index) {
                        match side {
                            AttributeSide::Sp => row.sp_name = value,
                            AttributeSide::Idp => row.idp_name = value,
                        }
                        self.draft.attributes = Some(rows);
                    }
                }
            }
            Action::ResetAttributes => {
                if self.current == StepId::Attributes {
                    self.draft.attributes = None;
                }
            }
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
            test @ (Action::CheckPastedResponse { .. } | Action::SaveTestReport { .. }) => {
                match self.apply_test_login(test) {
                    Ok(Some(text)) => warn(Severity::Info, text),
                    Ok(None) => {}
                    Err(text) => warn(Severity::Error, text),
                }
            }
        }
        notices.extend(self.sync_demo());
        notices.extend(self.sync_demo_grants());
        notices
    }

    pub(super) fn set_field(
        &mut self,
        field: &str,
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
        if field == fields::IDP_CERTIFICATE {
            // Its own bound and its own rule for a private key.
            on(StepId::Certificate)?;
            self.set_certificate(value, warn);
            self.draft.demo_certificate_replaced = self.demo_certificate_replaced();
            return Ok(());
        }
        if value.chars().count() > MAX_FIELD_CHARS {
            warn(
                Severity::Warning,
                format!(
                    "The pasted text was longer than {MAX_FIELD_CHARS} characters; only the beginning was kept. \
                     Copy just the value."
                ),
            );
        }
        let value = bounded(value, MAX_FIELD_CHARS);
        match field {
            fields::IDP_PROFILE => {
                on(StepId::Providers)?;
                if self.profiles.idp(&value).is_none() {
                    return Err(format!("There is no identity provider profile \"{value}\""));
                }
                self.draft.idp_profile = Some(value);
                self.draft.demo_certificate_replaced = false;
            }
            fields::SP_PROFILE => {
                on(StepId::Providers)?;
                if self.profiles.sp(&value).is_none() {
                    return Err(format!("There is no service provider profile \"{value}\""));
                }
                self.draft.sp_profile = Some(value);
            }
            fields::ACS_URL => {
                on(StepId::SpValues)?;
                self.draft.acs_url = value;
            }
            fields::SP_ENTITY_ID => {
                on(StepId::SpValues)?;
                // An IdP entity ID that was following the SP entity ID keeps following it.
                let follows = self.idp_entity_id_follows_sp()
                    && self.draft.idp_entity_id.trim() == self.draft.sp_entity_id.trim();
                if follows && !self.draft.idp_entity_id.trim().is_empty() {
                    self.draft.idp_entity_id = value.trim().to_string();
                }
                self.draft.sp_entity_id = value;
            }
            fields::IDP_ENTITY_ID => {
                on(StepId::IdpApp)?;
                self.draft.idp_entity_id = value;
            }
            fields::SIGN_ASSERTION => {
                on(StepId::IdpApp)?;
                self.draft.sign_assertion = checkbox(&value)?;
            }
            fields::IDP_SSO_URL => {
                on(StepId::IdpApp)?;
                self.draft.idp_sso_url = value;
            }
            fields::IDP_CERTIFICATE => {
                on(StepId::Certificate)?;
                self.draft.idp_certificate = value;
            }
            fields::USERS_ASSIGNED => {
                on(StepId::AssignUsers)?;
                self.draft.users_assigned = checkbox(&value)?;
            }
            fields::TEST_USER => {
                on(StepId::AssignUsers)?;
                self.draft.test_user = value;
            }
            fields::SITE_URL => {
                on(StepId::SpValues)?;
                self.set_site_url(value);
            }
            fields::SSO_ENABLED => {
                on(StepId::Enable)?;
                let on = checkbox(&value)?;
                self.set_sso_enabled(on);
            }
            fields::ENFORCE_UNDERSTOOD => {
                on(StepId::Enforce)?;
                self.draft.enforce_understood = checkbox(&value)?;
            }
            fields::ENFORCE_CONFIRM => {
                on(StepId::Enforce)?;
                self.draft.enforce_confirm = value;
            }
            other => return Err(format!("There is no field \"{other}\" in the wizard")),
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
