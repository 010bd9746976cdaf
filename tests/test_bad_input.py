"""Bad input: hostile and malformed data sent to every form and every POST view.

The POST views come from the URL resolver (``tests.test_tenancy._org_url_templates`` and
the project's own views outside organizations), and who may use each one and which object
ids its URL takes from ``tests/isolation_rules.py``, so a new view is covered without
editing this file. The fields of each view are read from the forms the pages show (every
page its roles can open is fetched once and its ``<form method="post">`` parsed), and
hypothesis draws bodies from them: the page's own values with some fields replaced by huge
strings, unicode (RTL, emoji, combining marks, control characters), HTML and script,
numbers as text, impossible dates, lists where one value is expected, the ids of another
organization's objects, or left out; plus keys nobody asked for, undecodable bodies and
uploaded files of the wrong type.

For every request the rule is:

- never a server error (an exception is reported with the view, the role and the body);
- a refused request (4xx, a form shown again with 200, or a redirect with an error
  message) writes nothing: the row counts of the tables are the same before and after;
- a form shown again says what is wrong (an error text on the page);
- an accepted request leads to a page that works and shows the hostile text escaped.

Every request runs in a transaction that is rolled back, so each starts from the same world.
Then: replayed submissions (the same valid form twice) and stale ones (an old revision) are
refused with a message and leave one row.
"""

import logging
import os
import re
import time
from collections import Counter

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from agreements.models import Agreement, AgreementEdit
from matching.models import MentorshipRequest
from programs.models import Application, ApplicationStatus, Program, Role
from surveys.models import QuarterlyReport, SurveyInvitation, SurveyResponse
from tests import isolation_rules as rules
from tests.bad_input_support import (
    MARKERS_OF_AN_ERROR,
    World,
    build_organization,
    hostile_text,
    hostile_value,
    read_forms,
    uploaded_file,
)
from tests.factories import MembershipFactory, OrganizationFactory
from tests.project import PROJECT_APPS
from tests.test_tenancy import _org_url_templates

pytestmark = pytest.mark.django_db

# Examples per POST view (about 80 views); BAD_INPUT_EXAMPLES=200 for a longer hunt.
EXAMPLES_PER_VIEW = int(os.environ.get("BAD_INPUT_EXAMPLES", "20"))
# The same inputs on every run (CI stays reproducible); BAD_INPUT_RANDOM=1 draws new ones.
RANDOM = os.environ.get("BAD_INPUT_RANDOM") == "1"
# The roles of organization A that may act, in the order a view's role is preferred.
ACTING_ROLES = (rules.COORDINATOR, rules.MENTEE, rules.MENTOR, rules.COMMITTEE, rules.MEMBER)
PROJECT_PREFIXES = tuple(f"{app}." for app in PROJECT_APPS)
# Tables a refused request may still write to: the session, the audit trail, rate limits,
# reminders' bookkeeping.
UNCOUNTED = re.compile(r"session|audit|ratelimit|reminder", re.I)
# Text the pages must never show unescaped once it has been accepted.
RAW_MARKUP = (b"<script>alert(1)</script>", b'"><img src=x onerror=alert(1)>')
# Words of the code that must never reach a person in a message: a model field's name
# ("slug"), Django's key for whole-form errors, a database or Python error's name.
JARGON = re.compile(r"\b(?:slug|__all__|pk|IntegrityError|ValidationError|DoesNotExist|NoneType)\b", re.I)


def _visible_text(content: bytes) -> str:
    text = re.sub(rb"<(script|style|textarea)\b.*?</\1>", b" ", content, flags=re.S | re.I)
    return re.sub(rb"<[^>]*>", b" ", text).decode(errors="replace")


def jargon_in(response, errors: list[str]) -> list[str]:
    """Code words in what the person reads: the messages and the page's visible text."""
    found = [m.group() for e in errors for m in JARGON.finditer(e)]
    if "html" in response.get("Content-Type", ""):
        found += [m.group() for m in JARGON.finditer(_visible_text(response.content))]
    return found


