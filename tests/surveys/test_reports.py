"""The joint quarterly report (seed 002): written together, confirmed by both, submitted once;
coordinators see who submitted and the barriers raised, never a draft."""

import csv
import io
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django_scopes import scope, scopes_disabled

from mentorship.csvexport import safe_cell as csv_cell
from mentorship.exceptions import ServiceError
from programs.models import AuditEvent
from relationships.models import Mentorship
from surveys.models import QuarterlyReport
from surveys.periods import previous_quarter, quarter_bounds, quarter_of
from surveys.services import reports as services
from tests.factories import MembershipFactory, ProgramFactory

TODAY = date(2026, 11, 20)
NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=UTC)  # the frozen clock
pytestmark = [pytest.mark.django_db, pytest.mark.clock(NOW)]
YEAR, QUARTER = quarter_of(TODAY)
LABEL = f"Q{QUARTER} {YEAR}"


def _pair(org, program, mentor_name="Dana Whitfield", mentee_name="Nia Mensah", **kwargs):
    mentor = MembershipFactory(organization=org, user__full_name=mentor_name)
    mentee = MembershipFactory(organization=org, user__full_name=mentee_name)
    with scopes_disabled():
        return Mentorship.objects.create(
            organization=org,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            started_on=kwargs.pop("started_on", TODAY - timedelta(days=400)),
            planned_end_on="2035-12-01",
            **kwargs,
        )


@pytest.fixture
def program(org_a):
    return ProgramFactory(organization=org_a, slug="society", name="Society Mentorship", quarterly_reports=True)


@pytest.fixture
def pair(org_a, program):
    return _pair(org_a, program)


def save(pair, actor=None, revision=0, year=YEAR, quarter=QUARTER, today=None, **texts):
    with scope(organization=pair.organization):
        return services.report_save(
            actor=actor or pair.mentee,
            mentorship=pair,
            year=year,
            quarter=quarter,
            goals_achieved=texts.get("goals_achieved", "Submitted the grant."),
            next_plans=texts.get("next_plans", "Write the first paper."),
            barriers=texts.get("barriers", "No protected research time."),
            revision=revision,
            today=today,
        )


def confirm(report, actor, revision=None, today=None):
    with scope(organization=report.organization):
        return services.report_confirm(
            actor=actor, report=report, revision=report.revision if revision is None else revision, today=today
        )


def fresh(report):
    with scopes_disabled():
        return QuarterlyReport.objects.get(pk=report.pk)


# --- Services ------------------------------------------------------------------------------


