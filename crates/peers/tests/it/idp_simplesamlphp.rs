//! Interop with a real IdP: SimpleSAMLphp (Debian's `simplesamlphp`, run by `php -S` on loopback) answers the
//! AuthnRequests our test SP (`src/test_login`) sends, for three SPs whose metadata our own exporter wrote: one
//! gets assertion-signed responses, one response-signed, one both. The test plays the browser: it follows the
//! redirects, posts the `exampleauth` login form, and posts the SAMLResponse form to our ACS. The genuine responses
//! must be accepted there, and refused when another certificate is configured. With `validate.authnrequest`, our
//! signed requests (HTTP-Redirect and HTTP-POST) are answered and unsigned ones refused. An IdP-initiated login
//! (SimpleSAMLphp's `SSOService.php?spentityid=...`) reaches the test SP waiting in IdP-initiated mode and is accepted
//! as unsolicited. With `assertion.encryption` for an SP that publishes the test SP's encryption certificate, its
//! encrypted (RSA-OAEP, AES-128-CBC) and signed assertion is decrypted and accepted.
//!
//! SimpleSAMLphp stamps its responses with the real clock, so these checks run at the real time.

use ssopilot_testkit::response_support;

use std::collections::HashMap;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine;
use response_support::{other_rsa_idp, rsa_idp, write_idp_key_and_cert, write_temp};
use ssopilot_peers::clock::{Clock as _, SystemClock};
use ssopilot_peers::test_login::demo::{form_action, input_value, loopback_client};
use ssopilot_peers::test_login::key::SpKey;
use ssopilot_peers::test_login::{Attempt, IdpConfig, RequestOptions, TestLoginError, TestSp};
use ssopilot_saml::metadata::{self, Binding};
use ssopilot_saml::request::RequestBinding;
use ssopilot_saml::response::{validate, Flow, Policy, Report};
use ssopilot_saml::values::{EntityId, IdpUrl};

const IDP_ID: &str = "https://idp.simplesamlphp.test/idp";
const USER: &str = "alice";
const PASSWORD: &str = "wonderland";
const EMAIL: &str = "alice@example.com";
const EMAIL_FORMAT: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
/// Where Debian puts SimpleSAMLphp's web root.
const WWW: &str = "/usr/share/simplesamlphp/www";

/// The signing modes, as (name, sign the Response, sign the Assertion).
const MODES: [(&str, bool, bool); 3] = [
    ("assertion", false, true),
    ("response", true, false),
    ("both", true, true),
];

/// `php -S` serving SimpleSAMLphp with a configuration in a temporary directory; killed on drop.
struct Idp {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Idp {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log/simplesamlphp.log")).unwrap_or_default()
    }
}

