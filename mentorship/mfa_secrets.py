"""Two-factor secrets at rest: the TOTP key and the recovery codes' seed (and any codes
migrated from another library) are encrypted with FIELD_ENCRYPTION_KEYS, like the pair's
text. allauth stores them in ``Authenticator.data`` (JSON) and passes them through the MFA
adapter's ``encrypt``/``decrypt`` hooks (``mentorship.adapters.MFAAdapter``); the data
migration, ``manage.py rotate_field_keys`` and the adapter use the functions here.

WebAuthn authenticators hold a public key credential only: nothing secret to encrypt.
"""

from __future__ import annotations

from collections.abc import Callable

from mentorship import fields


def is_encrypted(value: str) -> bool:
    return isinstance(value, str) and value.startswith(fields.PREFIX)


def encrypt(value: str) -> str:
    return value if is_encrypted(value) else fields.encrypt(value)


def decrypt(value: str) -> str:
    # A value written in clear (before the data migration, by a process still running the
    # old code) is read as it is; the next rotate_field_keys encrypts it.
    return fields.decrypt(value) if is_encrypted(value) else value


def rotate(value: str) -> str:
    """With the current key: re-encrypted if it was encrypted, encrypted if it was not."""
    return fields.rotate(value) if is_encrypted(value) else fields.encrypt(value)


def map_secrets(kind: str, data: dict, function: Callable[[str], str]) -> dict:
    """A copy of an authenticator's ``data`` with ``function`` applied to each secret in it."""
    data = dict(data or {})
    if kind == "totp" and isinstance(data.get("secret"), str):
        data["secret"] = function(data["secret"])
    elif kind == "recovery_codes":
        if isinstance(data.get("seed"), str):
            data["seed"] = function(data["seed"])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [function(code) for code in data["migrated_codes"]]
    return data
