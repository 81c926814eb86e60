// End to end, step 5 (Certificate) in the real app: a certificate pasted without its BEGIN/END lines is repaired in
// one click and its fingerprint equals openssl's; a pasted private key is refused and disappears from the page.
// Certificates and keys are made here with the openssl command. Screenshots go to test-artifacts/e2e/.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fill, launch, next, nextState, paste, profile, quit, shot, stepStatus, tick, waitForTitle, waitNextEnabled, walkToIdpApp, withDriver } from "./harness.mjs";

const SP_ENTITY_ID = "https://app.infisical.com";
const ACS_URL = "https://app.infisical.com/api/v1/sso/saml2/5b0c1d2e-e2e5-4c1b-9a57-3f0e2b6c7d55";
const IDP_URL = "https://sso.jumpcloud.com/saml2/infisical-e2e-cert";
const FIELD = '[data-field="idp_certificate"] textarea';

/** A fresh self-signed RSA-2048 certificate and its private key, from the openssl command. */
function opensslPair() {
  const dir = mkdtempSync(join(tmpdir(), "ssopilot-e2e-cert-"));
  try {
    const cert = join(dir, "idp.crt");
    const key = join(dir, "idp.key");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "365", "-subj", "/CN=JumpCloud e2e IdP/O=SSO Pilot Tests"], { stdio: "ignore" });
    const fingerprint = execFileSync("openssl", ["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" })
      .trim()
      .split("=")[1];
    return { pem: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8"), fingerprint };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function toCertificate(session) {
  await walkToIdpApp(session, { idpProfile: "jumpcloud", spProfile: "infisical", spEntityId: SP_ENTITY_ID, acsUrl: ACS_URL });
  await fill(session, "idp_entity_id", SP_ENTITY_ID);
  await tick(session, "sign_assertion");
  await fill(session, "idp_sso_url", IDP_URL);
  await next(session);
  await waitForTitle(session, "Attributes");
  await next(session);
  await waitForTitle(session, "Certificate");
}

test("step 5 repairs a certificate pasted without armor, and refuses a private key without showing it", async () => {
  const { pem, key, fingerprint } = opensslPair();
  const bare = pem
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"))
    .join("");
  const dirs = profile("certificate");
  await withDriver(dirs, async () => {
    const session = await launch();
    await toCertificate(session);
    const empty = await nextState(session);
    assert.equal(empty.enabled, false, "Next is disabled before a certificate is pasted");
    await shot(session, "05-certificate-empty");

    // Bare base64, as in a metadata X509Certificate element.
    await paste(session, FIELD, bare);
    const finding = await session.find('[data-testid=certificate-verdict] [data-code="missing_armor"]');
    assert.match(await finding.text(), /BEGIN|armor|lines/i, "the missing armor is explained");
    const repair = await session.find("[data-testid=use-repaired]");
    await shot(session, "05-certificate-bare-base64");
    await repair.click();

    const repaired = await session.waitFor("the field to hold the repaired PEM", async () => {
      const value = await (await session.find(FIELD)).property("value");
      return value.startsWith("-----BEGIN CERTIFICATE-----\n") ? value : null;
    });
    assert.match(repaired.trimEnd(), /\n-----END CERTIFICATE-----$/, "the repaired version keeps the END line");
    assert.equal(repaired.replace(/\s/g, ""), pem.replace(/\s/g, ""), "the repaired version is the same certificate");
    await waitNextEnabled(session, true);
    await session.waitFor("step 5 complete", async () => /\bcomplete\b/.test(await stepStatus(session, "certificate")));
    assert.equal((await session.findAll("[data-testid=use-repaired]")).length, 0, "nothing is left to repair");
    const verdict = await session.find("[data-testid=certificate-verdict]");
    assert.match(await verdict.attribute("class"), /\busable\b/);

    const fingerprints = await session.findAll('[data-value-label="SHA-256 fingerprint"] .value-text');
    assert.equal(fingerprints.length, 1, "the SHA-256 fingerprint is shown");
    assert.equal(await fingerprints[0].text(), fingerprint, "the fingerprint equals openssl's");
    const page = await (await session.find("main.content")).text();
    assert.match(page, /compare with the fingerprint your IdP shows/i);
    assert.ok((await session.findAll("[data-testid=validity-timeline] svg line.today")).length === 1, "the timeline is drawn");
    assert.match(await (await session.find("[data-testid=certificate-pem]")).text(), /^-----BEGIN CERTIFICATE-----/);
    await shot(session, "05-certificate-repaired");

    // The private key: refused, and its text is nowhere on the page.
    await paste(session, FIELD, key);
    const refused = await session.waitFor("the refusal", async () => {
      const v = await session.find("[data-testid=certificate-verdict]");
      return /\bunusable\b/.test(await v.attribute("class")) ? v : null;
    });
    assert.match(await refused.text(), /private key/i);
    assert.equal((await session.findAll('[data-code="private_key"]')).length, 1);
    await session.waitFor("the field to be emptied", async () => (await (await session.find(FIELD)).property("value")) === "");
    const keyLines = key.split("\n").filter((l) => l && !l.startsWith("-----"));
    const everything = await session.execute(
      `return document.documentElement.outerHTML + [...document.querySelectorAll("textarea, input")].map((e) => e.value).join("\\n");`,
    );
    for (const line of keyLines) assert.ok(!everything.includes(line), "no line of the key is on the page");
    assert.ok(!everything.includes("BEGIN PRIVATE KEY"), "not even its BEGIN line");
    assert.match(await (await session.find("[data-testid=certificate-note]")).text(), /private key/i);
    const blocked = await waitNextEnabled(session, false);
    assert.match(blocked.reason ?? "", /private key/i, `Next says why: ${blocked.reason}`);
    await shot(session, "05-certificate-private-key-refused");
    await quit(session, dirs);
  });
  // The saved progress holds no part of the key.
  const saved = readFileSync(join(dirs.data, "state.json"), "utf8");
  assert.ok(!saved.includes("PRIVATE"), "the state file holds no key");
  assert.match(saved, /BEGIN CERTIFICATE/, "the usable certificate was saved");
});
