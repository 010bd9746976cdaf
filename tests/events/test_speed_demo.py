"""The society demo's past speed-mentoring event (demo/speed.py)."""

import pytest
from django_scopes import scopes_disabled

from demo.seed import seed_demo
from events.models import EventStatus, SpeedEvent, SpeedPick, SpeedSlot
from matching.models import Proposal


@pytest.mark.django_db
@scopes_disabled()
def test_the_society_demo_has_a_past_event_with_one_mutual_pick_proposed():
    seed_demo()
    event = SpeedEvent.objects.select_related("program").get(organization__slug="western-surgical")
    assert event.program.speed_events and event.status == EventStatus.CLOSED
    assert event.participants.filter(checked_in_at__isnull=False).count() >= 4
    slots = list(SpeedSlot.objects.filter(event=event).values_list("round_number", "mentor_id", "mentee_id"))
    assert len({(r, m) for r, m, _ in slots}) == len({(r, e) for r, _, e in slots}) == len(slots)
    assert len({(m, e) for _, m, e in slots}) == len(slots)
    picks = set(SpeedPick.objects.filter(event=event).values_list("chooser_id", "chosen_id"))
    assert any((b, a) in picks for a, b in picks) and any((b, a) not in picks for a, b in picks)
    (result,) = event.offer_results
    assert result["proposal"], result["reason"]
    proposal = Proposal.objects.get(pk=result["proposal"])
    assert (proposal.mentor_id, proposal.mentee_id, proposal.status) == (result["mentor"], result["mentee"], "proposed")
    assert proposal.created_at > event.picks_close_at
    seed_demo()  # a second run changes nothing
    assert SpeedEvent.objects.count() == 1 and Proposal.objects.filter(pk=proposal.pk).exists()
