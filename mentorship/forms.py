from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from mentorship.models import TIME_ZONE_CHOICES, User
from mentorship.validators import validate_plain_text, validate_single_line


def guard_text_field(field: forms.Field) -> None:
    """Refuse control characters in a text field: a one-line input (any CharField but a
    textarea) takes none, not even a line break or a tab; a textarea takes line breaks and
    tabs only. Passwords are left as typed (never shown, exported or stored as text)."""
    if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
        return
    validator = validate_plain_text if isinstance(field.widget, forms.Textarea) else validate_single_line
    if validator not in field.validators:
        # Ours names the character (NUL included), so Django's own NUL message would repeat it.
        field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        field.validators.append(validator)


class PlainTextMixin:
    """Every form of the project: its text fields refuse control characters (see
    ``guard_text_field``), fields added in ``__init__`` or later included."""

    def full_clean(self):
        for field in self.fields.values():
            guard_text_field(field)
        super().full_clean()


class Form(PlainTextMixin, forms.Form):
    pass


class ModelForm(PlainTextMixin, forms.ModelForm):
    pass


class SignupExtraForm(Form):
    """Extra fields on allauth's sign-up form (email and password come from allauth)."""

    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    field_order = ["full_name", "email", "password1", "password2"]

    def signup(self, request, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


class ProfileForm(Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    time_zone = forms.ChoiceField(
        label="Time zone", choices=TIME_ZONE_CHOICES, help_text="Dates and times are shown to you in this time zone."
    )