fn require_simplesamlphp() {
    let php = Command::new("php")
        .args([
            "-r",
            "exit(class_exists('DOMDocument') && function_exists('mb_strlen') ? 0 : 3);",
        ])
        .status();
    assert!(
        php.is_ok_and(|s| s.success()),
        "php with its xml and mbstring extensions is missing (Debian packages php-cli, php-xml, php-mbstring): run scripts/setup.sh"
    );
    assert!(
        Path::new(WWW).join("saml2/idp/SSOService.php").is_file(),
        "SimpleSAMLphp is missing (Debian package simplesamlphp, expected in {WWW}): run scripts/setup.sh"
    );
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A PHP string literal.
fn php(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Writes the configuration (IdP key and certificate, one `exampleauth` user, our SPs' metadata with their signing
/// modes) and starts the server. `sps` is (SP metadata file, sign the Response, sign the Assertion, require signed
/// AuthnRequests: `validate.authnrequest`, encrypt the assertion for the SP metadata's encryption certificate:
/// `assertion.encryption`).
fn start_idp(sps: &[(String, bool, bool, bool, bool)], port: u16, dir: tempfile::TempDir) -> Idp {
    let d = dir.path();
    for sub in ["config", "metadata", "log", "data", "tmp", "sessions"] {
        std::fs::create_dir(d.join(sub)).unwrap();
    }
    let path = |p: &str| php(&d.join(p).to_string_lossy());
    let (key, cert) = write_idp_key_and_cert(d);
    let base = format!("http://127.0.0.1:{port}");
    let config = format!(
        "<?php\n$config = [\n\
         'baseurlpath' => {}, 'certdir' => {}, 'loggingdir' => {}, 'datadir' => {}, 'tempdir' => {},\n\
         'metadatadir' => {}, 'metadata.sources' => [['type' => 'flatfile']],\n\
         'technicalcontact_name' => 'SSO Pilot tests', 'technicalcontact_email' => 'na@example.org',\n\
         'secretsalt' => {}, 'auth.adminpassword' => {}, 'timezone' => 'UTC',\n\
         'logging.level' => SimpleSAML\\Logger::DEBUG, 'logging.handler' => 'file', 'logging.logfile' => 'simplesamlphp.log',\n\
         'enable.saml20-idp' => true, 'module.enable' => ['exampleauth' => true],\n\
         'store.type' => 'phpsession', 'session.phpsession.savepath' => {}, 'session.cookie.secure' => false,\n\
         ];\n",
        php(&format!("{base}/")),
        path(""),
        path("log/"),
        path("data/"),
        path("tmp"),
        path("metadata/"),
        php(&ssopilot_peers::demo_idp::mint::new_id().unwrap()),
        php(&ssopilot_peers::demo_idp::mint::new_id().unwrap()),
        path("sessions"),
    );
    write_temp(d, "config/config.php", config.as_bytes());
    let authsources = format!(
        "<?php\n$config = [\n'admin' => ['core:AdminPassword'],\n\
         'users' => ['exampleauth:UserPass', {} => ['uid' => [{}], 'mail' => [{}], 'givenName' => ['Alice']]],\n];\n",
        php(&format!("{USER}:{PASSWORD}")),
        php(USER),
        php(EMAIL),
    );
    write_temp(d, "config/authsources.php", authsources.as_bytes());
    let hosted = format!(
        "<?php\n$metadata[{}] = [\n'host' => '__DEFAULT__', 'privatekey' => {}, 'certificate' => {}, 'auth' => 'users',\n\
         'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',\n];\n",
        php(IDP_ID),
        php(&key.to_string_lossy()),
        php(&cert.to_string_lossy()),
    );
    write_temp(d, "metadata/saml20-idp-hosted.php", hosted.as_bytes());
    // SimpleSAMLphp reads our exported XML with its own metadata parser; only the signing mode is added.
    let mut remote = String::from("<?php\n");
    for (file, sign_response, sign_assertion, validate_requests, encrypt) in sps {
        remote.push_str(&format!(
            "$sp = \\SimpleSAML\\Metadata\\SAMLParser::parseFile({})->getMetadata20SP();\n\
             $sp['saml20.sign.response'] = {sign_response};\n$sp['saml20.sign.assertion'] = {sign_assertion};\n\
             $sp['validate.authnrequest'] = {validate_requests};\n$sp['assertion.encryption'] = {encrypt};\n\
             $sp['simplesaml.nameidattribute'] = 'mail';\n$metadata[$sp['entityid']] = $sp;\n",
            php(file)
        ));
    }
    write_temp(d, "metadata/saml20-sp-remote.php", remote.as_bytes());

    let child = Command::new("php")
        .env("SIMPLESAMLPHP_CONFIG_DIR", d.join("config"))
        .arg("-d")
        .arg(format!(
            "session.save_path={}",
            d.join("sessions").display()
        ))
        .args(["-S", &format!("127.0.0.1:{port}"), "-t", WWW])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("php starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "php -S did not start listening on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Idp { child, dir }
}

/// A scripted browser over the demo's loopback client, with cookies kept (SimpleSAMLphp's session), redirects followed by the test.
struct Browser {
    client: reqwest::Client,
    cookies: HashMap<String, String>,
}

struct Page {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Browser {
    fn new() -> Self {
        let client = loopback_client().expect("the HTTP client");
        Self {
            client,
            cookies: HashMap::new(),
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let r = req
            .header(reqwest::header::COOKIE, cookie.join("; "))
            .send()
            .await
            .expect("the IdP answers");
        for c in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let pair = c.to_str().unwrap().split(';').next().unwrap();
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies
                    .insert(k.trim().to_string(), v.trim().to_string());
            }
        }
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        Page {
            status,
            location,
            body: r.text().await.unwrap(),
        }
    }

    /// GETs `url` and follows redirects to the page they end on.
    async fn get(&mut self, url: &str) -> (String, Page) {
        let mut url = url.to_string();
        for _ in 0..10 {
            let page = self.send(self.client.get(&url)).await;
            match page.location.clone() {
                Some(next) if (300..400).contains(&page.status) => {
                    url = reqwest::Url::parse(&url)
                        .unwrap()
                        .join(&next)
                        .unwrap()
                        .to_string();
                }
                _ => return (url, page),
            }
        }
        panic!("more than 10 redirects from {url}");
    }

    async fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Page {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            self.client
                .post(url)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body),
        )
        .await
    }
}

/// One SP-initiated login through SimpleSAMLphp: what our test SP made of the response, and the response itself.
struct Login {
    received: Report,
    saml_response: String,
    request_id: String,
    sp: EntityId,
    acs: ssopilot_saml::values::AcsUrl,
}

/// Opens the attempt's URL as a browser would: on HTTP-POST the test SP's own page, whose form is then posted to
/// the IdP. Returns where it landed and the page there.
async fn open(browser: &mut Browser, attempt: &Attempt) -> (String, Page) {
    if attempt.binding == RequestBinding::Redirect {
        return browser.get(&attempt.url).await;
    }
    let (_, start) = browser.get(&attempt.url).await;
    assert_eq!(start.status, 200, "{}", start.body);
    let action = form_action(&start.body).expect("the test SP's form");
    let request = input_value(&start.body, "SAMLRequest").expect("its SAMLRequest");
    let posted = browser.post(&action, &[("SAMLRequest", &request)]).await;
    match posted.location {
        Some(next) => {
            let next = reqwest::Url::parse(&action).unwrap().join(&next).unwrap();
            browser.get(next.as_str()).await
        }
        None => (action, posted),
    }
}

/// Signs in on the `exampleauth` login form the browser landed on (`form`, at `login_url`) and returns the page
/// SimpleSAMLphp answers with: its SAMLResponse form.
async fn sign_in(idp: &Idp, browser: &mut Browser, login_url: &str, form: Page) -> Page {
    assert_eq!(
        form.status,
        200,
        "no login form: {}\n{}",
        form.body,
        idp.log()
    );
    let auth_state = input_value(&form.body, "AuthState")
        .unwrap_or_else(|| panic!("no AuthState in the login form:\n{}", form.body));
    let action = form_action(&form.body).expect("the login form's action");
    let action = reqwest::Url::parse(login_url)
        .unwrap()
        .join(&action)
        .unwrap();
    let posted = browser
        .post(
            action.as_str(),
            &[
                ("username", USER),
                ("password", PASSWORD),
                ("AuthState", &auth_state),
            ],
        )
        .await;
    match posted.location {
        Some(next) => browser.get(action.join(&next).unwrap().as_str()).await.1,
        None => posted,
    }
}

async fn login(idp: &Idp, sp: &mut TestSp) -> Login {
    let attempt = sp.start().expect("our AuthnRequest");
    let mut browser = Browser::new();
    let (login_url, form) = open(&mut browser, &attempt).await;
    let page = sign_in(idp, &mut browser, &login_url, form).await;
    let saml_response = input_value(&page.body, "SAMLResponse").unwrap_or_else(|| {
        panic!(
            "SimpleSAMLphp sent no SAMLResponse form:\n{}\n{}",
            page.body,
            idp.log()
        )
    });
    assert_eq!(
        form_action(&page.body).as_deref(),
        Some(sp.acs_url().as_str())
    );
    let mut fields = vec![("SAMLResponse", saml_response.as_str())];
    let relay = input_value(&page.body, "RelayState");
    if let Some(relay) = relay.as_deref() {
        fields.push(("RelayState", relay));
    }
    let acs_page = browser.post(sp.acs_url().as_str(), &fields).await;
    let received = sp
        .wait(Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("our ACS got nothing ({e}); it answered: {}", acs_page.body));
    Login {
        received: received.report,
        saml_response,
        request_id: attempt.request_id,
        sp: sp.sp_entity_id().clone(),
        acs: sp.acs_url().clone(),
    }
}

/// Logs in once per signing mode, each through its own test SP; returns (mode, Response signed, Assertion
/// signed, the login).
fn logins() -> &'static [(&'static str, bool, bool, Login)] {
    static L: OnceLock<Vec<(&'static str, bool, bool, Login)>> = OnceLock::new();
    L.get_or_init(|| {
        require_simplesamlphp();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let port = free_port();
            let base = format!("http://127.0.0.1:{port}");
            let mut sps = Vec::new();
            let mut files = Vec::new();
            for (mode, sign_response, sign_assertion) in MODES {
                let idp = IdpConfig {
                    entity_id: EntityId::parse(IDP_ID, "IdP").unwrap(),
                    sso_url: IdpUrl::parse(&format!("{base}/saml2/idp/SSOService.php"), "SSO")
                        .unwrap(),
                    certs: vec![rsa_idp().cert_der.clone()],
                    require_signed_assertion: false,
                    allow_sha1: false,
                };
                let entity =
                    EntityId::parse(&format!("https://sp-{mode}.ssopilot.test/sp"), "SP").unwrap();
                let sp = TestSp::bind_loopback(entity.clone(), idp).await.unwrap();
                let md = metadata::sp_metadata(
                    &entity,
                    &[(Binding::HttpPost, sp.acs_url().clone())],
                    Some(EMAIL_FORMAT),
                    None,
                );
                let file = write_temp(dir.path(), &format!("sp-{mode}.xml"), md.as_bytes());
                files.push((
                    file.to_string_lossy().into_owned(),
                    sign_response,
                    sign_assertion,
                    false,
                    false,
                ));
                sps.push(sp);
            }
            let idp = start_idp(&files, port, dir);
            let mut out = Vec::new();
            for ((mode, sign_response, sign_assertion), mut sp) in MODES.into_iter().zip(sps) {
                out.push((
                    mode,
                    sign_response,
                    sign_assertion,
                    login(&idp, &mut sp).await,
                ));
            }
            out
        })
    })
}

