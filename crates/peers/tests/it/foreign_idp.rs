//! The harness of the interop tests against foreign IdPs that serve an "open" IdP (requests need no signature) and a
//! "strict" one (requests must be signed) from one process: crates/testkit/js/samlify_idp.js and
//! crates/testkit/py/lasso_idp_http.py. Each IdP trusts its own test SP through the SP metadata our exporter writes
//! (the strict one's carries the test SP's signing certificate), and each test SP takes the IdP's values from the
//! IdP's own metadata, as `test-login --idp-metadata` does.
//!
//! One process and two test SPs per IdP module serve every test of that module (a static runtime keeps them); the
//! tests take turns on each test SP.

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ssopilot_peers::clock::{Clock as _, SystemClock};
use ssopilot_peers::test_login::demo::{form_action, input_value, Browser};
use ssopilot_peers::test_login::key::SpKey;
use ssopilot_peers::test_login::{self, IdpConfig, RequestOptions, TestSp};
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::metadata::{self, Binding, Options};
use ssopilot_saml::request::RequestBinding;
use ssopilot_saml::response::{Flow, Report};
use ssopilot_saml::values::{EntityId, IdpUrl};
use ssopilot_testkit::peer_support::{self, open, submit_response_form};
use ssopilot_testkit::response_support::{rsa_idp, write_idp_key_and_cert, write_temp};
use tokio::sync::Mutex;

/// A foreign IdP process with its two test SPs.
pub struct Pair {
    /// Who it is, for messages ("samlify", "Lasso").
    pub name: &'static str,
    /// The user it signs in.
    pub user: &'static str,
    rt: tokio::runtime::Runtime,
    base: String,
    /// The test SP the open IdP trusts (its metadata carries no certificate).
    open: Mutex<TestSp>,
    /// The test SP the strict IdP trusts, with `key`'s certificate in its metadata.
    strict: Mutex<TestSp>,
    key: Arc<SpKey>,
    _peer: peer_support::Peer,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The IdP's values as `--idp-metadata` takes them: from its own metadata at `<base>/<name>/metadata`.
async fn idp_config(b: &Browser, base: &str, name: &str) -> (IdpConfig, Option<bool>) {
    let page = b.get(&format!("{base}/{name}/metadata")).await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    let md = metadata::parse(page.body.as_bytes(), &Options::default(), SystemClock.now())
        .unwrap_or_else(|e| panic!("the {name} IdP's metadata: {e}\n{}", page.body));
    let sso = md
        .sso_url(&Binding::HttpRedirect)
        .expect("an HTTP-Redirect SSO endpoint");
    assert_eq!(md.sso_url(&Binding::HttpPost), Some(sso));
    let config = IdpConfig {
        entity_id: EntityId::parse(&md.entity_id, "IdP").unwrap(),
        sso_url: IdpUrl::parse(sso, "SSO").unwrap(),
        certs: md.trusted_signing_ders(),
        require_signed_assertion: true,
        allow_sha1: false,
    };
    (config, md.want_authn_requests_signed)
}

impl Pair {
    /// Starts the IdP process: `command` gets the IdP key and certificate files (testkit's RSA IdP) and the open
    /// and strict SPs' metadata files, and must print `{"base"}` when it listens.
    pub fn start(
        name: &'static str,
        user: &'static str,
        command: impl FnOnce(&Path, &Path, &Path, &Path) -> Command,
    ) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let key = Arc::new(SpKey::generate_ephemeral().unwrap());
        let sp =
            |which: &str| EntityId::parse(&format!("urn:ssopilot:test-sp:{which}"), "SP").unwrap();
        let (open_port, strict_port) = (free_port(), free_port());
        let acs = |port| test_login::loopback_acs_url(port).unwrap();
        let open_md = test_login::sp_metadata(&sp("open"), &acs(open_port), None, false, None);
        let strict_md =
            test_login::sp_metadata(&sp("strict"), &acs(strict_port), Some(&key), true, None);
        let (idp_key, idp_cert) = write_idp_key_and_cert(dir.path());
        let open_file = write_temp(dir.path(), "open-sp.xml", open_md.as_bytes());
        let strict_file = write_temp(dir.path(), "strict-sp.xml", strict_md.as_bytes());
        let peer = peer_support::Peer::start(
            command(&idp_key, &idp_cert, &open_file, &strict_file),
            &format!("{name}'s IdP"),
        );
        let base = peer.field("base").to_string();
        let (open, strict) = rt.block_on(async {
            let b = Browser::new().unwrap();
            let (open_idp, open_wants) = idp_config(&b, &base, "open").await;
            let (strict_idp, strict_wants) = idp_config(&b, &base, "strict").await;
            assert_ne!(open_wants, Some(true), "{name}: the open IdP's metadata");
            assert_eq!(
                strict_wants,
                Some(true),
                "{name}: the strict IdP's metadata"
            );
            let bind =
                |port, which, idp| TestSp::bind(Ipv4Addr::LOCALHOST.into(), port, sp(which), idp);
            (
                bind(open_port, "open", open_idp).await.unwrap(),
                bind(strict_port, "strict", strict_idp).await.unwrap(),
            )
        });
        Self {
            name,
            user,
            rt,
            base,
            open: Mutex::new(open),
            strict: Mutex::new(strict),
            key,
            _peer: peer,
            _dir: dir,
        }
    }

