"""The three seed programs end to end in the browser, each from an empty organization.

Setup creates only the organization and its people (users and memberships, with the
profiles a member fills in once); the coordinator then creates the program through
"Programs → New program" with the seed's settings, and every later step is clicked by the
person who would do it. Time moves forward by shifting dates in the database (each place
says so), and the daily reminder scan runs in the test with Celery eager, so its emails
land in ``mail.outbox`` and their links are followed in the browser.

Screenshots of each step: ``$TEST_ARTIFACTS_DIR/<journey>/NN-step.png`` (default
``test-results/seed-journeys/``, see tests/browser/journey_support.py).

Signing an agreement renders its PDF (WeasyPrint), hence the ``pdf`` mark.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from agreements.models import Agreement
from agreements.models.review import YearlyReview
from matching.models import MatchRound, MentorshipRequest, Proposal, Vote
from programs.models import Application, HubChoice, Profile, Program, Role
from relationships.models import Meeting, Mentorship
from surveys.models import QuarterlyReport, Reminder, SurveyInvitation, SurveyResponse
from surveys.periods import quarter_of
from tests.browser import journey_support as j
from tests.factories import MembershipFactory, OrganizationFactory, ProfileFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pdf]

AGREEMENT = {
    "Goals": "Grow a rural general surgery practice and take on a first leadership role in the society.",
    "How success will be measured": "A referral network of ten practices and a committee seat within a year.",
    "Meeting schedule": "A video call every quarter, in person at the society's annual meeting.",
    "Opportunities for learning": "Joint clinics, an introduction to the society's education committee.",
    "Confidentiality": "What we discuss stays between us unless we both agree otherwise.",
    "Ground rules": "Reply within a week; cancel at least two days ahead.",
    "Feedback and evaluation": "Five minutes at the end of each call on what helped.",
}


def _agreement(**changes) -> dict:
    return {**AGREEMENT, **changes}


def _shift(model, pk, **values) -> None:
    with scopes_disabled():
        assert model.objects.filter(pk=pk).update(**values) == 1


# =====================================================================================
# (a) The society (seed 000): committee-run, both consent
# =====================================================================================

SOCIETY_AREAS = [
    "Building a referral pipeline",
    "Balancing professional and personal life",
    "Pursuing leadership opportunities",
    "Dealing with medico-legal issues",
]
MENTOR = "Helen Okafor"
MENTEE = "Samuel Lindqvist"


def test_society_journey(make_page, live_server, settings, tmp_path):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    shot = j.Screenshots("society")
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Dana Whitfield")
    committee = MembershipFactory(organization=society, is_committee=True, user__full_name="Ruth Abernathy")
    mentor = MembershipFactory(organization=society, status="member", user__full_name=MENTOR)
    ProfileFactory(
        membership=mentor,
        specialty="General surgery",
        year_started_practice=timezone.localdate().year - 15,
        practice_setting="community",
    )
    mentee = MembershipFactory(organization=society, status="candidate", user__full_name=MENTEE)
    ProfileFactory(
        membership=mentee,
        specialty="General surgery",
        year_started_practice=timezone.localdate().year - 2,
        practice_setting="community",
    )
    program_name = "Mentorship Program"

    # 1. The coordinator creates the program with the seed's rules.
    office = make_page()
    j.sign_in(office, coordinator.user.email)
    j.create_program(
        office,
        society,
        name=program_name,
        slug="mentorship",
        description="Pairs seasoned surgeons with less experienced surgeons; the committee proposes each pairing.",
        model="committee",
        min_commitment_months=12,
        meeting_cadence="quarterly",
        in_person_cadence="",
        first_meeting_days=30,
        six_month_assessment=True,
        yearly_review=True,
        quarterly_reports=False,
        default_mentees=1,
        max_mentees=2,
        mentor_statuses=["Member", "Candidate member"],
        mentee_statuses=["Member", "Candidate member"],
        mentor_min_years=8,
        goal_areas=SOCIETY_AREAS,
    )
    expect(office.get_by_text("At least 8 years in practice.")).to_be_visible()
    shot(office, "program created")
    with scopes_disabled():
        program = Program.objects.get(organization=society, slug="mentorship")
    assert (program.model, program.meeting_cadence, program.min_commitment_months) == ("committee", "quarterly", 12)

    # 2. The mentee applies; eligibility is checked on submission.
    mentee_page = make_page()
    j.sign_in(mentee_page, mentee.user.email)
    j.apply(
        mentee_page,
        society,
        program_name,
        "mentee",
        goals="Build a referral pipeline for a new rural practice.",
        area="Building a referral pipeline",
        mode="Video",
    )
    j.submit_application(mentee_page)
    shot(mentee_page, "mentee applied and is eligible")

    # The mentor applies; with 15 years in practice they meet the 8-year rule.
    mentor_page = make_page()
    j.sign_in(mentor_page, mentor.user.email)
    j.apply(
        mentor_page,
        society,
        program_name,
        "mentor",
        goals="Fifteen years of community general surgery; happy to help build referrals.",
        area="Building a referral pipeline",
        mode="Video",
    )
    j.submit_application(mentor_page)
    shot(mentor_page, "mentor applied and is eligible")
    with scopes_disabled():
        assert set(Application.objects.filter(program=program).values_list("role", "eligible")) == {
            (Role.MENTEE, True),
            (Role.MENTOR, True),
        }

    # 3. The coordinator accepts both applications.
    j.to_program(office, program_name)
    j.accept_application(office, program_name, MENTEE, "Welcome to the program.")
    j.accept_application(office, program_name, MENTOR, "Thank you for volunteering.")
    shot(office, "both applications accepted")

    # 4. The committee proposal: the engine runs and its pairing goes to the committee.
    office.get_by_role("link", name="Match rounds", exact=True).click()
    office.get_by_role("button", name="Run the engine").click()
    expect(office.locator("#round-status")).to_have_text("Complete")
    expect(office.locator("article").filter(has_text=f"{MENTOR} → {MENTEE}")).to_have_count(1)
    office.get_by_role("button", name="Send these pairings to the committee").click()
    expect(office.get_by_role("alert")).to_contain_text("1 pairing sent to the committee.")
    shot(office, "proposal sent to the committee")
    review_email = next(m for m in mail.outbox if m.to == [committee.user.email])

    # 5. Committee approval: a member votes from the email's link, the coordinator offers it.
    member_page = make_page()
    j.sign_in(member_page, committee.user.email)
    member_page.goto(j.link_in(review_email, live_server.url, r"/review/$"))
    expect(member_page.get_by_role("heading", level=1)).to_have_text("Pairings awaiting the committee")
    review = member_page.locator("article").filter(has_text=f"{MENTOR} to mentor {MENTEE}")
    review.get_by_label("Comment (optional)").fill("Same specialty and setting; a good first pairing.")
    review.get_by_role("button", name=f"Approve the pairing of {MENTOR} and {MENTEE}", exact=True).click()
    expect(member_page.get_by_role("alert")).to_contain_text("Your vote is recorded.")
    shot(member_page, "committee member approves")
    j.to_program(office, program_name)
    office.locator("#main").get_by_role("link", name="Committee review", exact=True).click()
    office.get_by_role("button", name="Approve and offer").click()
    expect(office.get_by_role("alert")).to_contain_text("Approved: the pairing is offered to both.")
    shot(office, "coordinator approves and offers")

    # 6. Both consent.
    j.open_dashboard(mentor_page, society)
    j.accept_offer(mentor_page, f"Mentor {MENTEE}")
    expect(mentor_page.get_by_role("alert")).to_contain_text("The pairing becomes final when the other person")
    shot(mentor_page, "mentor consents")
    j.open_dashboard(mentee_page, society)
    j.accept_offer(mentee_page, f"Be mentored by {MENTOR}")
    expect(mentee_page.get_by_role("alert")).to_contain_text("You have both accepted: your mentorship has started.")
    expect(mentee_page.locator("#mentorship-status")).to_have_text("Active")
    shot(mentee_page, "mentee consents and the mentorship starts")
    relationship = mentee_page.url
    with scopes_disabled():
        mentorship = Mentorship.objects.get(program=program)
        assert (mentorship.mentor, mentorship.mentee, mentorship.origin) == (mentor, mentee, "proposal")
        assert Vote.objects.get().decision == "approve"
        assert Proposal.objects.get().status == "confirmed"
        assert MatchRound.objects.get().status == "sent"

    # 7. The agreement: the mentee drafts it, both sign.
    j.write_agreement(mentee_page, AGREEMENT)
    mentor_page.goto(relationship)
    mentor_page.get_by_role("link", name=re.compile("Open the agreement")).click()
    expect(mentor_page.get_by_label("Goals")).to_have_value(AGREEMENT["Goals"])
    j.sign_agreement(mentor_page, MENTOR)
    expect(mentor_page.get_by_role("alert")).to_contain_text("You signed")
    mentee_page.reload()
    j.sign_agreement(mentee_page, MENTEE)
    expect(mentee_page.get_by_role("alert")).to_contain_text("Signed by both of you")
    expect(mentee_page.locator("#agreement-status")).to_have_text("Signed")
    shot(mentee_page, "agreement signed by both")
    with scopes_disabled():
        assert Agreement.objects.get(mentorship=mentorship).status == "signed"

    # 8. The quarterly meeting: the mentee schedules it and writes the agenda; the mentor logs it.
    mentee_page.goto(relationship)
    mentee_page.get_by_role("link", name="Open your meetings").click()
    j.schedule_meeting(mentee_page, j.days_from_now(7))
    j.write_agenda(mentee_page, "Referral letters that work; how to approach the two nearest practices.")
    shot(mentee_page, "quarterly meeting scheduled with an agenda")
    with scopes_disabled():
        meeting = Meeting.objects.get(mentorship=mentorship)
    # Time passes: the pairing began three months ago and the meeting took place yesterday.
    _shift(Mentorship, mentorship.pk, started_on=j.months_ago(3))
    _shift(Meeting, meeting.pk, starts_at=timezone.now() - timedelta(days=1))
    mentor_page.goto(relationship)
    mentor_page.get_by_role("link", name="Open your meetings").click()
    mentor_page.get_by_role("link", name=re.compile(r"\d{4}")).first.click()
    expect(mentor_page.locator("#agenda-text")).to_contain_text("Referral letters that work")
    j.log_meeting(mentor_page, "Drafted a referral letter together and listed the practices to visit.")
    shot(mentor_page, "quarterly meeting logged")

    # 9. The program office circulates a feedback survey to mentors and mentees.
    j.program_office(office, "Surveys")
    office.get_by_role("link", name="New survey").click()
    office.get_by_label(re.compile(r"^\s*Title")).fill("How is the program going?")
    office.get_by_label("Program", exact=True).select_option(label=program_name)
    office.get_by_label(re.compile(r"^\s*Who receives it")).select_option(label="Mentors and mentees")
    office.get_by_label("Once").check()
    office.get_by_role("button", name="Create the survey").click()
    expect(office.get_by_role("alert")).to_contain_text("Survey created as a draft")
    form = office.locator("section[aria-labelledby='add-heading']")
    form.get_by_label(re.compile(r"^\s*Kind of question")).select_option(label="Agree / disagree (5 points)")
    form.get_by_label(re.compile(r"^\s*Question")).fill("The program helps my career.")
    form.get_by_role("button", name="Add the question").click()
    expect(office.get_by_role("alert")).to_contain_text("Question added")
    office.get_by_role("button", name="Activate the survey").click()
    expect(office.locator("#survey-status")).to_have_text("Active")
    shot(office, "feedback survey activated")

    # 10. The reminder: the daily scan invites both to the survey by email.
    sent = j.run_reminder_scan()
    invites = [m for m in sent if "How is the program going?: your answers, please" in m.subject]
    assert sorted(m.to[0] for m in invites) == sorted([mentor.user.email, mentee.user.email])
    to_mentee = next(m for m in invites if m.to == [mentee.user.email])
    assert to_mentee.subject == "[Western Surgical Society] How is the program going?: your answers, please"
    # A meeting was held yesterday: no check-in reminder yet.
    assert not [m for m in sent if "Time to check in" in m.subject]

    # 11. The mentee follows the link and answers.
    mentee_page.goto(j.link_in(to_mentee, live_server.url, r"/surveys/answer/"))
    expect(mentee_page.locator("#anonymous-notice")).to_contain_text("Your answers are anonymous")
    mentee_page.get_by_label("Agree", exact=True).check()
    mentee_page.get_by_role("button", name="Send my answers").click()
    expect(mentee_page.get_by_role("alert")).to_contain_text("Thank you")
    shot(mentee_page, "survey answered from the reminder")

    with scopes_disabled():
        invitation = SurveyInvitation.objects.get(membership=mentee)
        assert invitation.answered and invitation.responded_on is None  # anonymous: not even the day
        assert SurveyResponse.objects.filter(respondent=None).count() == 1
        assert Reminder.objects.filter(recipient=mentee, kind="survey", status="sent").count() == 1


# =====================================================================================
# (b) The department (seed 002): hubs, top-3 ranking, allocation by the office
# =====================================================================================

SENIOR = "Ingrid Halvorsen"
HUB_MENTOR = "Rafael Mendes"
SECOND_HUB_MENTOR = "Chen Wei"
FACULTY = "Aiko Tanaka"
HUBS = [
    ("Airway outcomes", "Multicentre studies of difficult-airway outcomes and registry work."),
    ("Simulation education", "Crisis resource management courses for residents and nurses."),
    ("Perioperative pain", "Opioid-sparing pathways after major surgery."),
]


def _member_label(membership) -> str:
    return f"{membership.user.full_name} ({membership.user.email})"


def _add_hub(office, name: str, description: str, mentor, capacity: int) -> None:
    """Hub catalogue → Add hub → its mentor, from the hub's page."""
    office.get_by_role("link", name="Add hub", exact=True).first.click()
    expect(office.get_by_role("heading", level=1)).to_have_text("New hub")
    office.get_by_label(re.compile(r"^\s*Name")).fill(name)
    office.get_by_label(re.compile(r"^\s*Theme")).select_option(index=0)
    office.get_by_label("Description").fill(description)
    office.get_by_role("button", name="Create hub").click()
    expect(office.get_by_role("alert")).to_contain_text(f"Created the hub {name}. Add its mentors below.")
    if mentor:
        form = office.locator("form").filter(has=office.get_by_role("button", name="Add mentor"))
        # The picker searches the members (issue 17): type the address, search (the button
        # works whether or not the as-you-type search has loaded), choose the one result.
        office.get_by_label("Find a member by name or email").fill(mentor.user.email)
        office.locator("#mentor-search-form").get_by_role("button", name="Search").click()
        expect(office.get_by_role("radio")).to_have_count(1, timeout=15_000)
        office.get_by_role("radio", name=re.compile(re.escape(mentor.user.full_name))).check()
        form.get_by_label(re.compile(r"^\s*Capacity")).fill(str(capacity))
        form.get_by_role("button", name="Add mentor").click()
        expect(office.get_by_role("alert")).to_contain_text(f"Added {mentor.user.full_name} as a mentor in {name}.")
    office.get_by_role("navigation", name="breadcrumb").get_by_role("link", name="Hubs").click()


