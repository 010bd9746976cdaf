"""Text the app accepts: no control characters in a one-line value (a name, a title, a
place), and none but line breaks and tabs in free text.

A carriage return in a name splits a CSV record in two in programs that read bare CR as a
line end; other control characters are invisible on screen, break XML and HTML output and
spoof what a coordinator reads. Forms refuse them with a message (``mentorship.forms``);
the roster import refuses them per row.
"""

import unicodedata

from django.core.exceptions import ValidationError

MULTI_LINE_ALLOWED = frozenset("\r\n\t")


def _is_control(char: str) -> bool:
    """C0 and C1 controls (CR, LF, tab, NUL, ...) and the Unicode line/paragraph separators."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def _describe(char: str) -> str:
    if char in "\r\n\u2028\u2029":
        return "the line break"
    if char == "\t":
        return "the tab"
    return f"the invisible control character U+{ord(char):04X}"


def single_line_error(value: str) -> str | None:
    """Why ``value`` is not one line of plain text, or None if it is."""
    for char in value:
        if _is_control(char):
            return f"Use a single line of plain text: remove {_describe(char)}."
    return None


def multi_line_error(value: str) -> str | None:
    """Why ``value`` is not plain text (line breaks and tabs allowed), or None if it is."""
    for char in value:
        if unicodedata.category(char) == "Cc" and char not in MULTI_LINE_ALLOWED:
            return f"Use plain text (line breaks and tabs are fine): remove {_describe(char)}."
    return None


def validate_single_line(value) -> None:
    message = single_line_error(str(value))
    if message:
        raise ValidationError(message, code="control_characters")


def validate_plain_text(value) -> None:
    message = multi_line_error(str(value))
    if message:
        raise ValidationError(message, code="control_characters")
