//! Finds the DER objects in whatever was pasted: clean PEM, PEM mangled by a word processor, chat tool or JSON API,
//! bare base64 from a metadata `X509Certificate` element, or binary DER. Records every repair it had to make, so the
//! report can say what was changed.
//!
//! The base64 body is delimited by the length its own DER header announces, not by guessing where prose ends, so
//! text before and after a block, and between blocks, is never mistaken for certificate data.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

use super::der;

/// Most objects looked at in one input; more is reported, not processed.
pub(crate) const MAX_OBJECTS: usize = 32;

/// Longest run of dashes, spaces or label characters looked at around BEGIN/END, so that scanning stays linear
/// on hostile input such as "BEGIN BEGIN BEGIN ...".
const MAX_ARMOR_RUN: usize = 64;

/// Armor labels we know, longest first so "CERTIFICATE REQUEST" wins over "CERTIFICATE" when a label runs into
/// base64 because its closing dashes are missing.
const KNOWN_LABELS: &[&str] = &[
    "NEW CERTIFICATE REQUEST",
    "PGP PRIVATE KEY BLOCK",
    "ENCRYPTED PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
    "CERTIFICATE REQUEST",
    "TRUSTED CERTIFICATE",
    "PGP PUBLIC KEY BLOCK",
    "SSH2 PUBLIC KEY",
    "X509 CERTIFICATE",
    "RSA PRIVATE KEY",
    "DSA PRIVATE KEY",
    "RSA PUBLIC KEY",
    "EC PRIVATE KEY",
    "EC PARAMETERS",
    "PRIVATE KEY",
    "CERTIFICATE",
    "PUBLIC KEY",
    "X509 CRL",
    "PKCS7",
    "PKCS12",
    "CMS",
];

/// What was changed to get from the input to the normalized PEM.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Repairs {
    pub der_input: bool,
    pub utf16: bool,
    pub invisible_chars: bool,
    pub json_escapes: bool,
    pub xml_char_refs: bool,
    pub typographic_dashes: bool,
    pub crlf: bool,
    pub armor_dashes: bool,
    pub missing_begin: bool,
    pub missing_end: bool,
    pub lowercase_armor: bool,
    pub no_armor: bool,
    pub indentation: bool,
    pub trailing_spaces: bool,
    pub blank_lines: bool,
    pub one_line: bool,
    pub wrap_width: Option<usize>,
    pub uneven_wrap: bool,
    pub missing_padding: bool,
    pub surrounding_text: bool,
}

/// The content of one block (armored or bare).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    Der(Vec<u8>),
    /// The base64 stops before the length its DER header announces (bytes decoded so far, bytes announced).
    Truncated {
        have: usize,
        need: usize,
        line: usize,
    },
    /// Base64 characters that do not decode (misplaced padding).
    Invalid {
        line: usize,
    },
    /// An armored block with nothing recognisable inside.
    NoData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// The armor label ("CERTIFICATE"), `None` for bare base64 or DER.
    pub label: Option<String>,
    pub body: Body,
}

#[derive(Debug, Default)]
pub(crate) struct Extraction {
    pub blocks: Vec<Block>,
    pub repairs: Repairs,
    /// The words of a private key header appeared somewhere (even with no decodable body).
    pub private_key_text: bool,
    /// An OpenSSH one-line public key ("ssh-rsa AAAA...") was seen.
    pub ssh_public_key: bool,
    /// More than `MAX_OBJECTS` objects were present; the rest were not examined.
    pub too_many: bool,
}

/// Standard alphabet, padding optional, non-zero trailing bits tolerated: the DER length decides what is data.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Kinds of character-level repairs, remembered with their position in the normalized text so only those inside
/// a certificate block are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fix {
    Invisible,
    JsonEscape,
    XmlCharRef,
    TypographicDash,
    Crlf,
}

