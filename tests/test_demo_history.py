"""The demo looks alive (issue 15): ``seed_demo`` builds a year of history per organization,
every date in it is where it would be, the README's sign-ins exist with their roles and real
data, and a second run changes nothing.

The demo is seeded once for the module (it seals PDFs with WeasyPrint: about a minute) inside
a transaction that is rolled back at the end, so the other modules see an empty database."""

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_scopes import scopes_disabled

from agreements.models import Agreement, AgreementStatus, Signature, SigningConsent
from agreements.pdf import verify_pdf
from demo.common import DEMO_PASSWORD
from demo.seed import PROGRAM_SLUGS, ROLE_SIGN_INS
from matching.models import MatchRound, MentorshipRequest, Proposal, ProposalStatus, RequestStatus, RoundStatus, Vote
from mentorship.models import User
from programs.models import Application, Membership, Program, ProgramModel
from relationships.models import Goal, Meeting, MeetingStatus, Mentorship, MentorshipStatus, Stage
from surveys.models import QuarterlyReport, Reminder, ReminderStatus, Survey
from surveys.periods import quarter_bounds
from surveys.services.results import survey_results

pytestmark = [pytest.mark.pdf, pytest.mark.django_db]

README = Path(__file__).resolve().parents[1] / "README.md"
SLUGS = ("western-surgical", "lakeshore-anesthesiology", "radonc-alumni")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seed once, inside an outer transaction the module's tests nest in; rolled back after."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            started = time.monotonic()
            call_command("seed_demo", "--i-know-this-is-not-production")
            seconds = time.monotonic() - started
            print(f"\nseed_demo took {seconds:.1f} s")
            yield seconds
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _programs():
    """Each organization's seed program (the department also runs a resident peer program)."""
    return {
        p.organization.slug: p
        for p in Program.objects.select_related("organization")
        if PROGRAM_SLUGS.get(p.organization.slug) == p.slug
    }


def _counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@scopes_disabled()
@pytest.mark.parametrize("slug", SLUGS)
def test_each_organization_has_dozens_of_relationships_in_every_stage(demo, slug):
    program = _programs()[slug]
    mentorships = Mentorship.objects.filter(program=program)
    assert mentorships.count() >= 22
    statuses = {s: mentorships.filter(status=s).count() for s in MentorshipStatus.values}
    assert statuses["active"] >= 15 and statuses["paused"] >= 1
    assert statuses["ended"] >= 1 and statuses["concluded"] >= 1
    stages = set(mentorships.filter(status="active").values_list("stage", flat=True))
    assert stages == {Stage.EXPLORATION, Stage.UNDERSTANDING, Stage.ACTION_PLANNING}
    # Proposed or offered, not yet a relationship.
    if program.model == ProgramModel.SELF_SELECT:
        assert MentorshipRequest.objects.filter(program=program, status=RequestStatus.OPEN).count() >= 2
        assert MentorshipRequest.objects.filter(program=program, status=RequestStatus.DECLINED).exists()
    else:
        assert Proposal.objects.filter(program=program, status=ProposalStatus.OFFERED).exists()
    if program.model == ProgramModel.COMMITTEE:
        assert Proposal.objects.filter(program=program, status=ProposalStatus.PROPOSED).count() >= 2
    for m in mentorships.select_related("mentor", "mentee"):
        assert m.organization_id == program.organization_id == m.mentor.organization_id == m.mentee.organization_id
        assert m.started_on <= timezone.localdate()
        if m.status in ("ended", "concluded"):
            assert m.ended_at and m.ended_at.date() > m.started_on and m.end_reason


@scopes_disabled()
@pytest.mark.parametrize("slug", SLUGS)
def test_meetings_span_the_year_and_never_precede_the_pairing(demo, slug):
    program = _programs()[slug]
    now = timezone.now()
    held = Meeting.objects.filter(mentorship__program=program, status=MeetingStatus.HELD)
    assert held.count() >= 50
    first, last = held.order_by("starts_at").first(), held.order_by("-starts_at").first()
    assert (last.starts_at - first.starts_at).days >= 270
    for meeting in Meeting.objects.filter(mentorship__program=program).select_related("mentorship"):
        mentorship = meeting.mentorship
        assert meeting.starts_at.date() >= mentorship.started_on
        assert meeting.created_at <= meeting.starts_at
        if meeting.status == MeetingStatus.HELD:
            assert meeting.summary and meeting.logged_by_id in (mentorship.mentor_id, mentorship.mentee_id)
            assert meeting.starts_at <= meeting.logged_at <= now
        else:
            assert mentorship.is_live
        if mentorship.ended_at:
            assert meeting.starts_at <= mentorship.ended_at
    # Some pairs have a meeting coming up; some have one to log.
    upcoming = Meeting.objects.filter(mentorship__program=program, status="scheduled", starts_at__gt=now)
    assert upcoming.count() >= 10
    assert Meeting.objects.filter(mentorship__program=program, status="scheduled", starts_at__lt=now).exists()


