"""API routes of statistics and declutter, included under ``/api/``."""

from django.urls import path

from wardrobe.stats import api

urlpatterns = [
    path("stats/", api.StatsView.as_view(), name="stats-api"),
    path("declutter/", api.DeclutterView.as_view(), name="declutter-api"),
    path("declutter/archive/", api.DeclutterArchiveView.as_view(), name="declutter-archive-api"),
]