pub(crate) fn extract(input: &[u8]) -> Extraction {
    let mut ex = Extraction::default();
    if let Some(der) = binary_der(input) {
        ex.repairs.der_input = true;
        ex.blocks.push(Block {
            label: None,
            body: Body::Der(der.to_vec()),
        });
        return ex;
    }
    let text = decode_text(input, &mut ex.repairs);
    let (text, fixes) = normalize(&text);
    let upper = text.to_ascii_uppercase();
    ex.private_key_text = upper.contains("PRIVATE KEY")
        || upper.contains("PUTTY-USER-KEY-FILE")
        || upper.contains("PRIVATE-LINES:");
    ex.ssh_public_key = [
        "ssh-rsa AAAA",
        "ssh-ed25519 AAAA",
        "ssh-dss AAAA",
        "ecdsa-sha2-nistp",
    ]
    .iter()
    .any(|p| text.contains(p));

    let markers = find_markers(&text);
    // Spans of the text that belong to a block: everything else that is not whitespace is "surrounding text".
    let mut spans: Vec<(usize, usize)> = Vec::new();
    if markers.is_empty() {
        for run in base64_runs(&text, 0, text.len(), MAX_OBJECTS + 1) {
            if ex.blocks.len() >= MAX_OBJECTS {
                ex.too_many = true;
                break;
            }
            spans.push((run.start, run.end));
            check_layout(&text, run.start, run.end, &run, &mut ex.repairs);
            ex.blocks.push(Block {
                label: None,
                body: run.body,
            });
        }
        if !ex.blocks.is_empty() {
            ex.repairs.no_armor = true;
        }
    } else {
        armored_blocks(&text, &markers, &mut ex, &mut spans);
    }

    // Character repairs count only where they touched a block.
    let mut in_block = vec![false; text.len()];
    for &(s, e) in &spans {
        if let Some(slot) = in_block.get_mut(s..e.min(text.len())) {
            slot.fill(true);
        }
    }
    for (pos, fix) in fixes {
        if in_block.get(pos).copied().unwrap_or(false) {
            match fix {
                Fix::Invisible => ex.repairs.invisible_chars = true,
                Fix::JsonEscape => ex.repairs.json_escapes = true,
                Fix::XmlCharRef => ex.repairs.xml_char_refs = true,
                Fix::TypographicDash => ex.repairs.typographic_dashes = true,
                Fix::Crlf => ex.repairs.crlf = true,
            }
        }
    }
    if !ex.blocks.is_empty() && outside_blocks_has_text(&text, &in_block) {
        ex.repairs.surrounding_text = true;
    }
    ex
}

/// The input as one DER object, when it is binary (a `.cer`/`.der` file) rather than text.
fn binary_der(input: &[u8]) -> Option<&[u8]> {
    let total = der::announced_len(input)?;
    if input.first() != Some(&der::TAG_SEQUENCE) {
        return None;
    }
    let (obj, rest) = (input.get(..total)?, input.get(total..)?);
    rest.iter().all(u8::is_ascii_whitespace).then_some(obj)
}

/// UTF-16 with a byte order mark (Windows Notepad's "Unicode") or UTF-8; invalid bytes become U+FFFD.
fn decode_text(input: &[u8], repairs: &mut Repairs) -> String {
    let utf16 = |rest: &[u8], be: bool| -> String {
        let units = rest.chunks_exact(2).map(|c| match c {
            [a, b] if be => u16::from_be_bytes([*a, *b]),
            [a, b] => u16::from_le_bytes([*a, *b]),
            _ => 0xFFFD,
        });
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    };
    match input {
        [0xFF, 0xFE, rest @ ..] => {
            repairs.utf16 = true;
            utf16(rest, false)
        }
        [0xFE, 0xFF, rest @ ..] => {
            repairs.utf16 = true;
            utf16(rest, true)
        }
        _ => String::from_utf8_lossy(input).into_owned(),
    }
}

fn is_dash_like(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{00AD}'
                | '\u{2043}'
    )
}