@scopes_disabled()
@pytest.mark.parametrize("slug", SLUGS)
def test_agreements_are_signed_after_the_pairing_started_and_some_are_sealed(demo, slug):
    program = _programs()[slug]
    signed = Agreement.objects.filter(mentorship__program=program, status=AgreementStatus.SIGNED)
    assert signed.count() >= 15
    for agreement in signed.select_related("mentorship"):
        signatures = list(Signature.objects.filter(agreement=agreement))
        assert len(signatures) == 2
        assert agreement.created_at.date() >= agreement.mentorship.started_on - timedelta(days=1)
        for signature in signatures:
            assert agreement.created_at < signature.signed_at <= agreement.signed_at <= timezone.now()
            assert signature.content_hash == agreement.content_hash
            consent = SigningConsent.objects.get(membership=signature.signer)
            assert consent.consented_at <= signature.signed_at
    sealed = signed.exclude(pdf="")
    assert sealed.count() >= 4
    for agreement in sealed:
        data = agreement.pdf.read()
        assert verify_pdf(data)[0], agreement
        assert agreement.pdf_sha256


@scopes_disabled()
@pytest.mark.parametrize("slug", SLUGS)
def test_reminders_reports_and_survey_results(demo, slug):
    program = _programs()[slug]
    now = timezone.now()
    reminders = Reminder.objects.filter(program=program, status=ReminderStatus.SENT)
    assert reminders.count() >= 40
    assert not reminders.filter(sent_at__gt=now).exists()
    assert not reminders.filter(sent_at__lt=F("created_at")).exists()
    for reminder in reminders.filter(mentorship__isnull=False).select_related("mentorship"):
        assert reminder.sent_at.date() >= reminder.mentorship.started_on
        assert reminder.recipient_id in (reminder.mentorship.mentor_id, reminder.mentorship.mentee_id)

    reports = QuarterlyReport.objects.filter(mentorship__program=program).select_related("mentorship")
    if program.quarterly_reports:
        assert reports.count() >= 20
    for report in reports:
        first, last = quarter_bounds(report.year, report.quarter)
        assert first <= report.submitted_at.date() <= last
        assert report.submitted_at.date() >= report.mentorship.started_on
        assert report.mentor_confirmed_revision == report.mentee_confirmed_revision == report.revision

    survey = Survey.objects.get(program=program)
    results = survey_results(survey)
    assert not results.hidden and results.released >= 10
    for role in ("mentor", "mentee"):
        assert survey_results(survey, role=role).released >= 5


@scopes_disabled()
@pytest.mark.parametrize("slug", ("western-surgical", "lakeshore-anesthesiology"))
def test_a_finished_and_a_running_match_round(demo, slug):
    program = _programs()[slug]
    rounds = list(MatchRound.objects.filter(program=program).order_by("created_at"))
    assert len(rounds) == 2
    finished, running = rounds
    assert finished.status == running.status == RoundStatus.SENT
    assert finished.finished_at < running.created_at <= timezone.now()
    assert not finished.proposals.filter(status__in=[ProposalStatus.PROPOSED, ProposalStatus.OFFERED]).exists()
    assert finished.proposals.filter(status=ProposalStatus.CONFIRMED, mentorship__isnull=False).count() >= 3
    assert running.proposals.filter(status__in=[ProposalStatus.PROPOSED, ProposalStatus.OFFERED]).count() >= 2
    if program.model == ProgramModel.COMMITTEE:
        assert Vote.objects.filter(proposal__match_round=finished).count() >= 6
        assert Vote.objects.filter(proposal__match_round=running).exists()
        assert running.proposals.filter(status=ProposalStatus.PROPOSED, votes__isnull=True).exists()


@scopes_disabled()
def test_every_date_is_where_it_would_be(demo):
    now = timezone.now()
    for proposal in Proposal.objects.select_related("mentorship", "match_round"):
        if proposal.match_round:
            assert proposal.created_at >= proposal.match_round.created_at
        if proposal.offered_at:
            assert proposal.created_at <= proposal.offered_at <= now
        for answered in (proposal.mentor_responded_at, proposal.mentee_responded_at):
            if answered:
                assert proposal.offered_at <= answered <= now
        if proposal.mentorship:
            latest = max(proposal.mentor_responded_at, proposal.mentee_responded_at)
            assert latest.date() <= proposal.mentorship.started_on
        for vote in proposal.votes.all():
            assert proposal.created_at <= vote.created_at <= now
            if proposal.offered_at and proposal.match_round_id and proposal.status == "confirmed":
                assert vote.created_at <= proposal.offered_at
    for request in MentorshipRequest.objects.select_related("mentorship"):
        assert request.created_at <= now
        if request.responded_at:  # nothing declined (or accepted) before it was sent
            assert request.created_at <= request.responded_at <= now
        if request.mentorship:
            assert request.responded_at.date() <= request.mentorship.started_on
    for goal in Goal.objects.select_related("mentorship"):
        mentorship = goal.mentorship
        assert mentorship.started_on <= goal.created_at.date() <= goal.updated_at.date() <= now.date()
        if goal.achieved_on:
            assert goal.created_at.date() <= goal.achieved_on
            assert goal.achieved_on <= (mentorship.ended_at or now).date()
    assert Goal.objects.filter(status="achieved").count() >= 10
    for application in Application.objects.exclude(decided_at=None):
        assert application.submitted_at <= application.decided_at <= now
    for mentorship in Mentorship.objects.all():
        for person in (mentorship.mentor_id, mentorship.mentee_id):
            application = Application.objects.filter(program=mentorship.program, membership_id=person).first()
            if application and application.submitted_at:
                assert application.submitted_at.date() <= mentorship.started_on


