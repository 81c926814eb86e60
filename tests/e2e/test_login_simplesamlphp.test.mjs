// End to end, step 7 against a real SAML IdP: SimpleSAMLphp (Debian's `simplesamlphp`, run by `php -S` on loopback
// as crates/peers/tests/it/idp_simplesamlphp.rs runs it), chosen in step 1 as a generic SAML 2.0 IdP. The login
// window opens SimpleSAMLphp's SSO service with SSO Pilot's own AuthnRequest (SP-initiated, preselected: a bare SSO
// URL is refused by SimpleSAMLphp), the user signs in on SimpleSAMLphp's own form, and the response, caught before
// it leaves for the ACS, passes every check, InResponseTo included; the report says how the sign-in started. Both
// bindings: HTTP-Redirect (a URL) and HTTP-POST (the window opens SSO Pilot's one-time loopback page, which posts
// the request). And IdP-initiated: chosen in step 1 as Microsoft Entra ID (whose profile offers an IdP-initiated
// link, its "User access URL"; no Entra ID here, SimpleSAMLphp stands in), the login window opens the link pasted
// there, SimpleSAMLphp's unsolicited-response start (SSOService.php?spentityid=...), and the report passes as
// IdP-initiated, InResponseTo left unchecked and said so. Steps 1-6, the start choices and the report's checks are
// login_window.mjs's, shared with test_login_peers.test.mjs (the other foreign IdPs). And signed requests: with
// `validate.authnrequest` and the test SP's certificate (as `ssopilot test-login --print-sp-metadata --sign-requests`
// prints it from the same keychain), an unsigned request is refused on SimpleSAMLphp's page and Stop says the IdP
// may want signed requests; signed, both bindings pass.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { handles, launch, profile, quit, shot, switchTo, withDriver } from "./harness.mjs";
import {
  ACS_URL,
  chooseIdpInitiated,
  expectPassingReport,
  openLoginWindow,
  chooseRequest,
  selfSignedCert,
  SP_ENTITY_ID,
  stepSevenSays,
  stopLogin,
  testSpCertificate,
  walkToTestLogin,
} from "./login_window.mjs";

const WWW = "/usr/share/simplesamlphp/www";
const IDP_ID = "https://idp.simplesamlphp.test/idp";
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

/**
 * SimpleSAMLphp with a new key, one `exampleauth` user and our SP; returns its base URL, certificate and stop(). With
 * `requestCert` (PEM), the SP's requests must be signed with that certificate's key (`validate.authnrequest`).
 */
