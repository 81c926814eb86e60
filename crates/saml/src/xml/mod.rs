//! Hardened XML parsing into our own tree.
//!
//! SAML's signature bypasses come from the signature check and the claim reader looking at different nodes, or at
//! different parses of the same bytes. So a document is parsed exactly once, here, into a [`Document`] that
//! canonicalization, signature verification and the response rules all read. Everything SAML never needs (DTDs,
//! entities, XML 1.1, other encodings) is refused, and every dimension of the input is bounded.

use std::borrow::Cow;
use std::collections::HashMap;

mod parse;
mod scan;
mod scope;
mod text;

pub use parse::{parse, parse_bytes, parse_with};

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

/// An attribute, namespace-resolved. `ns` is `None` for unprefixed attributes (which are in no namespace).
///
/// Every string of a parsed document borrows from the parsed text where it needs no change (names always; values
/// and text unless they hold references, or attribute values literal tabs or line ends), so parsing allocates per
/// element, not per string (issue 23). A document parsed from text with carriage returns owns its strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute<'a> {
    pub prefix: Option<Cow<'a, str>>,
    pub local: Cow<'a, str>,
    pub ns: Option<Cow<'a, str>>,
    /// The normalized value (references resolved, literal whitespace turned into spaces, as XML 1.0 requires).
    pub value: Cow<'a, str>,
}

/// A namespace declaration made on an element. `prefix` is `None` for the default namespace; `uri` is empty for
/// `xmlns=""`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsDecl<'a> {
    pub prefix: Option<Cow<'a, str>>,
    pub uri: Cow<'a, str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element<'a> {
    pub prefix: Option<Cow<'a, str>>,
    pub local: Cow<'a, str>,
    /// The resolved namespace URI, `None` when the element is in no namespace.
    pub ns: Option<Cow<'a, str>>,
    /// Attributes in document order (namespace declarations are in `ns_decls`).
    pub attrs: Vec<Attribute<'a>>,
    pub ns_decls: Vec<NsDecl<'a>>,
    /// Byte range of the whole element in the (line-end normalized) source text, and the end of its start tag.
    pub span: (usize, usize),
    pub start_tag_end: usize,
}

