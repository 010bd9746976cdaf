"""The organization dashboard opens with what waits for that person there (issue 15):
meetings to log, agendas to write, proposed pairings and requests to answer, votes to cast,
agreements to sign, surveys to answer and, for coordinators, applications to decide on.
Each item is for the right person only, in that organization only, and the list costs the
same number of queries whatever the data size."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from agreements.models import Agreement, AgreementStatus, Signature
from matching.models import MentorshipRequest, Proposal, ProposalStatus, Response, Vote
from programs.models import ApplicationStatus, ProgramModel, Role
from relationships.models import Meeting, MeetingStatus
from surveys.models import Survey, SurveyInvitation, SurveyStatus, SurveyWave
from tests.factories import ApplicationFactory, MembershipFactory, MentorshipFactory, ProgramFactory, dana_and_nia

pytestmark = pytest.mark.django_db


def _meeting(mentorship, *, days: int, agenda: bool = False) -> Meeting:
    now = timezone.now()
    return Meeting.objects.create(
        organization=mentorship.organization,
        mentorship=mentorship,
        starts_at=now + timedelta(days=days),
        status=MeetingStatus.SCHEDULED,
        agenda_updated_at=now if agenda else None,
    )


def _awaiting_agreement(mentorship, *, signed_by=None) -> Agreement:
    agreement = Agreement.objects.create(
        organization=mentorship.organization,
        mentorship=mentorship,
        status=AgreementStatus.AWAITING,
        title="Mentorship agreement",
        mentor_name=mentorship.mentor.user.full_name,
        mentee_name=mentorship.mentee.user.full_name,
    )
    if signed_by is not None:
        Signature.objects.create(
            organization=mentorship.organization,
            agreement=agreement,
            signer=signed_by,
            role="mentor",
            typed_name=signed_by.user.full_name,
            content_hash="0" * 64,
        )
    return agreement


def _survey_invitation(membership, *, title="Six-month check") -> SurveyInvitation:
    today = timezone.localdate()
    survey = Survey.objects.create(organization=membership.organization, title=title, status=SurveyStatus.ACTIVE)
    wave = SurveyWave.objects.create(
        organization=membership.organization,
        survey=survey,
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=10),
    )
    return SurveyInvitation.objects.create(organization=membership.organization, wave=wave, membership=membership)


def _todos(client, membership) -> dict[str, list]:
    client.force_login(membership.user)
    response = client.get(reverse("organization_dashboard", kwargs={"org_slug": membership.organization.slug}))
    assert response.status_code == 200
    found: dict[str, list] = {}
    for todo in response.context["todos"]:
        found.setdefault(todo.kind, []).append(todo)
    return found


@pytest.fixture
def world(org_a):
    """Dana mentors Nia in a live pairing, with a meeting that took place and one to come
    without an agenda, and an agreement Dana signed and Nia has not."""
    with scopes_disabled():
        pair = dana_and_nia(org_a)
        past = _meeting(pair, days=-2)
        future = _meeting(pair, days=5)
        _meeting(pair, days=9, agenda=True)  # its agenda is written: nothing to do
        _awaiting_agreement(pair, signed_by=pair.mentor)
    return {"pair": pair, "past": past, "future": future}


def test_the_pair_see_their_meetings_to_log_and_the_mentee_the_agendas_to_write(client, world):
    pair, past, future = world["pair"], world["past"], world["future"]
    mentee = _todos(client, pair.mentee)
    assert [t.count for t in mentee["meetings_to_log"]] == [1]
    assert mentee["meetings_to_log"][0].url == reverse(
        "meeting_detail", kwargs={"org_slug": pair.organization.slug, "pk": pair.pk, "meeting_pk": past.pk}
    )
    assert mentee["agendas"][0].label == "Write the agenda for 1 meeting to come"
    assert mentee["agendas"][0].url.endswith(f"/meetings/{future.pk}/")
    mentor = _todos(client, pair.mentor)
    assert mentor["meetings_to_log"][0].label == "Log 1 meeting that took place"
    assert "agendas" not in mentor  # the mentee writes the agenda


def test_only_the_party_who_has_not_signed_is_asked_to_sign(client, world):
    pair = world["pair"]
    mentee = _todos(client, pair.mentee)
    assert [(t.label, t.detail) for t in mentee["signatures"]] == [
        ("Sign your mentorship agreement", "With Dana Whitfield")
    ]
    assert "signatures" not in _todos(client, pair.mentor)


def test_a_logged_meeting_and_an_ended_pairing_leave_the_list(client, world):
    pair = world["pair"]
    with scopes_disabled():
        Meeting.objects.filter(pk=world["past"].pk).update(status=MeetingStatus.HELD)
    assert "meetings_to_log" not in _todos(client, pair.mentee)
    with scopes_disabled():
        type(pair).objects.filter(pk=pair.pk).update(status="ended")
    assert _todos(client, pair.mentee) == {}


def test_offers_requests_and_votes_wait_for_the_right_people(client, org_a):
    with scopes_disabled():
        program = ProgramFactory(organization=org_a, model=ProgramModel.COMMITTEE)
        mentor, mentee = MembershipFactory(organization=org_a), MembershipFactory(organization=org_a)
        Proposal.objects.create(
            organization=org_a,
            program=program,
            mentor=mentor,
            mentee=mentee,
            status=ProposalStatus.OFFERED,
            mentee_response=Response.ACCEPTED,
        )
        MentorshipRequest.objects.create(
            organization=org_a,
            program=program,
            mentor=mentor,
            mentee=mentee,
            message="Would you mentor me?",
            expires_at=timezone.now() + timedelta(days=14),
        )
        member, voter, voted = (MembershipFactory(organization=org_a, is_committee=True) for _ in range(3))
        for _ in range(2):
            Proposal.objects.create(
                organization=org_a,
                program=program,
                mentor=MembershipFactory(organization=org_a),
                mentee=MembershipFactory(organization=org_a),
                status=ProposalStatus.PROPOSED,
            )
        # A pairing that includes the committee member is for the others to review.
        Proposal.objects.create(
            organization=org_a, program=program, mentor=member, mentee=mentee, status=ProposalStatus.PROPOSED
        )
        for proposal in Proposal.objects.filter(status=ProposalStatus.PROPOSED):
            Vote.objects.create(organization=org_a, proposal=proposal, voter=voted, decision="approve")
    as_mentor = _todos(client, mentor)
    assert as_mentor["offers"][0].label == "Answer 1 proposed pairing"
    assert as_mentor["requests"][0].url == reverse("request_list", kwargs={"org_slug": org_a.slug})
    assert "offers" not in _todos(client, mentee)  # already answered
    assert [(t.count, t.detail) for t in _todos(client, voter)["votes"]] == [(3, program.name)]
    assert _todos(client, member)["votes"][0].count == 2
    assert "votes" not in _todos(client, voted)  # voted on every one
    assert "votes" not in _todos(client, mentor)  # not on the committee


def test_coordinators_see_the_applications_to_decide_and_members_their_surveys(client, org_a, coordinator_a):
    with scopes_disabled():
        program = ProgramFactory(organization=org_a)
        for status in (ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE, ApplicationStatus.ACCEPTED):
            ApplicationFactory(program=program, role=Role.MENTEE, status=status)
        member = MembershipFactory(organization=org_a)
        _survey_invitation(member)
        answered = _survey_invitation(member, title="Answered already")
        SurveyInvitation.objects.filter(pk=answered.pk).update(answered=True)
    coordinator = _todos(client, coordinator_a)
    assert [(t.label, t.detail) for t in coordinator["applications"]] == [("Decide on 2 applications", program.name)]
    mine = _todos(client, member)
    assert [t.label for t in mine["surveys"]] == ["Answer the survey “Six-month check”"]
    assert "applications" not in mine


def test_nothing_from_another_organization_is_listed(client, org_a, org_b):
    """The same person in two organizations: each dashboard lists that organization's work."""
    with scopes_disabled():
        pair = dana_and_nia(org_b)
        _meeting(pair, days=-1)
        _awaiting_agreement(pair)
        _survey_invitation(pair.mentee)
        in_a = MembershipFactory(organization=org_a, user=pair.mentee.user)
    assert _todos(client, in_a) == {}
    assert set(_todos(client, pair.mentee)) == {"meetings_to_log", "signatures", "surveys"}


