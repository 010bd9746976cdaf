from django import forms

from mentorship import listing
from mentorship.filters import FilterForm, SearchField
from mentorship.forms import ModelForm
from programs.models import DEFAULT_GOAL_AREAS, DYAD_MODELS, MemberStatus, Program, ProgramModel, Role
from programs.services.programs import PROGRAM_FIELDS, RuleSettings

GUIDE_MAX_BYTES = 20 * 1024 * 1024
GUIDE_EXTENSIONS = (".pdf", ".docx", ".doc", ".odt")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


SIDED_MODELS = tuple(m for m in ProgramModel.values if m != ProgramModel.PEER)
SIDED_RULE_FIELDS = (
    "mentor_statuses",
    "mentor_min_years",
    "mentor_attestations",
    "mentee_statuses",
    "mentee_attestations",
)
PEER_RULE_FIELDS = ("peer_statuses", "peer_min_years", "peer_attestations")

# Settings that only one matching model uses: the form marks them (data-program-models) and
# static/js/program_form.js shows them only while that model is chosen. Without JavaScript
# every field shows; a hidden field keeps its value and is saved as it is.
MODEL_ONLY_FIELDS = {
    # Peer pairs and circle formation rounds go to the committee too.
    "committee_rule": (ProgramModel.COMMITTEE, ProgramModel.PEER, ProgramModel.CIRCLES),
    "max_open_requests": (ProgramModel.SELF_SELECT,),
    "request_response_days": (ProgramModel.SELF_SELECT,),
    # Rankings feed a stable round, which only committee-model programs run.
    "rankings_open": (ProgramModel.COMMITTEE,),
    "shortlist_length": (ProgramModel.COMMITTEE,),
    "rankings_deadline": (ProgramModel.COMMITTEE,),
    # How many mentees a mentor takes: peers and circles have no mentor sides.
    "default_mentees_per_mentor": DYAD_MODELS,
    "max_mentees_per_mentor": DYAD_MODELS,
    # Speed-mentoring events feed pairings of a mentor and a mentee.
    "speed_events": DYAD_MODELS,
    # A peer program has one rule, for peers; the others one for each side.
    **dict.fromkeys(SIDED_RULE_FIELDS, SIDED_MODELS),
    **dict.fromkeys(PEER_RULE_FIELDS, (ProgramModel.PEER,)),
}


