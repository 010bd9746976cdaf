"""The emails coordinators may reword: each kind's human name, what it is for, and the
variables an organization's own wording may use (``programs.services.messaging``).

A variable is read from the context the sending code passes to ``mentorship.mail`` (a
dotted path, as a template would) and handed to the coordinator's template as text, so
their wording reaches no object, method or setting; the sample is what the preview shows.
"""

import re
from dataclasses import dataclass

from django.template.loader import get_template


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    path: str
    sample: str
    also: tuple[str, ...] = ()  # other places the sending code may hold the same value

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path, *self.also)


@dataclass(frozen=True)
class EmailKind:
    key: str
    name: str
    purpose: str
    variables: tuple[Variable, ...]


COMMON = (
    Variable("recipient_name", "The reader's full name", "recipient_name", "Ana Lopez"),
    Variable("greeting", "“Hello Ana Lopez,” (or “Hello,” without a name)", "greeting", "Hello Ana Lopez,"),
    Variable(
        "organization_name",
        "Your organization's name",
        "org_name",
        "Alpha Surgical Society",
        also=("organization.name", "mentorship.organization.name", "program.organization.name"),
    ),
    Variable("site_name", "The site's name", "site_name", "Mentorship"),
)

PROGRAM = Variable("program_name", "The program's name", "program.name", "Surgical Mentoring 2026")
MENTOR = Variable("mentor_name", "The mentor's name", "mentorship.mentor.user.full_name", "Dana Reyes")
MENTEE = Variable("mentee_name", "The mentee's name", "mentorship.mentee.user.full_name", "Nia Okafor")
URL = Variable("url", "The link to the page to act on", "url", "https://mentorship.example.org/o/alpha/…")
REMATCH = Variable("rematch_url", "The link to choose a new pairing", "rematch_url", "https://mentorship.example.org/…")
CONTACT = Variable(
    "contact_email",
    "The program office's address",
    "organization.contact_email",
    "office@example.org",
    also=(
        "program.organization.contact_email",
        "request.organization.contact_email",
        "mentorship.organization.contact_email",
    ),
)


def _kind(key: str, name: str, purpose: str, *variables: Variable) -> EmailKind:
    return EmailKind(key, name, purpose, COMMON + variables)


