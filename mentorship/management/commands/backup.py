from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mentorship.backup import BackupError, create_backup, write_keys


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc, or a copy of the SQLite file) and every stored file (the media "
        "folder or the bucket) into <destination>/backup-<UTC timestamp>/, with a manifest of row counts and "
        "SHA-256s. The keys are not in it: --keys-to <folder> writes FIELD_ENCRYPTION_KEYS and the seal key "
        "pair to a separate folder, to keep apart from the data (README, Backups and restore)."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", nargs="?", help="Folder the backup folder is made in.")
        parser.add_argument(
            "--keys-to",
            metavar="FOLDER",
            help="Also write the keys, into keys-<UTC timestamp>/ under this folder (never the backup's).",
        )

    def handle(self, *args, destination=None, keys_to=None, **options):
        if not destination and not keys_to:
            raise CommandError("Give the folder to back up into, and/or --keys-to <folder> for the keys.")
        try:
            folder = None
            if destination:
                folder = create_backup(Path(destination), log=self.stdout.write)
                self.stdout.write(self.style.SUCCESS(f"Backup written to {folder}"))
            if keys_to:
                keys = write_keys(Path(keys_to), backup_folder=folder)
                self.stdout.write(
                    self.style.SUCCESS(f"Keys written to {keys}: store them apart from the backups (README).")
                )
        except BackupError as error:
            raise CommandError(str(error)) from None
