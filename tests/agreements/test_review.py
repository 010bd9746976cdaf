"""The yearly review: when it is due, who answers, and what each outcome does."""

import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from agreements.models import Agreement, AgreementStatus
from agreements.models.review import ReviewOutcome, YearlyReview, add_months, first_review_due_on, review_state
from agreements.services import review as review_services
from mentorship.exceptions import ServiceError
from relationships.models import Mentorship, PairExclusion
from tests.factories import MembershipFactory, ProgramFactory

pytestmark = pytest.mark.clock("2026-11-20 09:00")


def _mentorship(org, *, started_on=None, **program_kwargs):
    program = ProgramFactory(organization=org, slug=f"society-{org.slug}", **program_kwargs)
    mentor = MembershipFactory(organization=org, user__full_name="Dana Whitfield")
    mentee = MembershipFactory(organization=org, user__full_name="Nia Mensah")
    started_on = started_on or timezone.localdate() - timedelta(days=380)
    with scopes_disabled():
        return Mentorship.objects.create(
            organization=org,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            started_on=started_on,
            planned_end_on=add_months(started_on, 24),
        )


@pytest.fixture
def pair(org_a):
    """A mentorship that started 13 months ago: its first review is due."""
    return _mentorship(org_a)


def answer(actor, mentorship, value, comment=""):
    with scope(organization=mentorship.organization):
        return review_services.review_answer(actor=actor, mentorship=mentorship, answer=value, comment=comment)


def _reload(mentorship):
    with scopes_disabled():
        return Mentorship.objects.get(pk=mentorship.pk)


# --- The due date -----------------------------------------------------------------------------


def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert add_months(date(2025, 3, 15), 12) == date(2026, 3, 15)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)


@pytest.mark.django_db
def test_due_twelve_months_after_the_start_when_nothing_is_signed(org_a):
    mentorship = _mentorship(org_a, started_on=date(2025, 3, 15))
    with scope(organization=org_a):
        assert first_review_due_on(mentorship) == date(2026, 3, 15)


@pytest.mark.django_db
def test_due_twelve_months_after_the_first_signed_agreement(org_a):
    mentorship = _mentorship(org_a, started_on=date(2025, 1, 10))
    first_signed = timezone.make_aware(timezone.datetime(2025, 2, 20, 12, 0))
    with scopes_disabled():
        for version, (status, signed_at) in enumerate(
            [
                (AgreementStatus.SUPERSEDED, first_signed),
                (AgreementStatus.SIGNED, first_signed + timedelta(days=200)),
                (AgreementStatus.DRAFT, None),
            ],
            start=1,
        ):
            Agreement.objects.create(
                organization=org_a,
                mentorship=mentorship,
                version=version,
                status=status,
                title="Agreement",
                signed_at=signed_at,
            )
    with scope(organization=org_a):
        assert first_review_due_on(mentorship) == date(2026, 2, 20)
        assert review_state(mentorship, today=date(2026, 1, 1)).is_open is False
        assert review_state(mentorship, today=date(2026, 2, 1)).is_open is True  # opens a month before
        assert review_state(mentorship, today=date(2026, 3, 1)).is_overdue is True


@pytest.mark.django_db
def test_answering_before_the_review_opens_is_refused(org_a):
    mentorship = _mentorship(org_a, started_on=timezone.localdate() - timedelta(days=30))
    with pytest.raises(ServiceError, match="due on"):
        answer(mentorship.mentor, mentorship, "continue")
    with scopes_disabled():
        assert not YearlyReview.objects.exists()


@pytest.mark.django_db
def test_no_review_when_the_program_has_none(org_a):
    mentorship = _mentorship(org_a, yearly_review=False)
    with pytest.raises(ServiceError, match="no yearly review"):
        answer(mentorship.mentor, mentorship, "continue")
    with scope(organization=org_a):
        assert review_state(mentorship).enabled is False


# --- Who answers ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_the_pair_answers(pair, coordinator_a, member_a, coordinator_b):
    for outsider in (coordinator_a, member_a, coordinator_b):
        with pytest.raises(PermissionDenied):
            answer(outsider, pair, "conclude")
    with scopes_disabled():
        assert not YearlyReview.objects.exists()
    assert _reload(pair).status == "active"


