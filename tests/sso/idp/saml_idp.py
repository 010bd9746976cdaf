"""A SAML 2.0 identity provider on loopback for the sso tests, built on pysaml2's IdP
(``saml2.server.Server``; it signs with the xmlsec1 program). tests/sso/idp_support.py
starts it: ``python saml_idp.py <port>``, configured from the environment:

  SAML_IDP_KEY, SAML_IDP_CERT  the signing key and certificate (PEM files)
  SAML_ACCOUNTS                JSON {login: {email, name, institution, email_verified}}
  SAML_TAMPER                  "assertion": the signed assertion's email is changed after
                               signing; "audience": the assertion names another audience.

GET /metadata is the IdP's metadata; GET /sso/redirect takes the AuthnRequest (HTTP-Redirect)
and shows a login form; POST /sso/login answers the service provider (HTTP-POST).
"""

import json
import os
import secrets
import sys
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

PORT = int(sys.argv[1])
BASE = f"http://127.0.0.1:{PORT}"
ACCOUNTS = json.loads(os.environ.get("SAML_ACCOUNTS", "{}"))
TAMPER = os.environ.get("SAML_TAMPER", "")

CONFIG = {
    "entityid": f"{BASE}/metadata",
    "service": {
        "idp": {
            "name": "Test IdP",
            "endpoints": {"single_sign_on_service": [(f"{BASE}/sso/redirect", BINDING_HTTP_REDIRECT)]},
            "policy": {
                "default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None, "name_form": NAME_FORMAT_URI}
            },
            "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            "want_authn_requests_signed": False,
        }
    },
    "key_file": os.environ["SAML_IDP_KEY"],
    "cert_file": os.environ["SAML_IDP_CERT"],
    "xmlsec_binary": "/usr/bin/xmlsec1",
    "metadata": {},
    "allow_unknown_attributes": True,
}
config = IdPConfig()
config.load(CONFIG)
server = Server(config=config)
PENDING: dict = {}


def page(start_response, body: str, status: str = "200 OK", content_type: str = "text/html; charset=utf-8"):
    start_response(status, [("Content-Type", content_type)])
    return [body.encode()]


def app(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/metadata":
        return page(start_response, create_metadata_string(None, config=config).decode(), content_type="text/xml")
    if path == "/sso/redirect":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        request = server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        ref = secrets.token_urlsafe(8)
        PENDING[ref] = (request.message, query.get("RelayState", [""])[0])
        return page(
            start_response,
            f"""<!doctype html><html lang="en"><title>Test IdP</title><h1>Test IdP sign-in</h1>
<form method="post" action="/sso/login"><input type="hidden" name="ref" value="{ref}">
<label>Username <input name="username"></label> <button type="submit">Sign in at the IdP</button></form>""",
        )
    if path == "/sso/login":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        form = parse_qs(environ["wsgi.input"].read(size).decode())
        message, relay_state = PENDING.pop(form["ref"][0])
        login = form["username"][0]
        account = ACCOUNTS[login]
        # Sent under their standard URIs: mail, displayName, o (organizationName).
        identity = {"mail": [account["email"]], "displayName": [account["name"]]}
        if account.get("institution"):
            identity["o"] = [account["institution"]]
        if account.get("email_verified"):
            identity["email_verified"] = ["true"]
        audience = "https://wrong.example/sp" if TAMPER == "audience" else message.issuer.text
        response = server.create_authn_response(
            identity,
            in_response_to=message.id,
            destination=message.assertion_consumer_service_url,
            sp_entity_id=audience,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"{login}-persistent-id"),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password", "authn_auth": BASE},
            sign_assertion=True,
            sign_response=False,
            sign_alg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            digest_alg="http://www.w3.org/2001/04/xmlenc#sha256",
        )
        text = str(response)
        if TAMPER == "assertion":
            text = text.replace(account["email"], "mallory" + account["email"][account["email"].index("@") :])
        http_args = server.apply_binding(
            BINDING_HTTP_POST, text, message.assertion_consumer_service_url, relay_state, response=True
        )
        return page(start_response, http_args["data"])
    return page(start_response, "not found", "404 Not Found", "text/plain")


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


if __name__ == "__main__":
    if os.environ.get("TEST_CLOCK_AT"):  # the test's clock (tests/clock.py): assertions dated on its day
        from datetime import datetime

        import time_machine

        time_machine.travel(datetime.fromisoformat(os.environ["TEST_CLOCK_AT"]), tick=True).start()
    print(f"saml idp listening on {BASE}", flush=True)
    make_server("127.0.0.1", PORT, app, handler_class=QuietHandler).serve_forever()
