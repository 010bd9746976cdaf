"""Private files: with no URL (only permission-checked views serve them), and, for
everything that belongs to a pair or to a person's pairing (CVs, IDPs, sealed agreement
PDFs), encrypted at rest with the field-encryption keys.

Where the bytes live is Django's ``STORAGES["private"]`` (see settings): the local disk
under MEDIA_ROOT/private by default (``LocalPrivateStorage``), or a private S3-compatible
bucket when ``S3_BUCKET`` is set (``mentorship.s3.PrivateS3Storage``). ``PrivateStorage``
and ``EncryptedStorage`` wrap whichever backend is configured, looked up on every call,
so overriding ``STORAGES`` or ``MEDIA_ROOT`` (tests, the restore command) reaches the
FileFields that were given these storages when the models loaded. The FileFields name the
callables ``private_storage``/``encrypted_storage``, so their migrations do not depend on
the backend.

``EncryptedStorage`` encrypts a file's bytes when it is saved and decrypts them when it
is opened, so every reader (download views, the PDF task, tests reading ``field.read()``)
sees the plain file, and the disk or bucket holds only ``enc1:`` + a Fernet token. The
files are small (a PDF of at most a few MB), so they are encrypted in memory. Their names
are random (``random_name``): a name says nothing about its person, pair or content.
``manage.py rotate_field_keys`` re-encrypts them with the current key (``replace_raw``).
"""

import os
import secrets
import tempfile

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property

from mentorship.fields import decrypt_bytes, encrypt_bytes, is_encrypted_bytes, rotate_bytes

ENCRYPTED_SUFFIX = ".enc"
PRIVATE_ALIAS = "private"
NO_URL = "Private files have no URL; serve them through a permission-checked view."


def random_name(organization_id, area: str) -> str:
    """``org-<id>/<area>/<32 random hex digits>.enc``: the organization keeps files of
    tenants apart for backups and deletion; nothing else about the file is in its name."""
    return f"org-{organization_id}/{area}/{secrets.token_hex(16)}{ENCRYPTED_SUFFIX}"


class LocalPrivateStorage(FileSystemStorage):
    """The embedded backend: files under MEDIA_ROOT/private, with no URL. Follows
    MEDIA_ROOT when it changes (tests point it at a temp folder)."""

    @cached_property
    def base_location(self):
        return os.path.join(settings.MEDIA_ROOT, "private")

    def url(self, name):
        raise ValueError(NO_URL)

    def replace(self, name, data: bytes) -> None:
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

    def walk_names(self):
        """Every stored file's name, relative to the storage (for backups)."""
        root = self.location
        for folder, _dirs, files in os.walk(root):
            for file_name in files:
                yield os.path.relpath(os.path.join(folder, file_name), root).replace(os.sep, "/")


def private_backend() -> Storage:
    """The configured backend of private files (``STORAGES["private"]``)."""
    return storages[PRIVATE_ALIAS]


class PrivateStorage(Storage):
    """Private files with no URL, on the configured backend: only permission-checked
    views serve them."""

    @property
    def backend(self) -> Storage:
        return private_backend()

    def __getattr__(self, attribute):
        # ``location``, ``path`` ... of the backend (the local one has them, S3 has no path).
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        return getattr(self.backend, attribute)

    def save(self, name, content, max_length=None):
        return self.backend.save(name, content, max_length=max_length)

    def _open(self, name, mode="rb"):
        return self.backend.open(name, mode)

    def _save(self, name, content):  # pragma: no cover - save() hands the file to the backend
        return self.backend.save(name, content)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def listdir(self, path):
        return self.backend.listdir(path)

    def size(self, name):
        return self.backend.size(name)

    def path(self, name):
        return self.backend.path(name)

    def get_modified_time(self, name):
        return self.backend.get_modified_time(name)

    def url(self, name):
        raise ValueError(NO_URL)

    # --- Raw access: backups, the migration that encrypted existing files, key rotation ---

    def read_raw(self, name) -> bytes:
        """The stored bytes as they are (cipher text for encrypted files)."""
        with self.backend.open(name, "rb") as handle:
            return handle.read()

    def replace_raw(self, name, data: bytes) -> None:
        """Replace a stored file's bytes under the same name, at once: the local disk
        renames a temp file over it, S3 replaces the object in one PUT."""
        replace = getattr(self.backend, "replace", None)
        if replace is None:
            raise TypeError(
                f"The private storage backend {type(self.backend).__name__} cannot replace a file "
                "in place; use mentorship.storage.LocalPrivateStorage or mentorship.s3.PrivateS3Storage."
            )
        replace(name, data)

    def walk_names(self):
        """Every stored file's name (the whole backend, every organization)."""
        return self.backend.walk_names()


class EncryptedStorage(PrivateStorage):
    """Private files encrypted at rest. Opening gives the plain bytes (read-only)."""

    def save(self, name, content, max_length=None):
        if name is None:
            name = content.name
        if hasattr(content, "seek"):
            content.seek(0)
        data = content.read()
        if isinstance(data, str):
            data = data.encode("utf-8")
        return self.backend.save(name, ContentFile(encrypt_bytes(data), name=name), max_length=max_length)

    def _open(self, name, mode="rb"):
        if any(flag in mode for flag in "wa+"):
            raise ValueError("Encrypted files are written whole through save(), never opened for writing.")
        return ContentFile(decrypt_bytes(self.read_raw(name)), name=name)

    def size(self, name):
        """The plain file's size (what a download sends), not the cipher text's."""
        return len(decrypt_bytes(self.read_raw(name)))

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
