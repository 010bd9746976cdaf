"""The moved models take their new tables: each table is renamed (rows, keys, sequences and
foreign keys stay), two indexes get this app's names, and the content types of the moved
models follow them (so admin history and permissions keep pointing at the same rows)."""

from django.db import migrations

MOVED = {
    "matching": ["mentorship", "pairexclusion", "programremoval"],
    "agreements": ["meeting", "followuptask", "privatenote", "goal", "goalnote", "contentread", "programresources"],
}


def content_types_follow(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for app_label, models in MOVED.items():
        for model in models:
            if not content_type.objects.using(db).filter(app_label="relationships", model=model).exists():
                content_type.objects.using(db).filter(app_label=app_label, model=model).update(
                    app_label="relationships"
                )


def content_types_return(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for app_label, models in MOVED.items():
        content_type.objects.using(db).filter(app_label="relationships", model__in=models).update(app_label=app_label)


class Migration(migrations.Migration):
    dependencies = [
        ("relationships", "0001_moved_in"),
        ("matching", "0010_delete_moved_models"),
        ("agreements", "0009_record_moved_to_relationships"),
        ("surveys", "0004_mentorship_moved_to_relationships"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameIndex(
            model_name="meeting",
            new_name="relationshi_mentors_83bc52_idx",
            old_name="agreements__mentors_f84510_idx",
        ),
        migrations.RenameIndex(
            model_name="mentorship",
            new_name="relationshi_program_7f4a78_idx",
            old_name="matching_me_program_bb9656_idx",
        ),
        migrations.AlterModelTable(
            name="contentread",
            table=None,
        ),
        migrations.AlterModelTable(
            name="followuptask",
            table=None,
        ),
        migrations.AlterModelTable(
            name="goal",
            table=None,
        ),
        migrations.AlterModelTable(
            name="goalnote",
            table=None,
        ),
        migrations.AlterModelTable(
            name="meeting",
            table=None,
        ),
        migrations.AlterModelTable(
            name="mentorship",
            table=None,
        ),
        migrations.AlterModelTable(
            name="pairexclusion",
            table=None,
        ),
        migrations.AlterModelTable(
            name="privatenote",
            table=None,
        ),
        migrations.AlterModelTable(
            name="programremoval",
            table=None,
        ),
        migrations.AlterModelTable(
            name="programresources",
            table=None,
        ),
        migrations.RunPython(content_types_follow, content_types_return),
    ]
