//! The one XML/HTML escaper: what SSO Pilot writes into element content or a double- or single-quoted attribute
//! value (metadata, AuthnRequests, signatures, minted responses, the loopback servers' pages and reports). All five
//! special characters are escaped, so one function is safe in every one of those places. (Canonical XML has its
//! own rules: see `c14n`.)

/// Escapes `&`, `<`, `>`, `"` and `'` (as `&#39;`, which HTML and XML both read).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_five_are_escaped_and_the_rest_kept() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
        assert_eq!(escape("Ünïcode ok"), "Ünïcode ok");
        // What the XML parser reads back is what was escaped.
        let raw = "x & <y> \"z\" 'w'";
        let xml = format!("<r a=\"{}\">{}</r>", escape(raw), escape(raw));
        let doc = crate::xml::parse(&xml).unwrap();
        let root = doc.element(doc.root()).unwrap();
        assert_eq!(root.attr("a"), Some(raw));
    }
}