/// Undoes what chat tools, word processors and JSON/XML encoders do to text, remembering where each fix happened.
fn normalize(text: &str) -> (String, Vec<(usize, Fix)>) {
    let mut out = String::with_capacity(text.len());
    let mut fixes = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let pos = out.len();
        match c {
            '\\' => match chars.peek().copied() {
                Some('n') => {
                    chars.next();
                    out.push('\n');
                    fixes.push((pos, Fix::JsonEscape));
                }
                Some('r') => {
                    chars.next();
                    // "\r\n" is one line break; a lone "\r" is one too.
                    let mut look = chars.clone();
                    if !(look.next() == Some('\\') && look.next() == Some('n')) {
                        out.push('\n');
                    }
                    fixes.push((pos, Fix::JsonEscape));
                }
                Some('t') => {
                    chars.next();
                    out.push(' ');
                    fixes.push((pos, Fix::JsonEscape));
                }
                Some('/') => {
                    chars.next();
                    out.push('/');
                    fixes.push((pos, Fix::JsonEscape));
                }
                Some('u') => {
                    let mut look = chars.clone();
                    look.next();
                    let hex: String = look.by_ref().take(4).collect();
                    match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        Some(decoded)
                            if hex.len() == 4 && hex.chars().all(|h| h.is_ascii_hexdigit()) =>
                        {
                            chars = look;
                            out.push(if decoded == '\r' { ' ' } else { decoded });
                            fixes.push((pos, Fix::JsonEscape));
                        }
                        _ => out.push('\\'),
                    }
                }
                _ => out.push('\\'),
            },
            '&' => {
                let mut look = chars.clone();
                let entity: String = look.by_ref().take(5).collect();
                let cr = ["#13;", "#xD;", "#xd;", "#x0D;", "#x0d;"]
                    .iter()
                    .find(|e| entity.starts_with(*e));
                let lf = ["#10;", "#xA;", "#xa;", "#x0A;", "#x0a;"]
                    .iter()
                    .find(|e| entity.starts_with(*e));
                match cr.or(lf) {
                    Some(e) => {
                        for _ in 0..e.chars().count() {
                            chars.next();
                        }
                        // A carriage return reference before a real line break is just the CR of CRLF.
                        if lf.is_some() || chars.peek() != Some(&'\n') {
                            out.push('\n');
                        }
                        fixes.push((pos, Fix::XmlCharRef));
                    }
                    None => out.push('&'),
                }
            }
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
                fixes.push((pos, Fix::Crlf));
            }
            '\u{2028}' | '\u{2029}' | '\u{0085}' | '\u{000B}' | '\u{000C}' => {
                out.push('\n');
                fixes.push((pos, Fix::Invisible));
            }
            '\u{FEFF}' | '\u{200B}'..='\u{200D}' | '\u{2060}' => fixes.push((pos, Fix::Invisible)),
            '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => {
                out.push(' ');
                fixes.push((pos, Fix::Invisible));
            }
            c if is_dash_like(c) => {
                out.push('-');
                fixes.push((pos, Fix::TypographicDash));
            }
            c => out.push(c),
        }
    }
    (out, fixes)
}

#[derive(Debug, Clone)]
struct Marker {
    begin: bool,
    label: String,
    /// Byte range of the whole armor line (dashes included) in the normalized text.
    start: usize,
    end: usize,
    exact: bool,
    lowercase: bool,
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='
}

/// Finds BEGIN/END armor lines, tolerating any number of dashes (or none), extra spaces, lower case, and a label
/// that runs straight into base64.
fn find_markers(text: &str) -> Vec<Marker> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let rest = b.get(i..).unwrap_or_default();
        let kw = if starts_with_ci(rest, b"BEGIN") {
            Some((true, 5))
        } else if starts_with_ci(rest, b"END") {
            Some((false, 3))
        } else {
            None
        };
        let boundary = i == 0 || b.get(i - 1).is_some_and(|p| !p.is_ascii_alphanumeric());
        if let (Some((begin, kw_len)), true) = (kw, boundary) {
            if let Some(m) = marker_at(b, i, begin, kw_len) {
                i = m.end.max(i + 1);
                out.push(m);
                continue;
            }
        }
        i += 1;
    }
    out
}

fn starts_with_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len()
        && hay
            .iter()
            .zip(needle)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
}

