"""Many people acting on the same rows at the same moment (issue 8, part 3).

Each test releases 8-20 threads together behind a barrier, each in its own database
connection and transaction (as concurrent web requests would be), then checks the
invariants the services guard with row locks:

* no mentor over capacity, no mentee paired twice, one Mentorship per accepted pairing;
* a committee decision is made once, and the pair is offered once;
* one signature per party per agreement version, signed (and announced) once;
* a quarterly report submitted once, a survey invitation answered once.

Every thread must either succeed or be refused with a ServiceError/PermissionDenied: any
other exception (IntegrityError, a deadlock, ...) is what a user would see as a 500, and
fails the test with its traceback. A thread still running after the join timeout (a lock
never released) fails the test too.

Row locks behave as in production only on PostgreSQL; elsewhere these tests are skipped.
"""

import threading
import traceback
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from agreements.models import Agreement, AgreementStatus, Signature
from agreements.services import agreement as agreement_services
from matching.models import MentorshipRequest, Proposal, ProposalStatus, RequestStatus, Vote
from matching.services import proposals as proposal_services
from matching.services import requests as request_services
from mentorship.exceptions import ServiceError
from programs.models import ApplicationStatus, AuditEvent, Membership, ProgramModel, Role
from relationships.models import Mentorship, PairExclusion
from surveys.models import (
    QuarterlyReport,
    Question,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    SurveyWave,
)
from surveys.periods import quarter_of
from surveys.services import answers as answering
from surveys.services import reports
from tests.factories import ApplicationFactory, MembershipFactory, ProgramFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock races need PostgreSQL (set DATABASE_URL); SQLite serializes every write",
    ),
]

EXPECTED = (ServiceError, PermissionDenied)
JOIN_TIMEOUT = 60

# Deadlock regressions (found by these races, fixed in matching/agreements services): lock
# rows with select_for_update(of=("self",)) and always take the two memberships first.
ROUNDS = range(3)  # a deadlock race is tried a few times, to meet the unlucky interleaving


# --- The race harness --------------------------------------------------------------------------


@dataclass
class Outcome:
    label: str
    value: object = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def message(self) -> str:
        return getattr(self.error, "message", str(self.error))


def race(organization, calls):
    """Run each ``(label, callable)`` in its own thread, all released at once, inside the
    organization's tenancy scope. Returns one Outcome per call, in order. Fails the test on
    any exception other than ServiceError/PermissionDenied, and on a thread that hangs."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Outcome | None] = [None] * len(calls)
    unexpected: list[str] = []

    def run(index, label, call):
        try:
            barrier.wait(timeout=30)
            with scope(organization=organization):
                outcomes[index] = Outcome(label, value=call())
        except EXPECTED as error:
            outcomes[index] = Outcome(label, error=error)
        except BaseException:  # noqa: BLE001 - reported below with its traceback
            unexpected.append(f"--- {label} ---\n{traceback.format_exc()}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, label, call), name=f"race-{i}-{label}", daemon=True)
        for i, (label, call) in enumerate(calls)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=JOIN_TIMEOUT)
    hung = [t.name for t in threads if t.is_alive()]
    assert not hung, f"threads still running after {JOIN_TIMEOUT}s (a lock never released?): {hung}"
    assert not unexpected, "unexpected exceptions (a user would see a 500):\n" + "\n".join(unexpected)
    return outcomes


def successes(outcomes, label=None):
    return [o for o in outcomes if o.ok and (label is None or o.label == label)]


def refusals(outcomes, label=None):
    return [o for o in outcomes if not o.ok and (label is None or o.label == label)]


def assert_refused_only_with(outcomes, *fragments):
    """Every refusal is a ServiceError whose message contains one of ``fragments``."""
    for o in refusals(outcomes):
        assert isinstance(o.error, ServiceError), f"{o.label}: {type(o.error).__name__}: {o.error}"
        assert any(f in o.message for f in fragments), f"{o.label}: unexpected refusal {o.message!r}"


def audits(action):
    with scopes_disabled():
        return AuditEvent.objects.filter(action=action).count()


def emails(subject_fragment, to=None):
    return [m for m in mail.outbox if subject_fragment in m.subject and (to is None or sorted(m.to) == sorted(to))]


def in_scope(organization, call):
    """Run one step of a test's setup the way a request would: inside the tenancy scope."""
    with scope(organization=organization):
        return call()


def member(pk):
    return Membership.objects.select_related("user").get(pk=pk)


# --- Matching helpers -----------------------------------------------------------------------------


def applicant(program, role, *, capacity=None, status=ApplicationStatus.ACCEPTED):
    return ApplicationFactory(program=program, role=role, status=status, capacity=capacity).membership


