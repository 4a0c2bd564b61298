"""HTTP for the weather services: one JSON GET with a time-out, and the user's message for each way
it can fail. Every failure is logged and raised as ``WeatherUnavailable``."""

from __future__ import annotations

import logging
import math
from typing import Any

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from wardrobe.weather.forecast import WeatherUnavailable

log = logging.getLogger(__name__)


def failure(service: str, kind: str, status: int | None = None) -> WeatherUnavailable:
    """The user's message for a failure of ``service`` (``"forecast"`` / ``"places"``): ``kind``
    ``"unreachable"``, ``"http"`` (with ``status``) or ``"bad-response"``."""
    if service == "places":
        messages = {
            "unreachable": _("The place search cannot be reached right now. Try again later, or give coordinates."),
            "http": _(
                "The place search answered with an error (HTTP %(status)s). Try again later, or give coordinates."
            ),
            "bad-response": _(
                "The place search sent an answer we could not read. Try again later, or give coordinates."
            ),
        }
    else:
        messages = {
            "unreachable": _(
                "The weather service cannot be reached right now. Try again later, or type the weather in."
            ),
            "http": _(
                "The weather service answered with an error (HTTP %(status)s). Try again later, or type the weather in."
            ),
            "bad-response": _(
                "The weather service sent an answer we could not read. Try again later, or type the weather in."
            ),
        }
    message = messages[kind] % {"status": status} if kind == "http" else messages[kind]
    return WeatherUnavailable(message, code="unreachable" if kind == "unreachable" else "bad-response")


def get_json(url: str, params: dict[str, Any], service: str) -> Any:
    """``GET url?params`` within ``WEATHER_TIMEOUT_S`` seconds; the decoded JSON body.
    Raises ``WeatherUnavailable`` (logged) for any failure or an HTTP error status."""
    try:
        response = requests.get(
            url, params=params, timeout=settings.WEATHER_TIMEOUT_S, headers={"Accept": "application/json"}
        )
    except requests.Timeout:
        log.warning("Weather (%s): no answer from %s within %s s.", service, url, settings.WEATHER_TIMEOUT_S)
        raise failure(service, "unreachable") from None
    except requests.RequestException as exc:
        log.warning("Weather (%s): %s cannot be reached: %s", service, url, exc)
        raise failure(service, "unreachable") from None
    if response.status_code >= 400:
        log.warning("Weather (%s): %s answered HTTP %d: %s", service, url, response.status_code, response.text[:200])
        raise failure(service, "http", response.status_code)
    try:
        return response.json()
    except ValueError:
        log.warning("Weather (%s): %s answered something that is not JSON: %r", service, url, response.text[:200])
        raise failure(service, "bad-response") from None


def number(value: Any, *, optional: bool = False) -> float | None:
    """A finite JSON number; None for null when ``optional``. Raises ValueError otherwise."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"not a number: {value!r}")
    return float(value)
