"""Encryption at rest of everything a pair (or a person about their pairing) writes:
meeting summaries, agendas, tasks, private notes, the agreement's text, yearly-review
comments, request messages, decline reasons... and, through ``mentorship.storage``, the
files they upload or sign.

Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``, with rotation through
MultiFernet: ``FIELD_ENCRYPTION_KEYS`` is a comma-separated list of keys, the first one
encrypts, all of them decrypt. To rotate, put a new key first, keep the old ones, and run
``manage.py rotate_field_keys`` to re-encrypt every row and file with the new key.

An encrypted column cannot be searched, filtered or sorted in the database (the same text
gives a different cipher text each time): the fields refuse every lookup except a
comparison with empty text and ``isnull``, so a query that would silently match nothing
fails loudly instead.

A Fernet token carries the second it was made in. A ``timeless`` field (anonymous survey
answers) writes tokens dated 0 instead, so the cipher text does not tell when, or in which
order, the text was written; rotation keeps a token's date, so it stays 0.
"""

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.db.models.lookups import Exact
from django.dispatch import receiver

PREFIX = "enc1:"


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in (settings.FIELD_ENCRYPTION_KEYS or []) if k.strip()]
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one Fernet key.")
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid key: {error}") from None


@receiver(setting_changed)
def _reset(setting, **kwargs):
    if setting == "FIELD_ENCRYPTION_KEYS":
        _fernet.cache_clear()


def encrypt(text: str, *, timeless: bool = False) -> str:
    data = text.encode("utf-8")
    token = _fernet().encrypt_at_time(data, 0) if timeless else _fernet().encrypt(data)
    return PREFIX + token.decode("ascii")


def decrypt(value: str) -> str:
    if not value.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    try:
        return _fernet().decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ImproperlyConfigured("An encrypted value cannot be read with FIELD_ENCRYPTION_KEYS.") from None


def rotate(value: str) -> str:
    """Re-encrypt a stored value with the first (current) key."""
    return PREFIX + _fernet().rotate(value[len(PREFIX) :].encode("ascii")).decode("ascii")


# Files: the same prefix, then the Fernet token (base64 text) of the file's bytes.
BYTES_PREFIX = PREFIX.encode("ascii")


def is_encrypted_bytes(data: bytes) -> bool:
    return data.startswith(BYTES_PREFIX)


def encrypt_bytes(data: bytes) -> bytes:
    return BYTES_PREFIX + _fernet().encrypt(data)


def decrypt_bytes(data: bytes) -> bytes:
    if not is_encrypted_bytes(data):
        raise ValueError("not an encrypted file")
    try:
        return _fernet().decrypt(data[len(BYTES_PREFIX) :])
    except InvalidToken:
        raise ImproperlyConfigured("An encrypted file cannot be read with FIELD_ENCRYPTION_KEYS.") from None


def rotate_bytes(data: bytes) -> bytes:
    """Re-encrypt a stored file's bytes with the first (current) key."""
    return BYTES_PREFIX + _fernet().rotate(data[len(BYTES_PREFIX) :])


class EmptyOnlyExact(Exact):
    """``field=""`` (e.g. ``~Q(barriers="")``) works on an encrypted column, since empty
    text is stored empty; any other value could never match a fresh cipher text."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            field = getattr(self.lhs, "target", None) or self.lhs.output_field
            raise FieldError(
                f"{field.model.__name__}.{field.name} is encrypted at rest: it can only be compared with empty text."
            )
        return super().get_prep_lookup()


class EncryptedLookupsMixin:
    """Refuse every lookup and transform that would run on the cipher text."""

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        if lookup_name == "exact":
            return EmptyOnlyExact
        return None  # Django raises FieldError: "Unsupported lookup ... for EncryptedTextField"

    def get_transform(self, lookup_name):
        return None


class EncryptedTextField(EncryptedLookupsMixin, models.TextField):
    """A TextField stored encrypted; empty text is stored empty. Not searchable or sortable.
    ``timeless=True``: tokens carry no time (see the module's docstring)."""

    def __init__(self, *args, timeless: bool = False, **kwargs):
        self.timeless = timeless
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.timeless:
            kwargs["timeless"] = True
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value, timeless=self.timeless)


class EncryptedJSONField(EncryptedTextField):
    """JSON (a dict or a list) stored as encrypted text: the agreement's sections as the
    pair wrote them. Not searchable: no key lookups, no containment."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return json.loads(decrypt(value))

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        return self.value_from_object(obj)  # as JSONField: serializers embed the object itself

    def formfield(self, **kwargs):
        from django import forms

        return super(models.TextField, self).formfield(**{"form_class": forms.JSONField, **kwargs})
