//! Step 7's shell part: the login window (a second webview on the IdP, whose auto-posting SAML form is caught before
//! it leaves) and the loopback test SP with the system browser. The core decides everything; these commands only
//! open and close windows, run the test SP and carry what they catch to the session.

use std::collections::BTreeSet;
use std::sync::Mutex;

use ssopilot_peers::test_login::run::{run, Run, RunError};
use ssopilot_peers::test_login::start::StartPage;
use ssopilot_peers::test_login::{Attempt, TestSp, DEFAULT_TIMEOUT};
use ssopilot_wizard::test_login::{CaptureStart, SeenPage};
use ssopilot_wizard::view::WizardView;
use tauri::ipc::{CapabilityBuilder, CommandScope};
use tauri::{AppHandle, Manager, Runtime, State, WebviewUrl, WebviewWindowBuilder, WindowEvent};
use tauri_plugin_opener::OpenerExt;

use crate::{ShellError, WizardState};

/// The login window's label; only it may call [`login_capture`], and only from the IdP's origin.
pub const LOGIN_WINDOW: &str = "login";

/// Runs in every page of the login window before the page's own scripts. When a page submits a form that carries a
/// SAMLResponse (by the submit event or by `HTMLFormElement.prototype.submit`, as IdPs' auto-posting pages do), the
/// form is held and the response handed to SSO Pilot; `__ssopilotRelease` later submits the held form unchanged.
pub const CAPTURE_SCRIPT: &str = r#"(function () {
  if (window.__ssopilotCapture) return;
  Object.defineProperty(window, "__ssopilotCapture", { value: true });
  var held = null;
  var realSubmit = HTMLFormElement.prototype.submit;
  function samlField(form) {
    return form instanceof HTMLFormElement ? form.querySelector('[name="SAMLResponse"]') : null;
  }
  function hold(form) {
    if (held) return true;
    held = form;
    var internals = window.__TAURI_INTERNALS__;
    if (internals && internals.invoke) {
      internals.invoke("login_capture", { samlResponse: String(samlField(form).value) }).catch(function () {});
    }
    return true;
  }
  HTMLFormElement.prototype.submit = function () {
    if (samlField(this) && held !== "released" && hold(this)) return;
    return realSubmit.call(this);
  };
  document.addEventListener("submit", function (event) {
    if (samlField(event.target) && held !== "released" && hold(event.target)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // A page that is not a SAML response (the sign-in form, or an IdP's error page the sign-in stops on): its title,
  // status and the start of its text go to SSO Pilot, which reports the last one if no response follows.
  window.addEventListener("load", function () {
    if (document.querySelector('[name="SAMLResponse"]')) return;
    var internals = window.__TAURI_INTERNALS__;
    if (!internals || !internals.invoke) return;
    var nav = (performance.getEntriesByType && performance.getEntriesByType("navigation")[0]) || {};
    var status = typeof nav.responseStatus === "number" && nav.responseStatus > 0 ? nav.responseStatus : null;
    var text = document.body ? String(document.body.innerText || "").slice(0, 2000) : "";
    internals.invoke("login_capture", {
      samlResponse: "",
      page: { url: String(location.href).slice(0, 1000), title: String(document.title).slice(0, 500), text: text, status: status }
    }).catch(function () {});
  });
  Object.defineProperty(window, "__ssopilotRelease", {
    value: function () {
      if (held && held !== "released") {
        var form = held;
        held = "released";
        realSubmit.call(form);
      }
    }
  });
})();"#;

/// The login window in progress: which test it belongs to and who waits for its outcome.
#[derive(Default)]
pub struct LoginWindowState {
    waiting: Mutex<Option<(u64, tokio::sync::oneshot::Sender<()>)>>,
    /// Origins already granted the capture command (a capability is added once per origin). Tauri cannot take a
    /// capability back, so each carries its origin as the command's scope and [`login_capture`] also asks `allowed`.
    granted: Mutex<BTreeSet<String>>,
    /// The test whose login window may hand a response over now, and its IdP's origin; `None` once it ended (stop,
    /// continue, the window closed, another test started).
    allowed: Mutex<Option<(u64, String)>>,
    /// HTTP-POST binding: the one-time loopback page the window opened, which posts the AuthnRequest to the IdP.
    /// Kept (serving) while its test runs; dropped, and so stopped, when the next test starts or the window closes.
    start_page: Mutex<Option<(u64, StartPage)>>,
}

/// The scope of a runtime capability for `login_capture`: the origin it was granted to.
#[derive(Debug, serde::Deserialize)]
pub struct CaptureScope {
    origin: String,
}

impl LoginWindowState {
    /// Wakes the `login_window_open` call waiting for window `id` (a capture arrived or the window closed).
    fn wake(&self, id: Option<u64>) {
        if let Ok(mut waiting) = self.waiting.lock() {
            if let Some((_, tx)) = waiting.take_if(|(w, _)| id.is_none_or(|id| id == *w)) {
                let _ = tx.send(());
            }
        }
    }

    /// From now on only the login window of test `id`, on `origin`, may hand a response over.
    fn allow(&self, id: u64, origin: &str) {
        if let Ok(mut allowed) = self.allowed.lock() {
            *allowed = Some((id, origin.to_string()));
        }
    }

    /// Test `id` ended (`None`: whichever runs): its window may hand nothing over any more.
    fn withdraw(&self, id: Option<u64>) {
        if let Ok(mut allowed) = self.allowed.lock() {
            let _ = allowed.take_if(|(a, _)| id.is_none_or(|id| id == *a));
        }
    }

    /// Keeps test `id`'s start page serving (the one of an earlier test stops).
    fn keep_start_page(&self, id: u64, page: Option<StartPage>) {
        if let Ok(mut kept) = self.start_page.lock() {
            *kept = page.map(|p| (id, p));
        }
    }

    /// Test `id`'s window closed: its start page stops (a newer test's stays).
    fn drop_start_page(&self, id: u64) {
        if let Ok(mut kept) = self.start_page.lock() {
            let _ = kept.take_if(|(k, _)| *k == id);
        }
    }

    /// The test whose login window may hand something over now.
    fn running(&self) -> Option<u64> {
        self.allowed.lock().ok()?.as_ref().map(|(id, _)| *id)
    }

    /// Whether a capture granted by `scope` (the capabilities that matched the calling page) is allowed now.
    fn allows(&self, scope: &CommandScope<CaptureScope>) -> bool {
        scope.denies().is_empty()
            && self.allows_one_of(scope.allows().iter().map(|s| s.origin.as_str()))
    }

    /// Whether one of the origins the calling page matched is the running test's IdP origin.
    fn allows_one_of<'a>(&self, mut granted: impl Iterator<Item = &'a str>) -> bool {
        let Ok(allowed) = self.allowed.lock() else {
            return false;
        };
        allowed
            .as_ref()
            .is_some_and(|(_, origin)| granted.any(|g| g == origin))
    }
}

