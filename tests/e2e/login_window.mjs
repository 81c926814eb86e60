// Step 7's login window against a real SAML IdP, shared by the tests that drive it (test_login_simplesamlphp,
// test_login_peers): steps 1-6 with the IdP chosen in step 1 and a generic SAML SP, the way the sign-in starts
// chosen as the admin chooses it, the window opened, and the report it ends with checked.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fill, handles, next, paste, switchTo, tick, usableCertificate, waitForTitle, waitNextEnabled, walkToIdpApp } from "./harness.mjs";

// The `ssopilot` command, for what the app does not show (the same keychain and data directory).
export const CLI = process.env.SSOPILOT_CLI ?? join(dirname(fileURLToPath(import.meta.url)), "..", "..", "target", "debug", "ssopilot");

export const SP_ENTITY_ID = "https://app.example.com/saml/metadata";
// Never reached: the login window holds the response (Stop ends the test).
export const ACS_URL = "https://app.example.com/saml/acs";

/** The test SP's signing certificate (PEM) as `ssopilot test-login --print-sp-metadata --sign-requests` prints it. */
export function testSpCertificate(dirs) {
  assert.ok(existsSync(CLI), `the CLI is not built (${CLI}): cargo build -p ssopilot`);
  const xml = execFileSync(CLI, [
    "test-login", "--print-sp-metadata", "--sign-requests", "--sp-entity-id", SP_ENTITY_ID,
    // Only the certificate is taken: the metadata's ACS URL (the CLI's own test SP, on this port) is not used.
    "--port", "48080",
  ], {
    env: { ...process.env, SSOPILOT_DATA_DIR: dirs.data },
    encoding: "utf8",
  });
  const b64 = /KeyDescriptor[^>]*use="signing"[^>]*>[\s\S]*?X509Certificate>([^<]+)</.exec(xml)?.[1].replace(/\s+/g, "");
  assert.ok(b64, `a signing certificate in the test SP's metadata:\n${xml}`);
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g).join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** A new RSA key and self-signed certificate in `dir` (idp.key, idp.crt); returns their paths and the PEM. */
export function selfSignedCert(dir, cn) {
  const key = join(dir, "idp.key");
  const cert = join(dir, "idp.crt");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30",
    "-subj", `/CN=${cn}`, "-keyout", key, "-out", cert,
  ], { stdio: "ignore" });
  return { key, cert, pem: readFileSync(cert, "utf8") };
}

/**
 * Steps 1-6 from an empty state: `idpProfile` chosen in step 1 ("generic-saml", or "entra-id", whose profile offers
 * an IdP-initiated link), a generic SAML SP with SP_ENTITY_ID and ACS_URL, step 3's IdP entity ID and SSO URL, step
 * 5's certificate, the test user assigned in step 6. `idp` gives those values: { entityId, sso, cert }, or an async
 * function called on step 3 with the SP metadata the page shows there (what the admin gives an IdP that imports SP
 * metadata), which starts the IdP and returns them. Ends on step 7 and returns the values used.
 */
export async function walkToTestLogin(session, { idpProfile, idp, testUser }) {
  await walkToIdpApp(session, { idpProfile, spProfile: "generic-saml", spEntityId: SP_ENTITY_ID, acsUrl: ACS_URL });
  let values = idp;
  if (typeof idp === "function") {
    const spMetadata = await session.execute(`return document.querySelector(".metadata-export pre.xml")?.textContent ?? null`);
    assert.match(spMetadata ?? "", /entityID="https:\/\/app\.example\.com\/saml\/metadata"/, "step 3 shows the SP metadata");
    values = await idp(spMetadata);
  }
  await fill(session, "idp_entity_id", values.entityId);
  await fill(session, "idp_sso_url", values.sso);
  await next(session);
  await waitForTitle(session, "Attributes");
  await next(session);
  await waitForTitle(session, "Certificate");
  // Pasted, as an admin does (typing a certificate key by key takes seconds).
  await paste(session, '[data-field="idp_certificate"] textarea', values.cert);
  await usableCertificate(session);
  await next(session);
  await waitForTitle(session, "Assign users");
  await tick(session, "users_assigned");
  await fill(session, "test_user", testUser);
  await waitNextEnabled(session, true);
  await next(session);
  await waitForTitle(session, "Test login");
  return values;
}

async function checked(session, testid) {
  const found = await session.findAll(`[data-testid=${testid}]`);
  return found.length > 0 && (await found[0].property("checked")) === true;
}

async function clickUntil(session, testid, want) {
  if ((await checked(session, testid)) !== want) await (await session.find(`[data-testid=${testid}]`)).click();
  await session.waitFor(`${testid} ${want ? "checked" : "unchecked"}`, async () => (await checked(session, testid)) === want);
}