fn policy(login: &Login, certs: Vec<Vec<u8>>) -> Policy {
    let mut p = Policy::new(
        EntityId::parse(IDP_ID, "IdP").unwrap(),
        certs,
        login.sp.clone(),
        login.acs.clone(),
        SystemClock.now(),
    );
    p.expect = ssopilot_saml::response::Expect::Request(login.request_id.clone());
    p
}

#[test]
fn simplesamlphp_responses_are_accepted_by_our_test_sp_in_every_signing_mode() {
    for (mode, sign_response, sign_assertion, login) in logins() {
        let r = &login.received;
        assert!(
            r.valid(),
            "SimpleSAMLphp's {mode}-signed response was refused: {:?}",
            r.checks().iter().filter(|c| !c.ok).collect::<Vec<_>>()
        );
        assert_eq!(r.signed().response, *sign_response, "{mode}");
        assert_eq!(r.signed().assertion, *sign_assertion, "{mode}");
        assert_eq!(r.issuer(), Some(IDP_ID), "{mode}");
        assert_eq!(r.name_id(), Some(EMAIL), "{mode}");
        assert_eq!(r.name_id_format(), Some(EMAIL_FORMAT), "{mode}");
        assert_eq!(
            r.attributes().get("mail"),
            Some(&vec![EMAIL.to_string()]),
            "{mode}: {:?}",
            r.attributes()
        );
        assert_eq!(
            r.attributes().get("givenName"),
            Some(&vec!["Alice".to_string()]),
            "{mode}"
        );
        assert_eq!(
            r.signing_certificate_sha256()
                .as_ref()
                .map(|f| f.to_string()),
            Some(ssopilot_saml::fingerprint::Fingerprint::sha256(&rsa_idp().cert_der).to_string())
        );
    }
}

