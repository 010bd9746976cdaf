"""Programs, eligibility with reasons, and the application state machine."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from programs import eligibility
from programs.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    EligibilityRule,
    GoalArea,
    HubChoice,
    MemberStatus,
    Program,
    ProgramModel,
    Role,
)
from programs.services import applications as apps
from tests.factories import (
    EligibilityRuleFactory,
    GoalAreaFactory,
    HubFactory,
    MembershipFactory,
    ProfileFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.clock("2026-11-20 09:00")

S = ApplicationStatus
THIS_YEAR = 2026  # the year of the frozen clock
LABELS = dict(MemberStatus.choices)


# --- Eligibility rules, one by one, with their exact wording -----------------------------


def _evaluate(**overrides):
    values = {
        "role_label": "mentor",
        "allowed_statuses": ["member", "candidate"],
        "status_labels": LABELS,
        "member_status": "member",
        "min_years_experience": 8,
        "year_started_practice": THIS_YEAR - 12,
        "current_year": THIS_YEAR,
        "attestations": [],
        "attestation_answers": {},
    }
    values.update(overrides)
    return eligibility.evaluate(**values)


def test_a_member_with_enough_experience_is_eligible():
    result = _evaluate()
    assert result.eligible and result.reasons == []
    assert [c.text for c in result.checks] == [
        "Your member status (Member) can apply as a mentor.",
        f"Mentors need at least 8 years of experience in the field; your profile shows 12 years "
        f"(you started practice in {THIS_YEAR - 12}).",
    ]


def test_a_status_outside_the_allowed_ones_is_refused_with_the_statuses_named():
    result = _evaluate(member_status="trainee")
    assert not result.eligible
    assert result.reasons == [
        "This program accepts mentors whose member status is Member or Candidate member; yours is Trainee."
    ]


def test_seven_years_is_one_short_of_eight_and_says_so():
    result = _evaluate(year_started_practice=THIS_YEAR - 7)
    assert result.reasons == [
        f"Mentors need at least 8 years of experience in the field; your profile shows 7 years "
        f"(you started practice in {THIS_YEAR - 7}). You can apply as a mentor in 1 year."
    ]


def test_a_missing_start_year_asks_for_the_profile():
    result = _evaluate(year_started_practice=None)
    assert result.reasons == [
        "Mentors need at least 8 years of experience in the field, and your profile does not say when you "
        "started practice. Add the year to your profile, then submit again."
    ]


def test_mentees_of_any_level_and_any_status_when_no_rule_restricts():
    result = _evaluate(role_label="mentee", allowed_statuses=[], min_years_experience=None, year_started_practice=None)
    assert result.eligible and result.checks == []


def test_attestations_must_each_be_confirmed():
    statement = "I am a member in good standing."
    assert _evaluate(attestations=[statement], attestation_answers={statement: True}).eligible
    refused = _evaluate(attestations=[statement], attestation_answers={})
    assert refused.reasons == ["You did not confirm: “I am a member in good standing.”"]


def test_several_failures_are_all_listed():
    result = _evaluate(member_status="alumni", year_started_practice=THIS_YEAR - 2)
    assert len(result.reasons) == 2


# --- The application state machine -------------------------------------------------------


@pytest.fixture
def society(org_a):
    program = ProgramFactory(organization=org_a, name="Mentorship Program", slug="mentorship")
    EligibilityRuleFactory(
        program=program, role=Role.MENTOR, allowed_statuses=["member", "candidate"], min_years_experience=8
    )
    EligibilityRuleFactory(program=program, role=Role.MENTEE, allowed_statuses=["member", "candidate"])
    GoalAreaFactory(program=program, name="Leadership")
    GoalAreaFactory(program=program, name="Research")
    return program


def _data(program, **overrides):
    with scopes_disabled():
        area_ids = list(GoalArea.objects.filter(program=program).values_list("pk", flat=True))
    values = {
        "goals_statement": "Grow a practice.",
        "goal_area_ids": area_ids[:1],
        "meeting_modes": ["video"],
        "principles_accepted": True,
        "capacity": 2,
    }
    values.update(overrides)
    return apps.ApplicationData(**values)


def _submit(membership, program, role=Role.MENTEE, **overrides):
    with scope(organization=program.organization):
        application = apps.application_start(actor=membership, program=program, role=role)
        return apps.application_save(
            actor=membership, application=application, data=_data(program, **overrides), submit=True
        )


@pytest.mark.django_db
def test_submit_runs_eligibility_and_records_reasons(society, coordinator_a):
    mentor = MembershipFactory(organization=society.organization, status="member")
    ProfileFactory(membership=mentor, year_started_practice=THIS_YEAR - 7)
    application = _submit(mentor, society, role=Role.MENTOR)
    assert application.status == S.INELIGIBLE and application.eligible is False
    failed = [c["text"] for c in application.eligibility_reasons if not c["ok"]]
    assert failed and "at least 8 years" in failed[0] and "shows 7 years" in failed[0]
    assert application.submitted_at is not None


@pytest.mark.django_db
def test_a_draft_is_saved_without_checks_and_submit_demands_the_essentials(society):
    mentee = MembershipFactory(organization=society.organization)
    with scope(organization=society.organization):
        application = apps.application_start(actor=mentee, program=society, role=Role.MENTEE)
        draft = apps.application_save(
            actor=mentee, application=application, data=apps.ApplicationData(goals_statement="Half"), submit=False
        )
        assert draft.status == S.DRAFT
        with pytest.raises(ServiceError) as error:
            apps.application_save(
                actor=mentee, application=application, data=_data(society, principles_accepted=False), submit=True
            )
    assert "guiding principles" in error.value.message
    with scopes_disabled():
        assert Application.objects.get(pk=application.pk).status == S.DRAFT


@pytest.mark.django_db
def test_one_live_application_per_role(society):
    mentee = MembershipFactory(organization=society.organization)
    with scope(organization=society.organization):
        first = apps.application_start(actor=mentee, program=society, role=Role.MENTEE)
        again = apps.application_start(actor=mentee, program=society, role=Role.MENTEE)
        assert first.pk == again.pk
        apps.application_withdraw(actor=mentee, application=first)
        fresh = apps.application_start(actor=mentee, program=society, role=Role.MENTEE)
    assert fresh.pk != first.pk


@pytest.mark.django_db
def test_nobody_but_the_applicant_changes_an_application(society, coordinator_a):
    mentee = MembershipFactory(organization=society.organization)
    other = MembershipFactory(organization=society.organization)
    application = _submit(mentee, society)
    with scope(organization=society.organization):
        for actor in (other, coordinator_a):
            with pytest.raises(PermissionDenied):
                apps.application_save(actor=actor, application=application, data=_data(society), submit=True)
            with pytest.raises(PermissionDenied):
                apps.application_withdraw(actor=actor, application=application)


@pytest.mark.django_db
def test_only_coordinators_decide_and_override(society):
    mentee = MembershipFactory(organization=society.organization)
    committee = MembershipFactory(organization=society.organization, is_committee=True)
    application = _submit(mentee, society)
    with scope(organization=society.organization):
        for actor in (mentee, committee):
            with pytest.raises(PermissionDenied):
                apps.application_decide(actor=actor, application=application, decision=S.ACCEPTED, message="")
            with pytest.raises(PermissionDenied):
                apps.application_override_eligibility(actor=actor, application=application, eligible=True, reason="x")


@pytest.mark.django_db
def test_decisions_follow_the_state_machine_and_email_the_applicant(
    society, coordinator_a, django_capture_on_commit_callbacks
):
    mentee = MembershipFactory(organization=society.organization, user__full_name="Nia Mensah")
    application = _submit(mentee, society)
    assert application.status == S.ELIGIBLE
    with scope(organization=society.organization), django_capture_on_commit_callbacks(execute=True):
        waitlisted = apps.application_decide(
            actor=coordinator_a, application=application, decision=S.WAITLISTED, message="Full this round."
        )
        accepted = apps.application_decide(
            actor=coordinator_a, application=application, decision=S.ACCEPTED, message="A place opened!"
        )
        with pytest.raises(ServiceError):
            apps.application_decide(actor=coordinator_a, application=application, decision=S.ACCEPTED, message="")
        # Decided applications can no longer be edited by the applicant.
        with pytest.raises(ServiceError) as error:
            apps.application_save(actor=mentee, application=application, data=_data(society), submit=True)
    assert "can no longer change" in error.value.message
    assert waitlisted.status == S.WAITLISTED and accepted.status == S.ACCEPTED
    assert [m.subject for m in mail.outbox] == [
        "Your mentee application to Mentorship Program: waitlisted",
        "Your mentee application to Mentorship Program: accepted",
    ]
    assert "A place opened!" in mail.outbox[1].body and mail.outbox[1].to == [mentee.user.email]
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="application.accepted").count() == 1


@pytest.mark.django_db
def test_an_ineligible_application_needs_an_override_with_a_reason_before_acceptance(society, coordinator_a):
    trainee = MembershipFactory(organization=society.organization, status="trainee")
    application = _submit(trainee, society)
    assert application.status == S.INELIGIBLE
    with scope(organization=society.organization):
        with pytest.raises(ServiceError) as error:
            apps.application_decide(actor=coordinator_a, application=application, decision=S.ACCEPTED, message="")
        assert "Override the eligibility" in error.value.message
        with pytest.raises(ServiceError):
            apps.application_override_eligibility(
                actor=coordinator_a, application=application, eligible=True, reason=" "
            )
        overridden = apps.application_override_eligibility(
            actor=coordinator_a, application=application, eligible=True, reason="Joining as a member next month."
        )
        assert overridden.status == S.ELIGIBLE and overridden.override_by == coordinator_a
        # A later edit by the applicant keeps the coordinator's decision.
        resaved = apps.application_save(actor=trainee, application=application, data=_data(society), submit=True)
        assert resaved.status == S.ELIGIBLE
        accepted = apps.application_decide(
            actor=coordinator_a, application=application, decision=S.ACCEPTED, message=""
        )
    assert accepted.status == S.ACCEPTED
    assert accepted.override_reason == "Joining as a member next month."


@pytest.mark.django_db
def test_editing_stops_when_the_window_closes(society):
    mentee = MembershipFactory(organization=society.organization)
    application = _submit(mentee, society)
    with scopes_disabled():
        Program.objects.filter(pk=society.pk).update(applications_close=timezone.now() - timedelta(minutes=1))
    with scope(organization=society.organization):
        application.program.refresh_from_db()
        with pytest.raises(ServiceError) as error:
            apps.application_save(actor=mentee, application=application, data=_data(society), submit=True)
        assert "have closed" in error.value.message
        society.refresh_from_db()
        with pytest.raises(ServiceError):
            apps.application_start(
                actor=MembershipFactory(organization=society.organization), program=society, role="mentee"
            )


@pytest.mark.django_db
def test_mentor_capacity_is_bounded_by_the_program(society):
    mentor = MembershipFactory(organization=society.organization)
    ProfileFactory(membership=mentor, year_started_practice=THIS_YEAR - 20)
    with pytest.raises(ServiceError) as error:
        _submit(mentor, society, role=Role.MENTOR, capacity=9)
    assert "at most 3 mentees" in error.value.message


@pytest.mark.django_db
def test_hub_model_mentees_rank_three_distinct_hubs_of_their_program(org_a):
    program = ProgramFactory(organization=org_a, model=ProgramModel.HUBS, slug="faculty")
    GoalAreaFactory(program=program)
    hubs = [HubFactory(affinity_group__program=program) for _ in range(4)]
    foreign_hub = HubFactory()  # another organization's program
    faculty = MembershipFactory(organization=org_a, status="faculty")
    with pytest.raises(ServiceError) as error:
        _submit(faculty, program, hub_ids=[hubs[0].pk, hubs[1].pk, None])
    assert "Rank three hubs" in error.value.message
    with pytest.raises(ServiceError):
        _submit(faculty, program, hub_ids=[hubs[0].pk, hubs[0].pk, hubs[1].pk])
    with pytest.raises(ServiceError):
        _submit(faculty, program, hub_ids=[hubs[0].pk, hubs[1].pk, foreign_hub.pk])
    application = _submit(faculty, program, hub_ids=[hubs[2].pk, hubs[0].pk, hubs[1].pk])
    with scopes_disabled():
        ranking = list(HubChoice.objects.filter(application=application).values_list("rank", "hub_id"))
    assert ranking == [(1, hubs[2].pk), (2, hubs[0].pk), (3, hubs[1].pk)]


# --- Pages: who sees what -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_applicant_cannot_see_other_applications(client, society):
    mine = MembershipFactory(organization=society.organization)
    theirs = _submit(MembershipFactory(organization=society.organization), society)
    client.force_login(mine.user)
    assert client.get(f"/o/alpha/applications/{theirs.pk}/").status_code == 404
    assert client.post(f"/o/alpha/applications/{theirs.pk}/withdraw/").status_code == 404
    assert client.get("/o/alpha/programs/mentorship/applications/").status_code == 403
    assert client.get(f"/o/alpha/programs/mentorship/applications/{theirs.pk}/").status_code == 403
    with scopes_disabled():
        assert Application.objects.get(pk=theirs.pk).status == S.ELIGIBLE


@pytest.mark.django_db
def test_another_organizations_coordinator_sees_nothing(client, society, coordinator_b):
    application = _submit(MembershipFactory(organization=society.organization), society)
    client.force_login(coordinator_b.user)
    for url in (
        "/o/alpha/programs/mentorship/",
        "/o/alpha/programs/mentorship/applications/",
        f"/o/alpha/programs/mentorship/applications/{application.pk}/",
        f"/o/alpha/applications/{application.pk}/",
    ):
        assert client.get(url).status_code == 404
    # Nor through their own organization's URLs with this id.
    ProgramFactory(organization=coordinator_b.organization, slug="mentorship")
    assert client.get(f"/o/bravo/programs/mentorship/applications/{application.pk}/").status_code == 404
    assert client.get(f"/o/bravo/applications/{application.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_applicant_sees_the_status_and_the_reasons(client, society):
    mentor = MembershipFactory(organization=society.organization)
    ProfileFactory(membership=mentor, year_started_practice=THIS_YEAR - 7)
    application = _submit(mentor, society, role=Role.MENTOR)
    client.force_login(mentor.user)
    page = client.get(f"/o/alpha/applications/{application.pk}/").content.decode()
    assert "Not eligible" in page and "shows 7 years" in page
    dashboard = client.get("/o/alpha/").content.decode()
    assert "Mentorship Program — mentor" in dashboard and "Not eligible" in dashboard


@pytest.mark.django_db
def test_unpublished_programs_are_hidden_from_members(client, org_a, member_a, coordinator_a):
    ProgramFactory(organization=org_a, slug="draft-program", is_published=False, name="Secret Draft")
    client.force_login(member_a.user)
    assert client.get("/o/alpha/programs/draft-program/").status_code == 404
    assert b"Secret Draft" not in client.get("/o/alpha/programs/").content
    client.force_login(coordinator_a.user)
    assert client.get("/o/alpha/programs/draft-program/").status_code == 200


@pytest.mark.django_db
def test_a_coordinator_configures_a_program_in_the_browser_form(client, coordinator_a):
    client.force_login(coordinator_a.user)
    form = client.get("/o/alpha/programs/new/")
    assert b"Board preparation" in form.content  # the seeds' catalogue is the default
    response = client.post(
        "/o/alpha/programs/new/",
        {
            "name": "Society Mentorship",
            "slug": "society",
            "model": "committee",
            "min_commitment_months": 12,
            "meeting_cadence": "quarterly",
            "in_person_cadence": "",
            "first_meeting_days": 30,
            "six_month_assessment": "on",
            "yearly_review": "on",
            "default_mentees_per_mentor": 1,
            "max_mentees_per_mentor": 2,
            "committee_rule": "coordinator",
            "max_open_requests": 3,
            "request_response_days": 14,
            "principles": "Voluntary.\nConfidential.",
            "is_published": "on",
            "goal_areas": "Board preparation\nLeadership\nleadership\nMedico-legal issues",
            "mentor_statuses": ["member", "candidate"],
            "mentor_min_years": 8,
            "mentor_attestations": "",
            "mentee_statuses": ["member", "candidate"],
            "mentee_attestations": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with scopes_disabled():
        program = Program.objects.get(slug="society")
        assert list(program.goal_areas.values_list("name", flat=True)) == [
            "Board preparation",
            "Leadership",
            "Medico-legal issues",
        ]
        rule = EligibilityRule.objects.get(program=program, role=Role.MENTOR)
    assert rule.allowed_statuses == ["member", "candidate"] and rule.min_years_experience == 8
    assert program.principle_list == ["Voluntary.", "Confidential."]


@pytest.mark.django_db
def test_bad_program_settings_get_messages_not_errors(client, coordinator_a):
    client.force_login(coordinator_a.user)
    response = client.post(
        "/o/alpha/programs/new/",
        {
            "name": "X",
            "slug": "x",
            "model": "committee",
            "applications_open": "2026-12-01T10:00",
            "applications_close": "2026-11-01T10:00",
            "min_commitment_months": 12,
            "meeting_cadence": "quarterly",
            "first_meeting_days": 30,
            "default_mentees_per_mentor": 4,
            "max_mentees_per_mentor": 2,
            "committee_rule": "coordinator",
            "max_open_requests": 3,
            "request_response_days": 14,
            "principles": "P",
            "goal_areas": "A",
        },
    )
    assert response.status_code == 200
    assert b"Applications must close after they open." in response.content
    with scopes_disabled():
        assert not Program.objects.exists()


# --- Query bounds ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("count", [10, 1000])
def test_the_application_list_runs_a_bounded_number_of_queries(
    client, coordinator_a, django_assert_max_num_queries, count
):
    program = ProgramFactory(organization=coordinator_a.organization, model=ProgramModel.HUBS, slug="faculty")
    hubs = [HubFactory(affinity_group__program=program) for _ in range(3)]
    people = MembershipFactory.create_batch(count, organization=coordinator_a.organization)
    with scopes_disabled():
        created = Application.objects.bulk_create(
            [
                Application(
                    organization=program.organization,
                    program=program,
                    membership=m,
                    role=Role.MENTEE,
                    status=S.ELIGIBLE,
                    eligible=True,
                    submitted_at=timezone.now(),
                )
                for m in people
            ]
        )
        HubChoice.objects.bulk_create(
            [
                HubChoice(organization=program.organization, application=a, hub=hub, rank=rank)
                for a in created
                for rank, hub in enumerate(hubs, start=1)
            ]
        )
    client.force_login(coordinator_a.user)
    # Session, user, membership, switcher; program, hubs (filter); count, page, hub choices.
    with django_assert_max_num_queries(10):
        response = client.get("/o/alpha/programs/faculty/applications/?role=mentee&eligibility=yes")
    assert response.status_code == 200
    assert f"{count} applications".encode() in response.content


@pytest.mark.django_db
def test_a_program_cannot_take_a_reserved_address(coordinator_a):
    with scope(organization=coordinator_a.organization), pytest.raises(ServiceError) as error:
        from programs.services.programs import program_create

        program_create(actor=coordinator_a, values={"name": "New", "slug": "new", "model": "committee"})
    assert "reserved" in error.value.message


@pytest.mark.django_db
def test_the_program_guide_is_uploaded_and_downloaded_only_by_members(client, society, coordinator_a, coordinator_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(coordinator_a.user)
    edit = client.get("/o/alpha/programs/mentorship/edit/")
    assert edit.status_code == 200
    form = edit.context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        {
            "mentor_statuses": ["member", "candidate"],
            "mentee_statuses": ["member", "candidate"],
            "mentor_min_years": 8,
            "goal_areas": form.fields["goal_areas"].initial,
            "six_month_assessment": "on",
            "is_published": "on",
            "guide_file": SimpleUploadedFile("Program Guide.pdf", b"%PDF-1.4 guide", content_type="application/pdf"),
        }
    )
    for flag in ("six_month_assessment", "yearly_review", "is_published"):
        if data.get(flag) is False:
            data.pop(flag)
    data["is_published"] = "on"
    response = client.post("/o/alpha/programs/mentorship/edit/", data)
    assert response.status_code == 302, response.context["form"].errors

    member = MembershipFactory(organization=society.organization)
    client.force_login(member.user)
    download = client.get("/o/alpha/programs/mentorship/guide/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 guide"
    assert 'filename="Program_Guide.pdf"' in download["Content-Disposition"]
    client.force_login(coordinator_b.user)
    assert client.get("/o/alpha/programs/mentorship/guide/").status_code == 404

    client.force_login(coordinator_a.user)
    bad = client.post(
        "/o/alpha/programs/mentorship/edit/",
        {**data, "guide_file": SimpleUploadedFile("guide.exe", b"MZ", content_type="application/octet-stream")},
    )
    assert bad.status_code == 200 and b"Upload the guide as a PDF or Word document." in bad.content
