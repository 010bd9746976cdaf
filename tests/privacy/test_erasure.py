"""Erasure (GDPR art. 17): the request, the coordinator's answer within a month, and what
an erasure leaves: nothing of the person, everything others need."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from agreements.models import Agreement, Signature
from mentorship.exceptions import ServiceError
from privacy.models import ErasureLog, ErasureRequest, ErasureStatus
from privacy.services import erasure
from programs.dashboard import todos_for
from relationships.models import Message, PrivateNote
from tests.factories import MembershipFactory, UserFactory
from tests.privacy import world as w

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-03-10 10:00")]


@pytest.fixture
def world(org_a, org_b):
    return w.build(org_a, org_b)


def _ask(client, member):
    client.force_login(member.user)
    return client.post("/profile/privacy/erasure/", {"confirm_email": member.user.email})


def _dump(*tables) -> str:
    """Every row of these tables as text (what a database dump would show)."""
    with connection.cursor() as cursor:
        out = []
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            out.extend(" ".join(str(value) for value in row) for row in cursor.fetchall())
    return "\n".join(out)


def test_a_request_needs_the_email_typed_and_is_due_in_a_month(client, world, coordinator_a):
    client.force_login(world.nia.user)
    response = client.post("/profile/privacy/erasure/", {"confirm_email": "someone@else.org"})
    assert response.status_code == 400 and "Type your email address exactly" in response.content.decode()
    assert _ask(client, world.nia).status_code == 302
    with scopes_disabled():
        (request,) = ErasureRequest.objects.all()
    assert request.status == ErasureStatus.PENDING and request.due_by == request.requested_at + timedelta(days=30)
    page = client.get("/profile/privacy/").content.decode()
    assert "Waiting for a coordinator" in page
    # Twice: refused.
    again = client.post("/profile/privacy/erasure/", {"confirm_email": "nia@example.org"})
    assert "already asked" in again.content.decode()
    # The coordinator sees it in "What needs you" and on the list, with the days left.
    with scope(organization=coordinator_a.organization):
        labels = [t.label for t in todos_for(coordinator_a)]
    assert "Answer 1 request to be erased" in labels
    client.force_login(coordinator_a.user)
    listing = client.get(f"/o/{world.nia.organization.slug}/privacy/requests/").content.decode()
    assert "Nia Mensah" in listing and "30 days" in listing or "29 days" in listing
    # Overdue after the month: highlighted.
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        client.force_login(coordinator_a.user)
        listing = client.get(f"/o/{world.nia.organization.slug}/privacy/requests/").content.decode()
    assert "Overdue" in listing and "table-danger" in listing


def test_only_a_coordinator_of_that_organization_answers(client, world, coordinator_a, coordinator_b):
    _ask(client, world.nia)
    with scopes_disabled():
        request = ErasureRequest.objects.get()
    with scope(organization=request.organization), pytest.raises(PermissionDenied):
        erasure.decide_erasure(actor=world.dana, request=request, confirm=True)
    with scope(organization=request.organization), pytest.raises(PermissionDenied):
        erasure.decide_erasure(actor=coordinator_b, request=request, confirm=True)
    client.force_login(world.dana.user)
    assert client.get(f"/o/{world.nia.organization.slug}/privacy/requests/{request.pk}/").status_code in (403, 404)
    client.force_login(coordinator_b.user)
    assert client.get(f"/o/{coordinator_b.organization.slug}/privacy/requests/{request.pk}/").status_code == 404


def test_refusing_needs_a_reason(client, world, coordinator_a):
    _ask(client, world.nia)
    with scopes_disabled():
        request = ErasureRequest.objects.get()
    client.force_login(coordinator_a.user)
    url = f"/o/{world.nia.organization.slug}/privacy/requests/{request.pk}/"
    response = client.post(url, {"decision": "refuse", "reason": "  "})
    assert response.status_code == 400 and "Give the reason" in response.content.decode()
    assert client.post(url, {"decision": "refuse", "reason": "Legal hold until the audit ends"}).status_code == 302
    request.refresh_from_db()
    assert request.status == ErasureStatus.REFUSED and request.decided_by == coordinator_a
    assert request.reason == "Legal hold until the audit ends"
    with scope(organization=request.organization), pytest.raises(ServiceError):
        erasure.decide_erasure(actor=coordinator_a, request=request, confirm=True)
    world.nia.user.refresh_from_db()
    assert world.nia.user.full_name == "Nia Mensah" and world.nia.user.is_active


def test_confirming_erases_the_person_and_keeps_what_others_need(client, world, coordinator_a):
    numbers_before = w.survey_numbers(world.anonymous_survey), w.survey_numbers(world.named_survey)
    hashes_before = world.agreement.content_hash, world.agreement.pdf_sha256
    assert EmailAddress.objects.filter(user=world.nia.user).exists()  # the factory verified it
    _ask(client, world.nia)
    with scopes_disabled():
        request = ErasureRequest.objects.get()
    client.force_login(coordinator_a.user)
    url = f"/o/{world.nia.organization.slug}/privacy/requests/{request.pk}/"
    assert client.post(url, {"decision": "confirm"}).status_code == 302
    request.refresh_from_db()
    assert request.status == ErasureStatus.DONE

    user = world.nia.user
    user.refresh_from_db()
    assert user.full_name == f"Erased member #{user.pk}" and user.email == f"erased-{user.pk}@invalid.example"
    assert not user.is_active and not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()

    with scopes_disabled():
        world.pair.refresh_from_db()
        assert not world.pair.is_live and world.pair.ended_by is None
        # The other party's note and message stay theirs.
        assert PrivateNote.objects.get(author=world.dana).text == w.DANA_NOTE
        assert Message.objects.filter(author=world.dana).get().body == w.DANA_MESSAGE
        assert not PrivateNote.objects.filter(author=world.nia).exists()
        assert {m.body for m in Message.objects.filter(author=world.nia)} == {"[removed at the person's request]"}
        assert not Message.objects.filter(author=world.nia).exclude(attachment="").exists()
        agreement = Agreement.objects.get(pk=world.agreement.pk)
        assert (agreement.content_hash, agreement.pdf_sha256) == hashes_before
        assert agreement.redacted_at and agreement.mentee_name == "Redacted at the person's request"
        assert Signature.objects.get(signer=world.nia).typed_name == "Redacted at the person's request"
        assert ErasureLog.objects.filter(membership_id_erased=world.nia.pk, cause="request").exists()
    assert (w.survey_numbers(world.anonymous_survey), w.survey_numbers(world.named_survey)) == numbers_before

    dump = _dump(
        "mentorship_user",
        "programs_profile",
        "programs_auditevent",
        "programs_notification",
        "agreements_agreement",
        "agreements_signature",
        "privacy_erasurelog",
        "privacy_erasurerequest",
    )
    assert "Nia Mensah" not in dump and "nia@example.org" not in dump and w.NIA_BIO not in dump
    # The decrypted texts: none of hers left.
    with scopes_disabled():
        from circles.models import CircleNote
        from relationships.models import GoalNote, Meeting
        from surveys.models import SurveyAnswer

        texts = [m.body for m in Message.objects.all()] + [n.text for n in PrivateNote.objects.all()]
        texts += [m.agenda for m in Meeting.objects.all()] + [n.text for n in GoalNote.objects.all()]
        texts += [a.text for a in SurveyAnswer.objects.all()] + [n.text for n in CircleNote.objects.all()]
    joined = "\n".join(texts)
    for marker in (
        w.NIA_NOTE,
        w.NIA_MESSAGE,
        w.NIA_AGENDA,
        w.NIA_SURVEY_TEXT,
        "NIA-GOALNOTE-MARKER",
        "NIA-CIRCLE-MARKER",
    ):
        assert marker not in joined
    assert w.ANON_SURVEY_TEXT in joined and w.DANA_NOTE in joined
    # The coordinator's pages no longer name her; the agreement page says redacted.
    listing = client.get(f"/o/{world.nia.organization.slug}/privacy/requests/").content.decode()
    assert "Nia Mensah" not in listing and f"Erased member #{user.pk}" in listing
    client.force_login(world.dana.user)
    page = client.get(f"/o/{world.nia.organization.slug}/mentorships/{world.pair.pk}/agreement/").content.decode()
    assert "Redacted at the person&#x27;s request" in page and "Nia Mensah" not in page
    # Her sessions are over.
    client.force_login(user)
    assert client.get("/profile/privacy/").status_code == 302


def test_two_organizations_the_account_waits_for_both(client, world, org_b, coordinator_a, coordinator_b):
    second = MembershipFactory(organization=org_b, user=world.nia.user)
    _ask(client, world.nia)
    with scopes_disabled():
        first_request = ErasureRequest.objects.get(membership=world.nia)
        second_request = ErasureRequest.objects.get(membership=second)
    with scope(organization=first_request.organization):
        erasure.decide_erasure(actor=coordinator_a, request=first_request, confirm=True)
    world.nia.user.refresh_from_db()
    assert world.nia.user.full_name == "Nia Mensah"  # org B has not answered yet
    with scope(organization=second_request.organization):
        erasure.decide_erasure(actor=coordinator_b, request=second_request, confirm=True)
    world.nia.user.refresh_from_db()
    assert world.nia.user.full_name.startswith("Erased member #")
    # Idempotent: erasing again changes nothing and does not fail.
    with scopes_disabled():
        erasure.erase_membership(world.nia, cause="request")


def test_without_a_membership_the_account_is_erased_at_once(client):
    user = UserFactory(full_name="Lone Person", email="lone@example.org")
    client.force_login(user)
    response = client.post("/profile/privacy/erasure/", {"confirm_email": "lone@example.org"})
    assert response.status_code == 200 and "Your account was erased" in response.content.decode()
    user.refresh_from_db()
    assert user.email == f"erased-{user.pk}@invalid.example" and not user.is_active


@pytest.mark.parametrize("size", [2, 30])
def test_the_request_list_runs_a_bounded_number_of_queries(
    client, org_a, coordinator_a, size, django_assert_max_num_queries
):
    for i in range(size):
        member = MembershipFactory(organization=org_a, user__full_name=f"Asker {i}")
        with scopes_disabled():
            ErasureRequest.objects.create(
                organization=org_a, membership=member, user=member.user, due_by=timezone.now() + timedelta(days=i)
            )
    client.force_login(coordinator_a.user)
    with django_assert_max_num_queries(12):
        response = client.get(f"/o/{org_a.slug}/privacy/requests/")
    assert response.status_code == 200 and response.content.decode().count("Asker ") == size
