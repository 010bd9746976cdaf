from django import forms

from mentorship.forms import Form, ModelForm
from programs.models import Invitation, Membership, MemberStatus, Organization


class OrganizationCreateForm(ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "slug", "contact_email", "description"]
        labels = {"slug": "Web address"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_slug(self):
        return self.cleaned_data["slug"].lower()


class OrganizationSettingsForm(ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "contact_email", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class InvitationForm(ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "member_status", "is_committee", "is_coordinator", "message"]
        labels = {"email": "Email address", "member_status": "Member status"}
        help_texts = {
            "message": "Optional. Included in the invitation email.",
            "is_committee": "Can review and vote on proposed pairings.",
            "is_coordinator": "Can manage members, invitations, programs and settings.",
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 3})}


class MembershipForm(Form):
    status = forms.ChoiceField(label="Member status", choices=MemberStatus.choices)
    is_committee = forms.BooleanField(
        label="Committee member", required=False, help_text=Membership._meta.get_field("is_committee").help_text
    )
    is_coordinator = forms.BooleanField(
        label="Coordinator", required=False, help_text=Membership._meta.get_field("is_coordinator").help_text
    )
    is_active = forms.BooleanField(
        label="Active member",
        required=False,
        help_text="Untick to remove them from the organization; their history is kept.",
    )
