"""Weather for outfit suggestions: a provider interface, Open-Meteo's forecast (no key), the manual
provider (the user types the temperature and rain in) and place search by name.

The user's location comes from their profile (a city looked up by name, or coordinates they
typed in, see ``accounts.services``); it is never guessed from their IP address.

Open-Meteo (https://open-meteo.com/en/docs, https://open-meteo.com/en/docs/geocoding-api):

* forecast: ``GET {OPEN_METEO_URL}?latitude=&longitude=&daily=temperature_2m_max,temperature_2m_min,
  precipitation_sum,precipitation_probability_max,weather_code&timezone=auto&forecast_days=N&past_days=1``
  answers ``{"daily": {"time": ["YYYY-MM-DD", ...], "<variable>": [value or null, ...]}, ...}``;
  with ``timezone=auto`` the days are those of the place, so ``past_days=1`` keeps "today" on the
  server (UTC) inside the answer wherever the place is (e.g. Seoul before 09:00).
* places: ``GET {GEOCODING_URL}?name=&count=5&language=`` answers ``{"results": [{"name", "latitude",
  "longitude", "country", "admin1", "timezone", ...}]}`` (no ``results`` when nothing matches).

Answers are cached in Django's cache (``CACHES``) for ``WEATHER_CACHE_SECONDS``. Every failure
(connection refused, time-out after ``WEATHER_TIMEOUT_S``, HTTP error, invalid JSON, missing fields)
is logged and raised as :class:`WeatherUnavailable`, whose text is a translated message for the user.
"""
from __future__ import annotations

import datetime
import hashlib
import logging
import math
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

#: Days asked of Open-Meteo from today on (its maximum, so any planned date it can forecast is in
#: one cached answer), and days before today (see the module docstring).
FORECAST_DAYS = 16
PAST_DAYS = 1
#: Open-Meteo's daily variables we read.
DAILY_VARIABLES = ("temperature_2m_max", "temperature_2m_min", "precipitation_sum",
                   "precipitation_probability_max", "weather_code")
#: Places returned by :func:`geocode`.
GEOCODE_COUNT = 5
#: ``wet`` thresholds: this much precipitation (mm) or this probability (percent) or more.
WET_MM = 1.0
WET_PROBABILITY = 50


@dataclass(frozen=True)
class DayForecast:
    """One day's weather at the user's place.

    ``temp_min_c`` / ``temp_max_c`` in degrees Celsius, ``precipitation_mm`` the day's sum in mm,
    ``precipitation_probability`` the day's highest chance of precipitation in percent (None:
    unknown), ``weather_code`` the WMO weather code (None: unknown), ``source`` the provider's name
    (``"open-meteo"``, ``"manual"``).
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
            self.precipitation_probability is not None and self.precipitation_probability >= WET_PROBABILITY)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the fields (``date`` as ISO 8601) plus ``temp_mean_c`` and ``wet``."""
        data = asdict(self)
        data.update(date=self.date.isoformat(), temp_mean_c=self.temp_mean_c, wet=self.wet)
        return data


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


class WeatherUnavailable(Exception):
    """No forecast: ``str(exc)`` is a translated message for the user; ``code`` says why:
    ``"no-location"`` (none set in the profile), ``"manual"`` (the user types the weather in),
    ``"out-of-range"`` (the date is not forecast), ``"unreachable"`` (connection refused, time-out),
    ``"bad-response"`` (HTTP error, invalid JSON, missing fields)."""

    def __init__(self, message: str, *, code: str = "unreachable"):
        super().__init__(message)
        self.message = message
        self.code = code


@runtime_checkable
class WeatherProvider(Protocol):
    """Something that forecasts the days from today at a place."""

    #: Short name, stored in ``DayForecast.source`` and ``Profile.weather_provider``.
    name: str

    def daily(self, latitude: float, longitude: float, days: int) -> list[DayForecast]:
        """Forecasts for ``days`` days from today (local to the place; a provider may add days
        around them), oldest first. ``latitude`` / ``longitude`` in degrees.
        Raises :class:`WeatherUnavailable`."""
        ...


def _failure(service: str, kind: str, status: int | None = None) -> WeatherUnavailable:
    """The user's message for a failure of ``service`` (``"forecast"`` / ``"places"``): ``kind``
    ``"unreachable"``, ``"http"`` (with ``status``) or ``"bad-response"``."""
    if service == "places":
        messages = {
            "unreachable": _("The place search cannot be reached right now. Try again later, or give coordinates."),
            "http": _("The place search answered with an error (HTTP %(status)s). Try again later, "
                      "or give coordinates."),
            "bad-response": _("The place search sent an answer we could not read. Try again later, "
                              "or give coordinates."),
        }
    else:
        messages = {
            "unreachable": _("The weather service cannot be reached right now. Try again later, "
                             "or type the weather in."),
            "http": _("The weather service answered with an error (HTTP %(status)s). Try again later, "
                      "or type the weather in."),
            "bad-response": _("The weather service sent an answer we could not read. Try again later, "
                              "or type the weather in."),
        }
    message = messages[kind] % {"status": status} if kind == "http" else messages[kind]
    return WeatherUnavailable(message, code="unreachable" if kind == "unreachable" else "bad-response")


