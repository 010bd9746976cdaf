"""The house's rules, read from the code's imports (``ast``): no import circle between files,
no import that runs back down the floors, no private name imported from another module, no
file over 800 lines, no flat ``views_*.py``-style prefixes where a package belongs.

The floors, from the ground: the kernel (``mentorship/``) -> ``programs/`` ->
``relationships/`` -> ``matching/`` -> ``agreements/`` -> ``circles/`` -> ``events/`` -> ``surveys/`` -> ``demo/``. A
module may import from its own floor and the floors below; a lower floor that needs
something from above receives it (a signal, a registry filled in an ``AppConfig.ready``,
a setting read through ``apps.get_model``, or an argument). The settings and the root
URLconf name the apps as strings, so even they import no app. Lazy imports inside functions
count: they hide a circle from Python, not from a reader. Every rule is strict (zero).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = [
    "mentorship",
    "programs",
    "sso",
    "relationships",
    "matching",
    "agreements",
    "circles",
    "events",
    "surveys",
    "privacy",
    "integrations",
    "api",
    "demo",
]
MAX_LINES = 800


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


def back_imports() -> list[str]:
    return [
        f"{MODULES[module].relative_to(ROOT)}:{line} -> {target}"
        for module in sorted(MODULES)
        for target, _, line in _imports(module)
        if _floor(target) > _floor(module)
    ]


def test_no_import_runs_back_down_the_floors():
    assert back_imports() == [], f"imports that run back down the floors {FLOORS}"


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


FLAT_PREFIXES = ("views_", "urls_", "forms_", "models_")


def test_no_flat_prefix_stands_where_a_package_belongs():
    found = sorted(
        path.relative_to(ROOT).as_posix() for path in MODULES.values() if path.name.startswith(FLAT_PREFIXES)
    )
    assert found == [], "make a package (views/, forms/, models/) and one urls.py per app"


def test_one_urls_module_per_app():
    found = sorted(path.relative_to(ROOT).as_posix() for path in MODULES.values() if "urls" in path.stem)
    assert found == [f"{app}/urls.py" for app in sorted(FLOORS) if (ROOT / app / "urls.py").exists()]


def test_every_app_of_the_project_stands_on_a_floor():
    from django.conf import settings

    ours = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()}
    assert ours == set(FLOORS)


def test_the_reader_finds_an_import_that_runs_back_down():
    source = "from matching.models import Proposal\n"
    found = [target for target, _, _ in _imports("relationships.selectors", source)]
    assert found == ["matching.models"] and _floor("matching.models") > _floor("relationships.selectors")


def test_only_the_relationship_app_starts_or_ends_a_relationship():
    """matching/ pairs people through relationships.services.lifecycle; the demo alone
    writes pairings straight in (it seeds their history, with past dates)."""
    found = sorted(
        f"{path.relative_to(ROOT)}:{number}"
        for module, path in MODULES.items()
        if module.split(".")[0] not in {"relationships", "demo"}
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "Mentorship.objects.create(" in line or ".status = MentorshipStatus." in line
    )
    assert found == []
