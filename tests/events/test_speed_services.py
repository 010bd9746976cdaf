"""Speed-mentoring events: who may do what, tenant scoping, the schedule saved from the
engine, check-in, picks and mutual picks sent into the program's consent flow."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from events.models import EventStatus, SpeedParticipant, SpeedPick, SpeedRole, SpeedSlot
from events.services import events as event_services
from events.services import picks as pick_services
from events.services import schedule as schedule_services
from matching.models import Proposal, ProposalStatus
from mentorship.exceptions import ServiceError
from programs.models import Notification, ProgramModel, Role
from relationships.models import PairExclusion
from tests.events.support import approved, event, people, speed_program, took_place
from tests.factories import MembershipFactory, MentorshipFactory, ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-02 09:00")]


def built(program, coordinator, mentors=3, mentees=4, rounds=3):
    the_event = event(program, coordinator, rounds=rounds)
    m, e = people(program, mentors, mentees)
    with scope(organization=program.organization):
        event_services.participants_add_approved(actor=coordinator, event=the_event)
        schedule_services.schedule_build(actor=coordinator, event=the_event)
        the_event.refresh_from_db()
    return the_event, m, e


def assert_valid(the_event):
    with scopes_disabled():
        slots = list(SpeedSlot.objects.filter(event=the_event).select_related("mentor", "mentee"))
    seen_table, seen_mentee, seen_pair = set(), set(), set()
    for slot in slots:
        assert 0 <= slot.round_number < the_event.rounds
        assert slot.mentor.role == SpeedRole.MENTOR and slot.mentee.role == SpeedRole.MENTEE
        for seen, key in (
            (seen_table, (slot.round_number, slot.mentor_id)),
            (seen_mentee, (slot.round_number, slot.mentee_id)),
            (seen_pair, (slot.mentor_id, slot.mentee_id)),
        ):
            assert key not in seen
            seen.add(key)
    return slots


def test_only_programs_with_speed_events_on_and_coordinators_create_events(org_a, coordinator_a, member_a):
    off = ProgramFactory(organization=org_a)
    with scope(organization=org_a), pytest.raises(ServiceError, match="Turn on speed-mentoring events"):
        event_services.event_create(
            actor=coordinator_a,
            program=off,
            name="x",
            starts_at=timezone.now(),
            rounds=3,
            round_minutes=5,
            changeover_minutes=1,
        )
    peer = ProgramFactory(organization=org_a, model=ProgramModel.PEER, speed_events=True)
    with scope(organization=org_a), pytest.raises(ServiceError, match="one mentor with one mentee"):
        event_services.event_create(
            actor=coordinator_a,
            program=peer,
            name="x",
            starts_at=timezone.now(),
            rounds=3,
            round_minutes=5,
            changeover_minutes=1,
        )
    program = speed_program(org_a)
    with pytest.raises(PermissionDenied):
        event(program, member_a)


def test_bad_values_are_all_reported_together(org_a, coordinator_a):
    program = speed_program(org_a)
    with scope(organization=org_a), pytest.raises(ServiceError) as caught:
        event_services.event_create(
            actor=coordinator_a,
            program=program,
            name=" ",
            starts_at=timezone.now(),
            rounds=30,
            round_minutes=1,
            changeover_minutes=20,
        )
    assert set(caught.value.errors) == {"name", "rounds", "round_minutes", "changeover_minutes"}


def test_another_organizations_coordinator_cannot_touch_the_event(org_a, org_b, coordinator_a, coordinator_b):
    program = speed_program(org_a)
    the_event = event(program, coordinator_a)
    with scope(organization=org_b), pytest.raises(PermissionDenied):
        schedule_services.schedule_build(actor=coordinator_b, event=the_event)
    with scope(organization=org_b), pytest.raises(PermissionDenied):
        event_services.participants_add_approved(actor=coordinator_b, event=the_event)
    # The scoped manager never shows A's event inside B.
    from events.models import SpeedEvent

    with scope(organization=org_b):
        assert not SpeedEvent.objects.filter(pk=the_event.pk).exists()


def test_only_approved_applicants_of_the_program_are_added(org_a, coordinator_a):
    program = speed_program(org_a)
    the_event = event(program, coordinator_a)
    stranger = MembershipFactory(organization=org_a)
    mentee = approved(program, Role.MENTEE)
    with scope(organization=org_a):
        with pytest.raises(ServiceError, match="not an approved mentor"):
            event_services.participant_add(actor=coordinator_a, event=the_event, membership=stranger, role="mentor")
        with pytest.raises(ServiceError, match="not an approved mentor"):
            event_services.participant_add(actor=coordinator_a, event=the_event, membership=mentee, role="mentor")
        event_services.participant_add(actor=coordinator_a, event=the_event, membership=mentee, role="mentee")
        with pytest.raises(ServiceError, match="already takes part"):
            event_services.participant_add(actor=coordinator_a, event=the_event, membership=mentee, role="mentee")


def test_add_all_approved_numbers_the_tables_and_is_idempotent(org_a, coordinator_a):
    program = speed_program(org_a)
    the_event = event(program, coordinator_a)
    people(program, 3, 5)
    with scope(organization=org_a):
        assert event_services.participants_add_approved(actor=coordinator_a, event=the_event) == 8
        assert event_services.participants_add_approved(actor=coordinator_a, event=the_event) == 0
        tables = list(
            SpeedParticipant.objects.filter(event=the_event, role="mentor").values_list("table_number", flat=True)
        )
        assert sorted(tables) == [1, 2, 3]
        assert not SpeedParticipant.objects.filter(event=the_event, role="mentee", table_number__isnull=False)


def test_the_schedule_is_saved_from_the_engine_and_valid(org_a, coordinator_a):
    program = speed_program(org_a)
    the_event, mentors, mentees = built(program, coordinator_a, mentors=3, mentees=4, rounds=3)
    slots = assert_valid(the_event)
    assert the_event.status == EventStatus.SCHEDULED
    # 3 tables x 3 rounds = 9 seats; 4 mentees can fill them all.
    assert len(slots) == 9 == the_event.stats["slots"]
    # Everyone hears their schedule is ready.
    with scopes_disabled():
        assert Notification.objects.filter(key=f"speed-schedule:{the_event.pk}").count() == 7


def test_pairs_already_live_or_excluded_never_meet(org_a, coordinator_a):
    program = speed_program(org_a)
    the_event = event(program, coordinator_a, rounds=2)
    (m1, m2), (e1, e2) = people(program, 2, 2)
    with scopes_disabled():
        MentorshipFactory(program=program, mentor=m1, mentee=e1)
        PairExclusion.objects.create(organization=org_a, program=program, mentor=m2, mentee=e2, reason="declined")
    with scope(organization=org_a):
        event_services.participants_add_approved(actor=coordinator_a, event=the_event)
        schedule_services.schedule_build(actor=coordinator_a, event=the_event)
        pairs = set(SpeedSlot.objects.filter(event=the_event).values_list("mentor__membership", "mentee__membership"))
    assert (m1.pk, e1.pk) not in pairs and (m2.pk, e2.pk) not in pairs
    assert pairs == {(m1.pk, e2.pk), (m2.pk, e1.pk)}


def test_changing_people_before_the_event_rebuilds_the_schedule_and_after_the_start_nothing_changes(
    org_a, coordinator_a
):
    program = speed_program(org_a)
    the_event, mentors, mentees = built(program, coordinator_a, mentors=2, mentees=2, rounds=2)
    late = approved(program, Role.MENTEE, "Late Mentee")
    with scope(organization=org_a):
        event_services.participant_add(actor=coordinator_a, event=the_event, membership=late, role="mentee")
        assert SpeedSlot.objects.filter(event=the_event, mentee__membership=late).exists()
        first_table = SpeedParticipant.objects.get(event=the_event, table_number=1)
        event_services.participant_remove(actor=coordinator_a, participant=first_table)
        assert list(
            SpeedParticipant.objects.filter(event=the_event, role="mentor").values_list("table_number", flat=True)
        ) == [1]
        assert_valid(the_event)
        the_event.starts_at = timezone.now() - timedelta(minutes=1)
        the_event.save()
        with pytest.raises(ServiceError, match="has started"):
            schedule_services.schedule_build(actor=coordinator_a, event=the_event)


def test_check_in_is_for_coordinators_and_keeps_the_first_time(org_a, coordinator_a, member_a):
    program = speed_program(org_a)
    the_event, *_ = built(program, coordinator_a, mentors=1, mentees=1, rounds=1)
    with scope(organization=org_a):
        person = SpeedParticipant.objects.filter(event=the_event).first()
        with pytest.raises(PermissionDenied):
            event_services.check_in(actor=member_a, participant=person)
        first = event_services.check_in(actor=coordinator_a, participant=person).checked_in_at
        again = event_services.check_in(actor=coordinator_a, participant=person).checked_in_at
        assert first == again is not None
        assert event_services.check_in(actor=coordinator_a, participant=person, undo=True).checked_in_at is None


def held(program, coordinator, **kwargs):
    the_event, mentors, mentees = built(program, coordinator, **kwargs)
    with scope(organization=program.organization):
        took_place(the_event)
        event_services.event_mark_held(actor=coordinator, event=the_event)
        the_event.refresh_from_db()
    return the_event, mentors, mentees


def pick(the_event, membership, chosen_memberships):
    with scope(organization=the_event.organization):
        ids = list(
            SpeedParticipant.objects.filter(event=the_event, membership__in=chosen_memberships).values_list(
                "pk", flat=True
            )
        )
        return pick_services.picks_save(actor=membership, event=the_event, chosen_ids=ids)


def test_picks_only_among_people_met_only_by_participants_only_while_open(org_a, coordinator_a, member_a):
    program = speed_program(org_a)
    the_event, mentors, mentees = built(program, coordinator_a, mentors=2, mentees=3, rounds=1)
    with scope(organization=org_a):
        slot = SpeedSlot.objects.filter(event=the_event).select_related("mentor", "mentee").first()
        mentor = slot.mentor.membership
    with pytest.raises(ServiceError, match="not open"):
        pick(the_event, mentor, [slot.mentee.membership])
    with scope(organization=org_a):
        took_place(the_event)
        event_services.event_mark_held(actor=coordinator_a, event=the_event)
        the_event.refresh_from_db()
    with pytest.raises(PermissionDenied):
        pick(the_event, member_a, [mentor])
    with scope(organization=org_a):
        unmet = SpeedParticipant.objects.filter(event=the_event, role="mentee").exclude(mentor_slots__isnull=True)
        never = (
            SpeedParticipant.objects.filter(event=the_event, role="mentee")
            .exclude(mentee_slots__mentor=slot.mentor)
            .first()
        )
    assert unmet is not None
    with pytest.raises(ServiceError, match="people you met"):
        pick(the_event, mentor, [never.membership])
    assert pick(the_event, mentor, [slot.mentee.membership]) == 1
    assert pick(the_event, mentor, []) == 0
    with scopes_disabled():
        assert not SpeedPick.objects.exists()
    the_event.picks_close_at = timezone.now() - timedelta(seconds=1)
    with scopes_disabled():
        the_event.save()
    with pytest.raises(ServiceError, match="not open"):
        pick(the_event, mentor, [slot.mentee.membership])


def test_mutual_picks_become_proposals_in_the_consent_flow_and_the_rest_are_skipped_with_a_reason(
    org_a, coordinator_a, django_capture_on_commit_callbacks
):
    program = speed_program(org_a, model=ProgramModel.SELF_SELECT)  # offered at once, no committee
    the_event, (m1, m2), (e1, e2) = held(program, coordinator_a, mentors=2, mentees=2, rounds=2)
    # m1 <-> e1 mutual; m2 <-> e2 mutual but excluded meanwhile; m1 -> e2 one-sided.
    pick(the_event, m1, [e1, e2])
    pick(the_event, e1, [m1])
    pick(the_event, m2, [e2])
    pick(the_event, e2, [m2])
    with scopes_disabled():
        PairExclusion.objects.create(organization=org_a, program=program, mentor=m2, mentee=e2, reason="declined")
    with scope(organization=org_a):
        assert len(pick_services.mutual_pairs(the_event)) == 2
        with django_capture_on_commit_callbacks(execute=True):
            results = pick_services.picks_close_and_offer(actor=coordinator_a, event=the_event)
        the_event.refresh_from_db()
        proposal = Proposal.objects.get()
    assert the_event.status == EventStatus.CLOSED
    assert (proposal.mentor, proposal.mentee, proposal.status) == (m1, e1, ProposalStatus.OFFERED)
    skipped = [r for r in results if not r["proposal"]]
    assert len(skipped) == 1 and "Declined" in skipped[0]["reason"]
    with scope(organization=org_a), pytest.raises(ServiceError):
        pick_services.picks_close_and_offer(actor=coordinator_a, event=the_event)


def test_in_a_committee_program_mutual_picks_wait_for_the_committee(org_a, coordinator_a):
    program = speed_program(org_a)
    the_event, (m1,), (e1,) = held(program, coordinator_a, mentors=1, mentees=1, rounds=1)
    pick(the_event, m1, [e1])
    pick(the_event, e1, [m1])
    with scope(organization=org_a):
        pick_services.picks_close_and_offer(actor=coordinator_a, event=the_event)
        assert Proposal.objects.get().status == ProposalStatus.PROPOSED


def test_a_pick_is_private_until_picks_close(org_a, coordinator_a, client):
    program = speed_program(org_a)
    the_event, (m1,), (e1,) = held(program, coordinator_a, mentors=1, mentees=1, rounds=1)
    pick(the_event, m1, [e1])
    client.force_login(e1.user)
    url = f"/o/{org_a.slug}/events/{the_event.pk}/picks/"
    body = client.get(url).content.decode()
    assert "Mutual" not in body and "Not mutual" not in body
    pick(the_event, e1, [m1])
    body = client.get(url).content.decode()
    assert "Mutual" not in body  # still open: nobody learns who picked them
    with scope(organization=org_a):
        pick_services.picks_close_and_offer(actor=coordinator_a, event=the_event)
    body = client.get(url).content.decode()
    assert "Mutual: offered as a pair" in body
    # The coordinator sees counts and mutual pairs, never a one-sided pick's names.
    client.force_login(coordinator_a.user)
    detail = client.get(f"/o/{org_a.slug}/events/{the_event.pk}/").content.decode()
    assert "offered through the program" in detail


def test_picks_close_on_their_own_when_their_time_has_passed(org_a, coordinator_a, time_machine):
    from events.tasks import close_due_picks

    program = speed_program(org_a, model=ProgramModel.SELF_SELECT)
    the_event, (m1,), (e1,) = held(program, coordinator_a, mentors=1, mentees=1, rounds=1)
    pick(the_event, m1, [e1])
    pick(the_event, e1, [m1])
    assert close_due_picks() == 0  # still open
    time_machine.move_to(the_event.picks_close_at + timedelta(minutes=1))
    assert close_due_picks() == 1
    assert close_due_picks() == 0  # closed once
    with scopes_disabled():
        the_event.refresh_from_db()
        assert the_event.status == EventStatus.CLOSED
        assert Proposal.objects.get().status == ProposalStatus.OFFERED
