"""A foreign IdP for the loopback test SP: Lasso (Debian's python3-lasso, run by the system python3) behind a tiny
HTTP server on 127.0.0.1.

    /usr/bin/python3 lasso_idp_http.py IDP_KEY_PEM IDP_CERT_PEM OPEN_SP_METADATA STRICT_SP_METADATA [USER_EMAIL]

Serves two IdPs on one free port, both signing with the given key (RSA-SHA256), each trusting the SP whose metadata
file is given for it (a test SP's, as our exporter writes it):
  /open/...    WantAuthnRequestsSigned="false": a request's signature is checked only when it has one;
  /strict/...  WantAuthnRequestsSigned="true" and Lasso's signature check forced: a request must be signed with the
               key of the SP metadata's certificate.
Each has GET /sso?SAMLRequest=... (HTTP-Redirect), POST /sso (HTTP-POST), GET /unsolicited?RelayState=... (an
IdP-initiated login, Lasso's initIdpInitiatedAuthnRequest) and GET /metadata (the IdP metadata Lasso is given).
A login is answered at once with an auto-posting HTTP-POST form to the SP's ACS carrying Lasso's response for
USER_EMAIL (email NameID, password authentication); a request Lasso refuses gets HTTP 400 naming Lasso's error.
With LASSO_ENCRYPT="SYM KEY_TRANSPORT" in the environment (SYM: aes128, aes256 or 3des; KEY_TRANSPORT: oaep or pkcs1)
both IdPs encrypt the assertion for the SP metadata's encryption certificate (Lasso's ENCRYPTION_MODE_ASSERTION
with that symmetric key type and key encryption method).
Prints one JSON line {"base"} when listening and serves until stdin closes (the test holds the pipe).
"""

import datetime
import html
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import lasso

EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
SYM_KEY_TYPES = {
    "aes128": lasso.ENCRYPTION_SYM_KEY_TYPE_AES_128,
    "aes256": lasso.ENCRYPTION_SYM_KEY_TYPE_AES_256,
    "3des": lasso.ENCRYPTION_SYM_KEY_TYPE_3DES,
}
KEY_ENCRYPTION_METHODS = {"oaep": lasso.KEY_ENCRYPTION_METHOD_OAEP, "pkcs1": lasso.KEY_ENCRYPTION_METHOD_PKCS1}


def encryption():
    """The (symmetric key type, key encryption method) LASSO_ENCRYPT asks for, or None."""
    setting = os.environ.get("LASSO_ENCRYPT")
    if not setting:
        return None
    sym, transport = setting.split()
    return SYM_KEY_TYPES[sym], KEY_ENCRYPTION_METHODS[transport]


def idp_metadata(entity_id, sso_url, cert_pem, want_signed):
    body = "".join(line for line in cert_pem.splitlines() if line and not line.startswith("-----"))
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="%s">'
        '<md:IDPSSODescriptor WantAuthnRequestsSigned="%s" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate>'
        "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        "<md:NameIDFormat>%s</md:NameIDFormat>"
        '<md:SingleSignOnService Binding="%s" Location="%s"/>'
        '<md:SingleSignOnService Binding="%s" Location="%s"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
        % (entity_id, "true" if want_signed else "false", body, EMAIL, REDIRECT, sso_url, POST, sso_url)
    )


