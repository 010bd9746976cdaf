"""The pairs' conversations in the demo (issue 18): a few messages around the start of each
relationship and before its latest meetings, with both read pointers, so the relationship
page shows counts, reply times and read receipts. Every third live pair has written nothing
lately (the quiet ones on the dashboard); in every fourth pair the newest message is unread,
with its notification in the reader's bell."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from demo.history import Plan, at
from programs.models import Notification, NotificationCategory, NotificationKind, Program
from relationships.models import Conversation, ConversationRead, MentorshipStatus, Message

OPENING = (
    ("mentee", "Hello! I'm glad we were paired. Would a video call in the next two weeks work for you?", 0),
    (
        "mentor",
        "Welcome! Yes, gladly. Send me two or three times that suit you and a line on what you'd like to cover.",
        5,
    ),
    (
        "mentee",
        "Thank you. Tuesday or Thursday after 5 pm would be ideal. I'd like to talk about my first year's plan.",
        9,
    ),
)
BEFORE_MEETING = (
    ("mentor", "Looking forward to our meeting. Anything you'd like me to read beforehand?", 0),
    (
        "mentee",
        "I've added the agenda. The draft abstract is the main thing; I'll bring questions on the timeline.",
        20,
    ),
)


def write_messages(program: Program, plans: list[Plan]) -> int:
    now = timezone.now()
    messages, conversations = [], []
    for index, plan in enumerate(plans):
        mentorship = plan.mentorship
        if mentorship is None:
            continue
        live = mentorship.status == MentorshipStatus.ACTIVE
        quiet = live and index % 3 == 2
        script = [(at(plan.started + timedelta(days=1), 14), OPENING)]
        last_day = plan.ended or timezone.localdate()
        if not quiet and last_day - plan.started > timedelta(days=30):
            script.append((at(last_day - timedelta(days=12), 11), BEFORE_MEETING))
        conversation = Conversation(organization=program.organization, mentorship=mentorship, created_at=script[0][0])
        written = []
        for start, lines in script:
            for who, text, hours in lines:
                moment = start + timedelta(hours=hours)
                if moment >= now:
                    continue
                author = plan.mentee if who == "mentee" else plan.mentor
                written.append(
                    Message(
                        organization=program.organization,
                        conversation=conversation,
                        author=author,
                        body=text,
                        created_at=moment,
                    )
                )
        if not written:
            continue
        conversation.message_count = len(written)
        conversation.last_message_at = conversation.changed_at = written[-1].created_at
        conversations.append((conversation, plan, written))
        messages.extend(written)
    Conversation.objects.bulk_create([c for c, _plan, _written in conversations])
    for conversation, _plan, written in conversations:
        for message in written:
            message.conversation = conversation
    Message.objects.bulk_create(messages)
    reads, bells = [], []
    for index, (conversation, plan, written) in enumerate(conversations):
        last = written[-1]
        for reader in (plan.mentor, plan.mentee):
            # The author has read everything; the other side too, except in every fourth pair.
            unread = reader.pk != last.author_id and index % 4 == 0
            read_to = written[-2].created_at if unread and len(written) > 1 else last.created_at
            if unread:
                author = plan.mentor if last.author_id == plan.mentor.pk else plan.mentee
                bells.append(
                    Notification(
                        organization=program.organization,
                        recipient=reader,
                        kind=NotificationKind.MESSAGE,
                        category=NotificationCategory.MESSAGE,
                        title=f"{author.user.full_name} sent you a message",
                        path=reverse(
                            "conversation", kwargs={"org_slug": program.organization.slug, "pk": plan.mentorship.pk}
                        ),
                        key=f"conversation:{conversation.pk}",
                        created_at=last.created_at,
                        emailed_at=last.created_at,
                    )
                )
            reads.append(
                ConversationRead(
                    organization=program.organization, conversation=conversation, reader=reader, last_read_at=read_to
                )
            )
    ConversationRead.objects.bulk_create(reads)
    Notification.objects.bulk_create(bells)
    return len(messages)