def test_either_party_saves_the_shared_text_and_each_save_raises_the_revision(pair):
    report = save(pair, actor=pair.mentee)
    assert (report.revision, report.updated_by, report.goals_achieved) == (1, pair.mentee, "Submitted the grant.")
    report = save(pair, actor=pair.mentor, revision=1, goals_achieved="Submitted the grant; it was funded.")
    report = fresh(report)
    assert report.revision == 2 and report.updated_by == pair.mentor
    assert report.goals_achieved == "Submitted the grant; it was funded."
    assert report.submitted_at is None
    with scopes_disabled():
        assert QuarterlyReport.objects.count() == 1
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute(f"SELECT barriers FROM {QuarterlyReport._meta.db_table} WHERE id = %s", [report.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:") and "protected" not in raw


def test_a_save_against_an_older_revision_is_refused_and_names_who_saved(pair):
    save(pair, actor=pair.mentee)  # revision 1
    save(pair, actor=pair.mentor, revision=1, barriers="Clinic rota changed.")  # revision 2
    with pytest.raises(services.StaleReport) as refused:
        save(pair, actor=pair.mentee, revision=1, barriers="My stale text")
    assert "Dana Whitfield saved a newer version" in refused.value.message
    assert refused.value.report.barriers == "Clinic rota changed."
    with scopes_disabled():
        report = QuarterlyReport.objects.get()
    assert (report.revision, report.barriers) == (2, "Clinic rota changed.")


def test_a_save_clears_both_confirmations(pair):
    report = save(pair)
    confirm(report, pair.mentor)
    report = save(pair, actor=pair.mentee, revision=1, next_plans="A different plan.")
    report = fresh(report)
    assert report.revision == 2
    assert report.mentor_confirmed_revision is None and report.mentee_confirmed_revision is None


def test_an_unchanged_save_keeps_the_confirmations(pair):
    report = save(pair)
    confirm(report, pair.mentor)
    save(pair, actor=pair.mentee, revision=1)  # same text
    report = fresh(report)
    assert report.revision == 1 and report.mentor_confirmed_revision == 1


def test_both_confirmations_submit_once_and_tell_the_pair_and_the_coordinators(
    pair, coordinator_a, django_capture_on_commit_callbacks
):
    report = save(pair)
    with django_capture_on_commit_callbacks(execute=True):
        report = confirm(report, pair.mentee)
    assert report.submitted_at is None and report.mentee_confirmed_revision == 1
    assert [m.to for m in mail.outbox] == [[pair.mentor.user.email]]
    assert mail.outbox[0].subject == f"Nia Mensah confirmed the {LABEL} report — your confirmation submits it"
    assert f"/o/alpha/mentorships/{pair.pk}/reports/{YEAR}/{QUARTER}/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives  # HTML too
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        report = confirm(fresh(report), pair.mentor)
    assert report.submitted_at is not None
    recipients = [sorted(m.to) for m in mail.outbox]
    assert sorted([pair.mentor.user.email, pair.mentee.user.email]) in recipients
    notice = next(m for m in mail.outbox if m.to == [coordinator_a.user.email])
    assert "Dana Whitfield and Nia Mensah" in notice.subject and LABEL in notice.subject
    assert "barriers raised" in notice.subject
    assert "raised barriers" in notice.body
    assert "protected research time" not in notice.body  # the text stays on the page
    assert f"/o/alpha/programs/society/reports/?quarter={YEAR}-{QUARTER}" in notice.body
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="quarterly_report.submitted").count() == 1

    # Submitted: read-only, and never submitted again.
    with pytest.raises(ServiceError, match="already been submitted"):
        confirm(fresh(report), pair.mentee)
    with pytest.raises(ServiceError, match="can no longer change"):
        save(pair, actor=pair.mentor, revision=1)


def test_the_coordinator_notice_says_when_no_barriers_were_raised(
    pair, coordinator_a, django_capture_on_commit_callbacks
):
    report = save(pair, barriers="")
    confirm(report, pair.mentee)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(fresh(report), pair.mentor)
    notice = next(m for m in mail.outbox if m.to == [coordinator_a.user.email])
    assert "barriers raised" not in notice.subject and "raised no barriers" in notice.body


def test_a_second_click_by_the_same_party_changes_nothing(pair, django_capture_on_commit_callbacks):
    report = save(pair)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(report, pair.mentor)
        confirm(fresh(report), pair.mentor)
    assert len(mail.outbox) == 1
    assert fresh(report).submitted_at is None


def test_two_confirms_from_stale_objects_submit_once(pair, coordinator_a, django_capture_on_commit_callbacks):
    report = save(pair)
    seen_by_mentor, seen_by_mentee = fresh(report), fresh(report)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(seen_by_mentor, pair.mentor)
        confirm(seen_by_mentee, pair.mentee)  # its object says the mentor has not confirmed; the row says so
        with pytest.raises(ServiceError, match="already been submitted"):
            confirm(seen_by_mentor, pair.mentor)
    report = fresh(report)
    assert report.submitted_at is not None
    assert sum(1 for m in mail.outbox if m.to == [coordinator_a.user.email]) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_confirms_submit_exactly_once(org_a, program, coordinator_a):
    pair = _pair(org_a, program)
    report = save(pair)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(actor):
        try:
            barrier.wait()
            confirm(fresh(report), actor)
            outcomes.append("ok")
        except ServiceError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(who,)) for who in (pair.mentor, pair.mentee)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == ["ok", "ok"]
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="quarterly_report.submitted").count() == 1
    assert fresh(report).submitted_at is not None


def test_confirming_an_older_revision_is_refused(pair):
    report = save(pair)
    save(pair, actor=pair.mentor, revision=1, next_plans="Changed.")
    with pytest.raises(ServiceError, match="text changed"):
        confirm(report, pair.mentee, revision=1)
    assert fresh(report).mentee_confirmed_revision is None