# Field names tried on views whose form no page shows (and as extra keys everywhere).
LIKELY_NAMES = [
    "action",
    "revision",
    "pk",
    "id",
    "membership",
    "mentor",
    "mentee",
    "status",
    "text",
    "email",
    "year",
    "quarter",
    "response",
    "decision",
    "request",
    "capacity",
    "reason",
    "message",
]
# Run statistics, for the report (printed at the end of the module and in failures).
STATS: Counter = Counter()


# --- The views ---------------------------------------------------------------------------------


def _project_routes() -> list[tuple[str, str]]:
    """(name, route) of every URL of the project's own views: those under /o/<org>/ (the
    tenancy test's list) and the few outside any organization."""
    found = list(_org_url_templates())
    org_names = {name for name, _ in found}

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and p.name not in org_names:
                module = getattr(p.callback, "__module__", "")
                if module.startswith(PROJECT_PREFIXES) and p.name:
                    found.append((p.name, route))

    walk(get_resolver().url_patterns)
    return found


_CONVERTER = re.compile(r"<(?:\w+:)?(?P<name>\w+)>")


def _url(route: str, rule: rules.Rule, world: World) -> str:
    def value(match) -> str:
        name = match.group("name")
        if name == "org_slug":
            return "alpha"
        if name == "program_slug":
            return world.slugs[rule.program]
        if name in rule.ids:
            return str(world.ids[rule.ids[name]])
        raise AssertionError(f"{route}: declare the object kind of <{name}> in tests/isolation_rules.py")

    return "/" + _CONVERTER.sub(value, route)


def _post_views() -> list[tuple[str, str]]:
    views = []
    for name, route in _project_routes():
        rule = rules.RULES.get(name)
        assert rule is not None, f"{name} has no access rule in tests/isolation_rules.py"
        if "POST" in rule.methods:
            views.append((name, route))
    return views


def test_every_post_view_is_driven():
    """The list is read from the resolver; this pins that it is not silently empty."""
    names = {name for name, _ in _post_views()}
    assert len(names) >= 60
    assert {"agreement_detail", "survey_answer", "quarterly_report_edit", "request_create", "member_edit"} <= names


# --- The world ---------------------------------------------------------------------------------


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    org_a = OrganizationFactory(name="Alpha Surgical Society", slug="alpha")
    org_b = OrganizationFactory(name="Bravo Anesthesiology Department", slug="bravo")
    with scopes_disabled():
        roles, ids, slugs = build_organization(org_a, prefix="")
        _roles_b, ids_b, _slugs_b = build_organization(org_b, prefix="b-")
    not_ids = {"report_year", "report_quarter", "agreement_version"}
    foreign = {v for k, v in ids_b.items() if isinstance(v, int) and k not in not_ids}
    foreign = sorted(foreign | {m.pk for m in _roles_b.values()})
    return World(roles=roles, ids=ids, slugs=slugs, foreign_ids=foreign)


