from django.urls import path

from accounts import api, views

urlpatterns = [
    path("token/", views.TokenApi.as_view(), name="api-token"),
    path("signup/", views.SignUpApi.as_view(), name="api-signup"),
]

#: Routes of the signed-in user, included under ``/api/me/`` by ``wardrobe.api.urls``.
me_urlpatterns = [
    path("settings/", api.ProfileApi.as_view(), name="api-settings"),
    path("export/", api.ExportApi.as_view(), name="api-export"),
    path("delete/", api.AccountDeleteApi.as_view(), name="api-account-delete"),
]

#: The weather at your place and the place search, included under ``/api/`` by ``wardrobe.api.urls``.
weather_urlpatterns = [
    path("weather/", api.WeatherApi.as_view(), name="api-weather"),
    path("places/", api.PlacesApi.as_view(), name="api-places"),
]