def test_an_empty_report_cannot_be_submitted(pair):
    report = save(pair, goals_achieved="", next_plans="", barriers="Only a barrier.")
    with pytest.raises(ServiceError, match="empty report cannot be submitted"):
        confirm(report, pair.mentee)
    with pytest.raises(ServiceError, match="Write something"):
        save(_pair(pair.organization, pair.program, "A B", "C D"), goals_achieved="", next_plans="", barriers="")


def test_only_the_pair_writes_and_confirms(pair, coordinator_a, coordinator_b, org_b):
    with pytest.raises(PermissionDenied):
        save(pair, actor=coordinator_a)
    report = save(pair)
    with pytest.raises(PermissionDenied):
        confirm(report, coordinator_a)
    with pytest.raises(PermissionDenied):
        confirm(report, coordinator_b)  # another organization
    with pytest.raises(PermissionDenied):
        save(pair, actor=MembershipFactory(organization=org_b), revision=1)
    assert fresh(report).revision == 1


def test_an_ended_pairing_cannot_write(pair):
    report = save(pair)
    with scopes_disabled():
        Mentorship.objects.filter(pk=pair.pk).update(status="ended", ended_at=NOW)
        pair.refresh_from_db()
    with pytest.raises(ServiceError, match="has ended"):
        save(pair, revision=1, next_plans="New")
    with pytest.raises(ServiceError, match="has ended"):
        confirm(report, pair.mentee)


def test_a_paused_pairing_still_writes(pair):
    with scopes_disabled():
        Mentorship.objects.filter(pk=pair.pk).update(status="paused")
        pair.refresh_from_db()
    assert save(pair).revision == 1


def test_a_program_without_quarterly_reports_refuses(org_a):
    program = ProgramFactory(organization=org_a, quarterly_reports=False)
    pair = _pair(org_a, program)
    with pytest.raises(ServiceError, match="does not use quarterly reports"):
        save(pair)


def test_only_the_open_quarters_can_be_written(pair):
    two_back = previous_quarter(*previous_quarter(YEAR, QUARTER))
    with pytest.raises(ServiceError, match="not open"):
        save(pair, year=two_back[0], quarter=two_back[1])
    with pytest.raises(ServiceError, match="not open"):
        save(pair, year=YEAR, quarter=5)
    # The previous quarter during the 30 days of grace, not after.
    first_day = date(2026, 4, 1)
    report = save(pair, year=2026, quarter=1, today=first_day + timedelta(days=10))
    assert report.label == "Q1 2026"
    with pytest.raises(ServiceError, match="not open"):
        save(pair, year=2026, quarter=1, revision=1, today=first_day + timedelta(days=45), next_plans="Late")
    with pytest.raises(ServiceError, match="not open"):
        confirm(report, pair.mentee, today=first_day + timedelta(days=45))


# --- Views: the pair ---------------------------------------------------------------------------


def _edit_url(pair, year=YEAR, quarter=QUARTER):
    return f"/o/alpha/mentorships/{pair.pk}/reports/{year}/{quarter}/"


def _post_save(client, pair, revision, **texts):
    data = {
        "action": "save",
        "revision": revision,
        "goals_achieved": texts.get("goals_achieved", "Presented at grand rounds."),
        "next_plans": texts.get("next_plans", "Submit the abstract."),
        "barriers": texts.get("barriers", "Call schedule leaves no research time."),
    }
    return client.post(_edit_url(pair), data)


