"""Pages show each role what it can do (issue 15): only a mentee of the program is offered
"Ask to be my mentor"; a committee member's comment on a pairing may run over several lines."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from matching.models import Proposal, ProposalStatus, Vote
from programs.models import ApplicationStatus, ProgramModel, Role
from tests.factories import ApplicationFactory, MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db

ASK = b"Ask to be my mentor"


@pytest.fixture
def directory(org_a):
    program = ProgramFactory(organization=org_a, slug="alumni", model=ProgramModel.SELF_SELECT)
    ApplicationFactory(program=program, role=Role.MENTOR, status=ApplicationStatus.ELIGIBLE, capacity=2)
    return program


def _page(client, membership, program):
    client.force_login(membership.user)
    url = reverse("mentor_directory", kwargs={"org_slug": program.organization.slug, "program_slug": program.slug})
    response = client.get(url)
    assert response.status_code in (200, 403)  # 403: biosketches are not for everyone (issue 13)
    return response.content


def test_only_a_mentee_of_the_program_is_offered_to_ask(client, directory, coordinator_a):
    mentee = ApplicationFactory(program=directory, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE)
    assert ASK in _page(client, mentee.membership, directory)
    assert b"Mentors' biosketches" in _page(client, coordinator_a, directory)
    assert ASK not in _page(client, coordinator_a, directory)
    other_mentor = ApplicationFactory(program=directory, role=Role.MENTOR, status=ApplicationStatus.ELIGIBLE)
    assert ASK not in _page(client, other_mentor.membership, directory)
    withdrawn = ApplicationFactory(program=directory, role=Role.MENTEE, status=ApplicationStatus.WITHDRAWN)
    assert ASK not in _page(client, withdrawn.membership, directory)


def test_a_committee_comment_keeps_its_lines(client, org_a):
    program = ProgramFactory(organization=org_a, slug="society", model=ProgramModel.COMMITTEE)
    member = MembershipFactory(organization=org_a, is_committee=True)
    with scopes_disabled():
        proposal = Proposal.objects.create(
            organization=org_a,
            program=program,
            mentor=MembershipFactory(organization=org_a),
            mentee=MembershipFactory(organization=org_a),
            status=ProposalStatus.PROPOSED,
        )
    client.force_login(member.user)
    url = reverse("proposal_vote", kwargs={"org_slug": org_a.slug, "program_slug": program.slug, "pk": proposal.pk})
    client.post(url, {"decision": "approve", "comment": "Good fit on research.\nCheck the schedules."})
    with scopes_disabled():
        assert Vote.objects.get(proposal=proposal).comment == "Good fit on research.\nCheck the schedules."
    page = client.get(reverse("committee_review", kwargs={"org_slug": org_a.slug, "program_slug": program.slug}))
    assert b"Good fit on research.<br>Check the schedules." in page.content
    assert b'<textarea id="comment-' in page.content
