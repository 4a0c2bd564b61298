"""The seasons a garment or an outfit can be tagged with, in calendar order: ``(slug, English name)``."""

from __future__ import annotations

SEASONS: list[tuple[str, str]] = [
    ("spring", "Spring"),
    ("summer", "Summer"),
    ("autumn", "Autumn"),
    ("winter", "Winter"),
]
SEASON_SLUGS: list[str] = [slug for slug, _ in SEASONS]