def test_the_pair_writes_confirms_and_submits_through_the_pages(client, pair, django_capture_on_commit_callbacks):
    client.force_login(pair.mentee.user)
    listing = client.get(f"/o/alpha/mentorships/{pair.pk}/reports/")
    assert listing.status_code == 200
    assert f"Write the {LABEL} report".encode() in listing.content
    page = client.get(_edit_url(pair))
    assert page.status_code == 200 and b"Save the report" in page.content
    response = _post_save(client, pair, 0)
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_edit_url(pair), {"action": "confirm", "revision": 1}, follow=True)
    assert b"has been asked to confirm" in response.content
    assert [m.to for m in mail.outbox] == [[pair.mentor.user.email]]

    client.force_login(pair.mentor.user)
    page = client.get(_edit_url(pair))
    assert b"Presented at grand rounds." in page.content and b"Nia Mensah confirmed this text" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_edit_url(pair), {"action": "confirm", "revision": 1}, follow=True)
    assert b"Submitted to the program office" in response.content
    assert b"Save the report" not in response.content  # read-only now
    with scopes_disabled():
        report = QuarterlyReport.objects.get(mentorship=pair)
    assert report.submitted_at is not None
    # A late save is refused with a message, nothing changes.
    response = _post_save(client, pair, 1, goals_achieved="Overwrite")
    assert response.status_code == 302
    assert fresh(report).goals_achieved == "Presented at grand rounds."
    listing = client.get(f"/o/alpha/mentorships/{pair.pk}/reports/")
    assert b"Submitted" in listing.content


def test_a_stale_save_shows_the_newer_text_and_keeps_what_was_typed(client, pair):
    save(pair, actor=pair.mentor, barriers="Mentor's newer barrier.")  # revision 1
    client.force_login(pair.mentee.user)
    response = _post_save(client, pair, 0, barriers="The mentee's own words.")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dana Whitfield saved a newer version" in html
    assert "Mentor&#x27;s newer barrier." in html  # theirs, shown
    assert "The mentee&#x27;s own words." in html  # mine, kept in the form
    assert 'name="revision" value="1"' in html  # the next save is against the current revision
    with scopes_disabled():
        assert QuarterlyReport.objects.get().barriers == "Mentor's newer barrier."
    # Saving again from there works.
    assert _post_save(client, pair, 1, barriers="Merged.").status_code == 302
    with scopes_disabled():
        assert QuarterlyReport.objects.get().barriers == "Merged."


def test_confirming_an_empty_report_shows_a_clear_message(client, pair):
    client.force_login(pair.mentee.user)
    response = client.post(_edit_url(pair), {"action": "confirm", "revision": 0})
    assert response.status_code == 200 and b"An empty report cannot be submitted" in response.content
    _post_save(client, pair, 0, goals_achieved="", next_plans="")
    response = client.post(_edit_url(pair), {"action": "confirm", "revision": 1})
    assert b"An empty report cannot be submitted" in response.content
    assert fresh(QuarterlyReport.objects.with_scopes_disabled().get()).mentee_confirmed_revision is None


def test_too_long_text_is_refused_on_the_form(client, pair):
    client.force_login(pair.mentee.user)
    response = _post_save(client, pair, 0, barriers="x" * 5001)
    assert response.status_code == 200 and b"at most 5000 characters" in response.content
    with scopes_disabled():
        assert not QuarterlyReport.objects.exists()


def test_others_get_404_on_the_pairs_pages(client, pair, coordinator_a, coordinator_b, member_a):
    save(pair)
    urls = [f"/o/alpha/mentorships/{pair.pk}/reports/", _edit_url(pair)]
    for who in (coordinator_a, member_a):
        client.force_login(who.user)
        for url in urls:
            assert client.get(url).status_code == 404
        assert client.post(urls[1], {"action": "save", "revision": 1, "goals_achieved": "x"}).status_code == 404
    client.force_login(coordinator_b.user)
    for url in urls:
        assert client.get(url.replace("/alpha/", "/bravo/")).status_code == 404
    assert fresh(QuarterlyReport.objects.with_scopes_disabled().get()).goals_achieved == "Submitted the grant."


def test_the_pages_404_for_a_program_without_reports_and_bad_quarters(client, org_a, pair):
    other = _pair(org_a, ProgramFactory(organization=org_a, quarterly_reports=False), "E F", "G H")
    client.force_login(other.mentee.user)
    assert client.get(f"/o/alpha/mentorships/{other.pk}/reports/").status_code == 404
    assert client.get(_edit_url(other)).status_code == 404
    client.force_login(pair.mentee.user)
    assert client.get(_edit_url(pair, quarter=7)).status_code == 404
    assert client.get(_edit_url(pair, year=YEAR + 3)).status_code == 404
    assert client.post(_edit_url(pair), {"action": "delete"}).status_code == 404


