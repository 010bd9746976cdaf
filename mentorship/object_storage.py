"""``STORAGES`` for media and private files, read from the environment (settings.py).

Pure Python, no Django at import: settings call ``storages_from_env`` while they load.
Without ``S3_BUCKET`` files stay on the local disk under MEDIA_ROOT (the embedded
default: ``default`` for any public media, ``private`` for private and encrypted files).
With it they go to that S3-compatible bucket through django-storages, which makes the web
nodes stateless:

    S3_BUCKET             the bucket (must exist; it is never made public)
    S3_ENDPOINT_URL       the service's URL (MinIO, Ceph, Garage...); unset for AWS itself
    S3_ACCESS_KEY_ID      the access key pair; both or neither (neither: boto3's own chain,
    S3_SECRET_ACCESS_KEY  e.g. an instance role)
    S3_REGION             default us-east-1
    S3_PREFIX             optional folder in the bucket, e.g. ``mentorship/``

Every object is written with the ``private`` ACL. Private files have no URL at all: the
permission-checked views stream them. Public media, if any, get signed URLs that expire
after five minutes, so the bucket never needs public read.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

S3_VARIABLES = ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION", "S3_PREFIX")
LOCAL_PRIVATE_BACKEND = "mentorship.storage.LocalPrivateStorage"
S3_PRIVATE_BACKEND = "mentorship.s3.PrivateS3Storage"
S3_MEDIA_BACKEND = "storages.backends.s3.S3Storage"
SIGNED_URL_SECONDS = 300


class StorageConfigError(ValueError):
    """The S3_* variables do not make a usable configuration (settings turn this into
    ImproperlyConfigured)."""


def _value(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or "").strip()


def s3_options(environ: Mapping[str, str]) -> dict | None:
    """The django-storages options shared by both aliases, or None without S3_BUCKET."""
    bucket = _value(environ, "S3_BUCKET")
    if not bucket:
        stray = [name for name in S3_VARIABLES if _value(environ, name)]
        if stray:
            raise StorageConfigError(
                f"{', '.join(stray)} set but S3_BUCKET is not: set S3_BUCKET to store files in the bucket, "
                "or unset the S3_* variables to keep them on the local disk (MEDIA_ROOT)."
            )
        return None
    if "/" in bucket or " " in bucket:
        raise StorageConfigError(f"S3_BUCKET={bucket!r} is not a bucket name (no slashes or spaces).")
    endpoint = _value(environ, "S3_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise StorageConfigError(
                f"S3_ENDPOINT_URL={endpoint!r} is not an http(s) URL (e.g. https://s3.example.org or "
                "http://minio:9000)."
            )
    key_id, secret = _value(environ, "S3_ACCESS_KEY_ID"), _value(environ, "S3_SECRET_ACCESS_KEY")
    if bool(key_id) != bool(secret):
        missing = "S3_SECRET_ACCESS_KEY" if key_id else "S3_ACCESS_KEY_ID"
        raise StorageConfigError(
            f"{missing} is not set: give both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither "
            "(then boto3 finds credentials itself, e.g. an instance role)."
        )
    prefix = _value(environ, "S3_PREFIX").strip("/")
    if ".." in prefix.split("/"):
        raise StorageConfigError(f"S3_PREFIX={prefix!r} may not contain '..'.")
    options = {
        "bucket_name": bucket,
        "region_name": _value(environ, "S3_REGION") or "us-east-1",
        "endpoint_url": endpoint or None,
        "access_key": key_id or None,
        "secret_key": secret or None,
        "default_acl": "private",
        "object_parameters": {"ACL": "private"},
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": SIGNED_URL_SECONDS,
        # Path-style addressing works with every S3-compatible server (MinIO, moto, Ceph).
        "addressing_style": "path",
        "signature_version": "s3v4",
    }
    return {"prefix": prefix, "options": options}


def storages_from_env(environ: Mapping[str, str], *, staticfiles_backend: str) -> dict:
    """Django's ``STORAGES``: ``default`` (public media), ``private`` (private and
    encrypted files, mentorship.storage) and ``staticfiles``."""
    s3 = s3_options(environ)
    static = {"BACKEND": staticfiles_backend}
    if s3 is None:
        return {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "private": {"BACKEND": LOCAL_PRIVATE_BACKEND},
            "staticfiles": static,
        }

    def under(folder: str) -> str:
        return f"{s3['prefix']}/{folder}" if s3["prefix"] else folder

    return {
        "default": {"BACKEND": S3_MEDIA_BACKEND, "OPTIONS": {**s3["options"], "location": under("media")}},
        "private": {
            "BACKEND": S3_PRIVATE_BACKEND,
            "OPTIONS": {**s3["options"], "location": under("private"), "querystring_auth": False},
        },
        "staticfiles": static,
    }
