"""Who must have a second factor, and when a session has to look again.

Coordinators (they see members' data, ``MFA_REQUIRED_FOR_COORDINATORS``) and site staff
and superusers (the cross-organization Django admin, ``MFA_REQUIRED_FOR_STAFF``) must set
up an authenticator before they reach anything but their account pages
(``mentorship.middleware.CoordinatorMFAMiddleware``).

The middleware notes in the session that the check passed, so most requests cost no query.
The note names ``User.mfa_requirement_stamp`` and the person's staff flags as they were; the
stamp moves when a membership becomes an active coordinator's and when an authenticator is
removed, from whatever path (services, admin, allauth's pages, another session), so the
requirement applies on the very next request of every session of that person.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django_scopes import scopes_disabled

from mentorship.tenancy import get_membership_model


def bump_requirement_stamp(user_id: int | None) -> None:
    """Make every session of this person check the second factor again on its next request."""
    if user_id is None:
        return
    from mentorship.models import User

    User.objects.filter(pk=user_id).update(mfa_requirement_stamp=F("mfa_requirement_stamp") + 1)


def is_staff_like(user) -> bool:
    return bool(user.is_staff or user.is_superuser)


def requirement_key(user) -> str:
    """What a session's note is valid for: the stamp and the staff flags as they are now."""
    return f"{user.mfa_requirement_stamp}:{int(is_staff_like(user))}"


def requirement_reason(user) -> str | None:
    """'staff' or 'coordinator' if this person must have a second factor, else None."""
    if settings.MFA_REQUIRED_FOR_STAFF and is_staff_like(user):
        return "staff"
    if settings.MFA_REQUIRED_FOR_COORDINATORS:
        with scopes_disabled():
            if get_membership_model().objects.filter(user=user, is_coordinator=True, is_active=True).exists():
                return "coordinator"
    return None


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user).exists()


def _membership_saved(sender, instance, **kwargs) -> None:
    if instance.is_coordinator and instance.is_active:
        bump_requirement_stamp(instance.user_id)


def _authenticator_removed(sender, instance, **kwargs) -> None:
    bump_requirement_stamp(instance.user_id)


def connect_signals() -> None:
    post_save.connect(
        _membership_saved, sender=get_membership_model(), dispatch_uid="mentorship.second_factor.membership"
    )
    post_delete.connect(
        _authenticator_removed, sender=Authenticator, dispatch_uid="mentorship.second_factor.authenticator"
    )
