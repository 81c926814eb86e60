// End to end, the layout at the app's minimum window size (1024x700, tauri.conf's minWidth/minHeight): the demo
// journey walked from an empty state to the summary with the page exactly 1024x700 CSS pixels, and on every step:
// no sideways scrolling, every visible button and tick box reachable (scrolled into view it is inside the viewport
// and nothing covers its centre), no text field squeezed narrower than a sane width or sticking out of the view, and
// no text cut off by a box too small for it. Then the same checks once in the dark theme (GTK's dark variant, which
// WebKitGTK reports as prefers-color-scheme: dark). Screenshots: test-artifacts/e2e/layout-1024x700-NN-*.png.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  confirmEnforcement,
  enableWithNewSecret,
  handles,
  launch,
  passDemoTestLogin,
  profile,
  quit,
  setViewport,
  shot,
  waitForTitle,
  walkDemoToTestLogin,
  withDriver,
} from "./harness.mjs";

// Its own SITE_URL, so its AUTH_SECRET is not the one the journey test already put in the same keychain.
const SITE = "https://layout.infisical.example.com";
const WIDTH = 1024;
const HEIGHT = 700;
// The narrowest a text field may get: an attribute name in step 4's three-column table still shows ~20 characters.
// (Fields must also show the whole of the journey's values, checked separately.)
const MIN_FIELD_WIDTH = 160;

/**
 * The layout's problems on the page as it is now, in words (an empty list when there are none). `required` are
 * selectors of the step's main actions, which must be there (so a step whose action vanished does not pass unseen).
 */
async function layoutProblems(session, required) {
  return session.execute(
    `const [required, minField] = arguments;
     const problems = [];
     const vw = window.innerWidth, vh = window.innerHeight;
     const describe = (el) => {
       const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().replace(/\\s+/g, " ").slice(0, 40);
       return el.tagName.toLowerCase() + (el.dataset.testid ? "[data-testid=" + el.dataset.testid + "]" : "") +
         (el.name ? "[name=" + el.name + "]" : "") + (el.type === "radio" ? "[value=" + el.value + "]" : "") +
         (text && el.type !== "checkbox" ? ' "' + text + '"' : "");
     };
     // Shown: laid out, not hidden, and not inside a closed panel (WebKit still gives those a box).
     const visible = (el) => {
       if (el.getClientRects().length === 0 || getComputedStyle(el).visibility === "hidden") return false;
       const panel = el.closest("details");
       return !panel || panel.open || (el.closest("summary")?.parentElement === panel);
     };

     for (const el of [document.documentElement, document.body, document.querySelector("main.content"), document.querySelector("aside.sidebar")]) {
       if (el && el.scrollWidth > el.clientWidth) {
         problems.push(describe(el).split(" ")[0] + " scrolls sideways: " + el.scrollWidth + "px of content in " + el.clientWidth + "px");
       }
     }
     const doc = document.documentElement;
     if (doc.scrollHeight > doc.clientHeight) {
       problems.push("the whole window scrolls up and down: " + doc.scrollHeight + "px of page in " + doc.clientHeight + "px (something sticks out below the app)");
     }
     for (const selector of required) {
       if (!document.querySelector(selector)) problems.push("the main action " + selector + " is missing");
     }

     // Every control the admin must reach: scrolled to the middle of the view, it is inside it and on top.
     const controls = [...document.querySelectorAll("main.content button, main.content input[type=checkbox], main.content input[type=radio], aside.sidebar button")].filter(visible);
     for (const el of controls) {
       el.scrollIntoView({ block: "center", inline: "nearest" });
       const r = el.getBoundingClientRect();
       if (r.left < 0 || r.top < 0 || r.right > vw || r.bottom > vh) {
         problems.push(describe(el) + " is outside the view when scrolled to: " + [r.left, r.top, r.right, r.bottom].map(Math.round).join(","));
         continue;
       }
       const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
       const label = el.closest("label");
       if (!hit || !(el === hit || el.contains(hit) || (label && label.contains(hit)))) {
         problems.push(describe(el) + " is covered by " + (hit ? describe(hit) : "nothing (outside the page)"));
       }
     }

     // A tick box on the first line of its label's text, not pushed onto a line of its own.
     for (const label of [...document.querySelectorAll("main.content label")].filter(visible)) {
       const box = label.querySelector("input[type=checkbox], input[type=radio]");
       const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT, { acceptNode: (n) => n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP });
       const text = walker.nextNode();
       if (!box || !text || !visible(box)) continue;
       const range = document.createRange();
       range.selectNodeContents(text);
       const first = range.getClientRects()[0];
       const b = box.getBoundingClientRect();
       if (first && b.bottom <= first.top) problems.push(describe(box) + " sits on a line of its own above its label " + JSON.stringify(text.textContent.trim().slice(0, 30)));
     }

     // Text fields wide enough to read what is typed, and inside the view.
     const fields = [...document.querySelectorAll("main.content input:not([type=checkbox]):not([type=radio]):not([type=hidden]), main.content textarea")].filter(visible);
     for (const el of fields) {
       const r = el.getBoundingClientRect();
       if (r.width < minField) problems.push(describe(el) + " is only " + Math.round(r.width) + "px wide");
       if (el.tagName === "INPUT" && el.scrollWidth > el.clientWidth + 1) {
         problems.push(describe(el) + " shows only part of its value: " + el.scrollWidth + "px of text in " + el.clientWidth + "px");
       }
       if (r.right > vw) problems.push(describe(el) + " sticks out of the view to " + Math.round(r.right) + "px");
     }

     // A certificate's lines (64 characters of base64) whole in its text area, not broken in two.
     for (const el of [...document.querySelectorAll('[data-field="idp_certificate"] textarea')].filter(visible)) {
       const style = getComputedStyle(el);
       const ctx = document.createElement("canvas").getContext("2d");
       ctx.font = style.fontSize + " " + style.fontFamily;
       const longest = Math.max(...el.value.split("\\n").map((line) => ctx.measureText(line).width));
       const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
       if (longest > room) problems.push("the certificate's lines wrap: " + Math.round(longest) + "px of line in " + Math.round(room) + "px");
     }

     // Text cut off: a box that hides what does not fit in it (boxes that scroll, like certificates, are fine).
     for (const el of document.querySelectorAll("main.content *, aside.sidebar *")) {
       if (!visible(el) || el.clientWidth <= 1) continue;
       const style = getComputedStyle(el);
       const hides = (o) => o === "hidden" || o === "clip";
       if (hides(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
         problems.push(describe(el) + " cuts off its text: " + el.scrollWidth + "px in " + el.clientWidth + "px");
       }
       if (hides(style.overflowY) && el.scrollHeight > el.clientHeight + 1 && el.clientHeight > 1) {
         problems.push(describe(el) + " cuts off its text: " + el.scrollHeight + "px high in " + el.clientHeight + "px");
       }
     }
     for (const el of [doc, document.querySelector("main.content"), document.querySelector("aside.sidebar")]) el.scrollTop = 0;
     return problems;`,
    [required, MIN_FIELD_WIDTH],
  );
}

