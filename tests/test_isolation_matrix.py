"""The isolation matrix: every URL of the project, as every role, with object ids from the
role's own pairing, from another pairing of the same organization and from another
organization.

The URLs come from the resolver, so a new view is covered without editing this file; a
URL whose access rule is not declared in ``tests/isolation_rules.py`` fails until someone
states it. For every request:

- a role the rule does not allow gets a redirect to sign-in (anonymous) or a 403/404
  (405 for a method the view does not answer), and the request writes nothing to the
  database;
- an allowed role gets an answer that is not a server error;
- no answer contains text the role must not read: organization B's marker in A, the other
  pairing's notes, one person's private note to the other, any pair's confidential notes
  for coordinators and committee members (coordinators see metadata only, plus what the
  pair submits to the program office).

Each request runs in a transaction that is rolled back, so the world is the same for all.

The size when this was written (the test prints the current one, and puts it in its
failure message): 141 URL patterns (the admin aside) × 7 roles; with the id variants
(own pairing / another pairing of the organization / another organization) 1,631 cells,
each asked with GET and POST: 3,262 requests.
"""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_scopes import scopes_disabled

from agreements.models import Agreement, AgreementStatus, Signature
from agreements.models.review import MentorshipDocument, YearlyReview
from api.services.tokens import token_create  # issue 20 (api)
from matching.models import MatchRound, MentorshipRequest, Proposal
from programs.models import (
    Application,
    ApplicationStatus,
    Invitation,
    Notification,
    Profile,
    ProgramModel,
    Role,
    RosterImport,
)
from programs.services.organizations import contact_confirmation_token
from relationships.models import (
    Conversation,
    FollowUpTask,
    Goal,
    GoalNote,
    Meeting,
    MeetingStatus,
    Mentorship,
    Message,
    PrivateNote,
)
from surveys.models import Feedback, QuarterlyReport, Survey, SurveyInvitation, SurveyWave
from surveys.periods import previous_quarter, quarter_of
from surveys.services.reminders import unsubscribe_token
from tests import isolation_rules as rules
from tests.circles.record_world import circle_record_ids
from tests.circles.world import circle_ids, formation_round_id
from tests.events.support import speed_world
from tests.factories import (
    AffinityGroupFactory,
    HubFactory,
    HubMentorFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
)
from tests.integrations.support import world_ids as integrations_world_ids
from tests.privacy.isolation_support import privacy_ids  # issue 20
from tests.sso.world import sso_world  # issue 20, single sign-on
from tests.test_tenancy import _org_url_templates

pytestmark = pytest.mark.django_db

MATRIX_SIZE = {"url_patterns": 141, "roles": 7, "cells": 1631, "requests": 3262}  # see the docstring

