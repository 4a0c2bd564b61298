"""The outfit rules: up to three complete outfits for one day's weather from a list of garments.

A pure rules engine: it sees plain :class:`Item` values (no database, no Django models) and a
:class:`Weather`, and returns :class:`Plan` (``search.plan_outfits``, which combines and scores
them); ``wardrobe.suggestions.services`` reads the closet into items and turns the chosen ones back
into garments.

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
4. **Cold or wet** (mean below ``NO_SHORTS_BELOW_C``, 15 °C, or ``wet``): never shorts (nor a
   romper), never a sleeveless top or one-piece (a tank top, or ``sleeve`` "sleeveless" from the
   attribute stage), and below ``SHORT_SLEEVES_ALONE_FROM_C`` (5 °C) a short-sleeved top (``sleeve``
   "short", else a T-shirt or a polo) only under a mid layer.
5. **Shoes:** never open shoes (``OPEN_SHOE_TYPES``: sandals) on a wet day or below
   ``SANDALS_FROM_C`` (18 °C); when wet, boots are preferred, then other closed shoes. Hot and dry
   (≥ 24 °C): sandals are slightly preferred, boots slightly avoided.
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
10. **Patterns:** at most one patterned garment (``vocabulary.attributes.PATTERNED``: striped,
   checked, dotted, floral, graphic, other) per outfit, unless the person likes to mix them
   (``mix_patterns``).
11. **Occasion** (optional; ``OCCASION_EXCLUDES``): for work no shorts, hoodies, sweatshirts, tank
   tops, leggings or sandals; formal adds T-shirts, polos, jeans, sneakers and clogs; sport leaves
   out blazers, shirts, blouses, skirts, dresses, heels, loafers, flats, wedges and sandals.
12. **Three that differ:** no garment is in every one of the suggestions (when the closet allows:
   otherwise the explanation of the last one says so); each explanation names the outfit's own
   pieces, outside in.
13. **Too cold for the closet:** when even the warmest outfit falls more than ``CLO_TOLERANCE``
   short of the target, the plan says so (``Plan.note``: "add a layer: your closet has nothing
   warmer").
14. **Determinism:** ties are broken by a small per-garment jitter seeded by the user id, the date
   and the garment id, so the same closet gives the same three outfits all day, and other ones on
   other days.

Each suggestion carries an explanation line in the user's language naming the weather and the
pieces that answer it, e.g. "12 °C and rain: coat, boots" or "27 °C, dry: light layers, sandals".
When fewer than ``count`` outfits can be made the plan says why (``Plan.reason``, e.g.
"No clean shoes in your closet.").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vocabulary.attributes import PATTERNED
from vocabulary.palette import NEUTRAL_COLORS
from vocabulary.roles import (
    HEAVY_OUTERWEAR_CATEGORIES,
    SHORTS_CATEGORIES,
    SHORTS_TYPES,
)

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
#: Below this mean temperature (°C) a short-sleeved top is worn only under a mid layer.
SHORT_SLEEVES_ALONE_FROM_C = 5.0
#: Shoes that leave the foot open: never in the cold or the wet.
OPEN_SHOE_TYPES = frozenset({"sandals"})
#: Types without sleeves, and types with short sleeves, when the attribute stage gave no ``sleeve``.
SLEEVELESS_TYPES = frozenset({"undershirt"})
SHORT_SLEEVE_TYPES = frozenset({"t-shirt", "polo"})
#: Occasion (``outfits.Outfit.Occasion`` values) -> the category and type slugs it leaves out.
OCCASION_EXCLUDES: dict[str, frozenset[str]] = {
    "casual": frozenset(),
    "work": frozenset({"shorts", "hoodie", "sweatshirt", "undershirt", "leggings", "sandals", "romper"}),
    "formal": frozenset(
        {
            "shorts",
            "hoodie",
            "sweatshirt",
            "undershirt",
            "leggings",
            "sandals",
            "romper",
            "t-shirt",
            "polo",
            "jeans",
            "sneakers",
            "clogs",
        }
    ),
    "sport": frozenset(
        {
            "blazer",
            "shirt",
            "blouse",
            "skirt",
            "dress",
            "heels",
            "loafers",
            "flats",
            "wedges",
            "sandals",
            "coat",
            "cape",
        }
    ),
}
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
    sleeve: str | None = None  # "sleeveless" / "short" / "long" (the attribute stage's), or unknown
    pattern: str | None = None  # a pattern slug of vocabulary.attributes, or unknown

    @property
    def sleeves(self) -> str | None:
        """The sleeve length: the attribute when known, else what the type implies (None: unknown)."""
        if self.sleeve:
            return self.sleeve
        if self.type in SLEEVELESS_TYPES:
            return "sleeveless"
        return "short" if self.type in SHORT_SLEEVE_TYPES else None

    @property
    def patterned(self) -> bool:
        return self.pattern in PATTERNED


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

    @property
    def cold_or_wet(self) -> bool:
        return self.cold or self.wet


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
    note: str = ""  # the warmth shortfall (rule 13); empty when an outfit reaches the target


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


def allowed(item: Item, role: str, w: Weather) -> bool:
    """The weather's hard rules for one garment in one role (rules 3 to 5)."""
    category, type_slug = item.category, item.type
    shorts = category in SHORTS_CATEGORIES or type_slug in SHORTS_TYPES
    if role in ("bottom", "one-piece") and w.cold_or_wet and shorts:
        return False
    if role in ("top", "one-piece") and w.cold_or_wet and item.sleeves == "sleeveless":
        return False
    if role == "shoes" and type_slug in OPEN_SHOE_TYPES and (w.wet or w.temp_c < SANDALS_FROM_C):
        return False
    if role == "outer" and w.hot and (category in HEAVY_OUTERWEAR_CATEGORIES or not w.wet):
        return False
    return True


def needs_mid_layer(top: Item, w: Weather) -> bool:
    """A short-sleeved top below ``SHORT_SLEEVES_ALONE_FROM_C`` is worn only under a mid layer (rule 4)."""
    return w.temp_c < SHORT_SLEEVES_ALONE_FROM_C and top.sleeves == "short"


def suits_occasion(item: Item, occasion: str) -> bool:
    """Whether a garment may be suggested for ``occasion`` (rule 11; an empty or unknown occasion
    leaves nothing out)."""
    excluded = OCCASION_EXCLUDES.get(occasion or "", frozenset())
    return item.category not in excluded and (item.type or "") not in excluded


def fit(clo: float, w: Weather) -> float:
    """The warmth part of the score: 1 per clo off the target, plus ``_OFF_TARGET_WEIGHT`` per clo
    beyond the tolerance."""
    off = abs(clo - w.target)
    return off + _OFF_TARGET_WEIGHT * max(0.0, off - CLO_TOLERANCE)


def shoe_bonus(type_slug: str | None, w: Weather) -> float:
    """How much a pair of shoes of this type is preferred for the day (subtracted from the score)."""
    if w.wet and type_slug == "boots":
        return _WET_BOOTS_BONUS
    if w.hot and not w.wet and type_slug == "sandals":
        return _HOT_SANDALS_BONUS
    if w.hot and not w.wet and type_slug == "boots":
        return -_HOT_BOOTS_PENALTY
    return 0.0
