"""Survey waves and invitations opened by the daily scan: idempotent, catch up with one wave
(never one per missed period), 6-month waves per pairing, set-based."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from relationships.models import Mentorship
from surveys.models import Question, QuestionKind, Survey, SurveyInvitation, SurveyResponse, SurveyWave
from surveys.periods import add_months
from surveys.services import answers as answering
from surveys.services import waves as wave_services
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory

TODAY = date(2026, 3, 16)
NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=UTC)  # the frozen clock
pytestmark = [pytest.mark.django_db, pytest.mark.clock(NOW)]


def pair(program, *, started_on=TODAY, mentor=None, mentee=None, status="active", origin="proposal"):
    org = program.organization
    with scopes_disabled():
        return Mentorship.objects.create(
            organization=org,
            program=program,
            mentor=mentor or MembershipFactory(organization=org),
            mentee=mentee or MembershipFactory(organization=org),
            origin=origin,
            started_on=started_on,
            planned_end_on=date(2030, 1, 1),
            status=status,
        )


def survey(org, **kwargs):
    values = {
        "title": "How is it going?",
        "status": "active",
        "schedule": "once",
        "opens_on": TODAY,
        "open_days": 14,
        "anonymous": True,
        "audience": "both",
    }
    values.update(kwargs)
    with scopes_disabled():
        made = Survey.objects.create(organization=org, **values)
        Question.objects.create(organization=org, survey=made, position=1, kind=QuestionKind.LIKERT, text="Q")
        return made


def invitations(survey_obj):
    with scopes_disabled():
        return list(SurveyInvitation.objects.filter(wave__survey=survey_obj).order_by("pk"))


def waves(survey_obj):
    with scopes_disabled():
        return list(SurveyWave.objects.filter(survey=survey_obj).order_by("pk"))


@pytest.fixture
def program(org_a):
    return ProgramFactory(organization=org_a, six_month_assessment=False)


def test_a_once_survey_opens_one_wave_and_invites_each_party_once(org_a, program):
    mentor = MembershipFactory(organization=org_a)
    pair(program, mentor=mentor)
    pair(program, mentor=mentor)  # one mentor, two mentees: still one invitation
    pair(program)
    pair(program, status="ended")
    made = survey(org_a, opens_on=TODAY - timedelta(days=2))

    assert wave_services.open_due_waves(TODAY) == 2 + 3
    assert wave_services.open_due_waves(TODAY) == 0
    assert wave_services.open_due_waves(TODAY + timedelta(days=1)) == 0
    (wave,) = waves(made)
    assert (wave.number, wave.opens_on, wave.closes_on) == (1, TODAY, TODAY - timedelta(days=2) + timedelta(days=14))
    rows = invitations(made)
    assert len(rows) == 5 and len({i.membership_id for i in rows}) == 5
    assert {i.role for i in rows if i.membership_id == mentor.pk} == {"mentor"}
    assert all(i.program_id == program.pk and i.token for i in rows)
    assert len({i.token for i in rows}) == 5


def test_audience_mentors_only(org_a, program):
    pair(program)
    made = survey(org_a, audience="mentors")
    assert wave_services.open_due_waves(TODAY) == 1
    assert [i.role for i in invitations(made)] == ["mentor"]


def test_a_once_survey_past_its_close_or_not_yet_due_opens_nothing(org_a, program):
    pair(program)
    late = survey(org_a, opens_on=TODAY - timedelta(days=20), open_days=14)
    early = survey(org_a, opens_on=TODAY + timedelta(days=1))
    draft = survey(org_a, status="draft")
    closed = survey(org_a, status="closed")
    assert wave_services.open_due_waves(TODAY) == 0
    assert not any(waves(s) for s in (late, early, draft, closed))


def test_every_n_months_catches_up_with_the_current_period_only(org_a, program):
    pair(program)
    made = survey(org_a, schedule="every_n_months", interval_months=3, opens_on=date(2025, 1, 15))
    # The scan did not run for months: only the current period's wave opens (Jul 15 → #3).
    assert wave_services.open_due_waves(date(2025, 8, 1)) == 2
    assert [(w.number, w.opens_on) for w in waves(made)] == [(3, date(2025, 8, 1))]
    assert wave_services.open_due_waves(date(2025, 8, 2)) == 0
    assert wave_services.open_due_waves(date(2025, 10, 14)) == 0
    assert wave_services.open_due_waves(date(2025, 10, 15)) == 2
    assert [w.number for w in waves(made)] == [3, 4]
    assert len(invitations(made)) == 4


def test_a_pairing_formed_while_a_wave_is_open_is_invited_on_the_next_run(org_a, program):
    pair(program)
    made = survey(org_a)
    assert wave_services.open_due_waves(TODAY) == 2
    pair(program)
    assert wave_services.open_due_waves(TODAY + timedelta(days=1)) == 2
    assert wave_services.open_due_waves(TODAY + timedelta(days=1)) == 0
    assert len(waves(made)) == 1 and len(invitations(made)) == 4


def test_a_survey_for_all_programs_stays_in_its_organization(org_a, org_b, program):
    other = ProgramFactory(organization=org_a)
    pair(program)
    pair(other)
    pair(ProgramFactory(organization=org_b))
    made = survey(org_a, program=None)
    only_one = survey(org_a, program=program)
    assert wave_services.open_due_waves(TODAY) == 4 + 2
    assert {i.organization_id for i in invitations(made)} == {org_a.pk}
    assert {i.program_id for i in invitations(made)} == {program.pk, other.pk}
    assert {i.program_id for i in invitations(only_one)} == {program.pk}


def test_after_pairing_waves_open_n_months_in_and_skip_long_past_ones(org_a, program):
    made = survey(org_a, program=program, schedule="after_pairing", interval_months=6, open_days=21)
    due_today = pair(program, started_on=add_months(TODAY, -6))
    due_recently = pair(program, started_on=add_months(TODAY, -6) - timedelta(days=10))
    long_past = pair(program, started_on=add_months(TODAY, -6) - timedelta(days=40))
    not_yet = pair(program, started_on=add_months(TODAY, -6) + timedelta(days=1))
    pair(program, started_on=add_months(TODAY, -6), status="ended")

    assert wave_services.open_due_waves(TODAY) == 4
    assert wave_services.open_due_waves(TODAY) == 0
    by_pairing = {w.mentorship_id: w for w in waves(made)}
    assert set(by_pairing) == {due_today.pk, due_recently.pk}
    assert by_pairing[due_today.pk].opens_on == TODAY
    assert by_pairing[due_today.pk].closes_on == TODAY + timedelta(days=21)
    rows = invitations(made)
    assert {(i.wave.mentorship_id, i.role) for i in rows} == {
        (due_today.pk, "mentor"),
        (due_today.pk, "mentee"),
        (due_recently.pk, "mentor"),
        (due_recently.pk, "mentee"),
    }
    assert {i.membership_id for i in rows if i.wave.mentorship_id == due_today.pk} == {
        due_today.mentor_id,
        due_today.mentee_id,
    }
    # The next day, the pairing that was not yet due is.
    assert wave_services.open_due_waves(TODAY + timedelta(days=1)) == 2
    assert not_yet.pk in {w.mentorship_id for w in waves(made)}
    assert long_past.pk not in {w.mentorship_id for w in waves(made)}


def test_after_pairing_at_the_end_of_a_month(org_a, program):
    made = survey(org_a, program=program, schedule="after_pairing", interval_months=1, open_days=5)
    started_31st = pair(program, started_on=date(2026, 1, 31))
    # 31 January + 1 month = 28 February.
    assert wave_services.open_due_waves(date(2026, 2, 27)) == 0
    assert wave_services.open_due_waves(date(2026, 2, 28)) == 2
    assert [w.mentorship_id for w in waves(made)] == [started_31st.pk]


def test_builtin_six_month_assessment(org_a, org_b):
    with_assessment = ProgramFactory(organization=org_a, six_month_assessment=True)
    ProgramFactory(organization=org_a, six_month_assessment=False)
    ProgramFactory(organization=org_b, six_month_assessment=True)
    assert wave_services.ensure_builtin_surveys() == 2
    assert wave_services.ensure_builtin_surveys() == 0
    with scopes_disabled():
        builtin = Survey.objects.get(program=with_assessment, builtin=wave_services.BUILTIN_SIX_MONTH)
        kinds = list(builtin.questions.values_list("kind", flat=True))
    assert (builtin.status, builtin.schedule, builtin.interval_months, builtin.anonymous) == (
        "active",
        "after_pairing",
        6,
        True,
    )
    assert (builtin.audience, builtin.open_days, builtin.organization_id) == ("both", 21, org_a.pk)
    assert QuestionKind.TEXT not in kinds
    assert kinds.count(QuestionKind.LIKERT) >= 4 and kinds.count(QuestionKind.RATING) == 1

    paired = pair(with_assessment, started_on=add_months(TODAY, -6))
    assert wave_services.open_due_waves(TODAY) == 2
    assert [w.mentorship_id for w in waves(builtin)] == [paired.pk]
    # Turning the assessment off in the program's settings stops new waves.
    with_assessment.six_month_assessment = False
    with_assessment.save()
    pair(with_assessment, started_on=add_months(TODAY, -6))
    assert wave_services.open_due_waves(TODAY) == 0


def _queries(count: int) -> int:
    org = OrganizationFactory()
    program = ProgramFactory(organization=org, six_month_assessment=False)
    start = add_months(TODAY, -6)
    for _ in range(count):
        pair(program, started_on=start)
    survey(org, program=None)
    survey(org, program=program, schedule="every_n_months", interval_months=1, opens_on=date(2025, 1, 1))
    survey(org, program=program, schedule="after_pairing", interval_months=6)
    with CaptureQueriesContext(connection) as queries:
        created = wave_services.open_due_waves(TODAY)
    assert created == count * 2 * 3
    return len(queries.captured_queries)


@pytest.mark.parametrize("count", [3, 40])
def test_opening_waves_runs_a_bounded_number_of_queries(count):
    # One query for the surveys, then at most eight per survey (the first locks it), however many pairings.
    assert _queries(count) <= 1 + 3 * 8


def test_senior_pairings_get_no_surveys_nor_the_assessment(org_a, program):
    # A senior mentor paired with a hub mentor: the hub mentor is no mentee.
    hub_mentor = MembershipFactory(organization=org_a)
    senior = pair(program, mentee=hub_mentor, origin="senior", started_on=add_months(TODAY, -6))
    regular = pair(program, started_on=add_months(TODAY, -6))
    once = survey(org_a, program=program)
    assessment = survey(org_a, program=program, schedule="after_pairing", interval_months=6)
    assert wave_services.open_due_waves(TODAY) == 2 + 2
    assert {w.mentorship_id for w in waves(assessment)} == {regular.pk}
    for made in (once, assessment):
        invited = {i.membership_id for i in invitations(made)}
        assert invited == {regular.mentor_id, regular.mentee_id}
        assert not invited & {senior.mentor_id, hub_mentor.pk}


@pytest.mark.parametrize("anonymous", [True, False])
def test_an_anonymous_assessment_answer_points_at_no_pairing(org_a, program, anonymous):
    today = TODAY
    made = survey(
        org_a, program=program, schedule="after_pairing", interval_months=6, opens_on=today, anonymous=anonymous
    )
    pairs = [pair(program, started_on=add_months(today, -6)) for _ in range(2)]
    assert wave_services.open_due_waves(today) == 4
    rows = invitations(made)
    with scopes_disabled():
        question = Question.objects.get(survey=made)
    with scope(organization=org_a):
        for invitation in rows:
            answering.survey_submit(actor=invitation.membership, invitation=invitation, answers={question.pk: "4"})
    with scopes_disabled():
        responses = list(SurveyResponse.objects.filter(survey=made).select_related("wave"))
        invitation_waves = {i.wave.mentorship_id for i in SurveyInvitation.objects.filter(wave__survey=made)}
    assert len(responses) == 4 and invitation_waves == {p.pk for p in pairs}  # invitations keep their pairing
    if anonymous:
        # One shared wave without a pairing: no response row leads to a pair.
        assert {(r.wave.mentorship_id, r.wave.number) for r in responses} == {(None, 0)}
        assert len({r.wave_id for r in responses}) == 1
    else:
        assert {r.wave.mentorship_id for r in responses} == {p.pk for p in pairs}