/// SimpleSAMLphp sends its users' attributes under their LDAP names (`mail`, `givenName`, `uid`): the SP's plain
/// names get them as aliases (issue 21), and a name nothing carries gets no suggestion.
#[test]
fn simplesamlphp_attribute_names_get_suggested_mappings() {
    use ssopilot_saml::attributes::{suggest, Reason};
    let (_, _, _, login) = &logins()[0];
    let arrived: Vec<&str> = login
        .received
        .attributes()
        .keys()
        .map(String::as_str)
        .collect();
    let s = suggest(&["email", "firstName", "lastName"], &arrived);
    let got: Vec<(&str, &str, Reason)> = s
        .iter()
        .map(|s| (s.sp_attribute.as_str(), s.idp_attribute.as_str(), s.reason))
        .collect();
    assert_eq!(
        got,
        vec![
            ("email", "mail", Reason::Alias),
            ("firstName", "givenName", Reason::Alias),
        ],
        "arrived: {arrived:?}"
    );
}

#[test]
fn simplesamlphp_responses_are_refused_with_another_certificate_configured() {
    for (mode, _, _, login) in logins() {
        let genuine = validate(
            login.saml_response.as_bytes(),
            &policy(login, vec![rsa_idp().cert_der.clone()]),
        );
        assert!(genuine.valid(), "{mode}: {:?}", genuine.failed());
        let r = validate(
            login.saml_response.as_bytes(),
            &policy(login, vec![other_rsa_idp().cert_der.clone()]),
        );
        assert!(
            !r.valid(),
            "{mode}: accepted with another certificate configured"
        );
        assert!(
            r.name_id().is_none(),
            "{mode}: identity read from an untrusted signature"
        );
        // The report names the certificate that did sign, so the message can say "signed by X, you configured Y".
        assert_eq!(
            r.signing_certificate_sha256()
                .as_ref()
                .map(|f| f.to_string()),
            Some(ssopilot_saml::fingerprint::Fingerprint::sha256(&rsa_idp().cert_der).to_string()),
            "{mode}"
        );
    }
}

