"""A number written before a noun agrees with it: "1 year", "2 years" (issue 15 found "1
years"). Every template that writes ``{{ n }} years``-style text uses ``pluralize``."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOUNS = [
    "years",
    "months",
    "weeks",
    "days",
    "hours",
    "minutes",
    "members",
    "mentors",
    "mentees",
    "meetings",
    "applications",
    "votes",
    "goals",
    "pairings",
    "invitations",
    "responses",
    "reports",
]
COUNTED = re.compile(r"\{\{\s*([^}|]+?)\s*\}\}\s+(" + "|".join(NOUNS) + r")\b")
# Not a count: a quarter's label ("Q3 2026 reports"); a branch that only runs for more than one.
NOT_COUNTS = {
    ("templates/surveys/report_program.html", "label"),
    ("templates/email/quarterly_report_coordinator_message.html", "label"),
    ("templates/email/round_for_review_subject.txt", "count"),
}


def test_every_counted_noun_in_a_template_is_pluralized():
    found = [
        f"{path.relative_to(ROOT)}: {{{{ {match.group(1)} }}}} {match.group(2)}"
        for path in sorted((ROOT / "templates").rglob("*"))
        if path.suffix in {".html", ".txt"}
        for match in COUNTED.finditer(path.read_text())
        if (path.relative_to(ROOT).as_posix(), match.group(1).strip()) not in NOT_COUNTS
    ]
    assert found == [], "write {{ n }} year{{ n|pluralize }}"


def test_the_rule_finds_the_defect_it_was_written_for():
    assert COUNTED.search("at least {{ rule.min_years_experience }} years in practice")
    assert not COUNTED.search("at least {{ n }} year{{ n|pluralize }} in practice")
