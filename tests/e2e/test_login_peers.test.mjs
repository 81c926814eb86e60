// End to end, step 7's login window against every other foreign SAML IdP the CLI tests run (crates/testkit; the
// table in crates/testkit/README.md says what each supports and why not): pysaml2, Lasso, samlify, @boxyhq/saml20,
// npm saml-idp and flask-saml2, each started on loopback as cli/tests/it/idp_*_cli.rs start it, with the test user
// as its user. SimpleSAMLphp has its own file (test_login_simplesamlphp.test.mjs), whose steps 1-6 these share
// (login_window.mjs). One launch of the app per IdP, several logins in it: each login opens the window, the IdP
// answers (at once with its auto-posting form; saml-idp after its "Sign in" page), the response is caught before it
// leaves for the ACS (https://app.example.com/saml/acs, never reached) and passes every check, the report's headline
// says how the sign-in started and, SP-initiated, InResponseTo passed; then Stop, another choice, and again.
//   - The IdP is chosen in step 1 as Microsoft Entra ID where it can start an IdP-initiated login (its profile offers
//     both ways and a "User access URL" for the link, as in the SimpleSAMLphp test; no Entra ID here, the peer
//     stands in), so SP-initiated on HTTP-Redirect, SP-initiated on HTTP-POST (through SSO Pilot's one-time loopback
//     page) and IdP-initiated (the peer's unsolicited start pasted as the link) run in one launch. flask-saml2 has no
//     IdP-initiated login (its /saml/login/ needs a SAMLRequest, and there is no view for an unsolicited response):
//     chosen as a generic SAML IdP, both bindings only.
//   - Lasso and samlify trust the SP through SP metadata: the one step 3 shows (what the admin gives an IdP that
//     imports SP metadata), taken from the page; their open IdP (/open/) answers unsigned requests. pysaml2,
//     saml-idp and flask-saml2 take the SP's entity ID and ACS URL.
//   - Signed requests: the app signs with the test SP's key from the system keychain and shows that key's
//     certificate on step 7 once Sign the request is ticked; `ssopilot test-login --print-sp-metadata
//     --sign-requests` prints the same one (same keychain), which the IdPs are given here before step 7. pysaml2, given it
//     (PYSAML2_SP_SIGNING_CERT: want_authn_requests_signed), refuses the unsigned request with its own page, then
//     passes signed HTTP-Redirect and signed HTTP-POST; so do Lasso's and samlify's strict IdPs (/strict/), given
//     the SP metadata with that certificate. @boxyhq/saml20 runs as its strict IdP (/strict/, the
//     signature verified on both bindings, as cli/tests/it/idp_boxyhq_cli.rs runs it): its open IdP would refuse an
//     unsigned HTTP-POST anyway (parseSAMLRequest's "Missing signature"), and its parseMetadata fails on SP metadata
//     without a KeyDescriptor ("keyDes is not iterable"), which is what step 3 shows for an SP with no certificate,
//     so it is given what `ssopilot metadata sp --cert` writes with the test SP's certificate. Its refusal of the
//     unsigned request says "not signed": Stop then says the IdP may want signed requests. pysaml2's says
//     "IncorrectlySigned" with HTTP 400: Stop says the same, with the status, which the shell reads from the web
//     view (WebKitGTK's navigation timing gives the page's script none).
// Run under scripts/with-keyring.sh (a private keychain) by scripts/test.sh. A peer that is not installed skips its
// test with a message, and fails it in CI (CI set), as the Rust peer tests do.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { handles, launch, profile, quit, shot, switchTo, withDriver } from "./harness.mjs";
import {
  ACS_URL,
  chooseIdpInitiated,
  CLI,
  chooseRequest,
  expectPassingReport,
  openLoginWindow,
  selfSignedCert,
  SP_ENTITY_ID,
  stepSevenSays,
  stopLogin,
  testSpCertificate,
  walkToTestLogin,
} from "./login_window.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const JS = join(ROOT, "crates", "testkit", "js");
const PY = join(ROOT, "crates", "testkit", "py");
const PYTHON = process.env.SSOPILOT_PYTHON || join(ROOT, ".venv", "bin", "python");
const FLASK_PYTHON = process.env.SSOPILOT_FLASK_SAML2_PYTHON || join(ROOT, ".venv-flask-saml2", "bin", "python");
const SYSTEM_PYTHON = "/usr/bin/python3";
const USER = "sam.lee@example.org";
const CI = Boolean(process.env.CI) && process.env.CI !== "false";

