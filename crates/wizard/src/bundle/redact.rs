//! Personal data out of a support bundle, with its structure kept: each NameID, user name and attribute value is
//! replaced by a stable placeholder (`user-1@redacted`, `user-2`, `value-1`): the same value gets the same
//! placeholder everywhere in the bundle, so support can still see that the NameID of the test login is the `email`
//! attribute of the captured response.

use std::collections::BTreeMap;

use ssopilot_saml::response::SAML_NS;
use ssopilot_saml::xml;

/// Values this short are left alone in free text (a "1" or "true" would match everywhere); in a response they are
/// still replaced, exactly where they stand.
const MIN_FREE_TEXT_LEN: usize = 3;

/// The placeholders handed out so far.
#[derive(Debug, Default)]
pub struct Redactor {
    map: BTreeMap<String, String>,
    users: usize,
    values: usize,
}

impl Redactor {
    /// The placeholder of a user identifier (NameID, test user): `user-N@redacted` for an address, else `user-N`.
    pub fn user(&mut self, value: &str) -> String {
        if let Some(p) = self.map.get(value) {
            return p.clone();
        }
        self.users += 1;
        let p = if value.contains('@') {
            format!("user-{}@redacted", self.users)
        } else {
            format!("user-{}", self.users)
        };
        self.map.insert(value.to_string(), p.clone());
        p
    }

    /// The placeholder of an attribute value: an address as a user's, anything else `value-N`.
    pub fn value(&mut self, value: &str) -> String {
        if value.contains('@') {
            return self.user(value);
        }
        if let Some(p) = self.map.get(value) {
            return p.clone();
        }
        self.values += 1;
        let p = format!("value-{}", self.values);
        self.map.insert(value.to_string(), p.clone());
        p
    }

