//! Hardened XML parsing into our own tree.
//!
//! SAML's signature bypasses come from the signature check and the claim reader looking at different nodes, or at
//! different parses of the same bytes. So a document is parsed exactly once, here, into a [`Document`] that
//! canonicalization, signature verification and the response rules all read. Everything SAML never needs (DTDs,
//! entities, XML 1.1, other encodings) is refused, and every dimension of the input is bounded.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use quick_xml::events::Event;
use quick_xml::Reader;

mod scope;
mod text;

use scope::*;
use text::*;

/// The namespace bound to the `xml` prefix by the XML Namespaces specification.
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of `xmlns` declarations; it can never be bound by a document.
pub const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// Bounds on a parsed document. The defaults are far above any real SAML message and far below what hurts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum size of the XML text, in bytes (checked before anything is parsed).
    pub max_bytes: usize,
    /// Maximum element nesting depth.
    pub max_depth: usize,
    /// Maximum attributes on one element (namespace declarations not included).
    pub max_attributes: usize,
    /// Maximum namespace declarations on one element.
    pub max_namespace_decls: usize,
    /// Maximum number of nodes (elements, text, comments, processing instructions) in the document.
    pub max_nodes: usize,
    /// Maximum namespace declarations in scope at any element (those of the element and all its ancestors,
    /// shadowed ones included).
    pub max_namespaces_in_scope: usize,
}

/// 1 MiB: real responses, even with hundreds of group values, stay far below it.
pub const DEFAULT_MAX_BYTES: usize = 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_depth: 64,
            max_attributes: 64,
            max_namespace_decls: 32,
            max_nodes: 200_000,
            max_namespaces_in_scope: 256,
        }
    }
}

/// Why a document was refused. `is_unsafe` separates dangerous constructs (DTDs, entities) from plain malformation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("the XML is too large ({size} bytes; at most {max}): this is not a SAML message, or it was padded to attack the parser")]
    TooLarge { size: usize, max: usize },
    #[error("the XML nests elements deeper than {max} levels: SAML messages never do")]
    TooDeep { max: usize },
    #[error("an element has more than {max} attributes")]
    TooManyAttributes { max: usize },
    #[error("an element declares more than {max} namespaces")]
    TooManyNamespaces { max: usize },
    #[error("the XML has more than {max} nodes")]
    TooManyNodes { max: usize },
    #[error("an element has more than {max} namespace declarations in scope (its own and its ancestors'): SAML messages declare a handful")]
    TooManyNamespacesInScope { max: usize },
    #[error("the XML contains a DOCTYPE (document type declaration): SAML messages never carry one, and it is how entity-expansion and external-entity attacks start; refused")]
    Doctype,
    #[error("the XML uses the entity reference &{name}; : only &lt; &gt; &amp; &apos; &quot; and character references are allowed (entities are how XXE and 'billion laughs' attacks work)")]
    Entity { name: String },
    #[error("the XML declares version {version}: only XML 1.0 is accepted")]
    Version { version: String },
    #[error("the XML declares encoding {encoding}: only UTF-8 is accepted")]
    Encoding { encoding: String },
    #[error("the input is not UTF-8 text")]
    NotUtf8,
    #[error("the XML is not well-formed: {detail}")]
    Malformed { detail: String },
    #[error("the element <{name}> has the attribute {attr} twice")]
    DuplicateAttribute { name: String, attr: String },
    #[error("the prefix '{prefix}' is used but never declared")]
    UndeclaredPrefix { prefix: String },
    #[error("the namespace declaration xmlns:{prefix}=\"\" is not allowed in XML 1.0 namespaces")]
    EmptyPrefixedNamespace { prefix: String },
    #[error("the XML rebinds the reserved prefix or namespace '{what}'")]
    ReservedNamespace { what: String },
    #[error("the XML has no root element")]
    NoRoot,
}

impl XmlError {
    /// True for constructs refused because they enable attacks (DTDs, entities), as opposed to malformed input.
    pub fn is_unsafe(&self) -> bool {
        matches!(self, XmlError::Doctype | XmlError::Entity { .. })
    }

