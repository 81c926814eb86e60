// End to end, the summary's "Rehearse a certificate rotation" with the built-in demo IdP (issue 22), in the real app
// with no mocks: the demo journey to the summary, then the rotation in the advised order with a test login at each
// step: a next key published and imported (the login still signed with the current certificate), the IdP switched
// (signed with the next), the old certificate retired, and the evidence recorded against the new certificate; no
// test login fails on the way. Then the support bundle: saved from the summary, opened back read only (the steps
// and reports as saved), and the admin's own saved setup unchanged by opening it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  answerFileDialogs,
  confirmEnforcement,
  DEMO_JOURNEY,
  enableWithNewSecret,
  goTo,
  handles,
  launch,
  pageText,
  passDemoTestLogin,
  profile,
  quit,
  reportState,
  shot,
  signInInLoginWindow,
  tick,
  waitForTitle,
  waitNextEnabled,
  walkDemoToTestLogin,
  withDriver,
} from "./harness.mjs";
import { seriousViolations } from "./a11y.mjs";

async function click(session, selector) {
  // Below the fold a WebDriver click can land on the sticky footer under Xvfb, so it is clicked from the page.
  await session.find(selector);
  await session.execute(`document.querySelector(arguments[0]).scrollIntoView({ block: "center" }); document.querySelector(arguments[0]).click()`, [selector]);
}

/** Clicks the rotation block's button whose text is `label`. */
async function rotationButton(session, label) {
  await session.waitFor(`the rotation's "${label}"`, () =>
    session.execute(
      `const b = [...document.querySelectorAll("[data-testid=rotation] button")].find((b) => b.textContent.trim() === arguments[0]);
       if (!b || b.disabled) return false;
       b.scrollIntoView({ block: "center" }); b.click(); return true;`,
      [label],
    ),
  );
}

/** The rotation block's fields: current and next SHA-256, who signed the last login, the order, the demo phase. */
async function rotation(session) {
  await session.find("[data-testid=rotation]", 10_000);
  return session.execute(`
    const r = document.querySelector("[data-testid=rotation]");
    const dd = [...r.querySelectorAll(".rotation-certs dd")].map((d) => d.textContent.trim());
    return {
      current: dd[0], next: dd[1],
      signedBy: r.querySelector("[data-testid=rotation-signed-by]")?.textContent.trim() ?? null,
      order: [...r.querySelectorAll(".rotation-order li")].map((l) => l.textContent.trim()),
      phase: r.querySelector(".callout")?.textContent.trim() ?? null,
      canRetire: ![...r.querySelectorAll("button")].find((b) => b.textContent.trim() === "Retire the old certificate")?.disabled,
    };`);
}

/** A test login through the login window at step 7 that must pass; returns the report's "signed with" line. */
async function passingLogin(session, main, name) {
  await goTo(session, "test_login");
  await waitForTitle(session, "Test login");
  await signInInLoginWindow(session, main, DEMO_JOURNEY.user, DEMO_JOURNEY.password);
  // This login's report: Continue is offered once the window holds this login's response; until then the previous
  // login's report (the same way in, another signer) is still drawn.
  await session.waitFor("the response caught", async () => (await session.findAll("[data-testid=login-continue]")).length > 0, 60_000);
  const cls = await session.waitFor("the test report", () => reportState(session), 10_000);
  await shot(session, `rotation-${name}`);
  assert.match(cls, /passed/, `the test login ${name} passed`);
  assert.deepEqual(await session.findAll('[data-check][data-ok="false"]'), [], `no check failed (${name})`);
  const signedBy = await (await session.find("[data-testid=signed-by]")).text();
  const evidence = await (await session.find("[data-testid=evidence-note]")).text();
  await (await session.find("[data-testid=login-stop]")).click();
  await session.waitFor("the login window closed", async () => (await handles(session)).length === 1, 10_000);
  await goTo(session, "enforce");
  await session.waitFor("the summary", async () => /SAML SSO is enforced in/.test(await pageText(session)));
  return { signedBy, evidence };
}

