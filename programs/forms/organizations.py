from django import forms
from django.core import validators
from django.utils.text import slugify

from mentorship.filters import FilterForm, FlagField, SearchField
from mentorship.forms import ColorInput, Form, ModelForm
from mentorship.timezones import TIME_ZONE_CHOICES
from programs.forms.selection import SelectedIdsField
from programs.models import (
    ORGANIZATION_SLUG_STEM_LENGTH,
    Invitation,
    Membership,
    MemberStatus,
    Organization,
    slug_validator,
)
from programs.services.invitations import BULK_INVITATION_LIMIT, split_addresses


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
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=TIME_ZONE_CHOICES,
        required=False,  # left out of a post, it stays as it was
        help_text=Organization._meta.get_field("time_zone").help_text,
    )

    class Meta:
        model = Organization
        fields = ["name", "contact_email", "description", "time_zone", "brand_colour"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "brand_colour": ColorInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out (an older form, a script): the colour stays as it is.
        self.fields["brand_colour"].required = False

    def clean_brand_colour(self):
        return (self.cleaned_data.get("brand_colour") or self.instance.brand_colour or "").lower()

    def clean_time_zone(self) -> str:
        return self.cleaned_data.get("time_zone") or self.instance.time_zone


class InvitationForm(Form):
    """One address or many, invited with the same roles and message."""

    email = forms.CharField(
        label="Email addresses",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        max_length=20000,
        help_text="One address, or several: one per line or separated by commas. Each person gets their own "
        "invitation.",
    )
    member_status = forms.ChoiceField(label="Member status", choices=MemberStatus.choices, initial=MemberStatus.MEMBER)
    is_committee = forms.BooleanField(
        label="Committee member", required=False, help_text="Can review and vote on proposed pairings."
    )
    is_coordinator = forms.BooleanField(
        label="Coordinator", required=False, help_text="Can manage members, invitations, programs and settings."
    )
    message = forms.CharField(
        label="Personal message",
        required=False,
        max_length=Invitation._meta.get_field("message").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. Included in the invitation email.",
    )

    def clean_email(self) -> list[str]:
        """The addresses as typed; the service checks each one and reports those it cannot
        invite. Only a paste without a single valid address is refused here."""
        addresses = split_addresses(self.cleaned_data["email"])
        if not addresses:
            raise forms.ValidationError("Enter at least one email address.")
        if len(addresses) > BULK_INVITATION_LIMIT:
            raise forms.ValidationError(
                f"Paste at most {BULK_INVITATION_LIMIT} addresses at once (there are {len(addresses)})."
            )
        invalid = []
        for address in addresses:
            try:
                validators.validate_email(address)
            except forms.ValidationError:
                invalid.append(address)
        if len(invalid) == len(addresses):
            shown = ", ".join(invalid[:5]) + (" …" if len(invalid) > 5 else "")
            raise forms.ValidationError(f"Enter a valid email address ({shown} is not one).")
        return addresses


class BulkResendForm(Form):
    ids = SelectedIdsField(
        limit=BULK_INVITATION_LIMIT,
        error_messages={"required": "Select at least one pending invitation first (tick its box)."},
    )


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