/** Step 7, SP-initiated: SSO Pilot's own request, sent by `binding` ("redirect" or "post"), signed when `sign`. */
export async function chooseRequest(session, { binding, sign = false }) {
  await clickUntil(session, "login-start-sp_initiated", true);
  await clickUntil(session, `login-request-${binding}`, true);
  await clickUntil(session, "login-request-sign", sign);
}

/** Step 7, IdP-initiated: the link pasted where the IdP profile names it (Entra ID's "User access URL"). */
export async function chooseIdpInitiated(session, link) {
  await clickUntil(session, "login-start-idp_initiated", true);
  // No request is sent, so no binding to choose.
  assert.equal((await session.findAll("[data-testid=login-request-redirect]")).length, 0);
  const input = await session.find("[data-testid=login-link]");
  if ((await input.property("value")) !== link) {
    await input.clear();
    await input.type(`${link}\uE004`);
  }
  await session.waitFor("the link kept", async () => (await (await session.find("[data-testid=login-link]")).property("value")) === link);
  // The core took it: the window can open (before, the button is disabled and says to paste the link first).
  await session.waitFor("the login window ready to open", async () => (await session.find("[data-testid=start-login_window]")).enabled());
}

/** Opens the login window; returns its handle. The main window stays the current one. */
export async function openLoginWindow(session, main) {
  await (await session.find("[data-testid=start-login_window]")).click();
  return session.waitFor("the login window", async () => (await handles(session)).find((h) => h !== main), 20_000);
}

/** What the login window shows now (for a failure's message), the main window current again afterwards. */
async function loginWindowText(session, main) {
  try {
    const login = (await handles(session)).find((h) => h !== main);
    if (!login) return "(no login window)";
    await switchTo(session, login);
    return await session.execute("return location.href + '\\n' + (document.body ? document.body.innerText : '')");
  } catch (e) {
    return `(unreadable: ${e.message})`;
  } finally {
    await switchTo(session, main).catch(() => {});
  }
}

/**
 * Waits for this login's report, the response caught (Continue offered) and the report's headline naming `how`
 * ("SP-initiated, HTTP-Redirect, unsigned", "IdP-initiated"): an earlier login's report, drawn until this one
 * replaces it, names another way. Asserts that it passed with no failed check and, SP-initiated, that InResponseTo
 * passed; IdP-initiated, that the report says InResponseTo was left unchecked. `idpLog()` adds the IdP's own log to
 * a failure. Returns the report's text.
 */
export async function expectPassingReport(session, main, how, idpLog = () => "") {
  await session.waitFor(`the report of the login ${how}`, async () => {
    if ((await session.findAll("[data-testid=login-continue]")).length === 0) return null;
    const headline = await session.findAll("[data-testid=test-report] .verdict-headline");
    return headline.length > 0 && (await headline[0].text()).includes(`(${how})`);
  }, 30_000).catch(async (e) => {
    const errors = await Promise.all((await session.findAll(".test-way .error-text")).map((x) => x.text()));
    throw new Error(`${e.message}\nstep 7 says: ${errors.join(" ")}\nthe login window shows: ${await loginWindowText(session, main)}\nthe IdP's log:\n${idpLog().slice(-4000)}`);
  });
  const failures = await Promise.all((await session.findAll('[data-check][data-ok="false"]')).map((f) => f.text()));
  assert.deepEqual(failures, [], `no check failed (${how})`);
  assert.match(await (await session.find("[data-testid=test-report]")).attribute("class"), /passed/);
  const report = await (await session.find("[data-testid=test-report]")).text();
  if (how.startsWith("SP-initiated")) {
    const inResponseTo = await session.find('[data-check="in_response_to"]');
    assert.equal(await inResponseTo.attribute("data-ok"), "true", `the response answers the window's request (${how})`);
  } else {
    assert.match(report, /IdP-initiated/);
    assert.match(report, /InResponseTo/);
    assert.doesNotMatch(report, /SP-initiated, HTTP-/);
  }
  assert.match(await (await session.find("[data-testid=evidence-note]")).text(), /Recorded as evidence/);
  return report;
}

/** Stop: the login window closes and nothing reaches the SP. */
export async function stopLogin(session) {
  await (await session.find("[data-testid=login-stop]")).click();
  await session.waitFor("the login window closed", async () => (await handles(session)).length === 1, 10_000);
}

/** What step 7 says about the login window's last page once it was stopped there. */
export async function stepSevenSays(session) {
  return session.waitFor("what step 7 says about the page", async () => {
    const errors = await session.findAll(".test-way .error-text");
    return errors.length ? errors[0].text() : null;
  });
}
