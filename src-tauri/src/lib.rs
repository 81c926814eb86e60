//! The desktop shell: thin commands over the core's wizard session, and the official plugins for what the operating
//! system does (file dialogs, clipboard, log, window size and position, one instance at a time, opening the system
//! browser). Step 7's login window and loopback test SP are in [`login`].
//!
//! There is no logic here on purpose. The core (`ssopilot_wizard`) decides which steps exist, what each needs and
//! why Next is disabled; the UI draws the [`WizardView`] it returns and sends back [`Action`]s.

pub mod files;
pub mod login;
pub mod notify;
pub mod support;

use std::sync::{Mutex, OnceLock};

use serde::{Serialize, Serializer};
use ssopilot_peers::secrets::Secrets;
use ssopilot_wizard::demo::DemoIdp;
use ssopilot_wizard::metadata_import::{self, FetchJob};
use ssopilot_wizard::state::Store;
use ssopilot_wizard::test_login::PasteOutcome;
use ssopilot_wizard::view::{Action, MetadataSide, ReportFormat, WizardView};
use ssopilot_wizard::Session;
use tauri::{AppHandle, Manager, Runtime, State};

use files::{FileDialogs, FileRequest};

/// What the shell can fail at. The messages are shown to the admin as they are.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// The data directory could not be found or created, so there is no session at all.
    #[error("SSO Pilot cannot keep your progress: {0}. Set SSOPILOT_DATA_DIR to a writable directory and restart.")]
    NoStore(String),
    /// A previous command panicked while holding the session; the in-memory state may be half-changed.
    #[error(
        "SSO Pilot stopped after an internal error. Restart it: everything saved so far is kept."
    )]
    Poisoned,
    /// A file path that did not come from a file dialog of this session.
    #[error("SSO Pilot reads and writes only files you chose in its file dialog, and {0} was not chosen there: use the button that opens the dialog.")]
    NotChosen(String),
    /// The file dialog could not be shown, or returned something unusable.
    #[error("The file dialog did not work: {0}. Try again, or copy and paste instead.")]
    NoDialog(String),
    /// A pasted response sent through the wizard's actions, which run on the window's thread.
    #[error("Pasted responses are checked by the paste_check command, away from the window's thread: reload the window.")]
    PasteOnUiThread,
    /// The login window handed a response over after its test ended, or from an earlier test's IdP.
    #[error("The test login has ended, so SSO Pilot takes no response from this window: start a new test login.")]
    CaptureEnded,
    /// The worker checking a caught response stopped before it answered (an internal error).
    #[error("SSO Pilot could not check the caught response (an internal error): start the test login again.")]
    CheckFailed,
    /// The chosen file is not a support bundle this version reads (the core's sentence).
    #[error("{0}")]
    Bundle(String),
}

impl Serialize for ShellError {
    // The UI receives the plain message (a string), which it shows as an error notice.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

type Opened = Result<Mutex<Session>, ShellError>;

/// The managed state: the one wizard session of this window, or why there is none. The app opens it on a thread of
/// its own (reading the saved progress, the keychain lookup and the demo IdP's start run while WebKit starts and the
/// page loads); the first command waits for it.
pub struct WizardState {
    session: OnceLock<Opened>,
    opening: Mutex<Option<std::thread::JoinHandle<Opened>>>,
}

impl WizardState {
    fn ready(opened: Opened) -> Self {
        Self {
            session: OnceLock::from(opened),
            opening: Mutex::new(None),
        }
    }

