from django import forms

from mentorship.models import TIME_ZONE_CHOICES, User


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form (email and password come from allauth)."""

    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    field_order = ["full_name", "email", "password1", "password2"]

    def signup(self, request, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    time_zone = forms.ChoiceField(
        label="Time zone", choices=TIME_ZONE_CHOICES, help_text="Dates and times are shown to you in this time zone."
    )
