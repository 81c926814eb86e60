// End to end, step 7 (Test login) in the real app with the built-in demo IdP and no mocks: the wizard is walked to
// step 7, the login window opens on the demo IdP with an AuthnRequest for the configured SP, the demo user signs in
// there, the auto-posting response is caught before it leaves for the ACS, every check passes, the evidence is
// recorded (step 7 complete); a new certificate in step 5 makes the evidence stale; a tampered pasted response fails
// with the signature check and its "Go to step 5" button. A second run shows Continue handing the held response,
// unchanged and only then, to a service provider's ACS on loopback. Screenshots go to test-artifacts/e2e/.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  choose,
  fill,
  handles,
  paste,
  reportState,
  signInInLoginWindow,
  switchTo,
  launch,
  next,
  nextState,
  profile,
  quit,
  shot,
  stepStatus,
  waitForTitle,
  waitNextEnabled,
  withDriver,
} from "./harness.mjs";

const SP_ENTITY_ID = "https://app.infisical.com";
const ACS_URL = "https://app.infisical.com/api/v1/sso/saml2/8d1f0c2e-e2e0-4c1b-9a57-3f0e2b6c7d11";
const TEST_USER = "ada.lovelace@example.com";
const DEMO_PASSWORD = "demo-password";
// A certificate that is not the demo IdP's (self-signed, generated for this test; no private key here).
const OTHER_CERT = `-----BEGIN CERTIFICATE-----
MIIDJTCCAg2gAwIBAgIUZPkQIr4WuWBhLnRh0xqv0vYmkwAwDQYJKoZIhvcNAQEL
BQAwIjEgMB4GA1UEAwwXcm90YXRlZC1pZHAuZXhhbXBsZS5jb20wHhcNMjYxMTI1
MTkxNTM3WhcNMzYxMTIyMTkxNTM3WjAiMSAwHgYDVQQDDBdyb3RhdGVkLWlkcC5l
eGFtcGxlLmNvbTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALVCYsMW
rK8ZAXZEiJgMuB3q6GYHFoiUgoUhLl7eJyZymsw+JxcjNFZP9Y8BBElcEJkyhAg6
FmS+zjUauHdjdgjgdNAt0FDUTgWM9o1I/qAKtO3ObM7Mwnc4HrirVnQSQ+nDYCGz
hO30ddB8ma/0yEvbkQ21dL8qXzsU7o5hgV5Ve+8JDkLhYhE7rrZLpArKn7AAAGvU
34fRkBCGt292NfVtY8UlWZ8gCTP/pQgqKeH+s0XdnFdUbSR9jDMbXZWM3kru9r+X
mHBh/EGlJgar4Wedoz1y3Kb7LamcJRMq9+YcM2o/bBOZk0kkO4yh4LQ6i59G5X3+
zl/Ccu8A64n25x0CAwEAAaNTMFEwHQYDVR0OBBYEFJD3/fXrz/qXTdiEQOWATCma
bC1PMB8GA1UdIwQYMBaAFJD3/fXrz/qXTdiEQOWATCmabC1PMA8GA1UdEwEB/wQF
MAMBAf8wDQYJKoZIhvcNAQELBQADggEBACp5396B3aVXAO3TOZI1mxLEnx/wJiXs
AHX/gWFeuhOcyv5hIxi4cFsgvfToZop7a5VlTCj0uazXrrK2Vh94YeTX/FYojylF
MbCI3iFJh7FZ9PSUHa3gL0DbhmLPHmzIMo4yJLB2SBVlUYGw6erNDo+oS8tDyrYH
SHT/TE1HWKkKHqLQ0UyuMutcW6EsUwm6+yqxaYQRw0JU66hCP8ajWiPmHygr6NWj
7+lArKbmZT87leW2I2+5oqj2F9PB5S7v6itCbsec/7BAAY1PvspREkZs2lQMeOCR
HQuk8sVNX8yCbHB2/kFU90GJOUDtCA0k6gTJ7aFU7zaMO0NLoz8fOKE=
-----END CERTIFICATE-----
`;



/** A response the demo IdP really signs (IdP-initiated, its login form posted by this test), then altered: the
 * NameID and email say someone else, the signature stays the old one. */