#[test]
fn simplesamlphp_responses_fail_when_changed() {
    let b64 = base64::engine::general_purpose::STANDARD;
    for (mode, _, _, login) in logins() {
        let xml = String::from_utf8(b64.decode(&login.saml_response).unwrap()).unwrap();
        let forged = xml.replacen(EMAIL, "mallory@example.com", 1);
        assert_ne!(forged, xml);
        let r = validate(
            forged.as_bytes(),
            &policy(login, vec![rsa_idp().cert_der.clone()]),
        );
        assert!(!r.valid(), "{mode}: a changed NameID was accepted");
    }
}

/// SimpleSAMLphp with `validate.authnrequest` for our SPs, whose metadata (our exporter's) carries the test SP's
/// signing certificate: it answers our signed AuthnRequests on HTTP-Redirect and HTTP-POST, and refuses unsigned
/// ones on an error page that says why (asserted here: what the browser got back); the test SP then gets nothing
/// and its wait times out (`test-login` then says first that the IdP may want signed requests).
#[test]
fn simplesamlphp_requiring_signed_requests_answers_ours_and_refuses_unsigned_ones() {
    require_simplesamlphp();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let key = std::sync::Arc::new(SpKey::generate_ephemeral().unwrap());
        let cases = [
            ("signed-redirect", RequestBinding::Redirect, true),
            ("signed-post", RequestBinding::Post, true),
            ("unsigned-redirect", RequestBinding::Redirect, false),
            ("unsigned-post", RequestBinding::Post, false),
        ];
        let mut sps = Vec::new();
        let mut files = Vec::new();
        for (name, binding, signed) in cases {
            let idp = IdpConfig {
                entity_id: EntityId::parse(IDP_ID, "IdP").unwrap(),
                sso_url: IdpUrl::parse(&format!("{base}/saml2/idp/SSOService.php"), "SSO").unwrap(),
                certs: vec![rsa_idp().cert_der.clone()],
                require_signed_assertion: false,
                allow_sha1: false,
            };
            let entity =
                EntityId::parse(&format!("https://sp-{name}.ssopilot.test/sp"), "SP").unwrap();
            let mut sp = TestSp::bind_loopback(entity.clone(), idp).await.unwrap();
            // Every SP's metadata carries the certificate: the IdP knows the key; only the signing differs.
            let md = metadata::sp_metadata_signing(
                &entity,
                &[(Binding::HttpPost, sp.acs_url().clone())],
                Some(EMAIL_FORMAT),
                Some(key.cert_der()),
                true,
            );
            sp.set_requests(RequestOptions {
                binding,
                signer: signed.then(|| std::sync::Arc::clone(&key)),
            });
            let file = write_temp(dir.path(), &format!("sp-{name}.xml"), md.as_bytes());
            files.push((
                file.to_string_lossy().into_owned(),
                false,
                true,
                true,
                false,
            ));
            sps.push((name, signed, sp));
        }
        let idp = start_idp(&files, port, dir);
        for (name, signed, mut sp) in sps {
            if signed {
                let l = login(&idp, &mut sp).await;
                assert!(
                    l.received.valid(),
                    "{name}: {:?}",
                    l.received
                        .checks()
                        .iter()
                        .filter(|c| !c.ok)
                        .collect::<Vec<_>>()
                );
                assert_eq!(l.received.name_id(), Some(EMAIL), "{name}");
                continue;
            }
            let attempt = sp.start().unwrap();
            let mut browser = Browser::new();
            let (_, page) = open(&mut browser, &attempt).await;
            // What came back: SimpleSAMLphp's error page, naming the missing signature; no login form, no response.
            // (SimpleSAMLphp answers HTTP 200 with its "Unhandled exception" page.)
            assert!(
                page.body.contains("Unhandled exception"),
                "{name}: HTTP {}: {}",
                page.status,
                page.body
            );
            assert!(input_value(&page.body, "AuthState").is_none(), "{name}");
            assert!(input_value(&page.body, "SAMLResponse").is_none(), "{name}");
            assert!(
                page.body.contains("no signature found on message"),
                "{name}: the IdP does not say why:\n{}\n{}",
                page.body,
                idp.log()
            );
            match sp.wait(Duration::from_millis(200)).await {
                Err(TestLoginError::Timeout { .. }) => {}
                other => panic!("{name}: {:?}", other.map(|r| r.report.valid())),
            }
        }
    });
}