    /// True when a size bound was exceeded.
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            XmlError::TooLarge { .. }
                | XmlError::TooDeep { .. }
                | XmlError::TooManyAttributes { .. }
                | XmlError::TooManyNamespaces { .. }
                | XmlError::TooManyNodes { .. }
                | XmlError::TooManyNamespacesInScope { .. }
        )
    }
}

/// Index of a node in its [`Document`].
pub type NodeId = usize;

/// An attribute, namespace-resolved. `ns` is `None` for unprefixed attributes (which are in no namespace). Prefixes
/// and namespace URIs are shared with the declaration that bound them (one allocation per declaration, not per use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub prefix: Option<Arc<str>>,
    pub local: String,
    pub ns: Option<Arc<str>>,
    /// The normalized value (references resolved, literal whitespace turned into spaces, as XML 1.0 requires).
    pub value: String,
}

/// A namespace declaration made on an element. `prefix` is `None` for the default namespace; `uri` is empty for
/// `xmlns=""`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsDecl {
    pub prefix: Option<Arc<str>>,
    pub uri: Arc<str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub prefix: Option<Arc<str>>,
    pub local: String,
    /// The resolved namespace URI, `None` when the element is in no namespace.
    pub ns: Option<Arc<str>>,
    /// Attributes in document order (namespace declarations are in `ns_decls`).
    pub attrs: Vec<Attribute>,
    pub ns_decls: Vec<NsDecl>,
    /// Byte range of the whole element in the (line-end normalized) source text, and the end of its start tag.
    pub span: (usize, usize),
    pub start_tag_end: usize,
}

impl Element {
    /// True when the element has this namespace URI and local name (prefixes never matter).
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.local == local && self.ns.as_deref() == Some(ns)
    }

    /// The value of the unqualified attribute `local`.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// The qualified name as written (`prefix:local` or `local`).
    pub fn qname(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.local),
            None => self.local.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Element(Element),
    Text(String),
    Comment(String),
    Pi { target: String, data: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    pub parent: Option<NodeId>,
    /// Where this node's children are in [`Document::child_ids`].
    children: std::ops::Range<usize>,
}

/// A parsed document: one tree that every later step reads.
#[derive(Debug, Clone)]
pub struct Document {
    nodes: Vec<Node>,
    /// Every node's children, node after node (one vector for the whole tree rather than one per element).
    child_ids: Vec<NodeId>,
    root: NodeId,
    /// The line-end normalized text the spans refer to.
    source: String,
}

