"""Two-factor secrets are encrypted at rest and never shown in the admin (issue 13, item 5)."""

import importlib
import json
import re
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils.html import escape

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HEX_SEED = re.compile(r"[0-9a-f]{80}")  # allauth's recovery-code seed: token_hex(40)


def _code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())  # the current step is the middle one
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def _raw_data(authenticator_id: int) -> str:
    """The column as the database holds it, without the ORM."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [authenticator_id])
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else json.dumps(value)


def _activate_totp(client, user) -> str:
    """Set up an authenticator app through allauth's pages, as a person does; the secret."""
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    response = client.get("/accounts/2fa/totp/activate/")
    if response.status_code == 302:  # asks for the password again first
        client.post(response["Location"], {"password": PASSWORD})
        client.get("/accounts/2fa/totp/activate/")
    secret = client.session[SECRET_SESSION_KEY]
    client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    return secret


@pytest.fixture
def enrolled(client):
    user = UserFactory()
    secret = _activate_totp(client, user)
    client.logout()
    totp = Authenticator.objects.get(user=user, type="totp")
    codes = Authenticator.objects.get(user=user, type="recovery_codes")
    return user, secret, totp, codes


def _seed(codes: Authenticator) -> str:
    return decrypt(Authenticator.objects.get(pk=codes.pk).data["seed"])  # through the MFA adapter


def test_the_database_holds_no_readable_secret(enrolled):
    user, secret, totp, codes = enrolled
    raw_totp, raw_codes = _raw_data(totp.pk), _raw_data(codes.pk)
    assert secret not in raw_totp and '"secret": "enc1:' in raw_totp.replace('":"', '": "')
    seed = _seed(codes)
    assert HEX_SEED.fullmatch(seed)
    assert seed not in raw_codes and not HEX_SEED.search(raw_codes)
    # Not a single recovery code can be derived from what the row holds.
    for recovery_code in RecoveryCodes(Authenticator.objects.get(pk=codes.pk)).get_unused_codes():
        assert recovery_code not in raw_codes


def _sign_in_with(client, user, code) -> bool:
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    client.post("/accounts/2fa/authenticate/", {"code": code})
    return client.session.get("_auth_user_id") == str(user.pk)


def test_signing_in_with_the_app_and_with_a_recovery_code_still_works(client, enrolled):
    user, secret, _, codes = enrolled
    assert not _sign_in_with(client, user, "000000")
    assert _sign_in_with(client, user, _code(secret))
    client.logout()
    recovery_code = RecoveryCodes(Authenticator.objects.get(pk=codes.pk)).get_unused_codes()[0]
    assert _sign_in_with(client, user, recovery_code)
    client.logout()
    assert recovery_code not in RecoveryCodes(Authenticator.objects.get(pk=codes.pk)).get_unused_codes()
    assert not _sign_in_with(client, user, recovery_code)  # used once


def test_the_admin_never_shows_the_secret(client, enrolled):
    user, secret, totp, codes = enrolled
    seed = _seed(codes)
    ciphertexts = [
        Authenticator.objects.get(pk=totp.pk).data["secret"],
        Authenticator.objects.get(pk=codes.pk).data["seed"],
    ]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    pages = [
        "/admin/mfa/authenticator/",
        f"/admin/mfa/authenticator/{totp.pk}/change/",
        f"/admin/mfa/authenticator/{codes.pk}/change/",
        f"/admin/mfa/authenticator/{totp.pk}/history/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert escape(str(user)) in page or "history" in url, url
        for forbidden in (secret, seed, *ciphertexts, "used_mask"):
            assert forbidden not in page, (url, forbidden)
    # Staff can still remove an authenticator someone lost.
    response = client.post(f"/admin/mfa/authenticator/{totp.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Authenticator.objects.filter(pk=totp.pk).exists()


def test_key_rotation_re_encrypts_the_secrets(client, settings, enrolled):
    user, secret, totp, codes = enrolled
    before = _raw_data(totp.pk), _raw_data(codes.pk)
    old_key, new_key = settings.FIELD_ENCRYPTION_KEYS[0], Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    after = _raw_data(totp.pk), _raw_data(codes.pk)
    assert after[0] != before[0] and after[1] != before[1]
    assert secret not in after[0] and not HEX_SEED.search(after[1])
    assert _sign_in_with(client, user, _code(secret))


def _data_migration():
    """The data migration, found by name (its number may change when branches merge)."""
    (path,) = Path(apps.get_app_config("mentorship").path, "migrations").glob("*_encrypt_mfa_secrets.py")
    return importlib.import_module(f"mentorship.migrations.{path.stem}")


def test_the_data_migration_encrypts_rows_stored_in_clear_and_sign_in_still_works(client, settings):
    user = UserFactory()
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    seed = "ab" * 40
    # Rows as allauth wrote them before this change (no encryption hook).
    totp = Authenticator.objects.create(user=user, type="totp", data={"secret": secret})
    codes = Authenticator.objects.create(
        user=user, type="recovery_codes", data={"seed": seed, "used_mask": 0, "migrated_codes": ["12345678"]}
    )
    plain_codes = RecoveryCodes(codes).get_unused_codes()
    migration = _data_migration()
    migration.encrypt_existing(apps, None)
    migration.encrypt_existing(apps, None)  # running twice changes nothing
    assert secret not in _raw_data(totp.pk) and seed not in _raw_data(codes.pk)
    assert "12345678" not in _raw_data(codes.pk)
    assert RecoveryCodes(Authenticator.objects.get(pk=codes.pk)).get_unused_codes() == plain_codes
    assert TOTP(Authenticator.objects.get(pk=totp.pk)).validate_code(_code(secret))
    # And back: the previous code reads them in clear again.
    migration.decrypt_existing(apps, None)
    assert Authenticator.objects.get(pk=totp.pk).data["secret"] == secret
    assert Authenticator.objects.get(pk=codes.pk).data["seed"] == seed


def test_rotation_also_encrypts_a_secret_left_in_clear():
    user = UserFactory()
    totp = Authenticator.objects.create(user=user, type="totp", data={"secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"})
    call_command("rotate_field_keys")
    assert "JBSWY3DPEHPK3PXP" not in _raw_data(totp.pk)
