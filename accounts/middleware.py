"""Activate the language a signed-in user chose, wherever they sign in from."""

from __future__ import annotations

from django.utils import translation


class UserLanguageMiddleware:
    """After ``LocaleMiddleware`` and authentication: a signed-in user's saved language wins over
    the cookie and the browser's ``Accept-Language``. Anonymous users keep Django's choice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from accounts.selectors import profile_get

            language = profile_get(user=user).language
            if language and language != translation.get_language():
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
