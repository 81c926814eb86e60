//! Step 7's login window: how it starts (profile data, the IdP's metadata, the admin's choice) and what it records.

use super::super::tests::{report, response, to_test_login};
use super::*;
use crate::metadata_import::IdpRequests;
use crate::tests::{ACS, IDP_URL, SP_ID};
use ssopilot_peers::secrets::Secrets;
use ssopilot_saml::binding;

fn window_block(v: &WizardView) -> (&Vec<String>, Option<&LoginStartView>, Option<&String>) {
    v.page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::TestLoginWay {
                way: TestWay::LoginWindow,
                steps,
                start,
                unavailable,
                ..
            } => Some((steps, start.as_ref(), unavailable.as_ref())),
            _ => None,
        })
        .expect("the login window way")
}

/// The AuthnRequest a Redirect-binding URL carries, and its raw query.
fn redirect_request(url: &str) -> (String, String) {
    let (base, query) = url.split_once('?').expect("a query");
    assert_eq!(base, IDP_URL);
    let params = binding::saml_params(query).unwrap();
    let xml = binding::decode_redirect(params.saml_request.unwrap().raw, 1 << 20).unwrap();
    (xml, query.to_string())
}

fn window_request_id(s: &Session) -> String {
    s.model
        .steps
        .test_login
        .run
        .window
        .as_ref()
        .and_then(|w| w.request_id.clone())
        .expect("an SP-initiated window has a request")
}

#[test]
fn sp_initiated_is_preselected_and_the_response_must_answer_our_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let v = s.view();
    let (steps, start, unavailable) = window_block(&v);
    assert_eq!(unavailable, None);
    let start = start.unwrap();
    // JumpCloud's profile allows both; SP-initiated is preselected and says what it proves.
    let offered: Vec<_> = start
        .options
        .iter()
        .map(|o| (o.start, o.chosen, o.recommended))
        .collect();
    assert_eq!(
        offered,
        [
            (LoginStart::SpInitiated, true, true),
            (LoginStart::IdpInitiated, false, false),
            (LoginStart::SpLoginPage, false, false),
        ]
    );
    assert!(start.options[0].proves.contains("InResponseTo is checked"));
    assert!(start.options[1].label.contains("IDP URL"));
    assert!(start.options[1]
        .proves
        .contains("everything is checked but InResponseTo"));
    assert!(
        start.options[2].proves.contains("from memory"),
        "Infisical's page is unverified"
    );
    let request = start.request.as_ref().unwrap();
    assert!(
        !request.post && !request.sign,
        "Redirect, unsigned by default"
    );
    assert!(
        start.link.is_none(),
        "JumpCloud's launch link is the IDP URL"
    );
    // Continue is explained for an SP that tracks its own requests.
    assert!(
        steps.iter().any(|s| s.contains("not one Infisical made")),
        "{steps:?}"
    );

    let (_, job) = s.start_login_window();
    let job = job.unwrap();
    assert_eq!(job.allowed_origin, "https://sso.jumpcloud.com");
    let (xml, query) = redirect_request(&job.url);
    assert!(!query.contains("Signature="));
    assert!(
        xml.contains(&format!("<saml:Issuer>{SP_ID}</saml:Issuer>")),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("AssertionConsumerServiceURL=\"{ACS}\"")),
        "{xml}"
    );
    assert!(xml.contains(&format!("Destination=\"{IDP_URL}\"")), "{xml}");
    let id = window_request_id(&s);
    assert!(xml.contains(&format!("ID=\"{id}\"")));

    // An unsolicited response does not answer it.
    assert!(s.login_window_captured(&response(None)));
    let v = s.view();
    let r = report(&v);
    assert!(!r.passed);
    assert!(r.checks.iter().any(|c| c.id == "in_response_to" && !c.ok));

    // The answer to the request passes, and the report says how the sign-in started.
    s.login_window_stopped();
    s.start_login_window();
    let id = window_request_id(&s);
    assert!(s.login_window_captured(&response(Some(&id))));
    let v = s.view();
    let r = report(&v);
    assert!(r.passed, "{:?}", r.checks);
    assert_eq!(
        r.source,
        "Login window (SP-initiated, HTTP-Redirect, unsigned)"
    );
    assert!(r.not_evaluated.is_empty());
    assert!(matches!(
        s.model().evidence_state(),
        EvidenceState::Valid { .. }
    ));
}

