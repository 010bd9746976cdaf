from django import forms

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
