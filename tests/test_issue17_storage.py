"""Issue 17: private and encrypted files in an S3-compatible bucket (moto on loopback).

With S3_BUCKET set, the CV and the sealed agreement PDF go to the bucket through
django-storages: read back decrypted through the FileField, stored as cipher text only,
downloaded through the permission-checked views (404 for a member of another
organization), re-encrypted in place by ``rotate_field_keys``; and the S3_* variables
that do not make a configuration stop the settings with a clear message.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.files.storage import storages
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from mentorship.object_storage import StorageConfigError, storages_from_env
from mentorship.storage import encrypted_storage, private_storage
from programs.models import Profile
from programs.services import profiles as profile_services
from tests import s3_support
from tests.s3_support import bucket_objects, s3_environment

# The moto server (one per session) and a fresh bucket per test (tests/s3_support.py).
moto_endpoint, s3_storage = s3_support.moto_endpoint, s3_support.s3_storage

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\nCV of Ana Souza"


def _upload_cv(membership) -> Profile:
    from django.core.files.uploadedfile import SimpleUploadedFile

    with scope(organization=membership.organization):
        profile_services.profile_cv_upload(
            actor=membership, upload=SimpleUploadedFile("cv.pdf", PDF, content_type="application/pdf")
        )
    with scopes_disabled():
        return Profile.objects.get(membership=membership)


def test_the_cv_goes_to_the_bucket_encrypted_and_comes_back_through_the_view(
    client, member_a, coordinator_b, s3_storage, tmp_path, settings
):
    endpoint, bucket = s3_storage
    settings.MEDIA_ROOT = tmp_path / "media"
    profile = _upload_cv(member_a)
    assert profile.cv.name.startswith(f"org-{member_a.organization_id}/cvs/")
    # In the bucket under the prefix, as cipher text only; nothing on the local disk.
    objects = bucket_objects(endpoint, bucket)
    assert list(objects) == [f"tenant-files/private/{profile.cv.name}"]
    stored = objects[f"tenant-files/private/{profile.cv.name}"]
    assert stored.startswith(b"enc1:") and b"%PDF" not in stored and b"Ana Souza" not in stored
    assert not (tmp_path / "media").exists()
    # Read back decrypted through the field and the storage.
    with profile.cv.open("rb") as handle:
        assert handle.read() == PDF
    assert encrypted_storage().size(profile.cv.name) == len(PDF)
    # The owner downloads it through the permission-checked view; another organization's
    # member gets 404 under either organization's address.
    client.force_login(member_a.user)
    response = client.get(f"/o/alpha/profile/{profile.pk}/cv/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    client.force_login(coordinator_b.user)
    assert client.get(f"/o/alpha/profile/{profile.pk}/cv/").status_code == 404
    assert client.get(f"/o/bravo/profile/{profile.pk}/cv/").status_code == 404


def test_private_files_in_the_bucket_have_no_url(member_a, s3_storage):
    profile = _upload_cv(member_a)
    for storage in (encrypted_storage(), private_storage(), storages["private"]):
        with pytest.raises(ValueError, match="permission-checked view"):
            storage.url(profile.cv.name)
    # The objects are written with the private ACL: no public read grant.
    from tests.s3_support import s3_client

    endpoint, bucket = s3_storage
    grants = s3_client(endpoint).get_object_acl(Bucket=bucket, Key=f"tenant-files/private/{profile.cv.name}")
    assert not [g for g in grants["Grants"] if "AllUsers" in str(g.get("Grantee", {}).get("URI", ""))]


def test_replacing_a_cv_deletes_the_old_object(member_a, s3_storage, django_capture_on_commit_callbacks):
    endpoint, bucket = s3_storage
    with django_capture_on_commit_callbacks(execute=True):
        first = _upload_cv(member_a).cv.name
        second = _upload_cv(member_a).cv.name
    assert first != second
    assert list(bucket_objects(endpoint, bucket)) == [f"tenant-files/private/{second}"]


def test_key_rotation_re_encrypts_the_objects_in_the_bucket(member_a, s3_storage, settings):
    endpoint, bucket = s3_storage
    profile = _upload_cv(member_a)
    key = f"tenant-files/private/{profile.cv.name}"
    before = bucket_objects(endpoint, bucket)[key]
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    after = bucket_objects(endpoint, bucket)
    assert list(after) == [key]  # the same object, replaced in place
    assert after[key] != before and after[key].startswith(b"enc1:") and b"%PDF" not in after[key]
    with scopes_disabled():
        assert Profile.objects.get(pk=profile.pk).cv.read() == PDF


@pytest.mark.pdf
@pytest.mark.clock("2025-03-06 10:00")
def test_the_sealed_agreement_pdf_is_stored_in_the_bucket_and_verifies(client, org_a, coordinator_b, s3_storage):
    from agreements.models import Agreement
    from agreements.pdf import verify_pdf
    from agreements.tasks import render_agreement_pdf_task
    from tests.agreements.test_pdf import make_signed_agreement

    endpoint, bucket = s3_storage
    agreement = make_signed_agreement(org_a)
    render_agreement_pdf_task(agreement.pk)
    with scopes_disabled():
        agreement = Agreement.objects.get(pk=agreement.pk)
        data = agreement.pdf.read()
    assert verify_pdf(data)[0]
    stored = bucket_objects(endpoint, bucket)[f"tenant-files/private/{agreement.pdf.name}"]
    assert stored.startswith(b"enc1:") and b"%PDF" not in stored
    client.force_login(agreement.mentorship.mentor.user)
    response = client.get(f"/o/alpha/agreements/{agreement.pk}/pdf/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == data
    client.force_login(coordinator_b.user)
    assert client.get(f"/o/alpha/agreements/{agreement.pk}/pdf/").status_code == 404
    assert client.get(f"/o/bravo/agreements/{agreement.pk}/pdf/").status_code == 404


# --- Configuration ------------------------------------------------------------------------------


def test_without_a_bucket_files_stay_on_the_local_disk():
    config = storages_from_env({}, staticfiles_backend="x")
    assert config["private"] == {"BACKEND": "mentorship.storage.LocalPrivateStorage"}
    assert config["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_the_bucket_is_private_with_the_prefix_and_the_default_region():
    env = s3_environment("http://127.0.0.1:9000", "files", prefix="/team/")
    del env["S3_REGION"]
    config = storages_from_env(env, staticfiles_backend="x")
    private, media = config["private"]["OPTIONS"], config["default"]["OPTIONS"]
    assert private["location"] == "team/private" and media["location"] == "team/media"
    assert private["region_name"] == "us-east-1" and private["default_acl"] == "private"
    assert private["querystring_auth"] is False  # private files get no URL at all
    assert media["querystring_auth"] is True and media["querystring_expire"] <= 600  # signed, short-lived
    assert private["endpoint_url"] == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"S3_ENDPOINT_URL": "http://minio:9000"}, "S3_BUCKET is not"),
        ({"S3_BUCKET": "files", "S3_ACCESS_KEY_ID": "id"}, "S3_SECRET_ACCESS_KEY is not set"),
        ({"S3_BUCKET": "files", "S3_SECRET_ACCESS_KEY": "secret"}, "S3_ACCESS_KEY_ID is not set"),
        ({"S3_BUCKET": "files", "S3_ENDPOINT_URL": "minio:9000"}, "not an http(s) URL"),
        ({"S3_BUCKET": "a/b"}, "not a bucket name"),
        ({"S3_BUCKET": "files", "S3_PREFIX": "x/../y"}, "may not contain"),
    ],
)
def test_a_misconfigured_bucket_is_refused_with_a_message(env, message):
    with pytest.raises(StorageConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        storages_from_env(env, staticfiles_backend="x")


def test_settings_refuse_to_start_with_a_misconfigured_bucket():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "DJANGO_SETTINGS"))}
    env.update(DEBUG="1", S3_BUCKET="files", S3_ACCESS_KEY_ID="id", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", "import mentorship.settings"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "S3_SECRET_ACCESS_KEY is not set" in result.stderr


def test_a_placeholder_bucket_secret_stops_production_startup():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "DJANGO_SETTINGS"))}
    env.update(
        DEBUG="0",
        SECRET_KEY="x" * 64,
        SITE_URL="https://mentorship.example.org",
        ALLOWED_HOSTS="mentorship.example.org",
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        S3_BUCKET="files",
        S3_ACCESS_KEY_ID="id",
        S3_SECRET_ACCESS_KEY="change-me",
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-c", "import mentorship.settings"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode != 0
    assert "S3_SECRET_ACCESS_KEY is still a placeholder" in result.stderr


def test_the_start_up_check_names_a_missing_bucket(settings, moto_endpoint):
    from mentorship.checks import bucket_is_reachable

    env = s3_environment(moto_endpoint, "no-such-bucket-here")
    settings.STORAGES = storages_from_env(env, staticfiles_backend=settings.STORAGES["staticfiles"]["BACKEND"])
    (error,) = bucket_is_reachable(None)
    assert error.id == "mentorship.E101" and "'no-such-bucket-here' does not exist" in error.msg


def test_the_start_up_check_passes_on_the_local_disk_and_a_bucket_that_answers(s3_storage, settings):
    from mentorship.checks import bucket_is_reachable

    assert bucket_is_reachable(None) == []
    settings.STORAGES = storages_from_env({}, staticfiles_backend=settings.STORAGES["staticfiles"]["BACKEND"])
    assert bucket_is_reachable(None) == []


def test_a_damaged_or_incomplete_backup_is_refused_before_anything_is_restored(tmp_path):
    import hashlib
    import json

    from mentorship.backup import FORMAT, BackupError, verify_backup

    dump = b"SQLite format 3\x00 the database"
    cv = b"enc1:gAAAA-cipher"
    (tmp_path / "files" / "private" / "org-1" / "cvs").mkdir(parents=True)
    (tmp_path / "database.sqlite3").write_bytes(dump)
    (tmp_path / "files" / "private" / "org-1" / "cvs" / "a.enc").write_bytes(cv)
    manifest = {
        "format": FORMAT,
        "database": {"vendor": "sqlite", "file": "database.sqlite3", "sha256": hashlib.sha256(dump).hexdigest()},
        "files": {"private": {"org-1/cvs/a.enc": hashlib.sha256(cv).hexdigest(), "org-1/cvs/b.enc": "0" * 64}},
        "tables": {},
        "migration_head": {},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="files/private/org-1/cvs/b.enc is missing"):
        verify_backup(tmp_path)
    del manifest["files"]["private"]["org-1/cvs/b.enc"]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert verify_backup(tmp_path)["database"]["file"] == "database.sqlite3"
    (tmp_path / "files" / "private" / "org-1" / "cvs" / "a.enc").write_bytes(cv + b"x")
    with pytest.raises(BackupError, match="a.enc does not match its SHA-256"):
        verify_backup(tmp_path)
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(BackupError, match="is not a backup"):
        verify_backup(tmp_path)
