// axe-core on every step of the demo journey, in the light and the dark theme: no serious or critical violation.
// The journey is walked once in the light theme (axe on each step as it is filled, on step 7 before and after the test
// login, and on the summary); the same profile is then reopened in the dark theme (GTK's dark variant, which
// WebKitGTK reports as prefers-color-scheme: dark) and every step is visited from the step list.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  confirmEnforcement,
  enableWithNewSecret,
  goTo,
  handles,
  launch,
  passDemoTestLogin,
  profile,
  quit,
  shot,
  waitForTitle,
  walkDemoToTestLogin,
  withDriver,
} from "./harness.mjs";
import { seriousViolations } from "./a11y.mjs";

const STEPS = [
  ["providers", "Providers"],
  ["sp_values", "Service provider values"],
  ["idp_app", "IdP application"],
  ["attributes", "Attributes"],
  ["certificate", "Certificate"],
  ["assign_users", "Assign users"],
  ["test_login", "Test login"],
  ["enable", "Enable"],
  ["enforce", "Enforce"],
];

test("axe-core finds no serious or critical violation on any step of the demo journey, light and dark", async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "no session bus: run under scripts/with-keyring.sh");
  const dirs = profile("a11y-axe");
  const found = [];
  const checked = [];
  const check = (session, theme) => async (name) => {
    checked.push(`${theme} ${name}`);
    for (const line of await seriousViolations(session)) found.push(`${theme} ${name}: ${line}`);
  };

  await withDriver(dirs, async () => {
    const session = await launch();
    const [main] = await handles(session);
    const light = check(session, "light");
    const isDark = await session.execute('return matchMedia("(prefers-color-scheme: dark)").matches');
    assert.equal(isDark, false, "the first run is in the light theme");
    await walkDemoToTestLogin(session, light, "https://a11y.infisical.example.com");
    await passDemoTestLogin(session, main, light);
    await enableWithNewSecret(session, light);
    await waitForTitle(session, "Enforce");
    await light("09-enforce");
    // The test login's time reads as local time, with the core's RFC 3339 in the tooltip only.
    const RFC3339 = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;
    const times = () => session.execute(`return [...document.querySelectorAll("main time")].map((t) => [t.title, t.textContent])`);
    const [[exact, shown]] = await times();
    assert.match(exact, RFC3339);
    assert.match(shown, /\d{2}:\d{2}:\d{2}.* \((just now|\d+ minutes? ago)\)$/);
    assert.doesNotMatch(await (await session.find("main.content")).text(), RFC3339);
    await confirmEnforcement(session);
    await light("09-enforced-summary");
    assert.ok((await times()).length >= 2, "the summary's times (the enforcement, the test login) are shown as times");
    assert.doesNotMatch(await (await session.find("main.content")).text(), RFC3339);
    await quit(session, dirs);
  });

  await withDriver(
    dirs,
    async () => {
      const session = await launch();
      const isDark = await session.execute('return matchMedia("(prefers-color-scheme: dark)").matches');
      assert.ok(isDark, "GTK_THEME=Adwaita:dark should make WebKitGTK report prefers-color-scheme: dark");
      const dark = check(session, "dark");
      for (const [id, title] of STEPS) {
        if ((await session.findAll(`[data-step="${id}"] button[aria-current=step]`)).length === 0) await goTo(session, id);
        await waitForTitle(session, title);
        await dark(id);
        await shot(session, `a11y-dark-${id}`);
      }
      await quit(session, dirs);
    },
    { GTK_THEME: "Adwaita:dark" },
  );

  assert.equal(checked.length, 11 + 9, `pages checked: ${checked.join(", ")}`);
  assert.deepEqual(found, [], "serious or critical accessibility violations");
});
