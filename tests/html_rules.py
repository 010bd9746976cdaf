"""A few HTML conformance rules checked without Java, for unit tests of rendered pages.

The Nu HTML Checker (``.ci/html-check``) is the full check; these are the rules this
project has broken before, so that a test fails on them even where vnu is not installed:

- a ``<dl>`` holds only ``<dt>``/``<dd>`` groups, each group either bare or wrapped in one
  ``<div>`` that holds nothing but ``<dt>`` and ``<dd>`` (no ``.row > .col`` wrappers);
- a ``datetime`` attribute is a valid date/time string: at most 3 fractional digits;
- headings never skip a level going down (an ``<h3>`` needs an ``<h2>`` before it);
- no two elements share an ``id``;
- no code point HTML forbids (controls other than tab, LF, FF, CR; C1 controls;
  noncharacters), and no line break in a one-line input's value;
- a ``form`` attribute names a form of the page;
- no block of flow content (a form, div, paragraph, list, table, heading…) inside an element
  that may hold phrasing content only (span, strong, label, button…).
"""

import re
from html.parser import HTMLParser

FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(chr(p * 0x10000 + 0xFFFE) + chr(p * 0x10000 + 0xFFFF) for p in range(17))
    + "]"
)
ONE_LINE_INPUTS = {"text", "search", "tel", "email", "url", "password", None}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SCRIPT_SUPPORTING = {"script", "template"}
PHRASING_ONLY = {"span", "strong", "em", "b", "i", "small", "label", "button", "code", "abbr", "time", "q", "cite", "p"}
FLOW_ONLY = {"form", "div", "p", "ul", "ol", "dl", "table", "section", "nav", "article", "aside", "header", "footer"}
FLOW_ONLY |= {"blockquote", "fieldset", "figure", "hr", "pre", "main", "h1", "h2", "h3", "h4", "h5", "h6"}
_DATE = r"\d{4,}-\d\d-\d\d"
_TIME = r"\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?"
_ZONE = r"(?:Z|[+-]\d\d:?\d\d)"
_OTHER = r"\d{4,}(?:-\d\d)?|--\d\d-\d\d|\d{4,}-W\d\d|P[0-9DTHMS.]+"  # year, month, yearless, week, duration
VALID_DATETIME = re.compile(rf"^(?:{_DATE}(?:[T ]{_TIME}{_ZONE}?)?|{_TIME}|{_ZONE}|{_OTHER})$")


class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None", line: int):
        self.tag, self.attrs, self.parent, self.line = tag, attrs, parent, line
        self.children: list[Node] = []

    def elements(self):
        for child in self.children:
            yield child
            yield from child.elements()


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None, 0)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current, self.getpos()[0])
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current, self.getpos()[0]))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def _dl_problems(dl: Node) -> list[str]:
    problems = []
    kinds = {child.tag for child in dl.children} - SCRIPT_SUPPORTING
    if kinds - {"dt", "dd", "div"}:
        problems.append(f"line {dl.line}: <dl> holds {sorted(kinds - {'dt', 'dd', 'div'})}")
    if "div" in kinds and kinds & {"dt", "dd"}:
        problems.append(f"line {dl.line}: <dl> mixes <div> groups with bare <dt>/<dd>")
    for div in (child for child in dl.children if child.tag == "div"):
        inner = [child.tag for child in div.children if child.tag not in SCRIPT_SUPPORTING]
        if set(inner) - {"dt", "dd"} or "dt" not in inner or "dd" not in inner:
            problems.append(f"line {div.line}: a <div> in a <dl> must hold <dt> and <dd> only, it holds {inner}")
    return problems


def problems(html: str) -> list[str]:
    """Every breach of the rules above in a page."""
    found = [
        f"line {html.count(chr(10), 0, m.start()) + 1}: forbidden code point U+{ord(m.group()):04X}"
        for m in FORBIDDEN.finditer(html)
    ]
    root = parse(html)
    form_ids = {node.attrs.get("id") for node in root.elements() if node.tag == "form"}
    ids: dict[str, int] = {}
    previous_level = None
    for node in root.elements():
        if node.tag == "dl":
            found += _dl_problems(node)
        value = node.attrs.get("datetime")
        if value is not None and not VALID_DATETIME.match(value or ""):
            found.append(f"line {node.line}: <{node.tag} datetime={value!r}> is not a valid date or time")
        if re.fullmatch(r"h[1-6]", node.tag):
            level = int(node.tag[1])
            if previous_level is not None and level > previous_level + 1:
                found.append(f"line {node.line}: <{node.tag}> follows <h{previous_level}>, skipping a level")
            previous_level = level
        if (
            node.tag == "input"
            and node.attrs.get("type") in ONE_LINE_INPUTS
            and re.search("[\r\n]", node.attrs.get("value") or "")
        ):
            found.append(f"line {node.line}: a line break in the value of a one-line <input>")
        if node.tag in FLOW_ONLY and node.parent is not None and node.parent.tag in PHRASING_ONLY:
            found.append(
                f"line {node.line}: <{node.tag}> inside <{node.parent.tag}>, which holds phrasing content only"
            )
        if node.attrs.get("form") and node.attrs["form"] not in form_ids:
            found.append(f"line {node.line}: form={node.attrs['form']!r} names no form of the page")
        if node.attrs.get("id"):
            if node.attrs["id"] in ids:
                found.append(
                    f"line {node.line}: duplicate id {node.attrs['id']!r} (first on line {ids[node.attrs['id']]})"
                )
            ids.setdefault(node.attrs["id"], node.line)
    return found
