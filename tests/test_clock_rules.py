"""No test depends on the day it runs (tests/clock.py).

Two rules over every test module, read from its source:

1. A test that writes a calendar date (``date(2026, 11, 23)``, ``datetime(2025, 3, 4, …)``,
   directly or through a module constant, helper or fixture that does) runs on a frozen
   clock: ``pytest.mark.clock`` on it, its class or its module, or time-machine in the test
   or in a helper or fixture it uses. Otherwise "today" moves under the written dates and
   the test breaks on some later day (it did: a survey last call that was never due after
   4 December 2026).
2. Nothing reads the clock when a module is imported (a module constant, a default argument,
   a decorator's argument): that moment is neither the frozen day nor the test's own.

The checker is tested on the defect it exists for, so it can fail; the clock machinery is
tested for the test itself, a thread (the live server, the in-process worker) and a process
the test starts.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from tests.clock import AT_ENV, SHIFT_ENV, subprocess_env

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
CLOCK_READS = {
    ("timezone", "now"),
    ("timezone", "localdate"),
    ("timezone", "localtime"),
    ("date", "today"),
    ("datetime", "now"),
    ("datetime", "today"),
    ("datetime", "utcnow"),
    ("time", "time"),
}


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.what}"


ISO_DAY = re.compile(r"(19|20|21)\d\d-[01]\d-[0-3]\d([T ][0-2]\d:[0-5]\d.*)?")


def _is_calendar_literal(node: ast.AST) -> bool:
    """``date(2026, …)``, ``datetime(2026, …)``, ``timezone.datetime(2026, …)``, and a day
    written as text (``"2027-12-01"``, ``"2026-05-14T14:00"``), as forms and fields take it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return ISO_DAY.fullmatch(node.value) is not None
    if not isinstance(node, ast.Call) or not node.args:
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    year = node.args[0]
    return (
        name in {"date", "datetime"}
        and isinstance(year, ast.Constant)
        and isinstance(year.value, int)
        and 1900 <= year.value <= 2200
    )


def _mentions_clock_marker(nodes) -> bool:
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and sub.attr == "clock" and "mark" in ast.unparse(sub.value):
                return True
    return False


def _names(node: ast.AST) -> set[str]:
    """The names a definition uses, its parameters included (fixtures are parameters)."""
    found = {sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name)}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        found |= {arg.arg for arg in node.args.args + node.args.kwonlyargs}
    return found


def _has_literal(node: ast.AST) -> bool:
    return any(_is_calendar_literal(sub) for sub in ast.walk(node))


def _uses_time_machine(node: ast.AST) -> bool:
    return "time_machine" in _names(node) or _mentions_clock_marker([node])


def _is_autouse(node: ast.AST) -> bool:
    return any(
        isinstance(keyword.value, ast.Constant) and keyword.value.value is True
        for decorator in getattr(node, "decorator_list", [])
        if isinstance(decorator, ast.Call)
        for keyword in decorator.keywords
        if keyword.arg == "autouse"
    )


def _module_definitions(tree: ast.Module) -> dict[str, ast.AST]:
    """Module-level names: functions, fixtures, classes and assigned constants."""
    defined: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        defined[sub.id] = node
    return defined


def _closure(defined: dict[str, ast.AST], own) -> set[str]:
    """Module names for which ``own(definition)`` holds, directly or through names it uses."""
    marked = {name for name, node in defined.items() if own(node)}
    changed = True
    while changed:
        changed = False
        for name, node in defined.items():
            if name not in marked and _names(node) & marked:
                marked.add(name)
                changed = True
    return marked


def _tests(tree: ast.Module):
    """(test function, the class around it or None)."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            yield node, None
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name.startswith("test"):
                    yield item, node


def unfrozen_date_tests(source: str, path: str = "<test>") -> list[Finding]:
    """Rule 1: tests that write a calendar date but run on the real clock."""
    tree = ast.parse(source)
    module_marked = any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
        and _mentions_clock_marker([node.value])
        for node in tree.body
    )
    if module_marked:
        return []
    defined = _module_definitions(tree)
    with_dates = _closure(defined, _has_literal)
    freezing = _closure(
        {name: node for name, node in defined.items() if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)},
        _uses_time_machine,
    )
    if any(_is_autouse(defined[name]) for name in freezing):
        return []  # an autouse fixture freezes every test of the module
    findings = []
    for test, cls in _tests(tree):
        writes_dates = _has_literal(test) or bool(_names(test) & with_dates)
        if not writes_dates:
            continue
        frozen = (
            _mentions_clock_marker(test.decorator_list)
            or (cls is not None and (_mentions_clock_marker(cls.decorator_list) or _mentions_clock_marker(cls.body)))
            or _uses_time_machine(test)
            or bool(_names(test) & freezing)
        )
        if not frozen:
            findings.append(
                Finding(path, test.lineno, f"{test.name} writes calendar dates on the real clock: mark it clock(...)")
            )
    return findings


def _dotted_tail(func: ast.AST) -> tuple[str, str] | None:
    if isinstance(func, ast.Attribute):
        base = func.value
        base_name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
        return (base_name, func.attr) if base_name else None
    return None


def _evaluated_at_import(tree: ast.Module):
    """The expressions Python evaluates when the module is imported."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from node.decorator_list
            yield from node.args.defaults
            yield from (d for d in node.args.kw_defaults if d is not None)
        elif isinstance(node, ast.ClassDef):
            yield from node.decorator_list
            stack.extend(node.body)
        elif isinstance(node, ast.Lambda):
            continue
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    stack.append(child)
                elif isinstance(child, ast.expr):
                    yield child


