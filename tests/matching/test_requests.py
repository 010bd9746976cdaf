"""Self-selection requests, the Mentorship they create, and no-fault endings."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from matching.models import MentorshipRequest, RequestStatus
from matching.services import requests as request_services
from mentorship.exceptions import ServiceError
from programs.models import ApplicationStatus, ProgramModel, Role
from relationships.models import Mentorship, MentorshipStatus, PairExclusion
from relationships.services import endings as relationship_endings
from tests.factories import ApplicationFactory, MembershipFactory, ProgramFactory


@pytest.fixture
def alumni(org_a):
    return ProgramFactory(
        organization=org_a, slug="alumni", model=ProgramModel.SELF_SELECT, max_open_requests=2, min_commitment_months=12
    )


def mentor_in(program, capacity=1):
    return ApplicationFactory(
        program=program, role=Role.MENTOR, status=ApplicationStatus.ELIGIBLE, capacity=capacity
    ).membership


def mentee_in(program):
    return ApplicationFactory(program=program, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE).membership


def send(mentee, mentor, program, message="Hello, I would value your advice on a research career."):
    with scope(organization=program.organization):
        return request_services.request_send(actor=mentee, program=program, mentor=mentor, message=message)


@pytest.mark.django_db
def test_a_request_becomes_a_mentorship_when_the_mentor_accepts(alumni, django_capture_on_commit_callbacks):
    mentor, mentee = mentor_in(alumni), mentee_in(alumni)
    other_mentor = mentor_in(alumni)
    with django_capture_on_commit_callbacks(execute=True):
        request = send(mentee, mentor, alumni)
        other = send(mentee, other_mentor, alumni)
    assert [m.to for m in mail.outbox] == [[mentor.user.email], [other_mentor.user.email]]
    with scope(organization=alumni.organization), django_capture_on_commit_callbacks(execute=True):
        mentorship = request_services.request_accept(actor=mentor, request=request)
    assert mentorship.status == MentorshipStatus.ACTIVE and mentorship.origin == "request"
    assert (mentorship.planned_end_on - mentorship.started_on).days in range(365, 367)
    with scopes_disabled():
        assert MentorshipRequest.objects.get(pk=request.pk).status == RequestStatus.ACCEPTED
        # Paired now: the mentee's other open request is withdrawn for them.
        assert MentorshipRequest.objects.get(pk=other.pk).status == RequestStatus.WITHDRAWN
    assert sorted(mail.outbox[-1].to) == sorted([mentor.user.email, mentee.user.email])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "setup, message",
    [
        ("no_application", "Apply to"),
        ("self", "cannot request yourself"),
        ("not_a_mentor", "not a mentor"),
        ("duplicate", "already asked"),
        ("limit", "at most 2 open requests"),
        ("full", "no open places"),
        ("excluded", "not available to you"),
        ("empty_message", "Write a short message"),
    ],
)
def test_request_rules_are_explained(alumni, setup, message):
    mentor, mentee = mentor_in(alumni), mentee_in(alumni)
    text = "Hello"
    if setup == "no_application":
        mentee = MembershipFactory(organization=alumni.organization)
    elif setup == "self":
        ApplicationFactory(program=alumni, membership=mentor, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE)
        mentee = mentor
    elif setup == "not_a_mentor":
        mentor = MembershipFactory(organization=alumni.organization)
    elif setup == "duplicate":
        send(mentee, mentor, alumni)
    elif setup == "limit":
        send(mentee, mentor_in(alumni), alumni)
        send(mentee, mentor_in(alumni), alumni)
    elif setup == "full":
        with scope(organization=alumni.organization):
            request_services.request_accept(actor=mentor, request=send(mentee_in(alumni), mentor, alumni))
    elif setup == "excluded":
        with scope(organization=alumni.organization):
            request_services.request_decline(actor=mentor, request=send(mentee, mentor, alumni))
    elif setup == "empty_message":
        text = "   "
    with pytest.raises(ServiceError) as error:
        send(mentee, mentor, alumni, message=text)
    assert message in error.value.message


@pytest.mark.django_db
def test_only_the_right_people_act_on_a_request(alumni, coordinator_a):
    mentor, mentee = mentor_in(alumni), mentee_in(alumni)
    stranger = MembershipFactory(organization=alumni.organization)
    request = send(mentee, mentor, alumni)
    with scope(organization=alumni.organization):
        for actor in (mentee, stranger, coordinator_a):
            with pytest.raises(PermissionDenied):
                request_services.request_accept(actor=actor, request=request)
            with pytest.raises(PermissionDenied):
                request_services.request_decline(actor=actor, request=request)
        with pytest.raises(PermissionDenied):
            request_services.request_withdraw(actor=mentor, request=request)
        with pytest.raises(PermissionDenied):
            request_services.request_add_guidance(actor=mentee, request=request, guidance="x")
        request_services.request_add_guidance(actor=coordinator_a, request=request, guidance="A good fit.")
    with scopes_disabled():
        assert MentorshipRequest.objects.get(pk=request.pk).status == RequestStatus.OPEN


@pytest.mark.django_db
def test_a_decline_is_private_and_the_pair_is_never_offered_again(alumni, django_capture_on_commit_callbacks):
    mentor, mentee = mentor_in(alumni), mentee_in(alumni)
    request = send(mentee, mentor, alumni)
    with scope(organization=alumni.organization), django_capture_on_commit_callbacks(execute=True):
        request_services.request_decline(actor=mentor, request=request, reason="Too busy with my own residency program")
    assert mail.outbox[-1].to == [mentee.user.email]
    assert "Too busy" not in mail.outbox[-1].body
    with scopes_disabled():
        assert PairExclusion.objects.filter(mentor=mentor, mentee=mentee, reason="declined_request").exists()
    with pytest.raises(ServiceError):
        send(mentee, mentor, alumni)


@pytest.mark.django_db
def test_an_unanswered_request_expires_once(alumni, django_capture_on_commit_callbacks):
    mentor, mentee = mentor_in(alumni), mentee_in(alumni)
    request = send(mentee, mentor, alumni)
    with scopes_disabled():
        MentorshipRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert request_services.expire_requests() == 1
            assert request_services.expire_requests() == 0  # a second run sends nothing
    assert len([m for m in mail.outbox if "expired" in m.subject]) == 1
    with scope(organization=alumni.organization), pytest.raises(ServiceError):
        request_services.request_accept(actor=mentor, request=request)


@pytest.mark.django_db
def test_accepting_after_the_deadline_is_refused_even_before_the_hourly_run(alumni):
    mentor, mentee = mentor_in(alumni), mentee_in(alumni)
    request = send(mentee, mentor, alumni)
    with scopes_disabled():
        MentorshipRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with scope(organization=alumni.organization), pytest.raises(ServiceError) as error:
        request_services.request_accept(actor=mentor, request=request)
    assert "expired" in error.value.message
    with scopes_disabled():
        assert not Mentorship.objects.exists()


@pytest.mark.django_db
def test_either_party_ends_under_the_no_fault_clause(alumni, coordinator_a, django_capture_on_commit_callbacks):
    mentor, mentee = mentor_in(alumni), mentee_in(alumni)
    with scope(organization=alumni.organization):
        mentorship = request_services.request_accept(actor=mentor, request=send(mentee, mentor, alumni))
        with pytest.raises(PermissionDenied):
            relationship_endings.mentorship_end_no_fault(actor=coordinator_a, mentorship=mentorship)
        with django_capture_on_commit_callbacks(execute=True):
            ended = relationship_endings.mentorship_end_no_fault(actor=mentee, mentorship=mentorship)
        with pytest.raises(ServiceError):
            relationship_endings.mentorship_end_no_fault(actor=mentor, mentorship=mentorship)
    assert ended.status == MentorshipStatus.ENDED and ended.end_reason == "no_fault"
    recipients = [m.to for m in mail.outbox]
    assert [mentor.user.email] in recipients and [coordinator_a.user.email] in recipients
    assert [mentee.user.email] not in recipients
    with scopes_disabled():
        assert Mentorship.objects.filter(pk=mentorship.pk).exists()  # history kept
        assert PairExclusion.objects.filter(mentor=mentor, mentee=mentee, reason="ended").exists()
    # The mentee can be paired again, with someone else.
    new_mentor = mentor_in(alumni)
    assert send(mentee, new_mentor, alumni).status == RequestStatus.OPEN


@pytest.mark.django_db
def test_pages_show_a_mentorship_to_the_pair_and_coordinators_only(client, alumni, coordinator_a, coordinator_b):
    mentor, mentee = mentor_in(alumni), mentee_in(alumni)
    with scope(organization=alumni.organization):
        mentorship = request_services.request_accept(actor=mentor, request=send(mentee, mentor, alumni))
    url = f"/o/alpha/mentorships/{mentorship.pk}/"
    for who, status in (
        (mentor, 200),
        (mentee, 200),
        (coordinator_a, 200),
        (MembershipFactory(organization=alumni.organization), 404),
        (coordinator_b, 404),
    ):
        client.force_login(who.user)
        assert client.get(url).status_code == status, who
    client.force_login(coordinator_a.user)
    assert client.post(f"/o/alpha/mentorships/{mentorship.pk}/end/").status_code == 404
    client.force_login(MembershipFactory(organization=alumni.organization).user)
    request = send(mentee_in(alumni), mentor_in(alumni), alumni)
    assert client.post(f"/o/alpha/requests/{request.pk}/accept/").status_code == 404
    with scopes_disabled():
        assert Mentorship.objects.filter(status="active").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptances_never_exceed_a_mentors_capacity(org_a):
    """Two mentees' requests to a mentor with one place, accepted at the same moment."""
    program = ProgramFactory(organization=org_a, slug="alumni", model=ProgramModel.SELF_SELECT)
    mentor = mentor_in(program, capacity=1)
    requests = [send(mentee_in(program), mentor, program) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(request):
        try:
            barrier.wait()
            with scope(organization=org_a):
                request_services.request_accept(actor=mentor, request=request)
            outcomes.append("accepted")
        except ServiceError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["accepted", "refused"]
    with scopes_disabled():
        assert Mentorship.objects.filter(mentor=mentor, status="active").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_mentors_accepting_one_mentee_at_once_pair_them_once(org_a):
    program = ProgramFactory(organization=org_a, slug="alumni", model=ProgramModel.SELF_SELECT)
    mentee = mentee_in(program)
    mentors = [mentor_in(program), mentor_in(program)]
    requests = [send(mentee, m, program) for m in mentors]
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(mentor, request):
        try:
            barrier.wait()
            with scope(organization=org_a):
                request_services.request_accept(actor=mentor, request=request)
            outcomes.append("accepted")
        except ServiceError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=pair) for pair in zip(mentors, requests, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["accepted", "refused"]
    with scopes_disabled():
        assert Mentorship.objects.filter(mentee=mentee, status="active").count() == 1
