"""Forms of a circle's record: scheduling and moving a meeting, the answer, the agenda, the
summary, attendance and private notes. The services check everything again."""

from django import forms
from django.utils import timezone

from circles.services.record import MAX_LOCATION, MAX_MINUTES, MAX_TEXT, MIN_MINUTES
from mentorship.forms import Form

ANSWER_CHOICES = [("yes", "Yes, I will come"), ("maybe", "Maybe"), ("no", "No, I cannot come")]


class MeetingForm(Form):
    """Move a meeting: when, how long, where."""

    starts_at = forms.DateTimeField(
        label="Date and time",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Enter a valid date and time."},
    )
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)",
        initial=60,
        min_value=MIN_MINUTES,
        max_value=MAX_MINUTES,
        error_messages={
            "invalid": "Give the length in minutes.",
            "min_value": f"A meeting lasts at least {MIN_MINUTES} minutes.",
            "max_value": f"A meeting lasts at most {MAX_MINUTES // 60} hours.",
        },
    )
    location = forms.CharField(
        label="Place or link",
        required=False,
        max_length=MAX_LOCATION,
        help_text="A room, an address or a video link. Only the circle's members and facilitators see it.",
        error_messages={"max_length": f"The place or link can be at most {MAX_LOCATION} characters."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone_name()
        self.fields["starts_at"].help_text = f"In your time zone ({zone.replace('_', ' ')})."
        self.fields["starts_at"].widget.attrs["min"] = f"{timezone.localtime():%Y-%m-%dT%H:%M}"


class ScheduleForm(MeetingForm):
    """Schedule a meeting: the same, with its agenda."""

    agenda = forms.CharField(
        label="Agenda",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the circle will talk about. The circle's members read it; the program office does not.",
        error_messages={"max_length": f"The agenda can be at most {MAX_TEXT} characters."},
    )


class AgendaForm(Form):
    agenda = forms.CharField(
        label="Agenda",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The circle's members read it; the program office does not.",
        error_messages={"max_length": f"The agenda can be at most {MAX_TEXT} characters."},
    )


class SummaryForm(Form):
    summary = forms.CharField(
        label="Summary",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the circle discussed and agreed. Every member reads it; the program office does not.",
        error_messages={"max_length": f"The summary can be at most {MAX_TEXT} characters."},
    )


class RsvpForm(Form):
    response = forms.ChoiceField(
        label="Will you come?",
        choices=ANSWER_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Answer yes, no or maybe.", "invalid_choice": "Answer yes, no or maybe."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = "rsvp_%s"


class AttendanceForm(Form):
    attended = forms.TypedMultipleChoiceField(
        label="Who came",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose among the circle's members and facilitators."},
    )

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [
            (place.pk, f"{place.membership.user.full_name}{' (facilitator)' if place.role == 'facilitator' else ''}")
            for place in places
        ]


class NoteForm(Form):
    text = forms.CharField(
        label="My private note",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only you can read it: not the other members, not the facilitators, not the program office.",
        error_messages={
            "required": "Write the note first.",
            "max_length": f"A note can be at most {MAX_TEXT} characters.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = "note_%s"
