"""API routes of packing lists, included under ``/api/``."""

from django.urls import path

from wardrobe.packing import api

urlpatterns = [
    path("trips/", api.TripListView.as_view(), name="trip-list"),
    path("trips/<int:trip_id>/", api.TripDetailView.as_view(), name="trip-detail"),
    path("trips/<int:trip_id>/items/", api.PackingItemAddView.as_view(), name="trip-item-add"),
    path("trips/items/<int:packing_item_id>/", api.PackingItemView.as_view(), name="trip-item"),
    path("trips/<int:trip_id>/propose/", api.TripProposeView.as_view(), name="trip-propose"),
    path("trips/<int:trip_id>/plan/", api.TripPlanView.as_view(), name="trip-plan"),
]