    /// Opens the session in the platform's data directory (or `$SSOPILOT_DATA_DIR`), with the demo IdP started by
    /// the core (key from the OS keychain, or a temporary one without a keychain; port 8740 or the next free one;
    /// when it cannot run, the wizard says why) and the OS keychain for AUTH_SECRET (when there is none, step 8 says
    /// so), on a thread of its own.
    pub fn open_default() -> Self {
        let opening = std::thread::Builder::new()
            .name("open-session".into())
            .spawn(|| match Store::default_location() {
                Ok(store) => {
                    let mut session = Session::open(store);
                    bench::mark("progress_read");
                    session.attach_demo(DemoIdp::start_default());
                    bench::mark("demo_idp_started");
                    session.attach_secrets(Secrets::os());
                    bench::mark("session_opened");
                    Ok(Mutex::new(session))
                }
                Err(error) => Err(ShellError::NoStore(error.to_string())),
            });
        match opening {
            Ok(handle) => Self {
                session: OnceLock::new(),
                opening: Mutex::new(Some(handle)),
            },
            Err(error) => Self::ready(Err(ShellError::NoStore(format!(
                "the session could not be opened ({error})"
            )))),
        }
    }

    /// Opens the session kept in `store` (tests use a temporary directory), without a demo IdP.
    pub fn open(store: Store) -> Self {
        Self::ready(Ok(Mutex::new(Session::open(store))))
    }

    /// Opens the session kept in `store` with the given demo IdP; the session holds its handle for the app's life.
    pub fn open_with_demo(store: Store, demo: DemoIdp) -> Self {
        let mut session = Session::open(store);
        session.attach_demo(demo);
        Self::ready(Ok(Mutex::new(session)))
    }

    /// The session, once opened (waiting for the opening thread the first time).
    fn opened(&self) -> &Opened {
        self.session.get_or_init(|| {
            let handle = self.opening.lock().ok().and_then(|mut h| h.take());
            match handle.map(std::thread::JoinHandle::join) {
                Some(Ok(opened)) => opened,
                // The opening thread panicked (or is gone): nothing is known about the session.
                Some(Err(_)) | None => Err(ShellError::Poisoned),
            }
        })
    }