def test_an_ended_pairings_submitted_report_stays_readable(client, pair):
    report = save(pair)
    confirm(report, pair.mentee)
    confirm(fresh(report), pair.mentor)
    with scopes_disabled():
        Mentorship.objects.filter(pk=pair.pk).update(status="ended", ended_at=NOW)
    client.force_login(pair.mentor.user)
    page = client.get(_edit_url(pair))
    assert page.status_code == 200
    assert b"No protected research time." in page.content and b"Save the report" not in page.content
    listing = client.get(f"/o/alpha/mentorships/{pair.pk}/reports/")
    assert b"This mentorship has ended" in listing.content
    response = _post_save(client, pair, 1)
    assert response.status_code == 302
    assert fresh(report).goals_achieved == "Submitted the grant."


def test_the_relationship_page_links_to_the_reports(client, pair, coordinator_a):
    client.force_login(pair.mentee.user)
    page = client.get(f"/o/alpha/mentorships/{pair.pk}/")
    assert f"/o/alpha/mentorships/{pair.pk}/reports/".encode() in page.content
    client.force_login(coordinator_a.user)
    page = client.get(f"/o/alpha/mentorships/{pair.pk}/")
    assert b"/o/alpha/programs/society/reports/" in page.content


# --- Views: the program office -----------------------------------------------------------------


def _submitted(pair, barriers="Rota clashes with clinic."):
    report = save(pair, barriers=barriers)
    confirm(report, pair.mentee)
    return confirm(fresh(report), pair.mentor)


