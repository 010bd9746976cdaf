"""Removing a participant, pairing senior mentors, and the mentor directory's filters."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django_scopes import scope, scopes_disabled

from matching.models import MentorshipRequest
from matching.services import endings as ending_services
from matching.services import requests as request_services
from matching.services import senior as senior_services
from mentorship.exceptions import ServiceError
from programs.models import Application, ApplicationStatus, ProgramModel, Role
from relationships.models import Mentorship, ProgramRemoval
from tests.factories import (
    AffinityGroupFactory,
    ApplicationFactory,
    HubFactory,
    HubMentorFactory,
    MembershipFactory,
    ProfileFactory,
    ProgramFactory,
)


@pytest.fixture
def alumni(org_a):
    return ProgramFactory(organization=org_a, slug="alumni", model=ProgramModel.SELF_SELECT)


def _pair(program):
    mentor = ApplicationFactory(
        program=program, role=Role.MENTOR, status=ApplicationStatus.ELIGIBLE, capacity=2
    ).membership
    mentee = ApplicationFactory(program=program, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE).membership
    with scope(organization=program.organization):
        request = request_services.request_send(actor=mentee, program=program, mentor=mentor, message="Hello")
        return request_services.request_accept(actor=mentor, request=request)


@pytest.mark.django_db
def test_a_removed_participant_leaves_everything_in_the_program(
    alumni, coordinator_a, django_capture_on_commit_callbacks
):
    mentorship = _pair(alumni)
    mentor, mentee = mentorship.mentor, mentorship.mentee
    other_mentee = ApplicationFactory(program=alumni, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE).membership
    with scope(organization=alumni.organization):
        request_services.request_send(actor=other_mentee, program=alumni, mentor=mentor, message="Hi")
        with pytest.raises(ServiceError):
            ending_services.participant_remove(actor=coordinator_a, program=alumni, membership=mentor, reason="  ")
        with pytest.raises(PermissionDenied):
            ending_services.participant_remove(actor=mentee, program=alumni, membership=mentor, reason="x")
        with django_capture_on_commit_callbacks(execute=True):
            ending_services.participant_remove(
                actor=coordinator_a, program=alumni, membership=mentor, reason="Breach of the code of conduct"
            )
    with scopes_disabled():
        ended = Mentorship.objects.get(pk=mentorship.pk)
        assert (ended.status, ended.end_reason) == ("ended", "removed")
        assert not MentorshipRequest.objects.filter(mentor=mentor, status="open").exists()
        assert set(Application.objects.filter(membership=mentor).values_list("status", flat=True)) == {"withdrawn"}
        assert ProgramRemoval.objects.get().reason == "Breach of the code of conduct"
    # The mentee is told neutrally; the reason stays with the office.
    assert mail.outbox[-1].to == [mentee.user.email]
    assert "conduct" not in mail.outbox[-1].body


@pytest.mark.django_db
def test_senior_mentors_are_paired_with_their_hub_mentors(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="faculty", model=ProgramModel.HUBS)
    senior = MembershipFactory(organization=org_a, status="faculty")
    group = AffinityGroupFactory(program=program, senior_mentor=senior)
    hubs = [HubFactory(affinity_group=group) for _ in range(2)]
    hub_mentors = [HubMentorFactory(hub=hub).membership for hub in hubs]
    HubMentorFactory(hub=hubs[0], membership=senior)  # the senior mentor is not their own mentee
    with scope(organization=org_a):
        assert senior_services.senior_mentors_pair(actor=coordinator_a, program=program) == 2
        assert senior_services.senior_mentors_pair(actor=coordinator_a, program=program) == 0  # idempotent
    with scopes_disabled():
        pairs = set(Mentorship.objects.values_list("mentor_id", "mentee_id"))
    assert pairs == {(senior.pk, m.pk) for m in hub_mentors}


@pytest.mark.django_db
def test_the_mentor_directory_filters(client, alumni):
    for specialty, institution, year in (("Breast", "Princess Margaret", 2004), ("CNS", "Tom Baker", 2012)):
        mentor = ApplicationFactory(program=alumni, role=Role.MENTOR, status=ApplicationStatus.ELIGIBLE)
        ProfileFactory(membership=mentor.membership, specialty=specialty, institution=institution, graduation_year=year)
    mentee = ApplicationFactory(program=alumni, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE)
    client.force_login(mentee.membership.user)
    url = "/o/alpha/programs/alumni/mentors/"
    assert b"Princess Margaret" in client.get(url).content and b"Tom Baker" in client.get(url).content
    page = client.get(url, {"specialty": "CNS"}).content
    assert b"Tom Baker" in page and b"Princess Margaret" not in page
    page = client.get(url, {"grad_to": "2010"}).content
    assert b"Princess Margaret" in page and b"Tom Baker" not in page
    page = client.get(url, {"institution": "margaret", "grad_from": "nonsense"}).content
    assert b"Princess Margaret" in page and b"Tom Baker" not in page
