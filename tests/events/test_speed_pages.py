"""The events pages: the coordinator's flow through the views, the PDFs read back, the
check-in desk (plain POST and htmx) and bounded queries for the grid and the desk."""

import io

import pytest
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from events.models import EventStatus, SpeedEvent, SpeedParticipant
from events.services import events as event_services
from events.services import schedule as schedule_services
from programs.models import Role
from tests.events.support import approved, event, people, speed_program, took_place

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


def pdf_text(data: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def scheduled(org, coordinator, mentors, mentees, rounds=3):
    program = speed_program(org)
    the_event = event(program, coordinator, rounds=rounds)
    people(program, mentors, mentees)
    with scope(organization=org):
        event_services.participants_add_approved(actor=coordinator, event=the_event)
        schedule_services.schedule_build(actor=coordinator, event=the_event)
        the_event.refresh_from_db()
    return program, the_event


def test_the_coordinator_creates_fills_and_schedules_an_event_through_the_pages(client, org_a, coordinator_a):
    program = speed_program(org_a, slug="society")
    people(program, 2, 3)
    client.force_login(coordinator_a.user)
    base = f"/o/{org_a.slug}"
    page = client.get(f"{base}/programs/society/events/")
    assert page.status_code == 200 and "No events yet" in page.content.decode()
    bad = client.post(f"{base}/programs/society/events/", {"name": "Annual meeting speed round", "rounds": "40"})
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "Annual meeting speed round" in body  # the typed text is kept
    response = client.post(
        f"{base}/programs/society/events/",
        {
            "name": "Annual meeting speed round",
            "starts_at": "2026-03-20T14:00",
            "location": "Hall B",
            "rounds": "3",
            "round_minutes": "8",
            "changeover_minutes": "2",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        the_event = SpeedEvent.objects.get()
    detail = f"{base}/events/{the_event.pk}/"
    assert "Nobody takes part yet" in client.get(detail).content.decode()
    client.post(f"{detail}participants/add-approved/")
    client.post(f"{detail}schedule/")
    with scopes_disabled():
        the_event.refresh_from_db()
    assert the_event.status == EventStatus.SCHEDULED
    grid = client.get(f"{detail}grid/").content.decode()
    assert "Table 1" in grid and "Mentee 000" in grid
    assert client.get(f"{detail}edit/").status_code == 200
    assert client.get(f"{detail}desk/").status_code == 200


@pytest.mark.pdf
def test_the_pdfs_have_a_page_per_person_and_per_table(client, org_a, coordinator_a):
    _program, the_event = scheduled(org_a, coordinator_a, 2, 3, rounds=2)
    client.force_login(coordinator_a.user)
    response = client.get(f"/o/{org_a.slug}/events/{the_event.pk}/schedules.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    pages = pdf_text(response.content)
    assert len(pages) == 5
    assert any(p.startswith("Alpha Surgical Society") and "Mentor 000" in p and "table 1" in p for p in pages)
    mentee_page = next(p for p in pages if "Mentee 000" in p.split(" Speed")[0])
    assert "Round Time Table With" in mentee_page
    cards = pdf_text(client.get(f"/o/{org_a.slug}/events/{the_event.pk}/table-cards.pdf").content)
    assert len(cards) == 2 and "Table 1" in cards[0] and "Mentor 000" in cards[0] and "Table 2" in cards[1]


def test_the_desk_checks_people_in_with_a_plain_post_and_with_htmx(client, org_a, coordinator_a):
    _program, the_event = scheduled(org_a, coordinator_a, 1, 2, rounds=1)
    client.force_login(coordinator_a.user)
    desk = f"/o/{org_a.slug}/events/{the_event.pk}/desk/"
    with scopes_disabled():
        first, second = SpeedParticipant.objects.filter(event=the_event, role="mentee").order_by("pk")
    found = client.get(desk, {"q": "Mentee 001"}).content.decode()
    assert "Mentee 001" in found and "Mentee 000" not in found
    assert "Nobody in this event matches" in client.get(desk, {"q": "zzz"}).content.decode()
    response = client.post(f"{desk}{first.pk}/", {"q": "Mentee"})
    assert response.status_code == 302 and response["Location"].endswith(f"?q=Mentee#person-{first.pk}")
    fragment = client.post(f"{desk}{second.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert f'id="person-{second.pk}"' in fragment and "Checked in" in fragment
    assert "<strong>2</strong> of 3 checked in" in fragment  # the counts, out of band
    with scopes_disabled():
        assert SpeedParticipant.objects.filter(event=the_event, checked_in_at__isnull=False).count() == 2


def test_participants_see_their_own_schedule_and_nobody_elses(client, org_a, coordinator_a):
    _program, the_event = scheduled(org_a, coordinator_a, 2, 2, rounds=2)
    with scopes_disabled():
        mentee = (
            SpeedParticipant.objects.filter(event=the_event, role="mentee").select_related("membership__user").first()
        )
    outsider = approved(the_event.program, Role.MENTEE, "Not Invited")
    client.force_login(mentee.membership.user)
    page = client.get(f"/o/{org_a.slug}/events/{the_event.pk}/my-schedule/").content.decode()
    assert "You are a mentee" in page and "Mentor 00" in page
    client.force_login(outsider.user)
    assert client.get(f"/o/{org_a.slug}/events/{the_event.pk}/my-schedule/").status_code == 404


@pytest.mark.parametrize("page", ["grid/", "desk/"])
def test_the_grid_and_the_desk_run_the_same_queries_for_a_small_and_a_large_event(
    client, org_a, coordinator_a, django_assert_max_num_queries, page
):
    client.force_login(coordinator_a.user)
    _p, small = scheduled(org_a, coordinator_a, 2, 3, rounds=2)
    client.get(f"/o/{org_a.slug}/events/{small.pk}/{page}")  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_run:
        assert client.get(f"/o/{org_a.slug}/events/{small.pk}/{page}").status_code == 200
    _p, large = scheduled(org_a, coordinator_a, 8, 20, rounds=6)
    with django_assert_max_num_queries(len(small_run.captured_queries)):
        assert client.get(f"/o/{org_a.slug}/events/{large.pk}/{page}").status_code == 200


def test_every_events_page_keeps_the_html_rules(client, org_a, coordinator_a):
    from django_scopes import scopes_disabled as unscoped

    from events.services import picks as pick_services
    from tests import html_rules

    program, the_event = scheduled(org_a, coordinator_a, 2, 3, rounds=2)
    base = f"/o/{org_a.slug}"
    with unscoped():
        mentee = SpeedParticipant.objects.filter(event=the_event, role="mentee").select_related("membership").first()
    client.force_login(coordinator_a.user)
    pages = [
        f"{base}/programs/{program.slug}/events/",
        f"{base}/events/{the_event.pk}/",
        f"{base}/events/{the_event.pk}/edit/",
        f"{base}/events/{the_event.pk}/grid/",
        f"{base}/events/{the_event.pk}/desk/",
        f"{base}/events/{the_event.pk}/desk/?q=%00",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert html_rules.problems(response.content.decode()) == [], url
    with scope(organization=org_a):
        took_place(the_event)
        event_services.event_mark_held(actor=coordinator_a, event=the_event)
    client.force_login(mentee.membership.user)
    for url in (f"{base}/events/{the_event.pk}/my-schedule/", f"{base}/events/{the_event.pk}/picks/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert html_rules.problems(response.content.decode()) == [], url
    with scope(organization=org_a):
        pick_services.picks_close_and_offer(actor=coordinator_a, event=the_event)
    assert html_rules.problems(client.get(f"{base}/events/{the_event.pk}/picks/").content.decode()) == []
    client.force_login(coordinator_a.user)
    assert html_rules.problems(client.get(f"{base}/events/{the_event.pk}/").content.decode()) == []
