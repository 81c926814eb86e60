//! Step 4: the attribute map (which IdP attribute fills which SP attribute), its checks and its table's actions.

use crate::profiles::{IdpProfile, SpProfile};
use crate::providers;
use crate::state::SavedState;
use std::collections::BTreeMap;

use crate::profiles::{default_attribute_map, AttributeMapping};
use crate::state::{
    check_attribute_name, check_idp_attribute_name, MAX_ATTRIBUTE_NAME_CHARS, MAX_ATTRIBUTE_ROWS,
};
use crate::view::{Action, AttributeRowView, AttributeSide, Block, Severity, StepId};
use crate::{bounded, Model};

/// The problems of the attribute map.
#[derive(Debug, Default)]
pub(super) struct MapCheck {
    pub(super) rows: Vec<Option<String>>,
    pub(super) error: Option<String>,
    pub(super) warning: Option<String>,
}

/// Step 4 as typed, valid or not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Draft {
    /// `None`: the profiles' default map (it follows a change of provider).
    pub(crate) rows: Option<Vec<AttributeMapping>>,
}

impl Draft {
    pub(crate) fn load(saved: &SavedState) -> Draft {
        Draft {
            rows: saved.attributes.clone(),
        }
    }
}

/// A saved map is within bounds and every name passes the rule for its side.
pub(crate) fn check_saved(saved: &SavedState) -> Result<(), String> {
    let Some(rows) = &saved.attributes else {
        return Ok(());
    };
    if rows.len() > MAX_ATTRIBUTE_ROWS {
        return Err(format!(
            "the attribute map has {} rows (at most {MAX_ATTRIBUTE_ROWS})",
            rows.len()
        ));
    }
    for row in rows {
        let checked = check_attribute_name(&row.sp_name)
            .and_then(|()| check_idp_attribute_name(&row.idp_name));
        if let Err(problem) = checked {
            return Err(format!("attribute map: {problem}"));
        }
    }
    Ok(())
}

/// The admin's map (trimmed) when every row passes, otherwise what was saved before.
pub(crate) fn save(model: &Model, previous: &SavedState, out: &mut SavedState) {
    let rows = &model.steps.attributes.rows;
    let map_ok = model.check_map().rows.iter().all(Option::is_none)
        && rows.as_ref().is_none_or(|r| r.len() <= MAX_ATTRIBUTE_ROWS);
    out.attributes = if map_ok {
        rows.as_ref().map(|rows| {
            rows.iter()
                .map(|r| AttributeMapping {
                    sp_name: r.sp_name.trim().to_string(),
                    idp_name: r.idp_name.trim().to_string(),
                })
                .collect()
        })
    } else {
        previous.attributes.clone()
    };
}

impl Draft {
    /// The map as it stands: the admin's rows, or the profiles' default map.
    pub(crate) fn map(
        &self,
        idp: Option<&IdpProfile>,
        sp: Option<&SpProfile>,
    ) -> Vec<AttributeMapping> {
        match (&self.rows, sp, idp) {
            (Some(rows), _, _) => rows.clone(),
            (None, Some(sp), Some(idp)) => default_attribute_map(sp, idp),
            (None, _, _) => Vec::new(),
        }
    }

    /// An action of the attribute table; `warn` hears when a row cannot be added.
    fn apply(
        &mut self,
        action: Action,
        idp: Option<&IdpProfile>,
        sp: Option<&SpProfile>,
        warn: &mut impl FnMut(Severity, String),
    ) {
        match action {
            Action::AddAttribute => {
                let mut rows = self.map(idp, sp);
                if rows.len() >= MAX_ATTRIBUTE_ROWS {
                    warn(
                        Severity::Warning,
                        format!(
                            "The attribute map has the most rows it can hold ({MAX_ATTRIBUTE_ROWS})."
                        ),
                    );
                } else {
                    rows.push(AttributeMapping {
                        sp_name: String::new(),
                        idp_name: String::new(),
                    });
                    self.rows = Some(rows);
                }
            }
            Action::RemoveAttribute { index } => {
                let mut rows = self.map(idp, sp);
                if index < rows.len() {
                    rows.remove(index);
                    self.rows = Some(rows);
                }
            }
            Action::SetAttribute { index, side, value } => {
                let mut rows = self.map(idp, sp);
                let value = bounded(value, MAX_ATTRIBUTE_NAME_CHARS + 1);
                if let Some(row) = rows.get_mut(index) {
                    match side {
                        AttributeSide::Sp => row.sp_name = value,
                        AttributeSide::Idp => row.idp_name = value,
                    }
                    self.rows = Some(rows);
                }
            }
            Action::ResetAttributes => self.rows = None,
            _ => {}
        }
    }