ROLES = rules.ROLES
VARIANTS = ("own", "pair2", "orgb")
LOGIN_PREFIX = "/accounts/login/"
# Who may read each marker (by prefix). Nobody in the matrix is a party of P2 or a member of B
# (B's coordinator only requests A's URLs and pages outside any organization).
MARKERS = {
    "PAIR1-SECRET-": rules.PAIR,
    "PAIR1-MENTORNOTE-": rules.ONLY_MENTOR,
    "PAIR1-MENTEENOTE-": rules.ONLY_MENTEE,
    "PAIR1-SHARED-": rules.PAIR_AND_COORDINATORS,
    "PAIR2-SECRET-": frozenset(),
    "PAIR2-MENTORNOTE-": frozenset(),
    "PAIR2-MENTEENOTE-": frozenset(),
    "PAIR2-SHARED-": rules.COORDINATORS,
    "ORGB-SECRET-": frozenset({rules.OTHER_COORDINATOR}),
}
MARKER_RE = re.compile(rb"(?:PAIR[12]-(?:SECRET|MENTORNOTE|MENTEENOTE|SHARED)|ORGB-SECRET)-[A-Z0-9-]+")
# Cases that fail today and are excused, each with its reason, so that they stay visible.
# A gap that stops failing fails the test too: remove it from here once it is fixed.
# Key: (URL name, method, role).
KNOWN_GAPS: dict = {}  # (url key, method, role) → why it is excused; must stay empty
# Proof that the markers are rendered at all (else the matrix would prove nothing): each is
# seen at least once by the role named.
MUST_SEE = {
    ("PAIR1-SECRET-SUMMARY", rules.MENTOR),
    ("PAIR1-SECRET-AGENDA", rules.MENTOR),
    ("PAIR1-SECRET-TASK", rules.MENTEE),
    ("PAIR1-SECRET-GOAL", rules.MENTEE),
    ("PAIR1-SECRET-GOALNOTE", rules.MENTOR),
    ("PAIR1-SECRET-DRAFTREPORT", rules.MENTEE),
    ("PAIR1-SECRET-REVIEWCOMMENT", rules.MENTOR),
    ("PAIR1-MENTORNOTE-TEXT", rules.MENTOR),
    ("PAIR1-MENTEENOTE-TEXT", rules.MENTEE),
    ("PAIR1-MENTEENOTE-NOTIFICATION", rules.MENTEE),
    ("PAIR1-SHARED-REPORT", rules.COORDINATOR),
    ("PAIR2-SHARED-REPORT", rules.COORDINATOR),
    ("PAIR1-SHARED-REQUEST", rules.MENTOR),
    ("ORGB-SECRET-ORGANIZATION", rules.OTHER_COORDINATOR),
    # A circle's record (issue 19): its people read the agenda and the summary, each their own note.
    ("PAIR1-SECRET-CIRCLEAGENDA", rules.MENTEE),
    ("PAIR1-SECRET-CIRCLESUMMARY", rules.MENTEE),
    ("PAIR1-MENTEENOTE-CIRCLENOTE", rules.MENTEE),
    ("PAIR1-MENTORNOTE-CIRCLENOTE", rules.MENTOR),
    ("PAIR1-SHARED-SPEED-EVENT", rules.MENTEE),
    ("PAIR2-SHARED-SPEED-EVENT", rules.COORDINATOR),
}
# Writes an answer may make whoever asks: the session (timeouts, messages).
HARMLESS_WRITES = ("django_session",)


def _walk() -> list[tuple[str, str, bool]]:
    """(key, route, is_org) for every URL pattern; key is the name, or the route if unnamed."""
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if any(route.startswith(skip) for skip in rules.SKIPPED_PREFIXES):
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                found.append((p.name or route, route, "<slug:org_slug>" in route))

    walk(get_resolver().url_patterns)
    return found


# --- The world ----------------------------------------------------------------------------------


