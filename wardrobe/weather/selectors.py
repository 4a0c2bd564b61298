"""Weather reads: a user's weather settings and the forecast at their place."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from wardrobe.weather.forecast import DayForecast, WeatherUnavailable
from wardrobe.weather.models import WeatherSettings
from wardrobe.weather.providers import get_provider
from wardrobe.weather.providers.open_meteo import FORECAST_DAYS, PAST_DAYS


def weather_settings_get(*, user) -> WeatherSettings:
    """The user's weather settings, created with the defaults (the default provider, no place) on
    first use."""
    found = getattr(user, "_weather_settings_cache", None)
    if found is None:
        found, _created = WeatherSettings.objects.get_or_create(user=user)
        user._weather_settings_cache = found
    return found


def forecast_for(*, user, date: datetime.date) -> DayForecast:
    """The forecast for ``date`` at ``user``'s place from their provider (cached by the provider).

    Raises ``WeatherUnavailable``: the provider needs a place and none is set (``"no-location"``,
    the message sends them to Settings), the manual provider chosen (``"manual"``: the caller asks
    for the temperature and rain, see ``providers.manual.manual_forecast``), ``date`` outside the
    forecast (``"out-of-range"``: yesterday to ``FORECAST_DAYS`` - 1 days ahead), the provider
    unreachable or its answer unreadable.
    """
    place = weather_settings_get(user=user)
    provider = get_provider(place.provider)
    out_of_range = WeatherUnavailable(
        _("There is no forecast for %(date)s: it covers yesterday to %(days)d days ahead.")
        % {"date": date.isoformat(), "days": FORECAST_DAYS - 1},
        code="out-of-range",
    )
    if provider.needs_place:
        if not place.has_place:
            raise WeatherUnavailable(
                _("Set your location (a city or coordinates) in Settings to get the forecast."), code="no-location"
            )
        today = timezone.localdate()
        # One day of slack either side: the place's date may differ from the server's.
        if not today - datetime.timedelta(days=PAST_DAYS + 1) <= date <= today + datetime.timedelta(days=FORECAST_DAYS):
            raise out_of_range
    for day in provider.daily(place.latitude, place.longitude, FORECAST_DAYS):
        if day.date == date:
            return day
    raise out_of_range


def forecasts_at(*, user, latitude: float, longitude: float) -> dict[datetime.date, DayForecast]:
    """The forecast at a place other than the user's own (a trip's), by date, from the user's
    provider: yesterday to ``FORECAST_DAYS`` - 1 days ahead. ``latitude`` / ``longitude`` in
    degrees. Empty when the user's provider forecasts no place (the manual one).

    Raises ``WeatherUnavailable`` when the provider cannot be reached or answers something
    unreadable (cached by the provider like the home forecast).
    """
    provider = get_provider(weather_settings_get(user=user).provider)
    if not provider.needs_place:
        return {}
    return {day.date: day for day in provider.daily(latitude, longitude, FORECAST_DAYS)}