KINDS: tuple[EmailKind, ...] = (
    _kind(
        "application_decision",
        "Application decision",
        "To an applicant when a coordinator accepts, waitlists or declines their application.",
        PROGRAM,
        Variable("decision", "accepted, waitlisted or declined", "application.status", "accepted"),
        Variable("role", "Mentor or Mentee", "application.get_role_display", "Mentee"),
        Variable("decision_label", "Accepted, Waitlisted or Declined", "application.get_status_display", "Accepted"),
        Variable("decision_message", "The coordinator's message", "application.decision_message", "Welcome!"),
        URL,
        CONTACT,
    ),
    _kind(
        "invitation",
        "Invitation to join",
        "To a person a coordinator invites (or imports from a roster).",
        Variable("inviter_name", "Who invited them", "inviter_name", "Maria Santos"),
        Variable("personal_message", "The inviter's message", "invitation.message", "We'd love to have you."),
        Variable("accept_url", "The link to accept", "accept_url", "https://mentorship.example.org/invitations/…"),
        CONTACT,
    ),
    _kind(
        "meeting_invitation",
        "Meeting invitation",
        "To both people of a pairing when a meeting is scheduled or moved (with a calendar invitation).",
        Variable("meeting_title", "The meeting's title", "title", "Mentoring meeting: Dana Reyes and Nia Okafor"),
        Variable("starts_at", "When it starts (the reader's time zone)", "starts_at", "12 May 2026, 17:00"),
        Variable("time_zone", "The reader's time zone", "time_zone", "Europe/Madrid"),
        Variable("scheduled_by", "Who scheduled it", "actor.user.full_name", "Dana Reyes"),
        Variable("location", "Where, or the video link", "meeting.location", "Room 4B"),
        URL,
    ),
    _kind(
        "meeting_cancelled",
        "Meeting cancelled",
        "To both people of a pairing when a meeting is cancelled.",
        Variable("starts_at", "When it was to start", "starts_at", "12 May 2026, 17:00"),
        Variable("time_zone", "The reader's time zone", "time_zone", "Europe/Madrid"),
        Variable("cancelled_by", "Who cancelled it", "actor.user.full_name", "Dana Reyes"),
        URL,
    ),
    _kind(
        "mentorship_started",
        "Pairing confirmed",
        "To both people when their mentorship starts.",
        PROGRAM,
        MENTOR,
        MENTEE,
        Variable("started_on", "The first day", "mentorship.started_on", "4 May 2026"),
        Variable("planned_end_on", "The planned last day", "mentorship.planned_end_on", "4 May 2027"),
        Variable("months", "The minimum commitment, in months", "program.min_commitment_months", "12"),
        Variable("first_meeting_days", "Days to the first meeting", "program.first_meeting_days", "30"),
        URL,
        CONTACT,
    ),
    _kind(
        "mentorship_ended",
        "Mentorship ended",
        "To the other person when one ends a mentorship.",
        PROGRAM,
        MENTOR,
        MENTEE,
        REMATCH,
        URL,
    ),
    _kind(
        "mentorship_ended_coordinator",
        "Mentorship ended (to coordinators)",
        "To the coordinators when a mentorship ends under the no-fault clause.",
        PROGRAM,
        MENTOR,
        MENTEE,
        REMATCH,
    ),
    _kind(
        "mentorship_ended_removed",
        "Mentorship ended by a removal",
        "To the remaining person when the other is removed from the program.",
        PROGRAM,
        REMATCH,
    ),
    _kind(
        "proposal_offered",
        "Pairing offered",
        "To a mentor and a mentee when a pairing is offered to them.",
        PROGRAM,
        Variable("mentor_name", "The mentor's name", "proposal.mentor.user.full_name", "Dana Reyes"),
        Variable("mentee_name", "The mentee's name", "proposal.mentee.user.full_name", "Nia Okafor"),
        URL,
        CONTACT,
    ),
    _kind(
        "proposal_declined",
        "Pairing not going ahead",
        "To the other person when a proposed pairing is declined.",
        PROGRAM,
        Variable("mentor_name", "The mentor's name", "proposal.mentor.user.full_name", "Dana Reyes"),
        Variable("mentee_name", "The mentee's name", "proposal.mentee.user.full_name", "Nia Okafor"),
        CONTACT,
    ),
    _kind(
        "proposal_for_review",
        "Pairing for the committee",
        "To committee members when a pairing awaits their vote.",
        PROGRAM,
        Variable("mentor_name", "The mentor's name", "proposal.mentor.user.full_name", "Dana Reyes"),
        Variable("mentee_name", "The mentee's name", "proposal.mentee.user.full_name", "Nia Okafor"),
        URL,
    ),
    _kind(
        "round_for_review",
        "Match round for the committee",
        "To committee members when a match round's pairings await their votes.",
        PROGRAM,
        Variable("count", "How many pairings", "count", "12"),
        URL,
    ),
    _kind(
        "request_received",
        "Mentoring request received",
        "To a mentor when a mentee asks them to be their mentor.",
        PROGRAM,
        Variable("mentee_name", "The mentee's name", "request.mentee.user.full_name", "Nia Okafor"),
        Variable("request_message", "The mentee's message", "request.message", "I'd value your advice."),
        URL,
    ),
    _kind(
        "request_declined",
        "Mentoring request declined",
        "To a mentee when the mentor declines their request.",
        PROGRAM,
        Variable("mentor_name", "The mentor's name", "request.mentor.user.full_name", "Dana Reyes"),
        URL,
        CONTACT,
    ),
    _kind(
        "request_expired",
        "Mentoring request expired",
        "To a mentee when their request was not answered in time.",
        PROGRAM,
        Variable("mentor_name", "The mentor's name", "request.mentor.user.full_name", "Dana Reyes"),
        URL,
        CONTACT,
    ),
    _kind(
        "agreement_awaiting",
        "Agreement awaiting signature",
        "To the other person when one signs the mentoring agreement.",
        Variable("signer_name", "Who signed", "signer_name", "Dana Reyes"),
        Variable("version", "The agreement's version", "agreement.version", "1"),
        URL,
    ),
    _kind(
        "agreement_signed",
        "Agreement signed",
        "To both people when both have signed the agreement.",
        Variable("version", "The agreement's version", "agreement.version", "1"),
        URL,
    ),
    _kind(
        "agreement_consent_withdrawn",
        "E-signature consent withdrawn",
        "To the coordinators when someone withdraws their consent to sign electronically.",
        Variable("name", "Who withdrew it", "name", "Nia Okafor"),
    ),
    _kind(
        "quarterly_report_confirmed",
        "Quarterly report to confirm",
        "To the other person when one confirms the pair's quarterly report.",
        PROGRAM,
        Variable("quarter", "The quarter", "label", "Q2 2026"),
        Variable("confirmed_by", "Who confirmed it", "actor.user.full_name", "Dana Reyes"),
        URL,
    ),
    _kind(
        "quarterly_report_submitted",
        "Quarterly report submitted",
        "To both people when their quarterly report is submitted.",
        PROGRAM,
        Variable("quarter", "The quarter", "label", "Q2 2026"),
        URL,
    ),
    _kind(
        "quarterly_report_coordinator",
        "Quarterly report (to coordinators)",
        "To the coordinators when a pair submits a quarterly report.",
        PROGRAM,
        MENTOR,
        MENTEE,
        Variable("quarter", "The quarter", "label", "Q2 2026"),
        Variable("reports_url", "The program's reports page", "program_url", "https://mentorship.example.org/…"),
    ),
    _kind(
        "yearly_review_answered",
        "Yearly review waiting",
        "To the other person when one answers the yearly review.",
        PROGRAM,
        URL,
    ),
    _kind(
        "yearly_review_completed",
        "Yearly review complete",
        "To both people when both answered the yearly review.",
        PROGRAM,
        MENTOR,
        MENTEE,
        URL,
    ),
    _kind(
        "yearly_review_concluded",
        "Mentorship concluded at review",
        "To both people when their mentorship concludes at its yearly review.",
        PROGRAM,
        MENTOR,
        MENTEE,
        REMATCH,
    ),
    _kind(
        "yearly_review_concluded_coordinator",
        "Mentorship concluded (to coordinators)",
        "To the coordinators when a mentorship concludes at its yearly review.",
        PROGRAM,
        MENTOR,
        MENTEE,
        REMATCH,
    ),
    _kind(
        "feedback_received",
        "Feedback received",
        "To the coordinators when a member sends feedback.",
        Variable("program_name", "The program, if any", "program.name", "Surgical Mentoring 2026"),
        URL,
    ),
    _kind(
        "reminder",
        "Reminder",
        "Every reminder and nudge (check-ins, quiet mentorships, surveys, signatures, reports): its headline and link.",
        Variable("headline", "What is due", "headline", "Your 6-month assessment is open"),
        Variable("action", "The button's words", "action", "Answer the survey"),
        Variable("link", "The link to act on", "link", "https://mentorship.example.org/…"),
    ),
    _kind(
        "digest",
        "Daily digest",
        "Once a day, to people who chose a digest for messages or nudges: what is new, each with its link.",
        Variable("count_text", "How much is new", "count_text", "3 new things"),
        Variable(
            "items_text",
            "What is new, one line each with its link",
            "items_text",
            "• Dana Reyes sent you 2 messages: https://mentorship.example.org/…",
        ),
        Variable("more", "How many more are on the notifications page (empty when none)", "more", "2"),
        Variable("link", "The link to the notifications page", "link", "https://mentorship.example.org/o/alpha/…"),
        Variable(
            "settings_link", "The link to the email preferences", "settings_link", "https://mentorship.example.org/…"
        ),
    ),
)

