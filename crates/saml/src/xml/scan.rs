//! The byte-level scanner under the parser: it cuts the (line-end normalized) text into tags, text, CDATA sections,
//! comments and processing instructions, checking their syntax as it goes, and hands out slices of the text.
//!
//! It replaces a general-purpose XML reader (issue 23): every byte is looked at once, through one table of byte
//! classes, and only what SAML's XML can contain is recognised. Anything else (a DOCTYPE, an unknown `<!`
//! construct, a malformed tag) ends the scan with an error.

use super::text::*;
use super::*;

/// '<'
const LT: u16 = 1;
/// '&'
const AMP: u16 = 2;
/// ']' (the start of a `]]>` that text may not hold)
const RSQB: u16 = 4;
/// '"'
const QUOT: u16 = 8;
/// '\''
const APOS: u16 = 16;
/// Tab, line feed, carriage return: turned into spaces in attribute values.
const WS: u16 = 32;
/// A C0 control other than tab, line feed and carriage return, or 0xEF (the first byte of U+FFFE and U+FFFF): the
/// exact per-character check decides.
const ODD: u16 = 64;
/// A byte that can be part of a name: ASCII letters and digits, '_', '-', '.', ':', and every byte of a non-ASCII
/// character (the name check that follows decides).
const NAME: u16 = 128;
/// ':' (also a name byte).
const COLON: u16 = 256;
/// A byte of a non-ASCII character (also a name byte).
const HIGH: u16 = 512;

const fn class_of(b: u8) -> u16 {
    let mut c = 0;
    if b == b'<' {
        c |= LT;
    }
    if b == b'&' {
        c |= AMP;
    }
    if b == b']' {
        c |= RSQB;
    }
    if b == b'"' {
        c |= QUOT;
    }
    if b == b'\'' {
        c |= APOS;
    }
    if b == b'\t' || b == b'\n' || b == b'\r' {
        c |= WS;
    }
    if (b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r') || b == 0xEF {
        c |= ODD;
    }
    if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.' || b == b':' || b >= 0x80 {
        c |= NAME;
    }
    if b == b':' {
        c |= COLON;
    }
    if b >= 0x80 {
        c |= HIGH;
    }
    c
}

/// The class of every byte.
static CLASS: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        // A while loop is all a constant initializer allows; `i` stays below the array's length.
        let all: &mut [u16] = &mut t;
        if let Some(slot) = all.split_at_mut(i).1.first_mut() {
            *slot = class_of(i as u8);
        }
        i += 1;
    }
    t
};

#[inline(always)]
fn class(b: u8) -> u16 {
    CLASS.get(usize::from(b)).copied().unwrap_or(0)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// A name as written, checked, and its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct QName<'a> {
    pub(super) full: &'a str,
    pub(super) prefix: Option<&'a str>,
    pub(super) local: &'a str,
}

impl QName<'_> {
    /// `xmlns` or `xmlns:p`: a namespace declaration rather than an attribute.
    pub(super) fn is_declaration(&self) -> bool {
        match self.prefix {
            None => self.local == "xmlns",
            Some(p) => p == "xmlns",
        }
    }
}

/// Whether an ASCII name part (its bytes already known to be letters, digits, '_', '-' or '.') starts as an NCName
/// must: with a letter or '_'.
fn ascii_ncname_start(part: &str) -> bool {
    part.as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
}

/// What the scanner found next.
pub(super) enum Token<'a> {
    /// A start tag: its qualified name (attributes are in the list passed to [`Scanner::next`]), whether it
    /// closes itself (`<a/>`), and where it began and ended.
    Start {
        name: QName<'a>,
        empty: bool,
        start: usize,
        end: usize,
    },
    /// An end tag and where it ended.
    End {
        qname: &'a str,
        end: usize,
    },
    /// Text as written (references not resolved), and whether it holds a reference.
    Text {
        raw: &'a str,
        refs: bool,
    },
    /// A CDATA section's content.
    CData(&'a str),
    Comment(&'a str),
    Pi {
        target: &'a str,
        data: &'a str,
    },
    Eof,
}

/// One attribute as written: its qualified name, its value between the quotes (references not resolved), and
/// whether the value needs unescaping or normalizing.
pub(super) struct RawAttr<'a> {
    pub(super) key: QName<'a>,
    pub(super) value: &'a str,
    pub(super) plain: bool,
}