def _pairing(org, programs, *, marker: str, mentor, mentee, coordinator, invitee_survey=None) -> dict:
    """A pairing in the society program with everything the pair writes, every text
    carrying ``marker``; returns the ids the URLs need."""
    today = timezone.localdate()
    society, alumni = programs["society"], programs["alumni"]
    mentorship = Mentorship.objects.create(
        organization=org,
        program=society,
        mentor=mentor,
        mentee=mentee,
        origin="proposal",
        started_on=today - timedelta(days=200),
        planned_end_on=today + timedelta(days=500),
    )
    meeting = Meeting.objects.create(
        organization=org,
        mentorship=mentorship,
        scheduled_by=mentee,
        starts_at=timezone.now() - timedelta(days=3),
        location=f"{marker}SECRET-LOCATION",
        agenda=f"{marker}SECRET-AGENDA",
        summary=f"{marker}SECRET-SUMMARY",
        status=MeetingStatus.HELD,
        held_minutes=50,
        logged_by=mentor,
        logged_at=timezone.now() - timedelta(days=2),
    )
    PrivateNote.objects.create(organization=org, meeting=meeting, author=mentor, text=f"{marker}MENTORNOTE-TEXT")
    PrivateNote.objects.create(organization=org, meeting=meeting, author=mentee, text=f"{marker}MENTEENOTE-TEXT")
    task = FollowUpTask.objects.create(
        organization=org,
        mentorship=mentorship,
        meeting=meeting,
        description=f"{marker}SECRET-TASK",
        owner=mentee,
        created_by=mentor,
    )
    goal = Goal.objects.create(organization=org, mentorship=mentorship, title=f"{marker}SECRET-GOAL", created_by=mentee)
    GoalNote.objects.create(organization=org, goal=goal, author=mentee, text=f"{marker}SECRET-GOALNOTE")
    sections = [{"key": "goals", "heading": "Goals", "editable": True, "guidance": ""}]
    agreement = Agreement.objects.create(
        organization=org,
        mentorship=mentorship,
        version=1,
        status=AgreementStatus.SIGNED,
        title="Mentoring Partnership Agreement",
        sections=sections,
        content={"goals": f"{marker}SHARED-AGREEMENT"},
        content_hash="0" * 64,
        signed_at=timezone.now(),
    )
    agreement.pdf.save(f"agreement-{agreement.pk}.pdf", ContentFile(b"%PDF-1.4\n% " + f"{marker}SHARED-PDF".encode()))
    for signer, role in ((mentor, "mentor"), (mentee, "mentee")):
        Signature.objects.create(
            organization=org, agreement=agreement, signer=signer, role=role, typed_name="x", content_hash="0" * 64
        )
    # Submitted this quarter (the program office reads it), a draft left from last quarter.
    this_quarter, last_quarter = quarter_of(today), previous_quarter(*quarter_of(today))
    QuarterlyReport.objects.create(
        organization=org,
        mentorship=mentorship,
        year=this_quarter[0],
        quarter=this_quarter[1],
        goals_achieved=f"{marker}SHARED-REPORT",
        next_plans=f"{marker}SHARED-PLANS",
        revision=1,
        mentor_confirmed_revision=1,
        mentee_confirmed_revision=1,
        submitted_at=timezone.now() - timedelta(minutes=20),
    )
    QuarterlyReport.objects.create(
        organization=org,
        mentorship=mentorship,
        year=last_quarter[0],
        quarter=last_quarter[1],
        goals_achieved=f"{marker}SECRET-DRAFTREPORT",
        barriers=f"{marker}SECRET-BARRIERS",
        revision=1,
    )
    YearlyReview.objects.create(
        organization=org,
        mentorship=mentorship,
        due_on=today + timedelta(days=10),
        mentor_answer="continue",
        mentor_comment=f"{marker}SECRET-REVIEWCOMMENT",
        mentor_answered_at=timezone.now(),
    )
    document = MentorshipDocument(organization=org, mentorship=mentorship, uploaded_by=mentee, kind="cv", size=20)
    document.file.save("cv.pdf", ContentFile(b"%PDF-1.4\n% document"), save=False)
    document.save()
    conversation = Conversation.objects.create(
        organization=org, mentorship=mentorship, message_count=1, last_message_at=timezone.now()
    )
    message = Message(
        organization=org,
        conversation=conversation,
        author=mentee,
        body=f"{marker}SECRET-MESSAGE",
        attachment_name="plan.pdf",
        attachment_type="application/pdf",
        attachment_size=20,
    )
    message.attachment.save("plan.pdf", ContentFile(b"%PDF-1.4\n% message"), save=False)
    message.save()
    offer = Proposal.objects.create(
        organization=org, program=society, mentor=mentor, mentee=mentee, status="offered", offered_at=timezone.now()
    )
    request = MentorshipRequest.objects.create(
        organization=org,
        program=alumni,
        mentee=mentee,
        mentor=mentor,
        message=f"{marker}SHARED-REQUEST",
        expires_at=timezone.now() + timedelta(days=10),
    )
    application = Application.objects.create(
        organization=org, program=society, membership=mentee, role=Role.MENTEE, status=ApplicationStatus.SUBMITTED
    )
    for member, role in ((mentor, Role.MENTOR), (mentee, Role.MENTEE)):
        Application.objects.create(
            organization=org,
            program=alumni,
            membership=member,
            role=role,
            status=ApplicationStatus.ACCEPTED,
            capacity=2 if role == Role.MENTOR else None,
        )
    profile = Profile.objects.create(organization=org, membership=mentor)
    profile.cv.save("cv.pdf", ContentFile(b"%PDF-1.4\n% cv"))
    wave = SurveyWave.objects.filter(survey=invitee_survey).first()
    survey_invitation = SurveyInvitation.objects.create(
        organization=org, wave=wave, membership=mentee, role="mentee", program=society
    )
    notification = Notification.objects.create(
        organization=org,
        recipient=mentee,
        kind="meeting",
        category="obligation",
        title=f"{marker}MENTEENOTE-NOTIFICATION",
        path=f"/o/{org.slug}/",
        key=f"meeting:{meeting.pk}",
    )
    circles = circle_ids(org, programs["circles"], mentor=mentor, mentee=mentee, marker=marker)
    circles.update(circle_record_ids(circles["circle"], author=mentee))  # the record's meeting and note
    return {
        **circles,
        "mentorship": mentorship.pk,
        "meeting": meeting.pk,
        "message": message.pk,
        "task": task.pk,
        "goal": goal.pk,
        "document": document.pk,
        "agreement": agreement.pk,
        "agreement_version": 1,
        "report_year": last_quarter[0],
        "report_quarter": last_quarter[1],
        "offer": offer.pk,
        "proposal": offer.pk,
        "request": request.pk,
        "application": application.pk,
        "profile": profile.pk,
        "membership": mentee.pk,
        "alumni_mentor": mentor.pk,
        "survey_token": survey_invitation.token,
        "notification": notification.pk,
        **speed_world(org, society, mentor=mentor, mentee=mentee, marker=marker),
        **privacy_ids(mentee),  # issue 20: the mentee's export and request to be erased
    }


