"""Coordinators' email wording, rendered by Django's template engine in a sandbox.

The sandbox engine has no loaders and no libraries, and its only built-in tags are
``if``, ``for``, ``with``, ``comment``, ``firstof`` and ``spaceless``: nothing that reads a
file (``load``, ``include``, ``extends``), resolves a URL or prints the context. Its filters
are Django's, less ``safe``/``safeseq`` (a variable cannot be marked safe) and ``pprint``.
The context holds only the kind's listed variables, as text (``programs.emails``), and
the HTML part escapes everything: ``<script>`` in a variable or in the wording arrives as
text. Every problem is a ``WordingError`` with a message for the form.
"""

import re

from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import Lexer, TokenType

ALLOWED_TAGS = ("if", "for", "with", "comment", "firstof", "spaceless")
REFUSED_FILTERS = frozenset({"safe", "safeseq", "pprint"})
# Tags that read files or the site's internals: named in the refusal, so the message is clear.
FILE_TAGS = frozenset({"load", "include", "extends", "ssi", "block", "debug", "url", "csrf_token", "now"})
CLOSERS = frozenset({"elif", "else", "endif", "empty", "endfor", "endwith", "endcomment", "endspaceless"})
MAX_LOOPS = 2
MAX_OUTPUT = 50_000


class WordingError(ValueError):
    pass


class SandboxEngine(Engine):
    default_builtins = []


def _library() -> Library:
    library = Library()
    for name in ALLOWED_TAGS:
        library.tag(name, defaulttags.register.tags[name])
    for name, function in defaultfilters.register.filters.items():
        if name not in REFUSED_FILTERS:
            library.filters[name] = function
    return library


ENGINE = SandboxEngine(loaders=[], libraries={}, string_if_invalid="", autoescape=False)
ENGINE.template_builtins = [_library()]


def check(source: str) -> None:
    """Refuse what the sandbox does not offer, naming it, before Django compiles it."""
    loops = 0
    for token in Lexer(source).tokenize():
        if token.token_type != TokenType.BLOCK:
            continue
        words = token.split_contents()
        name = words[0] if words else ""
        if name in FILE_TAGS:
            raise WordingError(
                f"{{% {name} %}} is not allowed in an email's wording (line {token.lineno}): it would read files or "
                "the site's internals. Use the variables listed, with {% if %} and {% for %}."
            )
        if name not in ALLOWED_TAGS and name not in CLOSERS:
            raise WordingError(
                f"{{% {name} %}} is not available in an email's wording (line {token.lineno}). You can use "
                "{% if %}, {% for %}, {% with %}, {% firstof %} and {% comment %}."
            )
        if name == "for":
            loops += 1
            if loops > MAX_LOOPS:
                raise WordingError(f"Use at most {MAX_LOOPS} {{% for %}} loops in one wording.")
    for match in re.finditer(r"\|\s*(safe|safeseq|pprint)\b", source):
        raise WordingError(f"The filter |{match.group(1)} is not allowed: every variable is shown as text.")


def render(source: str, variables: dict[str, str]) -> str:
    """The wording with ``variables`` filled in (plain text; the caller escapes it for HTML)."""
    check(source)
    try:
        template = ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        raise WordingError(f"The wording has a template error: {error}") from error
    except Exception as error:  # any other compile problem is the wording's, never a 500
        raise WordingError(f"The wording could not be read: {error}") from error
    try:
        output = template.render(Context(dict(variables), autoescape=False))
    except Exception as error:
        raise WordingError(f"The wording could not be filled in: {error}") from error
    if len(output) > MAX_OUTPUT:
        raise WordingError(f"The filled-in wording is longer than {MAX_OUTPUT:,} characters.")
    return output
