"""Where a webhook may point (issue 20): the SSRF guard.

A URL is refused unless its scheme is http(s) (https only outside development:
``WEBHOOKS_REQUIRE_HTTPS``) and every address its host resolves to is a public one: a
private, loopback, link-local (169.254.169.254, the cloud metadata service), multicast,
reserved or unspecified address is refused, IPv4 and IPv6 alike. An IPv6 address that wraps
an IPv4 one is judged by the IPv4 address inside: IPv4-mapped (::ffff:0:0/96), NAT64
(64:ff9b::/96) and 6to4 (2002::/16); the local-use NAT64 prefix 64:ff9b:1::/48, Teredo
(2001::/32) and the deprecated IPv4-compatible ::/96 are refused outright (Python 3.11 counts
NAT64, 6to4 and IPv4-compatible addresses as global whatever they wrap). The port must be
80, 443 or 1024–65535, and not one of the internal services' (``REFUSED_PORTS``: MySQL,
PostgreSQL, Redis, memcached, MongoDB). The check runs when the URL is saved and again
before every delivery, since DNS may change.
``WEBHOOKS_ALLOW_PRIVATE_URLS`` (on in development) lets a local receiver through, on any port.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

# Ports a webhook may use: the web's two and the unprivileged range, less the ports of the
# services an application's network usually holds.
REFUSED_PORTS = frozenset({3306, 5432, 6379, 11211, 27017})

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: a network's own translator
TEREDO = ipaddress.IPv6Network("2001::/32")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated (RFC 4291); :: and ::1 too


def port_refused(port: int) -> bool:
    return not (port in (80, 443) or 1024 <= port <= 65535) or port in REFUSED_PORTS


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one wraps (IPv4-mapped, NAT64, 6to4), or None."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refused(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is no part of the address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL or ip in TEREDO or ip in IPV4_COMPATIBLE:
            return True
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
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
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    try:
        addresses = resolve(parts.hostname, port)
    except (OSError, UnicodeError):
        return f"The host {parts.hostname} could not be found.", None
    if not addresses or any(address_refused(address) for address in addresses):
        return (
            f"The host {parts.hostname} is a private, loopback or reserved address: "
            "webhooks go only to addresses on the public internet."
        ), None
    if port_refused(port):
        return (
            f"Port {port} is not one a webhook may use: use 80, 443 or a port from 1024 to 65535 "
            "(not a database's or cache's)."
        ), None
    return None, addresses[0]


def refusal(url: str) -> str | None:
    """Why a webhook may not be sent to ``url`` now, or None when it may."""
    return check(url)[0]
