"""Routes of the export: the page's download (under the settings page's ``/accounts/settings/``, where
it has always been) and, included under ``/api/me/``, :data:`api_urlpatterns`."""

from django.urls import path

from wardrobe.backup import api, views

app_name = "backup"

#: Pages, included at the root.
urlpatterns = [
    path("accounts/settings/export/", views.export, name="export"),
    path("accounts/settings/import/", views.import_page, name="import"),
]

#: API, included under ``/api/me/``.
api_urlpatterns = [
    path("export/", api.ExportApi.as_view(), name="api-export"),
    path("import/", api.ImportApi.as_view(), name="api-import"),
    path("import/csv/", api.ImportCsvApi.as_view(), name="api-import-csv"),
]
