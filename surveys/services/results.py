"""Survey results: per-question aggregates, satisfaction over time, and the CSV rows.

Results of an anonymous survey (the rule, README "Surveys"): the reader is assumed to know
who answered, when, in which wave and role; what they answered stays hidden. Answers are
released in batches (``release_plan``): months that are over, once at least ``MIN_GROUP``
answers came in since the last batch. The finest group ever shown is a *cell*: one batch's
answers from one wave and role (``PARTITION``). A batch is broken down only if each of its
cells holds none or at least ``MIN_GROUP`` answers; every filtered figure sums such cells,
and every other figure sums whole batches. So any two views, any filters, any two dates,
intersected or subtracted, give whole cells or batches: never fewer than ``MIN_GROUP``
people. Written answers are listed for the whole survey only, never for a filter.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django_scopes import scopes_disabled

from programs.models import Organization
from surveys.models import (
    LIKERT_LABELS,
    Question,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)
from surveys.periods import add_months
from surveys.services.surveys import CHOICE_KINDS, NUMBER_KINDS

MIN_GROUP = 5  # anonymous results are shown only for groups of at least this many people
HIDDEN_MESSAGE = "Fewer than 5 people answered; results are hidden to protect anonymity."
BREAKDOWN_MESSAGE = (
    "Results by wave or role are hidden for this choice: its answers came in batches in which a wave or a role had "
    "answers from fewer than 5 people, which the results for the whole survey would give away. They count in the "
    "results for the whole survey."
)
POOLED_TEXT_MESSAGE = (
    "Written answers to an anonymous survey are listed only for the whole survey (all waves and roles), never for "
    "a wave or a role."
)
UNRELEASED_MESSAGE = (
    "No results are released yet. Anonymous results are released in batches of at least 5 answers, once the "
    "month they were given in is over."
)
SATISFACTION_SCALE = 10  # satisfaction_by_month reports means on a 0–10 scale

# An anonymous survey's answers are grouped by these (with the release batch), never finer:
# a filter on anything else would cut a group the release rule has not checked. A future
# breakdown (by program, say) adds its field here, and the rule covers it.
PARTITION = ("wave_id", "role")


@dataclass
class QuestionResult:
    question: Question
    answered: int = 0
    rows: list = field(default_factory=list)  # [(label, count, percent)]
    mean: float | None = None
    texts: list = field(default_factory=list)
    text_total: int = 0
    texts_pooled: bool = False  # anonymous and filtered: written answers are listed for the whole survey only


@dataclass
class Results:
    survey: Survey
    invited: int
    responded: int
    respondents: int  # answers received for this filter (the invitations tell as much)
    released: int = 0  # the answers the figures are made of
    left_out: int = 0  # anonymous breakdown: released answers of this filter in batches that are not broken down
    pending: int = 0  # anonymous: answers received since the last batch, waiting for the next one
    batch_until: date | None = None  # anonymous: the last month of the last batch released
    filtered: bool = False
    hidden: str = ""
    questions: list = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return round(100 * self.responded / self.invited) if self.invited else None


def _month(value) -> date:
    if isinstance(value, datetime):
        value = value.date()
    return value.replace(day=1)


@dataclass
class Release:
    """Which of an anonymous survey's answers may be shown (see ``release_plan``)."""

    until: date | None = None  # the first day of the last month released: answers given up to its end
    batches: dict = field(default_factory=dict)  # month answered → month its batch was released at
    broken_down: set = field(default_factory=set)  # months answered whose batch may be broken down
    total: int = 0
    released: int = 0

    @property
    def pending(self) -> int:
        return self.total - self.released


