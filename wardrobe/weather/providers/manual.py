"""The manual provider: the user types the day's temperature and whether it rains."""

from __future__ import annotations

import datetime
import math

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wardrobe.weather.forecast import DayForecast, WeatherUnavailable
from wardrobe.weather.providers.registry import register


def manual_forecast(*, date: datetime.date, temp_c: float, rain: bool) -> DayForecast:
    """The weather the user typed in: the temperature (degrees Celsius, used as both minimum and
    maximum) and whether it rains (a 100 % chance of precipitation, 0 mm as no amount is known;
    ``wet`` follows ``rain``). Raises ValueError for a temperature that is not a finite number."""
    temp = float(temp_c)
    if not math.isfinite(temp):
        raise ValueError("temp_c must be a finite number")
    return DayForecast(
        date=date,
        temp_min_c=temp,
        temp_max_c=temp,
        precipitation_mm=0.0,
        precipitation_probability=100 if rain else 0,
        weather_code=None,
        source=ManualProvider.name,
    )


@register
class ManualProvider:
    """No forecast is fetched: the pages and the API ask for the temperature and rain instead
    (:func:`manual_forecast`)."""

    name = "manual"
    label = _("I type it in")
    needs_place = False

    def daily(self, latitude: float | None, longitude: float | None, days: int) -> list[DayForecast]:
        """Always raises ``WeatherUnavailable`` (code ``manual``): the user types the weather in."""
        raise WeatherUnavailable(
            gettext("You chose to type the weather in: enter the temperature and whether it rains."), code="manual"
        )
