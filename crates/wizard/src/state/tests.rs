use super::*;

fn sample() -> SavedState {
    SavedState {
        saved_at: Some("2026-11-25T12:00:00Z".into()),
        current_step: StepId::IdpApp,
        idp_profile: Some("jumpcloud".into()),
        sp_profile: Some("infisical".into()),
        acs_url: AcsUrl::parse("https://app.infisical.com/api/v1/sso/saml2/org1", "x").ok(),
        sp_entity_id: EntityId::parse("https://app.infisical.com", "x").ok(),
        idp_entity_id: EntityId::parse("https://app.infisical.com", "x").ok(),
        sign_assertion_confirmed: true,
        idp_sso_url: IdpUrl::parse("https://sso.jumpcloud.com/saml2/infisical", "x").ok(),
        attributes: Some(vec![AttributeMapping {
            sp_name: "email".into(),
            idp_name: "email".into(),
        }]),
        ..SavedState::default()
    }
}

fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn save_then_load_round_trips_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path().join("nested"));
    assert_eq!(store.load().unwrap(), None);
    store.save(&sample()).unwrap();
    assert_eq!(store.load().unwrap(), Some(sample()));
    store.save(&SavedState::default()).unwrap();
    assert_eq!(store.load().unwrap(), Some(SavedState::default()));
    assert_eq!(leftovers(store.dir()), [STATE_FILE]);
    let text = fs::read_to_string(store.path()).unwrap();
    assert!(text.contains("\"version\": 1"), "{text}");
}

#[test]
fn a_reader_never_sees_a_half_written_file() {
    // With a plain truncate-and-write, a reader running alongside the writer catches empty or partial files;
    // with write-to-temp-then-rename it only ever sees one complete version or the other.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let a = sample();
    let b = SavedState {
        attributes: Some(
            (0..MAX_ATTRIBUTE_ROWS)
                .map(|i| AttributeMapping {
                    sp_name: format!("attribute{i}"),
                    idp_name: "x".repeat(200),
                })
                .collect(),
        ),
        ..sample()
    };
    store.save(&a).unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            for i in 0..60 {
                store.save(if i % 2 == 0 { &b } else { &a }).unwrap();
            }
            done.store(true, Ordering::SeqCst);
        });
        let mut reads = 0;
        while !done.load(Ordering::SeqCst) || reads < 50 {
            match store.load() {
                Ok(Some(s)) => assert!(s == a || s == b, "a mix of two versions"),
                other => panic!("read {reads} saw {other:?}"),
            }
            reads += 1;
        }
        writer.join().unwrap();
    });
    assert_eq!(leftovers(store.dir()), [STATE_FILE]);
}

#[test]
fn a_crash_before_the_rename_leaves_the_previous_progress() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store.save(&sample()).unwrap();
    // What a crash in the middle of the next save leaves behind: half a file at a temporary path.
    let next = serde_json::to_vec_pretty(&SavedState::default()).unwrap();
    let tmp = dir.path().join(format!("{TEMP_PREFIX}999-0"));
    fs::write(&tmp, &next[..next.len() / 2]).unwrap();
    assert_eq!(store.load().unwrap(), Some(sample()));
    // Recent temp files are kept (another process may be writing), old ones go.
    store.remove_stale_temp_files();
    assert!(tmp.exists());
    let old = SystemTime::now() - STALE_TEMP_AGE - Duration::from_secs(5);
    File::options()
        .write(true)
        .open(&tmp)
        .unwrap()
        .set_modified(old)
        .unwrap();
    store.remove_stale_temp_files();
    assert!(!tmp.exists());
    assert_eq!(store.load().unwrap(), Some(sample()));
}

#[test]
fn a_truncated_file_is_never_read_as_valid() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    store.save(&sample()).unwrap();
    let full = fs::read(store.path()).unwrap();
    // Every proper prefix of a saved file is refused (none is silently taken as shorter progress).
    for cut in 0..full.len() - 1 {
        fs::write(store.path(), &full[..cut]).unwrap();
        match store.load() {
            Err(e) => assert!(e.is_unusable_file(), "cut at {cut}: {e}"),
            Ok(s) => panic!("cut at {cut} was read as {s:?}"),
        }
    }
    fs::write(store.path(), &full[..full.len() / 2]).unwrap();
    let msg = store.load().unwrap_err().to_string();
    assert!(msg.contains("cut off while being written"), "{msg}");
}

