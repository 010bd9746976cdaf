import re
from datetime import date, datetime, time

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from mentorship.exceptions import ServiceError
from mentorship.models import User
from mentorship.timezones import TIME_ZONE_CHOICES, TIME_ZONES
from mentorship.validators import validate_plain_text, validate_single_line


def guard_text_field(field: forms.Field) -> None:
    """Refuse control characters in a text field: a one-line input (any CharField but a
    textarea) takes none, not even a line break or a tab; a textarea takes line breaks and
    tabs only. Passwords are left as typed (never shown, exported or stored as text)."""
    if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
        return
    validator = validate_plain_text if isinstance(field.widget, forms.Textarea) else validate_single_line
    if validator not in field.validators:
        # Ours names the character (NUL included), so Django's own NUL message would repeat it.
        field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        field.validators.append(validator)


def _parses(parse, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


# What HTML allows in the value of each typed input (what a browser would keep).
_HTML_EMAIL = re.compile(
    r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
)
_TYPED_VALUES = {
    "date": lambda v: re.fullmatch(r"\d{4}-\d\d-\d\d", v) is not None and _parses(date.fromisoformat, v),
    "datetime-local": lambda v: (
        re.fullmatch(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?", v) is not None
        and _parses(datetime.fromisoformat, v)
    ),
    "time": lambda v: (
        re.fullmatch(r"\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?", v) is not None and _parses(time.fromisoformat, v)
    ),
    "number": lambda v: re.fullmatch(r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?", v) is not None,
    "email": lambda v: all(_HTML_EMAIL.match(part) for part in v.split(",")) if v else True,
    "url": lambda v: re.fullmatch(r"[a-zA-Z][a-zA-Z0-9+.-]*:[^\s]*", v) is not None,
    "color": lambda v: re.fullmatch(r"#[0-9a-fA-F]{6}", v) is not None,
}


_ONE_LINE_INPUTS = {"text", "search", "tel"}


def guard_typed_input(field: forms.Field) -> None:
    """An input sent back with what the person typed must not carry a value HTML forbids
    there: a date, number, email or URL input that is not one ("2030-13-40") is shown
    empty, and line breaks in a one-line input become spaces, as a browser would show
    them; the field's error message says what was wrong."""
    widget = field.widget
    input_type = getattr(widget, "input_type", None)
    check = _TYPED_VALUES.get(input_type)
    if (check is None and input_type not in _ONE_LINE_INPUTS) or getattr(widget, "_typed_value_guard", False):
        return
    format_value = widget.format_value

    def guarded(value):
        shown = format_value(value)
        if not isinstance(shown, str) or not shown:
            return shown
        if check is None:
            return re.sub(r"[\r\n]+", " ", shown)
        return shown if check(shown.strip()) else None

    widget.format_value = guarded
    widget._typed_value_guard = True


WEB_ADDRESS_MESSAGE = "Use lowercase letters, digits and single hyphens (for example: surgical-society)."


def plain_words(field: forms.Field) -> None:
    """Messages in people's words: Django's own for a web-address (slug) field names the
    field type ("Enter a valid 'slug' ..."), a word nobody outside the code uses."""
    if isinstance(field, forms.SlugField):
        field.error_messages["invalid"] = WEB_ADDRESS_MESSAGE


class ColorInput(forms.widgets.Input):
    """A colour picker (``#rrggbb``). HTML allows no ``maxlength`` on it."""

    input_type = "color"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].pop("maxlength", None)
        return context


class PlainTextMixin:
    """Every form of the project: its text fields refuse control characters (see
    ``guard_text_field``), typed inputs never echo a value HTML forbids (see
    ``guard_typed_input``) and messages are in plain words (``plain_words``), fields
    added in ``__init__`` or later included."""

    def full_clean(self):
        for field in self.fields.values():
            guard_text_field(field)
            guard_typed_input(field)
            plain_words(field)
        super().full_clean()


def form_error(form: forms.BaseForm, error: ServiceError) -> None:
    """Show a service's refusal on the form, every problem it found at once: each on the
    field it names if the form has that field, else as an error of the whole form."""
    for field, messages in error.errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class Form(PlainTextMixin, forms.Form):
    pass


class ModelForm(PlainTextMixin, forms.ModelForm):
    pass


def time_zone_field(*, help_text: str = "Dates and times are shown to you in this time zone.") -> forms.ChoiceField:
    """The person's one time zone (``User.time_zone``), optional. ``static/js/timezone.js``
    pre-selects the browser's zone while it is empty (the ``data-browser-time-zone`` mark)."""
    return forms.ChoiceField(
        label="Time zone",
        choices=[("", "Not set: the organization's time zone (UTC outside one)")] + TIME_ZONE_CHOICES,
        required=False,
        help_text=help_text,
        widget=forms.Select(attrs={"data-browser-time-zone": "suggest"}),
    )


class BrowserTimeZoneInput(forms.HiddenInput):
    """A hidden input that ``static/js/timezone.js`` fills with the browser's time zone."""

    def __init__(self, attrs=None):
        super().__init__({"data-browser-time-zone": "fill", **(attrs or {})})


class SignupExtraForm(Form):
    """Extra fields on allauth's sign-up form (email and password come from allauth)."""

    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    # Filled by the browser when scripts run; anything not on the list is ignored.
    time_zone = forms.CharField(required=False, max_length=64, widget=BrowserTimeZoneInput)

    field_order = ["full_name", "email", "password1", "password2"]

    def clean_time_zone(self) -> str:
        value = (self.cleaned_data.get("time_zone") or "").strip()
        return value if value in TIME_ZONES else ""

    def signup(self, request, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        fields = ["full_name"]
        if self.cleaned_data.get("time_zone") and not user.time_zone:
            user.time_zone = self.cleaned_data["time_zone"]
            fields.append("time_zone")
        user.save(update_fields=fields)


class ProfileForm(Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    time_zone = time_zone_field()
