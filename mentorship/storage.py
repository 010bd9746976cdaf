"""Private files: under MEDIA_ROOT/private, with no URL (only permission-checked views
serve them), and, for everything that belongs to a pair or to a person's pairing (CVs,
IDPs, sealed agreement PDFs), encrypted at rest with the field-encryption keys.

``EncryptedStorage`` encrypts a file's bytes when it is saved and decrypts them when it
is opened, so every reader (download views, the PDF task, tests reading ``field.read()``)
sees the plain file, and the disk holds only ``enc1:`` + a Fernet token. The files are
small (a PDF of at most a few MB), so they are encrypted in memory. Their names are random
(``random_name``): a name on disk says nothing about its person, pair or content.
``manage.py rotate_field_keys`` re-encrypts them with the current key.
"""

import os
import secrets
import tempfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property

from mentorship.fields import decrypt_bytes, encrypt_bytes, is_encrypted_bytes, rotate_bytes

ENCRYPTED_SUFFIX = ".enc"


def random_name(organization_id, area: str) -> str:
    """``org-<id>/<area>/<32 random hex digits>.enc``: the organization keeps files of
    tenants apart for backups and deletion; nothing else about the file is in its name."""
    return f"org-{organization_id}/{area}/{secrets.token_hex(16)}{ENCRYPTED_SUFFIX}"


class PrivateStorage(FileSystemStorage):
    """Files under MEDIA_ROOT/private that have no URL: only permission-checked views
    serve them. Follows MEDIA_ROOT when it changes (tests point it at a temp folder)."""

    @cached_property
    def base_location(self):
        return os.path.join(settings.MEDIA_ROOT, "private")

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a permission-checked view.")


class EncryptedStorage(PrivateStorage):
    """Private files encrypted at rest. Opening gives the plain bytes (read-only)."""

    def _save(self, name, content):
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        return super()._save(name, ContentFile(encrypt_bytes(data)))

    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wa+"):
            raise ValueError("Encrypted files are written whole through save(), never opened for writing.")
        return ContentFile(decrypt_bytes(self.read_raw(name)), name=name)

    def size(self, name):
        """The plain file's size (what a download sends), not the cipher text's."""
        return len(decrypt_bytes(self.read_raw(name)))

    # --- Raw access, for the migration that encrypts existing files and for key rotation ---

    def read_raw(self, name) -> bytes:
        with open(self.path(name), "rb") as handle:
            return handle.read()

    def replace_raw(self, name, data: bytes) -> None:
        """Replace a file's bytes at once (a reader sees the old or the new file, never half)."""
        path = self.path(name)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".rotate-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(tmp, self.file_permissions_mode)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def rotate(self, name) -> bool:
        """Re-encrypt one file with the current key; False if it is missing or not encrypted."""
        try:
            data = self.read_raw(name)
        except FileNotFoundError:
            return False
        if not is_encrypted_bytes(data):
            return False
        self.replace_raw(name, rotate_bytes(data))
        return True


_PRIVATE_STORAGE = PrivateStorage()
_ENCRYPTED_STORAGE = EncryptedStorage()


def private_storage() -> PrivateStorage:
    return _PRIVATE_STORAGE


def encrypted_storage() -> EncryptedStorage:
    return _ENCRYPTED_STORAGE