// The main actions of each step beside Back and Next, by the name the walk gives the step.
const MAIN_ACTIONS = {
  "01-providers": ['[data-field="idp_profile"] input', '[data-field="sp_profile"] input'],
  "02-sp-values": ['[data-field="site_url"] input', '[data-field="acs_url"] input'],
  "05-certificate": ['[data-field="idp_certificate"] textarea'],
  "06-assign-users": ["[data-group] input", '[data-field="test_user"] input'],
  "07-test-login-start": ["[data-testid=start-login_window]"],
  "07-test-login": ["[data-testid=test-report]", "[data-testid=login-stop]"],
  "08-enable": ['[data-field="sso_enabled"] input'],
  "09-enforce": ['[data-field="enforce_understood"] input', '[data-field="enforce_confirm"] input'],
};
const NAV = ["[data-testid=next]", "form.page footer.nav button.secondary"];

/** Checks the page at 1024x700 and saves its screenshot; the problems of every step are reported together. */
function checker(session, found, prefix = "layout-1024x700") {
  return async (name) => {
    const required = ["10-summary", "reopened"].includes(name) ? [] : [...NAV, ...(MAIN_ACTIONS[name] ?? [])];
    for (const problem of await layoutProblems(session, required)) found.push(`${name}: ${problem}`);
    await shot(session, `${prefix}-${name}`);
  };
}

test("every step works at the minimum window size, 1024x700: nothing scrolls sideways, is covered, squeezed or cut off", async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "no session bus, so no keychain for the demo IdP: run under scripts/with-keyring.sh");
  const dirs = profile("layout");
  const found = [];
  await withDriver(dirs, async () => {
    const session = await launch();
    const [main] = await handles(session);
    assert.deepEqual(await setViewport(session, WIDTH, HEIGHT), { width: WIDTH, height: HEIGHT });
    const check = checker(session, found);

    await walkDemoToTestLogin(session, check, SITE);
    await passDemoTestLogin(session, main, check);
    // The window is still the minimum size after the login window came and went.
    assert.deepEqual(await session.execute("return [window.innerWidth, window.innerHeight]"), [WIDTH, HEIGHT]);
    await enableWithNewSecret(session, check);
    await waitForTitle(session, "Enforce");
    await check("09-enforce");
    await confirmEnforcement(session);
    await check("10-summary");
    await quit(session, dirs);
  });

  // The dark theme, once, on the page the same profile reopens on.
  const dark = [];
  await withDriver(
    dirs,
    async () => {
      const session = await launch();
      await setViewport(session, WIDTH, HEIGHT);
      const isDark = await session.execute('return matchMedia("(prefers-color-scheme: dark)").matches');
      assert.ok(isDark, "GTK_THEME=Adwaita:dark should make WebKitGTK report prefers-color-scheme: dark");
      await checker(session, dark, "layout-1024x700-dark")("reopened");
      await quit(session, dirs);
    },
    { GTK_THEME: "Adwaita:dark" },
  );

  assert.deepEqual([...found, ...dark.map((p) => `dark ${p}`)], [], "layout problems at 1024x700");
});