def offered(coordinator, program, mentor, mentee):
    """A pairing offered to both people (approved by the coordinator in a committee program)."""
    with scope(organization=program.organization):
        proposal = proposal_services.proposal_offer(actor=coordinator, program=program, mentor=mentor, mentee=mentee)
        if proposal.status == ProposalStatus.PROPOSED:
            proposal = proposal_services.proposal_finalize(actor=coordinator, proposal=proposal, approve=True)
    assert proposal.status == ProposalStatus.OFFERED
    return proposal


def answer(proposal_pk, actor_pk, accept=True):
    return lambda: proposal_services.proposal_respond(
        actor=member(actor_pk), proposal=Proposal.objects.get(pk=proposal_pk), accept=accept, reason="Not now."
    )


def live(**filters):
    with scopes_disabled():
        return list(Mentorship.objects.filter(status__in=["active", "paused"], **filters))


# --- 1-2. Offers: many mentees, one mentor with K places; one offer, many clicks ------------------


def test_many_offers_to_one_mentor_accepted_at_once_fill_exactly_its_capacity(org_a):
    """Ten pairings offered to one mentor with three places; all twenty people accept at once."""
    capacity, count = 3, 10
    program = ProgramFactory(organization=org_a, slug="society")
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    mentor = applicant(program, Role.MENTOR, capacity=capacity)
    mentees = [applicant(program, Role.MENTEE) for _ in range(count)]
    proposals = [offered(coordinator, program, mentor, m) for m in mentees]

    calls = []
    for p in proposals:
        calls += [("mentor", answer(p.pk, mentor.pk)), ("mentee", answer(p.pk, p.mentee_id))]
    outcomes = race(org_a, calls)

    assert len(live(mentor=mentor)) == capacity
    for mentee in mentees:
        assert len(live(mentee=mentee)) <= 1
    with scopes_disabled():
        confirmed = list(Proposal.objects.filter(program=program, status=ProposalStatus.CONFIRMED))
        assert len(confirmed) == capacity
        assert all((p.mentorship.mentor_id, p.mentorship.mentee_id) == (p.mentor_id, p.mentee_id) for p in confirmed)
    # Each refused thread was a pairing's second acceptance, after the places were gone.
    assert len(refusals(outcomes)) == count - capacity
    assert_refused_only_with(outcomes, "has no open places")
    assert audits("mentorship.started") == capacity
    assert len(emails("You are paired")) == capacity


def test_one_offer_accepted_by_both_people_many_times_at_once_pairs_them_once(org_a):
    program = ProgramFactory(organization=org_a, slug="society")
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    mentor, mentee = applicant(program, Role.MENTOR, capacity=2), applicant(program, Role.MENTEE)
    proposal = offered(coordinator, program, mentor, mentee)

    outcomes = race(
        org_a,
        [("mentor", answer(proposal.pk, mentor.pk)) for _ in range(8)]
        + [("mentee", answer(proposal.pk, mentee.pk)) for _ in range(8)],
    )

    assert len(successes(outcomes, "mentor")) == len(successes(outcomes, "mentee")) == 1
    assert_refused_only_with(outcomes, "You have already answered.", "This pairing is already confirmed")
    pairing = live(mentor=mentor, mentee=mentee)
    assert len(pairing) == 1
    with scopes_disabled():
        proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CONFIRMED and proposal.mentorship_id == pairing[0].pk
    assert audits("mentorship.started") == 1
    assert len(emails("You are paired", to=[mentor.user.email, mentee.user.email])) == 1


def test_accepting_and_declining_one_offer_at_once_ends_in_one_consistent_answer(org_a):
    """The mentor accepts while the mentee both accepts and declines (two tabs): the mentee's
    first answer wins, and the outcome is either a pairing or an exclusion, never both."""
    program = ProgramFactory(organization=org_a, slug="society")
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    mentor, mentee = applicant(program, Role.MENTOR, capacity=1), applicant(program, Role.MENTEE)
    proposal = offered(coordinator, program, mentor, mentee)

    outcomes = race(
        org_a,
        [("mentor", answer(proposal.pk, mentor.pk)) for _ in range(4)]
        + [("mentee-accept", answer(proposal.pk, mentee.pk)) for _ in range(4)]
        + [("mentee-decline", answer(proposal.pk, mentee.pk, accept=False)) for _ in range(4)],
    )

    mentee_answers = successes(outcomes, "mentee-accept") + successes(outcomes, "mentee-decline")
    assert len(mentee_answers) == 1
    assert len(successes(outcomes, "mentor")) <= 1
    assert_refused_only_with(
        outcomes, "You have already answered.", "This pairing is already confirmed", "This pairing is already declined"
    )
    with scopes_disabled():
        proposal.refresh_from_db()
        excluded = PairExclusion.objects.filter(program=program, mentor=mentor, mentee=mentee).exists()
    pairing = live(mentor=mentor, mentee=mentee)
    if mentee_answers[0].label == "mentee-decline":
        assert proposal.status == ProposalStatus.DECLINED and proposal.mentee_response == "declined"
        assert excluded and not pairing and proposal.mentorship_id is None
    else:
        # The mentor's first click can only have met the mentee's acceptance: the pairing is made.
        assert proposal.mentee_response == proposal.mentor_response == "accepted" and not excluded
        assert len(successes(outcomes, "mentor")) == 1
        assert proposal.status == ProposalStatus.CONFIRMED and [m.pk for m in pairing] == [proposal.mentorship_id]


