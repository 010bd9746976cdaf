"""The security review's findings on the privacy app, each with the test that would have
caught it: what an erasure leaves (identity-provider links, exports, roster rows, audit
summaries), names replaced as whole words only, files deleted only once the erasure
commits, a sole coordinator's own request, a retention scan that goes on after a failure,
a coordinator's export without others' data, and an export whose worker died."""

import io
import json
import tempfile
import zipfile
from datetime import timedelta

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from mentorship.storage import encrypted_storage
from privacy import registry
from privacy.models import DataExport, ErasureRequest, ErasureStatus, ExportStatus, PrivacySettings, RetentionNotice
from privacy.services import erasure, exports, retention
from programs.models import Membership, Notification, Profile, RosterImport, RosterImportRow
from programs.services.audit import audit
from tests.factories import MembershipFactory, ProfileFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-10 10:00")]


def _erase(member):
    with scopes_disabled(), transaction.atomic():
        erasure.erase_membership(member, cause="request")
        erasure.finish_account_if_done(member.user)


# 1. What an erasure leaves ---------------------------------------------------------------


def test_erasure_deletes_the_identity_provider_link_and_its_tokens(org_a):
    member = MembershipFactory(organization=org_a, user__full_name="Sso Person", user__email="sso@example.org")
    account = SocialAccount.objects.create(
        user=member.user,
        provider="oidc-alpha",
        uid="subject-123",
        extra_data={"email": "sso@example.org", "name": "Sso Person", "groups": ["surgery"]},
    )
    SocialToken.objects.create(account=account, token="access-token-secret")
    _erase(member)
    member.user.refresh_from_db()
    assert not member.user.is_active
    assert not SocialAccount.objects.filter(user=member.user).exists()
    assert not SocialAccount.objects.filter(provider="oidc-alpha", uid="subject-123").exists()
    assert not SocialToken.objects.exists()


def test_erasure_deletes_the_persons_exports_and_their_files(org_a, django_capture_on_commit_callbacks):
    member = MembershipFactory(organization=org_a)
    export = DataExport.objects.create(user=member.user, status=ExportStatus.READY, size=4)
    export.file.save("export.zip", ContentFile(b"ZIP!"), save=True)
    name = export.file.name
    assert encrypted_storage().exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        _erase(member)
    assert not DataExport.objects.filter(user=member.user).exists()
    assert not encrypted_storage().exists(name)


def _roster(org, coordinator, rows):
    with scopes_disabled():
        upload = RosterImport.objects.create(organization=org, created_by=coordinator, filename="roster.csv")
        for number, data in enumerate(rows, start=2):
            RosterImportRow.objects.create(
                organization=org, roster_import=upload, number=number, action=data["action"], data=data
            )
    return upload


def _row(email, name, membership=None, action="invite"):
    return {
        "row": 0,
        "values": {"email": email, "full_name": name, "city": "Accra"},
        "email": email.lower(),
        "name": name,
        "member_status": "",
        "profile": {"city": "Accra"},
        "membership": membership,
        "action": action,
        "errors": [],
        "notices": [],
        "changes": [],
    }


def test_erasure_blanks_the_persons_roster_rows_and_keeps_the_others(org_a, org_b, coordinator_a):
    member = MembershipFactory(organization=org_a, user__full_name="Rosa Roster", user__email="Rosa@Example.org")
    _roster(
        org_a,
        coordinator_a,
        [
            _row("rosa@example.org", "Rosa Roster"),
            _row("other@example.org", "Otto Other"),
            _row("renamed@example.org", "Rosa R.", membership=member.pk, action="update"),
        ],
    )
    _roster(org_b, None, [_row("rosa@example.org", "Rosa Roster")])  # another organization's upload
    _erase(member)
    with scopes_disabled():
        rows = {(r.organization_id, r.number): r for r in RosterImportRow.objects.all()}
    mine = [rows[(org_a.pk, 2)], rows[(org_a.pk, 4)]]
    for row in mine:
        text = json.dumps(row.data)
        assert "Rosa" not in text and "rosa@" not in text.lower() and "Accra" not in text
        assert row.has_error and row.data["errors"] == ["Erased at the person's request."]
    assert rows[(org_a.pk, 3)].data["email"] == "other@example.org"  # another person's row stays
    assert rows[(org_b.pk, 2)].data["email"] == "rosa@example.org"  # org B has not erased her


