"""Support for tests/test_bad_input.py: the world the hostile requests run in, the forms
read from its pages, and the strategies that make the hostile values.

The world is one organization A with a committee program ("society"), a hub program
("hubs") and a self-select program ("alumni"); a pairing in the society program with a
meeting, a goal, a follow-up task, an agreement draft, a quarterly report draft, a yearly
review due and a document; an offer, a proposal awaiting the committee, an open request,
a submitted application, a survey being drafted and an open survey invitation. Organization
B has the same, so that B's ids can be sent to A's forms.
"""

import os
import re
import string
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import strategies as st

from agreements.models import Agreement, AgreementStatus
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
from relationships.models import Conversation, FollowUpTask, Goal, Meeting, MeetingStatus, Mentorship, Message
from surveys.models import Feedback, QuarterlyReport, Question, Survey, SurveyInvitation, SurveyWave
from surveys.periods import quarter_of
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
    ProgramFactory,
)
from tests.integrations.support import world_ids as integrations_world_ids
from tests.privacy.isolation_support import privacy_ids  # issue 20
from tests.project import PROJECT_APPS
from tests.sso.world import sso_world  # issue 20, single sign-on

# --- The world ------------------------------------------------------------------------------


@dataclass
class World:
    roles: dict  # role -> Membership of A (rules.MEMBER, MENTEE, MENTOR, COMMITTEE, COORDINATOR)
    ids: dict  # object kind -> id in A (the kinds of tests/isolation_rules.py)
    slugs: dict  # program kind -> slug in A
    foreign_ids: list = field(default_factory=list)  # ids of B's objects (and of A's other pairing)


def _questions(org, survey):
    Question.objects.create(organization=org, survey=survey, position=1, kind="likert", text="Useful?")
    Question.objects.create(
        organization=org, survey=survey, position=2, kind="multiple", text="Topics?", choices=["Research", "Career"]
    )
    Question.objects.create(organization=org, survey=survey, position=3, kind="rating", text="Rate it")
    Question.objects.create(organization=org, survey=survey, position=4, kind="text", text="Comments", required=False)


def _pairing(org, programs, *, mentor, mentee, coordinator, wave) -> dict:
    today, now = timezone.localdate(), timezone.now()
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
        starts_at=now - timedelta(hours=2),
        location="Room 1",
        agenda="Plans",
        status=MeetingStatus.SCHEDULED,
    )
    task = FollowUpTask.objects.create(
        organization=org, mentorship=mentorship, meeting=meeting, description="Read", owner=mentee, created_by=mentor
    )
    goal = Goal.objects.create(organization=org, mentorship=mentorship, title="Publish", created_by=mentee)
    sections = [
        {"key": "goals", "heading": "Goals", "editable": True, "guidance": ""},
        {"key": "meetings", "heading": "Meetings", "editable": True, "guidance": ""},
    ]
    agreement = Agreement.objects.create(
        organization=org,
        mentorship=mentorship,
        version=1,
        status=AgreementStatus.DRAFT,
        title="Mentoring Partnership Agreement",
        sections=sections,
        content={"goals": "Grow", "meetings": "Monthly"},
        revision=1,
    )
    this_quarter = quarter_of(today)  # always open for writing
    QuarterlyReport.objects.create(
        organization=org,
        mentorship=mentorship,
        year=this_quarter[0],
        quarter=this_quarter[1],
        goals_achieved="Some",
        revision=1,
    )
    YearlyReview.objects.create(organization=org, mentorship=mentorship, due_on=today + timedelta(days=10))
    document = MentorshipDocument(organization=org, mentorship=mentorship, uploaded_by=mentee, kind="cv", size=20)
    document.file.save("cv.pdf", ContentFile(b"%PDF-1.4\n% document"), save=False)
    document.save()
    conversation = Conversation.objects.create(
        organization=org, mentorship=mentorship, message_count=1, last_message_at=now
    )
    message = Message.objects.create(organization=org, conversation=conversation, author=mentee, body="Hello")
    offer = Proposal.objects.create(
        organization=org, program=society, mentor=mentor, mentee=mentee, status="offered", offered_at=now
    )
    proposal = Proposal.objects.create(
        organization=org,
        program=society,
        mentor=MembershipFactory(organization=org),
        mentee=MembershipFactory(organization=org),
        status="proposed",
    )
    request = MentorshipRequest.objects.create(
        organization=org, program=alumni, mentee=mentee, mentor=mentor, message="Hello", expires_at=now + timedelta(10)
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
    invitation = SurveyInvitation.objects.create(
        organization=org, wave=wave, membership=mentee, role="mentee", program=society
    )
    notification = Notification.objects.create(
        organization=org,
        recipient=mentee,
        kind="offer",
        category="obligation",
        title="A pairing is waiting for your answer",
        path=f"/o/{org.slug}/",
        key=f"offer:{offer.pk}",
    )
    circles = circle_ids(org, programs["circles"], mentor=mentor, mentee=mentee)
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
        "report_year": this_quarter[0],
        "report_quarter": this_quarter[1],
        "offer": offer.pk,
        "proposal": proposal.pk,
        "request": request.pk,
        "application": application.pk,
        "profile": profile.pk,
        "membership": mentee.pk,
        "alumni_mentor": mentor.pk,
        "survey_token": invitation.token,
        "notification": notification.pk,
        # Scheduled, starting tomorrow: the coordinator's add, remove, build and held forms show.
        **speed_world(org, society, mentor=mentor, mentee=mentee, marker="", status="scheduled"),
        **privacy_ids(mentee),  # issue 20: the mentee's export and request to be erased
    }


