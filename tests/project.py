"""The project's own apps, read from INSTALLED_APPS: the sweeps over the code (forms, emails,
client addresses, query names, encrypted fields) take this list, so a new app is swept the
day it is installed instead of being left out of a hand-written tuple."""

from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

PROJECT_APPS: tuple[str, ...] = tuple(
    app for app in settings.INSTALLED_APPS if "." not in app and (ROOT / app / "apps.py").is_file()
)
