"""The agreement's forms: the shared draft (merged section by section) and signing."""

from django import forms

from agreements.models import Agreement
from agreements.services import agreement as services
from mentorship.forms import Form

BASE_PREFIX = "base__"


class DraftForm(Form):
    """The shared draft. Besides the text, the page carries what it loaded: the revision
    and a fingerprint of each section (hidden), so a save is merged section by section
    with what the other person saved meanwhile (``services.draft_save``)."""

    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = []
        for section in agreement.sections:
            if section.get("editable"):
                key = section["key"]
                self.keys.append(key)
                self.fields[key] = forms.CharField(
                    label=section["heading"],
                    required=False,
                    max_length=10000,
                    help_text=section.get("guidance", ""),
                    widget=forms.Textarea(attrs={"rows": 4}),
                )
                self.fields[BASE_PREFIX + key] = forms.CharField(
                    required=False, max_length=64, widget=forms.HiddenInput
                )
        if not self.is_bound:
            self.initial = {"revision": agreement.revision, **agreement.content, **self.base_of(agreement)}

    def base_of(self, agreement: Agreement) -> dict[str, str]:
        return {BASE_PREFIX + k: services.section_fingerprint(agreement.content.get(k, "")) for k in self.keys}

    def content(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(k, "") for k in self.keys}

    def base(self) -> dict[str, str]:
        return {k: self.cleaned_data[BASE_PREFIX + k] for k in self.keys if self.cleaned_data.get(BASE_PREFIX + k)}


class SignForm(Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    typed_name = forms.CharField(label="Type your full name to sign", max_length=150)
    confirm = forms.BooleanField(label="I have read this agreement and I intend to sign it.", required=False)
