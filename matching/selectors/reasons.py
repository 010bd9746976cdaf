"""The reasons for a match in plain words, addressed to one of the two people.

The engine scores a pair by factors (``matching.engine.inputs.FACTORS``) and a round keeps
each factor's share of the score on the proposal (``Proposal.contributions``). A person
never sees those names or numbers: each factor that counted becomes a sentence built from
what both of them entered ("You both work in paediatric surgery", "Same hub: Toronto, your
first choice"). Without the engine's explanation (a pairing proposed by hand, a request),
the sentences say what the two have in common.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime

from django.template.defaultfilters import pluralize

from matching.engine.inputs import FACTORS
from programs.models import Application, ProgramModel

RANKS = {1: "first", 2: "second", 3: "third"}
MODE_WORDS = {"in_person": "in-person", "phone": "phone", "video": "video"}
# Factors that say what two people share (used when the engine did not explain the pair).
COMMON_GROUND = ("specialty", "practice_setting", "area_coverage", "interests", "geography", "meeting_mode", "hub_rank")
_ITEM_SPLIT = re.compile(r"[,;/\n]+|\band\b")


@dataclass
class Facts:
    """What one person entered for matching in one program."""

    name: str
    profile: object | None = None  # programs.Profile
    time_zone: str = ""
    goal_areas: dict[int, str] = field(default_factory=dict)
    meeting_modes: list[str] = field(default_factory=list)
    hubs: dict[int, str] = field(default_factory=dict)  # a mentor's hubs: id → name
    hub_choices: dict[int, tuple[int, str]] = field(default_factory=dict)  # a mentee's: id → (rank, name)
    application: Application | None = None

    def value(self, name: str) -> str:
        return (getattr(self.profile, name, "") or "").strip() if self.profile is not None else ""


def in_sentence(text: str) -> str:
    """``text`` as it reads inside a sentence: "Outcomes research" → "outcomes research",
    but "ICU nursing" stays as it is."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def join_words(words: list[str]) -> str:
    words = [w for w in words if w]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def pairing_hub(program, mentor: Facts, mentee: Facts) -> tuple[str, int | None]:
    """The hub a hub-model pairing is in: the mentor's hub the mentee ranked highest (with
    that rank), else the mentor's first hub; ("", None) outside the hub model."""
    if program.model != ProgramModel.HUBS:
        return "", None
    ranked = sorted(
        (mentee.hub_choices[hub_id][0], name) for hub_id, name in mentor.hubs.items() if hub_id in mentee.hub_choices
    )
    if ranked:
        return ranked[0][1], ranked[0][0]
    return (sorted(mentor.hubs.values())[0], None) if mentor.hubs else ("", None)


def _interest_items(facts: Facts) -> dict[str, str]:
    text = f"{facts.value('clinical_interests')}\n{facts.value('research_interests')}"
    items = {}
    for raw in _ITEM_SPLIT.split(text):
        item = " ".join(raw.split()).strip(" .")
        if len(item) > 2:
            items.setdefault(item.casefold(), item)
    return items


def _utc_offset(name: str) -> float | None:
    try:
        offset = datetime.now(zoneinfo.ZoneInfo(name)).utcoffset() if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return offset.total_seconds() / 3600 if offset is not None else None


def _specialty(mine: Facts, theirs: Facts, explained: bool) -> str:
    a, b = mine.value("specialty"), theirs.value("specialty")
    if a and b and a.casefold() == b.casefold():
        return f"You both work in {in_sentence(a)}."
    if a and b and explained:
        return f"Your specialties are related: {a} and {b}."
    return ""


def _practice_setting(mine: Facts, theirs: Facts) -> str:
    a, b = mine.profile, theirs.profile
    if a is not None and b is not None and a.practice_setting and a.practice_setting == b.practice_setting:
        return f"You work in the same practice setting: {a.get_practice_setting_display()}."
    return ""


def _experience(mine: Facts, theirs: Facts, viewer_is_mentor: bool) -> str:
    a = getattr(mine.profile, "years_in_practice", None)
    b = getattr(theirs.profile, "years_in_practice", None)
    if a is None or b is None:
        return ""
    gap = (a - b) if viewer_is_mentor else (b - a)
    if gap <= 0:
        return ""
    more = f"{gap} more year{pluralize(gap)} in practice"
    return f"You have {more} than {theirs.name}." if viewer_is_mentor else f"{theirs.name} has {more} than you."


