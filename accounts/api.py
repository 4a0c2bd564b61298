"""REST API of the signed-in user: settings, closet export, account deletion, the weather at their
place and the place search. Thin over ``accounts.selectors`` / ``accounts.services`` /
``wardrobe.weather``."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.models import Profile
from accounts.security import LockedOut
from accounts.selectors import profile_get
from accounts.views import export_response
from wardrobe.api.schema import NamedChoiceField
from wardrobe.api.serializers import StrictFloatField, check_patch_body
from wardrobe.weather import WeatherUnavailable, forecast_for, geocode


#: ``Profile.weather_provider``'s choices.
WEATHER_PROVIDERS = [(value, str(label)) for value, label in Profile._meta.get_field("weather_provider").choices]
#: ``WeatherUnavailable.code`` values that are the client's to fix (400); the others (the provider
#: unreachable or unreadable) are 503.
WEATHER_CLIENT_CODES = {"no-location", "manual", "out-of-range"}


class WeatherErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the user's language.")
    code = NamedChoiceField(
        enum_name="WeatherErrorCodeEnum",
        choices=["no-location", "manual", "out-of-range", "unreachable", "bad-response"],
        help_text="`no-location`: set your place in the settings; `manual`: you chose to type the weather in; "
                  "`out-of-range`: that date is not forecast; `unreachable` / `bad-response`: the weather "
                  "service is down or answered something unreadable (try again later).")


WEATHER_UNAVAILABLE_503 = OpenApiResponse(
    response=WeatherErrorSerializer,
    description="The weather service (or the place search) cannot be reached, or answered something "
                "unreadable; try again later.")


def weather_error(exc: WeatherUnavailable) -> Response:
    """``{"detail", "code"}`` for ``exc``: 400 when the user can fix it, 503 when the service failed."""
    code = status.HTTP_400_BAD_REQUEST if exc.code in WEATHER_CLIENT_CODES else status.HTTP_503_SERVICE_UNAVAILABLE
    return Response({"detail": str(exc), "code": exc.code}, status=code)


class ProfileSerializer(serializers.Serializer):
    """The user's settings. In a PATCH every field is optional; only those given change."""

    strict_body = True  # see check_patch_body

    language = serializers.ChoiceField(
        choices=[("", "The browser's language")] + list(settings.LANGUAGES), allow_blank=True, required=False,
        help_text="Interface language; empty: the browser's.")
    review_threshold = StrictFloatField(
        min_value=0.0, max_value=1.0, required=False,
        help_text="New garments whose confidence is below this wait in the review queue (0..1).")
    currency = serializers.ChoiceField(choices=settings.CURRENCIES, required=False,
                                       help_text="Default currency of prices (ISO 4217).")
    weather_provider = NamedChoiceField(
        enum_name="WeatherProviderEnum", choices=WEATHER_PROVIDERS, required=False,
        help_text="`open-meteo`: the forecast for your place; `manual`: you type the temperature and rain in.")
    city = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=200,
        help_text="A city to look up (Open-Meteo place search; add the country to narrow it): sets "
                  "`location_name`, `latitude` and `longitude` to the best match. Empty: no location. "
                  "Not with `latitude` / `longitude` / `location_name`.")
    location_name = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text="The place's label (\"City, Region, Country\" when looked up); empty when only coordinates are "
                  "set. Written only together with `latitude` and `longitude`.")
    latitude = StrictFloatField(min_value=-90.0, max_value=90.0, required=False, allow_null=True,
                                help_text="Degrees, north positive; null: no location. With `longitude`.")
    longitude = StrictFloatField(min_value=-180.0, max_value=180.0, required=False, allow_null=True,
                                 help_text="Degrees, east positive; null: no location. With `latitude`.")

    def validate(self, attrs):
        check_patch_body(self, attrs, _("Give at least one setting to change."))
        if "city" in attrs and {"latitude", "longitude", "location_name"} & set(attrs):
            raise serializers.ValidationError({"city": [_("Give either a city or coordinates, not both.")]})
        if "location_name" in attrs and not {"latitude", "longitude"} <= set(attrs):
            raise serializers.ValidationError({"location_name": [
                _("Give the place's latitude and longitude with its name, or look it up with city.")]})
        return attrs


class ProfileApi(APIView):
    """Your settings: interface language, review threshold, default currency and the weather for
    outfit suggestions (your place and the provider)."""

    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        """Your current settings."""
        return Response(ProfileSerializer(profile_get(user=request.user)).data)

    @extend_schema(request=ProfileSerializer, responses={
        200: ProfileSerializer,
        400: OpenApiResponse(description="Invalid input, or no place has the `city` given."),
        503: WEATHER_UNAVAILABLE_503})
    def patch(self, request):
        """Change some settings; answers all of them. ``city`` is looked up with the place search:
        not found is a 400, the search unreachable a 503 (then nothing changes)."""
        body = ProfileSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        if "city" in fields:
            city = fields.pop("city").strip()
            if city:
                try:
                    fields.update(services.location_from_name(name=city, language=get_language()))
                except WeatherUnavailable as exc:
                    return weather_error(exc)
            else:
                fields.update(location_name="", latitude=None, longitude=None)
        profile = services.profile_update(user=request.user, **fields)
        return Response(ProfileSerializer(profile).data)


class ZipRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``Accept: application/zip``; the export view answers with a file itself."""

    media_type = "application/zip"
    format = "zip"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only errors come through a renderer here: send them as JSON bytes.
        return renderers.JSONRenderer().render(data)


class ExportApi(APIView):
    """Your whole closet as one zip: ``photos/``, ``cutouts/``, ``masks/`` and ``items.json``."""

    renderer_classes = [renderers.JSONRenderer, ZipRenderer]

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(
        OpenApiTypes.BINARY, description=(
            "A zip: `photos/<id>.<ext>` (your stored photos), `cutouts/<garment id>.png`, "
            "`masks/<garment id>.png` and `items.json` (`schema_version`, `photos`, `items`: every "
            "garment with its fields, wear dates and the archive paths of its files)."))})
    def get(self, request):
        """Download everything of yours (only your own rows and files)."""
        return export_response(request.user)


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"},
                                     help_text="Your password, to confirm.")


class AccountDeleteApi(APIView):
    """Delete your account with everything in it: photos, garments, wear log, settings, token, files."""

    throttle_scope = "auth"

    @extend_schema(request=AccountDeleteSerializer, responses={
        204: OpenApiResponse(description="Deleted; your token no longer works."),
        400: OpenApiResponse(description="Wrong or missing password; nothing was deleted."),
        429: OpenApiResponse(description="Too many wrong passwords (the login lockout) or requests: "
                                         "wait `Retry-After` seconds.")})
    def post(self, request):
        """Confirm with ``password``; wrong passwords count towards the login lockout."""
        body = AccountDeleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.user_delete(user=request.user, password=body.validated_data["password"],
                                 request=request._request)
        except services.AccountLocked:
            raise LockedOut()
        if isinstance(request.successful_authenticator, SessionAuthentication):
            logout(request._request)  # the browser session that called the API ends too
        return Response(status=status.HTTP_204_NO_CONTENT)


class DayForecastSerializer(serializers.Serializer):
    """``wardrobe.weather.DayForecast``."""

    date = serializers.DateField()
    temp_min_c = serializers.FloatField(help_text="Lowest temperature, degrees Celsius.")
    temp_max_c = serializers.FloatField(help_text="Highest temperature, degrees Celsius.")
    temp_mean_c = serializers.FloatField(help_text="Mean of the two, degrees Celsius.")
    precipitation_mm = serializers.FloatField(help_text="Rain and snow over the day, mm.")
    precipitation_probability = serializers.IntegerField(
        allow_null=True, help_text="Highest chance of precipitation over the day, percent; null: unknown.")
    weather_code = serializers.IntegerField(allow_null=True, help_text="WMO weather code; null: unknown.")
    wet = serializers.BooleanField(help_text="Dress for rain: at least 1 mm, or a chance of 50 % or more.")
    source = serializers.CharField(help_text="The provider: `open-meteo` or `manual`.")


class WeatherQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="YYYY-MM-DD; default today. Yesterday to 15 days ahead.")


class WeatherApi(APIView):
    """The forecast at your place (set in your settings, never guessed from your address)."""

    @extend_schema(parameters=[WeatherQuerySerializer], responses={
        200: DayForecastSerializer,
        400: OpenApiResponse(description="A bad `date`; or no forecast for you: no place set (`code` "
                                         "`no-location`), you type the weather in (`manual`), or the date is "
                                         "not forecast (`out-of-range`). Body `{\"detail\", \"code\"}` "
                                         "(a bad `date`: `{\"date\": [...]}`)."),
        503: WEATHER_UNAVAILABLE_503})
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
    """``wardrobe.weather.Place``."""

    name = serializers.CharField()
    label = serializers.CharField(help_text="\"City, Region, Country\": what `PATCH /api/me/settings/` with "
                                            "this `city` stores as `location_name`.")
    admin1 = serializers.CharField(help_text="Region (state, province); may be empty.")
    country = serializers.CharField()
    latitude = serializers.FloatField(help_text="Degrees, north positive.")
    longitude = serializers.FloatField(help_text="Degrees, east positive.")
    timezone = serializers.CharField(help_text="IANA time zone; may be empty.")


class PlaceQuerySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="A place name, optionally with its country.")


class PlacesApi(APIView):
    """Search places by name (Open-Meteo's place search) to pick your location."""

    @extend_schema(parameters=[PlaceQuerySerializer], responses={
        200: PlaceSerializer(many=True), 503: WEATHER_UNAVAILABLE_503})
    def get(self, request):
        """Up to 5 places, best match first, named in your language where known; ``[]`` when none."""
        query = PlaceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            places = geocode(query.validated_data["name"], get_language())
        except WeatherUnavailable as exc:
            return weather_error(exc)
        return Response(PlaceSerializer([place.as_dict() for place in places], many=True).data)
