// Harness for the end-to-end tests: the real app (target/debug/ssopilot-app, serving its bundled UI) driven through tauri-driver and
// WebKitWebDriver under Xvfb. Run by scripts/test.sh; alone:
//   cargo build -p ssopilot-app && xvfb-run -a node --test tests/e2e/
// Screenshots of each step go to test-artifacts/e2e/.

import { after, before } from "node:test";
import assert from "node:assert/strict";

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { Keys, Session, startDriver } from "./webdriver.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const APP = process.env.SSOPILOT_APP ?? join(ROOT, "target", "debug", "ssopilot-app");
const ARTIFACTS = join(ROOT, "test-artifacts", "e2e");
const SETUP_HINT = "run scripts/setup.sh";

function requireTool(name) {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
  } catch {
    throw new Error(`${name} is not installed: ${SETUP_HINT} (it installs tauri-driver and webkit2gtk-driver).`);
  }
}

function preconditions() {
  if (!existsSync(APP)) {
    throw new Error(`The app is not built (${APP} is missing): run cargo build -p ssopilot-app after npm run build in ui/ (scripts/test.sh does both).`);
  }
  requireTool("tauri-driver");
  requireTool("WebKitWebDriver");
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    throw new Error("No display: run the end-to-end tests under a virtual one: xvfb-run -a node --test tests/e2e/");
  }
}

/** One isolated profile: its own data directory, config and data homes (window-state, logs). */
function profile(name) {
  const base = mkdtempSync(join(tmpdir(), `ssopilot-e2e-${name}-`));
  const dirs = { base, data: join(base, "data"), config: join(base, "config"), share: join(base, "share") };
  for (const d of [dirs.data, dirs.config, dirs.share]) mkdirSync(d, { recursive: true });
  return dirs;
}

