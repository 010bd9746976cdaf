from django import forms
from django.utils.text import slugify

from mentorship.filters import FilterForm, FlagField, SearchField
from mentorship.forms import Form, ModelForm
from programs.models import (
    ORGANIZATION_SLUG_STEM_LENGTH,
    Invitation,
    Membership,
    MemberStatus,
    Organization,
    slug_validator,
)


def unidecode_ascii(text: str) -> str:
    """Accents dropped (Société → Societe) so that the name gives a usable address."""
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class OrganizationCreateForm(Form):
    """Starting an organization. Deliberately not a ModelForm: its uniqueness check would
    tell anyone which web addresses (and so which organizations) exist."""

    name = forms.CharField(label="Name", max_length=Organization._meta.get_field("name").max_length)
    slug = forms.CharField(
        label="Web address",
        max_length=ORGANIZATION_SLUG_STEM_LENGTH,
        required=False,
        validators=[slug_validator],
        help_text="Lowercase letters, digits and hyphens, for example surgical-society. We add four random "
        "characters (surgical-society-7kq2), so nobody can find out which organizations exist by trying "
        "addresses. Leave it empty to use the name.",
    )
    contact_email = forms.EmailField(
        label="Contact email", help_text=Organization._meta.get_field("contact_email").help_text
    )
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_slug(self):
        return self.cleaned_data["slug"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("slug") and cleaned.get("name"):
            stem = slugify(unidecode_ascii(cleaned["name"]))[:ORGANIZATION_SLUG_STEM_LENGTH].strip("-")
            cleaned["slug"] = stem or "organization"
        return cleaned


class OrganizationSettingsForm(ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "contact_email", "description", "brand_colour"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "brand_colour": forms.TextInput(attrs={"type": "color"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out (an older form, a script): the colour stays as it is.
        self.fields["brand_colour"].required = False

    def clean_brand_colour(self):
        return (self.cleaned_data.get("brand_colour") or self.instance.brand_colour or "").lower()


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


class MemberFilterForm(FilterForm):
    q = SearchField(label="Name or email")
    status = forms.ChoiceField(
        label="Member status", choices=[("", "Any status"), *MemberStatus.choices], required=False
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Any role"), ("coordinator", "Coordinators"), ("committee", "Committee")],
        required=False,
    )
    removed = FlagField(label="Include removed")
