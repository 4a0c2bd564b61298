"""The search behind :func:`plan_outfits`: candidates per role, every complete outfit that keeps
the hard rules of :mod:`wardrobe.suggestions.rules`, scored, and three chosen greedily; and the
sentences that explain them. Plain values in, plain values out: no database."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vocabulary.roles import ROLES, UNDER_LAYER_CATEGORIES, roles_of
from vocabulary.warmth import outfit_clo
from wardrobe.suggestions.rules import (
    _JITTER,
    _RECENT,
    _REPEAT_CORE,
    _REPEAT_OTHER,
    CLO_TOLERANCE,
    MID_LAYER_BELOW_C,
    RECENT_DAYS,
    Item,
    Outcome,
    Plan,
    Weather,
    accent,
    allowed,
    fit,
    needs_mid_layer,
    shoe_bonus,
    suits_occasion,
)

# Most candidates per role that are combined (fresh garments first, then by the seeded jitter).
_CAPS = {"top": 12, "bottom": 10, "one-piece": 6, "shoes": 6, "outer": 6, "mid": 6}
# The order garments are listed in (outside in, top down).
_ROLE_ORDER = {role: i for i, role in enumerate(ROLES)}


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


def _pieces(items: list[Item], recent: set[int], w: Weather, seed: str, occasion: str = "") -> dict[str, list[_Piece]]:
    """Candidates by role, after the weather's hard rules and the occasion; at most ``_CAPS[role]``
    each, garments not worn recently first, then in turns over the kinds (type or category, and
    warmth), each kind in the seeded order."""
    by_role: dict[str, list[_Piece]] = {role: [] for role in _CAPS}
    for item in items:
        if not suits_occasion(item, occasion):
            continue
        jitter = random.Random(f"{seed}:{item.id}").random() * _JITTER
        for role in roles_of(item.category):
            if allowed(item, role, w):
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


def _combos(by_role: dict[str, list[_Piece]], w: Weather, keep: int, mix_patterns: bool = False) -> list[_Combo]:
    """The complete outfits of the candidates that keep the colour and pattern rules and the
    short-sleeve rule, and whose optional layers help; for each top+bottom or one-piece only the
    ``keep`` best (fresh garments first)."""
    cores: list[tuple[_Piece, ...]] = [(t, b) for t in by_role["top"] for b in by_role["bottom"]]
    cores += [(o,) for o in by_role["one-piece"]]
    mids: list[_Piece | None] = [None] + (by_role["mid"] if w.temp_c < MID_LAYER_BELOW_C else [])
    outers: list[_Piece | None] = ([] if w.outer_required else [None]) + by_role["outer"]
    shoes_list = [(shoes, shoe_bonus(shoes.type_slug, w)) for shoes in by_role["shoes"]]
    out: list[_Combo] = []
    for core in cores:
        core_accents = {p.accent for p in core if p.accent}
        if len(core_accents) > 1:
            continue
        core_patterns = sum(p.item.patterned for p in core)
        if core_patterns > 1 and not mix_patterns:
            continue
        mid_needed = core[0].role == "top" and needs_mid_layer(core[0].item, w)
        core_pks = {p.pk for p in core}
        core_clo = sum(p.clo for p in core)
        core_extra = sum(p.jitter + _RECENT * p.recent for p in core)
        best: list[tuple[float, float, tuple[_Piece, ...]]] = []
        for mid in mids:
            if mid is None and mid_needed:
                continue
            if mid is not None:
                if mid.pk in core_pks or (
                    core[0].role == "top" and core[0].category_slug not in UNDER_LAYER_CATEGORIES
                ):
                    continue
                if mid.accent and core_accents and mid.accent not in core_accents:
                    continue
                if mid.item.patterned and core_patterns and not mix_patterns:
                    continue
            upper_accents = core_accents | ({mid.accent} if mid is not None and mid.accent else set())
            for outer in outers:
                if outer is not None and outer.accent and upper_accents and outer.accent not in upper_accents:
                    continue
                accents = upper_accents | ({outer.accent} if outer is not None and outer.accent else set())
                layers = tuple(p for p in (outer, mid) if p is not None)
                patterns = core_patterns + sum(p.item.patterned for p in layers)
                if patterns > 1 and not mix_patterns:
                    continue
                layers_clo = sum(p.clo for p in layers)
                layers_extra = sum(p.jitter + _RECENT * p.recent for p in layers)
                for shoes, bonus in shoes_list:
                    if shoes.accent and accents and shoes.accent not in accents:
                        continue
                    if shoes.item.patterned and patterns and not mix_patterns:
                        continue
                    clo = core_clo + layers_clo + shoes.clo
                    off = fit(clo, w)
                    # An optional layer must bring the outfit nearer the target.
                    if mid is not None and fit(clo - mid.clo, w) <= off:
                        continue
                    if outer is not None and not w.outer_required and fit(clo - outer.clo, w) <= off:
                        continue
                    key = off - bonus + core_extra + layers_extra + shoes.jitter + _RECENT * shoes.recent
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
    for i in range(count):
        # The last one shares no garment with what all the others share (rule 12), when it can.
        common = frozenset.intersection(*(c.ids for c in chosen)) if chosen else frozenset()
        last = count > 1 and i == count - 1
        avoid = last and any(not (c.ids & common) for c in combos)
        best, best_score = None, None
        for combo in combos:
            if any(combo.ids == c.ids for c in chosen):
                continue
            if avoid and combo.ids & common:
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
    """The outfit's line: the weather, then its own pieces outside in (rule 12)."""
    roles = {p.role: p.item for p in combo.pieces}
    items = [roles[r].kind.lower() for r in ROLES if r in roles]
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
        if not w.cold:
            return _("Rain is expected: no shorts or sleeveless tops, and you have nothing else clean to wear.")
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


def _warmth_note(combos: list[_Combo], w: Weather) -> str:
    """Rule 13: a sentence when even the warmest outfit falls short of the target, else empty."""
    if not combos:
        return ""
    warmest = max(c.clo for c in combos)
    if warmest >= w.target - CLO_TOLERANCE:
        return ""
    return _(
        "Add a layer: your closet has nothing warmer. The warmest outfit gives %(clo)s clo; "
        "this weather asks for about %(target)s clo."
    ) % {"clo": f"{warmest:.2f}", "target": f"{w.target:.2f}"}


def plan_outfits(
    items: list[Item],
    *,
    weather: Weather,
    recent: set[int],
    seed: str,
    count: int = 3,
    occasion: str = "",
    mix_patterns: bool = False,
) -> Plan:
    """Up to ``count`` complete outfits from ``items`` for a day of ``weather`` (see the module
    docstring for the rules). ``recent``: ids of items worn in the ``RECENT_DAYS`` days before the
    day; ``seed``: names the user and the day (ties break the same way for the same seed);
    ``occasion``: an ``Outfit.Occasion`` value or empty (rule 11); ``mix_patterns``: allow more
    than one patterned piece (rule 10). Returns a :class:`Plan`, best first, the same for the same
    arguments; when it holds fewer than ``count``, ``reason`` says why; ``note`` says when even the
    warmest outfit is too light. Raises ``ValueError`` for ``count`` < 1.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    by_role = _pieces(items, recent, weather, seed=seed, occasion=occasion)
    combos = _combos(by_role, weather, keep=count + 2, mix_patterns=mix_patterns)
    chosen = _choose(combos, count)
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
    plan.note = _warmth_note(combos, weather)
    return plan
