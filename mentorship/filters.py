"""Filters from a query string (``?q=…&status=…``), parsed like a form.

Every GET parameter a list page or an export passes to a query goes through a
``FilterForm``, never ``request.GET.get(...)`` straight into the ORM. Before any field sees
it, each value is screened: a control character (a NUL is refused by PostgreSQL and was a
server error) or a value longer than ``MAX_VALUE_LENGTH`` is refused with a message and not
passed on. Then the fields parse what is left (choices, numbers, dates) with Django's own
messages. An invalid filter is reported on the page and left out; the valid ones still
apply, so nobody loses the rest of their search. Exports, which have no page to show a
message on, answer 400 with the message (``bad_filter_response``).
"""

from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse, QueryDict

from mentorship.forms import PlainTextMixin
from mentorship.validators import single_line_error

# Longer than any filter needs (a search is at most 100 characters): a longer value is
# refused before a field sees it, so no page echoes a huge query string back.
MAX_VALUE_LENGTH = 200
SEARCH_MAX_LENGTH = 100
LENGTH_MESSAGE = f"This filter can be at most {MAX_VALUE_LENGTH} characters long."
CHOICE_MESSAGE = "Choose one of the options in the list."


class SearchField(forms.CharField):
    """Free text searched with ``icontains``: stripped, at most 100 characters."""

    def __init__(self, *, label: str = "Search", max_length: int = SEARCH_MAX_LENGTH, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(label=label, max_length=max_length, **kwargs)


class FlagField(forms.TypedChoiceField):
    """A yes/no switch such as ``?removed=1``: only "" and "1" (and a checkbox's "on")."""

    def __init__(self, *, label: str, **kwargs):
        super().__init__(
            label=label,
            choices=[("", "No"), ("1", "Yes"), ("on", "Yes")],
            coerce=lambda value: value in ("1", "on"),
            empty_value=False,
            required=False,
            **kwargs,
        )


class FilterForm(PlainTextMixin, forms.Form):
    """Base class of every query-string filter. Bind it with ``request.GET``."""

    def __init__(self, data: QueryDict | dict | None = None, *args, **kwargs):
        self.refused: dict[str, str] = {}
        super().__init__(self._screen(data) if data else None, *args, **kwargs)
        for field in self.fields.values():
            # Django's own message repeats the value (which may be long); ours does not.
            if "%(value)s" in str(field.error_messages.get("invalid_choice", "")):
                field.error_messages["invalid_choice"] = CHOICE_MESSAGE

    def _screen(self, data) -> QueryDict:
        screened = QueryDict(mutable=True)
        for name in data:
            values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
            kept = []
            for value in values:
                value = str(value)
                control = single_line_error(value)  # a filter is one line: no control character
                if control:
                    self.refused.setdefault(name, control)
                elif len(value) > MAX_VALUE_LENGTH:
                    self.refused.setdefault(name, LENGTH_MESSAGE)
                else:
                    kept.append(value)
            if kept:
                screened.setlist(name, kept)
        return screened

    def clean(self):
        cleaned = super().clean()
        for name, message in self.refused.items():
            if name in self.fields:
                self.add_error(name, message)
        return cleaned

    @property
    def values(self) -> dict:
        """The filters that are valid, by name (the invalid ones are left out)."""
        if not self.is_bound:
            return {name: field.initial for name, field in self.fields.items() if field.initial is not None}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if name not in self.errors}

    def querystring(self, **extra) -> str:
        """The valid filters as a query string, for the links of the next pages (never the
        raw query string: an invalid value is not carried along)."""
        pairs = []
        if self.is_bound:
            self.is_valid()
            for name in self.fields:
                if name in self.errors or name not in self.data:
                    continue
                pairs += [(name, value) for value in self.data.getlist(name) if value != ""]
        pairs += [(name, value) for name, value in extra.items() if value not in ("", None)]
        return urlencode(pairs)

    def error_list(self) -> list[str]:
        """One line per invalid filter: "<label>: <message>"."""
        if not self.is_bound:
            return []
        self.is_valid()
        lines = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else name
            lines += [f"{label}: {error}" if label else str(error) for error in errors]
        return lines


def bad_filter_response(form: FilterForm) -> HttpResponse | None:
    """For exports: a 400 that says which filter is wrong, or None when all are valid."""
    errors = form.error_list()
    if not errors:
        return None
    text = "This export was not made: a filter in its address could not be used.\n" + "\n".join(errors) + "\n"
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
