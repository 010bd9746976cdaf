"""Issue 17, cheaper pages: the portal home and the relationship page keep what they show
below the navigation (mentorship.freshness.cached_fragment / cached_for) until the
organization's data changes. A kept fragment's forms carry each request's own CSRF token,
each viewer has their own (a coordinator never gets a party's), and a change shows at once."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from mentorship.freshness import CSRF_PLACEHOLDER
from relationships.models import Mentorship, Stage
from tests.factories import dana_and_nia

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def page(client, pair):
    url = reverse("mentorship_detail", kwargs={"org_slug": pair.organization.slug, "pk": pair.pk})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_kept_relationship_page_has_working_forms_in_every_browser(org_a):
    pair = dana_and_nia(org_a)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(pair.mentor.user)
    second.force_login(pair.mentor.user)  # the same person in another browser
    page(first, pair)  # rendered and kept
    with CaptureQueriesContext(connection) as kept:
        html_one = page(first, pair)
    html_two = page(second, pair)
    assert CSRF_PLACEHOLDER not in html_one + html_two
    assert len(kept) <= 6  # session, user, memberships, the pairing (+ cache misses none)
    stage_url = reverse("stage_set", kwargs={"org_slug": org_a.slug, "pk": pair.pk})
    for client, html, stage in ((first, html_one, Stage.UNDERSTANDING), (second, html_two, Stage.ACTION_PLANNING)):
        token = TOKEN.search(html).group(1)
        response = client.post(stage_url, {"csrfmiddlewaretoken": token, "stage": stage})
        assert response.status_code == 302, response.content[:300]
        with scopes_disabled():
            assert Mentorship.objects.get(pk=pair.pk).stage == stage
        # The stage just set shows on the next visit: the write moved the version.
        assert f'<dd class="col-sm-8">{Stage(stage).label}</dd>' in page(client, pair)


def test_each_viewer_has_their_own_fragment(client, org_a, coordinator_a):
    pair = dana_and_nia(org_a)
    client.force_login(pair.mentee.user)
    as_mentee = page(client, pair)
    assert "mailto:" + pair.mentor.user.email in as_mentee
    assert "End this mentorship" in as_mentee
    client.force_login(coordinator_a.user)
    as_coordinator = page(client, pair)
    assert "You see this pairing as a coordinator" in as_coordinator
    assert "mailto:" + pair.mentee.user.email not in as_coordinator
    assert "End this mentorship" not in as_coordinator


def test_the_portal_home_follows_a_change_at_once(client, org_a):
    pair = dana_and_nia(org_a)
    client.force_login(pair.mentee.user)
    home = reverse("organization_dashboard", kwargs={"org_slug": org_a.slug})
    assert "Mentored by Dana Whitfield" in client.get(home).content.decode()
    with CaptureQueriesContext(connection) as kept:
        client.get(home)
    assert len(kept) <= 4
    with scopes_disabled():
        pair.mentor.user.full_name = "Dana W. Okafor"
        pair.mentor.user.save()
    assert "Mentored by Dana W. Okafor" in client.get(home).content.decode()


def _decide_buttons(html: str, application) -> bool:
    return f'value="{application.pk}"><input type="hidden" name="row"' in html


def test_the_application_list_is_kept_per_coordinator_and_follows_a_decision(org_a, coordinator_a):
    """The list's rows are kept per coordinator and address: a second visit runs no query of
    the applications, each coordinator has their own (no buttons on their own application),
    a row's inline form carries this request's token, and its decision shows at once."""
    from programs.models import Application, ApplicationStatus, Role
    from tests.factories import ApplicationFactory, MembershipFactory, ProgramFactory

    program = ProgramFactory(organization=org_a, slug="kept", name="Kept Program")
    other = ApplicationFactory(program=program, status=ApplicationStatus.ELIGIBLE, role=Role.MENTEE)
    own = ApplicationFactory(program=program, membership=coordinator_a, status=ApplicationStatus.ELIGIBLE)
    colleague = MembershipFactory(organization=org_a, is_coordinator=True)
    url = reverse("application_list", kwargs={"org_slug": org_a.slug, "program_slug": program.slug})
    me, them = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    me.force_login(coordinator_a.user)
    them.force_login(colleague.user)

    mine = me.get(url).content.decode()
    with CaptureQueriesContext(connection) as kept:
        again = me.get(url).content.decode()
    assert not any("programs_application" in q["sql"] for q in kept.captured_queries)
    assert _decide_buttons(mine, other) and not _decide_buttons(mine, own)
    theirs = them.get(url).content.decode()
    assert _decide_buttons(theirs, own)  # not coordinator_a's kept rows

    token = TOKEN.search(again).group(1)
    assert token != CSRF_PLACEHOLDER
    response = me.post(url, {"csrfmiddlewaretoken": token, "ids": other.pk, "action": "declined"})
    assert response.status_code == 302, response.content[:300]
    with scopes_disabled():
        assert Application.objects.get(pk=other.pk).status == ApplicationStatus.DECLINED
    for client in (me, them):
        assert 'data-status="declined">' in client.get(url).content.decode()


def _nav(html: str) -> str:
    return html[html.index('<nav class="navbar') : html.index("</nav>")]


def test_the_kept_navigation_follows_the_page_the_person_and_the_data(org_a, coordinator_a):
    """The navigation is kept per person and page name: each page marks its own link active,
    each person has their own menu (a member never gets the coordinator's), a renamed
    organization shows at once, and its sign-out form carries this request's CSRF token."""
    from tests.factories import MembershipFactory

    member = MembershipFactory(organization=org_a)
    coordinator, person = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    coordinator.force_login(coordinator_a.user)
    person.force_login(member.user)
    home = reverse("organization_dashboard", kwargs={"org_slug": org_a.slug})
    programs = reverse("program_list", kwargs={"org_slug": org_a.slug})

    surveys = reverse("my_surveys", kwargs={"org_slug": org_a.slug})
    coordinator.get(home)  # kept
    nav_home = _nav(coordinator.get(home).content.decode())
    # Two pages without the to-do list (their badges load later): only the page name differs.
    nav_programs = _nav(coordinator.get(programs).content.decode())
    nav_surveys = _nav(coordinator.get(surveys).content.decode())
    current = 'aria-current="page" href="{}"'.format
    assert current(home) in nav_home and current(programs) not in nav_home
    assert current(programs) in nav_programs and current(home) not in nav_programs
    assert current(surveys) in nav_surveys and current(programs) not in nav_surveys
    assert "Program office" in nav_home and coordinator_a.user.full_name in nav_home

    nav_person = _nav(person.get(home).content.decode())
    assert "Program office" not in nav_person and coordinator_a.user.full_name not in nav_person
    assert member.user.full_name in nav_person

    with scopes_disabled():
        org_a.name = "Alpha Surgical Society of the North"
        org_a.save()
    assert "Alpha Surgical Society of the North" in _nav(coordinator.get(home).content.decode())

    html = person.get(programs).content.decode()
    token = TOKEN.search(_nav(html)).group(1)
    assert token != CSRF_PLACEHOLDER
    assert person.post(reverse("account_logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert person.get(home).status_code == 302  # signed out: sent to sign in