def saml_time(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Idp:
    def __init__(self, base, name, want_signed, key_pem, cert_pem, sp_metadata, user):
        self.entity_id = "%s/%s" % (base, name)
        self.metadata = idp_metadata(self.entity_id, self.entity_id + "/sso", cert_pem, want_signed)
        self.want_signed = want_signed
        self.key_pem = key_pem
        self.cert_pem = cert_pem
        self.sp_metadata = sp_metadata
        self.user = user
        # Lasso's objects are not shared between threads: one server per login, made from these buffers.
        self.lock = threading.Lock()

    def login(self):
        server = lasso.Server.newFromBuffers(self.metadata, self.key_pem, None, self.cert_pem)
        server.signatureMethod = lasso.SIGNATURE_METHOD_RSA_SHA256
        server.addProviderFromBuffer(lasso.PROVIDER_ROLE_SP, self.sp_metadata)
        encrypt = encryption()
        if encrypt is not None:
            sp = lasso.Provider.newFromBuffer(lasso.PROVIDER_ROLE_SP, self.sp_metadata)
            provider = server.getProvider(sp.providerId)
            provider.setEncryptionMode(lasso.ENCRYPTION_MODE_ASSERTION)
            provider.setEncryptionSymKeyType(encrypt[0])
            provider.setKeyEncryptionMethod(encrypt[1])
        login = lasso.Login(server)
        if self.want_signed:
            login.setSignatureVerifyHint(lasso.PROFILE_SIGNATURE_VERIFY_HINT_FORCE)
        return login

    def respond(self, login):
        """Authenticates the user and builds the signed response; returns (ACS URL, SAMLResponse, RelayState)."""
        login.validateRequestMsg(True, True)
        now = datetime.datetime.now(datetime.timezone.utc)
        login.buildAssertion(
            lasso.SAML_AUTHENTICATION_METHOD_PASSWORD,
            saml_time(now),
            None,
            saml_time(now - datetime.timedelta(seconds=10)),
            saml_time(now + datetime.timedelta(minutes=5)),
        )
        name_id = login.assertion.subject.nameID
        name_id.format = EMAIL
        name_id.content = self.user
        login.buildAuthnResponseMsg()
        return login.msgUrl, login.msgBody, login.msgRelayState

    def sp_initiated(self, message):
        with self.lock:
            login = self.login()
            login.processAuthnRequestMsg(message)
            return self.respond(login)

    def unsolicited(self, relay_state):
        with self.lock:
            login = self.login()
            sp = lasso.Provider.newFromBuffer(lasso.PROVIDER_ROLE_SP, self.sp_metadata)
            login.initIdpInitiatedAuthnRequest(sp.providerId)
            login.request.nameIdPolicy.format = EMAIL
            login.request.nameIdPolicy.allowCreate = True
            login.request.protocolBinding = lasso.SAML2_METADATA_BINDING_POST
            if relay_state:
                login.msgRelayState = relay_state
            login.processAuthnRequestMsg(None)
            return self.respond(login)


def response_form(acs, saml_response, relay_state):
    relay = (
        '<input type="hidden" name="RelayState" value="%s"/>' % html.escape(relay_state, quote=True)
        if relay_state
        else ""
    )
    return (
        '<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="%s">'
        '<input type="hidden" name="SAMLResponse" value="%s"/>%s'
        '<noscript><button type="submit">Continue</button></noscript></form></body></html>'
        % (html.escape(acs, quote=True), html.escape(saml_response, quote=True), relay)
    )


def main():
    key_file, cert_file, open_sp_file, strict_sp_file = sys.argv[1:5]
    user = sys.argv[5] if len(sys.argv) > 5 else "lee.lasso@example.org"
    read = lambda path: open(path).read()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    base = "http://127.0.0.1:%d" % httpd.server_address[1]
    key_pem, cert_pem = read(key_file), read(cert_file)
    idps = {
        "open": Idp(base, "open", False, key_pem, cert_pem, read(open_sp_file), user),
        "strict": Idp(base, "strict", True, key_pem, cert_pem, read(strict_sp_file), user),
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body, content_type="text/html; charset=utf-8"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def route(self):
            url = urlparse(self.path)
            parts = url.path.strip("/").split("/")
            idp = idps.get(parts[0]) if len(parts) == 2 else None
            return url, idp, parts[-1]

        def do_GET(self):
            url, idp, action = self.route()
            if idp is None:
                return self.reply(404, "<p>not found</p>")
            if action == "metadata":
                return self.reply(200, idp.metadata, "application/samlmetadata+xml")
            if action == "unsolicited":
                relay = parse_qs(url.query).get("RelayState", [""])[0]
                return self.answer(lambda: idp.unsolicited(relay))
            if action == "sso":
                # HTTP-Redirect: Lasso takes the query string as sent (it verifies the signature over it).
                return self.answer(lambda: idp.sp_initiated(url.query))
            return self.reply(404, "<p>not found</p>")

        def do_POST(self):
            url, idp, action = self.route()
            if idp is None or action != "sso":
                return self.reply(404, "<p>not found</p>")
            length = min(int(self.headers.get("Content-Length", "0")), 256 * 1024)
            form = parse_qs(self.rfile.read(length).decode())
            message = form.get("SAMLRequest", [""])[0]
            return self.answer(lambda: idp.sp_initiated(message))

        def answer(self, make):
            try:
                acs, saml_response, relay_state = make()
            except lasso.Error as e:  # Lasso refused the request, or could not answer it: say why
                return self.reply(400, "<p>Lasso refused the AuthnRequest: %s (%s)</p>" % (type(e).__name__, e))
            return self.reply(200, response_form(acs, saml_response, relay_state))

    httpd.RequestHandlerClass = Handler
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    print(json.dumps({"base": base}), flush=True)
    sys.stdin.read()
    httpd.shutdown()


if __name__ == "__main__":
    main()
