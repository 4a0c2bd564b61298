"""REST API for the signed-in user's settings: thin over ``accounts.selectors`` / ``accounts.services``."""
from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.selectors import profile_get


class ProfileSerializer(serializers.Serializer):
    """The user's settings. In a PATCH every field is optional; only those given change."""

    language = serializers.ChoiceField(
        choices=[("", "The browser's language")] + list(settings.LANGUAGES), allow_blank=True, required=False,
        help_text="Interface language; empty: the browser's.")
    review_threshold = serializers.FloatField(
        min_value=0.0, max_value=1.0, required=False,
        help_text="New garments whose confidence is below this wait in the review queue (0..1).")
    currency = serializers.ChoiceField(choices=settings.CURRENCIES, required=False,
                                       help_text="Default currency of prices (ISO 4217).")

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Give at least one setting to change.")
        return attrs


class ProfileApi(APIView):
    """Your settings: interface language, review threshold and default currency."""

    @extend_schema(responses=ProfileSerializer)
    def get(self, request):
        """Your current settings."""
        return Response(ProfileSerializer(profile_get(user=request.user)).data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request):
        """Change some settings; answers all of them."""
        body = ProfileSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        profile = services.profile_update(user=request.user, **body.validated_data)
        return Response(ProfileSerializer(profile).data)
