"""API token authentication that speaks the user's language."""

from __future__ import annotations

from rest_framework import authentication

from accounts.middleware import user_language_activate


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication (``Authorization: Token <key>``); once the token names a user, the
    language they saved (``Profile.language``) is activated for the rest of the request, as
    ``UserLanguageMiddleware`` does for a signed-in browser: the API's messages come in it whatever
    ``Accept-Language`` says. An empty saved language leaves Django's choice (``Accept-Language``).
    A token sent with no ``Token`` keyword, or a bad one, is DRF's answer unchanged."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user_language_activate(request, result[0])
        return result
