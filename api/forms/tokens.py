from django import forms

from api.models import AREAS, READ, WRITE
from mentorship.forms import Form

EXPIRY_CHOICES = (("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"))


class TokenForm(Form):
    """A name, the scopes (read / write per area) and an optional expiry."""

    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “Data warehouse sync”.")
    scopes = forms.MultipleChoiceField(
        choices=[(f"{area}:{level}", f"{label}: {level}") for area, label in AREAS for level in (READ, WRITE)],
        widget=forms.CheckboxSelectMultiple,
        help_text="Write includes read. Choose only what it needs.",
    )
    expires_in = forms.TypedChoiceField(
        label="Expires", choices=EXPIRY_CHOICES, coerce=int, empty_value=None, required=False
    )
