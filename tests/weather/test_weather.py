"""Weather (``wardrobe.weather``) and the user's place: Open-Meteo's answers parsed, cached,
every failure a message (never a 500), the manual provider, the place set by city or coordinates on
the settings page and in the API. All HTTP goes to the loopback stub in ``tests/weather_stub.py``."""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from urllib.parse import urlsplit

import pytest
import requests
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts import services as account_services
from accounts.models import Profile
from tests.weather.stub import stubbed_weather, weather_stub
from wardrobe.weather import geocoding, http
from wardrobe.weather import services as weather_services
from wardrobe.weather.forecast import DayForecast, WeatherUnavailable
from wardrobe.weather.models import WeatherSettings
from wardrobe.weather.providers import WeatherProvider
from wardrobe.weather.providers.manual import ManualProvider, manual_forecast
from wardrobe.weather.providers.open_meteo import FORECAST_DAYS, OpenMeteoProvider
from wardrobe.weather.selectors import forecast_for, weather_settings_get

pytestmark = pytest.mark.django_db

SEOUL = (37.566, 126.9784)


@pytest.fixture(autouse=True)
def loopback_only(settings, monkeypatch):
    """No test reaches the network: the weather URLs point at a closed loopback port unless a test
    starts the stub, and every request the weather module makes is checked to go to 127.0.0.1."""
    with weather_stub(fail="down") as dead:
        settings.OPEN_METEO_URL, settings.GEOCODING_URL = dead.forecast_url, dead.search_url
    settings.WEATHER_TIMEOUT_S = 0.5
    real_get = requests.get
    calls = []

    def get(url, *args, **kwargs):
        assert urlsplit(url).hostname == "127.0.0.1", f"a test tried to reach {url}"
        calls.append(url)
        return real_get(url, *args, **kwargs)

    monkeypatch.setattr(http.requests, "get", get)
    yield calls
    for url in (settings.OPEN_METEO_URL, settings.GEOCODING_URL):
        assert urlsplit(url).hostname == "127.0.0.1"


def _locate(user, latitude=SEOUL[0], longitude=SEOUL[1], name="Seoul, South Korea", provider="open-meteo"):
    return weather_services.weather_settings_update(
        user=user, latitude=latitude, longitude=longitude, location_name=name, provider=provider
    )


def _stored(user) -> tuple:
    """The user's weather settings as stored: (latitude, longitude, location_name, provider)."""
    place, _ = WeatherSettings.objects.get_or_create(user=user)
    return place.latitude, place.longitude, place.location_name, place.provider


class _Row:
    """What the settings page and API store for a user: their weather settings and profile's currency."""

    def __init__(self, user):
        self.user = user
        self.refresh_from_db()

    def refresh_from_db(self) -> None:
        place, _ = WeatherSettings.objects.get_or_create(user=self.user)
        profile, _ = Profile.objects.get_or_create(user=self.user)
        self.location_name, self.latitude, self.longitude = place.location_name, place.latitude, place.longitude
        self.weather_provider, self.currency = place.provider, profile.currency


def _today() -> dt.date:
    return timezone.localdate()


# --- the Open-Meteo provider ----------------------------------------------------------------------


def test_open_meteo_answer_is_parsed_into_day_forecasts(settings):
    with stubbed_weather(settings, daily=[(2.5, 9.0, 6.5, 80, 61), (10.0, 18.4, 0.0, 5, 1)]) as stub:
        days = OpenMeteoProvider().daily(*SEOUL, FORECAST_DAYS)
    today = _today()
    assert days == [
        DayForecast(
            date=today,
            temp_min_c=2.5,
            temp_max_c=9.0,
            precipitation_mm=6.5,
            precipitation_probability=80,
            weather_code=61,
            source="open-meteo",
        ),
        DayForecast(
            date=today + dt.timedelta(days=1),
            temp_min_c=10.0,
            temp_max_c=18.4,
            precipitation_mm=0.0,
            precipitation_probability=5,
            weather_code=1,
            source="open-meteo",
        ),
    ]
    assert days[0].wet and not days[1].wet
    assert days[0].temp_mean_c == pytest.approx(5.75) and days[1].temp_mean_c == pytest.approx(14.2)
    assert isinstance(OpenMeteoProvider(), WeatherProvider)
    (request,) = stub.requests
    assert request.path == "/v1/forecast"
    assert request.params == {
        "latitude": "37.57",
        "longitude": "126.98",
        "timezone": "auto",
        "forecast_days": "16",
        "past_days": "1",
        "daily": "temperature_2m_max,temperature_2m_min,precipitation_sum,precipitation_probability_max,weather_code",
    }


