"""The outfit rules: up to three complete outfits for one day's weather from a list of garments.

A pure rules engine: it sees plain :class:`Item` values (no database, no Django models) and a
:class:`Weather`, and returns :class:`Plan`; ``wardrobe.suggestions.services`` reads the closet into
items and turns the chosen ones back into garments.

The rules (the project's own; thresholds are the module constants below):

1. **Warmth target.** The day's mean temperature (``DayForecast.temp_mean_c``, °C) gives a target
   outfit insulation in clo by a piecewise-linear rule through ``TARGET_CLO_POINTS``:
   ≥ 32 °C 0.2, 28 °C 0.3, 22 °C 0.5, 15 °C 0.85, 8 °C 1.1, 0 °C 1.4, ≤ -10 °C 1.7 (flat beyond the
   ends). No standard gives outdoor targets; the rule is anchored on ASHRAE 55-2020's typical indoor
   ensembles (0.5 clo summer: trousers and a short-sleeve shirt; 1.0 clo winter: trousers, a
   long-sleeve shirt and a sweater or jacket, here reached at about 11 °C), and tuned so that a
   closet of the garments of ``vocabulary.warmth`` can reach it: the warmest ordinary outfit there
   (shirt, sweater, jeans, coat, boots) is about 1.5 clo, since the sum counts only the garments
   the app knows (no underwear, socks or air layers). An outfit's clo is the sum of its garments'
   ``Item.clo`` (``vocabulary.warmth.outfit_clo``). Within ``CLO_TOLERANCE`` (±0.15 clo) of
   the target an outfit fits; further off it is penalised four times as much per clo.
2. **Complete outfit.** (a top and a bottom) or a one-piece, plus shoes, plus outerwear when
   required. Optional layers are added only when they bring the clo nearer the target: a mid layer
   (sweater, cardigan or vest over a shirt or T-shirt, or over a one-piece) below
   ``MID_LAYER_BELOW_C`` (18 °C), and outerwear when it is not required.
3. **Outerwear** is required when the mean is below ``OUTERWEAR_BELOW_C`` (15 °C) or the day is wet
   (``DayForecast.wet``: at least 1 mm of rain or a 50 % chance). From ``NO_COAT_FROM_C`` (24 °C)
   coats and capes are never suggested, and a jacket only on a wet day.
4. **Cold** (mean below ``NO_SHORTS_BELOW_C``, 15 °C): never shorts (nor a romper). With rule 3 this
   gives the issue's rule: a cold, wet day never yields shorts without outerwear (it yields no
   shorts at all, and on any wet day there is always outerwear).
5. **Shoes:** never sandals on a wet day or below ``SANDALS_FROM_C`` (18 °C); when wet, boots are
   preferred, then other closed shoes. Hot and dry (≥ 24 °C): sandals are slightly preferred, boots
   slightly avoided.
6. **Candidates** (chosen by the service): the user's garments in the closet (confirmed, not
   archived, not waiting for review) whose laundry state is clean: an item in the wash is never
   suggested. Roles come from ``vocabulary.roles``.
7. **Variety:** garments worn in the ``RECENT_DAYS`` (3) days before the day (up to today) are left
   out. Only when the closet is too small for ``count`` outfits without them are they used, and the
   explanation says so. The outfits of one day do not repeat a top, mid layer, bottom or one-piece
   when the closet allows it (shoes and outerwear may repeat, less readily).
8. **Colours:** each garment's dominant colour (``Item.color``, a name of
   ``vocabulary.palette.PALETTE``) is either a neutral (``vocabulary.palette.NEUTRAL_COLORS``:
   black, charcoal, greys, white, cream, beige, khaki, camel, tan, browns, navy, denim) or an accent.
   An outfit has at most one accent colour (several garments of that same accent are fine): neutrals go with anything,
   two different strong colours never meet. A garment without colours counts as neutral.
9. **Search:** every combination is scored (lower is better: the warmth penalty, minus the shoe
   preferences, plus the jitter) after the hard rules; at most ``_CAPS`` candidates per role take
   part (fresh ones first, then taken in turn from each kind, a type or category at one warmth, in
   the seeded order, so that every kind the closet has for a role takes part), which keeps one
   call near 0.1 s for a closet of 140 items. The three are chosen greedily, each the best given those already chosen.
10. **Determinism:** ties are broken by a small per-garment jitter seeded by the user id, the date
   and the garment id, so the same closet gives the same three outfits all day, and other ones on
   other days.

Each suggestion carries an explanation line in the user's language naming the weather and the
pieces that answer it, e.g. "12 °C and rain: coat, boots" or "27 °C, dry: light layers, sandals".
When fewer than ``count`` outfits can be made the plan says why (``Plan.reason``, e.g.
"No clean shoes in your closet.").
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vocabulary.palette import NEUTRAL_COLORS
from vocabulary.roles import (
    HEAVY_OUTERWEAR_CATEGORIES,
    ROLES,
    SHORTS_CATEGORIES,
    SHORTS_TYPES,
    UNDER_LAYER_CATEGORIES,
    roles_of,
)
from vocabulary.warmth import outfit_clo

#: (mean temperature °C, target outfit clo), increasing temperature; linear in between, flat beyond.
TARGET_CLO_POINTS: tuple[tuple[float, float], ...] = (
    (-10.0, 1.7),
    (0.0, 1.4),
    (8.0, 1.1),
    (15.0, 0.85),
    (22.0, 0.5),
    (28.0, 0.3),
    (32.0, 0.2),
)
#: An outfit within this many clo of the target fits.
CLO_TOLERANCE = 0.15
#: Below this mean temperature (°C) outerwear is required.
OUTERWEAR_BELOW_C = 15.0
#: From this mean temperature (°C) no coat or cape, and a jacket only when wet.
NO_COAT_FROM_C = 24.0
#: Below this mean temperature (°C) no shorts.
NO_SHORTS_BELOW_C = 15.0
#: Sandals only from this mean temperature (°C), and never on a wet day.
SANDALS_FROM_C = 18.0
#: Below this mean temperature (°C) a mid layer (sweater, cardigan, vest) may be added.
MID_LAYER_BELOW_C = 18.0
#: Garments worn in this many days before the suggestion's day are left out (when the closet allows).
RECENT_DAYS = 3
# Score weights (the score is lower for a better outfit).
_OFF_TARGET_WEIGHT = 4.0  # per clo beyond the tolerance, on top of 1 per clo off
_WET_BOOTS_BONUS = 0.15
_HOT_SANDALS_BONUS = 0.05
_HOT_BOOTS_PENALTY = 0.1
_JITTER = 0.04  # per garment, seeded
_REPEAT_CORE = 100.0  # a top / mid layer / bottom / one-piece already in today's suggestions
_REPEAT_OTHER = 0.1  # shoes or outerwear already suggested
_RECENT = 1000.0  # per garment worn in the last RECENT_DAYS days
# Most candidates per role that are combined (fresh garments first, then by the seeded jitter).
_CAPS = {"top": 12, "bottom": 10, "one-piece": 6, "shoes": 6, "outer": 6, "mid": 6}
# The order garments are listed in (outside in, top down).
_ROLE_ORDER = {role: i for i, role in enumerate(ROLES)}


@dataclass(frozen=True)
class Item:
    """One candidate garment: its ``id``, ``category`` and ``type`` slugs, warmth ``clo``, dominant
    ``color`` (a palette name or None) and ``kind`` (its type or category name in the user's
    language, for the explanation)."""

    id: int
    category: str
    type: str | None
    clo: float
    color: str | None
    kind: str


@dataclass(frozen=True)
class Weather:
    """The day's weather as the rules read it: mean temperature ``temp_c`` (°C) and ``wet``."""

    temp_c: float
    wet: bool

    @property
    def target(self) -> float:
        return target_clo(self.temp_c)

    @property
    def cold(self) -> bool:
        return self.temp_c < NO_SHORTS_BELOW_C

    @property
    def hot(self) -> bool:
        return self.temp_c >= NO_COAT_FROM_C

    @property
    def outer_required(self) -> bool:
        return self.temp_c < OUTERWEAR_BELOW_C or self.wet


