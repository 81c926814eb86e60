//! Exclusive XML Canonicalization 1.0 without comments (W3C Recommendation, 18 July 2002), over a subtree of our
//! own [`Document`](crate::xml::Document).
//!
//! This is the only canonicalization SAML needs. The node set is always "the element `apex` and everything inside
//! it", optionally minus one subtree: the enveloped-signature transform is exactly "leave out this Signature".

use crate::xml::{Document, NodeId, NodeKind, XML_NS};

/// Why canonicalization failed. The tree was already checked by the parser, so this only means a wrong node id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum C14nError {
    #[error("canonicalization was asked for node {0}, which is not an element of this document (internal error: please report it)")]
    NotAnElement(NodeId),
}

/// Canonicalizes the element `apex` and its descendants, leaving out the subtree `exclude` (the enveloped
/// signature), with the InclusiveNamespaces `inclusive_prefixes` (`"#default"` names the default namespace).
pub fn canonicalize(
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
    let mut scratch = Scratch::default();
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
struct Scratch<'a> {
    wanted: Vec<&'a str>,
    emit: Vec<(&'a str, &'a str)>,
    attrs: Vec<&'a crate::xml::Attribute>,
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
    doc: &'a Document,
    id: NodeId,
    exclude: Option<NodeId>,
    inclusive: &[&'a str],
    scope: &mut Vec<(&'a str, &'a str)>,
    rendered: &mut Vec<(&'a str, &'a str)>,
    scratch: &mut Scratch<'a>,
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
            let Scratch {
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
                let ka = (a.ns.as_deref().unwrap_or(""), a.local.as_str());
                let kb = (b.ns.as_deref().unwrap_or(""), b.local.as_str());
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

fn push_qname(prefix: Option<&str>, local: &str, out: &mut Vec<u8>) {
    if let Some(p) = prefix {
        out.extend_from_slice(p.as_bytes());
        out.push(b':');
    }
    out.extend_from_slice(local.as_bytes());
}

fn escape_text(s: &str, out: &mut Vec<u8>) {
    for b in s.bytes() {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'\r' => out.extend_from_slice(b"&#xD;"),
            _ => out.push(b),
        }
    }
}

fn escape_attr(s: &str, out: &mut Vec<u8>) {
    for b in s.bytes() {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\t' => out.extend_from_slice(b"&#x9;"),
            b'\n' => out.extend_from_slice(b"&#xA;"),
            b'\r' => out.extend_from_slice(b"&#xD;"),
            _ => out.push(b),
        }
    }
}
