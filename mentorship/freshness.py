"""Per-person results that are cached until the organization's data changes.

Some reads cost several queries on every page and change only when someone writes: the
"what needs you" list is seven queries on the portal home and on the navigation's badge.
``cached_for`` keeps such a result in the cache under a key that holds two *data versions*:

- the organization's, moved on by every write made while serving that organization's pages
  (``/o/<slug>/…``: the tenancy middleware names the organization for the request);
- the site's, moved on by every other write (a Celery task, a management command, sign-in,
  account pages), since those may touch any organization.

Writes are seen where they happen, in the database layer: every connection gets an
``execute_wrapper`` that notices ``INSERT``, ``UPDATE`` and ``DELETE`` (so ``.update()``,
bulk writes and raw SQL count, not just ``save()``). The version moves at once and again
when the transaction commits, so a reader that filled the cache between the write and the
commit (with the old rows) is not believed afterwards. Sessions are not data: their writes
move nothing.

A result may also depend on the clock (a meeting becomes overdue at midnight); the key holds
the day, and an entry lives ``TTL_SECONDS`` at most. With Redis (production) every process
shares the versions. Without it (the embedded default) each process has its own cache: a
write made in another process is seen within ``TTL_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.cache import cache
from django.db import connection as db_connection
from django.db import transaction
from django.db.backends.signals import connection_created
from django.utils import timezone

TTL_SECONDS = 300
SITE = "site"
_WRITES = ("INSERT", "UPDATE", "DELETE", "insert", "update", "delete")
# Tables whose writes change no cached result: the session store.
_NOT_DATA = ('"django_session"', "django_session ")
# Rows every organization shows (a person's name and email): their writes move the site's
# version even on an organization's page.
# Memberships and organizations too: a person's memberships in every organization are kept
# under the site's version (``cached_for_site``), and the tenancy middleware reads them.
_SITE_WIDE = ('"mentorship_user"', '"account_emailaddress"', '"programs_membership"', '"programs_organization"')

writing_organization: ContextVar[int | None] = ContextVar("freshness_organization", default=None)
# The versions this request has read (one cache round trip per request, not per result); a
# write in the request forgets the version it moves.
_versions_read: ContextVar[dict | None] = ContextVar("freshness_versions", default=None)


@contextmanager
def read_versions_once():
    """Around a request: the data versions are read from the cache once, not per result."""
    token = _versions_read.set({})
    try:
        yield
    finally:
        _versions_read.reset(token)


@contextmanager
def writes_of(organization_id: int):
    """Around an organization's page: its writes move that organization's version."""
    token = writing_organization.set(organization_id)
    try:
        yield
    finally:
        writing_organization.reset(token)


def _version_key(scope: int | str) -> str:
    return f"freshness:v:{scope}"


def bump(scope: int | str) -> None:
    """Move a data version on (the organization's id, or ``SITE``)."""
    key = _version_key(scope)
    read = _versions_read.get()
    if read:
        read.pop(key, None)
    try:
        cache.incr(key)
    except ValueError:  # no such key yet (or evicted): any new value differs from the old
        cache.set(key, _new_version(), None)


def _new_version() -> int:
    return int(timezone.now().timestamp() * 1_000_000)


class _AfterCommit:
    """The bump a commit runs; ``freshness_scope`` tells it apart from other on-commit work."""

    def __init__(self, scope: int | str):
        self.freshness_scope = scope

    def __call__(self) -> None:
        bump(self.freshness_scope)


def is_freshness_hook(callback) -> bool:
    return getattr(callback, "freshness_scope", None) is not None


def _in_transaction(connection) -> bool:
    """In a transaction of the code's own (a test's wrapping transaction does not count)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _bump_for_write(connection, sql: str) -> None:
    head = sql[:80]
    scope = SITE if any(table in head for table in _SITE_WIDE) else (writing_organization.get() or SITE)
    bump(scope)
    if connection.in_atomic_block:
        # Once per scope at this depth of the transaction (a rolled-back savepoint takes its
        # callbacks away, so a hook of an outer level does not count).
        here = set(connection.savepoint_ids)
        registered = (
            here <= sids
            for sids, hook, _robust in connection.run_on_commit
            if getattr(hook, "freshness_scope", None) == scope
        )
        if not any(registered):
            transaction.on_commit(_AfterCommit(scope), using=connection.alias)
        if _in_transaction(connection):
            connection.freshness_uncommitted = True  # results read now may never be committed


def _may_keep(connection) -> bool:
    """A result computed after this transaction wrote may show rows a rollback takes back:
    it is returned, not kept."""
    if not _in_transaction(connection):
        connection.freshness_uncommitted = False
    return not getattr(connection, "freshness_uncommitted", False)


def _watch(execute, sql, params, many, context):
    if isinstance(sql, str) and sql.lstrip().startswith(_WRITES) and not any(name in sql[:80] for name in _NOT_DATA):
        _bump_for_write(context["connection"], sql)
    return execute(sql, params, many, context)


def watch_connection(sender, connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def connect() -> None:
    """Watch every database connection for writes (from ``MentorshipConfig.ready``)."""
    connection_created.connect(watch_connection, dispatch_uid="mentorship.freshness.watch")
    # Connections opened before ready() (rare: a check at start-up) are watched too.
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        watch_connection(None, conn)


def _read_versions(*keys: str) -> dict | None:
    versions = cache.get_many(keys)
    if len(versions) < len(keys):
        # Start the versions that are missing (add: a concurrent start wins, not both).
        for key in keys:
            if key not in versions:
                cache.add(key, _new_version(), None)
        versions = cache.get_many(keys)
    return versions if len(versions) == len(keys) else None


def _versions(*keys: str) -> dict | None:
    """The versions under ``keys``, read once per request (None: a cache that keeps nothing)."""
    read = _versions_read.get()
    if read is not None and all(key in read for key in keys):
        return read
    versions = _read_versions(*keys)
    if versions is not None and read is not None:
        read.update(versions)
    return versions


def _kept(key: str, compute: Callable[[], Any], ttl: int) -> Any:
    sentinel = object()
    value = cache.get(key, sentinel)
    if value is sentinel:
        value = compute()
        if _may_keep(db_connection):
            cache.set(key, value, ttl)
    return value


def cached_for(
    name: str, organization_id: int, person_key: Any, compute: Callable[[], Any], ttl: int = TTL_SECONDS
) -> Any:
    """``compute()``'s result for this person in this organization, recomputed after any write
    in the organization or the site, on a new day, or after ``ttl`` seconds."""
    org_key, site_key = _version_key(organization_id), _version_key(SITE)
    versions = _versions(org_key, site_key)
    if versions is None:
        return compute()
    day = timezone.localdate().isoformat()
    key = f"freshness:{name}:{organization_id}:{person_key}:{day}:{versions[org_key]}:{versions[site_key]}"
    return _kept(key, compute, ttl)


def cached_for_site(name: str, key: Any, compute: Callable[[], Any], ttl: int = TTL_SECONDS) -> Any:
    """``compute()``'s result, recomputed after any write to the site-wide tables (people,
    memberships, organizations: ``_SITE_WIDE``) or anything written outside an organization's
    pages, or after ``ttl`` seconds."""
    site_key = _version_key(SITE)
    versions = _versions(site_key)
    if versions is None:
        return compute()
    return _kept(f"freshness:{name}:site:{key}:{versions[site_key]}", compute, ttl)


# Stands for the request's CSRF token in a kept fragment; each request puts its own in.
CSRF_PLACEHOLDER = "csrf0token0placeholder0freshness"


def cached_fragment(
    request, name: str, person_key: Any, template_name: str, context: Callable[[], dict], ttl: int = TTL_SECONDS
) -> str:
    """A template rendered once per person and kept like ``cached_for``. Its forms work: it is
    rendered with a placeholder for the CSRF token, which each request replaces with its own.
    It sees the context ``context()`` gives, plus ``current_organization`` and
    ``current_membership`` (not the other context processors': nothing of the request)."""
    from django.middleware.csrf import get_token
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    def render() -> str:
        values = {
            **context(),
            "current_organization": request.organization,
            "current_membership": request.membership,
            "csrf_token": CSRF_PLACEHOLDER,
        }
        return render_to_string(template_name, values)

    html = cached_for(name, request.organization.pk, person_key, render, ttl=ttl)
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return mark_safe(html)  # noqa: S308  (our own template's output, escaped when it was rendered)
