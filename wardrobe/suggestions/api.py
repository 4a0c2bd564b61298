"""REST API of outfit suggestions: ``GET /api/suggestions/`` (today's or tomorrow's weather and three
outfits for it) and ``POST /api/suggestions/accept/`` (wear one). Thin: the rules live in
``wardrobe.suggestions.rules``, the weather in ``wardrobe.weather``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from wardrobe.closet.models import Garment
from wardrobe.closet.picture_urls import garment_picture_url
from wardrobe.core.api.fields import StrictFloatField
from wardrobe.outfits.models import Outfit
from wardrobe.suggestions import services
from wardrobe.suggestions.rules import target_clo
from wardrobe.weather.api import DayForecastSerializer, WeatherErrorSerializer, weather_error
from wardrobe.weather.forecast import WeatherUnavailable
from wardrobe.weather.providers.manual import manual_forecast
from wardrobe.weather.selectors import forecast_for


def _today_or_tomorrow(value: dt.date) -> dt.date:
    today = timezone.localdate()
    if value not in (today, today + dt.timedelta(days=1)):
        raise serializers.ValidationError(
            _("Suggestions are made for today (%(today)s) or tomorrow (%(tomorrow)s).")
            % {"today": today.isoformat(), "tomorrow": (today + dt.timedelta(days=1)).isoformat()}
        )
    return value


class SuggestionQuerySerializer(serializers.Serializer):
    """Query parameters of ``GET /api/suggestions/``."""

    date = serializers.DateField(
        required=False,
        validators=[_today_or_tomorrow],
        help_text="Today (the default) or tomorrow, YYYY-MM-DD (the server's date).",
    )
    temp = StrictFloatField(
        required=False,
        min_value=-60,
        max_value=60,
        help_text=(
            "Manual weather: the day's temperature in °C. Without it the forecast of your profile's provider "
            "is used: a 400 (with a code) when no location is set or you chose to type the weather in, a 503 "
            "when the weather service is unreachable."
        ),
    )
    rain = serializers.BooleanField(
        required=False, default=False, help_text="Manual weather: whether it rains (only with temp)."
    )
    occasion = serializers.ChoiceField(
        choices=Outfit.Occasion.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="Only garments that suit this occasion (casual, work, formal, sport); empty: any.",
    )

    def validate(self, attrs):
        if self.initial_data.get("rain") not in (None, "") and "temp" not in attrs:
            raise serializers.ValidationError({"temp": [_("Give the temperature with the rain.")]})
        return attrs


class SuggestionItemSerializer(serializers.Serializer):
    """One garment of a suggested outfit."""

    id = serializers.IntegerField()
    label = serializers.CharField(help_text="The name you gave it, else its kind (your language).")
    kind = serializers.CharField(help_text="Type or category name (your language).")
    section = serializers.CharField(help_text="Closet section slug.")
    warmth = serializers.FloatField(help_text="clo")
    picture_url = serializers.URLField()


class SuggestionSerializer(serializers.Serializer):
    """One suggested outfit."""

    garments = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=("Garment ids, outerwear first, shoes last (what POST /api/suggestions/accept/ takes)."),
    )
    items = SuggestionItemSerializer(many=True)
    clo = serializers.FloatField(help_text="The outfit's warmth (sum of its garments' clo).")
    target_clo = serializers.FloatField(help_text="The warmth the day's temperature asks for (clo).")
    explanation = serializers.CharField(help_text='Why, in a line (your language), e.g. "12 °C and rain: coat, boots".')


class SuggestionListSerializer(serializers.Serializer):
    """The answer of ``GET /api/suggestions/``."""

    date = serializers.DateField()
    forecast = DayForecastSerializer()
    target_clo = serializers.FloatField(help_text="clo")
    suggestions = SuggestionSerializer(many=True, help_text="Up to three outfits, best first.")
    reason = serializers.CharField(
        allow_blank=True, help_text=("Why there are fewer than three (e.g. no clean shoes); empty otherwise.")
    )
    note = serializers.CharField(
        allow_blank=True,
        help_text="When even the warmest outfit is too light for the weather: add a layer; empty otherwise.",
    )


class SuggestionAcceptSerializer(serializers.Serializer):
    """Body of ``POST /api/suggestions/accept/``."""

    date = serializers.DateField(
        validators=[_today_or_tomorrow], help_text=("Today (logged as worn) or tomorrow (planned on the calendar).")
    )
    garments = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=services.MAX_ACCEPT_GARMENTS,
        help_text="Garment ids.",
    )
    explanation = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class SuggestionAcceptedSerializer(serializers.Serializer):
    """The outfit an accepted suggestion became."""

    outfit = serializers.IntegerField(help_text="The new outfit's id.")
    date = serializers.DateField()
    worn = serializers.BooleanField(help_text="true: logged as worn (today); false: planned (tomorrow).")


def _item(request, garment: Garment) -> dict:
    return {
        "id": garment.pk,
        "label": garment.label,
        "kind": garment.kind,
        "section": garment.category.section.slug,
        "warmth": garment.warmth,
        "picture_url": request.build_absolute_uri(garment_picture_url(garment)),
    }


class SuggestionListView(APIView):
    """Three outfits for today's or tomorrow's weather."""

    @extend_schema(
        parameters=[SuggestionQuerySerializer],
        responses={
            200: SuggestionListSerializer,
            400: OpenApiResponse(
                description=(
                    "Invalid parameters (keyed by name), or no forecast for a reason you can fix (`detail` and "
                    f"`code`: {', '.join(sorted(WeatherUnavailable.CLIENT_CODES))}); give temp (and rain) to type "
                    "the weather in."
                )
            ),
            503: OpenApiResponse(
                WeatherErrorSerializer,
                description=(
                    "The weather service cannot be reached or answered something unreadable; try again later, "
                    "or give temp (and rain) to type the weather in."
                ),
            ),
        },
    )
    def get(self, request):
        """Up to three complete outfits from your clean closet for the day's weather (the forecast of
        your profile's provider, or the ``temp`` / ``rain`` you give), each with its warmth against
        the day's target and a one-line explanation; see ``wardrobe.suggestions.rules``."""
        query = SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        date = params.get("date") or timezone.localdate()
        if "temp" in params:
            forecast = manual_forecast(date=date, temp_c=params["temp"], rain=params["rain"])
        else:
            try:
                forecast = forecast_for(user=request.user, date=date)
            except WeatherUnavailable as exc:  # 400 when the user can fix it, else 503
                return weather_error(exc)
        found = services.suggest(user=request.user, forecast=forecast, occasion=params.get("occasion", ""))
        return Response(
            {
                "date": date,
                "forecast": forecast.as_dict(),
                "target_clo": target_clo(forecast.temp_mean_c),
                "suggestions": [
                    {
                        "garments": [g.pk for g in s.garments],
                        "items": [_item(request, g) for g in s.garments],
                        "clo": s.clo,
                        "target_clo": s.target_clo,
                        "explanation": s.explanation,
                    }
                    for s in found
                ],
                "reason": found.reason,
                "note": found.note,
            }
        )


class SuggestionAcceptView(APIView):
    """Wear (today) or plan (tomorrow) a suggested outfit."""

    @extend_schema(request=SuggestionAcceptSerializer, responses={201: SuggestionAcceptedSerializer})
    def post(self, request):
        """Save the garments as an outfit (source ``suggestion``) on the calendar for ``date``; for
        today each garment's wear is logged. A 400 names a garment that is not yours, archived,
        waiting for review or in the wash."""
        body = SuggestionAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        outfit = services.suggestion_accept(
            user=request.user, date=data["date"], garment_ids=data["garments"], explanation=data.get("explanation", "")
        )
        worn = outfit.plans.filter(date=data["date"], worn=True).exists()
        return Response({"outfit": outfit.pk, "date": data["date"], "worn": worn}, status=status.HTTP_201_CREATED)