@pytest.fixture
def quiet_request_log():
    """Hundreds of expected 400/403/404 would each log a warning."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


def _counted_tables() -> list[str]:
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and not UNCOUNTED.search(meta.db_table):
            tables.add(meta.db_table)
    return sorted(tables)


def _row_counts(tables: list[str]) -> tuple:
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def _crawl(world: World, clients: dict) -> dict:
    """{(role, path): [Form]}: every post form on every page each role can open."""
    forms: dict = {}
    for name, route in _project_routes():
        rule = rules.RULES[name]
        if "GET" not in rule.methods:
            continue
        url = _url(route, rule, world)
        for role in ACTING_ROLES:
            if not rule.allows(role, "GET"):
                continue
            response = clients[role].get(url)
            STATS["pages read"] += 1
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in read_forms(url, response.content.decode()):
                forms.setdefault((role, form.action), []).append(form)
    return forms


# --- Drawing a body ----------------------------------------------------------------------------


def _draw_body(data, form, foreign_ids: list) -> tuple[dict, dict, bool]:
    """(fields, files, claims_a_form) for one request. The request claims the form when the
    fields that tell the view which form was sent (its hidden fields and the button pressed)
    are the page's own: a view that then shows the form again must say what is wrong."""
    body, files, intact = {}, {}, form is not None
    hostile = hostile_value(foreign_ids)
    if form is not None:
        for f in form.fields.values():
            if f.kind == "file":
                mode = data.draw(st.sampled_from(["file", "file", "missing", "text"]))
                if mode == "file":
                    files[f.name] = data.draw(uploaded_file())
                elif mode == "text":
                    body[f.name] = data.draw(hostile)
                continue
            if f.name == "csrfmiddlewaretoken":
                # Sent as the page gave it: without it the CSRF check refuses the request
                # before any view reads it (the test client skips that check).
                body[f.name] = f.default
                continue
            mode = data.draw(st.sampled_from(["keep", "keep", "valid", "hostile", "hostile", "list", "missing"]))
            if f.kind == "hidden" and mode != "keep":
                intact = False
            if mode == "keep" and f.default is not None:
                body[f.name] = f.default
            elif mode == "valid" and f.values:
                chosen = data.draw(st.lists(st.sampled_from(f.values), min_size=1, max_size=len(f.values)))
                body[f.name] = chosen if f.multiple else chosen[0]
            elif mode == "list":
                body[f.name] = data.draw(st.lists(hostile, min_size=2, max_size=3))
            elif mode in ("hostile", "keep", "valid"):
                body[f.name] = data.draw(hostile)
        if form.buttons:
            name, value = data.draw(st.sampled_from(form.buttons))
            if name:
                if data.draw(st.booleans()) or not value:
                    body[name] = value
                else:
                    body[name], intact = data.draw(hostile), False
    names = st.one_of(st.sampled_from(LIKELY_NAMES), hostile_text.map(lambda t: t[:60] or "k"))
    extras = data.draw(st.dictionaries(names, hostile, max_size=4 if form is None else 2))
    for key, value in extras.items():
        if key not in body:
            body[key] = value
    return body, files, intact


