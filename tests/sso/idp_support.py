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
            **os.environ,
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