def test_days_with_null_values_are_left_out_and_nulls_in_optional_fields_kept(settings):
    today = _today()
    daily = {
        "time": [(today + dt.timedelta(days=i)).isoformat() for i in range(3)],
        "temperature_2m_max": [9.0, 11.0, None],
        "temperature_2m_min": [1.0, 3.0, None],
        "precipitation_sum": [0.2, None, None],
        "precipitation_probability_max": [None, 10, None],
        "weather_code": [None, 3, None],
    }
    with stubbed_weather(settings, daily=daily):
        days = OpenMeteoProvider().daily(*SEOUL, 3)
    assert [(d.date, d.precipitation_probability, d.weather_code, d.wet) for d in days] == [(today, None, None, False)]


@pytest.mark.parametrize(
    "precipitation_mm, probability, wet",
    [(0.0, None, False), (0.9, 49, False), (1.0, None, True), (0.0, 50, True), (0.3, 100, True)],
)
def test_wet_is_a_millimetre_or_an_even_chance(precipitation_mm, probability, wet):
    day = DayForecast(
        date=_today(),
        temp_min_c=5,
        temp_max_c=10,
        precipitation_mm=precipitation_mm,
        precipitation_probability=probability,
        weather_code=None,
        source="test",
    )
    assert day.wet is wet


def test_forecast_for_picks_the_users_date(user, settings):
    _locate(user)
    with stubbed_weather(
        settings, daily={"yesterday": (0, 4, 0, 0), "today": (1, 6, 0, 10), "tomorrow": (-3, 2, 4.0, 90)}
    ) as stub:
        today = _today()
        assert forecast_for(user=user, date=today).temp_max_c == 6
        tomorrow = forecast_for(user=user, date=today + dt.timedelta(days=1))
        assert (tomorrow.temp_min_c, tomorrow.temp_max_c, tomorrow.wet) == (-3, 2, True)
        # The place's date can be a day behind the server's: yesterday is in the answer too.
        assert forecast_for(user=user, date=today - dt.timedelta(days=1)).temp_max_c == 4
        with pytest.raises(WeatherUnavailable) as exc:
            forecast_for(user=user, date=today + dt.timedelta(days=5))  # not in this forecast
        assert exc.value.code == "out-of-range" and (today + dt.timedelta(days=5)).isoformat() in str(exc.value)
        with pytest.raises(WeatherUnavailable) as exc:
            forecast_for(user=user, date=today + dt.timedelta(days=40))
        assert exc.value.code == "out-of-range"
    assert len(stub.requests) == 1  # one cached answer served every day; the far date asked nothing


def test_no_location_asks_for_one_in_settings_and_never_calls_out(user, settings):
    with stubbed_weather(settings) as stub:
        with pytest.raises(WeatherUnavailable) as exc:
            forecast_for(user=user, date=_today())
    assert exc.value.code == "no-location" and "Settings" in str(exc.value)
    assert stub.requests == []


def test_manual_provider_users_are_asked_to_type_the_weather(user, settings):
    _locate(user, provider="manual")
    with stubbed_weather(settings) as stub:
        with pytest.raises(WeatherUnavailable) as exc:
            forecast_for(user=user, date=_today())
    assert exc.value.code == "manual" and "temperature" in str(exc.value)
    assert stub.requests == []


# --- caching --------------------------------------------------------------------------------------


