"""The visitor's IP address: the one place that reads it.

Rate limits (allauth's sign-in, sign-up and password reset through
``AccountAdapter.get_client_ip``, and ours such as ``/verify/``), audit trails that keep an
address (signatures, consents, downloads) and anything else that needs the address call
``client_ip(request)``; nothing else reads ``REMOTE_ADDR`` or ``X-Forwarded-For``
(tests/test_client_address.py checks the source for it).

- Without ``BEHIND_TLS_PROXY`` the address is the connection's (``REMOTE_ADDR``); an
  ``X-Forwarded-For`` header is ignored, since any client can send one.
- Behind the proxy every connection comes from the proxy. With
  ``ALLAUTH_TRUSTED_PROXY_COUNT = n`` (``TRUSTED_PROXY_COUNT``, 1 by default) the address
  is the n-th entry of ``X-Forwarded-For`` from the right: the one our nearest proxies
  appended. Entries to its left came from the client and are never used, so a forged
  extra hop cannot choose the address. With ``ALLAUTH_TRUSTED_CLIENT_IP_HEADER``
  (``TRUSTED_CLIENT_IP_HEADER``, e.g. ``X-Real-IP``) the proxy's own header is used instead.
- A request that did not pass through the proxies (the header is missing or shorter than
  the trusted count: a direct call to the container's port) falls back to ``REMOTE_ADDR``.

These are allauth's own settings (django-allauth 65); ``mentorship/settings.py`` sets them
from ``BEHIND_TLS_PROXY`` (off: no header is trusted).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _clean(value: str | None) -> str | None:
    """A valid IP address in canonical form, or None (ports and IPv6 brackets removed)."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value.split("%", 1)[0]))
    except ValueError:
        return None


def _forwarded_address(request: HttpRequest) -> str | None:
    header_name = getattr(settings, "ALLAUTH_TRUSTED_CLIENT_IP_HEADER", None)
    if header_name:
        return _clean(request.headers.get(header_name))
    count = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0) or 0
    if count < 1:
        return None
    forwarded = request.headers.get("X-Forwarded-For")
    if not forwarded:
        return None
    hops = [hop.strip() for hop in forwarded.split(",")]
    if len(hops) < count:
        return None
    return _clean(hops[-count])


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address (see the module's docstring), or None if there is none."""
    return _forwarded_address(request) or _clean(request.META.get("REMOTE_ADDR"))
