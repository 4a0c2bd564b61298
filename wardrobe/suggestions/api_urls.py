"""API routes of suggestions, included under ``/api/``."""

from django.urls import path

from wardrobe.suggestions import api

urlpatterns = [
    path("suggestions/", api.SuggestionListView.as_view(), name="suggestion-list"),
    path("suggestions/accept/", api.SuggestionAcceptView.as_view(), name="suggestion-accept"),
]
