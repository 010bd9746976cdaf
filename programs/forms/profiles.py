from django import forms
from django.utils import timezone

from mentorship.forms import Form, ModelForm, time_zone_field
from programs.models import Profile
from programs.services.profiles import EARLIEST_YEAR, cv_error, year_errors


class ProfileForm(ModelForm):
    """The biosketch. Saved through ``programs.services.profiles.profile_save``, never ``form.save()``."""

    # Not a profile field: the person's one time zone, saved on their account (the view
    # fills it from there, ``profile_save`` writes it back there).
    time_zone = time_zone_field(
        help_text="Your one time zone, for every organization and in your account settings: dates and times "
        "are shown to you in it, and it helps suggest meeting times across time zones."
    )

    class Meta:
        model = Profile
        fields = [
            "specialty",
            "practice_setting",
            "institution",
            "graduation_year",
            "year_started_practice",
            "city",
            "region",
            "country",
            "languages",
            "clinical_interests",
            "research_interests",
            "bio",
        ]
        labels = {
            "graduation_year": "Graduation year",
            "year_started_practice": "Year started practice",
        }
        help_texts = {
            "specialty": "For example: radiation oncology, general surgery, pediatric anesthesiology.",
            "graduation_year": "The year you graduated from medical (or professional) school.",
            "languages": "Languages you can mentor in, separated by commas.",
            "clinical_interests": "What you focus on in your clinical work.",
            "research_interests": "Your current research topics, if any.",
            "bio": "A few sentences about your career and what you can offer as a mentor or hope to gain as a mentee.",
        }
        widgets = {
            "clinical_interests": forms.Textarea(attrs={"rows": 3}),
            "research_interests": forms.Textarea(attrs={"rows": 3}),
            "bio": forms.Textarea(attrs={"rows": 5}),
        }

    field_order = [*Meta.fields[:8], "time_zone", *Meta.fields[8:]]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.now().year
        for name in ("graduation_year", "year_started_practice"):
            field = self.fields[name]
            # Our own messages in clean(); the browser still gets the range as a hint.
            field.validators = []
            field.widget.attrs.update({"min": EARLIEST_YEAR, "max": this_year, "inputmode": "numeric"})
        practice = self.fields["year_started_practice"]
        practice.help_text = Profile._meta.get_field("year_started_practice").help_text
        years = self.instance.years_in_practice if self.instance and self.instance.pk else None
        if years is not None:
            noun = "year" if years == 1 else "years"
            practice.help_text += f" Currently: {years} {noun} in practice."

    def clean(self):
        cleaned = super().clean()
        errors = year_errors(
            year_started_practice=cleaned.get("year_started_practice"),
            graduation_year=cleaned.get("graduation_year"),
        )
        for field, message in errors.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned

    def _post_clean(self):
        # Skip the model's own validation of the (unsaved) instance: the service does it
        # under a lock. The form's fields already validate lengths and choices.
        pass


class CVUploadForm(Form):
    cv = forms.FileField(
        label="CV (PDF, at most 5 MB)",
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
        help_text="Only you and the people you share it with below can download it.",
    )

    def clean_cv(self):
        upload = self.cleaned_data["cv"]
        message = cv_error(upload)
        if message:
            raise forms.ValidationError(message)
        return upload


class CVShareForm(Form):
    email = forms.EmailField(
        label="Share with (email address)",
        help_text="The email address of an active member of this organization, for example your mentor.",
    )
