from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mentorship.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by manage.py backup into the configured database (which must be new and "
        "empty, unless --force) and the configured storage (media folder or bucket). Every file's SHA-256 "
        "is checked first and the row counts after. The keys come from the environment "
        "(FIELD_ENCRYPTION_KEYS, AGREEMENT_SIGNING_*), restored from the separate keys folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup-<timestamp> folder.")
        parser.add_argument(
            "--force", action="store_true", help="Replace what a non-empty database holds (pg_restore --clean)."
        )

    def handle(self, *args, backup, force=False, **options):
        try:
            result = restore_backup(Path(backup), force=force, log=self.stdout.write)
        except BackupError as error:
            raise CommandError(str(error)) from None
        files = ", ".join(f"{count} {alias}" for alias, count in result["files"].items())
        self.stdout.write(self.style.SUCCESS(f"Restored {len(result['tables'])} tables and files ({files})."))
