// A foreign IdP for the loopback test SP: BoxyHQ's @boxyhq/saml20 (npm, pinned in package.json; the library behind
// BoxyHQ's Jackson and its mock IdP) behind node's own HTTP server on 127.0.0.1.
//
//     node boxyhq_idp.js IDP_KEY_PEM IDP_CERT_PEM OPEN_SP_METADATA STRICT_SP_METADATA [USER_EMAIL]
//
// Serves two IdPs on one free port, both signing with the given key, each trusting the one SP whose metadata file
// is given for it (read with the library's parseMetadata: entity ID, HTTP-POST ACS URL, certificate):
//   /open/...    WantAuthnRequestsSigned="false": a well-formed request from that SP is answered;
//   /strict/...  WantAuthnRequestsSigned="true": a request must carry a signature that the SP metadata's certificate
//                verifies. HTTP-POST: the enveloped signature, checked with the library's validateSignature, and the
//                request then read from what was signed only. HTTP-Redirect: the library has no check for the
//                query-string signature, so this script checks it with node's crypto (RSA-SHA256 only).
// The library's parseSAMLRequest itself refuses an unsigned AuthnRequest on HTTP-POST, on both IdPs.
// What @boxyhq/saml20 1.15.2 offers for signed requests (dist/request.js, dist/validateSignature.js): parseSAMLRequest
// only tests that an HTTP-POST request HAS a Signature with a KeyInfo certificate ("Missing signature"); it verifies
// nothing, and on HTTP-Redirect (isPost false) it tests nothing. validateSignature verifies an enveloped signature
// against configured certificates (written for responses; it works on a request). There is no check of the
// HTTP-Redirect query-string signature. createIdPMetadataXML can say WantAuthnRequestsSigned="true".
// Each has GET /sso?SAMLRequest=... (HTTP-Redirect), POST /sso (HTTP-POST), GET /unsolicited?RelayState=... (an
// IdP-initiated login: a response without InResponseTo) and GET /metadata (the library's createIdPMetadataXML).
// A login is answered at once with the library's auto-posting form (createPostForm) to the SP's ACS, carrying the
// library's createSAMLResponse for USER_EMAIL (Response and Assertion both signed, RSA-SHA256); a request refused
// gets HTTP 400 saying why. Prints one JSON line {"base"} when listening and serves until stdin closes (the test
// holds the pipe).

'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const saml = require('@boxyhq/saml20').default;

const [keyFile, certFile, openSpFile, strictSpFile, userArg] = process.argv.slice(2);
if (!strictSpFile) {
  process.stderr.write('usage: node boxyhq_idp.js IDP_KEY_PEM IDP_CERT_PEM OPEN_SP_METADATA STRICT_SP_METADATA [USER_EMAIL]\n');
  process.exit(2);
}
const email = userArg || 'sam.lee@example.org';
const privateKey = fs.readFileSync(keyFile, 'utf8');
const publicKey = fs.readFileSync(certFile, 'utf8');
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const MAX_BODY = 256 * 1024;

class Refused extends Error {}

