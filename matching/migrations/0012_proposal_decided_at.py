from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    """A committee-approved proposal was decided when it was offered."""
    Proposal = apps.get_model("matching", "Proposal")
    Proposal._base_manager.filter(program__model="committee", offered_at__isnull=False).update(
        decided_at=F("offered_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0011_proposal_chosen_by_hand"),
    ]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="decided_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the committee's review ended (approved and offered, or rejected).",
                null=True,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
