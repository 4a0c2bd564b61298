"""Routes of the export: the page's download (under the settings page's ``/accounts/settings/``, where
it has always been) and, included under ``/api/me/``, :data:`api_urlpatterns`."""

from django.urls import path

from wardrobe.backup import api, views

app_name = "backup"

#: Pages, included at the root.
urlpatterns = [
    path("accounts/settings/export/", views.export, name="export"),
]

#: API, included under ``/api/me/``.
api_urlpatterns = [
    path("export/", api.ExportApi.as_view(), name="api-export"),
]
