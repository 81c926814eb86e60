//! Step 9, Enforce: making SAML SSO the only way to sign in, only with valid test-login evidence.

use super::view::Block;
use super::Model;

/// `Some((what the step will do, which work it waits for))` while the step is not built.
pub(super) const NOT_BUILT: Option<(&str, &str)> = Some((
    "Here you will make SAML SSO the only way to sign in, only after a recorded successful test login for the current \
     configuration.",
    "issue 7 and issue 8",
));

impl Model {
    pub(super) fn enforce_problem(&self) -> Result<(), String> {
        Err("Not built yet: waits for issue 7 and issue 8".into())
    }

    pub(super) fn enforce_page(&self) -> (String, Vec<Block>) {
        super::not_built_page(super::view::StepId::Enforce)
    }
}