def _organization(org, coordinator, *, prefix: str, marker: str) -> tuple[dict, dict]:
    """The organization-wide objects: three programs (committee, hubs, self-select), a hub
    with a mentor, a match round, a roster import, an invitation, a survey, a feedback."""
    programs = {
        "society": ProgramFactory(organization=org, slug=f"{prefix}society", name=f"{marker}Society program"),
        "hubs": ProgramFactory(
            organization=org, slug=f"{prefix}hubs", name=f"{marker}Hub program", model=ProgramModel.HUBS
        ),
        "alumni": ProgramFactory(
            organization=org, slug=f"{prefix}alumni", name=f"{marker}Alumni program", model=ProgramModel.SELF_SELECT
        ),
        "circles": ProgramFactory(
            organization=org, slug=f"{prefix}circles", name=f"{marker}Circles program", model=ProgramModel.CIRCLES
        ),
    }
    programs["society"].quarterly_reports = True
    programs["society"].guide.save("guide.pdf", ContentFile(b"%PDF-1.4\n% guide"))
    group = AffinityGroupFactory(organization=org, program=programs["hubs"], name=f"{marker}Group")
    hub = HubFactory(affinity_group=group, name=f"{marker}Hub")
    hub_mentor = HubMentorFactory(hub=hub, membership=MembershipFactory(organization=org))
    survey = Survey.objects.create(
        organization=org, program=programs["society"], title=f"{marker}Survey", anonymous=False, status="active"
    )
    today = timezone.localdate()
    SurveyWave.objects.create(
        organization=org, survey=survey, opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=10)
    )
    ids = {
        "hub": hub.pk,
        "hub_mentor": hub_mentor.pk,
        "affinity_group": group.pk,
        "match_round": MatchRound.objects.create(
            organization=org, program=programs["society"], created_by=coordinator
        ).pk,
        "roster": RosterImport.objects.create(organization=org, created_by=coordinator, filename="roster.csv").pk,
        "circle_round": formation_round_id(org, programs["circles"], coordinator),
        "invitation": InvitationFactory(organization=org, invited_by=coordinator.user).pk,
        "invitation_token": Invitation.objects.filter(organization=org).first().token,
        "unsubscribe_token": unsubscribe_token(coordinator),
        "contact_token": contact_confirmation_token(org),
        "survey": survey.pk,
        "feedback": Feedback.objects.create(organization=org, program=programs["society"], text="Thanks").pk,
        "role": "mentee",
        "health_table": "applications",
        "email_kind": "application_decision",
        "mail_message": "20260101T000000-" + "0" * 32,
        # Issue 20, single sign-on: the organization's connection.
        **sso_world(org, marker=marker),
    }
    # Issue 20, webhooks and calendar feeds: a webhook with a delivery, the coordinator's calendar link.
    ids.update(integrations_world_ids(org, coordinator, marker))
    # Issue 20 (api): an API token to revoke.
    ids["api_token"] = token_create(actor=coordinator, name="Sync", scopes=["programs:read"]).token.pk
    return programs, {**ids, "_survey": survey}