#[test]
fn the_idps_metadata_chooses_post_and_signing_with_the_test_sp_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    // As imported from metadata that lists only an HTTP-POST SSO service and WantAuthnRequestsSigned="true".
    s.model.import.idp_requests = Some(IdpRequests {
        want_signed: true,
        redirect: None,
        post: Some(IDP_URL.into()),
    });
    let v = s.view();
    let request = window_block(&v).1.unwrap().request.clone().unwrap();
    assert!(request.post && request.sign);
    assert!(
        request.note.contains("WantAuthnRequestsSigned"),
        "{}",
        request.note
    );
    assert!(
        request.note.contains("test SP's certificate"),
        "{}",
        request.note
    );
    // No keychain in this run: the window says so instead of sending an unsigned request.
    let (v, job) = s.start_login_window();
    assert!(job.is_none());
    let error = v
        .page
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::TestLoginWay {
                way: TestWay::LoginWindow,
                error,
                ..
            } => error.clone(),
            _ => None,
        })
        .unwrap();
    assert!(error.contains("system keychain"), "{error}");

    s.attach_secrets(Ok(Secrets::mock()));
    // HTTP-POST: the window gets the form to post (the shell serves it once on loopback): a signed AuthnRequest,
    // base64 without DEFLATE, for the IdP's HTTP-POST SSO service.
    let (v, job) = s.start_login_window();
    let job = job.unwrap();
    assert_eq!(window_block(&v).2, None);
    assert_eq!(job.url, IDP_URL);
    assert_eq!(job.allowed_origin, "https://sso.jumpcloud.com");
    let form = job.post.unwrap();
    assert_eq!(form.action, IDP_URL);
    assert_eq!(form.relay_state, None);
    let xml = String::from_utf8(
        base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            &form.saml_request,
        )
        .unwrap(),
    )
    .unwrap();
    let id = window_request_id(&s);
    assert!(xml.contains(&format!("ID=\"{id}\"")), "{xml}");
    assert!(xml.contains("<ds:Signature"), "{xml}");
    assert!(
        xml.contains(&format!("AssertionConsumerServiceURL=\"{ACS}\"")),
        "{xml}"
    );
    // The response to it passes, and the report says how the request went.
    assert!(s.login_window_captured(&response(Some(&id))));
    let r = report(&s.view()).clone();
    assert!(r.passed, "{:?}", r.checks);
    assert_eq!(r.source, "Login window (SP-initiated, HTTP-POST, signed)");
    s.login_window_stopped();

    // The admin's choice wins over the metadata: HTTP-Redirect with a query signature.
    s.apply(Action::SetLoginRequest {
        post: false,
        sign: true,
    });
    let (_, job) = s.start_login_window();
    let (_, query) = redirect_request(&job.unwrap().url);
    assert!(
        query.contains("&SigAlg=") && query.contains("&Signature="),
        "{query}"
    );
}

#[test]
fn a_signed_request_shows_the_test_sp_certificate_the_idp_needs_once_the_keychain_gives_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    // No keychain: no certificate, and the note says where to get it.
    let v = s.apply(Action::SetLoginRequest {
        post: false,
        sign: true,
    });
    let request = window_block(&v).1.unwrap().request.clone().unwrap();
    assert_eq!(request.certificate, None);
    assert!(
        request.note.contains("--print-sp-metadata"),
        "{}",
        request.note
    );

    // With one, ticking Sign the request shows the certificate of the key the window then signs with.
    s.attach_secrets(Ok(Secrets::mock()));
    let v = s.apply(Action::SetLoginRequest {
        post: false,
        sign: true,
    });
    let request = window_block(&v).1.unwrap().request.clone().unwrap();
    let pem = request.certificate.expect("the certificate shown");
    let checked = ssopilot_saml::cert::check(pem.as_bytes(), s.model.now());
    assert!(checked.usable, "{:?}", checked.findings);
    assert!(
        request.note.contains("certificate (below)"),
        "{}",
        request.note
    );
    let key = s.model.steps.test_login.run.sp_key.clone().unwrap();
    assert_eq!(checked.der(), Some(key.cert_der()));

    // Unsigned: nothing to give the IdP.
    let v = s.apply(Action::SetLoginRequest {
        post: false,
        sign: false,
    });
    let request = window_block(&v).1.unwrap().request.clone().unwrap();
    assert_eq!(request.certificate, None);
}

