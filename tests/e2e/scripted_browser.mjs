#!/usr/bin/env node
// The "system browser" of the loopback e2e test: the app's opener (gio open, through a desktop entry the test puts in
// its own XDG directories) starts this with the URL it wants opened. It does what a person does at the demo IdP: opens
// the URL (the IdP's SSO URL with the AuthnRequest), signs in with the given account, and lets the auto-posting form
// go to the ACS it names. What happened is written to the --log file for the test to read.
//   node scripted_browser.mjs --user EMAIL --password PASSWORD --log FILE URL

import { appendFileSync } from "node:fs";

const args = process.argv.slice(2);
const option = (name) => args[args.indexOf(name) + 1];
const user = option("--user");
const password = option("--password");
const log = option("--log");
const url = args[args.length - 1];
const note = (line) => appendFileSync(log, `${line}\n`);

const unescape = (s) =>
  s.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
const field = (page, name) => {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(page);
  return m ? unescape(m[1]) : null;
};
const form = (body) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(body).toString(),
});

try {
  note(`opened ${url}`);
  const loginPage = await (await fetch(url)).text();
  const token = field(loginPage, "token");
  if (!token) throw new Error(`no login form at ${url}: ${loginPage.slice(0, 300)}`);
  const login = new URL("/login", url).toString();
  const autoPost = await (await fetch(login, form({ token, email: user, password }))).text();
  const saml = field(autoPost, "SAMLResponse");
  const action = /<form[^>]*action="([^"]+)"/.exec(autoPost)?.[1];
  if (!saml || !action) throw new Error(`no auto-posting form after signing in: ${autoPost.slice(0, 300)}`);
  const body = { SAMLResponse: saml };
  const relay = field(autoPost, "RelayState");
  if (relay !== null) body.RelayState = relay;
  const acs = await fetch(unescape(action), form(body));
  note(`posted to ${unescape(action)}: ${acs.status}`);
} catch (error) {
  note(`failed: ${error.message}`);
  process.exitCode = 1;
}
