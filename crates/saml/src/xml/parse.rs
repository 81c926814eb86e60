//! The parse itself: the scanner's tokens, checked and bounded, into a [`Document`] that borrows its strings from
//! the text wherever they need no change.

use super::scan::*;
use super::scope::*;
use super::text::*;
use super::*;

/// Parses with the default [`Limits`].
pub fn parse(xml: &str) -> Result<Document<'_>, XmlError> {
    parse_with(xml, &Limits::default())
}

/// Parses bytes that must be UTF-8 (a UTF-8 byte order mark is allowed).
pub fn parse_bytes<'a>(xml: &'a [u8], limits: &Limits) -> Result<Document<'a>, XmlError> {
    if xml.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: xml.len(),
            max: limits.max_bytes,
        });
    }
    let s = std::str::from_utf8(xml).map_err(|_| XmlError::NotUtf8)?;
    parse_with(s, limits)
}

/// Parses `xml` within `limits`. Line ends are normalized first, as XML 1.0 section 2.11 requires (text with
/// carriage returns is copied to do so, and the document then owns its strings).
pub fn parse_with<'a>(xml: &'a str, limits: &Limits) -> Result<Document<'a>, XmlError> {
    if xml.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: xml.len(),
            max: limits.max_bytes,
        });
    }
    let xml = xml.strip_prefix('\u{FEFF}').unwrap_or(xml);
    let (tags, returns) = census(xml.as_bytes());
    if returns {
        let normalized = xml.replace("\r\n", "\n").replace('\r', "\n");
        return parse_normalized(&normalized, tags, limits).map(Document::into_owned);
    }
    parse_normalized(xml, tags, limits)
}

/// How many '<' the text has (about one node each: an element or the text after a tag), and whether it has a
/// carriage return. One pass, in blocks without a branch per byte, so the compiler can use vector instructions.
fn census(bytes: &[u8]) -> (usize, bool) {
    let mut tags = 0usize;
    let mut returns = 0u8;
    for block in bytes.chunks(64) {
        let mut lt = 0u8;
        let mut cr = 0u8;
        for b in block {
            lt += u8::from(*b == b'<');
            cr |= u8::from(*b == b'\r');
        }
        tags += usize::from(lt);
        returns |= cr;
    }
    (tags, returns != 0)
}

/// Unescapes `raw` (a slice of the source), borrowing it when nothing changes. `plain` says the scanner saw no
/// reference and nothing to normalize, and checked the characters.
fn unescaped(raw: &str, attribute: bool, plain: bool) -> Result<Cow<'_, str>, XmlError> {
    if plain {
        return Ok(Cow::Borrowed(raw));
    }
    let value = unescape(raw, attribute)?;
    if let Cow::Owned(v) = &value {
        // Only references can bring characters the scanner did not check.
        check_chars(v)?;
    }
    Ok(value)
}

/// An open element: its node and its name as written (an end tag must repeat it).
struct Open<'a> {
    id: NodeId,
    qname: &'a str,
    /// How many entries of the namespace scope it added.
    decls: usize,
}

/// The tree being built, and what the parse keeps between tokens.
struct Builder<'a, 'l> {
    limits: &'l Limits,
    nodes: Vec<Node<'a>>,
    stack: Vec<Open<'a>>,
    scope: Scope<'a>,
    root: Option<NodeId>,
    /// One start tag's attribute values, reused from tag to tag: each element then allocates its two vectors at
    /// their final size, or not at all when empty.
    values: Vec<Cow<'a, str>>,
    /// The prefixes of one start tag's declarations as written (`""` for the default namespace).
    keys: Vec<&'a str>,
}