def test_the_email_in_audit_summaries_is_replaced_in_any_case(org_a, coordinator_a):
    member = MembershipFactory(organization=org_a, user__full_name="Alice Liddell", user__email="alice@x.edu")
    with scopes_disabled():
        invited = audit(organization=org_a, actor=coordinator_a.user, action="x", summary="Invited Alice@X.edu")
        other = audit(organization=org_a, actor=coordinator_a.user, action="x", summary="Invited malice@x.edu.au")
    _erase(member)
    invited.refresh_from_db()
    other.refresh_from_db()
    assert invited.summary == f"Invited Erased member #{member.user_id}"
    assert other.summary == "Invited malice@x.edu.au"


# 2. Whole words only, never a short name -------------------------------------------------


def test_a_short_name_never_rewrites_another_persons_text(org_a, coordinator_a):
    jo = MembershipFactory(organization=org_a, user__full_name="Jo", user__email="jo@example.org")
    john = MembershipFactory(organization=org_a, user__full_name="John Smith", user__email="john@example.org")
    with scopes_disabled():
        about_john = audit(organization=org_a, actor=coordinator_a.user, action="x", summary="Paired John Smith")
        johns = audit(organization=org_a, actor=john.user, action="x", summary="John Smith joined Jordan's circle")
        jos_own = audit(organization=org_a, actor=jo.user, action="x", summary="Jo accepted the invitation")
        about_jo = audit(
            organization=org_a, actor=coordinator_a.user, action="x", summary="Removed Jo", membership=jo.pk
        )
        note = Notification.objects.create(
            organization=org_a,
            recipient=coordinator_a,
            kind="other",
            category="message",
            title="John Smith wrote",
            path="/",
        )
    _erase(jo)
    for event in (about_john, johns, jos_own, about_jo):
        event.refresh_from_db()
    note.refresh_from_db()
    assert about_john.summary == "Paired John Smith"
    assert johns.summary == "John Smith joined Jordan's circle"
    assert note.title == "John Smith wrote"
    # Jo's own rows (acted by Jo, or about Jo's membership) lose their summary instead.
    assert jos_own.summary == "" and about_jo.summary == ""


def test_a_full_name_is_replaced_as_a_whole_word_only(org_a, coordinator_a):
    ann = MembershipFactory(organization=org_a, user__full_name="Ann Lee", user__email="ann@example.org")
    with scopes_disabled():
        named = audit(organization=org_a, actor=coordinator_a.user, action="x", summary="Paired Ann Lee with Bo")
        longer = audit(organization=org_a, actor=coordinator_a.user, action="x", summary="Paired Ann Leeds")
    _erase(ann)
    named.refresh_from_db()
    longer.refresh_from_db()
    assert named.summary == f"Paired Erased member #{ann.user_id} with Bo"
    assert longer.summary == "Paired Ann Leeds"


# 3. Files go only once the erasure commits ----------------------------------------------


def test_a_failing_eraser_leaves_the_files_in_place(org_a, monkeypatch, django_capture_on_commit_callbacks):
    member = MembershipFactory(organization=org_a, user__full_name="Cv Person")
    profile = ProfileFactory(membership=member)
    with scopes_disabled():
        profile.cv.save("cv.pdf", ContentFile(b"%PDF-1.4 cv"), save=True)
    name = profile.cv.name

    def failing(membership, placeholder):
        raise RuntimeError("a later eraser failed")

    monkeypatch.setattr(registry, "ERASERS", [*registry.ERASERS, failing])
    monkeypatch.setattr(erasure, "ERASERS", registry.ERASERS)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        _erase(member)
    assert profile.cv.storage.exists(name)
    with scopes_disabled():
        assert Profile.objects.get(pk=profile.pk).cv.name == name
    # Without the failing eraser, the file goes once the erasure commits.
    monkeypatch.setattr(erasure, "ERASERS", registry.ERASERS[:-1])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _erase(member)
        assert profile.cv.storage.exists(name)  # not yet: the erasure has not committed
    assert callbacks and not profile.cv.storage.exists(name)


