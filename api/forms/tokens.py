from django import forms

from api.models import ALL_SCOPES, AREAS
from mentorship.forms import Form

EXPIRY_CHOICES = (("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"))


class TokenForm(Form):
    """A name, the scopes (read / write per area) and an optional expiry."""

    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “Data warehouse sync”.")
    scopes = forms.MultipleChoiceField(
        choices=[(scope, f"{dict(AREAS)[scope.split(':')[0]]}: {scope.split(':')[1]}") for scope in ALL_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="Write includes read; only members, applications and match rounds can be changed through the API. "
        "Choose only what it needs.",
    )
    expires_in = forms.TypedChoiceField(
        label="Expires", choices=EXPIRY_CHOICES, coerce=int, empty_value=None, required=False
    )
