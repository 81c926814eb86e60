//! The Linux packages (scripts/bundle.sh, src-tauri/tauri.conf.json): the .deb ships the `ssopilot` command beside
//! the app, has a real long description, and its desktop entry is named without a space. The release build is too
//! long for the test run, so this checks the configuration and the script that enforce it on every bundle.

use std::path::PathBuf;

fn read(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_deb_ships_the_cli_and_a_long_description() {
    let conf: serde_json::Value = serde_json::from_str(&read("src-tauri/tauri.conf.json")).unwrap();
    let bundle = &conf["bundle"];
    let long = bundle["longDescription"].as_str().unwrap_or_default();
    assert!(long.len() > 200, "{long:?}");
    assert!(long.contains("ssopilot command"), "{long}");
    // One paragraph: the Debian control file's extended description has no blank lines to get wrong.
    assert!(!long.contains('\n'), "{long}");
    assert_eq!(
        bundle["linux"]["deb"]["files"]["/usr/bin/ssopilot"],
        "../target/release/ssopilot"
    );
}

#[test]
fn bundle_sh_builds_the_cli_first_and_checks_every_deb() {
    let script = read("scripts/bundle.sh");
    let cli = script
        .find("cargo build --release -p ssopilot ")
        .expect("the CLI is built for the .deb");
    let tauri = script.find("\"$TAURI\" build").expect("the tauri build");
    assert!(
        cli < tauri,
        "the CLI must exist before the bundler copies it"
    );
    for check in [
        "rename_desktop_entry \"$deb\"",
        "usr/share/applications/[^ ]*\\.desktop$",
        "usr/bin/ssopilot$",
        "Description | sed -n '2p'",
    ] {
        assert!(script.contains(check), "bundle.sh lost: {check}");
    }
}
