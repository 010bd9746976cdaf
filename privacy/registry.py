"""What a person's export holds and what their erasure touches, gathered from the apps.

The privacy app stands above every domain app and reads them itself (``privacy/parts.py``
registers its own parts here in ``PrivacyConfig.ready``); an app on a higher floor
(integrations, api) adds its part the same way, from its own ``AppConfig.ready``:

- ``register_exporter(name, fn)``: ``fn(user, memberships)`` returns an ``ExportPart``:
  rows by kind (each row a dict naming its ``organization`` by slug, or None for the
  account) and files to copy into the ZIP (path inside the ZIP, a callable returning the bytes
  or an open binary file, which the ZIP copies in chunks and closes).
- ``register_eraser(fn)``: ``fn(membership, placeholder)`` anonymizes what that membership
  holds in that app (in the erasure's transaction) and returns counts by kind.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class ExportPart:
    rows: dict[str, list[dict]] = field(default_factory=dict)
    files: list[tuple[str, Callable[[], bytes]]] = field(default_factory=list)

    def add(self, kind: str, row: dict) -> None:
        self.rows.setdefault(kind, []).append(row)


EXPORTERS: dict[str, Callable] = {}
ERASERS: list[Callable] = []


def register_exporter(name: str, fn: Callable) -> None:
    EXPORTERS[name] = fn


def register_eraser(fn: Callable) -> None:
    if fn not in ERASERS:
        ERASERS.append(fn)
