"""Sign-up page and API auth endpoints. Login/logout pages are Django's own views."""
from __future__ import annotations

from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.forms import SignUpForm


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
