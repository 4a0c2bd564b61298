"""Colour names a garment can have, their sRGB values, and which of them are neutrals.

The names are chosen for how people describe clothes. ``vision.colors`` names a detected colour by
the nearest entry in CIELAB; the outfit rules treat the neutrals as going with anything.
"""

from __future__ import annotations

#: name -> sRGB (0..255 per channel).
PALETTE: dict[str, tuple[int, int, int]] = {
    "black": (20, 20, 22),
    "charcoal": (60, 62, 66),
    "grey": (128, 128, 128),
    "light grey": (190, 190, 192),
    "white": (245, 245, 242),
    "cream": (240, 230, 205),
    "beige": (215, 195, 160),
    "khaki": (170, 155, 110),
    "camel": (190, 145, 90),
    "tan": (200, 160, 120),
    "brown": (110, 70, 40),
    "dark brown": (65, 40, 25),
    "navy": (30, 40, 80),
    "blue": (40, 80, 180),
    "denim": (75, 100, 140),
    "light blue": (150, 190, 230),
    "teal": (0, 120, 120),
    "turquoise": (60, 200, 200),
    "green": (40, 140, 60),
    "dark green": (25, 70, 40),
    "olive": (110, 110, 50),
    "mint": (170, 230, 190),
    "yellow": (240, 215, 50),
    "mustard": (200, 160, 40),
    "orange": (235, 120, 40),
    "coral": (245, 125, 105),
    "red": (200, 30, 40),
    "burgundy": (110, 20, 40),
    "pink": (240, 170, 190),
    "hot pink": (230, 60, 140),
    "purple": (110, 50, 140),
    "lavender": (190, 170, 220),
}
COLOR_NAMES: list[str] = list(PALETTE)

#: Colours that go with anything in an outfit; every other palette colour is an accent.
NEUTRAL_COLORS: frozenset[str] = frozenset(
    {
        "black",
        "charcoal",
        "grey",
        "light grey",
        "white",
        "cream",
        "beige",
        "khaki",
        "camel",
        "tan",
        "brown",
        "dark brown",
        "navy",
        "denim",
    }
)


def hex_of(name: str) -> str:
    """``#rrggbb`` of a palette colour. Raises KeyError for a name not in :data:`PALETTE`."""
    return "#%02x%02x%02x" % PALETTE[name]


assert NEUTRAL_COLORS <= set(PALETTE)