def test_forecasts_are_cached_per_rounded_place_and_days(user, settings):
    with stubbed_weather(settings, daily=[(1, 6, 0, 10), (2, 7, 0, 20)]) as stub:
        first = OpenMeteoProvider().daily(37.5661, 126.9781, 16)
        stub.fail = "500"  # a second request would fail now: the cache must answer
        assert OpenMeteoProvider().daily(37.5664, 126.9779, 16) == first  # same place at 0.01 degree
        assert len(stub.requests_to("/forecast")) == 1
        stub.fail = None
        OpenMeteoProvider().daily(35.1028, 129.0403, 16)  # Busan: another place, another request
        OpenMeteoProvider().daily(37.5661, 126.9781, 7)  # other days, another request
        assert len(stub.requests_to("/forecast")) == 3
        cache.clear()
        OpenMeteoProvider().daily(37.5661, 126.9781, 16)
        assert len(stub.requests_to("/forecast")) == 4


def test_cache_lifetime_is_the_setting(settings):
    settings.WEATHER_CACHE_SECONDS = 1
    with stubbed_weather(settings) as stub:
        OpenMeteoProvider().daily(*SEOUL, 16)
        OpenMeteoProvider().daily(*SEOUL, 16)
        assert len(stub.requests) == 1
        time.sleep(1.2)
        OpenMeteoProvider().daily(*SEOUL, 16)
        assert len(stub.requests) == 2


def test_failures_are_not_cached(settings):
    with stubbed_weather(settings, fail="500") as stub:
        with pytest.raises(WeatherUnavailable):
            OpenMeteoProvider().daily(*SEOUL, 16)
        stub.fail = None
        assert len(OpenMeteoProvider().daily(*SEOUL, 16)) == 2
        assert len(stub.requests) == 2


def test_place_searches_are_cached(settings):
    with stubbed_weather(settings) as stub:
        assert [p.label for p in geocoding.geocode("Paris", "en")] == [
            "Paris, Île-de-France, France",
            "Paris, Texas, United States",
        ]
        stub.fail = "500"
        assert len(geocoding.geocode("  paris ", "en")) == 2  # same name, other spacing and case
        assert len(stub.requests_to("/search")) == 1
        stub.fail = None
        geocoding.geocode("Paris", "ko")  # another language, another request
        assert len(stub.requests_to("/search")) == 2
        assert stub.requests_to("/search")[-1].params == {
            "name": "Paris",
            "count": "5",
            "language": "ko",
            "format": "json",
        }


# --- failures -------------------------------------------------------------------------------------

FAILURES = [
    ("500", "bad-response"),
    ("400", "bad-response"),
    ("timeout", "unreachable"),
    ("down", "unreachable"),
    ("bad-json", "bad-response"),
    ("missing", "bad-response"),
]


@pytest.mark.parametrize("fail, code", FAILURES)
def test_every_provider_failure_is_a_message(user, settings, caplog, fail, code):
    _locate(user)
    settings.WEATHER_TIMEOUT_S = 0.3
    with stubbed_weather(settings, fail=fail, delay=5) as stub, caplog.at_level(logging.WARNING, "wardrobe.weather"):
        started = time.monotonic()
        with pytest.raises(WeatherUnavailable) as exc:
            forecast_for(user=user, date=_today())
        elapsed = time.monotonic() - started
    assert exc.value.code == code
    assert str(exc.value) and "weather service" in str(exc.value)
    assert elapsed < 2, "the time-out must not wait for the stub"
    assert any(stub in record.getMessage() for record in caplog.records), "the failure is logged with the URL"


@pytest.mark.parametrize("fail, code", FAILURES)
def test_every_place_search_failure_is_a_message(settings, fail, code):
    settings.WEATHER_TIMEOUT_S = 0.3
    with stubbed_weather(settings, fail=fail, delay=5):
        with pytest.raises(WeatherUnavailable) as exc:
            geocoding.geocode("Seoul", "en")
    assert exc.value.code == code and "place search" in str(exc.value)