const fingerprint = (text) => text.replace(/^SHA-256\s*/, "").trim();

test("summary: a certificate rotation rehearsed with the demo IdP, no failed login, evidence for the new certificate; a support bundle saved and opened back", async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run under scripts/with-keyring.sh (scripts/test.sh does)");
  const dirs = profile("rotation");
  await withDriver(dirs, async () => {
    const session = await launch();
    const [main] = await handles(session);
    await walkDemoToTestLogin(session, async () => {}, "https://rotation.infisical.example.com");
    await passDemoTestLogin(session, main);
    await enableWithNewSecret(session);
    await waitForTitle(session, "Enforce");
    await confirmEnforcement(session);

    // The summary's rotation block: the current certificate, none next, the advised order for Infisical.
    let r = await rotation(session);
    const oldFp = fingerprint(r.current);
    assert.match(oldFp, /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    assert.match(r.next, /none imported yet/);
    assert.ok(r.order.length >= 3, `the order of the switch is given: ${JSON.stringify(r.order)}`);
    assert.equal(r.canRetire, false, "nothing to retire before a rotation");
    assert.match(r.phase, /publishes one certificate/);
    await shot(session, "rotation-01-summary");

    // 1. The IdP publishes its next key (both certificates published, still signing with the current one), and the
    // next certificate is imported beside the current one (empty field: the demo IdP's).
    await rotationButton(session, "Demo IdP: publish a next signing key");
    await session.waitFor("the overlap", async () => /publishes both certificates/.test((await rotation(session)).phase ?? ""));
    await rotationButton(session, "Import next certificate");
    r = await session.waitFor("the next certificate imported", async () => {
      const now = await rotation(session);
      return /SHA-256/.test(now.next) ? now : null;
    });
    const newFp = fingerprint(r.next);
    assert.notEqual(newFp, oldFp);
    assert.equal(fingerprint(r.current), oldFp);
    assert.equal(r.canRetire, false, "not before a login signed with the next certificate");

    // A test login in the overlap: passes, signed with the current certificate.
    let login = await passingLogin(session, main, "02-overlap");
    assert.match(login.signedBy, /current certificate/i);
    assert.match(login.signedBy, new RegExp(oldFp.slice(0, 20)));
    r = await rotation(session);
    assert.match(r.signedBy, /signed with the current certificate/);
    assert.equal(r.canRetire, false);

    // 2. The IdP switches to the next key: the next login passes, signed with the next certificate.
    await rotationButton(session, "Demo IdP: switch to the next key");
    await session.waitFor("the switch", async () => /signs with the next key/.test((await rotation(session)).phase ?? ""));
    login = await passingLogin(session, main, "03-switched");
    assert.match(login.signedBy, /next certificate/i);
    assert.match(login.signedBy, new RegExp(newFp.slice(0, 20)));
    r = await rotation(session);
    assert.match(r.signedBy, /signed with the next certificate/);
    assert.equal(r.canRetire, true, "a login signed with the next certificate allows retiring the old one");
    await shot(session, "rotation-04-can-retire");

    // 3. The old certificate retired on the SP side: the next one is the configured certificate now.
    await rotationButton(session, "Retire the old certificate");
    r = await session.waitFor("the old certificate retired", async () => {
      const now = await rotation(session);
      return fingerprint(now.current) === newFp ? now : null;
    });
    assert.match(r.next, /none imported yet/);

    // The IdP stops publishing the old certificate.
    await rotationButton(session, "Demo IdP: retire the old certificate");
    await session.waitFor("the demo IdP steady again", async () => /publishes one certificate/.test((await rotation(session)).phase ?? ""));

    // Infisical holds one certificate: step 8 asks for the new one to be pasted there, confirmed by ticking again.
    await goTo(session, "enable");
    await waitForTitle(session, "Enable");
    assert.match(await pageText(session), /changed since you switched on/);
    const box = '[data-field="sso_enabled"] input[type=checkbox]';
    await click(session, box);
    await session.waitFor("sso_enabled unticked", async () => !(await (await session.find(box)).property("checked")));
    await tick(session, "sso_enabled");
    await waitNextEnabled(session, true);

    // 4. A last test login records the evidence for the new certificate.
    login = await passingLogin(session, main, "05-retired");
    assert.match(login.signedBy, new RegExp(newFp.slice(0, 20)));
    assert.match(login.evidence, /Recorded as evidence/);
    const state = JSON.parse(readFileSync(join(dirs.data, "state.json"), "utf8"));
    assert.equal(state.test_evidence.certificate_sha256, newFp, "the evidence is recorded against the new certificate");
    assert.equal(state.idp_next_certificate, undefined);
    assert.ok(state.enforced_at, "still enforced");
    assert.doesNotMatch(await pageText(session), /no longer matches it/, "the summary's evidence is current");
    await shot(session, "rotation-06-summary-after");

    // The support bundle: saved from the summary, then opened back in the app.
    const folder = mkdtempSync(join(tmpdir(), "ssopilot-e2e-bundle-"));
    const bundleFile = join(folder, "ticket.json");
    answerFileDialogs(bundleFile);
    await session.waitFor("Save support bundle clicked", () =>
      session.execute(
        `const b = [...document.querySelectorAll(".report-export button")].find((b) => b.textContent.trim() === "Save support bundle…");
         if (!b) return false;
         b.scrollIntoView({ block: "center" }); b.click(); return true;`,
      ),
    );
    await session.waitFor("the bundle saved", async () => /support bundle was saved to/.test(await (await session.find("main.content")).text()));
    const bundle = JSON.parse(readFileSync(bundleFile, "utf8"));
    assert.equal(bundle.format, "ssopilot-support-bundle");
    const stateBefore = readFileSync(join(dirs.data, "state.json"));

    await click(session, "[data-testid=bundle-open]");
    await session.find("[data-testid=bundle-viewer]", 10_000);
    const viewer = await (await session.find("[data-testid=bundle-viewer]")).text();
    assert.match(viewer, /Support bundle · read only/i);
    assert.match(viewer, /Read only: this is the support bundle ticket\.json/);
    for (const text of ["SSO Pilot version", bundle.app_version, "demo", "infisical-self-hosted", "Last test login", "Certificates", "Configuration as saved"]) {
      assert.ok(viewer.includes(text), `the bundle view shows ${text}`);
    }
    assert.ok(viewer.includes(newFp), "the certificate in the bundle is the new one");
    const steps = await session.findAll("[data-testid=bundle-steps] li");
    assert.equal(steps.length, 9);
    // The steps as the admin saw them: all done, at the summary (the demo IdP's grants judged by the running app).
    assert.equal((await session.findAll("[data-testid=bundle-steps] li.complete")).length, 9, "every step done in the bundle");
    assert.match(viewer, /Current step\s*9\. Enforce/);
    assert.equal((await session.findAll("nav[aria-label=Steps]")).length, 0, "the admin's own steps are not offered");
    assert.deepEqual(await seriousViolations(session), [], "axe on the opened bundle");
    await shot(session, "rotation-07-bundle-open");
    assert.deepEqual(readFileSync(join(dirs.data, "state.json")), stateBefore, "opening the bundle changed nothing saved");

    // Back to the admin's own setup.
    await click(session, "[data-testid=bundle-close]");
    await session.waitFor("the summary again", async () => /SAML SSO is enforced in/.test(await pageText(session)));
    assert.deepEqual(readFileSync(join(dirs.data, "state.json")), stateBefore, "the saved setup is unchanged");
    await quit(session, dirs);
  });
});
