"""The sealed PDF of a signed agreement version (seed 004: "make sure mentor and protégé
have a copy of the agreement").

``render_agreement_pdf(agreement)`` renders ``templates/agreements/agreement_pdf.html``
with WeasyPrint and seals the result with a PAdES signature (pyHanko), so a copy can be
checked later with ``verify_pdf(data)``: the seal breaks if any byte of the file changes.

Key material: ``AGREEMENT_SIGNING_KEY`` and ``AGREEMENT_SIGNING_CERT`` (PEM text or a path
to a PEM/DER file), optional ``AGREEMENT_SIGNING_KEY_PASSWORD``, optional
``AGREEMENT_SIGNING_CHAIN`` (intermediate certificates, embedded in the signature) and
``AGREEMENT_SIGNING_TRUSTED_CERTS`` (more certificates ``verify_pdf`` trusts, e.g. the
certificate used before a key rotation). Required when DEBUG is off (settings refuse to
start without them; ``manage.py generate_seal_key`` makes a pair). In DEBUG only, a
self-signed development key and certificate are generated once under
``VAR_DIR / "signing"`` and reused.
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import logging
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import timezone

from agreements.consent import CONSENT_TEXTS

logger = logging.getLogger(__name__)

SEAL_FIELD_NAME = "AgreementSeal"
DEV_KEY_FILENAME = "agreement-seal-dev.key.pem"
DEV_CERT_FILENAME = "agreement-seal-dev.cert.pem"


# --- Fetching resources: nothing local, nothing private, no redirects ----------------------


class UnsafeURLError(ValueError):
    """A resource the PDF renderer must not fetch."""


def _is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def check_fetchable_url(url: str) -> None:
    """Raise ``UnsafeURLError`` unless ``url`` is a data: URL or an http(s) URL whose host
    resolves only to public addresses."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return
    if scheme not in ("http", "https"):
        raise UnsafeURLError(f"Refusing to fetch {scheme or 'relative'} URL")
    host = parts.hostname
    if not host:
        raise UnsafeURLError("Refusing to fetch a URL without a host")
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if scheme == "https" else 80), proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise UnsafeURLError(f"Cannot resolve {host}") from exc
    addresses = {info[4][0] for info in infos}
    if not addresses or not all(_is_public_address(a) for a in addresses):
        raise UnsafeURLError(f"Refusing to fetch from a private or local address ({host})")


def _safe_fetcher_class():
    from weasyprint.urls import URLFetcher

    class SafeURLFetcher(URLFetcher):
        """WeasyPrint's fetcher without file://, private/loopback hosts or redirects.

        Agreement text is escaped by the template, so it cannot add resources; this is
        the second line of defence should a template ever reference a URL.
        """

        def __init__(self, **kwargs):
            kwargs.update(allowed_protocols=("data", "http", "https"), allow_redirects=False)
            kwargs.setdefault("timeout", 5)
            super().__init__(**kwargs)

        def fetch(self, url, headers=None):
            check_fetchable_url(url)
            response = super().fetch(url, headers)
            if 300 <= (response.status or 200) < 400:
                response.close()
                raise UnsafeURLError("Refusing to follow a redirect")
            return response

    return SafeURLFetcher


def safe_url_fetcher():
    return _safe_fetcher_class()()


# --- Rendering -------------------------------------------------------------------------------


