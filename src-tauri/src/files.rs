//! The file dialogs, opened by the shell itself. The page never hands the shell a path to read or write: a command
//! opens the dialog, the admin's choice comes back to Rust, and the command reads or writes exactly that file. Every
//! path a dialog returned is remembered for this session; the wizard actions that still carry a path are refused
//! unless their path is one of them (see [`FileDialogs::check`]).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tauri::{AppHandle, Manager, Runtime};

use crate::ShellError;

/// Which dialog, as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRequest {
    /// A save dialog (else an open dialog).
    pub save: bool,
    pub title: String,
    /// The file name suggested in a save dialog (a bare name: any folder part is dropped).
    pub file_name: Option<String>,
    /// (name, extensions without the dot).
    pub filters: Vec<(String, Vec<String>)>,
}

impl FileRequest {
    pub fn open(title: &str, filters: &[(&str, &[&str])]) -> Self {
        Self {
            save: false,
            title: title.into(),
            file_name: None,
            filters: own(filters),
        }
    }

    pub fn save(title: &str, file_name: &str, filters: &[(&str, &[&str])]) -> Self {
        // The suggestion comes from the page: only its last component, so it cannot point the dialog elsewhere.
        let file_name = Path::new(file_name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.is_empty());
        Self {
            save: true,
            title: title.into(),
            file_name,
            filters: own(filters),
        }
    }
}

fn own(filters: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    filters
        .iter()
        .map(|(name, exts)| {
            (
                name.to_string(),
                exts.iter().map(|e| e.to_string()).collect(),
            )
        })
        .collect()
}

type Answer = Box<dyn Fn(&FileRequest) -> Option<PathBuf> + Send + Sync>;

/// The dialogs and the paths they returned in this session.
#[derive(Default)]
pub struct FileDialogs {
    /// Tests answer the dialogs themselves (the mock runtime has no dialog); `None`: the dialog plugin.
    answer: Option<Answer>,
    chosen: Mutex<HashSet<PathBuf>>,
}

impl FileDialogs {
    /// Dialogs answered by `answer` instead of a person (tests).
    pub fn answered_by(
        answer: impl Fn(&FileRequest) -> Option<PathBuf> + Send + Sync + 'static,
    ) -> Self {
        Self {
            answer: Some(Box::new(answer)),
            chosen: Mutex::default(),
        }
    }

    /// Shows the dialog and waits for the admin: the chosen path (remembered), or `None` when the dialog was closed.
    pub async fn ask<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        request: FileRequest,
    ) -> Result<Option<PathBuf>, ShellError> {
        let path = match &self.answer {
            Some(answer) => answer(&request),
            None => show(app, request).await?,
        };
        if let Some(path) = &path {
            self.chosen
                .lock()
                .map_err(|_| ShellError::Poisoned)?
                .insert(path.clone());
        }
        Ok(path)
    }

    /// Refuses a path that no dialog of this session returned.
    pub fn check(&self, path: &Path) -> Result<(), ShellError> {
        let chosen = self.chosen.lock().map_err(|_| ShellError::Poisoned)?;
        if chosen.contains(path) {
            Ok(())
        } else {
            Err(ShellError::NotChosen(path.display().to_string()))
        }
    }
}

/// The real dialog (tauri-plugin-dialog), awaited without blocking a thread.
async fn show<R: Runtime>(
    app: &AppHandle<R>,
    request: FileRequest,
) -> Result<Option<PathBuf>, ShellError> {
    let Some(dialog) = app.try_state::<tauri_plugin_dialog::Dialog<R>>() else {
        return Err(ShellError::NoDialog("no file dialog is available".into()));
    };
    let mut builder = dialog.file().set_title(request.title);
    for (name, exts) in &request.filters {
        let exts: Vec<&str> = exts.iter().map(String::as_str).collect();
        builder = builder.add_filter(name, &exts);
    }
    if let Some(name) = request.file_name {
        builder = builder.set_file_name(name);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    let reply = move |picked: Option<tauri_plugin_dialog::FilePath>| {
        let _ = tx.send(picked.map(|p| p.into_path()));
    };
    if request.save {
        builder.save_file(reply);
    } else {
        builder.pick_file(reply);
    }
    match rx.await {
        Ok(Some(Ok(path))) => Ok(Some(path)),
        Ok(Some(Err(e))) => Err(ShellError::NoDialog(format!(
            "the dialog returned a location that is not a file on this computer ({e})"
        ))),
        // Closed, or the dialog went away without an answer.
        Ok(None) | Err(_) => Ok(None),
    }
}

/// The file as a string for the wizard's actions (which carry text); a name that is not valid Unicode is refused.
pub fn as_text(path: &Path) -> Result<String, ShellError> {
    path.to_str().map(str::to_string).ok_or_else(|| {
        ShellError::NoDialog(format!(
            "the name of {} is not valid text: rename the file and choose it again",
            path.display()
        ))
    })
}

/// A dialog's filters.
pub const XML: &[(&str, &[&str])] = &[("SAML metadata (XML)", &["xml"])];
pub const CERTIFICATES: &[(&str, &[&str])] = &[
    ("Certificates", &["pem", "crt", "cer", "der", "txt"]),
    ("All files", &["*"]),
];
pub const PRIVATE_KEYS: &[(&str, &[&str])] = &[
    ("Private keys (PEM)", &["pem", "key", "txt"]),
    ("All files", &["*"]),
];
pub const SUMMARY: &[(&str, &[&str])] = &[("Markdown", &["md"]), ("HTML page", &["html"])];
pub const MARKDOWN: &[(&str, &[&str])] = &[("Markdown", &["md"])];
pub const HTML: &[(&str, &[&str])] = &[("Web page (HTML)", &["html"])];
pub const BUNDLE: &[(&str, &[&str])] = &[("SSO Pilot support bundle (JSON)", &["json"])];
/// Opening: a bundle renamed by a ticket system may have lost its extension.
pub const BUNDLE_OPEN: &[(&str, &[&str])] = &[
    ("SSO Pilot support bundle (JSON)", &["json"]),
    ("All files", &["*"]),
];
