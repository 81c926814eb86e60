//! The one loopback test run (bind, show, wait, report): its failures end it at once, with whose failure it was.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use ssopilot_peers::clock::FixedClock;
use ssopilot_peers::test_login::run::{run, Run, RunError};
use ssopilot_peers::test_login::{Attempt, IdpConfig, TestLoginError, TestSp};
use ssopilot_saml::values::{EntityId, IdpUrl};
use time::macros::datetime;

fn test_run(port: u16) -> Run {
    Run {
        ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port,
        sp_entity_id: EntityId::parse("urn:ssopilot:test-sp", "SP Entity ID").unwrap(),
        idp: IdpConfig {
            entity_id: EntityId::parse("https://idp.example.com", "IdP Entity ID").unwrap(),
            sso_url: IdpUrl::parse("https://idp.example.com/sso", "SSO URL").unwrap(),
            certs: vec![vec![0x30]],
            require_signed_assertion: false,
            allow_sha1: false,
        },
        timeout: Duration::from_secs(300),
        attribute_map: Default::default(),
        clock: FixedClock::shared(datetime!(2030-01-01 0:00 UTC)),
        requests: Default::default(),
        encryption: None,
    }
}

#[tokio::test]
async fn a_failure_to_show_the_url_ends_the_run_without_waiting() {
    let mut shown = None;
    let ended = tokio::time::timeout(
        Duration::from_secs(10),
        run(test_run(0), async |sp: &TestSp, attempt: &Attempt| {
            shown = Some((sp.acs_url().to_string(), attempt.url.clone()));
            Err("no browser could be opened")
        }),
    )
    .await
    .expect("the run ends at once, not after its 300 s timeout");
    match ended {
        Err(RunError::Show(why)) => assert_eq!(why, "no browser could be opened"),
        other => panic!("{other:?}"),
    }
    let (acs, url) = shown.unwrap();
    assert!(
        acs.starts_with("http://127.0.0.1:") && acs.ends_with("/acs"),
        "{acs}"
    );
    assert!(
        url.starts_with("https://idp.example.com/sso?SAMLRequest="),
        "{url}"
    );
}

#[tokio::test]
async fn a_port_in_use_is_the_test_sps_error_and_nothing_is_shown() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut shown = false;
    let ended = run(test_run(port), async |_: &TestSp, _: &Attempt| {
        shown = true;
        Ok::<(), String>(())
    })
    .await;
    assert!(
        matches!(ended, Err(RunError::TestLogin(TestLoginError::PortTaken { port: p, .. })) if p == port),
        "{ended:?}"
    );
    assert!(!shown);
}
