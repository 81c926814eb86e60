//! Exclusive XML Canonicalization 1.0 without comments (W3C Recommendation, 18 July 2002), over a subtree of our
//! own [`Document`](crate::xml::Document).
//!
//! This is the only canonicalization SAML needs. The node set is always "the element `apex` and everything inside
//! it", optionally minus one subtree: the enveloped-signature transform is exactly "leave out this Signature".

use std::collections::{HashMap, HashSet};

use crate::xml::{Document, NodeId, NodeKind, XML_NS};

/// Why canonicalization failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum C14nError {
    #[error("canonicalization was asked for node {0}, which is not an element of this document (internal error: please report it)")]
    NotAnElement(NodeId),
    #[error("the canonical form of the signed element would be larger than {max} bytes: a namespace declaration repeated on many elements blows it up (genuine responses stay near their own size); refused")]
    TooLarge { max: usize },
}

/// The largest canonical form produced: 16 times the largest accepted document. Exclusive c14n repeats a namespace
/// declaration on every element that uses it without its parent using it, so a long namespace URI and many small
/// elements could otherwise turn 1 MiB into gigabytes.
pub const MAX_CANONICAL_BYTES: usize = 16 * crate::xml::DEFAULT_MAX_BYTES;

/// Canonicalizes the element `apex` and its descendants, leaving out the subtree `exclude` (the enveloped
/// signature), with the InclusiveNamespaces `inclusive_prefixes` (`"#default"` names the default namespace).
///
/// The cost is linear in the output: each element costs its own namespace declarations, attributes and visibly
/// used prefixes, never the depth, the declarations in scope or the length of the prefix list.
pub fn canonicalize(
    doc: &Document,
    apex: NodeId,
    exclude: Option<NodeId>,
    inclusive_prefixes: &[String],
) -> Result<Vec<u8>, C14nError> {
    canonicalize_within(doc, apex, exclude, inclusive_prefixes, MAX_CANONICAL_BYTES)
}

fn canonicalize_within(
    doc: &Document,
    apex: NodeId,
    exclude: Option<NodeId>,
    inclusive_prefixes: &[String],
    max: usize,
) -> Result<Vec<u8>, C14nError> {
    let Some(apex_el) = doc.element(apex) else {
        return Err(C14nError::NotAnElement(apex));
    };
    let inclusive: HashSet<&str> = inclusive_prefixes
        .iter()
        .map(|p| if p == "#default" { "" } else { p.as_str() })
        .collect();
    // The input's namespaces in scope at the apex (those of its parent, then its own; nearest declaration wins):
    // needed only for the inclusive prefixes, which the apex renders wherever declared above it.
    let in_scope = match doc.parent(apex) {
        Some(p) if doc.element(p).is_some() && !inclusive.is_empty() => doc.in_scope_namespaces(p),
        _ => Vec::new(),
    };
    let mut at_apex: HashMap<&str, &str> = in_scope
        .iter()
        .map(|(p, u)| (p.as_str(), u.as_str()))
        .collect();
    for d in &apex_el.ns_decls {
        at_apex.insert(d.prefix.as_deref().unwrap_or(""), &d.uri);
    }
    let apex_inclusive: Vec<(&str, &str)> = inclusive
        .iter()
        .filter_map(|p| at_apex.get(p).map(|u| (*p, *u)))
        .collect();
    let mut walk = Walk {
        doc,
        exclude,
        apex,
        inclusive,
        apex_inclusive,
        rendered: Rendered::default(),
        scratch: Scratch::default(),
        max,
    };
    let mut out = Vec::with_capacity(4096);
    walk.render(apex, &mut out)?;
    Ok(out)
}

/// The namespace declarations output by the ancestors of the current element, innermost last, with where each
/// prefix's are (`""` for the default namespace): a look-up scans the last few and otherwise costs one hash
/// look-up, whatever the depth. A log undoes an element's declarations when it ends.
#[derive(Default)]
struct Rendered<'a> {
    log: Vec<(&'a str, &'a str)>,
    by_prefix: HashMap<&'a str, Vec<&'a str>>,
}

/// How many of the latest declarations a look-up scans before it asks the map (real documents declare a few).
const SCAN: usize = 8;

