//! Metadata test builders: IdP and SP metadata generated from parameters at test time (nothing copied), the
//! project's Python venv (pysaml2, python3-saml's schemas), and a tiny loopback HTTP server.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use base64::Engine;

pub const MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub const PROTO: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
pub const POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
pub const IDP_ID: &str = "https://idp.example.com/saml";
pub const SSO_REDIRECT: &str = "https://idp.example.com/sso/redirect";
pub const SSO_POST: &str = "https://idp.example.com/sso/post";
pub const EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

pub fn b64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// A KeyDescriptor; `use_` empty for none.
pub fn key_descriptor(use_: &str, der: &[u8]) -> String {
    let attr = if use_.is_empty() {
        String::new()
    } else {
        format!(" use=\"{use_}\"")
    };
    format!(
        "<md:KeyDescriptor{attr}><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:X509Data><ds:X509Certificate>\n{}\n</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
        b64(der)
    )
}

/// The IdP role of `entity_id` with the given KeyDescriptors, both SSO bindings, a logout URL and emailAddress.
pub fn idp_role(keys: &str) -> String {
    format!(
        "<md:IDPSSODescriptor WantAuthnRequestsSigned=\"true\" protocolSupportEnumeration=\"{PROTO}\">{keys}<md:SingleLogoutService Binding=\"{REDIRECT}\" Location=\"https://idp.example.com/slo\"/><md:NameIDFormat>{EMAIL}</md:NameIDFormat><md:SingleSignOnService Binding=\"{REDIRECT}\" Location=\"{SSO_REDIRECT}\"/><md:SingleSignOnService Binding=\"{POST}\" Location=\"{SSO_POST}\"/></md:IDPSSODescriptor>"
    )
}

/// A whole IdP EntityDescriptor (with ID "_md1", so it can be signed); `attrs` adds attributes such as validUntil.
pub fn idp_metadata(entity_id: &str, keys: &str, attrs: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<md:EntityDescriptor xmlns:md=\"{MD}\" ID=\"_md1\" entityID=\"{entity_id}\" {attrs}>{}</md:EntityDescriptor>",
        idp_role(keys)
    )
}

pub fn sp_entity(entity_id: &str, acs: &[&str]) -> String {
    let eps: String = acs
        .iter()
        .enumerate()
        .map(|(i, u)| {
            format!(
                "<md:AssertionConsumerService Binding=\"{POST}\" Location=\"{u}\" index=\"{i}\"/>"
            )
        })
        .collect();
    format!(
        "<md:EntityDescriptor entityID=\"{entity_id}\"><md:SPSSODescriptor AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"true\" protocolSupportEnumeration=\"{PROTO}\">{eps}</md:SPSSODescriptor></md:EntityDescriptor>"
    )
}

/// The project's Python (scripts/setup.sh makes .venv from scripts/packages/pip.txt); fails, never skips.
pub fn python_with(module: &str, package: &str) -> String {
    let p = std::env::var("SSOPILOT_PYTHON").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python").to_string()
    });
    let ok = Command::new(&p)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the Python package {package} is not installed in .venv ({p}): run scripts/setup.sh"
    );
    p
}

/// The OASIS SAML 2.0 metadata schema, from python3-saml in .venv.
pub fn metadata_schema() -> PathBuf {
    let py = python_with("onelogin.saml2", "python3-saml");
    let out = Command::new(py)
        .args([
            "-c",
            "import os, onelogin.saml2 as m; print(os.path.join(os.path.dirname(m.__file__), 'schemas', 'saml-schema-metadata-2.0.xsd'))",
        ])
        .output()
        .expect("python runs");
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        p.is_file(),
        "the SAML metadata schema is missing from python3-saml ({}): run scripts/setup.sh",
        p.display()
    );
    p
}

/// Serves each (status line, content type, body) once per connection, in order, on 127.0.0.1; returns the base URL.
pub fn serve(responses: Vec<(&'static str, &'static str, Vec<u8>)>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for (status, ctype, body) in responses {
            let Ok((mut s, _)) = l.accept() else { return };
            let mut buf = [0u8; 4096];
            let mut req = Vec::new();
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    format!("http://127.0.0.1:{port}")
}