impl Document {
    pub fn root(&self) -> NodeId {
        self.root
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id)
    }

    pub fn element(&self, id: NodeId) -> Option<&Element> {
        match self.nodes.get(id).map(|n| &n.kind) {
            Some(NodeKind::Element(e)) => Some(e),
            _ => None,
        }
    }

    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.nodes.get(id).and_then(|n| n.parent)
    }

    pub fn children(&self, id: NodeId) -> &[NodeId] {
        self.nodes
            .get(id)
            .and_then(|n| self.child_ids.get(n.children.clone()))
            .unwrap_or(&[])
    }

    /// The element children of `id`, in order.
    pub fn element_children(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.children(id)
            .iter()
            .copied()
            .filter(|c| self.element(*c).is_some())
    }

    /// The element children of `id` with this namespace and local name.
    pub fn children_named<'a>(
        &'a self,
        id: NodeId,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = NodeId> + 'a {
        self.element_children(id)
            .filter(move |c| self.element(*c).is_some_and(|e| e.is(ns, local)))
    }

    /// Every node of the document in document order.
    pub fn all_nodes(&self) -> impl Iterator<Item = NodeId> {
        0..self.nodes.len()
    }

    /// All element ids in document order (nodes are stored in document order).
    pub fn elements(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).filter(|i| self.element(*i).is_some())
    }

    /// True when `node` is `ancestor` or lies inside it.
    pub fn is_within(&self, node: NodeId, ancestor: NodeId) -> bool {
        let mut cur = Some(node);
        while let Some(c) = cur {
            if c == ancestor {
                return true;
            }
            cur = self.parent(c);
        }
        false
    }

    /// The namespace declarations in scope at `id` (nearest declaration wins), as (prefix, uri) pairs; the
    /// default namespace has an empty prefix. Undeclarations (`xmlns=""`) are kept with an empty URI.
    pub fn in_scope_namespaces(&self, id: NodeId) -> Vec<(String, String)> {
        let mut chain = Vec::new();
        let mut cur = Some(id);
        while let Some(c) = cur {
            chain.push(c);
            cur = self.parent(c);
        }
        let mut scope: Vec<(String, String)> = Vec::new();
        // Where each prefix is in `scope` (a scan per declaration was quadratic in the declarations in scope).
        let mut at: HashMap<&str, usize> = HashMap::new();
        for c in chain.iter().rev() {
            if let Some(e) = self.element(*c) {
                for d in &e.ns_decls {
                    let p = d.prefix.as_deref().unwrap_or_default();
                    match at.get(p).and_then(|i| scope.get_mut(*i)) {
                        Some(slot) => slot.1 = d.uri.to_string(),
                        None => {
                            at.insert(p, scope.len());
                            scope.push((p.to_string(), d.uri.to_string()));
                        }
                    }
                }
            }
        }
        scope
    }

    /// The concatenated text of the direct text children of `id`, and whether anything other than text (a
    /// comment, a processing instruction or an element) was found among its children.
    pub fn text_only(&self, id: NodeId) -> (String, bool) {
        let mut out = String::new();
        let mut other = false;
        for c in self.children(id) {
            match self.nodes.get(*c).map(|n| &n.kind) {
                Some(NodeKind::Text(t)) => out.push_str(t),
                Some(_) => other = true,
                None => {}
            }
        }
        (out, other)
    }

    /// The line-end normalized source text the element spans refer to.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// Parses with the default [`Limits`].
pub fn parse(xml: &str) -> Result<Document, XmlError> {
    parse_with(xml, &Limits::default())
}

/// Parses bytes that must be UTF-8 (a UTF-8 byte order mark is allowed).
pub fn parse_bytes(xml: &[u8], limits: &Limits) -> Result<Document, XmlError> {
    if xml.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: xml.len(),
            max: limits.max_bytes,
        });
    }
    let s = std::str::from_utf8(xml).map_err(|_| XmlError::NotUtf8)?;
    parse_with(s, limits)
}