#[test]
fn the_sps_own_login_page_and_the_idps_launch_link_are_offered_as_the_profiles_say() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    // Infisical's login page: Infisical makes the request, so InResponseTo is left to it.
    s.apply(Action::SetLoginStart {
        start: LoginStart::SpLoginPage,
    });
    let (_, job) = s.start_login_window();
    let job = job.unwrap();
    assert_eq!(job.url, "https://app.infisical.com/login/sso");
    assert_eq!(
        job.allowed_origin, "https://sso.jumpcloud.com",
        "the IdP posts the response"
    );
    assert!(s.login_window_captured(&response(Some("_infisicals_own_request"))));
    let v = s.view();
    let r = report(&v);
    assert!(r.passed, "{:?}", r.checks);
    assert!(r.source.contains("started at Infisical's login page"));
    assert!(r
        .not_evaluated
        .iter()
        .any(|n| n.contains("Infisical made the sign-in request itself")));

    // JumpCloud's launch link is its IDP URL: opened bare, IdP-initiated.
    s.apply(Action::SetLoginStart {
        start: LoginStart::IdpInitiated,
    });
    let (_, job) = s.start_login_window();
    assert_eq!(job.unwrap().url, IDP_URL);

    // A way the profiles do not offer is refused: with the generic SAML IdP, there is no launch link.
    s.apply(Action::GoTo {
        step: StepId::Providers,
    });
    let v = s.apply(Action::SetField {
        field: crate::Field::IdpProfile,
        value: "generic-saml".into(),
    });
    let _ = v;
    let starts = s.model().login_starts();
    assert_eq!(starts, [LoginStart::SpInitiated, LoginStart::SpLoginPage]);
    let v = s.apply(Action::SetLoginStart {
        start: LoginStart::IdpInitiated,
    });
    assert!(v.notices.iter().any(|n| n.text.contains("does not offer")));
}

#[test]
fn a_launch_link_copied_from_the_portal_must_be_https_unless_on_loopback() {
    assert_eq!(
        https_url(
            " https://example.okta.com/home/app/0oa1/aln1 ",
            "Embed Link"
        )
        .unwrap(),
        "https://example.okta.com/home/app/0oa1/aln1"
    );
    let e = https_url("http://example.okta.com/x", "Embed Link").unwrap_err();
    assert_eq!(e, "the Embed Link must be an https address (https://...)");
    assert!(https_url("javascript:alert(1)", "Embed Link").is_err());
    assert!(https_url("https://user:pw@example.okta.com/x", "Embed Link").is_err());
    // An IdP on this computer's loopback (a local test IdP), as the SSO URL of step 3 may be.
    assert_eq!(
        https_url(
            "http://127.0.0.1:8080/saml2/idp/SSOService.php?spentityid=https://sp.example.com",
            "Embed Link"
        )
        .unwrap(),
        "http://127.0.0.1:8080/saml2/idp/SSOService.php?spentityid=https://sp.example.com"
    );
    assert!(https_url("http://10.0.0.1/x", "Embed Link").is_err());
}

fn window_error(v: &WizardView) -> Option<String> {
    v.page.blocks.iter().find_map(|b| match b {
        Block::TestLoginWay {
            way: TestWay::LoginWindow,
            error,
            ..
        } => error.clone(),
        _ => None,
    })
}

