// End to end: the real app (target/debug/ssopilot-app, serving its bundled UI) driven through tauri-driver and
// WebKitWebDriver under Xvfb. Run by scripts/test.sh; alone (after building ui/ and the app):
//   xvfb-run -a node --test tests/e2e/
// Screenshots of each step go to test-artifacts/e2e/.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import {
  appPids,
  choose,
  fill,
  inputValue,
  Keys,
  launch,
  next,
  nextState,
  profile,
  quit,
  shot,
  stepStatus,
  tick,
  waitForTitle,
  waitNextEnabled,
  withDriver,
} from "./harness.mjs";

const SP_ENTITY_ID = "https://app.infisical.com";
const ACS_URL = "https://app.infisical.com/api/v1/sso/saml2/8d1f0c2e-e2e0-4c1b-9a57-3f0e2b6c7d11";
const BAD_ACS_URL = "http://app.infisical.com/api/v1/sso/saml2/8d1f0c2e-e2e0-4c1b-9a57-3f0e2b6c7d11";
const IDP_URL = "https://sso.jumpcloud.com/saml2/infisical-e2e";

async function fillProviders(session) {
  await waitForTitle(session, "Providers");
  await choose(session, "idp_profile", "jumpcloud");
  await choose(session, "sp_profile", "infisical");
}

test("steps 1 to 4 with real input; a bad ACS URL blocks Next with the core's message; progress survives a restart", async () => {
  const dirs = profile("journey");
  await withDriver(dirs, async () => {
    let session = await launch();
    await shot(session, "01-providers-empty");
    const empty = await nextState(session);
    assert.equal(empty.enabled, false, "Next is disabled before any provider is chosen");
    assert.ok(empty.reason, "the core says why Next is disabled");

    await fillProviders(session);
    await shot(session, "01-providers");
    await next(session);

    // Step 2: an http ACS URL (not loopback) is refused as it is typed.
    await waitForTitle(session, "Service provider values");
    await fill(session, "sp_entity_id", SP_ENTITY_ID);
    const acs = await fill(session, "acs_url", BAD_ACS_URL);
    // Next was already disabled (the field was empty): wait for the core's verdict on what was typed.
    const blocked = await session.waitFor("Next disabled because of the http ACS URL", async () => {
      const state = await nextState(session);
      return !state.enabled && /https/i.test(state.reason ?? "") ? state : null;
    });
    const fieldError = await (await session.find('[data-field="acs_url"] .error-text')).text();
    assert.match(blocked.reason ?? "", /https/i, `the reason beside Next explains the ACS URL problem: ${blocked.reason}`);
    assert.match(fieldError, /https/i, `the field shows the core's message: ${fieldError}`);
    assert.equal(await inputValue(session, "acs_url"), BAD_ACS_URL, "what was typed stays in the field");
    await shot(session, "02-sp-values-invalid-acs-url");
    // Enter does not move on while Next is disabled.
    await acs.type(Keys.ENTER);
    await new Promise((r) => setTimeout(r, 500));
    await waitForTitle(session, "Service provider values");

    // Fix it: Next becomes enabled, and Enter moves on.
    await fill(session, "acs_url", ACS_URL);
    await waitNextEnabled(session, true);
    assert.equal(await session.findAll('[data-field="acs_url"] .error-text').then((e) => e.length), 0);
    await shot(session, "02-sp-values");
    await (await session.find('[data-field="acs_url"] input')).type(Keys.ENTER);

    // Step 3: the IdP application, in JumpCloud's words.
    await waitForTitle(session, "IdP application");
    await fill(session, "idp_entity_id", SP_ENTITY_ID);
    await tick(session, "sign_assertion");
    await fill(session, "idp_sso_url", IDP_URL);
    const values = await session.findAll(".value-text");
    const shown = await Promise.all(values.map((v) => v.text()));
    assert.ok(shown.includes(ACS_URL), `step 3 shows the ACS URL from step 2 to copy: ${shown}`);
    assert.ok(shown.includes(SP_ENTITY_ID), `step 3 shows the SP entity ID from step 2 to copy: ${shown}`);
    await shot(session, "03-idp-app");
    await next(session);

    // Step 4: the default map for Infisical on JumpCloud.
    await waitForTitle(session, "Attributes");
    const cells = await session.findAll(".attribute-map input[data-attribute]");
    const map = await Promise.all(cells.map((c) => c.property("value")));
    assert.deepEqual(map, ["email", "email", "firstName", "firstname", "lastName", "lastname"]);
    await shot(session, "04-attributes");
    await next(session);
    await waitForTitle(session, "Certificate");
    await shot(session, "05-certificate");

    for (const step of ["providers", "sp_values", "idp_app", "attributes"]) {
      assert.match(await stepStatus(session, step), /\bcomplete\b/, `step ${step} is complete`);
    }

    // Quit, start again with the same data directory: the wizard resumes where it was, values intact.
    await quit(session, dirs);
    session = await launch();
    await waitForTitle(session, "Certificate");
    for (const step of ["providers", "sp_values", "idp_app", "attributes"]) {
      assert.match(await stepStatus(session, step), /\bcomplete\b/, `after a restart, step ${step} is still complete`);
    }
    await (await session.find('[data-step="sp_values"] button')).click();
    await waitForTitle(session, "Service provider values");
    assert.equal(await inputValue(session, "acs_url"), ACS_URL);
    assert.equal(await inputValue(session, "sp_entity_id"), SP_ENTITY_ID);
    await shot(session, "06-restored");
    await quit(session, dirs);
  });
});