# --- 3. The committee: votes and finalization at once ------------------------------------------------


def test_committee_votes_and_coordinators_finalizing_at_once_decide_once_and_offer_once(org_a):
    program = ProgramFactory(organization=org_a, slug="society", committee_rule="majority")
    coordinators = [MembershipFactory(organization=org_a, is_coordinator=True) for _ in range(2)]
    committee = [MembershipFactory(organization=org_a, is_committee=True) for _ in range(7)]
    mentor, mentee = applicant(program, Role.MENTOR, capacity=1), applicant(program, Role.MENTEE)
    with scope(organization=org_a):
        proposal = proposal_services.proposal_offer(
            actor=coordinators[0], program=program, mentor=mentor, mentee=mentee
        )
    assert proposal.status == ProposalStatus.PROPOSED
    mail.outbox.clear()

    def vote(voter_pk, approve):
        return lambda: proposal_services.proposal_vote(
            actor=member(voter_pk), proposal=Proposal.objects.get(pk=proposal.pk), approve=approve, comment="ok"
        )

    def finalize(coordinator_pk, approve):
        return lambda: proposal_services.proposal_finalize(
            actor=member(coordinator_pk), proposal=Proposal.objects.get(pk=proposal.pk), approve=approve
        )

    outcomes = race(
        org_a,
        [(f"vote-{'yes' if i < 4 else 'no'}", vote(m.pk, i < 4)) for i, m in enumerate(committee)]
        + [("finalize-yes", finalize(coordinators[0].pk, True)), ("finalize-no", finalize(coordinators[1].pk, False))],
    )

    with scopes_disabled():
        proposal.refresh_from_db()
        votes = Vote.objects.filter(proposal=proposal).count()
    assert proposal.status in (ProposalStatus.OFFERED, ProposalStatus.REJECTED)
    assert audits("proposal.approved") + audits("proposal.rejected") == 1
    assert votes == len(successes(outcomes, "vote-yes")) + len(successes(outcomes, "vote-no"))
    finalized = successes(outcomes, "finalize-yes") + successes(outcomes, "finalize-no")
    assert len(finalized) <= 1
    if finalized:
        expected = ProposalStatus.OFFERED if finalized[0].label == "finalize-yes" else ProposalStatus.REJECTED
        assert proposal.status == expected
    assert_refused_only_with(outcomes, "This pairing is already offered", "This pairing is already rejected")
    offers = emails("A proposed pairing in")
    if proposal.status == ProposalStatus.OFFERED:
        assert sorted(m.to[0] for m in offers) == sorted([mentor.user.email, mentee.user.email])
    else:
        assert offers == []
    assert live() == []


# --- 4. Requests (self-selection) ------------------------------------------------------------------


def self_select(org, **kwargs):
    return ProgramFactory(organization=org, slug="alumni", model=ProgramModel.SELF_SELECT, **kwargs)


def send(program, mentee, mentor):
    with scope(organization=program.organization):
        return request_services.request_send(
            actor=mentee, program=program, mentor=mentor, message="I would value your advice on a research career."
        )


def accept_request(request_pk, actor_pk):
    return lambda: request_services.request_accept(
        actor=member(actor_pk), request=MentorshipRequest.objects.get(pk=request_pk)
    )


def test_many_requests_to_one_mentor_accepted_at_once_fill_exactly_its_capacity(org_a):
    capacity, count = 3, 12
    program = self_select(org_a)
    mentor = applicant(program, Role.MENTOR, capacity=capacity, status=ApplicationStatus.ELIGIBLE)
    requests = [
        send(program, applicant(program, Role.MENTEE, status=ApplicationStatus.ELIGIBLE), mentor) for _ in range(count)
    ]

    outcomes = race(org_a, [("accept", accept_request(r.pk, mentor.pk)) for r in requests])

    assert len(successes(outcomes)) == capacity
    assert_refused_only_with(outcomes, "You have no open places")
    assert len(live(mentor=mentor)) == capacity
    with scopes_disabled():
        accepted = list(MentorshipRequest.objects.filter(program=program, status=RequestStatus.ACCEPTED))
        still_open = MentorshipRequest.objects.filter(program=program, status=RequestStatus.OPEN).count()
    assert len(accepted) == capacity and still_open == count - capacity
    assert sorted(r.mentorship_id for r in accepted) == sorted(m.pk for m in live(mentor=mentor))
    assert len(emails("You are paired")) == capacity