/// What the capture script reads from Entra ID's page for a user the application is not assigned to (its title
/// and the start of its visible text, as a browser shows them).
fn entra_unassigned() -> SeenPage {
    SeenPage {
        url: "https://login.microsoftonline.com/0c2d/saml2?SAMLRequest=fZ".into(),
        title: "Sign in to your account".into(),
        text: "Sign in\n\nSorry, but we're having trouble signing you in.\n\nAADSTS50105: Your administrator has \
               configured the application Infisical ('https://app.infisical.com') to block users unless they are \
               specifically granted ('assigned') access to the application."
            .into(),
        status: Some(200),
    }
}

#[test]
fn an_idp_error_page_the_window_stays_on_is_reported_with_the_step_that_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let (_, job) = s.start_login_window();
    let id = job.unwrap().id;
    // The sign-in form first (not an error), then the error page the sign-in stays on.
    s.login_window_page(
        id,
        SeenPage {
            url: IDP_URL.into(),
            title: "JumpCloud | User Login".into(),
            text: "Email Password Continue".into(),
            status: Some(200),
        },
    );
    s.login_window_page(id, entra_unassigned());
    let v = s.login_window_closed(id);
    let e = window_error(&v).unwrap();
    assert!(
        e.starts_with(
            "The login window was closed before a response came back. The last page \
                       (login.microsoftonline.com) said “Sign in to your account: Sign in Sorry,"
        ),
        "{e}"
    );
    assert!(e.contains("AADSTS50105"), "{e}");
    assert!(
        e.ends_with("grant it to the test user's group (step 6)."),
        "{e}"
    );

    // SimpleSAMLphp's answer to a bare SSO URL (no SAMLRequest): a 400 page; Stop says so too.
    let (_, job) = s.start_login_window();
    let id = job.unwrap().id;
    s.login_window_page(
        id,
        SeenPage {
            url: "http://127.0.0.1:8080/simplesaml/saml2/idp/SSOService.php".into(),
            title: "SimpleSAMLphp".into(),
            text: "Bad request received\nSimpleSAML\\Error\\BadRequest: Unable to receive message"
                .into(),
            status: Some(400),
        },
    );
    let v = s.login_window_stopped();
    let e = window_error(&v).unwrap();
    assert!(
        e.contains("(127.0.0.1, HTTP 400) said “SimpleSAMLphp: Bad request received"),
        "{e}"
    );
    assert!(e.contains("check the SSO URL of step 3"), "{e}");

    // Stopped on the sign-in form: nothing to report; closed there: the generic advice.
    let (_, job) = s.start_login_window();
    let id = job.unwrap().id;
    s.login_window_page(
        id,
        SeenPage {
            url: IDP_URL.into(),
            title: "JumpCloud | User Login".into(),
            text: "Email Password".into(),
            status: None,
        },
    );
    assert_eq!(window_error(&s.login_window_stopped()), None);
    let (_, job) = s.start_login_window();
    let id = job.unwrap().id;
    s.login_window_page(
        id,
        SeenPage {
            url: IDP_URL.into(),
            title: "JumpCloud | User Login".into(),
            ..SeenPage::default()
        },
    );
    let e = window_error(&s.login_window_closed(id)).unwrap();
    assert!(
        e.ends_with("said “JumpCloud | User Login”. Open the window again and finish the sign-in."),
        "{e}"
    );
}

/// pysaml2's answer to an unsigned request when it wants signed ones, as WebKitGTK's page script reads it: no
/// status (its navigation timing has none).
fn pysaml2_refusal(url: &str) -> SeenPage {
    SeenPage {
        url: url.into(),
        title: String::new(),
        text: "Bad request: IncorrectlySigned".into(),
        status: None,
    }
}

