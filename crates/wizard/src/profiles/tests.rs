use super::parse::line_column;
use super::*;

fn builtin() -> Profiles {
    match Profiles::builtin() {
        Ok(p) => p,
        Err(e) => panic!("built-in profiles must load: {e}"),
    }
}

#[test]
fn a_profile_without_the_steps_6_and_8_words_is_refused_with_the_file() {
    let idp = jumpcloud_text();
    let start = idp.find("assign_users_steps").unwrap();
    let end = start + idp[start..].find("]\n").unwrap() + 2;
    let cut = format!("{}{}", &idp[..start], &idp[end..]);
    let e = parse_idp(&cut, "jumpcloud.toml").unwrap_err().to_string();
    assert!(
        e.contains("jumpcloud.toml") && e.contains("portal.assign_users_steps is missing"),
        "{e}"
    );
    let sp = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../profiles/sp/infisical.toml"),
    )
    .unwrap();
    let cut = sp.replace(
        "enable_action = \"Enable SAML SSO\"",
        "enable_action = \" \"",
    );
    let e = parse_sp(&cut, "infisical.toml").unwrap_err().to_string();
    assert!(
        e.contains("infisical.toml") && e.contains("enable.enable_action is empty"),
        "{e}"
    );
    let cut = sp.replace("[enable]", "[enable_x]");
    let e = parse_sp(&cut, "infisical.toml").unwrap_err().to_string();
    assert!(e.contains("infisical.toml"), "{e}");
}

#[test]
fn builtin_profiles_load_with_the_portals_words() {
    let p = builtin();
    let ids: Vec<_> = p.idps.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "demo",
            "jumpcloud",
            "okta",
            "entra-id",
            "google-workspace",
            "generic-saml"
        ]
    );
    let ids: Vec<_> = p.sps.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["infisical", "infisical-self-hosted", "generic-saml"]);

    let jc = p.idp("jumpcloud").unwrap();
    assert_eq!(jc.labels.sp_entity_id, "SP Entity ID");
    assert_eq!(jc.labels.acs_url, "ACS URL");
    assert_eq!(jc.labels.idp_entity_id, "IdP Entity ID");
    assert_eq!(jc.labels.sso_url, "IDP URL");
    assert_eq!(jc.labels.sign_assertion.as_deref(), Some("Sign Assertion"));
    assert_eq!(jc.portal.app_kind, "Custom SAML App");
    assert_eq!(
        jc.portal.create_app_path.as_deref(),
        Some("User Authentication > SSO > + Add New Application > Custom SAML App")
    );
    assert_eq!(jc.portal.general_tab.as_deref(), Some("General Info"));
    assert_eq!(jc.portal.sso_tab.as_deref(), Some("SSO"));
    assert!(jc.quirks.email_lower_case_warning.is_some());
    assert!(jc.sso_url.as_ref().is_some_and(|r| r.must_be_unique));
    assert_eq!(
        jc.portal.assign_users_steps[2..],
        [
            "Select the User Groups tab.",
            "Select the user group(s), then click Save."
        ]
    );
    assert!(p
        .idps
        .iter()
        .all(|i| !i.portal.assign_users_steps.is_empty()));
    let e = &p.sp("infisical").unwrap().enable;
    assert_eq!(
        e.path,
        "Organization Settings > Authentication > SAML SSO Configuration"
    );
    assert_eq!(
        (e.enable_action.as_str(), e.enforce_action.as_str()),
        ("Enable SAML SSO", "Enforce SAML SSO")
    );
    assert!(e
        .certificate_help
        .as_deref()
        .unwrap()
        .contains("-----BEGIN CERTIFICATE-----"));

    let inf = p.sp("infisical").unwrap();
    assert_eq!(
        inf.portal.settings_path,
        "Organization Settings > Authentication > SAML SSO Configuration > Set up SAML SSO"
    );
    assert_eq!(inf.labels.acs_url, "ACS URL");
    assert_eq!(inf.labels.sp_entity_id, "SP Entity ID");
    assert_eq!(inf.labels.idp_sso_url, "IDP URL");
    assert_eq!(inf.labels.idp_entity_id, "IdP Entity ID");
    assert!(inf.quirks.idp_entity_id_equals_sp_entity_id);
    assert_eq!(inf.suggested_app_name(), "Infisical");
    let required: Vec<_> = inf.required_attributes().map(|a| a.name.as_str()).collect();
    assert_eq!(required, ["email", "firstName", "lastName"]);

    let generic = p.idp("generic-saml").unwrap();
    assert!(generic.labels.sign_assertion.is_none());
    assert!(generic.sso_url.is_none());
    assert!(
        !p.sp("generic-saml")
            .unwrap()
            .quirks
            .idp_entity_id_equals_sp_entity_id
    );
}