def build_organization(org, *, prefix: str) -> tuple[dict, dict, dict]:
    """Roles, ids and program slugs of one organization (all queries unscoped: call it
    inside ``scopes_disabled()``)."""
    roles = {
        rules.MEMBER: MembershipFactory(organization=org),
        rules.MENTEE: MembershipFactory(organization=org),
        rules.MENTOR: MembershipFactory(organization=org),
        rules.COMMITTEE: MembershipFactory(organization=org, is_committee=True),
        rules.COORDINATOR: MembershipFactory(organization=org, is_coordinator=True),
    }
    coordinator = roles[rules.COORDINATOR]
    programs = {
        "society": ProgramFactory(organization=org, slug=f"{prefix}society", quarterly_reports=True),
        "hubs": ProgramFactory(organization=org, slug=f"{prefix}hubs", model=ProgramModel.HUBS),
        "alumni": ProgramFactory(organization=org, slug=f"{prefix}alumni", model=ProgramModel.SELF_SELECT),
        "circles": ProgramFactory(organization=org, slug=f"{prefix}circles", model=ProgramModel.CIRCLES),
    }
    programs["society"].guide.save("guide.pdf", ContentFile(b"%PDF-1.4\n% guide"))
    group = AffinityGroupFactory(organization=org, program=programs["hubs"])
    hub = HubFactory(affinity_group=group)
    hub_mentor = HubMentorFactory(hub=hub, membership=MembershipFactory(organization=org))
    today = timezone.localdate()
    open_survey = Survey.objects.create(
        organization=org, program=programs["society"], title="Open survey", anonymous=False, status="active"
    )
    _questions(org, open_survey)
    wave = SurveyWave.objects.create(
        organization=org, survey=open_survey, opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=10)
    )
    draft_survey = Survey.objects.create(organization=org, program=programs["society"], title="Draft survey")
    _questions(org, draft_survey)
    invitation = InvitationFactory(organization=org, invited_by=coordinator.user)
    ids = {
        "hub": hub.pk,
        "hub_mentor": hub_mentor.pk,
        "affinity_group": group.pk,
        "match_round": MatchRound.objects.create(
            organization=org, program=programs["society"], created_by=coordinator
        ).pk,
        "roster": RosterImport.objects.create(organization=org, created_by=coordinator, filename="roster.csv").pk,
        "circle_round": formation_round_id(org, programs["circles"], coordinator),
        "invitation": invitation.pk,
        "invitation_token": Invitation.objects.get(pk=invitation.pk).token,
        "contact_token": contact_confirmation_token(org),
        "unsubscribe_token": unsubscribe_token(coordinator),
        "survey": draft_survey.pk,
        "open_survey": open_survey.pk,
        "feedback": Feedback.objects.create(organization=org, program=programs["society"], text="Thanks").pk,
        "role": "mentee",
        "health_table": "applications",
        "email_kind": "application_decision",
        "mail_message": "20260101T000000-" + "0" * 32,
    }
    ids |= _pairing(
        org, programs, mentor=roles[rules.MENTOR], mentee=roles[rules.MENTEE], coordinator=coordinator, wave=wave
    )
    # Issue 20, webhooks and calendar feeds: a webhook with a delivery, the coordinator's calendar link.
    ids |= integrations_world_ids(org, coordinator, "")
    ids |= sso_world(org)  # issue 20: the organization's single sign-on connection
    # Issue 20 (api): an API token to revoke.
    ids["api_token"] = token_create(actor=coordinator, name="Sync", scopes=["programs:read"]).token.pk
    return roles, ids, {kind: p.slug for kind, p in programs.items()}