#[test]
fn the_status_the_shell_reads_natively_joins_the_page_of_the_same_url_in_either_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let refused = "http://127.0.0.1:9000/sso?SAMLRequest=fZ";
    let unknown = SeenPage {
        url: refused.into(),
        title: "Oops".into(),
        text: "We could not go on".into(),
        status: None,
    };

    // The page first, then its status: Stop names the status and says the IdP refused.
    let (_, job) = s.start_login_window();
    let id = job.unwrap().id;
    s.login_window_page(id, unknown.clone());
    assert_eq!(
        window_error(&s.login_window_stopped()),
        None,
        "no status, no known words: nothing to report yet"
    );
    let (_, job) = s.start_login_window();
    let id = job.unwrap().id;
    s.login_window_page(id, unknown.clone());
    s.login_window_status(id, refused, 400);
    let e = window_error(&s.login_window_stopped()).unwrap();
    assert!(
        e.contains("(127.0.0.1, HTTP 400) said “Oops: We could not go on”"),
        "{e}"
    );
    assert!(e.contains("refused to start the sign-in"), "{e}");

    // The status first (the load finished before the page's script ran), then the page.
    let (_, job) = s.start_login_window();
    let id = job.unwrap().id;
    s.login_window_status(id, refused, 404);
    s.login_window_page(id, unknown.clone());
    let e = window_error(&s.login_window_stopped()).unwrap();
    assert!(e.contains("HTTP 404"), "{e}");

    // Another URL's status, another window's, or no HTTP status at all: not joined.
    let (_, job) = s.start_login_window();
    let id = job.unwrap().id;
    s.login_window_status(id, "http://127.0.0.1:9000/other", 500);
    s.login_window_status(id + 1, refused, 500);
    s.login_window_status(id, refused, 0);
    s.login_window_page(id, unknown);
    assert_eq!(window_error(&s.login_window_stopped()), None);

    // pysaml2's refusal names the cause in its own word: the hint is the signed request.
    let (_, job) = s.start_login_window();
    let id = job.unwrap().id;
    s.login_window_page(id, pysaml2_refusal(refused));
    s.login_window_status(id, refused, 400);
    let e = window_error(&s.login_window_stopped()).unwrap();
    assert!(e.contains("may want signed sign-in requests"), "{e}");
}

#[test]
fn an_idp_page_is_bounded_and_cleaned_and_only_its_window_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let (_, job) = s.start_login_window();
    let id = job.unwrap().id;
    // A page for another (older) window is ignored.
    s.login_window_page(id + 1, entra_unassigned());
    let long = format!("<script>x</script>\u{7}\n{}", "Access denied ".repeat(200));
    s.login_window_page(
        id,
        SeenPage {
            url: "https://idp.example.com/error".into(),
            title: long.clone(),
            text: long,
            status: None,
        },
    );
    let page = s
        .model
        .steps
        .test_login
        .run
        .window
        .as_ref()
        .unwrap()
        .last_page
        .clone()
        .unwrap();
    assert_eq!(page.title.chars().count(), MAX_PAGE_WORDS + 1);
    assert!(
        page.title.ends_with('…') && !page.title.contains('\u{7}') && !page.title.contains('\n')
    );
    let e = window_error(&s.login_window_closed(id)).unwrap();
    assert!(e.contains("(step 6)"), "access denied: {e}");
    // The view carries it as text: the UI shows it escaped (never as markup).
    assert!(e.contains("<script>x</script>"));
    // Which step fixes what: each of the IdP's usual words.
    let said = |title: &str, status| {
        diagnose_page(
            &SeenPage {
                title: title.into(),
                status,
                ..SeenPage::default()
            },
            "Okta",
        )
        .map(|(step, _)| step)
    };
    assert_eq!(
        said("User is not assigned to this application", None),
        Some(StepId::AssignUsers)
    );
    assert_eq!(said("Forbidden", Some(403)), Some(StepId::AssignUsers));
    assert_eq!(
        said("AADSTS50011: The reply URL does not match", None),
        Some(StepId::IdpApp)
    );
    assert_eq!(
        said("AADSTS700016: Application with identifier", None),
        Some(StepId::IdpApp)
    );
    assert_eq!(
        said("The request signature is missing", None),
        Some(StepId::TestLogin)
    );
    assert_eq!(said("Method Not Allowed", Some(405)), Some(StepId::IdpApp));
    assert_eq!(said("Sign In", Some(200)), None);
}

