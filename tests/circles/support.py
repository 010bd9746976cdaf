"""What the circles tests share: a circles program with accepted mentors and mentees, and a
circle made through the service."""

from datetime import date

from django_scopes import scope

from circles.services import circles as services
from programs.models import ApplicationStatus, ProgramModel, Role
from tests.factories import ApplicationFactory, MembershipFactory, ProgramFactory


def circles_program(organization, **kwargs):
    return ProgramFactory(organization=organization, model=ProgramModel.CIRCLES, **kwargs)


def accepted(program, role=Role.MENTEE, name="", membership=None, **kwargs):
    """A member of the program's organization with an accepted application as ``role``."""
    membership = membership or MembershipFactory(
        organization=program.organization, **({"user__full_name": name} if name else {})
    )
    ApplicationFactory(program=program, membership=membership, role=role, status=ApplicationStatus.ACCEPTED, **kwargs)
    return membership


def make_circle(coordinator, program, **values):
    defaults = {
        "name": "New faculty circle",
        "theme": "Your first grant",
        "capacity": 3,
        "open_to_join": True,
        "starts_on": date(2026, 3, 1),
        "ends_on": date(2026, 9, 30),
    }
    with scope(organization=program.organization):
        return services.circle_create(actor=coordinator, program=program, **{**defaults, **values})
