from django import forms

from mentorship.forms import Form
from programs.models import EmailDelivery


class EmailPreferencesForm(Form):
    messages_email = forms.ChoiceField(
        label="Emails about new messages",
        choices=EmailDelivery.choices,
        widget=forms.RadioSelect,
        help_text="When your mentor or mentee writes to you. The bell shows new messages whatever you choose.",
    )
    nudges_email = forms.ChoiceField(
        label="Friendly nudges",
        choices=EmailDelivery.choices,
        widget=forms.RadioSelect,
        help_text="Check-in reminders at your program's rhythm and invitations to surveys.",
    )
