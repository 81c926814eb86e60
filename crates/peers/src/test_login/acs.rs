//! The test SP's HTTP side: each connection to its loopback port (the POST binding's start page is [`super::start`]),
//! and what the ACS does with every POST (the answer to the pending request becomes the result; anything else gets a page and is
//! kept as unexpected).

use super::*;

pub(super) fn page(status: u16, title: &str, body: &str) -> Page {
    Page {
        status,
        content_type: "text/html; charset=utf-8",
        body: format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} - SSO Pilot</title><style>body{{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em}}.ok{{color:#060}}.fail{{color:#a00}}</style></head><body><h1>{t}</h1>{body}</body></html>",
            t = escape(title)
        ),
    }
}

/// A result handed to [`TestSp::wait`] once the browser has its page (or the connection is given up): a command
/// that exits as soon as it has the result must not cut the browser's page off.
pub(super) struct ResultOnDrop {
    tx: mpsc::Sender<Received>,
    received: Option<Received>,
}

impl Drop for ResultOnDrop {
    fn drop(&mut self) {
        if let Some(r) = self.received.take() {
            let _ = self.tx.try_send(r);
        }
    }
}

pub(super) async fn serve_one(stream: TcpStream, shared: Arc<Shared>) {
    let mut result = ResultOnDrop {
        tx: shared.tx.clone(),
        received: None,
    };
    let reply = match read_request(&stream).await {
        Ok(req) if !host_is_ours(req.host.as_deref(), shared.port) => {
            misdirected("SSO Pilot's test SP", shared.port, req.host.as_deref())
        }
        Ok(req) => match (req.method.as_str(), req.path.as_str()) {
            // Validation is CPU work: off the async threads, so other connections go on meanwhile.
            ("POST", ACS_PATH) => {
                let shared = Arc::clone(&shared);
                let checked = tokio::task::spawn_blocking(move || {
                    let mut received = None;
                    let page = acs(&shared, &req, &mut received);
                    (page, received)
                })
                .await;
                match checked {
                    Ok((page, received)) => {
                        result.received = received;
                        page
                    }
                    Err(_) => page(
                        500,
                        "Test SP error",
                        "<p class=\"fail\">The response could not be checked. Start the test login again from SSO Pilot.</p>",
                    ),
                }
            }
            (_, path) if path.starts_with(START_PATH) => {
                let (reply, csp) = {
                    let mut m = shared.memory();
                    start::answer(m.post_page.as_mut(), &req, shared.port)
                };
                respond(&stream, &reply, &csp).await;
                return;
            }
            ("GET", ACS_PATH) => page(
                200,
                "SSO Pilot test SP",
                "<p>This is SSO Pilot's test service provider. It is waiting for the identity provider to send the sign-in response here; start the sign-in from SSO Pilot.</p>",
            ),
            (_, ACS_PATH) => page(
                405,
                "Method not allowed",
                "<p class=\"fail\">The ACS accepts only the POST of a SAML response.</p>",
            ),
            _ => page(
                404,
                "Not found",
                "<p class=\"fail\">There is nothing at this address. SSO Pilot's test SP receives responses at /acs.</p>",
            ),
        },
        Err(p) => p,
    };
    respond(&stream, &reply, CSP).await;
    drop(result);
}

