"""Factories that never mix tenants: a child's organization comes from its parent."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from django_scopes import scopes_disabled

from mentorship.models import User
from programs.models import (
    AffinityGroup,
    Application,
    EligibilityRule,
    GoalArea,
    Hub,
    HubChoice,
    HubMentor,
    HubTheme,
    Invitation,
    Membership,
    Organization,
    Profile,
    Program,
    ProgramModel,
    Role,
)
from relationships.models import Mentorship

PASSWORD = "correct-horse-battery-staple"


class UnscopedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with scopes_disabled():
            return super()._create(model_class, *args, **kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    contact_email = factory.LazyAttribute(lambda o: f"office@{o.slug}.example.org")
    # Organizations in tests are established ones; tests/test_issue13_sending_limits.py
    # covers a new one whose contact address waits for confirmation.
    contact_email_confirmed_at = factory.LazyFunction(timezone.now)


class MembershipFactory(UnscopedFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)


class InvitationFactory(UnscopedFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    invited_by = factory.SubFactory(UserFactory)


class ProgramFactory(UnscopedFactory):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Mentorship Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    model = ProgramModel.COMMITTEE
    is_published = True


class GoalAreaFactory(UnscopedFactory):
    class Meta:
        model = GoalArea

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    name = factory.Sequence(lambda n: f"Goal area {n}")


class EligibilityRuleFactory(UnscopedFactory):
    class Meta:
        model = EligibilityRule

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    role = Role.MENTOR


class ProfileFactory(UnscopedFactory):
    class Meta:
        model = Profile

    membership = factory.SubFactory(MembershipFactory)
    organization = factory.SelfAttribute("membership.organization")


class AffinityGroupFactory(UnscopedFactory):
    class Meta:
        model = AffinityGroup

    program = factory.SubFactory(ProgramFactory, model=ProgramModel.HUBS)
    organization = factory.SelfAttribute("program.organization")
    name = factory.Sequence(lambda n: f"Affinity group {n}")


class HubFactory(UnscopedFactory):
    class Meta:
        model = Hub

    affinity_group = factory.SubFactory(AffinityGroupFactory)
    program = factory.SelfAttribute("affinity_group.program")
    organization = factory.SelfAttribute("affinity_group.organization")
    name = factory.Sequence(lambda n: f"Hub {n}")
    theme = HubTheme.RESEARCH


class HubMentorFactory(UnscopedFactory):
    class Meta:
        model = HubMentor

    hub = factory.SubFactory(HubFactory)
    organization = factory.SelfAttribute("hub.organization")
    membership = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))


class ApplicationFactory(UnscopedFactory):
    class Meta:
        model = Application

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    membership = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))
    role = Role.MENTEE
    principles_accepted = True


class HubChoiceFactory(UnscopedFactory):
    class Meta:
        model = HubChoice

    application = factory.SubFactory(ApplicationFactory)
    organization = factory.SelfAttribute("application.organization")
    hub = factory.SubFactory(HubFactory)
    rank = 1


class MentorshipFactory(UnscopedFactory):
    """A live pairing: a mentor and a mentee of one organization in one of its programs,
    started today (the test's clock) and planned for two years."""

    class Meta:
        model = Mentorship

    program = factory.SubFactory(ProgramFactory)
    organization = factory.SelfAttribute("program.organization")
    mentor = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))
    mentee = factory.SubFactory(MembershipFactory, organization=factory.SelfAttribute("..organization"))
    origin = "proposal"
    planned_end_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=730))


def dana_and_nia(organization, *, program=None, mentor=None, mentee=None, **kwargs) -> Mentorship:
    """The pair the agreement and record tests write about: Dana Whitfield mentors Nia Mensah
    in the organization's program (``program``, or one made from ``program`` keywords: e.g.
    ``{"slug": "society"}``); ``mentor``/``mentee`` are extra keywords for their memberships
    (``{"user__time_zone": "Europe/Paris"}``)."""
    if not isinstance(program, Program):
        program = ProgramFactory(organization=organization, **(program or {}))
    return MentorshipFactory(
        program=program,
        mentor=MembershipFactory(organization=organization, user__full_name="Dana Whitfield", **(mentor or {})),
        mentee=MembershipFactory(organization=organization, user__full_name="Nia Mensah", **(mentee or {})),
        **kwargs,
    )
