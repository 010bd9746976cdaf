"""Issue 13, item 19: the agreement PDF's audit trail fits the page (every cell inside it,
the full IP address and browser string printed), events are in the order they happened
(by the real instant, not its printed second), the consent text itself is printed, and
the sealed file is PDF/A-3b and tagged to PDF/UA-1, with a seal that still verifies.

Everything is checked by reading the output back: WeasyPrint's laid-out boxes for the
geometry, pypdf for the text, the catalog and the XMP metadata, pyHanko for the seal."""

import io
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
import time_machine
from django.template.loader import render_to_string
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader

from agreements import consent
from agreements.models import Agreement
from agreements.pdf import agreement_pdf_context, render_agreement_pdf, verify_pdf
from agreements.services import agreement as services
from tests.factories import dana_and_nia

pytestmark = pytest.mark.pdf

START = datetime(2026, 5, 4, 10, 0, 0, tzinfo=UTC)
IPV6 = "2001:db8:85a3::8a2e:370:7334"
IPV4 = "198.51.100.23"
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"
)
MOBILE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def signed(org_a) -> Agreement:
    """A version written, consented to and signed through the services, on a frozen
    clock: each party consents and signs within the same second (consent first)."""
    mentor_meta = {"ip": IPV6, "user_agent": BROWSER}
    mentee_meta = {"ip": IPV4, "user_agent": MOBILE}
    mentorship = dana_and_nia(org_a, program={"slug": "society", "name": "Society Mentoring"})
    mentor, mentee = mentorship.mentor, mentorship.mentee
    with scope(organization=org_a):
        with time_machine.travel(START, tick=False):
            agreement = services.agreement_start(actor=mentee, mentorship=mentorship, request_meta=mentee_meta)
            content = {s["key"]: f"Our {s['heading'].lower()}." for s in agreement.sections if s.get("editable")}
            agreement = services.draft_save(
                actor=mentee, agreement=agreement, content=content, revision=0, request_meta=mentee_meta
            )
        with time_machine.travel(START + timedelta(minutes=5, milliseconds=200), tick=False):
            # consented on another page (no agreement): only the consent row records it
            services.consent_to_sign(actor=mentor, request_meta=mentor_meta)
        with time_machine.travel(START + timedelta(minutes=5, milliseconds=700), tick=False):
            services.agreement_sign(
                actor=mentor,
                agreement=agreement,
                typed_name="Dana Whitfield",
                confirm=True,
                revision=1,
                request_meta=mentor_meta,
            )
        with time_machine.travel(START + timedelta(hours=2, milliseconds=100), tick=False):
            services.consent_to_sign(actor=mentee, agreement=agreement, request_meta=mentee_meta)
        with time_machine.travel(START + timedelta(hours=2, milliseconds=900), tick=False):
            services.agreement_sign(
                actor=mentee,
                agreement=agreement,
                typed_name="Nia Mensah",
                confirm=True,
                revision=1,
                request_meta=mentee_meta,
            )
    with scopes_disabled():
        return Agreement.objects.select_related(
            "mentorship__program__organization", "mentorship__mentor__user", "mentorship__mentee__user"
        ).get(pk=agreement.pk)


@pytest.fixture
def sealed(signed) -> bytes:
    with scopes_disabled():
        return render_agreement_pdf(signed)


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _audit_rows(text: str) -> str:
    flat = " ".join(text.split())
    return flat[flat.index("Audit trail") : flat.index("Signatures recorded")]


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


@pytest.mark.django_db
def test_every_box_of_the_pdf_is_inside_the_page(signed):
    from weasyprint import HTML

    with scopes_disabled():
        html = render_to_string("agreements/agreement_pdf.html", agreement_pdf_context(signed))
    document = HTML(string=html).render()
    outside = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        left = page_box.content_box_x()
        right = left + page_box.width
        for box in _boxes(page_box.children[0]):  # the document, not the page's margin boxes
            start, end = box.position_x, box.position_x + box.margin_width()
            if start < left - 0.5 or end > right + 0.5:
                outside.append((number, type(box).__name__, getattr(box, "text", "")[:40], round(end - right)))
    assert outside == []


