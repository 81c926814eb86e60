// End to end, the whole journey with the built-in demo IdP and a self-hosted Infisical, from an empty state to
// enforcement confirmed, in the real app with no mocks, with a screenshot of every step in test-artifacts/e2e/
// (journey-demo-NN-*.png):
// 1-6 the demo IdP preselected, SITE_URL, real group grants; 7 a login-window test login that passes and becomes the
// evidence; 8 AUTH_SECRET generated into the keychain and SSO switched on; 9 Enforce unlocked by the evidence. Then a
// new certificate in step 5 makes the evidence stale and locks Enforce again; the old certificate back unlocks it;
// enforcement is confirmed and the summary shown. Afterwards no file the app wrote (state, logs, window state)
// holds AUTH_SECRET or the demo IdP's signing key (both read from the keychain with secret-tool).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  confirmEnforcement,
  DEMO_JOURNEY,
  enableWithNewSecret,
  filesUnder,
  goTo,
  handles,
  launch,
  pageText,
  passDemoTestLogin,
  paste,
  profile,
  quit,
  shot,
  stepStatus,
  usableCertificate,
  waitForTitle,
  walkDemoToTestLogin,
  withDriver,
} from "./harness.mjs";

const SITE = DEMO_JOURNEY.site;
const CERT_FIELD = '[data-field="idp_certificate"] textarea';

/** A certificate that is not the demo IdP's: made here with the openssl command (its key is thrown away). */
function otherCertificate() {
  return execFileSync(
    "bash",
    [
      "-c",
      'd=$(mktemp -d) && openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/k" -out "$d/c" -days 30 -subj "/CN=rotated-idp.example.com" 2>/dev/null && cat "$d/c"; rm -rf "$d"',
    ],
    { encoding: "utf8" },
  );
}

test("the whole journey with the demo IdP: from an empty state to SSO enforced, with the evidence as the key, and no secret in any file", async () => {
  assert.ok(
    process.env.DBUS_SESSION_BUS_ADDRESS,
    "no session bus, so no keychain for the demo IdP and AUTH_SECRET: run under scripts/with-keyring.sh (scripts/test.sh does)",
  );
  const dirs = profile("journey-demo");
  let secret = null;
  await withDriver(dirs, async () => {
    const session = await launch();
    const [main] = await handles(session);

    // 1-6: the demo IdP preselected, SITE_URL, steps 3-5 filled by the demo IdP, a real grant; Ada does the test login.
    const screenshot = (name) => shot(session, `journey-demo-${name}`);
    const demoCertificate = await walkDemoToTestLogin(session, screenshot);
    // 7. Test login through the login window; every check passes and the evidence is recorded.
    await passDemoTestLogin(session, main, screenshot, "journey-demo-07a-login-window");
    // 8. Enable: AUTH_SECRET into the keychain, then SSO switched on.
    secret = await enableWithNewSecret(session, screenshot);

    // 9. Enforce: unlocked by the evidence, with the tested user and certificate shown.
    await waitForTitle(session, "Enforce");
    let text = await pageText(session);
    assert.doesNotMatch(text, /Locked until/);
    assert.match(text, /Signed in as/);
    assert.ok((await session.findAll('[data-field="enforce_confirm"]')).length === 1, "the confirmation is offered");
    await shot(session, "journey-demo-09a-enforce-unlocked");

    // Another certificate in step 5: the evidence no longer counts, and Enforce is locked again.
    await goTo(session, "certificate");
    await waitForTitle(session, "Certificate");
    await paste(session, CERT_FIELD, otherCertificate());
    await usableCertificate(session);
    await session.waitFor("Enforce locked again", async () => /\blocked\b/.test(await stepStatus(session, "enforce")));
    await goTo(session, "test_login");
    await waitForTitle(session, "Test login");
    text = await pageText(session);
    assert.match(text, /no longer counts: the IdP certificate changed since/);
    await shot(session, "journey-demo-09b-evidence-stale");

    // The demo IdP's certificate back: the same configuration as tested, so the evidence counts again.
    await goTo(session, "certificate");
    await waitForTitle(session, "Certificate");
    await paste(session, CERT_FIELD, demoCertificate);
    await usableCertificate(session);
    await session.waitFor("Enforce reachable again", async () => !/\blocked\b/.test(await stepStatus(session, "enforce")));
    await goTo(session, "enforce");
    await waitForTitle(session, "Enforce");
    assert.doesNotMatch(await pageText(session), /Locked until/);

    // The confirmation, then the summary.
    await confirmEnforcement(session);
    assert.match(await stepStatus(session, "enforce"), /\bcomplete\b/);
    for (const step of ["providers", "sp_values", "idp_app", "attributes", "certificate", "assign_users", "test_login", "enable"]) {
      assert.match(await stepStatus(session, step), /\bcomplete\b/, `step ${step} is complete`);
    }
    assert.doesNotMatch(await (await session.find("main.content")).text(), new RegExp(secret.replace(/[+/=]/g, "\\$&")), "AUTH_SECRET is not in the summary");
    await shot(session, "journey-demo-09-enforced-summary");
    await quit(session, dirs);
  });

  // The secrets of this run, read from the keychain by secret-tool (libsecret), which shares no code with the app.
  const lookup = (username) =>
    execFileSync("secret-tool", ["lookup", "service", "ssopilot", "username", username], { encoding: "utf8" }).trim();
  const demoKey = lookup("demo-idp-signing-key");
  assert.ok(demoKey.length > 100, "the demo IdP's key is in the keychain");
  assert.equal(lookup(`auth-secret:${SITE}`), secret, "the AUTH_SECRET shown is the one in the keychain");
  const files = filesUnder(dirs.base);
  assert.ok(files.some((f) => f.endsWith("state.json")), `the state file was written: ${files}`);
  assert.ok(files.some((f) => f.endsWith(".log")), `the app wrote its log: ${files}`);
  const state = JSON.parse(readFileSync(files.find((f) => f.endsWith("state.json")), "utf8"));
  assert.ok(state.test_evidence, "the evidence is in the saved progress");
  assert.ok(state.enforced_at, "the enforcement is in the saved progress");
  for (const file of files) {
    const bytes = readFileSync(file);
    assert.ok(!bytes.includes(secret), `AUTH_SECRET is in ${file}`);
    // The middle of the PKCS#8 text holds the private value itself (its start is a header every such key shares).
    assert.ok(!bytes.includes(demoKey.slice(48, 90)), `the demo IdP's key is in ${file}`);
  }
});