async function tamperedResponse(base, slug) {
  const form = await (await fetch(`${base}/saml2/${slug}`)).text();
  const token = /name="token" value="([^"]+)"/.exec(form)?.[1];
  assert.ok(token, `the demo IdP shows its login form: ${form}`);
  const posted = await fetch(`${base}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, email: TEST_USER, password: DEMO_PASSWORD }).toString(),
  });
  const page = await posted.text();
  const value = /name="SAMLResponse" value="([^"]+)"/.exec(page)?.[1];
  assert.ok(value, `the demo IdP answers with the auto-posting form: ${page}`);
  const xml = Buffer.from(value, "base64").toString("utf8");
  const altered = xml.replaceAll(TEST_USER, "grace.hopper@example.com");
  assert.notEqual(altered, xml);
  return Buffer.from(altered, "utf8").toString("base64");
}

/** Walks steps 1 to 6 with the demo IdP (preselected), Infisical and `acs`; returns the demo IdP's base URL. */
async function toTestLogin(session, acs) {
  await waitForTitle(session, "Providers");
  const option = await (await session.find('[data-field="idp_profile"] [data-option="demo"]')).text();
  const base = /Running now at (http:\/\/127\.0\.0\.1:\d+)/.exec(option)?.[1];
  assert.ok(base, option);
  await (await session.find('[data-field="sp_profile"] [data-option="infisical"]')).click();
  await choose(session, "sp_profile", "infisical");
  await next(session);
  await waitForTitle(session, "Service provider values");
  await fill(session, "sp_entity_id", SP_ENTITY_ID);
  await fill(session, "acs_url", acs);
  await next(session);
  await waitForTitle(session, "IdP application");
  await next(session);
  await waitForTitle(session, "Attributes");
  await next(session);
  await waitForTitle(session, "Certificate");
  await next(session);
  await waitForTitle(session, "Assign users");
  // The demo IdP's real grant: its Engineering group gets the application; Ada (in that group) does the test.
  await (await session.find('[data-group="Engineering"] input')).click();
  await (await session.find('[data-field="test_user"] input[value="Ada.Lovelace@Example.com"]')).click();
  await waitNextEnabled(session, true);
  await next(session);
  await waitForTitle(session, "Test login");
  return base;
}



test("step 7: a login-window test with the demo IdP passes every check and records the evidence; a new certificate makes it stale; a tampered paste fails with its fix step", async () => {
  assert.ok(
    process.env.DBUS_SESSION_BUS_ADDRESS,
    "no session bus, so no keychain for the demo IdP: run under scripts/with-keyring.sh (scripts/test.sh does)",
  );
  const dirs = profile("test-login");
  await withDriver(dirs, async () => {
    const session = await launch();
    const [main] = await handles(session);

    // Steps 1 to 6 with the demo IdP (preselected) and Infisical.
    const base = await toTestLogin(session, ACS_URL);
    assert.equal((await nextState(session)).enabled, false, "Next waits for a passing test login");
    await shot(session, "20-test-login-start");

    // The login window: the demo IdP's sign-in page, a real sign-in.
    await signInInLoginWindow(session, main, TEST_USER, DEMO_PASSWORD, "21-test-login-window");

    // Caught before the ACS: the report, every check passed, the evidence recorded.
    const cls = await session.waitFor("the test report", () => reportState(session), 30_000);
    const failed = await session.findAll('[data-check][data-ok="false"]');
    const failures = await Promise.all(failed.map((f) => f.text()));
    assert.deepEqual(failures, [], "no check failed");
    assert.match(cls, /passed/);
    assert.ok((await session.findAll('[data-check][data-ok="true"]')).length >= 15, "every check is listed");
    assert.match(await (await session.find("[data-testid=evidence-note]")).text(), /Recorded as evidence/);
    assert.equal((await session.findAll('[data-testid=exchange] [data-state="failed"]')).length, 0);
    assert.ok(await session.find("[data-testid=login-continue]"), "Continue to Infisical is offered");
    await shot(session, "22-test-login-passed");
    await (await session.find("[data-testid=login-stop]")).click();
    await session.waitFor("the login window closed", async () => (await handles(session)).length === 1, 10_000);
    assert.match(await stepStatus(session, "test_login"), /complete/);
    assert.equal((await nextState(session)).enabled, true, "Next is enabled with valid evidence");
    const enforce = await (await session.find('[data-step="enforce"]')).text();
    assert.doesNotMatch(enforce, /step 7/i, `Enforce no longer waits for step 7: ${enforce}`);

    // A tampered response pasted: the signature check fails and its button goes to step 5.
    await session.find("[data-testid=paste-response]");
    await paste(session, "[data-testid=paste-response]", await tamperedResponse(base, "infisical"));
    await (await session.find("[data-testid=start-paste]")).click();
    await session.waitFor("the failed report", async () => /failed/.test((await reportState(session)) ?? ""), 20_000);
    const signature = await session.find('[data-check="signature_required"]');
    assert.equal(await signature.attribute("data-ok"), "false");
    const fix = await session.find('[data-check="signature_required"] [data-testid=fix-step]');
    assert.match(await fix.text(), /Go to step 5 \(Certificate\)/);
    assert.match(await (await session.find("[data-testid=evidence-note]")).text(), /Not recorded as evidence/);
    assert.ok((await session.findAll('[data-testid=exchange] [data-leg="response"][data-state="failed"]')).length === 1);
    await session.execute("document.querySelector('[data-testid=exchange]').scrollIntoView({block: 'start'})");
    await shot(session, "23-test-login-tampered");
    await fix.click();
    await waitForTitle(session, "Certificate");

    // Another certificate in step 5: the evidence is stale and says why.
    await fill(session, "idp_certificate", OTHER_CERT);
    // The whole certificate judged (not a half-typed one): usable, and step 7 reachable again.
    await session.waitFor("the new certificate judged usable", async () => (await session.findAll("[data-testid=certificate-verdict].usable")).length > 0);
    await session.waitFor("step 7 reachable", async () => !/locked/.test(await stepStatus(session, "test_login")));
    await (await session.find('[data-step="test_login"] button')).click();
    await waitForTitle(session, "Test login");
    const stale = await session.waitFor("the stale evidence", async () => {
      const text = await (await session.find("main.content")).text();
      return /no longer counts: the IdP certificate changed since/.test(text) ? text : null;
    });
    assert.match(stale, /Test again/);
    assert.match(await (await session.find("[data-testid=start-login_window]")).text(), /Test again/);
    assert.equal((await nextState(session)).enabled, false, "stale evidence does not complete step 7");
    await shot(session, "24-test-login-stale");
    await quit(session, dirs);
  });
});

test("step 7: Continue hands the held response to the service provider's ACS unchanged, and only then", async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run under scripts/with-keyring.sh (scripts/test.sh does)");
  // The service provider's ACS, on loopback: it records what the login window posts to it.
  const posts = [];
  const sp = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      posts.push({ method: request.method, url: request.url, body });
      response.writeHead(200, { "content-type": "text/html" });
      response.end("<!DOCTYPE html><title>SP</title><p>Signed in.</p>");
    });
  });
  await new Promise((resolve) => sp.listen(0, "127.0.0.1", resolve));
  const acs = `http://127.0.0.1:${sp.address().port}/acs`;
  const dirs = profile("test-login-continue");
  try {
    await withDriver(dirs, async () => {
      const session = await launch();
      const [main] = await handles(session);
      await toTestLogin(session, acs);
      await signInInLoginWindow(session, main, TEST_USER, DEMO_PASSWORD, null);
      await session.waitFor("the test report", () => reportState(session), 30_000);
      assert.match(await reportState(session), /passed/);
      assert.equal(posts.length, 0, "nothing reached the SP while the response is held");
      await (await session.find("[data-testid=login-continue]")).click();
      const post = await session.waitFor("the SP's ACS receiving the post", async () => posts[0], 20_000);
      assert.equal(post.method, "POST");
      assert.equal(post.url, "/acs");
      const form = new URLSearchParams(post.body);
      const xml = Buffer.from(form.get("SAMLResponse") ?? "", "base64").toString("utf8");
      assert.ok(xml.includes(`Destination="${acs}"`), xml);
      assert.ok(xml.includes(TEST_USER), "the response names the test user");
      assert.ok(xml.includes("SignatureValue"), "the signed response, as the IdP made it");
      assert.equal(posts.length, 1, "posted once");
      // What the SP got still verifies with the configured certificate: pasted back, every check passes.
      await paste(session, "[data-testid=paste-response]", form.get("SAMLResponse"));
      await (await session.find("[data-testid=start-paste]")).click();
      await session.waitFor("the pasted report", async () => /Pasted response/.test(await (await session.find("[data-testid=test-report]")).text()), 20_000);
      assert.match(await reportState(session), /passed/);
      await quit(session, dirs);
    });
  } finally {
    sp.close();
  }
});

