"""Weather API: the forecast at your place and the place search; and the serializers other rooms
reuse (one day's forecast, the weather error, the weather part of your settings)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from wardrobe.core.api.fields import StrictFloatField
from wardrobe.core.api.schema import NamedChoiceField
from wardrobe.weather.forecast import WeatherUnavailable
from wardrobe.weather.geocoding import geocode
from wardrobe.weather.providers import provider_choices
from wardrobe.weather.selectors import forecast_for


class WeatherErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the user's language.")
    code = NamedChoiceField(
        enum_name="WeatherErrorCodeEnum",
        choices=list(WeatherUnavailable.CODES),
        help_text="`no-location`: set your place in the settings; `manual`: you chose to type the weather in; "
        "`out-of-range`: that date is not forecast; `unreachable` / `bad-response`: the weather "
        "service is down or answered something unreadable (try again later).",
    )


WEATHER_UNAVAILABLE_503 = OpenApiResponse(
    response=WeatherErrorSerializer,
    description="The weather service (or the place search) cannot be reached, or answered something "
    "unreadable; try again later.",
)


def weather_error(exc: WeatherUnavailable) -> Response:
    """``{"detail", "code"}`` for ``exc``: 400 when the user can fix it, 503 when the service failed."""
    code = (
        status.HTTP_400_BAD_REQUEST
        if exc.code in WeatherUnavailable.CLIENT_CODES
        else status.HTTP_503_SERVICE_UNAVAILABLE
    )
    return Response({"detail": str(exc), "code": exc.code}, status=code)


class DayForecastSerializer(serializers.Serializer):
    """One day's weather (``wardrobe.weather.forecast.DayForecast``)."""

    date = serializers.DateField()
    temp_min_c = serializers.FloatField(help_text="Lowest temperature, degrees Celsius.")
    temp_max_c = serializers.FloatField(help_text="Highest temperature, degrees Celsius.")
    temp_mean_c = serializers.FloatField(help_text="Mean of the two, degrees Celsius; the suggestions use it.")
    precipitation_mm = serializers.FloatField(help_text="Rain and snow over the day, mm.")
    precipitation_probability = serializers.IntegerField(
        allow_null=True, help_text="Highest chance of precipitation over the day, percent; null: unknown."
    )
    weather_code = serializers.IntegerField(allow_null=True, help_text="WMO weather code; null: unknown.")
    wet = serializers.BooleanField(help_text="Dress for rain: at least 1 mm, or a chance of 50 % or more.")
    source = serializers.CharField(help_text="The provider: `open-meteo` or `manual`.")


class WeatherSettingsSerializer(serializers.Serializer):
    """The weather part of your settings (``PATCH /api/me/settings/``): every field optional."""

    weather_provider = NamedChoiceField(
        enum_name="WeatherProviderEnum",
        choices=provider_choices(),
        required=False,
        source="provider",
        help_text="`open-meteo`: the forecast for your place; `manual`: you type the temperature and rain in.",
    )
    city = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="A city to look up (Open-Meteo place search; add the country to narrow it): sets "
        "`location_name`, `latitude` and `longitude` to the best match. Empty: no location. "
        "Not with `latitude` / `longitude` / `location_name`.",
    )
    location_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text='The place\'s label ("City, Region, Country" when looked up); empty when only coordinates are '
        "set. Written only together with `latitude` and `longitude`.",
    )
    latitude = StrictFloatField(
        min_value=-90.0,
        max_value=90.0,
        required=False,
        allow_null=True,
        help_text="Degrees, north positive; null: no location. With `longitude`.",
    )
    longitude = StrictFloatField(
        min_value=-180.0,
        max_value=180.0,
        required=False,
        allow_null=True,
        help_text="Degrees, east positive; null: no location. With `latitude`.",
    )

    def validate(self, attrs):
        if "city" in attrs and {"latitude", "longitude", "location_name"} & set(attrs):
            raise serializers.ValidationError({"city": [_("Give either a city or coordinates, not both.")]})
        if "location_name" in attrs and not {"latitude", "longitude"} <= set(attrs):
            raise serializers.ValidationError(
                {
                    "location_name": [
                        _("Give the place's latitude and longitude with its name, or look it up with city.")
                    ]
                }
            )
        return attrs


class WeatherQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="YYYY-MM-DD; default today. Yesterday to 15 days ahead.")


class WeatherApi(APIView):
    """The forecast at your place (set in your settings, never guessed from your address)."""

    @extend_schema(
        parameters=[WeatherQuerySerializer],
        responses={
            200: DayForecastSerializer,
            400: OpenApiResponse(
                description="A bad `date`; or no forecast for you: no place set (`code` "
                "`no-location`), you type the weather in (`manual`), or the date is "
                'not forecast (`out-of-range`). Body `{"detail", "code"}` '
                '(a bad `date`: `{"date": [...]}`).'
            ),
            503: WEATHER_UNAVAILABLE_503,
        },
    )
    def get(self, request):
        """One day's forecast (cached for ``WEATHER_CACHE_SECONDS``)."""
        query = WeatherQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            forecast = forecast_for(user=request.user, date=query.validated_data.get("date") or timezone.localdate())
        except WeatherUnavailable as exc:
            return weather_error(exc)
        return Response(DayForecastSerializer(forecast.as_dict()).data)


class PlaceSerializer(serializers.Serializer):
    """A place search match (``wardrobe.weather.geocoding.Place``)."""

    name = serializers.CharField()
    label = serializers.CharField(
        help_text='"City, Region, Country": what `PATCH /api/me/settings/` with this `city` stores as `location_name`.'
    )
    admin1 = serializers.CharField(help_text="Region (state, province); may be empty.")
    country = serializers.CharField()
    latitude = serializers.FloatField(help_text="Degrees, north positive.")
    longitude = serializers.FloatField(help_text="Degrees, east positive.")
    timezone = serializers.CharField(help_text="IANA time zone; may be empty.")


class PlaceQuerySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="A place name, optionally with its country.")


class PlacesApi(APIView):
    """Search places by name (Open-Meteo's place search) to pick your location."""

    @extend_schema(
        parameters=[PlaceQuerySerializer], responses={200: PlaceSerializer(many=True), 503: WEATHER_UNAVAILABLE_503}
    )
    def get(self, request):
        """Up to 5 places, best match first, named in your language where known; ``[]`` when none."""
        query = PlaceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            places = geocode(query.validated_data["name"], get_language())
        except WeatherUnavailable as exc:
            return weather_error(exc)
        return Response(PlaceSerializer([place.as_dict() for place in places], many=True).data)
