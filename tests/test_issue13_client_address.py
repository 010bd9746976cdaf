"""The visitor's address behind the TLS proxy (issue 13, item 3).

Behind the proxy every connection comes from the proxy: the limits on sign-in, password
reset, sign-up and /verify/ must count the visitor's own address (one person cannot lock
everyone out), a forged extra X-Forwarded-For hop must not choose it, and without the proxy
the header is ignored. Audit trails record the same address, and nothing but
mentorship.clientaddr reads it.
"""

import importlib.util
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django_scopes import scope, scopes_disabled

from agreements.models import AgreementEvent
from agreements.services import agreement as services
from relationships.models import Mentorship
from tests.factories import MembershipFactory, ProgramFactory
from tests.project import PROJECT_APPS

pytestmark = pytest.mark.clock("2026-11-20 09:00")

ROOT = Path(__file__).resolve().parent.parent
PROXY = "10.0.0.2"  # what REMOTE_ADDR holds for every request that came through the proxy
ALICE, BOB, FORGED = "203.0.113.7", "198.51.100.20", "192.0.2.99"


_PROXY_ENV = ("BEHIND_TLS_PROXY", "TRUSTED_PROXY_COUNT", "TRUSTED_CLIENT_IP_HEADER")
_PROXY_SETTINGS = ("BEHIND_TLS_PROXY", "ALLAUTH_TRUSTED_PROXY_COUNT", "ALLAUTH_TRUSTED_CLIENT_IP_HEADER")


