"""Bulk invitations (issue 15, "Bulk work"): many addresses pasted at once with the same
roles and message, each checked and reported on its own line; the selected pending
invitations resent within the sending limits; one row resent or revoked in place (htmx),
with the full-page path kept for no-JS."""

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from programs.models import AuditEvent, Invitation, InvitationStatus
from tests.factories import InvitationFactory, MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

PAGE = "/o/alpha/invitations/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def office(client, coordinator_a):
    client.force_login(coordinator_a.user)
    return client


def _levels(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def _pending(org) -> set[str]:
    with scopes_disabled():
        return set(
            Invitation.objects.filter(organization=org, status=InvitationStatus.PENDING).values_list("email", flat=True)
        )


def test_many_addresses_are_invited_with_the_same_roles_and_message_and_the_rest_reported_per_line(
    office, org_a, member_a, django_capture_on_commit_callbacks
):
    InvitationFactory(organization=org_a, email="waiting@example.org")
    pasted = "\n".join(
        [
            "ada@example.org",
            "ben@example.org, cleo@example.org",
            "not-an-email",
            member_a.user.email.upper(),
            "Waiting@example.org",
            "ADA@example.org",
            "",
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(
            PAGE,
            {"email": pasted, "member_status": "candidate", "is_committee": "on", "message": "Join our program!"},
        )
    assert response.status_code == 302 and response["Location"] == PAGE
    assert _levels(office.get(PAGE)) == [
        ("success", "Invitations sent to 3 people: ada@example.org, ben@example.org, cleo@example.org."),
        ("info", "Not invited: not-an-email is not a valid email address."),
        ("info", "Not invited: ADA@example.org is listed twice; it is invited once."),
        ("info", f"Not invited: {member_a.user.email.upper()} is already a member of Alpha Surgical Society."),
        ("info", "Not invited: Waiting@example.org already has an open invitation. Resend it from the list instead."),
    ]
    with scopes_disabled():
        new = list(Invitation.objects.filter(organization=org_a).exclude(email="waiting@example.org"))
        assert AuditEvent.objects.filter(action="invitation.created").count() == 3
    assert {i.email for i in new} == {"ada@example.org", "ben@example.org", "cleo@example.org"}
    assert {(i.member_status, i.is_committee, i.is_coordinator, i.message) for i in new} == {
        ("candidate", True, False, "Join our program!")
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["ada@example.org", "ben@example.org", "cleo@example.org"]
    assert all("Join our program!" in m.body for m in mail.outbox)


def test_when_no_address_can_be_invited_the_form_says_why_for_each(office, org_a, member_a):
    InvitationFactory(organization=org_a, email="waiting@example.org")
    pasted = f"{member_a.user.email}\nwaiting@example.org; nobody@@example"
    response = office.post(PAGE, {"email": pasted, "member_status": "member"})
    assert response.status_code == 200
    content = response.content.decode()
    assert f"{member_a.user.email} is already a member of Alpha Surgical Society." in content
    assert "waiting@example.org already has an open invitation." in content
    assert "nobody@@example is not a valid email address." in content
    assert "nobody@@example</textarea>" in content  # what was typed stays in the box
    assert _pending(org_a) == {"waiting@example.org"} and mail.outbox == []


@pytest.mark.parametrize(
    "pasted, expected",
    [
        ("", "This field is required."),
        (" ,\n ; ", "Enter at least one email address."),
        ("one, two", "Enter a valid email address (one, two is not one)."),
        ("\n".join(f"p{i}@example.org" for i in range(101)), "Paste at most 100 addresses at once (there are 101)."),
    ],
)
def test_bad_pastes_get_a_message_on_the_form(office, org_a, pasted, expected):
    response = office.post(PAGE, {"email": pasted, "member_status": "member"})
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert _pending(org_a) == set()


def test_a_paste_beyond_the_sending_limit_sends_none(office, org_a, settings, django_capture_on_commit_callbacks):
    settings.INVITATION_LIMIT_PER_ORGANIZATION = 2
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(
            PAGE, {"email": "a@example.org\nb@example.org\nc@example.org", "member_status": "member"}
        )
    assert response.status_code == 200
    assert "This would send 3 invitations at once, more than can go out in a day (2)." in response.content.decode()
    assert _pending(org_a) == set() and mail.outbox == []


@pytest.mark.parametrize("count", [3, 15])
def test_a_bulk_invitation_runs_a_bounded_number_of_queries(
    office, count, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    pasted = "\n".join(f"p{i}@example.org" for i in range(count))
    # Session, user, membership, coordinator lock, sender locks, the member and invitation
    # checks, the limits; then per address: the invitation (in a savepoint), its send, its
    # recipient's name and time zone, the organization's wording if reworded, record and audit.
    with django_assert_max_num_queries(14 + 8 * count), django_capture_on_commit_callbacks(execute=False):
        response = office.post(PAGE, {"email": pasted, "member_status": "member"})
    assert response.status_code == 302


# --- Resending the selected ones ------------------------------------------------------------


def test_the_selected_pending_invitations_are_resent_and_the_others_reported(
    office, org_a, django_capture_on_commit_callbacks
):
    first = InvitationFactory(organization=org_a, email="first@example.org", expires_at=timezone.now())
    second = InvitationFactory(organization=org_a, email="second@example.org")
    revoked = InvitationFactory(organization=org_a, email="gone@example.org", status=InvitationStatus.REVOKED)
    untouched = InvitationFactory(organization=org_a, email="untouched@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(f"{PAGE}?page=1", {"form": "resend", "ids": [first.pk, second.pk, revoked.pk]})
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?page=1"
    assert _levels(office.get(PAGE)) == [
        ("success", "Sent again to 2 people: first@example.org, second@example.org."),
        ("info", "Not sent again: The invitation to gone@example.org was revoked; it cannot be resent."),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == ["first@example.org", "second@example.org"]
    with scopes_disabled():
        first.refresh_from_db()
        untouched.refresh_from_db()
    assert first.send_count == 1 and first.expires_at > timezone.now() and untouched.send_count == 0


def test_a_bulk_resend_respects_each_invitations_resend_limit(
    office, org_a, settings, django_capture_on_commit_callbacks
):
    settings.INVITATION_SENDS_PER_INVITATION = 1
    with django_capture_on_commit_callbacks(execute=True):
        office.post(PAGE, {"email": "ada@example.org\nben@example.org", "member_status": "member"}, follow=True)
    with scopes_disabled():
        ids = list(Invitation.objects.filter(organization=org_a).values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(PAGE, {"form": "resend", "ids": ids}, follow=True)
    levels = _levels(response)
    assert [level for level, _ in levels] == ["error", "error"]
    assert levels[0][1].startswith("Not sent again: ada@example.org: This invitation was sent 1 times")
    assert len(mail.outbox) == 2  # the first sends only


def test_a_bulk_resend_with_an_id_of_another_organization_sends_nothing(
    office, org_a, org_b, django_capture_on_commit_callbacks
):
    mine = InvitationFactory(organization=org_a)
    theirs = InvitationFactory(organization=org_b)
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(PAGE, {"form": "resend", "ids": [mine.pk, theirs.pk]}, follow=True)
    assert _levels(response) == [
        (
            "error",
            "Some of the selected invitations are not in this organization any more. Nothing was sent; reload the "
            "page and select again.",
        )
    ]
    assert mail.outbox == []


@pytest.mark.parametrize(
    "ids, expected",
    [
        ([], "Select at least one pending invitation first (tick its box)."),
        (["x1"], "The selection is not valid. Reload the page and select again."),
        ([str(n) for n in range(1, 102)], "Select at most 100 at once."),
    ],
)
def test_a_bad_resend_selection_gets_a_message(office, ids, expected):
    response = office.post(PAGE, {"form": "resend", "ids": ids}, follow=True)
    assert _levels(response) == [("error", expected)]


def test_only_coordinators_invite_and_resend(client, org_a):
    member = MembershipFactory(organization=org_a, is_committee=True)
    invitation = InvitationFactory(organization=org_a)
    client.force_login(member.user)
    assert client.post(PAGE, {"email": "a@example.org\nb@example.org", "member_status": "member"}).status_code == 403
    assert client.post(PAGE, {"form": "resend", "ids": [invitation.pk]}).status_code == 403
    assert _pending(org_a) == {invitation.email} and mail.outbox == []


def test_the_page_offers_a_box_per_pending_invitation(office, org_a, django_assert_max_num_queries):
    pending = InvitationFactory(organization=org_a)
    revoked = InvitationFactory(organization=org_a, status=InvitationStatus.REVOKED)
    with django_assert_max_num_queries(7):
        content = office.get(PAGE).content.decode()
    assert f'id="select-invitation-{pending.pk}"' in content and f'id="select-invitation-{revoked.pk}"' not in content
    assert 'id="bulk-resend"' in content and "Resend selected" in content and "Email addresses" in content


# --- One row: inline with htmx, full page without -------------------------------------------


def test_an_inline_resend_answers_with_the_row_and_the_outcome(office, org_a, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(organization=org_a, email="nia@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(f"{PAGE}{invitation.pk}/resend/", **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'<tr id="invitation-{invitation.pk}">' in content
    assert 'data-hx-swap-oob="true"' in content and "Invitation sent again to nia@example.org." in content
    assert [m.to for m in mail.outbox] == [["nia@example.org"]]


def test_an_inline_revoke_shows_the_row_revoked_without_its_buttons(office, org_a):
    invitation = InvitationFactory(organization=org_a, email="nia@example.org")
    response = office.post(f"{PAGE}{invitation.pk}/revoke/", {"page": "2"}, **HTMX)
    content = response.content.decode()
    assert f'<tr id="invitation-{invitation.pk}">' in content and ">Revoked</span>" in content
    assert "Resend" not in content.split("inline-status")[0] and "Invitation to nia@example.org revoked." in content
    with scopes_disabled():
        assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.REVOKED
    # A second click (a stale row) says why, in the row's answer.
    again = office.post(f"{PAGE}{invitation.pk}/revoke/", **HTMX).content.decode()
    assert "This invitation was already revoked." in again and "alert-danger" in again


def test_without_javascript_a_row_action_comes_back_to_the_same_page_of_the_list(office, org_a):
    invitation = InvitationFactory(organization=org_a)
    response = office.post(f"{PAGE}{invitation.pk}/revoke/", {"page": "2"})
    assert response.status_code == 302 and response["Location"] == f"{PAGE}?page=2"
    response = office.post(f"{PAGE}{invitation.pk}/revoke/", {"page": "../evil"})
    assert response["Location"] == PAGE
