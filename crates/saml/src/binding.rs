//! Turning what a user pastes or a browser POSTs into XML text.
//!
//! Support staff paste whatever their customer captured: the base64 value of the SAMLResponse form field (with or
//! without URL encoding, often wrapped), the whole form body (`SAMLResponse=...&RelayState=...`), or the decoded
//! XML itself. The Redirect binding (AuthnRequest and logout messages in a URL) also DEFLATEs, so inflating is
//! bounded both absolutely and by ratio.

use std::io::Read;

use base64::Engine;

/// How the input was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputForm {
    Xml,
    Base64,
    UrlEncodedBase64,
    FormBody,
    /// A Redirect-binding value (base64 of raw DEFLATE), as in `SAMLRequest=` of a redirect URL.
    RedirectDeflate,
}

/// The decoded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub xml: String,
    pub form: InputForm,
    pub relay_state: Option<String>,
}

/// Inflated size may be at most this many times the compressed size (real XML compresses 5-20 times).
pub const MAX_INFLATE_RATIO: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindingError {
    #[error("the input is empty: paste the SAMLResponse value (base64), the whole form body, or the XML")]
    Empty,
    #[error(
        "the message is too large ({size} bytes decoded; at most {max}): refused before parsing"
    )]
    TooLarge { size: usize, max: usize },
    #[error("the input is not valid base64 ({0}): copy the whole SAMLResponse value, without quotes or other text")]
    Base64(String),
    #[error("the form body has no SAMLResponse (or SAMLRequest) field")]
    NoSamlField,
    #[error("the decoded message is not UTF-8 text: it may be encrypted or truncated")]
    NotUtf8,
    #[error("the DEFLATE data is corrupt: copy the whole SAMLRequest value from the redirect URL")]
    Inflate,
    #[error(
        "the DEFLATE data inflates more than {ratio} times its size (a compression bomb): refused"
    )]
    InflateRatio { ratio: usize },
    #[error("the URL encoding is broken (a '%' not followed by two hex digits)")]
    PercentEncoding,
    #[error("the parameter {0} appears more than once: a SAML message carries each of SAMLRequest, SAMLResponse, RelayState, SigAlg and Signature at most once (a second copy could slip an unsigned value past the signature check), so it is refused")]
    Repeated(&'static str),
}

/// One SAML parameter of a query string or form body: the text as it was sent (still URL-encoded, what a
/// Redirect-binding signature covers) and its decoded value (what is used), from the same parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param<'a> {
    pub raw: &'a str,
    pub value: String,
}

/// The SAML parameters of a query string or `application/x-www-form-urlencoded` body, each present at most once.
/// Other parameters are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SamlParams<'a> {
    pub saml_request: Option<Param<'a>>,
    pub saml_response: Option<Param<'a>>,
    pub relay_state: Option<Param<'a>>,
    pub sig_alg: Option<Param<'a>>,
    pub signature: Option<Param<'a>>,
}

/// Parses `query` once (split on `&`, names and values form-decoded as browsers encode them), refusing any SAML
/// parameter that appears twice, so that the octets a signature is checked over are exactly those that are used.
pub fn saml_params(query: &str) -> Result<SamlParams<'_>, BindingError> {
    let mut out = SamlParams::default();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let raw = piece.split_once('=').map_or("", |(_, v)| v);
        let Some((name, value)) = url::form_urlencoded::parse(piece.as_bytes()).next() else {
            continue;
        };
        let (slot, name) = match name.trim() {
            "SAMLRequest" => (&mut out.saml_request, "SAMLRequest"),
            "SAMLResponse" => (&mut out.saml_response, "SAMLResponse"),
            "RelayState" => (&mut out.relay_state, "RelayState"),
            "SigAlg" => (&mut out.sig_alg, "SigAlg"),
            "Signature" => (&mut out.signature, "Signature"),
            _ => continue,
        };
        if slot.is_some() {
            return Err(BindingError::Repeated(name));
        }
        *slot = Some(Param {
            raw,
            value: value.into_owned(),
        });
    }
    Ok(out)
}

fn percent_decode(s: &str, plus_is_space: bool) -> Result<String, BindingError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(BindingError::PercentEncoding)?;
                out.push(hex);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| BindingError::NotUtf8)
}

