from django import forms

from agreements.models.review import DocumentKind, ReviewAnswer, checklist_items_for
from agreements.services.review import document_error
from mentorship.forms import Form


class ReviewAnswerForm(Form):
    answer = forms.ChoiceField(
        label="How do you want to go on?",
        choices=ReviewAnswer.choices,
        widget=forms.RadioSelect,
        help_text="You can change your answer until the other person has answered too.",
    )
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="You both see this comment; the program office does not.",
    )


class ChecklistForm(Form):
    """The actor's own first-meeting items as checkboxes."""

    def __init__(self, *args, party: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"] = forms.MultipleChoiceField(
            label="My checklist",
            required=False,
            choices=[(item.key, item.text) for item in checklist_items_for(party)],
            widget=forms.CheckboxSelectMultiple,
        )


class DocumentUploadForm(Form):
    kind = forms.ChoiceField(label="Document", choices=DocumentKind.choices)
    file = forms.FileField(
        label="PDF, at most 5 MB",
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
        help_text="Only you and your mentor can open it. A new upload replaces the previous one of the same kind.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        message = document_error(upload)
        if message:
            raise forms.ValidationError(message)
        return upload