/// IdP-initiated: the admin opens SimpleSAMLphp's `SSOService.php?spentityid=<SP>` (no AuthnRequest), signs in, and
/// the browser posts an unsolicited response to the test SP, which waits in IdP-initiated mode: accepted, with the
/// flow reported as IdP-initiated and the RelayState passed through.
#[test]
fn simplesamlphp_idp_initiated_login_is_accepted_as_unsolicited() {
    require_simplesamlphp();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let idp = IdpConfig {
            entity_id: EntityId::parse(IDP_ID, "IdP").unwrap(),
            sso_url: IdpUrl::parse(&format!("{base}/saml2/idp/SSOService.php"), "SSO").unwrap(),
            certs: vec![rsa_idp().cert_der.clone()],
            require_signed_assertion: true,
            allow_sha1: false,
        };
        let entity = EntityId::parse("https://sp-unsolicited.ssopilot.test/sp", "SP").unwrap();
        let mut sp = TestSp::bind_loopback(entity.clone(), idp).await.unwrap();
        let md = metadata::sp_metadata(
            &entity,
            &[(Binding::HttpPost, sp.acs_url().clone())],
            Some(EMAIL_FORMAT),
            None,
        );
        let file = write_temp(dir.path(), "sp-unsolicited.xml", md.as_bytes());
        let idp = start_idp(
            &[(
                file.to_string_lossy().into_owned(),
                false,
                true,
                false,
                false,
            )],
            port,
            dir,
        );
        sp.start_idp_initiated().unwrap();
        let launch: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("spentityid", entity.as_str()), ("RelayState", "/home")])
            .finish();
        let mut browser = Browser::new();
        let (login_url, form) = browser
            .get(&format!("{base}/saml2/idp/SSOService.php?{launch}"))
            .await;
        let page = sign_in(&idp, &mut browser, &login_url, form).await;
        let saml_response = input_value(&page.body, "SAMLResponse").unwrap_or_else(|| {
            panic!(
                "SimpleSAMLphp sent no SAMLResponse form:\n{}\n{}",
                page.body,
                idp.log()
            )
        });
        assert_eq!(
            form_action(&page.body).as_deref(),
            Some(sp.acs_url().as_str())
        );
        let xml = base64::engine::general_purpose::STANDARD
            .decode(&saml_response)
            .unwrap();
        assert!(
            !String::from_utf8(xml).unwrap().contains("InResponseTo"),
            "an IdP-initiated response answers no request"
        );
        let relay = input_value(&page.body, "RelayState");
        assert_eq!(relay.as_deref(), Some("/home"));
        let acs = sp.acs_url().to_string();
        browser
            .post(
                &acs,
                &[("SAMLResponse", &saml_response), ("RelayState", "/home")],
            )
            .await;
        let got = sp.wait(Duration::from_secs(30)).await.unwrap();
        let r = &got.report;
        assert!(
            r.valid(),
            "{:?}",
            r.checks().iter().filter(|c| !c.ok).collect::<Vec<_>>()
        );
        assert_eq!(r.flow(), Some(Flow::IdpInitiated));
        // As the JSON report says it.
        assert_eq!(serde_json::to_value(r).unwrap()["flow"], "idp_initiated");
        assert_eq!(r.issuer(), Some(IDP_ID));
        assert!(r.signed().assertion);
        assert_eq!(r.name_id(), Some(EMAIL));
        assert_eq!(got.relay_state.as_deref(), Some("/home"));
    });
}

