from django.urls import path

from wardrobe.preferences import api, views

app_name = "preferences"

#: Pages, included under ``/accounts/`` (the settings page has always lived there).
urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
]

#: API, included under ``/api/me/``.
api_urlpatterns = [
    path("settings/", api.SettingsApi.as_view(), name="api-settings"),
]
