"""The event's form, adding one person, the desk's search and the picks."""

from django import forms

from events.models import SpeedEvent, SpeedRole
from mentorship.forms import Form, ModelForm

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def datetime_field(label: str, help_text: str, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_FORMATS,
        error_messages={"invalid": "Enter a valid date and time."},
    )


class EventForm(ModelForm):
    starts_at = datetime_field("Starts at", SpeedEvent._meta.get_field("starts_at").help_text)
    picks_close_at = datetime_field(
        "Picks close at",
        "After the event each mentor and mentee says whom they would like to continue with, until this time "
        "(a week after the event is marked held if left empty). Mutual picks are offered as pairs.",
        required=False,
    )

    class Meta:
        model = SpeedEvent
        fields = ["name", "starts_at", "location", "rounds", "round_minutes", "changeover_minutes", "picks_close_at"]
        labels = {"name": "Name", "location": "Location", "rounds": "Rounds"}

    LIMITS = {"rounds": (1, 20), "round_minutes": (3, 60), "changeover_minutes": (0, 15)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (low, high) in self.LIMITS.items():
            self.fields[name].widget.attrs.update(min=low, max=high)


class AddPersonForm(Form):
    membership = forms.TypedChoiceField(label="Person", coerce=int, choices=())
    role = forms.ChoiceField(label="Takes part as", choices=SpeedRole.choices)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [("", "Choose an approved mentor or mentee")] + [
            (pk, label) for pk, label in people
        ]


class CheckInSearchForm(Form):
    q = forms.CharField(
        label="Name or email",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Type a name", "autocomplete": "off"}),
    )


class PicksForm(Form):
    chosen = forms.TypedMultipleChoiceField(
        label="I'd like to continue with…",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only people who choose each other are offered as a pair. Nobody sees whom you chose.",
    )

    def __init__(self, *args, met=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chosen"].choices = [(p.pk, p.membership.user.full_name) for p in met]