@dataclass
class World:
    roles: dict  # role -> Membership (None for anonymous)
    ids: dict  # variant -> {kind: id}
    slugs: dict  # variant -> {program kind: slug}


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    # Every cell's writes are rolled back, sessions included; with Redis (cached_db) the cache
    # would still hold a session the database took back, and saving it would fail.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    org_a = OrganizationFactory(name="Alpha Surgical Society", slug="alpha")
    org_b = OrganizationFactory(name="ORGB-SECRET-ORGANIZATION", slug="bravo")
    with scopes_disabled():

        def person(org, marker="", **kwargs):
            return MembershipFactory(organization=org, user__full_name=f"{marker}Person", **kwargs)

        coordinator_a = person(org_a, is_coordinator=True)
        coordinator_b = person(org_b, "ORGB-SECRET-", is_coordinator=True)
        roles = {
            rules.ANONYMOUS: None,
            rules.MEMBER: person(org_a),
            rules.MENTEE: person(org_a),
            rules.MENTOR: person(org_a),
            rules.COMMITTEE: person(org_a, is_committee=True),
            rules.COORDINATOR: coordinator_a,
            rules.OTHER_COORDINATOR: coordinator_b,
        }
        programs_a, org_ids_a = _organization(org_a, coordinator_a, prefix="", marker="")
        programs_b, org_ids_b = _organization(org_b, coordinator_b, prefix="b-", marker="ORGB-SECRET-")
        survey_a, survey_b = org_ids_a.pop("_survey"), org_ids_b.pop("_survey")
        pair1 = _pairing(
            org_a,
            programs_a,
            marker="PAIR1-",
            mentor=roles[rules.MENTOR],
            mentee=roles[rules.MENTEE],
            coordinator=coordinator_a,
            invitee_survey=survey_a,
        )
        pair2 = _pairing(
            org_a,
            programs_a,
            marker="PAIR2-",
            mentor=person(org_a),
            mentee=person(org_a),
            coordinator=coordinator_a,
            invitee_survey=survey_a,
        )
        pair_b = _pairing(
            org_b,
            programs_b,
            marker="ORGB-SECRET-",
            mentor=person(org_b, "ORGB-SECRET-"),
            mentee=person(org_b, "ORGB-SECRET-"),
            coordinator=coordinator_b,
            invitee_survey=survey_b,
        )
    slugs_a = {kind: p.slug for kind, p in programs_a.items()}
    slugs_b = {kind: p.slug for kind, p in programs_b.items()}
    return World(
        roles=roles,
        ids={"own": {**org_ids_a, **pair1}, "pair2": {**org_ids_a, **pair2}, "orgb": {**org_ids_b, **pair_b}},
        slugs={"own": slugs_a, "pair2": slugs_a, "orgb": slugs_b},
    )


# --- Building the requests ---------------------------------------------------------------------


_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")
# Values for allauth's regex routes (keys nobody issued: the view answers that itself).
_ALLAUTH_VALUES = {"key": "unknown-key", "uidb36": "1"}