def _readme_sign_ins() -> dict[str, str]:
    rows = re.findall(r"^\| ([^ |]+@[^ |]+) \| ([^|]+) \|", README.read_text(), flags=re.M)
    return {email: who.strip() for email, who in rows}


@scopes_disabled()
def test_every_readme_sign_in_exists_with_its_role_and_something_on_its_dashboard(demo, client):
    sign_ins = _readme_sign_ins()
    for slug in SLUGS:
        found = {email for email in sign_ins if email.endswith(f"@{slug}.example.org")}
        roles = " ".join(sign_ins[email] for email in found)
        for role in ("coordinator", "committee", "mentor", "mentee"):
            assert role in roles, (slug, role)
    for email, who in sign_ins.items():
        user = User.objects.get(email=email)
        assert user.check_password(DEMO_PASSWORD)
        memberships = Membership.objects.filter(user=user)
        assert memberships.exists(), email
        if "coordinator" in who:
            assert memberships.filter(is_coordinator=True).exists(), email
        if "committee" in who:
            assert memberships.filter(is_committee=True).exists(), email
        live = Mentorship.objects.filter(status="active")
        if "mentor (" in who or "hub mentor" in who:
            assert live.filter(mentor__user=user).exists(), email
        if "mentee (an active" in who:
            assert live.filter(mentee__user=user).exists(), email
        if "an offer" in who:
            assert Proposal.objects.filter(mentee__user=user, status="offered", mentee_response="pending").exists()
        if "request" in who:
            waiting = MentorshipRequest.objects.filter(status="open")
            assert waiting.filter(mentee__user=user).exists() or waiting.filter(mentor__user=user).exists(), email
    listed = {email for _, _, email, _ in ROLE_SIGN_INS}
    assert listed <= set(sign_ins)


def test_a_second_run_changes_nothing(demo):
    with scopes_disabled():
        before = _counts()
    call_command("seed_demo", "--i-know-this-is-not-production")
    with scopes_disabled():
        assert _counts() == before


def test_the_seed_takes_under_two_minutes(demo):
    # Measured on SQLite on a shared two-core machine: about 55 s, most of it WeasyPrint.
    assert demo < 120


@scopes_disabled()
def test_the_society_asks_for_shortlists_and_two_mentees_ranked(demo):
    from matching.models import Ranking
    from matching.services.rounds import pool_people

    program = _programs()["western-surgical"]
    assert program.rankings_open and program.rankings_deadline > timezone.now()
    rankings = list(Ranking.objects.filter(program=program))
    assert len(rankings) == 2
    mentees, mentors = pool_people(program)
    for ranking in rankings:
        assert ranking.membership_id in mentees
        assert len(ranking.chosen) == 3 and set(ranking.chosen) <= mentors


@scopes_disabled()
def test_the_department_runs_resident_peer_mentoring(demo, client):
    """demo/peer.py: the residents' peer program, a round by the real engine, two live peer
    pairs with a meeting held, one pair waiting for the second peer's answer."""
    program = Program.objects.get(organization__slug="lakeshore-anesthesiology", slug="resident-peers")
    assert program.model == ProgramModel.PEER and program.is_published
    applications = Application.objects.filter(program=program)
    assert set(applications.values_list("role", flat=True)) == {"peer"}
    assert applications.filter(status="accepted").count() >= 6 and applications.filter(status="eligible").exists()
    (match_round,) = MatchRound.objects.filter(program=program)
    assert match_round.status == RoundStatus.SENT and match_round.mode == "peer"
    live = Mentorship.objects.filter(program=program, status=MentorshipStatus.ACTIVE)
    assert live.count() == 2
    assert Meeting.objects.filter(mentorship__in=live, status=MeetingStatus.HELD).count() == 2
    waiting = Proposal.objects.get(program=program, status=ProposalStatus.OFFERED, mentor_response="accepted")
    assert waiting.mentee_response == "pending"
    # A resident of a live pair signs in with the demo password and sees "peer".
    pair = live.select_related("mentor__user", "mentee__user").first()
    response = client.post("/accounts/login/", {"login": pair.mentor.user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get(f"/o/lakeshore-anesthesiology/mentorships/{pair.pk}/").content.decode()
    assert "Peer mentoring:" in page and pair.mentee.user.full_name in page
