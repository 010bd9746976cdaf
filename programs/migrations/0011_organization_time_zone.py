"""One time zone per person, and one per organization.

A profile's time zone was a second copy of the account's: it moves to the account where
the account has none (mentorship 0004 unset the old "UTC" default), then the profile
column goes (``Profile.time_zone`` now reads the account's). Each organization gets the
zone most of its profiles named, else UTC; coordinators can change it in the settings."""

from collections import Counter

from django.db import migrations, models

import mentorship.timezones


def copy_profile_zones(apps, schema_editor):
    User = apps.get_model("mentorship", "User")
    Profile = apps.get_model("programs", "Profile")
    Organization = apps.get_model("programs", "Organization")
    known = mentorship.timezones.TIME_ZONES
    rows = (
        Profile.objects.exclude(time_zone="")
        .order_by("updated_at", "pk")
        .values_list("organization_id", "membership__user_id", "time_zone")
    )
    per_user, per_organization = {}, {}
    for organization_id, user_id, zone in rows:
        if zone in known:
            per_user[user_id] = zone  # the most recently updated profile wins
            per_organization.setdefault(organization_id, Counter())[zone] += 1
    for user_id, zone in per_user.items():
        User.objects.filter(pk=user_id, time_zone="").update(time_zone=zone)
    for organization_id, counts in per_organization.items():
        Organization.objects.filter(pk=organization_id).update(time_zone=counts.most_common(1)[0][0])


def copy_back(apps, schema_editor):
    Profile = apps.get_model("programs", "Profile")
    for profile in Profile.objects.select_related("membership__user"):
        if profile.membership.user.time_zone:
            Profile.objects.filter(pk=profile.pk).update(time_zone=profile.membership.user.time_zone)


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0004_user_time_zone_optional"),
        ("programs", "0010_organization_slug_help_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="time_zone",
            field=models.CharField(
                default="UTC",
                help_text="Members who have not chosen a time zone of their own see dates and times in this one.",
                max_length=64,
                validators=[mentorship.timezones.validate_time_zone],
                verbose_name="time zone",
            ),
        ),
        migrations.RunPython(copy_profile_zones, copy_back),
        migrations.RemoveField(model_name="profile", name="time_zone"),
    ]
