"""System checks (``manage.py check``, and ``migrate``, which the web container runs at start):
the configured seal key must load and belong to the configured certificate, or every PDF
the worker seals would fail /verify/."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def seal_key_matches_certificate(app_configs, **kwargs):
    key_setting = getattr(settings, "AGREEMENT_SIGNING_KEY", None)
    cert_setting = getattr(settings, "AGREEMENT_SIGNING_CERT", None)
    if not (key_setting and cert_setting):
        return []  # settings refuse this when DEBUG is off; in DEBUG a development pair is made
    from agreements.pdf import read_material
    from agreements.sealkey import key_matches_certificate

    password = getattr(settings, "AGREEMENT_SIGNING_KEY_PASSWORD", None)
    try:
        matches = key_matches_certificate(
            read_material(key_setting), read_material(cert_setting), password.encode() if password else None
        )
    except (OSError, ValueError, TypeError) as error:
        return [
            checks.Error(
                f"The agreement seal key or certificate cannot be read: {error}",
                hint="AGREEMENT_SIGNING_KEY and AGREEMENT_SIGNING_CERT hold PEM text or paths to PEM/DER files; "
                "an encrypted key needs AGREEMENT_SIGNING_KEY_PASSWORD.",
                id="agreements.E001",
            )
        ]
    if not matches:
        return [
            checks.Error(
                "AGREEMENT_SIGNING_CERT is not the certificate of AGREEMENT_SIGNING_KEY.",
                hint="Use the two files of one pair (manage.py generate_seal_key writes both).",
                id="agreements.E002",
            )
        ]
    return []
