"""Reads of applications that other apps' rules share."""

from programs.models import MENTEE_LIVE, Application, Program, Role


def is_live_mentee(*, program: Program, membership) -> bool:
    """Whether this person is a mentee of the program who may ask for (or be offered) a
    mentor: a submitted, eligible or accepted mentee application."""
    return Application.objects.filter(
        program=program, membership=membership, role=Role.MENTEE, status__in=MENTEE_LIVE
    ).exists()