_RAW_BODIES = [
    (b"%ff%fe=%zz&a=%&&=", "application/x-www-form-urlencoded"),
    (b"\xff\xfe\x00\x01garbage", "application/x-www-form-urlencoded; charset=utf-8"),
    (b'{"action": "save", "revision": [1, {"$gt": ""}]}', "application/json"),
    (b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb', "multipart/form-data; boundary=x"),
    (b"--\r\n\r\n", "multipart/form-data; boundary="),
    (b"a=" + b"b" * 200_000, "application/x-www-form-urlencoded"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>", "text/xml"),
]


# --- Judging an answer -------------------------------------------------------------------------


def _error_messages(response) -> list[str]:
    """The warnings and errors this request added (not those left from earlier ones)."""
    storage = getattr(response.wsgi_request, "_messages", None)
    return [str(m) for m in getattr(storage, "_queued_messages", []) if m.level >= 30]


def _judge(client, response, *, before, after, tables, claims: bool) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    errors = _error_messages(response)
    redirected = status in (301, 302, 303)
    refused = status >= 400 or status == 200 or (redirected and errors)
    html = "html" in response.get("Content-Type", "")
    if status == 200 and claims and html and not (MARKERS_OF_AN_ERROR.search(response.content) or errors):
        return "a form shown again without any error message"
    if refused and (words := jargon_in(response, errors)):
        return f"refused with code words in the message: {sorted(set(words))}"
    if refused:
        STATS["refused"] += 1
        if before != after:
            changed = [f"{t} {b}->{a}" for t, b, a in zip(tables, before, after, strict=True) if b != a]
            return f"refused ({status} {errors[:1]}), but rows were written: {', '.join(changed)}"
        return None
    STATS["accepted"] += 1
    if redirected:
        target = client.get(response["Location"])
        if target.status_code >= 500:
            return f"accepted, then the page it leads to fails with {target.status_code}"
        if "html" in target.get("Content-Type", "") and any(raw in target.content for raw in RAW_MARKUP):
            return "accepted, then the page it leads to shows the markup unescaped"
    return None


def _short(body) -> str:
    def cut(value):
        if isinstance(value, list):
            return [cut(v) for v in value]
        text = repr(value)
        return text if len(text) < 80 else text[:60] + f"...<{len(text)} chars>"

    if isinstance(body, dict):
        return "{" + ", ".join(f"{k!r}: {cut(v)}" for k, v in body.items()) + "}"
    return cut(body)


def _driver(name, url, roles, found, any_forms, clients, world, tables, failures):
    """The hypothesis test of one view."""

    @settings(
        max_examples=EXAMPLES_PER_VIEW,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def drive(data):
        role = data.draw(st.sampled_from(roles), label="role")
        choices = found[role] or any_forms or [None]
        form = data.draw(st.sampled_from(choices), label="form")
        own_form = form in found[role]  # another role's form is not this role's to send
        raw = data.draw(st.integers(0, 19)) == 0
        client = clients[role]
        client.cookies.pop("messages", None)
        body, claims = None, False
        with transaction.atomic():
            tick = time.perf_counter()
            before = _row_counts(tables)
            STATS["s counting"] += time.perf_counter() - tick
            try:
                if raw:
                    body, content_type = data.draw(st.sampled_from(_RAW_BODIES))
                    response = client.generic("POST", url, body, content_type=content_type)
                else:
                    body, files, claims = _draw_body(data, form, world.foreign_ids)
                    claims = claims and own_form
                    response = client.post(url, {**body, **files})
            except Exception as error:  # noqa: BLE001 — a crash is the finding
                transaction.set_rollback(True)
                STATS["inputs"] += 1
                failures.append(f"{name} POST {url} as {role}: raised {error!r} for {_short(body)}")
                return
            STATS["inputs"] += 1
            try:
                problem = _judge(
                    client, response, before=before, after=_row_counts(tables), tables=tables, claims=claims
                )
            except Exception as error:  # noqa: BLE001 — the page after the redirect crashed
                problem = f"accepted, then the page it leads to raised {error!r}"
            transaction.set_rollback(True)
        if problem:
            failures.append(f"{name} POST {url} as {role}: {problem} for {_short(body)}")
        if "_auth_user_id" not in client.session:
            client.force_login(world.roles[role].user)  # a refused session was rolled back

    return drive


# --- The property ------------------------------------------------------------------------------


def test_no_post_view_fails_on_bad_input(world, quiet_request_log, capsys):
    tables = _counted_tables()
    clients = {}
    for role in ACTING_ROLES:
        clients[role] = Client()
        clients[role].force_login(world.roles[role].user)
    started = time.perf_counter()
    forms = _crawl(world, clients)
    crawled = time.perf_counter()
    failures: list[str] = []
    no_form: list[str] = []  # POST-only views whose form no page of the world shows
    pages_only: list[str] = []  # pages with no form of their own (a POST is answered like a GET)
    views = _post_views()

    for name, route in views:
        rule = rules.RULES[name]
        url = _url(route, rule, world)
        path = url
        roles = [role for role in ACTING_ROLES if rule.allows(role, "POST")] or [rules.MEMBER]
        found = {role: forms.get((role, path), []) for role in roles}
        any_forms = [form for role in roles for form in found[role]]
        if not any_forms:
            (no_form if rule.methods == rules.POST else pages_only).append(name)
        STATS["views"] += 1

        _driver(name, url, roles, found, any_forms, clients, world, tables, failures)()

    summary = (
        f"{STATS['inputs']} generated inputs over {STATS['views']} POST views "
        f"({STATS['refused']} refused, {STATS['accepted']} accepted; {STATS['pages read']} pages read for forms; "
        f"{len(pages_only)} of them pages without a form of their own; "
        f"POST views whose form no page shows, driven with likely names: {', '.join(no_form) or 'none'})"
    )
    posting = time.perf_counter() - crawled
    counting = STATS["s counting"]
    summary += f"; {crawled - started:.0f} s reading pages, {posting:.0f} s posting ({counting:.0f} s counting rows)"
    with capsys.disabled():
        print("\n[bad input] " + summary)
    assert STATS["inputs"] >= len(views) * min(EXAMPLES_PER_VIEW, 5)
    assert not failures, summary + f"\n{len(failures)} failures:\n" + "\n".join(sorted(set(failures))[:80])


# --- Replayed and stale submissions ------------------------------------------------------------


def _filled(client, url: str, *, action: str | None = None, **values) -> dict:
    """The body the page's own form would send, filled with plausible answers."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    for form in read_forms(url, response.content.decode()):
        if form.action != url:
            continue
        buttons = dict(form.buttons)
        if action is not None and buttons.get("action") != action and form.fields.get("action", None) is None:
            continue
        if action is not None and form.fields.get("action") and form.fields["action"].default != action:
            continue
        body = {}
        for f in form.fields.values():
            if f.kind in ("select", "radio", "checkbox"):
                options = [v for v in f.values if v]
                if options:
                    body[f.name] = options[-1]
            elif f.kind == "file":
                continue
            elif f.kind == "number":
                body[f.name] = f.default or "3"
            elif f.default:
                body[f.name] = f.default
            else:
                body[f.name] = "Steady progress on the protocol."
        if action is not None:
            body["action"] = action
        return {**body, **values}
    raise AssertionError(f"no form {action or ''} on {url}")


def _refused_with_message(response) -> str:
    errors = _error_messages(response)
    assert response.status_code in (200, 302, 400, 409), response.status_code
    if response.status_code == 200:
        assert errors or MARKERS_OF_AN_ERROR.search(response.content), "refused without a message"
    else:
        assert errors, "refused without a message"
    return " ".join(errors) or response.content.decode()


def _client(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_a_survey_answered_twice_is_refused_the_second_time(world):
    mentee = _client(world.roles[rules.MENTEE])
    url = f"/o/alpha/surveys/answer/{world.ids['survey_token']}/"
    body = _filled(mentee, url)
    first = mentee.post(url, body)
    assert first.status_code == 302 and not _error_messages(first)
    second = mentee.post(url, body)
    assert "already answered" in _refused_with_message(second)
    with scopes_disabled():
        assert SurveyResponse.objects.filter(wave__survey_id=world.ids["open_survey"]).count() == 1
        assert SurveyInvitation.objects.get(token=world.ids["survey_token"]).responded_on is not None


def test_a_mentoring_request_sent_twice_makes_one_request(world):
    mentee = _client(world.roles[rules.MENTEE])
    with scopes_disabled():
        mentor = MembershipFactory(organization=world.roles[rules.MENTEE].organization)
        program = Program.objects.get(slug=world.slugs["alumni"])
        Application.objects.create(
            organization=program.organization,
            program=program,
            membership=mentor,
            role=Role.MENTOR,
            status=ApplicationStatus.ACCEPTED,
            capacity=2,
        )
    url = f"/o/alpha/programs/{program.slug}/mentors/{mentor.pk}/request/"
    body = _filled(mentee, url, message="I would value your advice on my first grant application.")
    first = mentee.post(url, body)
    assert first.status_code == 302 and not _error_messages(first), _error_messages(first)
    second = mentee.post(url, body)
    _refused_with_message(second)
    with scopes_disabled():
        assert MentorshipRequest.objects.filter(mentee=world.roles[rules.MENTEE], mentor=mentor).count() == 1


def _report_url(world) -> str:
    ids = world.ids
    return f"/o/alpha/mentorships/{ids['mentorship']}/reports/{ids['report_year']}/{ids['report_quarter']}/"


def _report(world) -> QuarterlyReport:
    with scopes_disabled():
        return QuarterlyReport.objects.get(
            mentorship_id=world.ids["mentorship"], year=world.ids["report_year"], quarter=world.ids["report_quarter"]
        )


def test_a_quarterly_report_confirmation_replayed_after_submission_is_refused(world):
    mentee, mentor = _client(world.roles[rules.MENTEE]), _client(world.roles[rules.MENTOR])
    url = _report_url(world)
    mentee_confirm = _filled(mentee, url, action="confirm")
    mentor_confirm = _filled(mentor, url, action="confirm")
    assert mentee.post(url, mentee_confirm).status_code == 302
    done = mentor.post(url, mentor_confirm)
    assert done.status_code == 302 and not _error_messages(done)
    submitted = _report(world)
    assert submitted.submitted_at is not None
    for client, body in ((mentor, mentor_confirm), (mentee, mentee_confirm)):
        assert "submitted" in _refused_with_message(client.post(url, body))
    again = _report(world)
    assert (again.submitted_at, again.revision) == (submitted.submitted_at, submitted.revision)
    with scopes_disabled():
        assert QuarterlyReport.objects.filter(mentorship_id=world.ids["mentorship"]).count() == 1


def test_a_stale_quarterly_report_save_is_refused_and_keeps_the_newer_text(world):
    mentee, mentor = _client(world.roles[rules.MENTEE]), _client(world.roles[rules.MENTOR])
    url = _report_url(world)
    mentee_body = _filled(mentee, url, action="save", goals_achieved="MENTEE-TEXT")
    mentor_body = _filled(mentor, url, action="save", goals_achieved="MENTOR-TEXT")
    assert mentee_body["revision"] == mentor_body["revision"] == "1"
    assert mentor.post(url, mentor_body).status_code == 302
    stale = mentee.post(url, mentee_body)  # written from revision 1, which is no longer current
    _refused_with_message(stale)
    report = _report(world)
    assert (report.goals_achieved, report.revision) == ("MENTOR-TEXT", 2)
    # The replayed save of the mentor (revision 1 again) is stale too.
    _refused_with_message(mentor.post(url, mentor_body))
    assert _report(world).revision == 2


def test_a_stale_agreement_save_is_refused_and_keeps_the_newer_text(world):
    mentee, mentor = _client(world.roles[rules.MENTEE]), _client(world.roles[rules.MENTOR])
    url = f"/o/alpha/mentorships/{world.ids['mentorship']}/agreement/"
    mentee_body = _filled(mentee, url, action="save", goals="MENTEE-GOALS")
    mentor_body = _filled(mentor, url, action="save", goals="MENTOR-GOALS")
    assert mentee_body["revision"] == mentor_body["revision"]
    saved = mentor.post(url, mentor_body)
    assert saved.status_code == 302 and not _error_messages(saved)
    with scopes_disabled():
        edits = AgreementEdit.objects.filter(agreement_id=world.ids["agreement"]).count()
    stale = mentee.post(url, mentee_body)
    _refused_with_message(stale)
    # The same save replayed: merged by section, it changes nothing and writes nothing.
    replayed = mentor.post(url, mentor_body)
    assert replayed.status_code == 302 and not _error_messages(replayed)
    with scopes_disabled():
        agreement = Agreement.objects.get(pk=world.ids["agreement"])
        assert agreement.content["goals"] == "MENTOR-GOALS"
        assert AgreementEdit.objects.filter(agreement_id=agreement.pk).count() == edits


# --- Query strings -----------------------------------------------------------------------------
#
# Every GET view, by the same discovery as the POST views, with hostile query strings. The
# names come from the pages (their ``<form method="get">`` fields and the links to each
# view), from the code (every ``request.GET`` read and every FilterForm field) and a few
# likely ones. The rule for every request:
#
# - never a server error (a NUL in a filter was a 500 on PostgreSQL);
# - bounded: the page is at most ECHO_BOUND bytes larger than without the query string, so
#   no value, however long, is echoed back whole;
# - a message where one is due: when a field of the page's own filter form gets a value it
#   cannot use (a control character, a value its select does not offer, text longer than it
#   allows, a number out of its range), the page says so.

# Examples per GET view whose filters were found; views with none get a few with the
# names the code reads (they must ignore them).
GET_EXAMPLES_PER_VIEW = int(os.environ.get("BAD_INPUT_GET_EXAMPLES", "15"))
GET_EXAMPLES_OTHERWISE = max(2, GET_EXAMPLES_PER_VIEW // 5)
ECHO_BOUND = 16_000
LIKELY_QUERY_NAMES = ["page", "q", "next", "sort", "order", "format", "id", "filter", "search"]


def _content(response) -> bytes:
    """The body, also of a streamed file (a download)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _get_views() -> list[tuple[str, str]]:
    views = []
    for name, route in _project_routes():
        rule = rules.RULES.get(name)
        assert rule is not None, f"{name} has no access rule in tests/isolation_rules.py"
        if "GET" in rule.methods:
            views.append((name, route))
    return views


def test_every_get_view_and_the_filters_are_found():
    names = {name for name, _ in _get_views()}
    assert len(names) >= 60
    assert {"member_list", "mentor_directory", "hub_list", "reminder_log", "reminder_log_csv"} <= names
    from pathlib import Path

    from tests.bad_input_support import query_names_in_code

    found = query_names_in_code(Path(__file__).resolve().parent.parent)
    assert {"q", "institution", "status", "kind", "program", "page", "theme", "quarter"} <= found


def _crawl_queries(world: World, clients: dict) -> tuple:
    """(QueryForms of every page, {(view, role): (status, length) without a query string})."""
    from tests.bad_input_support import QueryForms, read_query_forms

    found, baseline = QueryForms(), {}
    for name, route in _get_views():
        rule = rules.RULES[name]
        url = _url(route, rule, world)
        for role in ACTING_ROLES:
            if not rule.allows(role, "GET"):
                continue
            response = clients[role].get(url)
            content = _content(response)
            baseline[(name, role)] = (response.status_code, len(content))
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                read_query_forms(url, content.decode(), found)
    return found, baseline


def _query_driver(name, url, roles, own_fields, names, clients, world, baseline, failures, examples):
    from tests.bad_input_support import hostile_query_value, must_be_refused

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def drive(data):
        role = data.draw(st.sampled_from(roles), label="role")
        chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True), label="names")
        extras = data.draw(st.lists(hostile_text.map(lambda t: t[:40] or "k"), max_size=1), label="odd names")
        query = []
        for key in chosen + extras:
            field = own_fields.get(key)
            offered = [v for v in (field.values if field else []) if v]
            mode = data.draw(st.sampled_from(["hostile", "hostile", "hostile", "offered", "twice"]))
            if mode == "offered" and offered:
                query.append((key, data.draw(st.sampled_from(offered))))
            elif mode == "twice":
                query += [(key, data.draw(hostile_query_value)), (key, data.draw(hostile_query_value))]
            else:
                query.append((key, data.draw(hostile_query_value)))
        client = clients[role]
        client.cookies.pop("messages", None)
        STATS["get inputs"] += 1
        with transaction.atomic():
            try:
                # A dict of lists keeps repeated names (?status=a&status=b) as the browser would.
                params: dict = {}
                for key, value in query:
                    params.setdefault(key, []).append(value)
                response = client.get(url, params)
            except Exception as error:  # noqa: BLE001 — a crash is the finding
                failures.append(f"{name} GET {url} as {role}: raised {error!r} for {_short(query)}")
                transaction.set_rollback(True)
                return
            transaction.set_rollback(True)
        status = response.status_code
        if status >= 500:
            failures.append(f"{name} GET {url} as {role}: server error {status} for {_short(query)}")
            return
        content = _content(response)
        if status != 200 or "html" not in response.get("Content-Type", ""):
            return
        _base_status, base_length = baseline[(name, role)]
        if len(content) > base_length + ECHO_BOUND:
            grown = len(content) - base_length
            failures.append(f"{name} GET {url} as {role}: the page grew by {grown} bytes for {_short(query)}")
        due = [key for key, value in query if key in own_fields and must_be_refused(own_fields[key], value)]
        if due and not (MARKERS_OF_AN_ERROR.search(content) or _error_messages(response)):
            failures.append(f"{name} GET {url} as {role}: {due} not usable, but no message, for {_short(query)}")
        STATS["get refused with a message" if due else "get answered"] += 1

    return drive


def test_no_get_view_fails_on_bad_query_strings(world, quiet_request_log, capsys):
    from pathlib import Path

    from tests.bad_input_support import query_names_in_code

    clients = {}
    for role in ACTING_ROLES:
        clients[role] = Client()
        clients[role].force_login(world.roles[role].user)
    started = time.perf_counter()
    found, baseline = _crawl_queries(world, clients)
    in_code = sorted(query_names_in_code(Path(__file__).resolve().parent.parent))
    failures: list[str] = []
    with_filters = []
    for name, route in _get_views():
        rule = rules.RULES[name]
        url = _url(route, rule, world)
        roles = [role for role in ACTING_ROLES if rule.allows(role, "GET")] or [rules.MEMBER]
        own_fields = found.fields.get(url, {})
        linked = sorted(found.links.get(url, {}))
        names = sorted(set(own_fields) | set(linked))
        if names:
            with_filters.append(name)
        pool = names * 3 + in_code + LIKELY_QUERY_NAMES  # the page's own names most often
        examples = GET_EXAMPLES_PER_VIEW if names else GET_EXAMPLES_OTHERWISE
        STATS["get views"] += 1
        _query_driver(name, url, roles, own_fields, pool, clients, world, baseline, failures, examples)()
    summary = (
        f"{STATS['get inputs']} query strings over {STATS['get views']} GET views "
        f"({len(with_filters)} with filters found on the pages: {', '.join(sorted(with_filters))}; "
        f"names the code reads: {', '.join(in_code)}); "
        f"{STATS['get refused with a message']} refused with a message; "
        f"{time.perf_counter() - started:.0f} s"
    )
    with capsys.disabled():
        print("\n[bad input, query strings] " + summary)
    assert len(with_filters) >= 10, summary
    assert not failures, summary + f"\n{len(failures)} failures:\n" + "\n".join(sorted(set(failures))[:80])


# The cases the review found (a 500 on PostgreSQL), by name: each filter refuses the NUL
# with a message and the page (or the export's 400) still answers.
NUL_CASES = [
    ("/o/alpha/members/?q=%00", rules.COORDINATOR),
    ("/o/alpha/programs/alumni/mentors/?q=%00", rules.MENTEE),
    ("/o/alpha/programs/alumni/mentors/?institution=a%00b", rules.MENTEE),
    ("/o/alpha/programs/hubs/hubs/?q=%00", rules.MEMBER),
    ("/o/alpha/reminders/?q=%00", rules.COORDINATOR),
    ("/o/alpha/reminders/?status=%00&q=Ann", rules.COORDINATOR),
    ("/o/alpha/health/?program=%00", rules.COORDINATOR),
    ("/o/alpha/health/redcap/?program=%00", rules.COORDINATOR),
]


@pytest.mark.parametrize("url, role", NUL_CASES)
def test_a_nul_in_a_filter_is_a_message_not_a_server_error(world, url, role):
    client = _client(world.roles[role])
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert MARKERS_OF_AN_ERROR.search(response.content), "no message about the unusable filter"
    assert b"control character U+0000" in response.content


def test_a_nul_in_an_export_filter_is_a_400_with_the_message(world):
    client = _client(world.roles[rules.COORDINATOR])
    response = client.get("/o/alpha/reminders.csv?q=%00")
    assert response.status_code == 400
    assert b"control character U+0000" in response.content and b"Name or email" in response.content
    assert client.get("/o/alpha/reminders.csv?q=Ann").status_code == 200


def test_no_get_view_echoes_a_query_name_it_does_not_read(world, quiet_request_log):
    """Every GET view, as a role that may open it, with one long name it never asked for:
    the page is no larger than without it (beyond ECHO_BOUND). The application list once put
    the whole query string into its bulk form's action, found only when hypothesis drew a
    long enough value; this asks every view the same question every run."""
    long_value = "Q" * (2 * ECHO_BOUND)
    clients, grown = {}, []
    for name, route in _get_views():
        rule = rules.RULES[name]
        url = _url(route, rule, world)
        role = next((role for role in ACTING_ROLES if rule.allows(role, "GET")), rules.MEMBER)
        if role not in clients:
            clients[role] = _client(world.roles[role])
        plain = _content(clients[role].get(url))
        with_it = _content(clients[role].get(url, {"unasked_name": long_value}))
        if len(with_it) > len(plain) + ECHO_BOUND:
            grown.append(f"{name} as {role}: grew by {len(with_it) - len(plain)} bytes")
    assert grown == []
