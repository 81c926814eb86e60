//! Foreign IdPs run as child processes for the interop tests (the Node ones under `js/`, installed by
//! `scripts/setup.sh`): whether one is installed, starting it, and the browser's part of a login through it.
//!
//! Each peer script binds 127.0.0.1 itself, prints one JSON line when it listens and serves until its stdin closes,
//! so a peer kept in a `static` for a whole test binary still ends with the binary.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use ssopilot_peers::test_login::demo::{form_action, input_value, Browser, Fetched};
use ssopilot_peers::test_login::Attempt;
use ssopilot_saml::request::RequestBinding;

/// The folder of the Node peers (`crates/testkit/js`, with its `node_modules` once set up).
pub fn js_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/js"))
}

/// Whether the npm package `name` is installed for the Node peers (and `node` runs). When it is not: in CI
/// (`CI` set) the test fails, since `scripts/setup.sh` installs it there; elsewhere the test is skipped with a
/// message that says how to install it (`scripts/test.sh` exports `CI` empty outside CI).
pub fn node_package_or_skip(name: &str, test: &str) -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let installed = js_dir()
        .join("node_modules")
        .join(name)
        .join("package.json")
        .is_file();
    if node && installed {
        return true;
    }
    let why = if node {
        format!(
            "the npm package {name} is not installed in {}",
            js_dir().display()
        )
    } else {
        "node is not installed".to_string()
    };
    skip(test, &why)
}

/// Debian's Python, where Debian's Python bindings (python3-lasso) are installed.
pub const SYSTEM_PYTHON: &str = "/usr/bin/python3";

/// Whether [`SYSTEM_PYTHON`] imports `module` (from the Debian package `package`); when it does not, as
/// [`node_package_or_skip`].
pub fn system_python_module_or_skip(module: &str, package: &str, test: &str) -> bool {
    let ok = Command::new(SYSTEM_PYTHON)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    ok || skip(
        test,
        &format!("{SYSTEM_PYTHON} cannot import {module} (Debian package {package})"),
    )
}

/// The folder of the Python peers (`crates/testkit/py`).
pub fn py_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/py"))
}

/// The Python of flask-saml2's own virtual environment (`.venv-flask-saml2`, made by `scripts/setup.sh` from
/// `scripts/packages/pip-flask-saml2.txt`; `SSOPILOT_FLASK_SAML2_PYTHON` overrides it), when it imports the IdP
/// side of flask-saml2; when it does not, `None` as [`node_package_or_skip`].
pub fn flask_saml2_python_or_skip(test: &str) -> Option<PathBuf> {
    let python = std::env::var_os("SSOPILOT_FLASK_SAML2_PYTHON")
        .filter(|p| !p.is_empty())
        .map_or_else(
            || {
                PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../.venv-flask-saml2/bin/python"
                ))
            },
            PathBuf::from,
        );
    let ok = Command::new(&python)
        .args(["-c", "import flask_saml2.idp"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    skip(
        test,
        &format!("{} cannot import flask_saml2.idp", python.display()),
    );
    None
}

/// Fails in CI (where `scripts/setup.sh` installed everything), else says why the test is skipped. Returns false.
fn skip(test: &str, why: &str) -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    assert!(!ci, "{test}: {why}; scripts/setup.sh installs it");
    eprintln!("SKIPPED {test}: {why}; run scripts/setup.sh to run it");
    false
}

/// A peer process; closing its stdin (on drop) stops it.
pub struct Peer {
    child: Child,
    /// The JSON line it printed when it started listening.
    pub started: serde_json::Value,
}

impl Drop for Peer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

impl Peer {
    /// Starts `cmd` with piped stdin and stdout and reads its start-up line.
    pub fn start(mut cmd: Command, what: &str) -> Self {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{what} did not start ({e}): run scripts/setup.sh"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let started = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{what} did not start ({e}): it printed {line:?}"));
        Self { child, started }
    }

    /// A string field of the start-up line.
    pub fn field(&self, name: &str) -> &str {
        self.started[name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} in {}", self.started))
    }
}

/// Opens the attempt's URL as a browser would: on HTTP-Redirect the IdP's page itself; on HTTP-POST the test SP's
/// page, whose form is then posted to the IdP. Returns the IdP's answer.
pub async fn open(b: &Browser, attempt: &Attempt) -> Fetched {
    let first = b.get(&attempt.url).await.unwrap();
    if attempt.binding == RequestBinding::Redirect {
        return first;
    }
    assert_eq!(first.status, 200, "the test SP's page: {}", first.body);
    let action = form_action(&first.body).expect("the test SP's form");
    let request = input_value(&first.body, "SAMLRequest").expect("its SAMLRequest");
    let mut fields = vec![("SAMLRequest", request)];
    if let Some(relay) = input_value(&first.body, "RelayState") {
        fields.push(("RelayState", relay));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post_form(&action, &fields).await.unwrap()
}

/// Posts an IdP's auto-posting response form (`page`) where it points, as the browser's script would; returns
/// where it went.
pub async fn submit_response_form(b: &Browser, page: &Fetched) -> String {
    let to = form_action(&page.body)
        .unwrap_or_else(|| panic!("no response form (HTTP {}): {}", page.status, page.body));
    let response = input_value(&page.body, "SAMLResponse")
        .unwrap_or_else(|| panic!("no SAMLResponse (HTTP {}): {}", page.status, page.body));
    let mut fields = vec![("SAMLResponse", response)];
    if let Some(relay) = input_value(&page.body, "RelayState") {
        fields.push(("RelayState", relay));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post_form(&to, &fields).await.unwrap();
    to
}
