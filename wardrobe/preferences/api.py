"""``/api/me/settings/``: your settings as one resource, composed of the account's preferences and
the weather settings."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services as account_services
from accounts.selectors import profile_get
from wardrobe.core.api.fields import StrictFloatField, check_patch_body
from wardrobe.core.choices import currency_choices
from wardrobe.weather import services as weather_services
from wardrobe.weather.api import WEATHER_UNAVAILABLE_503, WeatherSettingsSerializer, weather_error
from wardrobe.weather.forecast import WeatherUnavailable
from wardrobe.weather.selectors import weather_settings_get

#: The fields of :class:`SettingsSerializer` that belong to accounts' ``Profile``.
PROFILE_FIELDS = ("language", "review_threshold", "currency", "mix_patterns")


class SettingsSerializer(WeatherSettingsSerializer):
    """Your settings. In a PATCH every field is optional; only those given change."""

    strict_body = True  # see check_patch_body

    language = serializers.ChoiceField(
        choices=[("", "The browser's language")] + list(settings.LANGUAGES),
        allow_blank=True,
        required=False,
        help_text="Interface language; empty: the browser's.",
    )
    review_threshold = StrictFloatField(
        min_value=0.0,
        max_value=1.0,
        required=False,
        help_text="New garments whose confidence is below this wait in the review queue (0..1).",
    )
    currency = serializers.ChoiceField(
        choices=currency_choices(), required=False, help_text="Default currency of prices (ISO 4217)."
    )
    mix_patterns = serializers.BooleanField(
        required=False, help_text="Outfit suggestions may put several patterned pieces together (else at most one)."
    )

    def get_fields(self):
        fields = super().get_fields()
        order = list(PROFILE_FIELDS) + [name for name in fields if name not in PROFILE_FIELDS]
        return {name: fields[name] for name in order}

    def validate(self, attrs):
        check_patch_body(self, attrs, _("Give at least one setting to change."))
        return super().validate(attrs)


def _current(user) -> dict:
    profile, place = profile_get(user=user), weather_settings_get(user=user)
    return SettingsSerializer(
        {
            **{name: getattr(profile, name) for name in PROFILE_FIELDS},
            "provider": place.provider,
            "location_name": place.location_name,
            "latitude": place.latitude,
            "longitude": place.longitude,
        }
    ).data


class SettingsApi(APIView):
    """Your settings: interface language, review threshold, default currency and the weather for
    outfit suggestions (your place and the provider)."""

    @extend_schema(responses=SettingsSerializer)
    def get(self, request):
        """Your current settings."""
        return Response(_current(request.user))

    @extend_schema(
        request=SettingsSerializer,
        responses={
            200: SettingsSerializer,
            400: OpenApiResponse(description="Invalid input, or no place has the `city` given."),
            503: WEATHER_UNAVAILABLE_503,
        },
    )
    def patch(self, request):
        """Change some settings; answers all of them. ``city`` is looked up with the place search:
        not found is a 400, the search unreachable a 503 (then nothing changes)."""
        body = SettingsSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        profile_fields = {name: fields.pop(name) for name in PROFILE_FIELDS if name in fields}
        if "city" in fields:
            city = fields.pop("city").strip()
            if city:
                try:
                    fields.update(weather_services.location_from_name(name=city, language=get_language()))
                except WeatherUnavailable as exc:
                    return weather_error(exc)
            else:
                fields.update(location_name="", latitude=None, longitude=None)
        with transaction.atomic():
            if profile_fields:
                account_services.profile_update(user=request.user, **profile_fields)
            if fields:
                weather_services.weather_settings_update(user=request.user, **fields)
        return Response(_current(request.user))
