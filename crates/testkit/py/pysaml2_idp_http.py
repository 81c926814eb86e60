"""A foreign IdP for the loopback test SP: pysaml2's saml2.server.Server behind a tiny HTTP server on 127.0.0.1.

    pysaml2_idp_http.py SP_ENTITY_ID ACS_URL [USER_EMAIL]

Generates its own RSA-2048 key and self-signed certificate (in a temporary directory, removed on exit), trusts the
SP through inline SP metadata built from the arguments, binds a free port, prints one JSON line
{"base", "entity_id", "sso_url", "cert_pem"} and serves until stdin closes (the test holds the pipe).

GET /sso?SAMLRequest=... (HTTP-Redirect) or POST /sso (HTTP-POST): pysaml2 parses and checks the AuthnRequest,
then answers with its HTTP-POST binding form carrying a response for USER_EMAIL (assertion signed, RSA-SHA256,
SHA-256 digests). A request pysaml2 refuses gets a 400 page naming its error.

GET /unsolicited[?RelayState=...]: an IdP-initiated login. pysaml2 makes a response that answers no request (no
InResponseTo) for the SP of the arguments and answers with the same HTTP-POST form to ACS_URL.

With PYSAML2_SP_SIGNING_CERT=<PEM file> in the environment, the SP's metadata carries that signing certificate and
the IdP is configured with want_authn_requests_signed: unsigned or wrongly signed requests are refused
(IncorrectlySigned).

With PYSAML2_SP_METADATA=<file>, the IdP trusts the SP through that metadata file instead (what the SP printed, as an
admin imports it). With PYSAML2_ENCRYPT=<cipher> (aes128-gcm, aes256-gcm, aes128-cbc, aes256-cbc) the signed
assertion is then encrypted by pysaml2 for the encryption certificate it finds in the SP's metadata (its own lookup:
KeyDescriptor use="encryption"), with that content cipher and RSA-OAEP-MGF1P key transport.
"""

import datetime
import json
import os
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

