// A foreign IdP for the loopback test SP: npm saml-idp (mcguinness' "Simple IdP for SAML 2.0 WebSSO & SLO
// Profile", pinned in package.json, with auth0's samlp from npm in place of its GitHub-only fork: see package.json)
// on 127.0.0.1, started through the package's own runServer with the options its command line takes.
//
//     node saml_idp.js IDP_KEY_PEM IDP_CERT_PEM SP_ACS_URL SP_ENTITY_ID
//
// The IdP is saml-idp as its users run it, untouched: entity ID (its default) urn:example:idp, GET /metadata, SSO
// at /saml/sso on HTTP-Redirect and HTTP-POST. A request there shows its user page (a form posting to /signin, the
// request carried in a hidden _authnRequest field); the form posted answers with samlp's auto-posting form to the
// ACS (Response and Assertion signed, RSA-SHA256). The user page at / without a request, posted, makes an
// IdP-initiated (unsolicited) response. It cannot require signed AuthnRequests: its parseSamlRequest calls
// samlp.parseRequest(req, callback) with no signing certificate (app.js), so samlp verifies nothing.
// Its own log goes nowhere (it prints every login's options); stdout carries one JSON line {"base", "entity_id"}
// once it answers, and it serves until stdin closes (the test holds the pipe).

'use strict';

const http = require('http');
const net = require('net');

const [keyFile, certFile, acsUrl, spEntityId] = process.argv.slice(2);
if (!spEntityId) {
  process.stderr.write('usage: node saml_idp.js IDP_KEY_PEM IDP_CERT_PEM SP_ACS_URL SP_ENTITY_ID\n');
  process.exit(2);
}
const ENTITY_ID = 'urn:example:idp';

// Its log (console and morgan's request log, both on stdout) is dropped: stdout is the start-up line's.
const out = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
console.log = () => {};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function answers(url) {
  return new Promise((resolve) => {
    http
      .get(url, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

async function main() {
  const port = await freePort();
  require('saml-idp').runServer({
    host: '127.0.0.1',
    port,
    cert: certFile,
    key: keyFile,
    issuer: ENTITY_ID,
    acsUrl,
    audience: spEntityId,
    serviceProviderId: spEntityId,
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i += 1) {
    if (await answers(`${base}/metadata`)) {
      out(`${JSON.stringify({ base, entity_id: ENTITY_ID })}\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  process.stderr.write(`saml-idp did not answer on ${base}\n`);
  process.exit(1);
}

main().catch((e) => {
  process.stderr.write(`saml-idp failed: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
