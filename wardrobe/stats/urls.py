"""Pages of statistics and declutter."""

from django.urls import path

from wardrobe.stats import views

app_name = "stats"

urlpatterns = [
    path("stats/", views.stats_page, name="stats"),
    path("declutter/", views.declutter_page, name="declutter"),
    path("declutter/archive/", views.declutter_archive, name="declutter-archive"),
]
