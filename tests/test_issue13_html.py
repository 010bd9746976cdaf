"""Issue 13, item 22: valid HTML on every page.

The Nu HTML checker found ``<div>`` wrappers inside ``<dl>`` (health dashboard, program
reports, reminder log), a ``datetime`` with 6 fractional digits (organization dashboard),
a heading jump (program reports), duplicate ids (goal page, quarterly report page) and
markup in a help text (new organization). Each rule is checked on the rendered pages with
tests/html_rules.py (no Java needed); where vnu is installed (``.ci/html-check`` installs
it; ``VNU_JAR`` points at one) the same pages also go through the Nu checker itself. CI
runs ``.ci/html-check`` over every page the whole test suite was served.
"""

import importlib.machinery
import importlib.util
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from programs.models import Cadence
from programs.services.audit import audit
from relationships.models import Goal, Mentorship
from surveys.models import QuarterlyReport, Reminder, ReminderKind, ReminderStatus
from surveys.periods import quarter_of
from tests import html_rules
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory, UserFactory
from tests.test_issue13_plain_text import FORM_CLASSES, _build, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _frozen_clock():
    # Microseconds on purpose: an ISO timestamp printed in full has six fractional digits.
    with time_machine.travel(datetime(2026, 5, 4, 10, 15, 30, 123456, tzinfo=UTC), tick=True):
        yield


def _pair(org, program, started_days_ago):
    mentor, mentee = MembershipFactory(organization=org), MembershipFactory(organization=org)
    with scopes_disabled():
        return Mentorship.objects.create(
            organization=org,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            started_on=timezone.localdate() - timedelta(days=started_days_ago),
            planned_end_on=timezone.localdate() + timedelta(days=300),
        )


@pytest.fixture
def pages(client):
    """Each page the checker flagged: URL name -> (user, URL)."""
    org = OrganizationFactory(slug="valid")
    coordinator = MembershipFactory(organization=org, is_coordinator=True)
    program = ProgramFactory(organization=org, slug="society", meeting_cadence=Cadence.MONTHLY, quarterly_reports=True)
    submitted, drafting = _pair(org, program, 200), _pair(org, program, 100)
    year, quarter = quarter_of(timezone.localdate())
    now = timezone.now()
    with scopes_disabled():
        QuarterlyReport.objects.create(
            organization=org,
            mentorship=submitted,
            year=year,
            quarter=quarter,
            goals_achieved="Submitted a paper.",
            next_plans="Present it.",
            barriers="Time.",
            revision=2,
            mentor_confirmed_revision=2,
            mentee_confirmed_revision=2,
            submitted_at=now,
        )
        QuarterlyReport.objects.create(
            organization=org, mentorship=drafting, year=year, quarter=quarter, goals_achieved="Draft", revision=1
        )
        goal = Goal.objects.create(organization=org, mentorship=submitted, title="Publish", created_by=submitted.mentee)
        Reminder.objects.create(
            organization=org,
            recipient=submitted.mentor,
            program=program,
            kind=ReminderKind.CHECKIN,
            key="valid:1",
            path="/",
            status=ReminderStatus.SENT,
            sent_at=now,
        )
        audit(organization=org, actor=coordinator.user, action="test.event", summary="Something happened")
    slug = org.slug
    return {
        "health_dashboard": (coordinator.user, reverse("health_dashboard", kwargs={"org_slug": slug})),
        "reminder_log": (coordinator.user, reverse("reminder_log", kwargs={"org_slug": slug})),
        "program_reports": (
            coordinator.user,
            reverse("program_reports", kwargs={"org_slug": slug, "program_slug": program.slug}),
        ),
        "organization_dashboard": (coordinator.user, reverse("organization_dashboard", kwargs={"org_slug": slug})),
        "goal_detail": (
            submitted.mentee.user,
            reverse("goal_detail", kwargs={"org_slug": slug, "pk": submitted.pk, "goal_pk": goal.pk}),
        ),
        "quarterly_report_edit": (
            drafting.mentee.user,
            reverse(
                "quarterly_report_edit", kwargs={"org_slug": slug, "pk": drafting.pk, "year": year, "quarter": quarter}
            ),
        ),
        "organization_create": (UserFactory(), reverse("organization_create")),
    }


def _html(client, pages, name) -> str:
    user, url = pages[name]
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _problems(client, pages, name, rule: str) -> list[str]:
    return [problem for problem in html_rules.problems(_html(client, pages, name)) if rule in problem]


@pytest.mark.parametrize("name", ["health_dashboard", "reminder_log", "program_reports"])
def test_description_lists_hold_only_term_and_description_groups(client, pages, name):
    assert "<dl" in _html(client, pages, name)
    assert _problems(client, pages, name, "<dl>") == []


def test_datetime_attributes_have_at_most_three_fractional_digits(client, pages):
    html = _html(client, pages, "organization_dashboard")
    assert "Something happened" in html and 'datetime="2026-05-04T10:15:' in html
    assert _problems(client, pages, "organization_dashboard", "datetime") == []


def test_headings_do_not_skip_a_level_on_the_program_reports(client, pages):
    assert "Plans for the next quarter" in _html(client, pages, "program_reports")
    assert _problems(client, pages, "program_reports", "skipping a level") == []


@pytest.mark.parametrize("name", ["goal_detail", "quarterly_report_edit"])
def test_two_forms_on_one_page_do_not_share_ids(client, pages, name):
    assert _problems(client, pages, name, "duplicate id") == []


