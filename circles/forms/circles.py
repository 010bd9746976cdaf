"""The circles pages' forms: a circle, adding and replacing people, ranking circles,
signing the agreement and voting on a round."""

from django import forms

from circles.models import MAX_CAPACITY, MAX_CHOICES, MIN_CAPACITY, Circle
from mentorship.forms import Form, ModelForm
from programs.models import GoalArea, Hub


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class CircleForm(ModelForm):
    goal_area = forms.ModelChoiceField(
        queryset=GoalArea.objects.none(),
        required=False,
        label="Goal area",
        help_text="The area of need the circle works on; members who asked for help with it fit best.",
    )
    hub = forms.ModelChoiceField(
        queryset=Hub.objects.none(), required=False, label="Hub", help_text="Optional: the hub the circle belongs to."
    )

    class Meta:
        model = Circle
        fields = [
            "name",
            "theme",
            "goal_area",
            "hub",
            "description",
            "capacity",
            "open_to_join",
            "starts_on",
            "ends_on",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "name": "A short name members will recognise, for example “New faculty circle”.",
            "theme": "What the circle meets about: a group of peers around one theme (seed 004’s group and "
            "facilitated peer models), for example “Writing your first grant”.",
            "goal_area": "The area of need the circle works on; members who asked for help with it fit best.",
            "hub": "Optional: the hub the circle belongs to.",
            "description": "Shown to the program’s members when they browse circles: who it is for, how often "
            "it meets and what to expect. Do not write anything confidential here.",
            "capacity": f"Members, {MIN_CAPACITY} to {MAX_CAPACITY}; the one or two facilitators are not counted.",
            "open_to_join": "Members may join by themselves; when the circle is full they join a waitlist and are "
            "given places in order.",
            "starts_on": "The circle becomes active on this day.",
            "ends_on": "The circle ends by itself after this day; its record stays readable to its members.",
        }

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal_area"].queryset = GoalArea.objects.filter(program=program)
        self.fields["hub"].queryset = Hub.objects.filter(program=program)
        self.fields["capacity"].min_value = MIN_CAPACITY
        self.fields["capacity"].max_value = MAX_CAPACITY
        self.fields["capacity"].widget.attrs.update({"min": MIN_CAPACITY, "max": MAX_CAPACITY})

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The circle must end on or after the day it starts.")
        return cleaned

    def _post_clean(self):
        # The service checks and saves; the model's own validation would only repeat it.
        pass


class PersonForm(Form):
    """Choose one person among ``people`` (the program's accepted applicants)."""

    membership = forms.ModelChoiceField(queryset=None, label="Person")

    def __init__(self, *args, people, label="Person", help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = people
        self.fields["membership"].label = label
        self.fields["membership"].help_text = help_text
        self.fields["membership"].label_from_instance = lambda m: m.user.full_name or m.user.email


class ChoicesForm(Form):
    """A member's top three circles, in order."""

    def __init__(self, *args, circles, **kwargs):
        super().__init__(*args, **kwargs)
        ordinal = {1: "First", 2: "Second", 3: "Third"}
        for rank in range(1, MAX_CHOICES + 1):
            self.fields[f"choice_{rank}"] = forms.ModelChoiceField(
                queryset=circles,
                required=False,
                label=f"{ordinal[rank]} choice",
                empty_label="— none —",
            )

    def clean(self):
        cleaned = super().clean()
        chosen = [cleaned.get(f"choice_{r}") for r in range(1, MAX_CHOICES + 1)]
        picked = [c for c in chosen if c is not None]
        if len({c.pk for c in picked}) != len(picked):
            raise forms.ValidationError("Choose each circle once.")
        cleaned["ranked"] = picked
        return cleaned


class SignForm(Form):
    consent = forms.BooleanField(
        required=False,
        label="I have read the notice above and agree to sign electronically.",
    )
    typed_name = forms.CharField(
        max_length=150,
        label="Type your full name to sign",
        help_text="Exactly as it appears on your account.",
    )


class VoteForm(Form):
    approve = forms.TypedChoiceField(
        choices=[("yes", "Approve these placements"), ("no", "Reject them")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label="Your vote",
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Comment for the coordinators (optional)",
    )