def release_plan(counts: dict, today: date) -> Release:
    """The batches an anonymous survey's answers are released in. ``counts`` maps
    ``(month answered, *cell)`` to a number of answers, a cell being the values of
    ``PARTITION`` (a wave id and a role).

    Months are walked in order, never the current one: answers still arrive in it, while no
    answer can arrive in a month that is over, so a released batch never changes. A batch is
    released at the end of the month where at least ``MIN_GROUP`` answers have come in since
    the previous batch. A batch may be broken down (by wave, by role, or both) only if each
    of its cells holds none or at least ``MIN_GROUP`` answers; a breakdown sums the cells of
    such batches and leaves the others out. Whatever two figures are compared (two filters,
    a filter and the whole survey, two dates), their difference and their overlap are whole
    batches or whole cells of such batches: never fewer than ``MIN_GROUP`` people."""
    current = today.replace(day=1)
    per_month = defaultdict(Counter)
    plan = Release()
    for (month, *cell), n in counts.items():
        per_month[_month(month)][tuple(cell)] += n
        plan.total += n
    cells, running, waiting = Counter(), 0, []
    for month in sorted(m for m in per_month if m < current):
        cells.update(per_month[month])
        running += sum(per_month[month].values())
        waiting.append(month)
        if running < MIN_GROUP:
            continue
        plan.until = month
        plan.released += running
        plan.batches.update((m, month) for m in waiting)
        if all(n == 0 or n >= MIN_GROUP for n in cells.values()):
            plan.broken_down.update(waiting)
        cells, running, waiting = Counter(), 0, []
    return plan


def answer_counts(survey: Survey) -> dict:
    """``{(month answered, *cell): answers}`` for a survey (see ``release_plan``): one query."""
    counts = Counter()
    rows = SurveyResponse.objects.filter(survey=survey).values_list("submitted_on", *PARTITION)
    for day, *cell, n in rows.annotate(n=Count("pk")).order_by():
        counts[(_month(day), *cell)] += n
    return counts


def _in_filter(cell, filters: dict) -> bool:
    values = dict(zip(PARTITION, cell, strict=True))
    return all(values[name] == value for name, value in filters.items())


TEXTS_SHOWN = 100


