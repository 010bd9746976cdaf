from django import forms

from mentorship.forms import Form
from surveys.services.reports import MAX_TEXT


def _text(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class ReportForm(Form):
    """The pair's shared text; ``revision`` is the one the writer started from."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    goals_achieved = _text("Goals achieved", "What you achieved this quarter, against the goals you set.")
    next_plans = _text("Plans for the next quarter", "What you will work on next, and how.")
    barriers = _text(
        "Barriers to ongoing success",
        "Anything in the way (time, resources, access, the pairing itself). The program office reads this "
        "once the report is submitted.",
    )


class ConfirmForm(Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class QuarterChoiceForm(Form):
    quarter = forms.ChoiceField(label="Quarter", choices=())

    def __init__(self, *args, quarters: list[tuple[int, int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [(f"{y}-{q}", f"Q{q} {y}") for y, q in quarters]
