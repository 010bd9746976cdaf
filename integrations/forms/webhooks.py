from django import forms

from integrations import urlguard
from integrations.models.webhooks import EVENT_CHOICES
from mentorship.forms import Form


class WebhookForm(Form):
    url = forms.CharField(
        label="URL",
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://example.org/hooks/mentorship"}),
        help_text="Where each event is POSTed as signed JSON. An https:// address on the public internet.",
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event to send."},
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        problem = urlguard.refusal(url)  # the service checks again; here it shows with the other errors
        if problem:
            raise forms.ValidationError(problem)
        return url
