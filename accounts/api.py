"""Account API: sign up, exchange a password for a token, delete your account. Thin over
``accounts.services``."""

from __future__ import annotations

from django.contrib.auth import logout
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.security import LockedOut

#: Documented answers of the auth endpoints besides their success.
THROTTLED = OpenApiResponse(
    description="Too many requests (or, for a login, too many failed attempts "
    "for this username from this address): wait `Retry-After` seconds."
)


class SignUpInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    password2 = serializers.CharField(write_only=True, style={"input_type": "password"})


class SignUpApi(APIView):
    """Create an account; returns its API token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    @extend_schema(
        request=SignUpInputSerializer,
        responses={
            201: inline_serializer(
                "SignUpResponse",
                {
                    "id": serializers.IntegerField(),
                    "username": serializers.CharField(),
                    "token": serializers.CharField(),
                },
            ),
            429: THROTTLED,
        },
    )
    def post(self, request):
        body = SignUpInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.user_create(**body.validated_data)
        return Response(
            {"id": user.pk, "username": user.username, "token": services.token_get_or_create(user=user)},
            status=status.HTTP_201_CREATED,
        )


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})


class TokenApi(APIView):
    """Exchange ``username`` + ``password`` for ``{"token": ...}``; send it as ``Authorization: Token <key>``.

    Failed attempts count towards the login lockout (``AXES_FAILURE_LIMIT`` per username and
    address); while locked out the answer is 429 with ``Retry-After``, even for the right password.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    @extend_schema(
        request=TokenInputSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: OpenApiResponse(description="Wrong credentials or missing fields."),
            429: THROTTLED,
        },
    )
    def post(self, request):
        body = TokenInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            user = services.user_authenticate(request=request._request, **body.validated_data)
        except services.AccountLocked:
            raise LockedOut()
        return Response({"token": services.token_get_or_create(user=user)})


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}, help_text="Your password, to confirm."
    )


class AccountDeleteApi(APIView):
    """Delete your account with everything in it: photos, garments, wear log, settings, token, files."""

    throttle_scope = "auth"

    @extend_schema(
        request=AccountDeleteSerializer,
        responses={
            204: OpenApiResponse(description="Deleted; your token no longer works."),
            400: OpenApiResponse(description="Wrong or missing password; nothing was deleted."),
            429: OpenApiResponse(
                description="Too many wrong passwords (the login lockout) or requests: wait `Retry-After` seconds."
            ),
        },
    )
    def post(self, request):
        """Confirm with ``password``; wrong passwords count towards the login lockout."""
        body = AccountDeleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.user_delete(user=request.user, password=body.validated_data["password"], request=request._request)
        except services.AccountLocked:
            raise LockedOut()
        if isinstance(request.successful_authenticator, SessionAuthentication):
            logout(request._request)  # the browser session that called the API ends too
        return Response(status=status.HTTP_204_NO_CONTENT)
