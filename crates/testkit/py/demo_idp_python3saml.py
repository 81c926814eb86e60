"""Peer check for the demo IdP's responses: python3-saml (OneLogin) in strict mode, real clock.

argv[1]: JSON config {"sp", "acs", "idp", "cert_b64"}. stdin: JSON lines {"name", "b64", "request_id",
"want_assertions_signed", "want_messages_signed"}. stdout: JSON lines {"name", "valid", "error", "name_id"}.
"""
import json
import sys
from urllib.parse import urlsplit

from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings

cfg = json.loads(sys.argv[1])
acs = urlsplit(cfg["acs"])
request_data = {
    "https": "on" if acs.scheme == "https" else "off",
    "http_host": acs.hostname,
    "script_name": acs.path,
    "server_port": str(acs.port or (443 if acs.scheme == "https" else 80)),
}

for line in sys.stdin:
    case = json.loads(line)
    settings = OneLogin_Saml2_Settings(
        {
            "strict": True,
            "debug": False,
            "sp": {
                "entityId": cfg["sp"],
                "assertionConsumerService": {
                    "url": cfg["acs"],
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                },
            },
            "idp": {
                "entityId": cfg["idp"],
                "singleSignOnService": {
                    "url": cfg.get("sso", "http://127.0.0.1:8740/sso"),
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                "x509cert": cfg["cert_b64"],
            },
            "security": {
                "wantAssertionsSigned": case["want_assertions_signed"],
                "wantMessagesSigned": case["want_messages_signed"],
                "rejectDeprecatedAlgorithm": True,
                "wantNameId": True,
            },
        },
        sp_validation_only=True,
    )
    name_id = None
    try:
        resp = OneLogin_Saml2_Response(settings, case["b64"])
        ok = resp.is_valid(request_data, request_id=case.get("request_id"), raise_exceptions=True)
        name_id = resp.get_nameid()
        err = None
    except Exception as e:  # raise_exceptions mode: every refusal is an exception
        ok, err = False, f"{type(e).__name__}: {e}"
    print(json.dumps({"name": case["name"], "valid": bool(ok), "error": err, "name_id": name_id}), flush=True)
