from django import forms

from mentorship.forms import Form
from programs.models import AnnouncementAudience


class EmailTemplateForm(Form):
    subject = forms.CharField(label="Subject", max_length=300)
    body = forms.CharField(
        label="Message",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
        help_text="Plain text. Write a variable as {{ program_name }}; {% if %} and {% for %} work as in Django "
        "templates. Links are made clickable in the HTML version.",
    )


class AnnouncementForm(Form):
    audience = forms.ChoiceField(
        label="Send to",
        choices=AnnouncementAudience.choices,
        initial=AnnouncementAudience.ALL,
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(label="Subject", max_length=200)
    body = forms.CharField(
        label="Announcement",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Plain text, sent as written to each person (greeted by name). Links are made clickable.",
    )
