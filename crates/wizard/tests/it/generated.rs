//! Files in the UI that are generated from the core (the TypeScript contract, the UI tests' fixtures): one helper
//! that writes them when asked and otherwise fails when the checked-in copy is stale, so CI catches a Rust change
//! that was not carried over to the UI.

use std::path::{Path, PathBuf};

/// The repository's root (this crate is `crates/wizard`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Writes `files` (path relative to the repository root, content) when `$env` is 1; otherwise fails unless every
/// file on disk equals its content, naming the command that regenerates them. With `dir` set, a file in it that is
/// not in `files` is also stale (a fixture that is no longer produced).
pub fn write_or_check(env: &str, test: &str, dir: Option<&str>, files: &[(String, String)]) {
    let root = repo_root();
    let fix = format!(
        "run `{env}=1 cargo test -p ssopilot-wizard --test it {test}` and commit the result"
    );
    if std::env::var(env).as_deref() == Ok("1") {
        if let Some(dir) = dir {
            let dir = root.join(dir);
            if dir.is_dir() {
                for entry in std::fs::read_dir(&dir).unwrap() {
                    let path = entry.unwrap().path();
                    if path.extension().is_some_and(|e| e == "json") {
                        std::fs::remove_file(&path).unwrap();
                    }
                }
            }
            std::fs::create_dir_all(&dir).unwrap();
        }
        for (path, content) in files {
            std::fs::write(root.join(path), content).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (path, content) in files {
        match std::fs::read_to_string(root.join(path)) {
            Ok(on_disk) if on_disk == *content => {}
            Ok(_) => stale.push(format!("{path} differs from what the core generates")),
            Err(e) => stale.push(format!("{path} cannot be read ({e})")),
        }
    }
    if let Some(dir) = dir {
        for entry in std::fs::read_dir(root.join(dir)).into_iter().flatten() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let path = format!("{dir}/{name}");
            if name.ends_with(".json") && !files.iter().any(|(p, _)| *p == path) {
                stale.push(format!("{path} is no longer generated"));
            }
        }
    }
    assert!(stale.is_empty(), "{}: {fix}", stale.join("; "));
}
