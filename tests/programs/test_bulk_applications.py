"""Bulk and inline decisions on the coordinator's application list (issue 15, "Bulk work"):
one decision and one message for the ticked applications, each checked like a single
decision, each applicant emailed; one row decided in place with htmx; the full-page path
kept for no-JS; ids from another program or organization refused; bad input answered on
the form."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from programs.models import Application, ApplicationStatus, AuditEvent
from programs.services import applications as apps
from tests.factories import ApplicationFactory, MembershipFactory, ProgramFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

S = ApplicationStatus
LIST = "/o/alpha/programs/mentorship/applications/"


@pytest.fixture
def program(org_a):
    return ProgramFactory(organization=org_a, name="Mentorship Program", slug="mentorship")


def _application(program, name, status=S.ELIGIBLE, **kwargs):
    return ApplicationFactory(
        program=program,
        membership__user__full_name=name,
        status=status,
        eligible=status != S.INELIGIBLE,
        submitted_at=timezone.now(),
        **kwargs,
    )


def _status(application) -> str:
    with scopes_disabled():
        return Application.objects.get(pk=application.pk).status


@pytest.fixture
def office(client, coordinator_a):
    client.force_login(coordinator_a.user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_three_accepted_one_skipped_with_one_message_and_one_email_each(
    office, program, django_capture_on_commit_callbacks
):
    people = [_application(program, name) for name in ("Nia Mensah", "Omar Haddad", "Ines Duarte")]
    declined = _application(program, "Sam Lee", status=S.DECLINED)
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(
            LIST,
            {
                "ids": [a.pk for a in [*people, declined]],
                "action": S.DECLINED,
                "message": "Thank you for applying.\nWe hope to see you next year.",
            },
        )
    assert response.status_code == 302 and response["Location"] == LIST
    page = office.get(response["Location"])
    assert _messages(page) == ["3 declined; 1 skipped: already declined (Sam Lee). Each applicant has been emailed."]
    assert [_status(a) for a in people] == [S.DECLINED] * 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.membership.user.email for a in people)
    for message in mail.outbox:
        assert message.subject == "Your mentee application to Mentorship Program: declined"
        assert "We hope to see you next year." in message.body
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="application.declined").count() == 3
        decided = Application.objects.get(pk=people[0].pk)
    assert decided.decision_message == "Thank you for applying.\nWe hope to see you next year."


def test_each_application_follows_the_single_decision_rules(
    office, program, coordinator_a, django_capture_on_commit_callbacks
):
    eligible = _application(program, "Nia Mensah")
    waitlisted = _application(program, "Omar Haddad", status=S.WAITLISTED)
    ineligible = _application(program, "Ines Duarte", status=S.INELIGIBLE)
    withdrawn = _application(program, "Sam Lee", status=S.WITHDRAWN)
    own = ApplicationFactory(
        program=program, membership=coordinator_a, status=S.ELIGIBLE, eligible=True, submitted_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(
            LIST, {"ids": [eligible.pk, waitlisted.pk, ineligible.pk, withdrawn.pk, own.pk], "action": S.ACCEPTED}
        )
    summary = _messages(office.get(response["Location"]))[0]
    assert summary.startswith("2 accepted; 3 skipped: ")
    assert "not eligible (override first) (Ines Duarte)" in summary
    assert "withdrawn (Sam Lee)" in summary and "your own application" in summary
    assert [_status(a) for a in (eligible, waitlisted, ineligible, withdrawn, own)] == [
        S.ACCEPTED,
        S.ACCEPTED,
        S.INELIGIBLE,
        S.WITHDRAWN,
        S.ELIGIBLE,
    ]
    assert len(mail.outbox) == 2


def test_nothing_decided_is_an_error_and_writes_nothing(office, program, django_capture_on_commit_callbacks):
    accepted = _application(program, "Nia Mensah", status=S.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(LIST, {"ids": [accepted.pk], "action": S.ACCEPTED}, follow=True)
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
        ("error", "None accepted; 1 skipped: already accepted (Nia Mensah).")
    ]
    assert mail.outbox == []


def test_the_list_comes_back_on_the_same_page_with_the_same_filters(office, program):
    application = _application(program, "Nia Mensah")
    url = f"{LIST}?status=eligible&role=mentee&page=1"
    response = office.post(url, {"ids": [application.pk], "action": S.WAITLISTED})
    assert response.status_code == 302 and response["Location"] == url


@pytest.mark.parametrize("where", ["another program", "another organization", "gone"])
def test_ids_from_elsewhere_refuse_the_whole_request(office, program, org_b, where, django_capture_on_commit_callbacks):
    mine = _application(program, "Nia Mensah")
    if where == "another program":
        other = _application(ProgramFactory(organization=program.organization, slug="other"), "Omar Haddad")
        other_pk = other.pk
    elif where == "another organization":
        other = _application(ProgramFactory(organization=org_b, slug="mentorship"), "Omar Haddad")
        other_pk = other.pk
    else:
        other, other_pk = None, 999_999
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(LIST, {"ids": [mine.pk, other_pk], "action": S.ACCEPTED})
    assert response.status_code == 200
    assert "not in this program any more. Nothing was changed" in response.content.decode()
    assert _status(mine) == S.ELIGIBLE
    if other is not None:
        assert _status(other) == S.ELIGIBLE
    assert mail.outbox == []
    # The refused selection stays ticked.
    assert re.search(
        rf'value="{mine.pk}" form="bulk-decide" id="select-application-{mine.pk}" checked', response.content.decode()
    )


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"action": S.ACCEPTED}, "Select at least one application first"),
        ({"ids": "", "action": S.ACCEPTED}, "Select at least one application first"),
        ({"ids": "pk", "action": "promoted"}, "Choose accept, waitlist or decline."),
        ({"ids": "pk", "action": ""}, "Choose accept, waitlist or decline."),
        ({"ids": "pk", "action": S.ACCEPTED, "message": "x" * 3001}, "at most 3000 characters"),
        ({"ids": ["pk", "abc"], "action": S.ACCEPTED}, "The selection is not valid"),
        ({"ids": "-3", "action": S.ACCEPTED}, "The selection is not valid"),
        ({"ids": "9" * 40, "action": S.ACCEPTED}, "The selection is not valid"),
        ({"ids": "pk", "action": S.ACCEPTED, "message": "nul\x00byte"}, "Nothing was decided"),
    ],
)
def test_bad_input_gets_a_message_on_the_form(office, program, body, expected):
    application = _application(program, "Nia Mensah")
    ids = body.get("ids")
    if ids is not None:
        body["ids"] = [str(application.pk) if v == "pk" else v for v in (ids if isinstance(ids, list) else [ids])]
    response = office.post(LIST, body)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing was decided" in content and expected in content
    assert _status(application) == S.ELIGIBLE and mail.outbox == []


def test_only_coordinators_decide_in_bulk(client, program, org_a):
    application = _application(program, "Nia Mensah")
    for membership in (MembershipFactory(organization=org_a), MembershipFactory(organization=org_a, is_committee=True)):
        client.force_login(membership.user)
        assert client.post(LIST, {"ids": [application.pk], "action": S.ACCEPTED}).status_code == 403
        with scope(organization=org_a), pytest.raises(PermissionDenied):
            apps.applications_decide(actor=membership, program=program, ids=[application.pk], decision=S.ACCEPTED)
    assert _status(application) == S.ELIGIBLE


def test_a_coordinator_cannot_decide_for_another_organizations_program(coordinator_b, program):
    application = _application(program, "Nia Mensah")
    with scope(organization=coordinator_b.organization), pytest.raises(PermissionDenied):
        apps.applications_decide(actor=coordinator_b, program=program, ids=[application.pk], decision=S.ACCEPTED)
    assert _status(application) == S.ELIGIBLE


@pytest.mark.parametrize("count", [5, 25])
def test_a_bulk_decision_runs_a_bounded_number_of_queries(
    office, program, count, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    applications = [_application(program, f"Applicant {i}") for i in range(count)]
    # Session, user, membership, program, coordinator lock, one lock for all applications;
    # then per application: its update, its audit row, and for its email the recipient's
    # name and time zone and the organization's wording for it, if reworded.
    with django_assert_max_num_queries(10 + 4 * count), django_capture_on_commit_callbacks(execute=False):
        response = office.post(LIST, {"ids": [a.pk for a in applications], "action": S.ACCEPTED})
    assert response.status_code == 302
    assert {_status(a) for a in applications} == {S.ACCEPTED}


def test_the_list_offers_the_bulk_form_and_a_box_per_row(office, program, django_assert_max_num_queries):
    applications = [_application(program, f"Applicant {i}") for i in range(3)]
    with django_assert_max_num_queries(10):
        content = office.get(LIST).content.decode()
    assert 'id="bulk-decide"' in content and "Decision for the selected applications" in content
    assert "Message to the applicants" in content and "Select all on this page" in content
    for application in applications:
        assert f'id="select-application-{application.pk}"' in content
        assert f'<label class="visually-hidden" for="select-application-{application.pk}">' in content
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in content


# --- One row: inline with htmx, full page without -------------------------------------------


HTMX = {"HTTP_HX_REQUEST": "true"}


def test_an_inline_decision_answers_with_the_row_and_the_outcome(office, program, django_capture_on_commit_callbacks):
    application = _application(program, "Nia Mensah")
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(
            f"{LIST}?status=eligible", {"ids": application.pk, "row": "1", "action": S.WAITLISTED}, **HTMX
        )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith("<tr") or content.split("<tr", 1)[0].strip() == ""
    assert f'<tr id="application-{application.pk}">' in content
    assert 'data-status="waitlisted">Waitlisted<' in content
    # The row's own buttons offer what is left, and post back to the same filtered list.
    assert 'value="accepted">Accept' in content and 'value="waitlisted"' not in content
    assert f'data-hx-post="{LIST}?status=eligible"' in content
    assert 'id="inline-status"' in content and 'data-hx-swap-oob="true"' in content
    assert "Nia Mensah is waitlisted. They have been emailed." in content
    assert _status(application) == S.WAITLISTED
    assert [m.to for m in mail.outbox] == [[application.membership.user.email]]


def test_an_inline_decision_that_cannot_be_made_says_why_in_the_row(office, program):
    application = _application(program, "Nia Mensah", status=S.WITHDRAWN)
    response = office.post(LIST, {"ids": application.pk, "row": "1", "action": S.ACCEPTED}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200 and f'<tr id="application-{application.pk}">' in content
    assert "None accepted; 1 skipped: withdrawn (Nia Mensah)." in content and "alert-danger" in content


def test_an_inline_decision_for_a_row_of_another_program_changes_nothing_on_the_page(office, program, org_b):
    other = _application(ProgramFactory(organization=org_b, slug="mentorship"), "Omar Haddad")
    response = office.post(LIST, {"ids": other.pk, "row": "1", "action": S.ACCEPTED}, **HTMX)
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    assert "<tr" not in response.content.decode() and "Nothing was changed" in response.content.decode()
    assert _status(other) == S.ELIGIBLE


def test_without_javascript_a_row_button_posts_the_page_and_comes_back(
    office, program, django_capture_on_commit_callbacks
):
    application = _application(program, "Nia Mensah")
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(f"{LIST}?page=1", {"ids": application.pk, "row": "1", "action": S.ACCEPTED})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?page=1"
    assert _messages(office.get(response["Location"])) == ["Nia Mensah is accepted. They have been emailed."]
    assert _status(application) == S.ACCEPTED and len(mail.outbox) == 1
