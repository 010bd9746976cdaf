"""Data-migration operations that encrypt what was stored in clear (and decrypt it again
when the migration is reversed), for the fields turned into EncryptedTextField /
EncryptedJSONField and the files moved to EncryptedStorage.

Text is read and written with raw SQL, so the historical model's field class does not
matter; a value already encrypted (``enc1:``) is left alone, so a migration run twice, or
over rows saved by the new code meanwhile, changes nothing. Files are rewritten under a
new random name (the old names said whose file it was) and the old file is deleted once
the migration commits.
"""

import json
from functools import partial

from django.core.files.base import ContentFile
from django.db import migrations, transaction

from mentorship.fields import PREFIX, decrypt, decrypt_bytes, encrypt, is_encrypted_bytes
from mentorship.storage import ENCRYPTED_SUFFIX, EncryptedStorage, PrivateStorage, random_name


def _fire_deferred_checks(schema_editor) -> None:
    """On PostgreSQL, run the deferred foreign-key checks these updates queued now: a later
    ALTER TABLE in the same migration (e.g. content back to jsonb when reversing) is refused
    while "pending trigger events" remain."""
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _transform_columns(apps, schema_editor, *, app_label, model_name, field_names, forward):
    model = apps.get_model(app_label, model_name)
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    for field_name in field_names:
        column = quote(model._meta.get_field(field_name).column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
            rows = cursor.fetchall()
            for row_pk, value in rows:
                if isinstance(value, (dict, list)):  # a JSON column the driver decoded
                    value = json.dumps(value, ensure_ascii=False, sort_keys=True)
                if value == "" or value.startswith(PREFIX) == forward:
                    continue  # empty, or already as this direction leaves it
                new = encrypt(value) if forward else decrypt(value)
                cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", [new, row_pk])  # noqa: S608
    _fire_deferred_checks(schema_editor)


def encrypt_columns(app_label: str, model_name: str, *field_names: str) -> migrations.RunPython:
    """Encrypt the existing values of these columns (reverse: decrypt them)."""
    options = {"app_label": app_label, "model_name": model_name, "field_names": field_names}
    return migrations.RunPython(
        partial(_transform_columns, forward=True, **options),
        partial(_transform_columns, forward=False, **options),
    )


def _transform_files(apps, schema_editor, *, app_label, model_name, field_name, area, forward):
    model = apps.get_model(app_label, model_name)
    encrypted, plain = EncryptedStorage(), PrivateStorage()
    manager = model._base_manager
    rows = manager.exclude(**{field_name: ""}).values_list("pk", "organization_id", field_name)
    for row_pk, organization_id, name in rows:
        try:
            raw = encrypted.read_raw(name)
        except FileNotFoundError:
            continue  # a missing file stays missing: its download already says so
        if is_encrypted_bytes(raw) == forward:
            continue
        if forward:
            new_name = encrypted.save(random_name(organization_id, area), ContentFile(raw))
        else:
            target = random_name(organization_id, area).removesuffix(ENCRYPTED_SUFFIX) + ".pdf"
            new_name = plain.save(target, ContentFile(decrypt_bytes(raw)))
        manager.filter(pk=row_pk).update(**{field_name: new_name})
        transaction.on_commit(partial(plain.delete, name), using=schema_editor.connection.alias)
    _fire_deferred_checks(schema_editor)


def encrypt_files(app_label: str, model_name: str, field_name: str, area: str) -> migrations.RunPython:
    """Encrypt the existing files of this FileField under new random names (reverse:
    decrypt them, again under new names)."""
    options = {"app_label": app_label, "model_name": model_name, "field_name": field_name, "area": area}
    return migrations.RunPython(
        partial(_transform_files, forward=True, **options),
        partial(_transform_files, forward=False, **options),
    )