@dataclass(frozen=True)
class Outcome:
    """One suggested outfit: ``items`` (outerwear first, shoes last), their warmth ``clo``, the
    day's ``target_clo`` and the ``explanation`` line."""

    items: tuple[Item, ...]
    clo: float
    target_clo: float
    explanation: str


@dataclass
class Plan:
    """What :func:`plan_outfits` returns: the outfits, best first, and ``reason`` (why there are
    fewer than asked for; empty otherwise)."""

    outcomes: list[Outcome] = field(default_factory=list)
    reason: str = ""


def target_clo(temp_c: float) -> float:
    """Target outfit insulation (clo) for a day of mean temperature ``temp_c`` (°C): linear
    interpolation through ``TARGET_CLO_POINTS``, flat beyond its ends; rounded to 2 decimals."""
    points = TARGET_CLO_POINTS
    if temp_c <= points[0][0]:
        return points[0][1]
    for (t0, c0), (t1, c1) in zip(points, points[1:]):
        if temp_c <= t1:
            return round(c0 + (c1 - c0) * (temp_c - t0) / (t1 - t0), 2)
    return points[-1][1]


def accent(color: str | None) -> str | None:
    """``color`` when it is an accent (not in ``NEUTRAL_COLORS``), else None (also without a colour)."""
    return color if color and color not in NEUTRAL_COLORS else None


