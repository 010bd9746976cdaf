from django import forms

from mentorship.filters import FilterForm, SearchField
from mentorship.forms import Form
from programs.forms.selection import SelectedIdsField
from programs.models import Application, ApplicationStatus, Hub, HubChoice, MeetingMode, ProgramModel, Role
from programs.services.applications import (
    BULK_DECISION_LIMIT,
    DECISION_MESSAGE_MAX_LENGTH,
    ApplicationData,
    rule_for,
)

RANK_LABELS = {1: "First choice", 2: "Second choice", 3: "Third choice"}


class ApplicationForm(Form):
    """The mentor or mentee form for one program, built from its catalogue, rule and hubs."""

    goals_statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=5000)
    goal_areas = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, required=False)
    meeting_modes = forms.MultipleChoiceField(
        label="How would you like to meet?",
        choices=MeetingMode.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    preferences = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=3000)

    def __init__(self, *args, application: Application, hubs=None, **kwargs):
        self.application = application
        program = application.program
        is_mentor = application.role == Role.MENTOR
        super().__init__(*args, **kwargs)
        f = self.fields
        f["goal_areas"].choices = [(str(a.pk), a.name) for a in program.goal_areas.all()]
        f["preferences"].help_text = "Optional: practice setting, specialty, location, anything that matters to you."
        if application.role == Role.PEER:
            # Seed 004's peer model: people at the same level, paired with each other; no sides.
            f["goals_statement"].label = "Your goals"
            f["goals_statement"].help_text = (
                "Peer mentoring pairs you with someone at the same level as you: you support each other as equals. "
                "What you hope to achieve, and what you can share with a peer."
            )
            f["goal_areas"].label = "Areas you would like to work on with a peer"
            f["preferences"].label = "Preferences about your peer"
        else:
            f["goals_statement"].label = "What can you offer as a mentor?" if is_mentor else "Your goals"
            f["goals_statement"].help_text = (
                "Your experience, and what you enjoy helping others with."
                if is_mentor
                else "What you hope to achieve in the program, and the most pressing questions you have."
            )
            f["goal_areas"].label = (
                "Areas you are comfortable mentoring in" if is_mentor else "Areas where you would like help"
            )
            f["preferences"].label = "Preferences about your mentee" if is_mentor else "Preferences about your mentor"

        if is_mentor:
            f["capacity"] = forms.IntegerField(
                label="How many mentees can you take?",
                min_value=1,
                max_value=program.max_mentees_per_mentor,
                required=False,
                help_text=f"At most {program.max_mentees_per_mentor} in this program.",
            )
        if program.model == ProgramModel.HUBS and application.role == Role.MENTEE:
            choices = [("", "Choose a hub")]
            groups: dict[str, list] = {}
            for hub in hubs if hubs is not None else []:
                groups.setdefault(hub.affinity_group.name, []).append((str(hub.pk), hub.name))
            choices += list(groups.items())
            for rank in (1, 2, 3):
                f[f"hub_{rank}"] = forms.ChoiceField(label=RANK_LABELS[rank], choices=choices, required=False)

        rule = rule_for(program, application.role)
        self.attestation_statements = list(rule.attestations) if rule else []
        for index, statement in enumerate(self.attestation_statements):
            f[f"attestation_{index}"] = forms.BooleanField(label=statement, required=False)

        f["principles_accepted"] = forms.BooleanField(
            label="I accept the program's guiding principles listed above.", required=False
        )

        if not self.is_bound:
            self.initial.update(
                {
                    "goals_statement": application.goals_statement,
                    "goal_areas": [str(pk) for pk in application.goal_areas.values_list("pk", flat=True)],
                    "meeting_modes": application.meeting_modes,
                    "preferences": application.preferences,
                    "capacity": application.capacity,
                    "principles_accepted": application.principles_accepted,
                }
            )
            for index, statement in enumerate(self.attestation_statements):
                self.initial[f"attestation_{index}"] = bool((application.attestation_answers or {}).get(statement))
            for choice in HubChoice.objects.filter(application=application):
                self.initial[f"hub_{choice.rank}"] = str(choice.hub_id)

    def to_data(self) -> ApplicationData:
        d = self.cleaned_data
        return ApplicationData(
            goals_statement=d.get("goals_statement", ""),
            goal_area_ids=[int(pk) for pk in d.get("goal_areas", [])],
            meeting_modes=list(d.get("meeting_modes", [])),
            preferences=d.get("preferences", ""),
            capacity=d.get("capacity"),
            principles_accepted=bool(d.get("principles_accepted")),
            attestation_answers={
                statement: bool(d.get(f"attestation_{i}")) for i, statement in enumerate(self.attestation_statements)
            },
            hub_ids=[int(d[f"hub_{r}"]) if d.get(f"hub_{r}") else None for r in (1, 2, 3) if f"hub_{r}" in self.fields],
        )


def hubs_for_ranking(program) -> list[Hub]:
    return list(
        Hub.objects.filter(program=program, is_active=True)
        .select_related("affinity_group")
        .order_by("affinity_group__name", "name")
    )


class OverrideForm(Form):
    eligible = forms.TypedChoiceField(
        label="Eligibility",
        choices=[("1", "Eligible"), ("0", "Not eligible")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason for the override", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DecisionForm(Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            (ApplicationStatus.ACCEPTED, "Accept"),
            (ApplicationStatus.WAITLISTED, "Waitlist"),
            (ApplicationStatus.DECLINED, "Decline"),
        ],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label="Message to the applicant",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
        help_text="Sent with the decision email.",
    )


class BulkDecisionForm(Form):
    """One decision, with one message, for the applications ticked on the list (or for one
    row's own buttons, which send its id and the decision)."""

    ids = SelectedIdsField(
        limit=BULK_DECISION_LIMIT,
        error_messages={"required": "Select at least one application first (tick the boxes in the list)."},
    )
    action = forms.ChoiceField(
        label="Decision for the selected applications",
        choices=[
            ("", "Choose a decision"),
            (ApplicationStatus.ACCEPTED, "Accept"),
            (ApplicationStatus.WAITLISTED, "Waitlist"),
            (ApplicationStatus.DECLINED, "Decline"),
        ],
        error_messages={
            "required": "Choose accept, waitlist or decline.",
            "invalid_choice": "Choose accept, waitlist or decline.",
        },
    )
    message = forms.CharField(
        label="Message to the applicants",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=DECISION_MESSAGE_MAX_LENGTH,
        help_text="Optional. Included in each applicant's decision email.",
    )


class ApplicationFilterForm(FilterForm):
    role = forms.ChoiceField(
        label="Role", choices=[("", "Both roles"), (Role.MENTEE, "Mentee"), (Role.MENTOR, "Mentor")], required=False
    )
    status = forms.ChoiceField(label="Status", choices=[("", "Any status"), *ApplicationStatus.choices], required=False)
    eligibility = forms.ChoiceField(
        label="Eligibility",
        choices=[("", "Any"), ("yes", "Eligible"), ("no", "Not eligible"), ("override", "Overridden")],
        required=False,
    )
    hub = forms.ChoiceField(label="Hub", required=False)
    q = SearchField(label="Name or email")

    def __init__(self, *args, hubs=None, peer=False, **kwargs):
        super().__init__(*args, **kwargs)
        if peer:  # a peer program's applicants are all peers: nothing to filter by
            del self.fields["role"]
        if hubs:
            self.fields["hub"].choices = [("", "Any hub")] + [(str(h.pk), h.name) for h in hubs]
        else:
            del self.fields["hub"]