#[test]
fn the_windows_choices_are_saved_with_step_7_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    let store = crate::state::Store::at(dir.path());
    // Nothing chosen yet: nothing saved for it (a file of an earlier build stays byte for byte the same).
    assert_eq!(store.load().unwrap().unwrap().test_login_choice, None);
    s.apply(Action::SetLoginStart {
        start: LoginStart::IdpInitiated,
    });
    s.apply(Action::SetLoginStart {
        start: LoginStart::SpInitiated,
    });
    s.apply(Action::SetLoginRequest {
        post: true,
        sign: true,
    });
    let saved = store.load().unwrap().unwrap();
    assert_eq!(
        saved.test_login_choice,
        Some(SavedLoginChoice {
            start: Some(LoginStart::SpInitiated),
            binding: Some(RequestBinding::Post),
            sign_requests: Some(true),
            launch_link: String::new(),
        })
    );
    let text = std::fs::read_to_string(store.path()).unwrap();
    assert!(
        text.contains("\"binding\": \"post\"") && text.contains("\"sign_requests\": true"),
        "{text}"
    );
    drop(s);

    // After a restart: the same choices, shown and used.
    let mut s = Session::open_with_clock(
        crate::state::Store::at(dir.path()),
        std::sync::Arc::new(crate::clock::FixedClock::new(crate::certificate::tests::T0)),
    );
    let v = s.view();
    assert_eq!(v.current, StepId::TestLogin);
    let start = window_block(&v).1.unwrap().clone();
    assert!(start
        .options
        .iter()
        .any(|o| o.start == LoginStart::SpInitiated && o.chosen));
    let request = start.request.unwrap();
    assert!(request.post && request.sign, "{request:?}");
    assert!(
        request.note.starts_with("As you chose."),
        "{}",
        request.note
    );
    s.attach_secrets(Ok(Secrets::mock()));
    let (_, job) = s.start_login_window();
    assert!(job.unwrap().post.is_some(), "HTTP-POST, as saved");

    // The IdP-initiated way with its launch link (Okta: not its SSO URL) is kept too.
    s.apply(Action::SetLoginStart {
        start: LoginStart::IdpInitiated,
    });
    s.apply(Action::SetLaunchLink {
        link: "https://example.okta.com/home/app/0oa1/aln1".into(),
    });
    let saved = store.load().unwrap().unwrap().test_login_choice.unwrap();
    assert_eq!(saved.start, Some(LoginStart::IdpInitiated));
    assert_eq!(
        saved.launch_link,
        "https://example.okta.com/home/app/0oa1/aln1"
    );
    // A file whose choice this build would not write is refused whole, like any damaged file.
    let mut bad = store.load().unwrap().unwrap();
    bad.test_login_choice = Some(SavedLoginChoice {
        binding: Some(RequestBinding::Post),
        ..SavedLoginChoice::default()
    });
    assert!(bad.check().unwrap_err().contains("step 7"));
}

/// A response answering `request_id` with a planted fault (JumpCloud's configuration of [`to_test_login`]).
fn faulty_response(request_id: &str, fault: ssopilot_peers::demo_idp::fault::Fault) -> String {
    use ssopilot_peers::demo_idp::{directory::Directory, mint};
    let sp = ssopilot_saml::values::EntityId::parse(SP_ID, "x").unwrap();
    let acs = ssopilot_saml::values::AcsUrl::parse(ACS, "x").unwrap();
    let mut app = mint::App::new(sp.clone(), acs, sp);
    fault.plant(&mut app);
    let dir = Directory::demo().unwrap();
    let user = dir.user("ada.lovelace@example.com").unwrap().clone();
    let xml = mint::mint(
        &app,
        &user,
        Some(request_id),
        super::super::tests::key(),
        crate::certificate::tests::T0,
    )
    .unwrap();
    mint::post_value(&xml)
}