def _get_json(url: str, params: dict[str, Any], service: str) -> Any:
    """``GET url?params`` within ``WEATHER_TIMEOUT_S`` seconds; the decoded JSON body.
    Raises :class:`WeatherUnavailable` (logged) for any failure or an HTTP error status."""
    try:
        response = requests.get(url, params=params, timeout=settings.WEATHER_TIMEOUT_S,
                                headers={"Accept": "application/json"})
    except requests.Timeout:
        log.warning("Weather (%s): no answer from %s within %s s.", service, url, settings.WEATHER_TIMEOUT_S)
        raise _failure(service, "unreachable") from None
    except requests.RequestException as exc:
        log.warning("Weather (%s): %s cannot be reached: %s", service, url, exc)
        raise _failure(service, "unreachable") from None
    if response.status_code >= 400:
        log.warning("Weather (%s): %s answered HTTP %d: %s", service, url, response.status_code,
                    response.text[:200])
        raise _failure(service, "http", response.status_code)
    try:
        return response.json()
    except ValueError:
        log.warning("Weather (%s): %s answered something that is not JSON: %r", service, url, response.text[:200])
        raise _failure(service, "bad-response") from None


def _number(value: Any, *, optional: bool = False) -> float | None:
    """A finite JSON number; None for null when ``optional``. Raises ValueError otherwise."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"not a number: {value!r}")
    return float(value)


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
        t_max = _number(columns["temperature_2m_max"][i], optional=True)
        t_min = _number(columns["temperature_2m_min"][i], optional=True)
        rain = _number(columns["precipitation_sum"][i], optional=True)
        probability = _number(columns["precipitation_probability_max"][i], optional=True)
        code = _number(columns["weather_code"][i], optional=True)
        if t_max is None or t_min is None or rain is None:
            continue
        days.append(DayForecast(
            date=date, temp_min_c=min(t_min, t_max), temp_max_c=max(t_min, t_max), precipitation_mm=rain,
            precipitation_probability=round(probability) if probability is not None else None,
            weather_code=int(code) if code is not None else None, source=source))
    return days


class OpenMeteoProvider:
    """Open-Meteo's forecast API (``settings.OPEN_METEO_URL``, no key); answers are cached."""

    name = "open-meteo"

    def daily(self, latitude: float, longitude: float, days: int) -> list[DayForecast]:
        """Forecasts from yesterday (``PAST_DAYS``) to ``days`` - 1 days after today, in the place's
        time zone, oldest first; ``days`` 1..16. The coordinates (degrees) are rounded to 0.01 degree
        (about 1 km), which is also the cache key with the provider and ``days``.
        Raises :class:`WeatherUnavailable`."""
        latitude, longitude = round(float(latitude), 2), round(float(longitude), 2)
        key = f"weather:{self.name}:{latitude:.2f}:{longitude:.2f}:{days}"
        cached = cache.get(key)
        if cached is not None:
            return [DayForecast(**day) for day in cached]
        body = _get_json(settings.OPEN_METEO_URL, {
            "latitude": f"{latitude:.2f}", "longitude": f"{longitude:.2f}", "daily": ",".join(DAILY_VARIABLES),
            "timezone": "auto", "forecast_days": days, "past_days": PAST_DAYS}, "forecast")
        try:
            forecast = parse_open_meteo(body, source=self.name)
        except (ValueError, TypeError, IndexError) as exc:
            log.warning("Weather (forecast): unexpected answer from %s: %s", settings.OPEN_METEO_URL, exc)
            raise _failure("forecast", "bad-response") from None
        cache.set(key, [asdict(day) for day in forecast], settings.WEATHER_CACHE_SECONDS)
        return forecast


def manual_forecast(*, date: datetime.date, temp_c: float, rain: bool) -> DayForecast:
    """The manual provider: the temperature the user typed (degrees Celsius, used as both minimum
    and maximum) and whether it rains (a 100 % chance of precipitation, 0 mm as no amount is known;
    ``wet`` follows ``rain``). Raises ValueError for a temperature that is not a finite number."""
    temp = float(temp_c)
    if not math.isfinite(temp):
        raise ValueError("temp_c must be a finite number")
    return DayForecast(date=date, temp_min_c=temp, temp_max_c=temp, precipitation_mm=0.0,
                       precipitation_probability=100 if rain else 0, weather_code=None, source=ManualProvider.name)


