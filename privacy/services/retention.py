"""Retention: each organization may set a period (``PrivacySettings.retention_months``).
The daily ``privacy.retention_scan`` finds members inactive past it (no sign-in, and no
activity in that organization: no meeting, message, application or live relationship),
tells them by email first (a ``RetentionNotice`` naming the day), and once that day has
come, and they are still inactive, anonymizes their membership as a confirmed erasure does.
A sign-in or any activity in between cancels the notice. Idempotent; a few queries per
organization whatever its size, plus the work of each erasure that falls due."""

import logging
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorship.dates import add_months
from mentorship.exceptions import ServiceError
from mentorship.mail import queue_email, render_email
from privacy.models import ErasureLog, PrivacySettings, RetentionNotice
from privacy.services.erasure import erase_membership, finish_account_if_done
from programs.models import Application, Membership
from programs.services.access import require_coordinator
from programs.services.audit import audit
from relationships.models import LIVE_STATUSES, Meeting, Mentorship, Message
from relationships.services.pairs import absolute_url

logger = logging.getLogger(__name__)

NOTICE_DAYS_MAX = 365
RETENTION_MONTHS_MAX = 240


def settings_for(organization) -> PrivacySettings:
    with scopes_disabled():
        found = PrivacySettings.objects.filter(organization=organization).first()
    return found or PrivacySettings(organization=organization)


@transaction.atomic
def update_settings(*, actor: Membership, retention_months: int | None, notice_days: int) -> PrivacySettings:
    organization = actor.organization
    require_coordinator(actor, organization)
    if retention_months is not None and not 1 <= retention_months <= RETENTION_MONTHS_MAX:
        raise ServiceError(
            f"Choose between 1 and {RETENTION_MONTHS_MAX} months, or leave it empty.", field="retention_months"
        )
    if not 1 <= notice_days <= NOTICE_DAYS_MAX:
        raise ServiceError(f"Choose between 1 and {NOTICE_DAYS_MAX} days.", field="notice_days")
    with scopes_disabled():
        current, _ = PrivacySettings.objects.select_for_update().get_or_create(organization=organization)
        current.retention_months = retention_months
        current.notice_days = notice_days
        current.save()
    audit(
        organization=organization,
        actor=actor.user,
        action="privacy.retention_updated",
        summary=f"Retention set to {retention_months or 'off'} months, notice {notice_days} days",
    )
    return current


def inactive_members(organization_id: int, since: datetime):
    """Memberships of the organization with no sign-in and no activity there since ``since``."""
    pair = Q(mentorship__mentor=OuterRef("pk")) | Q(mentorship__mentee=OuterRef("pk"))
    return (
        Membership.objects.filter(organization_id=organization_id, joined_at__lt=since, is_coordinator=False)
        .filter(Q(user__last_login__isnull=True) | Q(user__last_login__lt=since))
        .exclude(user__email__endswith="@invalid.example")
        .exclude(Exists(ErasureLog.objects.filter(membership_id_erased=OuterRef("pk"))))
        .exclude(
            Exists(
                Mentorship.objects.filter(status__in=LIVE_STATUSES).filter(
                    Q(mentor=OuterRef("pk")) | Q(mentee=OuterRef("pk"))
                )
            )
        )
        .exclude(Exists(Meeting.objects.filter(pair, starts_at__gte=since)))
        .exclude(Exists(Message.objects.filter(author=OuterRef("pk"), created_at__gte=since)))
        .exclude(
            Exists(
                Application.objects.filter(membership=OuterRef("pk")).filter(
                    Q(created_at__gte=since) | Q(updated_at__gte=since)
                )
            )
        )
    )


def scan(today=None) -> dict:
    """One pass over every organization with a retention period."""
    today = today or timezone.localdate()
    totals = {"noticed": 0, "cancelled": 0, "erased": 0}
    with scopes_disabled():
        for settings in PrivacySettings.objects.filter(retention_months__isnull=False).select_related("organization"):
            try:
                result = scan_organization(settings, today)
            except Exception:
                logger.exception("Retention scan failed for organization %s", settings.organization_id)
                continue
            for key in totals:
                totals[key] += result[key]
    return totals


def scan_organization(settings: PrivacySettings, today) -> dict:
    organization = settings.organization
    since = timezone.make_aware(datetime.combine(add_months(today, -settings.retention_months), time.min))
    now = timezone.now()
    result = {"noticed": 0, "cancelled": 0, "erased": 0}
    with scopes_disabled():
        inactive = set(inactive_members(organization.pk, since).values_list("pk", flat=True))
        open_notices = RetentionNotice.objects.filter(
            organization=organization, cancelled_at__isnull=True, erased_at__isnull=True
        )
        open_by_member = dict(open_notices.values_list("membership_id", "pk"))
        # Came back since the notice: a sign-in, or activity (they are no longer inactive).
        back = [pk for member, pk in open_by_member.items() if member not in inactive]
        result["cancelled"] = RetentionNotice.objects.filter(pk__in=back).update(cancelled_at=now)
        # Tell the newly inactive.
        new = sorted(inactive - set(open_by_member))
        erase_on = today + timedelta(days=settings.notice_days)
        notices = RetentionNotice.objects.bulk_create(
            [RetentionNotice(organization=organization, membership_id=m, sent_at=now, erase_on=erase_on) for m in new]
        )
        if notices:
            url = absolute_url("organization_dashboard", org_slug=organization.slug)
            for member in Membership.objects.filter(pk__in=new).select_related("user"):
                queue_email(
                    render_email(
                        "email/privacy_retention_notice",
                        {
                            "organization": organization,
                            "erase_on": erase_on,
                            "retention_months": settings.retention_months,
                            "url": url,
                        },
                        to=[member.user.email],
                        recipient_name=member.user.full_name,
                        organization=organization,
                    )
                )
        result["noticed"] = len(notices)
        # Anonymize those whose day has come and who are still inactive.
        due = list(
            RetentionNotice.objects.filter(
                organization=organization,
                cancelled_at__isnull=True,
                erased_at__isnull=True,
                erase_on__lte=today,
                membership_id__in=inactive,
            ).values_list("pk", "membership_id")
        )
        for notice_pk, member_pk in due:
            # One member's failure rolls back that member's erasure only, and the scan goes on
            # (the next run tries them again: the notice stays open).
            try:
                erased = _erase_due(notice_pk, member_pk)
            except Exception:
                logger.exception(
                    "Retention erasure failed for membership %s (notice %s) in organization %s",
                    member_pk,
                    notice_pk,
                    organization.pk,
                )
                continue
            result["erased"] += erased
    return result


def _erase_due(notice_pk: int, member_pk: int) -> int:
    with transaction.atomic():
        notice = RetentionNotice.objects.select_for_update().get(pk=notice_pk)
        if notice.erased_at or notice.cancelled_at:
            return 0
        member = Membership.objects.select_related("user").get(pk=member_pk)
        erase_membership(member, cause="retention")
        notice.erased_at = timezone.now()
        notice.save(update_fields=["erased_at"])
        finish_account_if_done(member.user)
    return 1
