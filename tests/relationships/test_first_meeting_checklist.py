"""Issue 15: the first-meeting checklist ticks what the pair's record already shows done
(the signed agreement above all), for both of them, without anyone ticking it."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from agreements.models import Agreement, AgreementStatus
from agreements.models.review import ChecklistTick, checklist_done_by_record, checklist_progress
from agreements.services import review as review_services
from relationships.models import Goal, Meeting
from tests.factories import dana_and_nia

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2027-01-10 09:00")]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def pair(org_a):
    return dana_and_nia(org_a, started_on=timezone.localdate() - timedelta(days=10))


def _sign(pair, *, sealed: bool = True) -> Agreement:
    with scopes_disabled():
        agreement = Agreement.objects.create(
            organization=pair.organization,
            mentorship=pair,
            status=AgreementStatus.SIGNED,
            title="Mentoring Partnership Agreement",
            signed_at=timezone.now(),
        )
        if sealed:
            agreement.pdf.save("agreement.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return agreement


def _page(client, pair, person) -> str:
    client.force_login(person.user)
    url = reverse("mentorship_checklist", kwargs={"org_slug": pair.organization.slug, "pk": pair.pk})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_nothing_is_ticked_before_the_record_shows_it(client, pair):
    with scope(organization=pair.organization):
        assert checklist_done_by_record(pair) == {}
        assert checklist_progress(pair)["mentee"]["done"] == 0
    page = _page(client, pair, pair.mentee)
    assert 'id="item-menteemeetingagreement"' in page
    assert "Done: the agreement is signed" not in page


def test_the_signed_agreement_ticks_both_agreement_items_for_both(client, pair):
    _sign(pair)
    with scope(organization=pair.organization):
        done = checklist_done_by_record(pair)
        progress = checklist_progress(pair)
    for role in ("mentor", "mentee"):
        assert f"{role}.meeting.agreement" in done and f"{role}.after.agreement_copy" in done
        assert progress[role]["done"] == 2
    with scopes_disabled():
        assert not ChecklistTick.objects.exists()  # nothing stored: it is read from the record

    mentee_page = _page(client, pair, pair.mentee)
    checkbox = re.search(r'<input[^>]*id="item-menteemeetingagreement"[^>]*>', mentee_page).group(0)
    assert "checked" in checkbox and "disabled" in checkbox
    assert "Done: the agreement is signed." in mentee_page
    assert "Done: the signed agreement is ready to download." in mentee_page
    assert "2 of" in mentee_page
    # The other person's list shows it done too.
    assert "(the agreement is signed)" in mentee_page


def test_a_signed_agreement_not_yet_sealed_ticks_the_agreement_but_not_the_copy(pair):
    _sign(pair, sealed=False)
    with scope(organization=pair.organization):
        done = checklist_done_by_record(pair)
    assert "mentee.meeting.agreement" in done and "mentee.after.agreement_copy" not in done


def test_meetings_goals_and_documents_tick_their_items(client, pair):
    with scopes_disabled():
        Meeting.objects.create(
            organization=pair.organization,
            mentorship=pair,
            scheduled_by=pair.mentee,
            starts_at=timezone.now() + timedelta(days=3),
            duration_minutes=60,
        )
        Goal.objects.create(
            organization=pair.organization, mentorship=pair, title="First grant", created_by=pair.mentee
        )
    with scope(organization=pair.organization):
        review_services.document_upload(
            actor=pair.mentee,
            mentorship=pair,
            kind="idp",
            upload=SimpleUploadedFile("idp.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
        )
        done = checklist_done_by_record(pair)
    assert {"mentee.meeting.schedule", "mentor.meeting.schedule", "mentee.meeting.joint_goals"} <= set(done)
    assert "mentee.before.idp" in done and "mentee.before.cv" not in done
    assert "mentee.meeting.next_meeting" not in done  # only one meeting so far


def test_saving_my_checklist_keeps_what_the_record_ticked(client, pair):
    _sign(pair)
    client.force_login(pair.mentor.user)
    url = reverse("mentorship_checklist", kwargs={"org_slug": pair.organization.slug, "pk": pair.pk})
    response = client.post(url, {"action": "tick", "items": ["mentor.before.training"]})
    assert response.status_code == 302
    with scope(organization=pair.organization):
        assert checklist_progress(pair)["mentor"]["done"] == 3
