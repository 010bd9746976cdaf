from django import forms
from django.utils import timezone

from mentorship.forms import Form
from relationships.models import MeetingMode, Mentorship
from relationships.services.meetings import MAX_HELD_MINUTES, MAX_MINUTES, MAX_TEXT, MIN_MINUTES


class ScheduleForm(Form):
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
            "min_value": f"A meeting lasts at least {MIN_MINUTES} minutes.",
            "max_value": f"A meeting lasts at most {MAX_MINUTES // 60} hours.",
        },
    )
    mode = forms.ChoiceField(label="How you will meet", choices=MeetingMode.choices, initial=MeetingMode.VIDEO)
    location = forms.CharField(
        label="Place or link",
        required=False,
        max_length=500,
        help_text="An address, a phone number, a video link or the society event.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone_name()
        self.fields["starts_at"].help_text = f"In your time zone ({zone.replace('_', ' ')})."
        # The date picker offers times still to come only (the service refuses the others).
        self.fields["starts_at"].widget.attrs["min"] = f"{timezone.localtime():%Y-%m-%dT%H:%M}"


class PastMeetingForm(Form):
    """A meeting that already took place, logged without having been scheduled here."""

    starts_at = forms.DateTimeField(
        label="When it took place",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Enter a valid date and time."},
    )
    held_minutes = forms.IntegerField(
        label="How long it lasted (minutes)",
        initial=60,
        min_value=1,
        max_value=MAX_HELD_MINUTES,
        error_messages={
            "min_value": "Give the actual length in minutes.",
            "max_value": f"A meeting lasts at most {MAX_HELD_MINUTES} minutes.",
        },
    )
    mode = forms.ChoiceField(label="How you met", choices=MeetingMode.choices, initial=MeetingMode.IN_PERSON)
    summary = forms.CharField(
        label="Summary",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you discussed and agreed. You both read it; the program office does not.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone_name()
        self.fields["starts_at"].help_text = f"In your time zone ({zone.replace('_', ' ')})."
        # The date picker offers times already past only (the service refuses the others).
        self.fields["starts_at"].widget.attrs["max"] = f"{timezone.localtime():%Y-%m-%dT%H:%M}"
        # Its own ids: the schedule form on the same page has "starts_at" and "mode" too.
        self.auto_id = "past_%s"


class AgendaForm(Form):
    agenda = forms.CharField(
        label="Agenda",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Your plan for this meeting: what you want from it, your most pressing issues, and any "
        "background your mentor should know. Your mentor reads it; the program office does not.",
    )

    def __init__(self, *args, peer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if peer:  # a peer pairing's agenda is shared: either peer writes it
            self.fields["agenda"].help_text = (
                "Your plan for this meeting: what you want from it, your most pressing issues, and any background "
                "your peer should know. You both write and read it; the program office does not."
            )


class LogForm(Form):
    held = forms.ChoiceField(
        label="Did the meeting take place?",
        choices=[("yes", "Yes, we met"), ("no", "No, it did not take place")],
        widget=forms.RadioSelect,
        initial="yes",
    )
    held_minutes = forms.IntegerField(
        label="Actual duration (minutes)",
        required=False,
        min_value=1,
        max_value=MAX_HELD_MINUTES,
        error_messages={
            "min_value": "Give the actual length in minutes.",
            "max_value": f"A meeting lasts at most {MAX_HELD_MINUTES} minutes.",
        },
    )
    summary = forms.CharField(
        label="Summary",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you discussed and agreed. You both read it; the program office does not.",
    )


class TaskForm(Form):
    description = forms.CharField(label="Task", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.TypedChoiceField(label="Who does it", coerce=int)
    due_on = forms.DateField(
        label="Due on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )

    def __init__(self, *args, mentorship: Mentorship, **kwargs):
        super().__init__(*args, **kwargs)
        mentee_word, mentor_word = ("peer", "peer") if mentorship.is_peer else ("mentee", "mentor")
        self.fields["owner"].choices = [
            (mentorship.mentee_id, f"{mentorship.mentee.user.full_name} ({mentee_word})"),
            (mentorship.mentor_id, f"{mentorship.mentor.user.full_name} ({mentor_word})"),
        ]


class PrivateNoteForm(Form):
    text = forms.CharField(
        label="My private note",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only you can read this note — not the other person, not the program office.",
    )
