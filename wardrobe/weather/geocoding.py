"""Place search by name: Open-Meteo's geocoding API (https://open-meteo.com/en/docs/geocoding-api).

``GET {GEOCODING_URL}?name=&count=5&language=`` answers ``{"results": [{"name", "latitude",
"longitude", "country", "admin1", "timezone", ...}]}`` (no ``results`` when nothing matches).
Answers are cached in Django's cache for ``WEATHER_CACHE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from wardrobe.weather.http import failure, get_json, number

log = logging.getLogger(__name__)

#: Places returned by :func:`geocode`.
GEOCODE_COUNT = 5


@dataclass(frozen=True)
class Place:
    """A match of a place search: ``latitude`` / ``longitude`` in degrees (WGS84), ``admin1`` the
    region (state, province), ``timezone`` an IANA name (may be empty)."""

    name: str
    latitude: float
    longitude: float
    country: str = ""
    admin1: str = ""
    timezone: str = ""

    @property
    def label(self) -> str:
        """``"City, Region, Country"`` (empty parts and a region named like the city left out)."""
        parts: list[str] = []
        for part in (self.name, self.admin1, self.country):
            if part and part not in parts:
                parts.append(part)
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["label"] = self.label
        return data


def _language(language: str | None) -> str:
    """Open-Meteo's lower-case two-letter language code of ``language`` (default: the active one)."""
    code = (language or get_language() or settings.LANGUAGE_CODE).lower()
    return code.split("-")[0].split("_")[0][:2] or "en"


def geocode(name: str, language: str | None = None) -> list[Place]:
    """Places called ``name`` (best match first, at most :data:`GEOCODE_COUNT`), with names in
    ``language`` (a language code; default the active one) where Open-Meteo has them. An empty name
    gives ``[]`` without asking. Cached like forecasts.
    Raises ``WeatherUnavailable`` when the geocoding service is unreachable or its answer unreadable."""
    name = " ".join((name or "").split())
    if not name:
        return []
    language = _language(language)
    digest = hashlib.sha256(name.casefold().encode()).hexdigest()[:32]
    key = f"geocode:{language}:{digest}"
    cached = cache.get(key)
    if cached is not None:
        return [Place(**place) for place in cached]
    body = get_json(
        settings.GEOCODING_URL, {"name": name, "count": GEOCODE_COUNT, "language": language, "format": "json"}, "places"
    )
    try:
        if not isinstance(body, dict):
            raise ValueError("not an object")
        results = body.get("results", [])
        if not isinstance(results, list):
            raise ValueError("'results' is not a list")
        places = []
        for item in results[:GEOCODE_COUNT]:
            latitude, longitude = number(item["latitude"]), number(item["longitude"])
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError(f"coordinates out of range: {latitude}, {longitude}")
            places.append(
                Place(
                    name=str(item["name"]),
                    latitude=latitude,
                    longitude=longitude,
                    country=str(item.get("country") or ""),
                    admin1=str(item.get("admin1") or ""),
                    timezone=str(item.get("timezone") or ""),
                )
            )
    except (ValueError, TypeError, KeyError) as exc:
        log.warning("Weather (places): unexpected answer from %s: %s", settings.GEOCODING_URL, exc)
        raise failure("places", "bad-response") from None
    cache.set(key, [asdict(place) for place in places], settings.WEATHER_CACHE_SECONDS)
    return places
