"""Shared steps for the seed journeys (tests/browser/test_seed_journeys.py): signing in,
finding a program, creating one through "Programs → New program", signing an agreement,
scheduling and logging a meeting, running the daily reminder scan, and a screenshot of
every step.

Screenshots go to ``$TEST_ARTIFACTS_DIR/<journey>/NN-step.png``; without the variable, to
``test-results/seed-journeys/<journey>/`` at the repository root (ignored by git). CI can
upload that folder as the run's artifacts.
"""

import os
import re
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

from django.core import mail
from django.utils import timezone
from django.utils.text import slugify
from playwright.sync_api import expect

from tests.factories import PASSWORD

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_ROOT = Path(os.environ.get("TEST_ARTIFACTS_DIR") or REPO_ROOT / "test-results" / "seed-journeys")


class Screenshots:
    """Numbered full-page screenshots of one journey; the folder starts empty each run."""

    def __init__(self, journey: str):
        self.folder = ARTIFACTS_ROOT / journey
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0
        self.started = time.monotonic()

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{slugify(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        with open(self.folder / "steps.txt", "a") as log:
            log.write(f"{time.monotonic() - self.started:6.1f}s  {path.name}\n")
        return path


# --- Finding one's way -----------------------------------------------------------------------


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    # A person in one organization lands on its dashboard; the journeys start from the list.
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/?all=1")
    expect(page.get_by_role("heading", name="My organizations")).to_be_visible()


def open_dashboard(page, organization) -> None:
    """From "My organizations" (the home page): the organization's dashboard."""
    if not page.locator("#my-organizations").count():
        page.goto("/?all=1")
    page.locator("#my-organizations").get_by_role("link", name=organization.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(organization.name)


def nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name=name).click()


def program_office(page, item: str) -> None:
    """The coordinators' "Program office" menu, then one of its pages."""
    menu = page.get_by_role("navigation", name="Main navigation")
    menu.get_by_role("button", name="Program office").click()
    menu.get_by_role("list", name="Program office").get_by_role("link", name=item).click()


def open_program(page, organization, program_name: str) -> None:
    """Dashboard → Programs → the program."""
    open_dashboard(page, organization)
    nav(page, "Programs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programs")
    page.get_by_role("link", name=program_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(program_name)


def to_program(page, program_name: str) -> None:
    """Back to the program page through the breadcrumb (unless already there)."""
    link = page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=program_name)
    if link.count():
        link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(program_name)


def my_mentorships(page):
    return page.get_by_role("region", name="My mentorships")


# --- Programs ------------------------------------------------------------------------------------


def create_program(
    page,
    organization,
    *,
    name: str,
    slug: str,
    description: str,
    model: str,
    min_commitment_months: int,
    meeting_cadence: str,
    in_person_cadence: str,
    first_meeting_days: int,
    six_month_assessment: bool,
    yearly_review: bool,
    quarterly_reports: bool,
    default_mentees: int,
    max_mentees: int,
    mentor_statuses: list[str],
    mentee_statuses: list[str],
    goal_areas: list[str],
    mentor_min_years: int | None = None,
    mentor_attestations: str = "",
) -> None:
    """A coordinator, from the dashboard: Programs → New program, the seed's settings, Create."""
    open_dashboard(page, organization)
    nav(page, "Programs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programs")
    page.get_by_role("link", name=re.compile(r"New program")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New program")
    page.locator("#id_name").fill(name)
    page.locator("#id_slug").fill(slug)
    page.locator("#id_description").fill(description)
    page.locator("#id_model").select_option(value=model)
    page.locator("#id_is_published").check()
    page.locator("#id_min_commitment_months").fill(str(min_commitment_months))
    # Mentees per mentor: shown for the dyad models only (peers and circles have no mentors' sides).
    if page.locator("#id_default_mentees_per_mentor").is_visible():
        page.locator("#id_default_mentees_per_mentor").fill(str(default_mentees))
        page.locator("#id_max_mentees_per_mentor").fill(str(max_mentees))
    page.locator("#id_meeting_cadence").select_option(value=meeting_cadence)
    page.locator("#id_in_person_cadence").select_option(value=in_person_cadence)
    page.locator("#id_first_meeting_days").fill(str(first_meeting_days))
    for field, on in (
        ("six_month_assessment", six_month_assessment),
        ("yearly_review", yearly_review),
        ("quarterly_reports", quarterly_reports),
    ):
        page.locator(f"#id_{field}").set_checked(on)
    for role, statuses in (("mentor", mentor_statuses), ("mentee", mentee_statuses)):
        group = page.locator(f"#div_id_{role}_statuses")
        for label in statuses:
            group.get_by_label(label, exact=True).check()
    if mentor_min_years is not None:
        page.locator("#id_mentor_min_years").fill(str(mentor_min_years))
    if mentor_attestations:
        page.locator("#id_mentor_attestations").fill(mentor_attestations)
    page.locator("#id_goal_areas").fill("\n".join(goal_areas))
    page.get_by_role("button", name="Create program").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{name} is set up.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def apply(page, organization, program_name: str, role: str, *, goals: str, area: str, mode: str, principles=True):
    """A member applies from the program page; returns with the application form shown."""
    open_program(page, organization, program_name)
    page.get_by_role("button", name=f"Apply as a {role}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your {role} application")
    label = "Your goals" if role == "mentee" else "What can you offer as a mentor?"
    page.get_by_label(label).fill(goals)
    page.get_by_label(area, exact=True).check()
    page.get_by_label(mode, exact=True).check()
    if principles:
        page.get_by_label("I accept the program's guiding principles listed above.").check()


def submit_application(page) -> None:
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator("#application-status")).to_have_text("Eligible")


def accept_application(office, program_name: str, person: str, message: str) -> None:
    """The coordinator, from the program page: Applications → the person → Accept."""
    office.get_by_role("link", name="Applications", exact=True).click()
    expect(office.get_by_role("heading", level=1)).to_have_text(f"Applications to {program_name}")
    office.get_by_role("link", name=person).click()
    expect(office.get_by_role("heading", level=1)).to_contain_text(person)
    expect(office.locator("#application-status")).to_have_text("Eligible")
    office.get_by_label("Accept").check()
    office.get_by_label("Message to the applicant").fill(message)
    office.get_by_role("button", name="Send decision").click()
    expect(office.get_by_role("alert")).to_contain_text(f"{person} is accepted")
    to_program(office, program_name)


def accept_offer(page, heading: str) -> None:
    """From the dashboard: "Proposed pairings", then accept the one offered."""
    my_mentorships(page).get_by_role("link", name="Proposed pairings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposed pairings")
    offer = page.locator("article").filter(has=page.get_by_role("heading", name=heading))
    expect(offer).to_have_count(1)
    offer.get_by_role("button", name="Accept this pairing").click()


# --- The relationship -------------------------------------------------------------------------------

AGREEMENT_FIELDS = (
    "Goals",
    "How success will be measured",
    "Meeting schedule",
    "Opportunities for learning",
    "Confidentiality",
    "Ground rules",
    "Feedback and evaluation",
)


def write_agreement(page, texts: dict[str, str]) -> None:
    """From the relationship page: open the agreement, start it, fill it, save the draft."""
    page.get_by_role("link", name=re.compile("Open the agreement")).click()
    page.get_by_role("button", name="Start the agreement").click()
    for label in AGREEMENT_FIELDS:
        page.get_by_label(label).fill(texts[label])
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Draft saved")


def sign_agreement(page, full_name: str) -> None:
    page.get_by_role("button", name="I agree to sign electronically").click()
    page.get_by_label(re.compile(r"^\s*Type your full name to sign\*?\s*$")).fill(full_name)
    page.get_by_label("I have read this agreement and I intend to sign it.").check()
    page.get_by_role("button", name=re.compile("^Sign version")).click()


def schedule_meeting(page, when, *, mode: str = "video", place: str = "https://meet.example.org/pair") -> None:
    """On the meetings page: schedule one at ``when`` (a datetime)."""
    page.get_by_label(re.compile(r"^\s*Date and time")).fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(re.compile(r"^\s*Duration")).fill("60")
    page.get_by_label("How you will meet").select_option(mode)
    page.get_by_label(re.compile(r"^\s*Place or link")).fill(place)
    page.get_by_role("button", name="Schedule the meeting").click()
    expect(page.get_by_role("alert")).to_contain_text("Meeting scheduled")


def write_agenda(page, agenda: str) -> None:
    page.get_by_role("textbox", name="Agenda").fill(agenda)
    page.get_by_role("button", name="Save the agenda").click()
    expect(page.get_by_role("alert")).to_contain_text("Agenda saved")


def log_meeting(page, summary: str, minutes: int = 60) -> None:
    """On a meeting's page: yes we met, how long, the summary, save."""
    page.get_by_label("Yes, we met").check()
    page.get_by_label(re.compile(r"^\s*Actual duration")).fill(str(minutes))
    page.get_by_role("textbox", name="Summary").fill(summary)
    page.get_by_role("button", name="Save the log").click()
    expect(page.get_by_role("alert")).to_contain_text("Meeting logged")
    expect(page.locator("#meeting-status")).to_have_text("Held")


# --- Time and reminders -----------------------------------------------------------------------------


def months_ago(months: int, today: date | None = None) -> date:
    from surveys.periods import add_months

    return add_months(today or timezone.localdate(), -months)


def days_from_now(days: int, hour: int = 15):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def run_reminder_scan(today: date | None = None) -> list:
    """The daily scan (Celery runs eagerly in tests, so the reminders are sent at once);
    returns the emails it sent."""
    from surveys import tasks

    before = len(mail.outbox)
    tasks.scan(today or timezone.localdate())
    return mail.outbox[before:]


def link_in(email, live_server_url: str, pattern: str) -> str:
    """The site-relative path of the first link in ``email`` whose path matches ``pattern``."""
    for url in re.findall(r"https?://\S+", email.body):
        path = url.replace(live_server_url, "")
        if re.search(pattern, path):
            return path
    raise AssertionError(f"no link matching {pattern!r} in:\n{email.body}")
