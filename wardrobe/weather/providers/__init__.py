"""The weather providers, by name: the one registry that forms, serializers and the weather settings'
choices derive from.

A provider is an object with ``name`` (stored in ``WeatherSettings.provider`` and
``DayForecast.source``), ``label`` (shown to the user), ``needs_place`` (whether it forecasts for the
user's coordinates) and ``daily(latitude, longitude, days) -> list[DayForecast]``, which raises
``WeatherUnavailable``. Adding one is a module here with a class decorated by :func:`register`, and
its import below (in this package's ``__init__``).
"""

from wardrobe.weather.providers import manual, open_meteo  # noqa: F401  (each registers itself on import)
from wardrobe.weather.providers.registry import (
    DEFAULT_PROVIDER,
    PROVIDERS,
    WeatherProvider,
    get_provider,
    provider_choices,
    register,
)

__all__ = ["DEFAULT_PROVIDER", "PROVIDERS", "WeatherProvider", "get_provider", "provider_choices", "register"]
