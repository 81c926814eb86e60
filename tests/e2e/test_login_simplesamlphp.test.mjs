// End to end, step 7 against a real SAML IdP: SimpleSAMLphp (Debian's `simplesamlphp`, run by `php -S` on loopback
// as crates/peers/tests/it/idp_simplesamlphp.rs runs it), chosen in step 1 as a generic SAML 2.0 IdP. The login
// window opens SimpleSAMLphp's SSO service with SSO Pilot's own AuthnRequest (SP-initiated, preselected: a bare SSO
// URL is refused by SimpleSAMLphp), the user signs in on SimpleSAMLphp's own form, and the response, caught before
// it leaves for the ACS, passes every check, InResponseTo included; the report says how the sign-in started. Both
// bindings: HTTP-Redirect (a URL) and HTTP-POST (the window opens SSO Pilot's one-time loopback page, which posts
// the request). And IdP-initiated: chosen in step 1 as Microsoft Entra ID (whose profile offers an IdP-initiated
// link, its "User access URL"; no Entra ID here, SimpleSAMLphp stands in), the login window opens the link pasted
// there, SimpleSAMLphp's unsolicited-response start (SSOService.php?spentityid=...), and the report passes as
// IdP-initiated, InResponseTo left unchecked and said so.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  choose,
  fill,
  handles,
  launch,
  next,
  profile,
  quit,
  reportState,
  shot,
  switchTo,
  tick,
  waitForTitle,
  waitNextEnabled,
  withDriver,
} from "./harness.mjs";

const WWW = "/usr/share/simplesamlphp/www";
const IDP_ID = "https://idp.simplesamlphp.test/idp";
const SP_ENTITY_ID = "https://app.example.com/saml/metadata";
// Never reached: the login window holds the response (Stop ends the test).
const ACS_URL = "https://app.example.com/saml/acs";
const USER = "alice";
const PASSWORD = "wonderland";
const EMAIL = "alice@example.com";

/** A PHP string literal. */
const php = (s) => `'${String(s).replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listening(port) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const up = await new Promise((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.on("connect", () => (socket.destroy(), resolve(true)));
      socket.on("error", () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`php -S did not start listening on port ${port}`);
    await sleep(50);
  }
}

/** SimpleSAMLphp with a new key, one `exampleauth` user and our SP; returns its base URL, certificate and stop(). */
async function startSimpleSamlPhp() {
  assert.ok(existsSync(join(WWW, "saml2/idp/SSOService.php")), "SimpleSAMLphp is missing: run scripts/setup.sh");
  const dir = mkdtempSync(join(tmpdir(), "ssopilot-e2e-simplesamlphp-"));
  for (const sub of ["config", "metadata", "log", "data", "tmp", "sessions"]) mkdirSync(join(dir, sub));
  const key = join(dir, "idp.key");
  const cert = join(dir, "idp.crt");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30",
    "-subj", "/CN=idp.simplesamlphp.test", "-keyout", key, "-out", cert,
  ], { stdio: "ignore" });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  writeFileSync(join(dir, "config/config.php"), `<?php
$config = [
  'baseurlpath' => ${php(`${base}/`)}, 'certdir' => ${php(`${dir}/`)}, 'loggingdir' => ${php(`${dir}/log/`)},
  'datadir' => ${php(`${dir}/data/`)}, 'tempdir' => ${php(`${dir}/tmp`)}, 'metadatadir' => ${php(`${dir}/metadata/`)},
  'metadata.sources' => [['type' => 'flatfile']],
  'technicalcontact_name' => 'SSO Pilot tests', 'technicalcontact_email' => 'na@example.org',
  'secretsalt' => ${php(`salt-${port}-${Date.now()}`)}, 'auth.adminpassword' => ${php(`admin-${Date.now()}`)}, 'timezone' => 'UTC',
  'logging.level' => SimpleSAML\\Logger::DEBUG, 'logging.handler' => 'file', 'logging.logfile' => 'simplesamlphp.log',
  'enable.saml20-idp' => true, 'module.enable' => ['exampleauth' => true],
  'store.type' => 'phpsession', 'session.phpsession.savepath' => ${php(`${dir}/sessions`)}, 'session.cookie.secure' => false,
];
`);
  writeFileSync(join(dir, "config/authsources.php"), `<?php
$config = [
  'admin' => ['core:AdminPassword'],
  'users' => ['exampleauth:UserPass', ${php(`${USER}:${PASSWORD}`)} => [
    'uid' => [${php(USER)}], 'email' => [${php(EMAIL)}], 'firstName' => ['Alice'], 'lastName' => ['Liddell'],
  ]],
];
`);
  writeFileSync(join(dir, "metadata/saml20-idp-hosted.php"), `<?php
$metadata[${php(IDP_ID)}] = [
  'host' => '__DEFAULT__', 'privatekey' => ${php(key)}, 'certificate' => ${php(cert)}, 'auth' => 'users',
  'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
];
`);
  // The SP as the admin would register it: its entity ID, its ACS URL, email NameIDs, signed assertions.
  writeFileSync(join(dir, "metadata/saml20-sp-remote.php"), `<?php