def test_one_request_accepted_many_times_at_once_pairs_once(org_a):
    program = self_select(org_a)
    mentor = applicant(program, Role.MENTOR, capacity=5, status=ApplicationStatus.ELIGIBLE)
    request = send(program, applicant(program, Role.MENTEE, status=ApplicationStatus.ELIGIBLE), mentor)

    outcomes = race(org_a, [("accept", accept_request(request.pk, mentor.pk)) for _ in range(10)])

    assert len(successes(outcomes)) == 1
    assert_refused_only_with(outcomes, "This request is already accepted.")
    assert len(live(mentor=mentor)) == 1
    assert audits("mentorship.started") == 1


def test_one_mentee_accepted_by_many_mentors_at_once_is_paired_once(org_a):
    count = 6
    program = self_select(org_a, max_open_requests=count)
    mentee = applicant(program, Role.MENTEE, status=ApplicationStatus.ELIGIBLE)
    mentors = [applicant(program, Role.MENTOR, capacity=1, status=ApplicationStatus.ELIGIBLE) for _ in range(count)]
    requests = [send(program, mentee, m) for m in mentors]

    outcomes = race(org_a, [("accept", accept_request(r.pk, m.pk)) for r, m in zip(requests, mentors, strict=True)])

    assert len(successes(outcomes)) == 1
    assert_refused_only_with(outcomes, "This request is already withdrawn.", "just been paired with another mentor")
    pairing = live(mentee=mentee)
    assert len(pairing) == 1
    with scopes_disabled():
        statuses = sorted(MentorshipRequest.objects.filter(mentee=mentee).values_list("status", flat=True))
    assert statuses == ["accepted"] + ["withdrawn"] * (count - 1)


@pytest.mark.parametrize("round_", ROUNDS)
def test_accept_decline_and_withdraw_of_one_request_at_once_leave_one_answer(org_a, round_):
    program = self_select(org_a)
    mentor = applicant(program, Role.MENTOR, capacity=2, status=ApplicationStatus.ELIGIBLE)
    mentee = applicant(program, Role.MENTEE, status=ApplicationStatus.ELIGIBLE)
    request = send(program, mentee, mentor)

    def decline():
        return request_services.request_decline(
            actor=member(mentor.pk), request=MentorshipRequest.objects.get(pk=request.pk), reason="Full."
        )

    def withdraw():
        return request_services.request_withdraw(
            actor=member(mentee.pk), request=MentorshipRequest.objects.get(pk=request.pk)
        )

    outcomes = race(
        org_a,
        [("accepted", accept_request(request.pk, mentor.pk)) for _ in range(4)]
        + [("declined", decline) for _ in range(3)]
        + [("withdrawn", withdraw) for _ in range(3)],
    )

    assert len(successes(outcomes)) == 1
    winner = successes(outcomes)[0].label
    assert_refused_only_with(outcomes, f"This request is already {winner}.")
    with scopes_disabled():
        request.refresh_from_db()
        excluded = PairExclusion.objects.filter(program=program, mentor=mentor, mentee=mentee).exists()
    pairing = live(mentee=mentee)
    assert request.status == winner
    assert bool(pairing) == (winner == "accepted") and excluded == (winner == "declined")
    if pairing:
        assert request.mentorship_id == pairing[0].pk


# --- 5. Agreements ------------------------------------------------------------------------------


def pairing(org, **kwargs):
    program = kwargs.pop("program", None) or ProgramFactory(organization=org, slug="society")
    mentor = MembershipFactory(organization=org, user__full_name="Dana Whitfield")
    mentee = MembershipFactory(organization=org, user__full_name="Nia Mensah")
    with scopes_disabled():
        return Mentorship.objects.create(
            organization=org,
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            planned_end_on=timezone.localdate() + timedelta(days=700),
            **kwargs,
        )


def written_agreement(pair):
    """A version with every section filled, and both people's consent to sign electronically."""
    with scope(organization=pair.organization):
        agreement = agreement_services.agreement_start(actor=pair.mentee, mentorship=pair)
        content = {s["key"]: f"Our {s['heading'].lower()}." for s in agreement.sections if s.get("editable")}
        agreement = agreement_services.draft_save(
            actor=pair.mentee, agreement=agreement, content=content, revision=agreement.revision
        )
        for person in (pair.mentor, pair.mentee):
            agreement_services.consent_to_sign(actor=person)
    return agreement