def _peer_experience(mine: Facts, theirs: Facts) -> str:
    """Peers are at the same level: how close their years in practice are."""
    a = getattr(mine.profile, "years_in_practice", None)
    b = getattr(theirs.profile, "years_in_practice", None)
    if a is None or b is None:
        return ""
    gap = abs(a - b)
    if gap == 0:
        return f"You and {theirs.name} have the same years in practice."
    return f"You and {theirs.name} are {gap} year{pluralize(gap)} apart in practice."


def _areas(mine: Facts, theirs: Facts, viewer_is_mentor: bool, peer: bool = False) -> str:
    shared = [name for pk, name in mine.goal_areas.items() if pk in theirs.goal_areas]
    if not shared:
        return ""
    areas = join_words(shared)
    if peer:
        return f"You both want to work on: {areas}."
    if viewer_is_mentor:
        return f"{theirs.name} wants help with what you mentor in: {areas}."
    return f"{theirs.name} mentors in what you asked for help with: {areas}."


def _interests(mine: Facts, theirs: Facts, explained: bool) -> str:
    ours, others = _interest_items(mine), _interest_items(theirs)
    shared = [in_sentence(ours[key]) for key in ours if key in others][:3]
    if shared:
        return f"You share an interest in {join_words(shared)}."
    return "Your clinical or research interests overlap." if explained else ""


def _geography(mine: Facts, theirs: Facts, explained: bool) -> str:
    for part in ("city", "region", "country"):
        a, b = mine.value(part), theirs.value(part)
        if a and b and a.casefold() == b.casefold():
            return f"You are both in {a}."
    return "You live near each other." if explained else ""


def _timezone(mine: Facts, theirs: Facts) -> str:
    a, b = _utc_offset(mine.time_zone), _utc_offset(theirs.time_zone)
    if a is None or b is None:
        return ""
    hours = round(abs(a - b))
    if hours == 0:
        return "You are in the same time zone."
    return f"Your time zones are only {hours} hour{pluralize(hours)} apart."


def _meeting_mode(mine: Facts, theirs: Facts) -> str:
    shared = [MODE_WORDS[m] for m in mine.meeting_modes if m in theirs.meeting_modes and m in MODE_WORDS]
    if not shared:
        return ""
    return f"You both prefer {' or '.join(shared)} meetings."


def _hub(hub: tuple[str, int | None], theirs: Facts, viewer_is_mentor: bool) -> str:
    name, rank = hub
    if not name:
        return ""
    if rank not in RANKS:
        return ""  # the mentee did not rank the mentor's hub: nothing to say about it
    whose = f"{theirs.name}'s" if viewer_is_mentor else "your"
    return f"Same hub: {name}, {whose} {RANKS[rank]} choice."


def match_reasons(
    *,
    mine: Facts,
    theirs: Facts,
    viewer_is_mentor: bool,
    contributions: dict[str, float] | None,
    hub: tuple[str, int | None] = ("", None),
    peer: bool = False,
) -> list[str]:
    """Sentences for the viewer (``mine``) about the match with ``theirs``. With the
    engine's ``contributions``, one sentence per factor that added to the score, the
    largest first; without them, what the two have in common. ``peer``: a peer pair (no
    sides: nobody mentors the other)."""
    explained = bool(contributions)
    if explained:
        factors = [f for f in FACTORS if (contributions.get(f) or 0) > 1e-6]
        factors.sort(key=lambda f: -contributions[f])
    else:
        factors = list(COMMON_GROUND)
    sentences = []
    for factor in factors:
        if factor == "specialty":
            sentence = _specialty(mine, theirs, explained)
        elif factor == "practice_setting":
            sentence = _practice_setting(mine, theirs)
        elif factor == "experience":
            sentence = _peer_experience(mine, theirs) if peer else _experience(mine, theirs, viewer_is_mentor)
        elif factor == "area_coverage":
            sentence = _areas(mine, theirs, viewer_is_mentor, peer)
        elif factor == "interests":
            sentence = _interests(mine, theirs, explained)
        elif factor == "geography":
            sentence = _geography(mine, theirs, explained)
        elif factor == "timezone":
            sentence = _timezone(mine, theirs)
        elif factor == "meeting_mode":
            sentence = _meeting_mode(mine, theirs)
        elif factor == "hub_rank":
            sentence = _hub(hub, theirs, viewer_is_mentor)
        else:
            sentence = ""
        if sentence and sentence not in sentences:
            sentences.append(sentence)
    return sentences
