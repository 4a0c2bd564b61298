"""API routes of the closet, included under ``/api/`` by the root URLconf."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from wardrobe.closet.api import similar, tags, views

router = SimpleRouter()
# No ``/api/garments/1.json`` variants: the detail actions take no ``format`` argument (they
# answered those URLs with a 500), and JSON is the default anyway (``Accept`` or ``?format=json``).
router.include_format_suffixes = False
router.register("photos", views.PhotoViewSet, basename="photo")
router.register("garments", views.GarmentViewSet, basename="garment")
router.register("tags", tags.TagViewSet, basename="tag")

urlpatterns = [
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("review/", views.ReviewListView.as_view(), name="review-list"),
    path("closet/match/", similar.ClosetMatchView.as_view(), name="closet-match"),
    path("garments/bulk/", tags.GarmentBulkView.as_view(), name="garment-bulk-edit"),
    path("", include(router.urls)),
]
