//! Step 8, Enable: turning SAML SSO on in the service provider, once the configuration is complete and checked.

use super::view::Block;
use super::Model;

/// `Some((what the step will do, which work it waits for))` while the step is not built.
pub(super) const NOT_BUILT: Option<(&str, &str)> = Some((
    "Here you will turn SAML SSO on in the service provider, only once the configuration is complete and checked.",
    "issue 8",
));

impl Model {
    pub(super) fn enable_problem(&self) -> Result<(), String> {
        Err("Not built yet: waits for issue 8".into())
    }

    pub(super) fn enable_page(&self) -> (String, Vec<Block>) {
        super::not_built_page(super::view::StepId::Enable)
    }
}
