"""Account pages (sign-up, settings, delete, export) and the API auth endpoints. Login/logout pages
are Django's own views; a locked-out login gets ``accounts.security.lockout_response``."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.forms import DeleteAccountForm, SignUpForm, WeatherSettingsForm
from accounts.security import LockedOut, lockout_response
from accounts.selectors import closet_export_open, profile_get
from wardrobe.weather import WeatherUnavailable


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("wardrobe:closet")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create(username=form.cleaned_data["username"],
                                    password=form.cleaned_data["password1"],
                                    password2=form.cleaned_data["password2"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("wardrobe:upload")
    return render(request, "registration/signup.html", {"form": form})


@require_POST
def language(request):
    """The language switcher: Django's ``set_language`` (cookie, redirect to ``next``), and for a
    signed-in user the choice is saved in their profile so it follows them to other devices."""
    response = set_language(request)
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        services.profile_update(user=request.user, language=code)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """Language, review threshold, currency and, under "Weather", the place (a city looked up by
    name, or coordinates) and the weather provider. A city that cannot be found, or a place search
    that cannot be reached, is a message on the form; nothing is saved then."""
    from wardrobe.forms import SettingsForm

    profile = profile_get(user=request.user)
    form = SettingsForm(request.POST or None, initial={
        "language": profile.language, "review_threshold": round(profile.review_threshold * 100),
        "currency": profile.currency})
    weather_form = WeatherSettingsForm(request.POST or None, initial={
        "weather_provider": profile.weather_provider, "city": profile.location_name,
        "latitude": profile.latitude, "longitude": profile.longitude})
    if request.method == "POST" and all([form.is_valid(), weather_form.is_valid()]):
        weather = weather_form.profile_fields()
        try:
            if "city" in weather:
                weather.update(services.location_from_name(name=weather.pop("city"), language=get_language()))
            services.profile_update(user=request.user, language=form.cleaned_data["language"],
                                    review_threshold=form.cleaned_data["review_threshold"] / 100,
                                    currency=form.cleaned_data["currency"], **weather)
        except WeatherUnavailable as exc:
            weather_form.add_error("city", str(exc))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                field = {"location_name": "city"}.get(field, field)
                if field in weather_form.fields:
                    weather_form.add_error(field, errors)
                else:
                    form.add_error(field if field in form.fields else None, errors)
        else:
            response = redirect("accounts:settings")
            if form.cleaned_data["language"]:
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"],
                                    max_age=settings.LANGUAGE_COOKIE_AGE, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                                    secure=settings.LANGUAGE_COOKIE_SECURE)
            messages.success(request, _("Settings saved."))
            return response
    invalid = bool(form.errors or weather_form.errors)
    return render(request, "registration/settings.html", {"form": form, "weather_form": weather_form,
                                                          "profile": profile}, status=400 if invalid else 200)


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    """Confirm with the password, then delete the account, its closet and its files; log out."""
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_delete(user=request.user, password=form.cleaned_data["password"], request=request)
        except services.AccountLocked:
            return lockout_response(request)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            logout(request)
            messages.success(request, _("Your account, your closet and all your photos were deleted."))
            return redirect("accounts:login")
    return render(request, "registration/account_delete.html", {"form": form}, status=400 if form.errors else 200)


def export_filename(user) -> str:
    """``wardrobe-<username>-<YYYY-MM-DD>.zip``: the download name of a closet export."""
    return f"wardrobe-{user.get_username()}-{timezone.localdate().isoformat()}.zip"


def export_response(user) -> FileResponse:
    """The user's closet export (``accounts.selectors.closet_export_write``) as a zip download."""
    response = FileResponse(closet_export_open(user=user), as_attachment=True, filename=export_filename(user),
                            content_type="application/zip")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def export(request):
    """Download your closet: photos, cutouts, masks and ``items.json`` in one zip."""
    return export_response(request.user)


class SignUpInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    password2 = serializers.CharField(write_only=True, style={"input_type": "password"})


#: Documented answers of the auth endpoints besides their success.
THROTTLED = OpenApiResponse(description="Too many requests (or, for a login, too many failed attempts "
                                        "for this username from this address): wait `Retry-After` seconds.")


class SignUpApi(APIView):
    """Create an account; returns its API token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    @extend_schema(request=SignUpInputSerializer, responses={201: inline_serializer(
        "SignUpResponse", {"id": serializers.IntegerField(), "username": serializers.CharField(),
                           "token": serializers.CharField()}), 429: THROTTLED})
    def post(self, request):
        body = SignUpInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.user_create(**body.validated_data)
        return Response({"id": user.pk, "username": user.username,
                         "token": services.token_get_or_create(user=user)}, status=status.HTTP_201_CREATED)


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

    @extend_schema(request=TokenInputSerializer, responses={
        200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
        400: OpenApiResponse(description="Wrong credentials or missing fields."), 429: THROTTLED})
    def post(self, request):
        body = TokenInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            user = services.user_authenticate(request=request._request, **body.validated_data)
        except services.AccountLocked:
            raise LockedOut()
        return Response({"token": services.token_get_or_create(user=user)})