def _url(route: str, rule: rules.Rule, world: World, variant: str) -> str:
    ids = world.ids[variant]

    def value(name: str) -> str:
        if name == "org_slug":
            return "alpha"  # always A's address: B's ids are tried inside A
        if name == "program_slug":
            return world.slugs[variant][rule.program]
        if name in rule.ids:
            return str(ids[rule.ids[name]])
        if name in _ALLAUTH_VALUES:
            return _ALLAUTH_VALUES[name]
        if name == "pk":
            return "1"
        raise AssertionError(f"{route}: declare the object kind of <{name}> in tests/isolation_rules.py")

    url = _REGEX_GROUP.sub(lambda m: value(m.group("name")), route)
    url = _CONVERTER.sub(lambda m: value(m.group("name")), url)
    url = url.replace("^", "").replace("$", "")
    return "/" + url


def _variants(rule: rules.Rule, is_org: bool) -> tuple[str, ...]:
    kinds = set(rule.ids.values()) - rules.NOT_OBJECTS
    if not kinds or not is_org:  # outside organizations the only ids are bearer tokens
        return ("own",)
        return ("own",)
    if kinds & rules.PERSONAL_KINDS:
        return VARIANTS
    return ("own", "orgb")


def _allowed(rule: rules.Rule, role: str, method: str, variant: str, is_org: bool) -> bool:
    if not rule.allows(role, method):
        return False
    if not is_org:
        return True
    if role == rules.OTHER_COORDINATOR or variant == "orgb":
        return False
    # With the other pairing's ids, the pair of P1 is nobody special.
    personal = bool(set(rule.ids.values()) & rules.PERSONAL_KINDS)
    return not (variant == "pair2" and personal and role in rules.PAIR)


def _body(response) -> bytes:
    if response.streaming:
        # The test client closes the response once it is consumed (closing it here would
        # also close the database connection, inside the test's transaction).
        return b"".join(response.streaming_content)
    return response.content


class _WriteRecorder:
    """Records the INSERT/UPDATE/DELETE statements a request runs (a database execute
    wrapper: unlike the debug query log, it has no size limit)."""

    def __init__(self):
        self.writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        head = sql.lstrip()[:80].upper()
        if head.startswith(("INSERT", "UPDATE", "DELETE")) and not any(t.upper() in head for t in HARMLESS_WRITES):
            self.writes.append(sql[:160])
        return execute(sql, params, many, context)


