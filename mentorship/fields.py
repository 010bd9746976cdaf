"""Encrypted text at rest (meeting summaries, agendas, tasks, private notes).

Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``, with rotation through
MultiFernet: ``FIELD_ENCRYPTION_KEYS`` is a comma-separated list of keys, the first one
encrypts, all of them decrypt. To rotate, put a new key first, keep the old ones, and run
``manage.py rotate_field_keys`` to re-encrypt every row with the new key.

A Fernet token carries the second it was made in. A ``timeless`` field (anonymous survey
answers) writes tokens dated 0 instead, so the cipher text does not tell when, or in which
order, the text was written; rotation keeps a token's date, so it stays 0.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
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


class EncryptedTextField(models.TextField):
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
