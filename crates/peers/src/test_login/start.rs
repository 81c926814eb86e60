//! The HTTP-POST binding's start page: a URL alone cannot make a browser POST, so the browser (the system browser
//! of the loopback test SP, or the wizard's login window) opens a page on loopback that posts the AuthnRequest form
//! to the IdP's SSO service, by script, or by its Continue button when script is off.
//!
//! The page carries a sign-in request, so it is guarded like the ACS and more: it lives at an unguessable address
//! (256 random bits, never the request's ID, which the IdP and its logs see), is served once (a second GET, a
//! reload, a page that learned the address: refused), only to GET requests addressed to our own loopback name and
//! port (DNS rebinding) and not sent by another site's script (Origin), never cached, never framed, and its CSP
//! allows exactly its one auto-submit line.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use ring::rand::{SecureRandom, SystemRandom};
use tokio::net::{TcpListener, TcpStream};

use super::acs::page;
use super::{TestLoginError, CSP, IO_TIMEOUT, START_PATH};
use crate::http::{
    host_is_ours, misdirected, origin_is_ours, read_request, respond, Page, Request,
};
use ssopilot_saml::request::{self, PostForm};

/// Random bytes in a start page's address (shown as 64 hex digits).
const NONCE_BYTES: usize = 32;

/// One page that posts one AuthnRequest, served once at its own unguessable address.
pub(crate) struct OneTimePage {
    nonce: String,
    /// `None` once served.
    html: Option<String>,
}

impl OneTimePage {
    pub(crate) fn new(form: &PostForm) -> Result<Self, TestLoginError> {
        let mut b = [0u8; NONCE_BYTES];
        SystemRandom::new().fill(&mut b).map_err(|_| {
            TestLoginError::Request("the system's random number generator failed".to_string())
        })?;
        let nonce = b.iter().map(|x| format!("{x:02x}")).collect();
        Ok(Self {
            nonce,
            html: Some(form.html()),
        })
    }

    /// `/start/<nonce>`: where the page is, on the server that holds it.
    pub(crate) fn path(&self) -> String {
        format!("{START_PATH}/{}", self.nonce)
    }

    /// Whether `path` is this page's address (compared in constant time: the nonce is the only secret here).
    fn is_at(&self, path: &str) -> bool {
        let wanted = path
            .strip_prefix(START_PATH)
            .and_then(|p| p.strip_prefix('/'))
            .unwrap_or_default();
        wanted.len() == self.nonce.len()
            && wanted
                .bytes()
                .zip(self.nonce.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// The answer to a request under [`START_PATH`] whose Host was already found ours: the page, with the CSP that
/// allows its one script, the first time its own address is asked for by a GET no foreign page sent; a plain
/// refusal (and our usual CSP) otherwise. Serving it consumes it.
pub(crate) fn answer(slot: Option<&mut OneTimePage>, req: &Request, port: u16) -> (Page, String) {
    let refused = |status, title: &str, why: &str| {
        (
            page(status, title, &format!("<p class=\"fail\">{why}</p>")),
            CSP.to_string(),
        )
    };
    if req.method != "GET" {
        return refused(
            405,
            "Method not allowed",
            "This page is only opened, never posted to. Start the test login again from SSO Pilot.",
        );
    }
    // A navigation sends no Origin (or our own); a script on another site reading this address does.
    if req
        .origin
        .as_deref()
        .is_some_and(|o| !origin_is_ours(o, port))
    {
        return refused(
            403,
            "Refused",
            "Another web site asked for SSO Pilot's sign-in request: refused. Start the test login from SSO Pilot.",
        );
    }
    match slot {
        Some(p) if p.is_at(&req.path) => match p.html.take() {
            Some(body) => (
                Page {
                    status: 200,
                    content_type: "text/html; charset=utf-8",
                    body,
                },
                format!(
                    "default-src 'none'; script-src {}; form-action http: https:; frame-ancestors 'none'; base-uri 'none'",
                    request::auto_submit_csp_source()
                ),
            ),
            None => refused(
                410,
                "Sign-in request already sent",
                "This page has already sent its sign-in request to the identity provider, and each request is sent once. Start the test login again from SSO Pilot.",
            ),
        },
        _ => refused(
            404,
            "No sign-in request here",
            "This address holds no current sign-in request of the test SP (a newer test login replaced it, or it ended). Start the test login again from SSO Pilot.",
        ),
    }
}

/// A loopback server of one start page, for a browser that has no test SP behind it (the wizard's login window,
/// which catches the response itself). Stops when dropped, or when its lifetime is over.
pub struct StartPage {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StartPage {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for StartPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The address is the page's one secret: not in logs.
        f.debug_struct("StartPage").finish_non_exhaustive()
    }
}

impl StartPage {
    /// Serves the page that posts `form` on 127.0.0.1 (a free port) for at most `lifetime`. Must run inside a
    /// tokio runtime with the time and I/O drivers enabled.
    pub async fn serve(form: &PostForm, lifetime: StdDuration) -> Result<Self, TestLoginError> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| TestLoginError::Bind {
                addr,
                detail: e.to_string(),
            })?;
        let port = listener
            .local_addr()
            .map_err(|e| TestLoginError::Bind {
                addr,
                detail: e.to_string(),
            })?
            .port();
        let one = OneTimePage::new(form)?;
        let url = format!("http://127.0.0.1:{port}{}", one.path());
        let slot = Arc::new(Mutex::new(one));
        let task = tokio::spawn(async move {
            let _ = tokio::time::timeout(lifetime, async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let slot = Arc::clone(&slot);
                    tokio::spawn(async move {
                        let _ =
                            tokio::time::timeout(IO_TIMEOUT, serve_one(stream, slot, port)).await;
                    });
                }
            })
            .await;
        });
        Ok(Self { url, task })
    }

    /// Where the browser goes: `http://127.0.0.1:<port>/start/<nonce>`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

