from django.db import migrations, models

import mentorship.timezones


def unset_the_old_default(apps, schema_editor):
    """UTC was every account's default and the form had no "not set": an account still on it
    now follows its organization's zone (and is offered the browser's) instead. Profiles
    that named a zone fill it in (programs 0011)."""
    apps.get_model("mentorship", "User").objects.filter(time_zone="UTC").update(time_zone="")


def back_to_the_old_default(apps, schema_editor):
    apps.get_model("mentorship", "User").objects.filter(time_zone="").update(time_zone="UTC")


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0003_encrypt_mfa_secrets"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="time_zone",
            field=models.CharField(
                blank=True,
                default="",
                help_text="Dates and times are shown to you in this time zone. Not set: your organization's time zone.",
                max_length=64,
                validators=[mentorship.timezones.validate_time_zone],
                verbose_name="time zone",
            ),
        ),
        migrations.RunPython(unset_the_old_default, back_to_the_old_default),
    ]