/** Why a peer cannot run here (null when it can). */
function pythonMissing(python, module) {
  try {
    execFileSync(python, ["-c", `import ${module}`], { stdio: "ignore" });
    return null;
  } catch {
    return `${python} cannot import ${module}`;
  }
}
const nodeMissing = (pkg) => (existsSync(join(JS, "node_modules", pkg, "package.json")) ? null : `the npm package ${pkg} is not installed in ${JS}`);

/** node:test's options for a peer's test: skipped with the reason outside CI; in CI the test runs and fails. */
const when = (missing) => ({ skip: missing && !CI ? `${missing}; run scripts/setup.sh` : false });

/**
 * Starts a peer script that prints one JSON line when it listens and serves until its stdin closes. Returns that
 * line's fields, log() (its standard error) and stop().
 */
async function startPeer(what, command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => (log = (log + d).slice(-16_000)));
  const started = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 30 s: ${log}`)), 30_000);
    child.stdout.on("data", (d) => {
      out += d;
      const end = out.indexOf("\n");
      if (end < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, end)));
      } catch (e) {
        reject(new Error(`${what} printed ${out.slice(0, end)}: ${e.message}`));
      }
    });
    child.on("error", (e) => (clearTimeout(timer), reject(new Error(`${what} did not start: ${e.message}`))));
    child.on("exit", (code) => (clearTimeout(timer), reject(new Error(`${what} ended (${code}) before listening: ${log}`))));
  });
  return {
    ...started,
    log: () => log,
    stop: () => {
      child.stdin.end();
      child.kill();
    },
  };
}

/**
 * The SP metadata `ssopilot metadata sp` writes for SP_ENTITY_ID and ACS_URL with the test SP's signing certificate
 * (from `ssopilot test-login --print-sp-metadata --sign-requests`).
 */
function testSpMetadata(dirs, dir) {
  const certFile = join(dir, "test-sp.crt");
  writeFileSync(certFile, testSpCertificate(dirs));
  return execFileSync(CLI, ["metadata", "sp", "--entity-id", SP_ENTITY_ID, "--acs", ACS_URL, "--cert", certFile], { encoding: "utf8" });
}

/**
 * The login window opened with the request chosen now (unsigned), to an IdP that requires signed requests: its page
 * says so (`refusal`), no response comes, and Stop closes the window.
 */
async function refusedUnsigned(session, main, idp, refusal, shotName) {
  const loginWindow = await openLoginWindow(session, main);
  await switchTo(session, loginWindow);
  await session.waitFor(`the IdP's refusal (${refusal})`, async () =>
    refusal.test(await session.execute("return document.body ? document.body.innerText : ''")), 20_000).catch((e) => {
    throw new Error(`${e.message}\nthe IdP's log:\n${idp.log()}`);
  });
  await switchTo(session, main);
  await shot(session, shotName);
  assert.equal((await session.findAll("[data-testid=login-continue]")).length, 0, "no response was caught");
  await stopLogin(session);
}

const requestHow = ({ binding, sign = false }) =>
  `SP-initiated, ${binding === "post" ? "HTTP-POST" : "HTTP-Redirect"}, ${sign ? "signed" : "unsigned"}`;

/**
 * One launch of the app against one peer: steps 1-6 with `idpProfile`, the peer started on step 3 by `start(spMetadata,
 * dir, dirs)` (the SP metadata step 3 shows, a temporary folder, the app's profile; returning { entityId, sso, cert,
 * log, stop, link? }), then each of `logins` in turn in the login window: { request:
 * { binding, sign } } or { link: true } (IdP-initiated at the peer's `link`), with `signIn(session)` for a peer that
 * shows a page first. `before(session, main, idp)` runs on step 7 before the logins. Screenshots: `shots` numbers the
 * first passed report.
 */
