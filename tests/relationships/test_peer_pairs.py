"""A peer pairing's pages (issue 19): every page says "peer", never "mentor" or "mentee",
and both peers can do the same things (the agenda, meetings, goals, the conversation)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from programs.models import ApplicationStatus, ProgramModel, Role
from relationships.models import Meeting
from relationships.services import meetings as meeting_services
from tests.factories import ApplicationFactory, MembershipFactory, MentorshipFactory, ProgramFactory

ROLE_WORD = re.compile(r"\b(mentors?|mentees?|mentoring)\b", re.IGNORECASE)


def visible_text(html: str) -> str:
    """What a reader sees: the page without tags, scripts and attribute values."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def role_words(html: str) -> list[str]:
    text = visible_text(html).replace("Peer mentoring", "Peer-pairing")  # the model's own name
    return [text[max(0, m.start() - 60) : m.end() + 60] for m in ROLE_WORD.finditer(text)]


def peer_pair(org):
    program = ProgramFactory(organization=org, slug="residents", name="Resident peers", model=ProgramModel.PEER)
    ana = MembershipFactory(organization=org, user__full_name="Ana Ruiz")
    ben = MembershipFactory(organization=org, user__full_name="Ben Okafor")
    for person in (ana, ben):
        ApplicationFactory(program=program, membership=person, role=Role.PEER, status=ApplicationStatus.ACCEPTED)
    return MentorshipFactory(program=program, mentor=ana, mentee=ben)


@pytest.mark.django_db
@pytest.mark.clock("2026-03-02 09:00")
def test_a_peer_pairings_pages_say_peer_for_both(client, org_a):
    mentorship = peer_pair(org_a)
    with scopes_disabled():
        meeting = Meeting.objects.create(
            organization=org_a,
            mentorship=mentorship,
            scheduled_by=mentorship.mentor,
            starts_at=timezone.now() + timedelta(days=3),
        )
    kwargs = {"org_slug": org_a.slug, "pk": mentorship.pk}
    pages = [
        reverse("mentorship_detail", kwargs=kwargs),
        reverse("meeting_list", kwargs=kwargs),
        reverse("meeting_detail", kwargs={**kwargs, "meeting_pk": meeting.pk}),
        reverse("goal_list", kwargs=kwargs),
        reverse("conversation", kwargs=kwargs),
        reverse("agreement_detail", kwargs=kwargs),
        reverse("mentorship_review", kwargs=kwargs),
    ]
    dashboard = reverse("organization_dashboard", kwargs={"org_slug": org_a.slug})
    for person, other in ((mentorship.mentor, "Ben Okafor"), (mentorship.mentee, "Ana Ruiz")):
        client.force_login(person.user)
        found = {}
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            words = role_words(response.content.decode())
            if words:
                found[url] = words
        assert found == {}, "\n".join(f"{url}: {w}" for url, words in found.items() for w in words)
        detail = visible_text(client.get(pages[0]).content.decode())
        assert "Peer mentoring: Ana Ruiz and Ben Okafor" in detail
        assert "Peer Ana Ruiz" in detail and "Peer Ben Okafor" in detail  # the pairing's two rows
        # The dashboard's list of the person's pairings: "Your peer Ben", not "Mentoring Ben".
        home = visible_text(client.get(dashboard).content.decode())
        assert f"Your peer {other}" in home
        assert "Mentoring Ben" not in home and "Mentored by" not in home


@pytest.mark.django_db
@pytest.mark.clock("2026-03-02 09:00")
def test_both_peers_can_write_the_agenda(org_a):
    mentorship = peer_pair(org_a)
    with scopes_disabled():
        meeting = Meeting.objects.create(
            organization=org_a,
            mentorship=mentorship,
            scheduled_by=mentorship.mentor,
            starts_at=timezone.now() + timedelta(days=3),
        )
    with scope(organization=org_a):
        for person, text in ((mentorship.mentor, "From Ana"), (mentorship.mentee, "From Ben")):
            meeting = meeting_services.agenda_save(actor=person, meeting=meeting, agenda=text)
            assert meeting.agenda == text
