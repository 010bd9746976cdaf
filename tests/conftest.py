import os
import time
from contextlib import contextmanager

import pytest
from django.core.cache import cache

from tests.clock import marker_travel
from tests.factories import MembershipFactory, OrganizationFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls our tests
# make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _weasyprint_missing() -> str | None:
    try:
        import weasyprint  # noqa: F401
    except OSError as error:  # the Python package is installed; its system libraries are not
        return str(error).splitlines()[0]
    return None


def pytest_collection_modifyitems(config, items):
    """PDF tests need WeasyPrint's system libraries. Without them (a bare machine) they are
    skipped with the reason; CI installs them and, with REQUIRE_BROWSER=1, runs them all."""
    if os.environ.get("REQUIRE_BROWSER") == "1":
        return
    missing = _weasyprint_missing()
    if not missing:
        return
    skip = pytest.mark.skip(
        reason=f"WeasyPrint's system libraries are missing ({missing}): apt-get install libpango-1.0-0 "
        "libpangoft2-1.0-0 libharfbuzz-subset0"
    )
    for item in items:
        if item.get_closest_marker("pdf"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clock(request):
    """``@pytest.mark.clock(...)``: the test runs on that day (tests/clock.py)."""
    marker = request.node.get_closest_marker("clock")
    if marker is None:
        yield None
        return
    if request.node.get_closest_marker("browser"):
        # The browser keeps cookies on the real clock: a session cookie stamped on a past
        # day would be dropped at once. Browser tests write days relative to today instead.
        raise pytest.UsageError(
            f"{request.node.nodeid}: a browser test cannot freeze the clock; write its days "
            "relative to timezone.localdate() (the shifted CI run checks them a year ahead)"
        )
    with marker_travel(marker) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _clean_cache():
    # allauth's rate limits live in the cache; each test starts with none used.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Alpha Surgical Society", slug="alpha")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Bravo Anesthesiology Department", slug="bravo")


@pytest.fixture
def coordinator_a(org_a):
    return MembershipFactory(organization=org_a, is_coordinator=True)


@pytest.fixture
def member_a(org_a):
    return MembershipFactory(organization=org_a)


@pytest.fixture
def coordinator_b(org_b):
    return MembershipFactory(organization=org_b, is_coordinator=True)


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.1):
    """Wait for an outcome produced by another thread (a worker); fail if it never comes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@contextmanager
def _real_worker():
    from celery.contrib.testing.worker import start_worker

    from mentorship.celery import app

    app.conf.task_always_eager = False
    app.control.purge()
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        app.conf.task_always_eager = True


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (in a thread) consuming from the configured broker:
    Redis when REDIS_URL is set, otherwise the embedded filesystem broker."""
    with _real_worker() as app:
        yield app


@pytest.fixture(scope="session")
def asgi_live_server_session(django_db_setup, django_db_blocker):
    from tests.asgi_server import AsgiLiveServer

    with django_db_blocker.unblock():
        server = AsgiLiveServer().start()
    yield server
    server.stop()


@pytest.fixture
def asgi_live_server(asgi_live_server_session, transactional_db):
    """The whole ASGI application (pages and websockets, mentorship/asgi.py) served by uvicorn
    on a free loopback port, on the test database (tests/asgi_server.py): ``.url``
    (http://127.0.0.1:<port>), ``.ws_url``, and ``.publish(membership_ids, event)``. Like
    ``live_server``, it makes the test transactional (the server sees committed data only)."""
    return asgi_live_server_session
