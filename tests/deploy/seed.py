"""The people of the deploy journeys, made inside the topology (``manage.py shell`` in web's
environment, as ``docker compose exec web`` would): an organization, a program, a coordinator
with an authenticator app, and a mentor and mentee paired in a mentorship.

Prints one JSON line for the test: the emails, the coordinator's TOTP secret, the ids.
"""

import json
from datetime import timedelta

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from django_scopes import scopes_disabled

from relationships.models import Mentorship
from tests.factories import MembershipFactory, OrganizationFactory, ProgramFactory


def seed_pair() -> None:
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    program = ProgramFactory(organization=society, slug="mentorship", name="Mentorship Program")
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Casey Morgan")
    mentor = MembershipFactory(organization=society, user__full_name="Dana Whitfield")
    mentee = MembershipFactory(organization=society, user__full_name="Nia Mensah")
    secret = generate_totp_secret()
    TOTP.activate(coordinator.user, secret)
    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=society,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            planned_end_on=timezone.localdate() + timedelta(days=730),
        )
    print(
        json.dumps(
            {
                "organization": society.slug,
                "program": program.slug,
                "mentorship": mentorship.pk,
                "coordinator": coordinator.user.email,
                "mentor": mentor.user.email,
                "mentee": mentee.user.email,
                "totp_secret": secret,
            }
        )
    )


def seed_reader() -> None:
    """Issue 18: a member of her own organization, for the live updates' check (the pair's
    organization is seeded once per topology; this one can be added beside it)."""
    org = OrganizationFactory(name="Live Updates Society", slug="live")
    reader = MembershipFactory(organization=org, user__email="rita.live@example.com", user__full_name="Rita Okafor")
    print(json.dumps({"organization": org.slug, "email": reader.user.email, "membership": reader.pk}))