@pytest.mark.parametrize("fail, code", FAILURES)
def test_weather_api_answers_a_message_not_a_500(api, user, settings, fail, code):
    _locate(user)
    settings.WEATHER_TIMEOUT_S = 0.3
    with stubbed_weather(settings, fail=fail, delay=5):
        r = api.get("/api/weather/")
    assert r.status_code == 503
    assert r.json()["code"] == code and "weather service" in r.json()["detail"]


@pytest.mark.parametrize("fail", ["500", "timeout", "down", "bad-json"])
def test_places_api_answers_a_message_not_a_500(api, settings, fail):
    settings.WEATHER_TIMEOUT_S = 0.3
    with stubbed_weather(settings, fail=fail, delay=5):
        r = api.get("/api/places/", {"name": "Seoul"})
    assert r.status_code == 503 and "place search" in r.json()["detail"]


# --- the manual provider --------------------------------------------------------------------------


def test_manual_forecast_is_what_the_user_typed():
    day = dt.date(2026, 3, 2)
    rainy = manual_forecast(date=day, temp_c=12, rain=True)
    assert (rainy.date, rainy.temp_min_c, rainy.temp_max_c, rainy.temp_mean_c) == (day, 12.0, 12.0, 12.0)
    assert rainy.wet and rainy.source == "manual"
    dry = manual_forecast(date=day, temp_c=-4.5, rain=False)
    assert not dry.wet and dry.temp_mean_c == -4.5
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError):
            manual_forecast(date=day, temp_c=bad, rain=False)
    provider = ManualProvider()
    assert isinstance(provider, WeatherProvider) and not provider.needs_place
    with pytest.raises(WeatherUnavailable) as exc:  # nothing to fetch: the user types the weather in
        provider.daily(None, None, 3)
    assert exc.value.code == "manual"


# --- the location: services -----------------------------------------------------------------------


def test_location_by_city_stores_the_first_match(user, settings):
    with stubbed_weather(settings) as stub:
        with translation.override("ko"):
            profile = weather_services.weather_settings_set_place_by_name(user=user, name="paris")
    assert (profile.location_name, profile.latitude, profile.longitude) == (
        "Paris, Île-de-France, France",
        48.8534,
        2.3488,
    )
    assert stub.requests[0].params["language"] == "ko"  # names in the user's language
    stored = _Row(user)
    assert (stored.location_name, stored.latitude, stored.longitude) == (
        "Paris, Île-de-France, France",
        48.8534,
        2.3488,
    )
    with stubbed_weather(settings):
        profile = weather_services.weather_settings_set_place_by_name(user=user, name="Seoul")
    assert (profile.location_name, profile.latitude, profile.longitude) == ("Seoul, South Korea", 37.566, 126.9784)


def test_unknown_city_is_a_validation_error_and_changes_nothing(user, settings):
    _locate(user)
    with stubbed_weather(settings):
        with pytest.raises(ValidationError) as exc:
            weather_services.weather_settings_set_place_by_name(user=user, name="Atlantis")
        assert "No place called “Atlantis”" in exc.value.message_dict["city"][0]
        with pytest.raises(ValidationError) as exc:
            weather_services.weather_settings_set_place_by_name(user=user, name="   ")
        assert "city" in exc.value.message_dict
    stored = _Row(user)
    assert (stored.location_name, stored.latitude) == ("Seoul, South Korea", SEOUL[0])


def test_unreachable_place_search_changes_nothing(user, settings):
    _locate(user)
    with stubbed_weather(settings, fail="down"):
        with pytest.raises(WeatherUnavailable) as exc:
            weather_services.weather_settings_set_place_by_name(user=user, name="Busan")
    assert "place search" in str(exc.value)
    assert _Row(user).location_name == "Seoul, South Korea"


