"""How a pair's people are called on its pages: "mentor" and "mentee", or "peer" for both
in a peer program (seed 004's "peer" model). One place, instead of a condition in every
template:

    {% load pair_labels %}
    {{ mentorship|side_label:"mentor" }}     Mentor / Peer
    {{ mentorship|other_side:party }}        mentee / peer (what the other person is to you)
    {{ mentorship|pair_title }}              Dana mentoring Nia / Peer mentoring: Ana and Ben

Each filter takes anything with ``program`` (a Mentorship, a Proposal).
"""

from django import template

register = template.Library()

SIDES = ("mentor", "mentee")


def is_peer(pair) -> bool:
    program = getattr(pair, "program", None)
    return getattr(program, "model", None) == "peer"


@register.filter
def side_label(pair, side: str) -> str:
    """ "Mentor"/"Mentee", or "Peer" in a peer program."""
    return "Peer" if is_peer(pair) else str(side).capitalize()


@register.filter
def side_word(pair, side: str) -> str:
    """ "mentor"/"mentee", or "peer" in a peer program (lower case, inside a sentence)."""
    return "peer" if is_peer(pair) else str(side).lower()


@register.filter
def other_side(pair, side: str) -> str:
    """What the other person is to the one on ``side``: "mentee"/"mentor", or "peer"."""
    if is_peer(pair):
        return "peer"
    return "mentee" if side == "mentor" else "mentor"


@register.filter
def pair_title(pair) -> str:
    """ "Dana mentoring Nia", or "Peer mentoring: Ana and Ben"."""
    first, second = pair.mentor.user.full_name, pair.mentee.user.full_name
    if is_peer(pair):
        return f"Peer mentoring: {first} and {second}"
    return f"{first} mentoring {second}"