/** The PIDs of our app processes: this binary, started with this data directory (never anything else). */
function appPids(dataDir) {
  const binary = realpathSync(APP);
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/exe`) !== binary) continue;
      const env = readFileSync(`/proc/${entry}/environ`, "latin1").split("\0");
      if (env.includes(`SSOPILOT_DATA_DIR=${dataDir}`)) pids.push(Number(entry));
    } catch {
      // The process ended or is not ours to read.
    }
  }
  return pids;
}

let driver = null;
// Debug builds of the app answer every file dialog with the path written here (GTK's native dialog cannot be driven
// through WebDriver): see answerFileDialogs.
const FILE_ANSWER = join(mkdtempSync(join(tmpdir(), "ssopilot-e2e-dialog-")), "answer");
writeFileSync(FILE_ANSWER, "");

/** The app's next file dialogs (open or save) answer `path`, as if the admin had chosen it. */
export function answerFileDialogs(path) {
  writeFileSync(FILE_ANSWER, path);
}
// SSOPILOT_E2E_PORT moves the drivers off the default when another run uses it (several worktrees on one machine).
let port = Number(process.env.SSOPILOT_E2E_PORT ?? 4444);

/** Runs `run` with tauri-driver started for the profile `dirs`; `extraEnv` is added to the app's environment. */
async function withDriver(dirs, run, extraEnv = {}) {
  const env = {
    ...process.env,
    ...extraEnv,
    SSOPILOT_E2E_FILE_ANSWER: FILE_ANSWER,
    SSOPILOT_DATA_DIR: dirs.data,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.share,
    // No session bus under Xvfb in CI; the single-instance plugin then starts normally.
    NO_AT_BRIDGE: "1",
  };
  port += 1;
  const logLines = [];
  driver = await startDriver({ port, env, log: (l) => logLines.push(l) });
  try {
    await run();
  } catch (error) {
    writeFileSync(join(ARTIFACTS, `driver-${port}.log`), logLines.join(""));
    throw error;
  } finally {
    driver.stop();
    driver = null;
  }
}

async function launch() {
  const session = await Session.create(driver.base, APP);
  await session.find("main.content");
  await session.find("h1#page-title", 20_000);
  return session;
}

async function quit(session, dirs) {
  await session.delete();
  // The app must really be gone before it is started again.
  const deadline = Date.now() + 10_000;
  while (appPids(dirs.data).length > 0) {
    if (Date.now() > deadline) throw new Error(`the app did not exit after the session closed: ${appPids(dirs.data)}`);
    await sleep(100);
  }
}

async function shot(session, name) {
  writeFileSync(join(ARTIFACTS, `${name}.png`), await session.screenshot());
}

async function title(session) {
  return (await session.find("h1#page-title")).text();
}

async function waitForTitle(session, wanted) {
  await session.waitFor(`the page titled "${wanted}"`, async () => (await title(session)) === wanted);
}

async function nextState(session) {
  const button = await session.find("[data-testid=next]");
  const enabled = await button.enabled();
  const reasons = await session.findAll("[data-testid=next-reason]");
  const reason = reasons.length ? await reasons[0].text() : null;
  return { enabled, reason };
}

async function waitNextEnabled(session, enabled) {
  return session.waitFor(`Next ${enabled ? "enabled" : "disabled"}`, async () => {
    const state = await nextState(session);
    return state.enabled === enabled ? state : null;
  });
}

async function next(session) {
  await waitNextEnabled(session, true);
  await (await session.find("[data-testid=next]")).click();
}

async function choose(session, field, value) {
  await (await session.find(`[data-field="${field}"] input[value="${value}"]`)).click();
  await session.waitFor(`${field} = ${value}`, async () =>
    (await session.find(`[data-field="${field}"] input[value="${value}"]`)).property("checked"),
  );
}

async function fill(session, field, text) {
  const input = await session.find(`[data-field="${field}"] input, [data-field="${field}"] textarea`);
  await input.clear();
  await input.type(text);
  return input;
}

async function tick(session, field) {
  const box = await session.find(`[data-field="${field}"] input[type=checkbox]`);
  if (!(await box.property("checked"))) await box.click();
  await session.waitFor(`${field} ticked`, async () =>
    (await session.find(`[data-field="${field}"] input[type=checkbox]`)).property("checked"),
  );
}

async function inputValue(session, field) {
  return (await session.find(`[data-field="${field}"] input, [data-field="${field}"] textarea`)).property("value");
}

async function stepStatus(session, id) {
  return (await session.find(`[data-step="${id}"]`)).attribute("class");
}

/** The WebDriver handles of the app's windows (the wizard, and step 7's login window while it is open). */
async function handles(session) {
  return session.cmd("GET", "/window/handles");
}

async function switchTo(session, handle) {
  await session.cmd("POST", "/window", { handle });
}

/** The text of the page as the admin sees it. */
async function pageText(session) {
  return (await session.find("form.page")).text();
}

/** Puts `text` into the field at `selector` as a paste would (typing kilobytes key by key takes a minute). */
async function paste(session, selector, text) {
  await session.execute(
    `const t = document.querySelector(arguments[0]);
     t.focus();
     t.value = arguments[1];
     t.dispatchEvent(new Event("input", { bubbles: true }));`,
    [selector, text],
  );
}

async function buttonNamed(session, label) {
  return session.waitFor(`the button "${label}"`, async () => {
    for (const button of await session.findAll("button")) {
      if ((await button.text()) === label) return button;
    }
    return null;
  });
}

/** A click on a step in the step list. */
async function goTo(session, step) {
  await (await session.find(`[data-step="${step}"] button`)).click();
}

/** Every file under `dir`, recursively. */
function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Step 7: opens the login window, signs in there at the demo IdP's form, then comes back to the main window. */
async function signInInLoginWindow(session, main, email, password, screenshot) {
  await (await session.find("[data-testid=start-login_window]")).click();
  const login = await session.waitFor("the login window", async () => (await handles(session)).find((h) => h !== main), 20_000);
  await switchTo(session, login);
  await (await session.find("input[name=email]", 20_000)).type(email);
  await (await session.find("input[name=password]")).type(password);
  if (screenshot) await shot(session, screenshot);
  await (await session.find("button[type=submit]")).click();
  await switchTo(session, main);
}

/** Steps 1 and 2: the two profiles chosen, the SP's entity ID and ACS URL typed; ends on step 3 (IdP application). */
async function walkToIdpApp(session, { idpProfile, spProfile, spEntityId, acsUrl }) {
  await waitForTitle(session, "Providers");
  await choose(session, "idp_profile", idpProfile);
  await choose(session, "sp_profile", spProfile);
  await next(session);
  await waitForTitle(session, "Service provider values");
  await fill(session, "sp_entity_id", spEntityId);
  await fill(session, "acs_url", acsUrl);
  await next(session);
  await waitForTitle(session, "IdP application");
}

/** Step 7: the test report's class ("passed"/"failed"), or null while there is none. */
async function reportState(session) {
  const reports = await session.findAll("[data-testid=test-report]");
  if (reports.length === 0) return null;
  return reports[0].attribute("class");
}

/**
 * Sizes the main window so that the page gets exactly `width` x `height` CSS pixels (window.innerWidth/innerHeight):
 * the window rect is the outer size, so any frame a window manager adds is measured and added. Returns the page's size.
 */
async function setViewport(session, width, height) {
  const inner = () => session.execute("return [window.innerWidth, window.innerHeight]");
  await session.cmd("POST", "/window/rect", { width, height });
  let [w, h] = await inner();
  if (w !== width || h !== height) {
    const rect = await session.cmd("GET", "/window/rect");
    await session.cmd("POST", "/window/rect", { width: rect.width + width - w, height: rect.height + height - h });
  }
  return session.waitFor(`the page at ${width}x${height}`, async () => {
    [w, h] = await inner();
    return w === width && h === height ? { width: w, height: h } : null;
  });
}

// The demo journey: a self-hosted Infisical paired with the built-in demo IdP, walked by the journey and layout tests.
const DEMO_JOURNEY = {
  site: "https://infisical.example.com",
  user: "Ada.Lovelace@Example.com",
  password: "demo-password",
};

async function usableCertificate(session) {
  await session.waitFor("the certificate judged usable", async () => (await session.findAll("[data-testid=certificate-verdict].usable")).length > 0);
}

/**
 * Steps 1-6 of the demo journey from an empty state: the demo IdP preselected, Infisical (self-hosted) chosen,
 * SITE_URL and the ACS URL, steps 3-5 filled by the demo IdP, a real group grant and the test user. `atStep(name)`
 * runs on each page once it is filled, before Next ("01-providers" ... "06-assign-users"). `site` is SITE_URL: the
 * keychain keeps AUTH_SECRET per SITE_URL, so a test that generates its own uses its own. Returns the demo IdP's
 * certificate (step 5).
 */
async function walkDemoToTestLogin(session, atStep = async () => {}, site = DEMO_JOURNEY.site) {
  // 1. Providers: the demo IdP preselected; Infisical (self-hosted) chosen.
  await waitForTitle(session, "Providers");
  await session.waitFor("the demo IdP preselected", async () =>
    (await session.find('[data-field="idp_profile"] input[value="demo"]')).property("checked"),
  );
  // Below the fold a WebDriver click can land on the sticky footer under Xvfb, so the radio is clicked from the page.
  await session.execute(`document.querySelector(arguments[0]).scrollIntoView({ block: "center" })`, ['[data-field="sp_profile"]']);
  await session.execute(`document.querySelector(arguments[0]).click()`, ['[data-field="sp_profile"] input[value="infisical-self-hosted"]']);
  await waitNextEnabled(session, true);
  await atStep("01-providers");
  await next(session);

  // 2. Service provider values: SITE_URL fills the SP entity ID.
  await waitForTitle(session, "Service provider values");
  await fill(session, "site_url", site);
  await fill(session, "acs_url", `${site}/api/v1/sso/saml2/org-e2e-journey`);
  await session.waitFor("the SP Entity ID from SITE_URL", async () => (await inputValue(session, "sp_entity_id")) === site);
  await waitNextEnabled(session, true);
  await atStep("02-sp-values");
  await next(session);

  // 3-5 are filled by the demo IdP: its application, the default attribute map, its certificate.
  await waitForTitle(session, "IdP application");
  await atStep("03-idp-application");
  await next(session);
  await waitForTitle(session, "Attributes");
  await atStep("04-attributes");
  await next(session);
  await waitForTitle(session, "Certificate");
  await usableCertificate(session);
  const certificate = await inputValue(session, "idp_certificate");
  assert.match(certificate, /BEGIN CERTIFICATE/);
  await atStep("05-certificate");
  await next(session);

  // 6. Assign users: a real grant in the demo directory; the demo user does the test login.
  await waitForTitle(session, "Assign users");
  assert.equal((await nextState(session)).enabled, false, "nobody has access before a grant");
  await (await session.find('[data-group="Engineering"] input')).click();
  await session.execute(`document.querySelector(arguments[0]).scrollIntoView({ block: "center" })`, ['[data-field="test_user"]']);
  await (await session.find(`[data-field="test_user"] input[value="${DEMO_JOURNEY.user}"]`)).click();
  await waitNextEnabled(session, true);
  await atStep("06-assign-users");
  await next(session);
  return certificate;
}

/**
 * Step 7 of the demo journey: a login-window test login as the demo user that passes and becomes the evidence, then
 * the login window closed and Next. `atStep` runs before the login ("07-test-login-start") and on the report
 * ("07-test-login"); `loginShot` names a screenshot of the login window's form.
 */
async function passDemoTestLogin(session, main, atStep = async () => {}, loginShot = null) {
  await waitForTitle(session, "Test login");
  assert.match(await stepStatus(session, "enforce"), /\blocked\b/, "Enforce is locked before any test login");
  await atStep("07-test-login-start");
  await signInInLoginWindow(session, main, DEMO_JOURNEY.user, DEMO_JOURNEY.password, loginShot);
  // Generous: the first test login of a run makes the test SP's keys in the keychain, and CI's 2 cores may be busy.
  const cls = await session.waitFor("the test report", () => reportState(session), 60_000);
  assert.match(cls, /passed/);
  assert.deepEqual(await session.findAll('[data-check][data-ok="false"]'), [], "no check failed");
  assert.match(await (await session.find("[data-testid=evidence-note]")).text(), /Recorded as evidence/);
  await atStep("07-test-login");
  await (await session.find("[data-testid=login-stop]")).click();
  await session.waitFor("the login window closed", async () => (await handles(session)).length === 1, 10_000);
  await next(session);
}

/** Step 8 of the demo journey: AUTH_SECRET generated into the keychain (returned), SSO switched on, `atStep("08-enable")`, Next. */
async function enableWithNewSecret(session, atStep = async () => {}) {
  await waitForTitle(session, "Enable");
  await (await buttonNamed(session, "Generate AUTH_SECRET")).click();
  await (await buttonNamed(session, "Show")).click();
  const secret = await session.waitFor("the AUTH_SECRET shown", async () => {
    const text = (await (await session.find(".secret output")).text()).trim();
    return /^[A-Za-z0-9+/]{43}=$/.test(text) ? text : null;
  });
  await (await buttonNamed(session, "Hide")).click();
  await tick(session, "sso_enabled");
  await waitNextEnabled(session, true);
  await atStep("08-enable");
  await next(session);
  return secret;
}

/** Step 9, unlocked: the understood box, the confirmation word, the record button; waits for the summary. */
async function confirmEnforcement(session, sp = "Infisical") {
  const record = `Record SSO as enforced in ${sp}`;
  const button = await buttonNamed(session, record);
  assert.equal(await button.enabled(), false, "nothing is recorded before the confirmation");
  await tick(session, "enforce_understood");
  const word = await (await session.find('[data-field="enforce_confirm"] input')).attribute("placeholder");
  await fill(session, "enforce_confirm", word);
  await session.waitFor("the record button enabled", async () => (await buttonNamed(session, record)).enabled());
  await (await buttonNamed(session, record)).click();
  await session.waitFor("the summary", async () => /SAML SSO is enforced in/.test(await (await session.find("main.content")).text()));
}

before(() => {
  preconditions();
  mkdirSync(ARTIFACTS, { recursive: true });
});

after(() => {
  driver?.stop();
});

export {
  appPids,
  buttonNamed,
  choose,
  confirmEnforcement,
  DEMO_JOURNEY,
  enableWithNewSecret,
  filesUnder,
  fill,
  goTo,
  handles,
  inputValue,
  launch,
  next,
  nextState,
  pageText,
  passDemoTestLogin,
  paste,
  profile,
  quit,
  reportState,
  setViewport,
  shot,
  signInInLoginWindow,
  stepStatus,
  switchTo,
  tick,
  title,
  usableCertificate,
  waitForTitle,
  waitNextEnabled,
  walkDemoToTestLogin,
  walkToIdpApp,
  withDriver,
  Keys,
};