/// Decodes base64 (standard alphabet, padding optional for pasted values; whitespace from wrapping ignored).
fn decode_b64(s: &str, max: usize) -> Result<Vec<u8>, BindingError> {
    let compact: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .collect();
    if compact.is_empty() {
        return Err(BindingError::Empty);
    }
    let estimate = compact.len() / 4 * 3;
    if estimate > max + 3 {
        return Err(BindingError::TooLarge {
            size: estimate,
            max,
        });
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine
        .decode(&compact)
        .map_err(|e| BindingError::Base64(e.to_string()))
}

fn utf8(bytes: Vec<u8>, max: usize) -> Result<String, BindingError> {
    if bytes.len() > max {
        return Err(BindingError::TooLarge {
            size: bytes.len(),
            max,
        });
    }
    String::from_utf8(bytes).map_err(|_| BindingError::NotUtf8)
}

/// Inflates a Redirect-binding value (raw DEFLATE), at most `max` bytes and [`MAX_INFLATE_RATIO`] times the input.
pub fn inflate(compressed: &[u8], max: usize) -> Result<Vec<u8>, BindingError> {
    let ratio_cap = compressed.len().saturating_mul(MAX_INFLATE_RATIO).max(4096);
    let cap = max.min(ratio_cap);
    let mut out = Vec::new();
    let mut dec = flate2::read::DeflateDecoder::new(compressed).take(cap as u64 + 1);
    dec.read_to_end(&mut out)
        .map_err(|_| BindingError::Inflate)?;
    if out.len() > cap {
        return Err(if cap == max {
            BindingError::TooLarge {
                size: out.len(),
                max,
            }
        } else {
            BindingError::InflateRatio {
                ratio: MAX_INFLATE_RATIO,
            }
        });
    }
    Ok(out)
}

/// Decodes a Redirect-binding value as it appears in the URL (URL-encoded base64 of DEFLATE).
pub fn decode_redirect(value: &str, max: usize) -> Result<String, BindingError> {
    let v = if value.contains('%') {
        percent_decode(value, false)?
    } else {
        value.to_string()
    };
    let compressed = decode_b64(&v, max)?;
    utf8(inflate(&compressed, max)?, max)
}

/// Recognises and decodes a pasted or POSTed message, refusing anything over `max` decoded bytes.
pub fn decode(input: &[u8], max: usize) -> Result<Decoded, BindingError> {
    // A base64 text is 4/3 of the decoded size; anything far beyond that is refused unread.
    if input.len() > max.saturating_mul(2).saturating_add(1024) {
        return Err(BindingError::TooLarge {
            size: input.len(),
            max,
        });
    }
    let text = std::str::from_utf8(input).map_err(|_| BindingError::NotUtf8)?;
    let t = text.trim_start_matches('\u{FEFF}').trim();
    if t.is_empty() {
        return Err(BindingError::Empty);
    }
    if t.starts_with('<') {
        if t.len() > max {
            return Err(BindingError::TooLarge { size: t.len(), max });
        }
        return Ok(Decoded {
            xml: t.to_string(),
            form: InputForm::Xml,
            relay_state: None,
        });
    }
    if t.contains('=') && (t.contains("SAMLResponse=") || t.contains("SAMLRequest=")) {
        let t = t.trim_start_matches('?');
        let params = saml_params(t)?;
        let relay = params
            .relay_state
            .map(|r| percent_decode(r.raw, true))
            .transpose()?;
        let (v, redirect) = match (params.saml_response, params.saml_request) {
            (Some(v), _) => (v.raw, false),
            (None, Some(v)) => (v.raw, true),
            (None, None) => return Err(BindingError::NoSamlField),
        };
        // Form encoding turns spaces into '+', and base64 has no spaces: put the '+' back.
        let decoded = percent_decode(v, true)?.replace(' ', "+");
        if redirect && !decoded.trim_start().starts_with('<') {
            // Redirect binding: DEFLATE; a POSTed SAMLRequest is plain base64, so fall back to that.
            let raw = decode_b64(&decoded, max)?;
            let xml = match inflate(&raw, max) {
                Ok(x) => utf8(x, max)?,
                Err(BindingError::Inflate) => utf8(raw, max)?,
                Err(e) => return Err(e),
            };
            return Ok(Decoded {
                xml,
                form: InputForm::RedirectDeflate,
                relay_state: relay,
            });
        }
        let xml = utf8(decode_b64(&decoded, max)?, max)?;
        return Ok(Decoded {
            xml,
            form: InputForm::FormBody,
            relay_state: relay,
        });
    }
    if t.contains('%') {
        let decoded = percent_decode(t, false)?;
        let xml = utf8(decode_b64(&decoded, max)?, max)?;
        return Ok(Decoded {
            xml,
            form: InputForm::UrlEncodedBase64,
            relay_state: None,
        });
    }
    let xml = utf8(decode_b64(t, max)?, max)?;
    Ok(Decoded {
        xml,
        form: InputForm::Base64,
        relay_state: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const XML: &str = "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>";

    fn b64(s: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn recognises_every_form() {
        let raw = decode(XML.as_bytes(), 1 << 20).unwrap();
        assert_eq!((raw.xml.as_str(), raw.form), (XML, InputForm::Xml));

        let enc = b64(XML.as_bytes());
        let wrapped: String = enc
            .as_bytes()
            .chunks(20)
            .map(|c| std::str::from_utf8(c).unwrap().to_string() + "\r\n")
            .collect();
        let d = decode(wrapped.as_bytes(), 1 << 20).unwrap();
        assert_eq!((d.xml.as_str(), d.form), (XML, InputForm::Base64));

        let url = enc
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        let d = decode(url.as_bytes(), 1 << 20).unwrap();
        assert_eq!((d.xml.as_str(), d.form), (XML, InputForm::UrlEncodedBase64));

        let body = format!("SAMLResponse={url}&RelayState=%2Fhome%3Fa%3D1");
        let d = decode(body.as_bytes(), 1 << 20).unwrap();
        assert_eq!(d.xml, XML);
        assert_eq!(d.form, InputForm::FormBody);
        assert_eq!(d.relay_state.as_deref(), Some("/home?a=1"));
    }

    #[test]
    fn redirect_deflate_and_bombs() {
        let mut enc =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(XML.as_bytes()).unwrap();
        let compressed = enc.finish().unwrap();
        let body = format!(
            "SAMLRequest={}&SigAlg=x",
            b64(&compressed).replace('+', "%2B")
        );
        let d = decode(body.as_bytes(), 1 << 20).unwrap();
        assert_eq!((d.xml.as_str(), d.form), (XML, InputForm::RedirectDeflate));

        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![b'a'; 5_000_000]).unwrap();
        let bomb = enc.finish().unwrap();
        assert!(matches!(
            decode_redirect(&b64(&bomb), 10 << 20),
            Err(BindingError::InflateRatio { .. })
        ));
        assert!(matches!(
            decode_redirect(&b64(&bomb), 1 << 20),
            Err(BindingError::TooLarge { .. }) | Err(BindingError::InflateRatio { .. })
        ));
    }

    #[test]
    fn refuses_oversize_and_garbage() {
        let big = "A".repeat(4 << 20);
        assert!(matches!(
            decode(big.as_bytes(), 1 << 20),
            Err(BindingError::TooLarge { .. })
        ));
        let big = "A".repeat(1_500_000);
        assert!(matches!(
            decode(big.as_bytes(), 1 << 20),
            Err(BindingError::TooLarge { .. })
        ));
        assert!(matches!(
            decode(b"not base64!", 1 << 20),
            Err(BindingError::Base64(_))
        ));
        assert_eq!(decode(b"  ", 1 << 20), Err(BindingError::Empty));
    }

    #[test]
    fn one_parse_gives_raw_and_decoded_values_and_refuses_repeats() {
        let p = saml_params("a=1&SAMLRequest=x%2By+z&RelayState=%2Fhome&SigAlg=s&Signature=t%3D")
            .unwrap();
        let req = p.saml_request.unwrap();
        assert_eq!((req.raw, req.value.as_str()), ("x%2By+z", "x+y z"));
        assert_eq!(p.relay_state.unwrap().value, "/home");
        assert_eq!(p.signature.unwrap().raw, "t%3D");
        assert!(p.saml_response.is_none());
        // A second copy, plainly or with its name encoded, is refused: the signature covers one, the IdP would use
        // the other.
        for q in [
            "SAMLRequest=a&SigAlg=s&Signature=t&SAMLRequest=b",
            "SAMLRequest=a&SAML%52equest=b",
            "RelayState=a&RelayState=b",
            "SigAlg=a&Signature=t&Signature=u",
        ] {
            let e = saml_params(q).unwrap_err();
            assert!(matches!(e, BindingError::Repeated(_)), "{q}");
            assert!(e.to_string().contains("appears more than once"), "{e}");
        }
        let e = decode(
            b"SAMLResponse=PGEvPg%3D%3D&SAMLResponse=PGIvPg%3D%3D",
            1 << 20,
        )
        .unwrap_err();
        assert_eq!(e, BindingError::Repeated("SAMLResponse"));
    }
}
