"""Issue 13, item 11: an anonymous survey's answers stay anonymous across *every combination*
of views, filters, exports and dates, not view by view.

The test plays the adversary. Every answer carries a marker the adversary can see wherever
the answer shows: its written answer starts with ``[rNN]``, and it ticks its own option
``mNN`` of a multiple-choice question, so any page or CSV that counts it shows a 1 against
``mNN``. Each view (a page or a download, with a combination of its filters, at a date)
thus shows a *set* of answers. The adversary is assumed to know who answered, when, in which
wave and role (the invitations and the reminders log tell as much), and may intersect and
subtract any of these sets. So every atom of the partition the sets make (the answers that
lie in exactly the same views) must hold none or at least 5 answers: no text and no count
can then be pinned on fewer than 5 people.

The views are discovered, not listed: every page of the surveys app a coordinator can open
for the survey (results, the survey list, program health, REDCap, reminders...), each
combination of the filters its GET forms offer, and every CSV those pages link to. A filter
added later is covered without touching this test.

The answers reproduce the reported leak: wave 2 (4 mentors and 1 mentee) and the mentees of
waves 1 and 2 (4 + 1) each held 5 written answers, and their overlap was the one mentee who
wrote "I am being harassed by my mentor and want out".
"""

import csv
import io
import itertools
import re
from collections import defaultdict
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
import time_machine
from django.urls import URLPattern, reverse
from django_scopes import scope, scopes_disabled

from programs.models import Membership
from surveys import tasks
from surveys import urls as survey_urls
from surveys.models import Question, SurveyInvitation
from surveys.services import answers as answering
from surveys.services import surveys as builder
from tests.factories import MentorshipFactory, ProgramFactory

pytestmark = pytest.mark.django_db

MIN_GROUP = 5
HARASSED = "I am being harassed by my mentor and want out"
TEXT_MARKER = re.compile(r"\[r(\d\d)\]")
# An option "mNN" followed by its count: a table row, a chart label, or a CSV row.
COUNT_MARKER = re.compile(r"\bm(\d\d)\b[\s,\"']+(\d+)\b")
MAX_COMBINATIONS = 64  # beyond this, a form's fields are varied one at a time


def at(year, month, day, hour=10):
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=UTC), tick=False)


# --- The survey and its answers ------------------------------------------------------------


def _pairs(program, count):
    return MentorshipFactory.create_batch(count, program=program, started_on=date(2025, 12, 1))


# (wave, role, which pairing (program, index), day of the month). 25 answers in all:
# wave 1: 6 mentors, 4 mentees; wave 2: 4 mentors, 1 mentee; wave 3: 5 mentors, 5 mentees,
# three of each from the small second program.
PLAN = (
    [(1, "mentor", ("big", i), 6 + i) for i in range(6)]
    + [(1, "mentee", ("big", i), 7 + i) for i in range(4)]
    + [(2, "mentor", ("big", i), 6 + i) for i in range(4)]
    + [(2, "mentee", ("big", 4), 12)]
    + [(3, "mentor", ("big", 6 + i), 6 + i) for i in range(2)]
    + [(3, "mentor", ("small", i), 9 + i) for i in range(3)]
    + [(3, "mentee", ("big", 6 + i), 7 + i) for i in range(2)]
    + [(3, "mentee", ("small", i), 11 + i) for i in range(3)]
)
MONTH_OF_WAVE = {1: 1, 2: 2, 3: 3}


def _answers(questions, number: int, wave: int, role: str) -> dict:
    likert, rating, text, marks_a, marks_b = questions
    said = HARASSED if (wave, role) == (2, "mentee") else f"Notes from a {role} in wave {wave}"
    marker = f"m{number:02d}"
    return {
        likert.pk: str(1 + number % 5),
        rating.pk: str(number % 11),
        text.pk: f"[r{number:02d}] {said}",
        marks_a.pk: [marker] if marker in marks_a.choices else [],
        marks_b.pk: [marker] if marker in marks_b.choices else [],
    }


