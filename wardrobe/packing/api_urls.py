"""API routes of packing lists, included under ``/api/``."""

from django.urls import path

from wardrobe.packing import api

urlpatterns = [
    path("trips/", api.TripListView.as_view(), name="trip-list"),
    path("trips/<int:pk>/", api.TripDetailView.as_view(), name="trip-detail"),
    path("trips/<int:pk>/items/", api.PackingItemAddView.as_view(), name="trip-item-add"),
    path("trips/<int:pk>/items/<int:item_id>/", api.PackingItemView.as_view(), name="trip-item"),
    path("trips/<int:pk>/propose/", api.TripProposeView.as_view(), name="trip-propose"),
    path("trips/<int:pk>/plan/", api.TripPlanView.as_view(), name="trip-plan"),
]