pub(super) struct Scanner<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(src: &'a str) -> Self {
        Self { src, pos: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn byte_at(&self, i: usize) -> Option<u8> {
        self.bytes().get(i).copied()
    }

    fn rest(&self) -> &'a [u8] {
        self.bytes().get(self.pos..).unwrap_or_default()
    }

    fn slice(&self, from: usize, to: usize) -> Result<&'a str, XmlError> {
        self.src
            .get(from..to)
            .ok_or_else(|| malformed("the parser lost track of the text"))
    }

    fn skip_spaces(&mut self) -> bool {
        let n = self.rest().iter().take_while(|b| is_space(**b)).count();
        self.pos += n;
        n > 0
    }

    /// A qualified name: an NCName, or two joined by one ':'. One pass over its bytes checks an ASCII name; one with
    /// other characters takes the per-character check.
    fn name(&mut self) -> Result<QName<'a>, XmlError> {
        let start = self.pos;
        let mut seen = 0u16;
        let mut n = 0;
        for b in self.rest() {
            let c = class(*b);
            if c & NAME == 0 {
                break;
            }
            seen |= c;
            n += 1;
        }
        if n == 0 {
            return Err(malformed(match self.byte_at(start) {
                Some(b) if b.is_ascii_graphic() => {
                    format!("'{}' where a name was expected", b as char)
                }
                Some(_) => "a space or an invalid character where a name was expected".to_string(),
                None => "the document ends where a name was expected".to_string(),
            }));
        }
        self.pos += n;
        // Name bytes include every byte of a non-ASCII character and no ASCII delimiter, so this is a whole
        // number of characters.
        let full = self.slice(start, self.pos)?;
        let colon = if seen & COLON != 0 {
            full.bytes().position(|b| b == b':')
        } else {
            None
        };
        let (prefix, local) = match colon {
            Some(i) => (full.get(..i), full.get(i + 1..).unwrap_or_default()),
            None => (None, full),
        };
        let ok = (colon.is_none() || !local.as_bytes().contains(&b':'))
            && if seen & HIGH == 0 {
                prefix.is_none_or(ascii_ncname_start) && ascii_ncname_start(local)
            } else {
                prefix.is_none_or(is_ncname) && is_ncname(local)
            };
        if !ok {
            return Err(malformed(format!("'{full}' is not a valid name")));
        }
        Ok(QName {
            full,
            prefix,
            local,
        })
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        if self.rest().starts_with(lit) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    /// Moves past the next `lit`, returning the text before it; `what` names the construct left open.
    fn until(&mut self, lit: &[u8], what: &str) -> Result<&'a str, XmlError> {
        let start = self.pos;
        let found =
            find(self.rest(), lit).ok_or_else(|| malformed(format!("{what} is not closed")))?;
        self.pos = start + found + lit.len();
        self.slice(start, start + found)
    }

    /// The next token. A start tag's attributes are put in `attrs` (cleared first).
    /// `open` is the name of the innermost open element, which an end tag most likely repeats.
    pub(super) fn next(
        &mut self,
        attrs: &mut Vec<RawAttr<'a>>,
        open: Option<&str>,
    ) -> Result<Token<'a>, XmlError> {
        let start = self.pos;
        match self.byte_at(start) {
            None => Ok(Token::Eof),
            Some(b'<') => self.markup(attrs, open),
            Some(_) => self.text(),
        }
    }

    /// Text up to the next '<' or the end. Every byte goes through the class table once; a block of 16 is tested
    /// without a branch per byte.
    fn text(&mut self) -> Result<Token<'a>, XmlError> {
        let start = self.pos;
        let rest = self.rest();
        let mut seen = 0u16;
        let mut len = rest.len();
        let mut at = 0;
        for block in rest.chunks(16) {
            let k = block.iter().fold(0u16, |k, b| k | class(*b));
            if k & LT != 0 {
                let mut in_block = 0;
                for b in block {
                    let c = class(*b);
                    if c & LT != 0 {
                        break;
                    }
                    seen |= c;
                    in_block += 1;
                }
                len = at + in_block;
                break;
            }
            seen |= k;
            at += block.len();
        }
        self.pos = start + len;
        let raw = self.src.get(start..start + len).unwrap_or_default();
        Token::Text {
            raw,
            refs: seen & AMP != 0,
        }
        .checked(seen)
    }

    fn markup(
        &mut self,
        attrs: &mut Vec<RawAttr<'a>>,
        open: Option<&str>,
    ) -> Result<Token<'a>, XmlError> {
        let start = self.pos;
        match self.byte_at(start + 1) {
            Some(b'/') => {
                self.pos = start + 2;
                // The open element's name, already checked, and then no more name bytes: the same name. Anything
                // else is scanned as a name (and the builder says it does not match).
                let qname = match open {
                    Some(q)
                        if self.rest().starts_with(q.as_bytes())
                            && self
                                .byte_at(self.pos + q.len())
                                .is_none_or(|b| class(b) & NAME == 0) =>
                    {
                        let from = self.pos;
                        self.pos += q.len();
                        self.slice(from, self.pos)?
                    }
                    _ => self.name()?.full,
                };
                self.skip_spaces();
                if !self.eat(b">") {
                    return Err(malformed(format!(
                        "the end tag </{qname}> is not closed by '>'"
                    )));
                }
                Ok(Token::End {
                    qname,
                    end: self.pos,
                })
            }
            Some(b'!') => {
                self.pos = start + 2;
                if self.eat(b"--") {
                    let body = self.until(b"--", "a comment")?;
                    if !self.eat(b">") {
                        return Err(malformed("'--' inside a comment"));
                    }
                    check_chars(body)?;
                    Ok(Token::Comment(body))
                } else if self.eat(b"[CDATA[") {
                    let body = self.until(b"]]>", "a CDATA section")?;
                    check_chars(body)?;
                    Ok(Token::CData(body))
                } else if self
                    .rest()
                    .get(..7)
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"DOCTYPE"))
                {
                    Err(XmlError::Doctype)
                } else {
                    Err(malformed("'<!' that starts no comment or CDATA section"))
                }
            }
            Some(b'?') => {
                self.pos = start + 2;
                let target = self.name()?.full;
                let data = if self.eat(b"?>") {
                    ""
                } else if self.skip_spaces() {
                    self.until(b"?>", "a processing instruction")?
                } else {
                    return Err(malformed(format!(
                        "the processing instruction <?{target} is malformed"
                    )));
                };
                check_chars(data)?;
                Ok(Token::Pi { target, data })
            }
            _ => {
                self.pos = start + 1;
                let name = self.name()?;
                attrs.clear();
                let empty = self.attributes(name.full, attrs)?;
                Ok(Token::Start {
                    name,
                    empty,
                    start,
                    end: self.pos,
                })
            }
        }
    }

    /// The attributes of a start tag, up to and past its '>' or "/>"; true for "/>".
    fn attributes(&mut self, qname: &str, attrs: &mut Vec<RawAttr<'a>>) -> Result<bool, XmlError> {
        loop {
            let spaced = self.skip_spaces();
            match self.byte_at(self.pos) {
                Some(b'>') => {
                    self.pos += 1;
                    return Ok(false);
                }
                Some(b'/') => {
                    if self.byte_at(self.pos + 1) != Some(b'>') {
                        return Err(malformed(format!("a '/' inside the start tag <{qname}>")));
                    }
                    self.pos += 2;
                    return Ok(true);
                }
                None => return Err(malformed(format!("the start tag <{qname}> is not closed"))),
                Some(_) if !spaced => {
                    return Err(malformed(format!(
                        "the start tag <{qname}> needs a space before each attribute, and '>' or '/>' at its end"
                    )))
                }
                Some(_) => {}
            }
            let key = self.name()?;
            self.skip_spaces();
            if !self.eat(b"=") {
                return Err(malformed(format!(
                    "the attribute {} has no '=' and value",
                    key.full
                )));
            }
            self.skip_spaces();
            let quote = match self.byte_at(self.pos) {
                Some(b'"') => QUOT,
                Some(b'\'') => APOS,
                _ => {
                    return Err(malformed(format!(
                        "the value of the attribute {} is not quoted",
                        key.full
                    )))
                }
            };
            self.pos += 1;
            let from = self.pos;
            let mut seen = 0u16;
            let n = self
                .rest()
                .iter()
                .take_while(|b| {
                    let c = class(**b);
                    seen |= c;
                    c & quote == 0
                })
                .count();
            if self.byte_at(from + n).is_none() {
                return Err(malformed(format!(
                    "the value of the attribute {} is not closed",
                    key.full
                )));
            }
            self.pos = from + n + 1;
            if seen & LT != 0 {
                return Err(malformed("'<' inside an attribute value"));
            }
            let value = self.slice(from, from + n)?;
            if seen & ODD != 0 {
                check_chars(value)?;
            }
            attrs.push(RawAttr {
                key,
                value,
                plain: seen & (AMP | WS) == 0,
            });
        }
    }
}