impl<'a> Rendered<'a> {
    fn get(&self, prefix: &str) -> Option<&'a str> {
        if let Some((_, u)) = self.log.iter().rev().take(SCAN).find(|(p, _)| *p == prefix) {
            return Some(u);
        }
        if self.log.len() <= SCAN {
            return None;
        }
        self.by_prefix.get(prefix).and_then(|v| v.last()).copied()
    }

    fn push(&mut self, prefix: &'a str, uri: &'a str) {
        self.by_prefix.entry(prefix).or_default().push(uri);
        self.log.push((prefix, uri));
    }

    fn mark(&self) -> usize {
        self.log.len()
    }

    fn restore(&mut self, mark: usize) {
        while self.log.len() > mark {
            let Some((p, _)) = self.log.pop() else { break };
            if let Some(v) = self.by_prefix.get_mut(p) {
                v.pop();
            }
        }
    }
}

/// Per-element working lists, used only while an element's start tag is written (before its children), so one set
/// serves the whole walk instead of two allocations per element.
#[derive(Default)]
struct Scratch<'a> {
    /// Visibly utilized and inclusive prefixes, with their namespace in scope at the element.
    wanted: Vec<(&'a str, &'a str)>,
    attrs: Vec<&'a crate::xml::Attribute<'a>>,
}

/// One canonicalization.
struct Walk<'a> {
    doc: &'a Document<'a>,
    exclude: Option<NodeId>,
    apex: NodeId,
    inclusive: HashSet<&'a str>,
    /// The inclusive prefixes in scope at the apex, with their namespaces.
    apex_inclusive: Vec<(&'a str, &'a str)>,
    rendered: Rendered<'a>,
    scratch: Scratch<'a>,
    max: usize,
}

impl<'a> Walk<'a> {
    fn check_size(&self, out: &[u8]) -> Result<(), C14nError> {
        if out.len() > self.max {
            return Err(C14nError::TooLarge { max: self.max });
        }
        Ok(())
    }

    /// Renders one node and what it contains.
    fn render(&mut self, id: NodeId, out: &mut Vec<u8>) -> Result<(), C14nError> {
        if Some(id) == self.exclude {
            return Ok(());
        }
        let doc = self.doc;
        let Some(node) = doc.node(id) else {
            return Ok(());
        };
        match &node.kind {
            NodeKind::Text(t) => escape_text(t, out),
            NodeKind::Comment(_) => {}
            NodeKind::Pi { target, data } => {
                out.extend_from_slice(b"<?");
                out.extend_from_slice(target.as_bytes());
                if !data.is_empty() {
                    out.push(b' ');
                    out.extend_from_slice(data.as_bytes());
                }
                out.extend_from_slice(b"?>");
            }
            NodeKind::Element(e) => {
                let rendered_mark = self.rendered.mark();
                self.start_tag(id, e, out)?;
                for c in doc.children(id) {
                    self.render(*c, out)?;
                }
                self.rendered.restore(rendered_mark);
                out.extend_from_slice(b"</");
                push_qname(e.prefix.as_deref(), &e.local, out);
                out.push(b'>');
            }
        }
        self.check_size(out)
    }

    /// Writes the start tag of `e`, and records the namespace declarations it outputs.
    fn start_tag(
        &mut self,
        id: NodeId,
        e: &'a crate::xml::Element,
        out: &mut Vec<u8>,
    ) -> Result<(), C14nError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        let Scratch { wanted, attrs } = &mut scratch;
        wanted.clear();
        attrs.clear();
        // Visibly utilized prefixes (exc-c14n 3): the element's own, and those of its qualified attributes. The
        // parser already resolved each to the namespace in scope here.
        // (`xml` is bound everywhere and never declared.)
        let own = e.prefix.as_deref().unwrap_or("");
        if own != "xml" {
            wanted.push((own, e.ns.as_deref().unwrap_or("")));
        }
        for a in &e.attrs {
            if let (Some(p), Some(u)) = (a.prefix.as_deref(), a.ns.as_deref()) {
                if p != "xml" {
                    wanted.push((p, u));
                }
            }
        }
        // InclusiveNamespaces prefixes are handled as in inclusive c14n: emitted wherever in scope and not already
        // output with the same value by an ancestor. Below the apex every ancestor is output and has rendered each
        // listed prefix in its scope, so only a prefix this element declares can need rendering here: the list is
        // walked once, at the apex, never per element.
        if id == self.apex {
            wanted.extend(self.apex_inclusive.iter().copied());
        } else if !self.inclusive.is_empty() {
            for d in &e.ns_decls {
                let p = d.prefix.as_deref().unwrap_or("");
                if self.inclusive.contains(p) {
                    wanted.push((p, &d.uri));
                }
            }
        }
        // Sorted by prefix, once each (a prefix has one namespace in scope here, whoever asked for it).
        wanted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        wanted.dedup_by(|a, b| a.0 == b.0);

