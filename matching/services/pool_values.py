"""What a round's pool reads from each person, as the engine's codes: profile values
(specialty, setting, years, institution, region, time zone, interest words) and meeting
modes. Shared by dyad rounds (``rounds.py``) and peer rounds (``peer_rounds.py``)."""

import re
import zoneinfo
from datetime import datetime

import numpy as np

from programs.models import MeetingMode, PracticeSetting

MODE_BITS = {MeetingMode.IN_PERSON: 1, MeetingMode.PHONE: 2, MeetingMode.VIDEO: 4}
WORD = re.compile(r"[a-z][a-z\-]{3,}")


class Codes:
    """Stable small integers for strings (specialties, institutions, regions, words)."""

    def __init__(self):
        self.codes: dict[str, int] = {}

    def __call__(self, value: str | None) -> int:
        key = (value or "").strip().lower()
        if not key:
            return -1
        return self.codes.setdefault(key, len(self.codes))


def utc_offset(tz_name: str) -> float:
    try:
        now = datetime.now(zoneinfo.ZoneInfo(tz_name)) if tz_name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        now = None
    return now.utcoffset().total_seconds() / 3600 if now else np.nan


def modes(values) -> int:
    """A bitmask of meeting modes."""
    return sum(MODE_BITS.get(v, 0) for v in values or [])


class ProfileCoder:
    """Turns memberships' profiles into the engine's codes, with one code table per value
    kind shared by everyone coded by the same coder (both sides of a pool)."""

    def __init__(self):
        self.specialty, self.institution, self.region = Codes(), Codes(), Codes()
        self.words, self.areas = Codes(), Codes()
        self.settings = {value: i for i, value in enumerate(PracticeSetting.values)}

    def __call__(self, membership) -> dict:
        try:
            profile = membership.profile
        except Exception:  # no profile yet
            profile = None
        if profile is None:
            return {
                "specialty": -1,
                "setting": -1,
                "years": np.nan,
                "institution": -1,
                "region": -1,
                "utc": np.nan,
                "words": set(),
            }
        text = f"{profile.clinical_interests} {profile.research_interests}".lower()
        return {
            "specialty": self.specialty(profile.specialty),
            "setting": self.settings.get(profile.practice_setting, -1),
            "years": float(profile.years_in_practice) if profile.years_in_practice is not None else np.nan,
            "institution": self.institution(profile.institution),
            "region": self.region(f"{profile.country}/{profile.region}" if profile.country else ""),
            "utc": utc_offset(membership.user.time_zone),  # the one zone, on the account
            "words": {self.words(w) for w in set(WORD.findall(text))},
        }

    @property
    def n_words(self) -> int:
        return max(1, len(self.words.codes))

    @property
    def n_areas(self) -> int:
        return max(1, len(self.areas.codes))