/// Validates one POST to the ACS, updates the replay memory, sets the result, and makes the browser's page. Only
/// the answer to the pending request (or, in IdP-initiated mode, an unsolicited response) is queued as the result;
/// anything else is noted with where it came from and the wait goes on.
pub(super) fn acs(shared: &Shared, req: &Request, result: &mut Option<Received>) -> Page {
    let from = posted_from(req.origin.as_deref(), req.referer.as_deref());
    let note = |why: String| {
        shared.memory().note_unexpected(UnexpectedPost {
            origin: req.origin.as_deref().map(shown),
            referer: req.referer.as_deref().map(shown),
            why,
            received_at: shared.clock.now(),
        })
    };
    let body = String::from_utf8_lossy(&req.body);
    let params = match ssopilot_saml::binding::saml_params(&body) {
        Ok(p) => p,
        Err(e) => {
            note(e.to_string());
            return page(
                400,
                "Not a sign-in response",
                &format!(
                    "<p class=\"fail\">This request was refused: {}.</p><p>The test login is still waiting: finish the sign-in at the identity provider.</p>",
                    escape(&e.to_string())
                ),
            );
        }
    };
    let relay_state = params.relay_state.map(|p| p.value);
    let Some(saml_response) = params.saml_response.map(|p| p.value) else {
        note("it carries no SAMLResponse field".to_string());
        return page(
            400,
            "No SAML response",
            "<p class=\"fail\">This request carries no SAMLResponse field, so it is not a sign-in response. The test login is still waiting: finish the sign-in at the identity provider.</p>",
        );
    };
    let (request_id, idp_initiated) = {
        let m = shared.memory();
        (m.current.clone(), m.idp_initiated)
    };
    if request_id.is_none() && !idp_initiated {
        return page(
            409,
            "No test login in progress",
            "<p class=\"fail\">SSO Pilot is not waiting for a sign-in response. Start the test login again from SSO Pilot.</p>",
        );
    }
    let idp = &shared.idp;
    let mut policy = Policy::new(
        idp.entity_id.clone(),
        idp.certs.clone(),
        shared.sp_entity_id.clone(),
        shared.acs_url.clone(),
        shared.clock.now(),
    );
    policy.expect = match (&request_id, idp_initiated) {
        (Some(id), _) => ssopilot_saml::response::Expect::Request(id.clone()),
        (None, true) => ssopilot_saml::response::Expect::IdpInitiated,
        (None, false) => ssopilot_saml::response::Expect::RequestNotGiven,
    };
    policy.require_signed_assertion = idp.require_signed_assertion;
    policy.allow_sha1 = idp.allow_sha1;
    policy.decryption_keys = shared
        .encryption()
        .map(|k| vec![k.decryption_key().clone()])
        .unwrap_or_default();
    if request_id.is_none() {
        policy.posted_from = Some(from.clone());
    }
    let report = response::validate(saml_response.as_bytes(), &policy);
    if report.check(Rule::ResponseRoot).is_none_or(|c| !c.ok) {
        // Not even a SAML Response: garbage, not a test result. Say why, keep waiting.
        let why = report
            .checks()
            .iter()
            .find(|c| !c.ok)
            .map(|c| c.message.clone())
            .unwrap_or_default();
        note(format!("its SAMLResponse is not a SAML response: {why}"));
        return page(
            400,
            "Not a SAML response",
            &format!(
                "<p class=\"fail\">The SAMLResponse field does not hold a SAML response: {}.</p><p>The test login is still waiting: finish the sign-in at the identity provider.</p>",
                escape(&why)
            ),
        );
    }
    // The pending-request rule: what the response claims to answer decides whether it is the result at all (its
    // signature and everything else are then checked as usual).
    let claimed = report.message_ids().in_response_to.clone();
    let not_ours = match (&request_id, &claimed) {
        (Some(pending), Some(v)) if v == pending => None,
        (Some(_), Some(v)) => Some(format!(
            "it answers another request (\"{}\"), not the AuthnRequest of this test login",
            shown(v)
        )),
        (Some(_), None) => Some(
            "it is unsolicited (IdP-initiated: no InResponseTo), while this test login sent an AuthnRequest it must answer"
                .to_string(),
        ),
        (None, Some(v)) => Some(format!(
            "it answers a request (\"{}\") the test SP never sent, while it waits for an IdP-initiated response",
            shown(v)
        )),
        (None, None) => None,
    };
    if let Some(why) = not_ours {
        note(why.clone());
        return page(
            400,
            "Not the response SSO Pilot is waiting for",
            &format!(
                "<p class=\"fail\">This sign-in response does not answer the test login: {}. It was posted from {}.</p><p>The test login is still waiting: finish the sign-in SSO Pilot opened, or start a new one from SSO Pilot.</p>",
                escape(&why),
                escape(&from)
            ),
        );
    }
    let report = {
        let mut memory = shared.memory();
        response::check_replay(report, &policy, &mut *memory)
    };
    let replayed = report.replay() == Replay::Replayed;
    let received = Received {
        report: report.clone(),
        xml: report.decoded_xml().map(str::to_string),
        relay_state,
        received_at: shared.clock.now(),
    };
    *result = Some(received);
    let unsolicited = if request_id.is_none() {
        format!(
            "<p>This response was unsolicited (IdP-initiated): it answers no request of the test SP. It was posted from {}.</p>",
            escape(&from)
        )
    } else {
        String::new()
    };
    if replayed {
        page(
            409,
            "Response already used",
            "<p class=\"fail\">This sign-in response was already received once, so it was refused (a replay). Start a new test login from SSO Pilot.</p>",
        )
    } else if report.valid() {
        page(
            200,
            "Test login passed",
            &format!("<p class=\"ok\">Every check passed. You can close this tab and go back to SSO Pilot, where the report is shown.</p>{unsolicited}"),
        )
    } else {
        let failed: String = report
            .checks()
            .iter()
            .filter(|c| !c.ok)
            .map(|c| format!("<li>{}</li>", escape(&c.message)))
            .collect();
        page(
            400,
            "Test login failed",
            &format!("<p class=\"fail\">The response did not pass these checks:</p><ul>{failed}</ul><p>Go back to SSO Pilot for the full report and where each one is fixed.</p>{unsolicited}"),
        )
    }
}
