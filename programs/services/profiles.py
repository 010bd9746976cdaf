"""Profile (biosketch) and private CV actions.

Every function acts on the *actor's own* profile in the actor's organization: nobody can
edit, upload to or share someone else's profile through these functions. Every
membership referenced (the owner, the people a CV is shared with) must belong to the
actor's organization. Each write is transactional and records an ``AuditEvent``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorship.exceptions import ServiceError, raise_if_errors
from mentorship.services import user_set_time_zone
from mentorship.timezones import TIME_ZONES
from programs.models import Membership, PracticeSetting, Profile
from programs.services.audit import audit

EARLIEST_YEAR = 1940
CV_MAX_BYTES = 5 * 1024 * 1024
PDF_MAGIC = b"%PDF-"

EDITABLE_FIELDS = (
    "specialty",
    "practice_setting",
    "year_started_practice",
    "graduation_year",
    "institution",
    "city",
    "region",
    "country",
    "clinical_interests",
    "research_interests",
    "languages",
    "bio",
)


# --- Validation shared with the forms ------------------------------------------------


def year_errors(*, year_started_practice: int | None, graduation_year: int | None) -> dict[str, str]:
    """Field name → message for years that cannot be right; empty when they are fine."""
    this_year = timezone.now().year
    errors = {}
    for field, label, value in (
        ("graduation_year", "Graduation year", graduation_year),
        ("year_started_practice", "Year started practice", year_started_practice),
    ):
        if value is not None and not EARLIEST_YEAR <= value <= this_year:
            errors[field] = f"{label} must be between {EARLIEST_YEAR} and {this_year}."
    if (
        not errors
        and graduation_year is not None
        and year_started_practice is not None
        and year_started_practice < graduation_year
    ):
        errors["year_started_practice"] = (
            f"You can't have started independent practice ({year_started_practice}) before you graduated "
            f"({graduation_year}). Check both years."
        )
    return errors


def cv_error(upload) -> str | None:
    """Why an uploaded file cannot be accepted as a CV, or None when it can."""
    name = (getattr(upload, "name", "") or "").lower()
    if not name.endswith(".pdf"):
        return "Upload your CV as a PDF file (.pdf). Word documents and other formats are not accepted."
    size = getattr(upload, "size", None)
    if size is None or size == 0:
        return "That file is empty. Choose your CV as a PDF file."
    if size > CV_MAX_BYTES:
        return f"That file is {size / (1024 * 1024):.1f} MB; a CV can be at most 5 MB."
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        return "That file is not a real PDF, although its name ends in .pdf. Export or save your CV as PDF."
    return None


# --- Helpers ----------------------------------------------------------------------


def _lock_actor(actor: Membership) -> Membership:
    """Re-read the actor under a lock: a member removed a moment ago can no longer act."""
    if actor is None:
        raise PermissionDenied("Only members can edit a profile.")
    locked = (
        Membership.objects.select_for_update()
        .select_related("user", "organization")
        .filter(pk=actor.pk, organization_id=actor.organization_id, is_active=True)
        .first()
    )
    if locked is None:
        raise PermissionDenied("Only active members of the organization can do this.")
    return locked


def _require_own(actor: Membership, membership: Membership | None) -> None:
    if membership is not None and (membership.pk != actor.pk or membership.organization_id != actor.organization_id):
        raise PermissionDenied("You can only change your own profile.")


def _lock_profile(actor: Membership, *, create: bool) -> Profile | None:
    profile = Profile.objects.select_for_update().filter(organization=actor.organization, membership=actor).first()
    if profile is not None or not create:
        return profile
    try:
        with transaction.atomic():
            return Profile.objects.create(organization=actor.organization, membership=actor)
    except IntegrityError:
        # Created concurrently by another request of the same person.
        return Profile.objects.select_for_update().get(organization=actor.organization, membership=actor)


def _clean_languages(value: str) -> str:
    seen = []
    for part in (value or "").split(","):
        part = " ".join(part.split())
        if part and part.lower() not in {s.lower() for s in seen}:
            seen.append(part)
    return ", ".join(seen)


def _delete_file_after_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- Profile ----------------------------------------------------------------------


@transaction.atomic
def profile_save(
    *, actor: Membership, membership: Membership | None = None, time_zone: str | None = None, **fields
) -> Profile:
    """Create or update the actor's own profile. ``membership`` defaults to the actor.

    Only the fields in ``EDITABLE_FIELDS`` can be set; missing ones keep their value.
    ``time_zone``, when given, is the person's one time zone: it is saved on their account
    (``User.time_zone``, for every organization), not on this profile; empty clears it.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not profile fields: {', '.join(sorted(unknown))}")
    _require_own(actor, membership)
    actor = _lock_actor(actor)

    years = year_errors(
        year_started_practice=fields.get("year_started_practice"), graduation_year=fields.get("graduation_year")
    )
    errors = dict(years)
    if fields.get("practice_setting") and fields["practice_setting"] not in PracticeSetting.values:
        errors["practice_setting"] = "Choose a practice setting from the list."
    if time_zone and time_zone.strip() not in TIME_ZONES:
        errors["time_zone"] = "Choose a time zone from the list."
    raise_if_errors(errors)
    if "languages" in fields:
        fields["languages"] = _clean_languages(fields["languages"])
    for key, value in fields.items():
        if isinstance(value, str):
            fields[key] = value.strip()

    profile = _lock_profile(actor, create=False)
    created = profile is None
    if created:
        profile = _lock_profile(actor, create=True)

    changed = []
    for key, value in fields.items():
        if value is None and key not in ("year_started_practice", "graduation_year"):
            value = ""
        if getattr(profile, key) != value:
            setattr(profile, key, value)
            changed.append(key)
    try:
        profile.full_clean(exclude=["membership", "organization", "cv", "cv_shared_with"])
    except ValidationError as error:  # lengths etc., which the form normally catches first
        raise ServiceError.from_errors(error.message_dict) from None
    if time_zone is not None and user_set_time_zone(user=actor.user, time_zone=time_zone):
        changed.append("time_zone")
    if changed or created:
        profile.save()
        audit(
            organization=actor.organization,
            actor=actor.user,
            action="profile.created" if created else "profile.updated",
            summary=f"{'Created' if created else 'Updated'} their profile",
            profile=profile.pk,
            fields=sorted(changed),
        )
    return profile