def sign(agreement_pk, actor_pk, revision):
    def call():
        actor = member(actor_pk)
        return agreement_services.agreement_sign(
            actor=actor,
            agreement=Agreement.objects.get(pk=agreement_pk),
            typed_name=actor.user.full_name,
            confirm=True,
            revision=revision,
            request_meta={"ip": "203.0.113.7", "user_agent": "race"},
        )

    return call


@pytest.fixture
def queued_pdfs(monkeypatch):
    """Record the PDF builds queued on signing instead of rendering them (WeasyPrint is not
    what these tests are about)."""
    from agreements.tasks import render_agreement_pdf_task

    queued = []
    monkeypatch.setattr(render_agreement_pdf_task, "delay", lambda pk: queued.append(pk))
    return queued


def test_both_people_signing_one_version_many_times_at_once_sign_it_once(org_a, queued_pdfs):
    pair = pairing(org_a)
    agreement = written_agreement(pair)
    mail.outbox.clear()

    outcomes = race(
        org_a,
        [("mentor", sign(agreement.pk, pair.mentor_id, agreement.revision)) for _ in range(6)]
        + [("mentee", sign(agreement.pk, pair.mentee_id, agreement.revision)) for _ in range(6)],
    )

    assert len(successes(outcomes, "mentor")) == len(successes(outcomes, "mentee")) == 1
    assert_refused_only_with(
        outcomes, "You have already signed this version.", "This version is already signed by both of you."
    )
    with scopes_disabled():
        agreement = Agreement.objects.get(pk=agreement.pk)
        signatures = list(Signature.objects.filter(agreement=agreement))
    assert sorted(s.signer_id for s in signatures) == sorted([pair.mentor_id, pair.mentee_id])
    assert sorted(s.role for s in signatures) == ["mentee", "mentor"]
    assert agreement.status == AgreementStatus.SIGNED and agreement.signed_at is not None
    assert {s.content_hash for s in signatures} == {agreement.content_hash} == {agreement.compute_hash()}
    assert audits("agreement.signed") == 1
    assert len(emails("Your mentoring agreement is signed")) == 1
    assert len(emails("", to=[pair.mentor.user.email, pair.mentee.user.email])) == 1
    assert queued_pdfs == [agreement.pk]


def test_signing_while_the_other_reopens_leaves_a_signed_text_or_a_clean_draft(org_a, queued_pdfs):
    """The mentor has signed; the mentee signs while either of them reopens the text."""
    pair = pairing(org_a)
    agreement = written_agreement(pair)
    in_scope(org_a, sign(agreement.pk, pair.mentor_id, agreement.revision))
    assert in_scope(org_a, lambda: Agreement.objects.get(pk=agreement.pk).status) == AgreementStatus.AWAITING

    def reopen(actor_pk):
        return lambda: agreement_services.agreement_reopen(
            actor=member(actor_pk), agreement=Agreement.objects.get(pk=agreement.pk)
        )

    outcomes = race(
        org_a,
        [("sign", sign(agreement.pk, pair.mentee_id, agreement.revision)) for _ in range(4)]
        + [("reopen", reopen(pair.mentor_id)) for _ in range(2)]
        + [("reopen", reopen(pair.mentee_id)) for _ in range(2)],
    )

    assert len(successes(outcomes)) == 1
    assert_refused_only_with(
        outcomes,
        "This version is already signed by both of you.",
        "You have already signed this version.",
        "The text changed since you opened it.",
        "Only a text waiting for the second signature can be reopened.",
    )
    with scopes_disabled():
        current = Agreement.objects.get(pk=agreement.pk)
        signatures = list(Signature.objects.filter(agreement=current))
    if successes(outcomes)[0].label == "sign":
        assert current.status == AgreementStatus.SIGNED and current.revision == agreement.revision
        assert len(signatures) == 2 and {s.content_hash for s in signatures} == {current.content_hash}
        assert queued_pdfs == [current.pk]
    else:
        assert current.status == AgreementStatus.DRAFT and current.revision == agreement.revision + 1
        assert signatures == [] and queued_pdfs == []


