"""Circles: who hears of a meeting, what an ended circle keeps, what a round applied late
checks again, and what a committee member sees of a round."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from circles.models import CircleMemberStatus, CircleStatus, FormationStatus
from circles.services import circles as circle_services
from circles.services import formation as formation_services
from circles.services import record as record_services
from mentorship.exceptions import ServiceError
from programs.models import Application, ApplicationStatus, Role
from tests.circles.record_world import add_place, next_week, record_world
from tests.circles.support import accepted, circles_program, make_circle
from tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


def test_a_member_who_has_not_signed_gets_no_invitation(org_a, django_capture_on_commit_callbacks):
    world = record_world(org_a, members=2)
    unsigned, _place = add_place(world.circle, signed=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=org_a):
        record_services.meeting_schedule(
            actor=world.facilitator,
            circle=world.circle,
            starts_at=next_week(),
            duration_minutes=60,
            location="Room 4, ZOOM-LINK-SECRET",
            agenda="",
        )
    recipients = {address for message in mail.outbox for address in message.to}
    assert unsigned.user.email not in recipients
    assert world.member.user.email in recipients
    assert all("ZOOM-LINK-SECRET" not in m.body for m in mail.outbox if unsigned.user.email in m.to)


def test_an_ended_circle_keeps_its_people(org_a, coordinator_a):
    world = record_world(org_a, members=2)
    with scope(organization=org_a):
        circle_services.circle_end(actor=coordinator_a, circle=world.circle)
        place = world.places[world.member.pk]
        with pytest.raises(ServiceError, match="has ended"):
            circle_services.member_remove(actor=coordinator_a, place=place)
        place.refresh_from_db()
        assert place.status == CircleMemberStatus.ACTIVE


def test_a_circle_whose_start_moves_later_is_forming_again(org_a, coordinator_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program)
    assert circle.status == CircleStatus.ACTIVE
    values = {
        "name": circle.name,
        "theme": circle.theme,
        "capacity": circle.capacity,
        "open_to_join": circle.open_to_join,
        "starts_on": date(2026, 4, 1),
        "ends_on": circle.ends_on,
    }
    with scope(organization=org_a):
        assert circle_services.circle_update(actor=coordinator_a, circle=circle, **values).status == "forming"


def test_a_round_applied_late_skips_who_withdrew_since(org_a, coordinator_a):
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program, capacity=3, open_to_join=False)
    stays, withdraws = accepted(program, name="Stays"), accepted(program, name="Withdraws")
    with scope(organization=org_a):
        for member in (stays, withdraws):
            formation_services.choices_save(actor=member, program=program, circles=[circle])
        formation = formation_services.formation_run(actor=coordinator_a, program=program)
        Application.objects.filter(program=program, membership=withdraws).update(status=ApplicationStatus.WITHDRAWN)
        assert formation_services.formation_apply(actor=coordinator_a, formation=formation) == {
            "applied": 1,
            "skipped": 1,
        }


def test_a_committee_member_sees_a_round_only_once_it_is_sent(client, org_a, coordinator_a):
    committee = MembershipFactory(organization=org_a, is_committee=True)
    program = circles_program(org_a)
    circle = make_circle(coordinator_a, program, open_to_join=False)
    member = accepted(program, Role.MENTEE, name="Ranked")
    with scope(organization=org_a):
        formation_services.choices_save(actor=member, program=program, circles=[circle])
        formation = formation_services.formation_run(actor=coordinator_a, program=program)
    url = reverse(
        "circle_round_detail", kwargs={"org_slug": org_a.slug, "program_slug": program.slug, "pk": formation.pk}
    )
    client.force_login(committee.user)
    assert client.get(url).status_code == 404
    with scopes_disabled():
        type(formation).objects.filter(pk=formation.pk).update(status=FormationStatus.IN_REVIEW)
    assert client.get(url).status_code == 200


def test_answers_of_people_who_left_are_not_counted(org_a):
    world = record_world(org_a, members=2)
    with scope(organization=org_a):
        meeting = record_services.meeting_schedule(
            actor=world.facilitator,
            circle=world.circle,
            starts_at=timezone.now() + timedelta(days=7),
            duration_minutes=60,
            location="",
            agenda="",
        )
        record_services.rsvp_save(actor=world.members[0], meeting=meeting, response="yes")
        record_services.rsvp_save(actor=world.members[1], meeting=meeting, response="yes")
        place = world.places[world.members[1].pk]
        place.status = CircleMemberStatus.LEFT
        place.save(update_fields=["status"])
        (row,) = record_services.circle_metadata(world.circle).meetings
        assert row.yes == 1
