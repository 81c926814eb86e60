//! The parse itself: quick-xml's events, checked and bounded, into a [`Document`] that borrows its strings from the
//! text wherever they need no change.

use quick_xml::events::attributes::Attributes;
use quick_xml::events::Event;
use quick_xml::Reader;

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
    if xml.contains('\r') {
        let normalized = xml.replace("\r\n", "\n").replace('\r', "\n");
        return parse_normalized(&normalized, limits).map(Document::into_owned);
    }
    parse_normalized(xml, limits)
}

/// `part`, a view quick-xml gives of `source` (with a shorter lifetime), as a slice of `source` itself.
fn within<'a>(source: &'a str, part: &str) -> Result<&'a str, XmlError> {
    let offset = (part.as_ptr() as usize).wrapping_sub(source.as_ptr() as usize);
    match source.get(offset..offset.wrapping_add(part.len())) {
        Some(s) if std::ptr::eq(s.as_ptr(), part.as_ptr()) => Ok(s),
        _ => Err(malformed("the parser lost track of the text")),
    }
}

/// Unescapes `raw` (a slice of the source), borrowing it when nothing changes.
fn unescaped(raw: &str, attribute: bool) -> Result<Cow<'_, str>, XmlError> {
    let value = unescape(raw, attribute)?;
    check_chars(&value)?;
    Ok(value)
}

