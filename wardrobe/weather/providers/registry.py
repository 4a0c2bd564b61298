"""The provider registry (see the package docstring)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from wardrobe.weather.forecast import DayForecast


@runtime_checkable
class WeatherProvider(Protocol):
    """Something that forecasts the days from today at a place."""

    name: str
    label: str
    needs_place: bool

    def daily(self, latitude: float | None, longitude: float | None, days: int) -> list[DayForecast]:
        """Forecasts for ``days`` days from today (local to the place; a provider may add days
        around them), oldest first. ``latitude`` / ``longitude`` in degrees (None when the provider
        needs no place). Raises ``WeatherUnavailable``."""
        ...


#: name -> provider class, in the order they are offered.
PROVIDERS: dict[str, type] = {}
#: The provider of a new user.
DEFAULT_PROVIDER = "open-meteo"


def register(cls: type) -> type:
    """Class decorator: add a provider class to :data:`PROVIDERS` under its ``name``."""
    PROVIDERS[cls.name] = cls
    return cls


def provider_choices() -> list[tuple[str, str]]:
    """``[(name, label)]`` of the registered providers, for model fields, forms and serializers."""
    return [(name, cls.label) for name, cls in PROVIDERS.items()]


def get_provider(name: str) -> WeatherProvider:
    """A provider instance by name; an unknown name (a provider removed since) gives the default."""
    return PROVIDERS.get(name, PROVIDERS[DEFAULT_PROVIDER])()
