// The whole demo journey with the keyboard only: Tab and Shift+Tab to move, arrow keys in radio groups, Space on
// checkboxes, Enter on buttons and in fields, Escape to close an open panel; every element the focus lands on shows
// it (:focus-visible draws an outline). Keys go through the W3C actions API, as a keyboard's would; WebDriver only
// reads the page (and switches to the login window the app opens, as a person would with the window manager).

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEMO_JOURNEY,
  handles,
  inputValue,
  launch,
  nextState,
  profile,
  quit,
  reportState,
  shot,
  stepStatus,
  switchTo,
  usableCertificate,
  waitForTitle,
  waitNextEnabled,
  withDriver,
} from "./harness.mjs";
import { focused, Key, press, tabTo, typeKeys } from "./a11y.mjs";

const SITE = "https://keyboard.infisical.example.com";
const NEXT = "[data-testid=next]";

test("the whole demo journey with the keyboard only, with a visible focus everywhere", async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "no session bus: run under scripts/with-keyring.sh");
  const dirs = profile("a11y-keyboard");
  const invisible = [];
  const tab = (session, selector, options = {}) => tabTo(session, selector, { invisible, ...options });

  await withDriver(dirs, async () => {
    const session = await launch();
    const [main] = await handles(session);

    // 1. Providers: the demo IdP is preselected; arrow keys choose Infisical (self-hosted) in the SP group.
    await waitForTitle(session, "Providers");
    await tab(session, '[data-field="sp_profile"] input[type=radio]');
    const chosen = () => session.execute(`return document.querySelector('[data-field="sp_profile"] input:checked')?.value ?? null`);
    for (let i = 0; i < 4 && (await chosen()) !== "infisical-self-hosted"; i++) await press(session, [Key.DOWN]);
    assert.equal(await chosen(), "infisical-self-hosted", "the arrow keys chose in the radio group");
    const radio = await focused(session, '[data-field="sp_profile"] input[value="infisical-self-hosted"]');
    assert.ok(radio.matches && radio.visible, `the chosen radio has the focus and shows it: ${JSON.stringify(radio)} (${invisible})`);
    await waitNextEnabled(session, true);
    await tab(session, NEXT);
    await press(session, [Key.ENTER]);

    // 2. SP values: the focus starts in the first field; Enter in a field is Next. Shift+Tab goes back a field.
    await waitForTitle(session, "Service provider values");
    if (!(await focused(session, '[data-field="site_url"] input')).matches) await tab(session, '[data-field="site_url"] input');
    await typeKeys(session, SITE);
    await tab(session, '[data-field="acs_url"] input');
    await typeKeys(session, `${SITE}/api/v1/sso/saml2/org-keyboard`);
    await tab(session, '[data-field="site_url"] input', { back: true });
    assert.equal(await inputValue(session, "site_url"), SITE);
    await session.waitFor("the SP Entity ID from SITE_URL", async () => (await inputValue(session, "sp_entity_id")) === SITE);
    await waitNextEnabled(session, true);
    await press(session, [Key.ENTER]);

    // 3-5: filled by the demo IdP; Next with Enter, then Space, then Enter.
    await waitForTitle(session, "IdP application");
    await tab(session, NEXT);
    await press(session, [Key.ENTER]);
    await waitForTitle(session, "Attributes");
    await tab(session, NEXT);
    await press(session, [Key.SPACE]);
    await waitForTitle(session, "Certificate");
    await usableCertificate(session);
    // The certificate's text scrolls in its box: the keyboard reaches it.
    await tab(session, NEXT);
    await press(session, [Key.ENTER]);

    // 6. Assign users: Space grants a group; arrow keys choose the test user.
    await waitForTitle(session, "Assign users");
    await tab(session, '[data-group="Engineering"] input');
    await press(session, [Key.SPACE]);
    await session.waitFor("Engineering granted", async () =>
      session.execute(`return document.querySelector('[data-group="Engineering"] input').checked`),
    );
    await tab(session, '[data-field="test_user"] input[type=radio]');
    const user = () => session.execute(`return document.querySelector('[data-field="test_user"] input:checked')?.value ?? null`);
    const options = await session.execute(`return document.querySelectorAll('[data-field="test_user"] input').length`);
    // Tab lands on the first radio of a group with none chosen: Space chooses it, Down the next one.
    if ((await session.execute("return document.activeElement.value")) === DEMO_JOURNEY.user) await press(session, [Key.SPACE]);
    for (let i = 0; i <= options && (await user()) !== DEMO_JOURNEY.user; i++) await press(session, [Key.DOWN]);
    assert.equal(await user(), DEMO_JOURNEY.user, "the arrow keys chose the test user");
    await waitNextEnabled(session, true);
    await tab(session, NEXT);
    await press(session, [Key.ENTER]);

    // 7. Test login: Enter opens the login window; the demo IdP's form is filled and sent with the keyboard there.
    await waitForTitle(session, "Test login");
    await tab(session, "[data-testid=start-login_window]");
    await press(session, [Key.ENTER]);
    const login = await session.waitFor("the login window", async () => (await handles(session)).find((h) => h !== main), 20_000);
    await switchTo(session, login);
    await session.find("input[name=email]", 20_000);
    if (!(await focused(session, "input[name=email]")).matches) await tab(session, "input[name=email]");
    await typeKeys(session, DEMO_JOURNEY.user);
    await tab(session, "input[name=password]");
    await typeKeys(session, DEMO_JOURNEY.password);
    await press(session, [Key.ENTER]);
    await switchTo(session, main);
    assert.match(await session.waitFor("the test report", () => reportState(session), 30_000), /passed/);
    // The login window keeps the system's focus until it closes (a person would switch back with the window
    // manager, which Xvfb has not): the page draws no focus ring meanwhile, so that is not counted against it.
    await tab(session, "[data-testid=login-stop]", { otherWindow: true });
    await press(session, [Key.ENTER]);
    await session.waitFor("the login window closed", async () => (await handles(session)).length === 1, 10_000);
    // The main window has the system's focus again once the login window is gone.
    await session.waitFor("the main window focused", () => session.execute("return document.hasFocus()"), 5000);
    // Escape closes the open panel the focus is in and leaves the focus on its summary.
    await tab(session, "details.decoded summary");
    await press(session, [Key.ENTER]);
    await session.waitFor("the decoded response open", () => session.execute(`return document.querySelector("details.decoded").open`));
    await tab(session, "details.decoded pre");
    await press(session, [Key.ESCAPE]);
    await session.waitFor("the decoded response closed", async () => !(await session.execute(`return document.querySelector("details.decoded").open`)));
    assert.ok((await focused(session, "details.decoded summary")).matches, "the focus is back on the panel's summary");
    await shot(session, "keyboard-07-test-login");
    await tab(session, NEXT);
    await press(session, [Key.ENTER]);

    // 8. Enable: Enter generates AUTH_SECRET, Space ticks the box.
    await waitForTitle(session, "Enable");
    await tab(session, "button", { text: "Generate AUTH_SECRET" });
    await press(session, [Key.ENTER]);
    await session.waitFor("AUTH_SECRET generated", async () => (await session.findAll(".secret output")).length > 0);
    await tab(session, '[data-field="sso_enabled"] input[type=checkbox]');
    await press(session, [Key.SPACE]);
    await waitNextEnabled(session, true);
    await tab(session, NEXT);
    await press(session, [Key.ENTER]);

    // 9. Enforce: Space on "I understand", the confirmation word typed, Enter on the record button.
    await waitForTitle(session, "Enforce");
    await tab(session, '[data-field="enforce_understood"] input[type=checkbox]');
    await press(session, [Key.SPACE]);
    await tab(session, '[data-field="enforce_confirm"] input');
    const word = await (await session.find('[data-field="enforce_confirm"] input')).attribute("placeholder");
    await typeKeys(session, word);
    const record = "Record SSO as enforced in Infisical";
    await session.waitFor("the record button enabled", () =>
      session.execute(
        `return [...document.querySelectorAll("button")].some((b) => b.textContent.trim() === arguments[0] && !b.disabled)`,
        [record],
      ),
    );
    await tab(session, "button", { text: record });
    await press(session, [Key.ENTER]);
    await session.waitFor("the summary", async () => /SAML SSO is enforced in/.test(await (await session.find("main.content")).text()));
    assert.match(await stepStatus(session, "enforce"), /\bcomplete\b/);
    assert.equal((await nextState(session)).enabled, false, "the journey is over");

    // The step list is reached with Shift+Tab and walked with the keyboard too.
    await tab(session, '[data-step="providers"] button', { back: true, max: 80 });
    await press(session, [Key.ENTER]);
    await waitForTitle(session, "Providers");
    await shot(session, "keyboard-10-back-to-providers");
    await quit(session, dirs);
  });

  assert.deepEqual(invisible, [], "elements that took the focus without showing it");
});