fn parse_normalized<'a>(source: &'a str, limits: &Limits) -> Result<Document<'a>, XmlError> {
    // Sized once: a document has about one node (an element or the text after a tag) per '<'.
    let tags = source.bytes().filter(|b| *b == b'<').count();
    let mut nodes: Vec<Node<'a>> = Vec::with_capacity(tags.saturating_add(1).min(limits.max_nodes));
    let mut stack: Vec<NodeId> = Vec::new();
    let mut scope = Scope::default();
    // How many entries of `scope.decls` each open element added.
    let mut scope_marks: Vec<usize> = Vec::new();
    // One start tag's attributes (qualified name, value) and declarations (prefix as written, declaration), reused
    // from tag to tag: each element then allocates its two vectors at their final size, or not at all when empty.
    let mut raw_attrs: Vec<(&'a str, Cow<'a, str>)> = Vec::new();
    let mut raw_decls: Vec<(&'a str, NsDecl<'a>)> = Vec::new();
    let mut root: Option<NodeId> = None;
    let mut seen_decl_allowed = true;

    let mut reader = Reader::from_str(source);
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
                // The whole tag between '<' and '>' (or "/>"), as a slice of the source.
                let content = within(source, &e)?;
                let name_len = e.name().0.len();
                let qname = content.get(..name_len).unwrap_or_default();
                let (prefix, local) = split_qname(qname)?;
                // Duplicates are found below, by qualified name for declarations and by expanded name for
                // attributes (which also catches any qualified name given twice).
                raw_attrs.clear();
                raw_decls.clear();
                let mut attrs_iter = Attributes::new(content, name_len);
                attrs_iter.with_checks(false);
                for a in attrs_iter {
                    let a = a.map_err(|err| malformed(err.to_string()))?;
                    let key = a.key.0;
                    let raw = match &a.value {
                        Cow::Borrowed(v) => *v,
                        Cow::Owned(_) => {
                            return Err(malformed("the parser lost track of the text"))
                        }
                    };
                    let value = unescaped(raw, true)?;
                    let (ap, al) = split_qname(key)?;
                    match (ap, al) {
                        (None, "xmlns") => {
                            if value == XML_NS || value == XMLNS_NS {
                                return Err(XmlError::ReservedNamespace {
                                    what: value.into_owned(),
                                });
                            }
                            raw_decls.push((
                                "",
                                NsDecl {
                                    prefix: None,
                                    uri: value,
                                },
                            ));
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
                            raw_decls.push((
                                p,
                                NsDecl {
                                    prefix: Some(Cow::Borrowed(p)),
                                    uri: value,
                                },
                            ));
                        }
                        _ => raw_attrs.push((key, value)),
                    }
                }
                if raw_attrs.len() > limits.max_attributes {
                    return Err(XmlError::TooManyAttributes {
                        max: limits.max_attributes,
                    });
                }
                if raw_decls.len() > limits.max_namespace_decls {
                    return Err(XmlError::TooManyNamespaces {
                        max: limits.max_namespace_decls,
                    });
                }
                for (i, (p, _)) in raw_decls.iter().enumerate() {
                    if raw_decls.iter().take(i).any(|(o, _)| o == p) {
                        return Err(XmlError::DuplicateAttribute {
                            name: qname.to_string(),
                            attr: match *p {
                                "" => "xmlns".to_string(),
                                p => format!("xmlns:{p}"),
                            },
                        });
                    }
                }
                scope_marks.push(raw_decls.len());
                for (p, d) in &raw_decls {
                    scope.push(p, d);
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
                let mut attrs: Vec<Attribute<'a>> = Vec::with_capacity(raw_attrs.len());
                for (key, value) in raw_attrs.drain(..) {
                    let a = match key.split_once(':') {
                        Some((p, local)) => {
                            let d = binding(&scope, p)?;
                            Attribute {
                                prefix: d.prefix.clone(),
                                local: Cow::Borrowed(local),
                                ns: Some(d.uri.clone()),
                                value,
                            }
                        }
                        None => Attribute {
                            prefix: None,
                            local: Cow::Borrowed(key),
                            ns: None,
                            value,
                        },
                    };
                    if attrs.iter().any(|o| o.local == a.local && o.ns == a.ns) {
                        return Err(XmlError::DuplicateAttribute {
                            name: qname.to_string(),
                            attr: a.local.into_owned(),
                        });
                    }
                    attrs.push(a);
                }
                let ns_decls: Vec<NsDecl<'a>> = raw_decls.drain(..).map(|(_, d)| d).collect();
                let el = Element {
                    prefix,
                    local: Cow::Borrowed(local),
                    ns,
                    attrs,
                    ns_decls,
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
                let raw = within(source, &t)?;
                if raw.contains("]]>") {
                    return Err(malformed("']]>' in text"));
                }
                let text = unescaped(raw, false)?;
                text_into(&mut nodes, limits, &stack, text)?;
            }
            Event::CData(c) => {
                let text = within(source, &c)?;
                check_chars(text)?;
                if stack.is_empty() {
                    return Err(malformed("CDATA outside the root element"));
                }
                text_into(&mut nodes, limits, &stack, Cow::Borrowed(text))?;
            }
            Event::GeneralRef(r) => {
                let name: &str = &r;
                let c = resolve_ref(name)?;
                if stack.is_empty() {
                    return Err(malformed("a reference outside the root element"));
                }
                text_into(&mut nodes, limits, &stack, Cow::Owned(c.to_string()))?;
            }
            Event::Comment(c) => {
                let text = within(source, &c)?;
                check_chars(text)?;
                if let Some(p) = stack.last() {
                    push(
                        &mut nodes,
                        limits,
                        NodeKind::Comment(Cow::Borrowed(text)),
                        Some(*p),
                    )?;
                }
            }
            Event::PI(pi) => {
                let target = within(source, pi.target())?;
                if !is_ncname(target) {
                    return Err(malformed(format!(
                        "'{target}' is not a valid processing instruction target"
                    )));
                }
                if target.eq_ignore_ascii_case("xml") {
                    return Err(malformed("an XML declaration that is not at the start"));
                }
                if let Some(p) = stack.last() {
                    let data = within(source, pi.content().trim_start())?;
                    push(
                        &mut nodes,
                        limits,
                        NodeKind::Pi {
                            target: Cow::Borrowed(target),
                            data: Cow::Borrowed(data),
                        },
                        Some(*p),
                    )?;
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
        source: Cow::Borrowed(source),
    })
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
    stack: &[NodeId],
    text: Cow<'a, str>,
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
                    t.to_mut().push_str(&text);
                    return Ok(());
                }
            }
            push(nodes, limits, NodeKind::Text(text), Some(*p))?;
            Ok(())
        }
    }
}