def _utc(dt: datetime | None) -> str:
    if dt is None:
        return ""
    if timezone.is_naive(dt):
        dt = timezone.make_aware(dt, UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _person(membership, agreement=None) -> str:
    """Who did something: one of the pair by the name the version froze, anyone else
    (the program office) by their account name."""
    if membership is None:
        return "System"
    if agreement is not None:
        frozen = agreement.name_for(membership.pk)
        if frozen:
            return frozen
    user = membership.user
    return user.full_name or user.email


def _utc_precise(dt: datetime) -> str:
    """An audit-trail time, to the millisecond, so rows in the same second read in order."""
    if timezone.is_naive(dt):
        dt = timezone.make_aware(dt, UTC)
    dt = dt.astimezone(UTC)
    return f"{dt:%Y-%m-%d %H:%M:%S}.{dt.microsecond // 1000:03d} UTC"


EVENT_LABELS = {
    "created": "Version opened",
    "consent": "Consented to sign electronically",
    "consent_withdrawn": "Withdrew consent to sign electronically",
    "viewed": "Viewed",
    "downloaded": "Downloaded",
    "edited": "Edited",
    "reopened": "Reopened for changes",
    "signed": "Signed",
    "pdf": "Sealed PDF produced",
}


def _consents(agreement, signatures) -> tuple[list[dict], list[dict]]:
    """Each signer's consent to sign electronically: audit rows for consents the trail
    does not already hold (given before consent was recorded per agreement), and the
    consent texts themselves, each printed once with who agreed to it and when."""
    from agreements.models import SigningConsent

    signer_ids = [s.signer_id for s in signatures]
    recorded = set(agreement.events.filter(kind="consent").values_list("actor_id", flat=True))
    rows, texts = [], {}
    for consent in (
        SigningConsent.objects.filter(membership__in=signer_ids).select_related("membership__user").order_by("pk")
    ):
        name = _person(consent.membership, agreement)
        if consent.membership_id not in recorded:
            rows.append(
                {
                    "sort": (consent.consented_at, 0, 0),
                    "kind": EVENT_LABELS["consent"],
                    "actor": name,
                    "ip": consent.ip_address or "—",
                    "user_agent": consent.user_agent or "—",
                    "detail": f"Consent text SHA-256 {consent.consent_text_hash}",
                }
            )
        entry = texts.setdefault(
            consent.consent_text_hash,
            {"hash": consent.consent_text_hash, "text": CONSENT_TEXTS.get(consent.consent_text_hash, ""), "by": []},
        )
        entry["by"].append(f"{name} ({_utc(consent.consented_at)})")
    for entry in texts.values():
        entry["paragraphs"] = [p for p in entry["text"].split("\n\n") if p.strip()]
    return rows, list(texts.values())


def agreement_pdf_context(agreement) -> dict:
    """Everything the PDF template prints, formatted (times in UTC)."""
    mentorship = agreement.mentorship
    program = mentorship.program
    sections = []
    for section in agreement.sections:
        if section.get("editable"):
            text = agreement.content.get(section["key"], "") or ""
        else:
            text = section.get("text", "") or ""
        sections.append({"heading": section["heading"], "text": text.strip(), "fixed": not section.get("editable")})
    signatures = list(agreement.signatures.select_related("signer__user").order_by("signed_at", "pk"))
    by_role = {s.role: s for s in signatures}
    parties = []
    for role, membership in (("mentor", mentorship.mentor), ("mentee", mentorship.mentee)):
        signature = by_role.get(role)
        parties.append(
            {
                "role": role.capitalize(),
                "name": agreement.frozen_name(role),
                "email": membership.user.email,
                "typed_name": signature.typed_name if signature else "",
                "signed_at": _utc(signature.signed_at) if signature else "",
                "content_hash": signature.content_hash if signature else "",
            }
        )
    events = [
        {
            "sort": (event.at, 1, event.pk),
            "kind": EVENT_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize()),
            "actor": _person(event.actor, agreement),
            "ip": event.ip_address or "—",
            "user_agent": event.user_agent or "—",
            "detail": event.detail,
        }
        for event in agreement.events.select_related("actor__user")
    ]
    consent_rows, consent_texts = _consents(agreement, signatures)
    events.extend(consent_rows)
    # By the real instant (full precision), never by its printed form; at the same
    # instant a consent comes first (it precedes what it allows), then in recorded order.
    events.sort(key=lambda e: e["sort"])
    for event in events:
        event["at"] = _utc_precise(event["sort"][0])
    return {
        "agreement": agreement,
        "organization": program.organization,
        "program": program,
        "program_name": agreement.program_name or program.name,
        "mentorship": mentorship,
        "parties": parties,
        "sections": sections,
        "events": events,
        "consent_texts": consent_texts,
        "content_hash": agreement.content_hash or agreement.compute_hash(),
        "signed_at": _utc(agreement.signed_at),
        "started_on": mentorship.started_on,
        "planned_end_on": mentorship.planned_end_on,
        "generated_at": _utc(timezone.now()),
    }


# PDF/A-3b for archiving (ISO 19005-3: fonts embedded, an sRGB output intent, XMP
# metadata), and tagged (a structure tree, the document's language and title) to PDF/UA-1
# (ISO 14289-1). WeasyPrint 70 sets one variant per document, so the variant is PDF/A-3b
# with tags switched on, and ``_UAMetadata`` adds the PDF/UA-1 identification (declared as
# a PDF/A extension schema, as PDF/A requires for a schema it does not predefine). The
# seal keeps both: its invisible widget is printable (PDF/A) and lies outside the page
# (PDF/UA), see ``seal_pdf``.
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}

_PDFUA_EXTENSION = b"""<rdf:Description xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" \
xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" \
xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#" rdf:about=""><pdfaExtension:schemas><rdf:Bag>\
<rdf:li rdf:parseType="Resource"><pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>\
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">\
<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>\
<pdfaProperty:category>internal</pdfaProperty:category>\
<pdfaProperty:description>Indicates which part of ISO 14289 standard is followed</pdfaProperty:description>\
</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"""