/// Lets pages of `origin` in the login window call `login_capture`, and nothing else.
fn grant_capture<R: Runtime>(
    app: &AppHandle<R>,
    login: &LoginWindowState,
    origin: &str,
) -> Result<(), String> {
    let mut granted = login.granted.lock().map_err(|_| "internal error")?;
    if granted.contains(origin) {
        return Ok(());
    }
    let capability = CapabilityBuilder::new(format!("login-capture-{}", granted.len()))
        .window(LOGIN_WINDOW)
        .remote(format!("{origin}/*"))
        .permission_scoped(
            "allow-login-capture",
            vec![serde_json::json!({ "origin": origin })],
            Vec::<serde_json::Value>::new(),
        );
    app.add_capability(capability).map_err(|e| e.to_string())?;
    granted.insert(origin.to_string());
    Ok(())
}

/// Opens the login window on the IdP and waits until it catches a response or is closed; returns the view then.
#[tauri::command]
pub async fn login_window_open<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    login: State<'_, LoginWindowState>,
) -> Result<WizardView, ShellError> {
    let (view, job) = state.with_session(|session| session.start_login_window())?;
    let Some(job) = job else {
        return Ok(view);
    };
    if let Some(old) = app.get_webview_window(LOGIN_WINDOW) {
        let _ = old.destroy();
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    if let Ok(mut waiting) = login.waiting.lock() {
        *waiting = Some((job.id, tx));
    }
    // A window of an earlier test (perhaps on another IdP) may hand nothing over any more.
    login.allow(job.id, &job.allowed_origin);
    // HTTP-POST: the window opens a one-time loopback page that posts the request (a URL cannot make it POST).
    let start = match &job.post {
        Some(form) => StartPage::serve(form, DEFAULT_TIMEOUT)
            .await
            .map(Some)
            .map_err(|e| e.to_string()),
        None => Ok(None),
    };
    let opened = start.and_then(|page| {
        let url = page
            .as_ref()
            .map_or_else(|| job.url.clone(), |p| p.url().to_string());
        login.keep_start_page(job.id, page);
        grant_capture(&app, &login, &job.allowed_origin)?;
        let url = url
            .parse::<tauri::Url>()
            .map_err(|e| format!("{} is not a URL ({e})", job.url))?;
        WebviewWindowBuilder::new(&app, LOGIN_WINDOW, WebviewUrl::External(url))
            .title("Test login - SSO Pilot")
            .inner_size(960.0, 760.0)
            .initialization_script(CAPTURE_SCRIPT)
            .build()
            .map_err(|e| e.to_string())
    });
    let window = match opened {
        Ok(w) => w,
        Err(why) => {
            log::error!("the login window could not open: {why}");
            login.withdraw(Some(job.id));
            login.drop_start_page(job.id);
            login.wake(Some(job.id));
            return state.with_session(|session| {
                session.login_window_failed(job.id, &why);
                session.view()
            });
        }
    };
    let id = job.id;
    report_statuses(&window, id);
    let handle = app.clone();
    window.on_window_event(move |event| {
        if matches!(event, WindowEvent::Destroyed) {
            handle.state::<LoginWindowState>().withdraw(Some(id));
            handle.state::<LoginWindowState>().drop_start_page(id);
            let _ = handle
                .state::<WizardState>()
                .with_session(|session| session.login_window_closed(id));
            handle.state::<LoginWindowState>().wake(Some(id));
        }
    });
    let _ = rx.await;
    state.with_session(|session| session.view())
}

/// WebKitGTK gives a page's script no HTTP status (its navigation timing has no `responseStatus`), so an IdP's error
/// page would go unrecognised unless its words say it: the shell reads the status from the web view when a load
/// finishes and hands it to the session with the page's URL.
#[cfg(target_os = "linux")]
fn report_statuses<R: Runtime>(window: &tauri::WebviewWindow<R>, id: u64) {
    use webkit2gtk::{LoadEvent, URIResponseExt, WebResourceExt, WebViewExt};
    let handle = window.app_handle().clone();
    let added = window.with_webview(move |webview| {
        webview.inner().connect_load_changed(move |view, event| {
            if event != LoadEvent::Finished {
                return;
            }
            let Some(response) = view.main_resource().and_then(|r| r.response()) else {
                return;
            };
            let (Some(uri), Ok(status)) = (response.uri(), u16::try_from(response.status_code()))
            else {
                return;
            };
            let _ = handle
                .state::<WizardState>()
                .with_session(|session| session.login_window_status(id, uri.as_str(), status));
        });
    });
    if let Err(e) = added {
        log::warn!("login window: HTTP statuses will not be read ({e})");
    }
}

/// Elsewhere the page's script reads the status itself (navigation timing's `responseStatus`).
#[cfg(not(target_os = "linux"))]
fn report_statuses<R: Runtime>(_window: &tauri::WebviewWindow<R>, _id: u64) {}

/// Called by the capture script in the login window with the SAMLResponse it caught (or, with an empty response,
/// with a `page` it showed that was not one). Refused from any other webview
/// (the capability allows only the login window on the IdP's origin anyway), and once the test has ended or from the
/// origin of an earlier test's IdP.
#[tauri::command]
pub async fn login_capture<R: Runtime>(
    webview: tauri::Webview<R>,
    scope: CommandScope<CaptureScope>,
    state: State<'_, WizardState>,
    login: State<'_, LoginWindowState>,
    saml_response: String,
    page: Option<SeenPage>,
) -> Result<bool, ShellError> {
    if webview.label() != LOGIN_WINDOW {
        return Ok(false);
    }
    if !login.allows(&scope) {
        log::info!("login window: a response was refused (no test of this IdP is running)");
        return Err(ShellError::CaptureEnded);
    }
    // A page that is not a response: kept for the report if the sign-in stops there.
    if let Some(page) = page.filter(|_| saml_response.is_empty()) {
        if let Some(id) = login.running() {
            state.with_session(|session| session.login_window_page(id, page))?;
        }
        return Ok(false);
    }
    log::info!("login window: a SAML response was captured");
    // The session lock is held only to take the job and to record its outcome: the validation runs on a worker
    // thread, never on the UI thread nor under the lock.
    let start = state.with_session(|session| session.login_window_capture_job(&saml_response))?;
    let accepted = match start {
        CaptureStart::Refused => false,
        CaptureStart::Done => true,
        CaptureStart::Check(job) => {
            let checked = tauri::async_runtime::spawn_blocking(move || job.run())
                .await
                .map_err(|_| ShellError::CheckFailed)?;
            state.with_session(|session| session.login_window_capture_checked(checked))?;
            true
        }
    };
    login.wake(None);
    Ok(accepted)
}

/// Continue: the held form goes on to the SP exactly as the IdP made it.
#[tauri::command]
pub fn login_window_continue<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    login: State<'_, LoginWindowState>,
) -> Result<WizardView, ShellError> {
    let release = state.with_session(|session| session.login_window_continue())?;
    // The test's response is taken: the window may hand nothing more over.
    login.withdraw(None);
    if release {
        if let Some(window) = app.get_webview_window(LOGIN_WINDOW) {
            let _ = window.eval("window.__ssopilotRelease && window.__ssopilotRelease()");
        }
    }
    state.with_session(|session| session.view())
}