#[test]
fn default_map_for_infisical_on_jumpcloud_is_the_documented_one() {
    let p = builtin();
    let map = default_attribute_map(p.sp("infisical").unwrap(), p.idp("jumpcloud").unwrap());
    let pairs: Vec<_> = map
        .iter()
        .map(|m| (m.sp_name.as_str(), m.idp_name.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("email", "email"),
            ("firstName", "firstname"),
            ("lastName", "lastname")
        ]
    );
}

#[test]
fn default_map_falls_back_to_the_sp_name_for_unknown_meanings() {
    let p = builtin();
    let mut sp = p.sp("infisical").unwrap().clone();
    sp.attributes.push(SpAttribute {
        name: "department".into(),
        meaning: "department".into(),
        required: false,
    });
    let map = default_attribute_map(&sp, p.idp("jumpcloud").unwrap());
    assert_eq!(map.last().map(|m| m.idp_name.as_str()), Some("department"));
}

#[test]
fn jumpcloud_sso_url_pattern_comes_from_the_profile() {
    let p = builtin();
    let rule = p.idp("jumpcloud").unwrap().sso_url.clone().unwrap();
    assert!(rule
        .check("https://sso.jumpcloud.com/saml2/infisical", "IDP URL")
        .is_ok());
    assert!(rule
        .check("https://SSO.jumpcloud.com/saml2/my-app_2.x", "IDP URL")
        .is_ok());
    let empty = rule
        .check("https://sso.jumpcloud.com/saml2/", "IDP URL")
        .unwrap_err();
    assert!(empty.contains("needs a name after"), "{empty}");
    for bad in [
        "https://sso.jumpcloud.com/saml2",
        "https://sso.jumpcloud.com/saml2/a/b",
        "https://evil.example.com/saml2/infisical",
        "https://sso.jumpcloud.com.evil.com/saml2/x",
        "https://sso.jumpcloud.com/saml2/a?b=c",
        "https://sso.jumpcloud.com/saml2/é",
    ] {
        let err = rule.check(bad, "IDP URL").unwrap_err();
        assert!(
            err.starts_with("IDP URL must look like https://sso.jumpcloud.com/saml2/<name>"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn broken_profile_reports_file_line_and_problem() {
    let text = "id = \"x\"\ndisplay_name = \"X\"\nkind = \"idp\"\ndescription = \"unterminated\n";
    let err = parse_idp(text, "profiles/idp/x.toml").unwrap_err();
    match &err {
        ProfileError::Syntax { file, line, .. } => {
            assert_eq!(file, "profiles/idp/x.toml");
            assert_eq!(*line, 4, "{err}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.starts_with("profiles/idp/x.toml, line 4, column "),
        "{msg}"
    );
}

#[test]
fn wrong_type_and_unknown_key_point_at_their_line() {
    let good = jumpcloud_text();
    let bad = good.replace("must_be_unique = true", "must_be_unique = \"yes\"");
    let expected_line = good
        .lines()
        .position(|l| l.starts_with("must_be_unique"))
        .unwrap()
        + 1;
    let err = parse_idp(&bad, "jc.toml").unwrap_err();
    assert!(
        matches!(&err, ProfileError::Syntax { line, .. } if *line == expected_line),
        "{err}"
    );

    let bad = good.replace(
        "sso_tab = \"SSO\"",
        "sso_tab = \"SSO\"\nsso_tabb = \"typo\"",
    );
    let err = parse_idp(&bad, "jc.toml").unwrap_err();
    assert!(
        matches!(&err, ProfileError::Syntax { line, .. } if *line == expected_sso_tab_line(good) + 1),
        "{err}"
    );
    assert!(err.to_string().contains("sso_tabb"), "{err}");
}

fn expected_sso_tab_line(text: &str) -> usize {
    text.lines().position(|l| l.starts_with("sso_tab")).unwrap() + 1
}

#[test]
fn semantic_problems_are_reported_with_the_file() {
    let good_idp = jumpcloud_text();
    let good_sp = BUILTIN_SPS[0].1;
    let cases: Vec<(Result<(), ProfileError>, &str)> = vec![
        (
            parse_idp(&good_idp.replace("kind = \"idp\"", "kind = \"sp\""), "f").map(drop),
            "set kind = \"idp\"",
        ),
        (
            parse_idp(
                &good_idp.replace("id = \"jumpcloud\"", "id = \"Jump Cloud\""),
                "f",
            )
            .map(drop),
            "lower-case",
        ),
        (
            parse_idp(&good_idp.replace("/saml2/{slug}", "/saml2/"), "f").map(drop),
            "{slug} exactly once",
        ),
        (
            parse_idp(
                &good_idp.replace("sso_url = \"IDP URL\"", "sso_url = \" \""),
                "f",
            )
            .map(drop),
            "labels.sso_url is empty",
        ),
        (
            parse_sp(
                &good_sp.replace("name = \"lastName\"", "name = \"email\""),
                "f",
            )
            .map(drop),
            "listed twice",
        ),
    ];
    for (result, needle) in cases {
        let err = result.unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("f, line "), "{msg}");
        assert!(msg.contains(needle), "{msg} lacks {needle}");
    }
}

fn jumpcloud_text() -> &'static str {
    BUILTIN_IDPS
        .iter()
        .find(|(f, _)| f.ends_with("jumpcloud.toml"))
        .map(|(_, t)| *t)
        .unwrap()
}

/// The 1-based line of the first line of `text` that starts with `prefix`.
fn line_starting(text: &str, prefix: &str) -> usize {
    text.lines().position(|l| l.starts_with(prefix)).unwrap() + 1
}

#[test]
fn semantic_problems_point_at_the_line_of_their_key() {
    let jc = jumpcloud_text();
    let cases = [
        (
            jc.replace("sso_url = \"IDP URL\"", "sso_url = \"\""),
            "sso_url = \"\"",
            "labels.sso_url is empty",
        ),
        (
            jc.replace("/saml2/{slug}", "/saml2/"),
            "template = ",
            "{slug} exactly once",
        ),
        (
            jc.replace(
                "name_id_format = \"emailAddress\"",
                "name_id_format = \"mail\"",
            ),
            "name_id_format = ",
            "is not a NameID format",
        ),
        (
            jc.replace("email = \"email\"", "email = \" \""),
            "email = \" \"",
            "attributes.email is empty",
        ),
    ];
    for (text, line_prefix, needle) in cases {
        let err = parse_idp(&text, "profiles/idp/jumpcloud.toml").unwrap_err();
        let line = line_starting(&text, line_prefix);
        assert!(
            matches!(&err, ProfileError::Invalid { line: Some(l), .. } if *l == line),
            "{err} (expected line {line})"
        );
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("profiles/idp/jumpcloud.toml, line {line}: ")),
            "{msg}"
        );
        assert!(msg.contains(needle), "{msg}");
    }

    // A duplicate SP attribute points at its second entry.
    let sp = BUILTIN_SPS[0]
        .1
        .replace("name = \"lastName\"", "name = \"email\"");
    let err = parse_sp(&sp, "sp.toml").unwrap_err();
    let second = sp
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("name = \"email\""))
        .nth(1)
        .map(|(i, _)| i + 1)
        .unwrap();
    assert!(
        err.to_string()
            .starts_with(&format!("sp.toml, line {second}: ")),
        "{err}"
    );

    // A self-hosted template that does not start from the site URL.
    let sh = BUILTIN_SPS
        .iter()
        .find(|(f, _)| f.ends_with("infisical-self-hosted.toml"))
        .map(|(_, t)| *t)
        .unwrap();
    let bad = sh.replace(
        "sp_entity_id_template = \"{site_url}\"",
        "sp_entity_id_template = \"https://x\"",
    );
    let err = parse_sp(&bad, "sh.toml").unwrap_err();
    let line = line_starting(&bad, "sp_entity_id_template");
    assert!(
        err.to_string()
            .starts_with(&format!("sh.toml, line {line}: ")),
        "{err}"
    );

    // The demo IdP cannot have a fixed SSO URL form (its port varies).
    let demo = BUILTIN_IDPS[0].1.to_string() + "\n[sso_url]\ntemplate = \"https://x/{slug}\"\n";
    let err = parse_idp(&demo, "demo.toml").unwrap_err();
    assert!(err.to_string().contains("depends on the port"), "{err}");
}

#[test]
fn every_builtin_profile_says_where_its_labels_come_from() {
    for (file, text) in BUILTIN_IDPS.iter().chain(BUILTIN_SPS) {
        let head: String = text
            .lines()
            .take_while(|l| l.starts_with('#') || l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            head.to_lowercase().contains("where each label comes from"),
            "{file} lacks a note on its sources"
        );
    }
}

#[test]
fn new_providers_speak_their_portals_words() {
    let p = builtin();
    let okta = p.idp("okta").unwrap();
    assert_eq!(okta.labels.acs_url, "Single sign-on URL");
    assert_eq!(okta.labels.sp_entity_id, "Audience URI (SP Entity ID)");
    assert!(okta.defaults.idp_entity_id_fixed);
    assert_eq!(
        okta.portal.create_app_path.as_deref(),
        Some("Applications > Applications > Create App Integration > SAML 2.0")
    );
    let entra = p.idp("entra-id").unwrap();
    assert_eq!(entra.labels.sp_entity_id, "Identifier (Entity ID)");
    assert_eq!(
        entra.labels.acs_url,
        "Reply URL (Assertion Consumer Service URL)"
    );
    assert_eq!(entra.labels.idp_entity_id, "Microsoft Entra Identifier");
    assert_eq!(entra.labels.sso_url, "Login URL");
    let google = p.idp("google-workspace").unwrap();
    assert_eq!(google.labels.acs_url, "ACS URL");
    assert_eq!(google.labels.sso_url, "SSO URL");
    assert_eq!(
        google.defaults.name_id_format.as_deref(),
        Some("unspecified")
    );
    let demo = p.idp("demo").unwrap();
    assert!(demo.builtin_demo);
    assert!(demo.recommended.is_some());
    assert!(p.idps.iter().filter(|i| i.builtin_demo).count() == 1);
    let sh = p.sp("infisical-self-hosted").unwrap();
    let hosted = sh.self_hosted.as_ref().unwrap();
    assert_eq!(hosted.site_url_setting, "SITE_URL");
    assert_eq!(hosted.auth_secret_setting.as_deref(), Some("AUTH_SECRET"));
    assert!(sh.quirks.idp_entity_id_equals_sp_entity_id);
    assert!(p.sp("infisical").unwrap().self_hosted.is_none());
    // Every IdP knows what it calls the three attributes Infisical needs, so the default map is complete.
    for idp in &p.idps {
        let map = default_attribute_map(p.sp("infisical").unwrap(), idp);
        for m in &map {
            assert!(
                crate::state::check_idp_attribute_name(&m.idp_name).is_ok(),
                "{}: {m:?}",
                idp.id
            );
        }
    }
}

#[test]
fn load_dir_reads_files_and_names_the_broken_one() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("idp")).unwrap();
    fs::create_dir_all(dir.path().join("sp")).unwrap();
    for (file, text) in BUILTIN_IDPS.iter().chain(BUILTIN_SPS) {
        fs::write(dir.path().join(file.trim_start_matches("profiles/")), text).unwrap();
    }
    let mut loaded = Profiles::load_dir(dir.path()).unwrap();
    // Directory order is by file name; compare as sets.
    let mut b = builtin();
    for v in [&mut loaded.idps, &mut b.idps] {
        v.sort_by(|x, y| x.id.cmp(&y.id));
    }
    for v in [&mut loaded.sps, &mut b.sps] {
        v.sort_by(|x, y| x.id.cmp(&y.id));
    }
    assert_eq!((loaded.idps, loaded.sps), (b.idps, b.sps));

    let broken = dir.path().join("sp").join("zz-broken.toml");
    fs::write(&broken, "id = \"zz\"\n[portal\nname = \"x\"\n").unwrap();
    let err = Profiles::load_dir(dir.path()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("zz-broken.toml, line 2, column"), "{msg}");

    fs::write(&broken, BUILTIN_SPS[0].1).unwrap();
    let err = Profiles::load_dir(dir.path()).unwrap_err();
    assert!(matches!(err, ProfileError::Duplicate { .. }), "{err}");
    assert!(err.to_string().contains("infisical.toml"), "{err}");

    fs::write(&broken, "x".repeat(MAX_PROFILE_BYTES as usize + 1)).unwrap();
    let err = Profiles::load_dir(dir.path()).unwrap_err();
    assert!(matches!(err, ProfileError::TooLarge { .. }), "{err}");
}

