from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _


class SignUpForm(UserCreationForm):
    """Username, password, password confirmation; runs AUTH_PASSWORD_VALIDATORS."""

    class Meta(UserCreationForm.Meta):
        fields = ("username",)


class DeleteAccountForm(forms.Form):
    """The password that confirms deleting the account (checked by ``services.user_delete``)."""

    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class WeatherSettingsForm(forms.Form):
    """The weather part of the settings page: where you are (a city looked up by name when it
    changes, or coordinates) and where the weather comes from. ``initial`` holds the profile's values;
    :meth:`profile_fields` says what to change."""

    weather_provider = forms.ChoiceField(
        label=_("Weather"), widget=forms.RadioSelect,
        choices=[("open-meteo", _("Forecast from Open-Meteo")), ("manual", _("I type it in"))],
        help_text=_("Outfit suggestions follow the forecast for your place, or the temperature and rain you enter."))
    city = forms.CharField(
        label=_("City"), max_length=200, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2", "placeholder": _("e.g. Seoul")}),
        help_text=_("Looked up when you save. Add the country if there are several places with that name. "
                    "Your location is never guessed from your connection."))
    latitude = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90,
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text=_("Or give coordinates instead of a city: degrees, north positive (Seoul: 37.57)."))
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180,
        widget=forms.NumberInput(attrs={"step": "any"}),
        help_text=_("Degrees, east positive (Seoul: 126.98)."))

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        lat, lon = data.get("latitude"), data.get("longitude")
        if not self._looks_up() and (lat is None) != (lon is None):
            self.add_error("longitude" if lon is None else "latitude",
                           _("Give both latitude and longitude, or neither."))
        return data

    def _looks_up(self) -> bool:
        """A city to look up: typed anew, or left while both coordinates were emptied."""
        data = self.cleaned_data
        return bool(data.get("city")) and ("city" in self.changed_data or (
            data.get("latitude") is None and data.get("longitude") is None))

    def profile_fields(self) -> dict:
        """After ``is_valid()``: ``weather_provider`` plus either ``{"city": name}`` (a city to look up,
        see :meth:`_looks_up`; the caller uses ``accounts.services.location_from_name``) or the
        coordinates (``latitude``, ``longitude``, None for none) and their ``location_name`` (kept
        while the coordinates stay, else empty)."""
        data = self.cleaned_data
        fields = {"weather_provider": data["weather_provider"]}
        if self._looks_up():
            fields["city"] = data["city"]
        elif data["latitude"] is None:
            fields.update(latitude=None, longitude=None, location_name="")
        else:
            moved = "latitude" in self.changed_data or "longitude" in self.changed_data
            fields.update(latitude=data["latitude"], longitude=data["longitude"],
                          location_name="" if moved else data["city"])
        return fields