class ProgramForm(ModelForm):
    """A program's settings, its goal-area catalogue and both roles' eligibility rules."""

    guide_file = forms.FileField(
        label="Program guide",
        required=False,
        help_text="PDF or Word document, up to 20 MB. Participants download it from the program page.",
    )
    remove_guide = forms.BooleanField(label="Remove the current guide", required=False)
    goal_areas = forms.CharField(
        label="Goal-area catalogue",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One per line. Mentees pick their areas of need from it; mentors the areas they mentor in.",
    )
    mentor_statuses = forms.MultipleChoiceField(
        label="Who may apply as a mentor",
        choices=MemberStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to accept any member status.",
    )
    mentor_min_years = forms.IntegerField(
        label="Minimum years of experience for mentors",
        required=False,
        min_value=0,
        max_value=60,
        help_text="Counted from the year they started practice (their profile). Leave empty for no minimum.",
    )
    mentor_attestations = forms.CharField(
        label="Statements mentors must confirm",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional, one per line (for example: I am a member in good standing).",
    )
    mentee_statuses = forms.MultipleChoiceField(
        label="Who may apply as a mentee",
        choices=MemberStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to accept any member status. Mentees of any experience level are welcome.",
    )
    mentee_attestations = forms.CharField(
        label="Statements mentees must confirm",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional, one per line.",
    )
    # Peer programs (seed 004): everyone applies as a peer, under this one rule.
    peer_statuses = forms.MultipleChoiceField(
        label="Who may apply as a peer",
        choices=MemberStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Peer programs: people at the same level (for example residents, or new faculty). "
        "Leave all unticked to accept any member status.",
    )
    peer_min_years = forms.IntegerField(
        label="Minimum years of experience for peers",
        required=False,
        min_value=0,
        max_value=60,
        help_text="Peer programs. Leave empty for no minimum.",
    )
    peer_attestations = forms.CharField(
        label="Statements peers must confirm",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Peer programs. Optional, one per line.",
    )

    class Meta:
        model = Program
        fields = list(PROGRAM_FIELDS)
        labels = {"slug": "Web address", "is_published": "Published (members can see the program and apply)"}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "principles": forms.Textarea(attrs={"rows": 6}),
            "applications_open": DateTimeLocalInput(),
            "applications_close": DateTimeLocalInput(),
            "rankings_deadline": DateTimeLocalInput(),
        }
        help_texts = {
            "applications_open": "In your time zone. Leave empty to open as soon as the program is published.",
            "applications_close": "In your time zone. Leave empty to keep applications open.",
            "in_person_cadence": "Where the program asks pairs to meet in person at least this often.",
            "model": "Seed 004's mentoring models: a dyad pairs a mentee with a more senior or more experienced "
            "mentor (the most common; chosen by a committee, through hubs or by the mentee); peer mentoring pairs "
            "people at the same level; group circles (group and facilitated peer mentoring) gather members around "
            "a theme with one or two facilitators. Fixed once anyone has applied.",
        }

    def __init__(self, *args, rules=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, models in MODEL_ONLY_FIELDS.items():
            if name in self.fields:
                self.fields[name].widget.attrs["data-program-models"] = " ".join(models)
        self.fields["model"].widget.attrs["data-program-model-choice"] = ""
        if "shortlist_length" in self.fields:
            # Only committee programs use it: left empty (or hidden), it keeps the default.
            self.fields["shortlist_length"].required = False
        program = self.instance
        if program.pk:
            self.fields["goal_areas"].initial = "\n".join(a.name for a in program.goal_areas.all())
            if not program.guide:
                del self.fields["remove_guide"]
        else:
            self.fields["goal_areas"].initial = "\n".join(DEFAULT_GOAL_AREAS)
            del self.fields["remove_guide"]
        for role, rule in (rules or {}).items():
            self.fields[f"{role}_statuses"].initial = rule.allowed_statuses
            self.fields[f"{role}_attestations"].initial = "\n".join(rule.attestations)
            if role in (Role.MENTOR, Role.PEER):
                self.fields[f"{role}_min_years"].initial = rule.min_years_experience

    def clean_shortlist_length(self):
        value = self.cleaned_data.get("shortlist_length")
        if value is None:
            return (
                self.instance.shortlist_length
                if self.instance.pk
                else Program._meta.get_field("shortlist_length").default
            )
        return value

    def clean_slug(self):
        return self.cleaned_data["slug"].lower()

    def _clean_lines(self, name: str, limit: int = 300) -> str:
        text = self.cleaned_data.get(name, "")
        if any(len(line.strip()) > limit for line in text.splitlines()):
            raise forms.ValidationError(f"Keep each statement under {limit} characters.")
        return text

    def clean_mentor_attestations(self):
        return self._clean_lines("mentor_attestations")

    def clean_mentee_attestations(self):
        return self._clean_lines("mentee_attestations")

    def clean_peer_attestations(self):
        return self._clean_lines("peer_attestations")

    def clean_goal_areas(self):
        return self._clean_lines("goal_areas", limit=120)

    def clean_guide_file(self):
        guide = self.cleaned_data.get("guide_file")
        if not guide:
            return guide
        if not guide.name.lower().endswith(GUIDE_EXTENSIONS):
            raise forms.ValidationError("Upload the guide as a PDF or Word document.")
        if guide.size > GUIDE_MAX_BYTES:
            raise forms.ValidationError("The guide is larger than 20 MB; upload a smaller file.")
        return guide

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "values": {k: data[k] for k in PROGRAM_FIELDS if k in data},
            "goal_areas": data["goal_areas"].splitlines(),
            "rules": {
                Role.MENTOR: RuleSettings(
                    allowed_statuses=data["mentor_statuses"],
                    min_years_experience=data["mentor_min_years"],
                    attestations=data["mentor_attestations"].splitlines(),
                ),
                Role.MENTEE: RuleSettings(
                    allowed_statuses=data["mentee_statuses"],
                    attestations=data["mentee_attestations"].splitlines(),
                ),
                Role.PEER: RuleSettings(
                    allowed_statuses=data["peer_statuses"],
                    min_years_experience=data["peer_min_years"],
                    attestations=data["peer_attestations"].splitlines(),
                ),
            },
            "guide": data.get("guide_file"),
        }


# The mentor directory (cards): the orders of the "Sort by" select.
MENTOR_SORT_LABELS = {
    "name": "Name, A to Z",
    "-name": "Name, Z to A",
    "specialty": "Specialty",
    "institution": "Institution",
    "-graduated": "Most recent graduates first",
    "graduated": "Earliest graduates first",
    "-places": "Most open places first",
}


class MentorFilterForm(FilterForm):
    """The mentor directory's search (a self-selection program's biosketches)."""

    q = SearchField(label="Name or interest")
    specialty = forms.ChoiceField(label="Specialty", required=False)
    institution = SearchField(label="Institution")
    grad_from = forms.IntegerField(label="Graduated from", min_value=1900, max_value=2100, required=False)
    grad_to = forms.IntegerField(label="Graduated to", min_value=1900, max_value=2100, required=False)
    sort = listing.sort_field(MENTOR_SORT_LABELS)

    def __init__(self, *args, specialties: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].choices = [("", "Any specialty"), *((s, s) for s in specialties)]
