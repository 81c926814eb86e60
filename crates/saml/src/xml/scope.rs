//! The namespace declarations in scope while parsing, looked up in one step (a map from prefix to its bindings).

use super::*;

/// Namespace declarations visible at the current element: those of every open element in document order, and for
/// each prefix (`""` for the default namespace) where its declarations are, innermost last. A lookup is one hash
/// look-up whatever the depth (it was a scan of every declaration in scope).
#[derive(Default)]
pub(super) struct Scope<'a> {
    pub(super) decls: Vec<NsDecl<'a>>,
    pub(super) by_prefix: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Scope<'a> {
    /// The declaration in scope for `prefix` (`None`: the default namespace). The latest few declarations are
    /// scanned first (real documents declare a handful, and a hash costs more than a few comparisons).
    pub(super) fn lookup(&self, prefix: Option<&str>) -> Option<&NsDecl<'a>> {
        const SCAN: usize = 8;
        if let Some(d) = self
            .decls
            .iter()
            .rev()
            .take(SCAN)
            .find(|d| d.prefix.as_deref() == prefix)
        {
            return Some(d);
        }
        if self.decls.len() <= SCAN {
            return None;
        }
        let i = *self.by_prefix.get(prefix.unwrap_or(""))?.last()?;
        self.decls.get(i)
    }

    /// Adds a declaration; `key` is its prefix as written (`""` for the default namespace).
    pub(super) fn push(&mut self, key: &'a str, d: &NsDecl<'a>) {
        let at = self.decls.len();
        self.by_prefix.entry(key).or_default().push(at);
        self.decls.push(d.clone());
    }

    /// Drops the declarations after the first `keep` (those of the element being closed).
    pub(super) fn truncate(&mut self, keep: usize) {
        while self.decls.len() > keep {
            let Some(d) = self.decls.pop() else { break };
            if let Some(stack) = self.by_prefix.get_mut(d.prefix.as_deref().unwrap_or("")) {
                stack.pop();
            }
        }
    }
}

/// The `xml` prefix and its namespace, bound in every document.
static XML_BINDING: NsDecl<'static> = NsDecl {
    prefix: Some(Cow::Borrowed("xml")),
    uri: Cow::Borrowed(XML_NS),
};

/// The declaration binding the prefix `p` at this point: a use of the prefix shares its strings.
pub(super) fn binding<'s, 'a>(scope: &'s Scope<'a>, p: &str) -> Result<&'s NsDecl<'a>, XmlError> {
    if p == "xml" {
        return Ok(&XML_BINDING);
    }
    if p == "xmlns" {
        return Err(XmlError::ReservedNamespace {
            what: "xmlns".to_string(),
        });
    }
    scope
        .lookup(Some(p))
        .ok_or_else(|| XmlError::UndeclaredPrefix {
            prefix: p.to_string(),
        })
}