$metadata[${php(SP_ENTITY_ID)}] = [
  'AssertionConsumerService' => [['Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', 'Location' => ${php(ACS_URL)}]],
  'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  'simplesaml.nameidattribute' => 'email',
  'saml20.sign.assertion' => true, 'saml20.sign.response' => false,
];
`);
  const child = spawn("php", ["-d", `session.save_path=${dir}/sessions`, "-S", `127.0.0.1:${port}`, "-t", WWW], {
    env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: join(dir, "config") },
    stdio: "ignore",
  });
  await listening(port);
  return {
    sso: `${base}/saml2/idp/SSOService.php`,
    cert: readFileSync(cert, "utf8"),
    log: () => {
      try {
        return readFileSync(join(dir, "log/simplesamlphp.log"), "utf8");
      } catch {
        return "";
      }
    },
    stop: () => {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Steps 1-6 for SimpleSAMLphp as a generic IdP, then the login window with SSO Pilot's own request sent by
 * `binding` ("redirect" or "post"), signed in on SimpleSAMLphp's own form, to a passing report.
 */
async function signInThroughTheWindow(binding) {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run under scripts/with-keyring.sh (scripts/test.sh does)");
  const idp = await startSimpleSamlPhp();
  const dirs = profile(`test-login-simplesamlphp-${binding}`);
  const shots = binding === "redirect" ? 30 : 33;
  try {
    await withDriver(dirs, async () => {
      const session = await launch();
      const [main] = await handles(session);
      await waitForTitle(session, "Providers");
      await choose(session, "idp_profile", "generic-saml");
      await choose(session, "sp_profile", "generic-saml");
      await next(session);
      await waitForTitle(session, "Service provider values");
      await fill(session, "sp_entity_id", SP_ENTITY_ID);
      await fill(session, "acs_url", ACS_URL);
      await next(session);
      await waitForTitle(session, "IdP application");
      await fill(session, "idp_entity_id", IDP_ID);
      await fill(session, "idp_sso_url", idp.sso);
      await next(session);
      await waitForTitle(session, "Attributes");
      await next(session);
      await waitForTitle(session, "Certificate");
      await fill(session, "idp_certificate", idp.cert);
      await session.waitFor("the certificate judged usable", async () => (await session.findAll("[data-testid=certificate-verdict].usable")).length > 0);
      await next(session);
      await waitForTitle(session, "Assign users");
      await tick(session, "users_assigned");
      await fill(session, "test_user", EMAIL);
      await waitNextEnabled(session, true);
      await next(session);
      await waitForTitle(session, "Test login");

      // SP-initiated is offered and preselected for a generic IdP (its profile has no launch link).
      const chosen = await session.find("[data-testid=login-start-sp_initiated]");
      assert.equal(await chosen.property("checked"), true);
      assert.equal((await session.findAll("[data-testid=login-start-idp_initiated]")).length, 0);
      // The binding is a plain choice: HTTP-Redirect preselected (no metadata imported), HTTP-POST beside it.
      const redirect = await session.find("[data-testid=login-request-redirect]");
      assert.equal(await redirect.property("checked"), true);
      if (binding === "post") {
        await (await session.find("[data-testid=login-request-post]")).click();
        await session.waitFor("HTTP-POST chosen", async () => (await (await session.find("[data-testid=login-request-post]")).property("checked")) === true);
      }
      await shot(session, `${shots}-test-login-simplesamlphp-${binding}-start`);

      // The login window: SimpleSAMLphp's own sign-in form, reached with our AuthnRequest (on HTTP-POST through SSO
      // Pilot's one-time loopback page: the bare SSO URL alone would get SimpleSAMLphp's error, not its form).
      await (await session.find("[data-testid=start-login_window]")).click();
      const login = await session.waitFor("the login window", async () => (await handles(session)).find((h) => h !== main), 20_000);
      await switchTo(session, login);
      await (await session.find("input[name=username]", 20_000)).type(USER);
      await (await session.find("input[name=password]")).type(PASSWORD);
      await shot(session, `${shots + 1}-test-login-simplesamlphp-${binding}-form`);
      await (await session.find("#submit_button, button[type=submit], input[type=submit]")).click();
      await switchTo(session, main);

      const cls = await session.waitFor("the test report", () => reportState(session), 30_000).catch((e) => {
        throw new Error(`${e.message}\nSimpleSAMLphp's log:\n${idp.log().slice(-4000)}`);
      });
      const failures = await Promise.all((await session.findAll('[data-check][data-ok="false"]')).map((f) => f.text()));
      assert.deepEqual(failures, [], "no check failed");
      assert.match(cls, /passed/);
      const inResponseTo = await session.find('[data-check="in_response_to"]');
      assert.equal(await inResponseTo.attribute("data-ok"), "true", "the response answers the window's request");
      const report = await (await session.find("[data-testid=test-report]")).text();
      assert.match(report, binding === "post" ? /SP-initiated, HTTP-POST, unsigned/ : /SP-initiated, HTTP-Redirect, unsigned/);
      assert.match(await (await session.find("[data-testid=evidence-note]")).text(), /Recorded as evidence/);
      await shot(session, `${shots + 2}-test-login-simplesamlphp-${binding}-passed`);
      await (await session.find("[data-testid=login-stop]")).click();
      await session.waitFor("the login window closed", async () => (await handles(session)).length === 1, 10_000);
      await quit(session, dirs);
    });
  } finally {
    idp.stop();
  }
}

