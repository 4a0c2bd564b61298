"""The weather of one day, what every provider returns, and the one error they raise."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from typing import Any

#: ``wet`` thresholds: this much precipitation (mm) or this probability (percent) or more.
WET_MM = 1.0
WET_PROBABILITY = 50


@dataclass(frozen=True)
class DayForecast:
    """One day's weather at the user's place.

    ``temp_min_c`` / ``temp_max_c`` in degrees Celsius, ``precipitation_mm`` the day's sum in mm,
    ``precipitation_probability`` the day's highest chance of precipitation in percent (None:
    unknown), ``weather_code`` the WMO weather code (None: unknown), ``source`` the provider's name
    (a key of ``wardrobe.weather.providers.PROVIDERS``).
    """

    date: datetime.date
    temp_min_c: float
    temp_max_c: float
    precipitation_mm: float
    precipitation_probability: int | None
    weather_code: int | None
    source: str

    @property
    def temp_mean_c(self) -> float:
        """Mean of the day's minimum and maximum, degrees Celsius."""
        return (self.temp_min_c + self.temp_max_c) / 2

    @property
    def wet(self) -> bool:
        """Rain or snow to dress for: at least ``WET_MM`` mm or a ``WET_PROBABILITY`` % chance."""
        return self.precipitation_mm >= WET_MM or (
            self.precipitation_probability is not None and self.precipitation_probability >= WET_PROBABILITY
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the fields (``date`` as ISO 8601) plus ``temp_mean_c`` and ``wet``."""
        data = asdict(self)
        data.update(date=self.date.isoformat(), temp_mean_c=self.temp_mean_c, wet=self.wet)
        return data


class WeatherUnavailable(Exception):
    """No forecast: ``str(exc)`` is a translated message for the user; ``code`` says why:
    ``"no-location"`` (no place set), ``"manual"`` (the user types the weather in),
    ``"out-of-range"`` (the date is not forecast), ``"unreachable"`` (connection refused, time-out),
    ``"bad-response"`` (HTTP error, invalid JSON, missing fields)."""

    #: Codes the user can fix (an API answers 400); the others are the service's fault (503).
    CLIENT_CODES = frozenset({"no-location", "manual", "out-of-range"})
    CODES = ("no-location", "manual", "out-of-range", "unreachable", "bad-response")

    def __init__(self, message: str, *, code: str = "unreachable"):
        super().__init__(message)
        self.message = message
        self.code = code