/// Stop: the login window closes; nothing reaches the SP.
#[tauri::command]
pub fn login_window_stop<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    login: State<'_, LoginWindowState>,
) -> Result<WizardView, ShellError> {
    login.withdraw(None);
    let view = state.with_session(|session| session.login_window_stopped())?;
    if let Some(window) = app.get_webview_window(LOGIN_WINDOW) {
        let _ = window.destroy();
    }
    login.wake(None);
    Ok(view)
}

/// The loopback test SP that is waiting, so Cancel can stop it.
#[derive(Default)]
pub struct LoopbackTask(Mutex<Option<ssopilot_peers::test_login::CancelHandle>>);

/// Runs the loopback test SP through the one run the CLI uses too ([`ssopilot_peers::test_login::run::run`]): binds
/// it on 127.0.0.1, opens the system browser on the IdP with its AuthnRequest, waits for the response (or the
/// timeout, or Cancel) and returns the view with the report.
#[tauri::command]
pub async fn loopback_test_start<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    task: State<'_, LoopbackTask>,
) -> Result<WizardView, ShellError> {
    let (view, job) = state.with_session(|session| session.start_loopback())?;
    let Some(job) = job else {
        return Ok(view);
    };
    let id = job.id;
    let test = Run {
        ip: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        port: job.port,
        sp_entity_id: job.sp_entity_id,
        idp: job.idp,
        timeout: DEFAULT_TIMEOUT,
        // The wizard records its own evidence (for the loopback test SP: none), so no map is needed here.
        attribute_map: Default::default(),
        clock: job.clock,
        requests: Default::default(),
        encryption: job.encryption,
    };
    let show = async |sp: &TestSp, attempt: &Attempt| -> Result<(), String> {
        state
            .with_session(|session| session.loopback_listening(id, sp.acs_url()))
            .map_err(|e| e.to_string())?;
        if let Ok(mut running) = task.0.lock() {
            *running = Some(sp.cancel_handle());
        }
        // The opener plugin is registered by the app (not by the mock runtime of the tests): without it, say so.
        let opened = match app.try_state::<tauri_plugin_opener::Opener<R>>() {
            Some(_) => app
                .opener()
                .open_url(attempt.url.as_str(), None::<&str>)
                .map_err(|e| e.to_string()),
            None => Err("no opener is available".to_string()),
        };
        opened.map_err(|e| {
            log::error!("the system browser could not be opened: {e}");
            format!(
                "the web browser could not be opened ({e}); open this address in a browser on this computer: {}",
                attempt.url
            )
        })
    };
    let outcome = run(test, show).await;
    if let Ok(mut running) = task.0.lock() {
        running.take();
    }
    state.with_session(|session| match outcome {
        Ok(finished) => {
            session.loopback_unexpected_posts(id, &finished.unexpected);
            session.finish_loopback(id, Ok(finished.received))
        }
        Err(RunError::NoAnswer { error, unexpected }) => {
            session.loopback_unexpected_posts(id, &unexpected);
            session.finish_loopback(id, Err(error))
        }
        Err(RunError::TestLogin(e)) => session.finish_loopback(id, Err(e)),
        Err(RunError::Show(why)) => session.loopback_failed(id, &why),
    })
}