# 4. A sole coordinator's own request -----------------------------------------------------


def _own_request(client, coordinator):
    client.force_login(coordinator.user)
    client.post("/profile/privacy/erasure/", {"confirm_email": coordinator.user.email})
    with scopes_disabled():
        return ErasureRequest.objects.get(membership=coordinator)


def test_a_sole_coordinator_confirms_their_own_request_after_typing_their_email(client, org_a):
    solo = MembershipFactory(
        organization=org_a, is_coordinator=True, user__full_name="Solo Coordinator", user__email="solo@example.org"
    )
    request = _own_request(client, solo)
    url = f"/o/{org_a.slug}/privacy/requests/{request.pk}/"
    page = client.get(url).content.decode()
    assert "you are the only coordinator" in page and 'name="confirm_email"' in page
    response = client.post(url, {"decision": "confirm", "confirm_email": "wrong@example.org"})
    assert response.status_code == 400 and "type your email address exactly" in response.content.decode()
    response = client.post(url, {"decision": "refuse", "reason": "No", "confirm_email": "solo@example.org"})
    assert response.status_code == 400 and "cannot refuse your own request" in response.content.decode()
    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING
    response = client.post(url, {"decision": "confirm", "confirm_email": "SOLO@example.org"})
    assert response.status_code == 200 and "Your account was erased" in response.content.decode()
    request.refresh_from_db()
    solo.user.refresh_from_db()
    assert request.status == ErasureStatus.DONE and request.decided_by_id == solo.pk
    assert solo.user.email == f"erased-{solo.user_id}@invalid.example" and not solo.user.is_active


def test_with_another_coordinator_ones_own_request_is_theirs_to_answer(client, org_a, coordinator_a):
    asker = MembershipFactory(organization=org_a, is_coordinator=True, user__email="asker@example.org")
    request = _own_request(client, asker)
    url = f"/o/{org_a.slug}/privacy/requests/{request.pk}/"
    page = client.get(url).content.decode()
    assert "another coordinator of" in page and 'name="decision"' not in page
    # Posted anyway: a message on the page, not a 403 page.
    response = client.post(url, {"decision": "confirm", "confirm_email": "asker@example.org"})
    assert (
        response.status_code == 400 and "Another coordinator must answer your own request." in response.content.decode()
    )
    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING
    with scope(organization=org_a), pytest.raises(PermissionDenied):
        erasure.decide_erasure(actor=asker, request=request, confirm=True, confirm_email="asker@example.org")
    # The other coordinator answers it.
    with scope(organization=org_a):
        erasure.decide_erasure(actor=coordinator_a, request=request, confirm=True)
    request.refresh_from_db()
    assert request.status == ErasureStatus.DONE


# 5. One failing erasure does not stop the scan -------------------------------------------


def _old_member(org, name, email):
    joined = timezone.now() - timedelta(days=800)
    member = MembershipFactory(organization=org, user__full_name=name, user__email=email, joined_at=joined)
    member.user.last_login = joined
    member.user.save()
    return member


def test_a_failing_erasure_does_not_stop_the_scan(org_a, org_b, monkeypatch, caplog):
    with scopes_disabled():
        PrivacySettings.objects.create(organization=org_a, retention_months=12, notice_days=30)
        PrivacySettings.objects.create(organization=org_b, retention_months=12, notice_days=30)
    broken = _old_member(org_a, "Broken Member", "broken@example.org")
    others = [
        _old_member(org_a, "First Member", "first@example.org"),
        _old_member(org_b, "Second Member", "second@example.org"),
        _old_member(org_b, "Third Member", "third@example.org"),
    ]
    assert retention.scan()["noticed"] == 4

    def failing(membership, placeholder):
        if membership.pk == broken.pk:
            raise RuntimeError("storage is down")
        return {}

    monkeypatch.setattr(erasure, "ERASERS", [failing, *registry.ERASERS])
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert retention.scan()["erased"] == 3
    assert "Retention erasure failed for membership" in caplog.text
    for member in others:
        member.user.refresh_from_db()
        assert member.user.full_name.startswith("Erased member #")
    broken.user.refresh_from_db()
    assert broken.user.full_name == "Broken Member"
    with scopes_disabled():
        assert RetentionNotice.objects.get(membership=broken).erased_at is None  # tried again next time
        assert Membership.objects.get(pk=broken.pk).is_active


