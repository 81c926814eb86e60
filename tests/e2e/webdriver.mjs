// A small WebDriver (W3C) client over Node's fetch: just what the end-to-end tests use. No dependencies.

import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
export const Keys = { ENTER: "\uE007", CONTROL: "\uE009", BACKSPACE: "\uE003" };

export class WebDriverError extends Error {
  constructor(method, path, status, value) {
    super(`WebDriver ${method} ${path} failed (${status}): ${value?.error ?? ""} ${value?.message ?? JSON.stringify(value)}`);
    this.value = value;
  }
}

async function call(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(method, path, response.status, { message: text.slice(0, 500) });
  }
  if (!response.ok || (json.value && json.value.error)) {
    throw new WebDriverError(method, path, response.status, json.value);
  }
  return json.value;
}

/** Starts tauri-driver (which starts WebKitWebDriver) and waits until it answers. */
export async function startDriver({ port = 4444, env = process.env, log } = {}) {
  // tauri-driver's WebKitWebDriver listens on --native-port (4445 by default): give it its own port so the two can
  // never collide (a collision hangs the first session silently).
  const child = spawn("tauri-driver", ["--port", String(port), "--native-port", String(port + 1000)], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stopping it also stops the WebKitWebDriver it started (an orphan would keep our
    // pipes open and the test runner alive).
    detached: true,
  });
  let exited = null;
  child.on("exit", (code, signal) => (exited = { code, signal }));
  child.on("error", (error) => (exited = { error }));
  child.stdout.on("data", (d) => log?.(d.toString()));
  child.stderr.on("data", (d) => log?.(d.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (exited) {
      throw new Error(
        `tauri-driver did not start (${JSON.stringify(exited)}). Is it installed? Run scripts/setup.sh (it installs tauri-driver and webkit2gtk-driver).`,
      );
    }
    try {
      await fetch(base + "/status");
      return { base, child, stop: () => stopChild(child) };
    } catch {
      await sleep(100);
    }
  }
  stopChild(child);
  throw new Error("tauri-driver did not answer on port " + port + " within 10 s");
}

function stopChild(child) {
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // Already gone.
  }
  child.stdout?.destroy();
  child.stderr?.destroy();
  child.unref();
}

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async create(base, application, args = []) {
    const value = await call(base, "POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application, args } } },
    });
    return new Session(base, value.sessionId);
  }

  cmd(method, path, body) {
    return call(this.base, method, `/session/${this.id}${path}`, body);
  }

  async delete() {
    await this.cmd("DELETE", "");
  }

  /** Finds one element by CSS selector, waiting up to `timeout` ms for it to appear. */
  async find(selector, timeout = 10_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      try {
        const value = await this.cmd("POST", "/element", { using: "css selector", value: selector });
        return new Element(this, value[ELEMENT]);
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`no element matches ${selector} after ${timeout} ms: ${error.message}`);
        await sleep(100);
      }
    }
  }

  async findAll(selector) {
    const values = await this.cmd("POST", "/elements", { using: "css selector", value: selector });
    return values.map((v) => new Element(this, v[ELEMENT]));
  }

  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  async screenshot() {
    return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
  }

  /** Polls `check` until it returns a truthy value (returned) or the time is up (throws with `what`). */
  async waitFor(what, check, timeout = 10_000) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        last = await check();
        if (last) return last;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last})`);
      await sleep(100);
    }
  }
}

export class Element {
  constructor(session, id) {
    this.session = session;
    this.id = id;
  }
  cmd(method, path, body) {
    return this.session.cmd(method, `/element/${this.id}${path}`, body);
  }
  /** Scrolls the element to the middle of the view first: at the edge, the sticky footer would take the click. */
  async click() {
    await this.session.execute("arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})", [
      { [ELEMENT]: this.id },
    ]);
    return this.cmd("POST", "/click", {});
  }
  clear() {
    return this.cmd("POST", "/clear", {});
  }
  type(text) {
    return this.cmd("POST", "/value", { text });
  }
  text() {
    return this.cmd("GET", "/text");
  }
  property(name) {
    return this.cmd("GET", `/property/${name}`);
  }
  attribute(name) {
    return this.cmd("GET", `/attribute/${name}`);
  }
  enabled() {
    return this.cmd("GET", "/enabled");
  }
}
