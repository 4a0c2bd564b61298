from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api_urls import me_urlpatterns
from wardrobe.api import views

router = DefaultRouter()
router.register("photos", views.PhotoViewSet, basename="photo")
router.register("garments", views.GarmentViewSet, basename="garment")

urlpatterns = [
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("review/", views.ReviewListView.as_view(), name="review-list"),
    path("me/", include(me_urlpatterns)),
    path("", include(router.urls)),
]
