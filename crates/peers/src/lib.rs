//! What SSO Pilot plays or talks to: the built-in demo IdP (its key, directory, loopback HTTP server), the loopback
//! test SP that runs a test login, the metadata fetch, and the secret store (the OS keychain).
//!
//! Built on the protocol layer (`ssopilot-saml`); knows nothing of the wizard's journey.

pub mod clock;
pub mod demo_idp;
pub mod fetch;
pub mod files;
pub mod http;
pub mod runtime;
pub mod secrets;
pub mod test_login;
