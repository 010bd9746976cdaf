from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, models, transaction

from mentorship import mfa_secrets
from mentorship.fields import PREFIX, EncryptedTextField, rotate
from mentorship.storage import EncryptedStorage


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted column and file, and the two-factor secrets, with the first key of "
        "FIELD_ENCRYPTION_KEYS. "
        "Put the new key first, keep the old keys after it, run this, then drop the old keys."
    )

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            pk = connection.ops.quote_name(model._meta.pk.column)
            for field in fields:
                column = connection.ops.quote_name(field.column)
                with transaction.atomic(), connection.cursor() as cursor:
                    # Raw SQL on purpose: read and write the ciphertext without decrypting
                    # into model instances (and without tenant scoping: this is a key job).
                    cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} LIKE %s", [PREFIX + "%"])  # noqa: S608
                    rows = cursor.fetchall()
                    for row_pk, value in rows:
                        # Only if unchanged since read: a value saved meanwhile already
                        # uses the current key, and must not be replaced by the old text.
                        cursor.execute(
                            f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",  # noqa: S608
                            [rotate(value), row_pk, value],
                        )
                    total += len(rows)
                self.stdout.write(f"{model._meta.label}.{field.name}: {len(rows)} values re-encrypted")
        total += self._rotate_mfa_secrets()
        files = self._rotate_files()
        self.stdout.write(self.style.SUCCESS(f"Done: {total} values and {files} files now use the current key."))

    def _rotate_mfa_secrets(self) -> int:
        """Two-factor secrets live inside allauth's JSON (mentorship.mfa_secrets): each
        row is re-encrypted under its lock, so a code being used meanwhile is not lost."""
        count = 0
        pks = Authenticator.objects.filter(type__in=["totp", "recovery_codes"]).values_list("pk", flat=True)
        for pk in list(pks):
            with transaction.atomic():
                authenticator = Authenticator.objects.select_for_update().filter(pk=pk).first()
                if authenticator is None:
                    continue
                data = mfa_secrets.map_secrets(authenticator.type, authenticator.data, mfa_secrets.rotate)
                Authenticator.objects.filter(pk=pk).update(data=data)
                count += 1
        self.stdout.write(f"mfa.Authenticator.data: {count} two-factor secrets re-encrypted")
        return count

    def _rotate_files(self) -> int:
        """Every file of an encrypted FileField, rewritten whole (atomically) with the new key.
        Stored files never change in place (a new upload gets a new name), so a file
        rewritten here cannot overwrite a newer one."""
        total = 0
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.FileField) or not isinstance(field.storage, EncryptedStorage):
                    continue
                names = model._base_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
                done = sum(1 for name in names.iterator() if field.storage.rotate(name))
                total += done
                self.stdout.write(f"{model._meta.label}.{field.name}: {done} files re-encrypted")
        return total