/// Parses `xml` within `limits`. Line ends are normalized first, as XML 1.0 section 2.11 requires.
pub fn parse_with(xml: &str, limits: &Limits) -> Result<Document, XmlError> {
    if xml.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: xml.len(),
            max: limits.max_bytes,
        });
    }
    let xml = xml.strip_prefix('\u{FEFF}').unwrap_or(xml);
    let source = if xml.contains('\r') {
        xml.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        xml.to_string()
    };
    // Sized once: a document has about one node (an element or the text after a tag) per '<'.
    let tags = source.bytes().filter(|b| *b == b'<').count();
    let mut nodes: Vec<Node> = Vec::with_capacity(tags.saturating_add(1).min(limits.max_nodes));
    let mut stack: Vec<NodeId> = Vec::new();
    let mut scope = Scope::default();
    // How many entries of `scope.decls` each open element added.
    let mut scope_marks: Vec<usize> = Vec::new();
    let mut root: Option<NodeId> = None;
    let mut seen_decl_allowed = true;

    let mut reader = Reader::from_str(&source);
    {
        let cfg = reader.config_mut();
        cfg.trim_text(false);
        cfg.expand_empty_elements = true;
        cfg.check_end_names = true;
        cfg.check_comments = true;
        cfg.allow_unmatched_ends = false;
    }

    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| malformed(e.to_string()))?;
        let end = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let first_event = seen_decl_allowed;
        seen_decl_allowed = false;
        match event {
            Event::Decl(d) => {
                if !first_event || start != 0 {
                    return Err(malformed("the XML declaration must come first"));
                }
                let version = d.version().map_err(|e| malformed(e.to_string()))?;
                if version != "1.0" {
                    return Err(XmlError::Version {
                        version: version.to_string(),
                    });
                }
                if let Some(enc) = d.encoding() {
                    let enc = enc.map_err(|e| malformed(e.to_string()))?;
                    if !enc.eq_ignore_ascii_case("utf-8") && !enc.eq_ignore_ascii_case("utf8") {
                        return Err(XmlError::Encoding {
                            encoding: enc.to_string(),
                        });
                    }
                }
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Start(e) => {
                if stack.is_empty() && root.is_some() {
                    return Err(malformed("more than one root element"));
                }
                if stack.len() >= limits.max_depth {
                    return Err(XmlError::TooDeep {
                        max: limits.max_depth,
                    });
                }
                let qname = e.name().0;
                let (prefix, local) = split_qname(qname)?;
                // Attributes keep their qualified name in `local` until the element's declarations are known.
                let mut attrs: Vec<Attribute> = Vec::new();
                let mut decls: Vec<NsDecl> = Vec::new();
                // Duplicates are found below, by qualified name for declarations and by expanded name for
                // attributes (which also catches any qualified name given twice).
                let mut attrs_iter = e.attributes();
                attrs_iter.with_checks(false);
                for a in attrs_iter {
                    let a = a.map_err(|err| malformed(err.to_string()))?;
                    let key = a.key.0;
                    let value = unescape(&a.value, true)?;
                    check_chars(&value)?;
                    let (ap, al) = split_qname(key)?;
                    match (ap, al) {
                        (None, "xmlns") => {
                            if value == XML_NS || value == XMLNS_NS {
                                return Err(XmlError::ReservedNamespace {
                                    what: value.into_owned(),
                                });
                            }
                            decls.push(NsDecl {
                                prefix: None,
                                uri: value.into(),
                            });
                        }
                        (Some("xmlns"), p) => {
                            if value.is_empty() {
                                return Err(XmlError::EmptyPrefixedNamespace {
                                    prefix: p.to_string(),
                                });
                            }
                            if p == "xmlns" || (p == "xml" && value != XML_NS) {
                                return Err(XmlError::ReservedNamespace {
                                    what: p.to_string(),
                                });
                            }
                            if p != "xml" && (value == XML_NS || value == XMLNS_NS) {
                                return Err(XmlError::ReservedNamespace {
                                    what: value.into_owned(),
                                });
                            }
                            if p == "xml" {
                                // Declaring xml to its own namespace is allowed and changes nothing.
                                continue;
                            }
                            decls.push(NsDecl {
                                prefix: Some(p.into()),
                                uri: value.into(),
                            });
                        }
                        _ => attrs.push(Attribute {
                            prefix: None,
                            local: key.to_string(),
                            ns: None,
                            value: value.into_owned(),
                        }),
                    }
                }
                if attrs.len() > limits.max_attributes {
                    return Err(XmlError::TooManyAttributes {
                        max: limits.max_attributes,
                    });
                }
                if decls.len() > limits.max_namespace_decls {
                    return Err(XmlError::TooManyNamespaces {
                        max: limits.max_namespace_decls,
                    });
                }
                for (i, d) in decls.iter().enumerate() {
                    if decls.iter().take(i).any(|o| o.prefix == d.prefix) {
                        return Err(XmlError::DuplicateAttribute {
                            name: qname.to_string(),
                            attr: match &d.prefix {
                                Some(p) => format!("xmlns:{p}"),
                                None => "xmlns".to_string(),
                            },
                        });
                    }
                }
                scope_marks.push(decls.len());
                for d in &decls {
                    scope.push(d);
                }
                if scope.decls.len() > limits.max_namespaces_in_scope {
                    return Err(XmlError::TooManyNamespacesInScope {
                        max: limits.max_namespaces_in_scope,
                    });
                }
                let (prefix, ns) = match prefix {
                    Some(p) => {
                        let d = binding(&scope, p)?;
                        (d.prefix.clone(), Some(d.uri.clone()))
                    }
                    None => (
                        None,
                        scope
                            .lookup(None)
                            .filter(|d| !d.uri.is_empty())
                            .map(|d| d.uri.clone()),
                    ),
                };
                for i in 0..attrs.len() {
                    if let Some(a) = attrs.get_mut(i) {
                        if let Some(colon) = a.local.find(':') {
                            let d = binding(&scope, &a.local[..colon])?;
                            a.prefix = d.prefix.clone();
                            a.ns = Some(d.uri.clone());
                            a.local.drain(..=colon);
                        }
                    }
                    let (before, rest) = attrs.split_at(i);
                    if let Some(a) = rest.first() {
                        if before.iter().any(|o| o.local == a.local && o.ns == a.ns) {
                            return Err(XmlError::DuplicateAttribute {
                                name: qname.to_string(),
                                attr: a.local.clone(),
                            });
                        }
                    }
                }
                let el = Element {
                    prefix,
                    local: local.to_string(),
                    ns,
                    attrs,
                    ns_decls: decls,
                    span: (start, end),
                    start_tag_end: end,
                };
                let id = push(
                    &mut nodes,
                    limits,
                    NodeKind::Element(el),
                    stack.last().copied(),
                )?;
                if stack.is_empty() {
                    root = Some(id);
                }
                stack.push(id);
            }
            Event::End(_) => {
                let id = stack
                    .pop()
                    .ok_or_else(|| malformed("an end tag without a start tag"))?;
                if let Some(Node {
                    kind: NodeKind::Element(el),
                    ..
                }) = nodes.get_mut(id)
                {
                    el.span.1 = end;
                }
                let n = scope_marks.pop().unwrap_or(0);
                let keep = scope.decls.len().saturating_sub(n);
                scope.truncate(keep);
            }
            Event::Empty(_) => return Err(malformed("unexpected empty element event")),
            Event::Text(t) => {
                let raw: &str = &t;
                if raw.contains("]]>") {
                    return Err(malformed("']]>' in text"));
                }
                let text = unescape(raw, false)?;
                check_chars(&text)?;
                text_into(&mut nodes, limits, &stack, &text)?;
            }
            Event::CData(c) => {
                let text: &str = &c;
                check_chars(text)?;
                if stack.is_empty() {
                    return Err(malformed("CDATA outside the root element"));
                }
                text_into(&mut nodes, limits, &stack, text)?;
            }
            Event::GeneralRef(r) => {
                let name: &str = &r;
                let c = resolve_ref(name)?;
                let mut buf = [0u8; 4];
                let text = c.encode_utf8(&mut buf);
                if stack.is_empty() {
                    return Err(malformed("a reference outside the root element"));
                }
                text_into(&mut nodes, limits, &stack, text)?;
            }
            Event::Comment(c) => {
                let text: &str = &c;
                check_chars(text)?;
                if let Some(p) = stack.last() {
                    push(
                        &mut nodes,
                        limits,
                        NodeKind::Comment(text.to_string()),
                        Some(*p),
                    )?;
                }
            }
            Event::PI(pi) => {
                let target = pi.target().to_string();
                if !is_ncname(&target) {
                    return Err(malformed(format!(
                        "'{target}' is not a valid processing instruction target"
                    )));
                }
                if target.eq_ignore_ascii_case("xml") {
                    return Err(malformed("an XML declaration that is not at the start"));
                }
                if let Some(p) = stack.last() {
                    let data = pi.content().trim_start().to_string();
                    push(&mut nodes, limits, NodeKind::Pi { target, data }, Some(*p))?;
                }
            }
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed(
            "the document ends before all elements are closed",
        ));
    }
    let root = root.ok_or(XmlError::NoRoot)?;
    let child_ids = link_children(&mut nodes);
    Ok(Document {
        nodes,
        child_ids,
        root,
        source,
    })
}