impl<'a> Token<'a> {
    /// A text token after the checks its byte classes call for: no `]]>`, only XML characters.
    fn checked(self, seen: u16) -> Result<Token<'a>, XmlError> {
        if let Token::Text { raw, .. } = &self {
            if seen & RSQB != 0 && raw.contains("]]>") {
                return Err(malformed("']]>' in text"));
            }
            if seen & ODD != 0 {
                check_chars(raw)?;
            }
        }
        Ok(self)
    }
}

/// Where `lit` first occurs in `hay`: a scan for its first byte, then a comparison.
fn find(hay: &[u8], lit: &[u8]) -> Option<usize> {
    let (&first, tail) = lit.split_first()?;
    let mut from = 0;
    while let Some(i) = hay.get(from..)?.iter().position(|b| *b == first) {
        let at = from + i;
        if hay.get(at + 1..at + lit.len()) == Some(tail) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Parses the XML declaration's pseudo-attributes (after `<?xml`, before `?>`): version 1.0, then an optional
/// encoding (UTF-8 only) and standalone, in that order.
pub(super) fn declaration(data: &str) -> Result<(), XmlError> {
    let bad = || malformed("the XML declaration is malformed");
    let mut pairs = Vec::new();
    let mut rest = data.trim_start_matches(is_space_char);
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=').ok_or_else(bad)?;
        let after = after.trim_start_matches(is_space_char);
        let quote = after
            .chars()
            .next()
            .filter(|q| *q == '"' || *q == '\'')
            .ok_or_else(bad)?;
        let (value, tail) = after
            .get(1..)
            .and_then(|a| a.split_once(quote))
            .ok_or_else(bad)?;
        pairs.push((name.trim_end_matches(is_space_char), value));
        if !(tail.is_empty() || tail.starts_with(is_space_char)) {
            return Err(bad());
        }
        rest = tail.trim_start_matches(is_space_char);
        if pairs.len() > 3 {
            return Err(bad());
        }
    }
    let mut it = pairs.into_iter().peekable();
    match it.next() {
        Some(("version", "1.0")) => {}
        Some(("version", v)) => {
            return Err(XmlError::Version {
                version: v.to_string(),
            })
        }
        _ => return Err(malformed("the XML declaration has no version")),
    }
    if let Some((_, enc)) = it.next_if(|(n, _)| *n == "encoding") {
        if !enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8") {
            return Err(XmlError::Encoding {
                encoding: enc.to_string(),
            });
        }
    }
    // An optional standalone="yes" or "no"; anything else is left over and refused below.
    let _standalone = it.next_if(|(n, v)| *n == "standalone" && matches!(*v, "yes" | "no"));
    match it.next() {
        None => Ok(()),
        Some(_) => Err(bad()),
    }
}

fn is_space_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}