    /// Each row's problem, the map's own problem and a warning; `demo_error` says what the demo IdP cannot send.
    fn check(
        &self,
        idp: Option<&IdpProfile>,
        sp: Option<&SpProfile>,
        demo_error: impl Fn(&str) -> Option<String>,
    ) -> MapCheck {
        let rows = self.map(idp, sp);
        let sp_name = providers::sp_name(sp).to_string();
        let idp_name = providers::idp_name(idp).to_string();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &rows {
            *counts.entry(r.sp_name.trim()).or_default() += 1;
        }
        let row_errors: Vec<Option<String>> = rows
            .iter()
            .map(|r| {
                let (s, i) = (r.sp_name.trim(), r.idp_name.trim());
                if s.is_empty() {
                    return Some(format!(
                        "Type the {sp_name} attribute name on the left (for example email)"
                    ));
                }
                if i.is_empty() {
                    return Some(format!(
                        "Type the {idp_name} attribute that fills {s} on the right"
                    ));
                }
                if let Err(problem) = check_attribute_name(s) {
                    return Some(format!("Attribute names are single words: {problem}"));
                }
                if let Err(problem) = check_idp_attribute_name(i) {
                    return Some(format!("Attribute names are single words: {problem}"));
                }
                if let Some(e) = demo_error(i) {
                    return Some(e);
                }
                if counts.get(s).copied().unwrap_or(0) > 1 {
                    return Some(format!(
                        "{s} is mapped more than once: {sp_name} takes one value for it, remove the extra row"
                    ));
                }
                None
            })
            .collect();
        let mut error = None;
        if let (Some(sp), Some(idp)) = (sp, idp) {
            let missing: Vec<String> = sp
                .required_attributes()
                .filter(|a| !counts.contains_key(a.name.as_str()))
                .map(|a| {
                    let from = idp.attributes.get(&a.meaning).unwrap_or(&a.name);
                    format!("{} <- {from}", a.name)
                })
                .collect();
            if !missing.is_empty() {
                error = Some(format!(
                    "{} needs {}: add {} (or press Reset to defaults)",
                    sp.portal.name,
                    if missing.len() == 1 {
                        "this attribute"
                    } else {
                        "these attributes"
                    },
                    missing.join(", ")
                ));
            }
        }
        let mut warning = None;
        if let Some(idp) = idp {
            if let Some(text) = &idp.quirks.email_lower_case_warning {
                let idp_email = idp.attributes.get("email").map(String::as_str);
                let sp_email: Vec<&str> = sp
                    .map(|sp| {
                        sp.attributes
                            .iter()
                            .filter(|a| a.meaning == "email")
                            .map(|a| a.name.as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                let maps_email = rows.iter().any(|r| {
                    idp_email.is_some_and(|e| r.idp_name.trim().eq_ignore_ascii_case(e))
                        || sp_email.contains(&r.sp_name.trim())
                });
                if maps_email {
                    warning = Some(text.clone());
                }
            }
        }
        if warning.is_none() && rows.is_empty() && error.is_none() {
            warning = Some(format!(
                "No attributes are mapped: {sp_name} will only get the user's NameID. Add the attributes it expects."
            ));
        }
        MapCheck {
            rows: row_errors,
            error,
            warning,
        }
    }
}

impl Model {
    /// The attribute table's actions, on step 4 only (off it, adding says so; the others are ignored).
    pub(super) fn apply_attribute_action(
        &mut self,
        action: Action,
        warn: &mut impl FnMut(Severity, String),
    ) {
        if self.current != StepId::Attributes {
            if action == Action::AddAttribute {
                warn(
                    Severity::Error,
                    "The attribute map is on step 4 (Attributes).".into(),
                );
            }
            return;
        }
        let (idp, sp) = (
            self.steps.providers.idp(&self.profiles),
            self.steps.providers.sp(&self.profiles),
        );
        self.steps.attributes.apply(action, idp, sp, warn);
    }

    /// `Ok` when step 4 has everything it needs; `Err(reason)` names the first thing missing.
    pub(super) fn attributes_problem(&self) -> Result<(), String> {
        let check = self.check_map();
        if let Some(e) = check.rows.iter().flatten().next() {
            return Err(e.clone());
        }
        if let Some(e) = check.error {
            return Err(e);
        }
        Ok(())
    }

    /// Step 4's check, with the demo IdP's directory when it is chosen.
    pub(super) fn check_map(&self) -> MapCheck {
        self.steps.attributes.check(self.idp(), self.sp(), |name| {
            self.demo_attribute_error(name)
        })
    }

    pub(super) fn attributes_page(&self) -> (String, Vec<Block>) {
        let (Some(sp), Some(idp)) = (self.sp(), self.idp()) else {
            return (String::new(), Vec::new());
        };
        let check = self.check_map();
        let rows = self
            .steps
            .attributes
            .map(self.idp(), self.sp())
            .into_iter()
            .zip(check.rows)
            .map(|(r, error)| AttributeRowView {
                sp_name: r.sp_name,
                idp_name: r.idp_name,
                error,
            })
            .collect();
        let mut blocks = Vec::new();
        let mut where_ = format!("In {}", idp.display_name);
        if let Some(tab) = &idp.portal.sso_tab {
            where_.push_str(&format!(", on the {tab} tab"));
        }
        if let Some(section) = &idp.portal.attributes_section {
            where_.push_str(&format!(", in the {section} section"));
        }
        let mut text = format!("{where_}, add one attribute for each row below.");
        if let Some(save) = &idp.portal.save_action {
            text.push_str(&format!(" Then press {save} to save the application."));
        }
        blocks.push(Block::Instruction {
            text,
            menu_path: None,
        });
        let side = |name: &str, portal: &Option<String>, what: &str| match portal {
            Some(p) => format!(
                "{name} attribute name ({what}; {p} in {})",
                idp.display_name
            ),
            None => format!("{name} attribute name ({what})"),
        };
        blocks.push(Block::AttributeMap {
            sp_label: side(
                &sp.display_name,
                &idp.labels.attribute_sp_side,
                &format!("what {} reads", sp.portal.name),
            ),
            idp_label: side(
                &idp.display_name,
                &idp.labels.attribute_idp_side,
                &format!("what {} sends", idp.display_name),
            ),
            rows,
            error: check.error,
            warning: check.warning,
        });
        (
            format!(
                "{} fills each {} attribute (left) from a {} user attribute (right).",
                idp.display_name, sp.portal.name, idp.display_name
            ),
            blocks,
        )
    }
}

impl Model {
    /// Step 7's "Apply in step 4": one of the last report's suggestions becomes the IdP-side name of its SP
    /// attribute in step 4's map (with the demo IdP, whose names are its directory's, a practice fault it repairs is
    /// fixed in the demo IdP instead). Only a suggestion the report made is applied.
    pub(super) fn apply_attribute_suggestion(
        &mut self,
        sp_attribute: &str,
        idp_attribute: &str,
    ) -> Result<String, String> {
        let suggested = self
            .steps
            .test_login
            .run
            .last_report()
            .map(|report| self.attribute_suggestions(report))
            .unwrap_or_default();
        if !suggested
            .iter()
            .any(|s| s.sp_attribute == sp_attribute && s.idp_attribute == idp_attribute)
        {
            return Err(format!(
                "The last test-login report does not suggest filling \"{sp_attribute}\" from \"{idp_attribute}\": \
                 run the test login again and apply one of its suggestions"
            ));
        }
        let (idp, sp) = (self.idp_name().to_string(), self.sp_name().to_string());
        let rename = format!(
            "In {idp}'s application, the attribute it sends as \"{idp_attribute}\" must be named \"{sp_attribute}\" \
             (what {sp} reads): rename it there, then test again."
        );
        if self.demo_chosen() {
            let fault = ssopilot_peers::demo_idp::fault::Fault::AttributeCase;
            if self.practice_fixed_by(fault) {
                return Ok(format!(
                    "Practice: fixed. {rename} The demo IdP's application now sends \"{sp_attribute}\"; run the \
                     test login again."
                ));
            }
            if self.demo_attribute_error(idp_attribute).is_some() {
                return Err(format!(
                    "The demo IdP has no user attribute \"{idp_attribute}\", so step 4 stays as it is. {rename}"
                ));
            }
        }
        check_idp_attribute_name(idp_attribute).map_err(|e| format!("Not applied: {e}"))?;
        let mut rows = self.steps.attributes.map(self.idp(), self.sp());
        let row = rows
            .iter_mut()
            .find(|r| r.sp_name.trim() == sp_attribute)
            .ok_or_else(|| {
                format!("Step 4 has no row for \"{sp_attribute}\" any more: nothing was changed")
            })?;
        row.idp_name = idp_attribute.to_string();
        self.steps.attributes.rows = Some(rows);
        Ok(format!(
            "Step 4 now fills {sp_attribute} from \"{idp_attribute}\". {rename}"
        ))
    }
}