test("step 7: the login window signs in at SimpleSAMLphp (a generic SAML IdP) with SSO Pilot's own request, and the report passes", async () => {
  await signInThroughTheWindow("redirect");
});

test("step 7: the login window sends the request by HTTP-POST (through SSO Pilot's one-time loopback page) to SimpleSAMLphp, and the report passes", async () => {
  await signInThroughTheWindow("post");
});

test("step 7: the login window starts at an IdP-initiated link (SimpleSAMLphp standing in for Entra ID's User access URL), and the report passes as IdP-initiated", async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run under scripts/with-keyring.sh (scripts/test.sh does)");
  const idp = await startSimpleSamlPhp();
  const dirs = profile("test-login-simplesamlphp-idp-initiated");
  // SimpleSAMLphp's IdP-initiated start for our SP: it signs the user in and posts an unsolicited response.
  const link = `${idp.sso}?spentityid=${encodeURIComponent(SP_ENTITY_ID)}`;
  try {
    await withDriver(dirs, async () => {
      const session = await launch();
      const [main] = await handles(session);
      await waitForTitle(session, "Providers");
      await choose(session, "idp_profile", "entra-id");
      await choose(session, "sp_profile", "generic-saml");
      await next(session);
      await waitForTitle(session, "Service provider values");
      await fill(session, "sp_entity_id", SP_ENTITY_ID);
      await fill(session, "acs_url", ACS_URL);
      await next(session);
      await waitForTitle(session, "IdP application");
      await fill(session, "idp_entity_id", IDP_ID);
      await fill(session, "idp_sso_url", idp.sso);
      await next(session);
      await waitForTitle(session, "Attributes");
      await next(session);
      await waitForTitle(session, "Certificate");
      await fill(session, "idp_certificate", idp.cert);
      await session.waitFor("the certificate judged usable", async () => (await session.findAll("[data-testid=certificate-verdict].usable")).length > 0);
      await next(session);
      await waitForTitle(session, "Assign users");
      await tick(session, "users_assigned");
      await fill(session, "test_user", EMAIL);
      await waitNextEnabled(session, true);
      await next(session);
      await waitForTitle(session, "Test login");

      // Both ways are offered; SP-initiated is preselected (it checks the most), IdP-initiated is chosen here.
      assert.equal(await (await session.find("[data-testid=login-start-sp_initiated]")).property("checked"), true);
      await (await session.find("[data-testid=login-start-idp_initiated]")).click();
      await session.waitFor("IdP-initiated chosen", async () => (await (await session.find("[data-testid=login-start-idp_initiated]")).property("checked")) === true);
      // No request is sent, so no binding to choose; the link is pasted where the profile names it.
      assert.equal((await session.findAll("[data-testid=login-request-redirect]")).length, 0);
      const input = await session.find("[data-testid=login-link]");
      await input.type(`${link}\uE004`);
      await session.waitFor("the link kept", async () => (await (await session.find("[data-testid=login-link]")).property("value")) === link);
      // The core took it: the window can open (before, the button is disabled and says to paste the link first).
      await session.waitFor("the login window ready to open", async () => (await session.find("[data-testid=start-login_window]")).enabled());
      await shot(session, "36-test-login-simplesamlphp-idp-initiated-start");

      await (await session.find("[data-testid=start-login_window]")).click();
      const login = await session.waitFor("the login window", async () => (await handles(session)).find((h) => h !== main), 20_000);
      await switchTo(session, login);
      await (await session.find("input[name=username]", 20_000)).type(USER);
      await (await session.find("input[name=password]")).type(PASSWORD);
      await shot(session, "37-test-login-simplesamlphp-idp-initiated-form");
      await (await session.find("#submit_button, button[type=submit], input[type=submit]")).click();
      await switchTo(session, main);

      const cls = await session.waitFor("the test report", () => reportState(session), 30_000).catch((e) => {
        throw new Error(`${e.message}\nSimpleSAMLphp's log:\n${idp.log().slice(-4000)}`);
      });
      const failures = await Promise.all((await session.findAll('[data-check][data-ok="false"]')).map((f) => f.text()));
      assert.deepEqual(failures, [], "no check failed");
      assert.match(cls, /passed/);
      const report = await (await session.find("[data-testid=test-report]")).text();
      assert.match(report, /IdP-initiated/);
      assert.match(report, /InResponseTo/);
      assert.doesNotMatch(report, /SP-initiated, HTTP-/);
      await shot(session, "38-test-login-simplesamlphp-idp-initiated-passed");
      await (await session.find("[data-testid=login-stop]")).click();
      await session.waitFor("the login window closed", async () => (await handles(session)).length === 1, 10_000);
      await quit(session, dirs);
    });
  } finally {
    idp.stop();
  }
});
