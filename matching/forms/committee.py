"""The committee's vote on a proposed pairing."""

from django import forms

from mentorship.forms import Form


class VoteForm(Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ProposalIdsField(forms.Field):
    """The ids of the pairings a coordinator confirmed, one hidden input each; anything but
    ASCII digits is refused with a message, never a 500."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        ids = []
        for item in value or []:
            text = str(item)
            if not (text.isascii() and text.isdigit()) or len(text) > 18:
                raise forms.ValidationError("The list of pairings was not understood; open the page again.")
            ids.append(int(text))
        return ids


class FinalizeApprovedForm(Form):
    """The confirmation of "finalize all approved": the pairings the coordinator saw."""

    proposal = ProposalIdsField(
        required=True, error_messages={"required": "No approved pairing was listed: there is nothing to finalize."}
    )