def test_an_empty_list_says_what_will_appear(client, member_a):
    client.force_login(member_a.user)
    response = client.get(reverse("organization_dashboard", kwargs={"org_slug": member_a.organization.slug}))
    assert b"Nothing waits for you here right now" in response.content


@pytest.mark.parametrize("size", [2, 25])
def test_the_list_costs_the_same_queries_whatever_the_size(client, org_a, django_assert_max_num_queries, size):
    with scopes_disabled():
        committee_program = ProgramFactory(organization=org_a, model=ProgramModel.COMMITTEE)
        me = MembershipFactory(organization=org_a, is_committee=True, is_coordinator=True)
        for _ in range(size):
            pair = MentorshipFactory(program=committee_program, mentor=me, mentee=MembershipFactory(organization=org_a))
            _meeting(pair, days=-1)
            _meeting(pair, days=3)
            _awaiting_agreement(pair)
            _survey_invitation(me, title=f"Survey {pair.pk}")
            ApplicationFactory(program=committee_program, role=Role.MENTEE, status=ApplicationStatus.SUBMITTED)
            Proposal.objects.create(
                organization=org_a,
                program=committee_program,
                mentor=MembershipFactory(organization=org_a),
                mentee=MembershipFactory(organization=org_a),
                status=ProposalStatus.PROPOSED,
            )
    client.force_login(me.user)
    # 18, plus the onboarding checklist's profile and the committee programs in the navigation
    # (the navigation's to-do badge reuses the dashboard's list: no second computation), and
    # the programs asking for a shortlist (the ranking to-do and the dashboard's link: one each),
    # and the requests to be erased waiting for a coordinator (issue 20).
    with django_assert_max_num_queries(23):
        response = client.get(reverse("organization_dashboard", kwargs={"org_slug": org_a.slug}))
    kinds = {todo.kind for todo in response.context["todos"]}
    assert {"meetings_to_log", "signatures", "surveys", "applications", "votes"} <= kinds