def _check(response, body: bytes, *, role, allowed, method, rule, is_org, writes) -> str | None:
    """What is wrong with this answer, or None."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    for found in set(MARKER_RE.findall(body)):
        text = found.decode()
        prefix = next(p for p in MARKERS if text.startswith(p))
        if role not in MARKERS[prefix]:
            return f"shows {text}"
    answered = method in rule.methods
    if allowed and answered:
        ok = {200, 204, 301, 302, 303, 400} | set(rule.extra_ok)
        if status not in ok:
            return f"allowed but got {status}"
        if status in (301, 302, 303) and response["Location"].startswith(LOGIN_PREFIX) and role != rules.ANONYMOUS:
            return "allowed but sent to sign in"
        return None
    if writes:
        return f"not allowed but wrote: {writes[0]}"
    if allowed:  # a method the view does not answer
        return None if status == 405 else f"{method} should be 405, got {status}"
    if role == rules.ANONYMOUS:
        if status == 302 and response["Location"].startswith(LOGIN_PREFIX):
            return None
        return f"anonymous should be sent to sign in, got {status} {response.get('Location', '')}"
    if is_org and role == rules.OTHER_COORDINATOR:
        return None if status == 404 else f"another organization's coordinator should get 404, got {status}"
    ok = {403, 404} if answered else {403, 404, 405}
    return None if status in ok else f"not allowed but got {status} {response.get('Location', '')}"


def test_every_url_has_a_declared_access_rule():
    undeclared = sorted({key for key, _route, _org in _walk()} - set(rules.RULES))
    assert not undeclared, (
        "These URLs have no access rule in tests/isolation_rules.py; state who may open them: " + ", ".join(undeclared)
    )
    # The tenancy test's own list of organization URLs is covered here too.
    org_names = {name for name, _route in _org_url_templates()}
    assert org_names <= {key for key, _route, is_org in _walk() if is_org}
    stale = sorted(set(rules.RULES) - {key for key, _route, _org in _walk()})
    assert not stale, f"Rules for URLs that no longer exist: {stale}"


@pytest.fixture
def quiet_request_log():
    """Thousands of expected 403/404/405 would each log a warning (with a traceback)."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def test_the_isolation_matrix(world, quiet_request_log):
    patterns = [(key, route, is_org) for key, route, is_org in _walk() if key in rules.RULES]
    failures, excused, seen = [], set(), set()
    size = {"views": len(patterns), "requests": 0, "cells": 0}
    clients = {}
    for role in ROLES:
        client = Client()
        if world.roles[role] is not None:
            client.force_login(world.roles[role].user)
        clients[role] = client
    for key, route, is_org in patterns:
        rule = rules.RULES[key]
        for variant in _variants(rule, is_org):
            url = _url(route, rule, world, variant)
            for role in ROLES:
                size["cells"] += 1
                client = clients[role]
                for method in ("GET", "POST"):
                    allowed = _allowed(rule, role, method, variant, is_org)
                    size["requests"] += 1
                    recorder = _WriteRecorder()
                    with transaction.atomic(), connection.execute_wrapper(recorder):
                        try:
                            response = getattr(client, method.lower())(url)
                            body = _body(response)
                        except Exception as error:  # noqa: BLE001 — a crash is a finding like any other
                            transaction.set_rollback(True)
                            if (key, method, role) in KNOWN_GAPS:
                                excused.add((key, method, role))
                            else:
                                failures.append(f"{key} {method} {url} as {role} ({variant}): raised {error!r}")
                            continue
                        problem = _check(
                            response,
                            body,
                            role=role,
                            allowed=allowed,
                            method=method,
                            rule=rule,
                            is_org=is_org,
                            writes=recorder.writes,
                        )
                        transaction.set_rollback(True)
                    seen |= {(found.decode(), role) for found in MARKER_RE.findall(body)}
                    if problem and (key, method, role) in KNOWN_GAPS:
                        excused.add((key, method, role))
                    elif problem:
                        failures.append(f"{key} {method} {url} as {role} ({variant}): {problem}")
                    if role != rules.ANONYMOUS and "_auth_user_id" not in client.session:
                        client.force_login(world.roles[role].user)  # a sign-out page signed us out
    summary = (
        f"{size['views']} URL patterns × {len(ROLES)} roles, {size['cells']} (URL, role, id variant) cells, "
        f"{size['requests']} requests (GET and POST)"
    )
    print(summary)
    for gap in sorted(set(KNOWN_GAPS) - excused):
        failures.append(f"{gap} is listed in KNOWN_GAPS but no longer fails: remove it")
    for marker, role in sorted(MUST_SEE - seen):
        failures.append(f"{marker} was never shown to {role}: the world or the rules are wrong")
    assert not failures, summary + f"; {len(failures)} failures:\n" + "\n".join(failures)


def test_the_admin_is_closed_to_every_role_of_the_matrix(client, world):
    """The matrix skips the admin (site staff only); none of its roles is staff: each is
    sent to the admin's sign-in, which is itself behind the site's sign-in, and reads nothing."""
    for role in ROLES:
        client.logout()
        if world.roles[role] is not None:
            client.force_login(world.roles[role].user)
        for url in (
            "/admin/",
            "/admin/relationships/meeting/",
            "/admin/relationships/privatenote/",
            "/admin/mentorship/user/",
        ):
            response = client.get(url)
            assert response.status_code == 302, (role, url)
            assert response["Location"].startswith("/admin/login/"), (role, url)
            final = client.get(url, follow=True)
            assert not MARKER_RE.findall(final.content), (role, url)
