//! Metadata import and export through the wizard session, with metadata generated here (the demo IdP's writer and
//! the SP metadata writer, a fresh key per test run) and a loopback HTTP server for the URL path.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::Path;
use std::sync::OnceLock;

use super::super::tests::{set, ACS, IDP_URL, SP_ID};
use super::super::view::{Action, Block, MetadataChange, MetadataSide, Severity, StepId};
use super::super::{Field, Session, WizardView};
use crate::state::Store;
use ssopilot_peers::demo_idp::key::IdpKey;
use ssopilot_peers::demo_idp::mint;
use ssopilot_saml::fingerprint::Fingerprint;
use ssopilot_saml::metadata::{self, Binding, Kind, Options};
use ssopilot_saml::values::{AcsUrl, EntityId};

fn key() -> &'static IdpKey {
    static KEY: OnceLock<IdpKey> = OnceLock::new();
    KEY.get_or_init(|| IdpKey::generate_ephemeral().expect("RSA key"))
}

fn idp_metadata(entity_id: &str, sso: &str) -> String {
    let id = EntityId::parse(entity_id, "IdP Entity ID").unwrap();
    mint::metadata(&id, sso, key())
}

/// Infisical on JumpCloud, steps 1 and 2 done, on step 3 (the IdP entity ID prefilled with the SP's).
fn to_step_3(dir: &Path) -> Session {
    let mut s = Session::open(Store::at(dir));
    set(&mut s, Field::IdpProfile, "jumpcloud");
    set(&mut s, Field::SpProfile, "infisical");
    s.apply(Action::Next);
    set(&mut s, Field::AcsUrl, ACS);
    set(&mut s, Field::SpEntityId, SP_ID);
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::IdpApp);
    s
}

fn paste(s: &mut Session, side: MetadataSide, text: &str) -> WizardView {
    s.apply(Action::ImportMetadata {
        side,
        text: text.into(),
    })
}

struct ImportBox {
    fetching: Option<String>,
    error: Option<String>,
    choose: Vec<String>,
    changes: Vec<MetadataChange>,
    result: Option<String>,
    findings: Vec<(Severity, String)>,
}

fn import_box(v: &WizardView) -> ImportBox {
    v.page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::MetadataImport {
                fetching,
                error,
                choose,
                changes,
                result,
                findings,
                ..
            } => Some(ImportBox {
                fetching: fetching.clone(),
                error: error.clone(),
                choose: choose.clone(),
                changes: changes.clone(),
                result: result.clone(),
                findings: findings
                    .iter()
                    .map(|f| (f.severity, f.message.clone()))
                    .collect(),
            }),
            _ => None,
        })
        .expect("an import box on the page")
}

fn value(v: &WizardView, field: Field) -> String {
    v.page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Input {
                field: f, value, ..
            } if *f == field => Some(value.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no field {field}"))
}

fn callouts(v: &WizardView) -> Vec<String> {
    v.page
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Callout { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn saved(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("state.json")).unwrap()).unwrap()
}

#[test]
fn pasted_idp_metadata_fills_step_3_and_the_certificate_for_step_5() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_step_3(dir.path());
    let v = paste(&mut s, MetadataSide::Idp, &idp_metadata(SP_ID, IDP_URL));
    let b = import_box(&v);
    assert_eq!(b.error, None);
    assert!(b.changes.is_empty(), "{:?}", b.changes);
    assert!(
        b.result.as_deref().is_some_and(|r| r.starts_with(
            "The pasted metadata was imported: IdP Entity ID, IDP URL, the signing certificate"
        )),
        "{:?}",
        b.result
    );
    assert_eq!(value(&v, Field::IdpEntityId), SP_ID);
    assert_eq!(value(&v, Field::IdpSsoUrl), IDP_URL);
    let fp = Fingerprint::sha256(key().cert_der());
    assert!(
        callouts(&v).iter().any(|c| c
            == &format!(
                "Signing certificate imported: SHA-256 fingerprint {fp}, checked in step 5."
            )),
        "{:?}",
        callouts(&v)
    );
    // In the model and in the saved progress, for step 5.
    assert_eq!(s.model().steps.certificate.pem, key().cert_pem());
    assert_eq!(
        s.model().steps.certificate.metadata_certificates,
        [key().cert_pem()]
    );
    let file = saved(dir.path());
    assert_eq!(file["idp_certificate"], key().cert_pem());
    assert_eq!(file["idp_metadata_certificates"][0], key().cert_pem());
    assert_eq!(file["idp_sso_url"], IDP_URL);
    // And back after a restart.
    let again = Session::open(Store::at(dir.path()));
    assert_eq!(again.model().steps.certificate.pem, key().cert_pem());
    assert_eq!(
        again.model().steps.certificate.metadata_certificates.len(),
        1
    );
}