def _world(coordinator):
    org = coordinator.organization
    with at(2026, 1, 2):
        big = ProgramFactory(organization=org, slug="big", name="Big program", six_month_assessment=False)
        small = ProgramFactory(organization=org, slug="small", name="Small program", six_month_assessment=False)
        pairs = {"big": _pairs(big, 10), "small": _pairs(small, 3)}
        with scope(organization=org):
            survey = builder.survey_create(
                actor=coordinator,
                title="How is the program going?",
                intro="",
                program=None,
                audience="both",
                anonymous=True,
                schedule="every_n_months",
                interval_months=1,
                opens_on=date(2026, 1, 5),
                open_days=20,
            )
            for kind, text, choices, required in (
                ("likert", "I feel supported.", "", True),
                ("rating", "How valuable is the program?", "", True),
                ("text", "Anything you want us to know?", "", True),
                ("multiple", "Marker A", "\n".join(f"m{n:02d}" for n in range(1, 21)), False),
                ("multiple", "Marker B", "\n".join(f"m{n:02d}" for n in range(21, 41)), False),
            ):
                builder.question_add(
                    actor=coordinator, survey=survey, kind=kind, text=text, choices=choices, required=required
                )
            builder.survey_activate(actor=coordinator, survey=survey)
    with scopes_disabled():
        questions = list(Question.objects.filter(survey=survey).order_by("position"))
    for wave in (1, 2, 3):
        month = MONTH_OF_WAVE[wave]
        with at(2026, month, 5, 6):
            tasks.scan()  # opens the wave and records the invitations' reminders
        for number, (answer_wave, role, (program, index), day) in enumerate(PLAN, start=1):
            if answer_wave != wave:
                continue
            person = getattr(pairs[program][index], role)
            with at(2026, month, day, 8 + number % 9), scopes_disabled():
                invitation = SurveyInvitation.objects.select_related("membership").get(
                    wave__survey=survey, wave__number=wave, membership=person
                )
                with scope(organization=org):
                    answering.survey_submit(
                        actor=invitation.membership,
                        invitation=invitation,
                        answers=_answers(questions, number, wave, role),
                    )
        with at(2026, month, 22, 6):
            tasks.scan()  # last calls: the log now shows who had not answered
    return survey, [big, small]


# --- Discovering the views ------------------------------------------------------------------


class _Page(HTMLParser):
    """The GET forms of a page (field name → values to try: every option of a select, both
    states of a checkbox, empty and ``probe`` for a text box) and the CSV files it links to."""

    def __init__(self, probe: str = ""):
        super().__init__(convert_charrefs=True)
        self.probe = probe
        self.forms: list[dict[str, list[str]]] = []
        self.csv_links: list[str] = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and urlsplit(a.get("href") or "").path.endswith(".csv"):
            self.csv_links.append(a["href"])
        elif tag == "form" and (a.get("method") or "get").lower() == "get":
            self._form = {}
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._select.append(a.get("value", ""))
        elif self._form is None or not a.get("name"):
            return
        elif tag == "select":
            self._select = self._form.setdefault(a["name"], [])
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self._form.setdefault(a["name"], [""]).append(a.get("value") or "on")
            elif kind == "hidden":
                self._form.setdefault(a["name"], []).append(a.get("value") or "")
            elif kind not in ("submit", "button", "reset", "image"):
                self._form.setdefault(a["name"], [""]).append(self.probe)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def _combinations(form: dict[str, list[str]]) -> list[dict[str, str]]:
    fields = {name: list(dict.fromkeys(values)) or [""] for name, values in form.items()}
    total = 1
    for values in fields.values():
        total *= len(values)
    if total <= MAX_COMBINATIONS:
        return [dict(zip(fields, chosen, strict=True)) for chosen in itertools.product(*fields.values())]
    base = {name: values[0] for name, values in fields.items()}
    return [base] + [{**base, name: value} for name, values in fields.items() for value in values[1:]]


def _seed_urls(survey, programs) -> list[str]:
    """Every surveys page a coordinator can open for this survey or its programs."""
    fill = {"org_slug": ["alpha"], "pk": [survey.pk], "program_slug": [p.slug for p in programs]}
    urls = []
    for pattern in survey_urls.org_urlpatterns:
        assert isinstance(pattern, URLPattern)
        names = ["org_slug", *pattern.pattern.converters]
        if any(name not in fill for name in names):
            continue  # a token, a year: not a view of the survey (a CSV table is found by its link)
        for values in itertools.product(*(fill[name] for name in names)):
            urls.append(reverse(pattern.name, kwargs=dict(zip(names, values, strict=True))))
    return urls


def _shown(body: str) -> set[int]:
    """The answers (by number) a page or a CSV shows: by their text, or by a count of 1+."""
    text = re.sub(r"<[^>]+>", " ", body)
    shown = {int(n) for n in TEXT_MARKER.findall(text)}
    shown |= {int(n) for n, count in COUNT_MARKER.findall(text) if int(count) > 0}
    return shown


def _csv_text(content: bytes) -> str:
    rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    return "\n".join(", ".join(f'"{cell}"' for cell in row) for row in rows)


