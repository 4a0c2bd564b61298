"""API routes of the weather room, included under ``/api/``."""

from django.urls import path

from wardrobe.weather import api

urlpatterns = [
    path("weather/", api.WeatherApi.as_view(), name="api-weather"),
    path("places/", api.PlacesApi.as_view(), name="api-places"),
]