    /// `text` with every known personal value in it replaced (longest first, so `alice@x.com` wins over `alice`).
    pub fn text(&self, text: &str) -> String {
        let mut known: Vec<(&String, &String)> = self
            .map
            .iter()
            .filter(|(v, _)| v.chars().count() >= MIN_FREE_TEXT_LEN)
            .collect();
        known.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        let mut out = text.to_string();
        for (value, placeholder) in known {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), placeholder);
            }
        }
        out
    }

    /// Every string in `v` through [`Redactor::text`], keys included.
    pub fn json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => *s = self.text(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|i| self.json(i)),
            serde_json::Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut val) in old {
                    self.json(&mut val);
                    map.insert(self.text(&k), val);
                }
            }
            _ => {}
        }
    }

    /// A validator's report (as `ssopilot response check --json` prints it) with its NameID and attribute values
    /// replaced by their placeholders, then every personal value quoted in its checks' texts.
    pub fn report(&mut self, v: &mut serde_json::Value) {
        if let Some(id) = v.get_mut("name_id") {
            if let Some(s) = id.as_str() {
                *id = serde_json::Value::String(self.user(s));
            }
        }
        if let Some(attrs) = v.get_mut("attributes").and_then(|a| a.as_object_mut()) {
            for values in attrs.values_mut() {
                for value in values.as_array_mut().into_iter().flatten() {
                    if let Some(s) = value.as_str() {
                        *value = serde_json::Value::String(self.value(s));
                    }
                }
            }
        }
        self.json(v);
    }

    /// The personal values of a decoded response replaced where they stand: the text of every NameID and
    /// AttributeValue, and the user's address in SubjectConfirmationData. The rest (issuer, audience, times,
    /// signature, certificate) is kept as it is. A response that is not XML is dropped whole: what it holds cannot
    /// be told apart.
    pub fn response(&mut self, raw: &str) -> Option<String> {
        let doc = xml::parse(raw).ok()?;
        let source = doc.source();
        // (start, end, placeholder) of each replaced range.
        let mut cuts: Vec<(usize, usize, String)> = Vec::new();
        for id in doc.elements() {
            let Some(el) = doc.element(id) else { continue };
            let is_user = el.is(SAML_NS, "NameID");
            if is_user || el.is(SAML_NS, "AttributeValue") {
                let (start, end) = (el.start_tag_end, el.span.1);
                // The content ends where the end tag starts; `<x/>` has none.
                let Some(content_end) = source
                    .get(start..end)
                    .and_then(|s| s.rfind("</"))
                    .map(|i| start + i)
                else {
                    continue;
                };
                let (text, _) = doc.text_only(id);
                let text = text.trim();
                if text.is_empty() {
                    continue;
                }
                let p = if is_user {
                    self.user(text)
                } else {
                    self.value(text)
                };
                cuts.push((start, content_end, p));
            }
            if el.is(SAML_NS, "SubjectConfirmationData") {
                if let Some(addr) = el.attr("Address") {
                    let p = self.value(addr);
                    let tag = source.get(el.span.0..el.start_tag_end).unwrap_or_default();
                    for quote in ['"', '\''] {
                        let needle = format!("Address={quote}{addr}{quote}");
                        if let Some(i) = tag.find(&needle) {
                            let s = el.span.0 + i + "Address=".len() + 1;
                            cuts.push((s, s + addr.len(), p.clone()));
                        }
                    }
                }
            }
        }
        // Inner ranges (an AttributeValue's own elements) are inside outer ones: keep the outermost of each.
        cuts.sort_by_key(|c| c.0);
        let mut out = String::with_capacity(source.len());
        let mut at = 0;
        for (start, end, p) in cuts {
            if start < at {
                continue;
            }
            out.push_str(source.get(at..start)?);
            out.push_str(&xml_escape(&p));
            at = end;
        }
        out.push_str(source.get(at..)?);
        Some(out)
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_same_placeholder_and_structure_kept() {
        let mut r = Redactor::default();
        assert_eq!(r.user("alice@example.com"), "user-1@redacted");
        assert_eq!(r.user("bob"), "user-2");
        assert_eq!(r.value("alice@example.com"), "user-1@redacted");
        assert_eq!(r.value("Alice"), "value-1");
        assert_eq!(r.value("Alice"), "value-1");
        assert_eq!(
            r.text("alice@example.com (Alice) signed in"),
            "user-1@redacted (value-1) signed in"
        );
    }

    #[test]
    fn a_response_keeps_its_shape_and_loses_its_people() {
        let xml = format!(
            "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"{SAML_NS}\" ID=\"_r\">\
             <saml:Issuer>https://idp.example.com</saml:Issuer><saml:Assertion><saml:Subject>\
             <saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">alice@example.com</saml:NameID>\
             <saml:SubjectConfirmation><saml:SubjectConfirmationData Address=\"203.0.113.9\" Recipient=\"https://sp/acs\"/>\
             </saml:SubjectConfirmation></saml:Subject><saml:AttributeStatement>\
             <saml:Attribute Name=\"email\"><saml:AttributeValue>alice@example.com</saml:AttributeValue></saml:Attribute>\
             <saml:Attribute Name=\"firstName\"><saml:AttributeValue>Alice</saml:AttributeValue></saml:Attribute>\
             <saml:Attribute Name=\"empty\"><saml:AttributeValue/></saml:Attribute>\
             </saml:AttributeStatement></saml:Assertion></samlp:Response>"
        );
        let mut r = Redactor::default();
        let out = r.response(&xml).unwrap();
        for gone in ["alice@example.com", "Alice", "203.0.113.9"] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        assert!(out.contains(">user-1@redacted</saml:NameID>"), "{out}");
        assert!(out.contains("<saml:AttributeValue>user-1@redacted</saml:AttributeValue>"));
        // Placeholders are handed out in document order: the address comes before the names.
        assert!(out.contains("Address=\"value-1\""), "{out}");
        assert!(out.contains("<saml:AttributeValue>value-2</saml:AttributeValue>"));
        assert!(out.contains("<saml:Issuer>https://idp.example.com</saml:Issuer>"));
        assert!(out.contains("Name=\"firstName\""));
        // Still XML.
        assert!(xml::parse(&out).is_ok());
        assert!(r.response("not xml").is_none());
    }
}
