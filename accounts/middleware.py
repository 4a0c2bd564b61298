"""Activate the language a signed-in user chose, wherever they sign in from."""

from __future__ import annotations

from django.utils import translation


def user_language_activate(request, user) -> None:
    """Activate ``user``'s saved language (``Profile.language``) for the rest of ``request`` (a Django
    ``HttpRequest`` or DRF ``Request``) and set its ``LANGUAGE_CODE``; an empty one changes nothing."""
    from accounts.selectors import profile_get

    language = profile_get(user=user).language
    if language and language != translation.get_language():
        translation.activate(language)
        getattr(request, "_request", request).LANGUAGE_CODE = translation.get_language()


class UserLanguageMiddleware:
    """After ``LocaleMiddleware`` and authentication: a signed-in user's saved language wins over
    the cookie and the browser's ``Accept-Language``. Anonymous users keep Django's choice. API
    requests with a token are authenticated later, by DRF: ``accounts.authentication.TokenAuthentication``
    does the same for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            user_language_activate(request, user)
        return self.get_response(request)