PASSWORD_CLASS = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def make_key(directory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pysaml2 test IdP")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path = os.path.join(directory, "idp.key")
    cert_path = os.path.join(directory, "idp.crt")
    with open(key_path, "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    with open(cert_path, "wb") as f:
        f.write(pem)
    return key_path, cert_path, pem.decode()


def sp_metadata(sp_entity_id, acs_url, signing_cert_pem=None):
    key = ""
    signed = "false"
    if signing_cert_pem:
        body = "".join(line for line in signing_cert_pem.splitlines() if line and not line.startswith("-----"))
        key = (
            '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
            "<ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            % body
        )
        signed = "true"
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s">'
        '<md:SPSSODescriptor AuthnRequestsSigned="%s" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        "%s"
        '<md:AssertionConsumerService Binding="%s" Location="%s" index="0" isDefault="true"/>'
        "</md:SPSSODescriptor></md:EntityDescriptor>" % (sp_entity_id, signed, key, BINDING_HTTP_POST, acs_url)
    )


def main():
    sp_entity_id, acs_url = sys.argv[1], sys.argv[2]
    user = sys.argv[3] if len(sys.argv) > 3 else "pat.doe@example.org"
    tmp = tempfile.TemporaryDirectory()
    key_path, cert_path, cert_pem = make_key(tmp.name)
    sp_cert_path = os.environ.get("PYSAML2_SP_SIGNING_CERT")
    sp_cert_pem = None
    if sp_cert_path:
        with open(sp_cert_path) as f:
            sp_cert_pem = f.read()
    sp_metadata_file = os.environ.get("PYSAML2_SP_METADATA")
    if sp_metadata_file:
        metadata = {"local": [sp_metadata_file]}
    else:
        metadata = {"inline": [sp_metadata(sp_entity_id, acs_url, sp_cert_pem)]}
    encrypt = os.environ.get("PYSAML2_ENCRYPT")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    base = "http://127.0.0.1:%d" % httpd.server_address[1]
    entity_id = base + "/idp"
    conf = IdPConfig()
    conf.load(
        {
            "entityid": entity_id,
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [
                            (base + "/sso", BINDING_HTTP_REDIRECT),
                            (base + "/sso", BINDING_HTTP_POST),
                        ]
                    },
                    "want_authn_requests_signed": bool(sp_cert_pem),
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "sign_assertion": True,
                    "sign_response": False,
                }
            },
            "key_file": key_path,
            "cert_file": cert_path,
            "metadata": metadata,
            "xmlsec_binary": "/usr/bin/xmlsec1",
        }
    )
    idp = Server(config=conf)
    if encrypt:
        import functools

        import saml2.entity
        from saml2 import sigver

        ciphers = {
            "aes128-cbc": ("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "aes-128"),
            "aes256-cbc": ("http://www.w3.org/2001/04/xmlenc#aes256-cbc", "aes-256"),
            "aes128-gcm": ("http://www.w3.org/2009/xmlenc11#aes128-gcm", "aes-128"),
            "aes256-gcm": ("http://www.w3.org/2009/xmlenc11#aes256-gcm", "aes-256"),
        }
        msg_enc, key_type = ciphers[encrypt]
        saml2.entity.pre_encryption_part = functools.partial(
            sigver.pre_encryption_part, msg_enc=msg_enc, key_enc=sigver.RSA_OAEP_MGF1P
        )
        idp.sec.encrypt_assertion = functools.partial(idp.sec.encrypt_assertion, key_type=key_type)

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

        def do_GET(self):
            url = urlparse(self.path)
            if url.path == "/unsolicited":
                return self.respond(None, acs_url, sp_entity_id, parse_qs(url.query).get("RelayState", [""])[0])
            if url.path != "/sso":
                return self.reply(404, "<p>not found</p>")
            self.answer(parse_qs(url.query), BINDING_HTTP_REDIRECT)

        def do_POST(self):
            if urlparse(self.path).path != "/sso":
                return self.reply(404, "<p>not found</p>")
            length = min(int(self.headers.get("Content-Length", "0")), 256 * 1024)
            self.answer(parse_qs(self.rfile.read(length).decode()), BINDING_HTTP_POST)

        def respond(self, in_response_to, destination, sp, relay_state):
            try:
                return self.reply(200, self.response_form(in_response_to, destination, sp, relay_state))
            except Exception as e:  # say what failed rather than dropping the connection
                return self.reply(500, "<p>pysaml2 could not make the response: %s: %s</p>" % (type(e).__name__, e))

        def response_form(self, in_response_to, destination, sp, relay_state):
            resp = idp.create_authn_response(
                identity={"email": [user], "givenName": ["Pat"], "sn": ["Doe"]},
                in_response_to=in_response_to,
                destination=destination,
                sp_entity_id=sp,
                name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=user),
                authn={"class_ref": PASSWORD_CLASS},
                sign_assertion=True,
                sign_response=False,
                sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256,
                encrypt_assertion=bool(encrypt),
            )
            return idp.apply_binding(BINDING_HTTP_POST, str(resp), destination, relay_state, response=True)["data"]

        def answer(self, q, binding):
            one = lambda name: q.get(name, [None])[0]
            try:
                if binding == BINDING_HTTP_REDIRECT:
                    req = idp.parse_authn_request(
                        one("SAMLRequest"),
                        binding,
                        relay_state=one("RelayState"),
                        sigalg=one("SigAlg"),
                        signature=one("Signature"),
                    )
                else:
                    req = idp.parse_authn_request(one("SAMLRequest"), binding)
                msg = req.message
            except Exception as e:  # pysaml2 refused the request: say why
                return self.reply(400, "<p>pysaml2 refused the AuthnRequest: %s</p>" % type(e).__name__)
            return self.respond(
                msg.id, msg.assertion_consumer_service_url, msg.issuer.text, one("RelayState") or ""
            )

    httpd.RequestHandlerClass = Handler
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    print(
        json.dumps({"base": base, "entity_id": entity_id, "sso_url": base + "/sso", "cert_pem": cert_pem}),
        flush=True,
    )
    sys.stdin.read()
    httpd.shutdown()
    tmp.cleanup()


if __name__ == "__main__":
    main()
