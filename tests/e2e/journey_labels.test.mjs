// End to end, the JumpCloud + Infisical journey from an empty state up to the test login (step 7, where a real IdP
// would be needed), checking on every screen the words the two portals use, with a screenshot of each step in
// test-artifacts/e2e/. Then the gates of steps 8 and 9 without a test login: Enable opens after step 6 and completes
// on its confirmation; Enforce opens but stays locked, says why, and leads back to step 7.
// The certificate is made here with the openssl command. (The demo IdP's whole journey, self-hosted settings and the
// secret scan are in journey_demo.test.mjs.)

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  choose,
  fill,
  goTo,
  launch,
  next,
  nextState,
  pageText,
  paste,
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
const ACS_URL = "https://app.infisical.com/api/v1/sso/saml2/7c2e4f10-e2e8-4c1b-9a57-3f0e2b6c7d88";
const IDP_URL = "https://sso.jumpcloud.com/saml2/infisical-e2e-journey";

/** A fresh self-signed certificate (PEM) from the openssl command. */
function opensslCertificate() {
  const dir = mkdtempSync(join(tmpdir(), "ssopilot-e2e-journey-"));
  try {
    const cert = join(dir, "idp.crt");
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "idp.key"), "-out", cert, "-days", "365", "-subj", "/CN=JumpCloud e2e journey/O=SSO Pilot Tests"],
      { stdio: "ignore" },
    );
    return readFileSync(cert, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


/** Every phrase is on the page as the admin sees it. */
async function assertWords(session, step, phrases) {
  const text = await pageText(session);
  for (const phrase of phrases) {
    assert.ok(text.includes(phrase), `step ${step} shows "${phrase}":\n${text}`);
  }
}





test("JumpCloud and Infisical in their own words from step 1 to step 7, then the gates of steps 8 and 9", async () => {
  const pem = opensslCertificate();
  const dirs = profile("journey-labels");
  await withDriver(dirs, async () => {
    const session = await launch();

    // 1. Providers.
    await waitForTitle(session, "Providers");
    await choose(session, "idp_profile", "jumpcloud");
    await choose(session, "sp_profile", "infisical");
    await assertWords(session, 1, ["JumpCloud", "Infisical", "Identity provider (IdP)", "Service provider (SP)"]);
    await shot(session, "journey-01-providers");
    await next(session);

    // 2. Service provider values, in Infisical's words, with the path of its settings.
    await waitForTitle(session, "Service provider values");
    await assertWords(session, 2, [
      "ACS URL",
      "SP Entity ID",
      "Organization Settings > Authentication > SAML SSO Configuration > Set up SAML SSO",
    ]);
    await fill(session, "acs_url", ACS_URL);
    await fill(session, "sp_entity_id", SP_ENTITY_ID);
    await waitNextEnabled(session, true);
    await shot(session, "journey-02-sp-values");
    await next(session);

    // 3. The Custom SAML App in JumpCloud's words: its tabs, fields and checkbox.
    await waitForTitle(session, "IdP application");
    await assertWords(session, 3, [
      "Custom SAML App",
      "User Authentication > SSO > + Add New Application > Custom SAML App",
      "General Info tab",
      "SSO tab",
      "Application name",
      "IdP Entity ID",
      "IDP URL",
      "I checked Sign Assertion in JumpCloud",
    ]);
    await tick(session, "sign_assertion");
    await fill(session, "idp_sso_url", IDP_URL);
    await waitNextEnabled(session, true);
    await shot(session, "journey-03-idp-app");
    await next(session);

    // 4. Attributes: which side is which, in JumpCloud's column names.
    await waitForTitle(session, "Attributes");
    await assertWords(session, 4, ["Service Provider Attribute Name", "JumpCloud Attribute Name", "activate"]);
    await shot(session, "journey-04-attributes");
    await next(session);

    // 5. Certificate.
    await waitForTitle(session, "Certificate");
    await paste(session, '[data-field="idp_certificate"] textarea', pem);
    await session.waitFor("the certificate is usable", async () => (await pageText(session)).includes("Usable:"));
    await assertWords(session, 5, ["JumpCloud signing certificate", "Paste this into Infisical with its BEGIN and END lines"]);
    await shot(session, "journey-05-certificate");
    await next(session);

    // 6. Assign users: JumpCloud's own clicks, the admin's own account recommended.
    await waitForTitle(session, "Assign users");
    await assertWords(session, 6, [
      "Access > SSO Applications > (your application) > User Groups",
      "Select the User Groups tab.",
      "Select the user group(s), then click Save.",
      "Use your own",
    ]);
    const blocked = await nextState(session);
    assert.equal(blocked.enabled, false);
    assert.match(blocked.reason ?? "", /Grant the application to a user group in JumpCloud/);
    await tick(session, "users_assigned");
    await fill(session, "test_user", "admin@example.com");
    await waitNextEnabled(session, true);
    await shot(session, "journey-06-assign-users");
    await next(session);

    // 7. Test login: here a real JumpCloud would be needed.
    await waitForTitle(session, "Test login");
    await shot(session, "journey-07-test-login");
    for (const step of ["providers", "sp_values", "idp_app", "attributes", "certificate", "assign_users"]) {
      assert.match(await stepStatus(session, step), /\bcomplete\b/, `step ${step} is complete`);
    }

    // 8. Enable opens without the test login: where each value goes in Infisical, and the switch to turn on.
    await goTo(session, "enable");
    await waitForTitle(session, "Enable");
    await assertWords(session, 8, [
      "Organization Settings > Authentication > SAML SSO Configuration",
      "IDP URL",
      IDP_URL,
      "IdP Entity ID",
      "Certificate",
      "-----BEGIN CERTIFICATE-----",
      "Press Update, then switch on Enable SAML SSO.",
      "I switched on Enable SAML SSO in Infisical",
    ]);
    const copies = await session.findAll('button[aria-label^="Copy"]');
    assert.ok(copies.length >= 3, `each value has a copy button (${copies.length})`);
    assert.equal((await nextState(session)).enabled, false);
    await tick(session, "sso_enabled");
    await waitNextEnabled(session, true);
    await shot(session, "journey-08-enable");
    await next(session);

    // 9. Enforce opens but stays locked without a passing test login, says why, and leads back to step 7.
    await waitForTitle(session, "Enforce");
    await assertWords(session, 9, ["Locked until a test login passes", "Go to step 7 (Test login)"]);
    assert.equal((await session.findAll('[data-field="enforce_confirm"]')).length, 0, "no confirmation while locked");
    assert.doesNotMatch(await stepStatus(session, "enforce"), /\bcomplete\b/);
    await shot(session, "journey-09-enforce-locked");
    const back = await session.findAll("button");
    let clicked = false;
    for (const button of back) {
      if ((await button.text()) === "Go to step 7 (Test login)") {
        await button.click();
        clicked = true;
        break;
      }
    }
    assert.ok(clicked, "the button back to step 7 is there");
    await waitForTitle(session, "Test login");
    await quit(session, dirs);
  });
});
