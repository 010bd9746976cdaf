"""What a sign-in through an organization's identity provider does here: the attributes
it brought (``mapped``), and the membership it makes (``after_sign_in``)."""

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from programs.models import Membership, Profile
from programs.services.audit import audit
from sso.models import IdentityProvider, Kind


def claim(connection: IdentityProvider, extra_data: dict, attribute: str) -> str:
    """One attribute's value from what the provider sent (OIDC claims, SAML attributes)."""
    if not attribute or not isinstance(extra_data, dict):
        return ""
    if connection.kind == Kind.OIDC:
        for part in ("userinfo", "id_token"):
            value = (extra_data.get(part) or {}).get(attribute)
            if value:
                break
        else:
            value = extra_data.get(attribute)
    else:
        value = extra_data.get(attribute)
        if isinstance(value, list):
            value = value[0] if value else ""
    return str(value or "").strip()


def mapped(connection: IdentityProvider, extra_data: dict) -> dict:
    return {
        "name": claim(connection, extra_data, connection.name_attribute)[:150],
        "institution": claim(connection, extra_data, connection.institution_attribute)[:200],
    }


def after_sign_in(*, connection: IdentityProvider, user, extra_data: dict) -> Membership | None:
    """The person signed in through ``connection``: with auto-join on, an address in its
    domains becomes a member of the organization (a removed member is not let back in this
    way); the mapped name fills an empty account name, the institution their profile."""
    organization = connection.organization
    values = mapped(connection, extra_data)
    with scope(organization=organization), transaction.atomic():
        membership = Membership.objects.select_for_update().filter(organization=organization, user=user).first()
        if membership is None and connection.auto_join and connection.covers(user.email):
            membership = Membership.objects.create(organization=organization, user=user, joined_at=timezone.now())
            audit(
                organization=organization,
                actor=user,
                action="sso.member_joined",
                summary=f"{user.email} joined through “{connection.name}”",
                connection=connection.pk,
                membership=membership.pk,
            )
        if values["name"] and not user.full_name:
            user.full_name = values["name"]
            user.save(update_fields=["full_name"])
        if membership is not None and membership.is_active and values["institution"]:
            profile, created = Profile.objects.get_or_create(
                membership=membership, defaults={"organization": organization, "institution": values["institution"]}
            )
            if not created and profile.institution != values["institution"]:
                profile.institution = values["institution"]
                profile.save(update_fields=["institution", "updated_at"])
        audit(
            organization=organization,
            actor=user,
            action="sso.signed_in",
            summary=f"{user.email} signed in through “{connection.name}”",
            connection=connection.pk,
        )
    return membership if membership is not None and membership.is_active else None


def record_refusal(*, connection: IdentityProvider, email: str, reason: str) -> None:
    audit(
        organization=connection.organization,
        actor=None,
        action="sso.refused",
        summary=f"Sign-in through “{connection.name}” refused for {email or 'an unknown address'}: {reason}",
        connection=connection.pk,
    )
