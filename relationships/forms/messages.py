from django import forms

from mentorship.forms import Form
from relationships.models import MESSAGE_MAX_LENGTH
from relationships.services.messages import ATTACHMENT_HELP


class MessageForm(Form):
    body = forms.CharField(
        label="Message",
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"A message can be at most {MESSAGE_MAX_LENGTH} characters."},
    )
    attachment = forms.FileField(label="Attach a file", required=False, help_text=ATTACHMENT_HELP)


class MessageEditForm(Form):
    body = forms.CharField(
        label="Message",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Write the message, or remove it instead.",
            "max_length": f"A message can be at most {MESSAGE_MAX_LENGTH} characters.",
        },
    )
