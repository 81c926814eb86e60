// End to end, the desktop notification of the watch at start (issue 22) where no notification service runs (Xvfb and
// a private session bus, as in CI): a saved setup in use whose IdP certificate expires in 5 days makes the app hand
// a notification to the system in plain words, and the app starts and works normally although nobody shows it; the
// summary's watch says the same.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { filesUnder, launch, profile, quit, shot, stepStatus, withDriver } from "./harness.mjs";

/** A certificate valid for `days` days, made here with the openssl command (its key is thrown away). */
function certificate(days) {
  return execFileSync(
    "bash",
    [
      "-c",
      `d=$(mktemp -d) && openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/k" -out "$d/c" -days ${days} -subj "/CN=idp.example.com" 2>/dev/null && cat "$d/c"; rm -rf "$d"`,
    ],
    { encoding: "utf8" },
  );
}

/** The names on the session bus (to show that no notification service is among them). */
function busNames() {
  try {
    return execFileSync(
      "dbus-send",
      ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"],
      { encoding: "utf8" },
    );
  } catch {
    return "";
  }
}

test("notification at start: a certificate expiring in 5 days is notified, and without a notification service the app carries on", async () => {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run under scripts/with-keyring.sh (scripts/test.sh does)");
  assert.doesNotMatch(busNames(), /org\.freedesktop\.Notifications/, "no notification service on this bus");
  const dirs = profile("notify");
  // Infisical with JumpCloud, switched on in Infisical, with an IdP certificate that expires in 5 days.
  writeFileSync(
    join(dirs.data, "state.json"),
    JSON.stringify({
      version: 1,
      current_step: "enable",
      idp_profile: "jumpcloud",
      sp_profile: "infisical",
      acs_url: "https://app.infisical.com/api/v1/sso/saml2/org-notify",
      sp_entity_id: "https://app.infisical.com",
      idp_entity_id: "https://app.infisical.com",
      sign_assertion_confirmed: true,
      idp_sso_url: "https://sso.jumpcloud.com/saml2/infisical",
      idp_certificate: certificate(5),
      users_assigned: true,
      test_user: "ada@example.com",
      sso_enabled: true,
    }),
  );
  await withDriver(dirs, async () => {
    const session = await launch();
    // The app works: its saved setup is loaded and the step list drawn.
    assert.match(await stepStatus(session, "providers"), /\bcomplete\b/);
    assert.match(await stepStatus(session, "sp_values"), /\bcomplete\b/);
    // The watch ran and handed its notification to the system, which has nobody to show it: logged, no failure.
    const logLine = await session.waitFor(
      "the notification in the log",
      async () => {
        const logs = filesUnder(dirs.base).filter((f) => f.endsWith(".log"));
        const line = logs
          .flatMap((f) => readFileSync(f, "utf8").split("\n"))
          .find((l) => /desktop notification/.test(l));
        return line ?? null;
      },
      20_000,
    );
    assert.match(logLine, /The IdP certificate expires in [45] days — open SSO Pilot's summary/);
    assert.doesNotMatch(logLine, /could not be shown/);
    // Still responsive after the notification: a click in the step list is answered.
    await (await session.find('[data-step="providers"] button')).click();
    await session.waitFor("step 1", async () => /Providers/.test(await (await session.find("h1#page-title")).text()));
    await shot(session, "notify-01-started-without-a-notification-service");
    await quit(session, dirs);
  });
});