#[test]
fn a_passing_practice_login_records_no_evidence_and_keeps_steps_8_and_9_locked() {
    use crate::practice::Practice;
    use ssopilot_peers::demo_idp::fault::Fault;
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    // Planted as step 1 would with the demo IdP (this configuration is JumpCloud's, signed by the test key).
    s.model.practice = Some(Practice {
        fault: Fault::EmailCase,
        fixed: false,
    });
    s.start_login_window();
    let id = window_request_id(&s);
    assert!(s.login_window_captured(&response(Some(&id))));
    let v = s.view();
    let r = report(&v);
    assert!(r.passed, "{:?}", r.checks);
    assert!(
        r.evidence_note.contains("practice run"),
        "{}",
        r.evidence_note
    );
    assert!(!matches!(
        s.model().evidence_state(),
        EvidenceState::Valid { .. }
    ));
    assert!(v.practice.as_ref().unwrap().text.starts_with("Practice:"));
    for step in [StepId::Enable, StepId::Enforce] {
        let summary = v.steps.iter().find(|x| x.id == step).unwrap();
        assert_eq!(summary.status, crate::view::StepStatus::Locked, "{step:?}");
        // The reason is said once, on step 8; step 9 names the step to go to.
        let reason = summary.reason.as_deref().unwrap_or_default();
        assert!(
            reason.contains(if step == StepId::Enable {
                "practice mode"
            } else {
                "step 1"
            }),
            "{reason}"
        );
    }
    // Not while the login window is open (what it catches comes from the planted fault). (Through the model: an
    // action would end practice at once here, the IdP being JumpCloud's profile, not the demo.)
    let refused = s.model.leave_practice().unwrap_err();
    assert!(refused.starts_with("Stop the login window"), "{refused}");
    assert!(s.view().practice.is_some());
    // Leaving practice forgets its report; a real login then records evidence again.
    s.login_window_stopped();
    assert!(s.model.leave_practice().unwrap().is_some());
    let v = s.view();
    assert!(v.practice.is_none());
    assert!(!v
        .page
        .blocks
        .iter()
        .any(|b| matches!(b, Block::TestReport(_))));
    s.start_login_window();
    let id = window_request_id(&s);
    assert!(s.login_window_captured(&response(Some(&id))));
    assert!(matches!(
        s.model().evidence_state(),
        EvidenceState::Valid { .. }
    ));
}

#[test]
fn a_suggestion_from_the_report_is_applied_in_step_4_and_others_are_refused() {
    use ssopilot_peers::demo_idp::fault::Fault;
    let dir = tempfile::tempdir().unwrap();
    let mut s = to_test_login(dir.path());
    s.start_login_window();
    let id = window_request_id(&s);
    assert!(s.login_window_captured(&faulty_response(&id, Fault::AttributeCase)));
    let v = s.view();
    let r = report(&v);
    let d = r.diagnosis.as_ref().expect("a diagnosis");
    assert_eq!(d.step_id, StepId::Attributes, "{d:?}");
    let sug = r
        .attribute_suggestions
        .iter()
        .find(|x| x.idp_attribute == "FirstName")
        .expect("a suggestion");
    assert_eq!(sug.sp_attribute, "firstName");
    // Not suggested: refused, nothing changed.
    let before = s.model.steps.attributes.map(s.model.idp(), s.model.sp());
    let v = s.apply(Action::ApplyAttributeSuggestion {
        sp_attribute: "email".into(),
        idp_attribute: "FirstName".into(),
    });
    assert!(
        v.notices
            .iter()
            .any(|n| n.severity == Severity::Error && n.text.contains("does not suggest")),
        "{:?}",
        v.notices
    );
    assert_eq!(
        s.model.steps.attributes.map(s.model.idp(), s.model.sp()),
        before
    );
    let v = s.apply(Action::ApplyAttributeSuggestion {
        sp_attribute: "firstName".into(),
        idp_attribute: "FirstName".into(),
    });
    let notice = v
        .notices
        .iter()
        .find(|n| n.text.contains("Step 4 now fills firstName"))
        .expect("applied");
    assert!(
        notice.text.contains("must be named \"firstName\""),
        "{}",
        notice.text
    );
    let rows = s.model.steps.attributes.map(s.model.idp(), s.model.sp());
    assert!(
        rows.iter()
            .any(|r| r.sp_name == "firstName" && r.idp_name == "FirstName"),
        "{rows:?}"
    );
}
