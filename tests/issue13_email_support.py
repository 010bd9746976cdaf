"""What a mail client sees: a sent message parsed back with the ``email`` package, and
checks every email must pass (text and HTML alternatives, the HTML from the one layout
and well-formed)."""

import email
import html
import re
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser

from tinyhtml5.parser import HTMLParser as HTML5Parser

# templates/email/base.html marks its outer element with this; no other template has it.
LAYOUT_MARKER = 'data-email-layout="base"'

# The void elements of the HTML Living Standard: never closed.
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)


def parsed(message) -> EmailMessage:
    """A Django message as the recipient's mail client reads it: bytes on the wire, parsed."""
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def alternatives(message: EmailMessage) -> EmailMessage:
    """The multipart/alternative part: the message itself, or the first part of a multipart/mixed."""
    if message.get_content_type() == "multipart/alternative":
        return message
    assert message.get_content_type() == "multipart/mixed", message.get_content_type()
    first = next(message.iter_parts())
    assert first.get_content_type() == "multipart/alternative", first.get_content_type()
    return first


class _Balance(HTMLParser):
    """Every element that is opened is closed, in order; void elements are never closed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID_ELEMENTS:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID_ELEMENTS:
            self.errors.append(f"<{tag}/> is not a void element")

    def handle_endtag(self, tag):
        if tag in VOID_ELEMENTS:
            self.errors.append(f"</{tag}> closes a void element")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> while <{self.stack[-1] if self.stack else 'nothing'}> is open")
        else:
            self.stack.pop()

    def close(self):
        super().close()
        if self.stack:
            self.errors.append(f"never closed: {self.stack}")


def html_problems(document: str) -> list[str]:
    """Parse errors (the HTML parsing algorithm's) and unbalanced elements."""
    parser = HTML5Parser()
    parser.parse(document)
    problems = [f"{code} at {position} {data or ''}".strip() for position, code, data in parser.errors]
    balance = _Balance()
    balance.feed(document)
    balance.close()
    return problems + balance.errors


def links(text: str) -> set[str]:
    return {url.rstrip(".,;)") for url in re.findall(r"https?://[^\s<>\"']+", text)}


def assert_text_and_html_from_the_layout(message) -> tuple[str, str]:
    """The class check for every email: multipart/alternative with text/plain then
    text/html; the HTML is the one base layout, well-formed, titled, and links to every
    address the text gives. Returns (text, html)."""
    root = parsed(message)
    parts = list(alternatives(root).iter_parts())
    types = [part.get_content_type() for part in parts]
    assert types[:2] == ["text/plain", "text/html"], (message.subject, types)
    assert all(t == "text/calendar" for t in types[2:]), (message.subject, types)
    text, page = parts[0].get_content(), parts[1].get_content()
    assert text.strip(), message.subject
    assert page.count(LAYOUT_MARKER) == 1, (message.subject, page[:300])
    assert page.lstrip().lower().startswith("<!doctype html>"), message.subject
    problems = html_problems(page)
    assert not problems, (message.subject, problems)
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title and title.group(1).strip(), message.subject
    hrefs = {html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)}
    missing = {url for url in links(text) if url not in hrefs}
    assert not missing, (message.subject, missing)
    return text, page
