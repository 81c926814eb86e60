// A foreign IdP for the loopback test SP: samlify (npm, pinned in package.json) as an identity provider behind
// node's own HTTP server on 127.0.0.1.
//
//     node samlify_idp.js IDP_KEY_PEM IDP_CERT_PEM OPEN_SP_METADATA STRICT_SP_METADATA [USER_EMAIL]
//
// Serves two IdPs on one free port, both signing with the given key, each trusting the one SP whose metadata file
// is given for it (a test SP's, as our exporter writes it):
//   /open/...    wantAuthnRequestsSigned false: any well-formed request is answered;
//   /strict/...  wantAuthnRequestsSigned true: a request must carry a signature that the SP metadata's certificate
//                verifies (HTTP-Redirect: the query-string signature; HTTP-POST: the enveloped one).
// Each has GET /sso?SAMLRequest=... (HTTP-Redirect), POST /sso (HTTP-POST), GET /unsolicited?RelayState=... (an
// IdP-initiated login: a response that answers no request) and GET /metadata (samlify's IdP metadata).
// A login is answered at once with an auto-posting HTTP-POST form to the SP's ACS carrying a response for
// USER_EMAIL, its Assertion signed (RSA-SHA256); a request samlify refuses gets HTTP 400 naming samlify's error.
// With SAMLIFY_ENCRYPT="DATA_URI KEY_URI" in the environment both IdPs encrypt the (signed) assertion for the SP
// metadata's encryption certificate (samlify's isAssertionEncrypted), with that dataEncryptionAlgorithm (content) and
// keyEncryptionAlgorithm (key transport).
// Prints one JSON line {"base"} when listening and serves until stdin closes (the test holds the pipe).

'use strict';

const fs = require('fs');
const http = require('http');
const samlify = require('samlify');

const [keyFile, certFile, openSpFile, strictSpFile, userArg] = process.argv.slice(2);
if (!strictSpFile) {
  process.stderr.write('usage: node samlify_idp.js IDP_KEY_PEM IDP_CERT_PEM OPEN_SP_METADATA STRICT_SP_METADATA [USER_EMAIL]\n');
  process.exit(2);
}
const user = { email: userArg || 'sam.lee@example.org' };
const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

// samlify refuses to parse without a schema validator. This peer is the system under test's counterpart, not the
// system under test: well-formedness is left to samlify's own parser, and our side checks what it sends.
samlify.setSchemaValidator({ validate: () => Promise.resolve('not schema-validated (test peer)') });

function makeSp(file) {
  return samlify.ServiceProvider({ metadata: fs.readFileSync(file, 'utf8'), wantAssertionsSigned: true });
}

