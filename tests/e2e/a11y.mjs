// Accessibility checks for the end-to-end tests: axe-core (ui/node_modules, pinned in ui/package.json) injected into
// the app's page through WebDriver, and the keyboard driven through the W3C actions API.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const AXE = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "ui", "node_modules", "axe-core", "axe.min.js");

/** WebDriver's codes for the keys the tests press. */
export const Key = {
  TAB: "\uE004",
  SHIFT: "\uE008",
  ENTER: "\uE007",
  SPACE: "\uE00D",
  ESCAPE: "\uE00C",
  LEFT: "\uE012",
  UP: "\uE013",
  RIGHT: "\uE014",
  DOWN: "\uE015",
};

let axeSource = null;

function axe() {
  if (axeSource === null) {
    if (!existsSync(AXE)) throw new Error(`axe-core is not installed (${AXE} is missing): run npm install in ui/.`);
    axeSource = readFileSync(AXE, "utf8");
  }
  return axeSource;
}

/**
 * The serious and critical axe-core violations of the page in the current window (WCAG 2.x A and AA rules and best
 * practices), one line each: "rule (impact): what, at selector".
 */
export async function seriousViolations(session) {
  // Closed panels (<details>) are opened for the check, so what they hold is checked too, then closed again.
  const opened = await session.execute(
    `const closed = [...document.querySelectorAll("details:not([open])")];
     closed.forEach((d) => { d.dataset.axeOpened = ""; d.open = true; });
     return closed.length;`,
  );
  try {
    return await axeViolations(session);
  } finally {
    if (opened > 0) await session.execute(`document.querySelectorAll("details[data-axe-opened]").forEach((d) => { d.open = false; delete d.dataset.axeOpened; })`);
  }
}

async function axeViolations(session) {
  if (!(await session.execute("return typeof window.axe === 'object'"))) {
    await session.execute(`${axe()}\nreturn typeof window.axe;`);
  }
  const result = await session.cmd("POST", "/execute/async", {
    script: `const done = arguments[arguments.length - 1];
      window.axe
        .run(document, { resultTypes: ["violations"] })
        .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.map((n) => ({ impact: n.impact, target: n.target.join(" "), summary: n.failureSummary })) }))))
        .catch((e) => done({ error: String(e) }));`,
    args: [],
  });
  if (result && result.error) throw new Error(`axe-core failed: ${result.error}`);
  const lines = [];
  for (const v of result) {
    for (const n of v.nodes) {
      const impact = n.impact ?? v.impact;
      if (impact === "serious" || impact === "critical") {
        lines.push(`${v.id} (${impact}): ${v.help}, at ${n.target}: ${(n.summary ?? "").replace(/\s+/g, " ")}`);
      }
    }
  }
  return lines;
}

/** Presses `keys` one after the other (each down then up), holding `modifier` (Key.SHIFT) if given. */
export async function press(session, keys, modifier = null) {
  const actions = [];
  if (modifier) actions.push({ type: "keyDown", value: modifier });
  for (const key of keys) actions.push({ type: "keyDown", value: key }, { type: "keyUp", value: key });
  if (modifier) actions.push({ type: "keyUp", value: modifier });
  await session.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions }] });
  await session.cmd("DELETE", "/actions");
}

/** Types `text` key by key, as a person at the keyboard would. */
export async function typeKeys(session, text) {
  await press(session, [...text]);
}

/**
 * What has the keyboard focus: a short description, whether it matches `selector`, and whether the focus is visible
 * (the app draws it as an outline: :focus-visible, and radios whose arrow-key focus WebKit does not count as such).
 */
export function focused(session, selector = "*", text = null) {
  return session.execute(
    `const el = document.activeElement;
     if (!el || el === document.body) return { what: "body", matches: false, visible: false };
     const style = getComputedStyle(el);
     const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
     const visible = outline;
     const what = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? "[name=" + el.name + "]" : "") +
       (el.value && el.type === "radio" ? "[value=" + el.value + "]" : "") +
       " " + (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 40);
     const matches = el.matches(arguments[0]) && (arguments[1] === null || el.textContent.trim() === arguments[1]);
     return { what, matches, visible, windowFocused: document.hasFocus() };`,
    [selector, text],
  );
}

/**
 * Presses Tab (Shift+Tab when `back`) until the focus is on an element matching `selector` (and whose whole text is
 * `text`, if given), at most `max` times;
 * every element passed on the way must show a visible focus (their descriptions are pushed to `invisible` if not).
 * `otherWindow`: another window of the app has the system's focus (step 7's login window; under Xvfb there is no
 * window manager to switch back with), so a page without the focus draws no focus ring, rightly: not counted then.
 */
export async function tabTo(session, selector, { text = null, back = false, max = 60, invisible = [], otherWindow = false } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await press(session, [Key.TAB], back ? Key.SHIFT : null);
    const f = await focused(session, selector, text);
    seen.push(f.what);
    if (!f.visible && !(otherWindow && !f.windowFocused)) {
      invisible.push(`${f.what}${f.windowFocused ? "" : " (window without the focus)"}`);
    }
    if (f.matches) return f;
  }
  throw new Error(`${back ? "Shift+Tab" : "Tab"} did not reach ${selector}${text === null ? "" : ` "${text}"`} in ${max} presses; it went through: ${seen.join(" | ")}`);
}