    fn with_session<T>(&self, f: impl FnOnce(&mut Session) -> T) -> Result<T, ShellError> {
        match self.opened() {
            Ok(session) => {
                // Fail closed: after a panic the session may be half-updated, so refuse instead of guessing.
                let mut session = session.lock().map_err(|_| ShellError::Poisoned)?;
                Ok(f(&mut session))
            }
            Err(ShellError::NoStore(message)) => Err(ShellError::NoStore(message.clone())),
            // Opening fails only with NoStore or Poisoned.
            Err(_) => Err(ShellError::Poisoned),
        }
    }
}

/// The whole wizard as the core sees it now.
#[tauri::command]
fn wizard_view(state: State<'_, WizardState>) -> Result<WizardView, ShellError> {
    bench::mark("wizard_view_called");
    let view = state.with_session(|session| session.view());
    bench::mark("wizard_view_answered");
    view
}

/// Applies one action and returns the new view. Logs only the kind of action, never a field value.
#[tauri::command]
fn wizard_apply(
    state: State<'_, WizardState>,
    dialogs: State<'_, FileDialogs>,
    action: Action,
) -> Result<WizardView, ShellError> {
    log::debug!("wizard action: {}", action_kind(&action));
    match &action {
        // Only a file the admin chose in a dialog of this session is read or written.
        Action::ImportMetadataFile { path, .. } | Action::SaveTestReport { path, .. } => {
            dialogs.check(std::path::Path::new(path))?
        }
        // Validation could take long: it never runs here (on the window's thread, under the session lock).
        Action::CheckPastedResponse { .. } => return Err(ShellError::PasteOnUiThread),
        _ => {}
    }
    state.with_session(|session| session.apply(action))
}

/// The metadata fetch that is running, so Cancel can abort it.
#[derive(Default)]
pub struct FetchTask(Mutex<Option<(u64, tokio::task::AbortHandle)>>);

/// Fetches metadata for one side's import box and imports it; returns the view after the import (or after Cancel).
/// The session is locked only to start and to finish: the wizard stays usable while the fetch runs.
#[tauri::command]
async fn metadata_fetch(
    state: State<'_, WizardState>,
    task: State<'_, FetchTask>,
    side: MetadataSide,
    url: String,
) -> Result<WizardView, ShellError> {
    let (view, job) = state.with_session(|session| session.start_metadata_fetch(side, &url))?;
    let Some(job) = job else {
        return Ok(view);
    };
    let FetchJob { id, .. } = job;
    let handle =
        tauri::async_runtime::spawn(async move { metadata_import::fetch_metadata(&job).await });
    if let Ok(mut running) = task.0.lock() {
        *running = Some((id, handle.inner().abort_handle()));
    }
    let outcome = handle.await;
    if let Ok(mut running) = task.0.lock() {
        let _ = running.take_if(|(running_id, _)| *running_id == id);
    }
    match outcome {
        Ok(result) => state.with_session(|session| session.finish_metadata_fetch(id, result)),
        // Aborted by Cancel, which already told the session.
        Err(_) => state.with_session(|session| session.view()),
    }
}

/// Aborts the running metadata fetch; nothing is imported.
#[tauri::command]
fn metadata_fetch_cancel(
    state: State<'_, WizardState>,
    task: State<'_, FetchTask>,
) -> Result<WizardView, ShellError> {
    if let Some((_, abort)) = task.0.lock().ok().and_then(|mut running| running.take()) {
        abort.abort();
    }
    state.with_session(|session| session.cancel_metadata_fetch())
}

/// Shows `request`'s file dialog and, when the admin chose a file, hands its path to `then` inside the session; a
/// closed dialog changes nothing. The one way the file commands reach a path: only what the dialog returned.
async fn with_chosen_file<R: Runtime>(
    app: &AppHandle<R>,
    state: &WizardState,
    dialogs: &FileDialogs,
    request: FileRequest,
    then: impl FnOnce(&mut Session, &std::path::Path) -> Result<WizardView, ShellError>,
) -> Result<WizardView, ShellError> {
    match dialogs.ask(app, request).await? {
        Some(path) => state.with_session(|session| then(session, &path))?,
        None => state.with_session(|session| session.view()),
    }
}

/// Asks where to save the SP metadata (a save dialog, `file_name` suggested) and writes it there.
#[tauri::command]
async fn sp_metadata_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    dialogs: State<'_, FileDialogs>,
    file_name: String,
) -> Result<WizardView, ShellError> {
    let request = FileRequest::save("Save the SP metadata", &file_name, files::XML);
    with_chosen_file(&app, &state, &dialogs, request, |session, path| {
        Ok(session.save_sp_metadata(path))
    })
    .await
}

/// Asks where to save the summary report and writes it there (HTML for .html, else Markdown).
#[tauri::command]
async fn report_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    dialogs: State<'_, FileDialogs>,
    file_name: String,
) -> Result<WizardView, ShellError> {
    log::debug!("wizard action: report_save");
    let request = FileRequest::save("Save the report", &file_name, files::SUMMARY);
    with_chosen_file(&app, &state, &dialogs, request, |session, path| {
        Ok(session.save_report(path))
    })
    .await
}

/// Asks where to save the support bundle and writes it there (personal data replaced, never a secret).
#[tauri::command]
async fn support_bundle_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    dialogs: State<'_, FileDialogs>,
    file_name: String,
) -> Result<WizardView, ShellError> {
    log::debug!("wizard action: support_bundle_save");
    let request = FileRequest::save("Save the support bundle", &file_name, files::BUNDLE);
    with_chosen_file(&app, &state, &dialogs, request, |session, path| {
        Ok(session.save_support_bundle(path, false))
    })
    .await
}

