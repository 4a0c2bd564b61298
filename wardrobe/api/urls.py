from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api_urls import me_urlpatterns, weather_urlpatterns
from wardrobe.api import outfits as outfit_views
from wardrobe.api import suggestions as suggestion_views
from wardrobe.api import views

router = DefaultRouter()
# No ``/api/garments/1.json`` variants: the detail actions take no ``format`` argument (they
# answered those URLs with a 500), and JSON is the default anyway (``Accept`` or ``?format=json``).
router.include_format_suffixes = False
router.register("photos", views.PhotoViewSet, basename="photo")
router.register("garments", views.GarmentViewSet, basename="garment")
router.register("outfits", outfit_views.OutfitViewSet, basename="outfit")
router.register("plans", outfit_views.PlanViewSet, basename="plan")

urlpatterns = [
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("review/", views.ReviewListView.as_view(), name="review-list"),
    path("suggestions/", suggestion_views.SuggestionListView.as_view(), name="suggestion-list"),
    path("suggestions/accept/", suggestion_views.SuggestionAcceptView.as_view(), name="suggestion-accept"),
    path("outfits/<int:pk>/image.png", outfit_views.OutfitImageView.as_view(), name="outfit-image"),
    path("calendar/", outfit_views.CalendarView.as_view(), name="calendar"),
    path("me/", include(me_urlpatterns)),
    path("", include(weather_urlpatterns)),
    path("", include(router.urls)),
]
