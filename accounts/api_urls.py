"""API routes of accounts: ``/api/auth/...`` and, under ``/api/me/``, :data:`me_urlpatterns`."""

from django.urls import path

from accounts import api

urlpatterns = [
    path("token/", api.TokenApi.as_view(), name="api-token"),
    path("signup/", api.SignUpApi.as_view(), name="api-signup"),
    path("logout-all/", api.LogoutEverywhereApi.as_view(), name="api-logout-all"),
]

#: Routes of the signed-in user's account, included under ``/api/me/`` by the root URLconf.
me_urlpatterns = [
    path("password/", api.PasswordChangeApi.as_view(), name="api-password-change"),
    path("delete/", api.AccountDeleteApi.as_view(), name="api-account-delete"),
]