/// Runs the watch of the saved setup once, at start, on its own thread (it may fetch the IdP's metadata): the
/// summary's banner shows what it finds, and a desktop notification says when something needs action.
fn watch_at_start<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("watch".into())
        .spawn(move || {
            let state = app.state::<WizardState>();
            let Ok(watched) = state.with_session(|session| session.watched_at_start()) else {
                return;
            };
            let now = ssopilot_peers::clock::Clock::now(&ssopilot_peers::clock::SystemClock);
            let (report, line) = ssopilot_wizard::watch::at_start(
                watched.as_ref(),
                &ssopilot_peers::fetch::FetchOptions::default(),
                now,
            );
            log::info!("{line}");
            if let (Some(watched), Some(report)) = (watched, report) {
                // One notification per start, when something needs action on a setup in use (the core decides).
                let notification = state
                    .with_session(|session| session.start_notification(&report))
                    .ok()
                    .flatten();
                let _ = state.with_session(|session| session.set_watch_report(watched, report));
                if let Some(n) = notification {
                    notify::show(&app, &n);
                }
            }
        });
    if let Err(e) = spawned {
        log::warn!("the watch of the saved setup could not start: {e}");
    }
}

/// Asks where to save step 7's test-login report and writes it there.
#[tauri::command]
async fn test_report_save<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    dialogs: State<'_, FileDialogs>,
    format: ReportFormat,
    file_name: String,
) -> Result<WizardView, ShellError> {
    log::debug!("wizard action: test_report_save");
    let filters = match format {
        ReportFormat::Html => files::HTML,
        ReportFormat::Markdown => files::MARKDOWN,
    };
    let request = FileRequest::save("Save the test-login report", &file_name, filters);
    with_chosen_file(&app, &state, &dialogs, request, |session, path| {
        let path = files::as_text(path)?;
        Ok(session.apply(Action::SaveTestReport { format, path }))
    })
    .await
}

/// Asks for a metadata file (an open dialog) and imports it into one side's import box.
#[tauri::command]
async fn metadata_file_open<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    dialogs: State<'_, FileDialogs>,
    side: MetadataSide,
) -> Result<WizardView, ShellError> {
    log::debug!("wizard action: metadata_file_open");
    let request = FileRequest::open("Open a SAML metadata file", files::XML);
    with_chosen_file(&app, &state, &dialogs, request, |session, path| {
        let path = files::as_text(path)?;
        Ok(session.apply(Action::ImportMetadataFile { side, path }))
    })
    .await
}

/// Asks for the IdP's certificate file (an open dialog) and puts it into step 5; the core reads and checks it. Logs
/// nothing about the file (its name may say whose it is).
#[tauri::command]
async fn wizard_open_certificate<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    dialogs: State<'_, FileDialogs>,
) -> Result<WizardView, ShellError> {
    log::debug!("wizard action: open_certificate");
    let request = FileRequest::open("Open the IdP's certificate", files::CERTIFICATES);
    with_chosen_file(&app, &state, &dialogs, request, |session, path| {
        Ok(session.open_certificate_file(path))
    })
    .await
}

/// Asks for the SP's private key file (an open dialog) for the next pasted-response check; the core reads it into
/// memory only. Logs nothing about the file or the key (only that the command ran).
#[tauri::command]
async fn paste_key_open<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    dialogs: State<'_, FileDialogs>,
) -> Result<WizardView, ShellError> {
    log::debug!("wizard action: paste_key_open");
    let request = FileRequest::open("Open the SP's private key (PEM)", files::PRIVATE_KEYS);
    with_chosen_file(&app, &state, &dialogs, request, |session, path| {
        Ok(session.open_paste_key_file(path))
    })
    .await
}

/// The pasted-response check that is running: its generation and where its outcome (or Cancel) is sent.
#[derive(Default)]
pub struct PasteTask(Mutex<Option<(u64, PasteReply)>>);

/// `None`: cancelled. `Some(Err)`: the check stopped on an internal error.
type PasteReply = tokio::sync::oneshot::Sender<Option<Result<PasteOutcome, String>>>;

/// Runs just before a check, on its worker thread (tests hold a check there to see it running).
type BeforeCheck = Box<dyn Fn() + Send + Sync>;

/// What the pasted-response check runs before it starts: nothing in the app.
#[derive(Default)]
pub struct PasteHook(Option<BeforeCheck>);

impl PasteHook {
    pub fn new(hook: impl Fn() + Send + Sync + 'static) -> Self {
        Self(Some(Box::new(hook)))
    }
}

