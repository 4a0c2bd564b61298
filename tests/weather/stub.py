"""A loopback stand-in for Open-Meteo's forecast and place-search APIs, so no test touches the network.

    with weather_stub(daily=[(2, 9, 6.5, 80), (5, 14, 0.0, 10)]) as stub:
        settings.OPEN_METEO_URL = stub.forecast_url      # == stub + "/v1/forecast"
        settings.GEOCODING_URL = stub.search_url         # == stub + "/v1/search"
        ...
        assert len(stub.requests_to("/v1/forecast")) == 1

or, with pytest-django's ``settings`` fixture, ``with stubbed_weather(settings, daily=...) as stub:``.

The context manager yields the base URL (``http://127.0.0.1:<free port>``, a ``str``) with the
attributes ``forecast_url``, ``search_url``, ``requests`` (every request received: ``StubRequest``
with ``path`` and ``params``, first value of each query parameter) and ``fail`` / ``daily`` /
``places``, which a test may change while the server runs.

``daily`` (None: :data:`DEFAULT_DAILY`) is one of
  * a list of days from today on: tuples ``(temp_min_c, temp_max_c, precipitation_mm, probability
    [, weather_code])`` or dicts with those keys (``temp_min_c``/``temp_min``, ``temp_max_c``/
    ``temp_max``, ``precipitation_mm``, ``precipitation_probability``/``probability``, ``weather_code``);
  * a dict of such days keyed by offset from today (``0``, ``1``, ``-1``), ``"today"`` /
    ``"tomorrow"`` / ``"yesterday"``, a ``datetime.date`` or an ISO date string;
  * an Open-Meteo ``daily`` object as is (has ``"time"`` or ``"temperature_2m_max"``; a missing
    ``time`` counts from today, missing precipitation variables are filled with 0 / null).
"Today" is the date in the requested ``timezone`` (``auto`` and ``GMT`` mean UTC, the stub's
``timezone`` argument). The forecast holds the given days within ``past_days`` before today and
``forecast_days`` from today (Open-Meteo's window), like the real API.

``places`` (None: :data:`DEFAULT_PLACES`): Open-Meteo result dicts (``name``, ``latitude``,
``longitude``, ``country``, ``admin1``, ``timezone``) or tuples ``(name, admin1, country, latitude,
longitude)``; a search returns those whose name contains the searched text (case-insensitive), up
to ``count``, and no ``results`` key when none match, as Open-Meteo does.

``fail``: None (answers normally), ``"500"`` (HTTP 500), ``"400"`` (Open-Meteo's
``{"error": true, "reason": ...}``), ``"timeout"`` (answers only after ``delay`` seconds, default 3:
set ``WEATHER_TIMEOUT_S`` below it), ``"down"`` (the port is closed: connection refused),
``"bad-json"`` (HTTP 200 that is not JSON), ``"missing"`` (JSON without the ``daily`` variables /
with results lacking coordinates). Every mode but ``"down"`` can also be set on the running stub.
"""

from __future__ import annotations

import datetime
import json
import socket
import threading
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DAILY_VARIABLES = (
    "temperature_2m_max",
    "temperature_2m_min",
    "precipitation_sum",
    "precipitation_probability_max",
    "weather_code",
)

#: Today mild and dry, tomorrow cold and rainy: (temp_min_c, temp_max_c, precipitation_mm, probability).
DEFAULT_DAILY = [(12.0, 21.0, 0.0, 10), (3.0, 8.0, 7.5, 90)]
DEFAULT_PLACES = [
    {
        "name": "Seoul",
        "latitude": 37.566,
        "longitude": 126.9784,
        "country": "South Korea",
        "admin1": "Seoul",
        "timezone": "Asia/Seoul",
    },
    {
        "name": "Busan",
        "latitude": 35.1028,
        "longitude": 129.0403,
        "country": "South Korea",
        "admin1": "Busan",
        "timezone": "Asia/Seoul",
    },
    {
        "name": "Paris",
        "latitude": 48.8534,
        "longitude": 2.3488,
        "country": "France",
        "admin1": "Île-de-France",
        "timezone": "Europe/Paris",
    },
    {
        "name": "Paris",
        "latitude": 33.6609,
        "longitude": -95.5555,
        "country": "United States",
        "admin1": "Texas",
        "timezone": "America/Chicago",
    },
]
FAIL_MODES = (None, "500", "400", "timeout", "down", "bad-json", "missing")


