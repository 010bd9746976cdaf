"""What coordinators write to people: their organization's wording of each email, and
announcements to a program's participants.

Wording is a template in the sandbox of ``programs.sandbox``, filled in with the kind's
listed variables (``programs.emails``) as text; ``find_override`` is what
``mentorship.mail`` asks when it sends (registered in ``ProgramsConfig.ready``).
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template import Context, Variable, VariableDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_scopes import scopes_disabled

from mentorship.celery import registered_task
from mentorship.exceptions import ServiceError
from mentorship.mail import branding, html_from_text, queue_email, render_email, with_signature
from programs import emails, sandbox
from programs.models import (
    Announcement,
    AnnouncementAudience,
    Application,
    ApplicationStatus,
    EmailTemplateOverride,
    Membership,
    Organization,
    Program,
    Role,
)
from programs.services.access import require_coordinator
from programs.services.audit import audit

logger = logging.getLogger(__name__)

MAX_SUBJECT = 300
MAX_BODY = 10000


# --- Wording ------------------------------------------------------------------------------------


def kind_for(key: str) -> emails.EmailKind:
    try:
        return emails.BY_KEY[key]
    except KeyError:
        raise ServiceError("There is no email of that kind.") from None


def as_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour") and hasattr(value, "tzinfo"):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "j F Y, H:i")
    if hasattr(value, "year") and hasattr(value, "month"):
        return date_format(value, "j F Y")
    return str(value)


def variables_from(kind: emails.EmailKind, context: dict) -> dict[str, str]:
    """The kind's variables, read from the sending code's context, as text."""
    resolved = Context(context)
    values = {}
    for variable in kind.variables:
        value = ""
        for path in variable.paths:
            try:
                value = as_text(Variable(path).resolve(resolved))
            except (VariableDoesNotExist, AttributeError, TypeError, ValueError):
                value = ""
            if value:
                break
        values[variable.name] = value
    return values


def render_wording(kind: emails.EmailKind, subject: str, body: str, variables: dict[str, str]) -> tuple[str, str]:
    """(subject, body) filled in; ``sandbox.WordingError`` names the part that failed."""
    try:
        filled_subject = sandbox.render(subject, variables)
    except sandbox.WordingError as error:
        raise ServiceError(f"Subject: {error}", field="subject") from error
    try:
        filled_body = sandbox.render(body, variables)
    except sandbox.WordingError as error:
        raise ServiceError(f"Message: {error}", field="body") from error
    return " ".join(filled_subject.split()), filled_body.strip() + "\n"


def check_wording(kind: emails.EmailKind, subject: str, body: str) -> tuple[str, str]:
    subject, body = subject.strip(), body.strip()
    if not subject:
        raise ServiceError("Write a subject.", field="subject")
    if not body:
        raise ServiceError("Write the message.", field="body")
    if len(subject) > MAX_SUBJECT:
        raise ServiceError(f"Keep the subject under {MAX_SUBJECT} characters.", field="subject")
    if len(body) > MAX_BODY:
        raise ServiceError(f"Keep the message under {MAX_BODY:,} characters.", field="body")
    filled_subject, _ = render_wording(kind, subject, body, emails.sample_context(kind))
    if not filled_subject:
        raise ServiceError("The subject comes out empty with the sample data.", field="subject")
    return subject, body


def preview(*, organization: Organization, key: str, subject: str, body: str) -> dict:
    """The email as a reader would get it, filled in with the kind's sample data."""
    kind = kind_for(key)
    subject, body = check_wording(kind, subject, body)
    brand = branding(organization)
    sample = {**emails.sample_context(kind), "organization_name": brand["org_name"]}
    filled_subject, filled_body = render_wording(kind, subject, body, sample)
    filled_body = with_signature(filled_body, brand["org_name"])
    return {"subject": filled_subject, "text": filled_body, "html": html_from_text(filled_subject, filled_body, brand)}


@transaction.atomic
def override_save(*, actor: Membership, key: str, subject: str, body: str) -> EmailTemplateOverride:
    organization = actor.organization
    require_coordinator(actor, organization)
    kind = kind_for(key)
    subject, body = check_wording(kind, subject, body)
    override, created = EmailTemplateOverride.objects.select_for_update().get_or_create(
        organization=organization,
        key=key,
        defaults={"subject": subject, "body": body, "updated_by": actor.user},
    )
    if not created:
        override.subject, override.body = subject, body
        override.updated_by, override.updated_at = actor.user, timezone.now()
        override.save()
    audit(
        organization=organization,
        actor=actor.user,
        action="email_template.saved",
        summary=f"Reworded the email “{kind.name}”",
        key=key,
    )
    return override


