"""What needs me, everywhere (issue 15): the navigation's badges and its "Committee review"
item, what waits in each organization on the home page, one-organization people landing on
their dashboard, the new member's checklist, and a warning (not a silent draft) when
applying for a role one is not eligible for."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from matching.models import Proposal, ProposalStatus, Vote
from programs.models import Application, ApplicationStatus, ProgramModel, Role
from programs.nav import HOME_SUMMARIES
from surveys.models import Survey, SurveyInvitation, SurveyStatus, SurveyWave
from tests.factories import (
    ApplicationFactory,
    EligibilityRuleFactory,
    GoalAreaFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProfileFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


def survey_for(membership, title="Six-month check") -> SurveyInvitation:
    today = timezone.localdate()
    org = membership.organization
    survey = Survey.objects.create(organization=org, title=title, status=SurveyStatus.ACTIVE)
    wave = SurveyWave.objects.create(
        organization=org, survey=survey, opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=10)
    )
    return SurveyInvitation.objects.create(organization=org, wave=wave, membership=membership)


def proposals_to_vote_on(program, n: int) -> list[Proposal]:
    org = program.organization
    return [
        Proposal.objects.create(
            organization=org,
            program=program,
            mentor=MembershipFactory(organization=org),
            mentee=MembershipFactory(organization=org),
            status=ProposalStatus.PROPOSED,
        )
        for _ in range(n)
    ]


def page(client, membership, name="program_list", **kwargs) -> str:
    client.force_login(membership.user)
    response = client.get(reverse(name, kwargs={"org_slug": membership.organization.slug, **kwargs}))
    assert response.status_code == 200
    return response.content.decode()


# --- The navigation ----------------------------------------------------------------------


def badges(client, membership) -> dict:
    client.force_login(membership.user)
    response = client.get(reverse("nav_badges", kwargs={"org_slug": membership.organization.slug}))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    return response.json()


def test_the_dashboard_item_carries_the_to_do_count_with_words_for_screen_readers(client, org_a):
    with scopes_disabled():
        me = MembershipFactory(organization=org_a)
        survey_for(me, "First")
        survey_for(me, "Second")
        survey_for(me, "Third")
    # The dashboard has the list: the navigation shows its count at once.
    html = page(client, me, "organization_dashboard")
    assert (
        'Dashboard<span data-badge="todos">'
        '<span class="badge rounded-pill text-bg-danger ms-1" aria-hidden="true">3</span>'
        '<span class="visually-hidden">(3 things need you)</span></span></a>'
    ) in html
    assert 'data-badges="rendered"' in html  # nothing left to ask at load (a live refresh asks again)
    # Other pages leave an empty slot and ask for the counts once loaded.
    html = page(client, me)
    assert 'Dashboard<span data-badge="todos"></span></a>' in html
    assert 'data-badges-url="/o/alpha/nav/badges/"' in html and "js/nav-badges.js" in html
    assert badges(client, me)["todos"] == {"count": 3, "text": "3 things need you"}
    with scopes_disabled():
        SurveyInvitation.objects.filter(wave__survey__title__in=["First", "Second"]).update(answered=True)
    assert badges(client, me)["todos"] == {"count": 1, "text": "1 thing needs you"}
    assert "1 thing needs you" in page(client, me, "organization_dashboard")


def test_no_badge_when_nothing_waits(client, member_a):
    html = page(client, member_a, "organization_dashboard")
    assert 'Dashboard<span data-badge="todos"></span>' in html and "need you" not in html.split("</nav>")[0]
    assert badges(client, member_a)["todos"] == {"count": 0, "text": "0 things need you"}


def test_a_committee_member_gets_the_committee_item_with_the_votes_waiting(client, org_a):
    with scopes_disabled():
        program = ProgramFactory(organization=org_a, model=ProgramModel.COMMITTEE, name="Surgeons", slug="surgeons")
        me = MembershipFactory(organization=org_a, is_committee=True)
        first, *_ = proposals_to_vote_on(program, 3)
        Vote.objects.create(organization=org_a, proposal=first, voter=me, decision="approve")
        ProgramFactory(organization=org_a, model=ProgramModel.SELF_SELECT)  # not reviewed by a committee
    url = reverse("committee_review", kwargs={"org_slug": "alpha", "program_slug": "surgeons"})
    html = page(client, me, "organization_dashboard")
    item = html.split('id="committee-nav"')[1].split("</li>")[0]
    assert f'href="{url}?needs=me">Committee review<span data-badge="votes"><span class="badge' in item
    assert '<span class="visually-hidden">(2 proposed pairings need your vote)</span>' in item
    # The dashboard's badge counts the same votes (one list for both).
    assert "(2 things need you)" in html
    assert 'href="/o/alpha/programs/surgeons/review/?needs=me"' in page(client, me)
    assert badges(client, me)["votes"] == {"count": 2, "text": "2 proposed pairings need your vote"}
    assert badges(client, me)["programs"] == [{"url": f"{url}?needs=me", "count": 2, "text": "2 waiting for your vote"}]


def test_members_outside_the_committee_have_no_committee_item(client, org_a, member_a):
    with scopes_disabled():
        proposals_to_vote_on(ProgramFactory(organization=org_a, model=ProgramModel.COMMITTEE), 2)
    assert "committee-nav" not in page(client, member_a, "organization_dashboard")
    assert badges(client, member_a)["votes"]["count"] == 0


def test_several_committee_programs_are_listed_in_a_menu(client, org_a):
    with scopes_disabled():
        a = ProgramFactory(organization=org_a, model=ProgramModel.COMMITTEE, name="Anesthesia", slug="anes")
        b = ProgramFactory(organization=org_a, model=ProgramModel.COMMITTEE, name="Brain", slug="brain")
        proposals_to_vote_on(b, 1)
        me = MembershipFactory(organization=org_a, is_committee=True)
    html = page(client, me, "organization_dashboard")
    assert '<ul class="dropdown-menu" aria-label="Committee review">' in html
    for program in (a, b):
        assert f'/o/alpha/programs/{program.slug}/review/?needs=me"><span>{program.name}</span>' in html
    assert "(1 waiting for your vote)</span>" in html
    assert "(1 proposed pairing needs your vote)</span>" in html


@pytest.mark.parametrize("size", [2, 20])
def test_the_navigation_costs_other_pages_nothing_and_its_counts_are_bounded(
    client, org_a, django_assert_max_num_queries, size
):
    with scopes_disabled():
        me = MembershipFactory(organization=org_a, is_committee=True, is_coordinator=True)
        program = ProgramFactory(organization=org_a, model=ProgramModel.COMMITTEE)
        proposals_to_vote_on(program, size)
        for i in range(size):
            survey_for(me, f"Survey {i}")
            ApplicationFactory(program=program, status=ApplicationStatus.SUBMITTED)
    client.force_login(me.user)
    with django_assert_max_num_queries(7):  # the list page's own, and the committee's programs
        response = client.get(reverse("program_list", kwargs={"org_slug": "alpha"}))
    assert response.status_code == 200
    # session, user, membership; the to-do list (with rankings, circle agreements and speed
    # events: one query each); the bell's unread count
    with django_assert_max_num_queries(4 + 10 + 1):
        response = client.get(reverse("nav_badges", kwargs={"org_slug": "alpha"}))
    # votes and applications, and the surveys the survey list shows (ten at most)
    assert response.json()["todos"]["count"] == size + size + min(size, 10)
    assert response.json()["notifications"] == {"count": 0, "text": "0 unread"}


def test_the_dashboard_computes_the_list_once_for_itself_and_the_badge(client, org_a):
    with scopes_disabled():
        me = MembershipFactory(organization=org_a)
        survey_for(me)
    client.force_login(me.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("organization_dashboard", kwargs={"org_slug": "alpha"}))
    survey_reads = [q for q in queries.captured_queries if "surveys_surveyinvitation" in q["sql"]]
    assert len(survey_reads) == 1
    assert "1 thing needs you" in response.content.decode()


def test_the_counts_are_for_members_of_the_organization_only(client, member_a, org_b):
    client.force_login(member_a.user)
    assert client.get(reverse("nav_badges", kwargs={"org_slug": org_b.slug})).status_code == 404


# --- The home page -----------------------------------------------------------------------


def test_a_person_in_one_organization_lands_on_its_dashboard_unless_they_ask_for_the_list(client, member_a):
    client.force_login(member_a.user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("organization_dashboard", kwargs={"org_slug": "alpha"})
    listing = client.get("/?all=1")
    assert listing.status_code == 200
    assert "My organizations" in listing.content.decode()
    # The switcher's "All my organizations" asks for the list.
    assert 'href="/?all=1">All my organizations</a>' in page(client, member_a)


def test_an_invitation_to_answer_keeps_the_home_page(client, member_a, org_b):
    InvitationFactory(organization=org_b, email=member_a.user.email)
    client.force_login(member_a.user)
    response = client.get("/")
    assert response.status_code == 200
    assert "Invitations waiting for you" in response.content.decode()


def test_each_organization_card_says_what_waits_there(client, org_a, org_b):
    with scopes_disabled():
        in_a = MembershipFactory(organization=org_a)
        in_b = MembershipFactory(organization=org_b, user=in_a.user, is_coordinator=True)
        for title in ("One", "Two", "Three", "Four"):
            survey_for(in_a, title)
        ApplicationFactory(program=ProgramFactory(organization=org_b), status=ApplicationStatus.SUBMITTED)
    client.force_login(in_a.user)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    card_a = html.split('data-pending="alpha"')[1].split("</div>")[0]
    assert "4 things need you" in card_a
    assert "<li>Answer the survey “One”</li>" in card_a and "“Three”" in card_a and "“Four”" not in card_a
    assert "and 1 more" in card_a
    card_b = html.split('data-pending="bravo"')[1].split("</div>")[0]
    assert "1 thing needs you" in card_b and "<li>Decide on 1 application</li>" in card_b
    assert in_b.pk


@pytest.mark.parametrize("orgs", [2, HOME_SUMMARIES + 3])
def test_the_home_page_costs_the_same_queries_whatever_the_number_of_organizations(
    client, django_assert_max_num_queries, orgs
):
    me = MembershipFactory(organization=OrganizationFactory(slug="first"), is_coordinator=True, is_committee=True)
    for i in range(orgs - 1):
        other = MembershipFactory(organization=OrganizationFactory(slug=f"org-{i}"), user=me.user, is_committee=True)
        with scopes_disabled():
            survey_for(other)
    client.force_login(me.user)
    # each summarized organization: its to-do list (one query per app that adds to it)
    with django_assert_max_num_queries(7 + HOME_SUMMARIES * 10):
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-pending=") == orgs
    if orgs > HOME_SUMMARIES:
        assert "Open the dashboard to see what needs you." in html


# --- The new member's checklist ----------------------------------------------------------


def steps(html: str) -> dict[str, str]:
    found = {}
    for key in ("profile", "time_zone", "application"):
        marker = f'data-step="{key}" data-done="'
        if marker in html:
            found[key] = html.split(marker)[1][:3].rstrip('"')
    return found


def test_a_new_member_sees_the_checklist_ticked_as_they_go_and_then_not_at_all(client, org_a, member_a):
    dashboard = "organization_dashboard"
    html = page(client, member_a, dashboard)
    assert "Getting started" in html
    assert steps(html) == {"profile": "no", "time_zone": "no", "application": "no"}
    assert 'href="/o/alpha/profile/">Open your profile</a>' in html
    assert f'href="{reverse("profile")}">Choose your time zone</a>' in html
    assert 'href="/o/alpha/programs/">See the programs</a>' in html

    member_a.user.time_zone = "America/Chicago"
    member_a.user.save(update_fields=["time_zone"])
    html = page(client, member_a, dashboard)
    assert steps(html) == {"profile": "no", "time_zone": "yes", "application": "no"}
    assert '<span class="visually-hidden">Done:</span>' in html

    with scopes_disabled():
        ProfileFactory(membership=member_a, specialty="General surgery", institution="")
    assert steps(page(client, member_a, dashboard))["profile"] == "no"  # the institution is missing
    with scopes_disabled():
        type(member_a.profile).objects.filter(membership=member_a).update(institution="St. Mary's")
        ApplicationFactory(program=ProgramFactory(organization=org_a), membership=member_a)
    html = page(client, member_a, dashboard)
    assert "Getting started" not in html and steps(html) == {}


def test_coordinators_are_not_asked_to_apply(client, coordinator_a):
    html = page(client, coordinator_a, "organization_dashboard")
    assert steps(html) == {"profile": "no", "time_zone": "no"}


# --- Applying for a role one is not eligible for -----------------------------------------


@pytest.fixture
def strict_program(org_a):
    with scopes_disabled():
        program = ProgramFactory(organization=org_a, slug="surgeons", name="Surgeons Mentoring Surgeons")
        EligibilityRuleFactory(
            program=program,
            role=Role.MENTOR,
            allowed_statuses=["member"],
            min_years_experience=8,
            attestations=["I have no conflicts"],
        )
        GoalAreaFactory(program=program)
    return program


def apply_url(role="mentor"):
    return reverse("application_start", kwargs={"org_slug": "alpha", "program_slug": "surgeons", "role": role})


def test_an_ineligible_applicant_is_told_why_and_nothing_is_saved(client, org_a, strict_program):
    with scopes_disabled():
        me = MembershipFactory(organization=org_a, status="member")
        ProfileFactory(membership=me, year_started_practice=timezone.now().year - 3)
    client.force_login(me.user)
    response = client.post(apply_url())
    assert response.status_code == 302 and response["Location"] == apply_url()
    html = client.get(apply_url()).content.decode()
    assert "You are not eligible to apply as a mentor yet" in html
    assert "Mentors need at least 8 years of experience in the field; your profile shows 3 years" in html
    assert "You did not confirm" not in html  # confirmed on the form, not a reason to stop here
    assert 'name="confirm" value="yes"' in html
    with scopes_disabled():
        assert not Application.objects.filter(membership=me).exists()

    # They may still start one (the program office can make an exception); the draft says why too.
    response = client.post(apply_url(), {"confirm": "yes"})
    with scopes_disabled():
        application = Application.objects.get(membership=me, role=Role.MENTOR)
    assert response.status_code == 302 and response["Location"].endswith(f"/applications/{application.pk}/")
    html = client.get(response["Location"]).content.decode()
    assert 'id="not-eligible"' in html and "your profile shows 3 years" in html

    # Saving the draft warns instead of a plain "Draft saved".
    response = client.post(response["Location"], {"action": "save", "goals_statement": "x"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Draft saved, but you are not eligible to apply as a mentor yet:") for m in messages)
    assert "Draft saved. Submit it when you are ready." not in messages


def test_an_eligible_applicant_goes_straight_to_the_form(client, org_a, strict_program):
    with scopes_disabled():
        me = MembershipFactory(organization=org_a, status="member")
        ProfileFactory(membership=me, year_started_practice=timezone.now().year - 12)
    client.force_login(me.user)
    response = client.post(apply_url())
    assert response.status_code == 302 and "/applications/" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert 'id="not-eligible"' not in html
    # Nothing to warn about: the GET goes back to the program.
    assert client.get(apply_url())["Location"] == "/o/alpha/programs/surgeons/"
    assert "Confirm these on the form below" in html  # the attestation is still to confirm


def test_a_wrong_member_status_is_explained(client, org_a, strict_program):
    with scopes_disabled():
        me = MembershipFactory(organization=org_a, status="trainee")
        ProfileFactory(membership=me, year_started_practice=2000)
    client.force_login(me.user)
    html = client.post(apply_url(), follow=True).content.decode()
    assert "This program accepts mentors whose member status is" in html
