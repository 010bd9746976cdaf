"""Every request this site makes to an identity provider: reading its discovery document or
SAML metadata when a coordinator saves a connection (``fetch``), and allauth's own requests at
sign-in (token, userinfo and key-set endpoints, from ``pinned_session`` through the social
account adapter's ``get_requests_session``).

A coordinator types the URL, and the discovery document names the other endpoints, so the
server fetching them is a way to reach inside the network (SSRF). Outside
``settings.SSO_ALLOW_PRIVATE_URLS`` (DEBUG, the tests) a host resolving to a private, loopback,
link-local, reserved or multicast address (also wrapped in IPv6: IPv4-mapped, NAT64
64:ff9b::/96, 6to4 2002::/16) is refused, and only https is spoken. The address checked is the
one connected to (pinned: no second DNS answer can rebind it), with the TLS certificate still
checked against the host's name; redirects are never followed; answers are capped and the wait
is short.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from mentorship.exceptions import ServiceError

TIMEOUT_SECONDS = 5
MAX_BYTES = 1_000_000
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


def allow_private() -> bool:
    return bool(getattr(settings, "SSO_ALLOW_PRIVATE_URLS", False))


class RefusedAddress(requests.exceptions.ConnectionError):
    """The host is on a private network (or the scheme is not https): not fetched."""


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return None


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address in NAT64_LOCAL:
            return False
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public(inner)
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def resolve(url: str) -> str:
    """The address to connect to for ``url``, checked (see the module's note); RefusedAddress
    or requests.ConnectionError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress(f"not a web address: {url[:100]}")
    if parts.scheme != "https" and not allow_private():
        raise RefusedAddress("only https is allowed")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise requests.exceptions.ConnectionError(f"the host {parts.hostname} could not be found") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise requests.exceptions.ConnectionError(f"the host {parts.hostname} could not be found")
    if not allow_private() and not all(is_public(a) for a in addresses):
        raise RefusedAddress(f"{parts.hostname} is on a private network")
    return str(addresses[0])


class PinnedAdapter(HTTPAdapter):
    """Connects to the address ``resolve`` checked, keeping the host name for the Host header,
    TLS SNI and the certificate's check."""

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.pinned_address = resolve(request.url)
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        request.headers["Host"] = host + (f":{parts.port}" if parts.port else "")
        return super().send(request, **kwargs)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        name = host_params["host"]
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = name
            pool_kwargs["assert_hostname"] = name
        host_params["host"] = request.pinned_address
        return host_params, pool_kwargs


class PinnedSession(requests.Session):
    """A session that never follows a redirect, reads no proxy from the environment and
    connects through ``PinnedAdapter``."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS):
        super().__init__()
        self.trust_env = False
        self.timeout = timeout
        adapter = PinnedAdapter(max_retries=0)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, **kwargs):
        kwargs["allow_redirects"] = False
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)

    def send(self, request, **kwargs):
        kwargs["allow_redirects"] = False
        return super().send(request, **kwargs)


def pinned_session(timeout: float = TIMEOUT_SECONDS) -> PinnedSession:
    return PinnedSession(timeout=timeout)


def check_url(url: str, *, field: str) -> None:
    """Refuse a URL this server must not fetch (see the module's note), with the form's words."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceError("Enter a full web address starting with https://.", field=field)
    if parts.scheme != "https" and not allow_private():
        raise ServiceError("The address must start with https://.", field=field)
    try:
        resolve(url)
    except RefusedAddress:
        raise ServiceError(
            "That address is on a private network; the identity provider must be reachable on the internet.",
            field=field,
        ) from None
    except requests.RequestException:
        raise ServiceError(f"The host {parts.hostname} could not be found.", field=field) from None


def fetch(url: str, *, field: str, what: str) -> bytes:
    check_url(url, field=field)
    try:
        with (
            pinned_session() as session,
            session.get(url, timeout=TIMEOUT_SECONDS, stream=True) as response,
        ):
            if response.status_code != 200:
                raise ServiceError(
                    f"The {what} answered with HTTP {response.status_code}, not the document.", field=field
                )
            body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    except RefusedAddress:
        raise ServiceError(
            "That address is on a private network; the identity provider must be reachable on the internet.",
            field=field,
        ) from None
    except requests.RequestException:
        raise ServiceError(f"The {what} could not be reached. Check the address and try again.", field=field) from None
    if len(body) > MAX_BYTES:
        raise ServiceError(f"The {what} is too large to be a discovery document or metadata.", field=field)
    return body