@pytest.mark.django_db
def test_the_audit_trail_prints_every_address_and_browser_whole_in_the_order_it_happened(sealed):
    text = _text(sealed)
    squeezed = "".join(text.split())
    for value in (IPV6, IPV4, BROWSER, MOBILE):
        assert "".join(value.split()) in squeezed, value
    rows = _audit_rows(text)
    mentor_consent = rows.index("Consented to sign electronically")
    mentor_signed = rows.index("Signed as mentor")
    mentee_consent = rows.index("Consented to sign electronically", mentor_consent + 1)
    mentee_signed = rows.index("Signed as mentee")
    assert mentor_consent < mentor_signed < mentee_consent < mentee_signed
    times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{3})? UTC", rows)
    assert times == sorted(times)


@pytest.mark.django_db
def test_the_consent_text_itself_is_printed(sealed):
    flat = " ".join(_text(sealed).split())
    # the running header and footer of each page, wherever a page break falls
    flat = re.sub(
        r"Alpha Surgical Society Mentoring Partnership Agreement · v1 Content hash [0-9a-f]{64} Page \d+ of \d+ ",
        "",
        flat,
    )
    paragraphs = consent.CONSENT_TEXT.split("\n\n")
    for paragraph in paragraphs:
        assert " ".join(paragraph.split()) in flat, paragraph[:60]
    assert consent.CONSENT_TEXT_HASH in "".join(flat.split())


@pytest.mark.django_db
def test_the_sealed_pdf_is_pdfa_3b_and_tagged_pdfua_1_and_the_seal_verifies(sealed):
    assert verify_pdf(sealed) == (True, "The seal is intact: the PDF has not been modified since it was sealed.")
    reader = PdfReader(io.BytesIO(sealed))
    root = reader.trailer["/Root"]

    # PDF/A-3b: identification in XMP, an output intent, every font embedded.
    xmp = ElementTree.fromstring(root["/Metadata"].get_object().get_data())
    attrs = {k: v for d in xmp.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description") for k, v in d.items()}
    assert attrs["{http://www.aiim.org/pdfa/ns/id/}part"] == "3"
    assert attrs["{http://www.aiim.org/pdfa/ns/id/}conformance"] == "B"
    assert [i.get_object()["/S"] for i in root["/OutputIntents"]] == ["/GTS_PDFA1"]
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)[
                "/FontDescriptor"
            ]
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
    # PDF/A: the information dictionary says what the XMP says.
    info = reader.metadata
    dc = "{http://purl.org/dc/elements/1.1/}"
    assert info["/Producer"] == attrs["{http://ns.adobe.com/pdf/1.3/}Producer"]
    assert info["/Creator"] == attrs["{http://ns.adobe.com/xap/1.0/}CreatorTool"]
    assert info["/Title"] == next(xmp.iter(f"{dc}title")).find(".//{*}li").text
    assert info["/Author"] == next(xmp.iter(f"{dc}creator")).find(".//{*}li").text

    # PDF/UA-1: identified (with its PDF/A extension schema), tagged, language and title.
    assert attrs["{http://www.aiim.org/pdfua/ns/id/}part"] == "1"
    schemas = ElementTree.tostring(xmp, encoding="unicode")
    assert "http://www.aiim.org/pdfua/ns/id/" in schemas and "pdfuaid" in schemas
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    kinds = set()

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if "/S" in node:
                kinds.add(node["/S"])
            children = node.get("/K")
            for child in children if isinstance(children, list) else [children] if children is not None else []:
                walk(child)

    walk(root["/StructTreeRoot"])
    assert {"/Document", "/H1", "/H2", "/P", "/Table", "/TH", "/TD"} <= kinds

    # The seal's widget: printable (PDF/A), outside the page so it needs no tag (PDF/UA).
    [widget] = [a.get_object() for page in reader.pages for a in (page.get("/Annots") or [])]
    assert widget["/Subtype"] == "/Widget"
    assert widget["/F"] & 4 and not widget["/F"] & 2
    media = reader.pages[0].mediabox
    rect = [float(v) for v in widget["/Rect"]]
    assert max(rect[0], rect[2]) < float(media.left) or max(rect[1], rect[3]) < float(media.bottom)
