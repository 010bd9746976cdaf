from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.common import DEMO_PASSWORD
from demo.seed import demo_sign_ins, seed_demo

NOT_PRODUCTION_FLAG = "--i-know-this-is-not-production"


class Command(BaseCommand):
    help = (
        "Create the demo organizations (society, department, alumni network) and their programs. Safe to run again. "
        "Every demo account, coordinators included, gets the password published in the README, so with DEBUG off "
        f"it refuses to run unless given {NOT_PRODUCTION_FLAG}."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            NOT_PRODUCTION_FLAG,
            action="store_true",
            dest="not_production",
            help="Run with DEBUG off anyway (a staging or test site nobody real uses).",
        )

    def handle(self, *args, not_production=False, **options):
        if not settings.DEBUG and not not_production:
            raise CommandError(
                "seed_demo creates coordinator accounts with the password published in the README "
                f"({DEMO_PASSWORD}), and DEBUG is off, so this looks like production: refusing. For a demo or "
                f"staging site that holds no real people's data, run it again with {NOT_PRODUCTION_FLAG}. For "
                "local development, set DEBUG=1 (`make run` does)."
            )
        created = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready ({organizations} organizations, {users} people, {memberships} memberships, "
                "{programs} programs, {profiles} profiles, {hubs} hubs, {applications} applications and "
                "{mentorships} pairings created this run).".format(**created)
            )
        )
        self.stdout.write(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD}):")
        for email, who, where in demo_sign_ins():
            self.stdout.write(f"  {email:<52} {who} — {where}")
