//! Time is a parameter: with fixed clocks, the demo IdP dates its responses, the test SP dates its AuthnRequest,
//! judges the response and stamps what it received, and the demo run dates its evidence, all at the clock's time
//! and not the wall clock's (a year far from today, so a wall-clock read anywhere would fail these tests).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration as StdDuration;

use base64::Engine as _;
use ssopilot_peers::clock::{Clock, FixedClock, SharedClock};
use ssopilot_peers::demo_idp::directory::{Directory, DEMO_PASSWORD};
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint::App;
use ssopilot_peers::demo_idp::server::{Server, State};
use ssopilot_peers::secrets::SecretBytes;
use ssopilot_peers::test_login::demo::{self, form_action, input_value, Browser, DEMO_USER};
use ssopilot_peers::test_login::{IdpConfig, TestSp, DEFAULT_SP_ENTITY_ID};
use ssopilot_saml::values::{EntityId, IdpUrl};
use ssopilot_testkit::demo_idp_support::key;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// Inside the demo IdP certificate's fixed validity (2025 to 2045), years away from the tests' run.
const T: OffsetDateTime = datetime!(2041-02-03 04:05:06 UTC);

fn idp_key() -> IdpKey {
    IdpKey::from_pkcs8(SecretBytes::new(key().pkcs8().to_vec())).unwrap()
}

/// The attribute `name` of the first element named `element` in `xml`.
fn attr_of(xml: &str, element: &str, name: &str) -> Option<String> {
    let doc = ssopilot_saml::xml::parse(xml).unwrap();
    let found = doc
        .elements()
        .filter_map(|n| doc.element(n))
        .find(|e| e.local == element)
        .and_then(|e| e.attr(name).map(str::to_string));
    found
}

/// The demo IdP (dated by `idp_clock`) and the test SP (dated by `sp_clock`), paired on loopback.
async fn pair(
    idp_clock: SharedClock,
    sp_clock: SharedClock,
) -> (TestSp, tokio::task::JoinHandle<()>) {
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let k = idp_key();
    let cert = k.cert_der().to_vec();
    let state = State::new(Directory::demo().unwrap(), Vec::new(), k)
        .unwrap()
        .with_clock(idp_clock);
    let mut server = Server::bind(SocketAddr::new(loopback, 0), state)
        .await
        .unwrap();
    let idp_id = server.entity_id().cloned().unwrap();
    let sso = IdpUrl::parse(&format!("{}/sso", server.base_url()), "SSO URL").unwrap();
    let sp_id = EntityId::parse(DEFAULT_SP_ENTITY_ID, "SP Entity ID").unwrap();
    let idp = IdpConfig {
        entity_id: idp_id.clone(),
        sso_url: sso,
        certs: vec![cert],
        require_signed_assertion: true,
        allow_sha1: false,
    };
    let sp = TestSp::bind_with_clock(loopback, 0, sp_id.clone(), idp, sp_clock)
        .await
        .unwrap();
    server
        .add_app(
            "clock",
            App::new(sp_id, sp.acs_url().clone(), idp_id),
            &["Engineering"],
        )
        .unwrap();
    (sp, tokio::spawn(server.run()))
}

/// Signs in through the demo IdP's pages; returns the AuthnRequest XML, the response XML and the ACS it posts to.
async fn sign_in(sp: &mut TestSp) -> (String, String, String, String) {
    let attempt = sp.start().unwrap();
    let query = url::Url::parse(&attempt.url).unwrap();
    let saml_request = query
        .query_pairs()
        .find(|(k, _)| k == "SAMLRequest")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let request = ssopilot_saml::binding::decode_redirect(&saml_request, 64 * 1024).unwrap();
    let browser = Browser::new().unwrap();
    let form = browser.get(&attempt.url).await.unwrap();
    let token = input_value(&form.body, "token").unwrap();
    let origin = query.origin().ascii_serialization();
    let posted = browser
        .post_form(
            &format!("{origin}/login"),
            &[
                ("token", &token),
                ("email", DEMO_USER),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await
        .unwrap();
    let acs = form_action(&posted.body).unwrap();
    let b64 = input_value(&posted.body, "SAMLResponse").unwrap();
    let xml = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(&b64)
            .unwrap(),
    )
    .unwrap();
    (request, xml, acs, b64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_idp_and_the_test_sp_read_their_clocks() {
    let clock = FixedClock::shared(T);
    let (mut sp, idp) = pair(clock.clone(), clock.clone()).await;
    let (request, xml, acs, b64) = sign_in(&mut sp).await;
    // The AuthnRequest, the response and its assertion are dated by the fixed clock.
    assert_eq!(
        attr_of(&request, "AuthnRequest", "IssueInstant").as_deref(),
        Some("2041-02-03T04:05:06Z")
    );
    assert_eq!(
        attr_of(&xml, "Response", "IssueInstant").as_deref(),
        Some("2041-02-03T04:05:06Z")
    );
    assert_eq!(
        attr_of(&xml, "Assertion", "IssueInstant").as_deref(),
        Some("2041-02-03T04:05:06Z")
    );
    // The application's default validity: five minutes from the clock's time.
    assert_eq!(
        attr_of(&xml, "Conditions", "NotOnOrAfter").as_deref(),
        Some("2041-02-03T04:10:06Z")
    );
    assert_eq!(
        attr_of(&xml, "SubjectConfirmationData", "NotOnOrAfter").as_deref(),
        Some("2041-02-03T04:10:06Z")
    );
    // The test SP judges it at the same fixed time: valid in 2041, and received "then".
    let browser = Browser::new().unwrap();
    browser
        .post_form(&acs, &[("SAMLResponse", &b64)])
        .await
        .unwrap();
    let got = sp.wait(StdDuration::from_secs(20)).await.unwrap();
    assert!(got.report.valid(), "{:?}", got.report.failed());
    assert_eq!(got.received_at, T);
    idp.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_sp_judges_a_response_by_its_own_clock() {
    let idp_clock = FixedClock::shared(T);
    let sp_clock = FixedClock::shared(T);
    let (mut sp, idp) = pair(idp_clock, sp_clock.clone()).await;
    let (_, _, acs, b64) = sign_in(&mut sp).await;
    // An hour passes at the SP before the response arrives: it has expired, by the SP's clock.
    sp_clock.advance(Duration::hours(1));
    let browser = Browser::new().unwrap();
    browser
        .post_form(&acs, &[("SAMLResponse", &b64)])
        .await
        .unwrap();
    let got = sp.wait(StdDuration::from_secs(20)).await.unwrap();
    assert!(!got.report.valid());
    let failed = got.report.failed();
    assert!(failed.contains(&"conditions_time"), "{failed:?}");
    assert!(failed.contains(&"subject_time"), "{failed:?}");
    assert_eq!(got.received_at, T + Duration::hours(1));
    idp.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_run_dates_everything_by_its_clock() {
    let clock = FixedClock::shared(T);
    let run = demo::run_with_clock(idp_key(), StdDuration::from_secs(20), clock.clone())
        .await
        .unwrap();
    assert!(run.report.valid(), "{:?}", run.report.failed());
    assert_eq!(run.evidence.unwrap().time, T);
    assert_eq!(clock.now(), T);
}