def _ua_metadata_class():
    from xml.etree.ElementTree import SubElement, fromstring, tostring

    from weasyprint.pdf.metadata import NS, DocumentMetadata

    class UAMetadata(DocumentMetadata):
        """WeasyPrint's metadata plus the PDF/UA-1 identification, in the same RDF packet."""

        def generate_rdf_metadata(self, variant, version, conformance):
            # Both XML texts are made here (WeasyPrint's packet, our constant), never
            # read from outside, so the standard parser is safe for them.
            rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))  # noqa: S314
            description = SubElement(rdf, f"{{{NS['rdf']}}}Description")
            description.attrib[f"{{{NS['rdf']}}}about"] = ""
            description.attrib[f"{{{NS['pdfuaid']}}}part"] = "1"
            rdf.append(fromstring(_PDFUA_EXTENSION))  # noqa: S314
            return tostring(rdf, encoding="utf-8")

    return UAMetadata


def render_document(agreement):
    """The laid-out document (WeasyPrint pages and boxes), before it is written as a PDF."""
    from weasyprint import HTML

    html = render_to_string("agreements/agreement_pdf.html", agreement_pdf_context(agreement))
    document = HTML(string=html, base_url=None, url_fetcher=safe_url_fetcher()).render(**PDF_OPTIONS)
    document.metadata = _ua_metadata_class()(**vars(document.metadata))
    return document


def _leave_producer_to_the_seal(document, pdf) -> None:
    """The seal (pyHanko) names itself the producer in the XMP metadata and appends its
    name to the information dictionary's; without a producer there, both say the same,
    as PDF/A requires of the two."""
    pdf.info.pop("Producer", None)


def render_unsealed_pdf(agreement) -> bytes:
    return render_document(agreement).write_pdf(finisher=_leave_producer_to_the_seal, **PDF_OPTIONS)


def render_agreement_pdf(agreement) -> bytes:
    """The agreement version as a PDF, sealed with the configured key; returns the bytes."""
    return seal_pdf(render_unsealed_pdf(agreement), reason=f"Signed agreement, content hash {agreement.content_hash}")


# --- Key material ----------------------------------------------------------------------------


def read_material(value) -> bytes:
    """A setting holds PEM text or a path to a PEM/DER file."""
    if isinstance(value, bytes):
        return value
    value = str(value)
    if "-----BEGIN" in value:
        return value.encode()
    return Path(value).read_bytes()


def _ensure_dev_key(folder: Path) -> tuple[bytes, bytes]:
    """A self-signed development key and certificate, made once (under a file lock, so a
    web process and a worker never make two) and reused."""
    key_path, cert_path = folder / DEV_KEY_FILENAME, folder / DEV_CERT_FILENAME
    if key_path.exists() and cert_path.exists():
        return key_path.read_bytes(), cert_path.read_bytes()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if key_path.exists() and cert_path.exists():
            return key_path.read_bytes(), cert_path.read_bytes()
        from agreements.sealkey import generate_seal_key_pair, write_private

        logger.warning("No AGREEMENT_SIGNING_KEY configured: generating a development seal key in %s", folder)
        key_pem, cert_pem = generate_seal_key_pair(
            common_name="Mentorship agreements seal (development)", organization="Mentorship (development)"
        )
        for path, data in ((key_path, key_pem), (cert_path, cert_pem)):
            write_private(path, data)
        return key_pem, cert_pem


def _seal_signer_class():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    class SealSigner(SimpleSigner):
        """SimpleSigner that parses its private key once: pyHanko's reloads (and
        re-validates) it for every signature, which is most of the sealing time."""

        _pyca_key = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            if self._pyca_key is None:
                self._pyca_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
            key = self._pyca_key
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            try:
                algorithm = mechanism.signature_algo
            except ValueError:
                algorithm = mechanism["algorithm"].native
            hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
            if algorithm == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
                return key.sign(data, PKCS1v15(), hash_algorithm)
            if algorithm == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
                return key.sign(data, ECDSA(hash_algorithm))
            return super().sign_raw(data, digest_algorithm)

    return SealSigner


@dataclass(frozen=True)
class SealMaterial:
    signer: object  # a pyhanko.sign.signers.SimpleSigner
    trusted: tuple  # asn1crypto certificates verify_pdf trusts
    development: bool


def _setting(name: str):
    return getattr(settings, name, None)


