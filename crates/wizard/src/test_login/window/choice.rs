//! Step 7's choices for the login window (the way it starts, the request's binding and signing, the launch link),
//! and how they are saved with the step's slice of the progress.

use super::{https_url, MAX_LINK};
use crate::view::LoginStart;
use ssopilot_saml::request::RequestBinding;

/// The login window's choices, saved with step 7's slice: `None` takes the best for the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(in crate::test_login) struct StartChoice {
    pub(super) start: Option<LoginStart>,
    /// The admin's (HTTP-POST, signed); `None`: from the IdP's metadata.
    pub(super) request: Option<(bool, bool)>,
    /// The IdP's launch link, when it is not the SSO URL.
    pub(super) link: String,
}

/// Step 7's choices as saved: how the login window starts, the request's binding and signing, the launch link.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedLoginChoice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<LoginStart>,
    /// The binding the admin chose (`None`: from the IdP's metadata, with `sign_requests`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<RequestBinding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_requests: Option<bool>,
    /// The IdP's launch link as typed (a public address, at most [`MAX_LINK`] characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub launch_link: String,
}

impl StartChoice {
    pub(in crate::test_login) fn load(saved: Option<&SavedLoginChoice>) -> Self {
        let Some(saved) = saved else {
            return Self::default();
        };
        Self {
            start: saved.start,
            request: saved
                .binding
                .zip(saved.sign_requests)
                .map(|(b, sign)| (b == RequestBinding::Post, sign)),
            link: saved.launch_link.chars().take(MAX_LINK).collect(),
        }
    }

    /// What is saved: nothing when nothing was chosen (the file stays as it was). A launch link that is not an
    /// https address (yet) is not saved: the one saved before is kept.
    pub(in crate::test_login) fn to_saved(
        &self,
        previous: Option<&SavedLoginChoice>,
    ) -> Option<SavedLoginChoice> {
        if *self == Self::default() {
            return None;
        }
        let launch_link = if self.link.is_empty() || https_url(&self.link, "link").is_ok() {
            self.link.clone()
        } else {
            previous.map(|p| p.launch_link.clone()).unwrap_or_default()
        };
        let (binding, sign_requests) = match self.request {
            Some((post, sign)) => (
                Some(if post {
                    RequestBinding::Post
                } else {
                    RequestBinding::Redirect
                }),
                Some(sign),
            ),
            None => (None, None),
        };
        Some(SavedLoginChoice {
            start: self.start,
            binding,
            sign_requests,
            launch_link,
        })
    }
}

/// A saved choice this build would not have written: a launch link too long, or a binding without its signing.
pub(in crate::test_login) fn check_saved_choice(choice: &SavedLoginChoice) -> Result<(), String> {
    if choice.launch_link.chars().count() > MAX_LINK {
        return Err(format!(
            "the saved launch link of step 7 is longer than {MAX_LINK} characters"
        ));
    }
    if choice.binding.is_some() != choice.sign_requests.is_some() {
        return Err(
            "the saved request choice of step 7 has a binding without its signing, or the reverse"
                .into(),
        );
    }
    Ok(())
}