def test_department_journey(make_page, live_server, settings, tmp_path):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    shot = j.Screenshots("department")
    department = OrganizationFactory(name="Department of Anesthesiology", slug="anesthesiology")
    coordinator = MembershipFactory(
        organization=department, status="faculty", is_coordinator=True, user__full_name="Omar Faculty-Affairs"
    )
    senior = MembershipFactory(organization=department, status="faculty", user__full_name=SENIOR)
    hub_mentor = MembershipFactory(organization=department, status="faculty", user__full_name=HUB_MENTOR)
    second_mentor = MembershipFactory(organization=department, status="faculty", user__full_name=SECOND_HUB_MENTOR)
    faculty = MembershipFactory(organization=department, status="faculty", user__full_name=FACULTY)
    program_name = "Faculty Mentorship Program"

    # 1. The Office of Faculty Affairs creates the program with the seed's settings.
    office = make_page()
    j.sign_in(office, coordinator.user.email)
    j.create_program(
        office,
        department,
        name=program_name,
        slug="faculty-mentorship",
        description="Pairs each faculty member with a hub mentor; senior mentors lead the affinity groups.",
        model="hubs",
        min_commitment_months=12,
        meeting_cadence="monthly",
        in_person_cadence="quarterly",
        first_meeting_days=30,
        six_month_assessment=True,
        yearly_review=True,
        quarterly_reports=True,
        default_mentees=2,
        max_mentees=3,
        mentor_statuses=["Faculty"],
        mentee_statuses=["Faculty"],
        goal_areas=["Writing grants and finding funding", "Preparing for promotion", "Teaching effectively"],
    )
    shot(office, "program created")
    with scopes_disabled():
        program = Program.objects.get(organization=department, slug="faculty-mentorship")
    assert (program.model, program.quarterly_reports, program.in_person_cadence) == ("hubs", True, "quarterly")

    # 2. Hubs: an affinity group led by a senior mentor, three hubs, their mentors and capacity.
    office.get_by_role("link", name="Browse the hubs").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Hubs of scholarly excellence")
    office.get_by_role("link", name="Create the first affinity group").click()
    office.get_by_label(re.compile(r"^\s*Name")).fill("Research and discovery")
    office.get_by_label("Description").fill("Clinical research, registries and education research.")
    office.get_by_label("Senior mentor").select_option(label=_member_label(senior))
    office.get_by_role("button", name="Create group").click()
    expect(office.get_by_role("alert")).to_contain_text("Created the affinity group Research and discovery.")
    _add_hub(office, *HUBS[0], hub_mentor, 2)
    _add_hub(office, *HUBS[1], second_mentor, 1)
    _add_hub(office, *HUBS[2], None, 0)
    expect(office.locator("#hub-count")).to_contain_text("3 hubs")
    expect(office.get_by_text(f"Senior mentor: {SENIOR}")).to_be_visible()
    shot(office, "hubs and mentors")

    # 3. A faculty member ranks their top three hubs.
    page = make_page()
    j.sign_in(page, faculty.user.email)
    j.open_program(page, department, program_name)
    page.get_by_role("button", name="Apply as a mentee").click()
    page.get_by_label("First choice").select_option(label=HUBS[0][0])
    page.get_by_label("Second choice").select_option(label=HUBS[1][0])
    page.get_by_label("Third choice").select_option(label=HUBS[2][0])
    page.get_by_label("Your goals").fill("Build an airway-outcomes research line toward promotion.")
    page.get_by_label("Writing grants and finding funding", exact=True).check()
    page.get_by_label("In person", exact=True).check()
    page.get_by_label("I accept the program's guiding principles listed above.").check()
    j.submit_application(page)
    shot(page, "top three hubs ranked")
    with scopes_disabled():
        ranks = list(
            HubChoice.objects.filter(application__membership=faculty)
            .order_by("rank")
            .values_list("hub__name", flat=True)
        )
    assert ranks == [name for name, _ in HUBS]

    # 4. Allocation: the office accepts the application, runs the engine and offers the pairing.
    j.open_program(office, department, program_name)
    j.accept_application(office, program_name, FACULTY, "Welcome; we will pair you within your hubs.")
    office.get_by_role("link", name="Match rounds", exact=True).click()
    office.get_by_role("button", name="Run the engine").click()
    expect(office.locator("#round-status")).to_have_text("Complete")
    expect(office.locator("article").filter(has_text=f"{HUB_MENTOR} → {FACULTY}")).to_have_count(1)
    shot(office, "allocation proposed by preference and capacity")
    office.get_by_role("button", name="Offer these pairings to the people concerned").click()
    expect(office.get_by_role("alert")).to_contain_text("1 pairing sent to the people concerned.")
    mentor_page = make_page()
    j.sign_in(mentor_page, hub_mentor.user.email)
    j.open_dashboard(mentor_page, department)
    j.accept_offer(mentor_page, f"Mentor {FACULTY}")
    j.open_dashboard(page, department)
    j.accept_offer(page, f"Be mentored by {HUB_MENTOR}")
    expect(page.get_by_role("alert")).to_contain_text("You have both accepted: your mentorship has started.")
    expect(page.locator("main")).to_contain_text("first meeting within 30 days")
    shot(page, "allocated and both accepted")
    relationship = page.url
    with scopes_disabled():
        mentorship = Mentorship.objects.get(program=program, origin="proposal")
        assert (mentorship.mentor, mentorship.mentee) == (hub_mentor, faculty)
        assert Proposal.objects.get(program=program).hub_rank == 1

    # 5. The first report and agreement, within a month: the first meeting, then both sign.
    page.get_by_role("link", name="Open your meetings").click()
    first_meeting = j.days_from_now(10)
    j.schedule_meeting(page, first_meeting, mode="in_person", place="Anesthesiology offices, room 4")
    j.write_agenda(page, "My academic track and what promotion needs; a portfolio in the airway hub.")
    with scopes_disabled():
        meeting = Meeting.objects.get(mentorship=mentorship)
    assert (timezone.localdate(meeting.starts_at) - mentorship.started_on).days <= 30
    # Ten days later the meeting has taken place.
    _shift(Meeting, meeting.pk, starts_at=timezone.now() - timedelta(hours=3))
    mentor_page.goto(relationship)
    mentor_page.get_by_role("link", name="Open your meetings").click()
    mentor_page.get_by_role("link", name=re.compile(r"\d{4}")).first.click()
    j.log_meeting(mentor_page, "Agreed a role in the registry project and the promotion timeline.")
    shot(mentor_page, "first meeting within the month logged")
    page.goto(relationship)
    j.write_agreement(
        page,
        _agreement(
            Goals="First report: lead the registry's difficult-airway analysis; submit an abstract this year.",
            **{"Meeting schedule": "Monthly email updates; in person every quarter."},
        ),
    )
    mentor_page.goto(relationship)
    mentor_page.get_by_role("link", name=re.compile("Open the agreement")).click()
    j.sign_agreement(mentor_page, HUB_MENTOR)
    expect(mentor_page.get_by_role("alert")).to_contain_text("You signed")
    page.reload()
    j.sign_agreement(page, FACULTY)
    expect(page.locator("#agreement-status")).to_have_text("Signed")
    shot(page, "first report and agreement signed")
    with scopes_disabled():
        agreement = Agreement.objects.get(mentorship=mentorship)
    assert agreement.status == "signed"
    assert (timezone.localdate(agreement.signed_at) - mentorship.started_on).days <= 30

    # 6. The joint quarterly report: the mentee writes and confirms, the mentor confirms.
    year, quarter = quarter_of(timezone.localdate())
    label = f"Q{quarter} {year}"
    page.goto(relationship)
    page.get_by_role("link", name="Your quarterly reports").click()
    page.get_by_role("link", name=f"Write the {label} report").first.click()
    page.get_by_label("Goals achieved").fill("Joined the registry project; first meeting and agreement done.")
    page.get_by_label("Plans for the next quarter").fill("Draft the abstract; present at the hub meeting.")
    page.get_by_label("Barriers to ongoing success").fill("Clinical load leaves one research day a month.")
    page.get_by_role("button", name="Save the report").click()
    page.get_by_role("button", name="Confirm and submit").click()
    expect(page.locator("#report-status")).to_have_text("Mentee confirmed")
    confirm = next(m for m in mail.outbox if m.to == [hub_mentor.user.email] and "confirmed the" in m.subject)
    mentor_page.goto(j.link_in(confirm, live_server.url, r"/reports/\d+/\d/$"))
    mentor_page.get_by_role("button", name="Confirm and submit").click()
    expect(mentor_page.locator("#report-status")).to_have_text("Submitted")
    shot(mentor_page, "joint quarterly report submitted")
    office.goto("/o/anesthesiology/programs/faculty-mentorship/reports/")
    expect(office.locator("#report-table tbody tr").filter(has_text=HUB_MENTOR)).to_contain_text("Submitted")
    shot(office, "office sees the quarterly report")
    with scopes_disabled():
        assert QuarterlyReport.objects.get(mentorship=mentorship).submitted_at is not None

    # 7. The senior mentor review: hub mentors are paired with their group's senior mentor...
    j.open_program(office, department, program_name)
    office.get_by_role("button", name="Pair hub mentors with their senior mentors").click()
    expect(office.get_by_role("alert")).to_contain_text("Paired 2 hub mentors with their senior mentor.")
    shot(office, "hub mentors paired with the senior mentor")
    with scopes_disabled():
        coaching = Mentorship.objects.get(program=program, origin="senior", mentee=hub_mentor)
        assert coaching.mentor == senior
    # ... six months pass (the coaching pairing and the hub pair began half a year ago),
    _shift(Mentorship, coaching.pk, started_on=j.months_ago(6))
    # ... and the daily scan reminds the senior mentor and the hub mentor of the 6-monthly review.
    sent = j.run_reminder_scan()
    review_reminders = [m for m in sent if "The 6-monthly hub review with" in m.subject]
    assert sorted(m.to[0] for m in review_reminders) == sorted([senior.user.email, hub_mentor.user.email])
    to_senior = next(m for m in review_reminders if m.to == [senior.user.email])
    assert f"The 6-monthly hub review with {HUB_MENTOR} is due by" in to_senior.subject
    senior_page = make_page()
    j.sign_in(senior_page, senior.user.email)
    senior_page.goto(j.link_in(to_senior, live_server.url, r"/meetings/$"))
    j.schedule_meeting(senior_page, j.days_from_now(3), mode="in_person", place="Department library")
    shot(senior_page, "senior mentor schedules the hub review")
    with scopes_disabled():
        review_meeting = Meeting.objects.get(mentorship=coaching)
    # Three days later the review has taken place.
    _shift(Meeting, review_meeting.pk, starts_at=timezone.now() - timedelta(hours=2))
    senior_page.reload()
    j.log_meeting(senior_page, "The airway hub is on track; Rafael's mentee has a registry role and a plan.")
    shot(senior_page, "senior mentor review logged")
    # Settled: the next scan has no review reminder for this half-year.
    assert not [m for m in j.run_reminder_scan() if "6-monthly hub review" in m.subject]