/// Adds a node (its children are linked at the end, by [`link_children`]).
fn push(
    nodes: &mut Vec<Node>,
    limits: &Limits,
    kind: NodeKind,
    parent: Option<NodeId>,
) -> Result<NodeId, XmlError> {
    if nodes.len() >= limits.max_nodes {
        return Err(XmlError::TooManyNodes {
            max: limits.max_nodes,
        });
    }
    nodes.push(Node {
        kind,
        parent,
        children: 0..0,
    });
    Ok(nodes.len() - 1)
}

/// Fills in every node's children from the parents (nodes are in document order, so children come out in order),
/// all in one vector.
fn link_children(nodes: &mut [Node]) -> Vec<NodeId> {
    // Count each node's children into the end of its range, then turn the counts into ranges.
    for i in 0..nodes.len() {
        if let Some(p) = nodes.get(i).and_then(|n| n.parent) {
            if let Some(pn) = nodes.get_mut(p) {
                pn.children.end += 1;
            }
        }
    }
    let mut next = 0;
    for n in nodes.iter_mut() {
        let count = n.children.end;
        n.children = next..next;
        next += count;
    }
    // Then place each node in its parent's range, which grows back to its full length.
    let mut child_ids = vec![0; next];
    for i in 0..nodes.len() {
        if let Some(p) = nodes.get(i).and_then(|n| n.parent) {
            if let Some(pn) = nodes.get_mut(p) {
                if let Some(slot) = child_ids.get_mut(pn.children.end) {
                    *slot = i;
                }
                pn.children.end += 1;
            }
        }
    }
    child_ids
}