def test_location_by_coordinates(user):
    profile = weather_services.weather_settings_update(user=user, latitude=35.1, longitude=129)
    assert (profile.latitude, profile.longitude, profile.location_name) == (35.1, 129.0, "")
    _locate(user)
    # New coordinates without a name: the old name would be wrong, so it goes.
    profile = weather_services.weather_settings_update(user=user, latitude=35.1, longitude=129.04)
    assert (profile.latitude, profile.longitude, profile.location_name) == (35.1, 129.04, "")
    _locate(user)
    profile = weather_services.weather_settings_update(user=user, latitude=None, longitude=None)
    assert (profile.latitude, profile.longitude, profile.location_name) == (None, None, "")
    _locate(user)
    account_services.profile_update(user=user, currency="USD")  # the account's settings keep the place
    assert weather_settings_get(user=user).location_name == "Seoul, South Korea"
    profile = weather_services.weather_settings_update(user=user, provider="manual")
    assert (profile.location_name, profile.provider) == ("Seoul, South Korea", "manual")


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"latitude": 37.5}, "longitude"),
        ({"longitude": 127.0}, "latitude"),
        ({"latitude": 91, "longitude": 0}, "latitude"),
        ({"latitude": -90.5, "longitude": 0}, "latitude"),
        ({"latitude": 0, "longitude": 180.01}, "longitude"),
        ({"latitude": math.nan, "longitude": 0}, "latitude"),
        ({"latitude": 0, "longitude": math.inf}, "longitude"),
        ({"latitude": True, "longitude": 0}, "latitude"),
        ({"latitude": "north", "longitude": 0}, "latitude"),
        ({"location_name": "Atlantis"}, "location_name"),
        ({"location_name": "x" * 201, "latitude": 1, "longitude": 1}, "location_name"),
        ({"provider": "met-office"}, "provider"),
    ],
)
def test_location_validation_saves_nothing(user, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        weather_services.weather_settings_update(user=user, **kwargs)
    assert field in exc.value.message_dict
    assert _stored(user) == (None, None, "", "open-meteo")


def test_one_coordinate_may_change_alone_when_the_other_is_set(user):
    _locate(user)
    profile = weather_services.weather_settings_update(user=user, latitude=37.6)
    assert (profile.latitude, profile.longitude, profile.location_name) == (37.6, SEOUL[1], "")


# --- the settings page ----------------------------------------------------------------------------


def _settings_form(**weather_fields):
    data = {
        "language": "",
        "review_threshold": "75",
        "currency": "KRW",
        "weather_provider": "open-meteo",
        "city": "",
        "latitude": "",
        "longitude": "",
    }
    data.update(weather_fields)
    return data


def test_settings_page_has_a_weather_section(client, user):
    client.force_login(user)
    page = client.get(reverse("preferences:settings")).content.decode()
    assert 'id="weather-settings"' in page and 'name="city"' in page and 'name="latitude"' in page
    assert 'value="manual"' in page and "No location set" in page
    _locate(user)
    page = client.get(reverse("preferences:settings")).content.decode()
    assert "Forecasts are for Seoul, South Korea (37.566, 126.9784)" in page
    assert 'value="Seoul, South Korea"' in page


def test_settings_page_looks_the_city_up(client, user, settings):
    client.force_login(user)
    with stubbed_weather(settings) as stub:
        r = client.post(reverse("preferences:settings"), _settings_form(city="Busan", currency="USD"))
    assert r.status_code == 302, r.content.decode()
    stored = _Row(user)
    assert (stored.location_name, stored.latitude, stored.longitude, stored.currency) == (
        "Busan, South Korea",
        35.1028,
        129.0403,
        "USD",
    )
    assert len(stub.requests) == 1
    # Saving again unchanged looks nothing up and keeps the place.
    with stubbed_weather(settings) as stub:
        r = client.post(
            reverse("preferences:settings"),
            _settings_form(
                city="Busan, South Korea", latitude="35.1028", longitude="129.0403", weather_provider="manual"
            ),
        )
    assert r.status_code == 302 and stub.requests == []
    stored.refresh_from_db()
    assert (stored.location_name, stored.latitude, stored.weather_provider) == ("Busan, South Korea", 35.1028, "manual")


def test_settings_page_takes_coordinates(client, user):
    client.force_login(user)
    _locate(user)
    r = client.post(
        reverse("preferences:settings"),
        _settings_form(city="Seoul, South Korea", latitude="-33.87", longitude="151.21"),
    )
    assert r.status_code == 302
    stored = _Row(user)
    assert (stored.location_name, stored.latitude, stored.longitude) == ("", -33.87, 151.21)
    page = client.get(reverse("preferences:settings")).content.decode()
    assert "Forecasts are for latitude -33.87, longitude 151.21." in page
    r = client.post(reverse("preferences:settings"), _settings_form())  # everything emptied: no place
    assert r.status_code == 302
    stored.refresh_from_db()
    assert (stored.location_name, stored.latitude, stored.longitude) == ("", None, None)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"latitude": "37.5"}, "Give both latitude and longitude, or neither."),
        ({"latitude": "95", "longitude": "10"}, "Ensure this value is less than or equal to 90."),
        ({"city": "Atlantis"}, "No place called"),
    ],
)
def test_settings_page_errors_save_nothing(client, user, settings, fields, message):
    client.force_login(user)
    with stubbed_weather(settings):
        r = client.post(reverse("preferences:settings"), _settings_form(currency="USD", **fields))
    assert r.status_code == 400
    assert message in r.content.decode().replace("&#x27;", "'").replace("&ldquo;", "“")
    stored = _Row(user)
    assert (stored.latitude, stored.currency) == (None, "KRW")


