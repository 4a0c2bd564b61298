"""Account API: sign up, exchange a password for a token, change your password, sign out everywhere,
delete your account. Thin over ``accounts.services``."""

from __future__ import annotations

from django.contrib.auth import logout, update_session_auth_hash
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
#: ``{"token": key}``: the answer of the token endpoint and of a password change.
TOKEN_RESPONSE = inline_serializer("TokenResponse", {"token": serializers.CharField()})


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
            200: TOKEN_RESPONSE,
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


def _session_authenticated(request) -> bool:
    """Whether the request came with the browser's session (not a token)."""
    return isinstance(request.successful_authenticator, SessionAuthentication)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}, help_text="Your current password."
    )
    new_password = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="The new password; it must pass the server's password validators.",
    )


class PasswordChangeApi(APIView):
    """Change your password. Every other way into the account ends: the API token is replaced by a new
    one (returned), and every session is signed out, except the browser session that called (if any)."""

    throttle_scope = "auth"

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={
            200: TOKEN_RESPONSE,
            400: OpenApiResponse(
                description="Wrong `old_password`, or a `new_password` the validators refuse (their messages, "
                "in your language); nothing changed."
            ),
            429: OpenApiResponse(
                description="Too many wrong passwords (the login lockout) or requests: wait `Retry-After` seconds."
            ),
        },
    )
    def post(self, request):
        """Change your password: ``old_password`` and ``new_password`` -> ``{"token": new key}``. Every
        other way into the account ends: the old token no longer works and every session is signed
        out, except the browser session that called (if any). Wrong old passwords count towards the
        login lockout."""
        body = PasswordChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        session = _session_authenticated(request)
        try:
            token = services.user_password_change(
                user=request.user,
                old_password=body.validated_data["old_password"],
                new_password=body.validated_data["new_password"],
                request=request._request,
                keep_session_key=request.session.session_key if session else None,
            )
        except services.AccountLocked:
            raise LockedOut()
        if session:
            update_session_auth_hash(request._request, request.user)  # this browser stays signed in
        return Response({"token": token})


class LogoutEverywhereApi(APIView):
    """Sign out everywhere: your API token is deleted and every session of yours ends (this one too).
    Log in again (``/api/auth/token/``) for a new token."""

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Signed out everywhere.")})
    def post(self, request):
        """Sign out everywhere: your API token is deleted and every session of yours ends (the calling
        browser's too). Log in again (``/api/auth/token/``) for a new token."""
        services.user_logout_everywhere(user=request.user)
        if _session_authenticated(request):
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        if _session_authenticated(request):
            logout(request._request)  # the browser session that called the API ends too
        return Response(status=status.HTTP_204_NO_CONTENT)