@dataclass(frozen=True)
class _Piece:
    item: Item
    role: str
    clo: float
    accent: str | None
    recent: bool
    jitter: float

    @property
    def pk(self) -> int:
        return self.item.id

    @property
    def type_slug(self) -> str | None:
        return self.item.type

    @property
    def category_slug(self) -> str:
        return self.item.category


@dataclass
class _Combo:
    pieces: tuple[_Piece, ...]
    score: float
    clo: float
    ids: frozenset[int]
    core_ids: frozenset[int]
    other_ids: frozenset[int]
    recent: int


def _allowed(item: Item, role: str, w: Weather) -> bool:
    """The weather's hard rules for one garment in one role."""
    category, type_slug = item.category, item.type
    if role in ("bottom", "one-piece") and w.cold and (category in SHORTS_CATEGORIES or type_slug in SHORTS_TYPES):
        return False
    if role == "shoes" and type_slug == "sandals" and (w.wet or w.temp_c < SANDALS_FROM_C):
        return False
    if role == "outer" and w.hot and (category in HEAVY_OUTERWEAR_CATEGORIES or not w.wet):
        return False
    return True


def _pieces(items: list[Item], recent: set[int], w: Weather, seed: str) -> dict[str, list[_Piece]]:
    """Candidates by role, after the weather's hard rules; at most ``_CAPS[role]`` each, garments not
    worn recently first, then in turns over the kinds (type or category, and warmth), each kind in
    the seeded order."""
    by_role: dict[str, list[_Piece]] = {role: [] for role in _CAPS}
    for item in items:
        jitter = random.Random(f"{seed}:{item.id}").random() * _JITTER
        for role in roles_of(item.category):
            if _allowed(item, role, w):
                by_role[role].append(
                    _Piece(
                        item=item,
                        role=role,
                        clo=float(item.clo),
                        accent=accent(item.color),
                        recent=item.id in recent,
                        jitter=jitter,
                    )
                )
    for role, pieces in by_role.items():
        pieces.sort(key=lambda p: (p.recent, p.jitter, p.pk))
        turn: dict[int, int] = {}  # a piece's place within its kind (and freshness)
        seen: Counter[tuple] = Counter()
        for p in pieces:
            kind = (p.recent, p.type_slug or p.category_slug, round(p.clo, 2))
            turn[p.pk], seen[kind] = seen[kind], seen[kind] + 1
        pieces.sort(key=lambda p: (p.recent, turn[p.pk], p.jitter, p.pk))
        del pieces[_CAPS[role] :]
    return by_role


def _fit(clo: float, w: Weather) -> float:
    """The warmth part of the score: 1 per clo off the target, plus ``_OFF_TARGET_WEIGHT`` per clo
    beyond the tolerance."""
    off = abs(clo - w.target)
    return off + _OFF_TARGET_WEIGHT * max(0.0, off - CLO_TOLERANCE)