fn marker_at(b: &[u8], kw_start: usize, begin: bool, kw_len: usize) -> Option<Marker> {
    let at = |k: usize| b.get(k).copied();
    let lowercase = b
        .get(kw_start..kw_start + kw_len)?
        .iter()
        .any(u8::is_ascii_lowercase);
    // The keyword is followed by spaces (at least one) and the label, on the same line.
    let mut j = kw_start + kw_len;
    let mut spaces = 0;
    while matches!(at(j), Some(b' ') | Some(b'\t')) && j - kw_start < kw_len + MAX_ARMOR_RUN {
        j += 1;
        spaces += 1;
    }
    if spaces == 0 {
        return None;
    }
    let label_start = j;
    while at(j).is_some_and(|c| c.is_ascii_alphanumeric() || c == b' ' || c == b'#')
        && j - label_start < MAX_ARMOR_RUN
    {
        j += 1;
    }
    let raw_label = std::str::from_utf8(b.get(label_start..j)?).ok()?;
    let upper = raw_label.to_ascii_uppercase();
    // A label that ran into base64 (missing closing dashes) is cut back to the longest known label.
    let known = KNOWN_LABELS.iter().find(|k| upper.starts_with(*k));
    let (label, label_end) = match known {
        Some(k) => (k.to_string(), label_start + k.len()),
        None => {
            let trimmed = upper.trim_end();
            if trimmed.is_empty()
                || trimmed.len() > 40
                || raw_label.trim_end().bytes().any(|c| c.is_ascii_lowercase())
            {
                return None;
            }
            (trimmed.to_string(), label_start + trimmed.len())
        }
    };
    let lowercase = lowercase || raw_label.get(..label.len()).is_some_and(|l| l != label);
    let mut k = label_end;
    let mut inner_spaces = 0;
    while matches!(at(k), Some(b' ') | Some(b'\t')) && inner_spaces < MAX_ARMOR_RUN {
        k += 1;
        inner_spaces += 1;
    }
    let mut trailing = 0;
    while at(k) == Some(b'-') && trailing < MAX_ARMOR_RUN {
        k += 1;
        trailing += 1;
    }
    if trailing == 0 {
        k = label_end;
        inner_spaces = 0;
    }
    // Dashes (and stray spaces) before the keyword.
    let mut t = kw_start;
    while t > 0 && matches!(at(t - 1), Some(b' ') | Some(b'\t')) && kw_start - t < MAX_ARMOR_RUN {
        t -= 1;
    }
    let mut s = t;
    while s > 0 && at(s - 1) == Some(b'-') && t - s < MAX_ARMOR_RUN {
        s -= 1;
    }
    let leading = t - s;
    let (s, gap) = if leading == 0 {
        (kw_start, 0)
    } else {
        (s, kw_start - t)
    };
    // Without any dashes, only a keyword that starts its line counts (not "from BEGIN CERTIFICATE to ..." in prose).
    if leading == 0 && trailing == 0 && t > 0 && at(t - 1) != Some(b'\n') {
        return None;
    }
    let exact = leading == 5 && trailing == 5 && spaces == 1 && inner_spaces == 0 && gap == 0;
    Some(Marker {
        begin,
        label,
        start: s,
        end: k,
        exact,
        lowercase,
    })
}

/// Pairs markers into blocks: BEGIN..END, BEGIN..(next marker or end of text) when END is missing, and
/// (previous marker or start of text)..END when BEGIN is missing.
fn armored_blocks(
    text: &str,
    markers: &[Marker],
    ex: &mut Extraction,
    spans: &mut Vec<(usize, usize)>,
) {
    let mut idx = 0;
    let mut prev_end = 0;
    while idx < markers.len() {
        if ex.blocks.len() >= MAX_OBJECTS {
            ex.too_many = true;
            return;
        }
        let Some(m) = markers.get(idx) else { break };
        let (label, body_start, body_end, block_start, block_end, step) = if m.begin {
            let next = markers.get(idx + 1);
            match next {
                Some(n) if !n.begin => {
                    if !n.exact || n.lowercase {
                        ex.repairs.armor_dashes |= !n.exact;
                        ex.repairs.lowercase_armor |= n.lowercase;
                    }
                    (m.label.clone(), m.end, n.start, m.start, n.end, 2)
                }
                _ => {
                    ex.repairs.missing_end = true;
                    let end = next.map_or(text.len(), |n| n.start);
                    (m.label.clone(), m.end, end, m.start, end, 1)
                }
            }
        } else {
            ex.repairs.missing_begin = true;
            (m.label.clone(), prev_end, m.start, prev_end, m.end, 1)
        };
        ex.repairs.armor_dashes |= !m.exact;
        ex.repairs.lowercase_armor |= m.lowercase;
        // Only the first body counts inside one armor (a TRUSTED CERTIFICATE carries extra data after it).
        let runs = base64_runs(text, body_start, body_end, 1);
        let mut runs = runs.into_iter();
        let body = match runs.next() {
            Some(run) => {
                check_layout(text, block_start, block_end, &run, &mut ex.repairs);
                // Anything else inside the armor is ignored (and reported as surrounding text).
                if m.begin {
                    spans.push((block_start, body_start));
                    spans.push((run.start, run.end));
                    spans.push((body_end, block_end));
                } else {
                    spans.push((run.start, block_end));
                }
                run.body
            }
            None => {
                spans.push((block_start, block_end));
                Body::NoData
            }
        };
        ex.blocks.push(Block {
            label: Some(label),
            body,
        });
        prev_end = block_end;
        idx += step;
    }
}

