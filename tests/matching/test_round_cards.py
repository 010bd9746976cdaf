"""Match-round cards (issue 15, "decisions with the facts beside them"): each pair names its
hub, says what its score is out of, links the people to the pages the coordinator reads
about them, and lists the next best mentors without the current one and without repeats."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from matching.models import Proposal
from matching.selectors.round_cards import next_best, round_cards, score_scale
from matching.services import rounds
from programs.models import Application, ApplicationStatus, ProgramModel, Role
from tests import html_rules
from tests.factories import (
    AffinityGroupFactory,
    ApplicationFactory,
    HubChoiceFactory,
    HubFactory,
    HubMentorFactory,
    MembershipFactory,
    ProgramFactory,
)
from tests.matching.test_rounds import accepted, run

pytestmark = pytest.mark.django_db


def _select_values(page: str, proposal_pk: int) -> list[int]:
    """The mentor ids offered in a card's "Next best mentors" select."""
    select = re.search(rf'<select id="alt-{proposal_pk}"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the card has no next-best select"
    return [int(v) for v in re.findall(r'<option value="(\d+)"', select.group(1))]


# --- The selector ---------------------------------------------------------------------------


def test_next_best_drops_the_current_mentor_and_repeats_and_keeps_the_best_first():
    alternatives = [[7, 4.0], [5, 3.5], [7, 3.0], [9, 2.0], [5, 1.0], [11, 0.5]]
    assert next_best(alternatives, current_mentor_id=7) == [(5, 3.5), (9, 2.0), (11, 0.5)]
    assert next_best(alternatives, current_mentor_id=5, limit=2) == [(7, 4.0), (9, 2.0)]
    assert next_best([[3, 1.0], [4, 2.0]], current_mentor_id=1) == [(4, 2.0), (3, 1.0)]
    assert next_best([], current_mentor_id=1) == [] and next_best(None, current_mentor_id=1) == []


def test_the_score_scale_is_the_sum_of_the_weights():
    assert score_scale({"specialty": 5, "geography": 1.5, "hub_rank": 0}) == 6.5
    assert score_scale({"specialty": 2, "not_a_factor": 9}) == 2
    assert score_scale({}) == 0


@pytest.fixture
def hub_round(org_a, coordinator_a):
    """A hub-model program where Ada sits in hubs 1 and 2 and Cleo in hubs 2 and 3: the
    mentee ranks 1, 2, 3 and gets Ada in hub 1, so the engine's raw next best lists Ada
    again (hub 2) and Cleo twice."""
    program = ProgramFactory(organization=org_a, slug="faculty", model=ProgramModel.HUBS)
    group = AffinityGroupFactory(program=program)
    hubs = [HubFactory(affinity_group=group, name=f"Hub {n}") for n in ("One", "Two", "Three")]
    ada = MembershipFactory(organization=org_a, user__full_name="Ada Mentor")
    cleo = MembershipFactory(organization=org_a, user__full_name="Cleo Mentor")
    HubMentorFactory(hub=hubs[0], membership=ada, capacity=1)
    HubMentorFactory(hub=hubs[1], membership=ada, capacity=1)
    HubMentorFactory(hub=hubs[1], membership=cleo, capacity=1)
    HubMentorFactory(hub=hubs[2], membership=cleo, capacity=1)
    application = ApplicationFactory(
        program=program, role=Role.MENTEE, status=ApplicationStatus.ACCEPTED, membership__user__full_name="Mo Mentee"
    )
    for rank, hub in enumerate(hubs, start=1):
        HubChoiceFactory(application=application, hub=hub, rank=rank)
    match_round = run(coordinator_a, program)
    with scopes_disabled():
        proposal = Proposal.objects.get(match_round=match_round)
    return program, match_round, proposal, ada, cleo, application


def test_hub_cards_name_the_hub_and_list_each_other_mentor_once(hub_round):
    program, match_round, proposal, ada, cleo, application = hub_round
    assert proposal.mentor == ada and proposal.hub_rank == 1
    raw = [pk for pk, _score in proposal.alternatives]
    assert ada.pk in raw and raw.count(cleo.pk) == 2  # what the engine gives, per hub row
    with scope(organization=program.organization):
        cards = round_cards(match_round, "alpha")
    (card,) = cards["drafts"]
    assert [pk for pk, *_ in card.alternative_rows] == [cleo.pk]
    assert card.hub_name == "Hub One"
    assert cards["uses_hubs"] is True
    assert cards["scale"] == score_scale(match_round.weights) > 0


def test_the_round_page_shows_hub_scale_links_and_a_clean_next_best_list(client, coordinator_a, hub_round):
    program, match_round, proposal, ada, cleo, application = hub_round
    client.force_login(coordinator_a.user)
    page = client.get(f"/o/alpha/programs/faculty/rounds/{match_round.pk}/").content.decode()
    assert html_rules.problems(page) == []
    assert "<strong>Hub:</strong> Hub One" in page
    scale = score_scale(match_round.weights)
    assert f"out of <strong>{scale:g}</strong>" in page
    assert "How to read the scores" in page
    assert _select_values(page, proposal.pk) == [cleo.pk]
    # Ada is a hub mentor without an application: her member page; Mo: his application.
    assert f'<a href="{reverse("member_edit", kwargs={"org_slug": "alpha", "pk": ada.pk})}">Ada Mentor</a>' in page
    review = reverse(
        "application_review", kwargs={"org_slug": "alpha", "program_slug": "faculty", "pk": application.pk}
    )
    assert f'<a href="{review}">Mo Mentee</a>' in page


def test_after_an_override_the_new_mentor_leaves_the_list(client, org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society")
    trauma = accepted(program, Role.MENTOR, 1, specialty="Trauma")
    second = accepted(program, Role.MENTOR, 1, specialty="Colorectal")
    third = accepted(program, Role.MENTOR, 1, specialty="Vascular")
    accepted(program, Role.MENTEE, specialty="Trauma")
    match_round = run(coordinator_a, program, specialty=5)
    with scopes_disabled():
        proposal = Proposal.objects.get(match_round=match_round)
    assert proposal.mentor == trauma
    with scope(organization=org_a):
        rounds.proposal_override(actor=coordinator_a, proposal=proposal, mentor=second)
    client.force_login(coordinator_a.user)
    page = client.get(f"/o/alpha/programs/society/rounds/{match_round.pk}/").content.decode()
    offered = _select_values(page, proposal.pk)
    assert second.pk not in offered and len(offered) == len(set(offered))
    assert third.pk in offered
    # Names link to the applications the coordinator reviews; the score reads "of N".
    with scopes_disabled():
        application = Application.objects.get(program=program, membership=second, role=Role.MENTOR)
    review = reverse(
        "application_review", kwargs={"org_slug": "alpha", "program_slug": "society", "pk": application.pk}
    )
    assert f'<a href="{review}">{second.user.full_name}</a>' in page
    assert match_round.weights["specialty"] == 5 and score_scale(match_round.weights) == 13  # 5 + 2 + six 1s
    assert re.search(r"score \d+\.\d\d <span class=\"text-body-secondary\">of 13</span>", page)
    assert "Hub:" not in page  # no hubs in this program


def _round_of(org, coordinator, slug, size):
    program = ProgramFactory(organization=org, slug=slug)
    for _ in range(size):
        accepted(program, Role.MENTOR, 1, specialty="Trauma")
        accepted(program, Role.MENTEE, specialty="Trauma")
    match_round = run(coordinator, program)
    with scopes_disabled():
        assert Proposal.objects.filter(match_round=match_round).count() == size
    return f"/o/alpha/programs/{slug}/rounds/{match_round.pk}/"


def test_the_round_page_runs_a_bounded_number_of_queries(client, org_a, coordinator_a, django_assert_max_num_queries):
    """Nine queries today (session, user, membership, switcher, program, round, drafts,
    names, applications); the same with 2 pairs or 25, and never over 14."""
    small, large = _round_of(org_a, coordinator_a, "small", 2), _round_of(org_a, coordinator_a, "large", 25)
    client.force_login(coordinator_a.user)
    counts = []
    for url in (small, large):
        with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
