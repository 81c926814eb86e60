// Harness for the end-to-end tests: the real app (target/debug/ssopilot-app, serving its bundled UI) driven through tauri-driver and
// WebKitWebDriver under Xvfb. Run by scripts/test.sh; alone:
//   cargo build -p ssopilot-app && xvfb-run -a node --test tests/e2e/
// Screenshots of each step go to test-artifacts/e2e/.

import { after, before } from "node:test";

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
// SSOPILOT_E2E_PORT moves the drivers off the default when another run uses it (several worktrees on one machine).
let port = Number(process.env.SSOPILOT_E2E_PORT ?? 4444);

async function withDriver(dirs, run) {
  const env = {
    ...process.env,
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

/** Step 7: the test report's class ("passed"/"failed"), or null while there is none. */
async function reportState(session) {
  const reports = await session.findAll("[data-testid=test-report]");
  if (reports.length === 0) return null;
  return reports[0].attribute("class");
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
  filesUnder,
  fill,
  goTo,
  handles,
  inputValue,
  launch,
  next,
  nextState,
  pageText,
  paste,
  profile,
  quit,
  reportState,
  shot,
  signInInLoginWindow,
  stepStatus,
  switchTo,
  tick,
  title,
  waitForTitle,
  waitNextEnabled,
  withDriver,
  Keys,
};
