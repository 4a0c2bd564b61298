"""Routes of care labels: the page (under the root, next to the item page) and the API (under ``/api/``)."""

from django.urls import path

from wardrobe.care import api, views

app_name = "care"

urlpatterns = [
    path("garments/<int:garment_id>/label/", views.label_read, name="label"),
    path("garments/<int:garment_id>/label/confirm/", views.label_confirm, name="label-confirm"),
]

#: API, included under ``/api/`` by the root URLconf.
api_urlpatterns = [
    path("garments/<int:garment_id>/label/", api.LabelReadApi.as_view(), name="api-label"),
    path("garments/<int:garment_id>/label/confirm/", api.LabelConfirmApi.as_view(), name="api-label-confirm"),
]
