//! Support's side of the app: a support bundle opened back, read-only. The command never touches the wizard's
//! session, so opening a bundle cannot change the admin's own saved setup; the core builds the view
//! ([`ssopilot_wizard::bundle::view`]).

use ssopilot_wizard::bundle::view::{self, BundleView};
use ssopilot_wizard::profiles::Profiles;
use tauri::{AppHandle, Runtime, State};

use crate::files::{self, FileDialogs, FileRequest};
use crate::ShellError;

/// Asks for a support bundle (an open dialog) and returns its view; `None` when the dialog was closed. A file that
/// is not a bundle (or too large, or unreadable) is a plain error. Logs nothing about the file.
#[tauri::command]
pub async fn support_bundle_open<R: Runtime>(
    app: AppHandle<R>,
    dialogs: State<'_, FileDialogs>,
) -> Result<Option<BundleView>, ShellError> {
    log::debug!("wizard action: support_bundle_open");
    let request = FileRequest::open("Open a support bundle", files::BUNDLE_OPEN);
    let Some(path) = dialogs.ask(&app, request).await? else {
        return Ok(None);
    };
    let profiles = Profiles::builtin().unwrap_or_default();
    view::open_file(&path, &profiles)
        .map(Some)
        .map_err(ShellError::Bundle)
}