def _shoe_bonus(shoes: _Piece, w: Weather) -> float:
    if w.wet and shoes.type_slug == "boots":
        return _WET_BOOTS_BONUS
    if w.hot and not w.wet and shoes.type_slug == "sandals":
        return _HOT_SANDALS_BONUS
    if w.hot and not w.wet and shoes.type_slug == "boots":
        return -_HOT_BOOTS_PENALTY
    return 0.0


def _combos(by_role: dict[str, list[_Piece]], w: Weather, keep: int) -> list[_Combo]:
    """The complete outfits of the candidates that keep the colour rule and whose optional layers
    help; for each top+bottom or one-piece only the ``keep`` best (fresh garments first)."""
    cores: list[tuple[_Piece, ...]] = [(t, b) for t in by_role["top"] for b in by_role["bottom"]]
    cores += [(o,) for o in by_role["one-piece"]]
    mids: list[_Piece | None] = [None] + (by_role["mid"] if w.temp_c < MID_LAYER_BELOW_C else [])
    outers: list[_Piece | None] = ([] if w.outer_required else [None]) + by_role["outer"]
    shoes_list = [(shoes, _shoe_bonus(shoes, w)) for shoes in by_role["shoes"]]
    out: list[_Combo] = []
    for core in cores:
        core_accents = {p.accent for p in core if p.accent}
        if len(core_accents) > 1:
            continue
        core_pks = {p.pk for p in core}
        core_clo = sum(p.clo for p in core)
        core_extra = sum(p.jitter + _RECENT * p.recent for p in core)
        best: list[tuple[float, float, tuple[_Piece, ...]]] = []
        for mid in mids:
            if mid is not None:
                if mid.pk in core_pks or (
                    core[0].role == "top" and core[0].category_slug not in UNDER_LAYER_CATEGORIES
                ):
                    continue
                if mid.accent and core_accents and mid.accent not in core_accents:
                    continue
            upper_accents = core_accents | ({mid.accent} if mid is not None and mid.accent else set())
            for outer in outers:
                if outer is not None and outer.accent and upper_accents and outer.accent not in upper_accents:
                    continue
                accents = upper_accents | ({outer.accent} if outer is not None and outer.accent else set())
                layers = tuple(p for p in (outer, mid) if p is not None)
                layers_clo = sum(p.clo for p in layers)
                layers_extra = sum(p.jitter + _RECENT * p.recent for p in layers)
                for shoes, bonus in shoes_list:
                    if shoes.accent and accents and shoes.accent not in accents:
                        continue
                    clo = core_clo + layers_clo + shoes.clo
                    fit = _fit(clo, w)
                    # An optional layer must bring the outfit nearer the target.
                    if mid is not None and _fit(clo - mid.clo, w) <= fit:
                        continue
                    if outer is not None and not w.outer_required and _fit(clo - outer.clo, w) <= fit:
                        continue
                    key = fit - bonus + core_extra + layers_extra + shoes.jitter + _RECENT * shoes.recent
                    best.append((key, clo, layers + core + (shoes,)))
        best.sort(key=lambda item: item[0])
        for key, _clo, pieces in best[:keep]:
            core_ids = frozenset(p.pk for p in pieces if p.role in ("top", "mid", "bottom", "one-piece"))
            other_ids = frozenset(p.pk for p in pieces if p.role in ("outer", "shoes"))
            recent = sum(p.recent for p in pieces)
            out.append(
                _Combo(
                    pieces=pieces,
                    score=key - _RECENT * recent,
                    clo=outfit_clo(p.clo for p in pieces),
                    ids=core_ids | other_ids,
                    core_ids=core_ids,
                    other_ids=other_ids,
                    recent=recent,
                )
            )
    return out