/// Parses text without carriage returns; `tags` (its count of '<') sizes the node list once.
fn parse_normalized<'a>(
    source: &'a str,
    tags: usize,
    limits: &Limits,
) -> Result<Document<'a>, XmlError> {
    let mut b = Builder {
        limits,
        nodes: Vec::with_capacity(tags.saturating_add(1).min(limits.max_nodes)),
        stack: Vec::new(),
        scope: Scope::default(),
        root: None,
        values: Vec::new(),
        keys: Vec::new(),
    };
    let mut scanner = Scanner::new(source);
    let mut attrs: Vec<RawAttr<'a>> = Vec::new();
    let mut first = true;
    loop {
        let token = scanner.next(&mut attrs, b.stack.last().map(|o| o.qname))?;
        let first_token = std::mem::replace(&mut first, false);
        match token {
            Token::Start {
                name,
                empty,
                start,
                end,
            } => {
                b.start(name, &attrs, start, end)?;
                if empty {
                    b.end(name.full, end)?;
                }
            }
            Token::End { qname, end } => b.end(qname, end)?,
            Token::Text { raw, refs } => {
                if refs && b.stack.is_empty() {
                    return Err(malformed("a reference outside the root element"));
                }
                let text = if refs {
                    let t = unescape(raw, false)?;
                    if let Cow::Owned(v) = &t {
                        check_chars(v)?;
                    }
                    t
                } else {
                    Cow::Borrowed(raw)
                };
                b.text(text)?;
            }
            Token::CData(text) => {
                if b.stack.is_empty() {
                    return Err(malformed("CDATA outside the root element"));
                }
                b.text(Cow::Borrowed(text))?;
            }
            Token::Comment(text) => {
                if let Some(p) = b.stack.last().map(|o| o.id) {
                    b.push(NodeKind::Comment(Cow::Borrowed(text)), Some(p))?;
                }
            }
            Token::Pi { target, data } => {
                if target == "xml" && first_token {
                    declaration(data)?;
                    continue;
                }
                if !is_ncname(target) {
                    return Err(malformed(format!(
                        "'{target}' is not a valid processing instruction target"
                    )));
                }
                if target.eq_ignore_ascii_case("xml") {
                    return Err(malformed(if target == "xml" {
                        "the XML declaration must come first"
                    } else {
                        "a processing instruction named like the XML declaration"
                    }));
                }
                if let Some(p) = b.stack.last().map(|o| o.id) {
                    b.push(
                        NodeKind::Pi {
                            target: Cow::Borrowed(target),
                            data: Cow::Borrowed(data),
                        },
                        Some(p),
                    )?;
                }
            }
            Token::Eof => break,
        }
    }
    if !b.stack.is_empty() {
        return Err(malformed(
            "the document ends before all elements are closed",
        ));
    }
    let root = b.root.ok_or(XmlError::NoRoot)?;
    let mut nodes = b.nodes;
    let child_ids = link_children(&mut nodes);
    Ok(Document {
        nodes,
        child_ids,
        root,
        source: Cow::Borrowed(source),
    })
}