async fn serve_one(stream: TcpStream, slot: Arc<Mutex<OneTimePage>>, port: u16) {
    let (reply, csp) = match read_request(&stream).await {
        Ok(req) if !host_is_ours(req.host.as_deref(), port) => (
            misdirected("SSO Pilot's sign-in start page", port, req.host.as_deref()),
            CSP.to_string(),
        ),
        Ok(req) if req.path.starts_with(START_PATH) => {
            let mut one = match slot.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            answer(Some(&mut one), &req, port)
        }
        Ok(_) => (
            page(
                404,
                "Not found",
                "<p class=\"fail\">There is nothing at this address. Start the test login from SSO Pilot.</p>",
            ),
            CSP.to_string(),
        ),
        Err(p) => (p, CSP.to_string()),
    };
    respond(&stream, &reply, &csp).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> PostForm {
        PostForm {
            action: "https://idp.example.com/sso?a=1&b=\"><script>alert(1)</script>".to_string(),
            saml_request: "PHNhbWxwOkF1dGhuUmVxdWVzdC8+".to_string(),
            relay_state: Some("</form><img src=x onerror=alert(2)>".to_string()),
        }
    }

    fn get(path: &str) -> Request {
        Request {
            method: "GET".to_string(),
            path: path.to_string(),
            query: String::new(),
            body: Vec::new(),
            host: Some("127.0.0.1:9".to_string()),
            origin: None,
            referer: None,
        }
    }

    #[test]
    fn the_page_is_served_once_at_its_own_address_only() {
        let mut one = OneTimePage::new(&form()).unwrap();
        let path = one.path();
        assert_eq!(path.len(), START_PATH.len() + 1 + 2 * NONCE_BYTES);
        assert_ne!(
            OneTimePage::new(&form()).unwrap().path(),
            path,
            "every page its own address"
        );
        // A wrong nonce (one digit off, or cut short) is refused and does not use the page up.
        let mut wrong = path.clone();
        let last = wrong.pop();
        // Another digit than the real last one (a fixed '0' would be the real address one time in sixteen).
        let other = if last == Some('0') { '1' } else { '0' };
        let (p, csp) = answer(Some(&mut one), &get(&format!("{wrong}{other}")), 9);
        assert_eq!(p.status, 404);
        assert_eq!(csp, CSP);
        assert_eq!(answer(Some(&mut one), &get(&wrong), 9).0.status, 404);
        assert_eq!(answer(Some(&mut one), &get(START_PATH), 9).0.status, 404);
        assert_eq!(answer(None, &get(&path), 9).0.status, 404);
        // A POST or another site's script: refused, the page still there.
        let mut post = get(&path);
        post.method = "POST".to_string();
        assert_eq!(answer(Some(&mut one), &post, 9).0.status, 405);
        let mut foreign = get(&path);
        foreign.origin = Some("https://evil.example".to_string());
        assert_eq!(answer(Some(&mut one), &foreign, 9).0.status, 403);
        let mut ours = get(&path);
        ours.origin = Some("http://127.0.0.1:9".to_string());

        let (p, csp) = answer(Some(&mut one), &ours, 9);
        assert_eq!(p.status, 200);
        assert!(csp.contains(&request::auto_submit_csp_source()), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(p.body.contains("<button type=\"submit\">Continue</button>"));
        // Used up: the same address again is gone.
        let (p, _) = answer(Some(&mut one), &get(&path), 9);
        assert_eq!(p.status, 410);
        assert!(p.body.contains("Start the test login again"), "{}", p.body);
    }

    #[test]
    fn what_the_form_carries_is_escaped() {
        let mut one = OneTimePage::new(&form()).unwrap();
        let path = one.path();
        let body = answer(Some(&mut one), &get(&path), 9).0.body;
        assert!(!body.contains("<script>alert"), "{body}");
        assert!(!body.contains("<img"), "{body}");
        assert!(
            body.contains(
                "action=\"https://idp.example.com/sso?a=1&amp;b=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""
            ),
            "{body}"
        );
        assert!(
            body.contains("name=\"RelayState\" value=\"&lt;/form&gt;&lt;img"),
            "{body}"
        );
        assert!(
            body.contains("name=\"SAMLRequest\" value=\"PHNhbWxwOkF1dGhuUmVxdWVzdC8+\""),
            "{body}"
        );
        // Exactly one script: the line the CSP's hash allows.
        assert_eq!(body.matches("<script").count(), 1);
        assert!(body.contains(&format!("<script>{}</script>", request::AUTO_SUBMIT_SCRIPT)));
    }
}
