import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F
from django_scopes import scopes_disabled

from demo.common import DEMO_PASSWORD, MULTI_ORG_EMAIL
from demo.seed import PROGRAM_SLUGS, seed_demo
from mentorship.models import User
from programs.models import (
    AffinityGroup,
    Application,
    ApplicationStatus,
    Cadence,
    EligibilityRule,
    GoalArea,
    Hub,
    HubChoice,
    HubMentor,
    HubTheme,
    InPersonCadence,
    MeetingMode,
    Membership,
    MemberStatus,
    Organization,
    Profile,
    Program,
    ProgramModel,
    Role,
)
from programs.services.applications import check_eligibility

# The demo seals agreement PDFs (WeasyPrint) and takes most of a minute: seeded once for the
# module, inside an outer transaction rolled back at the end (tests/test_demo_history.py).
pytestmark = [pytest.mark.django_db, pytest.mark.pdf]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            seed_demo()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _counts():
    with scopes_disabled():
        return (Organization.objects.count(), User.objects.count(), Membership.objects.count())


def test_seed_demo_builds_three_program_models_and_is_idempotent(seeded, capsys, client):
    # The tests run with DEBUG off, where the command wants to be told this is no production
    # (tests/test_seed_demo_production.py).
    first = _counts()
    call_command("seed_demo", "--i-know-this-is-not-production")
    assert _counts() == first
    out = capsys.readouterr().out
    assert "coordinator@western-surgical.example.org" in out and DEMO_PASSWORD in out

    assert set(Organization.objects.values_list("slug", flat=True)) == {
        "western-surgical",
        "lakeshore-anesthesiology",
        "radonc-alumni",
    }
    with scopes_disabled():
        for org in Organization.objects.all():
            members = Membership.objects.filter(organization=org)
            assert members.filter(is_coordinator=True).exists(), org
            assert members.count() >= 30, org
        society = Membership.objects.filter(organization__slug="western-surgical")
        assert society.filter(is_committee=True).count() >= 3
        assert set(society.values_list("status", flat=True)) == {MemberStatus.MEMBER, MemberStatus.CANDIDATE}
        alumni = Membership.objects.filter(organization__slug="radonc-alumni")
        assert set(alumni.values_list("status", flat=True)) == {MemberStatus.ALUMNI, MemberStatus.TRAINEE}
        assert Membership.objects.filter(user__email=MULTI_ORG_EMAIL).count() == 3
    assert not EmailAddress.objects.filter(verified=False).exists()

    # The printed sign-ins work.
    response = client.post("/accounts/login/", {"login": MULTI_ORG_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    home = client.get("/").content
    assert b"Western Surgical Society" in home and b"Radiation Oncology Alumni Mentoring Network" in home


# --- Programs, profiles, hubs and applications -------------------------------------------------


def _all_counts() -> dict[str, int]:
    with scopes_disabled():
        return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_a_second_run_creates_nothing(seeded):
    first = _all_counts()
    assert seed_demo() == dict.fromkeys(
        ("organizations", "users", "memberships", "programs", "profiles", "hubs", "applications", "mentorships"), 0
    )
    assert _all_counts() == first


def _program(slug: str) -> Program:
    """The organization's seed program (the department also runs a resident peer program)."""
    return Program.objects.select_related("organization").get(organization__slug=slug, slug=PROGRAM_SLUGS[slug])


def _rule(program: Program, role: str) -> EligibilityRule:
    return EligibilityRule.objects.get(program=program, role=role)


@scopes_disabled()
def test_each_organization_has_its_program_configured_as_in_its_seed(seeded):
    society = _program("western-surgical")
    assert (society.slug, society.name, society.model) == ("mentorship", "Mentorship Program", ProgramModel.COMMITTEE)
    assert society.is_published and society.applications_are_open()
    assert society.meeting_cadence == Cadence.QUARTERLY and society.min_commitment_months == 12
    assert (society.first_meeting_days, society.default_mentees_per_mentor, society.max_mentees_per_mentor) == (
        30,
        1,
        2,
    )
    catalogue = list(GoalArea.objects.filter(program=society).values_list("name", flat=True))
    assert "Building a referral pipeline" in catalogue and "Dealing with medico-legal issues" in catalogue
    assert "Board preparation" in catalogue
    mentor_rule, mentee_rule = _rule(society, Role.MENTOR), _rule(society, Role.MENTEE)
    assert set(mentor_rule.allowed_statuses) == set(mentee_rule.allowed_statuses) == {"member", "candidate"}
    assert mentor_rule.min_years_experience == 8 and mentee_rule.min_years_experience is None

    department = _program("lakeshore-anesthesiology")
    assert (department.slug, department.model) == ("faculty-mentorship", ProgramModel.HUBS)
    assert department.meeting_cadence == Cadence.MONTHLY
    assert department.in_person_cadence == InPersonCadence.QUARTERLY
    assert department.first_meeting_days == 30 and department.six_month_assessment
    assert department.applications_are_open()

    alumni = _program("radonc-alumni")
    assert (alumni.slug, alumni.name, alumni.model) == (
        "alumni-mentoring",
        "Alumni Mentoring Program",
        ProgramModel.SELF_SELECT,
    )
    assert alumni.meeting_cadence == Cadence.TWICE_YEARLY and alumni.min_commitment_months == 12
    assert alumni.yearly_review and alumni.applications_are_open()
    assert _rule(alumni, Role.MENTOR).allowed_statuses == ["alumni"]
    assert _rule(alumni, Role.MENTEE).allowed_statuses == ["trainee"]


@scopes_disabled()
def test_about_fifty_hubs_in_affinity_groups_each_led_by_a_senior_faculty_mentor(seeded):
    department = _program("lakeshore-anesthesiology")
    hubs = Hub.objects.filter(program=department)
    assert 45 <= hubs.count() <= 55
    assert all(hub.description and hub.theme in HubTheme.values for hub in hubs)
    assert set(hubs.values_list("theme", flat=True)) == set(HubTheme.values)
    groups = AffinityGroup.objects.filter(program=department).select_related("senior_mentor")
    assert 8 <= groups.count() <= 10
    for group in groups:
        assert group.senior_mentor is not None, group
        assert group.senior_mentor.organization_id == department.organization_id
        assert group.senior_mentor.status == MemberStatus.FACULTY
        assert group.hubs.count() >= 4
    for hub in hubs.annotate(mentors=Count("hub_mentors")):
        assert 1 <= hub.mentors <= 2, hub
    assert set(HubMentor.objects.filter(hub__program=department).values_list("capacity", flat=True)) <= {1, 2, 3}
    seniors = set(groups.values_list("senior_mentor", flat=True))
    assert not HubMentor.objects.filter(membership__in=seniors).exists()


@scopes_disabled()
def test_hub_mentees_rank_three_distinct_hubs(seeded):
    department = _program("lakeshore-anesthesiology")
    applications = Application.objects.filter(program=department, role=Role.MENTEE)
    assert 40 <= applications.count() <= 48  # this year's applicants and last year's cohort (demo/cohort.py)
    statuses = list(applications.values_list("status", flat=True))
    assert statuses.count(ApplicationStatus.ELIGIBLE) >= 10 and statuses.count(ApplicationStatus.ACCEPTED) >= 2
    rankings = set()
    for application in applications.prefetch_related("hub_choices"):
        choices = list(application.hub_choices.all())
        assert [c.rank for c in choices] == [1, 2, 3], application
        assert len({c.hub_id for c in choices}) == 3, application
        rankings.add(tuple(c.hub_id for c in choices))
        assert application.goals_statement and application.goal_areas.exists()
    assert len(rankings) == applications.count()


@scopes_disabled()
def test_society_applications_show_a_realistic_spread_and_a_seven_year_mentor_is_not_eligible(seeded):
    society = _program("western-surgical")
    applications = Application.objects.filter(program=society)
    mentees, mentors = applications.filter(role=Role.MENTEE), applications.filter(role=Role.MENTOR)
    # This year's applicants and last year's cohort (demo/cohort.py).
    assert 34 <= mentees.count() <= 38 and 19 <= mentors.count() <= 23
    statuses = set(applications.values_list("status", flat=True))
    for status in ("draft", "eligible", "accepted", "waitlisted", "declined", "withdrawn", "ineligible"):
        assert status in statuses, status
    assert applications.filter(status=ApplicationStatus.DECLINED).count() == 1
    assert applications.filter(status=ApplicationStatus.WITHDRAWN).exists()

    ineligible = mentors.get(status=ApplicationStatus.INELIGIBLE)
    assert ineligible.membership.profile.years_in_practice == 7 and ineligible.eligible is False
    reasons = [check["text"] for check in ineligible.eligibility_reasons if not check["ok"]]
    assert any("8 years" in text for text in reasons), reasons
    assert reasons == check_eligibility(ineligible).reasons  # the real rule's wording

    for application in applications.exclude(status=ApplicationStatus.DRAFT):
        assert application.submitted_at and application.principles_accepted
        assert application.goals_statement and application.goal_areas.exists() and application.meeting_modes
        assert set(application.meeting_modes) <= set(MeetingMode.values)
        assert application.eligible is (application.status != ApplicationStatus.INELIGIBLE)
    for application in applications.filter(status__in=["accepted", "waitlisted", "declined"]):
        assert application.decided_by and application.decided_by.is_coordinator and application.decision_message
    for application in mentors.exclude(status=ApplicationStatus.DRAFT):
        assert 1 <= application.capacity <= society.max_mentees_per_mentor


@scopes_disabled()
def test_every_member_has_a_profile_and_society_experience_spans_early_and_senior_careers(seeded):
    for organization in Organization.objects.all():
        assert not Membership.objects.filter(organization=organization, profile__isnull=True).exists(), organization
    years = [p.years_in_practice for p in Profile.objects.filter(organization__slug="western-surgical")]
    assert sum(2 <= y <= 7 for y in years) >= 5 and sum(8 <= y <= 30 for y in years) >= 15
    for profile in Profile.objects.filter(organization__slug="western-surgical"):
        assert profile.specialty and profile.practice_setting and profile.city and profile.region and profile.bio
        assert profile.country in {"United States", "Canada"} and profile.time_zone


@scopes_disabled()
def test_alumni_mentors_have_biosketches_and_trainees_applied_as_mentees(seeded):
    alumni = _program("radonc-alumni")
    mentors = Application.objects.filter(program=alumni, role=Role.MENTOR)
    assert mentors.count() >= 10
    assert set(mentors.values_list("status", flat=True)) <= {ApplicationStatus.ELIGIBLE, ApplicationStatus.ACCEPTED}
    for application in mentors.select_related("membership__profile"):
        assert application.membership.status == MemberStatus.ALUMNI
        sketch = application.membership.profile
        assert sketch.graduation_year and sketch.institution and sketch.bio
        assert sketch.clinical_interests and sketch.research_interests
        assert all(application.attestation_answers.values()) and application.attestation_answers
    mentees = Application.objects.filter(program=alumni, role=Role.MENTEE)
    assert mentees.count() >= 6
    assert set(mentees.values_list("membership__status", flat=True)) == {MemberStatus.TRAINEE}
    assert not mentees.filter(status=ApplicationStatus.DRAFT).exists()


@scopes_disabled()
def test_the_multi_organization_person_has_profiles_and_an_application(seeded):
    memberships = Membership.objects.filter(user__email=MULTI_ORG_EMAIL)
    assert memberships.count() == 3
    assert all(Profile.objects.filter(membership=m).exists() for m in memberships)
    assert Application.objects.filter(membership__in=memberships).exclude(status="withdrawn").exists()


@scopes_disabled()
def test_every_tenant_row_belongs_to_its_parents_organization(seeded):
    org = "organization"
    assert not Profile.objects.exclude(**{org: F("membership__organization")}).exists()
    for model in (GoalArea, EligibilityRule, AffinityGroup, Hub, Application):
        assert not model.objects.exclude(**{org: F("program__organization")}).exists(), model
    assert not Hub.objects.exclude(program=F("affinity_group__program")).exists()
    assert not AffinityGroup.objects.exclude(**{org: F("senior_mentor__organization")}).exists()
    assert not HubMentor.objects.exclude(**{org: F("hub__organization")}).exists()
    assert not HubMentor.objects.exclude(**{org: F("membership__organization")}).exists()
    assert not Application.objects.exclude(**{org: F("membership__organization")}).exists()
    assert (
        not Application.objects.filter(decided_by__isnull=False)
        .exclude(**{org: F("decided_by__organization")})
        .exists()
    )
    assert not Application.objects.exclude(goal_areas__isnull=True).exclude(goal_areas__program=F("program")).exists()
    assert not HubChoice.objects.exclude(**{org: F("application__organization")}).exists()
    assert not HubChoice.objects.exclude(**{org: F("hub__organization")}).exists()
    assert not HubChoice.objects.exclude(hub__program=F("application__program")).exists()


def test_the_seed_is_the_same_every_time(seeded):
    def snapshot():
        with scopes_disabled():
            return (
                list(Profile.objects.order_by("membership__user__email").values_list("membership__user__email", "bio")),
                list(
                    Application.objects.order_by("membership__user__email", "program__slug").values_list(
                        "membership__user__email", "program__slug", "role", "status"
                    )
                ),
                list(
                    HubMentor.objects.order_by("hub__name", "membership__user__email").values_list(
                        "hub__name", "membership__user__email", "capacity"
                    )
                ),
            )

    first = snapshot()
    with scopes_disabled():
        from agreements.models import Agreement, Signature
        from circles.models import (
            Circle,
            CircleAgreementSignature,
            CircleChoice,
            CircleMeeting,
            CircleMember,
            CircleNote,
            CircleRsvp,
            FormationPlacement,
            FormationRound,
            FormationVote,
        )
        from events.models import SpeedEvent, SpeedParticipant, SpeedPick, SpeedSlot
        from matching.models import MatchRound, MentorshipRequest, Proposal
        from relationships.models import Meeting, Mentorship, PairExclusion
        from surveys.models import QuarterlyReport, Reminder, Survey

        for model in (
            # Issue 19's models stand on programs and memberships: they go first.
            SpeedPick,
            SpeedSlot,
            SpeedParticipant,
            SpeedEvent,
            CircleNote,
            CircleRsvp,
            CircleMeeting,
            CircleAgreementSignature,
            FormationVote,
            FormationPlacement,
            FormationRound,
            CircleChoice,
            CircleMember,
            Circle,
            Survey,
            Reminder,
            QuarterlyReport,
            Signature,
            Agreement,
            Meeting,
            Proposal,
            MatchRound,
            MentorshipRequest,
            PairExclusion,
            Mentorship,
            HubChoice,
            Application,
            HubMentor,
            Hub,
            AffinityGroup,
            Profile,
            Program,
        ):
            model.objects.all().delete()
    seed_demo()
    assert snapshot() == first


def test_the_portal_has_pairs_to_show(seeded):
    from matching.models import MentorshipRequest, Proposal
    from relationships.models import Mentorship

    with scopes_disabled():
        alumni = Mentorship.objects.filter(program__slug="alumni-mentoring")
        assert alumni.count() >= 20 and set(alumni.values_list("origin", flat=True)) == {"request", "manual"}
        assert MentorshipRequest.objects.filter(status="open").count() >= 1
        assert Proposal.objects.filter(status="offered", program__slug="mentorship").count() == 1
        for m in Mentorship.objects.select_related("program", "mentor", "mentee"):
            assert (
                m.organization_id == m.program.organization_id == m.mentor.organization_id == m.mentee.organization_id
            )