class ManualProvider:
    """The user types the weather in: every day has the temperature (degrees Celsius) and rain given."""

    name = "manual"

    def __init__(self, *, temp_c: float, rain: bool, today: datetime.date | None = None):
        self.temp_c, self.rain = temp_c, rain
        self.today = today or timezone.localdate()

    def daily(self, latitude: float, longitude: float, days: int) -> list[DayForecast]:
        """``days`` days from ``today``, all alike (the place is not used)."""
        return [manual_forecast(date=self.today + datetime.timedelta(days=i), temp_c=self.temp_c, rain=self.rain)
                for i in range(days)]


#: Providers that fetch a forecast, by ``Profile.weather_provider``.
PROVIDERS: dict[str, type] = {OpenMeteoProvider.name: OpenMeteoProvider}


def forecast_for(*, user, date: datetime.date) -> DayForecast:
    """The forecast for ``date`` at ``user``'s place with their profile's provider (cached).

    Raises :class:`WeatherUnavailable`: no location in the profile (``"no-location"``, the message
    sends them to Settings), the manual provider chosen (``"manual"``: the caller asks for the
    temperature and rain, see :func:`manual_forecast`), ``date`` outside the forecast
    (``"out-of-range"``), the provider unreachable or its answer unreadable.
    """
    from accounts.selectors import profile_get

    profile = profile_get(user=user)
    if profile.weather_provider == ManualProvider.name:
        raise WeatherUnavailable(_("You chose to type the weather in: enter the temperature and whether it rains."),
                                 code="manual")
    if profile.latitude is None or profile.longitude is None:
        raise WeatherUnavailable(_("Set your location (a city or coordinates) in Settings to get the forecast."),
                                 code="no-location")
    out_of_range = WeatherUnavailable(
        _("There is no forecast for %(date)s: it covers yesterday to %(days)d days ahead.")
        % {"date": date.isoformat(), "days": FORECAST_DAYS - 1}, code="out-of-range")
    today = timezone.localdate()
    # One day of slack either side: the place's date may differ from the server's.
    if not today - datetime.timedelta(days=PAST_DAYS + 1) <= date <= today + datetime.timedelta(days=FORECAST_DAYS):
        raise out_of_range
    provider = PROVIDERS.get(profile.weather_provider, OpenMeteoProvider)()
    for day in provider.daily(profile.latitude, profile.longitude, FORECAST_DAYS):
        if day.date == date:
            return day
    raise out_of_range


def _language(language: str | None) -> str:
    """Open-Meteo's lower-case two-letter language code of ``language`` (default: the active one)."""
    code = (language or get_language() or settings.LANGUAGE_CODE).lower()
    return code.split("-")[0].split("_")[0][:2] or "en"


def geocode(name: str, language: str | None = None) -> list[Place]:
    """Places called ``name`` (best match first, at most :data:`GEOCODE_COUNT`), with names in
    ``language`` (a language code; default the active one) where Open-Meteo has them. An empty name
    gives ``[]`` without asking. Cached like forecasts.
    Raises :class:`WeatherUnavailable` when the geocoding service is unreachable or its answer unreadable."""
    name = " ".join((name or "").split())
    if not name:
        return []
    language = _language(language)
    digest = hashlib.sha256(name.casefold().encode()).hexdigest()[:32]
    key = f"geocode:{language}:{digest}"
    cached = cache.get(key)
    if cached is not None:
        return [Place(**place) for place in cached]
    body = _get_json(settings.GEOCODING_URL, {"name": name, "count": GEOCODE_COUNT, "language": language,
                                              "format": "json"}, "places")
    try:
        if not isinstance(body, dict):
            raise ValueError("not an object")
        results = body.get("results", [])
        if not isinstance(results, list):
            raise ValueError("'results' is not a list")
        places = []
        for item in results[:GEOCODE_COUNT]:
            latitude, longitude = _number(item["latitude"]), _number(item["longitude"])
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError(f"coordinates out of range: {latitude}, {longitude}")
            places.append(Place(name=str(item["name"]), latitude=latitude, longitude=longitude,
                                country=str(item.get("country") or ""), admin1=str(item.get("admin1") or ""),
                                timezone=str(item.get("timezone") or "")))
    except (ValueError, TypeError, KeyError) as exc:
        log.warning("Weather (places): unexpected answer from %s: %s", settings.GEOCODING_URL, exc)
        raise _failure("places", "bad-response") from None
    cache.set(key, [asdict(place) for place in places], settings.WEATHER_CACHE_SECONDS)
    return places
