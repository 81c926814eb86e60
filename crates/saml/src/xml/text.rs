//! Checking and unescaping the text of names, characters and references, as XML 1.0 and Namespaces 1.0 define them.

use super::*;

pub(super) fn malformed(detail: impl Into<String>) -> XmlError {
    XmlError::Malformed {
        detail: detail.into(),
    }
}

/// An XML NCName, strictly for ASCII (letters, digits, '_', '-', '.'; not starting with a digit, '-' or '.'), and
/// allowing non-ASCII name characters.
pub(super) fn is_ncname(s: &str) -> bool {
    // Names in SAML are ASCII: one pass over the bytes says yes to those; anything else (a non-ASCII name, or not a
    // name) takes the per-character check, which gives the same answer for ASCII.
    let b = s.as_bytes();
    if b.first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
    {
        return true;
    }
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let start_ok =
        first.is_ascii_alphabetic() || first == '_' || (!first.is_ascii() && legal_char(first));
    start_ok
        && chars.all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '-' | '.')
                || (!c.is_ascii() && legal_char(c))
        })
}

/// True when `test` holds for any byte of `s`. Whole blocks are tested without a branch per byte, so the compiler
/// can use vector instructions: the text of a document goes through this twice (character and reference checks).
fn any_byte(s: &str, test: impl Fn(u8) -> bool) -> bool {
    s.as_bytes()
        .chunks(32)
        .any(|block| block.iter().fold(false, |found, b| found | test(*b)))
}

pub(super) fn legal_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

pub(super) fn check_chars(s: &str) -> Result<(), XmlError> {
    // Fast path, one pass over the bytes: no C0 controls other than tab/LF/CR, and no 0xEF lead byte (the only way
    // U+FFFE/U+FFFF, encoded EF BF BE/BF, can occur); anything else takes the exact per-character check below.
    if !any_byte(s, |b| {
        ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | (b == 0xEF)
    }) {
        return Ok(());
    }
    match s.chars().find(|c| !legal_char(*c)) {
        Some(c) => Err(malformed(format!(
            "the character U+{:04X} is not allowed in XML 1.0",
            c as u32
        ))),
        None => Ok(()),
    }
}

/// Resolves one reference name (between `&` and `;`).
pub(super) fn resolve_ref(name: &str) -> Result<char, XmlError> {
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        "" => Err(malformed(
            "an '&' is followed directly by ';': write &amp; for an ampersand",
        )),
        _ if name.starts_with('#') => {
            let num = &name[1..];
            let code = if let Some(hex) = num.strip_prefix('x') {
                u32::from_str_radix(hex, 16)
            } else {
                num.parse::<u32>()
            }
            .map_err(|_| malformed(format!("bad character reference &{name};")))?;
            if num.is_empty() || num.starts_with('+') || num.starts_with("x+") {
                return Err(malformed(format!("bad character reference &{name};")));
            }
            char::from_u32(code)
                .filter(|c| legal_char(*c))
                .ok_or_else(|| {
                    malformed(format!(
                        "character reference &{name}; is not an XML character"
                    ))
                })
        }
        _ if name.split(':').all(is_ncname) => Err(XmlError::Entity {
            name: name.to_string(),
        }),
        _ => Err(malformed(format!(
            "'&{name};' is not a reference: write &amp; for an ampersand"
        ))),
    }
}

/// Unescapes raw text (or an attribute value when `attribute` is set: literal whitespace becomes a space).
pub(super) fn unescape(raw: &str, attribute: bool) -> Result<std::borrow::Cow<'_, str>, XmlError> {
    // Most values need no change: avoid the copy.
    let special = |b: u8| {
        (b == b'&') | (b == b'<') | (attribute & ((b == b'\t') | (b == b'\n') | (b == b'\r')))
    };
    if !any_byte(raw, special) {
        return Ok(std::borrow::Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(pos) = rest.find(['&', '<', '\t', '\n', '\r']) {
        out.push_str(&rest[..pos]);
        let c = rest.as_bytes().get(pos).copied().unwrap_or(b'&');
        match c {
            b'&' => {
                let after = &rest[pos + 1..];
                let end = after.find(';').filter(|e| *e <= 64).ok_or_else(|| {
                    malformed("an '&' is not followed by a reference name and ';'")
                })?;
                out.push(resolve_ref(&after[..end])?);
                rest = &after[end + 1..];
            }
            b'<' => return Err(malformed("'<' inside an attribute value")),
            _ => {
                out.push(if attribute { ' ' } else { c as char });
                rest = &rest[pos + 1..];
            }
        }
    }
    out.push_str(rest);
    Ok(std::borrow::Cow::Owned(out))
}
