//! The namespace declarations in scope while parsing, looked up by scanning the latest few, and through a map from
//! prefix to its bindings when there are more.

use super::*;

/// How many of the latest declarations a look-up scans before it asks the map (real documents declare a handful,
/// and hashing costs more than a few comparisons).
const SCAN: usize = 8;

/// Namespace declarations visible at the current element: those of every open element in document order, with
/// each one's prefix as written (`""` for the default namespace) beside it. Past the latest [`SCAN`], a look-up
/// is one hash look-up whatever the depth: the map from prefix to where its declarations are (innermost last) is
/// filled in only when a look-up needs it, so each declaration enters and leaves it at most once.
#[derive(Default)]
pub(super) struct Scope<'a> {
    decls: Vec<NsDecl<'a>>,
    keys: Vec<&'a str>,
    by_prefix: HashMap<&'a str, Vec<usize>>,
    /// How many of the declarations (from the first) are in `by_prefix`.
    mapped: usize,
}

impl<'a> Scope<'a> {
    /// How many declarations are in scope.
    pub(super) fn len(&self) -> usize {
        self.decls.len()
    }

    /// The declaration in scope for `prefix` (`""`: the default namespace).
    pub(super) fn lookup(&mut self, prefix: &str) -> Option<&NsDecl<'a>> {
        let n = self.keys.len();
        let recent = n.saturating_sub(SCAN);
        if let Some(i) = self
            .keys
            .get(recent..)
            .and_then(|keys| keys.iter().rposition(|k| *k == prefix))
        {
            return self.decls.get(recent + i);
        }
        if n <= SCAN {
            return None;
        }
        while let Some(k) = self.keys.get(self.mapped) {
            self.by_prefix.entry(k).or_default().push(self.mapped);
            self.mapped += 1;
        }
        let i = *self.by_prefix.get(prefix)?.last()?;
        self.decls.get(i)
    }

    /// Adds a declaration; `key` is its prefix as written (`""` for the default namespace).
    pub(super) fn push(&mut self, key: &'a str, d: &NsDecl<'a>) {
        self.keys.push(key);
        self.decls.push(d.clone());
    }

    /// Drops the declarations after the first `keep` (those of the element being closed).
    pub(super) fn truncate(&mut self, keep: usize) {
        while self.mapped > keep {
            self.mapped -= 1;
            if let Some(stack) = self
                .keys
                .get(self.mapped)
                .and_then(|k| self.by_prefix.get_mut(k))
            {
                stack.pop();
            }
        }
        self.keys.truncate(keep);
        self.decls.truncate(keep);
    }
}

/// The `xml` prefix and its namespace, bound in every document.
static XML_BINDING: NsDecl<'static> = NsDecl {
    prefix: Some(Cow::Borrowed("xml")),
    uri: Cow::Borrowed(XML_NS),
};

/// The declaration binding the prefix `p` at this point: a use of the prefix shares its strings.
pub(super) fn binding<'s, 'a>(
    scope: &'s mut Scope<'a>,
    p: &str,
) -> Result<&'s NsDecl<'a>, XmlError> {
    if p == "xml" {
        return Ok(&XML_BINDING);
    }
    if p == "xmlns" {
        return Err(XmlError::ReservedNamespace {
            what: "xmlns".to_string(),
        });
    }
    scope.lookup(p).ok_or_else(|| XmlError::UndeclaredPrefix {
        prefix: p.to_string(),
    })
}