function escape(s) {
  return String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function page(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(html);
}

// The HTTP-POST binding form that carries a response to the SP's ACS.
function responseForm(res, login, relayState) {
  const relay = relayState ? `<input type="hidden" name="RelayState" value="${escape(relayState)}"/>` : '';
  page(
    res,
    200,
    `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${escape(login.entityEndpoint)}">` +
      `<input type="hidden" name="SAMLResponse" value="${escape(login.context)}"/>${relay}` +
      '<noscript><button type="submit">Continue</button></noscript></form></body></html>',
  );
}

// The AuthnStatement samlify's default template leaves empty (the Web SSO profile requires one), filled in through
// samlify's customTagReplacement hook.
function withAuthnStatement({ idp, sp }, requestId) {
  return (template) => {
    const now = new Date();
    const later = new Date(now.getTime() + 5 * 60 * 1000).toISOString();
    const acs = sp.entityMeta.getAssertionConsumerService(samlify.Constants.wording.binding.post);
    const id = idp.entitySetting.generateID();
    const values = {
      ID: id,
      AssertionID: idp.entitySetting.generateID(),
      Destination: acs,
      Audience: sp.entityMeta.getEntityID(),
      SubjectRecipient: acs,
      Issuer: idp.entityMeta.getEntityID(),
      IssueInstant: now.toISOString(),
      StatusCode: samlify.Constants.StatusCode.Success,
      ConditionsNotBefore: now.toISOString(),
      ConditionsNotOnOrAfter: later,
      SubjectConfirmationDataNotOnOrAfter: later,
      NameIDFormat: EMAIL,
      NameID: user.email,
      InResponseTo: requestId || '',
      AttributeStatement: '',
    };
    // XML, so placed before samlify's replacement (which escapes the values it puts in).
    const authn =
      `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="${id}">` +
      `<saml:AuthnContext><saml:AuthnContextClassRef>${PASSWORD}</saml:AuthnContextClassRef></saml:AuthnContext>` +
      '</saml:AuthnStatement>';
    // An unsolicited response keeps samlify's own empty InResponseTo="": the validator reads it as absent (as
    // SP-side SAML libraries do) and says so in a warning.
    const context = samlify.SamlLib.replaceTagsByValue(template.replace('{AuthnStatement}', authn), values);
    return { id, context };
  };
}

// samlify's encryption settings from SAMLIFY_ENCRYPT, or none.
function encryption() {
  const setting = process.env.SAMLIFY_ENCRYPT;
  if (!setting) return {};
  const [dataEncryptionAlgorithm, keyEncryptionAlgorithm] = setting.split(' ');
  return { isAssertionEncrypted: true, dataEncryptionAlgorithm, keyEncryptionAlgorithm };
}

function makeIdp(base, name, wantSigned, spFile) {
  const location = `${base}/${name}/sso`;
  const idp = samlify.IdentityProvider({
    ...encryption(),
    entityID: `${base}/${name}`,
    privateKey: fs.readFileSync(keyFile, 'utf8'),
    signingCert: fs.readFileSync(certFile, 'utf8'),
    wantAuthnRequestsSigned: wantSigned,
    nameIDFormat: [EMAIL],
    requestSignatureAlgorithm: RSA_SHA256,
    singleSignOnService: [
      { Binding: samlify.Constants.namespace.binding.redirect, Location: location },
      { Binding: samlify.Constants.namespace.binding.post, Location: location },
    ],
  });
  return { idp, sp: makeSp(spFile) };
}

// The raw query string parts a redirect signature covers, as sent (samlify verifies over these bytes).
function octetString(rawQuery) {
  const parts = {};
  for (const pair of rawQuery.split('&')) {
    const at = pair.indexOf('=');
    if (at > 0) parts[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return ['SAMLRequest', 'RelayState', 'SigAlg']
    .filter((k) => parts[k] !== undefined)
    .map((k) => `${k}=${parts[k]}`)
    .join('&');
}

async function answer(res, peer, binding, request, relayState) {
  const { idp, sp } = peer;
  let parsed;
  try {
    parsed = await idp.parseLoginRequest(sp, binding, request);
  } catch (e) {
    return page(res, 400, `<p>samlify refused the AuthnRequest: ${escape(e && e.message ? e.message : e)}</p>`);
  }
  const requestId = parsed.extract.request.id;
  const login = await idp.createLoginResponse(sp, parsed, 'post', user, withAuthnStatement(peer, requestId));
  responseForm(res, login, relayState);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 256 * 1024) req.destroy();
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const idps = { open: makeIdp(base, 'open', false, openSpFile), strict: makeIdp(base, 'strict', true, strictSpFile) };
  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, base);
      const [, name, action] = url.pathname.split('/');
      const peer = idps[name];
      if (!peer) return page(res, 404, '<p>not found</p>');
      const query = Object.fromEntries(url.searchParams);
      if (req.method === 'GET' && action === 'metadata') {
        res.writeHead(200, { 'Content-Type': 'application/samlmetadata+xml' });
        return res.end(peer.idp.getMetadata());
      }
      if (req.method === 'GET' && action === 'unsolicited') {
        const login = await peer.idp.createLoginResponse(peer.sp, null, 'post', user, withAuthnStatement(peer, null));
        return responseForm(res, login, query.RelayState);
      }
      if (req.method === 'GET' && action === 'sso') {
        const raw = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
        return await answer(res, peer, 'redirect', { query, octetString: octetString(raw) }, query.RelayState);
      }
      if (req.method === 'POST' && action === 'sso') {
        const body = Object.fromEntries(new URLSearchParams(await readBody(req)));
        return await answer(res, peer, 'post', { body }, body.RelayState);
      }
      return page(res, 404, '<p>not found</p>');
    } catch (e) {
      return page(res, 500, `<p>samlify failed: ${escape(e && e.stack ? e.stack : e)}</p>`);
    }
  });
  process.stdout.write(`${JSON.stringify({ base })}\n`);
});

process.stdin.resume();
process.stdin.on('end', () => server.close(() => process.exit(0)));