/** Makes the scripted browser the default web browser of this profile's XDG directories (gio open honours them). */
function scriptedBrowser(dirs) {
  const script = join(dirname(fileURLToPath(import.meta.url)), "scripted_browser.mjs");
  const log = join(dirs.base, "browser.log");
  const exec = [process.execPath, script, "--user", TEST_USER, "--password", DEMO_PASSWORD, "--log", log, "%u"].join(" ");
  writeFileSync(
    join(dirs.share, "applications", "ssopilot-e2e-browser.desktop"),
    `[Desktop Entry]\nType=Application\nName=SSO Pilot e2e browser\nExec=${exec}\nMimeType=x-scheme-handler/http;\nNoDisplay=true\n`,
  );
  writeFileSync(
    join(dirs.config, "mimeapps.list"),
    "[Default Applications]\nx-scheme-handler/http=ssopilot-e2e-browser.desktop\n",
  );
  return log;
}

test("step 7: the loopback test SP in the real app: the system browser signs in at the demo IdP, the report passes, and it is not evidence", async () => {
  const dirs = profile("test-login-loopback");
  mkdirSync(join(dirs.share, "applications"), { recursive: true });
  const browserLog = scriptedBrowser(dirs);
  await withDriver(dirs, async () => {
    const session = await launch();
    await toTestLogin(session, ACS_URL);
    await (await session.find("[data-testid=start-loopback]")).click();
    const cls = await session.waitFor("the loopback report", () => reportState(session), 30_000);
    const browser = existsSync(browserLog) ? readFileSync(browserLog, "utf8") : "(the browser was not started)";
    assert.match(browser, /opened http:\/\/127\.0\.0\.1:\d+\/.*SAMLRequest=/, browser);
    assert.match(browser, /posted to http:\/\/127\.0\.0\.1:\d+\/acs: 200/, browser);
    assert.match(cls, /passed/);
    const report = await (await session.find("[data-testid=test-report]")).text();
    assert.match(report, /SSO Pilot's test SP \(loopback\)/);
    assert.deepEqual(await session.findAll('[data-check][data-ok="false"]'), [], "no check failed");
    assert.match(await (await session.find("[data-testid=evidence-note]")).text(), /Not recorded as evidence/);
    assert.doesNotMatch(await stepStatus(session, "test_login"), /\bcomplete\b/, "a loopback pass does not complete step 7");
    await shot(session, "25-test-login-loopback");
    await quit(session, dirs);
  });
});

test("step 7: the demo IdP's \"encrypt assertions\" on: the loopback test SP decrypts with its own key and the report passes, showing the assertion decrypted", async () => {
  const dirs = profile("test-login-loopback-encrypted");
  mkdirSync(join(dirs.share, "applications"), { recursive: true });
  const browserLog = scriptedBrowser(dirs);
  await withDriver(dirs, async () => {
    const session = await launch();
    await toTestLogin(session, ACS_URL);
    await (await session.find('[data-field="demo_encrypt_assertions"] input[type=checkbox]')).click();
    await session.waitFor("the setting on", () =>
      session.execute(`return document.querySelector('[data-field="demo_encrypt_assertions"] input')?.checked === true || null`),
    );
    await (await session.find("[data-testid=start-loopback]")).click();
    const cls = await session.waitFor("the loopback report", () => reportState(session), 30_000);
    const browser = existsSync(browserLog) ? readFileSync(browserLog, "utf8") : "(the browser was not started)";
    assert.match(browser, /posted to http:\/\/127\.0\.0\.1:\d+\/acs: 200/, browser);
    assert.match(cls, /passed/);
    assert.deepEqual(await session.findAll('[data-check][data-ok="false"]'), [], "no check failed");
    const note = await (await session.find("[data-testid=decrypted-note]")).text();
    assert.match(note, /The assertion arrived encrypted and was decrypted with the test SP's encryption key/);
    assert.ok((await session.findAll(".xml-line.decrypted")).length > 0, "the decoded response marks the decrypted assertion");
    await shot(session, "26-test-login-loopback-encrypted");
    await quit(session, dirs);
  });
});