#[test]
fn an_import_that_would_overwrite_asks_first_and_changes_nothing_until_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_step_3(dir.path());
    let mine = "https://sso.jumpcloud.com/saml2/mine";
    set(&mut s, Field::IdpSsoUrl, mine);
    let xml = idp_metadata(SP_ID, IDP_URL);
    let v = paste(&mut s, MetadataSide::Idp, &xml);
    let b = import_box(&v);
    assert_eq!(
        b.changes,
        [MetadataChange {
            label: "IDP URL".into(),
            old: mine.into(),
            new: IDP_URL.into(),
        }]
    );
    // Nothing changed yet, not even the certificate.
    assert_eq!(value(&v, Field::IdpSsoUrl), mine);
    assert!(s.model().steps.certificate.pem.is_empty());
    assert_eq!(saved(dir.path())["idp_sso_url"], mine);

    // Keep: the admin's value stays.
    let v = s.apply(Action::CancelMetadataImport {
        side: MetadataSide::Idp,
    });
    assert!(import_box(&v).changes.is_empty());
    assert_eq!(value(&v, Field::IdpSsoUrl), mine);
    assert!(s.model().steps.certificate.pem.is_empty());
    assert_eq!(
        import_box(&v).result.as_deref(),
        Some("Nothing was imported: your values are kept.")
    );
    // A confirmation with nothing pending is refused.
    let v = s.apply(Action::ConfirmMetadataImport {
        side: MetadataSide::Idp,
    });
    assert!(v
        .notices
        .iter()
        .any(|n| n.text.contains("no import waiting")));

    // Apply: the new values replace the old ones.
    paste(&mut s, MetadataSide::Idp, &xml);
    let v = s.apply(Action::ConfirmMetadataImport {
        side: MetadataSide::Idp,
    });
    assert_eq!(value(&v, Field::IdpSsoUrl), IDP_URL);
    assert_eq!(s.model().steps.certificate.pem, key().cert_pem());
    assert_eq!(saved(dir.path())["idp_sso_url"], IDP_URL);
}

#[test]
fn bad_metadata_gets_a_clear_message_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_step_3(dir.path());
    set(&mut s, Field::IdpSsoUrl, IDP_URL);
    let before = std::fs::read_to_string(dir.path().join("state.json")).unwrap();
    let cases: [(&str, &str); 4] = [
        ("", "the metadata is empty"),
        (
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            "this is not XML",
        ),
        (
            "<!DOCTYPE x [<!ENTITY a \"b\">]><x/>",
            "The pasted metadata cannot be imported: the metadata was refused",
        ),
        (
            "<html><body>Sign in</body></html>",
            "this is a web page (HTML)",
        ),
    ];
    for (text, wanted) in cases {
        let v = paste(&mut s, MetadataSide::Idp, text);
        let error = import_box(&v).error.unwrap_or_default();
        assert!(error.contains(wanted), "{text:?}: {error}");
        assert!(error.ends_with("Nothing was changed."), "{error}");
        assert_eq!(value(&v, Field::IdpSsoUrl), IDP_URL);
    }
    // Metadata past its validUntil is read, but not imported; its findings say why.
    let expired = idp_metadata(SP_ID, "https://sso.jumpcloud.com/saml2/other").replace(
        "<md:EntityDescriptor ",
        "<md:EntityDescriptor validUntil=\"2020-01-01T00:00:00Z\" ",
    );
    let v = paste(&mut s, MetadataSide::Idp, &expired);
    let b = import_box(&v);
    assert!(
        b.error
            .as_deref()
            .is_some_and(|e| e.contains("cannot be imported")),
        "{:?}",
        b.error
    );
    assert!(
        b.findings.iter().any(|(sev, _)| *sev == Severity::Error),
        "{:?}",
        b.findings
    );
    assert_eq!(value(&v, Field::IdpSsoUrl), IDP_URL);
    assert!(s.model().steps.certificate.pem.is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("state.json")).unwrap(),
        before
    );
    // SP metadata on the IdP side names the other side.
    let sp_xml = metadata::sp_metadata(
        &EntityId::parse(SP_ID, "x").unwrap(),
        &[(Binding::HttpPost, AcsUrl::parse(ACS, "x").unwrap())],
        None,
        None,
    );
    let v = paste(&mut s, MetadataSide::Idp, &sp_xml);
    let error = import_box(&v).error.unwrap_or_default();
    assert!(error.contains("import it on the other side"), "{error}");
}