impl PasteTask {
    /// Sends `reply` to the waiting command of check `generation`, if it is still the running one.
    fn answer(&self, generation: Option<u64>, reply: Option<Result<PasteOutcome, String>>) {
        if let Ok(mut running) = self.0.lock() {
            if let Some((_, tx)) = running.take_if(|(g, _)| generation.is_none_or(|w| w == *g)) {
                let _ = tx.send(reply);
            }
        }
    }
}

/// Checks a pasted response (step 7) on a worker thread: the session is locked only to start and to finish, so the
/// wizard (and Cancel) stay usable while it runs; returns the view once checked (or cancelled, or replaced by a newer
/// paste).
#[tauri::command]
async fn paste_check<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, WizardState>,
    task: State<'_, PasteTask>,
    text: String,
) -> Result<WizardView, ShellError> {
    log::debug!("wizard action: paste_check");
    let (view, job) = state.with_session(|session| session.start_paste_check(text))?;
    let Some(job) = job else {
        return Ok(view);
    };
    let generation = job.generation;
    let (tx, rx) = tokio::sync::oneshot::channel();
    if let Ok(mut running) = task.0.lock() {
        // An older check's command stops waiting (its sender is dropped); the session ignores its outcome anyway.
        *running = Some((generation, tx));
    }
    let worker = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        if let Some(hook) = &worker.state::<PasteHook>().0 {
            hook();
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run()))
            .map_err(|_| "the check stopped on an internal error".to_string());
        worker
            .state::<PasteTask>()
            .answer(Some(generation), Some(outcome));
    });
    match rx.await {
        Ok(Some(Ok(outcome))) => state.with_session(|session| session.finish_paste_check(outcome)),
        Ok(Some(Err(why))) => {
            log::error!("the pasted response's check failed: {why}");
            state.with_session(|session| session.paste_check_failed(generation))
        }
        // Cancelled (Cancel already told the session) or replaced by a newer paste.
        Ok(None) | Err(_) => state.with_session(|session| session.view()),
    }
}

/// Cancel: the running check's result is dropped; its command answers at once with the view.
#[tauri::command]
fn paste_check_cancel(
    state: State<'_, WizardState>,
    task: State<'_, PasteTask>,
) -> Result<WizardView, ShellError> {
    let view = state.with_session(|session| session.cancel_paste_check())?;
    task.answer(None, None);
    Ok(view)
}

/// The launch benchmark's marker (benches/app_launch.sh): the UI calls this once its first page is drawn, with the
/// times of its own start-up steps; with `SSOPILOT_BENCH_READY` set, they are printed as `MARK page:<name> <unix ns>`
/// lines and the time as `READY <unix ns>`. Otherwise it does nothing.
#[tauri::command]
fn first_screen_ready(marks: Option<Vec<(String, f64)>>) {
    if bench::enabled() {
        for (name, epoch_ms) in marks.unwrap_or_default() {
            // Milliseconds (with a fraction) since the epoch, from the page's clock, to nanoseconds.
            println!("MARK page:{name} {}", (epoch_ms * 1e6) as u128);
        }
        bench::mark("ready_received");
        println!("READY {}", bench::now_ns());
    }
}

/// The launch benchmark's breakdown: where the shell is in its start-up, printed only when `SSOPILOT_BENCH_READY` is
/// set (never otherwise, and never anything but a step name and a time).
mod bench {
    pub fn enabled() -> bool {
        std::env::var_os("SSOPILOT_BENCH_READY").is_some()
    }

    pub fn now_ns() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    }

    pub fn mark(name: &str) {
        if enabled() {
            println!("MARK shell:{name} {}", now_ns());
        }
    }
}