def test_both_people_opening_the_next_version_at_once_get_one_shared_draft(org_a, queued_pdfs):
    pair = pairing(org_a)
    first = written_agreement(pair)
    in_scope(org_a, sign(first.pk, pair.mentor_id, first.revision))
    in_scope(org_a, sign(first.pk, pair.mentee_id, first.revision))

    def start(actor_pk):
        return lambda: agreement_services.agreement_start(
            actor=member(actor_pk), mentorship=Mentorship.objects.get(pk=pair.pk)
        )

    outcomes = race(org_a, [("start", start(pk)) for pk in (pair.mentor_id, pair.mentee_id) * 5])

    assert refusals(outcomes) == []
    with scopes_disabled():
        versions = list(Agreement.objects.filter(mentorship=pair).order_by("version"))
    assert [(a.version, a.status) for a in versions] == [(1, AgreementStatus.SIGNED), (2, AgreementStatus.DRAFT)]
    assert {o.value.pk for o in outcomes} == {versions[1].pk}


# --- 6. Quarterly reports --------------------------------------------------------------------------


def written_report(pair):
    year, quarter = quarter_of(timezone.localdate())
    with scope(organization=pair.organization):
        return reports.report_save(
            actor=pair.mentee,
            mentorship=pair,
            year=year,
            quarter=quarter,
            goals_achieved="Submitted the grant.",
            next_plans="Write the first paper.",
            barriers="No protected research time.",
            revision=0,
        )


def confirm(report_pk, actor_pk, revision):
    return lambda: reports.report_confirm(
        actor=member(actor_pk), report=QuarterlyReport.objects.get(pk=report_pk), revision=revision
    )


@pytest.fixture
def reporting_pair(org_a):
    program = ProgramFactory(organization=org_a, slug="department", quarterly_reports=True)
    return pairing(org_a, program=program, started_on=timezone.localdate() - timedelta(days=400))


def test_a_report_confirmed_by_both_many_times_at_once_is_submitted_once(org_a, reporting_pair, coordinator_a):
    pair = reporting_pair
    report = written_report(pair)

    outcomes = race(
        org_a,
        [("mentor", confirm(report.pk, pair.mentor_id, report.revision)) for _ in range(6)]
        + [("mentee", confirm(report.pk, pair.mentee_id, report.revision)) for _ in range(6)],
    )

    assert_refused_only_with(outcomes, "report has already been submitted")
    with scopes_disabled():
        report = QuarterlyReport.objects.get(pk=report.pk)
    assert report.submitted_at is not None
    assert report.mentor_confirmed_revision == report.mentee_confirmed_revision == report.revision == 1
    assert audits("quarterly_report.submitted") == 1
    assert len(emails("quarterly report was submitted", to=[pair.mentor.user.email, pair.mentee.user.email])) == 1
    assert len([m for m in mail.outbox if m.to == [coordinator_a.user.email]]) == 1
    # The first confirmation tells the other person once; later clicks tell nobody.
    assert (
        len([m for m in mail.outbox if len(m.to) == 1 and m.to[0] in (pair.mentor.user.email, pair.mentee.user.email)])
        == 1
    )


def test_confirming_while_the_other_edits_submits_only_the_text_both_confirmed(org_a, reporting_pair):
    """The mentee confirmed revision 1; the mentor confirms it while the mentee edits it."""
    pair = reporting_pair
    report = written_report(pair)
    in_scope(org_a, confirm(report.pk, pair.mentee_id, 1))

    def edit(text):
        return lambda: reports.report_save(
            actor=member(pair.mentee_id),
            report=QuarterlyReport.objects.get(pk=report.pk),
            goals_achieved=text,
            next_plans="Write the first paper.",
            barriers="No protected research time.",
            revision=1,
        )

    outcomes = race(
        org_a,
        [("confirm", confirm(report.pk, pair.mentor_id, 1)) for _ in range(4)]
        + [("edit", edit(f"Submitted the grant, draft {i}.")) for i in range(4)],
    )

    assert_refused_only_with(
        outcomes,
        "report has already been submitted",
        "and can no longer change",
        "saved a newer version of this report",
        "The text changed since you opened it",
    )
    with scopes_disabled():
        report = QuarterlyReport.objects.get(pk=report.pk)
    if report.submitted_at:
        assert successes(outcomes, "edit") == []
        assert report.revision == report.mentor_confirmed_revision == report.mentee_confirmed_revision == 1
        assert report.goals_achieved == "Submitted the grant."
    else:
        assert len(successes(outcomes, "edit")) == 1 and successes(outcomes, "confirm") == []
        assert report.revision == 2 and report.mentor_confirmed_revision is report.mentee_confirmed_revision is None
        assert audits("quarterly_report.submitted") == 0


# --- 7. Surveys ---------------------------------------------------------------------------------