def test_coordinators_see_who_submitted_and_the_barriers_never_a_draft(client, org_a, program, coordinator_a):
    submitted = _pair(org_a, program, "Ada Mentor", "Ben Mentee")
    _submitted(submitted)
    drafting = _pair(org_a, program, "Cy Mentor", "Di Mentee")
    save(drafting, barriers="SECRET DRAFT BARRIER", goals_achieved="SECRET DRAFT GOAL")
    half = _pair(org_a, program, "Ed Mentor", "Flo Mentee")
    confirm(save(half), half.mentor)
    _pair(org_a, program, "Gus Mentor", "Hal Mentee")  # not started
    ended = _pair(org_a, program, "Ida Mentor", "Jo Mentee", status="ended")  # not listed
    client.force_login(coordinator_a.user)
    response = client.get("/o/alpha/programs/society/reports/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rota clashes with clinic." in html and "Submitted the grant." in html
    assert "SECRET DRAFT" not in html
    assert "Mentor confirmed" in html and "waiting for Flo Mentee" in html
    assert "Not started" in html and "In progress" in html
    assert "Ida Mentor" not in html
    counts = response.context["counts"]
    assert (counts["total"], counts["submitted"], counts["barriers_raised"]) == (4, 1, 1)
    assert (counts["mentor_confirmed"], counts["mentee_confirmed"], counts["in_progress"], counts["not_started"]) == (
        1,
        0,
        1,
        1,
    )
    assert ended.pk not in [row["mentorship"].pk for row in response.context["rows"]]


def test_choosing_another_quarter(client, pair, coordinator_a):
    _submitted(pair)
    client.force_login(coordinator_a.user)
    last_year = f"{YEAR - 1}-{QUARTER}"
    response = client.get(f"/o/alpha/programs/society/reports/?quarter={last_year}")
    assert response.status_code == 200
    assert response.context["label"] == f"Q{QUARTER} {YEAR - 1}"
    assert b"Rota clashes" not in response.content
    for bad in ("nonsense", "2026-9", f"{YEAR + 1}-1"):
        response = client.get(f"/o/alpha/programs/society/reports/?quarter={bad}")
        assert response.status_code == 200 and response.context["label"] == LABEL


def test_a_submitted_report_stays_visible_to_coordinators_after_the_pairing_ends(client, pair, coordinator_a):
    _submitted(pair)
    with scopes_disabled():
        Mentorship.objects.filter(pk=pair.pk).update(status="ended", ended_at=NOW)
    client.force_login(coordinator_a.user)
    response = client.get("/o/alpha/programs/society/reports/")
    assert b"Rota clashes with clinic." in response.content


def test_the_program_page_says_when_the_program_does_not_use_reports(client, org_a, coordinator_a):
    ProgramFactory(organization=org_a, slug="plain", quarterly_reports=False)
    client.force_login(coordinator_a.user)
    response = client.get("/o/alpha/programs/plain/reports/")
    assert response.status_code == 200 and b"does not use quarterly reports" in response.content
    assert client.get("/o/alpha/programs/plain/reports.csv").status_code == 404


def test_program_pages_are_for_coordinators_of_the_organization(client, pair, member_a, coordinator_b):
    _submitted(pair)
    for url in ("/o/alpha/programs/society/reports/", "/o/alpha/programs/society/reports.csv"):
        client.force_login(member_a.user)
        assert client.get(url).status_code == 403
        client.force_login(pair.mentor.user)  # the pair reads theirs on their own pages
        assert client.get(url).status_code == 403
        client.force_login(coordinator_b.user)
        assert client.get(url).status_code == 404
        assert client.get(url.replace("/alpha/", "/bravo/")).status_code == 404
    committee = MembershipFactory(organization=pair.organization, is_committee=True)
    client.force_login(committee.user)
    assert client.get("/o/alpha/programs/society/reports/").status_code == 403


def test_the_csv_has_submitted_content_only_quoted_and_defused(client, org_a, program, coordinator_a):
    _submitted(_pair(org_a, program, "Ada Mentor", "Ben Mentee"), barriers='=HYPERLINK("http://x")\nline, "two"')
    save(_pair(org_a, program, "Cy Mentor", "Di Mentee"), barriers="SECRET DRAFT BARRIER")
    _pair(org_a, program, "@Gus Mentor", "Hal Mentee")
    client.force_login(coordinator_a.user)
    response = client.get(f"/o/alpha/programs/society/reports.csv?quarter={YEAR}-{QUARTER}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    assert "SECRET DRAFT" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["Quarter", "Mentor", "Mentee", "Pairing started", "Status"]
    by_mentor = {row[1]: row for row in rows[1:]}
    assert set(by_mentor) == {"Ada Mentor", "Cy Mentor", "'@Gus Mentor"}
    ada = by_mentor["Ada Mentor"]
    assert ada[4] == "Submitted" and ada[6] == "Submitted the grant."
    assert ada[8] == '\'=HYPERLINK("http://x")\nline, "two"'
    assert by_mentor["Cy Mentor"][4] == "In progress" and by_mentor["Cy Mentor"][6:] == ["", "", ""]


def test_csv_cell_defuses_formulas():
    assert [csv_cell(v) for v in ("=1+1", "+1", "-2", "@SUM(A1)", "plain", None, 5)] == [
        "'=1+1",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "plain",
        "",
        "5",
    ]


@pytest.mark.parametrize("count", [3, 60])
def test_the_program_page_runs_a_bounded_number_of_queries(
    client, org_a, program, coordinator_a, count, django_assert_max_num_queries
):
    pairs = [_pair(org_a, program, f"Mentor {i}", f"Mentee {i}") for i in range(count)]
    for i, pair in enumerate(pairs):
        if i % 3 == 0:
            _submitted(pair)
        elif i % 3 == 1:
            save(pair)
    client.force_login(coordinator_a.user)
    with django_assert_max_num_queries(11):
        response = client.get("/o/alpha/programs/society/reports/")
    assert response.status_code == 200
    assert len(response.context["rows"]) == min(count, 50)
    assert response.context["counts"]["total"] == count
    with django_assert_max_num_queries(7):
        assert client.get("/o/alpha/programs/society/reports.csv").status_code == 200
    client.force_login(pairs[0].mentee.user)
    with django_assert_max_num_queries(6):
        assert client.get(f"/o/alpha/mentorships/{pairs[0].pk}/reports/").status_code == 200


def test_the_pairs_list_covers_every_quarter_since_the_start(client, org_a, program):
    pair = _pair(org_a, program, started_on=quarter_bounds(YEAR - 1, QUARTER)[0])
    client.force_login(pair.mentee.user)
    rows = client.get(f"/o/alpha/mentorships/{pair.pk}/reports/").context["rows"]
    assert len(rows) == 5
    assert rows[0]["label"] == LABEL and rows[0]["open"]
    assert rows[-1]["label"] == f"Q{QUARTER} {YEAR - 1}" and not rows[-1]["open"]
