"""Decisions with the facts beside them (issue 15): an offer or a request shows the other
person's profile card and the reasons for the match in plain words, never the program
office's internal text, never another organization's data, in a bounded number of queries."""

import importlib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from matching.models import MentorshipRequest, Proposal, ProposalStatus
from matching.services import rounds
from programs.models import ApplicationStatus, MeetingMode, Profile, ProgramModel, Role
from tests.factories import (
    AffinityGroupFactory,
    ApplicationFactory,
    GoalAreaFactory,
    HubChoiceFactory,
    HubFactory,
    HubMentorFactory,
    MembershipFactory,
    ProfileFactory,
    ProgramFactory,
)

HAND_PICKED = "Chosen by hand by the program office."
ACCEPTED = ApplicationStatus.ACCEPTED
# Engine words a person must never read.
INTERNAL = ("hub_rank", "meeting_mode", "area_coverage", "practice_setting", "contributions", "0.75")


def person(org, name, **profile):
    membership = MembershipFactory(organization=org, user__full_name=name)
    if profile:
        ProfileFactory(membership=membership, **profile)
    return membership


@pytest.fixture
def faculty(org_a):
    """A hub-model program: Dana Whitfield mentors in the Toronto hub, Nia Mensah ranked it first."""
    program = ProgramFactory(organization=org_a, slug="faculty", name="Faculty Mentoring", model=ProgramModel.HUBS)
    toronto = HubFactory(affinity_group=AffinityGroupFactory(program=program), name="Toronto")
    leadership = GoalAreaFactory(program=program, name="Leadership")
    research = GoalAreaFactory(program=program, name="Research careers")
    dana = person(
        org_a,
        "Dana Whitfield",
        specialty="Paediatric surgery",
        institution="SickKids Hospital",
        clinical_interests="Robotic surgery, outcomes research",
        research_interests="Surgical education",
        city="Toronto",
        year_started_practice=timezone.now().year - 20,
    )
    nia = person(
        org_a,
        "Nia Mensah",
        specialty="Paediatric surgery",
        institution="Queen's University",
        clinical_interests="Outcomes research; trauma",
        city="Toronto",
        year_started_practice=timezone.now().year - 2,
    )
    HubMentorFactory(hub=toronto, membership=dana, capacity=2)
    mentor_app = ApplicationFactory(
        program=program,
        membership=dana,
        role=Role.MENTOR,
        status=ACCEPTED,
        goals_statement="Twenty years of paediatric surgery and a research lab to share.",
        meeting_modes=[MeetingMode.VIDEO, MeetingMode.IN_PERSON],
    )
    with scopes_disabled():
        mentor_app.goal_areas.set([leadership, research])
    mentee_app = ApplicationFactory(
        program=program,
        membership=nia,
        role=Role.MENTEE,
        status=ACCEPTED,
        goals_statement="Build a research career alongside a busy clinical practice.",
        preferences="PRIVATE-PREFERENCE: not someone from my own department.",
        meeting_modes=[MeetingMode.VIDEO, MeetingMode.PHONE],
    )
    with scopes_disabled():
        mentee_app.goal_areas.set([research])
    HubChoiceFactory(application=mentee_app, hub=toronto, rank=1)
    return {"org": org_a, "program": program, "mentor": dana, "mentee": nia}


def offered(program, mentor, mentee, **fields):
    fields = {"status": ProposalStatus.OFFERED, "offered_at": timezone.now(), **fields}
    with scopes_disabled():
        return Proposal.objects.create(
            organization=program.organization, program=program, mentor=mentor, mentee=mentee, **fields
        )


def explained(program, mentor, mentee, **fields):
    contributions = {"specialty": 1.0, "hub_rank": 3.0, "meeting_mode": 0.75, "interests": 0.5, "experience": 0.25}
    return offered(
        program, mentor, mentee, score=5.5, contributions=contributions, hub_rank=1, mentee_reason="PRIVATE", **fields
    )