#[test]
fn line_column_counts_characters_and_survives_bad_offsets() {
    assert_eq!(line_column("ab\ncé\nx", 0), (1, 1));
    assert_eq!(line_column("ab\ncé\nx", 3), (2, 1));
    assert_eq!(line_column("ab\ncé\nx", 7), (3, 1));
    assert_eq!(line_column("ab\ncé\nx", 5), (2, 2)); // inside 'é': clamped back
    assert_eq!(line_column("ab", 99), (1, 3));
}

#[test]
fn every_shipped_idp_profile_says_how_a_login_starts() {
    let p = builtin();
    // Every IdP answers our AuthnRequest; launch links only where the IdP offers one, named in the portal's words.
    for idp in &p.idps {
        assert!(idp.login.sp_initiated, "{}", idp.id);
    }
    let link = |id: &str| {
        p.idp(id)
            .unwrap()
            .login
            .idp_initiated
            .as_ref()
            .map(|l| (l.label.as_str(), l.is_sso_url, l.unverified))
    };
    assert_eq!(link("jumpcloud"), Some(("IDP URL", true, true)));
    assert_eq!(link("okta"), Some(("Embed Link", false, true)));
    assert_eq!(link("entra-id"), Some(("User access URL", false, true)));
    assert_eq!(link("google-workspace"), None);
    assert_eq!(link("generic-saml"), None);
    assert_eq!(link("demo"), None);
}

