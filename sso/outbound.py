"""Reading an identity provider's discovery document or SAML metadata from its URL.

A coordinator types the URL, so the server fetching it is a way to reach inside the
network (SSRF): outside ``settings.SSO_ALLOW_PRIVATE_URLS`` (DEBUG, the tests) a URL whose
host resolves to a private, loopback, link-local or reserved address is refused, redirects
are not followed, the answer is capped in size and the wait is short.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings

from mentorship.exceptions import ServiceError

TIMEOUT_SECONDS = 5
MAX_BYTES = 1_000_000


def allow_private() -> bool:
    return bool(getattr(settings, "SSO_ALLOW_PRIVATE_URLS", False))


def check_url(url: str, *, field: str) -> None:
    """Refuse a URL this server must not fetch (see the module's note)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceError("Enter a full web address starting with https://.", field=field)
    if parts.scheme != "https" and not allow_private():
        raise ServiceError("The address must start with https://.", field=field)
    if allow_private():
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise ServiceError(f"The host {parts.hostname} could not be found.", field=field) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ServiceError(
                "That address is on a private network; the identity provider must be reachable on the internet.",
                field=field,
            )


def fetch(url: str, *, field: str, what: str) -> bytes:
    check_url(url, field=field)
    try:
        with requests.get(url, timeout=TIMEOUT_SECONDS, allow_redirects=False, stream=True) as response:
            if response.status_code != 200:
                raise ServiceError(
                    f"The {what} answered with HTTP {response.status_code}, not the document.", field=field
                )
            body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    except requests.RequestException:
        raise ServiceError(f"The {what} could not be reached. Check the address and try again.", field=field) from None
    if len(body) > MAX_BYTES:
        raise ServiceError(f"The {what} is too large to be a discovery document or metadata.", field=field)
    return body