def _settings_module(monkeypatch, **env: str):
    """mentorship/settings.py evaluated afresh with these variables (the rest of the test
    run's environment: production, DEBUG off), as a process of the deployment reads it."""
    for name in _PROXY_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("_settings_probe", ROOT / "mentorship" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _configure(settings, monkeypatch, **env: str) -> None:
    """Apply what the settings module makes of these variables to the running test."""
    module = _settings_module(monkeypatch, **env)
    for name in _PROXY_SETTINGS:
        if hasattr(module, name):
            setattr(settings, name, getattr(module, name))
        elif hasattr(settings, name):
            delattr(settings, name)


@pytest.fixture
def behind_proxy(settings, monkeypatch):
    _configure(settings, monkeypatch, BEHIND_TLS_PROXY="1")


@pytest.fixture
def no_proxy(settings, monkeypatch):
    _configure(settings, monkeypatch)


def _via_proxy(client_address: str, sent_by_client: str | None = None) -> dict:
    """The headers the app sees: the proxy appends the address it saw to whatever the
    client sent in X-Forwarded-For."""
    chain = f"{sent_by_client}, {client_address}" if sent_by_client else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


# --- The helper -----------------------------------------------------------------------------------


def _ip(**meta) -> str | None:
    from mentorship.clientaddr import client_ip

    return client_ip(RequestFactory().get("/", **meta))


def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(behind_proxy):
    assert _ip(**_via_proxy(ALICE)) == ALICE
    # A client that sends its own X-Forwarded-For only adds entries to the left.
    assert _ip(**_via_proxy(ALICE, sent_by_client=BOB)) == ALICE
    assert _ip(**_via_proxy(ALICE, sent_by_client=f"{BOB}, {FORGED}")) == ALICE
    assert _ip(**_via_proxy("2001:db8::7")) == "2001:db8::7"
    assert _ip(**_via_proxy("[2001:db8::7]:4711")) == "2001:db8::7"
    # A request that did not come through the proxy (the container's port, a health check).
    assert _ip(REMOTE_ADDR="127.0.0.1") == "127.0.0.1"
    # Garbage in the header is not an address.
    assert _ip(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="unknown") == PROXY


def test_with_two_trusted_proxies_the_second_entry_from_the_right_is_the_client(behind_proxy, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    assert _ip(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{FORGED}, {ALICE}, 10.0.0.1") == ALICE
    assert _ip(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ALICE) == PROXY  # too short: did not pass both


def test_a_proxy_header_such_as_x_real_ip_can_name_the_client(behind_proxy, settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    assert _ip(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=ALICE, HTTP_X_FORWARDED_FOR=FORGED) == ALICE


def test_without_the_proxy_forwarded_headers_are_ignored(no_proxy):
    assert _ip(REMOTE_ADDR=ALICE, HTTP_X_FORWARDED_FOR=BOB) == ALICE
    assert _ip(REMOTE_ADDR=ALICE, HTTP_X_REAL_IP=BOB) == ALICE


# --- Every limit counts the visitor, not the proxy ---------------------------------------------------

# (action in ACCOUNT_RATE_LIMITS, URL, POST data for attempt i). Each limit is lowered to 3 per
# address so the test is quick; which address is counted is what matters.
LIMITED = {
    "sign-in": (
        "login_failed",
        "/accounts/login/",
        lambda i: {"login": f"nobody{i}@example.org", "password": "not-the-password"},
    ),
    "password reset": ("reset_password", "/accounts/password/reset/", lambda i: {"email": f"nobody{i}@example.org"}),
    "sign-up": (
        "signup",
        "/accounts/signup/",
        lambda i: {"email": f"new{i}@example.org", "password1": "short", "password2": "short"},
    ),
    "/verify/": ("verify_agreement", "/verify/", lambda i: {"content_hash": f"{i:064x}"}),
}
LIMIT = 3


def _limited(response) -> bool:
    return response.status_code == 429 or b"Too many" in response.content


@pytest.fixture
def low_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        **{action: f"{LIMIT}/m/ip" for action, _, _ in LIMITED.values()},
    }


def _exhaust(client, url, data, meta) -> None:
    for i in range(LIMIT):
        response = client.post(url, data(i), **meta)
        assert not _limited(response), f"attempt {i + 1} of {LIMIT} was refused"


@pytest.mark.django_db
@pytest.mark.parametrize("flow", LIMITED)
def test_two_visitors_behind_the_proxy_do_not_share_a_limit(client, behind_proxy, low_limits, flow):
    _, url, data = LIMITED[flow]
    _exhaust(client, url, data, _via_proxy(ALICE))
    assert _limited(client.post(url, data(100), **_via_proxy(ALICE)))
    # Bob, behind the same proxy, is not locked out by Alice.
    assert not _limited(client.post(url, data(101), **_via_proxy(BOB)))


@pytest.mark.django_db
@pytest.mark.parametrize("flow", LIMITED)
def test_a_forged_forwarded_hop_neither_escapes_the_limit_nor_spends_someone_elses(
    client, behind_proxy, low_limits, flow
):
    _, url, data = LIMITED[flow]
    # Alice claims to be a new address on every attempt: the proxy's entry still counts.
    for i in range(LIMIT):
        assert not _limited(client.post(url, data(i), **_via_proxy(ALICE, sent_by_client=f"192.0.2.{i + 1}")))
    assert _limited(client.post(url, data(100), **_via_proxy(ALICE, sent_by_client="192.0.2.200")))
    # Claiming to be Bob spent none of Bob's attempts.
    _exhaust(client, url, data, _via_proxy(BOB))


@pytest.mark.django_db
@pytest.mark.parametrize("flow", LIMITED)
def test_without_the_proxy_a_forwarded_header_does_not_escape_the_limit(client, no_proxy, low_limits, flow):
    _, url, data = LIMITED[flow]
    for i in range(LIMIT):
        client.post(url, data(i), REMOTE_ADDR=ALICE, HTTP_X_FORWARDED_FOR=f"192.0.2.{i + 1}")
    assert _limited(client.post(url, data(100), REMOTE_ADDR=ALICE, HTTP_X_FORWARDED_FOR=BOB))


# --- Audit trails record the same address -----------------------------------------------------------


@pytest.fixture
def agreement(org_a):
    program = ProgramFactory(organization=org_a, slug="society")
    mentor = MembershipFactory(organization=org_a)
    mentee = MembershipFactory(organization=org_a)
    with scopes_disabled():
        pair = Mentorship.objects.create(
            organization=org_a,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            planned_end_on="2027-12-01",
        )
    with scope(organization=org_a):
        return services.agreement_start(actor=mentee, mentorship=pair)


def _viewed_from(client, agreement, **meta) -> str | None:
    mentorship = agreement.mentorship
    client.force_login(mentorship.mentor.user)
    response = client.get(f"/o/{mentorship.organization.slug}/mentorships/{mentorship.pk}/agreement/", **meta)
    assert response.status_code == 200
    with scopes_disabled():
        return AgreementEvent.objects.get(agreement=agreement, kind="viewed", actor=mentorship.mentor).ip_address


@pytest.mark.django_db
def test_the_agreement_audit_trail_records_the_visitor_behind_the_proxy(client, behind_proxy, agreement):
    assert _viewed_from(client, agreement, **_via_proxy(ALICE, sent_by_client=FORGED)) == ALICE


@pytest.mark.django_db
def test_the_agreement_audit_trail_ignores_forwarded_headers_without_the_proxy(client, no_proxy, agreement):
    assert _viewed_from(client, agreement, REMOTE_ADDR=ALICE, HTTP_X_FORWARDED_FOR=FORGED) == ALICE


# --- One place reads the address ----------------------------------------------------------------------

_READS_ADDRESS = re.compile(r"REMOTE_ADDR|X_FORWARDED_FOR|x-forwarded-for|X_REAL_IP|x-real-ip", re.IGNORECASE)


def test_nothing_but_the_helper_reads_the_client_address():
    """Every rate limit, audit trail and session check must take the address from
    mentorship.clientaddr.client_ip(), or it would be the proxy's behind the proxy."""
    offenders = []
    for package in PROJECT_APPS:
        for path in (ROOT / package).rglob("*.py"):
            if path.relative_to(ROOT).as_posix() in {"mentorship/clientaddr.py", "mentorship/settings.py"}:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if _READS_ADDRESS.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    for path in (ROOT / "templates").rglob("*.html"):
        if _READS_ADDRESS.search(path.read_text()):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, "read the address through mentorship.clientaddr.client_ip():\n" + "\n".join(offenders)


# --- BEHIND_TLS_PROXY configures it --------------------------------------------------------------------


def test_settings_wiring(monkeypatch):
    def proxy_settings(**env):
        module = _settings_module(monkeypatch, **env)
        return [getattr(module, name, None) for name in _PROXY_SETTINGS]

    assert proxy_settings() == [False, 0, None]
    assert proxy_settings(BEHIND_TLS_PROXY="1") == [True, 1, None]
    assert proxy_settings(BEHIND_TLS_PROXY="1", TRUSTED_PROXY_COUNT="2") == [True, 2, None]
    assert proxy_settings(BEHIND_TLS_PROXY="1", TRUSTED_CLIENT_IP_HEADER="X-Real-IP") == [True, 1, "X-Real-IP"]
    assert _settings_module(monkeypatch, BEHIND_TLS_PROXY="1").SECURE_PROXY_SSL_HEADER
    with pytest.raises(ImproperlyConfigured, match="set BEHIND_TLS_PROXY=1 too"):
        _settings_module(monkeypatch, TRUSTED_PROXY_COUNT="1")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        _settings_module(monkeypatch, BEHIND_TLS_PROXY="1", TRUSTED_PROXY_COUNT="0")
