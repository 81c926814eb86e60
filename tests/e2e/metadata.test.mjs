// End to end: IdP metadata imported into step 3 of the real app, by paste and from a file, and the signing
// certificate carried to step 5 (kept in the saved state: step 5's page is built on another branch).
//
// The metadata is written here around a fresh certificate from `openssl req -x509`. The native file dialog
// (GTK) cannot be driven through WebDriver, so the debug build's dialog answers with a path the test names
// (harness answerFileDialogs): the button, the shell's command, the core's file reading and the confirmation UI are
// the real ones; only the dialog is skipped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerFileDialogs, inputValue, launch, next, profile, quit, shot, stepStatus, tick, waitForTitle, walkToIdpApp, withDriver } from "./harness.mjs";

const SP_ENTITY_ID = "https://app.infisical.com";
const ACS_URL = "https://app.infisical.com/api/v1/sso/saml2/0b6f3c1e-metadata-e2e";
const IDP_URL = "https://sso.jumpcloud.com/saml2/infisical-md";
const IDP_URL_2 = "https://sso.jumpcloud.com/saml2/infisical-md-2";

/** A fresh self-signed certificate: its PEM, its base64 body and its SHA-256 fingerprint as the app shows it. */
function certificate(dir) {
  const pemPath = join(dir, "cert.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", pemPath,
    "-days", "365", "-subj", "/CN=JumpCloud e2e IdP",
  ], { stdio: "ignore" });
  const pem = readFileSync(pemPath, "utf8");
  const body = pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
  const fp = execFileSync("openssl", ["x509", "-in", pemPath, "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" })
    .trim()
    .replace(/^.*=/, "");
  return { pem, body, fingerprint: fp.toUpperCase() };
}

function idpMetadata(entityId, ssoUrl, certBody) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certBody}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;
}

test("IdP metadata pasted and loaded from a file fills step 3; step 5 shows its certificate checked and matched, and saves it", async () => {
  const work = mkdtempSync(join(tmpdir(), "ssopilot-e2e-md-"));
  const first = certificate(work);
  const second = certificate(work);
  const pasted = idpMetadata(SP_ENTITY_ID, IDP_URL, first.body);
  const filePath = join(work, "jumpcloud-metadata.xml");
  writeFileSync(filePath, idpMetadata(SP_ENTITY_ID, IDP_URL_2, second.body));

  const dirs = profile("metadata");
  await withDriver(dirs, async () => {
    const session = await launch();
    await walkToIdpApp(session, { idpProfile: "jumpcloud", spProfile: "infisical", spEntityId: SP_ENTITY_ID, acsUrl: ACS_URL });

    // The SP metadata export shows the step 2 values.
    const exported = await session.execute("return document.querySelector('.metadata-export pre').textContent");
    assert.match(exported, new RegExp(`entityID="${SP_ENTITY_ID}"`));
    assert.ok(exported.includes(ACS_URL), "the exported SP metadata has the ACS URL");

    // Paste: open the import box, put the XML in (typing 2 KB key by key would only be slow), import.
    await (await session.find('.metadata-import[data-side="idp"] summary')).click();
    await session.execute(
      `const t = document.querySelector('.metadata-import[data-side="idp"] textarea');
       t.value = arguments[0];
       t.dispatchEvent(new Event('input', { bubbles: true }));`,
      [pasted],
    );
    const importButton = await session.waitFor("the import button", async () => {
      const buttons = await session.findAll(".metadata-import button");
      for (const b of buttons) if ((await b.text()) === "Import pasted metadata" && (await b.enabled())) return b;
      return null;
    });
    await importButton.click();
    await session.waitFor("the IDP URL filled from the metadata", async () => (await inputValue(session, "idp_sso_url")) === IDP_URL);
    assert.equal(await inputValue(session, "idp_entity_id"), SP_ENTITY_ID);
    const result = await (await session.find(".import-result")).text();
    assert.match(result, /^The pasted metadata was imported: IdP Entity ID, IDP URL, the signing certificate/);
    const callout = await session.waitFor("the certificate line", async () => {
      for (const c of await session.findAll(".callout.info")) {
        const text = await c.text();
        if (text.includes("Signing certificate imported")) return text;
      }
      return null;
    });
    assert.ok(callout.includes(first.fingerprint), `the fingerprint of the pasted certificate is shown: ${callout}`);
    await shot(session, "md-01-idp-metadata-pasted");

    // A file: the values differ from what is set now, so the app shows old and new and waits for the admin. The
    // real button and command; the debug build's dialog answers with the file's path.
    answerFileDialogs(filePath);
    const chooseFile = await session.waitFor("the file button", async () => {
      for (const b of await session.findAll(".metadata-import button")) if ((await b.text()) === "Choose a metadata file…") return b;
      return null;
    });
    await chooseFile.click();
    // The page draws the core's answer to its own actions: ticking Sign Assertion (needed anyway) redraws it, with
    // the pending confirmation.
    await tick(session, "sign_assertion");
    const row = await session.waitFor("old and new side by side", async () => {
      const rows = await session.findAll(".changes tbody tr");
      return rows.length ? rows : null;
    });
    const rowTexts = await Promise.all(row.map((r) => r.text()));
    assert.ok(rowTexts.some((t) => t.includes(IDP_URL) && t.includes(IDP_URL_2)), `IDP URL old and new: ${rowTexts}`);
    assert.ok(rowTexts.some((t) => t.includes(second.fingerprint)), `the new certificate's fingerprint: ${rowTexts}`);
    assert.equal(await inputValue(session, "idp_sso_url"), IDP_URL, "nothing changes before the admin confirms");
    await shot(session, "md-02-idp-metadata-file-asks");
    const apply = await session.waitFor("the apply button", async () => {
      for (const b of await session.findAll(".changes button")) if ((await b.text()) === "Use the metadata's values") return b;
      return null;
    });
    await apply.click();
    await session.waitFor("the IDP URL from the file", async () => (await inputValue(session, "idp_sso_url")) === IDP_URL_2);
    const afterFile = await (await session.find(".import-result")).text();
    assert.match(afterFile, /^The file jumpcloud-metadata\.xml was imported/);
    await shot(session, "md-03-idp-metadata-file-applied");

    // On to step 5: the certificate is there, checked, and in the saved state.
    await next(session);
    await waitForTitle(session, "Attributes");
    await next(session);
    await waitForTitle(session, "Certificate");
    await shot(session, "md-04-certificate");
    // Step 5 shows the imported certificate, checked: usable, and matched to the metadata it came from.
    const certificateField = await inputValue(session, "idp_certificate");
    assert.equal(certificateField.replace(/\s+/g, ""), second.pem.replace(/\s+/g, ""), "step 5's field holds the file's certificate");
    const stepText = await (await session.find("main.content")).text();
    assert.match(stepText, /Usable:/, "step 5's verdict on the imported certificate");
    assert.match(stepText, /matches signing certificate 1 of the imported metadata/);
    assert.match(await stepStatus(session, "certificate"), /\bcomplete\b/, "step 5 is complete");
    const saved = JSON.parse(readFileSync(join(dirs.data, "state.json"), "utf8"));
    const norm = (pem) => pem.replace(/\s+/g, "");
    assert.equal(norm(saved.idp_certificate), norm(second.pem), "the file's certificate is the one for step 5");
    assert.deepEqual(saved.idp_metadata_certificates.map(norm), [norm(second.pem)]);
    assert.equal(saved.idp_sso_url, IDP_URL_2);
    await quit(session, dirs);
  });
});
