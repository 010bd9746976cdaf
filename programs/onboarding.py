"""The new member's checklist on the organization's dashboard: a profile with its key
fields, a time zone of their own, and (for participants) an application to a program.
Each item is ticked once done and links to where it is done; the list hides once all are."""

from dataclasses import dataclass

from django.urls import reverse

from programs.models import Profile


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool
    url: str
    action: str  # the link's words


def profile_is_filled_in(profile: Profile | None) -> bool:
    return bool(profile and profile.specialty.strip() and profile.institution.strip())


def checklist(*, membership, user, has_application: bool) -> list[Step]:
    """The steps for this person in this organization; empty once every step is done."""
    slug = membership.organization.slug

    def filled_in() -> bool:
        try:
            return profile_is_filled_in(membership.profile)
        except Profile.DoesNotExist:
            return False

    steps = [
        Step(
            key="profile",
            label="Fill in your profile (specialty and institution)",
            done=filled_in(),
            url=reverse("my_profile", kwargs={"org_slug": slug}),
            action="Open your profile",
        ),
        Step(
            key="time_zone",
            label="Set your time zone",
            done=bool(user.time_zone),  # empty until the person chooses one (UTC is a choice too)
            url=reverse("profile"),
            action="Choose your time zone",
        ),
    ]
    if not membership.is_coordinator:  # the program office runs programs; it does not apply
        steps.append(
            Step(
                key="application",
                label="Apply to a program as a mentor or a mentee",
                done=has_application,
                url=reverse("program_list", kwargs={"org_slug": slug}),
                action="See the programs",
            )
        )
    return [] if all(step.done for step in steps) else steps
