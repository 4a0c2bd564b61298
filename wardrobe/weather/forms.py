"""Weather forms: the weather part of the settings page, and the weather typed in for one day."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wardrobe.weather.providers import provider_choices


class WeatherSettingsForm(forms.Form):
    """Where you are (a city looked up by name when it changes, or coordinates) and where the
    weather comes from. ``initial`` holds the current settings; :meth:`settings_fields` says what to
    change."""

    weather_provider = forms.ChoiceField(
        label=_("Weather"),
        widget=forms.RadioSelect,
        choices=provider_choices,
        help_text=_("Outfit suggestions follow the forecast for your place, or the temperature and rain you enter."),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2", "placeholder": _("e.g. Seoul")}),
        help_text=_(
            "Looked up when you save. Add the country if there are several places with that name. "
            "Your location is never guessed from your connection."
        ),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text=_("Or give coordinates instead of a city: degrees, north positive (Seoul: 37.57)."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text=_("Degrees, east positive (Seoul: 126.98)."),
    )

    @classmethod
    def initial_for(cls, place) -> dict:
        """The form's initial values from a ``WeatherSettings`` row."""
        return {
            "weather_provider": place.provider,
            "city": place.location_name,
            "latitude": place.latitude,
            "longitude": place.longitude,
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        lat, lon = data.get("latitude"), data.get("longitude")
        if not self._looks_up() and (lat is None) != (lon is None):
            self.add_error(
                "longitude" if lon is None else "latitude", _("Give both latitude and longitude, or neither.")
            )
        return data

    def _looks_up(self) -> bool:
        """A city to look up: typed anew, or left while both coordinates were emptied."""
        data = self.cleaned_data
        return bool(data.get("city")) and (
            "city" in self.changed_data or (data.get("latitude") is None and data.get("longitude") is None)
        )

    def settings_fields(self) -> dict:
        """After ``is_valid()``: ``provider`` (the ``weather_provider`` field) plus either
        ``{"city": name}`` (a city to look up, see :meth:`_looks_up`; the caller uses
        ``services.location_from_name``) or the coordinates (``latitude``, ``longitude``, None for
        none) and their ``location_name`` (kept while the coordinates stay, else empty)."""
        data = self.cleaned_data
        fields = {"provider": data["weather_provider"]}
        if self._looks_up():
            fields["city"] = data["city"]
        elif data["latitude"] is None:
            fields.update(latitude=None, longitude=None, location_name="")
        else:
            moved = "latitude" in self.changed_data or "longitude" in self.changed_data
            fields.update(
                latitude=data["latitude"], longitude=data["longitude"], location_name="" if moved else data["city"]
            )
        return fields


class ManualWeatherForm(forms.Form):
    """The weather typed in for one day (the manual provider, or when the forecast is unavailable)."""

    temp = forms.FloatField(
        label=_("Temperature (°C)"), min_value=-60, max_value=60, widget=forms.NumberInput(attrs={"step": "0.5"})
    )
    rain = forms.BooleanField(label=_("Rain"), required=False)