@pytest.mark.parametrize("fail", ["down", "timeout", "500", "bad-json"])
def test_settings_page_with_the_place_search_down_says_so(client, user, settings, fail):
    client.force_login(user)
    settings.WEATHER_TIMEOUT_S = 0.3
    with stubbed_weather(settings, fail=fail, delay=5):
        r = client.post(reverse("preferences:settings"), _settings_form(city="Seoul", currency="USD"))
    assert r.status_code == 400 and "place search" in r.content.decode()
    stored = _Row(user)
    assert (stored.latitude, stored.currency) == (None, "KRW")


# --- the API --------------------------------------------------------------------------------------


def test_api_settings_show_and_set_the_location(api, user, settings):
    r = api.get("/api/me/settings/")
    assert r.status_code == 200
    assert {k: r.json()[k] for k in ("location_name", "latitude", "longitude", "weather_provider")} == {
        "location_name": "",
        "latitude": None,
        "longitude": None,
        "weather_provider": "open-meteo",
    }
    assert "city" not in r.json()
    with stubbed_weather(settings):
        r = api.patch("/api/me/settings/", {"city": "Seoul"}, format="json")
    assert r.status_code == 200, r.content
    assert (r.json()["location_name"], r.json()["latitude"], r.json()["longitude"]) == (
        "Seoul, South Korea",
        37.566,
        126.9784,
    )
    r = api.patch("/api/me/settings/", {"latitude": 35.1, "longitude": 129.04, "location_name": "Home"}, format="json")
    assert r.status_code == 200
    assert (r.json()["location_name"], r.json()["latitude"], r.json()["longitude"]) == ("Home", 35.1, 129.04)
    r = api.patch("/api/me/settings/", {"weather_provider": "manual"}, format="json")
    assert r.status_code == 200 and r.json()["weather_provider"] == "manual" and r.json()["location_name"] == "Home"
    r = api.patch("/api/me/settings/", {"city": ""}, format="json")  # no place any more
    assert r.status_code == 200
    assert (r.json()["location_name"], r.json()["latitude"], r.json()["longitude"]) == ("", None, None)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"city": "Seoul", "latitude": 1, "longitude": 2}, "city"),
        ({"latitude": 37.5}, "longitude"),
        ({"latitude": 37.5, "longitude": 200}, "longitude"),
        ({"latitude": "NaN", "longitude": 2}, "latitude"),
        ({"latitude": True, "longitude": 2}, "latitude"),
        ({"location_name": "Home"}, "location_name"),
        ({"weather_provider": "met-office"}, "weather_provider"),
        ({"city": "Atlantis"}, "city"),
    ],
)
def test_api_settings_bad_location_is_a_400_and_changes_nothing(api, user, settings, payload, field):
    with stubbed_weather(settings):
        r = api.patch("/api/me/settings/", payload, format="json")
    assert r.status_code == 400 and field in r.json(), r.content
    assert _stored(user) == (None, None, "", "open-meteo")


