from django import forms

from mentorship.forms import Form
from relationships.models import GoalStatus, Stage


class DateInput(forms.DateInput):
    input_type = "date"


class GoalAddForm(Form):
    title = forms.CharField(label="Goal", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    target_on = forms.DateField(label="Target date (optional)", required=False, widget=DateInput)


class GoalEditForm(Form):
    title = forms.CharField(label="Goal", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    target_on = forms.DateField(label="Target date", required=False, widget=DateInput)
    status = forms.ChoiceField(choices=GoalStatus.choices)
    achieved_on = forms.DateField(
        label="Achieved on",
        required=False,
        widget=DateInput,
        help_text="When the status is Achieved; today if left empty.",
    )


class GoalAchieveForm(Form):
    achieved_on = forms.DateField(label="Achieved on", required=False, widget=DateInput)


class GoalNoteForm(Form):
    text = forms.CharField(
        label="Progress note",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only the two of you can read it.",
    )


class StageForm(Form):
    stage = forms.ChoiceField(label="Stage", choices=Stage.choices)


class ResourcesForm(Form):
    body = forms.CharField(
        label="Resources page",
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text='Plain text. Separate paragraphs with a blank line; start a line with "# " for a heading '
        'and with "- " for a list item. Leave empty to show the default text.',
    )
