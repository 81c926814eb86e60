"""Oracle for tests/response_differential.rs: python3-saml (OneLogin) in strict mode.

Reads a JSON config on argv[1] and JSON lines {"name", "b64", "request_id"} on stdin; prints JSON lines
{"name", "valid", "error"}. With "sp_key_pem" and "sp_cert_b64" in the config it decrypts encrypted assertions. The clock is pinned to the config's "now" so both validators judge the same moment.
"""
import json
import sys

from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils

cfg = json.loads(sys.argv[1])
OneLogin_Saml2_Utils.now = staticmethod(lambda: cfg["now"])

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
            # The SP's encryption key pair, when the cases carry encrypted assertions.
            "x509cert": cfg.get("sp_cert_b64", ""),
            "privateKey": cfg.get("sp_key_pem", ""),
        },
        "idp": {
            "entityId": cfg["idp"],
            "singleSignOnService": {
                "url": "https://idp.example.com/sso",
                "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
            },
            "x509cert": cfg["cert_b64"],
        },
        "security": {
            "wantAssertionsSigned": False,
            "wantMessagesSigned": False,
            "rejectDeprecatedAlgorithm": True,
            "wantNameId": True,
        },
    },
    sp_validation_only=True,
)
request_data = {
    "https": "on",
    "http_host": cfg["acs_host"],
    "script_name": cfg["acs_path"],
    "server_port": "443",
}
for line in sys.stdin:
    case = json.loads(line)
    try:
        resp = OneLogin_Saml2_Response(settings, case["b64"])
        ok = resp.is_valid(request_data, request_id=case.get("request_id"), raise_exceptions=True)
        err = None
    except Exception as e:  # every refusal is an exception in raise_exceptions mode
        ok, err = False, f"{type(e).__name__}: {e}"
    print(json.dumps({"name": case["name"], "valid": bool(ok), "error": err}), flush=True)