@pytest.mark.django_db
def test_a_bad_answer_is_refused(pair):
    with pytest.raises(ServiceError):
        answer(pair.mentor, pair, "maybe")


@pytest.mark.django_db
def test_the_review_page_is_for_the_pair_and_metadata_for_coordinators(
    client, pair, coordinator_a, member_a, coordinator_b
):
    url = f"/o/alpha/mentorships/{pair.pk}/review/"
    answer(pair.mentor, pair, "continue", "A private thought for my mentee")
    client.force_login(pair.mentee.user)
    page = client.get(url)
    assert page.status_code == 200 and b"A private thought" in page.content and b"review-form" in page.content
    client.force_login(coordinator_a.user)
    page = client.get(url)
    assert page.status_code == 200
    assert b"A private thought" not in page.content and b"review-form" not in page.content
    assert b"Answered" in page.content
    assert client.post(url, {"answer": "conclude"}).status_code == 404
    client.force_login(member_a.user)
    assert client.get(url).status_code == 404
    client.force_login(coordinator_b.user)
    assert client.get(url).status_code == 404
    assert client.get(f"/o/bravo/mentorships/{pair.pk}/review/").status_code == 404


@pytest.mark.django_db
def test_answering_through_the_page(client, pair):
    url = f"/o/alpha/mentorships/{pair.pk}/review/"
    client.force_login(pair.mentee.user)
    response = client.post(url, {"answer": "restructure", "comment": "New goals"})
    assert response.status_code == 302
    with scopes_disabled():
        review = YearlyReview.objects.get(mentorship=pair)
    assert review.mentee_answer == "restructure" and review.mentee_comment == "New goals"


# --- Outcomes --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_both_continue_completes_and_schedules_the_next_review(pair, django_capture_on_commit_callbacks):
    with scope(organization=pair.organization):
        due_on = first_review_due_on(pair)
    with django_capture_on_commit_callbacks(execute=True):
        answer(pair.mentor, pair, "continue")
    assert [m.to for m in mail.outbox] == [[pair.mentee.user.email]]  # asked to answer
    with django_capture_on_commit_callbacks(execute=True):
        review = answer(pair.mentee, pair, "continue")
    assert review.outcome == ReviewOutcome.CONTINUE and review.completed_at is not None
    assert review.due_on == due_on
    assert _reload(pair).status == "active"
    with scope(organization=pair.organization):
        state = review_state(_reload(pair))
    assert state.review is None and state.due_on == add_months(due_on, 12) and state.is_open is False
    assert sorted(mail.outbox[-1].to) == sorted([pair.mentor.user.email, pair.mentee.user.email])
    # The next year's review is not open yet.
    with pytest.raises(ServiceError, match="due on"):
        answer(pair.mentor, pair, "continue")


@pytest.mark.django_db
def test_restructure_completes_with_a_note_to_draft_a_new_agreement(client, pair):
    answer(pair.mentor, pair, "continue")
    review = answer(pair.mentee, pair, "restructure")
    assert review.outcome == ReviewOutcome.RESTRUCTURE and review.completed_at is not None
    assert _reload(pair).status == "active"
    client.force_login(pair.mentee.user)
    page = client.get(f"/o/alpha/mentorships/{pair.pk}/review/")
    assert b"review-restructure" in page.content and f"/o/alpha/mentorships/{pair.pk}/".encode() in page.content


@pytest.mark.django_db
def test_conclude_ends_the_mentorship_cleanly(client, pair, coordinator_a, django_capture_on_commit_callbacks):
    answer(pair.mentee, pair, "continue")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review = answer(pair.mentor, pair, "conclude", "We have reached our goals")
    assert review.outcome == ReviewOutcome.CONCLUDE
    mentorship = _reload(pair)
    assert mentorship.status == "concluded" and mentorship.end_reason == "concluded"
    assert mentorship.ended_at is not None
    with scopes_disabled():
        exclusion = PairExclusion.objects.get(program=pair.program, mentor=pair.mentor, mentee=pair.mentee)
    assert exclusion.reason == "ended"
    recipients = [sorted(m.to) for m in mail.outbox]
    assert sorted([pair.mentor.user.email, pair.mentee.user.email]) in recipients
    assert [coordinator_a.user.email] in recipients
    for message in mail.outbox:
        assert "goals" not in message.body  # comments are not emailed
    # The mentee is told they can be paired again; nothing is left to answer.
    client.force_login(pair.mentee.user)
    page = client.get(f"/o/alpha/mentorships/{pair.pk}/review/")
    assert b"You can be paired again" in page.content and b"review-form" not in page.content
    with pytest.raises(ServiceError, match="ended"):
        answer(pair.mentee, pair, "continue")