#[test]
fn a_different_entity_id_is_shown_against_infisicals_rule() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_step_3(dir.path());
    let v = paste(
        &mut s,
        MetadataSide::Idp,
        &idp_metadata("https://idp.example.org/jumpcloud", IDP_URL),
    );
    let b = import_box(&v);
    // The prefilled IdP entity ID would change: asked first.
    assert_eq!(b.changes.len(), 1, "{:?}", b.changes);
    assert_eq!(b.changes[0].old, SP_ID);
    assert_eq!(b.changes[0].new, "https://idp.example.org/jumpcloud");
    let (severity, message) = &b.findings[0];
    assert_eq!(*severity, Severity::Warning);
    assert!(
        message.contains("is not Infisical's SP Entity ID (https://app.infisical.com)")
            && message.contains("needs both to be the same"),
        "{message}"
    );
}

#[test]
fn several_entities_ask_which_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_step_3(dir.path());
    let one = idp_metadata(
        "https://one.example.com/idp",
        "https://sso.jumpcloud.com/saml2/one",
    );
    let two = idp_metadata(SP_ID, IDP_URL);
    let body = |xml: &str| {
        xml.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .to_string()
    };
    let all = format!(
        "<md:EntitiesDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">{}{}</md:EntitiesDescriptor>",
        body(&one),
        body(&two)
    );
    let v = paste(&mut s, MetadataSide::Idp, &all);
    assert_eq!(
        import_box(&v).choose,
        ["https://one.example.com/idp", SP_ID]
    );
    assert_eq!(value(&v, Field::IdpSsoUrl), "");
    // Not one of them: refused, the choice stays.
    let v = s.apply(Action::ChooseMetadataEntity {
        side: MetadataSide::Idp,
        entity_id: "https://three.example.com".into(),
    });
    assert_eq!(import_box(&v).choose.len(), 2);
    let v = s.apply(Action::ChooseMetadataEntity {
        side: MetadataSide::Idp,
        entity_id: SP_ID.into(),
    });
    let b = import_box(&v);
    assert!(b.choose.is_empty());
    assert_eq!(b.error, None);
    assert_eq!(value(&v, Field::IdpSsoUrl), IDP_URL);
}

#[test]
fn imports_belong_to_their_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_step_3(dir.path());
    let v = paste(&mut s, MetadataSide::Sp, "<x/>");
    assert!(
        v.notices.iter().any(|n| n.severity == Severity::Error
            && n.text
                .starts_with("SP metadata is imported on step 2 (Service provider values)")),
        "{:?}",
        v.notices
    );
}

#[test]
fn sp_metadata_from_a_file_fills_step_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::open(Store::at(dir.path()));
    set(&mut s, Field::IdpProfile, "jumpcloud");
    set(&mut s, Field::SpProfile, "infisical");
    let v = s.apply(Action::Next);
    assert_eq!(v.current, StepId::SpValues);
    let xml = metadata::sp_metadata(
        &EntityId::parse(SP_ID, "x").unwrap(),
        &[(Binding::HttpPost, AcsUrl::parse(ACS, "x").unwrap())],
        None,
        None,
    );
    let file = dir.path().join("infisical-sp.xml");
    std::fs::write(&file, xml).unwrap();
    let v = s.apply(Action::ImportMetadataFile {
        side: MetadataSide::Sp,
        path: file.display().to_string(),
    });
    let b = import_box(&v);
    assert_eq!(b.error, None);
    assert_eq!(
        b.result.as_deref(),
        Some("The file infisical-sp.xml was imported: SP Entity ID, ACS URL.")
    );
    assert_eq!(value(&v, Field::AcsUrl), ACS);
    assert_eq!(value(&v, Field::SpEntityId), SP_ID);
    assert!(v.page.next.enabled);

    // A missing file and a huge one: clear messages, nothing changed.
    let v = s.apply(Action::ImportMetadataFile {
        side: MetadataSide::Sp,
        path: dir.path().join("nope.xml").display().to_string(),
    });
    let error = import_box(&v).error.unwrap_or_default();
    assert!(error.contains("nope.xml cannot be read"), "{error}");
    let big = dir.path().join("big.xml");
    std::fs::write(&big, vec![b' '; metadata::MAX_METADATA_BYTES + 10]).unwrap();
    let v = s.apply(Action::ImportMetadataFile {
        side: MetadataSide::Sp,
        path: big.display().to_string(),
    });
    let error = import_box(&v).error.unwrap_or_default();
    assert!(error.contains("is larger than 1048576 bytes"), "{error}");
    assert_eq!(value(&v, Field::AcsUrl), ACS);
}

