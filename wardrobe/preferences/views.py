"""The settings page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import services as account_services
from accounts.forms import ProfileForm
from accounts.selectors import profile_get
from wardrobe.weather import services as weather_services
from wardrobe.weather.forecast import WeatherUnavailable
from wardrobe.weather.forms import WeatherSettingsForm
from wardrobe.weather.selectors import weather_settings_get


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """Language, review threshold, currency and, under "Weather", the place (a city looked up by
    name, or coordinates) and the weather provider. A city that cannot be found, or a place search
    that cannot be reached, is a message on the form; nothing is saved then."""
    profile = profile_get(user=request.user)
    place = weather_settings_get(user=request.user)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(profile))
    weather_form = WeatherSettingsForm(request.POST or None, initial=WeatherSettingsForm.initial_for(place))
    if request.method == "POST" and all([form.is_valid(), weather_form.is_valid()]):
        weather = weather_form.settings_fields()
        try:
            if "city" in weather:
                weather.update(weather_services.location_from_name(name=weather.pop("city"), language=get_language()))
            with transaction.atomic():
                account_services.profile_update(user=request.user, **form.profile_fields())
                weather_services.weather_settings_update(user=request.user, **weather)
        except WeatherUnavailable as exc:
            weather_form.add_error("city", str(exc))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                field = {"location_name": "city", "provider": "weather_provider"}.get(field, field)
                if field in weather_form.fields:
                    weather_form.add_error(field, errors)
                else:
                    form.add_error(field if field in form.fields else None, errors)
        else:
            response = redirect("preferences:settings")
            if form.cleaned_data["language"]:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    form.cleaned_data["language"],
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                )
            messages.success(request, _("Settings saved."))
            return response
        profile.refresh_from_db()
        place.refresh_from_db()
    invalid = bool(form.errors or weather_form.errors)
    return render(
        request,
        "preferences/settings.html",
        {"form": form, "weather_form": weather_form, "profile": profile, "place": place},
        status=400 if invalid else 200,
    )