/// The name of an action without its payload, safe to log (field values may be URLs or pasted certificates).
fn action_kind(action: &Action) -> &'static str {
    match action {
        Action::SetField { .. } => "set_field",
        Action::GoTo { .. } => "go_to",
        Action::Next => "next",
        Action::Back => "back",
        Action::AddAttribute => "add_attribute",
        Action::RemoveAttribute { .. } => "remove_attribute",
        Action::SetAttribute { .. } => "set_attribute",
        Action::ResetAttributes => "reset_attributes",
        Action::DismissNotice { .. } => "dismiss_notice",
        Action::ImportMetadata { .. } => "import_metadata",
        Action::ImportMetadataFile { .. } => "import_metadata_file",
        Action::ChooseMetadataEntity { .. } => "choose_metadata_entity",
        Action::ConfirmMetadataImport { .. } => "confirm_metadata_import",
        Action::CancelMetadataImport { .. } => "cancel_metadata_import",
        Action::SetGroupGrant { .. } => "set_group_grant",
        Action::GenerateAuthSecret => "generate_auth_secret",
        Action::Enforce => "enforce",
        Action::CheckPastedResponse { .. } => "check_pasted_response",
        Action::SaveTestReport { .. } => "save_test_report",
        Action::SetLoginStart { .. } => "set_login_start",
        Action::SetLoginRequest { .. } => "set_login_request",
        Action::SetLaunchLink { .. } => "set_launch_link",
        Action::ForgetPasteKey => "forget_paste_key",
        Action::ImportNextCertificate { .. } => "import_next_certificate",
        Action::RetireOldCertificate => "retire_old_certificate",
        Action::CancelRotation => "cancel_rotation",
        Action::RotateDemoKey => "rotate_demo_key",
        Action::PlantFault { .. } => "plant_fault",
        Action::LeavePractice => "leave_practice",
        Action::ApplyAttributeSuggestion { .. } => "apply_attribute_suggestion",
    }
}

/// What the shell adds to the wizard state: the file dialogs (tests answer them) and the pasted-response check's
/// hook (tests hold a check with it).
#[derive(Default)]
pub struct ShellParts {
    pub dialogs: FileDialogs,
    pub paste_hook: PasteHook,
}

/// Registers the wizard state and the commands. Shared by the app and the mock-runtime tests.
pub fn with_wizard<R: Runtime>(
    builder: tauri::Builder<R>,
    state: WizardState,
) -> tauri::Builder<R> {
    with_wizard_and(builder, state, ShellParts::default())
}

/// [`with_wizard`] with the given dialogs and hook.
pub fn with_wizard_and<R: Runtime>(
    builder: tauri::Builder<R>,
    state: WizardState,
    parts: ShellParts,
) -> tauri::Builder<R> {
    builder
        .manage(state)
        .manage(parts.dialogs)
        .manage(parts.paste_hook)
        .manage(PasteTask::default())
        .manage(FetchTask::default())
        .manage(login::LoginWindowState::default())
        .manage(login::LoopbackTask::default())
        .invoke_handler(tauri::generate_handler![
            wizard_view,
            wizard_apply,
            metadata_fetch,
            metadata_fetch_cancel,
            sp_metadata_save,
            report_save,
            support_bundle_save,
            support::support_bundle_open,
            wizard_open_certificate,
            paste_key_open,
            metadata_file_open,
            test_report_save,
            paste_check,
            paste_check_cancel,
            login::login_window_open,
            login::login_capture,
            login::login_window_continue,
            login::login_window_stop,
            login::loopback_test_start,
            login::loopback_test_cancel,
            first_screen_ready
        ])
}

/// The file dialogs of this run: the native ones. Debug builds only: `SSOPILOT_E2E_FILE_ANSWER` names a file whose
/// text is the path every dialog answers, because the end-to-end tests cannot drive GTK's native dialog; the
/// button, the command and the core's file reading stay the real ones. Release builds have no such switch.
fn file_dialogs() -> FileDialogs {
    #[cfg(debug_assertions)]
    if let Some(answer_file) = std::env::var_os("SSOPILOT_E2E_FILE_ANSWER") {
        let answer_file = std::path::PathBuf::from(answer_file);
        return FileDialogs::answered_by(move |_| {
            std::fs::read_to_string(&answer_file)
                .ok()
                .map(|text| std::path::PathBuf::from(text.trim()))
                .filter(|path| !path.as_os_str().is_empty())
        });
    }
    FileDialogs::default()
}

