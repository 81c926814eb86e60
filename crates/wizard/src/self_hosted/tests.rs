use super::super::tests::set;
use super::super::view::{Action, Block, StepId};
use super::super::{Field, Session};
use crate::state::Store;
use ssopilot_peers::secrets::{SecretName, Secrets, SecretsError};

fn self_hosted(dir: &std::path::Path) -> Session {
    let mut s = Session::open(Store::at(dir));
    set(&mut s, Field::IdpProfile, "jumpcloud");
    set(&mut s, Field::SpProfile, "infisical-self-hosted");
    s.apply(Action::Next);
    s
}

fn input_error(v: &super::super::view::WizardView, field: Field) -> Option<String> {
    v.page.blocks.iter().find_map(|b| match b {
        Block::Input {
            field: f, error, ..
        } if *f == field => error.clone(),
        _ => None,
    })
}

#[test]
fn site_url_is_asked_checked_and_must_carry_the_acs_url_and_entity_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = self_hosted(dir.path());
    let v = s.view();
    assert_eq!(v.current, StepId::SpValues);
    assert!(input_error(&v, Field::SiteUrl)
        .unwrap()
        .starts_with("SITE_URL is empty"));
    let v = set(&mut s, Field::SiteUrl, "infisical.example.com");
    assert!(input_error(&v, Field::SiteUrl)
        .unwrap()
        .starts_with("SITE_URL must be an absolute URL starting with https://"));
    // A good SITE_URL fills the empty SP entity ID from the profile's template.
    let v = set(&mut s, Field::SiteUrl, "https://infisical.example.com/");
    assert_eq!(input_error(&v, Field::SiteUrl), None);
    assert_eq!(
        s.model().steps.sp_values.sp_entity_id,
        "https://infisical.example.com"
    );
    let v = set(
        &mut s,
        Field::AcsUrl,
        "https://other.example.com/api/v1/sso/saml2/org1",
    );
    let why = v.page.next.reason.unwrap();
    assert!(
        why.starts_with(
            "The ACS URL https://other.example.com/api/v1/sso/saml2/org1 is not on SITE_URL"
        ),
        "{why}"
    );
    let v = set(
        &mut s,
        Field::AcsUrl,
        "https://infisical.example.com/api/v1/sso/saml2/org1",
    );
    assert!(v.page.next.enabled, "{:?}", v.page.next);
    let v = set(&mut s, Field::SpEntityId, "https://elsewhere.example.com");
    assert!(v.page.next.reason.unwrap().contains("is not on SITE_URL"));
    set(&mut s, Field::SpEntityId, "https://infisical.example.com");
    let saved = Store::at(dir.path()).load().unwrap().unwrap();
    assert_eq!(
        saved.site_url.unwrap().as_str(),
        "https://infisical.example.com"
    );
}

/// SITE_URL typed with pauses (each pause sends what is typed so far): the SP entity ID filled from it follows to
/// the whole address, through values that are not valid yet; once the admin types their own entity ID, SITE_URL no
/// longer changes it; after a restart, an entity ID equal to SITE_URL's follows again.
#[test]
fn the_entity_id_follows_site_url_as_typed_until_edited() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = self_hosted(dir.path());
    for typed in [
        "https://i",
        "https://in",
        "https:/",
        "https://infisical.example.com",
    ] {
        set(&mut s, Field::SiteUrl, typed);
    }
    assert_eq!(
        s.model().steps.sp_values.sp_entity_id,
        "https://infisical.example.com"
    );

    set(&mut s, Field::SpEntityId, "https://sso.example.com");
    set(&mut s, Field::SiteUrl, "https://infisical2.example.com");
    assert_eq!(
        s.model().steps.sp_values.sp_entity_id,
        "https://sso.example.com"
    );

    set(&mut s, Field::SpEntityId, "https://infisical2.example.com");
    drop(s);
    let mut s = Session::open(Store::at(dir.path()));
    set(&mut s, Field::SiteUrl, "https://infisical3.example.com");
    assert_eq!(
        s.model().steps.sp_values.sp_entity_id,
        "https://infisical3.example.com"
    );
}

#[test]
fn cloud_infisical_has_no_site_url() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::open(Store::at(dir.path()));
    set(&mut s, Field::IdpProfile, "jumpcloud");
    set(&mut s, Field::SpProfile, "infisical");
    let v = s.apply(Action::Next);
    assert_eq!(input_error(&v, Field::SiteUrl), None);
    assert!(v.page.blocks.iter().all(|b| !matches!(b,
        Block::Input { field, .. } if *field == Field::SiteUrl)));
}

#[test]
fn auth_secret_is_made_once_kept_in_the_keychain_and_never_in_the_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = self_hosted(dir.path());
    let secrets = Secrets::mock();
    s.attach_secrets(Ok(secrets));
    set(&mut s, Field::SiteUrl, "https://infisical.example.com");
    s.model.current = StepId::Enable;
    s.model.entered_step();
    assert!(s.view().page.blocks.iter().any(|b| matches!(
        b,
        Block::Button {
            action: Action::GenerateAuthSecret,
            ..
        }
    )));
    let v = s.apply(Action::GenerateAuthSecret);
    let secret = v
        .page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::SecretValue { value, .. } => Some(value.clone()),
            _ => None,
        })
        .expect("the secret is shown to copy");
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&secret)
        .unwrap();
    assert_eq!(bytes.len(), 32);
    // Pressing again keeps the same secret (the server already has it).
    let v = s.apply(Action::GenerateAuthSecret);
    assert!(v.page.blocks.iter().any(|b| matches!(b,
        Block::SecretValue { value, .. } if *value == secret)));
    let keychain = s.model.secrets.clone().unwrap().unwrap();
    assert_eq!(
        keychain
            .get(&SecretName::AuthSecret(
                "https://infisical.example.com".into()
            ))
            .unwrap()
            .unwrap()
            .expose(),
        secret
    );
    set(&mut s, Field::SsoEnabled, "true");
    let state = std::fs::read_to_string(dir.path().join("state.json")).unwrap();
    assert!(state.contains("\"sso_enabled\": true"), "{state}");
    assert!(
        !state.contains(&secret),
        "AUTH_SECRET leaked into the state file"
    );
    assert!(!state.contains(&secret[..16]));
}

#[test]
fn no_keychain_is_said_plainly_and_blocks_step_8() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = self_hosted(dir.path());
    s.attach_secrets(Err(SecretsError::NoKeychain {
        detail: "org.freedesktop.secrets was not provided".into(),
    }));
    set(&mut s, Field::SiteUrl, "https://infisical.example.com");
    s.model.current = StepId::Enable;
    let v = s.apply(Action::GenerateAuthSecret);
    let text = &v.notices.last().unwrap().text;
    assert!(
        text.starts_with(
            "AUTH_SECRET is kept only in the system keychain, and no OS keychain is available"
        ),
        "{text}"
    );
    assert!(text.contains("never stores it anywhere else"));
    let why = s.model().auth_secret_problem().unwrap_err();
    assert!(why.starts_with("AUTH_SECRET is kept only in the system keychain"));
    assert!(v.page.blocks.iter().any(|b| matches!(b,
        Block::Callout { text, .. } if text.contains("no OS keychain is available"))));
}
