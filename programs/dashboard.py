"""What the organization's dashboard shows from the apps built on programs. Those apps sit
on higher floors, so programs never imports them: each registers providers when it starts
(its ``AppConfig.ready``).

- A *context provider* takes the viewer's membership and returns a dict merged into the
  page's context (the person's mentorships, for instance).
- A *to-do provider* takes the membership and returns ``Todo`` items: what waits for this
  person in this organization (offers to answer, votes to cast, signatures, meetings to
  log…). The dashboard opens with them, most urgent first. Each provider runs a bounded
  number of queries, whatever the data size.
"""

from collections.abc import Callable
from dataclasses import dataclass

PROVIDERS: list[Callable[..., dict]] = []
TODO_PROVIDERS: list[Callable[..., list]] = []


@dataclass(frozen=True)
class Todo:
    kind: str  # a stable name, e.g. "offers"
    label: str  # what to do, in words: "Answer 2 proposed pairings"
    url: str  # where to do it
    count: int = 1
    detail: str = ""  # one line of context, e.g. the program's name


def register_dashboard_context(provider: Callable[..., dict]) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def register_todos(provider: Callable[..., list]) -> None:
    if provider not in TODO_PROVIDERS:
        TODO_PROVIDERS.append(provider)


def dashboard_context(membership) -> dict:
    context: dict = {}
    for provider in PROVIDERS:
        context.update(provider(membership))
    return context


def todos_for(membership) -> list[Todo]:
    """Everything that waits for this person in their organization, in the order the apps
    stand on the floors (the relationship's work first, then pairings, signatures, surveys)."""
    return [todo for provider in TODO_PROVIDERS for todo in provider(membership)]


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
