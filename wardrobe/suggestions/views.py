"""The suggestions page: today's and tomorrow's outfits for the weather, and "I'll wear this"."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wardrobe.core.http import safe_next
from wardrobe.outfits.models import Outfit
from wardrobe.suggestions import services
from wardrobe.suggestions.rules import target_clo
from wardrobe.weather.forecast import WeatherUnavailable
from wardrobe.weather.forms import ManualWeatherForm
from wardrobe.weather.providers.manual import ManualProvider, manual_forecast
from wardrobe.weather.selectors import forecast_for, weather_settings_get
from wardrobe.weather.services import weather_settings_set_place_by_name, weather_settings_update


def _occasion(request) -> str:
    """The ``occasion`` of the query when it is one of ``Outfit.Occasion``, else empty (any)."""
    value = request.GET.get("occasion", "")
    return value if value in Outfit.Occasion.values else ""


def _suggestion_day(request, key: str, date, manual_provider: bool) -> dict:
    """One day of the suggestions page: the weather (typed in with ``<key>-temp`` / ``<key>-rain``,
    else the profile's forecast), the outfits, and why there are none or fewer."""
    bound = f"{key}-temp" in request.GET
    form = ManualWeatherForm(request.GET if bound else None, prefix=key)
    day = {
        "key": key,
        "date": date,
        "form": form,
        "forecast": None,
        "unavailable": "",
        "no_location": False,
        "suggestions": [],
        "reason": "",
        "note": "",
        "manual": manual_provider,
    }
    if bound and form.is_valid():
        day["forecast"] = manual_forecast(date=date, temp_c=form.cleaned_data["temp"], rain=form.cleaned_data["rain"])
    elif not bound and not manual_provider:
        try:
            day["forecast"] = forecast_for(user=request.user, date=date)
        except WeatherUnavailable as exc:
            day["unavailable"] = str(exc)
            day["no_location"] = exc.code == "no-location"
    if day["forecast"] is not None:
        found = services.suggest(user=request.user, forecast=day["forecast"], occasion=_occasion(request))
        day["suggestions"], day["reason"], day["note"] = list(found), found.reason, found.note
        day["target_clo"] = target_clo(day["forecast"].temp_mean_c)
        day["manual"] = day["forecast"].source == ManualProvider.name
    return day


@login_required
@require_GET
def suggestions_page(request):
    """Today's and tomorrow's suggestions. The weather comes from the profile's provider; with the
    manual provider, or when the forecast is unavailable, a form asks for the temperature and rain."""
    today = timezone.localdate()
    manual = weather_settings_get(user=request.user).provider == ManualProvider.name
    days = [
        _suggestion_day(request, "today", today, manual),
        _suggestion_day(request, "tomorrow", today + timedelta(days=1), manual),
    ]
    for day, title in zip(days, (_("Today"), _("Tomorrow"))):
        day["title"] = title
    invalid = any(d["form"].is_bound and d["form"].errors for d in days)
    return render(
        request,
        "suggestions/suggestions.html",
        {
            "days": days,
            "query": request.GET.urlencode(),
            "occasions": Outfit.Occasion.choices,
            "occasion": _occasion(request),
            "no_location": any(d["no_location"] for d in days),
        },
        status=400 if invalid else 200,
    )


@login_required
@require_POST
def suggestions_accept(request):
    """ "I'll wear this": ``date`` (today or tomorrow), ``garments`` (ids) and ``explanation``."""
    back = safe_next(request, reverse("suggestions:suggestions"))
    today = timezone.localdate()
    try:
        day = forms.DateField().clean(request.POST.get("date"))
        if day not in (today, today + timedelta(days=1)):
            raise forms.ValidationError(_("Suggestions are made for today or tomorrow."))
        ids = [int(v) for v in request.POST.getlist("garments") if v.isascii() and v.isdigit()]
    except forms.ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    try:
        services.suggestion_accept(
            user=request.user, date=day, garment_ids=ids, explanation=request.POST.get("explanation", "")[:300]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Logged as worn today. Enjoy!") if day <= today else _("Planned for tomorrow."))
    return redirect(back)


@login_required
@require_POST
def suggestions_place(request):
    """The first visit's one question: where the person is. Either ``city`` (looked up by name) or
    ``latitude`` / ``longitude`` from the browser's position, given on the person's consent (rounded
    to 0.01°, about a kilometre). Errors come back as a message on the page."""
    back = reverse("suggestions:suggestions")
    try:
        if request.POST.get("latitude") or request.POST.get("longitude"):
            try:
                lat, lon = float(request.POST["latitude"]), float(request.POST["longitude"])
            except (KeyError, ValueError):
                raise ValidationError(_("Your browser sent a position that could not be read."))
            weather_settings_update(
                user=request.user, latitude=round(lat, 2), longitude=round(lon, 2), location_name=_("Your location")
            )
        else:
            weather_settings_set_place_by_name(user=request.user, name=request.POST.get("city", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except WeatherUnavailable as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Location saved: here is what to wear."))
    return redirect(back)
