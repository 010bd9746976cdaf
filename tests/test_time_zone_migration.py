"""mentorship 0004 and programs 0011: the profile's copy of the time zone moves to the
account where the account has none (the old "UTC" default counts as none), and each
organization starts with the zone most of its profiles named."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("mentorship", "0003_encrypt_mfa_secrets"), ("programs", "0010_organization_slug_help_text")]
AFTER = [("mentorship", "0004_user_time_zone_optional"), ("programs", "0011_organization_time_zone")]


@pytest.mark.django_db(transaction=True)
def test_profile_zones_move_to_the_accounts_that_have_none():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User, Organization = apps.get_model("mentorship", "User"), apps.get_model("programs", "Organization")
    Membership, Profile = apps.get_model("programs", "Membership"), apps.get_model("programs", "Profile")
    org = Organization.objects.create(name="Lakeshore", slug="lakeshore", contact_email="office@example.org")
    people = {}
    for name, account_zone, profile_zone in (
        ("defaulted", "UTC", "America/Chicago"),
        ("chosen", "Europe/Paris", "America/Chicago"),
        ("no-profile", "UTC", None),
        ("blank-profile", "UTC", ""),
        ("bogus", "UTC", "Mars/Olympus"),
        ("other", "UTC", "America/Toronto"),
    ):
        user = User.objects.create(email=f"{name}@example.org", full_name=name, password="!", time_zone=account_zone)
        membership = Membership.objects.create(organization=org, user=user)
        if profile_zone is not None:
            Profile.objects.create(organization=org, membership=membership, time_zone=profile_zone)
        people[name] = user.pk

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    zones = dict(apps.get_model("mentorship", "User").objects.values_list("email", "time_zone"))
    assert zones == {
        "defaulted@example.org": "America/Chicago",
        "chosen@example.org": "Europe/Paris",
        "no-profile@example.org": "",
        "blank-profile@example.org": "",
        "bogus@example.org": "",
        "other@example.org": "America/Toronto",
    }
    assert apps.get_model("programs", "Organization").objects.get(slug="lakeshore").time_zone == "America/Chicago"

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
