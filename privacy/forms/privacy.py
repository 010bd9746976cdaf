from django import forms

from mentorship.forms import Form
from privacy.services.erasure import REFUSAL_MAX
from privacy.services.retention import NOTICE_DAYS_MAX, RETENTION_MONTHS_MAX


class ErasureRequestForm(Form):
    confirm_email = forms.CharField(
        label="Type your email address to confirm",
        max_length=254,
        error_messages={"required": "Type your email address to confirm."},
    )


class ErasureDecisionForm(Form):
    decision = forms.ChoiceField(
        choices=[("confirm", "Confirm and erase"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose to confirm or to refuse.",
            "invalid_choice": "Choose to confirm or to refuse.",
        },
    )
    reason = forms.CharField(
        label="Reason for refusing",
        required=False,
        max_length=REFUSAL_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to refuse: for example, a legal hold. The person is not shown it here.",
        error_messages={"max_length": f"Keep the reason under {REFUSAL_MAX} characters."},
    )

    confirm_email = forms.CharField(
        label="Type your email address to confirm",
        required=False,
        max_length=254,
        help_text="You are the only coordinator here, so you confirm your own request yourself.",
    )

    def __init__(self, *args, own_request: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not own_request:
            del self.fields["confirm_email"]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason for refusing (for example, a legal hold).")
        return data


class RetentionForm(Form):
    retention_months = forms.IntegerField(
        label="Retention period (months)",
        required=False,
        min_value=1,
        max_value=RETENTION_MONTHS_MAX,
        help_text="Members with no sign-in and no activity here for this long are told, then anonymized. "
        "Leave empty to keep members until they ask to be erased.",
        error_messages={
            "invalid": "Give a whole number of months.",
            "min_value": "Give at least 1 month, or leave it empty.",
            "max_value": f"Give at most {RETENTION_MONTHS_MAX} months.",
        },
    )
    notice_days = forms.IntegerField(
        label="Notice (days)",
        min_value=1,
        max_value=NOTICE_DAYS_MAX,
        initial=30,
        help_text="How many days before anonymizing a member they are told by email.",
        error_messages={
            "required": "Give the notice in days.",
            "invalid": "Give a whole number of days.",
            "min_value": "Give at least 1 day.",
            "max_value": f"Give at most {NOTICE_DAYS_MAX} days.",
        },
    )