#[test]
fn every_shipped_sp_profile_names_its_login_page_or_none() {
    let p = builtin();
    let cloud = p.sp("infisical").unwrap().login.as_ref().unwrap();
    assert_eq!(cloud.label, "Continue with SSO");
    assert!(
        cloud.unverified,
        "the seeds do not name Infisical's login page"
    );
    assert_eq!(
        cloud.address(None).as_deref(),
        Some("https://app.infisical.com/login/sso")
    );
    let own = p
        .sp("infisical-self-hosted")
        .unwrap()
        .login
        .as_ref()
        .unwrap();
    assert!(own.unverified);
    assert_eq!(
        own.address(Some("https://infisical.example.com/"))
            .as_deref(),
        Some("https://infisical.example.com/login/sso")
    );
    assert_eq!(own.address(None), None, "no SITE_URL yet: no address");
    assert!(p.sp("generic-saml").unwrap().login.is_none());
}

#[test]
fn a_login_table_without_any_way_or_with_a_bad_link_is_refused_at_its_line() {
    let base = include_str!("../../../../profiles/idp/generic-saml.toml");
    let idp = base.replace("sp_initiated = true", "sp_initiated = false");
    let e = parse_idp(&idp, "g.toml").unwrap_err().to_string();
    let line = line_starting(&idp, "sp_initiated");
    assert!(
        e.contains(&format!("g.toml, line {line}")) && e.contains("a test login could not start"),
        "{e}"
    );
    // A launch link alone is enough; its label must be the portal's words.
    let linked = format!("{idp}\n[login.idp_initiated]\nlabel = \"Launch\"\n");
    let parsed = parse_idp(&linked, "g.toml").unwrap();
    assert!(!parsed.login.sp_initiated);
    assert!(!parsed.login.idp_initiated.unwrap().is_sso_url);
    let blank = format!("{base}\n[login.idp_initiated]\nlabel = \" \"\n");
    let e = parse_idp(&blank, "g.toml").unwrap_err().to_string();
    assert!(e.contains("login.idp_initiated.label is empty"), "{e}");
    let typo = format!("{base}\n[login.idp_initiated]\nlabel = \"L\"\nurl = \"x\"\n");
    assert!(
        parse_idp(&typo, "g.toml").is_err(),
        "unknown keys are refused"
    );
    // Without a [login] table, SP-initiated is the default.
    let cut = base
        .replace("[login]", "")
        .replace("sp_initiated = true", "");
    assert!(parse_idp(&cut, "g.toml").unwrap().login.sp_initiated);
    // The demo IdP must stay SP-initiated.
    let demo = include_str!("../../../../profiles/idp/demo.toml").replace(
        "sp_initiated = true",
        "sp_initiated = false\n[login.idp_initiated]\nlabel = \"L\"",
    );
    let e = parse_idp(&demo, "demo.toml").unwrap_err().to_string();
    assert!(e.contains("demo IdP answers AuthnRequests"), "{e}");
}

