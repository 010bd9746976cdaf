from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agreements.sealkey import CERT_FILENAME, KEY_FILENAME, generate_seal_key_pair, write_private


class Command(BaseCommand):
    help = (
        "Write a new key and self-signed certificate for sealing agreement PDFs "
        f"({KEY_FILENAME}, {CERT_FILENAME}) into a folder, for AGREEMENT_SIGNING_KEY and "
        "AGREEMENT_SIGNING_CERT. Every container (web, worker) must be given the same pair."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out-dir", required=True, help="Folder to write the two PEM files into.")
        parser.add_argument(
            "--organization", default=None, help="Who seals the PDFs, shown in the certificate (default: SITE_NAME)."
        )
        parser.add_argument("--days", type=int, default=3650, help="Validity of the certificate (default 3650).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace an existing pair. PDFs sealed with the old key verify only if its certificate "
            "stays in AGREEMENT_SIGNING_TRUSTED_CERTS.",
        )

    def handle(self, *args, out_dir, organization, days, force, **options):
        folder = Path(out_dir)
        key_path, cert_path = folder / KEY_FILENAME, folder / CERT_FILENAME
        existing = [str(p) for p in (key_path, cert_path) if p.exists()]
        if existing and not force:
            raise CommandError(
                f"{' and '.join(existing)} already exist. Replacing a seal key stops earlier PDFs from verifying "
                "unless the old certificate is kept in AGREEMENT_SIGNING_TRUSTED_CERTS; use --force if you mean it."
            )
        if days < 1:
            raise CommandError("--days must be at least 1.")
        organization = organization or settings.SITE_NAME
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_pem, cert_pem = generate_seal_key_pair(
            common_name=f"{organization} agreements seal", organization=organization, days=days
        )
        write_private(key_path, key_pem, mode=0o600)
        write_private(cert_path, cert_pem, mode=0o644)
        self.stdout.write(self.style.SUCCESS(f"Wrote {key_path} (private, mode 600) and {cert_path}."))
        self.stdout.write(
            "Give both to every container, e.g.\n"
            f"  AGREEMENT_SIGNING_KEY={key_path.resolve()}\n"
            f"  AGREEMENT_SIGNING_CERT={cert_path.resolve()}\n"
            "docker-compose.yml mounts secrets/ into web, worker and beat: the key must be readable by "
            "uid 1000 there (chown 1000 on the host). Back the key up: without it no new PDF can be sealed "
            "with the same certificate."
        )