/// Builds and runs the desktop app.
pub fn run() {
    bench::mark("main");
    // Before any thread starts: the local time zone can only be read while the process has one.
    ssopilot_wizard::local_time::init();
    #[cfg(target_os = "linux")]
    webkit_cpu_painting();
    let logger = tauri_plugin_log::Builder::new()
        // Info and above only: debug lines of Tauri's IPC layer could carry command arguments (field values).
        .level(log::LevelFilter::Info)
        .level_for("ssopilot_app", log::LevelFilter::Info)
        .build();
    let builder = tauri::Builder::default()
        // Must be registered first: a second launch focuses the running window instead of opening a second one
        // that would write the same progress file.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(logger)
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .setup(|app| {
            bench::mark("setup");
            watch_at_start(app.handle());
            Ok(())
        })
        .on_page_load(|_, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                bench::mark("page_loaded");
            }
        });
    let parts = ShellParts {
        dialogs: file_dialogs(),
        ..ShellParts::default()
    };
    let result = with_wizard_and(builder, WizardState::open_default(), parts)
        .run(tauri::generate_context!());
    if let Err(error) = result {
        let error = error.to_string();
        if error.contains("plugin `single-instance`") {
            // The running instance could not be reached: it was closing as this one started (a quick restart), so
            // its name on the session bus was still taken. Start again once, when it is gone.
            relaunch_once();
            eprintln!("SSO Pilot could not start: {error}. Another SSO Pilot window may be closing: start it again.");
        } else {
            eprintln!("SSO Pilot could not start its window: {error}. Is a graphical session available (DISPLAY or WAYLAND_DISPLAY)?");
        }
        std::process::exit(1);
    }
}

/// Has WebKitGTK paint the page's layers with the CPU (`WEBKIT_SKIA_ENABLE_CPU_RENDERING=1`) instead of through a
/// GL context, unless the environment already says (`WEBKIT_SKIA_ENABLE_CPU_RENDERING=0` keeps GPU painting).
/// Called before any thread starts and before WebKit does: the web processes inherit it.
///
/// A product choice, for memory (issue 23, benches/README.md): painting through GL keeps Skia's GPU caches (glyph
/// atlases, shaders) in the web process; without a GPU (virtual machines, remote desktops, the benchmark's Xvfb) that
/// is Mesa's llvmpipe, in ordinary memory. With CPU painting the web process's anonymous memory after start-up was
/// about 26 MB smaller. Layers are still composited, so scrolling and the page's one spinner work as before; the
/// wizard's pages (forms and text) paint quickly enough on the CPU, and the launch time did not change measurably.
/// Turning compositing off entirely (`WEBKIT_DISABLE_COMPOSITING_MODE`) saved more but made WebDriver screenshots
/// hang in the end-to-end tests.
#[cfg(target_os = "linux")]
fn webkit_cpu_painting() {
    const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
    if std::env::var_os(CPU_PAINTING).is_none() {
        std::env::set_var(CPU_PAINTING, "1");
    }
}

/// Set in the environment of the one restart [`relaunch_once`] makes, so it is never repeated.
const RELAUNCHED: &str = "SSOPILOT_RELAUNCHED";

/// Replaces this process by a new start of the same program with the same arguments, after a moment, unless this
/// process already is such a restart (then it returns).
fn relaunch_once() {
    if std::env::var_os(RELAUNCHED).is_some() {
        return;
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    let Ok(program) = std::env::current_exe() else {
        return;
    };
    let mut command = std::process::Command::new(program);
    command
        .args(std::env::args_os().skip(1))
        .env(RELAUNCHED, "1");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        // Only returns on failure.
        let _ = command.exec();
    }
    #[cfg(not(unix))]
    if let Ok(mut child) = command.spawn() {
        let status = child.wait().ok().and_then(|s| s.code()).unwrap_or(1);
        std::process::exit(status);
    }
}
