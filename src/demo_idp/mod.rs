//! The built-in demo identity provider (issue 6).

pub mod directory;
