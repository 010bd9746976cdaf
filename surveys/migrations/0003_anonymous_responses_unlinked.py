"""Anonymous survey answers keep nothing that orders or dates them (issue 13, item 12).

* Invitations get an ``answered`` flag without a date; an anonymous survey's invitations
  lose the day they were answered (a named survey's keep it).
* Responses and answers are copied, in random order, into tables with random (UUID) ids,
  so neither the ids nor the order the rows lie in follow the order people answered in.
  An anonymous response keeps only the month it was given in, and loses its program.
* Written answers are re-encrypted with tokens dated 0 (a Fernet token carries the second
  it was made in).

Going back copies the rows into tables with numbered ids again (in random order, with
the days and programs that were dropped gone for good).
"""

import secrets
import uuid

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import mentorship.fields

CHUNK = 500


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _copy(apps, source: tuple[str, str], target: tuple[str, str], *, new_ids) -> None:
    """Copy every response (and its answers) from the ``source`` models to the ``target``
    models in random order. ``new_ids`` makes a target id (None: numbered by the table)."""
    Survey = apps.get_model("surveys", "Survey")
    OldResponse, OldAnswer = (apps.get_model("surveys", name) for name in source)
    NewResponse, NewAnswer = (apps.get_model("surveys", name) for name in target)
    anonymous = set(Survey.objects.filter(anonymous=True).values_list("pk", flat=True))
    shuffle = secrets.SystemRandom().shuffle
    ids = list(OldResponse.objects.values_list("pk", flat=True))
    shuffle(ids)
    for chunk in _chunks(ids):
        old = OldResponse.objects.in_bulk(chunk)
        made = {}
        for old_id in chunk:
            response = old[old_id]
            hidden = response.survey_id in anonymous
            made[old_id] = NewResponse(
                id=new_ids(),
                organization_id=response.organization_id,
                survey_id=response.survey_id,
                wave_id=response.wave_id,
                respondent_id=None if hidden else response.respondent_id,
                role=response.role,
                program_id=None if hidden else response.program_id,
                submitted_on=response.submitted_on.replace(day=1) if hidden else response.submitted_on,
            )
        NewResponse.objects.bulk_create(made.values())  # ids from the table, where numbered, on both databases
        answers = list(OldAnswer.objects.filter(response_id__in=chunk))
        shuffle(answers)
        NewAnswer.objects.bulk_create(
            NewAnswer(
                id=new_ids(),
                organization_id=answer.organization_id,
                response_id=made[answer.response_id].pk,
                question_id=answer.question_id,
                number=answer.number,
                choices=answer.choices,
                text=answer.text,  # decrypted by the old field, encrypted by the new one
            )
            for answer in answers
        )


def unlink_forward(apps, schema_editor):
    Invitation = apps.get_model("surveys", "SurveyInvitation")
    Invitation.objects.filter(responded_on__isnull=False).update(answered=True)
    Invitation.objects.filter(wave__survey__anonymous=True).update(responded_on=None)
    _copy(apps, ("SurveyResponse", "SurveyAnswer"), ("UnlinkedResponse", "UnlinkedAnswer"), new_ids=uuid.uuid4)


def unlink_backward(apps, schema_editor):
    Invitation = apps.get_model("surveys", "SurveyInvitation")
    Wave = apps.get_model("surveys", "SurveyWave")
    # The old code reads "answered" from the day: the day the wave opened stands in for it.
    Invitation.objects.filter(answered=True, responded_on__isnull=True).update(
        responded_on=Subquery(Wave.objects.filter(pk=OuterRef("wave_id")).values("opens_on")[:1])
    )
    _copy(apps, ("UnlinkedResponse", "UnlinkedAnswer"), ("SurveyResponse", "SurveyAnswer"), new_ids=lambda: None)


def _response_fields(submitted_on):
    return [
        ("role", models.CharField(blank=True, max_length=10)),
        ("submitted_on", submitted_on),
        (
            "organization",
            models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="programs.organization"
            ),
        ),
        (
            "program",
            models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="programs.program",
            ),
        ),
        (
            "respondent",
            models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="programs.membership",
            ),
        ),
        (
            "survey",
            models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="surveys.survey"),
        ),
        (
            "wave",
            models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="surveys.surveywave"),
        ),
    ]


SUBMITTED_ON = models.DateField(help_text="Named: the day. Anonymous: the first day of the month, nothing finer.")


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0002_reminder_handed_out"),
    ]

    operations = [
        migrations.AddField(
            model_name="surveyinvitation",
            name="answered",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="surveyinvitation",
            name="responded_on",
            field=models.DateField(
                blank=True, help_text="The day a named survey was answered; never set for an anonymous one.", null=True
            ),
        ),
        migrations.CreateModel(
            name="UnlinkedResponse",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                *_response_fields(SUBMITTED_ON),
            ],
            options={"ordering": ["wave", "pk"]},
        ),
        migrations.CreateModel(
            name="UnlinkedAnswer",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("number", models.SmallIntegerField(blank=True, help_text="Likert 1–5 or rating 0–10.", null=True)),
                ("choices", models.JSONField(blank=True, default=list)),
                ("text", mentorship.fields.EncryptedTextField(blank=True, max_length=5000, timeless=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="programs.organization"
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="surveys.question"
                    ),
                ),
                (
                    "response",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="surveys.unlinkedresponse"
                    ),
                ),
            ],
            options={"ordering": ["question", "pk"]},
        ),
        migrations.RunPython(unlink_forward, unlink_backward, elidable=False),
        migrations.DeleteModel(name="SurveyAnswer"),
        migrations.DeleteModel(name="SurveyResponse"),
        migrations.RenameModel(old_name="UnlinkedResponse", new_name="SurveyResponse"),
        migrations.RenameModel(old_name="UnlinkedAnswer", new_name="SurveyAnswer"),
        migrations.AlterField(
            model_name="surveyresponse",
            name="survey",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="responses", to="surveys.survey"
            ),
        ),
        migrations.AlterField(
            model_name="surveyresponse",
            name="wave",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="responses", to="surveys.surveywave"
            ),
        ),
        migrations.AlterField(
            model_name="surveyanswer",
            name="question",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="answers", to="surveys.question"
            ),
        ),
        migrations.AlterField(
            model_name="surveyanswer",
            name="response",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="answers", to="surveys.surveyresponse"
            ),
        ),
        migrations.AddIndex(
            model_name="surveyresponse",
            index=models.Index(fields=["survey", "submitted_on"], name="surveys_sur_survey__a42cda_idx"),
        ),
        migrations.AddConstraint(
            model_name="surveyanswer",
            constraint=models.UniqueConstraint(fields=("response", "question"), name="survey_answer_once"),
        ),
    ]
