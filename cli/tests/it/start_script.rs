//! README command 1 (`scripts/start.sh`) installs only what building and running the app needs: none of the
//! test-only packages, in one build that shows its progress; the README lists what it installs.

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The entries of a package list, as scripts/setup-app.sh reads them (no comments, no blank lines).
fn entries(path: &str) -> Vec<String> {
    read(path)
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The lines of a shell script that are code, not comments or messages.
fn code(path: &str) -> String {
    read(path)
        .lines()
        .map(str::trim_start)
        .filter(|l| !l.starts_with('#') && !l.starts_with("say ") && !l.starts_with("echo "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Packages only the tests use: a peer IdP with its web stack, a virtual display, the WebDriver, the oracles,
/// image and benchmark tools, the Python environment.
fn test_only(pkg: &str) -> bool {
    const EXACT: &[&str] = &[
        "simplesamlphp",
        "xvfb",
        "xauth",
        "imagemagick",
        "hyperfine",
        "webkit2gtk-driver",
        "xmlsec1",
        "libxml2-utils",
        "libsecret-tools",
        "python3-venv",
        "python3-pip",
    ];
    const PREFIXES: &[&str] = &["php", "apache2", "libapache2", "python3-saml", "pysaml2"];
    EXACT.contains(&pkg) || PREFIXES.iter().any(|p| pkg.starts_with(p))
}

#[test]
fn the_app_list_holds_no_test_only_package_and_nothing_twice() {
    let app = entries("scripts/packages/apt-app.txt");
    assert!(
        app.contains(&"libwebkit2gtk-4.1-dev".to_string()),
        "{app:?}"
    );
    let bad: Vec<_> = app.iter().filter(|p| test_only(p)).collect();
    assert!(
        bad.is_empty(),
        "start.sh would install test-only packages: {bad:?}"
    );
    let tests = entries("scripts/packages/apt.txt");
    assert!(tests.iter().any(|p| p == "simplesamlphp"), "{tests:?}");
    let twice: Vec<_> = app.iter().filter(|p| tests.contains(p)).collect();
    assert!(twice.is_empty(), "in both lists: {twice:?}");
}

#[test]
fn start_sh_runs_only_the_app_set_up_and_one_build() {
    let start = code("scripts/start.sh");
    assert!(start.contains("scripts/setup-app.sh"), "{start}");
    let setup_app = code("scripts/setup-app.sh");
    for script in [&start, &setup_app] {
        for test_part in [
            "scripts/setup.sh",
            "apt.txt",
            "pip.txt",
            "cargo.txt",
            "tests/e2e",
            ".venv",
            "cargo install",
        ] {
            assert!(!script.contains(test_part), "{test_part} in:\n{script}");
        }
    }
    // One cargo build, not quiet, and no second compile (a `cargo run`) after it.
    assert_eq!(start.matches("cargo build").count(), 1, "{start}");
    assert!(!start.contains("cargo run"), "{start}");
    let build = start
        .lines()
        .find(|l| l.contains("cargo build"))
        .unwrap_or_default();
    assert!(
        build.contains("-p ssopilot-app") && build.contains("-p ssopilot"),
        "{build}"
    );
    assert!(
        !build.contains(" -q") && !build.contains("--quiet"),
        "{build}"
    );
    // setup.sh still installs what the tests need, after the app's part.
    let setup = code("scripts/setup.sh");
    assert!(
        setup.contains("setup-app.sh") && setup.contains("apt.txt"),
        "{setup}"
    );
}

#[test]
fn the_readme_lists_what_start_sh_installs() {
    let readme = read("README.md");
    for pkg in entries("scripts/packages/apt-app.txt") {
        assert!(readme.contains(&pkg), "README does not list {pkg}");
    }
    assert!(readme.contains("scripts/packages/apt.txt"));
}