test("kill -9 after a step was saved loses nothing saved", async () => {
  const dirs = profile("kill");
  await withDriver(dirs, async () => {
    let session = await launch();
    await fillProviders(session);
    await next(session);
    await waitForTitle(session, "Service provider values");
    await fill(session, "sp_entity_id", SP_ENTITY_ID);
    await fill(session, "acs_url", ACS_URL);
    await waitNextEnabled(session, true); // the core has judged (and saved) both values

    const pids = appPids(dirs.data);
    assert.equal(pids.length, 1, `exactly one app process runs with this data directory: ${pids}`);
    process.kill(pids[0], "SIGKILL");
    await session.delete().catch(() => {
      // The browser is gone; the driver may say so.
    });
    assert.ok(existsSync(dirs.data) && readdirSync(dirs.data).length > 0, "the state file is on disk");

    session = await launch();
    await waitForTitle(session, "Service provider values");
    assert.equal(await inputValue(session, "acs_url"), ACS_URL);
    assert.equal(await inputValue(session, "sp_entity_id"), SP_ENTITY_ID);
    assert.match(await stepStatus(session, "providers"), /\bcomplete\b/);
    await shot(session, "07-after-kill-9");
    await quit(session, dirs);
  });
});

test("a fresh start offers the built-in demo IdP first, preselected, and its metadata URL answers", async () => {
  // The app keeps the demo IdP's key in the system keychain: scripts/test.sh runs these tests inside
  // scripts/with-keyring.sh (a private gnome-keyring on a private session bus).
  assert.ok(
    process.env.DBUS_SESSION_BUS_ADDRESS,
    "no session bus, so no keychain for the demo IdP: run under scripts/with-keyring.sh (scripts/test.sh does)",
  );
  const dirs = profile("demo");
  await withDriver(dirs, async () => {
    const session = await launch();
    await waitForTitle(session, "Providers");
    const options = await session.findAll('[data-field="idp_profile"] input[type=radio]');
    assert.ok(options.length >= 5, `the IdP profiles are offered: ${options.length}`);
    assert.equal(await options[0].property("value"), "demo", "the demo IdP is the first option");
    assert.equal(await options[0].property("checked"), true, "and it is selected on a fresh start");
    const option = await session.find('[data-field="idp_profile"] [data-option="demo"]');
    const text = await option.text();
    assert.match(text, /Recommended to try SSO Pilot/, text);
    assert.equal((await session.findAll('[data-option="demo"] .option-unavailable')).length, 0, text);
    const base = /Running now at (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
    assert.ok(base, `the option says where the demo IdP runs: ${text}`);
    await shot(session, "08-demo-idp-preselected");

    const response = await fetch(`${base}/metadata`);
    assert.equal(response.status, 200);
    const metadata = await response.text();
    assert.ok(metadata.includes(`entityID="${base}/metadata"`), metadata);
    assert.ok(metadata.includes("<ds:X509Certificate>") || metadata.includes("X509Certificate>"), metadata);

    await quit(session, dirs);
  });
});