def open_survey(org, *, anonymous, schedule="once"):
    today = timezone.localdate()
    with scopes_disabled():
        survey = Survey.objects.create(
            organization=org,
            title="How is it going?",
            status="active",
            schedule=schedule,
            interval_months=6 if schedule == "after_pairing" else None,
            opens_on=today - timedelta(days=1),
            open_days=14,
            anonymous=anonymous,
            audience="both",
        )
        questions = [
            Question.objects.create(organization=org, survey=survey, position=1, kind=QuestionKind.LIKERT, text="Q1"),
            Question.objects.create(
                organization=org, survey=survey, position=2, kind=QuestionKind.TEXT, text="Q2", required=False
            ),
        ]
    return survey, {questions[0].pk: "4", questions[1].pk: "Going well"}


def invite(survey, membership, *, wave=None, role="mentee"):
    today = timezone.localdate()
    with scopes_disabled():
        wave = wave or SurveyWave.objects.create(
            organization=survey.organization, survey=survey, number=1, opens_on=today, closes_on=today + timedelta(14)
        )
        return SurveyInvitation.objects.create(
            organization=survey.organization, wave=wave, membership=membership, role=role
        )


def submit(invitation_pk, actor_pk, answers):
    return lambda: answering.survey_submit(
        actor=member(actor_pk), invitation=SurveyInvitation.objects.get(pk=invitation_pk), answers=answers
    )


def test_one_invitation_answered_many_times_at_once_records_one_response(org_a, member_a):
    survey, answers = open_survey(org_a, anonymous=False)
    invitation = invite(survey, member_a)

    outcomes = race(org_a, [("submit", submit(invitation.pk, member_a.pk, answers)) for _ in range(10)])

    assert len(successes(outcomes)) == 1
    assert_refused_only_with(outcomes, "You have already answered this survey")
    with scopes_disabled():
        responses = list(SurveyResponse.objects.filter(survey=survey))
        assert len(responses) == 1 and responses[0].respondent_id == member_a.pk
        assert SurveyAnswer.objects.filter(response=responses[0]).count() == 2
        assert SurveyInvitation.objects.get(pk=invitation.pk).responded_on == timezone.localdate()


def test_an_anonymous_pairing_survey_answered_by_everyone_at_once_pools_into_one_wave(org_a):
    """Each pairing has its own wave; anonymous answers go to one shared wave created on the
    first answer. Everyone answers at once, each of them twice."""
    survey, answers = open_survey(org_a, anonymous=True, schedule="after_pairing")
    today = timezone.localdate()
    invitations = []
    for _ in range(5):
        pair = pairing(org_a, program=ProgramFactory(organization=org_a))
        with scopes_disabled():
            wave = SurveyWave.objects.create(
                organization=org_a, survey=survey, mentorship=pair, opens_on=today, closes_on=today + timedelta(14)
            )
        invitations += [
            invite(survey, pair.mentor, wave=wave, role="mentor"),
            invite(survey, pair.mentee, wave=wave, role="mentee"),
        ]

    outcomes = race(org_a, [("submit", submit(i.pk, i.membership_id, answers)) for i in invitations for _ in range(2)])

    assert len(successes(outcomes)) == len(invitations)
    assert_refused_only_with(outcomes, "You have already answered this survey")
    with scopes_disabled():
        pooled = list(SurveyWave.objects.filter(survey=survey, mentorship__isnull=True))
        responses = list(SurveyResponse.objects.filter(survey=survey))
        answered = SurveyInvitation.objects.filter(wave__survey=survey, answered=True).count()
    assert len(pooled) == 1 and pooled[0].number == answering.POOLED_WAVE_NUMBER
    assert len(responses) == len(invitations) == answered
    assert {r.wave_id for r in responses} == {pooled[0].pk}
    assert {r.respondent_id for r in responses} == {None}


# --- Everything at once around one mentor ----------------------------------------------------------


