"""Rankings in a stable-mode program: the service's rules, the participant's page (plain
form posts, bounded queries), the to-do, and a stable round that puts the saved lists
first and records who used theirs."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django_scopes import scope, scopes_disabled

from matching.models import MatchRound, Proposal, Ranking
from matching.services import rounds
from matching.services.rankings import ranking_save
from mentorship.exceptions import ServiceError
from programs.dashboard import todos_for
from programs.models import ApplicationStatus, AuditEvent, Role
from tests import html_rules
from tests.factories import ApplicationFactory, MembershipFactory, ProfileFactory, ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

DEADLINE = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


def accepted(program, role, capacity=1, name="", **profile):
    kwargs = {"membership__user__full_name": name} if name else {}
    application = ApplicationFactory(
        program=program, role=role, status=ApplicationStatus.ACCEPTED, capacity=capacity, **kwargs
    )
    if profile:
        ProfileFactory(membership=application.membership, **profile)
    return application.membership


@pytest.fixture
def world(org_a):
    program = ProgramFactory(
        organization=org_a, slug="society", rankings_open=True, shortlist_length=3, rankings_deadline=DEADLINE
    )
    mentors = [accepted(program, Role.MENTOR, name=f"Mentor {n}") for n in "ABCD"]
    mentees = [accepted(program, Role.MENTEE, name=f"Mentee {n}") for n in "XY"]
    return program, mentors, mentees


def save(actor, program, ids):
    with scope(organization=program.organization):
        return ranking_save(actor=actor, program=program, ordered_ids=[m.pk if hasattr(m, "pk") else m for m in ids])


def test_a_mentee_saves_a_list_in_order_and_it_is_audited(world):
    program, mentors, mentees = world
    ranking = save(mentees[0], program, [mentors[2], mentors[0]])
    assert ranking.role == Role.MENTEE and ranking.chosen == [mentors[2].pk, mentors[0].pk]
    save(mentees[0], program, [mentors[0], mentors[2], mentors[1]])
    with scopes_disabled():
        assert Ranking.objects.get(membership=mentees[0]).chosen == [mentors[0].pk, mentors[2].pk, mentors[1].pk]
        assert Ranking.objects.count() == 1
        assert AuditEvent.objects.filter(action="ranking.saved").count() == 2


def test_a_mentor_ranks_mentees(world):
    program, mentors, mentees = world
    assert save(mentors[1], program, [mentees[1], mentees[0]]).role == Role.MENTOR


def test_refuses_the_same_side_duplicates_and_too_many(world):
    program, mentors, mentees = world
    with pytest.raises(ServiceError, match="mentors who are waiting"):
        save(mentees[0], program, [mentees[1]])
    with pytest.raises(ServiceError, match="only once"):
        save(mentees[0], program, [mentors[0], mentors[0]])
    with pytest.raises(ServiceError, match="at most 3 people"):
        save(mentees[0], program, mentors)
    with pytest.raises(ServiceError, match="could not be read"):
        save(mentees[0], program, ["x"])
    with pytest.raises(ServiceError, match="mentees who are waiting"):
        save(mentors[0], program, [mentors[1]])
    with scopes_disabled():
        assert not Ranking.objects.exists()


def test_refuses_people_of_another_program_or_organization(world, org_b):
    program, mentors, mentees = world
    other_program = ProgramFactory(organization=program.organization, slug="other", rankings_open=True)
    stranger = accepted(other_program, Role.MENTOR)
    foreign = ProgramFactory(organization=org_b, slug="society", rankings_open=True)
    foreign_mentor = accepted(foreign, Role.MENTOR)
    for person in (stranger, foreign_mentor):
        with pytest.raises(ServiceError, match="Only this program's mentors"):
            save(mentees[0], program, [person])


def test_outsiders_may_not_save(world, coordinator_a, member_a, org_b):
    program, mentors, mentees = world
    for actor in (coordinator_a, member_a):
        with pytest.raises(PermissionDenied):
            save(actor, program, [mentors[0]])
    # A mentee still waiting for review, a withdrawn mentor: not in the pool.
    waiting = ApplicationFactory(program=program, role=Role.MENTEE, status=ApplicationStatus.SUBMITTED).membership
    with pytest.raises(PermissionDenied):
        save(waiting, program, [mentors[0]])
    # Someone of another organization.
    foreign = MembershipFactory(organization=org_b)
    with pytest.raises(PermissionDenied):
        save(foreign, program, [mentors[0]])


def test_refused_after_the_deadline_and_when_rankings_are_off(world):
    program, mentors, mentees = world
    save(mentees[0], program, [mentors[0]])
    program.rankings_deadline = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)
    program.save()
    with pytest.raises(ServiceError, match="Rankings closed on 19 Nov 2026"):
        save(mentees[0], program, [mentors[1]])
    program.rankings_deadline, program.rankings_open = None, False
    program.save()
    with pytest.raises(ServiceError, match="not asking for rankings"):
        save(mentees[0], program, [mentors[1]])
    with scopes_disabled():
        assert Ranking.objects.get(membership=mentees[0]).chosen == [mentors[0].pk]


# --- The page ---------------------------------------------------------------------------------


def url(program):
    return f"/o/{program.organization.slug}/programs/{program.slug}/ranking/"


def test_the_page_adds_moves_and_removes_with_plain_posts(client, world):
    program, mentors, mentees = world
    client.force_login(mentees[0].user)
    page = client.get(url(program))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rank your mentors" in html and "Your list is empty" in html
    assert "Rankings close on 27 Nov 2026" in html and "3 places left" in html
    for mentor in (mentors[0], mentors[1], mentors[2]):
        response = client.post(url(program), {"action": "add", "person": mentor.pk})
        assert response.status_code == 302
    client.post(url(program), {"action": "up", "person": mentors[2].pk})
    client.post(url(program), {"action": "remove", "person": mentors[0].pk})
    with scopes_disabled():
        assert Ranking.objects.get(membership=mentees[0]).chosen == [mentors[2].pk, mentors[1].pk]
    html = client.get(url(program)).content.decode()
    assert html.index('Move <span class="visually-hidden">Mentor C') < html.index(
        'Move <span class="visually-hidden">Mentor B'
    )
    assert "1 place left" in html
    assert html_rules.problems(html) == []  # the list's row buttons are forms: never inside a <span>


def test_bad_input_gives_a_clear_message_and_keeps_the_list(client, world):
    program, mentors, mentees = world
    save(mentees[0], program, [mentors[0], mentors[1], mentors[2]])
    client.force_login(mentees[0].user)
    for data, message in (
        ({"action": "add", "person": mentors[3].pk}, "at most 3 people"),
        ({"action": "add", "person": "nonsense"}, "Choose a person from the page."),
        ({"action": "add", "person": mentees[1].pk}, "at most 3 people"),
        ({"action": "up", "person": mentors[3].pk}, "not on your list"),
        ({"action": "shuffle", "person": mentors[0].pk}, "Unknown action."),
    ):
        response = client.post(url(program), data)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert html_rules.problems(response.content.decode()) == []
        assert "Your saved list has not changed." in response.content.decode()
    with scopes_disabled():
        assert Ranking.objects.get(membership=mentees[0]).chosen == [mentors[0].pk, mentors[1].pk, mentors[2].pk]


def test_after_the_deadline_the_page_is_read_only(client, world):
    program, mentors, mentees = world
    save(mentees[0], program, [mentors[1]])
    program.rankings_deadline = datetime(2026, 11, 19, 17, 0, tzinfo=UTC)
    program.save()
    client.force_login(mentees[0].user)
    html = client.get(url(program)).content.decode()
    assert "Rankings closed on 19 Nov 2026" in html and "This is the list the round uses." in html
    assert "to my list</button>" not in html and "Remove" not in html
    response = client.post(url(program), {"action": "add", "person": mentors[0].pk})
    assert response.status_code == 400 and "Rankings closed" in response.content.decode()


def test_the_page_is_only_for_the_pool(client, world, coordinator_a, member_a):
    program, mentors, mentees = world
    for person in (coordinator_a, member_a):
        client.force_login(person.user)
        assert client.get(url(program)).status_code == 404
        assert client.post(url(program), {"action": "add", "person": mentors[0].pk}).status_code == 403
    program.rankings_open = False
    program.save()
    client.force_login(mentees[0].user)
    assert client.get(url(program)).status_code == 404


def test_the_page_orders_by_score_and_reads_a_fixed_number_of_queries(client, org_a, django_assert_max_num_queries):
    program = ProgramFactory(organization=org_a, slug="society", rankings_open=True, rankings_deadline=DEADLINE)
    mentee = accepted(program, Role.MENTEE, specialty="Trauma", institution="North")
    far = accepted(program, Role.MENTOR, name="Far Away", specialty="Vascular")
    close = accepted(program, Role.MENTOR, name="Close Match", specialty="Trauma")
    client.force_login(mentee.user)
    html = client.get(url(program)).content.decode()
    assert html.index("Close Match") < html.index("Far Away")

    with django_assert_max_num_queries(40) as small:
        client.get(url(program))
    for n in range(12):
        accepted(program, Role.MENTOR, name=f"Extra {n}", specialty="Colorectal", institution="South")
        accepted(program, Role.MENTEE, name=f"Other {n}")
    with scopes_disabled():
        Ranking.objects.create(
            organization=org_a, program=program, membership=mentee, role=Role.MENTEE, chosen=[far.pk, close.pk]
        )
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        client.get(url(program))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_to_do_and_the_dashboard_link(client, world):
    program, mentors, mentees = world
    with scope(organization=program.organization):
        todos = [t for t in todos_for(mentees[0]) if t.kind == "ranking"]
    assert len(todos) == 1 and todos[0].label.startswith("Rank your mentors by 27 Nov 2026")
    assert todos[0].url == url(program)
    client.force_login(mentees[0].user)
    html = client.get(f"/o/{program.organization.slug}/").content.decode()
    assert f'href="{url(program)}"' in html and "not ranked yet" in html
    save(mentees[0], program, [mentors[0]])
    with scope(organization=program.organization):
        assert not [t for t in todos_for(mentees[0]) if t.kind == "ranking"]
    assert "your list is saved" in client.get(f"/o/{program.organization.slug}/").content.decode()
    with scope(organization=program.organization):
        assert [t.label for t in todos_for(mentors[0]) if t.kind == "ranking"][0].startswith("Rank your mentees")


# --- A round that uses the rankings ---------------------------------------------------------------


def run(coordinator, program, mode="stable_mentee"):
    with scope(organization=program.organization):
        match_round = rounds.round_create(
            actor=coordinator, program=program, weights={**rounds.default_weights(program), "specialty": 5}, mode=mode
        )
        return rounds.run_round(match_round.pk)


def pairs(match_round):
    with scopes_disabled():
        return {(p.mentee_id, p.mentor_id) for p in Proposal.objects.filter(match_round=match_round)}


def test_a_stable_round_puts_the_rankings_first_and_records_who_used_them(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society", rankings_open=True, rankings_deadline=DEADLINE)
    trauma = accepted(program, Role.MENTOR, name="Tess Trauma", specialty="Trauma")
    vascular = accepted(program, Role.MENTOR, name="Vic Vascular", specialty="Vascular")
    first = accepted(program, Role.MENTEE, name="Ann First", specialty="Trauma")
    second = accepted(program, Role.MENTEE, name="Ben Second", specialty="Vascular")

    # By the scores alone, each mentee gets the mentor of their own specialty.
    by_scores = run(coordinator_a, program)
    assert pairs(by_scores) == {(first.pk, trauma.pk), (second.pk, vascular.pk)}
    assert by_scores.stats["rankings"]["mentees_ranked"] == []

    # Ann ranks the vascular surgeon first, and so does that mentor: they are paired.
    save(first, program, [vascular, trauma])
    save(vascular, program, [first])
    ranked = run(coordinator_a, program)
    assert pairs(ranked) == {(first.pk, vascular.pk), (second.pk, trauma.pk)}
    assert ranked.stats["rankings"]["mentees_ranked"] == [first.pk]
    assert ranked.stats["rankings"]["mentors_ranked"] == [vascular.pk]
    assert ranked.stats["rankings"]["mentees"] == 2 and ranked.stats["rankings"]["mentors"] == 2

    # The round page says who used their own ranking and how many the scores ranked.
    from django.test import Client

    client = Client()
    client.force_login(coordinator_a.user)
    html = client.get(f"/o/{org_a.slug}/programs/{program.slug}/rounds/{ranked.pk}/").content.decode()
    assert html_rules.problems(html) == []
    assert "Used their own ranking: 1 mentee, 1 mentor." in html
    assert "Ann First" in html and "Vic Vascular" in html
    assert "Ranked by the program's scores: the rest (2 people)." in html


def test_rankings_are_ignored_when_the_program_stops_asking_or_people_left(org_a, coordinator_a):
    program = ProgramFactory(organization=org_a, slug="society", rankings_open=True, rankings_deadline=DEADLINE)
    trauma = accepted(program, Role.MENTOR, specialty="Trauma")
    vascular = accepted(program, Role.MENTOR, specialty="Vascular")
    first = accepted(program, Role.MENTEE, specialty="Trauma")
    second = accepted(program, Role.MENTEE, specialty="Vascular")
    save(first, program, [vascular])
    save(vascular, program, [first])
    program.rankings_open = False
    program.save()
    match_round = run(coordinator_a, program)
    assert pairs(match_round) == {(first.pk, trauma.pk), (second.pk, vascular.pk)}
    assert match_round.stats["rankings"]["mentees_ranked"] == []
    # A ranked person who left the pool is skipped; a list left empty counts as none.
    program.rankings_open = True
    program.save()
    with scopes_disabled():
        Ranking.objects.filter(membership=first).update(chosen=[999999])
    match_round = run(coordinator_a, program)
    assert match_round.stats["rankings"]["mentees_ranked"] == []
    assert match_round.stats["rankings"]["mentors_ranked"] == [vascular.pk]
    with scopes_disabled():
        assert MatchRound.objects.filter(program=program).count() == 2


def test_the_stable_cap_is_lifted():
    assert rounds.STABLE_MAX_PAIRS == 150_000_000


# --- The program's settings -----------------------------------------------------------------------

PROGRAM_POST = {
    "name": "Program",
    "slug": "program",
    "model": "committee",
    "min_commitment_months": 12,
    "meeting_cadence": "quarterly",
    "first_meeting_days": 30,
    "default_mentees_per_mentor": 1,
    "max_mentees_per_mentor": 2,
    "committee_rule": "coordinator",
    "max_open_requests": 3,
    "request_response_days": 14,
    "principles": "P",
    "goal_areas": "A",
}


def test_the_program_form_sets_rankings_in_the_coordinators_zone(client, coordinator_a):
    from programs.models import Program

    coordinator_a.user.time_zone = "Europe/Paris"
    coordinator_a.user.save()
    client.force_login(coordinator_a.user)
    # Without the ranking fields (an older form, or hidden ones): the defaults.
    assert client.post("/o/alpha/programs/new/", PROGRAM_POST).status_code == 302
    with scopes_disabled():
        program = Program.objects.get(slug="program")
    assert (program.rankings_open, program.shortlist_length, program.rankings_deadline) == (False, 5, None)
    data = {
        **PROGRAM_POST,
        "rankings_open": "on",
        "shortlist_length": 4,
        "rankings_deadline": "2026-11-27T18:00",
    }
    assert client.post("/o/alpha/programs/program/edit/", data).status_code == 302
    program.refresh_from_db()
    assert program.rankings_open and program.shortlist_length == 4
    assert program.rankings_deadline == DEADLINE  # 18:00 in Paris is 17:00 UTC
    html = client.get("/o/alpha/programs/program/edit/").content.decode()
    assert 'value="2026-11-27T18:00"' in html and "Participants rank a shortlist" in html
    response = client.post("/o/alpha/programs/program/edit/", {**data, "shortlist_length": 21})
    assert response.status_code == 200 and "less than or equal to 20" in response.content.decode()
