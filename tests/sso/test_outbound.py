"""The requests this site makes to identity providers (SSRF review): every endpoint of a
discovery document is checked on save, and allauth's requests at sign-in go through a session
that resolves once, refuses private addresses (also wrapped in IPv6), connects to the address
it checked and follows no redirect."""

import ipaddress
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from django.urls import reverse
from django_scopes import scopes_disabled

from sso import outbound
from sso.adapters import SSOSocialAccountAdapter
from sso.models import IdentityProvider

pytestmark = pytest.mark.django_db

PUBLIC = "https://93.184.215.14"  # an address literal: no DNS needed, never fetched here


@pytest.fixture
def local_server(request):
    """An HTTP server on loopback that counts its requests and answers with a redirect."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    request.addfinalizer(server.server_close)
    request.addfinalizer(server.shutdown)
    return SimpleServer(f"http://127.0.0.1:{server.server_address[1]}", hits)


class SimpleServer:
    def __init__(self, url, hits):
        self.url, self.hits = url, hits


def discovery(**overrides) -> bytes:
    document = {
        "issuer": f"{PUBLIC}/",
        "authorization_endpoint": f"{PUBLIC}/authorize",
        "token_endpoint": f"{PUBLIC}/token",
        "userinfo_endpoint": f"{PUBLIC}/userinfo",
        "jwks_uri": f"{PUBLIC}/jwks",
        **overrides,
    }
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    "key,endpoint",
    [
        ("userinfo_endpoint", "https://127.0.0.1/userinfo"),
        ("userinfo_endpoint", "https://169.254.169.254/latest/meta-data/"),
        ("token_endpoint", "https://10.1.2.3/token"),
        ("jwks_uri", "https://[::ffff:127.0.0.1]/jwks"),
        ("authorization_endpoint", "http://93.184.215.14/authorize"),
    ],
)
def test_every_endpoint_of_the_discovery_document_is_checked_on_save(
    client, coordinator_a, settings, monkeypatch, key, endpoint
):
    settings.SSO_ALLOW_PRIVATE_URLS = False
    monkeypatch.setattr(outbound, "fetch", lambda url, **kwargs: discovery(**{key: endpoint}))
    client.force_login(coordinator_a.user)
    url = reverse("sso_connection_add", kwargs={"org_slug": coordinator_a.organization.slug, "kind": "oidc"})
    data = {
        "name": "X",
        "discovery_url": "https://idp.example.org/",
        "client_id": "c",
        "client_secret": "s",
        "allowed_domains": "uni.example",
        "name_attribute": "name",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert f"discovery document’s {key}" in response.content.decode().replace("&#x27;", "’").replace("'", "’")
    with scopes_disabled():
        assert not IdentityProvider.objects.exists()
    # The same document with public endpoints is accepted.
    monkeypatch.setattr(outbound, "fetch", lambda url, **kwargs: discovery())
    assert client.post(url, data).status_code == 302


def test_the_sign_in_session_refuses_loopback_and_follows_no_redirect(settings, local_server):
    session = SSOSocialAccountAdapter().get_requests_session()
    settings.SSO_ALLOW_PRIVATE_URLS = False
    for url in (local_server.url + "/token", "https://127.0.0.1:1/", "https://169.254.169.254/latest/"):
        with pytest.raises(requests.RequestException):
            session.post(url, data={"code": "x"})
    assert local_server.hits == []  # refused before connecting
    # Allowed (as in the tests and DEBUG): the address is reached, the redirect not followed.
    settings.SSO_ALLOW_PRIVATE_URLS = True
    response = session.get(local_server.url + "/userinfo")
    assert response.status_code == 302 and local_server.hits == ["/userinfo"]


def test_a_sign_in_refuses_a_provider_on_a_private_address(client, coordinator_a, oidc_idp, settings):
    """Saved while private addresses were allowed (or the host's DNS changed since): at sign-in
    allauth's own fetch of the discovery document is refused, and nothing is signed in."""
    from tests.sso.test_oidc import connect

    connection = connect(client, coordinator_a, oidc_idp)
    settings.SSO_ALLOW_PRIVATE_URLS = False
    response = client.post(reverse("sso_go", kwargs={"key": connection.key}))
    assert response.status_code == 502 and "cannot be reached" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "address,public",
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("::ffff:169.254.169.254", False),
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::7f00:1", False),
        ("64:ff9b::5db8:d70e", True),  # NAT64 of a public address
        ("2002:7f00:1::1", False),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", False),
    ],
)
def test_private_addresses_are_recognised_also_wrapped_in_ipv6(address, public):
    assert outbound.is_public(ipaddress.ip_address(address)) is public


def test_the_connection_is_made_to_the_checked_address(settings, monkeypatch, local_server):
    """DNS rebinding: the host is resolved once, checked, and that address is the one used,
    the host's name going in the Host header."""
    settings.SSO_ALLOW_PRIVATE_URLS = True
    port = local_server.url.rsplit(":", 1)[1]
    answers = []

    def getaddrinfo(host, port_, *args, **kwargs):
        answers.append(host)
        return [(2, 1, 6, "", ("127.0.0.1", int(port_)))]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", getaddrinfo)
    seen = {}

    class Recorder(outbound.PinnedAdapter):
        def send(self, request, **kwargs):
            response = super().send(request, **kwargs)
            seen["host"] = request.headers["Host"]
            return response

    session = outbound.pinned_session()
    session.mount("http://", Recorder())
    assert session.get(f"http://idp.example.test:{port}/x").status_code == 302
    # Resolved once by name; the connection itself only looks up the checked address.
    assert answers[0] == "idp.example.test" and set(answers[1:]) <= {"127.0.0.1"}
    assert seen["host"] == f"idp.example.test:{port}"
    assert local_server.hits == ["/x"]


def tls_server(request, folder, name: str) -> int:
    """An HTTPS server on loopback whose certificate names ``name`` (and only it)."""
    import ssl
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # OpenSSL checks it on the real clock, the test may run on a moved one (tests/clock.py).
        .not_valid_before(now - timedelta(days=3650))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    names = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            names.append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    context.sni_callback = lambda sock, server_name, ctx: names.append(f"sni:{server_name}")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    request.addfinalizer(server.server_close)
    request.addfinalizer(server.shutdown)
    return server.server_address[1], cert_path, names


def test_tls_still_checks_the_hosts_name_when_pinned(request, settings, monkeypatch, tmp_path):
    settings.SSO_ALLOW_PRIVATE_URLS = True
    port, cert_path, names = tls_server(request, tmp_path, "idp.example.test")
    real = outbound.socket.getaddrinfo

    def getaddrinfo(host, port_, *args, **kwargs):
        if host in ("idp.example.test", "other.example.test"):
            return [(2, 1, 6, "", ("127.0.0.1", int(port_)))]
        return real(host, port_, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "getaddrinfo", getaddrinfo)
    with outbound.pinned_session() as session:
        response = session.get(f"https://idp.example.test:{port}/", verify=str(cert_path))
        assert response.status_code == 200 and response.text == "ok"
        assert names == ["sni:idp.example.test", f"idp.example.test:{port}"]
        # The same address under another name: the certificate does not name it.
        with pytest.raises(requests.exceptions.SSLError):
            session.get(f"https://other.example.test:{port}/", verify=str(cert_path))
