"""API token authentication that speaks the user's language."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from accounts.middleware import user_language_activate
from accounts.selectors import profile_keep_loaded


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication (``Authorization: Token <key>``); once the token names a user, the
    language they saved (``Profile.language``) is activated for the rest of the request, as
    ``UserLanguageMiddleware`` does for a signed-in browser: the API's messages come in it whatever
    ``Accept-Language`` says. An empty saved language leaves Django's choice (``Accept-Language``).
    A token sent with no ``Token`` keyword, or a bad one, is DRF's answer unchanged."""

    def authenticate_credentials(self, key):
        """DRF's, with the user's profile read in the same query (``select_related``): the
        language is activated on every request. Raises ``AuthenticationFailed`` with DRF's messages."""
        model = self.get_model()
        try:
            token = model.objects.select_related("user__profile").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        profile_keep_loaded(token.user)
        return (token.user, token)

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            user_language_activate(request, result[0])
        return result
