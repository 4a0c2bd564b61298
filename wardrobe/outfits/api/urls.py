"""API routes of outfits and the calendar, included under ``/api/``."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from wardrobe.outfits.api import views

router = SimpleRouter()
router.include_format_suffixes = False
router.register("outfits", views.OutfitViewSet, basename="outfit")
router.register("plans", views.PlanViewSet, basename="plan")

urlpatterns = [
    path("outfits/<int:pk>/image.png", views.OutfitImageView.as_view(), name="api-outfit-image"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("", include(router.urls)),
]