/// Serves `body` to each of `count` requests on loopback; returns the metadata URL.
fn serve(body: String, count: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/metadata", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/samlmetadata+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn url_import_from_a_loopback_server_and_cancel() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_step_3(dir.path());
    let url = serve(idp_metadata(SP_ID, IDP_URL), 1);

    let (v, job) = s.start_metadata_fetch(MetadataSide::Idp, &url);
    let job = job.expect("the fetch starts");
    assert_eq!(import_box(&v).fetching.as_deref(), Some(url.as_str()));
    // One at a time.
    let (v, second) = s.start_metadata_fetch(MetadataSide::Idp, &url);
    assert!(second.is_none());
    assert!(v.notices.iter().any(|n| n.text.contains("already running")));

    let fetched = ssopilot_peers::fetch::fetch_metadata_blocking(&job.url, &Default::default())
        .map(|f| f.body);
    let v = s.finish_metadata_fetch(job.id, fetched);
    let b = import_box(&v);
    assert_eq!(b.fetching, None);
    assert_eq!(b.error, None, "{:?}", b.findings);
    assert!(
        b.result
            .as_deref()
            .is_some_and(|r| r.starts_with(&format!("The metadata at {url} was imported"))),
        "{:?}",
        b.result
    );
    assert_eq!(value(&v, Field::IdpSsoUrl), IDP_URL);
    assert_eq!(s.model().steps.certificate.pem, key().cert_pem());
    // Where it came from is saved, for the watch to fetch again.
    let saved_url = || {
        Store::at(dir.path())
            .load()
            .unwrap()
            .unwrap()
            .idp_metadata_url
            .map(|u| u.as_str().to_string())
    };
    assert_eq!(saved_url(), Some(url.clone()));

    // Cancelled: a late answer is dropped.
    let (_, job) = s.start_metadata_fetch(MetadataSide::Idp, "https://idp.example.com/md");
    let job = job.unwrap();
    let v = s.cancel_metadata_fetch();
    assert_eq!(import_box(&v).fetching, None);
    assert!(import_box(&v)
        .result
        .is_some_and(|r| r.contains("was cancelled; nothing was changed")));
    let other = idp_metadata(SP_ID, "https://sso.jumpcloud.com/saml2/late");
    let v = s.finish_metadata_fetch(job.id, Ok(other.into_bytes()));
    assert_eq!(value(&v, Field::IdpSsoUrl), IDP_URL);

    // A failed fetch is explained in the box.
    let (_, job) = s.start_metadata_fetch(MetadataSide::Idp, "http://example.com/md");
    let job = job.unwrap();
    let fetched = ssopilot_peers::fetch::fetch_metadata_blocking(&job.url, &Default::default())
        .map(|f| f.body);
    let v = s.finish_metadata_fetch(job.id, fetched);
    let error = import_box(&v).error.unwrap_or_default();
    assert!(
        error.starts_with("Cannot fetch the metadata: the metadata URL must use https"),
        "{error}"
    );
    assert_eq!(saved_url(), Some(url.clone()));

    // The same metadata pasted: no URL to watch any more.
    s.apply(Action::ImportMetadata {
        side: MetadataSide::Idp,
        text: idp_metadata(SP_ID, IDP_URL),
    });
    assert_eq!(saved_url(), None);
}

#[test]
fn the_sp_metadata_export_is_valid_metadata_of_the_step_2_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_step_3(dir.path());
    let v = s.view();
    let (xml, file_name) = v
        .page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::MetadataExport { xml, file_name, .. } => Some((xml.clone(), file_name.clone())),
            _ => None,
        })
        .expect("an export block on step 3");
    assert_eq!(file_name, "infisical-sp-metadata.xml");
    let xml = xml.expect("the SP values are valid");
    let opts = Options::default();
    let md = metadata::parse(
        xml.as_bytes(),
        &opts,
        ssopilot_peers::clock::Clock::now(&ssopilot_peers::clock::SystemClock),
    )
    .unwrap();
    assert_eq!(md.kind, Kind::Sp);
    assert_eq!(md.entity_id, SP_ID);
    assert_eq!(md.acs[0].url, ACS);
    assert_eq!(md.acs[0].binding, Binding::HttpPost);

    let out = dir.path().join("export.xml");
    let v = s.save_sp_metadata(&out);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), xml);
    assert!(v.notices.iter().any(|n| n.text.contains("was saved to")));
    let v = s.save_sp_metadata(&dir.path().join("no/such/dir/x.xml"));
    assert!(v
        .notices
        .iter()
        .any(|n| n.severity == Severity::Error && n.text.contains("could not be saved")));
}
