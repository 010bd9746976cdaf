"""Journey: a coordinator builds a survey (agree/disagree, single choice, 0–10 rating and free
text), activates it; the daily scan opens its wave; mentees answer from "My surveys"; the
coordinator sees the results once 5 people answered and their month is over (hidden before,
as it is anonymous: its results are released in batches of at least 5, after the month)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from relationships.models import Mentorship
from surveys.models import Question, Survey, SurveyInvitation, SurveyResponse
from surveys.periods import add_months
from surveys.services import answers as answering
from surveys.services import waves as wave_services
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ProgramFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # A person in one organization lands on its dashboard; the journeys start from the list.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/?all=1")
    expect(page.get_by_role("heading", name="My organizations")).to_be_visible()


def _add_question(page, kind: str, text: str, options: str = "", required: bool = True):
    form = page.locator("section[aria-labelledby='add-heading']")
    if not required:
        form.get_by_label("An answer is required").uncheck()
    form.get_by_label(re.compile(r"^\s*Kind of question")).select_option(label=kind)
    form.get_by_label(re.compile(r"^\s*Question")).fill(text)
    if options:
        form.get_by_label(re.compile(r"^\s*Options")).fill(options)
    form.get_by_role("button", name="Add the question").click()
    expect(page.get_by_role("alert")).to_contain_text("Question added")


def _answer_in_the_browser(page, mentee):
    _sign_in(page, mentee.user.email)
    page.goto("/o/western/surveys/mine/")
    expect(page.get_by_role("heading", name="Waiting for your answers")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Answer")).click()
    expect(page.locator("#anonymous-notice")).to_contain_text("Your answers are anonymous")
    page.get_by_label("Agree", exact=True).check()
    page.get_by_label("Monthly", exact=True).check()
    page.get_by_label("8", exact=True).check()
    page.get_by_label(re.compile(r"Anything else")).fill("The kickoff helped us start well.")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Thank you")
    expect(page.locator("#survey-thanks")).to_be_visible()


def test_a_coordinator_builds_a_survey_and_sees_its_results(make_page, live_server, settings):
    settings.SITE_URL = live_server.url
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(
        organization=society, slug="mentorship", name="Mentorship Program", six_month_assessment=False
    )
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Cora Lind")
    mentees = []
    with scopes_disabled():
        for n in range(6):
            mentee = MembershipFactory(organization=society, user__full_name=f"Mentee {n}")
            Mentorship.objects.create(
                organization=society,
                program=program,
                mentor=MembershipFactory(organization=society),
                mentee=mentee,
                origin="proposal",
                planned_end_on=timezone.localdate() + timedelta(days=730),
            )
            mentees.append(mentee)

    page = make_page()
    _sign_in(page, coordinator.user.email)
    page.goto("/o/western/surveys/")
    expect(page.get_by_text("No surveys yet")).to_be_visible()
    page.get_by_role("link", name="New survey").click()
    page.get_by_label(re.compile(r"^\s*Title")).fill("Mid-year program check")
    page.get_by_label("Program", exact=True).select_option(label="Mentorship Program")
    page.get_by_label(re.compile(r"^\s*Who receives it")).select_option(label="Mentees")
    expect(page.get_by_label(re.compile(r"^\s*Anonymous answers"))).to_be_checked()
    page.get_by_label("Once").check()
    page.get_by_role("button", name="Create the survey").click()
    expect(page.get_by_role("alert")).to_contain_text("Survey created as a draft")

    _add_question(page, "Agree / disagree (5 points)", "The program helps me grow.")
    _add_question(page, "Single choice", "How often do you meet?", "Monthly\nQuarterly\nLess often")
    _add_question(page, "Rating 0–10", "How likely are you to recommend the program?")
    _add_question(page, "Free text", "Anything else you want us to know?", required=False)
    expect(page.locator("#question-list > li")).to_have_count(4)
    page.get_by_role("button", name="Activate the survey").click()
    expect(page.get_by_role("alert")).to_contain_text("Survey activated")
    expect(page.locator("#survey-status")).to_have_text("Active")

    with scopes_disabled():
        survey = Survey.objects.get(title="Mid-year program check")
        assert survey.status == "active" and survey.anonymous and survey.program == program
    # The daily scan opens the wave: one invitation per mentee.
    assert wave_services.open_due_waves(timezone.localdate()) == 6

    for mentee in mentees[:2]:
        _answer_in_the_browser(make_page(), mentee)

    # Two answers: an anonymous survey shows nothing yet.
    page.goto(f"/o/western/surveys/{survey.pk}/results/")
    expect(page.locator("#results-hidden")).to_contain_text("Fewer than 5 people answered")
    expect(page.locator("#respondents")).to_have_text("2")

    with scopes_disabled():
        questions = list(Question.objects.filter(survey=survey).order_by("position"))
        invitations = list(
            SurveyInvitation.objects.filter(wave__survey=survey, answered=False)
            .select_related("membership")
            .order_by("pk")[:3]
        )
    with scope(organization=society):
        for invitation, (likert, rating) in zip(invitations, [("5", "10"), ("4", "9"), ("3", "7")], strict=True):
            answering.survey_submit(
                actor=invitation.membership,
                invitation=invitation,
                answers={
                    questions[0].pk: likert,
                    questions[1].pk: "Quarterly",
                    questions[2].pk: rating,
                    questions[3].pk: "",
                },
            )
    with scopes_disabled():
        assert SurveyResponse.objects.filter(survey=survey, respondent=None).count() == 5

    # Five answers, all this month: an anonymous survey releases them once the month is over.
    page.reload()
    expect(page.locator("#results-hidden")).to_contain_text("No results are released yet")
    expect(page.locator("#respondents")).to_have_text("5")
    expect(page.locator(".question-result")).to_have_count(0)

    # The month ends: the answers now belong to a month that is over (moved back to last month,
    # as they would be seen next month), so they are released as one batch of 5.
    last_month = add_months(timezone.localdate().replace(day=1), -1)
    with scopes_disabled():
        assert SurveyResponse.objects.filter(survey=survey).update(submitted_on=last_month) == 5
    page.reload()
    expect(page.locator("#results-hidden")).to_have_count(0)
    expect(page.locator("#release-note")).to_contain_text(
        f"Anonymous results are released in batches of at least 5 answers, up to the end of {last_month:%B %Y}"
    )
    expect(page.locator("#respondents")).to_have_text("5")
    expect(page.locator("#response-rate")).to_have_text("83%")
    first = page.locator(".question-result").nth(0)
    expect(first.locator(".question-mean")).to_have_text("Mean 4.0")  # 4, 4, 5, 4, 3
    expect(first.locator("svg.chart")).to_be_visible()
    expect(first.get_by_role("row", name=re.compile(r"^4 Agree 3 60.0"))).to_be_visible()
    rating = page.locator(".question-result").nth(2)
    expect(rating.locator(".question-mean")).to_have_text("Mean 8.4")  # 8, 8, 10, 9, 7
    choice = page.locator(".question-result").nth(1)
    expect(choice.get_by_role("row", name=re.compile(r"^Quarterly 3 60.0"))).to_be_visible()
    texts = page.locator(".question-result").nth(3).locator(".free-text li")
    expect(texts).to_have_count(2)
    expect(texts.first).to_have_text("The kickoff helped us start well.")
    for mentee in mentees[:2]:
        expect(page.get_by_text(mentee.user.full_name)).to_have_count(0)

    # Filtered to mentors (nobody answered as a mentor): nothing to show, nothing hidden.
    page.get_by_label("Role").select_option(label="Mentors")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#respondents")).to_have_text("0")
