//! The built-in demo identity provider (issue 6): a JumpCloud-like IdP on loopback, so the whole wizard works
//! offline, testers of SPs get responses they control, and our end-to-end tests have a real IdP.

pub mod config;
pub mod directory;
pub mod fault;
pub mod key;
pub mod mint;
pub mod rotation;
pub mod running;
pub mod server;

use ssopilot_saml::values::EntityId;

/// The port `ssopilot demo-idp serve` listens on by default (127.0.0.1 only).
pub const DEFAULT_PORT: u16 = 8740;

/// `http://127.0.0.1:<port>`: where the demo IdP is reached.
pub fn base_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// The demo IdP's entity ID, which is also its metadata URL (as many IdPs do).
pub fn entity_id(port: u16) -> Result<EntityId, ssopilot_saml::values::ValueError> {
    EntityId::parse(&format!("{}/metadata", base_url(port)), "IdP Entity ID")
}

/// The SSO endpoint (HTTP-Redirect and HTTP-POST).
pub fn sso_url(port: u16) -> String {
    format!("{}/sso", base_url(port))
}
