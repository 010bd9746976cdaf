"""Encrypt the two-factor secrets already stored in clear (allauth's Authenticator.data:
TOTP keys, recovery-code seeds and migrated codes) with FIELD_ENCRYPTION_KEYS. Reversible:
going back decrypts them, so the previous code still reads them."""

from django.db import migrations

from mentorship import mfa_secrets


def _rewrite(apps, function):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=["totp", "recovery_codes"]).iterator():
        data = mfa_secrets.map_secrets(authenticator.type, authenticator.data, function)
        if data != authenticator.data:
            Authenticator.objects.filter(pk=authenticator.pk).update(data=data)


def encrypt_existing(apps, schema_editor):
    _rewrite(apps, mfa_secrets.encrypt)


def decrypt_existing(apps, schema_editor):
    _rewrite(apps, mfa_secrets.decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0002_user_mfa_requirement_stamp"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False)]