# Not reworded: the confirmation of the contact address (it must say what it is, whatever a
# coordinator wrote) and announcements (written afresh each time).
BY_KEY = {kind.key: kind for kind in KINDS}


def sample_context(kind: EmailKind) -> dict[str, str]:
    return {variable.name: variable.sample for variable in kind.variables}


# --- The default wording, in the editor's terms ---------------------------------------------------

KEYWORDS = frozenset({"and", "or", "not", "in", "is", "None", "True", "False"})
STRING = re.compile(r"\"[^\"]*\"|'[^']*'")
TOKEN = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def _source(name: str) -> str:
    return get_template(name).template.source


def translate(kind: EmailKind, source: str) -> str | None:
    """A default template rewritten with the kind's variable names (``program.name`` becomes
    ``program_name``), or None when it uses something the editor does not offer."""
    source = source.replace("{% autoescape off %}", "").replace("{% endautoescape %}", "")
    paths = sorted(((path, v.name) for v in kind.variables for path in v.paths), key=lambda pair: -len(pair[0]))
    names = {v.name for v in kind.variables}

    def rename(match: re.Match) -> str:
        token = match.group(0)
        for path, name in paths:
            token = re.sub(rf"(?<![\w.]){re.escape(path)}(?![\w.])", name, token)
        return token

    source = TOKEN.sub(rename, source)
    # Variables are text already (dates written out): a date format has nothing to format.
    source = re.sub(r"\|date:(\"[^\"]*\"|'[^']*')", "", source)
    for token in TOKEN.findall(source):
        inner = STRING.sub('""', token[2:-2]).strip()
        if token.startswith("{{"):
            head = inner.split("|")[0].strip()
            if head not in names:
                return None
            continue
        words = inner.split()
        if not words:
            return None
        if words[0] in ("if", "elif"):
            for word in re.findall(r"[A-Za-z_][\w.]*", inner.split(None, 1)[1] if len(words) > 1 else ""):
                if word not in names and word not in KEYWORDS:
                    return None
        elif words[0] not in ("else", "endif", "comment", "endcomment"):
            return None
    return source.strip()


def default_wording(kind: EmailKind) -> tuple[str, str]:
    """(subject, body) to start the editor from: the default email in the editor's terms, or
    a short draft when the default uses more than the listed variables."""
    subject = translate(kind, _source(f"email/{kind.key}_subject.txt"))
    body = translate(kind, _source(f"email/{kind.key}_message.txt"))
    if subject is None:
        subject = f"{kind.name} · {{{{ organization_name }}}}"
    if body is None:
        body = "{{ greeting }}\n\n" + kind.purpose
    return " ".join(subject.split()), body