@dataclass(frozen=True)
class StubRequest:
    path: str
    params: dict[str, str]


def _day_values(value: Any) -> dict[str, Any]:
    """One day given as a tuple or dict -> Open-Meteo's variables."""
    if isinstance(value, dict):
        get = lambda *names, default=None: next((value[n] for n in names if n in value), default)  # noqa: E731
        t_min, t_max = (
            get("temp_min_c", "temp_min", "temperature_2m_min"),
            get("temp_max_c", "temp_max", "temperature_2m_max"),
        )
        rain = get("precipitation_mm", "precipitation_sum", default=0.0)
        probability = get("precipitation_probability", "probability", "precipitation_probability_max")
        code = get("weather_code")
    else:
        t_min, t_max, rain, probability, *rest = tuple(value) + (None,) * max(0, 4 - len(value))
        code = rest[0] if rest else None
        rain = 0.0 if rain is None else rain
    return {
        "temperature_2m_max": t_max,
        "temperature_2m_min": t_min,
        "precipitation_sum": rain,
        "precipitation_probability_max": probability,
        "weather_code": code,
    }


def _days(daily: Any, today: datetime.date) -> dict[datetime.date, dict[str, Any]]:
    """``daily`` (see the module docstring) -> {date: Open-Meteo variables}."""
    if daily is None:
        daily = DEFAULT_DAILY
    if isinstance(daily, dict) and ("time" in daily or "temperature_2m_max" in daily):
        length = len(daily.get("temperature_2m_max") or daily.get("time") or [])
        times = daily.get("time") or [(today + datetime.timedelta(days=i)).isoformat() for i in range(length)]
        out = {}
        for i, day in enumerate(times):
            out[datetime.date.fromisoformat(day)] = {
                "temperature_2m_max": daily.get("temperature_2m_max", [None] * length)[i],
                "temperature_2m_min": daily.get("temperature_2m_min", [None] * length)[i],
                "precipitation_sum": daily.get("precipitation_sum", [0.0] * length)[i],
                "precipitation_probability_max": daily.get("precipitation_probability_max", [None] * length)[i],
                "weather_code": daily.get("weather_code", [None] * length)[i],
            }
        return out
    if isinstance(daily, dict):
        words = {"yesterday": -1, "today": 0, "tomorrow": 1}
        out = {}
        for key, value in daily.items():
            if isinstance(key, datetime.date):
                day = key
            elif isinstance(key, int):
                day = today + datetime.timedelta(days=key)
            elif key in words:
                day = today + datetime.timedelta(days=words[key])
            else:
                day = datetime.date.fromisoformat(str(key))
            out[day] = _day_values(value)
        return out
    return {today + datetime.timedelta(days=i): _day_values(value) for i, value in enumerate(daily)}