@transaction.atomic
def override_reset(*, actor: Membership, key: str) -> bool:
    organization = actor.organization
    require_coordinator(actor, organization)
    kind = kind_for(key)
    deleted, _ = EmailTemplateOverride.objects.filter(organization=organization, key=key).delete()
    if deleted:
        audit(
            organization=organization,
            actor=actor.user,
            action="email_template.reset",
            summary=f"Went back to the default wording of “{kind.name}”",
            key=key,
        )
    return bool(deleted)


def find_override(organization, key: str, context: dict) -> tuple[str, str] | None:
    """For ``mentorship.mail``: the organization's wording of ``key``, filled in, or None.
    A wording that fails now (it was checked when saved) falls back to the default."""
    kind = emails.BY_KEY.get(key)
    if kind is None:
        return None
    with scopes_disabled():
        override = EmailTemplateOverride.objects.filter(organization_id=organization.pk, key=key).first()
    if override is None:
        return None
    values = variables_from(kind, context)
    try:
        return render_wording(kind, override.subject, override.body, values)
    except ServiceError:
        logger.exception("The wording of %s in organization %s failed; the default was sent", key, organization.pk)
        return None


# --- Announcements -----------------------------------------------------------------------------

AUDIENCE_ROLES = {
    AnnouncementAudience.ALL: (Role.MENTOR, Role.MENTEE, Role.PEER),  # a peer program's participants are peers
    AnnouncementAudience.MENTORS: (Role.MENTOR,),
    AnnouncementAudience.MENTEES: (Role.MENTEE,),
}


def announcement_recipients(program: Program, audience: str) -> list[int]:
    """The program's active participants in ``audience``: active members whose application
    for that role was accepted. Membership ids, each once."""
    roles = AUDIENCE_ROLES.get(audience)
    if roles is None:
        raise ServiceError("Choose who receives the announcement.", field="audience")
    return list(
        Application.objects.filter(
            program=program,
            organization_id=program.organization_id,
            status=ApplicationStatus.ACCEPTED,
            role__in=roles,
            membership__is_active=True,
        )
        .order_by("membership_id")
        .values_list("membership_id", flat=True)
        .distinct()
    )


@transaction.atomic
def announcement_send(*, actor: Membership, program: Program, audience: str, subject: str, body: str) -> Announcement:
    """Record the announcement and queue one email per recipient (``programs.send_announcement``)."""
    organization = actor.organization
    require_coordinator(actor, organization)
    if program.organization_id != organization.pk:
        raise PermissionDenied("That program belongs to another organization.")
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject:
        raise ServiceError("Write a subject.", field="subject")
    if len(subject) > 200:
        raise ServiceError("Keep the subject under 200 characters.", field="subject")
    if "\n" in subject or "\r" in subject:
        raise ServiceError("Write the subject on one line.", field="subject")
    if not body:
        raise ServiceError("Write the announcement.", field="body")
    if len(body) > MAX_BODY:
        raise ServiceError(f"Keep the announcement under {MAX_BODY:,} characters.", field="body")
    recipients = announcement_recipients(program, audience)
    if not recipients:
        who = AnnouncementAudience(audience).label.lower()
        raise ServiceError(f"{program.name} has no {who} with an accepted application yet: nobody would receive it.")
    announcement = Announcement.objects.create(
        organization=organization,
        program=program,
        audience=audience,
        subject=subject,
        body=body,
        sent_by=actor.user,
        recipient_count=len(recipients),
    )
    audit(
        organization=organization,
        actor=actor.user,
        action="announcement.sent",
        summary=f"Announcement “{subject}” to {len(recipients)} in {program.name}",
        announcement=announcement.pk,
    )
    registered_task("programs.send_announcement").delay_on_commit(announcement.pk, recipients)
    return announcement


def deliver_announcement(announcement_id: int, membership_ids: list[int]) -> int:
    """One email per recipient (the Celery task's work); returns how many were queued."""
    with scopes_disabled():
        announcement = Announcement.objects.select_related("program", "organization", "sent_by").get(pk=announcement_id)
        members = list(
            Membership.objects.filter(pk__in=membership_ids, organization_id=announcement.organization_id)
            .select_related("user")
            .order_by("pk")
        )
    organization = announcement.organization
    program_url = settings.SITE_URL + reverse(
        "program_detail", kwargs={"org_slug": organization.slug, "program_slug": announcement.program.slug}
    )
    for member in members:
        queue_email(
            render_email(
                "email/announcement",
                {
                    "announcement": announcement,
                    "program": announcement.program,
                    "organization": organization,
                    "sender_name": announcement.sent_by.full_name if announcement.sent_by else organization.name,
                    "url": program_url,
                },
                to=[member.user.email],
                reply_to=[organization.contact_email],
                organization=organization,
                recipient_name=member.user.full_name,
            )
        )
    return len(members)