@pytest.mark.parametrize("round_", ROUNDS)
def test_a_busy_mentor_signing_answering_and_being_paired_at_once(org_a, queued_pdfs, round_):
    """Committee program, one mentor with three places: their live pair signs its agreement,
    the coordinator approves a second pairing while a committee member votes on it, and a
    third pairing is accepted by both people - all in the same moment."""
    program = ProgramFactory(organization=org_a, slug="society")
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    voter = MembershipFactory(organization=org_a, is_committee=True)
    mentor = applicant(program, Role.MENTOR, capacity=3)
    first, second, third = (applicant(program, Role.MENTEE) for _ in range(3))
    with scopes_disabled():
        pair = Mentorship.objects.create(
            organization=org_a,
            program=program,
            mentor=mentor,
            mentee=first,
            origin="proposal",
            planned_end_on=timezone.localdate() + timedelta(days=700),
        )
    agreement = written_agreement(pair)
    with scope(organization=org_a):
        waiting = proposal_services.proposal_offer(actor=coordinator, program=program, mentor=mentor, mentee=second)
    offer = offered(coordinator, program, mentor, third)

    outcomes = race(
        org_a,
        [
            ("sign", sign(agreement.pk, mentor.pk, agreement.revision)),
            ("sign", sign(agreement.pk, first.pk, agreement.revision)),
            (
                "finalize",
                lambda: proposal_services.proposal_finalize(
                    actor=member(coordinator.pk), proposal=Proposal.objects.get(pk=waiting.pk), approve=True
                ),
            ),
            (
                "vote",
                lambda: proposal_services.proposal_vote(
                    actor=member(voter.pk), proposal=Proposal.objects.get(pk=waiting.pk), approve=True
                ),
            ),
            ("answer", answer(offer.pk, mentor.pk)),
            ("answer", answer(offer.pk, third.pk)),
        ],
    )

    assert len(successes(outcomes, "sign")) == 2 and len(successes(outcomes, "answer")) == 2
    assert len(successes(outcomes, "finalize")) == 1
    assert_refused_only_with(outcomes, "This pairing is already offered")
    with scopes_disabled():
        assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.SIGNED
        assert Proposal.objects.get(pk=waiting.pk).status == ProposalStatus.OFFERED
        assert Proposal.objects.get(pk=offer.pk).status == ProposalStatus.CONFIRMED
    assert sorted(m.mentee_id for m in live(mentor=mentor)) == sorted([first.pk, third.pk])


@pytest.mark.parametrize("round_", ROUNDS)
def test_a_mentee_signing_while_their_mentor_accepts_other_requests(org_a, queued_pdfs, round_):
    """Self-selection: the mentor's current pair signs its agreement while the mentor
    accepts three new requests at once."""
    program = self_select(org_a)
    mentor = applicant(program, Role.MENTOR, capacity=4, status=ApplicationStatus.ELIGIBLE)
    first = applicant(program, Role.MENTEE, status=ApplicationStatus.ELIGIBLE)
    with scopes_disabled():
        pair = Mentorship.objects.create(
            organization=org_a,
            program=program,
            mentor=mentor,
            mentee=first,
            origin="request",
            planned_end_on=timezone.localdate() + timedelta(days=700),
        )
    agreement = written_agreement(pair)
    requests = [
        send(program, applicant(program, Role.MENTEE, status=ApplicationStatus.ELIGIBLE), mentor) for _ in range(3)
    ]

    outcomes = race(
        org_a,
        [
            ("sign", sign(agreement.pk, first.pk, agreement.revision)),
            ("sign", sign(agreement.pk, mentor.pk, agreement.revision)),
        ]
        + [("accept", accept_request(r.pk, mentor.pk)) for r in requests],
    )

    assert refusals(outcomes) == []
    with scopes_disabled():
        assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.SIGNED
    assert len(live(mentor=mentor)) == 4


@pytest.mark.parametrize("round_", ROUNDS)
def test_the_pair_answering_while_the_committee_decides(org_a, round_):
    """A (stale or crafted) answer to a pairing still before the committee, sent while the
    committee's deciding vote and the coordinator's approval come in."""
    program = ProgramFactory(organization=org_a, slug="society", committee_rule="majority")
    coordinator = MembershipFactory(organization=org_a, is_coordinator=True)
    committee = [MembershipFactory(organization=org_a, is_committee=True) for _ in range(3)]
    mentor, mentee = applicant(program, Role.MENTOR, capacity=1), applicant(program, Role.MENTEE)
    with scope(organization=org_a):
        proposal = proposal_services.proposal_offer(actor=coordinator, program=program, mentor=mentor, mentee=mentee)
        proposal_services.proposal_vote(actor=committee[0], proposal=proposal, approve=True)

    outcomes = race(
        org_a,
        [
            (
                "decide",
                lambda: proposal_services.proposal_finalize(
                    actor=member(coordinator.pk), proposal=Proposal.objects.get(pk=proposal.pk), approve=True
                ),
            )
        ]
        + [
            (
                "decide",
                lambda pk=m.pk: proposal_services.proposal_vote(
                    actor=member(pk), proposal=Proposal.objects.get(pk=proposal.pk), approve=True
                ),
            )
            for m in committee[1:]
        ]
        + [("answer", answer(proposal.pk, mentor.pk)), ("answer", answer(proposal.pk, mentee.pk))] * 2,
    )

    assert len(successes(outcomes, "decide")) == 1
    assert_refused_only_with(outcomes, "This pairing is already", "You have already answered.")
    assert audits("proposal.approved") == 1
    with scopes_disabled():
        proposal.refresh_from_db()
    answered = {o.value.pk for o in successes(outcomes, "answer")}
    assert answered <= {proposal.pk}
    assert len(live(mentor=mentor)) == (1 if proposal.status == ProposalStatus.CONFIRMED else 0)
