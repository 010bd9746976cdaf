from django.core.management.base import BaseCommand

from programs.demo import DEMO_PASSWORD, demo_sign_ins, seed_demo


class Command(BaseCommand):
    help = "Create the demo organizations (society, department, alumni network) and their programs. Safe to run again."

    def handle(self, *args, **options):
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