impl<'a> Builder<'a, '_> {
    /// A start tag: its name, namespace declarations and attributes checked and resolved, and a new open element.
    fn start(
        &mut self,
        name: QName<'a>,
        attrs: &[RawAttr<'a>],
        start: usize,
        end: usize,
    ) -> Result<(), XmlError> {
        let limits = self.limits;
        if self.stack.is_empty() && self.root.is_some() {
            return Err(malformed("more than one root element"));
        }
        if self.stack.len() >= limits.max_depth {
            return Err(XmlError::TooDeep {
                max: limits.max_depth,
            });
        }
        let qname = name.full;
        // Values in document order (so the first bad one is the one reported): the declarations' go into the
        // element's list, the attributes' wait in `values` until the declarations are in scope.
        let decl_count = attrs.iter().filter(|a| a.key.is_declaration()).count();
        let mut ns_decls: Vec<NsDecl<'a>> = Vec::with_capacity(decl_count);
        let values = &mut self.values;
        let keys = &mut self.keys;
        values.clear();
        keys.clear();
        for a in attrs {
            let value = unescaped(a.value, true, a.plain)?;
            match (a.key.prefix, a.key.local) {
                (None, "xmlns") => {
                    if value == XML_NS || value == XMLNS_NS {
                        return Err(XmlError::ReservedNamespace {
                            what: value.into_owned(),
                        });
                    }
                    keys.push("");
                    ns_decls.push(NsDecl {
                        prefix: None,
                        uri: value,
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
                    keys.push(p);
                    ns_decls.push(NsDecl {
                        prefix: Some(Cow::Borrowed(p)),
                        uri: value,
                    });
                }
                _ => values.push(value),
            }
        }
        if values.len() > limits.max_attributes {
            return Err(XmlError::TooManyAttributes {
                max: limits.max_attributes,
            });
        }
        if ns_decls.len() > limits.max_namespace_decls {
            return Err(XmlError::TooManyNamespaces {
                max: limits.max_namespace_decls,
            });
        }
        for (i, p) in keys.iter().enumerate() {
            if keys.iter().take(i).any(|o| o == p) {
                return Err(XmlError::DuplicateAttribute {
                    name: qname.to_string(),
                    attr: match *p {
                        "" => "xmlns".to_string(),
                        p => format!("xmlns:{p}"),
                    },
                });
            }
        }
        let scope = &mut self.scope;
        for (key, d) in keys.iter().zip(&ns_decls) {
            scope.push(key, d);
        }
        if scope.len() > limits.max_namespaces_in_scope {
            return Err(XmlError::TooManyNamespacesInScope {
                max: limits.max_namespaces_in_scope,
            });
        }
        let (prefix, ns) = match name.prefix {
            Some(p) => {
                let d = binding(scope, p)?;
                (d.prefix.clone(), Some(d.uri.clone()))
            }
            None => (
                None,
                scope
                    .lookup("")
                    .filter(|d| !d.uri.is_empty())
                    .map(|d| d.uri.clone()),
            ),
        };
        let mut el_attrs: Vec<Attribute<'a>> = Vec::with_capacity(values.len());
        let plain_attrs = attrs.iter().filter(|a| !a.key.is_declaration());
        for (a, value) in plain_attrs.zip(values.drain(..)) {
            let a = match a.key.prefix {
                Some(p) => {
                    let d = binding(scope, p)?;
                    Attribute {
                        prefix: d.prefix.clone(),
                        local: Cow::Borrowed(a.key.local),
                        ns: Some(d.uri.clone()),
                        value,
                    }
                }
                None => Attribute {
                    prefix: None,
                    local: Cow::Borrowed(a.key.local),
                    ns: None,
                    value,
                },
            };
            if el_attrs.iter().any(|o| o.local == a.local && o.ns == a.ns) {
                return Err(XmlError::DuplicateAttribute {
                    name: qname.to_string(),
                    attr: a.local.into_owned(),
                });
            }
            el_attrs.push(a);
        }
        let decls = ns_decls.len();
        let el = Element {
            prefix,
            local: Cow::Borrowed(name.local),
            ns,
            attrs: el_attrs,
            ns_decls,
            span: (start, end),
            start_tag_end: end,
        };
        let parent = self.stack.last().map(|o| o.id);
        let id = self.push(NodeKind::Element(el), parent)?;
        if self.stack.is_empty() {
            self.root = Some(id);
        }
        self.stack.push(Open { id, qname, decls });
        Ok(())
    }

    /// An end tag (or the end of an empty element): it must close the innermost open element.
    fn end(&mut self, qname: &str, end: usize) -> Result<(), XmlError> {
        let open = self
            .stack
            .pop()
            .ok_or_else(|| malformed(format!("the end tag </{qname}> has no start tag")))?;
        if open.qname != qname {
            return Err(malformed(format!(
                "the end tag </{qname}> does not match the start tag <{}>",
                open.qname
            )));
        }
        if let Some(Node {
            kind: NodeKind::Element(el),
            ..
        }) = self.nodes.get_mut(open.id)
        {
            el.span.1 = end;
        }
        let keep = self.scope.len().saturating_sub(open.decls);
        self.scope.truncate(keep);
        Ok(())
    }

    fn push(&mut self, kind: NodeKind<'a>, parent: Option<NodeId>) -> Result<NodeId, XmlError> {
        push(&mut self.nodes, self.limits, kind, parent)
    }

    fn text(&mut self, text: Cow<'a, str>) -> Result<(), XmlError> {
        let ids: Option<NodeId> = self.stack.last().map(|o| o.id);
        text_into(&mut self.nodes, self.limits, ids, text)
    }
}

/// Adds a node (its children are linked at the end, by [`link_children`]).
fn push<'a>(
    nodes: &mut Vec<Node<'a>>,
    limits: &Limits,
    kind: NodeKind<'a>,
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
fn link_children(nodes: &mut [Node<'_>]) -> Vec<NodeId> {
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
fn text_into<'a>(
    nodes: &mut Vec<Node<'a>>,
    limits: &Limits,
    parent: Option<NodeId>,
    text: Cow<'a, str>,
) -> Result<(), XmlError> {
    match parent {
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
                if *tp == p {
                    t.to_mut().push_str(&text);
                    return Ok(());
                }
            }
            push(nodes, limits, NodeKind::Text(text), Some(p))?;
            Ok(())
        }
    }
}
