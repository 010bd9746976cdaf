"""The S3-compatible backends (django-storages), used when ``S3_BUCKET`` is set.

Kept apart from ``mentorship.storage`` so boto3 is imported only when a bucket is
configured. The bucket stays private: objects are written with the ``private`` ACL,
private files have no URL at all (permission-checked views stream them), and public
media get only short-lived signed URLs.
"""

from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage

from mentorship.storage import NO_URL


class PrivateS3Storage(S3Storage):
    """Private (and encrypted) files in the bucket, under ``<S3_PREFIX>private/``."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError(NO_URL)

    def replace(self, name, data: bytes) -> None:
        """Replace an object's bytes under the same key: S3 swaps the object in one PUT,
        so a reader gets the old or the new bytes, never half."""
        self._save(name, ContentFile(data))

    def walk_names(self):
        """Every object's name under this storage's prefix, relative to it."""
        prefix = self.location.rstrip("/") + "/" if self.location else ""
        for item in self.bucket.objects.filter(Prefix=prefix):
            yield item.key[len(prefix) :]