# --- CV ---------------------------------------------------------------------------


@transaction.atomic
def profile_cv_upload(*, actor: Membership, upload, membership: Membership | None = None) -> Profile:
    """Attach (or replace) the actor's CV: a PDF of at most 5 MB, in private storage."""
    _require_own(actor, membership)
    message = cv_error(upload)
    if message:
        raise ServiceError(message, field="cv")
    actor = _lock_actor(actor)
    profile = _lock_profile(actor, create=True)
    field = Profile._meta.get_field("cv")
    old_name = profile.cv.name
    profile.cv.save("cv.pdf", upload, save=False)
    new_name = profile.cv.name
    try:
        profile.save(update_fields=["cv", "updated_at"])
        audit(
            organization=actor.organization,
            actor=actor.user,
            action="profile.cv_replaced" if old_name else "profile.cv_uploaded",
            summary="Replaced their CV" if old_name else "Uploaded their CV",
            profile=profile.pk,
            size=upload.size,
        )
    except Exception:
        # The row was not updated: the new file must not linger.
        field.storage.delete(new_name)
        raise
    _delete_file_after_commit(field.storage, old_name)
    return profile


@transaction.atomic
def profile_cv_remove(*, actor: Membership, membership: Membership | None = None) -> Profile | None:
    """Remove the actor's CV (the file is deleted once the change commits). Shares are kept."""
    _require_own(actor, membership)
    actor = _lock_actor(actor)
    profile = _lock_profile(actor, create=False)
    if profile is None or not profile.cv:
        raise ServiceError("There is no CV to remove.")
    old_name = profile.cv.name
    profile.cv = ""
    profile.save(update_fields=["cv", "updated_at"])
    audit(
        organization=actor.organization,
        actor=actor.user,
        action="profile.cv_removed",
        summary="Removed their CV",
        profile=profile.pk,
    )
    _delete_file_after_commit(Profile._meta.get_field("cv").storage, old_name)
    return profile


@transaction.atomic
def profile_cv_share(*, actor: Membership, email: str, membership: Membership | None = None) -> Membership:
    """Let an active member of the actor's organization, named by email, download the CV."""
    _require_own(actor, membership)
    actor = _lock_actor(actor)
    email = (email or "").strip()
    if not email:
        raise ServiceError("Enter the email address of a member of this organization.", field="email")
    recipient = (
        Membership.objects.select_related("user")
        .filter(organization=actor.organization, is_active=True, user__email__iexact=email)
        .first()
    )
    if recipient is None:
        raise ServiceError(
            "Your CV can only be shared with members of this organization. Check that this is the "
            "address your colleague uses here.",
            field="email",
        )
    if recipient.pk == actor.pk:
        raise ServiceError("That's you: you can always download your own CV.", field="email")
    profile = _lock_profile(actor, create=True)
    if profile.cv_shared_with.filter(pk=recipient.pk).exists():
        raise ServiceError(f"Your CV is already shared with {recipient.user.email}.", field="email")
    profile.cv_shared_with.add(recipient)
    audit(
        organization=actor.organization,
        actor=actor.user,
        action="profile.cv_shared",
        summary=f"Shared their CV with {recipient.user.email}",
        profile=profile.pk,
        membership=recipient.pk,
    )
    return recipient


@transaction.atomic
def profile_cv_unshare(*, actor: Membership, shared_with: Membership, membership: Membership | None = None) -> None:
    """Stop sharing the actor's CV with one member."""
    _require_own(actor, membership)
    actor = _lock_actor(actor)
    if shared_with is None or shared_with.organization_id != actor.organization_id:
        raise PermissionDenied("That member belongs to another organization.")
    profile = _lock_profile(actor, create=False)
    if profile is None or not profile.cv_shared_with.filter(pk=shared_with.pk).exists():
        raise ServiceError("Your CV is not shared with that person.")
    profile.cv_shared_with.remove(shared_with)
    audit(
        organization=actor.organization,
        actor=actor.user,
        action="profile.cv_unshared",
        summary=f"Stopped sharing their CV with {shared_with.user.email}",
        profile=profile.pk,
        membership=shared_with.pk,
    )
