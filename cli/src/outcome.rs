//! How a subcommand ends, in one place: the exit codes are part of the CLI's contract (0 success/usable/valid,
//! 1 not usable/invalid, 2 usage error), and every error line goes to standard error.

use std::fmt::Display;
use std::process::ExitCode;

/// Not usable, invalid, or the work could not be done.
pub const INVALID: u8 = 1;
/// The command line was wrong: fix the arguments.
pub const USAGE: u8 = 2;

/// A usage error: prints `error: <msg>` and exits 2.
pub fn usage(msg: impl Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(USAGE)
}

/// A usage error of a named subcommand: prints `<command>: <msg>` and exits 2.
pub fn usage_in(command: &str, msg: impl Display) -> ExitCode {
    eprintln!("{command}: {msg}");
    ExitCode::from(USAGE)
}

/// A failure: prints `error: <msg>` and exits 1.
pub fn fail(msg: impl Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(INVALID)
}

/// What a command prints with `--json` when it refuses its input before it could report on it: the same shape as
/// its report's verdict and `findings` (one error finding with the refusal's code), so scripts read one shape
/// whether the input was checked or refused.
pub fn refusal_json(code: &str, message: impl Display, hint: &str) -> serde_json::Value {
    serde_json::json!({
        "usable": false,
        "findings": [{
            "code": code,
            "severity": "error",
            "message": message.to_string(),
            "hint": hint,
        }],
    })
}

/// 0 when `ok`, else 1.
pub fn verdict(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(INVALID)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_are_the_contract() {
        assert_eq!(usage("x"), ExitCode::from(2));
        assert_eq!(usage_in("ssopilot metadata sp", "x"), ExitCode::from(2));
        assert_eq!(fail("x"), ExitCode::from(1));
        assert_eq!(verdict(true), ExitCode::SUCCESS);
        assert_eq!(verdict(false), ExitCode::from(1));
    }

    #[test]
    fn a_refusal_has_the_shape_of_a_report() {
        let v = refusal_json("not_xml", "it is not XML", "export it again");
        assert_eq!(v["usable"], false);
        assert_eq!(v["findings"][0]["code"], "not_xml");
        assert_eq!(v["findings"][0]["severity"], "error");
        assert_eq!(v["findings"][0]["message"], "it is not XML");
        assert_eq!(v["findings"][0]["hint"], "export it again");
        assert!(v.get("error").is_none());
    }
}