# --- Forms read from the pages -----------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, hidden, number, date, file, submit, ...
    values: list = field(default_factory=list)  # the values the page offers (options, checkbox values)
    default: str | None = None
    multiple: bool = False


@dataclass
class Form:
    page: str  # where it was found
    action: str  # the path it posts to
    multipart: bool
    fields: dict = field(default_factory=dict)  # name -> Field
    buttons: list = field(default_factory=list)  # (name, value) of named submit buttons


class FormParser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: str | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() != "post":
                self._form = None
                return
            action = urlsplit(a.get("action") or self.page).path or self.page
            self._form = Form(page=self.page, action=action, multipart="multipart" in (a.get("enctype") or ""))
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or not a.get("name") and tag != "option":
            return
        name = a.get("name")
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "image"):
                form.buttons.append((name, a.get("value") or ""))
                return
            current = form.fields.setdefault(name, Field(name=name, kind=kind))
            value = a.get("value")
            if kind in ("checkbox", "radio"):
                current.values.append(value if value is not None else "on")
                current.multiple = current.multiple or kind == "checkbox"
                if "checked" in a and current.default is None:
                    current.default = value if value is not None else "on"
            elif current.default is None:
                current.default = value or ""
        elif tag == "button":
            if (a.get("type") or "submit").lower() == "submit":
                form.buttons.append((name, a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = form.fields.setdefault(name, Field(name=name, kind="textarea", default=""))
        elif tag == "select":
            self._select = form.fields.setdefault(name, Field(name=name, kind="select", multiple="multiple" in a))
        elif tag == "option" and self._select is not None:
            value = a.get("value")
            self._option = value
            if value is not None:
                self._select.values.append(value)
                if "selected" in a and self._select.default is None:
                    self._select.default = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.default = (self._textarea.default or "") + data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            if self._select is not None and self._select.default is None and self._select.values:
                self._select.default = self._select.values[0]
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option":
            self._option = None


def read_forms(page: str, html: str) -> list[Form]:
    parser = FormParser(page)
    parser.feed(html)
    return parser.forms


# --- Hostile values ----------------------------------------------------------------------------

# Control characters (NUL comes in _HOSTILE_WORDS), bidirectional overrides, zero-width
# joiners, emoji, combining marks.
_CONTROL = "".join(chr(c) for c in range(1, 32)) + "\x7f\x85"
_HOSTILE_WORDS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR '1'='1' --",
    "Robert'); DROP TABLE programs_membership;--",
    "{{ 7|add:7 }}{% debug %}",
    "${7*7}",
    "../../../../etc/passwd",
    "%00%0d%0aSet-Cookie: x=1",
    "\u202egnp.exe",
    "\u200f\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\U0001f525" * 20,
    "Z\u0351\u0357\u0363\u0364a\u0350\u036c\u0352l\u035c\u0360g\u0361o",
    "\ufeff\ufffd\uffff",
    "\ud7ff\ue000\U0010fffd",
    " \t ",
    "=cmd|' /C calc'!A0",
    "a" * 5001,
]
_NUMBERS = [
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "Infinity",
    "-0",
    "0x10",
    "9" * 40,
    "-9223372036854775809",
    "2147483648",
    "32768",
    "١٢٣",  # Arabic-Indic digits
    "1_000",
]
_DATES = [
    "9999-12-31",
    "0000-00-00",
    "0001-01-01",
    "yesterday",
    "2023-02-29",
    "2024-13-01",
    "31/12/2024",
    "2024-01-01T25:61",
    "9999-12-31T23:59",
    "1900-01-01T00:00",
    "2024-06-01 10:00:00+99:00",
]

# NUL: PostgreSQL refuses it in text and JSON, so a view that stores it unchecked fails there.
_HOSTILE_WORDS += ["a\x00b", "\x00", "%00\x00<script>"]

hostile_text = st.one_of(
    st.sampled_from(_HOSTILE_WORDS),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=200),
    st.text(alphabet=_CONTROL + string.ascii_letters, min_size=1, max_size=40),
    st.integers(min_value=1000, max_value=100_000).map(lambda n: ("Ж" + "x" * 9) * (n // 10)),
)
hostile_number = st.one_of(
    st.sampled_from(_NUMBERS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
hostile_date = st.sampled_from(_DATES)


def hostile_value(foreign_ids: list) -> st.SearchStrategy:
    """One value a field could receive from someone who does not use the page."""
    choices = [hostile_text, hostile_number, hostile_date, st.just("")]
    if foreign_ids:
        choices.append(st.sampled_from(foreign_ids).map(str))
    return st.one_of(*choices)


def uploaded_file() -> st.SearchStrategy:
    contents = st.one_of(
        st.just(b""),
        st.just(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),
        st.just(b"MZ\x90\x00\x03\x00\x00\x00"),
        st.just(b"email,full_name\n=cmd|'/C calc'!A0,<script>\n\xff\xfe,bad\n"),
        st.just(b"\x89PNG\r\n\x1a\n"),
        st.binary(max_size=2000),
    )
    names = st.one_of(
        st.sampled_from(
            ["cv.pdf", "roster.csv", "evil.exe", "../../x.pdf", "a" * 300 + ".pdf", "no-extension", ".pdf"]
        ),
        hostile_text.map(lambda text: text[:120] or "x"),
    )
    types = st.sampled_from(["application/pdf", "text/csv", "application/octet-stream", "image/png", "text/html"])
    # A name with no last component ("../", "/") cannot be built into an upload at all.
    names = names.map(lambda name: name if os.path.basename(name) not in ("", ".", "..") else name + "x")
    return st.builds(SimpleUploadedFile, names, contents, types)


MARKERS_OF_AN_ERROR = re.compile(
    rb"invalid-feedback|errorlist|is-invalid|alert-danger|alert-warning|alert alert-|role=\"alert\""
)


# --- Query strings: the GET forms and links of the pages, and the names the code reads ---------


@dataclass
class QueryField:
    name: str
    kind: str  # text, search, number, select, checkbox, radio, hidden, ...
    values: list = field(default_factory=list)  # a select's options, a checkbox's value
    maxlength: int | None = None
    min: int | None = None
    max: int | None = None


@dataclass
class QueryForms:
    """What a page offers for its own query string and for other pages' ones."""

    fields: dict = field(default_factory=dict)  # path -> {name: QueryField} (GET forms)
    links: dict = field(default_factory=dict)  # path -> {name: {values}} (links with a query)


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


class QueryParser(HTMLParser):
    """``<form method="get">`` fields (with their options and limits) and the names and
    values of every link's query string, by the path each one goes to."""

    def __init__(self, page: str, found: QueryForms):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.found = found
        self._fields: dict | None = None
        self._select: QueryField | None = None

    def _path(self, target: str | None) -> str:
        return urlsplit(target or self.page).path or self.page

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "?" in (a.get("href") or ""):
            parts = urlsplit(a["href"])
            names = self.found.links.setdefault(self._path(parts.path), {})
            for pair in parts.query.split("&"):
                name, _, value = pair.partition("=")
                if name:
                    names.setdefault(name, set()).add(value)
            return
        if tag == "form":
            method = (a.get("method") or "get").lower()
            self._fields = self.found.fields.setdefault(self._path(a.get("action")), {}) if method == "get" else None
            return
        if self._fields is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "image", "button", "reset"):
                return
            current = self._fields.setdefault(name, QueryField(name=name, kind=kind))
            if a.get("value") is not None and kind in ("checkbox", "radio"):
                current.values.append(a["value"])
            current.maxlength = _int(a.get("maxlength")) or current.maxlength
            current.min, current.max = _int(a.get("min")), _int(a.get("max"))
        elif tag == "select" and name:
            self._select = self._fields.setdefault(name, QueryField(name=name, kind="select"))
        elif tag == "option" and self._select is not None and a.get("value") is not None:
            self._select.values.append(a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None


def read_query_forms(page: str, html: str, found: QueryForms) -> None:
    QueryParser(page, found).feed(html)


_GET_READ = re.compile(r"""\bGET(?:\.get(?:list)?\(\s*|\[\s*)["'](\w+)["']""")


def query_names_in_code(root) -> set[str]:
    """Every query-string name the project reads: ``request.GET.get("x")`` and
    ``request.GET["x"]`` in its source, and the fields of every ``FilterForm``."""
    from mentorship.filters import FilterForm

    names = set()
    for app in PROJECT_APPS:
        for path in (root / app).rglob("*.py"):
            if "migrations" not in path.parts:
                names |= set(_GET_READ.findall(path.read_text()))
    todo = list(FilterForm.__subclasses__())
    while todo:
        form = todo.pop()
        todo += form.__subclasses__()
        names |= set(form.base_fields)
    return names


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text)


_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


def must_be_refused(query_field: QueryField, value: str) -> bool:
    """Whether a filter of the page's own form must say that ``value`` is not usable: a
    control character anywhere, a select's value that is not one of its options, text
    longer than the field allows, a number that is not a whole number in its range."""
    if _has_control(value):
        return True
    if value.strip() == "":  # no filter: the page's default
        return False
    if query_field.kind in ("select", "radio"):
        return value not in query_field.values
    if query_field.kind == "number":
        if not _INTEGER.fullmatch(value):
            return value.strip() != ""
        number = int(value)
        return (query_field.min is not None and number < query_field.min) or (
            query_field.max is not None and number > query_field.max
        )
    if query_field.maxlength is not None:
        return len(value.strip()) > query_field.maxlength
    return False


# Values for query strings: the hostile texts, numbers and dates above, with NUL and other
# control characters in every shape, plus a few that look like what a page sends.
_QUERY_WORDS = [
    "\x00",
    "a\x00",
    "%00",
    "\x00" * 3 + "q",
    "1\x00",
    "x\x1b[31m",
    "a\r\nb",
    "\t",
    "\x7f",
    "\x85",
    "²",
    "¹²",
]
hostile_query_value = st.one_of(
    hostile_text,
    hostile_number,
    hostile_date,
    st.sampled_from(_QUERY_WORDS),
    st.just(""),
    st.integers(min_value=-5, max_value=10**6).map(str),
)