        out.push(b'<');
        push_qname(e.prefix.as_deref(), &e.local, out);
        for &(p, uri) in wanted.iter() {
            let prev = self.rendered.get(p);
            if p.is_empty() {
                // The default namespace: xmlns="" only undoes a non-empty default rendered by an ancestor.
                if uri == prev.unwrap_or("") {
                    continue;
                }
                out.extend_from_slice(b" xmlns=\"");
            } else {
                if prev == Some(uri) || uri.is_empty() {
                    continue;
                }
                out.extend_from_slice(b" xmlns:");
                out.extend_from_slice(p.as_bytes());
                out.extend_from_slice(b"=\"");
            }
            escape_attr(uri, out);
            out.push(b'"');
            self.rendered.push(p, uri);
            self.check_size(out)?;
        }
        // Attributes sorted by (namespace URI, local name); unqualified ones (empty URI) first.
        attrs.extend(e.attrs.iter());
        attrs.sort_by(|a, b| {
            let ka = (a.ns.as_deref().unwrap_or(""), &*a.local);
            let kb = (b.ns.as_deref().unwrap_or(""), &*b.local);
            ka.cmp(&kb)
        });
        for a in attrs.iter() {
            out.push(b' ');
            let prefix = match a.ns.as_deref() {
                Some(XML_NS) => Some("xml"),
                _ => a.prefix.as_deref(),
            };
            push_qname(prefix, &a.local, out);
            out.extend_from_slice(b"=\"");
            escape_attr(&a.value, out);
            out.push(b'"');
        }
        out.push(b'>');
        self.scratch = scratch;
        self.check_size(out)
    }
}

fn push_qname(prefix: Option<&str>, local: &str, out: &mut Vec<u8>) {
    if let Some(p) = prefix {
        out.extend_from_slice(p.as_bytes());
        out.push(b':');
    }
    out.extend_from_slice(local.as_bytes());
}

/// Writes `s` with the bytes `special` picks replaced by `escape`'s text: runs of plain bytes are copied whole (most
/// text and values have nothing to escape), and the output grows once for the whole string.
fn escape_with(
    s: &str,
    out: &mut Vec<u8>,
    special: impl Fn(u8) -> bool,
    escape: impl Fn(u8) -> &'static [u8],
) {
    out.reserve(s.len());
    let bytes = s.as_bytes();
    let mut from = 0;
    for (i, b) in bytes.iter().enumerate() {
        if special(*b) {
            out.extend_from_slice(bytes.get(from..i).unwrap_or_default());
            out.extend_from_slice(escape(*b));
            from = i + 1;
        }
    }
    out.extend_from_slice(bytes.get(from..).unwrap_or_default());
}

fn escape_text(s: &str, out: &mut Vec<u8>) {
    escape_with(
        s,
        out,
        |b| matches!(b, b'&' | b'<' | b'>' | b'\r'),
        |b| match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            _ => b"&#xD;",
        },
    );
}

