"""Sign-up page and API auth endpoints. Login/logout pages are Django's own views."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.forms import SignUpForm
from accounts.selectors import profile_get


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
    from wardrobe.forms import SettingsForm

    profile = profile_get(user=request.user)
    form = SettingsForm(request.POST or None, initial={
        "language": profile.language, "review_threshold": round(profile.review_threshold * 100),
        "currency": profile.currency})
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request.user, language=form.cleaned_data["language"],
                                    review_threshold=form.cleaned_data["review_threshold"] / 100,
                                    currency=form.cleaned_data["currency"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            response = redirect("accounts:settings")
            if form.cleaned_data["language"]:
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"],
                                    max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax")
            messages.success(request, _("Settings saved."))
            return response
    return render(request, "registration/settings.html", {"form": form}, status=400 if form.errors else 200)


class SignUpInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    password2 = serializers.CharField(write_only=True, style={"input_type": "password"})


class SignUpApi(APIView):
    """Create an account; returns its API token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=SignUpInputSerializer, responses={201: inline_serializer(
        "SignUpResponse", {"id": serializers.IntegerField(), "username": serializers.CharField(),
                           "token": serializers.CharField()})})
    def post(self, request):
        body = SignUpInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = services.user_create(**body.validated_data)
        return Response({"id": user.pk, "username": user.username,
                         "token": services.token_get_or_create(user=user)}, status=status.HTTP_201_CREATED)


class TokenApi(ObtainAuthToken):
    """Exchange ``username`` + ``password`` for ``{"token": ...}``; send it as ``Authorization: Token <key>``."""

    authentication_classes: list = []