async function startSimpleSamlPhp({ requestCert = null } = {}) {
  assert.ok(existsSync(join(WWW, "saml2/idp/SSOService.php")), "SimpleSAMLphp is missing: run scripts/setup.sh");
  const dir = mkdtempSync(join(tmpdir(), "ssopilot-e2e-simplesamlphp-"));
  for (const sub of ["config", "metadata", "log", "data", "tmp", "sessions"]) mkdirSync(join(dir, sub));
  const { key, cert, pem } = selfSignedCert(dir, "idp.simplesamlphp.test");
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
  'saml20.sign.assertion' => true, 'saml20.sign.response' => false,${requestCert ? `
  'validate.authnrequest' => true, 'certData' => ${php(requestCert.replace(/-----[A-Z ]+-----|\s+/g, ""))},` : ""}
];
`);
  const child = spawn("php", ["-d", `session.save_path=${dir}/sessions`, "-S", `127.0.0.1:${port}`, "-t", WWW], {
    env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: join(dir, "config") },
    stdio: "ignore",
  });
  await listening(port);
  return {
    sso: `${base}/saml2/idp/SSOService.php`,
    cert: pem,
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
      await walkToTestLogin(session, { idpProfile: "generic-saml", idp: { entityId: IDP_ID, sso: idp.sso, cert: idp.cert }, testUser: EMAIL });

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
      const login = await openLoginWindow(session, main);
      await switchTo(session, login);
      await (await session.find("input[name=username]", 20_000)).type(USER);
      await (await session.find("input[name=password]")).type(PASSWORD);
      await shot(session, `${shots + 1}-test-login-simplesamlphp-${binding}-form`);
      await (await session.find("#submit_button, button[type=submit], input[type=submit]")).click();
      await switchTo(session, main);

      await expectPassingReport(session, main, binding === "post" ? "SP-initiated, HTTP-POST, unsigned" : "SP-initiated, HTTP-Redirect, unsigned", idp.log);
      await shot(session, `${shots + 2}-test-login-simplesamlphp-${binding}-passed`);
      await stopLogin(session);
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
      await walkToTestLogin(session, { idpProfile: "entra-id", idp: { entityId: IDP_ID, sso: idp.sso, cert: idp.cert }, testUser: EMAIL });

      // Both ways are offered; SP-initiated is preselected (it checks the most), IdP-initiated is chosen here, and
      // the link is pasted where the profile names it.
      assert.equal(await (await session.find("[data-testid=login-start-sp_initiated]")).property("checked"), true);
      await chooseIdpInitiated(session, link);
      await shot(session, "36-test-login-simplesamlphp-idp-initiated-start");

      const login = await openLoginWindow(session, main);
      await switchTo(session, login);
      await (await session.find("input[name=username]", 20_000)).type(USER);
      await (await session.find("input[name=password]")).type(PASSWORD);
      await shot(session, "37-test-login-simplesamlphp-idp-initiated-form");
      await (await session.find("#submit_button, button[type=submit], input[type=submit]")).click();
      await switchTo(session, main);

      await expectPassingReport(session, main, "IdP-initiated", idp.log);
      await shot(session, "38-test-login-simplesamlphp-idp-initiated-passed");
      await stopLogin(session);
      await quit(session, dirs);
    });
  } finally {
    idp.stop();
  }
});

test("step 7: SimpleSAMLphp requiring signed requests refuses an unsigned one (step 7 says to sign), and signed ones pass on HTTP-Redirect and HTTP-POST", async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run under scripts/with-keyring.sh (scripts/test.sh does)");
  const dirs = profile("test-login-simplesamlphp-signed");
  const idp = await startSimpleSamlPhp({ requestCert: testSpCertificate(dirs) });
  // SimpleSAMLphp's form the first time; after that its session cookie (kept by the login window within one launch
  // of the app) signs the user in at once and the response comes with no form.
  const signIn = async (session, main) => {
    const login = await openLoginWindow(session, main);
    const form = await session.waitFor("SimpleSAMLphp's form or the response", async () => {
      if ((await session.findAll("[data-testid=login-continue]")).length > 0) return "caught";
      await switchTo(session, login);
      try {
        return (await session.findAll("input[name=username]")).length > 0 ? "form" : null;
      } finally {
        await switchTo(session, main);
      }
    }, 20_000).catch(async (e) => {
      throw new Error(`${e.message}\nSimpleSAMLphp's log:\n${idp.log().slice(-4000)}`);
    });
    if (form === "caught") return;
    await switchTo(session, login);
    await (await session.find("input[name=username]")).type(USER);
    await (await session.find("input[name=password]")).type(PASSWORD);
    await (await session.find("#submit_button, button[type=submit], input[type=submit]")).click();
    await switchTo(session, main);
  };
  try {
    await withDriver(dirs, async () => {
      const session = await launch();
      const [main] = await handles(session);
      await walkToTestLogin(session, { idpProfile: "generic-saml", idp: { entityId: IDP_ID, sso: idp.sso, cert: idp.cert }, testUser: EMAIL });

      // Unsigned: SimpleSAMLphp's own error page, no sign-in form and no response; Stop says why.
      await chooseRequest(session, { binding: "redirect", sign: false });
      const login = await openLoginWindow(session, main);
      await switchTo(session, login);
      const page = await session.waitFor("SimpleSAMLphp's refusal", async () => {
        const text = await session.execute("return document.body ? document.body.innerText : ''");
        return /signature/i.test(text) ? text : null;
      }, 20_000).catch((e) => {
        throw new Error(`${e.message}\nSimpleSAMLphp's log:\n${idp.log().slice(-4000)}`);
      });
      assert.equal((await session.findAll("input[name=password]")).length, 0, `no sign-in form: ${page}`);
      await switchTo(session, main);
      assert.equal((await session.findAll("[data-testid=login-continue]")).length, 0, "no response was caught");
      await stopLogin(session);
      const said = await stepSevenSays(session);
      assert.match(said, /stopped on an IdP page/);
      assert.match(said, /may want signed sign-in requests: tick Sign the request/);

      // Signed, on both bindings: SimpleSAMLphp verifies the request with the certificate step 7 shows.
      for (const binding of ["redirect", "post"]) {
        await chooseRequest(session, { binding, sign: true });
        await signIn(session, main);
        await expectPassingReport(session, main, `SP-initiated, ${binding === "post" ? "HTTP-POST" : "HTTP-Redirect"}, signed`, idp.log);
        await stopLogin(session);
      }
      // SimpleSAMLphp checked both signatures with the certificate it was given (its log says so, once a request).
      assert.equal((idp.log().match(/Validation with key #0 succeeded/g) ?? []).length, 2, idp.log().slice(-4000));
      await quit(session, dirs);
    });
  } finally {
    idp.stop();
  }
});