impl Element<'_> {
    /// True when the element has this namespace URI and local name (prefixes never matter).
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.local == local && self.ns.as_deref() == Some(ns)
    }

    /// The value of the unqualified attribute `local`.
    pub fn attr(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.ns.is_none() && a.local == local)
            .map(|a| &*a.value)
    }

    /// The qualified name as written (`prefix:local` or `local`).
    pub fn qname(&self) -> String {
        match &self.prefix {
            Some(p) => format!("{p}:{}", self.local),
            None => self.local.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind<'a> {
    Element(Element<'a>),
    Text(Cow<'a, str>),
    Comment(Cow<'a, str>),
    Pi {
        target: Cow<'a, str>,
        data: Cow<'a, str>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<'a> {
    pub kind: NodeKind<'a>,
    pub parent: Option<NodeId>,
    /// Where this node's children are in [`Document::child_ids`].
    children: std::ops::Range<usize>,
}

/// A parsed document: one tree that every later step reads. It borrows from the text it was parsed from;
/// [`Document::into_owned`] makes one that does not.
#[derive(Debug, Clone)]
pub struct Document<'a> {
    nodes: Vec<Node<'a>>,
    /// Every node's children, node after node (one vector for the whole tree rather than one per element).
    child_ids: Vec<NodeId>,
    root: NodeId,
    /// The line-end normalized text the spans refer to.
    source: Cow<'a, str>,
}

impl<'a> Document<'a> {
    pub fn root(&self) -> NodeId {
        self.root
    }

    pub fn node(&self, id: NodeId) -> Option<&Node<'a>> {
        self.nodes.get(id)
    }

    pub fn element(&self, id: NodeId) -> Option<&Element<'a>> {
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
    pub fn children_named<'b>(
        &'b self,
        id: NodeId,
        ns: &'b str,
        local: &'b str,
    ) -> impl Iterator<Item = NodeId> + 'b {
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

    /// The same document owning all its strings, free of the text it was parsed from.
    pub fn into_owned(self) -> Document<'static> {
        Document {
            nodes: self.nodes.into_iter().map(Node::into_owned).collect(),
            child_ids: self.child_ids,
            root: self.root,
            source: owned(self.source),
        }
    }
}

fn owned(s: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(s.into_owned())
}

impl Node<'_> {
    fn into_owned(self) -> Node<'static> {
        Node {
            kind: match self.kind {
                NodeKind::Element(e) => NodeKind::Element(Element {
                    prefix: e.prefix.map(owned),
                    local: owned(e.local),
                    ns: e.ns.map(owned),
                    attrs: e
                        .attrs
                        .into_iter()
                        .map(|a| Attribute {
                            prefix: a.prefix.map(owned),
                            local: owned(a.local),
                            ns: a.ns.map(owned),
                            value: owned(a.value),
                        })
                        .collect(),
                    ns_decls: e
                        .ns_decls
                        .into_iter()
                        .map(|d| NsDecl {
                            prefix: d.prefix.map(owned),
                            uri: owned(d.uri),
                        })
                        .collect(),
                    span: e.span,
                    start_tag_end: e.start_tag_end,
                }),
                NodeKind::Text(t) => NodeKind::Text(owned(t)),
                NodeKind::Comment(t) => NodeKind::Comment(owned(t)),
                NodeKind::Pi { target, data } => NodeKind::Pi {
                    target: owned(target),
                    data: owned(data),
                },
            },
            parent: self.parent,
            children: self.children,
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
        // Found by fuzzing (when a general-purpose reader did the scanning): name characters are checked.
        assert!(matches!(err("<I<<s<E//>"), XmlError::Malformed { .. }));
        assert!(matches!(err("<1a/>"), XmlError::Malformed { .. }));
        assert!(matches!(err("<a b<c=\"1\"/>"), XmlError::Malformed { .. }));
    }

    #[test]
    fn reads_every_construct_saml_can_carry() {
        let d = parse(
            "<?xml version='1.0' encoding='utf-8' standalone='yes'?>\n<!-- before --><?pi before?>\n\
             <r a = 'x\"y' b=\"1>2\" ><?go now ?><c\n/><!-- x - y --><![CDATA[]]]]><![CDATA[>]]>t]<d></d  ></r >\n<!-- after -->",
        )
        .unwrap();
        let r = d.element(d.root()).unwrap();
        assert_eq!((r.attr("a"), r.attr("b")), (Some("x\"y"), Some("1>2")));
        let kinds: Vec<_> = d
            .children(d.root())
            .iter()
            .map(|c| match &d.node(*c).unwrap().kind {
                NodeKind::Element(e) => format!("<{}>", e.local),
                NodeKind::Text(t) => format!("text {t}"),
                NodeKind::Comment(t) => format!("comment {t}"),
                NodeKind::Pi { target, data } => format!("pi {target} {data}"),
            })
            .collect();
        assert_eq!(
            kinds,
            ["pi go now ", "<c>", "comment  x - y ", "text ]]>t]", "<d>"]
        );
        // Spans: the whole element, and the end of its start tag.
        let c = d.element(d.children(d.root())[1]).unwrap();
        assert_eq!(&d.source()[c.span.0..c.span.1], "<c\n/>");
        assert_eq!(c.start_tag_end, c.span.1);
        let e = d.element(d.children(d.root())[4]).unwrap();
        assert_eq!(&d.source()[e.span.0..e.span.1], "<d></d  >");
        assert_eq!(&d.source()[e.span.0..e.start_tag_end], "<d>");
        // Non-ASCII names and values.
        let d = parse("<é:ü xmlns:é=\"urn:é\" ß=\"ö\">ä</é:ü>").unwrap();
        let r = d.element(d.root()).unwrap();
        assert!(r.is("urn:é", "ü"));
        assert_eq!(r.attr("ß"), Some("ö"));
    }

    #[test]
    fn refuses_what_xml_does_not_allow() {
        for bad in [
            "<r>a]]>b</r>",
            "<r><!-- a -- b --></r>",
            "<r><!-- a ---></r>",
            "<r><!-- open</r>",
            "<r><![CDATA[open</r>",
            "<r><!ELEMENT r ANY></r>",
            "<r a=\"1\"b=\"2\"/>",
            "<r a=1/>",
            "<r a/>",
            "<r a=\"1/>",
            "<r a=\"<\"/>",
            "<r/ >",
            "<r",
            "<r></r",
            "< r/>",
            "<r></ r>",
            "<:r/>",
            "<r:/>",
            "<a:b:c xmlns:a=\"urn:a\"/>",
            "<-r/>",
            "<r>&#x20</r>",
            "<r>&;</r>",
            "<r>\u{1}</r>",
            "<r a=\"\u{1}\"/>",
            "<r>\u{FFFE}</r>",
            "<r><!-- \u{1} --></r>",
            "<r><?p \u{1}?></r>",
            "<r><?xml version=\"1.0\"?></r>",
            "<r><?XmL x?></r>",
            "<r><?p:q x?></r>",
            "<r><?p?x?></r>",
            " <?xml version=\"1.0\"?><r/>",
            "<?xml?><r/>",
            "<?xml encoding=\"UTF-8\"?><r/>",
            "<?xml version=\"1.0\" standalone=\"maybe\"?><r/>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" extra=\"1\"?><r/>",
            "<?xml version=\"1.0\"encoding=\"UTF-8\"?><r/>",
            "<?xml version=\"1.0\"",
            "x<r/>",
            "<r/>x",
            "&#32;<r/>",
            "<r/>&amp;",
            "<![CDATA[ ]]><r/>",
            "</r>",
            "<r></r></r>",
        ] {
            let e = err(bad);
            assert!(
                matches!(e, XmlError::Malformed { .. }),
                "{bad:?} gave {e:?}"
            );
        }
        assert_eq!(err("<!doctype r><r/>"), XmlError::Doctype);
        assert_eq!(err("<r><!DOCTYPE r></r>"), XmlError::Doctype);
        assert!(matches!(err("<r>&foo;</r>"), XmlError::Entity { .. }));
        assert!(matches!(
            err("<?xml version='1.0' encoding='UTF-16'?><r/>"),
            XmlError::Encoding { .. }
        ));
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
    fn namespace_lookups_past_the_latest_declarations_use_the_map_and_forget_closed_ones() {
        // Twelve prefixes declared on the root, p0 and p5 redeclared on a child with four more after them, so a
        // look-up of p0 or p1 goes past the latest eight declarations; then the child closes.
        let mut xml = String::from("<r");
        for i in 0..12 {
            xml.push_str(&format!(" xmlns:p{i}=\"urn:root:{i}\""));
        }
        xml.push_str("><c xmlns:p0=\"urn:child:0\" xmlns:p5=\"urn:child:5\"");
        for i in 0..6 {
            xml.push_str(&format!(" xmlns:q{i}=\"urn:q:{i}\""));
        }
        xml.push_str("><p0:a/><p1:a/><p5:a/><p11:a/></c><p0:b/><p5:b/><p1:b/></r>");
        let d = parse(&xml).unwrap();
        let found: Vec<String> = d
            .elements()
            .filter_map(|i| d.element(i))
            .filter(|e| e.local == "a" || e.local == "b")
            .map(|e| format!("{}:{}", e.local, e.ns.as_deref().unwrap()))
            .collect();
        assert_eq!(
            found,
            [
                "a:urn:child:0",
                "a:urn:root:1",
                "a:urn:child:5",
                "a:urn:root:11",
                "b:urn:root:0",
                "b:urn:root:5",
                "b:urn:root:1",
            ]
        );
        assert!(matches!(
            err("<r xmlns:a=\"u\" xmlns:b=\"u\" xmlns:c=\"u\" xmlns:d=\"u\" xmlns:e=\"u\" xmlns:f=\"u\" xmlns:g=\"u\" xmlns:h=\"u\" xmlns:i=\"u\"><x xmlns:z=\"u\"/><z:y/></r>"),
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
