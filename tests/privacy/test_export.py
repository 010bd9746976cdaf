"""The export (GDPR art. 15 and 20): the ZIP read back, progress, the emailed link."""

import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from privacy.models import DataExport, ExportStatus
from privacy.services import exports
from tests.conftest import wait_for
from tests.factories import UserFactory
from tests.privacy import world as w

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-10 10:00")]

HOME = "/profile/privacy/"


@pytest.fixture
def world(org_a, org_b):
    return w.build(org_a, org_b)


def _ask(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/profile/privacy/exports/")
    assert response.status_code == 302
    return DataExport.objects.filter(user=user).latest("pk")


def _link(message) -> str:
    return re.search(r"https?://\S+/profile/privacy/exports/\d+/download/\S+/", message.body).group(0)


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _zip(client, url) -> zipfile.ZipFile:
    response = client.get(_path(url))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_zip_holds_the_persons_data_and_nothing_of_others(client, world, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    export = _ask(client, world.nia.user, django_capture_on_commit_callbacks)
    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.progress == 100 and export.size > 0
    assert export.expires_at == export.ready_at + timedelta(days=7)
    (message,) = [m for m in mail.outbox if m.to == ["nia@example.org"]]
    archive = _zip(client, _link(message))
    names = set(archive.namelist())
    assert {"README.txt", "data.json", "messages.csv", "private_notes.csv", "agreements.csv"} <= names

    data = json.loads(archive.read("data.json"))
    assert data["account"]["account"][0]["email"] == "nia@example.org"
    org = data["organizations"][world.pair.organization.slug]
    assert {row["text"] for row in org["private_notes"]} == {w.NIA_NOTE}
    bodies = {row["body"] for row in org["messages"]}
    assert w.NIA_MESSAGE in bodies and w.DANA_MESSAGE in bodies  # messages addressed to her in her conversation
    assert org["meetings"][0]["agenda_i_wrote"] == w.NIA_AGENDA
    assert org["profile"][0]["bio"] == w.NIA_BIO
    assert [r["text"] for r in org["survey_answers"] if r["text"]] == [w.NIA_SURVEY_TEXT]
    assert org["circle_notes"][0]["text"] == "NIA-CIRCLE-MARKER"

    with io.TextIOWrapper(archive.open("messages.csv"), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {"organization", "relationship", "from", "body", "attachment", "created_at"} <= set(rows[0])
    attachment = next(r["attachment"] for r in rows if r["attachment"])
    assert archive.read(attachment) == w.ATTACHMENT

    (agreement,) = org["agreements"]
    pdf = archive.read(agreement["sealed_pdf"])
    assert hashlib.sha256(pdf).hexdigest() == agreement["sealed_pdf_sha256"] == world.agreement.pdf_sha256

    everything = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    assert w.DANA_NOTE not in everything  # the other party's private note
    assert w.OLGA_NOTE not in everything and "olga@example.org" not in everything  # another person
    assert w.ANON_SURVEY_TEXT not in everything  # anonymous answers are not linked to her
    assert "DANA-SURVEY" not in everything


def test_progress_moves_and_the_page_shows_it(client, world):
    client.force_login(world.nia.user)
    export = DataExport.objects.create(user=world.nia.user)
    seen = []
    data = exports.build_zip(world.nia.user, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] >= 80 and len(seen) >= 7
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, progress=42)
    page = client.get(HOME).content.decode()
    assert 'aria-valuenow="42"' in page and "data-hx-trigger" in page
    fragment = client.get(f"/profile/privacy/exports/{export.pk}/progress/", HTTP_HX_REQUEST="true")
    assert "42% done" in fragment.content.decode() and "HX-Refresh" not in fragment
    DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.READY, progress=100)
    fragment = client.get(f"/profile/privacy/exports/{export.pk}/progress/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    # Someone else's export's progress is not theirs to see.
    other = DataExport.objects.create(user=world.olga.user)
    assert client.get(f"/profile/privacy/exports/{other.pk}/progress/").status_code == 404


def test_one_export_at_a_time(client, world):
    client.force_login(world.nia.user)
    DataExport.objects.create(user=world.nia.user)
    response = client.post("/profile/privacy/exports/", follow=True)
    assert "already being prepared" in response.content.decode()
    assert DataExport.objects.filter(user=world.nia.user).count() == 1


def test_the_link_is_for_the_owner_only_and_expires(client, world, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    export = _ask(client, world.nia.user, django_capture_on_commit_callbacks)
    link = _path(_link(mail.outbox[-1]))
    assert client.get(link).status_code == 200
    # Another person signed in: not theirs.
    client.force_login(world.olga.user)
    assert client.get(link).status_code == 404
    # Signed out: to the sign-in page.
    client.logout()
    assert client.get(link).status_code == 302
    # A forged token.
    client.force_login(world.nia.user)
    assert client.get(link.rsplit("/", 2)[0] + "/forged/").status_code == 404
    # Eight days later: expired, and the beat task deletes the file.
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        client.force_login(world.nia.user)  # a fresh session: the old one has timed out
        response = client.get(link)
        assert response.status_code == 410 and "has expired" in response.content.decode()
        name = DataExport.objects.get(pk=export.pk).file.name
        assert exports.purge_expired() == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED and not export.file
    from mentorship.storage import encrypted_storage

    assert not encrypted_storage().exists(name)


def test_a_person_with_no_membership_gets_their_account(client, django_capture_on_commit_callbacks):
    user = UserFactory(full_name="Lone Person", email="lone@example.org")
    mail.outbox.clear()
    export = _ask(client, user, django_capture_on_commit_callbacks)
    archive = _zip(client, _link(mail.outbox[-1]))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["account"][0]["full_name"] == "Lone Person" and data["organizations"] == {}
    assert export.pk


@pytest.mark.django_db(transaction=True)
def test_the_export_is_built_by_a_real_worker(client, celery_worker, org_a, org_b):
    world = w.build(org_a, org_b)
    client.force_login(world.nia.user)
    assert client.post("/profile/privacy/exports/").status_code == 302
    export = DataExport.objects.get(user=world.nia.user)

    def ready() -> bool:
        export.refresh_from_db()
        return export.status == ExportStatus.READY

    wait_for(ready)
    wait_for(lambda: any(m.to == ["nia@example.org"] for m in mail.outbox))
    archive = _zip(client, _link([m for m in mail.outbox if m.to == ["nia@example.org"]][-1]))
    with scopes_disabled():
        assert json.loads(archive.read("data.json"))["organizations"][org_a.slug]["private_notes"]
