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
  buttonNamed,
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
  tick,
  waitForTitle,
  waitNextEnabled,
  withDriver,
} from "./harness.mjs";

const SITE = "https://infisical.example.com";
const ACS_URL = `${SITE}/api/v1/sso/saml2/org-e2e-journey`;
const DEMO_USER = "Ada.Lovelace@Example.com";
const DEMO_PASSWORD = "demo-password";
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

async function usableCertificate(session) {
  await session.waitFor("the certificate judged usable", async () => (await session.findAll("[data-testid=certificate-verdict].usable")).length > 0);
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

    // 1. Providers: the demo IdP preselected; Infisical (self-hosted) chosen.
    await waitForTitle(session, "Providers");
    await session.waitFor("the demo IdP preselected", async () =>
      (await session.find('[data-field="idp_profile"] input[value="demo"]')).property("checked"),
    );
    // Below the fold a WebDriver click can land on the sticky footer under Xvfb, so the radio is clicked from the page.
    await session.execute(`document.querySelector(arguments[0]).scrollIntoView({ block: "center" })`, ['[data-field="sp_profile"]']);
    await session.execute(`document.querySelector(arguments[0]).click()`, ['[data-field="sp_profile"] input[value="infisical-self-hosted"]']);
    await waitNextEnabled(session, true);
    await shot(session, "journey-demo-01-providers");
    await next(session);

    // 2. Service provider values: SITE_URL fills the SP entity ID.
    await waitForTitle(session, "Service provider values");
    await fill(session, "site_url", SITE);
    await fill(session, "acs_url", ACS_URL);
    await session.waitFor("the SP Entity ID from SITE_URL", async () => (await inputValue(session, "sp_entity_id")) === SITE);
    await shot(session, "journey-demo-02-sp-values");
    await next(session);

    // 3-5 are filled by the demo IdP: its application, the default attribute map, its certificate.
    await waitForTitle(session, "IdP application");
    await shot(session, "journey-demo-03-idp-application");
    await next(session);
    await waitForTitle(session, "Attributes");
    await shot(session, "journey-demo-04-attributes");
    await next(session);
    await waitForTitle(session, "Certificate");
    await usableCertificate(session);
    const demoCertificate = await inputValue(session, "idp_certificate");
    assert.match(demoCertificate, /BEGIN CERTIFICATE/);
    await shot(session, "journey-demo-05-certificate");
    await next(session);

    // 6. Assign users: a real grant in the demo directory; Ada does the test login.
    await waitForTitle(session, "Assign users");
    assert.equal((await nextState(session)).enabled, false, "nobody has access before a grant");
    await (await session.find('[data-group="Engineering"] input')).click();
    await session.execute(`document.querySelector(arguments[0]).scrollIntoView({ block: "center" })`, ['[data-field="test_user"]']);
    await (await session.find(`[data-field="test_user"] input[value="${DEMO_USER}"]`)).click();
    await waitNextEnabled(session, true);
    await shot(session, "journey-demo-06-assign-users");
    await next(session);

    // 7. Test login through the login window; every check passes and the evidence is recorded.
    await waitForTitle(session, "Test login");
    assert.match(await stepStatus(session, "enforce"), /\blocked\b/, "Enforce is locked before any test login");
    await signInInLoginWindow(session, main, DEMO_USER, DEMO_PASSWORD, "journey-demo-07a-login-window");
    const cls = await session.waitFor("the test report", () => reportState(session), 30_000);
    assert.match(cls, /passed/);
    assert.deepEqual(await session.findAll('[data-check][data-ok="false"]'), [], "no check failed");
    assert.match(await (await session.find("[data-testid=evidence-note]")).text(), /Recorded as evidence/);
    await shot(session, "journey-demo-07-test-login");
    await (await session.find("[data-testid=login-stop]")).click();
    await session.waitFor("the login window closed", async () => (await handles(session)).length === 1, 10_000);
    await next(session);

    // 8. Enable: AUTH_SECRET into the keychain, then SSO switched on.
    await waitForTitle(session, "Enable");
    await (await buttonNamed(session, "Generate AUTH_SECRET")).click();
    await (await buttonNamed(session, "Show")).click();
    secret = await session.waitFor("the AUTH_SECRET shown", async () => {
      const text = (await (await session.find(".secret output")).text()).trim();
      return /^[A-Za-z0-9+/]{43}=$/.test(text) ? text : null;
    });
    await (await buttonNamed(session, "Hide")).click();
    await tick(session, "sso_enabled");
    await waitNextEnabled(session, true);
    await shot(session, "journey-demo-08-enable");
    await next(session);

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
    const record = "Record SSO as enforced in Infisical";
    const button = await buttonNamed(session, record);
    assert.equal(await button.enabled(), false, "nothing is recorded before the confirmation");
    await tick(session, "enforce_understood");
    const word = await (await session.find('[data-field="enforce_confirm"] input')).attribute("placeholder");
    await fill(session, "enforce_confirm", word);
    await session.waitFor("the record button enabled", async () => (await buttonNamed(session, record)).enabled());
    await (await buttonNamed(session, record)).click();
    await session.waitFor("the summary", async () => /SAML SSO is enforced in/.test(await (await session.find("main.content")).text()));
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
