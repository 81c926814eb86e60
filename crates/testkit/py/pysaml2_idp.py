"""A real pysaml2 IdP (saml2.server.Server) answering an AuthnRequest made by the Rust test.

Usage: pysaml2_idp.py IDP_ENTITY_ID SSO_URL KEY_PEM CERT_PEM SP_METADATA_XML AUTHN_REQUEST_B64 [SP_ENC_CERT_PEM]

The AuthnRequest is the HTTP-Redirect form (deflated, base64, not URL-encoded). The IdP parses it with pysaml2's own
binding code, looks the SP up in the SP metadata our code exported, and answers it once per signing mode. Prints
one JSON object: the request ID pysaml2 read, the IdP's metadata, and for each mode the base64 SAMLResponse as the browser would POST it.

With SP_ENC_CERT_PEM, also "encrypted_<cipher>_<key transport>": the assertion signed, then encrypted for that
certificate by pysaml2's own encryption (xmlsec1 behind it), for every content cipher and key transport its
pre_encryption_part and encrypt_assertion options take (its default is tripledes-cbc with rsa-oaep-mgf1p); and
"encrypted_both": AES-256-CBC with the response signed over the EncryptedAssertion too.
"""

import base64
import json
import sys

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import Config
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

idp_id, sso_url, key, cert, sp_md, request = sys.argv[1:7]
enc_cert = sys.argv[7] if len(sys.argv) > 7 else None

config = Config().load(
    {
        "entityid": idp_id,
        "key_file": key,
        "cert_file": cert,
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "metadata": {"local": [sp_md]},
        "service": {
            "idp": {
                "endpoints": {
                    "single_sign_on_service": [
                        (sso_url, BINDING_HTTP_REDIRECT),
                        (sso_url, BINDING_HTTP_POST),
                    ]
                },
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                "policy": {
                    "default": {
                        "lifetime": {"minutes": 15},
                        "attribute_restrictions": None,
                        "name_form": NAME_FORMAT_URI,
                    }
                },
            }
        },
    }
)
idp = Server(config=config)

req = idp.parse_authn_request(request, BINDING_HTTP_REDIRECT)
msg = req.message
resp_args = idp.response_args(msg)

identity = {
    "mail": ["alice@example.com"],
    "givenName": ["Alice"],
    "sn": ["Liddell"],
}
resp_args.pop("name_id_policy", None)
name_id = NameID(format=NAMEID_FORMAT_EMAILADDRESS, text="alice@example.com")
modes = {"assertion": (False, True), "response": (True, False), "both": (True, True)}
out = {
    "request_id": msg.id,
    "destination": resp_args["destination"],
    "sp_entity_id": resp_args["sp_entity_id"],
    # The IdP's own metadata (unsigned), for `ssopilot response check --idp-metadata`.
    "metadata": create_metadata_string(None, config=config, valid=24).decode(),
}
for mode, (sign_response, sign_assertion) in modes.items():
    for sha1 in (False, True):
        extra = {} if sha1 else {"sign_alg": SIG_RSA_SHA256, "digest_alg": DIGEST_SHA256}
        resp = idp.create_authn_response(
            identity,
            name_id=name_id,
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_response=sign_response,
            sign_assertion=sign_assertion,
            **resp_args,
            **extra,
        )
        # pysaml2's default algorithms (RSA-SHA1, SHA-1 digest) under "<mode>_default_alg".
        key_name = mode + ("_default_alg" if sha1 else "")
        out[key_name] = base64.b64encode(str(resp).encode()).decode()

if enc_cert:
    import functools

    import saml2.entity
    from saml2 import sigver

    with open(enc_cert) as f:
        enc_cert_pem = f.read()
    plain_encrypt = idp.sec.encrypt_assertion
    ciphers = {
        "tripledes-cbc": (sigver.TRIPLE_DES_CBC, "des-192"),
        "aes128-cbc": ("http://www.w3.org/2001/04/xmlenc#aes128-cbc", "aes-128"),
        "aes192-cbc": ("http://www.w3.org/2001/04/xmlenc#aes192-cbc", "aes-192"),
        "aes256-cbc": ("http://www.w3.org/2001/04/xmlenc#aes256-cbc", "aes-256"),
        "aes128-gcm": ("http://www.w3.org/2009/xmlenc11#aes128-gcm", "aes-128"),
        "aes256-gcm": ("http://www.w3.org/2009/xmlenc11#aes256-gcm", "aes-256"),
    }
    transports = {"rsa-oaep-mgf1p": sigver.RSA_OAEP_MGF1P, "rsa-1_5": sigver.RSA_1_5}
    cases = [(c, t, False) for c in ciphers for t in transports] + [("aes256-cbc", "rsa-oaep-mgf1p", True)]
    for cname, tname, both in cases:
        msg_enc, key_type = ciphers[cname]
        saml2.entity.pre_encryption_part = functools.partial(
            sigver.pre_encryption_part, msg_enc=msg_enc, key_enc=transports[tname]
        )
        idp.sec.encrypt_assertion = functools.partial(plain_encrypt, key_type=key_type)
        resp = idp.create_authn_response(
            identity,
            name_id=name_id,
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_response=both,
            sign_assertion=True,
            encrypt_assertion=True,
            encrypt_cert_assertion=enc_cert_pem,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            **resp_args,
        )
        name = "encrypted_both" if both else f"encrypted_{cname}_{tname}"
        out[name] = base64.b64encode(str(resp).encode()).decode()
json.dump(out, sys.stdout)
