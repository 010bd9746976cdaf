"""Identity providers on loopback for the sso tests: real processes on a free port, torn
down after the test. ``OIDCProvider`` runs npm's oidc-provider (tests/sso/idp/oidc.mjs; its
node_modules come from ``npm ci`` in tests/sso/idp, which .ci/run does)."""

import json
import os
import re
import socket
import subprocess
import time
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from tests.clock import subprocess_env

IDP_DIR = Path(__file__).parent / "idp"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the identity provider exited: {process.stdout.read() if process.stdout else ''}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the identity provider did not answer at {url}")


class OIDCProvider:
    def __init__(self, *, clients: list[dict], accounts: dict, redirect_prefix: str, tamper: str = ""):
        if not (IDP_DIR / "node_modules" / "oidc-provider").exists():
            if os.environ.get("REQUIRE_BROWSER") == "1":
                pytest.fail("tests/sso/idp/node_modules is missing: run `npm ci` in tests/sso/idp")
            pytest.skip("tests/sso/idp/node_modules is missing: run `npm ci` in tests/sso/idp")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.discovery_url = f"{self.issuer}/.well-known/openid-configuration"
        env = {
            **subprocess_env(),  # the provider starts at this test's moment (tests/clock.py)
            "OIDC_CLIENTS": json.dumps(
                [
                    {
                        "token_endpoint_auth_method": "client_secret_post",
                        "redirect_uris": [redirect_prefix + "registered/"],
                        **client,
                    }
                    for client in clients
                ]
            ),
            "OIDC_ACCOUNTS": json.dumps(accounts),
            "OIDC_TAMPER": tamper,
            "OIDC_REDIRECT_PREFIX": redirect_prefix,
        }
        self.process = subprocess.Popen(
            ["node", "oidc.mjs", str(self.port)],
            cwd=IDP_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_for(self.discovery_url, self.process)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _form(html: str, base: str) -> tuple[str, dict]:
    """The first form of an oidc-provider interaction page: its action and hidden values."""
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', html).group(1))
    values = {
        unescape(m.group(1)): unescape(m.group(2))
        for m in re.finditer(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)
    }
    return urljoin(base, action), values


def sign_in_at_oidc(authorize_url: str, login: str) -> str:
    """Sign in at oidc-provider's development login form and consent, without a browser:
    the URL the provider sends the browser back to (our callback, with its code)."""
    session = requests.Session()
    response = session.get(authorize_url, allow_redirects=True, timeout=10)
    action, values = _form(response.text, response.url)
    response = session.post(action, data={**values, "login": login, "password": "any"}, allow_redirects=False)
    for _ in range(10):
        location = response.headers.get("location")
        if response.status_code in (302, 303) and location:
            url = urljoin(response.url, location)
            if not url.startswith(authorize_url.split("/auth")[0]):
                return url
            response = session.get(url, allow_redirects=False, timeout=10)
            continue
        # The consent page: "Continue".
        action, values = _form(response.text, response.url)
        response = session.post(action, data=values, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A throwaway RSA key and certificate for the SAML IdP's signatures."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-idp")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=3650))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = folder / "idp.key", folder / "idp.crt"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class SAMLProvider:
    """pysaml2's IdP (tests/sso/idp/saml_idp.py) in a process of its own. It sends the
    address, name and institution as mail, displayName and o under their URIs."""

    NAME_ATTRIBUTE = "urn:oid:2.16.840.1.113730.3.1.241"
    INSTITUTION_ATTRIBUTE = "urn:oid:2.5.4.10"

    def __init__(self, *, folder: Path, accounts: dict, tamper: str = ""):
        import shutil
        import sys

        if shutil.which("xmlsec1") is None:
            pytest.fail("the SAML IdP signs with the xmlsec1 program (Debian: apt-get install xmlsec1)")
        key, cert = self_signed(folder)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.metadata_url = f"{self.base}/metadata"
        env = {
            **subprocess_env(),
            "SAML_IDP_KEY": str(key),
            "SAML_IDP_CERT": str(cert),
            "SAML_ACCOUNTS": json.dumps(accounts),
            "SAML_TAMPER": tamper,
        }
        self.process = subprocess.Popen(
            [sys.executable, "saml_idp.py", str(self.port)],
            cwd=IDP_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        wait_for(self.metadata_url, self.process)

    def metadata(self) -> str:
        return requests.get(self.metadata_url, timeout=5).text

    stop = OIDCProvider.stop


def sign_in_at_saml(login_url_html_or_url: str, login: str) -> tuple[str, dict]:
    """Sign in at the test IdP without a browser: the ACS address and the form it posts."""
    session = requests.Session()
    response = session.get(login_url_html_or_url, timeout=10)
    action, values = _form(response.text, response.url)
    response = session.post(action, data={**values, "username": login}, timeout=10)
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', response.text).group(1))
    fields = {
        unescape(m.group(1)): unescape(m.group(2))
        for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', response.text)
    }
    return action, fields
