"""Erasure (GDPR art. 17): a person asks, a coordinator of each organization they are in
confirms (or refuses with a reason) within a month, and confirming anonymizes what the
person holds in that organization through every registered eraser (``privacy.registry``).
Once no organization holds them any more, the account itself is anonymized.

The retention scan (``privacy.services.retention``) erases a membership the same way."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorship.exceptions import ServiceError
from privacy.models import ERASURE_DEADLINE, DataExport, ErasureLog, ErasureRequest, ErasureStatus
from privacy.registry import ERASERS
from programs.models import Membership
from programs.services.access import require_coordinator
from programs.services.audit import audit

REFUSAL_MAX = 2000


def placeholder_name(user_id: int) -> str:
    return f"Erased member #{user_id}"


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@invalid.example"


def is_erased(user) -> bool:
    return user.email == erased_email(user.pk)


@transaction.atomic
def request_erasure(*, user, confirm_email: str) -> list[ErasureRequest]:
    """The person asks to be erased: one pending request per organization they are in, each
    due a month from now. With no membership at all, the account is anonymized at once."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Sign in to ask to be erased.")
    if (confirm_email or "").strip().lower() != user.email.lower():
        raise ServiceError("Type your email address exactly to confirm.", field="confirm_email")
    User = get_user_model()
    User.objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    created = []
    with scopes_disabled():
        memberships = list(Membership.objects.filter(user=user).select_related("organization").order_by("pk"))
        erased = set(ErasureLog.objects.filter(user_id_erased=user.pk).values_list("membership_id_erased", flat=True))
        open_for = set(
            ErasureRequest.objects.filter(
                user=user, status__in=[ErasureStatus.PENDING, ErasureStatus.CONFIRMED]
            ).values_list("membership_id", flat=True)
        )
        todo = [m for m in memberships if m.pk not in erased]
        if todo and all(m.pk in open_for for m in todo):
            raise ServiceError("You have already asked to be erased; the coordinators are answering.")
        for membership in todo:
            if membership.pk in open_for:
                continue
            created.append(
                ErasureRequest.objects.create(
                    organization=membership.organization,
                    membership=membership,
                    user=user,
                    requested_at=now,
                    due_by=now + ERASURE_DEADLINE,
                )
            )
            audit(
                organization=membership.organization,
                actor=None,
                action="privacy.erasure_requested",
                summary=f"Erasure requested by member #{membership.pk}",
                membership=membership.pk,
            )
        if not todo:
            erase_account(user)
    return created


def other_coordinators(membership: Membership):
    """The organization's other active coordinators (with an active account), who answer
    this coordinator's own request."""
    with scopes_disabled():
        return Membership.objects.filter(
            organization_id=membership.organization_id, is_coordinator=True, is_active=True, user__is_active=True
        ).exclude(pk=membership.pk)


def answers_own_request(actor: Membership, request: ErasureRequest) -> bool:
    """True when ``actor`` may answer their own request: no other coordinator can."""
    return request.membership_id == actor.pk and not other_coordinators(actor).exists()


