"""Forms for pairings: the coordinator's offer and the answer to it."""

from django import forms

from mentorship.forms import Form


class OfferForm(Form):
    mentor = forms.ChoiceField(label="Mentor")
    mentee = forms.ChoiceField(label="Mentee")
    note = forms.CharField(
        label="Why this pairing (shown to both)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, mentors, mentees, peer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if peer:  # a peer program: two peers, no sides
            people = [(str(a.membership_id), a.membership.user.full_name) for a in mentors]
            self.fields["mentor"].label, self.fields["mentee"].label = "First peer", "Second peer"
            self.fields["mentor"].choices = [("", "Choose a peer")] + people
            self.fields["mentee"].choices = [("", "Choose a peer")] + people
            return
        self.fields["mentor"].choices = [("", "Choose a mentor")] + [
            (str(a.membership_id), f"{a.membership.user.full_name} ({a.open_places} open)") for a in mentors
        ]
        self.fields["mentee"].choices = [("", "Choose a mentee")] + [
            (str(a.membership_id), a.membership.user.full_name) for a in mentees
        ]


class RespondForm(Form):
    answer = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
    reason = forms.CharField(required=False, max_length=1000)
