"""Feedback sent to the program office at any time (seed 000), named or anonymous."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mentorship.exceptions import ServiceError
from mentorship.mail import queue_email, render_email
from programs.models import Membership, Organization, Program, SentEmail, SentEmailKind
from programs.services.access import require_coordinator
from programs.services.audit import audit
from surveys.models import Feedback
from surveys.services.answers import MAX_ANSWER_LENGTH


def _url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs)


def _feedback_count_key(actor: Membership) -> str:
    return f"feedback-sent:{actor.pk}:{timezone.now():%Y-%m-%d}"


def _count_feedback_sent(actor: Membership) -> None:
    """At most ``FEEDBACK_LIMIT_PER_PERSON`` pieces of feedback a day per person. The count
    lives in the cache for the day only, never in the database next to the feedback, so
    it cannot tell who sent an anonymous one."""
    key = _feedback_count_key(actor)
    cache.add(key, 0, timeout=2 * 24 * 3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=2 * 24 * 3600)
        sent = 1
    if sent > settings.FEEDBACK_LIMIT_PER_PERSON:
        raise ServiceError(
            f"You have sent {settings.FEEDBACK_LIMIT_PER_PERSON} pieces of feedback today, the most one person can "
            "send in a day. Please send this one tomorrow, or write to the program office directly.",
            field="text",
        )


def _feedback_email_allowed(organization) -> bool:
    """Coordinators are emailed about at most ``FEEDBACK_EMAILS_PER_ORGANIZATION_PER_HOUR``
    pieces of feedback an hour; the rest wait in the inbox without an email."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()  # one count at a time
    since = timezone.now() - timedelta(hours=1)
    sent = SentEmail.objects.filter(organization=organization, kind=SentEmailKind.FEEDBACK, created_at__gt=since)
    return sent.count() < settings.FEEDBACK_EMAILS_PER_ORGANIZATION_PER_HOUR


def feedback_send(*, actor: Membership, text: str, program: Program | None = None, anonymous: bool = False) -> Feedback:
    text = (text or "").strip()
    if not text:
        raise ServiceError("Write your feedback.", field="text")
    if len(text) > MAX_ANSWER_LENGTH:
        raise ServiceError(f"Keep your feedback under {MAX_ANSWER_LENGTH:,} characters.", field="text")
    organization = actor.organization
    if program is not None and program.organization_id != organization.pk:
        raise PermissionDenied("That program belongs to another organization.")
    with transaction.atomic():
        if not Membership.objects.filter(pk=actor.pk, organization=organization, is_active=True).exists():
            raise PermissionDenied("Only the organization's members can send feedback.")
        _count_feedback_sent(actor)
        feedback = Feedback.objects.create(
            organization=organization, program=program, author=None if anonymous else actor, text=text
        )
        recipients = list(
            Membership.objects.filter(organization=organization, is_coordinator=True, is_active=True)
            .order_by("pk")
            .values_list("user__email", flat=True)
        )
        if recipients and _feedback_email_allowed(organization):
            SentEmail.objects.create(organization=organization, kind=SentEmailKind.FEEDBACK)
            queue_email(
                render_email(
                    "email/feedback_received",
                    {
                        "organization": organization,
                        "program": program,
                        "author": None if anonymous else actor.user,
                        "url": _url("feedback_list", org_slug=organization.slug),
                    },
                    to=recipients,
                )
            )
    return feedback


def feedback_handle(*, actor: Membership, feedback: Feedback) -> Feedback:
    with transaction.atomic():
        require_coordinator(actor, feedback.organization)
        locked = Feedback.objects.select_for_update().get(pk=feedback.pk)
        if locked.handled_at is not None:
            raise ServiceError("This feedback was already marked as handled.")
        locked.handled_at = timezone.now()
        locked.handled_by = actor
        locked.save(update_fields=["handled_at", "handled_by"])
        audit(
            organization=locked.organization,
            actor=actor.user,
            action="feedback.handle",
            summary=f"Feedback {locked.pk} marked as handled",
            feedback=locked.pk,
        )
    return locked