fn escape_attr(s: &str, out: &mut Vec<u8>) {
    escape_with(
        s,
        out,
        |b| matches!(b, b'&' | b'<' | b'"' | b'\t' | b'\n' | b'\r'),
        |b| match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'"' => b"&quot;",
            b'\t' => b"&#x9;",
            b'\n' => b"&#xA;",
            _ => b"&#xD;",
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::parse;

    /// The previous implementation, kept as the oracle: its cost grew with prefixes x elements x declarations in
    /// scope, but its output is the reference the linear one must reproduce byte for byte.
    mod naive {
        use super::super::{escape_attr, escape_text, push_qname, C14nError};
        use crate::xml::{Document, NodeId, NodeKind, XML_NS};

        pub(super) fn canonicalize(
            doc: &Document,
            apex: NodeId,
            exclude: Option<NodeId>,
            inclusive_prefixes: &[String],
        ) -> Result<Vec<u8>, C14nError> {
            if doc.element(apex).is_none() {
                return Err(C14nError::NotAnElement(apex));
            }
            let inclusive: Vec<&str> = inclusive_prefixes
                .iter()
                .map(|p| if p == "#default" { "" } else { p.as_str() })
                .collect();
            let mut out = Vec::with_capacity(4096);
            // Namespaces in scope in the input at the apex's parent (nearest declaration wins).
            let in_scope = match doc.parent(apex) {
                Some(p) if doc.element(p).is_some() => doc.in_scope_namespaces(p),
                _ => Vec::new(),
            };
            let mut scope: Vec<(&str, &str)> = in_scope
                .iter()
                .map(|(p, u)| (p.as_str(), u.as_str()))
                .collect();
            let mut rendered: Vec<(&str, &str)> = Vec::new();
            let mut scratch = NaiveScratch::default();
            render(
                doc,
                apex,
                exclude,
                &inclusive,
                &mut scope,
                &mut rendered,
                &mut scratch,
                &mut out,
            );
            Ok(out)
        }

        /// Per-element working lists, used only while an element's start tag is written (before its children), so one set
        /// serves the whole walk instead of three allocations per element.
        #[derive(Default)]
        struct NaiveScratch<'a> {
            wanted: Vec<&'a str>,
            emit: Vec<(&'a str, &'a str)>,
            attrs: Vec<&'a crate::xml::Attribute<'a>>,
        }

        fn lookup<'a>(scope: &[(&'a str, &'a str)], prefix: &str) -> Option<&'a str> {
            scope
                .iter()
                .rev()
                .find(|(p, _)| *p == prefix)
                .map(|(_, u)| *u)
        }

        /// Renders one node. `scope` holds the input's namespace declarations in scope (nearest last) and `rendered` the
        /// declarations already output by ancestors; both are restored before returning.
        #[allow(clippy::too_many_arguments)]
        fn render<'a>(
            doc: &'a Document<'a>,
            id: NodeId,
            exclude: Option<NodeId>,
            inclusive: &[&'a str],
            scope: &mut Vec<(&'a str, &'a str)>,
            rendered: &mut Vec<(&'a str, &'a str)>,
            scratch: &mut NaiveScratch<'a>,
            out: &mut Vec<u8>,
        ) {
            if Some(id) == exclude {
                return;
            }
            let Some(node) = doc.node(id) else { return };
            match &node.kind {
                NodeKind::Text(t) => escape_text(t, out),
                NodeKind::Comment(_) => {}
                NodeKind::Pi { target, data } => {
                    out.extend_from_slice(b"<?");
                    out.extend_from_slice(target.as_bytes());
                    if !data.is_empty() {
                        out.push(b' ');
                        out.extend_from_slice(data.as_bytes());
                    }
                    out.extend_from_slice(b"?>");
                }
                NodeKind::Element(e) => {
                    // The input's namespace context at this element.
                    let scope_mark = scope.len();
                    let rendered_mark = rendered.len();
                    for d in &e.ns_decls {
                        scope.push((d.prefix.as_deref().unwrap_or(""), &d.uri));
                    }
                    // Visibly utilized prefixes (exc-c14n 3): the element's own, and those of its qualified attributes.
                    let NaiveScratch {
                        wanted,
                        emit,
                        attrs,
                    } = scratch;
                    wanted.clear();
                    emit.clear();
                    attrs.clear();
                    wanted.push(e.prefix.as_deref().unwrap_or(""));
                    for a in &e.attrs {
                        if let Some(p) = a.prefix.as_deref() {
                            if p != "xml" && !wanted.contains(&p) {
                                wanted.push(p);
                            }
                        }
                    }
                    // InclusiveNamespaces prefixes are handled as in inclusive c14n: emitted wherever in scope.
                    for p in inclusive {
                        if !wanted.contains(p) && lookup(scope, p).is_some() {
                            wanted.push(p);
                        }
                    }
                    for &p in wanted.iter() {
                        let uri = lookup(scope, p).unwrap_or("");
                        let prev = lookup(rendered, p).unwrap_or("");
                        if p.is_empty() {
                            // The default namespace: xmlns="" only undoes a non-empty default rendered by an ancestor.
                            if uri == prev {
                                continue;
                            }
                        } else if lookup(rendered, p) == Some(uri) || uri.is_empty() {
                            continue;
                        }
                        emit.push((p, uri));
                        rendered.push((p, uri));
                    }
                    emit.sort_by(|a, b| a.0.cmp(b.0));

                    out.push(b'<');
                    push_qname(e.prefix.as_deref(), &e.local, out);
                    for (p, uri) in emit.iter() {
                        if p.is_empty() {
                            out.extend_from_slice(b" xmlns=\"");
                        } else {
                            out.extend_from_slice(b" xmlns:");
                            out.extend_from_slice(p.as_bytes());
                            out.extend_from_slice(b"=\"");
                        }
                        escape_attr(uri, out);
                        out.push(b'"');
                    }
                    // Attributes sorted by (namespace URI, local name); unqualified ones (empty URI) first.
                    attrs.extend(e.attrs.iter());
                    attrs.sort_by(|a, b| {
                        let ka = (a.ns.as_deref().unwrap_or(""), &*a.local);
                        let kb = (b.ns.as_deref().unwrap_or(""), &*b.local);
                        ka.cmp(&kb)
                    });
                    for a in attrs.iter() {
                        out.push(b' ');
                        let prefix = match a.ns.as_deref() {
                            Some(XML_NS) => Some("xml"),
                            _ => a.prefix.as_deref(),
                        };
                        push_qname(prefix, &a.local, out);
                        out.extend_from_slice(b"=\"");
                        escape_attr(&a.value, out);
                        out.push(b'"');
                    }
                    out.push(b'>');
                    for c in doc.children(id) {
                        render(doc, *c, exclude, inclusive, scope, rendered, scratch, out);
                    }
                    scope.truncate(scope_mark);
                    rendered.truncate(rendered_mark);
                    out.extend_from_slice(b"</");
                    push_qname(e.prefix.as_deref(), &e.local, out);
                    out.push(b'>');
                }
            }
        }
    }

    /// A small deterministic generator (xorshift), so the documents are the same on every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// A random document over a few prefixes and URIs: shadowing, default namespaces and their undeclaration,
    /// prefixed attributes, text and comments, and `ID`s to pick an apex and a subtree to leave out.
    fn random_doc(rng: &mut Rng) -> String {
        fn element(
            rng: &mut Rng,
            depth: usize,
            declared: &mut Vec<Vec<&'static str>>,
            out: &mut String,
            next_id: &mut usize,
        ) {
            const PREFIXES: [&str; 4] = ["a", "b", "c", "d"];
            const URIS: [&str; 3] = ["urn:x", "urn:y", "urn:z"];
            let mut decls = Vec::new();
            let mut tag = String::new();
            let mut has_default = false;
            for p in PREFIXES {
                if rng.next(4) == 0 {
                    decls.push(p);
                    tag.push_str(&format!(" xmlns:{p}=\"{}\"", URIS[rng.next(3) as usize]));
                }
            }
            match rng.next(5) {
                0 => {
                    has_default = true;
                    tag.push_str(&format!(" xmlns=\"{}\"", URIS[rng.next(3) as usize]));
                }
                1 => tag.push_str(" xmlns=\"\""),
                _ => {}
            }
            let _ = has_default;
            declared.push(decls);
            let visible: Vec<&str> = declared.iter().flatten().copied().collect();
            let name = match visible.get(rng.next(visible.len() as u64 + 1) as usize) {
                _ if rng.next(12) == 0 => "xml:e".to_string(),
                Some(p) => format!("{p}:e"),
                None => "e".to_string(),
            };
            tag.push_str(&format!(" ID=\"i{next_id}\""));
            if rng.next(4) == 0 {
                tag.push_str(" xml:lang=\"en\"");
            }
            *next_id += 1;
            for (k, p) in visible.iter().enumerate() {
                if rng.next(3) == 0 {
                    tag.push_str(&format!(" {p}:at{k}=\"v&#9;{k}\""));
                }
            }
            out.push_str(&format!("<{name}{tag}>"));
            if depth < 5 {
                for _ in 0..rng.next(4) {
                    match rng.next(4) {
                        0 => out.push_str("t&amp;<!--c-->"),
                        _ => element(rng, depth + 1, declared, out, next_id),
                    }
                }
            }
            out.push_str(&format!("</{name}>"));
            declared.pop();
        }
        let mut out = String::new();
        let mut next_id = 0;
        element(rng, 0, &mut Vec::new(), &mut out, &mut next_id);
        out
    }

    #[test]
    fn escapes_text_and_attribute_values_as_the_spec_lists() {
        let text = |s: &str| {
            let mut out = b"<".to_vec();
            escape_text(s, &mut out);
            String::from_utf8(out).unwrap()
        };
        let attr = |s: &str| {
            let mut out = Vec::new();
            escape_attr(s, &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(text(""), "<");
        assert_eq!(text("plain é"), "<plain é");
        assert_eq!(
            text("&a<b>c\rd\"e'\t\n&"),
            "<&amp;a&lt;b&gt;c&#xD;d\"e'\t\n&amp;"
        );
        assert_eq!(
            attr("&a<b>c\rd\"e'\t\nf"),
            "&amp;a&lt;b>c&#xD;d&quot;e'&#x9;&#xA;f"
        );
        assert_eq!(attr("\"\""), "&quot;&quot;");
    }

    #[test]
    fn matches_the_previous_implementation_on_random_documents() {
        const LISTS: [&[&str]; 6] = [
            &[],
            &["#default"],
            &["a"],
            &["b", "#default", "a"],
            &["a", "b", "c", "d", "#default", "nope", "a"],
            &["xml", "xmlns"],
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut compared = 0;
        let mut with_decls = 0;
        for _ in 0..400 {
            let xml = random_doc(&mut rng);
            let doc = parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
            let elements: Vec<NodeId> = doc.elements().collect();
            for list in LISTS {
                let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
                for _ in 0..3 {
                    let apex = elements[rng.next(elements.len() as u64) as usize];
                    let exclude = match rng.next(2) {
                        0 => None,
                        _ => Some(elements[rng.next(elements.len() as u64) as usize]),
                    };
                    let exclude = exclude.filter(|x| *x != apex);
                    let new = canonicalize(&doc, apex, exclude, &list).unwrap();
                    let old = naive::canonicalize(&doc, apex, exclude, &list).unwrap();
                    assert_eq!(
                        String::from_utf8_lossy(&new),
                        String::from_utf8_lossy(&old),
                        "apex {apex}, exclude {exclude:?}, list {list:?}: {xml}"
                    );
                    compared += 1;
                    if new.windows(7).any(|w| w == b" xmlns:") {
                        with_decls += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 400 * 6 * 3);
        // The documents exercise what matters: most canonical forms declare prefixes.
        assert!(with_decls > compared / 2, "{with_decls} of {compared}");
    }

    #[test]
    fn inclusive_prefixes_are_rendered_at_the_apex_and_where_redeclared() {
        let doc = parse(
            "<r xmlns:a=\"urn:1\" xmlns=\"urn:d\"><s><e xmlns:a=\"urn:2\"><f xmlns:a=\"urn:2\" xmlns=\"\"/></e></s></r>",
        )
        .unwrap();
        let s = doc.element_children(doc.root()).next().unwrap();
        let list = vec!["a".to_string(), "#default".to_string(), "a".to_string()];
        assert_eq!(
            String::from_utf8(canonicalize(&doc, s, None, &list).unwrap()).unwrap(),
            "<s xmlns=\"urn:d\" xmlns:a=\"urn:1\"><e xmlns:a=\"urn:2\"><f xmlns=\"\"></f></e></s>"
        );
    }

    #[test]
    fn the_canonical_form_is_bounded() {
        // The declaration is repeated on each child that uses it: 50 x 1,000 bytes from a 2 KB document.
        let xml = format!(
            "<r xmlns:p=\"urn:{}\">{}</r>",
            "u".repeat(1000),
            "<p:x/>".repeat(50)
        );
        let doc = parse(&xml).unwrap();
        let full = canonicalize(&doc, doc.root(), None, &[]).unwrap();
        assert!(full.len() > 50_000);
        assert_eq!(
            canonicalize_within(&doc, doc.root(), None, &[], 20_000),
            Err(C14nError::TooLarge { max: 20_000 })
        );
        assert_eq!(
            canonicalize_within(&doc, doc.root(), None, &[], full.len()).unwrap(),
            full
        );
        assert!(C14nError::TooLarge { max: 1 }
            .to_string()
            .contains("canonical form"));
    }
}