async function againstPeer({ name, idpProfile, start, logins, before = async () => {}, signIn = null, shots }) {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run under scripts/with-keyring.sh (scripts/test.sh does)");
  const dir = mkdtempSync(join(tmpdir(), `ssopilot-e2e-${name}-`));
  const dirs = profile(`test-login-${name}`);
  let idp = null;
  try {
    await withDriver(dirs, async () => {
      const session = await launch();
      const [main] = await handles(session);
      await walkToTestLogin(session, {
        idpProfile,
        idp: async (spMetadata) => (idp = await start(spMetadata, dir, dirs)),
        testUser: USER,
      });
      await before(session, main, idp);
      let number = shots;
      for (const login of logins) {
        const how = login.link ? "IdP-initiated" : requestHow(login.request);
        if (login.link) await chooseIdpInitiated(session, idp.link);
        else await chooseRequest(session, login.request);
        const loginWindow = await openLoginWindow(session, main);
        if (signIn) {
          await switchTo(session, loginWindow);
          await signIn(session, how);
          await switchTo(session, main);
        }
        await expectPassingReport(session, main, how, idp.log);
        if (number !== undefined) await shot(session, `${number++}-test-login-${name}-${how.replaceAll(/[^A-Za-z]+/g, "-").toLowerCase()}-passed`);
        await stopLogin(session);
      }
      await quit(session, dirs);
    });
  } finally {
    idp?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const BOTH_AND_IDP_INITIATED = [
  { request: { binding: "redirect" } },
  { request: { binding: "post" } },
  { link: true },
];

/** A peer of two IdPs on one port (/open/ and /strict/, each trusting the SP of a metadata file): the open one. */
function openAndStrict(script, command, what) {
  return async (spMetadata, dir) => {
    const sp = join(dir, "sp.xml");
    writeFileSync(sp, spMetadata);
    const { key, cert, pem } = selfSignedCert(dir, "peer.test");
    const peer = await startPeer(what, command, [script, key, cert, sp, sp, USER]);
    return { ...peer, entityId: `${peer.base}/open`, sso: `${peer.base}/open/sso`, cert: pem, link: `${peer.base}/open/unsolicited` };
  };
}

/**
 * The same peer's strict IdP (/strict/: a request must be signed with the key of the certificate in its SP
 * metadata), given the SP metadata with the test SP's signing certificate (as the admin gives it to the IdP).
 */
function strictOnly(script, command, what) {
  return async (_spMetadata, dir, dirs) => {
    const sp = join(dir, "sp.xml");
    writeFileSync(sp, testSpMetadata(dirs, dir));
    const { key, cert, pem } = selfSignedCert(dir, "peer.test");
    const peer = await startPeer(what, command, [script, key, cert, sp, sp, USER]);
    return { ...peer, entityId: `${peer.base}/strict`, sso: `${peer.base}/strict/sso`, cert: pem };
  };
}

const SIGNED_BOTH = [{ request: { binding: "redirect", sign: true } }, { request: { binding: "post", sign: true } }];

test("step 7 against pysaml2: the login window passes SP-initiated on HTTP-Redirect and HTTP-POST, and IdP-initiated", when(pythonMissing(PYTHON, "saml2")), async () => {
  await againstPeer({
    name: "pysaml2",
    idpProfile: "entra-id",
    start: async () => {
      const peer = await startPeer("pysaml2", PYTHON, [join(PY, "pysaml2_idp_http.py"), SP_ENTITY_ID, ACS_URL, USER]);
      return { ...peer, entityId: peer.entity_id, sso: peer.sso_url, cert: peer.cert_pem, link: `${peer.base}/unsolicited` };
    },
    logins: BOTH_AND_IDP_INITIATED,
    shots: 40,
  });
});

test("step 7 against pysaml2 requiring signed requests: refused unsigned, then signed on HTTP-Redirect and HTTP-POST with the certificate ssopilot test-login prints", when(pythonMissing(PYTHON, "saml2")), async () => {
  await againstPeer({
    name: "pysaml2-signed",
    idpProfile: "generic-saml",
    start: async (_spMetadata, dir, dirs) => {
      const certFile = join(dir, "test-sp.crt");
      const spCert = testSpCertificate(dirs);
      writeFileSync(certFile, spCert);
      const peer = await startPeer("pysaml2 (signed requests)", PYTHON, [join(PY, "pysaml2_idp_http.py"), SP_ENTITY_ID, ACS_URL, USER], {
        PYSAML2_SP_SIGNING_CERT: certFile,
      });
      return { ...peer, entityId: peer.entity_id, sso: peer.sso_url, cert: peer.cert_pem, spCert };
    },
    before: async (session, main, idp) => {
      // Unsigned first: pysaml2 refuses it with its own page (HTTP 400, "IncorrectlySigned"), and no report comes.
      await chooseRequest(session, { binding: "redirect", sign: false });
      await refusedUnsigned(session, main, idp, /IncorrectlySigned/, "43-test-login-pysaml2-signed-refused-unsigned");
      const said = await stepSevenSays(session);
      assert.match(said, /stopped on an IdP page/);
      assert.match(said, /HTTP 400/);
      assert.match(said, /may want signed sign-in requests: tick Sign the request/);
      // Signing on: step 7 shows the certificate the IdP needs (with a copy button), the same one the CLI prints
      // from the keychain and pysaml2 was given.
      await chooseRequest(session, { binding: "redirect", sign: true });
      assert.match(await (await session.find(".login-request .help")).text(), /give the application the test SP's certificate \(below\)/);
      const shown = await session.waitFor("the test SP's certificate shown", async () => {
        const pre = await session.findAll("[data-testid=login-request-certificate]");
        return pre.length ? pre[0].text() : null;
      });
      const body = (pem) => pem.replace(/-----[A-Z ]+-----|\s+/g, "");
      assert.equal(body(shown), body(idp.spCert));
      assert.ok(await session.find("[aria-label='Copy Test SP signing certificate']"));
    },
    logins: [{ request: { binding: "redirect", sign: true } }, { request: { binding: "post", sign: true } }],
    shots: 44,
  });
});

test("step 7 against Lasso: the login window passes SP-initiated on HTTP-Redirect and HTTP-POST, and IdP-initiated", when(pythonMissing(SYSTEM_PYTHON, "lasso")), async () => {
  await againstPeer({
    name: "lasso",
    idpProfile: "entra-id",
    start: openAndStrict(join(PY, "lasso_idp_http.py"), SYSTEM_PYTHON, "Lasso"),
    logins: BOTH_AND_IDP_INITIATED,
    shots: 46,
  });
});

test("step 7 against samlify: the login window passes SP-initiated on HTTP-Redirect and HTTP-POST, and IdP-initiated", when(nodeMissing("samlify")), async () => {
  await againstPeer({
    name: "samlify",
    idpProfile: "entra-id",
    start: openAndStrict(join(JS, "samlify_idp.js"), "node", "samlify"),
    logins: BOTH_AND_IDP_INITIATED,
    shots: 49,
  });
});

test("step 7 against Lasso requiring signed requests: signed on HTTP-Redirect and HTTP-POST pass", when(pythonMissing(SYSTEM_PYTHON, "lasso")), async () => {
  await againstPeer({
    name: "lasso-signed",
    idpProfile: "generic-saml",
    start: strictOnly(join(PY, "lasso_idp_http.py"), SYSTEM_PYTHON, "Lasso"),
    logins: SIGNED_BOTH,
  });
});

test("step 7 against samlify requiring signed requests: signed on HTTP-Redirect and HTTP-POST pass", when(nodeMissing("samlify")), async () => {
  await againstPeer({
    name: "samlify-signed",
    idpProfile: "generic-saml",
    start: strictOnly(join(JS, "samlify_idp.js"), "node", "samlify"),
    logins: SIGNED_BOTH,
  });
});

test("step 7 against @boxyhq/saml20 requiring signed requests: refused unsigned (step 7 says to sign), then signed on HTTP-Redirect and HTTP-POST, and IdP-initiated", when(nodeMissing("@boxyhq/saml20")), async () => {
  await againstPeer({
    name: "boxyhq",
    idpProfile: "entra-id",
    // Its parseMetadata fails on SP metadata without a KeyDescriptor, which is what step 3 shows (the SP has no
    // certificate): it is given the SP metadata with the test SP's certificate, and its strict IdP checks with it.
    start: async (_spMetadata, dir, dirs) => {
      const sp = join(dir, "sp.xml");
      writeFileSync(sp, testSpMetadata(dirs, dir));
      const { key, cert, pem } = selfSignedCert(dir, "peer.test");
      const peer = await startPeer("@boxyhq/saml20", "node", [join(JS, "boxyhq_idp.js"), key, cert, sp, sp, USER]);
      return { ...peer, entityId: `${peer.base}/strict`, sso: `${peer.base}/strict/sso`, cert: pem, link: `${peer.base}/strict/unsolicited` };
    },
    before: async (session, main, idp) => {
      await chooseRequest(session, { binding: "redirect", sign: false });
      await refusedUnsigned(session, main, idp, /not signed, and this IdP requires it/, "52-test-login-boxyhq-refused-unsigned");
      // Stopped on the IdP's page, step 7 says what it said and what usually fixes it.
      const said = await stepSevenSays(session);
      assert.match(said, /stopped on an IdP page/);
      assert.match(said, /may want signed sign-in requests: tick Sign the request/);
    },
    logins: [{ request: { binding: "redirect", sign: true } }, { request: { binding: "post", sign: true } }, { link: true }],
    shots: 53,
  });
});

test("step 7 against npm saml-idp: the login window passes SP-initiated on HTTP-Redirect and HTTP-POST, and IdP-initiated, through its Sign in page", when(nodeMissing("saml-idp")), async () => {
  await againstPeer({
    name: "saml-idp",
    idpProfile: "entra-id",
    start: async (_spMetadata, dir) => {
      const { key, cert, pem } = selfSignedCert(dir, "saml-idp test IdP");
      const peer = await startPeer("npm saml-idp", "node", [join(JS, "saml_idp.js"), key, cert, ACS_URL, SP_ENTITY_ID]);
      return { ...peer, entityId: peer.entity_id, sso: `${peer.base}/saml/sso`, cert: pem, link: `${peer.base}/` };
    },
    // Its user page: the user's name (the NameID, an email address here), then "Sign in".
    signIn: async (session) => {
      const name = await session.find("input[name=userName]", 20_000);
      await name.clear();
      await name.type(USER);
      await (await session.find("#btn-sign-in")).click();
    },
    logins: BOTH_AND_IDP_INITIATED,
    shots: 56,
  });
});

test("step 7 against flask-saml2: the login window passes SP-initiated on HTTP-Redirect and HTTP-POST (it has no IdP-initiated login)", when(pythonMissing(FLASK_PYTHON, "flask_saml2.idp")), async () => {
  await againstPeer({
    name: "flask-saml2",
    idpProfile: "generic-saml",
    start: async (_spMetadata, dir) => {
      const { key, cert, pem } = selfSignedCert(dir, "flask-saml2 test IdP");
      const peer = await startPeer("flask-saml2", FLASK_PYTHON, [join(PY, "flask_saml2_idp.py"), key, cert, SP_ENTITY_ID, ACS_URL, USER]);
      return { ...peer, entityId: peer.entity_id, sso: `${peer.base}/saml/login/`, cert: pem };
    },
    logins: [{ request: { binding: "redirect" } }, { request: { binding: "post" } }],
    shots: 63,
  });
});