@pytest.mark.django_db
def test_an_answer_can_change_until_both_have_answered(pair):
    answer(pair.mentor, pair, "conclude", "first thought")
    review = answer(pair.mentor, pair, "continue", "second thought")
    assert review.completed_at is None
    assert review.mentor_answer == "continue" and review.mentor_comment == "second thought"
    with scopes_disabled():
        assert YearlyReview.objects.filter(mentorship=pair).count() == 1
    review = answer(pair.mentee, pair, "continue")
    assert review.outcome == ReviewOutcome.CONTINUE
    assert _reload(pair).status == "active"


@pytest.mark.django_db
def test_the_due_reminder_opens_the_review_and_emails_once(pair, django_capture_on_commit_callbacks):
    from surveys.tasks import scan

    with django_capture_on_commit_callbacks(execute=True):
        scan(timezone.localdate())
        scan(timezone.localdate())
    with scopes_disabled():
        assert YearlyReview.objects.filter(mentorship=pair, completed_at__isnull=True).count() == 1
    reviews = [m for m in mail.outbox if "yearly review" in m.subject]
    assert len(reviews) == 2 and "due" in reviews[0].subject  # one to each party


@pytest.mark.django_db
def test_the_mentorship_page_include_shows_the_review_status(client, pair, coordinator_a):
    from django.template.loader import render_to_string

    answer(pair.mentor, pair, "continue", "secret")
    with scope(organization=pair.organization):
        for party, expected in (("mentor", b"you have answered"), ("mentee", b"Yearly review due")):
            html = render_to_string(
                "relationships/includes/mentorship_links.html",
                {"mentorship": pair, "party": party, "current_organization": pair.organization},
            ).encode()
            assert expected in html and b"First-meeting checklist" in html
        html = render_to_string(
            "relationships/includes/mentorship_links.html",
            {"mentorship": pair, "party": None, "current_organization": pair.organization},
        )
    assert "Mentor has answered" in html and "checklist" not in html and "secret" not in html


@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_leave_one_consistent_outcome(org_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL")
    mentorship = _mentorship(org_a)
    barrier = threading.Barrier(2)
    errors = []

    def run(actor, value):
        try:
            barrier.wait()
            answer(actor, mentorship, value)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(mentorship.mentor, "continue")),
        threading.Thread(target=run, args=(mentorship.mentee, "conclude")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with scopes_disabled():
        reviews = list(YearlyReview.objects.filter(mentorship=mentorship))
        assert len(reviews) == 1
        assert reviews[0].outcome == ReviewOutcome.CONCLUDE and reviews[0].completed_at is not None
        assert Mentorship.objects.get(pk=mentorship.pk).status == "concluded"
        assert PairExclusion.objects.filter(program=mentorship.program).count() == 1


@pytest.mark.django_db
def test_the_review_page_before_it_opens_and_after_the_mentorship_ended(client, org_a, coordinator_a):
    fresh = _mentorship(org_a, started_on=timezone.localdate() - timedelta(days=10))
    url = f"/o/alpha/mentorships/{fresh.pk}/review/"
    client.force_login(fresh.mentor.user)
    page = client.get(url)
    assert b"You can answer from" in page.content and b"review-form" not in page.content
    assert client.post(url, {"answer": "continue"}).status_code == 404
    with scopes_disabled():
        Mentorship.objects.filter(pk=fresh.pk).update(status="ended", end_reason="no_fault")
    assert b"nothing to review" in client.get(url).content
    client.force_login(coordinator_a.user)
    assert client.get(url).status_code == 200