def _choose(combos: list[_Combo], count: int) -> list[_Combo]:
    """Greedy: each time the best outfit given those already chosen (fresh and unrepeated first)."""
    chosen: list[_Combo] = []
    used_core: set[int] = set()
    used_other: Counter[int] = Counter()
    for _i in range(count):
        best, best_score = None, None
        for combo in combos:
            if any(combo.ids == c.ids for c in chosen):
                continue
            score = (
                combo.score
                + _RECENT * combo.recent
                + _REPEAT_CORE * len(combo.core_ids & used_core)
                + _REPEAT_OTHER * sum(used_other[i] for i in combo.other_ids)
            )
            if best_score is None or score < best_score:
                best, best_score = combo, score
        if best is None:
            break
        chosen.append(best)
        used_core |= best.core_ids
        used_other.update(best.other_ids)
    return chosen


def _explanation(combo: _Combo, w: Weather) -> str:
    roles = {p.role: p.item for p in combo.pieces}
    items = [roles[r].kind.lower() for r in ("outer", "mid") if r in roles]
    if not items:
        if w.target <= 0.5:
            items.append(_("light layers"))
        else:
            items.append(roles.get("top", roles.get("one-piece")).kind.lower())
    items.append(roles["shoes"].kind.lower())
    # Halves away from zero, like the page's ``floatformat:0`` (Python's round() gives 28 for 28.5).
    temp = int(Decimal(repr(float(w.temp_c))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    values = {"temp": temp, "items": ", ".join(items)}
    line = (_("%(temp)d °C and rain: %(items)s") if w.wet else _("%(temp)d °C, dry: %(items)s")) % values
    if combo.recent:
        line += " · " + ngettext(
            "includes something worn in the last %(days)d day: too few clean clothes otherwise",
            "includes something worn in the last %(days)d days: too few clean clothes otherwise",
            RECENT_DAYS,
        ) % {"days": RECENT_DAYS}
    return line


def _shortfall(items: list[Item], by_role: dict[str, list[_Piece]], w: Weather, made: int, count: int) -> str:
    """Why fewer than ``count`` outfits could be made (user's language)."""
    roles = Counter(role for item in items for role in roles_of(item.category))
    if not roles["shoes"]:
        return _("No clean shoes in your closet.")
    if not by_role["shoes"]:
        if w.wet:
            return _("Rain is expected and your only clean shoes are sandals.")
        return _("It is too cold for sandals, your only clean shoes.")
    if not (roles["top"] and roles["bottom"]) and not roles["one-piece"]:
        return _("No clean top and bottom, or one-piece, in your closet.")
    if not (by_role["top"] and by_role["bottom"]) and not by_role["one-piece"]:
        return _("It is too cold for shorts, and you have no other clean bottoms or one-pieces.")
    if w.outer_required and not by_role["outer"]:
        if roles["outer"]:
            return _("Rain is expected and your only clean outerwear is a coat, too warm for today.")
        return _("No clean jacket or coat in your closet, and it is cold or wet.")
    if not made:
        return _("No combination of your clean clothes keeps to one bright colour.")
    return ngettext(
        "Only %(n)d different outfit can be made from your clean clothes.",
        "Only %(n)d different outfits can be made from your clean clothes.",
        made,
    ) % {"n": made}


def plan_outfits(items: list[Item], *, weather: Weather, recent: set[int], seed: str, count: int = 3) -> Plan:
    """Up to ``count`` complete outfits from ``items`` for a day of ``weather`` (see the module
    docstring for the rules). ``recent``: ids of items worn in the ``RECENT_DAYS`` days before the
    day; ``seed``: names the user and the day (ties break the same way for the same seed).
    Returns a :class:`Plan`, best first, the same for the same arguments; when it holds fewer than
    ``count``, ``reason`` says why. Raises ``ValueError`` for ``count`` < 1.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    by_role = _pieces(items, recent, weather, seed=seed)
    chosen = _choose(_combos(by_role, weather, keep=count + 2), count)
    plan = Plan(
        outcomes=[
            Outcome(
                items=tuple(p.item for p in sorted(combo.pieces, key=lambda p: _ROLE_ORDER[p.role])),
                clo=combo.clo,
                target_clo=weather.target,
                explanation=_explanation(combo, weather),
            )
            for combo in chosen
        ]
    )
    if len(plan.outcomes) < count:
        plan.reason = _shortfall(items, by_role, weather, len(plan.outcomes), count)
    return plan
