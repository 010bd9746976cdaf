"""Versions opened before names were frozen (migration 0003) have blank names, and until
now fell back to the accounts' current names everywhere, including the content hash.
Freeze those names as they are today, so the hash of every such version stays what it is
and a later rename can no longer change who a version names."""

from django.db import migrations


def freeze_blank_names(apps, schema_editor):
    Agreement = apps.get_model("agreements", "Agreement")
    blank = Agreement.objects.filter(mentor_name="") | Agreement.objects.filter(mentee_name="")
    blank = blank | Agreement.objects.filter(program_name="")
    for agreement in blank.select_related(
        "mentorship__program", "mentorship__mentor__user", "mentorship__mentee__user"
    ):
        mentorship = agreement.mentorship
        agreement.mentor_name = agreement.mentor_name or mentorship.mentor.user.full_name
        agreement.mentee_name = agreement.mentee_name or mentorship.mentee.user.full_name
        agreement.program_name = agreement.program_name or mentorship.program.name
        agreement.save(update_fields=["mentor_name", "mentee_name", "program_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0006_encrypt_pair_text_and_files"),
    ]

    operations = [
        migrations.RunPython(freeze_blank_names, migrations.RunPython.noop),
    ]
