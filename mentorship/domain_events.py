"""Domain events (issue 20): the one way an app says "this happened" to whoever listens on a
higher floor, without knowing who listens (webhooks today, in ``integrations``).

``emit(organization_id, event, data)`` calls every registered listener once the surrounding
transaction commits (at once outside a transaction), so a rolled-back change never leaves.
``data`` carries ids and metadata only (slugs, membership ids, statuses, timestamps): never a
note, a message, an agenda or any other text people wrote. A listener that fails is logged
and the others still run; the change that emitted the event stands.

The events, each emitted from its one service:

- ``application.submitted``: ``programs.services.applications.application_save`` (first submit);
- ``relationship.started`` / ``relationship.ended``: ``relationships.services.lifecycle``;
- ``agreement.signed``: ``agreements.services.agreement.agreement_sign`` (both signatures in);
- ``report.submitted``: ``surveys.services.reports.report_confirm`` (both confirmations in).
"""

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

EVENTS = (
    "application.submitted",
    "relationship.started",
    "relationship.ended",
    "agreement.signed",
    "report.submitted",
)

Listener = Callable[[int, str, dict], None]
_listeners: list[Listener] = []


def register_listener(fn: Listener) -> None:
    """Called from an ``AppConfig.ready``: ``fn(organization_id, event, data)`` hears every event."""
    if fn not in _listeners:
        _listeners.append(fn)


def listeners() -> list[Listener]:
    return list(_listeners)


def emit(organization_id: int, event: str, data: dict) -> None:
    """Tell every listener, after the transaction commits, that ``event`` happened."""
    if event not in EVENTS:
        raise ValueError(f"Unknown domain event {event!r}")
    payload = dict(data)

    def deliver() -> None:
        for listener in list(_listeners):
            try:
                listener(organization_id, event, payload)
            except Exception:  # one listener's failure never undoes the change or stops the others
                logger.exception("Listener %s failed on %s", getattr(listener, "__name__", listener), event)

    transaction.on_commit(deliver)
