"""Packing rules: how many of each piece a trip needs, and which of the closet's garments to take.

A pure rules engine like ``wardrobe.suggestions.rules`` (plain values in and out, no ORM), whose
weather rules it reuses (``allowed``: no shorts in the cold, no sandals when wet or below 18 °C, no
coat on a hot day) so that a packed bag and a day's suggestion never disagree.

The counts (the project's own rule of thumb, stated here and tested):

* ``top``: one per day, at most ``LAUNDRY_AFTER_DAYS`` (7): a longer trip washes once a week.
* ``bottom``: one per two days (rounded up), at least 1, at most 4.
* ``mid`` (sweater, cardigan, vest): when a day's mean temperature is below ``MID_LAYER_BELOW_C``
  (18 °C), one per three such days (rounded up), at most 3.
* ``outer``: 1 when a day is cold (below ``OUTERWEAR_BELOW_C``, 15 °C) or wet, or when the weather of
  some day is unknown (no forecast that far ahead): better carried than missed.
* ``shoes``: 1, plus 1 when an activity needs its own shoes (hiking and sport: sneakers or boots;
  business and formal: heels, loafers or flats; beach: sandals), plus 1 for boots on a wet trip,
  at most 3.

Which garments: those allowed on at least one day of the trip in that role (a trip with a hot and
a cold day may take shorts), the ones allowed on the most days first; outerwear, the warmest first
when a day is cold; shoes, the activity's kinds first, boots first when wet. Ties keep the
closet's order (the caller passes items oldest first).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from vocabulary.roles import roles_of
from wardrobe.suggestions.rules import MID_LAYER_BELOW_C, OUTERWEAR_BELOW_C, Item, Weather, allowed

LAUNDRY_AFTER_DAYS = 7
MAX_BOTTOMS = 4
MAX_MID = 3
MAX_SHOES = 3
#: A trip's longest length in days (the form and the API refuse longer ones).
MAX_TRIP_DAYS = 60

#: Activities (slug, English label) and the shoe types each wants.
ACTIVITIES: list[tuple[str, str]] = [
    ("city", "City"),
    ("business", "Business"),
    ("formal", "Formal evening"),
    ("hiking", "Hiking"),
    ("sport", "Sport"),
    ("beach", "Beach"),
]
ACTIVITY_SHOES: dict[str, frozenset[str]] = {
    "business": frozenset({"loafers", "heels", "flats"}),
    "formal": frozenset({"heels", "loafers", "flats"}),
    "hiking": frozenset({"boots", "sneakers"}),
    "sport": frozenset({"sneakers"}),
    "beach": frozenset({"sandals"}),
}
#: Roles in the order a packing list shows them.
ROLE_ORDER: tuple[str, ...] = ("outer", "mid", "top", "one-piece", "bottom", "shoes")


@dataclass(frozen=True)
class TripDay:
    """One day of a trip: its ``date`` and weather (``temp_c``: mean °C, ``wet``), or None for both
    when no forecast reaches that day."""

    date: dt.date
    temp_c: float | None = None
    wet: bool | None = None

    @property
    def weather(self) -> Weather | None:
        return None if self.temp_c is None else Weather(temp_c=self.temp_c, wet=bool(self.wet))


def packing_counts(days: list[TripDay], activities: list[str]) -> dict[str, int]:
    """How many garments of each role (``top``, ``bottom``, ``mid``, ``outer``, ``shoes``) a trip of
    ``days`` (one entry per day, at least one) and ``activities`` (slugs of :data:`ACTIVITIES`) needs,
    by the rules of the module docstring. Roles needing none are left out. Raises ``ValueError``
    for an empty ``days``."""
    if not days:
        raise ValueError("a trip has at least one day")
    n = len(days)
    known = [d.weather for d in days if d.weather is not None]
    unknown = len(known) < n
    counts = {"top": min(n, LAUNDRY_AFTER_DAYS), "bottom": max(1, min(math.ceil(n / 2), MAX_BOTTOMS))}
    cool_days = sum(1 for w in known if w.temp_c < MID_LAYER_BELOW_C)
    if cool_days:
        counts["mid"] = min(MAX_MID, math.ceil(cool_days / 3))
    if unknown or any(w.temp_c < OUTERWEAR_BELOW_C or w.wet for w in known):
        counts["outer"] = 1
    shoes = 1 + (1 if any(a in ACTIVITY_SHOES for a in activities) else 0)
    if any(w.wet for w in known):
        shoes += 1
    counts["shoes"] = min(MAX_SHOES, shoes)
    return counts


def _days_allowed(item: Item, role: str, weathers: list[Weather]) -> int:
    """On how many of the trip's known days ``item`` may be worn in ``role`` (all of them count
    when no day's weather is known)."""
    if not weathers:
        return 1
    return sum(1 for w in weathers if allowed(item, role, w))


def choose_items(items: list[Item], days: list[TripDay], activities: list[str]) -> list[tuple[str, Item]]:
    """The proposed packing list: ``(role, item)`` pairs in :data:`ROLE_ORDER`, at most
    :func:`packing_counts` per role, each item once (a sweater taken as a mid layer is not also a
    top). ``items``: the clean garments to choose from, oldest first. A role the closet cannot fill
    is filled as far as it goes (the caller says what is missing)."""
    counts = packing_counts(days, activities)
    weathers = [d.weather for d in days if d.weather is not None]
    cold = any(w.temp_c < OUTERWEAR_BELOW_C for w in weathers)
    wet = any(w.wet for w in weathers)
    wanted_shoes = set().union(*(ACTIVITY_SHOES.get(a, frozenset()) for a in activities))
    taken: set[int] = set()
    chosen: list[tuple[str, Item]] = []
    for role in ROLE_ORDER:
        need = counts.get(role, 0)
        pool = [
            (item, _days_allowed(item, role, weathers))
            for item in items
            if role in roles_of(item.category) and item.id not in taken
        ]
        pool = [(item, n) for item, n in pool if n > 0]

        def rank(entry: tuple[Item, int], role: str = role) -> tuple:
            item, n_days = entry
            warm_first = -item.clo if (role == "outer" and cold) else 0.0
            shoe = 0
            if role == "shoes":
                shoe = -2 if item.type in wanted_shoes else 0
                shoe += -1 if (wet and item.type == "boots") else 0
            return (shoe, -n_days, warm_first)

        pool.sort(key=rank)  # stable: ties keep the closet's order
        if role == "shoes" and wanted_shoes:
            # One pair of everyday shoes too, not only the activity's.
            everyday = [e for e in pool if e[0].type not in wanted_shoes]
            special = [e for e in pool if e[0].type in wanted_shoes]
            pool = special[:1] + everyday[:1] + special[1:] + everyday[1:]
        for item, _n in pool[:need]:
            taken.add(item.id)
            chosen.append((role, item))
    return chosen


def shortfall(roles: list[str], days: list[TripDay], activities: list[str]) -> dict[str, int]:
    """Per role, how many more garments the rules asked for than the list holds (``roles``: the role
    of each garment on the list; roles with none missing are left out)."""
    counts = packing_counts(days, activities)
    return {role: need - roles.count(role) for role, need in counts.items() if need > roles.count(role)}