@transaction.atomic
def decide_erasure(
    *, actor: Membership, request: ErasureRequest, confirm: bool, reason: str = "", confirm_email: str = ""
) -> ErasureRequest:
    """A coordinator confirms a pending request, which erases the person from the
    organization at once, or refuses it with a reason (e.g. a legal hold).

    Nobody answers their own request while another coordinator can; a sole coordinator may
    confirm (never refuse) their own, after typing their email address again."""
    require_coordinator(actor, request.organization)
    locked = (
        ErasureRequest.objects.select_for_update().select_related("membership__user", "organization").get(pk=request.pk)
    )
    if locked.status != ErasureStatus.PENDING:
        raise ServiceError("This request has already been answered.")
    if locked.membership_id == actor.pk:
        if other_coordinators(actor).exists():
            raise PermissionDenied("Another coordinator must answer your own request.")
        if not confirm:
            raise ServiceError("You cannot refuse your own request; ask another coordinator.", field="decision")
        if (confirm_email or "").strip().lower() != actor.user.email.lower():
            raise ServiceError(
                "You are the only coordinator: type your email address exactly to confirm your own request.",
                field="confirm_email",
            )
    now = timezone.now()
    locked.decided_by = actor
    locked.decided_at = now
    if not confirm:
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError("Give the reason for refusing (for example, a legal hold).", field="reason")
        if len(reason) > REFUSAL_MAX:
            raise ServiceError(f"Keep the reason under {REFUSAL_MAX} characters.", field="reason")
        locked.status = ErasureStatus.REFUSED
        locked.reason = reason
        locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit(
            organization=locked.organization,
            actor=actor.user,
            action="privacy.erasure_refused",
            summary=f"Erasure request #{locked.pk} refused",
            request=locked.pk,
        )
        return locked
    locked.status = ErasureStatus.CONFIRMED
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit(
        organization=locked.organization,
        actor=actor.user,
        action="privacy.erasure_confirmed",
        summary=f"Erasure request #{locked.pk} confirmed",
        request=locked.pk,
    )
    erase_membership(locked.membership, cause="request")
    locked.status = ErasureStatus.DONE
    locked.done_at = timezone.now()
    locked.save(update_fields=["status", "done_at"])
    finish_account_if_done(locked.membership.user)
    return locked


def erase_membership(membership: Membership, *, cause: str) -> dict:
    """Anonymize everything ``membership`` holds in its organization (every registered eraser),
    in the caller's transaction. Idempotent: a second run finds nothing left to change."""
    with scopes_disabled():
        membership = Membership.objects.select_for_update().select_related("user", "organization").get(pk=membership.pk)
        placeholder = placeholder_name(membership.user_id)
        counts: dict = {}
        for eraser in ERASERS:
            counts.update(eraser(membership, placeholder))
        Membership.objects.filter(pk=membership.pk).update(
            is_active=False, is_coordinator=False, is_committee=False, nudges_enabled=False
        )
        ErasureLog.objects.create(
            organization_id_erased=membership.organization_id,
            membership_id_erased=membership.pk,
            user_id_erased=membership.user_id,
            cause=cause,
            counts={k: v for k, v in counts.items() if v},
        )
    return counts


def finish_account_if_done(user) -> bool:
    """Anonymize the account once every one of its memberships has been erased."""
    with scopes_disabled():
        memberships = set(Membership.objects.filter(user=user).values_list("pk", flat=True))
        erased = set(ErasureLog.objects.filter(user_id_erased=user.pk).values_list("membership_id_erased", flat=True))
    if memberships - erased:
        return False
    erase_account(user)
    return True


def erase_account(user) -> None:
    """The account itself: a placeholder name and address, no password, no second factor,
    no verified addresses, inactive (every session fails its next check: the password hash
    changed and the account is inactive)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    from privacy.erasers import delete_file_on_commit

    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if is_erased(user):
        return
    user.full_name = placeholder_name(user.pk)
    user.email = erased_email(user.pk)
    user.time_zone = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    # The identity provider's link: its extra_data keeps the provider's email, name and claims,
    # and the (provider, uid) pair would keep signing in to this account. Its tokens go with it.
    social = SocialAccount.objects.filter(user=user).delete()[1].get("socialaccount.SocialAccount", 0)
    # A ready export is a copy of everything erased: its file goes once this commits.
    exports = list(DataExport.objects.select_for_update().filter(user=user))
    files = sum(1 for export in exports if delete_file_on_commit(export.file))
    DataExport.objects.filter(pk__in=[e.pk for e in exports]).delete()
    ErasureLog.objects.create(
        user_id_erased=user.pk,
        cause="account",
        counts={
            k: v for k, v in {"social_accounts": social, "exports": len(exports), "export_files": files}.items() if v
        },
    )