/// Cancel: the loopback test SP stops waiting.
#[tauri::command]
pub fn loopback_test_cancel(
    state: State<'_, WizardState>,
    task: State<'_, LoopbackTask>,
) -> Result<WizardView, ShellError> {
    if let Some(cancel) = task.0.lock().ok().and_then(|mut running| running.take()) {
        cancel.cancel();
    }
    state.with_session(|session| session.cancel_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "https://sso.jumpcloud.com";
    const B: &str = "https://login.example.org";

    #[test]
    fn only_the_running_tests_idp_origin_may_hand_a_response_over() {
        let login = LoginWindowState::default();
        assert!(!login.allows_one_of([A].into_iter()), "no test runs yet");
        login.allow(1, A);
        assert!(login.allows_one_of([A].into_iter()));
        assert!(!login.allows_one_of([B].into_iter()));
        assert!(!login.allows_one_of(std::iter::empty()));
        // A new test with another IdP: the first origin (still granted by Tauri) is refused.
        login.allow(2, B);
        assert!(!login.allows_one_of([A].into_iter()));
        assert!(login.allows_one_of([B].into_iter()));
        // The first test's window closing late does not end the second test; the second's closing does.
        login.withdraw(Some(1));
        assert!(login.allows_one_of([B].into_iter()));
        login.withdraw(Some(2));
        assert!(!login.allows_one_of([B].into_iter()));
        // Stop and Continue end whichever test runs.
        login.allow(3, A);
        login.withdraw(None);
        assert!(!login.allows_one_of([A].into_iter()));
    }
}