#[derive(Debug)]
struct Run {
    start: usize,
    end: usize,
    body: Body,
    chars: usize,
}

/// Finds each base64 body between `from` and `to` whose first bytes decode to a DER header, and reads exactly the
/// length that header announces (whitespace inside is skipped).
fn base64_runs(text: &str, from: usize, to: usize, limit: usize) -> Vec<Run> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = from;
    while i < to && out.len() < limit {
        let cur = b.get(i).copied().unwrap_or(0);
        let boundary = i == from || b.get(i - 1).is_none_or(|p| !is_b64(*p));
        if cur != b'M' || !boundary {
            i += 1;
            continue;
        }
        match read_run(b, i, to) {
            Some(run) => {
                i = run.end.max(i + 1);
                out.push(run);
            }
            None => i += 1,
        }
    }
    out
}

fn read_run(b: &[u8], start: usize, to: usize) -> Option<Run> {
    // Base64 of a DER SEQUENCE header starts "MA".."MI" (0x30, then a length byte below 0x84): a cheap test that
    // keeps hostile input such as "M M M ..." from costing a decode per letter.
    let second = b
        .get(start + 1..to)?
        .iter()
        .take(64)
        .find(|c| !matches!(c, b' ' | b'\t' | b'\n'))?;
    if !(b'A'..=b'I').contains(second) {
        return None;
    }
    // Read the first 8 base64 characters (6 bytes): enough for any header we accept.
    let mut chars: Vec<u8> = Vec::new();
    let mut j = start;
    let mut need_chars: Option<usize> = None;
    let mut need_bytes = 0usize;
    let mut last_char_end = start;
    let mut padding = 0usize;
    while j < to {
        let c = b.get(j).copied().unwrap_or(0);
        if c == b' ' || c == b'\t' || c == b'\n' {
            j += 1;
            continue;
        }
        if !is_b64(c) || (padding > 0 && c != b'=') {
            break;
        }
        if c == b'=' {
            // padding only where the length allows it
            match need_chars {
                Some(n) if chars.len() < n && chars.len() >= n.saturating_sub(2) => padding += 1,
                _ => break,
            }
        }
        chars.push(c);
        j += 1;
        last_char_end = j;
        if need_chars.is_none() && chars.len() == 8 {
            let head = LENIENT.decode(&chars).ok()?;
            if head.first() != Some(&der::TAG_SEQUENCE) {
                return None;
            }
            need_bytes = der::announced_len(&head)?;
            if need_bytes > super::MAX_INPUT {
                return None;
            }
            need_chars = Some(need_bytes.div_ceil(3) * 4);
        }
        if need_chars == Some(chars.len()) {
            break;
        }
    }
    let need = need_chars?;
    let unpadded = (need_bytes * 4).div_ceil(3);
    let line = b
        .get(..last_char_end)
        .map_or(1, |p| p.iter().filter(|c| **c == b'\n').count() + 1);
    let body = if chars.len() == need || chars.len() == unpadded {
        match LENIENT.decode(&chars) {
            Ok(der) if der.len() == need_bytes => Body::Der(der),
            _ => Body::Invalid { line },
        }
    } else {
        Body::Truncated {
            have: chars.len() * 3 / 4,
            need: need_bytes,
            line,
        }
    };
    Some(Run {
        start,
        end: last_char_end,
        body,
        chars: chars.len(),
    })
}

