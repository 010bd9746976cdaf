"""The weights (and mode) of a match round."""

from django import forms

from matching.services.peer_rounds import PEER_MODE, PEER_MODES
from matching.services.rounds import FACTOR_LABELS, ROUND_MODES
from mentorship.forms import Form
from programs.models import Program, ProgramModel


class WeightsForm(Form):
    def __init__(self, *args, initial_weights: dict, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        if program.is_peer:
            # One pool, no sides: only the exact peer matching (no stable or hub mode).
            self.fields["mode"] = forms.ChoiceField(
                label="How to pair", choices=list(PEER_MODES.items()), initial=PEER_MODE
            )
        elif program.model != ProgramModel.HUBS:
            self.fields["mode"] = forms.ChoiceField(
                label="How to pair",
                choices=list(ROUND_MODES.items()),
                initial="optimal",
                help_text="Stable modes put each person's own ranking first (when the program asks for rankings), then "
                "rank by these weights' scores.",
            )
        self.fields["avoid_same_institution"] = forms.BooleanField(
            label="Never pair people from the same institution", required=False
        )
        for factor, label in FACTOR_LABELS.items():
            self.fields[factor] = forms.FloatField(
                label=label, min_value=0, max_value=10, initial=initial_weights.get(factor, 1.0)
            )

    def weights(self) -> dict:
        return {f: self.cleaned_data[f] for f in FACTOR_LABELS}
