"""Issue 13, item 18: every email the application sends has a text and an HTML part, and
the HTML comes from the one email layout (templates/email/base.html), well-formed.

The class test triggers every kind through the real action that sends it: each
``templates/email/*_subject.txt`` (found on disk, so a new kind without a trigger fails
``test_every_email_kind_has_a_trigger``) and each email allauth sends with our settings.
Every message sent along the way is checked, not only the one named."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import allauth
import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.test import RequestFactory
from django.test.signals import template_rendered
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from agreements.models import Agreement
from agreements.services import agreement as agreement_services
from agreements.services import review as review_services
from circles.services import record as circle_record_services
from matching.models import ProposalStatus
from matching.services import endings as ending_services
from matching.services import proposals as proposal_services
from matching.services import requests as request_services
from matching.services import rounds
from mentorship.models import User
from programs.adapters import InvitationAccountAdapter
from programs.models import ApplicationStatus, ProgramModel, Role
from programs.services import applications as application_services
from programs.services import digests as digest_services
from programs.services import invitations, organizations
from programs.services import messaging as messaging_services
from programs.services import notifications as notification_services
from relationships.models import Mentorship
from relationships.services import endings as relationship_endings
from relationships.services import meetings as meeting_services
from surveys.models import Reminder, ReminderKind
from surveys.periods import quarter_of
from surveys.services import feedback as feedback_services
from surveys.services import reminders, reports
from tests.circles.record_world import next_week, record_world
from tests.factories import PASSWORD, ApplicationFactory, MembershipFactory, ProgramFactory, UserFactory
from tests.issue13_email_support import LAYOUT_MARKER, assert_text_and_html_from_the_layout, parsed
from tests.project import PROJECT_APPS

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 10, tzinfo=UTC)
META = {"ip": "203.0.113.7", "user_agent": "pytest"}
APP_KINDS = sorted(
    p.name.removesuffix("_subject.txt") for p in (settings.BASE_DIR / "templates/email").glob("*_subject.txt")
)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def rendered_templates():
    """Names of the templates rendered while the test runs (Django's test instrumentation)."""
    names: list[str] = []

    def record(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


# --- The world each trigger acts in -------------------------------------------------------------


class World:
    def __init__(self, org):
        self.org = org
        self.coordinator = MembershipFactory(organization=org, is_coordinator=True)
        self.committee = MembershipFactory(organization=org, is_committee=True)
        self._n = 0

    def program(self, **kwargs):
        self._n += 1
        return ProgramFactory(organization=self.org, slug=f"program-{self._n}", **kwargs)

    def pair(self, program=None, *, days_ago=30):
        program = program or self.program()
        started_on = timezone.localdate() - timedelta(days=days_ago)
        with scopes_disabled():
            return Mentorship.objects.create(
                organization=self.org,
                program=program,
                mentor=MembershipFactory(organization=self.org, user__time_zone="America/New_York"),
                mentee=MembershipFactory(organization=self.org, user__time_zone="Europe/Paris"),
                origin="proposal",
                started_on=started_on,
                planned_end_on=started_on + timedelta(days=730),
            )

    def applicant(self, program, role, status=ApplicationStatus.ACCEPTED, capacity=None):
        return ApplicationFactory(program=program, role=role, status=status, capacity=capacity).membership


def _sign(actor, agreement):
    agreement_services.consent_to_sign(actor=actor, request_meta=META)
    with scopes_disabled():
        revision = Agreement.objects.get(pk=agreement.pk).revision
    return agreement_services.agreement_sign(
        actor=actor,
        agreement=agreement,
        typed_name=actor.user.full_name,
        confirm=True,
        revision=revision,
        request_meta=META,
    )


def _agreement_ready(w):
    pair = w.pair()
    agreement = agreement_services.agreement_start(actor=pair.mentee, mentorship=pair)
    content = {s["key"]: f"Our {s['heading'].lower()}." for s in agreement.sections if s.get("editable")}
    agreement = agreement_services.draft_save(
        actor=pair.mentee, agreement=agreement, content=content, revision=agreement.revision
    )
    return pair, agreement


def agreement_awaiting(w, monkeypatch):
    pair, agreement = _agreement_ready(w)
    _sign(pair.mentor, agreement)


def agreement_consent_withdrawn(w, monkeypatch):
    pair, agreement = _agreement_ready(w)
    agreement_services.consent_to_sign(actor=pair.mentee, agreement=agreement, request_meta=META)
    agreement_services.consent_withdraw(actor=pair.mentee, agreement=agreement, request_meta=META)


def agreement_signed(w, monkeypatch):
    from agreements.tasks import render_agreement_pdf_task

    monkeypatch.setattr(render_agreement_pdf_task, "delay", lambda *args, **kwargs: None)  # no PDF needed here
    pair, agreement = _agreement_ready(w)
    _sign(pair.mentor, agreement)
    _sign(pair.mentee, agreement)


def application_decision(w, monkeypatch):
    program = w.program()
    application = ApplicationFactory(program=program, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE)
    application_services.application_decide(
        actor=w.coordinator, application=application, decision=ApplicationStatus.ACCEPTED, message="Welcome & thanks!"
    )


def announcement(w, monkeypatch):
    program = w.program()
    w.applicant(program, Role.MENTEE)
    messaging_services.announcement_send(
        actor=w.coordinator, program=program, audience="all", subject="Spring meetup", body="See you <there>."
    )


def feedback_received(w, monkeypatch):
    member = MembershipFactory(organization=w.org)
    feedback_services.feedback_send(actor=member, text="The <b>guide</b> helped.")


def invitation(w, monkeypatch):
    invitations.invitation_create(actor=w.coordinator, email="new.person@example.org", message="Join us <3")


def organization_contact_confirm(w, monkeypatch):
    organizations.organization_update(
        actor=w.coordinator, name=w.org.name, contact_email="office@elsewhere.example.org", description=""
    )


def _meeting(pair):
    starts_at = (timezone.now() + timedelta(days=10)).replace(hour=14, minute=0, second=0, microsecond=0)
    return meeting_services.meeting_schedule(
        actor=pair.mentee, mentorship=pair, starts_at=starts_at, duration_minutes=60, mode="video", location=""
    )


def meeting_invitation(w, monkeypatch):
    _meeting(w.pair())


def meeting_cancelled(w, monkeypatch):
    pair = w.pair()
    meeting_services.meeting_cancel(actor=pair.mentor, meeting=_meeting(pair))


def _circle_meeting(w):
    circle = record_world(w.org, members=2, slug="circle-emails")
    meeting = circle_record_services.meeting_schedule(
        actor=circle.facilitator, circle=circle.circle, starts_at=next_week(), duration_minutes=60, location="Room 4B"
    )
    return circle, meeting


def circle_meeting_invitation(w, monkeypatch):
    _circle_meeting(w)


def circle_meeting_cancelled(w, monkeypatch):
    circle, meeting = _circle_meeting(w)
    circle_record_services.meeting_cancel(actor=circle.facilitator, meeting=meeting)


def mentorship_ended(w, monkeypatch):
    pair = w.pair()
    _meeting(pair)  # its cancellation goes out too
    relationship_endings.mentorship_end_no_fault(actor=pair.mentor, mentorship=pair)


mentorship_ended_coordinator = mentorship_ended


def mentorship_ended_removed(w, monkeypatch):
    pair = w.pair()
    ending_services.participant_remove(
        actor=w.coordinator, program=pair.program, membership=pair.mentor, reason="Left the institution"
    )


def _request(w):
    program = w.program(model=ProgramModel.SELF_SELECT)
    mentor = w.applicant(program, Role.MENTOR, ApplicationStatus.ELIGIBLE, capacity=2)
    mentee = w.applicant(program, Role.MENTEE, ApplicationStatus.ELIGIBLE)
    return request_services.request_send(
        actor=mentee, program=program, mentor=mentor, message="Hello, I'd value your advice on research."
    )


def request_received(w, monkeypatch):
    _request(w)


def mentorship_started(w, monkeypatch):
    request = _request(w)
    request_services.request_accept(actor=request.mentor, request=request)


def request_declined(w, monkeypatch):
    request = _request(w)
    request_services.request_decline(actor=request.mentor, request=request, reason="Too busy")


def request_expired(w, monkeypatch):
    request = _request(w)
    request_services.expire_requests(now=request.expires_at + timedelta(minutes=1))


def _direct_offer(w):
    program = w.program(model=ProgramModel.SELF_SELECT)
    mentor = w.applicant(program, Role.MENTOR, capacity=1)
    mentee = w.applicant(program, Role.MENTEE)
    proposal = proposal_services.proposal_offer(actor=w.coordinator, program=program, mentor=mentor, mentee=mentee)
    assert proposal.status == ProposalStatus.OFFERED
    return proposal


def proposal_offered(w, monkeypatch):
    _direct_offer(w)


def proposal_declined(w, monkeypatch):
    proposal = _direct_offer(w)
    proposal_services.proposal_respond(actor=proposal.mentee, proposal=proposal, accept=False, reason="Fields apart")


def proposal_for_review(w, monkeypatch):
    program = w.program(model=ProgramModel.COMMITTEE)
    proposal_services.proposal_offer(
        actor=w.coordinator,
        program=program,
        mentor=w.applicant(program, Role.MENTOR, capacity=1),
        mentee=w.applicant(program, Role.MENTEE),
    )


def round_for_review(w, monkeypatch):
    program = w.program(model=ProgramModel.COMMITTEE)
    w.applicant(program, Role.MENTOR, capacity=1)
    w.applicant(program, Role.MENTEE)
    match_round = rounds.round_create(
        actor=w.coordinator, program=program, weights=rounds.default_weights(program), mode="optimal"
    )
    match_round = rounds.run_round(match_round.pk)
    assert rounds.round_send(actor=w.coordinator, match_round=match_round) == 1


def _report(w, *, both: bool):
    pair = w.pair(w.program(quarterly_reports=True), days_ago=200)
    year, quarter = quarter_of(timezone.localdate())
    report = reports.report_save(
        actor=pair.mentee,
        mentorship=pair,
        year=year,
        quarter=quarter,
        goals_achieved="Submitted the grant.",
        next_plans="Write the first paper.",
        barriers="No protected time.",
        revision=0,
    )
    report = reports.report_confirm(actor=pair.mentee, report=report, revision=report.revision)
    if both:
        reports.report_confirm(actor=pair.mentor, report=report, revision=report.revision)


def quarterly_report_confirmed(w, monkeypatch):
    _report(w, both=False)


def quarterly_report_submitted(w, monkeypatch):
    _report(w, both=True)


quarterly_report_coordinator = quarterly_report_submitted


def reminder(w, monkeypatch):
    pair = w.pair()
    with scopes_disabled():
        ids = [
            Reminder.objects.create(
                organization=w.org,
                recipient=recipient,
                mentorship=pair,
                program=pair.program,
                kind=kind,
                key=str(uuid.uuid4()),
                path=f"/o/{w.org.slug}/",
                due_on=timezone.localdate() + timedelta(days=7),
                context={"other": "Dana & Co", "program": pair.program.name, "awaiting": True, "version": 1},
            ).pk
            for kind in ReminderKind
            for recipient in (pair.mentor,)
            # A quiet nudge is sent only while the pair is quiet (tests/surveys/test_issue18_quiet.py).
            if kind
            not in (ReminderKind.SURVEY, ReminderKind.ASSESSMENT, ReminderKind.SURVEY_LAST_CALL, ReminderKind.QUIET)
        ]
    assert reminders.send(ids) == len(ids)


def message_new(w, monkeypatch):
    from relationships.services import messages as message_services

    pair = w.pair()
    message_services.message_send(actor=pair.mentee, mentorship=pair, body="Could we meet on Thursday?")


def message_reply_refused(w, monkeypatch):
    from email.message import EmailMessage

    from django.test import override_settings

    from mentorship.inbound import reply_address
    from relationships.services import inbound as inbound_services

    pair = w.pair()
    with scopes_disabled():
        Mentorship.objects.filter(pk=pair.pk).update(status="ended")
    with override_settings(REPLY_BY_EMAIL=True, INBOUND_EMAIL_DOMAIN="reply.example.org"):
        reply = EmailMessage()
        reply["From"], reply["To"] = pair.mentee.user.email, reply_address(pair.mentee.pk, pair.pk)
        reply.set_content("Thursday works.")
        assert inbound_services.receive_reply(reply.as_bytes()).reason == "mentorship_ended"


def digest(w, monkeypatch):
    member = MembershipFactory(organization=w.org, messages_email="digest", nudges_email="digest")
    for key, category in (("conversation:1", "message"), ("reminder:checkin", "nudge")):
        notification_services.notify(
            recipient=member,
            kind="message" if category == "message" else "reminder",
            category=category,
            title="Dana & Co sent you a message" if category == "message" else "Time to check in with Dana & Co",
            path=f"/o/{w.org.slug}/",
            key=key,
        )
    digest_services.scan()
    assert digest_services.send(digest_services.ids_to_send()) == 1


def _review(w, mentor_answer, mentee_answer=None):
    pair = w.pair(days_ago=380)
    review_services.review_answer(actor=pair.mentor, mentorship=pair, answer=mentor_answer, comment="Good year")
    if mentee_answer:
        review_services.review_answer(actor=pair.mentee, mentorship=pair, answer=mentee_answer)


def yearly_review_answered(w, monkeypatch):
    _review(w, "continue")


def yearly_review_completed(w, monkeypatch):
    _review(w, "continue", "restructure")


def yearly_review_concluded(w, monkeypatch):
    _review(w, "conclude", "conclude")


yearly_review_concluded_coordinator = yearly_review_concluded

TRIGGERS = {
    name: globals()[name]
    for name in (
        "agreement_awaiting",
        "announcement",
        "agreement_consent_withdrawn",
        "circle_meeting_cancelled",
        "circle_meeting_invitation",
        "agreement_signed",
        "application_decision",
        "digest",
        "feedback_received",
        "invitation",
        "meeting_cancelled",
        "meeting_invitation",
        "message_new",
        "message_reply_refused",
        "mentorship_ended",
        "mentorship_ended_coordinator",
        "mentorship_ended_removed",
        "mentorship_started",
        "organization_contact_confirm",
        "proposal_declined",
        "proposal_for_review",
        "proposal_offered",
        "quarterly_report_confirmed",
        "quarterly_report_coordinator",
        "quarterly_report_submitted",
        "reminder",
        "request_declined",
        "request_expired",
        "request_received",
        "round_for_review",
        "yearly_review_answered",
        "yearly_review_completed",
        "yearly_review_concluded",
        "yearly_review_concluded_coordinator",
    )
}


# --- Issue 20, personal data: the export's link and the retention notice ------------------------


def privacy_export_ready(w, monkeypatch):
    from privacy.services import exports

    exports.request_export(user=MembershipFactory(organization=w.org).user)


def privacy_retention_notice(w, monkeypatch):
    from privacy.models import PrivacySettings
    from privacy.services import retention

    PrivacySettings.objects.create(organization=w.org, retention_months=12, notice_days=30)
    member = MembershipFactory(organization=w.org, joined_at=timezone.now() - timedelta(days=800))
    member.user.last_login = timezone.now() - timedelta(days=800)
    member.user.save()
    assert retention.scan()["noticed"] >= 1


TRIGGERS.update(privacy_export_ready=privacy_export_ready, privacy_retention_notice=privacy_retention_notice)


def test_every_email_kind_has_a_trigger():
    assert len(APP_KINDS) >= 26
    assert sorted(TRIGGERS) == APP_KINDS


@pytest.mark.parametrize("kind", APP_KINDS)
def test_every_email_kind_has_text_and_html_from_the_one_layout(
    kind, org_a, monkeypatch, rendered_templates, django_capture_on_commit_callbacks
):
    world = World(org_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), scope(organization=org_a):
        TRIGGERS[kind](world, monkeypatch)
    assert f"email/{kind}_subject.txt" in rendered_templates, f"the trigger for {kind} did not send it"
    assert mail.outbox
    for message in mail.outbox:
        assert_text_and_html_from_the_layout(message)


# --- allauth's emails ---------------------------------------------------------------------------


def _signup(client, address):
    return client.post(
        "/accounts/signup/",
        {
            "full_name": "Grace Okafor",
            "email": address,
            "password1": "a-Long-pass-phrase-9",
            "password2": "a-Long-pass-phrase-9",
        },
    )


def _unverified_sign_in(client):
    user = UserFactory(email="pending@example.org", verified=False)
    EmailAddress.objects.create(user=user, email=user.email)
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


ALLAUTH_TRIGGERS = {
    "account/email/email_confirmation_signup": lambda client: _signup(client, "grace@example.org"),
    "account/email/account_already_exists": lambda client: (
        UserFactory(email="taken@example.org"),
        _signup(client, "taken@example.org"),
    ),
    "account/email/email_confirmation": _unverified_sign_in,
    "account/email/password_reset_key": lambda client: (
        UserFactory(email="forgetful@example.org"),
        client.post("/accounts/password/reset/", {"email": "forgetful@example.org"}),
    ),
    "account/email/unknown_account": lambda client: client.post(
        "/accounts/password/reset/", {"email": "nobody@example.org"}
    ),
}


@pytest.mark.parametrize("kind", sorted(ALLAUTH_TRIGGERS))
def test_allauths_emails_have_text_and_html_from_the_one_layout(
    kind, client, rendered_templates, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ALLAUTH_TRIGGERS[kind](client)
    assert f"{kind}_subject.txt" in rendered_templates
    assert len(mail.outbox) == 1
    text, page = assert_text_and_html_from_the_layout(mail.outbox[0])
    assert mail.outbox[0].subject.startswith(f"[{settings.SITE_NAME}]")
    # allauth's greeting names this site, as its other emails do (it read "Hello from !").
    assert text.startswith(f"Hello from {settings.SITE_NAME}!"), text[:80]


def _allauth_kinds() -> list[str]:
    """Every email of the allauth apps we install (account, mfa), whether or not today's
    settings send it: turning on notifications or login codes must not bypass the layout."""
    root = Path(allauth.__file__).parent / "templates"
    return sorted(
        str(path.relative_to(root)).removesuffix("_subject.txt")
        for path in root.glob("*/email/*_subject.txt")
        if apps.is_installed(f"allauth.{path.relative_to(root).parts[0]}")
    )


def test_the_emails_allauth_sends_with_our_settings_are_all_triggered():
    kinds = _allauth_kinds()
    assert set(ALLAUTH_TRIGGERS) <= set(kinds)
    assert "mfa/email/totp_activated" in kinds


@pytest.mark.parametrize("kind", _allauth_kinds())
def test_any_allauth_email_goes_through_the_one_layout(kind, rf: RequestFactory, django_capture_on_commit_callbacks):
    from allauth.core import context

    request = rf.get("/")
    request.user = User()
    user = UserFactory()
    values = {
        "user": user,
        "email": user.email,
        "code": "ABC123",
        "activate_url": "http://testserver/accounts/confirm-email/key/",
        "password_reset_url": "http://testserver/accounts/password/reset/key/1-set/",
        "signup_url": "http://testserver/accounts/signup/",
        "request": request,
        "current_site": type("Site", (), {"name": settings.SITE_NAME, "domain": "testserver"})(),
    }
    with context.request_context(request), django_capture_on_commit_callbacks(execute=True):
        InvitationAccountAdapter(request).send_mail(kind, user.email, values)
    assert len(mail.outbox) == 1
    assert_text_and_html_from_the_layout(mail.outbox[0])


# --- The layout itself ----------------------------------------------------------------------------


def test_the_layout_marker_is_in_base_html_only():
    folder = settings.BASE_DIR / "templates/email"
    assert LAYOUT_MARKER in (folder / "base.html").read_text()
    for path in folder.glob("*.html"):
        if path.name != "base.html":
            source = path.read_text()
            assert LAYOUT_MARKER not in source
            assert source.startswith('{% extends "email/base.html" %}'), path.name


def test_the_html_of_a_text_only_kind_says_what_the_text_says(org_a, django_capture_on_commit_callbacks):
    world = World(org_a)
    with django_capture_on_commit_callbacks(execute=True), scope(organization=org_a):
        request_received(world, None)
    message = parsed(mail.outbox[0])
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert "I&#x27;d value your advice on research." in page or "I'd value your advice on research." in page
    first_link = next(word for word in text.split() if word.startswith("http"))
    assert f'href="{first_link}"' in page


def test_no_email_bypasses_the_one_email_path():
    """Messages are built only in mentorship/mail.py, so none can skip the layout, the
    HTML part or the calendar's method; email templates are rendered only there too."""
    bypass = re.compile(
        r"\b(?:EmailMessage|EmailMultiAlternatives)\("  # building a message
        r"|(?<!def )\bsend_(?:mass_)?mail\("  # Django's shortcuts (allauth's adapter method is defined, not called)
        r"|render_to_string\(\s*f?[\"']email/"  # an email template rendered outside the path
    )
    offenders = []
    for app in PROJECT_APPS:
        for path in sorted((settings.BASE_DIR / app).rglob("*.py")):
            if path.relative_to(settings.BASE_DIR).as_posix() == "mentorship/mail.py" or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if bypass.search(line):
                    offenders.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}")
    assert not offenders, offenders