/// Adds text to the current element, merged into the text node just before it (CDATA and references split text).
/// The last node added is the element's last child exactly when it is one of its children: anything else added
/// since was inside a child element.
fn text_into(
    nodes: &mut Vec<Node>,
    limits: &Limits,
    stack: &[NodeId],
    text: &str,
) -> Result<(), XmlError> {
    match stack.last() {
        None => {
            if text.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
                Ok(())
            } else {
                Err(malformed("text outside the root element"))
            }
        }
        Some(p) => {
            if text.is_empty() {
                return Ok(());
            }
            if let Some(Node {
                kind: NodeKind::Text(t),
                parent: Some(tp),
                ..
            }) = nodes.last_mut()
            {
                if tp == p {
                    t.push_str(text);
                    return Ok(());
                }
            }
            push(nodes, limits, NodeKind::Text(text.to_string()), Some(*p))?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(xml: &str) -> XmlError {
        match parse(xml) {
            Ok(_) => panic!("accepted: {xml}"),
            Err(e) => e,
        }
    }

    #[test]
    fn parses_namespaces_and_text() {
        let d = parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a:r xmlns:a=\"urn:a\" x=\"1&amp;2\"><b>t&lt;<![CDATA[<c>]]>&#65;</b><!--c--></a:r>").unwrap();
        let r = d.element(d.root()).unwrap();
        assert!(r.is("urn:a", "r"));
        assert_eq!(r.attr("x"), Some("1&2"));
        let b = d.element_children(d.root()).next().unwrap();
        assert_eq!(d.element(b).unwrap().ns, None);
        assert_eq!(d.text_only(b), ("t<<c>A".to_string(), false));
        assert_eq!(d.children(d.root()).len(), 2);
    }

    #[test]
    fn normalizes_line_ends_and_attribute_whitespace() {
        let d = parse("<r a=\"x\ty\r\nz&#10;\">1\r\n2\r3</r>").unwrap();
        let r = d.element(d.root()).unwrap();
        assert_eq!(r.attr("a"), Some("x y z\n"));
        assert_eq!(d.text_only(d.root()).0, "1\n2\n3");
    }

    #[test]
    fn refuses_dangerous_and_malformed_input() {
        assert_eq!(
            err("<!DOCTYPE r [<!ENTITY x \"y\">]><r>&x;</r>"),
            XmlError::Doctype
        );
        assert!(matches!(err("<r>&x;</r>"), XmlError::Entity { .. }));
        assert!(matches!(err("<r a=\"&x;\"/>"), XmlError::Entity { .. }));
        assert!(matches!(
            err("<?xml version=\"1.1\"?><r/>"),
            XmlError::Version { .. }
        ));
        assert!(matches!(
            err("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>"),
            XmlError::Encoding { .. }
        ));
        assert!(matches!(
            err("<r a=\"1\" a=\"2\"/>"),
            XmlError::DuplicateAttribute { .. }
        ));
        assert!(matches!(
            err("<r xmlns:p=\"urn:x\" xmlns:q=\"urn:x\" p:a=\"1\" q:a=\"2\"/>"),
            XmlError::DuplicateAttribute { .. }
        ));
        assert!(matches!(err("<r></s>"), XmlError::Malformed { .. }));
        assert!(matches!(err("<p:r/>"), XmlError::UndeclaredPrefix { .. }));
        assert!(matches!(
            err("<r xmlns:p=\"\"/>"),
            XmlError::EmptyPrefixedNamespace { .. }
        ));
        assert!(matches!(
            err("<r xmlns:xml=\"urn:x\"/>"),
            XmlError::ReservedNamespace { .. }
        ));
        assert!(matches!(
            err("<r xmlns:xmlns=\"urn:x\"/>"),
            XmlError::ReservedNamespace { .. }
        ));
        assert!(matches!(err("<r/><r/>"), XmlError::Malformed { .. }));
        assert!(matches!(err("<r>&#0;</r>"), XmlError::Malformed { .. }));
        assert!(matches!(err(""), XmlError::NoRoot));
        // Found by fuzzing: quick-xml does not check name characters.
        assert!(matches!(err("<I<<s<E//>"), XmlError::Malformed { .. }));
        assert!(matches!(err("<1a/>"), XmlError::Malformed { .. }));
        assert!(matches!(err("<a b<c=\"1\"/>"), XmlError::Malformed { .. }));
    }

    #[test]
    fn caps_the_namespace_declarations_in_scope() {
        // 9 levels of 30 declarations: each element is within its own limit, 270 are in scope at the deepest.
        let mut xml = String::new();
        for level in 0..9 {
            xml.push_str("<x");
            for i in 0..30 {
                xml.push_str(&format!(" xmlns:n{level}x{i}=\"urn:{level}:{i}\""));
            }
            xml.push('>');
        }
        xml.push_str(&"</x>".repeat(9));
        let e = err(&xml);
        assert_eq!(e, XmlError::TooManyNamespacesInScope { max: 256 });
        assert!(e.is_limit());
        assert!(e.to_string().contains("namespace declarations in scope"));
        // Closed elements no longer count: the same declarations side by side are fine.
        let mut flat = String::from("<r>");
        for level in 0..20 {
            flat.push_str("<x");
            for i in 0..30 {
                flat.push_str(&format!(" xmlns:n{level}x{i}=\"urn:{level}:{i}\""));
            }
            flat.push_str("/>");
        }
        flat.push_str("</r>");
        assert!(parse(&flat).is_ok());
    }

    #[test]
    fn namespace_lookups_follow_the_nearest_declaration_and_end_with_their_element() {
        let d = parse(
            "<p:r xmlns:p=\"urn:1\" xmlns=\"urn:d\"><p:a xmlns:p=\"urn:2\"><p:b/><c xmlns=\"\"/></p:a><p:e/><f/></p:r>",
        )
        .unwrap();
        let ns = |local: &str| {
            d.elements()
                .filter_map(|i| d.element(i))
                .find(|e| e.local == local)
                .and_then(|e| e.ns.as_deref().map(str::to_string))
        };
        assert_eq!(ns("r").as_deref(), Some("urn:1"));
        assert_eq!(ns("a").as_deref(), Some("urn:2"));
        assert_eq!(ns("b").as_deref(), Some("urn:2"));
        assert_eq!(ns("c"), None);
        assert_eq!(ns("e").as_deref(), Some("urn:1"));
        assert_eq!(ns("f").as_deref(), Some("urn:d"));
        let b = d
            .elements()
            .find(|i| d.element(*i).is_some_and(|e| e.local == "b"))
            .unwrap();
        assert_eq!(
            d.in_scope_namespaces(b),
            vec![
                ("p".to_string(), "urn:2".to_string()),
                (String::new(), "urn:d".to_string())
            ]
        );
        assert!(matches!(
            err("<r><p:a xmlns:p=\"urn:1\"/><p:b/></r>"),
            XmlError::UndeclaredPrefix { .. }
        ));
    }

    #[test]
    fn enforces_limits() {
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(matches!(err(&deep), XmlError::TooDeep { .. }));
        let small = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert!(matches!(
            parse_with("<r>0123456789</r>", &small),
            Err(XmlError::TooLarge { .. })
        ));
    }
}