def test_api_settings_city_with_the_place_search_down_is_a_503(api, user, settings):
    with stubbed_weather(settings, fail="down"):
        r = api.patch("/api/me/settings/", {"city": "Seoul", "currency": "USD"}, format="json")
    assert r.status_code == 503
    assert r.json()["code"] == "unreachable" and "place search" in r.json()["detail"]
    assert (_stored(user)[0], _Row(user).currency) == (None, "KRW")


def test_api_weather_returns_the_forecast(api, user, settings):
    _locate(user)
    with stubbed_weather(settings, daily=[(2.5, 9.0, 6.5, 80, 61), (10.0, 18.0, 0.0, 5, 1)]):
        r = api.get("/api/weather/")
        tomorrow = api.get("/api/weather/", {"date": (_today() + dt.timedelta(days=1)).isoformat()})
    assert r.status_code == 200
    assert r.json() == {
        "date": _today().isoformat(),
        "temp_min_c": 2.5,
        "temp_max_c": 9.0,
        "temp_mean_c": 5.75,
        "precipitation_mm": 6.5,
        "precipitation_probability": 80,
        "weather_code": 61,
        "wet": True,
        "source": "open-meteo",
    }
    assert tomorrow.status_code == 200 and tomorrow.json()["temp_max_c"] == 18.0 and tomorrow.json()["wet"] is False


def test_api_weather_explains_why_there_is_none(api, user, settings):
    with stubbed_weather(settings):
        r = api.get("/api/weather/")
        assert r.status_code == 400 and r.json()["code"] == "no-location" and "Settings" in r.json()["detail"]
        _locate(user)
        r = api.get("/api/weather/", {"date": "2001-01-01"})
        assert r.status_code == 400 and r.json()["code"] == "out-of-range"
        r = api.get("/api/weather/", {"date": "tomorrow"})
        assert r.status_code == 400 and "date" in r.json()
        _locate(user, provider="manual")
        r = api.get("/api/weather/")
        assert r.status_code == 400 and r.json()["code"] == "manual"


def test_api_places_searches_by_name(api, settings):
    with stubbed_weather(settings):
        r = api.get("/api/places/", {"name": "Paris"})
        assert r.status_code == 200
        assert [(p["label"], p["latitude"], p["longitude"], p["timezone"]) for p in r.json()] == [
            ("Paris, Île-de-France, France", 48.8534, 2.3488, "Europe/Paris"),
            ("Paris, Texas, United States", 33.6609, -95.5555, "America/Chicago"),
        ]
        assert api.get("/api/places/", {"name": "Atlantis"}).json() == []
        assert api.get("/api/places/").status_code == 400
        assert api.get("/api/places/", {"name": ""}).status_code == 400


@pytest.mark.parametrize("url", ["/api/weather/", "/api/places/?name=Seoul"])
def test_weather_endpoints_need_auth(url):
    from rest_framework.test import APIClient

    assert APIClient().get(url).status_code == 401


def test_schema_documents_the_weather_api(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    weather_get = schema["paths"]["/api/weather/"]["get"]
    assert {"200", "400", "503"} <= set(weather_get["responses"])
    assert "date" in {p["name"] for p in weather_get["parameters"]}
    assert {"200", "503"} <= set(schema["paths"]["/api/places/"]["get"]["responses"])
    assert "503" in schema["paths"]["/api/me/settings/"]["patch"]["responses"]
    profile = schema["components"]["schemas"]["PatchedSettingsRequest"]["properties"]
    assert {"city", "latitude", "longitude", "location_name", "weather_provider"} <= set(profile)
