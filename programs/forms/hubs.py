"""Forms for hubs, affinity groups and hub mentors.

Choice fields list only the current organization's active members and the current
program's affinity groups, so an id from elsewhere is "not one of the available choices"
before a service ever sees it (the services check again).
"""

from django import forms

from mentorship.filters import FilterForm, SearchField
from mentorship.forms import Form
from programs.models import AffinityGroup, Hub, HubMentor, HubTheme, Membership
from programs.services.hubs import MAX_CAPACITY


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        name = obj.user.full_name
        return f"{name} ({obj.user.email})" if name else obj.user.email


def active_members(organization):
    return (
        Membership.objects.filter(organization=organization, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


class AffinityGroupForm(Form):
    name = forms.CharField(max_length=AffinityGroup._meta.get_field("name").max_length)
    description = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the hubs in this group have in common.",
    )
    senior_mentor = MemberChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        empty_label="To be named",
        help_text="Leads the group and mentors its hub mentors. Any active member of the organization.",
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["senior_mentor"].queryset = active_members(organization)


class HubForm(Form):
    name = forms.CharField(max_length=Hub._meta.get_field("name").max_length)
    affinity_group = forms.ModelChoiceField(queryset=AffinityGroup.objects.none(), empty_label=None)
    theme = forms.ChoiceField(choices=HubTheme.choices)
    description = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Members read this before ranking their top three hubs: the work done in the hub "
        "and what a mentee would take part in.",
    )
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        initial=True,
        help_text="Inactive hubs are hidden from members and cannot be ranked by new applicants.",
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["affinity_group"].queryset = AffinityGroup.objects.filter(program=program).order_by("name")


class HubMentorForm(Form):
    """The member is picked by searching (``hub_mentor_search``), not from a list of every
    member: the page renders the field as the search's result list. The field still accepts
    only an active member of the organization."""

    membership = MemberChoiceField(
        queryset=Membership.objects.none(),
        label="Mentor",
        widget=forms.HiddenInput,
        error_messages={"required": "Search for a member and choose one."},
    )
    capacity = forms.IntegerField(
        min_value=1,
        max_value=MAX_CAPACITY,
        initial=HubMentor._meta.get_field("capacity").default,
        help_text="How many mentees this mentor can take (at least 1).",
        error_messages={"min_value": "Capacity must be at least 1 mentee."},
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = active_members(organization)


class MemberSearchForm(FilterForm):
    mentor_q = SearchField(label="Find a member by name or email")


class HubMentorCapacityForm(Form):
    capacity = forms.IntegerField(
        min_value=1, max_value=MAX_CAPACITY, error_messages={"min_value": "Capacity must be at least 1 mentee."}
    )


class HubFilterForm(FilterForm):
    q = SearchField(label="Search hubs")
    theme = forms.ChoiceField(label="Theme", choices=[("", "All themes"), *HubTheme.choices], required=False)


class HubStartForm(FilterForm):
    """``?group=<id>``: the affinity group a new hub starts in (from its group's link)."""

    group = forms.IntegerField(label="Affinity group", min_value=1, required=False)
