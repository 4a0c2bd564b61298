"""Login lockout and throttling glue: the client address, the lockout answer, the upload throttle and
the auth throttle of the web forms.

django-axes counts failed logins per username + client address (settings ``AXES_*``); DRF throttles
limit request rates (settings ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``). Both identify the client
by :func:`client_ip`, which trusts ``X-Forwarded-For`` only as far as ``NUM_PROXIES`` says. The web
login, sign-up and password forms count their POSTs in the API's ``auth`` scope (one counter per
client address, or per user when signed in, for pages and API together): :func:`auth_throttled`.
"""

from __future__ import annotations

import math
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address as a string, or None when the request has none (a test request).

    With ``NUM_PROXIES`` = 0 it is ``REMOTE_ADDR``; with n > 0 proxies it is the n-th address from the
    right of ``X-Forwarded-For`` (what the outermost trusted proxy saw), as DRF's throttles do, so
    a client cannot pick its own address by sending that header.
    """
    remote_addr = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = settings.NUM_PROXIES
    if proxies <= 0 or not forwarded:
        return remote_addr
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    if not addresses:
        return remote_addr
    return addresses[-min(proxies, len(addresses))]


def cool_off_seconds() -> int:
    """The lockout's cool-off (``AXES_COOLOFF_TIME``) in whole seconds."""
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message(seconds: int | None = None) -> str:
    """The lockout message in the active language, naming the cool-off in minutes (rounded up)."""
    minutes = max(1, math.ceil((cool_off_seconds() if seconds is None else seconds) / 60))
    return ngettext(
        "Too many failed login attempts. For your safety, logging in with this username from here is "
        "blocked for %(n)d minute.",
        "Too many failed login attempts. For your safety, logging in with this username from here is "
        "blocked for %(n)d minutes.",
        minutes,
    ) % {"n": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' ``AXES_LOCKOUT_CALLABLE``: the answer to a login refused by the lockout.

    API paths (``/api/...``) get ``429 {"detail": message}``, kept as is when the view already
    answered a 429; pages get ``registration/lockout.html`` with status 429. Both carry
    ``Retry-After`` (seconds: the whole cool-off, which restarts with every refused attempt).
    """
    seconds = cool_off_seconds()
    if request.path_info.startswith("/api/"):
        if original_response is not None and original_response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
            return original_response
        response: HttpResponse = JsonResponse(
            {"detail": lockout_message(seconds)}, status=status.HTTP_429_TOO_MANY_REQUESTS
        )
    else:
        response = render(
            request,
            "registration/lockout.html",
            {"message": lockout_message(seconds), "failure_limit": settings.AXES_FAILURE_LIMIT},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
    response["Retry-After"] = str(seconds)
    return response


class LockedOut(APIException):
    """API answer for a login or password confirmation refused by the lockout: 429 with ``Retry-After``."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self):
        self.wait = cool_off_seconds()  # DRF's exception handler turns it into Retry-After
        super().__init__(detail=lockout_message(self.wait))


class UploadRateThrottle(UserRateThrottle):
    """Scope ``upload`` (``THROTTLE_UPLOAD_RATE``), per user: the POSTs that create something (a
    viewset's ``create``; every POST of a plain view). Reads and other actions are not counted here."""

    scope = "upload"

    def allow_request(self, request, view) -> bool:
        if request.method != "POST" or getattr(view, "action", "create") != "create":
            return True
        return super().allow_request(request, view)


class AuthFormThrottle(SimpleRateThrottle):
    """Scope ``auth`` (``THROTTLE_AUTH_RATE``) for the web forms that take a password. Its cache key is
    the one of the API's ``ScopedRateThrottle`` for that scope (the user when signed in, else the
    client address as DRF sees it through ``NUM_PROXIES``), so pages and API share one counter."""

    scope = "auth"

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def throttled_message(seconds: int) -> str:
    """The auth throttle's message in the active language, naming the wait (seconds, or minutes
    rounded up when longer than 90 seconds)."""
    if seconds > 90:
        minutes = math.ceil(seconds / 60)
        return ngettext(
            "Too many attempts in a short time. Please wait %(n)d minute, then try again.",
            "Too many attempts in a short time. Please wait %(n)d minutes, then try again.",
            minutes,
        ) % {"n": minutes}
    return ngettext(
        "Too many attempts in a short time. Please wait %(n)d second, then try again.",
        "Too many attempts in a short time. Please wait %(n)d seconds, then try again.",
        seconds,
    ) % {"n": seconds}


def throttled_response(request: HttpRequest, seconds: int) -> HttpResponse:
    """The page of a form POST refused by the auth throttle: ``registration/throttled.html``, status
    429, ``Retry-After: seconds``."""
    response = render(
        request,
        "registration/throttled.html",
        {"message": throttled_message(seconds)},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(seconds)
    return response


def auth_throttled(view):
    """Decorator of a page view: its POSTs count towards the auth throttle (:class:`AuthFormThrottle`);
    over the rate the view is not called and the answer is :func:`throttled_response`. Other methods
    (reading the form) are not counted."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            throttle = AuthFormThrottle()
            if not throttle.allow_request(request, None):
                return throttled_response(request, max(1, math.ceil(throttle.wait() or 1)))
        return view(request, *args, **kwargs)

    return wrapper
