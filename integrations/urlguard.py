"""Where a webhook may point (issue 20): the SSRF guard.

A URL is refused unless its scheme is http(s) (https only outside development:
``WEBHOOKS_REQUIRE_HTTPS``) and every address its host resolves to is a public one: a
private, loopback, link-local (169.254.169.254, the cloud metadata service), multicast,
reserved or unspecified address is refused, IPv4 and IPv6 alike (IPv4-mapped IPv6 too). The
check runs when the URL is saved and again before every delivery, since DNS may change.
``WEBHOOKS_ALLOW_PRIVATE_URLS`` (on in development) lets a local receiver through.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


def address_refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is no part of the address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return sorted({info[4][0] for info in infos})


def check(url: str) -> tuple[str | None, str | None]:
    """``(why the URL is refused or None, the address to connect to or None)``. The address
    is one the check passed, so the delivery connects to what was checked (no second DNS
    answer in between); None with no refusal means "resolve as usual" (private URLs allowed)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "Enter a valid URL.", None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter an http:// or https:// URL.", None
    if parts.scheme != "https" and settings.WEBHOOKS_REQUIRE_HTTPS:
        return "Use an https:// URL: webhooks are only sent over an encrypted connection.", None
    if parts.username or parts.password:
        return "Leave the user name and password out of the URL: the signature proves who sends.", None
    if settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        return None, None
    try:
        addresses = resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):
        return f"The host {parts.hostname} could not be found.", None
    if not addresses or any(address_refused(address) for address in addresses):
        return (
            f"The host {parts.hostname} is a private, loopback or reserved address: "
            "webhooks go only to addresses on the public internet."
        ), None
    return None, addresses[0]


def refusal(url: str) -> str | None:
    """Why a webhook may not be sent to ``url`` now, or None when it may."""
    return check(url)[0]
