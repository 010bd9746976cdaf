from django import forms

from mentorship.forms import Form
from programs.roster import MAX_ROWS


class RosterUploadForm(Form):
    file = forms.FileField(
        label="Roster file",
        help_text=f"A CSV (UTF-8) or Excel .xlsx file with a header row; at most {MAX_ROWS:,} rows and 2 MB.",
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