function escape(s) {
  return String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function page(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(html);
}

async function makeIdp(base, name, wantSigned, spFile) {
  const sp = await saml.parseMetadata(fs.readFileSync(spFile, 'utf8'), {});
  if (sp.loginType !== 'sp' || !sp.entityID || !sp.sso.postUrl) {
    throw new Error(`${spFile}: not SP metadata with an HTTP-POST ACS`);
  }
  return { entityId: `${base}/${name}`, ssoUrl: `${base}/${name}/sso`, wantSigned, sp };
}

// The certificates the SP metadata gives, as PEM (parseMetadata joins them with commas).
function spCertsPem(idp) {
  return String(idp.sp.publicKey || '')
    .split(',')
    .filter((c) => c.trim())
    .map((c) => saml.certToPEM(saml.stripCertHeaderAndFooter(c).replace(/\s+/g, '')));
}

// HTTP-Redirect's query-string signature (SAML bindings 3.4.4.1), over the parameters exactly as they were sent.
function checkRedirectSignature(idp, rawQuery, query) {
  if (!query.Signature || !query.SigAlg) throw new Refused('the AuthnRequest is not signed, and this IdP requires it');
  if (query.SigAlg !== RSA_SHA256) throw new Refused(`unsupported SigAlg ${query.SigAlg}`);
  const raw = {};
  for (const pair of rawQuery.split('&')) {
    const at = pair.indexOf('=');
    if (at > 0) raw[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const signed = ['SAMLRequest', 'RelayState', 'SigAlg']
    .filter((k) => raw[k] !== undefined)
    .map((k) => `${k}=${raw[k]}`)
    .join('&');
  const signature = Buffer.from(query.Signature, 'base64');
  const ok = spCertsPem(idp).some((pem) => {
    try {
      return crypto.verify('sha256', Buffer.from(signed), new crypto.X509Certificate(pem).publicKey, signature);
    } catch (e) {
      return false;
    }
  });
  if (!ok) throw new Refused("the AuthnRequest's signature does not verify with the SP metadata's certificate");
}

// HTTP-POST's enveloped signature, checked by the library against the SP metadata's certificates; what it returns
// is the XML that was signed, and only that is read. Its presence is checked first, with the library's own test
// (parseSAMLRequest's "Missing signature"): validateSignature on a request without one fails with a TypeError
// ("Cannot read properties of undefined"), which would not tell the admin what is wrong.
async function signedPostRequest(idp, xml) {
  try {
    await saml.parseSAMLRequest(xml, true);
  } catch (e) {
    const why = e && e.message ? e.message : e;
    if (why === 'Missing signature') {
      throw new Refused(`the AuthnRequest is not signed, and this IdP requires it (@boxyhq/saml20: ${why})`);
    }
    throw new Refused(`@boxyhq/saml20 refused the AuthnRequest: ${why}`);
  }
  const certs = String(idp.sp.publicKey || '').replace(/\s+/g, '');
  let signed = null;
  try {
    signed = saml.validateSignature(xml, certs, null);
  } catch (e) {
    throw new Refused(`@boxyhq/saml20 refused the signature: ${e && e.message ? e.message : e}`);
  }
  if (!signed) throw new Refused("the AuthnRequest's signature does not verify with the SP metadata's certificate");
  return signed;
}

async function readRequest(idp, binding, samlRequest, rawQuery, query) {
  if (!samlRequest) throw new Refused('no SAMLRequest');
  let xml = await saml.decodeBase64(samlRequest, binding === 'redirect');
  if (idp.wantSigned && binding === 'redirect') checkRedirectSignature(idp, rawQuery, query);
  // What was signed has no Signature left in it (the enveloped-signature transform): parseSAMLRequest's own
  // "Missing signature" test applies to the open IdP only.
  const verified = idp.wantSigned && binding === 'post';
  if (verified) xml = await signedPostRequest(idp, xml);
  let request;
  try {
    request = await saml.parseSAMLRequest(xml, binding === 'post' && !verified);
  } catch (e) {
    throw new Refused(`@boxyhq/saml20 refused the AuthnRequest: ${e && e.message ? e.message : e}`);
  }
  if (request.audience !== idp.sp.entityID) {
    throw new Refused(`the AuthnRequest comes from ${request.audience}, not the SP ${idp.sp.entityID}`);
  }
  if (request.acsUrl && request.acsUrl !== idp.sp.sso.postUrl) {
    throw new Refused(`the AuthnRequest asks for the ACS ${request.acsUrl}, which the SP metadata does not list`);
  }
  return request;
}

async function respond(res, idp, requestId, relayState) {
  const acsUrl = idp.sp.sso.postUrl;
  const xml = await saml.createSAMLResponse({
    audience: idp.sp.entityID,
    issuer: idp.entityId,
    acsUrl,
    claims: { email, raw: { email } },
    requestId,
    privateKey,
    publicKey,
  });
  const params = [{ name: 'SAMLResponse', value: Buffer.from(xml).toString('base64') }];
  if (relayState) params.push({ name: 'RelayState', value: relayState });
  page(res, 200, saml.createPostForm(acsUrl, params));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > MAX_BODY) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

async function handle(idps, base, req, res) {
  const url = new URL(req.url, base);
  const [, name, action] = url.pathname.split('/');
  const idp = idps[name];
  if (!idp) return page(res, 404, '<p>not found</p>');
  const query = Object.fromEntries(url.searchParams);
  if (req.method === 'GET' && action === 'metadata') {
    res.writeHead(200, { 'Content-Type': 'application/samlmetadata+xml' });
    return res.end(
      saml.createIdPMetadataXML({
        ssoUrl: idp.ssoUrl,
        entityId: idp.entityId,
        x509cert: publicKey,
        wantAuthnRequestsSigned: idp.wantSigned,
      }),
    );
  }
  if (req.method === 'GET' && action === 'unsolicited') return respond(res, idp, undefined, query.RelayState);
  if (action !== 'sso') return page(res, 404, '<p>not found</p>');
  let binding;
  let fields;
  let rawQuery = '';
  if (req.method === 'GET') {
    binding = 'redirect';
    fields = query;
    rawQuery = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
  } else if (req.method === 'POST') {
    binding = 'post';
    fields = Object.fromEntries(new URLSearchParams(await readBody(req)));
  } else {
    return page(res, 405, '<p>method not allowed</p>');
  }
  try {
    const request = await readRequest(idp, binding, fields.SAMLRequest, rawQuery, fields);
    return await respond(res, idp, request.id, fields.RelayState);
  } catch (e) {
    if (e instanceof Refused) return page(res, 400, `<p>${escape(e.message)}</p>`);
    throw e;
  }
}

const server = http.createServer();
server.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const idps = {
    open: await makeIdp(base, 'open', false, openSpFile),
    strict: await makeIdp(base, 'strict', true, strictSpFile),
  };
  server.on('request', (req, res) => {
    handle(idps, base, req, res).catch((e) =>
      page(res, 500, `<p>@boxyhq/saml20 failed: ${escape(e && e.stack ? e.stack : e)}</p>`),
    );
  });
  process.stdout.write(`${JSON.stringify({ base })}\n`);
});

process.stdin.resume();
process.stdin.on('end', () => server.close(() => process.exit(0)));
