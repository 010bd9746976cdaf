import re

from django import forms

from mentorship.forms import Form

MAX_PDF_BYTES = 5 * 1024 * 1024  # agreement PDFs are tens of kilobytes
HASH_RE = re.compile(r"^[0-9a-f]{64}$")


class VerifyForm(Form):
    """Either a content hash or a PDF file to check against the signed agreements."""

    content_hash = forms.CharField(
        label="Content hash (SHA-256)",
        required=False,
        max_length=200,
        help_text="The 64-character hash printed on the agreement.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "font-monospace"}),
    )
    pdf = forms.FileField(
        label="Or a PDF of the agreement",
        required=False,
        help_text="The sealed PDF you downloaded (up to 20 MB).",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_content_hash(self) -> str:
        value = "".join((self.cleaned_data.get("content_hash") or "").split()).lower()
        if value and not HASH_RE.match(value):
            raise forms.ValidationError("A content hash is exactly 64 characters, digits 0–9 and letters a–f.")
        return value

    def clean_pdf(self):
        upload = self.cleaned_data.get("pdf")
        if not upload:
            return None
        if upload.size > MAX_PDF_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB; agreement PDFs are much smaller.")
        upload.seek(0)
        head = upload.read(1024)
        upload.seek(0)
        if b"%PDF-" not in head:
            raise forms.ValidationError("This file is not a PDF.")
        return upload

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if bool(data.get("content_hash")) == bool(data.get("pdf")):
            raise forms.ValidationError("Enter a content hash or choose a PDF file (one of the two).")
        return data
