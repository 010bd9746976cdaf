"""The rows a person ticked on a list page (checkboxes named ``ids``)."""

from django import forms


class SelectedIdsField(forms.Field):
    """The ticked rows' ids: distinct positive integers, in order. Anything else is refused
    with a message (a tampered or stale page), never an error page."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Select at least one row first.",
        "invalid": "The selection is not valid. Reload the page and select again.",
        "too_many": "Select at most %(limit)s at once.",
    }

    def __init__(self, *, limit: int, **kwargs):
        self.limit = limit
        super().__init__(**kwargs)

    def to_python(self, value) -> list[int]:
        if value in self.empty_values:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        ids: list[int] = []
        for item in values:
            if not str(item).strip():
                continue  # an empty box value is no selection
            text = str(item).strip()
            if not text.isdigit() or len(text) > 18 or int(text) < 1:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            if int(text) not in ids:
                ids.append(int(text))
        if len(ids) > self.limit:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many", params={"limit": self.limit})
        return ids