def _place(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return dict(value)
    name, admin1, country, latitude, longitude = value
    return {"name": name, "admin1": admin1, "country": country, "latitude": latitude, "longitude": longitude}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format, *args):  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        stub = self.server.stub
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        with stub.lock:
            stub.requests.append(StubRequest(url.path, params))
        fail = stub.fail
        if fail == "timeout":
            if stub.stopping.wait(stub.delay):
                return  # the test is over: the client gave up long ago
            fail = None
        if fail == "500":
            return self._send(500, b'{"error": true, "reason": "Internal server error (stub)"}')
        if fail == "400":
            return self._send(
                400, b'{"error": true, "reason": "Cannot initialize WeatherVariable from invalid String value (stub)"}'
            )
        if fail == "bad-json":
            return self._send(200, b"<html>Bad gateway</html>", "text/html")
        if url.path.endswith("/search"):
            return self._send(200, json.dumps(self._search(params, missing=fail == "missing")).encode())
        if url.path.endswith("/forecast"):
            return self._send(200, json.dumps(self._forecast(params, missing=fail == "missing")).encode())
        return self._send(404, b'{"error": true, "reason": "Not found"}')

    def _search(self, params: dict[str, str], missing: bool) -> dict[str, Any]:
        needle = params.get("name", "").strip().casefold()
        count = int(params.get("count") or 10)
        found = [p for p in map(_place, self.server.stub.places) if needle and needle in p["name"].casefold()]
        body: dict[str, Any] = {"generationtime_ms": 0.5}
        if found:
            body["results"] = [{"id": i + 1, **p} for i, p in enumerate(found[:count])]
            if missing:
                for result in body["results"]:
                    result.pop("latitude", None)
        return body

    def _forecast(self, params: dict[str, str], missing: bool) -> dict[str, Any]:
        stub = self.server.stub
        tz_name = params.get("timezone", "GMT")
        tz = stub.timezone if tz_name in ("auto", "GMT", "UTC", "") else zoneinfo.ZoneInfo(tz_name)
        today = datetime.datetime.now(tz).date()
        first = today - datetime.timedelta(days=int(params.get("past_days") or 0))
        end = today + datetime.timedelta(days=int(params.get("forecast_days") or 7))
        days = {d: v for d, v in sorted(_days(stub.daily, today).items()) if first <= d < end}
        requested = [v for v in params.get("daily", "").split(",") if v]
        daily: dict[str, list] = {"time": [d.isoformat() for d in days]}
        if not missing:
            for variable in requested:
                daily[variable] = [values.get(variable) for values in days.values()]
        return {
            "latitude": float(params.get("latitude", 0)),
            "longitude": float(params.get("longitude", 0)),
            "generationtime_ms": 0.1,
            "utc_offset_seconds": 0,
            "timezone": "GMT",
            "timezone_abbreviation": "GMT",
            "elevation": 38.0,
            "daily_units": {
                "time": "iso8601",
                "temperature_2m_max": "°C",
                "temperature_2m_min": "°C",
                "precipitation_sum": "mm",
                "precipitation_probability_max": "%",
                "weather_code": "wmo code",
            },
            "daily": daily,
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stub: WeatherStub

    def handle_error(self, request, client_address):
        pass  # a client that gave up (time-out tests) closed the connection: nothing to report


class WeatherStub(str):
    """The stub's base URL (``http://127.0.0.1:<port>``) with its state; see the module docstring."""

    forecast_url: str
    search_url: str
    requests: list[StubRequest]

    def requests_to(self, path_suffix: str) -> list[StubRequest]:
        """The requests received whose path ends with ``path_suffix`` (``"/forecast"``, ``"/search"``)."""
        with self.lock:
            return [r for r in self.requests if r.path.endswith(path_suffix)]


def _closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def weather_stub(
    daily: Any = None,
    fail: str | None = None,
    places: list | None = None,
    *,
    delay: float = 3.0,
    timezone: datetime.tzinfo = datetime.UTC,
) -> Iterator[WeatherStub]:
    """Serve Open-Meteo-shaped ``/v1/forecast`` and ``/v1/search`` on 127.0.0.1 (a free port) in a
    thread while the block runs; yields the base URL (see the module docstring). ``fail="down"``
    serves nothing: the URL points to a closed port."""
    if fail not in FAIL_MODES:
        raise ValueError(f"fail must be one of {FAIL_MODES}")
    server = None
    if fail == "down":
        port = _closed_port()
    else:
        server = _Server(("127.0.0.1", 0), _Handler)
        port = server.server_address[1]
    stub = WeatherStub(f"http://127.0.0.1:{port}")
    stub.forecast_url, stub.search_url = stub + "/v1/forecast", stub + "/v1/search"
    stub.daily, stub.fail, stub.places, stub.delay, stub.timezone = (
        daily,
        fail,
        (DEFAULT_PLACES if places is None else places),
        delay,
        timezone,
    )
    stub.requests, stub.lock, stub.stopping = [], threading.Lock(), threading.Event()
    thread = None
    if server is not None:
        server.stub = stub
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="weather-stub", daemon=True
        )
        thread.start()
    try:
        yield stub
    finally:
        stub.stopping.set()
        if server is not None:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


@contextmanager
def stubbed_weather(settings, **kwargs) -> Iterator[WeatherStub]:
    """:func:`weather_stub` with pytest-django's ``settings`` pointed at it (``OPEN_METEO_URL``,
    ``GEOCODING_URL``); the fixture restores them after the test."""
    with weather_stub(**kwargs) as stub:
        settings.OPEN_METEO_URL, settings.GEOCODING_URL = stub.forecast_url, stub.search_url
        yield stub