def test_help_texts_are_text_not_markup(client, pages):
    html = _html(client, pages, "organization_create")
    assert "for example surgical-society" in html  # the web address's help text is on the page
    assert "<slug>" not in html


@pytest.mark.parametrize(
    "name", ["health_dashboard", "reminder_log", "program_reports", "organization_dashboard", "goal_detail"]
)
def test_the_pages_keep_every_rule(client, pages, name):
    assert html_rules.problems(_html(client, pages, name)) == []


def _html_check():
    loader = importlib.machinery.SourceFileLoader("html_check", str(ROOT / ".ci" / "html-check"))
    spec = importlib.util.spec_from_loader("html_check", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_the_pages_pass_the_nu_html_checker(client, pages, tmp_path):
    html_check = _html_check()
    jar = html_check.find_vnu_jar()
    if jar is None or shutil.which("java") is None:
        pytest.skip("vnu is not installed here (.ci/html-check installs it; or set VNU_JAR)")
    for name in pages:
        (tmp_path / f"{name}.html").write_text(_html(client, pages, name), encoding="utf-8")
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m.get('message')}"
        for m in html_check.run_vnu(jar, tmp_path)
        if html_check.is_error(m)
    ]
    assert errors == []


def test_the_capture_keeps_a_few_distinct_pages_per_url_name_and_status(tmp_path, monkeypatch, rf):
    from django.http import HttpResponse, HttpResponseNotFound, JsonResponse

    from tests import html_capture

    monkeypatch.setenv("HTML_CAPTURE_DIR", str(tmp_path))
    monkeypatch.setenv("HTML_CAPTURE_PER_PAGE", "2")
    token = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
    bodies = iter(
        [
            HttpResponse(f"<!DOCTYPE html><p>Row 1</p>{token.format('a' * 64)}"),
            HttpResponse(f"<!DOCTYPE html><p>Row 2</p>{token.format('b' * 64)}"),  # the same shape
            HttpResponse("<!DOCTYPE html><p>Empty</p>"),
            HttpResponse("<!DOCTYPE html><p>A third shape</p>"),  # over the limit for this page
            HttpResponseNotFound("<!DOCTYPE html><p>Not found</p>"),
            JsonResponse({"not": "html"}),
        ]
    )
    middleware = html_capture.HtmlCaptureMiddleware(lambda request: next(bodies))
    for _ in range(6):
        request = rf.get("/o/a/members/")
        request.resolver_match = type("Match", (), {"view_name": "member_list"})()
        middleware(request)
    saved = sorted(path.name.rsplit("--", 1)[0] for path in tmp_path.glob("*.html"))
    assert saved == ["member_list--200", "member_list--200", "member_list--404"]
    index = (tmp_path / "pages.tsv").read_text().splitlines()
    assert len(index) == 3 and all(line.endswith("\t/o/a/members/") for line in index)


TYPED_INVALID = {
    "date": "2030-13-40",
    "datetime-local": "yesterday",
    "time": "25:99",
    "number": "twelve",
    "email": "not an address",
    "url": "no scheme here",
}


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_a_typed_input_never_echoes_a_value_html_forbids(form_class, world):  # noqa: F811 (the fixture)
    """Every form's date, number, email and URL inputs, sent what a browser cannot send,
    render without that value (HTML forbids it there, and a browser would drop it)."""
    echoed = []
    for name, field in _build(form_class, world).fields.items():
        bad = TYPED_INVALID.get(getattr(field.widget, "input_type", None))
        if bad is None:
            continue
        form = _build(form_class, world, data={name: bad})
        with scope(organization=world["organization"]):
            form.is_valid()
            rendered = str(form[name])
        if f'value="{bad}"' in rendered:
            echoed.append(f"{name}: {rendered}")
    assert echoed == []


def test_a_refused_value_is_shown_back_as_valid_html(client):
    """A refused value comes back in the input and in messages (``Select a valid choice.
    … is not one of the choices``): no control character and no line break reaches the
    page, where HTML forbids them."""
    user = UserFactory(full_name="Dana Whitfield")
    client.force_login(user)
    for name, zone in (("Dana\x17Whitfield", "Mars\x80Base"), ("Dana\nWhitfield", "UTC")):
        response = client.post("/accounts/profile/", {"full_name": name, "time_zone": zone})
        html = response.content.decode()
        assert response.status_code == 200 and "Use a single line of plain text" in html
        assert html_rules.problems(html) == []
    user.refresh_from_db()
    assert user.full_name == "Dana Whitfield"


def test_an_allauth_form_keeps_its_id_so_buttons_can_name_it():
    from django.template import Context, Template
    from django.template.base import Origin

    html = Template(
        '{% load allauth %}{% element form id="webauthn_form" method="post" action="/x" %}{% endelement %}'
        '{% element button form="webauthn_form" type="button" %}Use a security key{% endelement %}',
        origin=Origin("page.html", template_name="page.html"),
    ).render(Context({}))
    assert 'id="webauthn_form"' in html
    assert html_rules.problems(f"<!DOCTYPE html><title>t</title>{html}") == []


def test_the_too_many_attempts_page_is_a_page_of_the_site(client, settings):
    """allauth's fallback 429 is a bare fragment without a doctype (the Nu checker's one
    error in the whole suite): the site gives it its own page in the one layout."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/m/ip"}
    body = {"full_name": "Ann Example", "email": "ann@example.org", "password1": "x", "password2": "x"}
    client.post("/accounts/signup/", body)
    response = client.post("/accounts/signup/", body)
    assert response.status_code == 429
    html = response.content.decode()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "Too many attempts" in html and 'lang="en"' in html