/// The admin gives SimpleSAMLphp the test SP's metadata as the test SP publishes it (its encryption certificate in
/// an encryption KeyDescriptor) and turns on `assertion.encryption` for it: SimpleSAMLphp 1.19 encrypts its signed
/// assertion with the only algorithms it offers for a certificate (RSA-OAEP key transport, AES-128-CBC content), and
/// the test SP, which requires a signed assertion, decrypts it, verifies the signature inside and accepts the login.
#[test]
fn simplesamlphp_encrypted_assertion_for_the_published_certificate_is_decrypted_and_accepted() {
    use ssopilot_peers::test_login::encryption_key::SpEncryptionKey;
    require_simplesamlphp();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let idp = IdpConfig {
            entity_id: EntityId::parse(IDP_ID, "IdP").unwrap(),
            sso_url: IdpUrl::parse(&format!("{base}/saml2/idp/SSOService.php"), "SSO").unwrap(),
            certs: vec![rsa_idp().cert_der.clone()],
            require_signed_assertion: true,
            allow_sha1: false,
        };
        let entity = EntityId::parse("https://sp-encrypted.ssopilot.test/sp", "SP").unwrap();
        let mut sp = TestSp::bind_loopback(entity.clone(), idp).await.unwrap();
        let key = std::sync::Arc::new(SpEncryptionKey::generate_ephemeral().unwrap());
        sp.set_encryption_key(Some(std::sync::Arc::clone(&key)));
        // The certificate the test SP publishes, with the email NameID format the admin picks, as the other SPs here.
        let cert = base64::engine::general_purpose::STANDARD.encode(key.cert_der());
        let published: String = sp.sp_metadata().split_whitespace().collect();
        assert!(published.contains(&cert), "{published}");
        let md = metadata::sp_metadata_keys(
            &entity,
            &[(Binding::HttpPost, sp.acs_url().clone())],
            Some(EMAIL_FORMAT),
            metadata::SpKeys {
                signing: None,
                signs_requests: false,
                encryption: Some(key.cert_der()),
            },
        );
        let file = write_temp(dir.path(), "sp-encrypted.xml", md.as_bytes());
        let idp = start_idp(
            &[(
                file.to_string_lossy().into_owned(),
                false,
                true,
                false,
                true,
            )],
            port,
            dir,
        );
        let l = login(&idp, &mut sp).await;
        let sent = base64::engine::general_purpose::STANDARD
            .decode(l.saml_response.as_bytes())
            .unwrap();
        let sent = String::from_utf8(sent).unwrap();
        assert!(
            sent.contains("EncryptedAssertion")
                && sent.contains("Algorithm=\"http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p\"")
                && sent.contains("Algorithm=\"http://www.w3.org/2001/04/xmlenc#aes128-cbc\"")
                && !sent.contains(EMAIL),
            "SimpleSAMLphp did not encrypt the assertion: {sent}\n{}",
            idp.log()
        );
        let r = &l.received;
        assert!(
            r.valid(),
            "{:?}",
            r.checks().iter().filter(|c| !c.ok).collect::<Vec<_>>()
        );
        assert!(r.encrypted().assertion);
        assert!(r.signed().assertion);
        assert_eq!(r.issuer(), Some(IDP_ID));
        assert_eq!(r.name_id(), Some(EMAIL));
        assert_eq!(
            r.attributes().get("mail"),
            Some(&vec![EMAIL.to_string()]),
            "{:?}",
            r.attributes()
        );
        // As the JSON report says it.
        assert_eq!(
            serde_json::to_value(r).unwrap()["encrypted"]["assertion"],
            true
        );
    });
}
