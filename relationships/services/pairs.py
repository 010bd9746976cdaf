"""What every later app does on a pair: the party check (``require_party``), the
membership locks that serialize changes to people's pairings (``lock_memberships``), and
the email helpers (``notify``, ``absolute_url``)."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from mentorship.mail import queue_email, render_email
from programs.models import Membership
from relationships.models import Mentorship


def require_party(actor: Membership, mentorship: Mentorship, what: str = "can do this") -> str:
    """'mentor' or 'mentee'; anyone else (coordinators too) is refused."""
    if actor is None or actor.organization_id != mentorship.organization_id or not actor.is_active:
        raise PermissionDenied("That mentorship belongs to another organization.")
    role = mentorship.party(actor)
    if role is None:
        raise PermissionDenied(f"Only the mentor and the mentee {what}.")
    return role


def lock_memberships(*memberships: Membership) -> None:
    # A fixed order (by pk) so that two transactions locking the same rows cannot deadlock.
    pks = sorted({m.pk for m in memberships})
    list(Membership.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk", flat=True))


def notify(template: str, context: dict, to: list[str], reply_to: str, *, recipient_name: str | None = None) -> None:
    """Email the pair (or one of them). ``recipient_name`` greets them by the names a
    document holds (an agreement's frozen names); by default, their accounts' names."""
    queue_email(render_email(template, context, to=to, reply_to=[reply_to], recipient_name=recipient_name))


def absolute_url(name: str, **kwargs) -> str:
    return settings.SITE_URL + reverse(name, kwargs=kwargs)
