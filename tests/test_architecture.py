"""The house's rules, read from the code's imports (``ast``): no import circle between files,
no import that runs back down the floors, no private name imported from another module, no
file over 800 lines.

The floors, from the ground: the kernel (``mentorship/``) -> ``programs/`` -> ``matching/`` ->
``agreements/`` -> ``surveys/``. A module may import from its own floor and the floors below.
Lazy imports inside functions count: they hide a circle from Python, not from a reader.

Circles, private imports and long files: none. The imports that still run back down the
floors are listed below (they go with the relationship app, issue 14); the counts may only
shrink: one more fails, and so does one fewer until the count is lowered.
"""

from __future__ import annotations

import ast
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ["mentorship", "programs", "matching", "agreements", "surveys"]
MAX_LINES = 800
# The composition root stands above every floor: the root URLconf and the process entry
# points put the apps together, so they import them all.
COMPOSITION_ROOT = {"mentorship.urls", "mentorship.settings", "mentorship.celery", "mentorship.wsgi", "mentorship.asgi"}

# Known today (issue 14: "One home for each idea"): Mentorship and its helpers still live in matching/.
KNOWN_BACK_IMPORTS = Counter(
    {
        ("programs", "matching"): 9,
        ("matching", "agreements"): 4,
    }
)


def _modules() -> dict[str, Path]:
    found = {}
    for app in FLOORS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            name = ".".join(relative.with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The project module an import names (``from a.b import c`` may name module a.b.c)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, source: str | None = None) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every import, lazy ones too."""
    tree = ast.parse(MODULES[module].read_text() if source is None else source)
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                whole = f"{base}.{alias.name}"
                found.append(
                    (whole if whole in MODULES else base, None if whole in MODULES else alias.name, node.lineno)
                )
    return [(target, name, line) for raw, name, line in found if (target := _resolve(raw)) and target != module]


def _graph() -> dict[str, set[str]]:
    return {module: {target for target, _, _ in _imports(module)} for module in MODULES}


def _circles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on_stack, result = {}, {}, [], set(), set()
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                result.add(frozenset(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def _floor(module: str) -> int:
    return FLOORS.index(module.split(".")[0])


def test_no_import_circle_between_files():
    found = _circles(_graph())
    assert found == set(), f"import circles: {[sorted(c) for c in found]}"


def test_no_new_import_runs_back_down_the_floors():
    found = Counter()
    where = defaultdict(list)
    for module in MODULES.keys() - COMPOSITION_ROOT:
        for target, _, line in _imports(module):
            if _floor(target) > _floor(module):
                pair = (module.split(".")[0], target.split(".")[0])
                found[pair] += 1
                where[pair].append(f"{MODULES[module].relative_to(ROOT)}:{line} -> {target}")
    grown = {pair: where[pair] for pair in found if found[pair] > KNOWN_BACK_IMPORTS[pair]}
    assert grown == {}, f"imports that run back down the floors {FLOORS}: {grown}"
    shrunk = {pair: (count, found[pair]) for pair, count in KNOWN_BACK_IMPORTS.items() if found[pair] < count}
    assert shrunk == {}, f"fewer than listed, lower KNOWN_BACK_IMPORTS (listed, found): {shrunk}"


def test_no_private_name_is_imported_from_another_module():
    found = {
        (module, target, name)
        for module in MODULES
        for target, name, _ in _imports(module)
        if name and name.startswith("_") and not name.startswith("__")
    }
    assert found == set(), f"private names imported across modules (make them public, with a home): {found}"


def test_no_file_over_800_lines():
    found = {
        path.relative_to(ROOT).as_posix() for path in MODULES.values() if len(path.read_text().splitlines()) > MAX_LINES
    }
    assert found == set(), f"files over {MAX_LINES} lines (make a package): {found}"


def test_the_reader_finds_a_circle_and_a_lazy_import():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _circles(graph) == {frozenset({"a", "b", "c"})}
    source = "def queue():\n    from mentorship.tasks import deliver_email\n    from . import _private\n"
    found = _imports("mentorship.mail", source)
    assert ("mentorship.tasks", "deliver_email", 2) in found  # inside a function, still an arrow
    assert ("mentorship", "_private", 3) in found  # relative, and a private name