# =====================================================================================
# (c) The alumni program (seed 003): biosketches, self-selection, yearly re-assessment
# =====================================================================================

ALUMNA = "Grace Oyelaran"
ALUMNUS = "Marcus Bell"
TRAINEE = "Tomás Ruiz"
ATTESTATION = "I am a graduate of the program and volunteer as a virtual mentor."


def _biosketch_and_volunteer(page, network, program_name, *, year, institution, clinical, research, bio) -> None:
    """An alumnus writes their biosketch (My profile), then volunteers as a mentor."""
    j.open_dashboard(page, network)
    j.nav(page, "My profile")
    page.get_by_label("Graduation year").fill(str(year))
    page.get_by_label("Current institution").fill(institution)
    page.get_by_label("Clinical interests").fill(clinical)
    page.get_by_label("Research interests").fill(research)
    page.get_by_label("Short bio").fill(bio)
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("alert")).to_contain_text("Your profile was saved.")
    j.apply(page, network, program_name, "mentor", goals=bio, area="Career planning", mode="Video")
    page.get_by_label(ATTESTATION).check()
    j.submit_application(page)


def test_alumni_journey(make_page, live_server, settings, tmp_path):
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path
    shot = j.Screenshots("alumni")
    network = OrganizationFactory(name="Radiation Oncology Alumni Network", slug="alumni")
    lead = MembershipFactory(organization=network, is_coordinator=True, user__full_name="Priya Lead")
    alumna = MembershipFactory(organization=network, status="alumni", user__full_name=ALUMNA)
    alumnus = MembershipFactory(organization=network, status="alumni", user__full_name=ALUMNUS)
    trainee = MembershipFactory(organization=network, status="trainee", user__full_name=TRAINEE)
    program_name = "Alumni Mentoring Program"

    # 1. The program leads create the program with the seed's settings.
    office = make_page()
    j.sign_in(office, lead.user.email)
    j.create_program(
        office,
        network,
        name=program_name,
        slug="alumni-mentoring",
        description="Alumni volunteer as virtual mentors; trainees read their biosketches and ask one.",
        model="self_select",
        min_commitment_months=12,
        meeting_cadence="twice_yearly",
        in_person_cadence="",
        first_meeting_days=60,
        six_month_assessment=False,
        yearly_review=True,
        quarterly_reports=False,
        default_mentees=1,
        max_mentees=2,
        mentor_statuses=["Alumni"],
        mentee_statuses=["Trainee"],
        mentor_attestations=ATTESTATION,
        goal_areas=["Career planning", "Fellowship applications", "Research"],
    )
    shot(office, "program created")
    with scopes_disabled():
        program = Program.objects.get(organization=network, slug="alumni-mentoring")
    assert (program.model, program.meeting_cadence, program.yearly_review) == ("self_select", "twice_yearly", True)

    # 2. Biosketches: two alumni write theirs and volunteer.
    grace = make_page()
    j.sign_in(grace, alumna.user.email)
    _biosketch_and_volunteer(
        grace,
        network,
        program_name,
        year=2009,
        institution="Lakeshore Cancer Centre",
        clinical="Head and neck radiotherapy",
        research="Adaptive radiotherapy",
        bio="Fifteen years at Lakeshore; I enjoy helping trainees choose between academia and community practice.",
    )
    shot(grace, "biosketch written and mentor application eligible")
    marcus = make_page()
    j.sign_in(marcus, alumnus.user.email)
    _biosketch_and_volunteer(
        marcus,
        network,
        program_name,
        year=2014,
        institution="Northern Community Hospital",
        clinical="Palliative radiotherapy",
        research="Rural access to care",
        bio="Community practice in the north; happy to talk about practice outside a big centre.",
    )
    with scopes_disabled():
        assert Profile.objects.get(membership=alumna).institution == "Lakeshore Cancer Centre"

    # 3. The trainee applies, reads the biosketches and asks Grace.
    page = make_page()
    j.sign_in(page, trainee.user.email)
    j.apply(
        page,
        network,
        program_name,
        "mentee",
        goals="Decide on an academic career path.",
        area="Career planning",
        mode="Video",
    )
    j.submit_application(page)
    j.to_program(page, program_name)
    page.get_by_role("link", name="Browse mentors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentors' biosketches")
    card = page.locator("article").filter(has=page.get_by_role("heading", name=ALUMNA))
    expect(card).to_contain_text("Lakeshore Cancer Centre")
    expect(card).to_contain_text("2009")
    shot(page, "trainee reads the biosketches")
    card.get_by_role("link", name="Ask to be my mentor").click()
    page.get_by_label("Your message to the mentor").fill(
        "I am a PGY-3 deciding on an academic career; the program leads suggested your name."
    )
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Your request is on its way to {ALUMNA}.")
    shot(page, "trainee requests a mentor")

    # 4. The mentor accepts, from the link in the request email.
    received = next(m for m in mail.outbox if m.to == [alumna.user.email] and TRAINEE in m.subject)
    grace.goto(j.link_in(received, live_server.url, r"/requests/$"))
    grace.get_by_role("button", name=f"Accept {TRAINEE}").click()
    expect(grace.get_by_role("alert")).to_contain_text(f"You are now mentoring {TRAINEE}.")
    expect(grace.locator("#mentorship-status")).to_have_text("Active")
    shot(grace, "mentor accepts")
    relationship = grace.url
    with scopes_disabled():
        mentorship = Mentorship.objects.get(program=program)
    assert (mentorship.mentor, mentorship.mentee, mentorship.origin) == (alumna, trainee, "request")

    # 5. The agreement, signed by both.
    page.goto(relationship)
    j.write_agreement(page, _agreement(**{"Meeting schedule": "Video calls at least twice a year; agenda from me."}))
    grace.goto(relationship)
    grace.get_by_role("link", name=re.compile("Open the agreement")).click()
    j.sign_agreement(grace, ALUMNA)
    expect(grace.get_by_role("alert")).to_contain_text("You signed")
    page.reload()
    j.sign_agreement(page, TRAINEE)
    expect(page.locator("#agreement-status")).to_have_text("Signed")
    shot(page, "agreement signed")

    # 6. Twice-yearly meetings, each with the mentee's agenda (a personal development plan).
    # Time passes: the pairing and its agreement date from a year ago.
    year_ago = j.months_ago(12)
    _shift(Mentorship, mentorship.pk, started_on=year_ago)
    with scopes_disabled():
        agreement = Agreement.objects.get(mentorship=mentorship)
    _shift(Agreement, agreement.pk, signed_at=timezone.now() - (timezone.localdate() - year_ago))
    for months_back, agenda, summary in (
        (10, "PDP: choose a research question; timeline for the fellowship decision.", "Chose the question."),
        (4, "PDP: fellowship interviews; first abstract; work-life balance.", "Rehearsed interview answers."),
    ):
        page.goto(relationship)
        page.get_by_role("link", name="Open your meetings").click()
        j.schedule_meeting(page, j.days_from_now(5))
        j.write_agenda(page, agenda)
        meeting_url = page.url
        with scopes_disabled():
            meeting = Meeting.objects.filter(mentorship=mentorship).latest("pk")
        # The meeting took place months ago (dates moved back).
        _shift(Meeting, meeting.pk, starts_at=timezone.now() - timedelta(days=30 * months_back))
        grace.goto(meeting_url)
        expect(grace.locator("#agenda-text")).to_contain_text(agenda[:20])
        j.log_meeting(grace, summary)
        shot(grace, f"meeting {months_back} months ago logged")
    with scopes_disabled():
        assert Meeting.objects.filter(mentorship=mentorship, status="held").count() == 2

    # 7. The one-year re-assessment: the daily scan opens the review and reminds both.
    sent = j.run_reminder_scan()
    review_emails = [m for m in sent if "Your yearly review with" in m.subject]
    assert sorted(m.to[0] for m in review_emails) == sorted([alumna.user.email, trainee.user.email])
    to_trainee = next(m for m in review_emails if m.to == [trainee.user.email])
    page.goto(j.link_in(to_trainee, live_server.url, r"/review/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Yearly review")
    page.get_by_label("Conclude the mentorship").check()
    page.get_by_label("Comment (optional)").fill("I have chosen my path; thank you for a wonderful year.")
    page.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_role("alert")).to_contain_text("The other person has been asked to answer too.")
    shot(page, "trainee answers the yearly review")
    to_grace = next(m for m in review_emails if m.to == [alumna.user.email])
    grace.goto(j.link_in(to_grace, live_server.url, r"/review/$"))
    grace.get_by_label("Conclude the mentorship").check()
    grace.get_by_role("button", name="Save my answer").click()
    expect(grace.get_by_role("alert")).to_contain_text("Your review is complete: the mentorship has concluded.")
    shot(grace, "mentor answers and the mentorship concludes")
    with scopes_disabled():
        mentorship.refresh_from_db()
        review = YearlyReview.objects.get(mentorship=mentorship)
    assert (mentorship.status, mentorship.end_reason) == ("concluded", "concluded")
    assert review.outcome == "conclude"

    # 8. Concluded, and a new pairing: the trainee chooses a new mentor; Marcus accepts.
    concluded = next(m for m in mail.outbox if trainee.user.email in m.to and "has reached its conclusion" in m.body)
    page.goto(j.link_in(concluded, live_server.url, r"/programs/alumni-mentoring/$"))
    page.get_by_role("link", name="Browse mentors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentors' biosketches")
    card = page.locator("article").filter(has=page.get_by_role("heading", name=ALUMNUS))
    card.get_by_role("link", name="Ask to be my mentor").click()
    page.get_by_label("Your message to the mentor").fill(
        "My first mentorship concluded; I would value a community view."
    )
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Your request is on its way to {ALUMNUS}.")
    shot(page, "trainee asks a new mentor")
    j.open_dashboard(marcus, network)
    j.my_mentorships(marcus).get_by_role("link", name="Mentorship requests").click()
    marcus.get_by_role("button", name=f"Accept {TRAINEE}").click()
    expect(marcus.get_by_role("alert")).to_contain_text(f"You are now mentoring {TRAINEE}.")
    shot(marcus, "new pairing formed")
    with scopes_disabled():
        pairs = dict(Mentorship.objects.filter(program=program, mentee=trainee).values_list("mentor", "status"))
        assert MentorshipRequest.objects.filter(program=program, mentee=trainee, status="accepted").count() == 2
    assert pairs == {alumna.pk: "concluded", alumnus.pk: "active"}