def page_text(client, membership, path):
    client.force_login(membership.user)
    response = client.get(f"/o/{membership.organization.slug}/{path}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_mentee_sees_the_mentors_card_and_why_they_were_matched(client, faculty):
    explained(faculty["program"], faculty["mentor"], faculty["mentee"], note="You both run outcomes studies.")
    html = page_text(client, faculty["mentee"], "offers/")
    # The card: initials (no photo), role, specialty, institution, interests, goals, hub.
    for text in (
        ">DW</text>",
        "Mentor in Faculty Mentoring",
        "Paediatric surgery",
        "SickKids Hospital",
        "Robotic surgery, outcomes research",
        "Surgical education",
        "Twenty years of paediatric surgery and a research lab to share.",
        "Leadership, Research careers",
        "Hub: Toronto",
    ):
        assert text in html, text
    # The reasons, in plain words, the largest first.
    reasons = [
        "Same hub: Toronto, your first choice.",
        "You both work in paediatric surgery.",
        "You both prefer video meetings.",
        "You share an interest in outcomes research.",
        "Dana Whitfield has 18 more years in practice than you.",
    ]
    positions = [html.index(reason) for reason in reasons]
    assert positions == sorted(positions)
    assert "Why you were matched" in html
    assert "From the program office:</strong> You both run outcomes studies." in html
    for word in INTERNAL:
        assert word not in html, word
    # The consent flow is still there.
    assert "Accept this pairing" in html and "Reason for the program office (optional)" in html


@pytest.mark.django_db
def test_the_mentor_sees_the_mentees_card_without_her_private_text(client, faculty):
    explained(faculty["program"], faculty["mentor"], faculty["mentee"], mentor_reason="MENTOR-PRIVATE")
    html = page_text(client, faculty["mentor"], "offers/")
    for text in (
        ">NM</text>",
        "Mentee in Faculty Mentoring",
        "Queen&#x27;s University",
        "Build a research career alongside a busy clinical practice.",
        "Wants help with",
        "Research careers",
        "Same hub: Toronto, Nia Mensah&#x27;s first choice.",
        "You have 18 more years in practice than Nia Mensah.",
        "Video, Phone",
    ):
        assert text in html, text
    for private in ("PRIVATE-PREFERENCE", "MENTOR-PRIVATE", ">PRIVATE<"):
        assert private not in html


@pytest.mark.django_db
def test_a_pairing_proposed_by_hand_shows_what_the_two_have_in_common(client, faculty):
    offered(faculty["program"], faculty["mentor"], faculty["mentee"])
    html = page_text(client, faculty["mentee"], "offers/")
    assert "What you have in common" in html and "Why you were matched" not in html
    for reason in (
        "You both work in paediatric surgery.",
        "Same hub: Toronto, your first choice.",
        "You are both in Toronto.",
        "Dana Whitfield mentors in what you asked for help with: Research careers.",
    ):
        assert reason in html, reason


@pytest.mark.django_db
def test_a_cv_link_only_when_the_other_person_shared_it(client, faculty):
    offered(faculty["program"], faculty["mentor"], faculty["mentee"])
    with scopes_disabled():
        profile = Profile.objects.get(membership=faculty["mentor"])
        Profile.objects.filter(pk=profile.pk).update(cv="cvs/dana.pdf.enc")
    assert "Download CV" not in page_text(client, faculty["mentee"], "offers/")
    with scopes_disabled():
        profile.cv_shared_with.add(faculty["mentee"])
    html = page_text(client, faculty["mentee"], "offers/")
    assert f"/o/alpha/profile/{profile.pk}/cv/" in html


@pytest.mark.django_db
def test_another_organizations_data_never_appears(client, faculty, org_b):
    explained(faculty["program"], faculty["mentor"], faculty["mentee"])
    # The same two people in another organization, with other profiles and an offer there.
    mentor_b = MembershipFactory(organization=org_b, user=faculty["mentor"].user)
    mentee_b = MembershipFactory(organization=org_b, user=faculty["mentee"].user)
    ProfileFactory(membership=mentor_b, specialty="BRAVO-SPECIALTY", institution="BRAVO-INSTITUTION")
    ProfileFactory(membership=mentee_b, specialty="BRAVO-SPECIALTY")
    program_b = ProgramFactory(organization=org_b, name="BRAVO-PROGRAM", model=ProgramModel.SELF_SELECT)
    ApplicationFactory(
        program=program_b, membership=mentor_b, role=Role.MENTOR, status=ACCEPTED, goals_statement="BRAVO-GOALS"
    )
    offered(program_b, mentor_b, mentee_b, note="BRAVO-NOTE")
    with scopes_disabled():
        MentorshipRequest.objects.create(
            organization=org_b,
            program=program_b,
            mentor=mentor_b,
            mentee=mentee_b,
            message="BRAVO-MESSAGE",
            expires_at=timezone.now() + timedelta(days=14),
        )
    for membership in (faculty["mentor"], faculty["mentee"]):
        for path in ("offers/", "requests/"):
            html = page_text(client, membership, path)
            assert "BRAVO" not in html, (membership, path)
    assert "Paediatric surgery" in page_text(client, faculty["mentee"], "offers/")
    # And in the other organization, its own data only.
    html = page_text(client, mentee_b, "offers/")
    assert "BRAVO-SPECIALTY" in html and "BRAVO-INSTITUTION" in html and "BRAVO-GOALS" in html
    assert "SickKids" not in html and "Faculty Mentoring" not in html


@pytest.fixture
def alumni(org_a):
    return ProgramFactory(organization=org_a, slug="alumni", name="Alumni Network", model=ProgramModel.SELF_SELECT)


def request_between(program, mentor, mentee, message="Would you mentor me?"):
    with scopes_disabled():
        return MentorshipRequest.objects.create(
            organization=program.organization,
            program=program,
            mentor=mentor,
            mentee=mentee,
            message=message,
            expires_at=timezone.now() + timedelta(days=14),
        )


@pytest.mark.django_db
def test_requests_show_the_other_persons_card_to_each_side(client, org_a, alumni):
    mentor = person(org_a, "Omar Lindqvist", specialty="Cardiology", institution="St. Mary's", country="Canada")
    mentee = person(org_a, "Ama Owusu", specialty="Cardiology", country="Canada")
    ApplicationFactory(
        program=alumni,
        membership=mentor,
        role=Role.MENTOR,
        status=ApplicationStatus.ELIGIBLE,
        goals_statement="Help with fellowship applications.",
    )
    ApplicationFactory(
        program=alumni,
        membership=mentee,
        role=Role.MENTEE,
        status=ApplicationStatus.ELIGIBLE,
        goals_statement="Find a cardiology fellowship.",
        preferences="PRIVATE-PREFERENCE",
    )
    request_between(alumni, mentor, mentee)
    html = page_text(client, mentor, "requests/")
    for text in ("Mentee in Alumni Network", "Find a cardiology fellowship.", ">AO</text>"):
        assert text in html, text
    assert "What you have in common" in html
    assert "You both work in cardiology." in html and "You are both in Canada." in html
    assert "PRIVATE-PREFERENCE" not in html
    assert "Accept Ama Owusu" in html  # the answer buttons are still there
    html = page_text(client, mentee, "requests/")
    for text in ("Mentor in Alumni Network", "St. Mary&#x27;s", "Help with fellowship applications.", ">OL</text>"):
        assert text in html, text


def _count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_offer_and_request_lists_read_in_a_bounded_number_of_queries(client, org_a, faculty, alumni):
    mentee = faculty["mentee"]
    ApplicationFactory(program=alumni, membership=mentee, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE)
    client.force_login(mentee.user)

    def grow(n):
        for i in range(n):
            mentor = person(org_a, f"Mentor {i}", specialty="Surgery", clinical_interests="trauma")
            hub = HubFactory(affinity_group=AffinityGroupFactory(program=faculty["program"]))
            HubMentorFactory(hub=hub, membership=mentor)
            ApplicationFactory(program=alumni, membership=mentor, role=Role.MENTOR, status=ApplicationStatus.ELIGIBLE)
            offered(faculty["program"], mentor, mentee, status=ProposalStatus.DECLINED, contributions={"specialty": 1})
            request_between(alumni, mentor, mentee)

    grow(1)
    few = {path: _count_queries(client, path) for path in ("/o/alpha/offers/", "/o/alpha/requests/")}
    grow(6)
    for path, count in few.items():
        assert _count_queries(client, path) == count, path
        assert count <= 25, (path, count)


# --- The program office's internal text ---------------------------------------------------


@pytest.mark.django_db
def test_a_mentor_chosen_by_hand_is_the_offices_flag_never_text_the_pair_reads(
    client, faculty, coordinator_a, alumni, django_capture_on_commit_callbacks
):
    program, nia = faculty["program"], faculty["mentee"]
    other_hub = HubFactory(affinity_group=AffinityGroupFactory(program=program), name="Montreal")
    chosen = person(faculty["org"], "Chidi Okafor", specialty="Neonatology")
    HubMentorFactory(hub=other_hub, membership=chosen, capacity=1)
    with scope(organization=program.organization):
        match_round = rounds.round_create(actor=coordinator_a, program=program, weights=rounds.default_weights(program))
        match_round = rounds.run_round(match_round.pk)
        draft = Proposal.objects.get(match_round=match_round, mentee=nia)
        overridden = rounds.proposal_override(actor=coordinator_a, proposal=draft, mentor=chosen)
    assert overridden.chosen_by_hand and HAND_PICKED not in overridden.note
    mail.outbox.clear()
    with scope(organization=program.organization), django_capture_on_commit_callbacks(execute=True):
        assert rounds.round_send(actor=coordinator_a, match_round=match_round) == 1
    with scopes_disabled():
        proposal = Proposal.objects.get(pk=draft.pk)
    assert proposal.status == ProposalStatus.OFFERED and proposal.chosen_by_hand
    # The emails to both, and every page the two people read about it.
    offers = [m for m in mail.outbox if "proposed pairing" in m.subject.lower()]
    assert len(offers) == 2
    for message in offers:
        assert HAND_PICKED not in message.body
        assert all(HAND_PICKED not in str(content) for content, _ in message.alternatives)
    request_between(alumni, chosen, nia)
    for membership in (nia, chosen):
        for path in ("offers/", "requests/"):
            html = page_text(client, membership, path)
            assert HAND_PICKED not in html and "by hand" not in html, (membership, path)
    assert "Chidi Okafor" in page_text(client, nia, "offers/")


@pytest.mark.django_db
def test_the_migration_moves_the_sentence_out_of_existing_notes(faculty):
    from django.apps import apps

    migration = importlib.import_module("matching.migrations.0011_proposal_chosen_by_hand")
    program, mentor, mentee = faculty["program"], faculty["mentor"], faculty["mentee"]
    hand = offered(program, mentor, mentee, note="Both in outcomes research.\n" + HAND_PICKED)
    only = offered(program, person(faculty["org"], "X"), person(faculty["org"], "Y"), note=HAND_PICKED)
    plain = offered(program, person(faculty["org"], "Z"), person(faculty["org"], "W"), note="Same city.")
    migration.note_to_flag(apps, None)
    with scopes_disabled():
        rows = {p.pk: (p.note, p.chosen_by_hand) for p in Proposal.objects.all()}
    assert rows[hand.pk] == ("Both in outcomes research.", True)
    assert rows[only.pk] == ("", True)
    assert rows[plain.pk] == ("Same city.", False)


# --- The sentences themselves ----------------------------------------------------------------


def _facts(name, **profile):
    from matching.selectors.reasons import Facts

    time_zone = profile.pop("time_zone", "")
    modes = profile.pop("modes", [])
    areas = profile.pop("areas", {})
    return Facts(
        name=name,
        profile=Profile(**profile),
        time_zone=time_zone,
        meeting_modes=modes,
        goal_areas=areas,
    )


def test_each_factor_reads_as_a_sentence_and_unknown_or_empty_ones_are_left_out():
    from matching.selectors.reasons import match_reasons

    mentor = _facts(
        "Dana Whitfield",
        specialty="Paediatric surgery",
        practice_setting="academic",
        city="Toronto",
        time_zone="America/Toronto",
        research_interests="ICU outcomes",
        modes=["in_person", "phone"],
        areas={1: "Leadership", 2: "Research careers"},
    )
    mentee = _facts(
        "Nia Mensah",
        specialty="Neonatology",
        practice_setting="academic",
        city="Toronto",
        time_zone="America/Vancouver",
        clinical_interests="icu outcomes, trauma",
        modes=["phone", "in_person"],
        areas={2: "Research careers", 3: "Writing"},
    )
    weights = dict.fromkeys(
        ["specialty", "practice_setting", "area_coverage", "interests", "geography", "timezone", "meeting_mode"], 1.0
    )
    weights["unknown_factor"] = 9.0
    weights["hub_rank"] = 0.0
    reasons = match_reasons(mine=mentee, theirs=mentor, viewer_is_mentor=False, contributions=weights)
    assert reasons == [
        "Your specialties are related: Neonatology and Paediatric surgery.",
        "You work in the same practice setting: Academic.",
        "Dana Whitfield mentors in what you asked for help with: Research careers.",
        "You share an interest in icu outcomes.",
        "You are both in Toronto.",
        "Your time zones are only 3 hours apart.",
        "You both prefer phone or in-person meetings.",
    ]
    # Without the engine's explanation, only what the two really share.
    common = match_reasons(mine=mentor, theirs=mentee, viewer_is_mentor=True, contributions=None)
    assert "Your specialties are related: Paediatric surgery and Neonatology." not in common
    assert "Nia Mensah wants help with what you mentor in: Research careers." in common
    assert not match_reasons(mine=_facts("A"), theirs=_facts("B"), viewer_is_mentor=True, contributions=None)
