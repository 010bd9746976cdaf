"""Mentoring agreements (seed 004, Appendix A): a template per program, one shared draft
per version that both parties write, e-signatures with consent and an audit trail, and a
sealed PDF of every signed version."""

import hashlib
import json

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from mentorship.fields import EncryptedJSONField
from mentorship.storage import encrypted_storage, random_name
from programs.models import Membership, Organization, Program
from relationships.models import Mentorship

# Seed 004's agreement form. Editable sections are written by the pair; fixed ones are
# clauses the program sets. Guidance is shown while drafting, not printed.
DEFAULT_SECTIONS = [
    {
        "key": "goals",
        "heading": "Goals",
        "guidance": "What you agree to work towards this year: specific goals for the mentee's career and development.",
        "editable": True,
    },
    {
        "key": "success",
        "heading": "How success will be measured",
        "guidance": "For each goal, how you will both know it has been reached.",
        "editable": True,
    },
    {
        "key": "schedule",
        "heading": "Meeting schedule",
        "guidance": "How often you meet, how (in person, phone, video), who initiates, and how long meetings last.",
        "editable": True,
    },
    {
        "key": "learning",
        "heading": "Opportunities for learning",
        "guidance": "Projects, meetings, shadowing, introductions or resources the mentor can offer.",
        "editable": True,
    },
    {
        "key": "confidentiality",
        "heading": "Confidentiality",
        "guidance": "What confidentiality means for you two: what stays between you, and what may be shared "
        "and with whom.",
        "editable": True,
    },
    {
        "key": "ground_rules",
        "heading": "Ground rules",
        "guidance": "How will we schedule meetings? How should we contact each other, and how quickly will we "
        "reply? What happens if one of us must cancel? How will we give each other feedback? What topics are "
        "off-limits? How will we know the relationship is working?",
        "editable": True,
    },
    {
        "key": "feedback",
        "heading": "Feedback and evaluation",
        "guidance": "How and when you will tell each other what is working and what is not.",
        "editable": True,
    },
    {
        "key": "no_fault",
        "heading": "No-fault clause",
        "guidance": "",
        "editable": False,
        "text": "Either of us may end this mentoring relationship at any time, for any reason, without "
        "blame or explanation. We will tell each other, and the program office, if we decide to do so.",
    },
    {
        "key": "review",
        "heading": "Review",
        "guidance": "",
        "editable": False,
        "text": "We will review this agreement at least once a year and at the end of the mentoring cycle, "
        "and decide together whether to continue, restructure or conclude the relationship.",
    },
]


class AgreementTemplate(models.Model):
    """The agreement form a program uses; coordinators edit headings, guidance and clauses."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    program = models.OneToOneField(Program, on_delete=models.CASCADE, related_name="agreement_template")
    title = models.CharField(max_length=200, default="Mentoring Partnership Agreement")
    sections = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    def __str__(self) -> str:
        return f"{self.title} ({self.program})"


def _pdf_path(instance, filename: str) -> str:
    return random_name(instance.organization_id, "agreements")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING = "awaiting", "Awaiting signatures"
    SIGNED = "signed", "Signed"
    SUPERSEDED = "superseded", "Superseded"


class Agreement(models.Model):
    """One version of a pair's agreement. Signed versions are immutable; a change starts
    the next version, and the old one stays readable as superseded."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    mentorship = models.ForeignKey(Mentorship, on_delete=models.PROTECT, related_name="agreements")
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT)
    title = models.CharField(max_length=200)
    # Frozen when the version opens, so a later rename cannot change what was signed.
    program_name = models.CharField(max_length=200, blank=True)
    mentor_name = models.CharField(max_length=150, blank=True)
    mentee_name = models.CharField(max_length=150, blank=True)
    sections = models.JSONField(default=list, help_text="The template's sections, as they were for this version.")
    # The pair's text, encrypted at rest (the sections above are the program's template).
    content = EncryptedJSONField(default=dict, help_text="The pair's text, by section key.")
    revision = models.PositiveIntegerField(default=0, help_text="Raised by every save; a stale save is refused.")
    content_hash = models.CharField(max_length=64, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    # The sealed PDF, encrypted at rest under a random name (pdf_sha256 is the plain file's).
    pdf = models.FileField(storage=encrypted_storage, upload_to=_pdf_path, blank=True, max_length=300)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    # Set when one of the pair was erased at their request (privacy/): their frozen name
    # reads "Redacted at the person's request"; content_hash and pdf_sha256 stay as signed.
    redacted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["mentorship", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["mentorship", "version"], name="agreement_version_unique"),
            models.UniqueConstraint(
                fields=["mentorship"],
                condition=Q(status__in=["draft", "awaiting"]),
                name="agreement_one_open_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version} ({self.get_status_display()})"

    def frozen_name(self, role: str) -> str:
        """The party's name as this version records it: frozen when the version opened, so a
        rename afterwards changes neither what is signed, nor the name a signer must type,
        nor what the PDF, the pages and the emails print. (Versions opened before names were
        frozen fall back to the account's name; migration 0006 froze those too.)"""
        mentorship = self.mentorship
        if role == "mentor":
            return self.mentor_name or mentorship.mentor.user.full_name
        if role == "mentee":
            return self.mentee_name or mentorship.mentee.user.full_name
        raise ValueError(f"Unknown role {role!r}")

    def name_for(self, membership_id: int | None) -> str | None:
        """The frozen name of one of the pair (by membership id); None for anyone else."""
        mentorship = self.mentorship
        if membership_id is not None and membership_id == mentorship.mentor_id:
            return self.frozen_name("mentor")
        if membership_id is not None and membership_id == mentorship.mentee_id:
            return self.frozen_name("mentee")
        return None

    def canonical(self) -> str:
        """The exact text both parties sign: every section in order, with its heading."""
        parts = []
        for section in self.sections:
            body = section.get("text", "") if not section.get("editable") else self.content.get(section["key"], "")
            parts.append({"heading": section["heading"], "text": (body or "").strip()})
        payload = {
            "title": self.title,
            "version": self.version,
            "program": self.program_name or self.mentorship.program.name,
            "mentor": self.frozen_name("mentor"),
            "mentee": self.frozen_name("mentee"),
            "sections": parts,
        }
        return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()


class AgreementEdit(models.Model):
    """Who changed which section of a draft, and when."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="edits")
    author = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    section = models.CharField(max_length=50)
    revision = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.section} edited (revision {self.revision})"


class SigningConsent(models.Model):
    """A person's consent to sign electronically (ESIGN Act / UETA), once per person."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="signing_consent")
    consent_text_hash = models.CharField(max_length=64)
    consented_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    # Set when the person withdraws consent (ESIGN § 7001(c)(1)(B)): no electronic signing
    # until they agree again; what they signed before stays valid.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    def __str__(self) -> str:
        return f"Consent to sign electronically by {self.membership_id}"


class Signature(models.Model):
    """One party's signature on one version: typed name, intent, and where it came from."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatures")
    signer = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10)
    typed_name = models.CharField(max_length=150)
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    content_hash = models.CharField(max_length=64)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["signed_at"]
        constraints = [models.UniqueConstraint(fields=["agreement", "signer"], name="signature_one_per_party")]

    def __str__(self) -> str:
        return f"Signed by {self.typed_name} ({self.role})"


class AgreementEvent(models.Model):
    """The audit trail printed on the PDF's last page."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(Membership, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=30)  # consent, viewed, edited, signed, pdf
    at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"
