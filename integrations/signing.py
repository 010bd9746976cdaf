"""How a webhook delivery is signed (issue 20), and how a receiver checks it.

Each delivery carries ``X-Mentorship-Timestamp`` (Unix seconds) and ``X-Mentorship-Signature:
sha256=<hex>``, the HMAC-SHA256 of ``f"{timestamp}.{body}"`` under the webhook's secret. A
receiver recomputes it over the raw body, compares in constant time and rejects a timestamp
older than five minutes (a replayed delivery). ``verify`` is that check, as README.md shows it.
"""

import hashlib
import hmac
import secrets
import time

TOLERANCE_SECONDS = 5 * 60
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def headers(*, secret: str, body: bytes, event: str, delivery_id: int, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": "Mentorship-Webhooks/1",
        "X-Mentorship-Event": event,
        "X-Mentorship-Delivery": str(delivery_id),
        "X-Mentorship-Timestamp": str(timestamp),
        "X-Mentorship-Signature": signature(secret, timestamp, body),
    }


def verify(secret: str, timestamp: str, sent: str, body: bytes, *, now: float | None = None) -> bool:
    """A receiver's check: the signature matches and the timestamp is recent."""
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - stamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, stamp, body), sent or "")