@lru_cache(maxsize=4)
def _load_material(key_setting, cert_setting, password, chain_setting, trusted_setting, var_dir) -> SealMaterial:
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    development = not (key_setting and cert_setting)
    if development and not settings.DEBUG:
        # Each container would make its own key: the worker would seal with one, the web
        # verify with another, and every genuine PDF would fail /verify/ (settings refuse
        # to start like this; this guards a process whose settings were changed later).
        raise ImproperlyConfigured("AGREEMENT_SIGNING_KEY and AGREEMENT_SIGNING_CERT must be set when DEBUG is off.")
    if development:
        key_data, cert_data = _ensure_dev_key(Path(var_dir) / "signing")
    else:
        key_data, cert_data = read_material(key_setting), read_material(cert_setting)
    key = load_private_key_from_pemder_data(key_data, passphrase=password.encode() if password else None)
    cert = next(iter(load_certs_from_pemder_data(cert_data)))
    chain = list(load_certs_from_pemder_data(read_material(chain_setting))) if chain_setting else []
    extra = list(load_certs_from_pemder_data(read_material(trusted_setting))) if trusted_setting else []
    signer = _seal_signer_class()(
        signing_cert=cert, signing_key=key, cert_registry=SimpleCertificateStore.from_certs([cert, *chain])
    )
    return SealMaterial(signer=signer, trusted=(cert, *chain, *extra), development=development)


def seal_material() -> SealMaterial:
    return _load_material(
        _setting("AGREEMENT_SIGNING_KEY"),
        _setting("AGREEMENT_SIGNING_CERT"),
        _setting("AGREEMENT_SIGNING_KEY_PASSWORD"),
        _setting("AGREEMENT_SIGNING_CHAIN"),
        _setting("AGREEMENT_SIGNING_TRUSTED_CERTS"),
        str(settings.VAR_DIR),
    )


def seal_key_files() -> dict[str, bytes]:
    """The seal's key material as files, for the keys folder of a backup
    (``manage.py backup --keys-to``, registered with mentorship.backup): the key and its
    certificate, and the chain, the certificates trusted for earlier PDFs and the key's
    password where set. The development pair under VAR_DIR/signing when none is set."""
    from agreements.sealkey import CERT_FILENAME, KEY_FILENAME

    key, cert = _setting("AGREEMENT_SIGNING_KEY"), _setting("AGREEMENT_SIGNING_CERT")
    if key and cert:
        files = {KEY_FILENAME: read_material(key), CERT_FILENAME: read_material(cert)}
    else:
        key_data, cert_data = _ensure_dev_key(Path(settings.VAR_DIR) / "signing")
        files = {KEY_FILENAME: key_data, CERT_FILENAME: cert_data}
    for name, file_name in (
        ("AGREEMENT_SIGNING_CHAIN", "agreement-seal.chain.pem"),
        ("AGREEMENT_SIGNING_TRUSTED_CERTS", "agreement-seal.trusted.pem"),
    ):
        if _setting(name):
            files[file_name] = read_material(_setting(name))
    if _setting("AGREEMENT_SIGNING_KEY_PASSWORD"):
        files["AGREEMENT_SIGNING_KEY_PASSWORD"] = _setting("AGREEMENT_SIGNING_KEY_PASSWORD").encode()
    return files


# --- Sealing and verifying -------------------------------------------------------------------


def seal_pdf(data: bytes, *, reason: str = "") -> bytes:
    """Add a PAdES (B-B) certification signature that forbids any later change."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    material = seal_material()
    writer = IncrementalPdfFileWriter(BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason[:200] or None,
        location=getattr(settings, "SITE_URL", None) or None,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    # An invisible seal that keeps the document PDF/A (printable widget) and PDF/UA (a
    # widget outside the page needs no tag): pyHanko's documented setting for both.
    field_spec = fields.SigFieldSpec(
        sig_field_name=SEAL_FIELD_NAME,
        invis_sig_settings=fields.InvisSigSettings(set_print_flag=True, box_out_of_bounds=True),
    )
    output = signers.PdfSigner(meta, signer=material.signer, new_field_spec=field_spec).sign_pdf(writer)
    return output.getvalue()


def verify_pdf(data: bytes) -> tuple[bool, str]:
    """Check the PDF's embedded seal: (True, "…intact…") if the signature is valid, made by
    a trusted seal certificate and covers the whole file; otherwise (False, reason)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if not data.startswith(b"%PDF-"):
        return False, "This is not a PDF file."
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 — any damage to the file means it is not intact
        return False, "The PDF could not be read: it is damaged or has been modified."
    if not embedded:
        return False, "The PDF carries no electronic seal."
    material = seal_material()
    try:
        context = ValidationContext(trust_roots=list(material.trusted), allow_fetching=False)
        status = validate_pdf_signature(embedded[0], context)
    except Exception:  # noqa: BLE001
        logger.info("Seal validation failed", exc_info=True)
        return False, "The seal could not be validated: the PDF has been modified or the seal is damaged."
    if not status.intact:
        return False, "The seal is broken: the PDF has been modified since it was sealed."
    if not status.valid:
        return False, "The seal's signature is not valid: the PDF has been modified or the seal is damaged."
    if not status.trusted:
        return False, "The seal is intact but was not made by this site's seal certificate."
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE or len(embedded) > 1:
        return False, "The seal is intact, but the PDF was changed after it was sealed."
    return True, "The seal is intact: the PDF has not been modified since it was sealed."


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
