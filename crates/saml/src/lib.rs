//! SSO Pilot's protocol layer: SAML 2.0 and its checks (XML, exclusive c14n, XML-DSig, XML Encryption, bindings, the
//! response validator, metadata, certificates, protocol values).
//!
//! Pure: no network, no files, no keychain and no clock reads (the moment of a check is a parameter), so every rule
//! here is testable on its own and the layers above cannot be bypassed. Nothing here knows the wizard's steps: a
//! failed check names a [`response::Fix`], which the wizard maps to its step.

pub mod attributes;
pub mod binding;
pub mod c14n;
pub mod cert;
pub mod escape;
pub mod findings;
pub mod fingerprint;
pub mod metadata;
pub mod request;
pub mod response;
pub mod values;
pub mod xml;
pub mod xmldsig;
pub mod xmlenc;
