//! The session's side of a metadata import: reading a file or fetching a URL, and applying the result.

use super::*;

impl Session {
    /// Records a fetch of `url` for one side's import box; the shell then awaits [`fetch_metadata`] and calls
    /// [`Session::finish_metadata_fetch`] (or [`Session::cancel_metadata_fetch`]). `None` (with a notice) when the
    /// fetch is refused.
    pub fn start_metadata_fetch(
        &mut self,
        side: MetadataSide,
        url: &str,
    ) -> (WizardView, Option<FetchJob>) {
        let refused = match (&self.model.import.fetching, self.model.import_on_step(side)) {
            (Some(f), _) => Some(ImportError::Busy {
                url: f.job.url.clone(),
            }),
            (None, Err(e)) => Some(e),
            (None, Ok(())) => None,
        };
        if let Some(e) = refused {
            self.notice(
                Severity::Warning,
                format!("{}.", capitalise(&e.to_string())),
            );
            return (self.view(), None);
        }
        let url = url.trim();
        if url.is_empty() {
            self.model
                .import_failed(side, "Type or paste the metadata URL first".into());
            return (self.view(), None);
        }
        let import = &mut self.model.import;
        import.next_fetch += 1;
        let job = FetchJob {
            id: import.next_fetch,
            side,
            url: url.chars().take(crate::MAX_FIELD_CHARS).collect(),
        };
        *import.side(side) = SideState::default();
        import.fetching = Some(Fetching { job: job.clone() });
        (self.view(), Some(job))
    }

    /// Imports what a fetch brought, unless it was cancelled or replaced meanwhile (then it is dropped).
    pub fn finish_metadata_fetch(
        &mut self,
        id: u64,
        result: Result<Vec<u8>, FetchError>,
    ) -> WizardView {
        let Some(job) = self
            .model
            .import
            .fetching
            .take_if(|f| f.job.id == id)
            .map(|f| f.job)
        else {
            return self.view();
        };
        let side = job.side;
        let source = format!("The metadata at {}", job.url);
        if self.model.import_on_step(side).is_err() {
            self.notice(
                Severity::Info,
                format!(
                    "The metadata fetched from {} was not imported because you left step {}: import it again there.",
                    job.url,
                    step_number(step_of(side))
                ),
            );
            return self.view();
        }
        let mut notices = Vec::new();
        match result {
            Ok(bytes) => {
                let mut warn = |severity, text| notices.push(Notice { severity, text });
                self.model.import.source_url = Some(job.url.clone());
                self.model.import_bytes(side, &bytes, source, &mut warn);
                self.model.import.source_url = None;
            }
            Err(e) => self.model.import_failed(
                side,
                capitalise(&fetch::MetadataFetchError::Fetch(e).to_string()),
            ),
        }
        for n in notices {
            self.notice(n.severity, n.text);
        }
        self.save_if_changed();
        self.view()
    }

    /// Stops waiting for the running fetch (the shell aborts its task); nothing is changed.
    pub fn cancel_metadata_fetch(&mut self) -> WizardView {
        if let Some(f) = self.model.import.fetching.take() {
            self.model.import.side(f.job.side).result = Some(format!(
                "The fetch of {} was cancelled; nothing was changed.",
                f.job.url
            ));
        }
        self.view()
    }

    /// The fetch that is running, if any (the shell's cancel uses its id).
    pub fn metadata_fetch(&self) -> Option<&FetchJob> {
        self.model.import.fetching.as_ref().map(|f| &f.job)
    }

    /// Writes the SP metadata to `path` (from the save dialog); the result is a notice.
    pub fn save_sp_metadata(&mut self, path: &Path) -> WizardView {
        let result = self.model.sp_metadata_xml().and_then(|xml| {
            std::fs::write(path, xml).map_err(|source| ImportError::WriteFile {
                path: path.display().to_string(),
                source,
            })
        });
        match result {
            Ok(()) => self.notice(
                Severity::Info,
                format!("The SP metadata was saved to {}.", path.display()),
            ),
            Err(e) => self.notice(Severity::Error, format!("{}.", capitalise(&e.to_string()))),
        }
        self.view()
    }
}
