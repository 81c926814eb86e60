//! The namespace declarations in scope while parsing, looked up in one step (a map from prefix to its bindings).

use super::*;

/// Namespace declarations visible at the current element: those of every open element in document order, and for
/// each prefix (`""` for the default namespace) where its declarations are, innermost last. A lookup is one hash
/// look-up whatever the depth (it was a scan of every declaration in scope).
#[derive(Default)]
pub(super) struct Scope {
    pub(super) decls: Vec<NsDecl>,
    pub(super) by_prefix: HashMap<Arc<str>, Vec<usize>>,
}

impl Scope {
    /// The declaration in scope for `prefix` (`None`: the default namespace). The latest few declarations are
    /// scanned first (real documents declare a handful, and a hash costs more than a few comparisons).
    pub(super) fn lookup(&self, prefix: Option<&str>) -> Option<&NsDecl> {
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

    pub(super) fn push(&mut self, d: &NsDecl) {
        let at = self.decls.len();
        let key = d.prefix.as_deref().unwrap_or("");
        match self.by_prefix.get_mut(key) {
            Some(stack) => stack.push(at),
            None => {
                let owned: Arc<str> = d.prefix.clone().unwrap_or_else(|| Arc::from(""));
                self.by_prefix.insert(owned, vec![at]);
            }
        }
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

/// The `xml` prefix and its namespace, bound in every document: made once, shared by every use.
pub(super) fn xml_binding() -> &'static NsDecl {
    static XML: OnceLock<NsDecl> = OnceLock::new();
    XML.get_or_init(|| NsDecl {
        prefix: Some("xml".into()),
        uri: XML_NS.into(),
    })
}

/// The declaration binding the prefix `p` at this point: a use of the prefix shares its strings.
pub(super) fn binding<'s>(scope: &'s Scope, p: &str) -> Result<&'s NsDecl, XmlError> {
    if p == "xml" {
        return Ok(xml_binding());
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