#[test]
fn unknown_version_and_hand_edits_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    let cases = [
        (
            r#"{"version": 2, "current_step": "providers"}"#,
            "UnknownVersion",
        ),
        (
            r#"{"version": "1", "current_step": "providers"}"#,
            "UnknownVersion",
        ),
        (r#"{"current_step": "providers"}"#, "no \"version\""),
        (r#"[1]"#, "not a JSON object"),
        (
            r#"{"version": 1, "current_step": "nowhere"}"#,
            "unexpected content",
        ),
        (
            r#"{"version": 1, "current_step": "providers", "api_token": "x"}"#,
            "unknown field",
        ),
        (
            r#"{"version": 1, "current_step": "providers", "acs_url": "http://evil.example/acs"}"#,
            "https",
        ),
        (
            r#"{"version": 1, "current_step": "providers", "acs_url": " https://a.example/acs"}"#,
            "ACS URL contains a space or line break",
        ),
        (
            r#"{"version": 1, "current_step": "providers", "idp_entity_id": "jumpcloud"}"#,
            "entity ID must be an absolute URI",
        ),
        (
            r#"{"version": 1, "current_step": "providers", "idp_sso_url": "https://u:p@idp.example/sso"}"#,
            "IdP URL must not contain a user name or password",
        ),
        (
            r#"{"version": 1, "current_step": "providers", "idp_profile": "../../etc"}"#,
            "not a profile id",
        ),
        (
            r#"{"version": 1, "current_step": "providers", "attributes": [{"sp_name": "", "idp_name": "x"}]}"#,
            "a name is empty",
        ),
        (
            r#"{"version": 1, "current_step": "providers", "site_url": "infisical.example.com"}"#,
            "https",
        ),
        (
            r#"{"version": 1, "current_step": "providers", "enforced_at": "yesterday"}"#,
            "enforced_at is not a time",
        ),
        (
            r#"{"version": 1, "current_step": "providers", "demo_granted_groups": ["a\nb"]}"#,
            "demo_granted_groups",
        ),
        (
            r#"{"version": 1, "current_step": "providers", "auth_secret": "c2VjcmV0"}"#,
            "unknown field",
        ),
    ];
    for (text, needle) in cases {
        fs::write(store.path(), text).unwrap();
        let err = store.load().unwrap_err();
        assert!(err.is_unusable_file(), "{text}: {err}");
        let shown = format!("{err:?} {err}");
        assert!(shown.contains(needle), "{text}: {shown}");
    }
}

#[test]
fn oversized_file_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    fs::write(store.path(), vec![b' '; MAX_STATE_BYTES as usize + 10]).unwrap();
    let err = store.load().unwrap_err();
    assert!(matches!(err, StateError::TooLarge { .. }), "{err}");
    assert!(err.is_unusable_file());
}

#[test]
fn move_aside_renames_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(dir.path());
    fs::write(store.path(), "first").unwrap();
    let a = store.move_aside().unwrap();
    fs::write(store.path(), "second").unwrap();
    let b = store.move_aside().unwrap();
    assert_ne!(a, b);
    assert_eq!(fs::read_to_string(&a).unwrap(), "first");
    assert_eq!(fs::read_to_string(&b).unwrap(), "second");
    assert!(!store.path().exists());
    let name = a.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("state.json.corrupt-20"), "{name}");
    assert!(name.ends_with('Z'), "{name}");
}

#[test]
fn save_failure_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    // The "directory" is a file: nothing can be created in it.
    let blocker = dir.path().join("blocker");
    fs::write(&blocker, "").unwrap();
    let store = Store::at(&blocker);
    let err = store.save(&sample()).unwrap_err();
    assert!(matches!(err, StateError::Write { .. }), "{err}");
    assert!(
        err.to_string().contains("could not save your progress"),
        "{err}"
    );
}

#[test]
fn same_progress_ignores_the_time() {
    let a = sample();
    let b = SavedState {
        saved_at: Some("2030-01-01T00:00:00Z".into()),
        ..sample()
    };
    assert!(a.same_progress(&b));
    assert!(!a.same_progress(&SavedState::default()));
}
