"""Forms for requests: the mentee's message, the mentor's private reason to decline, the
coordinator's filter and guidance."""

from django import forms

from matching.models import RequestStatus
from mentorship import listing
from mentorship.filters import FilterForm
from mentorship.forms import Form


class RequestForm(Form):
    message = forms.CharField(
        label="Your message to the mentor",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=2000,
        help_text="Who you are, what you hope to work on, and how you would like to meet. "
        "Your agenda for a first meeting helps the mentor say yes.",
    )


class DeclineForm(Form):
    reason = forms.CharField(
        label="Private reason (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only you see this. The mentee is told kindly, without a reason.",
    )


# A program's requests (cards): the orders of the "Sort by" select.
REQUEST_SORT_LABELS = {
    "-sent": "Newest first",
    "sent": "Oldest first",
    "mentee": "Mentee, A to Z",
    "-mentee": "Mentee, Z to A",
    "mentor": "Mentor, A to Z",
    "-mentor": "Mentor, Z to A",
    "status": "Status",
}


class RequestFilterForm(FilterForm):
    status = forms.ChoiceField(label="Status", choices=[("", "Any status"), *RequestStatus.choices], required=False)
    sort = listing.sort_field(REQUEST_SORT_LABELS)


class GuidanceForm(Form):
    guidance = forms.CharField(
        label="Guidance for this pair", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
