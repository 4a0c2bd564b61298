"""Weather writes: the user's place and provider."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from wardrobe.weather.geocoding import geocode
from wardrobe.weather.models import WeatherSettings
from wardrobe.weather.selectors import weather_settings_get

#: Fields :func:`weather_settings_update` changes.
FIELDS = frozenset({"provider", "location_name", "latitude", "longitude"})


def weather_settings_update(*, user, **fields) -> WeatherSettings:
    """Change the user's weather settings: ``provider`` (a name of
    ``wardrobe.weather.providers.PROVIDERS``), the place ``latitude`` (degrees, -90..90, north
    positive) and ``longitude`` (degrees, -180..180, east positive), both or neither (None: no
    place), with ``location_name`` (its label, at most 200 characters; cleared when the coordinates
    change without a new one, or are removed).

    Raises ``ValidationError`` (dict keyed by field) for an unknown field or a bad value; then
    nothing is saved. Returns the settings.
    """
    place = weather_settings_get(user=user)
    unknown = set(fields) - FIELDS
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    for name in ("latitude", "longitude"):
        value = fields.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            errors[name] = [_("Enter a number.")]
        else:
            fields[name] = float(value)
    if errors:
        raise ValidationError(errors)
    if ("latitude" in fields or "longitude" in fields) and "location_name" not in fields:
        moved = (fields.get("latitude", place.latitude), fields.get("longitude", place.longitude)) != (
            place.latitude,
            place.longitude,
        )
        if moved:
            fields["location_name"] = ""  # the old label names another place
    if "location_name" in fields:
        fields["location_name"] = " ".join((fields["location_name"] or "").split())
    for name, value in fields.items():
        setattr(place, name, value)
    try:
        if (place.latitude is None) != (place.longitude is None):
            missing = "longitude" if place.longitude is None else "latitude"
            raise ValidationError({missing: [_("Give both latitude and longitude, or neither.")]})
        if place.latitude is None and place.location_name:
            if "location_name" in fields and fields["location_name"]:
                raise ValidationError(
                    {
                        "location_name": [
                            _("A place needs its coordinates: look it up by name or give its latitude and longitude.")
                        ]
                    }
                )
            place.location_name = ""  # the coordinates were removed: so is their label
        place.full_clean(exclude=["user"])
    except ValidationError:
        place.refresh_from_db()
        raise
    place.save()
    return place


def location_from_name(*, name: str, language: str | None = None) -> dict:
    """Look ``name`` up with the place search (``geocoding.geocode``; names in ``language``, default
    the active one) and return the settings fields of the best match: ``location_name``
    (``"City, Region, Country"``), ``latitude``, ``longitude`` (degrees).

    Raises ``ValidationError`` (``city``) for an empty name or when no place has it, and
    ``WeatherUnavailable`` (a message for the user) when the place search cannot be reached or
    answers something unreadable.
    """
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"city": [_("Type the name of a city.")]})
    places = geocode(name, language)
    if not places:
        raise ValidationError(
            {
                "city": [
                    _("No place called “%(name)s” was found. Check the spelling, add the country, or give coordinates.")
                    % {"name": name}
                ]
            }
        )
    place = places[0]
    return {"location_name": place.label[:200], "latitude": place.latitude, "longitude": place.longitude}


def weather_settings_set_place_by_name(*, user, name: str, language: str | None = None) -> WeatherSettings:
    """Set ``user``'s place to the best match for ``name`` (see :func:`location_from_name`).
    Raises ``ValidationError`` (``city``) or ``WeatherUnavailable``; then nothing changes."""
    return weather_settings_update(user=user, **location_from_name(name=name, language=language))