def _crawl(client, survey, programs, probe: str) -> tuple[dict[str, set[int]], dict]:
    """{view: answers shown} for every discovered view, and what was discovered."""
    views: dict[str, set[int]] = {}
    found = {"filters": defaultdict(set), "csv": set()}

    def fetch(url: str):
        if url in views:
            return None
        response = client.get(url)
        if response.status_code != 200:
            views[url] = set()
            return None
        if response.get("Content-Type", "").startswith("text/csv"):
            views[url] = _shown(_csv_text(response.getvalue()))
            return None
        body = response.content.decode()
        views[url] = _shown(body)
        return body

    for seed in _seed_urls(survey, programs):
        body = fetch(seed)
        if body is None:
            continue
        pages = [(seed, body)]
        parser = _Page(probe)
        parser.feed(body)
        for form in parser.forms:
            found["filters"][urlsplit(seed).path] |= set(form)
            for combination in _combinations(form):
                query = {name: value for name, value in combination.items() if value != ""}
                url = f"{seed}?{urlencode(query)}" if query else seed
                filtered = fetch(url)
                if filtered is not None:
                    pages.append((url, filtered))
        for _url, page_body in pages:
            links = _Page()
            links.feed(page_body)
            for link in links.csv_links:
                found["csv"].add(urlsplit(link).path)
                fetch(link)
    return views, found


# --- The adversary --------------------------------------------------------------------------


def _small_atoms(views: dict[str, set[int]]) -> list[tuple[set[int], list[str]]]:
    """Groups of answers that lie in exactly the same views, with fewer than MIN_GROUP in them."""
    signature = defaultdict(set)
    for view, shown in views.items():
        for number in shown:
            signature[number].add(view)
    atoms = defaultdict(set)
    for number, where in signature.items():
        atoms[frozenset(where)].add(number)
    return [(members, sorted(where)[:4]) for where, members in atoms.items() if len(members) < MIN_GROUP]


def _pair_leaks(views: dict[str, set[int]]) -> list[str]:
    """Any two views whose overlap or difference holds 1 to 4 answers."""
    shown = {view: answers for view, answers in views.items() if answers}
    leaks = []
    for (a, sa), (b, sb) in itertools.combinations(shown.items(), 2):
        for what, group in (("both", sa & sb), ("first only", sa - sb), ("second only", sb - sa)):
            if 0 < len(group) < MIN_GROUP:
                leaks.append(f"{a} × {b}: {what} → answers {sorted(group)}")
    return leaks


def test_no_combination_of_views_filters_exports_and_dates_singles_out_an_answer(client, coordinator_a):
    survey, programs = _world(coordinator_a)
    with scopes_disabled():
        probe = Membership.objects.filter(organization=coordinator_a.organization).exclude(pk=coordinator_a.pk)[0]
    views: dict[str, set[int]] = {}
    discovered = {"filters": defaultdict(set), "csv": set()}
    # After each month's answers, in the middle of a month, and once everything is released.
    for moment in ((2026, 2, 2), (2026, 3, 2), (2026, 3, 20), (2026, 4, 2)):
        with at(*moment):
            client.force_login(coordinator_a.user)
            seen, found = _crawl(client, survey, programs, probe.user.email)
        views.update({f"{date(*moment)} {view}": shown for view, shown in seen.items()})
        for path, names in found["filters"].items():
            discovered["filters"][path] |= names
        discovered["csv"] |= found["csv"]

    # The crawl found the filters and exports it must try (it would otherwise prove nothing).
    results = reverse("survey_results", kwargs={"org_slug": "alpha", "pk": survey.pk})
    assert {"wave", "role"} <= discovered["filters"][results]
    assert {"q", "kind", "status"} <= discovered["filters"][reverse("reminder_log", kwargs={"org_slug": "alpha"})]
    assert "program" in discovered["filters"][reverse("health_dashboard", kwargs={"org_slug": "alpha"})]
    for name in ("survey_results_csv", "reminder_log_csv", "redcap_records", "redcap_dictionary"):
        kwargs = {"org_slug": "alpha", **({"pk": survey.pk} if name == "survey_results_csv" else {})}
        assert reverse(name, kwargs=kwargs) in discovered["csv"], name
    assert any("/health/" in path and path.endswith(".csv") for path in discovered["csv"])
    # Everything released by April is shown somewhere: the whole survey, all 25 answers.
    assert set().union(*views.values()) == set(range(1, len(PLAN) + 1))
    whole = views[f"{date(2026, 4, 2)} {results}"]
    assert whole == set(range(1, len(PLAN) + 1))

    assert _pair_leaks(views) == []
    assert _small_atoms(views) == []