# 6. A coordinator's export holds no other member's data ----------------------------------


def test_a_coordinators_export_leaves_out_whom_they_acted_on(client, org_a, coordinator_a):
    with scopes_disabled():
        audit(
            organization=org_a,
            actor=coordinator_a.user,
            action="invitation.sent",
            summary="Invited someone.else@example.org (Someone Else)",
            email="someone.else@example.org",
        )
    archive = zipfile.ZipFile(io.BytesIO(exports.build_zip(coordinator_a.user)))
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"someone.else@example.org" not in everything and b"Someone Else" not in everything
    data = json.loads(archive.read("data.json"))
    (event,) = data["organizations"][org_a.slug]["audit_events"]
    assert event == {"organization": org_a.slug, "action": "invitation.sent", "at": event["at"]}


# 7. The ZIP in a temporary file; an export whose worker died ----------------------------


def test_the_export_is_written_through_a_temporary_file(org_a, monkeypatch):
    member = MembershipFactory(organization=org_a, user__full_name="Zip Person")
    spooled = []
    real = tempfile.SpooledTemporaryFile

    def spy(*args, **kwargs):
        spooled.append(real(*args, **kwargs))
        return spooled[-1]

    monkeypatch.setattr(exports, "SPOOL_BYTES", 10)  # past 10 bytes, on disk
    monkeypatch.setattr(exports.tempfile, "SpooledTemporaryFile", spy)
    export = DataExport.objects.create(user=member.user)
    done = exports.run_export(export.pk)
    assert done.status == ExportStatus.READY
    assert len(spooled) == 1 and spooled[0]._rolled and spooled[0].closed  # on disk, then gone
    with done.file.open("rb") as handle:
        data = handle.read()
    assert len(data) == done.size and "data.json" in zipfile.ZipFile(io.BytesIO(data)).namelist()


def test_a_running_export_whose_worker_died_counts_as_failed(client, org_a, django_capture_on_commit_callbacks):
    member = MembershipFactory(organization=org_a)
    stuck = DataExport.objects.create(
        user=member.user, status=ExportStatus.RUNNING, progress=40, heartbeat_at=timezone.now()
    )
    client.force_login(member.user)
    # While its worker reports, it is in progress: a second one is refused.
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        with pytest.raises(ServiceError):
            exports.request_export(user=member.user)
        assert 'id="export-progress"' in client.get("/profile/privacy/").content.decode()
    # 31 minutes without a word from the worker: failed, and the person may ask again.
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        page = client.get("/profile/privacy/").content.decode()
        assert "Download my data</button>" in page
        with django_capture_on_commit_callbacks(execute=False):
            fresh = exports.request_export(user=member.user)
        stuck.refresh_from_db()
        assert stuck.status == ExportStatus.FAILED and fresh.status == ExportStatus.QUEUED
        # A redelivered task for the dead one does nothing.
        assert exports.run_export(stuck.pk) is None


def test_the_purge_marks_a_dead_running_export_failed(org_a):
    member = MembershipFactory(organization=org_a)
    alive = DataExport.objects.create(user=member.user, status=ExportStatus.RUNNING, heartbeat_at=timezone.now())
    other = MembershipFactory(organization=org_a)
    dead = DataExport.objects.create(
        user=other.user, status=ExportStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=45)
    )
    exports.purge_expired()
    alive.refresh_from_db()
    dead.refresh_from_db()
    assert alive.status == ExportStatus.RUNNING
    assert dead.status == ExportStatus.FAILED and dead.error == "Timed out."
