"""Open-Meteo's forecast (https://open-meteo.com/en/docs; no key).

``GET {OPEN_METEO_URL}?latitude=&longitude=&daily=temperature_2m_max,temperature_2m_min,
precipitation_sum,precipitation_probability_max,weather_code&timezone=auto&forecast_days=N&past_days=1``
answers ``{"daily": {"time": ["YYYY-MM-DD", ...], "<variable>": [value or null, ...]}, ...}``; with
``timezone=auto`` the days are those of the place, so ``past_days=1`` keeps "today" on the server
(UTC) inside the answer wherever the place is (e.g. Seoul before 09:00). Answers are cached in
Django's cache for ``WEATHER_CACHE_SECONDS``.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from wardrobe.weather.forecast import DayForecast
from wardrobe.weather.http import failure, get_json, number
from wardrobe.weather.providers.registry import register

log = logging.getLogger(__name__)

#: Days asked of Open-Meteo from today on (its maximum, so any planned date it can forecast is in
#: one cached answer), and days before today (see the module docstring).
FORECAST_DAYS = 16
PAST_DAYS = 1
#: Open-Meteo's daily variables we read.
DAILY_VARIABLES = (
    "temperature_2m_max",
    "temperature_2m_min",
    "precipitation_sum",
    "precipitation_probability_max",
    "weather_code",
)


def parse_open_meteo(body: Any, *, source: str = "open-meteo") -> list[DayForecast]:
    """The days of an Open-Meteo forecast answer (``body``: the decoded JSON). A day whose
    temperature or precipitation sum is null (beyond the models' range) is left out.
    Raises ValueError when the answer lacks ``daily``, one of :data:`DAILY_VARIABLES` or ``time``,
    or holds something that is not a date / number."""
    if not isinstance(body, dict) or not isinstance(body.get("daily"), dict):
        raise ValueError("no 'daily' object")
    daily = body["daily"]
    columns = {}
    for name in ("time",) + DAILY_VARIABLES:
        column = daily.get(name)
        if not isinstance(column, list):
            raise ValueError(f"no 'daily.{name}' list")
        columns[name] = column
    if len({len(c) for c in columns.values()}) != 1:
        raise ValueError("'daily' lists of different lengths")
    days = []
    for i, day in enumerate(columns["time"]):
        date = datetime.date.fromisoformat(day) if isinstance(day, str) else None
        if date is None:
            raise ValueError(f"not a date: {day!r}")
        t_max = number(columns["temperature_2m_max"][i], optional=True)
        t_min = number(columns["temperature_2m_min"][i], optional=True)
        rain = number(columns["precipitation_sum"][i], optional=True)
        probability = number(columns["precipitation_probability_max"][i], optional=True)
        code = number(columns["weather_code"][i], optional=True)
        if t_max is None or t_min is None or rain is None:
            continue
        days.append(
            DayForecast(
                date=date,
                temp_min_c=min(t_min, t_max),
                temp_max_c=max(t_min, t_max),
                precipitation_mm=rain,
                precipitation_probability=round(probability) if probability is not None else None,
                weather_code=int(code) if code is not None else None,
                source=source,
            )
        )
    return days


@register
class OpenMeteoProvider:
    """Open-Meteo's forecast API (``settings.OPEN_METEO_URL``, no key); answers are cached."""

    name = "open-meteo"
    label = _("Forecast from Open-Meteo")
    needs_place = True

    def daily(self, latitude: float, longitude: float, days: int) -> list[DayForecast]:
        """Forecasts from yesterday (``PAST_DAYS``) to ``days`` - 1 days after today, in the place's
        time zone, oldest first; ``days`` 1..16. The coordinates (degrees) are rounded to 0.01 degree
        (about 1 km), which is also the cache key with the provider and ``days``.
        Raises ``WeatherUnavailable``."""
        latitude, longitude = round(float(latitude), 2), round(float(longitude), 2)
        key = f"weather:{self.name}:{latitude:.2f}:{longitude:.2f}:{days}"
        cached = cache.get(key)
        if cached is not None:
            return [DayForecast(**day) for day in cached]
        body = get_json(
            settings.OPEN_METEO_URL,
            {
                "latitude": f"{latitude:.2f}",
                "longitude": f"{longitude:.2f}",
                "daily": ",".join(DAILY_VARIABLES),
                "timezone": "auto",
                "forecast_days": days,
                "past_days": PAST_DAYS,
            },
            "forecast",
        )
        try:
            forecast = parse_open_meteo(body, source=self.name)
        except (ValueError, TypeError, IndexError) as exc:
            log.warning("Weather (forecast): unexpected answer from %s: %s", settings.OPEN_METEO_URL, exc)
            raise failure("forecast", "bad-response") from None
        cache.set(key, [asdict(day) for day in forecast], settings.WEATHER_CACHE_SECONDS)
        return forecast
