"""What the navigation and the dashboard share about "what needs me" (issue 15).

The to-do list comes from the registry in ``programs.dashboard``: it is computed at most once
per request (the dashboard and the navigation badge read the same list). Other pages do not
compute it: they ask ``nav_badges`` for the counts once loaded, so each page keeps its own
query count. The navigation also offers committee members their committee's review page,
with the number of proposed pairings waiting for their vote.
"""

from dataclasses import dataclass
from functools import cached_property

from django.urls import reverse
from django_scopes import scope

from mentorship.freshness import cached_for
from programs.dashboard import Todo, todos_for
from programs.models import COMMITTEE_REVIEWED_MODELS, Program
from programs.services.notifications import unread_count, unread_text

REQUEST_CACHE = "todo_list_for_this_request"
# The home page lists what waits in each organization for this many of them; beyond, the
# card links to the dashboard. Each organization's list costs a fixed number of queries, so
# the page stays bounded however many organizations a person belongs to.
HOME_SUMMARIES = 5
TOP_LABELS = 3


def todos_for_request(request) -> list[Todo]:
    """The signed-in person's to-do list in the request's organization, computed once."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    cached = getattr(request, REQUEST_CACHE, None)
    if cached is None or cached[0] != membership.pk:

        def compute() -> list[Todo]:
            with scope(organization=membership.organization):  # also on error pages
                return todos_for(membership)

        # Kept across requests until the organization's data changes (mentorship.freshness).
        cached = (membership.pk, cached_for("todos", membership.organization_id, membership.pk, compute))
        setattr(request, REQUEST_CACHE, cached)
    return cached[1]


def total(todos: list[Todo]) -> int:
    return sum(todo.count for todo in todos)


def things_need_you(count: int) -> str:
    return f"{count} {'thing needs' if count == 1 else 'things need'} you"


@dataclass(frozen=True)
class CommitteeLink:
    name: str
    url: str  # the review page, filtered to what needs this member's vote
    waiting: int  # proposed pairings waiting for this member's vote


def computed_todos(request) -> list[Todo] | None:
    """The list if this request already computed it (the dashboard does), else None."""
    cached = getattr(request, REQUEST_CACHE, None)
    membership = getattr(request, "membership", None)
    if cached is None or membership is None or cached[0] != membership.pk:
        return None
    return cached[1]


def votes_waiting(todos: list[Todo]) -> dict[str, int]:
    """Proposed pairings waiting for the person's vote, by committee review page."""
    return {todo.url: todo.count for todo in todos if todo.kind == "votes"}


def committee_links(membership, todos: list[Todo] | None = None) -> list[CommitteeLink]:
    """The committee-reviewed programs of the organization, for a committee member (one query)."""
    if membership is None or not membership.is_committee:
        return []
    slug = membership.organization.slug
    votes = votes_waiting(todos or [])
    links = []
    programs = Program.objects.filter(organization_id=membership.organization_id, model__in=COMMITTEE_REVIEWED_MODELS)
    for program in programs.order_by("name").values("slug", "name"):
        url = reverse("committee_review", kwargs={"org_slug": slug, "program_slug": program["slug"]})
        links.append(CommitteeLink(name=program["name"], url=f"{url}?needs=me", waiting=votes.get(url, 0)))
    return links


def votes_text(count: int) -> str:
    return f"{count} proposed {'pairing needs' if count == 1 else 'pairings need'} your vote"


def badges(request) -> dict:
    """The navigation's counts, for the page that asks for them after it loads (and again
    when a live event says they changed)."""
    todos = todos_for_request(request)
    votes = votes_waiting(todos)
    total_votes = sum(votes.values())
    unread = unread_count(request.membership) if getattr(request, "membership", None) else 0
    return {
        "todos": {"count": total(todos), "text": things_need_you(total(todos))},
        "notifications": {"count": unread, "text": unread_text(unread)},
        "votes": {"count": total_votes, "text": votes_text(total_votes)},
        "programs": [
            {"url": f"{url}?needs=me", "count": count, "text": f"{count} waiting for your vote"}
            for url, count in votes.items()
        ],
    }


class Navigation:
    """Read lazily by templates/base.html. The to-do list is not computed for the navigation:
    a page that has it (the dashboard) shows the counts at once; any other page leaves them
    to ``nav_badges``, asked once the page has loaded (static/js/nav-badges.js), so every
    page keeps its own query count. Without JavaScript the dashboard still lists everything."""

    def __init__(self, request):
        self.request = request
        self.membership = getattr(request, "membership", None)

    @cached_property
    def todos(self) -> list[Todo] | None:
        return computed_todos(self.request)

    @cached_property
    def known(self) -> bool:
        return self.todos is not None

    @cached_property
    def todo_count(self) -> int:
        return total(self.todos or [])

    @cached_property
    def todo_text(self) -> str:
        return things_need_you(self.todo_count)

    @cached_property
    def committee(self) -> list[CommitteeLink]:
        return committee_links(self.membership, self.todos)

    @cached_property
    def vote_count(self) -> int:
        return sum(link.waiting for link in self.committee)

    @cached_property
    def vote_text(self) -> str:
        return votes_text(self.vote_count)

    @cached_property
    def notification_count(self) -> int:
        """The bell's unread count, read only on a page that shows its counts at once."""
        return unread_count(self.membership) if self.membership is not None else 0

    @cached_property
    def notification_text(self) -> str:
        return unread_text(self.notification_count)


@dataclass(frozen=True)
class Pending:
    """What waits for a person in one organization, for the home page's card."""

    count: int
    labels: list[str]
    more: int  # items beyond the labels shown

    @property
    def text(self) -> str:
        return things_need_you(self.count)


def pending_by_organization(memberships) -> dict[int, Pending]:
    """For the first few memberships, what waits in each (a fixed number of queries each)."""
    found = {}
    for membership in list(memberships)[:HOME_SUMMARIES]:
        with scope(organization=membership.organization):
            todos = todos_for(membership)
        labels = [todo.label for todo in todos[:TOP_LABELS]]
        found[membership.pk] = Pending(count=total(todos), labels=labels, more=max(0, len(todos) - len(labels)))
    return found