def survey_results(survey: Survey, *, wave_id: int | None = None, role: str = "", today: date | None = None) -> Results:
    """Per-question aggregates for a filter (a wave, a role, or both). For an anonymous
    survey only released answers count (``release_plan``): the whole survey shows every
    released batch, a filter only the cells of batches that may be broken down, and written
    answers are listed for the whole survey only. A bounded number of queries: a handful,
    plus one per free-text question."""
    today = today or timezone.localdate()
    filters = {name: value for name, value in (("wave_id", wave_id), ("role", role)) if value not in (None, "")}
    if survey.anonymous and set(filters) - set(PARTITION):
        raise ValueError(f"An anonymous survey is broken down by {', '.join(PARTITION)} only.")
    responses = SurveyResponse.objects.filter(survey=survey, **filters)
    invitations = SurveyInvitation.objects.filter(wave__survey=survey)
    if wave_id is not None:
        invitations = invitations.filter(wave_id=wave_id)
    if role:
        invitations = invitations.filter(role=role)
    counts = invitations.aggregate(invited=Count("pk"), responded=Count("pk", filter=Q(answered=True)))
    result = Results(
        survey=survey,
        invited=counts["invited"],
        responded=counts["responded"],
        respondents=0,
        filtered=bool(filters),
    )
    questions = list(Question.objects.filter(survey=survey).order_by("position", "pk"))
    result.questions = [QuestionResult(question=q) for q in questions]
    if survey.anonymous:
        sizes = answer_counts(survey)
        plan = release_plan(sizes, today)
        mine = Counter()
        for (month, *cell), n in sizes.items():
            if _in_filter(cell, filters):
                mine[month] += n
        result.respondents = sum(mine.values())
        result.pending = plan.pending
        result.batch_until = plan.until
        if plan.until is None:
            if plan.total:
                result.hidden = HIDDEN_MESSAGE if plan.total < MIN_GROUP else UNRELEASED_MESSAGE
        elif filters:
            months = sorted(plan.broken_down)
            result.released = sum(n for month, n in mine.items() if month in plan.broken_down)
            result.left_out = sum(n for month, n in mine.items() if month in plan.batches) - result.released
            if not result.released and result.left_out:
                result.hidden = BREAKDOWN_MESSAGE
            responses = responses.filter(submitted_on__in=months)
        else:
            cutoff = add_months(plan.until, 1)
            result.released = sum(n for month, n in mine.items() if month < cutoff)
            responses = responses.filter(submitted_on__lt=cutoff)
        if not result.hidden and 0 < result.released < MIN_GROUP:  # never, by the release rules; kept as a guard
            result.hidden = HIDDEN_MESSAGE
    else:
        result.respondents = result.released = responses.count()
    if result.hidden or not result.released:
        return result
    answers = SurveyAnswer.objects.filter(response__in=responses)
    numbers = defaultdict(Counter)
    for row in (
        answers.filter(question__kind__in=NUMBER_KINDS, number__isnull=False)
        .values("question_id", "number")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        numbers[row["question_id"]][row["number"]] += row["n"]
    picks = defaultdict(Counter)
    answered = Counter()
    for question_id, chosen in answers.filter(question__kind__in=CHOICE_KINDS).values_list("question_id", "choices"):
        answered[question_id] += 1
        picks[question_id].update(chosen or [])
    text_counts = dict(
        answers.filter(question__kind=QuestionKind.TEXT)
        .values("question_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("question_id", "n")
    )
    for item in result.questions:
        q = item.question
        if q.kind in NUMBER_KINDS:
            counter = numbers[q.pk]
            item.answered = sum(counter.values())
            scale = range(1, 6) if q.kind == QuestionKind.LIKERT else range(0, 11)
            labels = {n: (f"{n} {LIKERT_LABELS[n - 1]}" if q.kind == QuestionKind.LIKERT else str(n)) for n in scale}
            item.rows = [(labels[n], counter[n], _percent(counter[n], item.answered)) for n in scale]
            if item.answered:
                item.mean = round(sum(n * c for n, c in counter.items()) / item.answered, 2)
        elif q.kind in CHOICE_KINDS:
            item.answered = answered[q.pk]
            item.rows = [(c, picks[q.pk][c], _percent(picks[q.pk][c], item.answered)) for c in q.choices]
        else:
            item.answered = item.text_total = text_counts.get(q.pk, 0)
    for item in result.questions:
        if item.question.kind != QuestionKind.TEXT or not item.answered:
            continue
        if survey.anonymous and filters:
            item.texts_pooled = True  # one wave's texts next to one role's would single out their overlap
            continue
        texts = answers.filter(question=item.question)
        if survey.anonymous:
            # In alphabetical order, never by date or id: the order must not tell who wrote what.
            item.texts = sorted(texts.values_list("text", flat=True), key=lambda t: (t.casefold(), t))[:TEXTS_SHOWN]
        else:
            item.texts = list(
                texts.order_by("-response__submitted_on", "-response_id").values_list("text", flat=True)[:TEXTS_SHOWN]
            )
    return result


def _percent(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def _monthly_means(answers, responses, *, months: int, today: date) -> list[tuple[str, float | None]]:
    """Mean of likert and rating answers per calendar month on a 0–10 scale (None: no data).

    A named survey's answers count in the month they were given. An anonymous survey's count
    only once released (``release_plan``), a whole batch in the month it was released at: so
    a month holds none or at least MIN_GROUP answers of each anonymous survey (one survey's
    handful cannot be worked out by subtracting another survey's figures), never the current
    month's, and never changes once the month is over. Two queries."""
    first = add_months(today.replace(day=1), -(months - 1))
    per_survey = defaultdict(Counter)
    for survey_id, day, n in (
        responses.filter(survey__anonymous=True)
        .values_list("survey_id", "submitted_on")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per_survey[survey_id][(_month(day), None, "")] += n
    shown_in = {}
    for survey_id, counts in per_survey.items():
        for month, released_in in release_plan(counts, today).batches.items():
            shown_in[(survey_id, month)] = released_in
    start = min([first, *(month for (_survey, month), released_in in shown_in.items() if released_in >= first)])
    sums = defaultdict(float)
    counts = Counter()
    for row in (
        answers.filter(
            response__submitted_on__gte=start,
            question__kind__in=NUMBER_KINDS,
            number__isnull=False,
        )
        .annotate(month=TruncMonth("response__submitted_on"))
        .values("response__survey_id", "response__survey__anonymous", "month", "question__kind")
        .annotate(total=Sum("number"), n=Count("pk"))
        .order_by()
    ):
        month = _month(row["month"])
        if row["response__survey__anonymous"]:
            month = shown_in.get((row["response__survey_id"], month))
            if month is None:
                continue
        if month < first:
            continue
        if row["question__kind"] == QuestionKind.LIKERT:
            sums[month] += (row["total"] - row["n"]) * 2.5  # 1–5 → 0–10
        else:
            sums[month] += row["total"]
        counts[month] += row["n"]
    points = []
    for index in range(months):
        month = add_months(first, index)
        value = round(sums[month] / counts[month], 1) if counts[month] else None
        points.append((f"{month:%b %Y}", value))
    return points


def satisfaction_by_month(organization: Organization, months: int = 12, today: date | None = None):
    """[(label, mean 0–10 or None)] for the last ``months`` calendar months across the
    organization's surveys (likert answers mapped 1→0 … 5→10, ratings as given). Anonymous
    answers count only in released batches of at least 5 (see ``_monthly_means``). Two
    queries."""
    today = today or timezone.localdate()
    with scopes_disabled():
        return _monthly_means(
            SurveyAnswer.objects.filter(organization=organization),
            SurveyResponse.objects.filter(organization=organization),
            months=months,
            today=today,
        )


def survey_satisfaction_by_month(survey: Survey, months: int = 12, today: date | None = None):
    today = today or timezone.localdate()
    return _monthly_means(
        SurveyAnswer.objects.filter(response__survey=survey),
        SurveyResponse.objects.filter(survey=survey),
        months=months,
        today=today,
    )


def release_note(result: Results) -> str:
    """What an anonymous survey's results are made of, in a sentence or two ('' if named)."""
    if not result.survey.anonymous:
        return ""
    if result.batch_until is None:
        return (
            "Anonymous results are released in batches of at least 5 answers, once the month they were given in "
            "is over; none are released yet."
        )
    note = (
        f"Anonymous results are released in batches of at least 5 answers, up to the end of {result.batch_until:%B %Y}."
    )
    if result.left_out:
        note += (
            f" This breakdown leaves out {result.left_out} released answer{'s' if result.left_out != 1 else ''}: "
            f"{'they' if result.left_out != 1 else 'it'} came in batches in which a wave or a role had fewer than 5 "
            "answers, so they count only in the results for the whole survey."
        )
    if result.pending:
        note += (
            f" {result.pending} answer{'s' if result.pending != 1 else ''} given since will follow in a later batch."
        )
    return note


def aggregate_rows(result: Results) -> list[list]:
    """The results as CSV rows (header first); ``csv_response`` makes every cell safe."""
    rows = [["question", "option", "count", "percent", "mean"]]
    if result.hidden:
        rows.append(["", result.hidden, "", "", ""])
        return rows
    for item in result.questions:
        text = item.question.text
        if item.question.kind == QuestionKind.TEXT:
            rows.append([text, "(free-text answers)", item.answered, "", ""])
            continue
        for label, count, percent in item.rows:
            rows.append([text, label, count, percent, ""])
        rows.append([text, "(all answers)", item.answered, 100 if item.answered else 0, item.mean or ""])
    note = release_note(result)
    if note:
        rows.append(["", note, "", "", ""])
    return rows


def response_rows(survey: Survey, *, wave_id: int | None = None, role: str = "") -> list[list]:
    """One row per response with the respondent's name (header first, question texts
    included; ``csv_response`` makes every cell safe): non-anonymous surveys only."""
    if survey.anonymous:
        raise PermissionDenied("Answers to an anonymous survey are not linked to people.")
    questions = list(Question.objects.filter(survey=survey).order_by("position", "pk"))
    responses = SurveyResponse.objects.filter(survey=survey).select_related("respondent__user", "program", "wave")
    if wave_id is not None:
        responses = responses.filter(wave_id=wave_id)
    if role:
        responses = responses.filter(role=role)
    answers = defaultdict(dict)
    for answer in SurveyAnswer.objects.filter(response__in=responses).select_related("question"):
        answers[answer.response_id][answer.question_id] = answer
    header = ["response", "name", "email", "role", "program", "wave", "submitted on", *[q.text for q in questions]]
    rows = [header]
    for response in responses.order_by("submitted_on", "pk"):
        person = response.respondent.user if response.respondent else None
        row = [
            response.pk,
            person.full_name if person else "",
            person.email if person else "",
            response.role,
            response.program.name if response.program else "",
            response.wave.number,
            response.submitted_on.isoformat(),
        ]
        for q in questions:
            row.append(answer_display(answers[response.pk].get(q.pk)))
        rows.append(row)
    return rows


def answer_display(answer: SurveyAnswer | None) -> str:
    if answer is None:
        return ""
    if answer.number is not None:
        if answer.question.kind == QuestionKind.LIKERT and 1 <= answer.number <= 5:
            return f"{answer.number} {LIKERT_LABELS[answer.number - 1]}"
        return str(answer.number)
    if answer.choices:
        return "; ".join(answer.choices)
    return answer.text
