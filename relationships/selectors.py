"""Reads of the relationship for pages in other apps."""

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from programs.models import HubMentor, Membership, Program
from relationships.models import LIVE_STATUSES, Goal, GoalStatus, Meeting, MeetingStatus, Mentorship


def mentorships_of(*, membership) -> list:
    """The person's latest pairings in the organization, as mentor or mentee."""
    return list(
        Mentorship.objects.filter(Q(mentor=membership) | Q(mentee=membership))
        .select_related("program", "mentor__user", "mentee__user")
        # Only what the home page shows: names, program, start, status (no password hashes).
        .only(
            "organization_id",
            "mentor_id",
            "mentee_id",
            "status",
            "started_on",
            "program__name",
            "program__model",  # a peer pairing says "Your peer ..." (no sides)
            "mentor__user__full_name",
            "mentee__user__full_name",
        )
        .order_by("-started_on", "-pk")[:20]
    )


def dashboard_context(membership) -> dict:
    """What the organization's home page shows of the person's relationships."""
    return {"my_mentorships": mentorships_of(membership=membership)}


def _count(model, **filters) -> Coalesce:
    """How many ``model`` rows belong to each mentorship (a subquery: no join multiplies rows)."""
    return Coalesce(
        Subquery(
            model.objects.filter(mentorship=OuterRef("pk"), **filters)
            .order_by()
            .values("mentorship")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def program_mentorships(*, program, live_only: bool = True) -> QuerySet[Mentorship]:
    """A program's pairings for its coordinators, with metadata only: the people, status,
    stage, dates, the mentor's hub, counts of meetings held, goals and messages, and the
    last message's date. No field of the
    pair's record (notes, agendas, goals' text) is loaded."""
    mentorships = Mentorship.objects.filter(program=program).select_related("mentor__user", "mentee__user")
    if live_only:
        mentorships = mentorships.filter(status__in=LIVE_STATUSES)
    hub = HubMentor.objects.filter(hub__program=OuterRef("program"), membership=OuterRef("mentor")).order_by(
        "hub__name"
    )
    return mentorships.annotate(
        hub_name=Subquery(hub.values("hub__name")[:1]),
        meetings_held=_count(Meeting, status=MeetingStatus.HELD),
        goals_total=_count(Goal),
        goals_achieved=_count(Goal, status=GoalStatus.ACHIEVED),
        # The conversation's metadata: how many messages and when the last one was sent.
        messages_sent=Coalesce(F("conversation__message_count"), 0),
        last_message_at=F("conversation__last_message_at"),
    )


SEARCH_LIMIT = 20  # rows per group on the search page


def _cut(rows: list) -> tuple[list, bool]:
    return rows[:SEARCH_LIMIT], len(rows) > SEARCH_LIMIT


def organization_search(*, organization, query: str) -> dict:
    """People (name or email), programs (name) and relationships (either person's name) of
    one organization matching ``query``: each group at most ``SEARCH_LIMIT`` rows (one
    query each) and whether more matched."""
    people, more_people = _cut(
        list(
            Membership.objects.filter(organization=organization)
            .filter(Q(user__full_name__icontains=query) | Q(user__email__icontains=query))
            .select_related("user")
            .order_by("-is_active", "user__full_name", "user__email", "pk")[: SEARCH_LIMIT + 1]
        )
    )
    programs, more_programs = _cut(
        list(
            Program.objects.filter(organization=organization, name__icontains=query).order_by("name", "pk")[
                : SEARCH_LIMIT + 1
            ]
        )
    )
    relationships, more_relationships = _cut(
        list(
            Mentorship.objects.filter(organization=organization)
            .filter(Q(mentor__user__full_name__icontains=query) | Q(mentee__user__full_name__icontains=query))
            .select_related("program", "mentor__user", "mentee__user")
            .order_by("-started_on", "-pk")[: SEARCH_LIMIT + 1]
        )
    )
    return {
        "people": people,
        "more_people": more_people,
        "programs": programs,
        "more_programs": more_programs,
        "relationships": relationships,
        "more_relationships": more_relationships,
        "count": len(people) + len(programs) + len(relationships),
    }


# --- The pair's conversation (issue 18) ---------------------------------------------------------

CONVERSATION_PAGE = 50  # messages shown at once; "Earlier messages" goes back further


def conversation_page(*, conversation, viewer, before: int | None = None) -> dict:
    """The latest messages (or those before message ``before``), oldest first, with their
    authors; each of the viewer's own messages knows whether the other side has read it.
    Three queries whatever the conversation's length."""
    from django.utils import timezone

    from relationships.models import ConversationRead, Message

    rows = Message.objects.filter(conversation=conversation).select_related("author__user")
    if before:
        rows = rows.filter(pk__lt=before)
    latest = list(rows.order_by("-created_at", "-pk")[: CONVERSATION_PAGE + 1])
    has_earlier = len(latest) > CONVERSATION_PAGE
    messages = list(reversed(latest[:CONVERSATION_PAGE]))
    other_read_at = (
        ConversationRead.objects.filter(conversation=conversation)
        .exclude(reader=viewer)
        .values_list("last_read_at", flat=True)
        .first()
    )
    now = timezone.now()
    live = conversation.mentorship.is_live
    last_read_mine = None
    for message in messages:
        message.mine = message.author_id == viewer.pk
        message.can_edit = message.mine and live and message.editable_at(now)
        message.can_remove = message.mine and not message.is_removed
        message.read = message.mine and other_read_at is not None and other_read_at >= message.created_at
        message.show_receipt = False
        if message.mine:
            last_read_mine = message
    # The receipt shows under the viewer's last message ("Read" or "Sent").
    if last_read_mine is not None:
        last_read_mine.show_receipt = True
    return {
        # Not "messages": that name is the flashed messages' (django.contrib.messages) in templates.
        "thread": messages,
        "has_earlier": has_earlier,
        "earliest": messages[0].pk if messages else None,
        "other_read_at": other_read_at,
    }


def conversation_summary(*, mentorship, viewer) -> dict:
    """Metadata of the pair's conversation for the relationship page: how many messages,
    the last one's date and, for one of the pair, how many they have not read. Three queries."""
    from relationships.models import Conversation, ConversationRead, Message

    conversation = Conversation.objects.filter(mentorship=mentorship).only("message_count", "last_message_at").first()
    summary = {"count": 0, "last_at": None, "unread": 0}
    if conversation is None:
        return summary
    summary.update(count=conversation.message_count, last_at=conversation.last_message_at)
    if mentorship.party(viewer) is not None and conversation.last_message_at:
        read_to = ConversationRead.objects.filter(conversation=conversation, reader=viewer).values("last_read_at")[:1]
        unread = Message.objects.filter(conversation=conversation, removed_at__isnull=True).exclude(author=viewer)
        # No pointer yet: the subquery is empty, the comparison unknown, nothing excluded.
        summary["unread"] = unread.filter(~Q(created_at__lte=Subquery(read_to)) | ~Exists(read_to)).count()
    return summary