/// Notes indentation, trailing spaces, blank lines, one-line bodies and wrap widths in the block `start..end`.
fn check_layout(text: &str, start: usize, end: usize, run: &Run, r: &mut Repairs) {
    let line_start = text
        .get(..start)
        .and_then(|p| p.rfind('\n'))
        .map_or(0, |p| p + 1);
    let line_end = text
        .get(end..)
        .and_then(|p| p.find('\n'))
        .map_or(text.len(), |p| end + p);
    let Some(block) = text.get(line_start..line_end) else {
        return;
    };
    let lines: Vec<&str> = block.split('\n').collect();
    let first_prefix = text.get(line_start..start).unwrap_or_default();
    let last_suffix = text.get(end..line_end).unwrap_or_default();
    for (n, line) in lines.iter().enumerate() {
        let is_first = n == 0;
        let is_last = n + 1 == lines.len();
        let lead_ok = !is_first || first_prefix.trim().is_empty();
        let trail_ok = !is_last || last_suffix.trim().is_empty();
        if lead_ok && line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            r.indentation = true;
        }
        if trail_ok && line.ends_with([' ', '\t']) && !line.trim().is_empty() {
            r.trailing_spaces = true;
        }
        if !is_first && !is_last && line.trim().is_empty() {
            r.blank_lines = true;
        }
    }
    // Wrap width of the base64 itself.
    let Some(body) = text.get(run.start..run.end) else {
        return;
    };
    let widths: Vec<usize> = body
        .split('\n')
        .map(|l| l.bytes().filter(|c| is_b64(*c)).count())
        .filter(|w| *w > 0)
        .collect();
    match widths.as_slice() {
        [] => {}
        [_single] => {
            if run.chars > 64 {
                r.one_line = true;
            }
        }
        [rest @ .., last] => {
            let w = rest.first().copied().unwrap_or(64);
            if rest.iter().any(|x| *x != w) || *last > w {
                r.uneven_wrap = true;
            } else if w != 64 {
                r.wrap_width = Some(w);
            }
        }
    }
    if let Body::Der(der) = &run.body {
        if der.len() % 3 != 0 && !run.chars.is_multiple_of(4) {
            r.missing_padding = true;
        }
    }
    // Spaces inside a base64 line (not at its ends) also mean the text was reflowed.
    if body.split('\n').any(|l| l.trim().contains([' ', '\t'])) {
        r.uneven_wrap = true;
    }
}

fn outside_blocks_has_text(text: &str, in_block: &[bool]) -> bool {
    text.char_indices()
        .any(|(i, c)| !c.is_whitespace() && !in_block.get(i).copied().unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der_of(ex: &Extraction) -> Vec<Vec<u8>> {
        ex.blocks
            .iter()
            .filter_map(|b| match &b.body {
                Body::Der(d) => Some(d.clone()),
                _ => None,
            })
            .collect()
    }

    // A small DER value: SEQUENCE { INTEGER 5, INTEGER 3 } repeated to get some length.
    fn sample() -> Vec<u8> {
        let mut content = Vec::new();
        for i in 0..45u8 {
            content.extend_from_slice(&[0x02, 0x01, i]);
        }
        let mut v = vec![0x30, 0x81, content.len() as u8];
        v.extend(content);
        v
    }

    #[test]
    fn markers_tolerate_dash_counts_and_spacing() {
        let m = find_markers("---BEGIN  CERTIFICATE------\nabc\n-----END CERTIFICATE-----");
        assert_eq!(m.len(), 2);
        assert!(m[0].begin && !m[0].exact && m[0].label == "CERTIFICATE");
        assert!(!m[1].begin && m[1].exact);
        let m = find_markers("BEGIN CERTIFICATEMIIBxyz");
        assert_eq!(m[0].label, "CERTIFICATE");
        assert!(find_markers("we will begin soon and end later").is_empty());
    }

    #[test]
    fn bare_base64_is_found_between_prose() {
        let der = sample();
        let b64 = LENIENT.encode(&der);
        let text = format!("Hello Mike, here is Mine: {b64} thanks");
        let ex = extract(text.as_bytes());
        assert_eq!(der_of(&ex), vec![der]);
        assert!(ex.repairs.no_armor && ex.repairs.surrounding_text);
    }

    #[test]
    fn truncated_base64_is_reported_with_sizes() {
        let der = sample();
        let b64 = LENIENT.encode(&der);
        let cut = &b64[..40];
        let ex = extract(cut.as_bytes());
        assert!(
            matches!(ex.blocks[0].body, Body::Truncated { have: 30, need, .. } if need == der.len()),
            "{:?}",
            ex.blocks
        );
    }

    #[test]
    fn json_escapes_and_crlf_are_undone_inside_blocks_only() {
        let (t, fixes) = normalize("a\\nb\r\nc\u{2013}d\\u002B");
        assert_eq!(t, "a\nb\nc-d+");
        assert_eq!(fixes.len(), 4);
    }
}
