//! The shape every checker reports in: `{code, severity, message, hint}`.
//!
//! The certificate doctor, the metadata parser and the response validator each have their own code enum (so a code
//! can only be one of the names that module documents), but they share this struct, so the wizard and the CLI render
//! all findings the same way.

use serde::{Deserialize, Serialize};

/// How bad a finding is. `Error` makes the input unusable; `Warning` and `Info` do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A finding code: each module's own enum implements this, so the severity of a code is fixed in one place.
pub trait Code: Copy {
    /// The stable snake_case name scripts match on (the same string serde writes).
    fn as_str(self) -> &'static str;
    /// The severity this code always has.
    fn severity(self) -> Severity;
}

/// One thing a checker found: what is wrong (`message`) and what to do about it (`hint`), in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding<C> {
    pub code: C,
    pub severity: Severity,
    pub message: String,
    pub hint: String,
}

impl<C: Code> Finding<C> {
    /// Builds a finding whose severity is the one fixed for `code`.
    pub fn new(code: C, message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// True when at least one finding is an error.
pub fn has_errors<C>(findings: &[Finding<C>]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// Orders findings errors first, then warnings, then information, keeping the order of discovery within each.
pub fn sort_by_severity<C>(findings: &mut [Finding<C>]) {
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Demo {
        Broken,
        Note,
    }

    impl Code for Demo {
        fn as_str(self) -> &'static str {
            match self {
                Demo::Broken => "broken",
                Demo::Note => "note",
            }
        }
        fn severity(self) -> Severity {
            match self {
                Demo::Broken => Severity::Error,
                Demo::Note => Severity::Info,
            }
        }
    }

    #[test]
    fn severity_comes_from_the_code_and_serialises_in_snake_case() {
        let f = Finding::new(Demo::Broken, "it is broken", "fix it");
        assert_eq!(f.severity, Severity::Error);
        let json = serde_json::to_value(&f).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "broken", "severity": "error", "message": "it is broken", "hint": "fix it"})
        );
    }

    #[test]
    fn errors_sort_first_and_are_detected() {
        let mut v = vec![
            Finding::new(Demo::Note, "a", ""),
            Finding::new(Demo::Broken, "b", ""),
            Finding::new(Demo::Note, "c", ""),
        ];
        assert!(has_errors(&v));
        sort_by_severity(&mut v);
        let order: Vec<&str> = v.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(order, ["b", "a", "c"]);
        assert!(!has_errors(&v[1..]));
    }
}
