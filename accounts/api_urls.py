from django.urls import path

from accounts import api, views

urlpatterns = [
    path("token/", views.TokenApi.as_view(), name="api-token"),
    path("signup/", views.SignUpApi.as_view(), name="api-signup"),
]

#: Routes of the signed-in user, included under ``/api/me/`` by ``wardrobe.api.urls``.
me_urlpatterns = [
    path("settings/", api.ProfileApi.as_view(), name="api-settings"),
]
