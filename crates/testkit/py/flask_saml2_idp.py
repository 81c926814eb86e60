"""flask-saml2's IdP (PyPI flask-saml2 0.3.0, in its own virtual environment: scripts/packages/pip-flask-saml2.txt
says why) on 127.0.0.1, for the loopback test SP.

    python flask_saml2_idp.py IDP_KEY_PEM IDP_CERT_PEM SP_ENTITY_ID SP_ACS_URL [USER_EMAIL]

The library as its documentation sets it up: an IdentityProvider subclass (here every visitor is signed in as
USER_EMAIL, the part an application provides), its blueprint under /saml/, one SPHandler for the SP. Its
defaults are RSA-SHA1 signatures and SHA-1 digests; it is told to use RsaSha256Signer and Sha256Digester, the
library's own. It offers: GET /saml/metadata.xml (entity ID = that URL; SSO listed for HTTP-Redirect only), and
/saml/login/ taking a SAMLRequest by GET (HTTP-Redirect) or POST (HTTP-POST), which keeps it in the session and
redirects to /saml/login/process/, whose page posts the response to the ACS (Response and Assertion signed).
What it does not offer: IdP-initiated logins (/saml/login/ needs a SAMLRequest; there is no unsolicited view), and
requiring signed AuthnRequests (XmlParser verifies a request's embedded signature only when one is there, so an
unsigned request is answered; an HTTP-Redirect query-string signature is never looked at).
Prints one JSON line {"base", "entity_id"} when listening and serves until stdin closes (the test holds the pipe).
"""

import json
import logging
import sys
import threading

from flask import Flask
from flask_saml2.idp import IdentityProvider, SPHandler
from flask_saml2.signing import RsaSha256Signer, Sha256Digester
from flask_saml2.utils import certificate_from_file, private_key_from_file
from werkzeug.serving import make_server


class User:
    def __init__(self, email):
        self.email = email


class Idp(IdentityProvider):
    idp_signer_class = RsaSha256Signer
    idp_digester_class = Sha256Digester

    def login_required(self):
        pass

    def is_user_logged_in(self):
        return True

    def logout(self):
        pass

    def get_current_user(self):
        return User(self.user_email)


def main():
    if len(sys.argv) < 5:
        sys.stderr.write(
            "usage: flask_saml2_idp.py IDP_KEY_PEM IDP_CERT_PEM SP_ENTITY_ID SP_ACS_URL [USER_EMAIL]\n")
        sys.exit(2)
    key_file, cert_file, sp_entity_id, acs_url = sys.argv[1:5]
    email = sys.argv[5] if len(sys.argv) > 5 else "sam.lee@example.org"
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    app = Flask(__name__)
    app.config["SECRET_KEY"] = "flask-saml2 test IdP on loopback"
    app.config["SAML2_IDP"] = {
        "autosubmit": True,
        "certificate": certificate_from_file(cert_file),
        "private_key": private_key_from_file(key_file),
    }
    app.config["SAML2_SERVICE_PROVIDERS"] = [{
        "CLASS": "flask_saml2.idp.SPHandler",
        "OPTIONS": {
            "display_name": "SSO Pilot test SP",
            "entity_id": sp_entity_id,
            "acs_url": acs_url,
        },
    }]
    idp = Idp()
    idp.user_email = email
    app.register_blueprint(idp.create_blueprint(), url_prefix="/saml/")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = "http://127.0.0.1:%d" % server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"base": base, "entity_id": base + "/saml/metadata.xml"}), flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