#[test]
fn an_sp_login_page_must_be_https_or_under_the_site_url() {
    let cloud = include_str!("../../../../profiles/sp/infisical.toml");
    let http = cloud.replace(
        "https://app.infisical.com/login/sso",
        "http://app.infisical.com/login/sso",
    );
    let e = parse_sp(&http, "i.toml").unwrap_err().to_string();
    let line = line_starting(&http, "url = ");
    assert!(
        e.contains(&format!("i.toml, line {line}")) && e.contains("must be an https URL"),
        "{e}"
    );
    // {site_url} means nothing without [self_hosted].
    let templated = cloud.replace("https://app.infisical.com/login/sso", "{site_url}/login");
    assert!(parse_sp(&templated, "i.toml").is_err());
    let own = include_str!("../../../../profiles/sp/infisical-self-hosted.toml");
    assert!(parse_sp(own, "s.toml").is_ok());
    let glued = own.replace("{site_url}/login/sso", "{site_url}login");
    assert!(parse_sp(&glued, "s.toml").is_err());
    let unlabelled = cloud.replace("label = \"Continue with SSO\"", "label = \"\"");
    let e = parse_sp(&unlabelled, "i.toml").unwrap_err().to_string();
    assert!(e.contains("login.label is empty"), "{e}");
}