def _walk_outside_lambdas(node: ast.AST):
    """ast.walk, but a lambda's body runs later, not at import."""
    yield node
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.Lambda):
            yield from _walk_outside_lambdas(child)


def clock_reads_at_import(source: str, path: str = "<test>") -> list[Finding]:
    """Rule 2: clock reads a module makes when it is imported."""
    findings = []
    for expression in _evaluated_at_import(ast.parse(source)):
        for sub in _walk_outside_lambdas(expression):
            if isinstance(sub, ast.Call) and _dotted_tail(sub.func) in CLOCK_READS:
                tail = ".".join(_dotted_tail(sub.func))
                findings.append(Finding(path, sub.lineno, f"{tail}() is read at import: read it inside the test"))
    return findings


def _test_modules():
    for path in sorted(TESTS.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), path.read_text()


def test_every_test_that_writes_a_calendar_date_runs_on_a_frozen_clock():
    findings = [f for path, source in _test_modules() for f in unfrozen_date_tests(source, path)]
    assert findings == [], "\n".join(map(str, findings))


def test_no_test_module_reads_the_clock_when_it_is_imported():
    findings = [f for path, source in _test_modules() for f in clock_reads_at_import(source, path)]
    assert findings == [], "\n".join(map(str, findings))


# The checker finds the defect it exists for: the shape of the survey last-call test that
# broke on 4 December 2026 (a fixed TODAY beside rows stamped with the real clock).
BROKEN = """
from datetime import date, timedelta
from django.utils import timezone
TODAY = date(2026, 11, 23)

def _scan(today):
    return today

def test_last_call(society):
    wave = make(opens_on=TODAY - timedelta(days=10), created_at=timezone.now())
    _scan(TODAY + timedelta(days=1))

def test_unrelated():
    assert 1 + 1 == 2

class TestGroup:
    def test_in_a_class(self):
        assert _scan(TODAY)
"""


def test_the_checker_finds_a_fixed_day_on_the_real_clock():
    findings = unfrozen_date_tests(BROKEN)
    assert [f.what.split()[0] for f in findings] == ["test_last_call", "test_in_a_class"]


@pytest.mark.parametrize(
    "frozen",
    [
        BROKEN.replace("TODAY = date", "pytestmark = pytest.mark.clock('2026-11-23')\nTODAY = date"),
        BROKEN.replace("def test_last_call", "@pytest.mark.clock(TODAY)\ndef test_last_call").replace(
            "class TestGroup", "@pytest.mark.clock(TODAY)\nclass TestGroup"
        ),
        BROKEN.replace("def test_last_call(society)", "def test_last_call(society, time_machine)").replace(
            "def test_in_a_class(self)", "def test_in_a_class(self, frozen)"
        )
        + "\n@pytest.fixture\ndef frozen():\n    with time_machine.travel(TODAY):\n        yield\n",
        BROKEN + "\n@pytest.fixture(autouse=True)\ndef _frozen():\n    with _at(TODAY):\n        yield\n"
        "\ndef _at(day):\n    return time_machine.travel(day)\n",
    ],
    ids=["module", "test-and-class", "fixture-and-helper", "autouse-fixture"],
)
def test_the_checker_accepts_each_way_of_freezing(frozen):
    assert unfrozen_date_tests(frozen) == []


def test_the_checker_finds_clock_reads_at_import():
    source = """
import time
from datetime import date
from django.utils import timezone
TODAY = timezone.localdate()
STARTED = [date.today() - d for d in (1, 2)]

@pytest.mark.parametrize("when", [timezone.now()])
def test_a(when, today=date.today()):
    assert timezone.now()           # inside the test: fine

class TestB:
    STAMP = time.time()
    def test_b(self):
        later = lambda: timezone.now()  # noqa: E731
"""
    lines = sorted(f.line for f in clock_reads_at_import(source))
    assert lines == [5, 6, 8, 9, 13]


# --- The machinery ---------------------------------------------------------------------


@pytest.mark.clock("2026-11-23 09:00")
def test_a_clock_marker_sets_the_day_for_the_test_and_its_threads():
    assert timezone.localdate() == date(2026, 11, 23)
    assert date.today() == date(2026, 11, 23)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(timezone.now()))
    thread.start()
    thread.join()
    assert seen[0].date() == date(2026, 11, 23)


@pytest.mark.clock(datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC), tick=False)
def test_a_frozen_clock_can_stand_still():
    first = timezone.now()
    assert timezone.now() == first == datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC)


def _date_in_a_started_process(env: dict[str, str]) -> date:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.settings'); django.setup();"
        "from django.utils import timezone; print(timezone.localdate().isoformat())"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return date.fromisoformat(result.stdout.strip().splitlines()[-1])


@pytest.mark.clock("2026-11-23 09:00")
def test_a_process_the_test_starts_begins_on_the_tests_day():
    assert _date_in_a_started_process(subprocess_env()) == date(2026, 11, 23)


def test_the_run_can_be_moved_a_year_ahead():
    env = {key: value for key, value in os.environ.items() if key not in (AT_ENV, SHIFT_ENV)}
    env[SHIFT_ENV] = "365"
    hatch = time_machine.escape_hatch
    real_today = (hatch.datetime.datetime.now(UTC) if hatch.is_travelling() else datetime.now(UTC)).date()
    moved = _date_in_a_started_process(env)
    assert moved - real_today in (timedelta(days=365), timedelta(days=366))