    /// The open IdP answers unsigned requests on HTTP-Redirect and HTTP-POST, and the responses pass.
    pub fn answers_unsigned_requests_on_both_bindings(&self) {
        self.rt.block_on(async {
            let mut sp = self.open.lock().await;
            let issuer = format!("{}/open", self.base);
            for binding in [RequestBinding::Redirect, RequestBinding::Post] {
                let requests = RequestOptions {
                    binding,
                    signer: None,
                };
                let r = sp_initiated(&mut sp, requests)
                    .await
                    .unwrap_or_else(|page| {
                        panic!("{} {binding:?}: no response came back: {page}", self.name)
                    });
                self.assert_genuine(&r, Flow::SpInitiated, &issuer, &format!("{binding:?}"));
            }
        });
    }

    /// The strict IdP answers our signed requests on both bindings; unsigned ones, and ones signed by another key,
    /// come back at once as an HTTP 400 page (the IdP's refusal) that contains `refusal` and the error `errors`
    /// gives for the binding: (unsigned, signed by another key).
    pub fn wants_signed_requests(
        &self,
        refusal: &str,
        errors: impl Fn(RequestBinding) -> (&'static str, &'static str),
    ) {
        let stranger = Arc::new(SpKey::generate_ephemeral().unwrap());
        self.rt.block_on(async {
            let mut sp = self.strict.lock().await;
            let issuer = format!("{}/strict", self.base);
            for binding in [RequestBinding::Redirect, RequestBinding::Post] {
                let signer = Some(Arc::clone(&self.key));
                let r = sp_initiated(&mut sp, RequestOptions { binding, signer })
                    .await
                    .unwrap_or_else(|page| {
                        panic!(
                            "{} {binding:?} signed: no response came back: {page}",
                            self.name
                        )
                    });
                self.assert_genuine(
                    &r,
                    Flow::SpInitiated,
                    &issuer,
                    &format!("{binding:?} signed"),
                );
                let (unsigned, foreign) = errors(binding);
                for (what, signer, error) in [
                    ("unsigned", None, unsigned),
                    (
                        "signed by another key",
                        Some(Arc::clone(&stranger)),
                        foreign,
                    ),
                ] {
                    let refused = sp_initiated(&mut sp, RequestOptions { binding, signer })
                        .await
                        .expect_err(&format!("{} {binding:?} {what}: answered", self.name));
                    assert!(
                        refused.starts_with("HTTP 400:")
                            && refused.contains(refusal)
                            && refused.contains(error),
                        "{} {binding:?} {what}: {refused}",
                        self.name
                    );
                }
            }
        });
    }

    /// The open IdP's unsolicited response (the page at `<base>/open/unsolicited`) reaches the test SP waiting in
    /// IdP-initiated mode and passes, reported as IdP-initiated, with the RelayState kept.
    pub fn idp_initiated_is_accepted(&self) {
        self.rt.block_on(async {
            let mut sp = self.open.lock().await;
            sp.start_idp_initiated().unwrap();
            let b = Browser::new().unwrap();
            let page = b
                .get(&format!(
                    "{}/open/unsolicited?RelayState=%2Fapps",
                    self.base
                ))
                .await
                .unwrap();
            assert_eq!(page.status, 200, "{}: {}", self.name, page.body);
            assert_eq!(
                form_action(&page.body).as_deref(),
                Some(sp.acs_url().as_str())
            );
            let xml = B64
                .decode(input_value(&page.body, "SAMLResponse").unwrap())
                .unwrap();
            let xml = String::from_utf8(xml).unwrap();
            // No InResponseTo, or (samlify's template) an empty one, which names no request.
            let empty = xml.contains("InResponseTo=\"\"");
            assert!(
                !xml.contains("InResponseTo") || empty,
                "{}: {xml}",
                self.name
            );
            submit_response_form(&b, &page).await;
            let got = sp.wait(Duration::from_secs(30)).await.unwrap();
            let issuer = format!("{}/open", self.base);
            self.assert_genuine(&got.report, Flow::IdpInitiated, &issuer, "unsolicited");
            if empty {
                assert!(
                    got.report
                        .warnings()
                        .iter()
                        .any(|w| w.contains("read as absent")),
                    "{}: {:?}",
                    self.name,
                    got.report.warnings()
                );
            }
            assert_eq!(got.relay_state.as_deref(), Some("/apps"), "{}", self.name);
        });
    }

    /// Asserts the report of a genuine response: valid, the flow, the IdP's issuer, the signed Assertion and the
    /// certificate that signed it.
    fn assert_genuine(&self, r: &Report, flow: Flow, issuer: &str, case: &str) {
        let case = format!("{} {case}", self.name);
        let failed: Vec<String> = r
            .checks()
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("{}: {}", c.id, c.message))
            .collect();
        assert!(r.valid(), "{case}: {failed:?}");
        assert_eq!(r.flow(), Some(flow), "{case}");
        assert_eq!(r.issuer(), Some(issuer), "{case}");
        assert!(r.signed().assertion, "{case}: the Assertion is signed");
        assert_eq!(r.name_id(), Some(self.user), "{case}");
        assert_eq!(
            r.signing_certificate_sha256()
                .as_ref()
                .map(|f| f.to_string()),
            Some(Fingerprint::sha256(&rsa_idp().cert_der).to_string()),
            "{case}"
        );
    }
}

/// One SP-initiated login through `sp` with `requests`: the report when a response came back, else the page the
/// browser got instead.
async fn sp_initiated(sp: &mut TestSp, requests: RequestOptions) -> Result<Report, String> {
    sp.set_requests(requests);
    let attempt = sp.start().unwrap();
    let b = Browser::new().unwrap();
    let page = open(&b, &attempt).await;
    if input_value(&page.body, "SAMLResponse").is_none() {
        return Err(format!("HTTP {}: {}", page.status, page.body));
    }
    let to = submit_response_form(&b, &page).await;
    assert_eq!(to, sp.acs_url().as_str());
    let got = sp.wait(Duration::from_secs(30)).await.unwrap();
    Ok(got.report)
}
