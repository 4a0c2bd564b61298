from django.urls import path

from wardrobe.suggestions import views

app_name = "suggestions"

urlpatterns = [
    path("outfits/suggestions/", views.suggestions_page, name="suggestions"),
    path("outfits/suggestions/accept/", views.suggestions_accept, name="suggestions-accept"),
    path("outfits/suggestions/place/", views.suggestions_place, name="suggestions-place"),
]
