"""The committee's vote on a proposed pairing."""

from django import forms

from mentorship.forms import Form


class VoteForm(Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
